from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from msphub.concerns.models import Concern
from msphub.core.access import access_log_for, get_record, visible
from msphub.core.forms import posted
from msphub.core.history import changes_for
from msphub.enquiries.models import Enquiry

from .forms import PersonForm, PersonSearchForm, RepresentativeForm, RestrictionForm
from .models import Person, Representative
from .services import likely_duplicates, search


def _require_casework(request: HttpRequest) -> None:
    if not request.user.does_casework:
        raise Http404


@require_http_methods(["GET", "POST"])
def person_search(request: HttpRequest) -> HttpResponse:
    """Searching is a POST although it changes nothing: names, dates of birth and NHS numbers must
    not travel in URLs, where browser history, proxies and server logs keep them."""
    _require_casework(request)
    form = PersonSearchForm(request.POST if request.method == "POST" else None)
    results = None
    if form.is_bound and form.is_valid() and form.has_criteria():
        results = search(visible(request, Person.objects.all()), **form.cleaned_data)[:50]
    return render(request, "people/search.html", {"form": form, "results": results})


@require_http_methods(["GET", "POST"])
def person_new(request: HttpRequest) -> HttpResponse:
    _require_casework(request)
    form = PersonForm(posted(request))
    duplicates = []
    if request.method == "POST" and form.is_valid():
        duplicates = likely_duplicates(visible(request, Person.objects.all()), **form.duplicate_criteria())
        if duplicates and not request.POST.get("confirm_new"):
            form.add_error(
                None,
                "This person may already have a record. Check the records below "
                "or confirm that this is a different person.",
            )
        else:
            with transaction.atomic():
                person = Person(
                    council_id=request.user.organisation_id,
                    team_id=request.user.team_id,
                    created_by=request.user,
                    **form.cleaned_data,
                )
                person.full_clean()
                person.save()
            messages.success(request, f"Record created for {person.full_name}")
            return redirect("people:detail", uuid=person.uuid)
    return render(request, "people/form.html", {"form": form, "duplicates": duplicates})


def timeline(concerns, enquiries) -> list[dict]:
    """The person's concerns and enquiries, newest first, as one list of events."""
    events = [{"at": c.received_at, "kind": "concern", "record": c} for c in concerns] + [
        {"at": e.started_at, "kind": "enquiry", "record": e} for e in enquiries
    ]
    for e in enquiries:
        if e.closed_at:
            events.append({"at": e.closed_at, "kind": "enquiry_closed", "record": e})
    return sorted(events, key=lambda event: event["at"], reverse=True)


def _person(request: HttpRequest, uuid, action: str = "view", log: bool = True) -> Person:
    return get_record(request, Person.objects.select_related("council", "team"), action, log=log, uuid=uuid)


@require_GET
def person_detail(request: HttpRequest, uuid) -> HttpResponse:
    person = _person(request, uuid)
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
            "age": person.age_on(timezone.localdate()),
        },
    )


@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, uuid) -> HttpResponse:
    person = _person(request, uuid, "edit")
    initial = {name: getattr(person, name) for name in PersonForm.base_fields}
    form = PersonForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            for name, value in form.cleaned_data.items():
                setattr(person, name, value)
            person.full_clean()
            person.save()
        messages.success(request, "Record updated")
        return redirect("people:detail", uuid=person.uuid)
    return render(request, "people/form.html", {"form": form, "person": person})


@require_http_methods(["GET", "POST"])
def representative_new(request: HttpRequest, uuid) -> HttpResponse:
    person = _person(request, uuid, "edit")
    form = RepresentativeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        Representative.objects.create(person=person, **form.cleaned_data)
        messages.success(request, "Representative added")
        return redirect("people:detail", uuid=person.uuid)
    return render(request, "people/representative_form.html", {"form": form, "person": person})


@require_GET
def person_history(request: HttpRequest, uuid) -> HttpResponse:
    person = _person(request, uuid)
    entries = changes_for([person.history.all(), Representative.history.filter(person_id=person.pk)])
    access = access_log_for(person)[:200] if request.user.is_lead else None
    return render(request, "people/history.html", {"person": person, "entries": entries, "access": access})


@require_http_methods(["GET", "POST"])
def person_restriction(request: HttpRequest, uuid) -> HttpResponse:
    """Only the safeguarding lead restricts a record and names who may still see it."""
    if not request.user.is_lead:
        raise Http404
    person = _person(request, uuid, "edit")
    form = RestrictionForm(
        posted(request),
        council_id=person.council_id,
        initial={"restricted": person.restricted, "restricted_to": list(person.restricted_to.all())},
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            person.restricted = form.cleaned_data["restricted"]
            person.save(update_fields=["restricted"])
            person.restricted_to.set(form.cleaned_data["restricted_to"])
        messages.success(request, "Access to the record updated")
        return redirect("people:detail", uuid=person.uuid)
    return render(request, "people/restriction.html", {"form": form, "person": person})
