from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "msphub.accounts"
    label = "accounts"
    verbose_name = "Organisations, teams and users"
