"""The request type of a view behind the login (the login middleware guarantees a real user)."""

from django.http import HttpRequest

from .models import User


class AuthenticatedRequest(HttpRequest):
    """Annotate views with this instead of ``HttpRequest``: ``request.user`` is a ``User``."""

    user: User
