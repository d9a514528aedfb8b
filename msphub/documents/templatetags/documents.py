"""``{% documents_on record %}``: the documents of a person, concern or enquiry, listed on its page,
with "Add a document" where the user may add one. One line in the page's template, no change to its
view: the list is read through the chokepoint (``visible``), in two queries whatever its length."""

from typing import Any

from django import template
from django.urls import reverse

from msphub.concerns.models import Concern
from msphub.core.access import visible
from msphub.enquiries.models import Enquiry
from msphub.people.models import Person

from ..models import Document

register = template.Library()


def _upload_url(request: Any, record: Person | Concern | Enquiry) -> str | None:
    """The upload page, if it would open for this user (the same rules as its ``@record``)."""
    if isinstance(record, Enquiry):
        if (
            not record.is_editable
            or not visible(request, Enquiry.objects.filter(pk=record.pk), "edit").exists()
        ):
            return None
        return reverse("documents:upload_enquiry", args=[record.reference])
    if isinstance(record, Concern):
        if (
            record.person_id is None
            or not visible(request, Concern.objects.filter(pk=record.pk), "triage").exists()
        ):
            return None
        return reverse("documents:upload_concern", args=[record.reference])
    if not visible(request, Person.objects.filter(pk=record.pk), "edit").exists():
        return None
    return reverse("documents:upload_person", args=[record.uuid])


@register.inclusion_tag("documents/_list.html", takes_context=True)
def documents_on(context: template.Context, record: Person | Concern | Enquiry) -> dict[str, Any]:
    request = context["request"]
    rows = visible(request, Document.objects.all()).select_related("uploaded_by", "concern", "enquiry")
    if isinstance(record, Enquiry):
        rows = rows.filter(enquiry=record)
    elif isinstance(record, Concern):
        rows = rows.filter(concern=record)
    else:
        rows = rows.filter(person=record)
    return {
        "documents": list(rows),
        "upload_url": _upload_url(request, record),
        "show_record": isinstance(record, Person),
    }
