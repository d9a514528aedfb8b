"""Change history for display: who changed what, when, from the django-simple-history tables;
and the one history page of a record (a person, a concern, an enquiry)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
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
# A related record the viewer may not see (a concern once linked to a restricted person, say) is
# named by this, never by its name.
NOT_SHOWN = "A record you cannot see"


@dataclass
class Change:
    at: datetime
    user: Any
    record: str
    action: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def when(self) -> str:
        """When, as a person reads it: "17 May 2026, 3:05pm", in London time."""
        return readable_datetime(self.at)


def sentence_case(label: str) -> str:
    """The first letter in capitals and the rest as written: "NHS number" stays "NHS number"
    (str.capitalize would make it "Nhs number")."""
    label = str(label)
    return label[:1].upper() + label[1:]


def readable_time(value: datetime) -> str:
    """GOV.UK's style for a time: "9am", "5:30pm", "12pm" (midday)."""
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


def readable_datetime(value: datetime) -> str:
    """A moment as a person reads it, in the installation's time zone (London): "17 May 2026, 3:05pm"."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{date_format(local, 'j F Y')}, {readable_time(local)}"


def _related_names(wanted: dict[type[Model], set[Any]], user: Any) -> dict[type[Model], dict[Any, str]]:
    """The names of the related records ``wanted`` (ids by model): one query per model whatever the
    number of changes. A record type that says who may see it (``for_user``) is named only where
    ``user`` may see the record; others are shown as NOT_SHOWN."""
    names: dict[type[Model], dict[Any, str]] = {}
    for model, ids in wanted.items():
        # A person's records merged into another still open on their own page and history, so a
        # change naming one says who it was (the merged-aware manager, where the model has one).
        manager = getattr(model, "with_merged", None) or model._default_manager
        rows = manager.filter(pk__in=ids)
        for_user = getattr(rows, "for_user", None)
        if for_user is not None:
            rows = for_user(user, "view") if user is not None else rows.none()
        names[model] = {row.pk: _name(row) for row in rows}
    return names


def _name(row: Model) -> str:
    """What a person calls a related record: a person's or user's full name, a concern's or
    enquiry's reference, a team's or organisation's name."""
    for attribute in ("full_name", "reference"):
        value = getattr(row, attribute, None)
        if isinstance(value, str) and value:
            return value
    full_name = getattr(row, "get_full_name", None)
    if callable(full_name):
        return str(full_name() or getattr(row, "username", "") or row)
    name = getattr(row, "name", None)
    return name if isinstance(name, str) and name else str(row)


def changes_for(histories: list[QuerySet], user: Any = None) -> list[Change]:
    """Every change to the given records, newest first, as a person reads it: labels as written
    ("NHS number"), related records by name, dates as "17 May 1938", times in London time, Yes/No.

    Each historical row is compared with the previous row of the same record in memory, so a page
    makes one query per history table, and one per kind of related record named, whatever the
    number of changes. ``user`` is the viewer: related records they may not see are not named.
    """
    tables = []
    wanted: dict[type[Model], set[Any]] = {}
    for qs in histories:
        model = qs.model
        instance_model = model.instance_type
        kept = {f.attname for f in model._meta.concrete_fields}
        fields = [
            f
            for f in instance_model._meta.concrete_fields
            if f.attname in kept and f.attname not in HIDDEN_FIELDS
        ]
        rows = list(qs.select_related("history_user").order_by("history_date", "history_id"))
        for f in fields:
            if f.is_relation and f.related_model is not None:
                ids = {getattr(row, f.attname) for row in rows} - {None}
                if ids:
                    wanted.setdefault(f.related_model, set()).update(ids)
        tables.append((sentence_case(instance_model._meta.verbose_name), fields, rows))
    names = _related_names(wanted, user)

    def show(model_field: Any, value: Any) -> str:
        if value in (None, ""):
            return ""
        if model_field.is_relation and model_field.related_model is not None:
            return names.get(model_field.related_model, {}).get(value, NOT_SHOWN)
        return _show(model_field, value)

    changes: list[Change] = []
    for label, fields, rows in tables:
        previous: dict[Any, Any] = {}
        for row in rows:
            before = previous.get(row.id)
            changed = []
            for f in fields:
                new = getattr(row, f.attname)
                old = getattr(before, f.attname) if before is not None else None
                if before is None and new in (None, "", False):
                    continue
                if before is None or old != new:
                    changed.append((sentence_case(f.verbose_name), show(f, old), show(f, new)))
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
        return readable_datetime(value)
    if isinstance(value, date):
        return date_format(value, "j F Y")
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
            "entries": changes_for(histories, request.user),
            "access": access,
            "name": name,
            "caption": caption,
            "back": back,
        },
    )
