"""A person's subject access export, for the council's safeguarding lead: JSON and PDF.

Exports holding personal data are the safeguarding lead's, and are logged (access.md). The person is
looked up through the chokepoint (``record``), so another council's person is a 404, and the lookup
logs the download (its page is the download's URL); each concern and enquiry in the export is logged
as seen from it too. Downloads are never cached (core.downloads).
"""

from typing import Any

from django.http import HttpResponse
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from msphub.accounts.permissions import SAFEGUARDING_LEAD
from msphub.accounts.requests import AuthenticatedRequest
from msphub.core.access import record
from msphub.core.downloads import JSON, PDF, download
from msphub.people.models import Person

from . import subject_access

PEOPLE = Person.objects.select_related("council", "team", "created_by")


def _export(request: AuthenticatedRequest, person: Person) -> dict[str, Any]:
    """The export; each concern and enquiry in it is logged first, so the export lists its own
    download among the views."""
    subject_access.log_export(person, request.path, request.user, person_logged=True)
    return subject_access.subject_access_export(person)


@require_GET
@record(PEOPLE, url_kwarg="uuid", permission=SAFEGUARDING_LEAD)
def subject_access_json(request: AuthenticatedRequest, person: Person) -> HttpResponse:
    data = _export(request, person)
    return download(subject_access.as_json(data), JSON, subject_access.filename(person, "json"))


@require_GET
@record(PEOPLE, url_kwarg="uuid", permission=SAFEGUARDING_LEAD)
def subject_access_pdf(request: AuthenticatedRequest, person: Person) -> HttpResponse:
    data = _export(request, person)
    return download(subject_access.as_pdf(data, request), PDF, subject_access.filename(person, "pdf"))


urlpatterns: list[URLPattern] = [
    path("people/<uuid:uuid>/subject-access.json", subject_access_json, name="subject_access_json"),
    path("people/<uuid:uuid>/subject-access.pdf", subject_access_pdf, name="subject_access_pdf"),
]
