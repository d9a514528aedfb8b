from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "msphub.core"
    label = "core"
    verbose_name = "Core"
