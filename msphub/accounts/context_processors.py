"""``can``: the page permissions of the signed-in user, for navigation and home links."""

from typing import Any

from django.http import HttpRequest

from . import permissions


class _Can:
    """``{% if can.caseload %}``: asks accounts.permissions only for the names a template uses."""

    def __init__(self, user: Any) -> None:
        self._user = user
        self._answers: dict[str, bool] = {}

    def __getitem__(self, name: str) -> bool:
        if name not in self._answers:
            self._answers[name] = permissions.ALL[name].allows(self._user)
        return self._answers[name]


def can(request: HttpRequest) -> dict[str, Any]:
    return {"can": _Can(getattr(request, "user", None))}
