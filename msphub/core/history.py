"""Change history for display: who changed what, when, from the django-simple-history tables;
and the one history page of a record (a person, a concern, an enquiry)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from simple_history.manager import HistoryDescriptor
from simple_history.utils import get_history_manager_for_model

from .access import access_log_for


def build_history_managers_once() -> None:
    """Make ``Model.history`` build its manager class once rather than on every access.

    django-simple-history 3.13's descriptor calls ``Manager.from_queryset`` (a new class, made by
    inspecting every queryset method) each time ``.history`` is read, and every saved change reads
    it: 0.6 ms a change, a tenth of the demo seed's time. The class depends only on the descriptor's
    manager and queryset classes, so one per descriptor is the same manager, made once. Called from
    ``CoreConfig.ready``; tests/test_history.py checks the managers still behave as the library's.
    """

    def __get__(self: HistoryDescriptor, instance: Model | None, owner: type[Model]) -> Any:
        manager_class = self.__dict__.get("_msphub_manager_class")
        if manager_class is None:
            manager_class = self.manager_class.from_queryset(self.queryset_class)
            self._msphub_manager_class = manager_class
        return manager_class(self.model, instance)

    HistoryDescriptor.__get__ = __get__


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


def history_page(
    request: HttpRequest,
    record: Model,
    parts: Iterable[type[Model]],
    *,
    name: str,
    caption: str,
    back: str,
    show_who_viewed: bool,
) -> HttpResponse:
    """The changes to the record and to its ``parts`` (models whose rows belong to it through a
    foreign key named after it: a concern's notes have ``concern``), newest first; and, when
    ``show_who_viewed`` (the safeguarding lead), who has viewed it. ``name`` goes in the page
    title, ``caption`` above the heading, ``back`` is the back link's URL."""
    owner = f"{record._meta.model_name}_id"
    histories = [
        get_history_manager_for_model(record).all(),
        *(get_history_manager_for_model(part).filter(**{owner: record.pk}) for part in parts),
    ]
    access = access_log_for(record)[:200] if show_who_viewed else None
    return render(
        request,
        "core/history.html",
        {
            "entries": changes_for(histories),
            "access": access,
            "name": name,
            "caption": caption,
            "back": back,
        },
    )
