"""The people pages. Who may open each is declared on it: ``requires`` a page permission, or a
``record`` looked up through the permission chokepoint (404 to anyone else); writes are services'."""

import functools
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from msphub.accounts.permissions import CASEWORK, FIND, SAFEGUARDING_LEAD
from msphub.accounts.requests import AuthenticatedRequest
from msphub.concerns.models import Concern
from msphub.core.access import Action, get_record, log_shown, log_view, record, requires, visible
from msphub.core.forms import initial_from, posted
from msphub.core.history import history_page
from msphub.enquiries.models import Enquiry

from . import services
from .forms import (
    EmergencyAccessForm,
    HeaderSearchForm,
    MergeForm,
    PersonForm,
    PersonSearchForm,
    RepresentativeForm,
    RestrictionForm,
    reference_in,
)
from .models import EMERGENCY_ACCESS_HOURS, EmergencyAccess, Person, Representative
from .services import LikelyDuplicate, search

PEOPLE = Person.objects.select_related("council", "team")
# A person's own page and its history also open for a record merged into another (nothing else does).
PEOPLE_WITH_MERGED = Person.with_merged.select_related("council", "team", "merged_into", "merged_by")


@require_http_methods(["GET", "POST"])
@requires(CASEWORK)
def person_search(request: AuthenticatedRequest) -> HttpResponse:
    """Searching is a POST although it changes nothing: names, dates of birth and NHS numbers must
    not travel in URLs, where browser history, proxies and server logs keep them. Each person listed
    is logged as viewed (at most 50: one append each)."""
    form = PersonSearchForm(request.POST if request.method == "POST" else None)
    results = None
    restricted: list[UUID] = []
    if form.is_bound and form.is_valid() and form.has_criteria():
        results = list(search(visible(request, Person.objects.all()), **form.cleaned_data)[:50])
        log_shown(request, results)
        # Restricted records of the council the user may not see: listed with nothing about the
        # person, only a way to ask for emergency access.
        restricted = services.restricted_matches(request.user, form.cleaned_data)
    return render(request, "people/search.html", {"form": form, "results": results, "restricted": restricted})


# The pages a reference opens on: a concern's and an enquiry's.
REFERENCE_PAGES: dict[str, tuple[type[Concern] | type[Enquiry], str]] = {
    "CON": (Concern, "concerns:detail"),
    "ENQ": (Enquiry, "enquiries:detail"),
}


@require_http_methods(["GET", "POST"])
@requires(FIND)
def find(request: AuthenticatedRequest) -> HttpResponse:
    """The header's search box. A concern's or enquiry's reference goes straight to its page,
    looked up through the chokepoint: ``?reference=CON-2026-000123`` by GET (a reference may be in
    a URL), or typed in the box. A name, date of birth or NHS number is posted (never in a URL or a
    log) and answered with the people search's results. A reference the user may not see, another
    council's, or one that does not exist gets one answer, so nobody learns whether it exists. A GET
    with anything but a reference is the empty box: what it carried is neither shown nor logged."""
    if request.method == "GET":
        reference = reference_in(request.GET.get("reference", ""))
        if reference:
            return _go_to_reference(request, reference)
        return render(request, "people/find.html", {"form": HeaderSearchForm()})
    form = HeaderSearchForm(request.POST)
    if not form.is_valid():
        return render(request, "people/find.html", {"form": form})
    lookup = form.cleaned_data["q"]
    if lookup.reference:
        return _go_to_reference(request, lookup.reference)
    results = list(search(visible(request, Person.objects.all()), **lookup.criteria)[:50])
    log_shown(request, results)
    return render(
        request,
        "people/search.html",
        {
            # The people search's form, filled in with what was typed, to narrow it down from here.
            "form": PersonSearchForm(initial=lookup.criteria),
            "results": results,
            "restricted": services.restricted_matches(request.user, lookup.criteria),
            "search_action": reverse("people:search"),
        },
    )


def _go_to_reference(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    model, page = REFERENCE_PAGES[reference[:3]]
    try:
        # Not logged here: the record's own page logs the view it shows.
        get_record(request, model._default_manager.all(), Action.VIEW, log=False, reference=reference)
    except Http404:
        return render(
            request,
            "people/find.html",
            {
                "form": HeaderSearchForm(),
                "not_found": reference,
                # A restricted record of the user's own council says so, as the people search does.
                "restricted": services.restricted_by_reference(request.user, reference),
            },
        )
    return redirect(page, reference=reference)


@require_http_methods(["GET", "POST"])
@requires(CASEWORK)
def person_new(request: AuthenticatedRequest) -> HttpResponse:
    form = PersonForm(posted(request))
    duplicates: list[LikelyDuplicate] = []
    if request.method == "POST" and form.is_valid():
        duplicates = form.duplicates_to_confirm(visible(request, Person.objects.all()), user=request.user)
        if not form.errors:  # no likely duplicate, seen or restricted, left to confirm
            person = services.create_person(request.user, form.cleaned_data)
            messages.success(request, f"Record created for {person.full_name}")
            return redirect("people:detail", uuid=person.uuid)
        log_shown(request, [d.person for d in duplicates])  # the records it may already have
    return render(request, "people/form.html", {"form": form, "duplicates": duplicates})


def timeline(concerns: QuerySet[Concern], enquiries: QuerySet[Enquiry]) -> list[dict[str, Any]]:
    """The person's concerns and enquiries, newest first, as one list of events."""
    events = [{"at": c.received_at, "kind": "concern", "record": c} for c in concerns] + [
        {"at": e.started_at, "kind": "enquiry", "record": e} for e in enquiries
    ]
    for e in enquiries:
        if e.closed_at:
            events.append({"at": e.closed_at, "kind": "enquiry_closed", "record": e})
    return sorted(events, key=lambda event: event["at"], reverse=True)


@require_GET
@record(PEOPLE_WITH_MERGED, url_kwarg="uuid")
def person_detail(request: AuthenticatedRequest, person: Person) -> HttpResponse:
    if person.is_merged:
        # What the record was, and the record it lives on in (linked if the user may see it).
        kept = visible(request, Person.objects.filter(merged_from=person)).first()
        return render(request, "people/merged.html", {"person": person, "kept": kept})
    concerns = (
        visible(request, Concern.objects.filter(person=person))
        .select_related("decision")
        .order_by("-received_at")
    )
    enquiries = visible(request, Enquiry.objects.filter(person=person)).select_related("lead_practitioner")
    can_edit = visible(request, Person.objects.filter(pk=person.pk), "edit").exists()
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "timeline": timeline(concerns, enquiries),
            "representatives": person.representatives.all(),
            "can_edit": can_edit,
            "age": person.age_on(person.date_of_death or timezone.localdate()),
            "merged_from": visible(request, Person.with_merged.filter(merged_into=person)).order_by(
                "merged_at"
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@record(PEOPLE, Action.EDIT, url_kwarg="uuid")
def person_edit(request: AuthenticatedRequest, person: Person) -> HttpResponse:
    form = PersonForm(posted(request), initial=initial_from(person, PersonForm))
    if request.method == "POST" and form.is_valid():
        services.change_person(person, form.cleaned_data)
        messages.success(request, "Record updated")
        return redirect("people:detail", uuid=person.uuid)
    return render(request, "people/form.html", {"form": form, "person": person})


@require_http_methods(["GET", "POST"])
@record(PEOPLE, Action.EDIT, url_kwarg="uuid")
def representative_new(request: AuthenticatedRequest, person: Person) -> HttpResponse:
    form = RepresentativeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.add_representative(person, form.cleaned_data)
        messages.success(request, "Representative added")
        return redirect("people:detail", uuid=person.uuid)
    return render(request, "people/representative_form.html", {"form": form, "person": person})


@require_GET
@record(PEOPLE_WITH_MERGED, url_kwarg="uuid")
def person_history(request: AuthenticatedRequest, person: Person) -> HttpResponse:
    return history_page(
        request,
        person,
        [Representative],
        name=person.full_name,
        caption=person.full_name,
        back=reverse("people:detail", args=[person.uuid]),
        show_who_viewed=SAFEGUARDING_LEAD.allows(request.user),
    )


@require_http_methods(["GET", "POST"])
@record(PEOPLE, Action.EDIT, url_kwarg="uuid", permission=SAFEGUARDING_LEAD)
def person_restriction(request: AuthenticatedRequest, person: Person) -> HttpResponse:
    """Only the safeguarding lead restricts a record and names who may still see it."""
    form = RestrictionForm(
        posted(request),
        council_id=person.council_id,
        initial={"restricted": person.restricted, "restricted_to": list(person.restricted_to.all())},
        locked_out=functools.partial(services.locked_out_by, person),
    )
    if request.method == "POST" and form.is_valid():
        services.restrict(person, form.cleaned_data["restricted"], form.cleaned_data["restricted_to"])
        messages.success(request, "Access to the record updated")
        return redirect("people:detail", uuid=person.uuid)
    return render(request, "people/restriction.html", {"form": form, "person": person})


@require_http_methods(["GET", "POST"])
@requires(CASEWORK)
def emergency_access(request: AuthenticatedRequest, uuid: UUID) -> HttpResponse:
    """Break-glass: a council practitioner asks to see a restricted record of their council, saying
    why. The page shows nothing about the person (404 for any record that is not one of the
    council's restricted ones); someone who can see the record already is sent to it."""
    person = get_object_or_404(services.emergency_access_candidates(request.user), uuid=uuid)
    if visible(request, Person.objects.filter(pk=person.pk)).exists():
        return redirect("people:detail", uuid=person.uuid)
    form = EmergencyAccessForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.grant_emergency_access(
            request.user,
            person,
            form.cleaned_data["reason"],
            page=request.path,
            leads_link=request.build_absolute_uri(reverse("people:emergency_access_list")),
        )
        messages.success(
            request,
            f"You have emergency access to this record for {EMERGENCY_ACCESS_HOURS} hours. "
            "Your safeguarding lead has been told.",
        )
        return redirect("people:detail", uuid=person.uuid)
    return render(
        request,
        "people/emergency_access.html",
        {"form": form, "person_uuid": person.uuid, "hours": EMERGENCY_ACCESS_HOURS},
    )


EMERGENCY_ACCESS_PER_PAGE = 25


@require_GET
@requires(SAFEGUARDING_LEAD)
def emergency_access_list(request: AuthenticatedRequest) -> HttpResponse:
    """The council's emergency accesses, newest first, for its safeguarding lead. The people listed
    are logged as viewed (one page at a time)."""
    accesses = visible(request, EmergencyAccess.objects.select_related("person", "user")).order_by(
        "-granted_at", "-pk"
    )
    page = Paginator(accesses, EMERGENCY_ACCESS_PER_PAGE).get_page(request.GET.get("page"))
    log_shown(request, [access.person for access in page])
    return render(
        request,
        "people/emergency_access_list.html",
        {
            "page": page,
            "council": request.user.organisation,
            "hours": EMERGENCY_ACCESS_HOURS,
        },
    )


@require_http_methods(["GET", "POST"])
@record(PEOPLE, Action.EDIT, url_kwarg="uuid", permission=SAFEGUARDING_LEAD)
def person_merge(request: AuthenticatedRequest, person: Person) -> HttpResponse:
    """The safeguarding lead, on the record to keep, picks the duplicate: from this record's likely
    duplicates or a search (posted, as every person search is). Each record listed is logged."""
    candidates = services.merge_candidates(visible(request, Person.objects.all(), Action.EDIT), person)
    form = PersonSearchForm(request.POST if request.method == "POST" else None)
    results = None
    if form.is_bound and form.is_valid() and form.has_criteria():
        results = list(search(candidates, **form.cleaned_data)[:50])
    duplicates = services.likely_duplicates(
        candidates,
        person.given_name,
        person.family_name,
        person.date_of_birth,
        person.nhs_number,
        person.postcode,
    )
    log_shown(request, [*(results or []), *(d.person for d in duplicates)])
    return render(
        request,
        "people/merge.html",
        {"person": person, "form": form, "results": results, "duplicates": duplicates},
    )


@require_http_methods(["GET", "POST"])
@record(PEOPLE, Action.EDIT, url_kwarg="uuid", permission=SAFEGUARDING_LEAD)
def person_merge_confirm(request: AuthenticatedRequest, person: Person, duplicate: UUID) -> HttpResponse:
    """Both records side by side, the details that differ to pick from, and why; POST merges the
    duplicate into ``person``. The duplicate is looked up through the chokepoint too: the same
    record, another council's, or one already merged is 404."""
    other = get_record(request, services.merge_candidates(PEOPLE, person), Action.EDIT, uuid=duplicate)
    comparison = services.compare_for_merge(person, other)
    form = MergeForm(posted(request), differences=[row for row in comparison if row.differs])
    if request.method == "POST" and form.is_valid():
        try:
            result = services.merge_people(
                request.user, person, other, form.cleaned_data["reason"], form.cleaned_data["take"]
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)  # the kept record's own checks, by message
        else:
            messages.success(
                request,
                f"Records merged: {result.concerns} concerns and {result.enquiries} enquiries moved to "
                "this record",
            )
            return redirect("people:detail", uuid=person.uuid)
    if request.method == "POST":
        log_view(request, other)  # shown again, as ``record`` logs the kept record
    counts = [
        {
            "concerns": visible(request, Concern.objects.filter(person=p)).count(),
            "enquiries": visible(request, Enquiry.objects.filter(person=p)).count(),
        }
        for p in (person, other)
    ]
    return render(
        request,
        "people/merge_confirm.html",
        {
            "person": person,
            "duplicate": other,
            "form": form,
            "comparison": comparison,
            "kept_counts": counts[0],
            "duplicate_counts": counts[1],
        },
    )
