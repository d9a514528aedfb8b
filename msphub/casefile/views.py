"""The person's chronology, its PDF case file, and case notes. Each page is one person's, looked up
through the permission chokepoint (404 to anyone who may not see them); writes are the services'."""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from msphub.accounts.permissions import CASEWORK
from msphub.accounts.requests import AuthenticatedRequest
from msphub.concerns.models import Concern
from msphub.core.access import Action, get_record, log_shown, record, visible
from msphub.core.downloads import pdf_response
from msphub.core.forms import posted
from msphub.core.states import StateChanged
from msphub.enquiries.models import Enquiry
from msphub.people.forms import reference_in
from msphub.people.models import Person

from . import services
from .chronology import build_chronology
from .entries import ChronologyFilters
from .forms import CaseNoteForm, ChronologyFilterForm, NoteInErrorForm
from .models import CaseNote

PEOPLE = Person.objects.select_related("council", "team")
ENTRIES_PER_PAGE = 50


def _filters(request: AuthenticatedRequest) -> tuple[ChronologyFilterForm, ChronologyFilters | None]:
    """The filter form from the page's query, and its filters (None while the form is in error)."""
    form = ChronologyFilterForm(request.GET)
    return form, (form.filters() if form.is_valid() else None)


@require_GET
@record(PEOPLE, url_kwarg="uuid", permission=CASEWORK)
def chronology(request: AuthenticatedRequest, person: Person) -> HttpResponse:
    """Everything recorded about the person, newest first, a page at a time. The concerns and
    enquiries the page shows entries of are logged as viewed (the person is, by ``record``)."""
    form, filters = _filters(request)
    page = None
    if filters is not None:
        found = build_chronology(request, person, filters)
        page = Paginator(found.entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
        log_shown(request, found.records_in(page.object_list))
    return render(
        request,
        "casefile/chronology.html",
        {
            "person": person,
            "form": form,
            "page": page,
            "filtered": filters is not None and filters != ChronologyFilters(),
            "may_add_note": _may_add_note(request, person),
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@record(PEOPLE, url_kwarg="uuid", permission=CASEWORK)
def case_file_pdf(request: AuthenticatedRequest, person: Person) -> HttpResponse:
    """The chronology (with the page's filters, if they are valid) printed as the case file, marked
    OFFICIAL-SENSITIVE on every page. Named by the person's uuid, never their name. The download is
    logged by ``record`` (this page's path), and each concern and enquiry in it as shown."""
    _, filters = _filters(request)
    found = build_chronology(request, person, filters)
    log_shown(request, found.records_in(found.entries))
    return pdf_response(
        request,
        "casefile/case_file_pdf.html",
        {
            "person": person,
            "entries": found.entries,
            "filters": filters or ChronologyFilters(),
            "printed_at": timezone.localtime(),
            "printed_by": request.user,
        },
        f"case-file-{person.uuid}.pdf",
    )


def _may_add_note(request: AuthenticatedRequest, person: Person) -> bool:
    """Whoever may change the person's record writes notes about the person alone (others add
    theirs from a concern or an enquiry they work on)."""
    return visible(request, Person.objects.filter(pk=person.pk), Action.EDIT).exists()


def _reference(value: str) -> str:
    """A concern's or enquiry's reference from the query (``people.forms.reference_in``), or 404 for
    anything else: nothing else typed there reaches the database."""
    reference = reference_in(value)
    if not reference:
        raise Http404("No such record")
    return reference


@require_http_methods(["GET", "POST"])
@record(PEOPLE, url_kwarg="uuid", permission=CASEWORK)
def note_new(request: AuthenticatedRequest, person: Person) -> HttpResponse:
    """A case note about the person or, with ``?concern=CON-…`` or ``?enquiry=ENQ-…``, about one of
    their concerns or enquiries. Who may write it: whoever may work on that concern (triage) or
    enquiry (edit), or, about the person alone, whoever may change the person's record."""
    concern = enquiry = None
    if "enquiry" in request.GET:
        reference = _reference(request.GET["enquiry"])
        enquiry = get_record(request, Enquiry.objects.filter(person=person), Action.EDIT, reference=reference)
    elif "concern" in request.GET:
        reference = _reference(request.GET["concern"])
        concerns = Concern.objects.filter(person=person)
        concern = get_record(request, concerns, Action.TRIAGE, reference=reference)
    elif not _may_add_note(request, person):
        raise Http404("No such record")
    form = CaseNoteForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            note = services.add_note(person, request.user, form.note_data(), concern=concern, enquiry=enquiry)
        except ValidationError as exc:
            for message in exc.message_dict.get("occurred_at", exc.messages):
                form.add_error("occurred_time", message)
        else:
            messages.success(request, "Case note added")
            return redirect(reverse("casefile:chronology", args=[person.uuid]) + f"#note-{note.uuid}")
    return render(
        request,
        "casefile/note_form.html",
        {"person": person, "form": form, "concern": concern, "enquiry": enquiry},
    )


@require_http_methods(["GET", "POST"])
@record(PEOPLE, url_kwarg="uuid", permission=CASEWORK)
def note_in_error(request: AuthenticatedRequest, person: Person, note: UUID) -> HttpResponse:
    """Mark a note as entered in error: it stays, struck through, with the reason. Who may: see
    ``CaseNoteQuerySet.for_user`` ("edit"). A note already marked is 404 here."""
    found = get_record(
        request,
        CaseNote.objects.filter(person=person).counted().select_related("author"),
        Action.EDIT,
        log=False,  # the person's page view is logged; the note is part of it
        uuid=note,
    )
    form = NoteInErrorForm(posted(request))
    back = reverse("casefile:chronology", args=[person.uuid])
    if request.method == "POST" and form.is_valid():
        try:
            services.mark_note_in_error(found, request.user, form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error("reason", exc.message_dict.get("reason", exc.messages))
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect(back)
        else:
            messages.success(request, "The case note is marked as entered in error")
            return redirect(back + f"#note-{found.uuid}")
    return render(request, "casefile/note_in_error.html", {"person": person, "note": found, "form": form})
