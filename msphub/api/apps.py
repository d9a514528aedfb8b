from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "msphub.api"
    label = "api"
    verbose_name = "Partner systems (API)"
