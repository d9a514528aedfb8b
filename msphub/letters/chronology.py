"""Letters in a person's chronology: one entry for each letter produced about them that the user may
read, in one query whatever their number."""

from datetime import date, datetime, time, timedelta

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from msphub.casefile.entries import ChronologyFilters, Entry
from msphub.core.access import visible
from msphub.people.models import Person

from .models import Letter

KIND = "letter"


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def entries(request: HttpRequest, person: Person, filters: ChronologyFilters) -> list[Entry]:
    """Letters are never significant events on their own, so "significant events only" shows none."""
    if filters.significant_only or (filters.kinds and KIND not in filters.kinds):
        return []
    rows = visible(request, Letter.objects.filter(person=person))
    if filters.since is not None:
        rows = rows.filter(created_at__gte=_start_of(filters.since))
    if filters.until is not None:
        rows = rows.filter(created_at__lt=_start_of(filters.until + timedelta(days=1)))
    # In no order: the chronology sorts every entry together.
    rows = rows.select_related("created_by", "concern", "enquiry")
    return [
        Entry(
            at=letter.created_at,
            kind=KIND,
            label=letter.get_kind_display(),
            summary=f"To {letter.recipient_name}: {letter.subject}",
            url=reverse("letters:pdf", args=[letter.uuid]),
            record=letter.reference,
            by=str(letter.created_by),
        )
        for letter in rows
    ]
