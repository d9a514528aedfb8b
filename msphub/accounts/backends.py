"""Signing in with a username and password, and loading the signed-in user on every request."""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from .models import User


class AccountBackend(ModelBackend):
    """Django's ModelBackend, with the signed-in user loaded together with their organisation and
    team: every page asks for both (the navigation, and the scope of every record lookup), which
    would otherwise cost two more queries per request."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("organisation", "team").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
