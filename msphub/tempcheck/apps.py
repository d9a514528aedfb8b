from django.apps import AppConfig


class TempcheckConfig(AppConfig):
    name = "msphub.tempcheck"
    label = "tempcheck"
    verbose_name = "Temperature check"
