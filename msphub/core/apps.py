from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "msphub.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from . import govuk, history, signals

        signals.connect()
        history.build_history_managers_once()
        govuk.share_one_jinja_environment()
