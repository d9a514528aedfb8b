from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "msphub.accounts"
    label = "accounts"
    verbose_name = "Organisations, teams and users"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from msphub.core.middleware import note_activity

        # A new session starts its idle count at sign-in (so the first page need not write it again).
        def started(sender, request, user, **kwargs) -> None:
            note_activity(request.session)

        user_logged_in.connect(started, weak=False, dispatch_uid="msphub.idle_timeout")
