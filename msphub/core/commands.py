"""Helpers for management commands' arguments, parsed once where they come in."""

from django.core.management.base import CommandError

from msphub.accounts.models import Organisation
from msphub.core.periods import FinancialYear


def financial_year_option(label: str) -> FinancialYear:
    """A command's ``--year``: a FinancialYear, or a CommandError saying what a year looks like."""
    try:
        return FinancialYear.parse(label)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


def council_option(code: str) -> Organisation:
    """A command's ``--council``: the council with that ONS code, or a CommandError."""
    council = Organisation.objects.filter(kind=Organisation.Kind.COUNCIL, ons_code=code).first()
    if council is None:
        raise CommandError(f"No council with ONS code {code}")
    return council
