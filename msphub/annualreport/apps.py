from django.apps import AppConfig


class AnnualreportConfig(AppConfig):
    name = "msphub.annualreport"
    label = "annualreport"
    verbose_name = "Annual report"
