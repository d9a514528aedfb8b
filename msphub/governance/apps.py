from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "msphub.governance"
    label = "governance"
    verbose_name = "Information governance"
