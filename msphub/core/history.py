"""Change history for display: who changed what, when, from the django-simple-history tables."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

HIDDEN_FIELDS = {
    "id",
    "uuid",
    "history_id",
    "history_date",
    "history_user",
    "history_type",
    "history_change_reason",
    "submission_token",
}


@dataclass
class Change:
    at: datetime
    user: Any
    record: str
    action: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)


def changes_for(histories: list[QuerySet]) -> list[Change]:
    """Every change to the given records, newest first.

    Each historical row is compared with the previous row of the same record in memory, so a page
    makes one query per history table whatever the number of changes.
    """
    changes: list[Change] = []
    for qs in histories:
        model = qs.model
        instance_model = model.instance_type
        label = instance_model._meta.verbose_name.capitalize()
        kept = {f.attname for f in model._meta.concrete_fields}
        fields = [
            f
            for f in instance_model._meta.concrete_fields
            if f.attname in kept and f.attname not in HIDDEN_FIELDS
        ]
        previous: dict[Any, Any] = {}
        for row in qs.select_related("history_user").order_by("history_date", "history_id"):
            before = previous.get(row.id)
            changed = []
            for f in fields:
                new = getattr(row, f.attname)
                old = getattr(before, f.attname) if before is not None else None
                if before is None and new in (None, "", False):
                    continue
                if before is None or old != new:
                    changed.append((f.verbose_name.capitalize(), _show(f, old), _show(f, new)))
            action = {"+": "Created", "~": "Changed", "-": "Deleted"}[row.history_type]
            if changed or action != "Changed":
                changes.append(Change(row.history_date, row.history_user, label, action, changed))
            previous[row.id] = row
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes


def _show(model_field: Any, value: Any) -> str:
    if value in (None, ""):
        return ""
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.strftime("%d %b %Y %H:%M")
    return str(value)
