from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "msphub.providers"
    label = "providers"
    verbose_name = "Providers and whole-service enquiries"
