from django.apps import AppConfig


class SarsConfig(AppConfig):
    name = "msphub.sars"
    label = "sars"
    verbose_name = "Safeguarding Adults Reviews"
