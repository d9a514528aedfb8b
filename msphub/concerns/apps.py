from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "msphub.concerns"
    label = "concerns"
    verbose_name = "Concerns and triage"
