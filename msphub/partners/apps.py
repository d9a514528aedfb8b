from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "msphub.partners"
    label = "partners"
    verbose_name = "Working with partners"
