from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "msphub.letters"
    label = "letters"
    verbose_name = "Letters"
