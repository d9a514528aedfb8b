from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "msphub.demo"
    label = "demo"
    verbose_name = "Demo data"
