from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "msphub.measures"
    label = "measures"
    verbose_name = "Measures, the SAC return and the Board dashboard"
