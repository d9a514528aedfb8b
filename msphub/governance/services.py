"""The access log as the safeguarding lead reads it: the entries of their council, filtered.

A lead sees the entries of the users of their council, and of the users of the partner agencies
that work with it. A partner agency that also works with another council is shared: of its users'
entries, a lead sees those that name no record (signing in and out) and the views of the council's
own people, concerns and enquiries, never their views of the other council's records. Entries
without a user (failed sign-ins) cannot be tied to a council, so no lead sees them: a system
administrator reads them (``manage.py verify_access_log`` checks the whole chain).

An entry is kept against the user, not the organisation they were in at the time: a user moved to
another organisation takes their earlier entries with them.
"""

import operator
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import reduce
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from msphub.accounts.models import Organisation
from msphub.concerns.models import Concern
from msphub.core.models import AccessEvent, AccessLog
from msphub.enquiries.models import Enquiry
from msphub.people.models import Person

# The record_type of the entry written when the lead downloads the log (access_log_views).
EXPORT = "access log export"

# The records whose council an entry can be told by: what ``core.access.log_view`` names them.
COUNCIL_RECORDS: tuple[type[Model], ...] = (Person, Concern, Enquiry)
RECORD_TYPES: dict[str, str] = {
    Person._meta.label_lower: "Person",
    Concern._meta.label_lower: "Concern",
    Enquiry._meta.label_lower: "Enquiry",
    EXPORT: "Access log export",
    "feedback.feedbackassignment": "Independent feedback assignment",
    "providers.wholeserviceenquiry": "Whole-service enquiry",
}


def record_type_label(record_type: str) -> str:
    return RECORD_TYPES.get(record_type, record_type)


def _council_records(council_id: int) -> Q:
    """Entries naming a person, concern or enquiry of the council."""
    return reduce(
        operator.or_,
        (
            Q(
                record_type=model._meta.label_lower,
                record_id__in=model._default_manager.filter(council_id=council_id).values("uuid"),
            )
            for model in COUNCIL_RECORDS
        ),
    )


def for_council(council_id: int) -> QuerySet[AccessLog]:
    """The access-log entries a council's safeguarding lead may read (see the module's docstring)."""
    partners = Organisation.objects.filter(councils=council_id).exclude(
        kind__in=[Organisation.Kind.COUNCIL, Organisation.Kind.NETWORK]
    )
    # Agencies that also work with another council.
    shared = Organisation.councils.through.objects.exclude(to_organisation_id=council_id).values(
        "from_organisation_id"
    )
    return AccessLog.objects.filter(
        Q(user__organisation_id=council_id)
        | Q(user__organisation__in=partners.exclude(pk__in=shared))
        | (
            Q(user__organisation__in=partners.filter(pk__in=shared))
            & (Q(record_id__isnull=True) | _council_records(council_id))
        )
        # Someone without an account looking at one of the council's records: a member of the public
        # following a concern they raised, a person answering the feedback questions online.
        | (Q(user__isnull=True, record_id__isnull=False) & _council_records(council_id))
    )


def _start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in the site's time zone (Europe/London)."""
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class Filters:
    """What the lead narrows the log to; empty values narrow nothing."""

    user: str = ""  # part of a username, first or last name
    record: str = ""  # a record's reference or its id (a UUID)
    date_from: date | None = None  # from the start of this day (Europe/London)
    date_to: date | None = None  # to the end of this day
    action: str = ""  # an AccessEvent value

    def apply(self, entries: QuerySet[AccessLog]) -> QuerySet[AccessLog]:
        if self.user:
            entries = entries.filter(
                Q(user__username__icontains=self.user)
                | Q(user__first_name__icontains=self.user)
                | Q(user__last_name__icontains=self.user)
            )
        if self.record:
            try:
                entries = entries.filter(record_id=uuid.UUID(self.record))
            except ValueError:
                entries = entries.filter(record_reference__iexact=self.record)
        if self.date_from:
            entries = entries.filter(at__gte=_start_of(self.date_from))
        if self.date_to:
            entries = entries.filter(at__lt=_start_of(self.date_to + timedelta(days=1)))
        if self.action:
            entries = entries.filter(action=AccessEvent(self.action))
        return entries


def council_log(council_id: int, filters: Filters) -> QuerySet[AccessLog]:
    """The council's entries narrowed by ``filters``, newest first, with their users."""
    return filters.apply(for_council(council_id)).select_related("user").order_by("-at", "-sequence")


CSV_HEADER = (
    "sequence",
    "when (Europe/London)",
    "user",
    "action",
    "record type",
    "record reference",
    "record id",
    "page",
    "ip address",
    "entry hash",
)


def csv_rows(entries: QuerySet[AccessLog]) -> Iterator[tuple[Any, ...]]:
    """The CSV's rows, read from the database in chunks; ``core.downloads.csv_text`` writes them."""
    for entry in entries.iterator(chunk_size=2000):
        yield (
            entry.sequence if entry.sequence is not None else "",
            timezone.localtime(entry.at).isoformat(sep=" ", timespec="seconds"),
            entry.user.username if entry.user else "",
            entry.get_action_display(),
            record_type_label(entry.record_type),
            entry.record_reference,
            str(entry.record_id) if entry.record_id else "",
            entry.page,
            entry.ip_address or "",
            entry.entry_hash,
        )
