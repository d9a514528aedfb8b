"""The documents in a person's chronology (casefile/entries.py finds this module by its name)."""

from datetime import datetime, time, timedelta

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from msphub.casefile.entries import ChronologyFilters, Entry
from msphub.core.access import visible
from msphub.people.models import Person

from .models import Document

KIND = "document"
LABEL = "Document added"


def entries(request: HttpRequest, person: Person, filters: ChronologyFilters) -> list[Entry]:
    """One entry a document the user may see, in one query. Adding a document is not a significant
    event in itself (a significant event is recorded as a case note), so "significant events only"
    shows none; one entered in error is struck through with its reason."""
    if filters.significant_only or (filters.kinds and KIND not in filters.kinds):
        return []
    rows = (
        visible(request, Document.objects.all())
        .filter(person=person)
        .select_related("uploaded_by", "concern", "enquiry")
    )
    if filters.since is not None:
        rows = rows.filter(uploaded_at__gte=timezone.make_aware(datetime.combine(filters.since, time.min)))
    if filters.until is not None:
        after = datetime.combine(filters.until + timedelta(days=1), time.min)
        rows = rows.filter(uploaded_at__lt=timezone.make_aware(after))
    return [
        Entry(
            at=d.uploaded_at,
            kind=KIND,
            label=LABEL,
            summary=f"{d.get_kind_display()}: {d.title}",
            url=reverse("documents:detail", args=[d.uuid]),
            record=d.record.reference if d.record is not None else "",
            by=str(d.uploaded_by),
            struck=d.is_entered_in_error,
            reason=d.entered_in_error_reason,
            written_at=d.uploaded_at,
        )
        for d in rows
    ]
