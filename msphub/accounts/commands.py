"""Helpers for management commands' arguments about organisations, parsed once where they come in."""

from django.core.management.base import CommandError

from .models import Organisation


def council_option(code: str) -> Organisation:
    """A command's ``--council``: the council with that ONS code, or a CommandError."""
    council = Organisation.objects.filter(kind=Organisation.Kind.COUNCIL, ons_code=code).first()
    if council is None:
        raise CommandError(f"No council with ONS code {code}")
    return council
