from django.apps import AppConfig


class CasefileConfig(AppConfig):
    name = "msphub.casefile"
    label = "casefile"
    verbose_name = "Case file"
