"""Changing a record's state when two people may act on it at once."""

from collections.abc import Collection

from django.core.exceptions import PermissionDenied
from django.db.models import Model


class StateChanged(PermissionDenied):
    """Someone else changed the record's state first (two managers pressing at once): the message says
    what happened, for the page to show. A view that does not catch it answers 403."""


def lock_status(record: Model, allowed: Collection[str], refusal: Exception, field: str = "status") -> None:
    """Lock the record's row until the transaction ends and check that its status (``field``, for a
    record whose state has another name), as stored now (not as this request read it), is one of
    ``allowed``; else raise ``refusal``.

    Call inside ``transaction.atomic``: a second writer waits for the first to commit, then is
    refused rather than acting on a state that has already moved on.
    """
    rows = type(record)._default_manager.select_for_update().filter(pk=record.pk)
    if rows.values_list(field, flat=True).first() not in allowed:
        raise refusal
