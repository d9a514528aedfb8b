from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "msphub.audits"
    label = "audits"
    verbose_name = "Case file audits"
