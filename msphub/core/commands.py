"""Helpers for management commands' arguments, parsed once where they come in."""

from django.core.management.base import CommandError

from .periods import FinancialYear


def financial_year_option(label: str) -> FinancialYear:
    """A command's ``--year``: a FinancialYear, or a CommandError saying what a year looks like."""
    try:
        return FinancialYear.parse(label)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
