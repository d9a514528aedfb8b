from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "msphub.people"
    label = "people"
    verbose_name = "Adults at risk"
