"""The concern pages. The raise-a-concern journey is public (``login_not_required``); every other
page declares who may open it: ``requires`` a page permission, or a ``record`` looked up through the
permission chokepoint (404 to anyone else). Writes are the services'."""

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Prefetch, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from msphub.accounts.models import Organisation
from msphub.accounts.permissions import CASEWORK, CONCERNS_RAISED, SAFEGUARDING_LEAD
from msphub.accounts.requests import AuthenticatedRequest
from msphub.core.access import Action, log_shown, record, requires, visible
from msphub.core.forms import posted
from msphub.core.history import history_page
from msphub.core.states import StateChanged
from msphub.enquiries.models import Enquiry
from msphub.people.forms import PersonForm, PersonSearchForm
from msphub.people.models import Person
from msphub.people.services import likely_duplicates, search

from . import journey, services
from .forms import DecisionForm, FirstContactForm, NoteForm, SignOffForm
from .models import Concern, ConcernNote, ConcernRiskType, Decision, FirstContact

# --- Raising a concern: PUBLIC pages, no account needed -------------------------------------
# They show back only the reference, never a record's data (access.md).


@login_not_required
@require_http_methods(["GET", "POST"])
def raise_start(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        journey.start(request)
        return redirect("concerns:raise_step", slug=journey.steps_for(request)[0].slug)
    return render(request, "concerns/raise/start.html", {"in_progress": journey.get(request)})


def _no_journey(request: HttpRequest) -> HttpResponse:
    return redirect("concerns:raise")


# The public form, per address (django-ratelimit): generous for a person answering it, and for an
# office raising several, but not for a script filling the queue.
@login_not_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate="300/h", method="POST", block=True)
def raise_step(request: HttpRequest, slug: str) -> HttpResponse:
    step = journey.STEPS_BY_SLUG.get(slug)
    if step is None or step not in journey.steps_for(request):
        raise Http404("No such question")
    state = journey.get(request)
    if state is None:
        return _no_journey(request)
    changing = request.GET.get("change") == "1"
    if request.method == "POST":
        form = journey.form_for(request, step, request.POST)
        if form.is_valid():
            journey.store(state, form)
            journey.save(request, state)
            if slug == "immediate-danger" and form.cleaned_data["immediate_danger"] is True:
                return redirect(reverse("concerns:raise_danger") + ("?change=1" if changing else ""))
            following = journey.next_step(request, step)
            if changing or following is None:
                return redirect("concerns:raise_check")
            return redirect("concerns:raise_step", slug=following.slug)
    else:
        form = journey.form_for(request, step, initial=journey.initial_for(state, step))
    steps = journey.steps_for(request)
    index = steps.index(step)
    back = (
        reverse("concerns:raise_check")
        if changing
        else reverse("concerns:raise_step", args=[steps[index - 1].slug])
        if index
        else reverse("concerns:raise")
    )
    return render(
        request,
        "concerns/raise/question.html",
        {"form": form, "step": step, "back": back, "number": index + 1, "total": len(steps)},
    )


@login_not_required
@require_GET
def raise_danger(request: HttpRequest) -> HttpResponse:
    if journey.get(request) is None:
        return _no_journey(request)
    following = journey.next_step(request, journey.STEPS_BY_SLUG["immediate-danger"])
    next_url = (
        reverse("concerns:raise_check")
        if request.GET.get("change") == "1" or following is None
        else reverse("concerns:raise_step", args=[following.slug])
    )
    return render(request, "concerns/raise/danger.html", {"next_url": next_url})


@login_not_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate="20/h", method="POST", block=True)
def raise_check(request: HttpRequest) -> HttpResponse:
    state = journey.get(request)
    if state is None:
        # A second press of "Send" after the first succeeded: show the same confirmation.
        if request.method == "POST" and request.session.get(journey.LAST_REFERENCE_KEY):
            return redirect("concerns:raise_done")
        return _no_journey(request)
    missing = journey.first_unanswered(request, state)
    if missing:
        return redirect("concerns:raise_step", slug=missing.slug)
    if request.method == "POST":
        council = Organisation.objects.filter(
            pk=state["answers"].get("council"), kind=Organisation.Kind.COUNCIL
        ).first()
        if council is None or not journey.councils_for(request).filter(pk=council.pk).exists():
            return redirect("concerns:raise_step", slug="council")
        user = request.user
        concern, _created = services.raise_concern(
            journey.concern_answers(state),
            council,
            uuid.UUID(state["token"]),
            user=user if user.is_authenticated else None,
        )
        request.session.pop(journey.SESSION_KEY, None)
        request.session[journey.LAST_REFERENCE_KEY] = concern.reference
        return redirect("concerns:raise_done")
    return render(request, "concerns/raise/check.html", {"groups": journey.summary(request, state)})


@login_not_required
@require_GET
def raise_done(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(journey.LAST_REFERENCE_KEY)
    if not reference:
        return _no_journey(request)
    return render(request, "concerns/raise/done.html", {"reference": reference})


# --- Concerns an agency or a user has raised: status only ---------------------------------


@require_GET
@requires(CONCERNS_RAISED)
def raised(request: AuthenticatedRequest) -> HttpResponse:
    concerns = (
        visible(request, Concern.objects.all(), "status")
        .select_related("raised_by_user")
        .only(
            "reference",
            "received_at",
            "status",
            "raised_by_user__first_name",
            "raised_by_user__last_name",
            "raised_by_user__username",
        )
        .order_by("-received_at")
    )
    page = Paginator(concerns, 50).get_page(request.GET.get("page"))
    return render(request, "concerns/raised.html", {"page": page})


# --- Triage ---------------------------------------------------------------------------------

QUEUE_FILTERS = {
    "all": ("All open concerns", Q()),
    "unallocated": ("Not picked up", Q(team__isnull=True)),
    "mine": ("Assigned to me", None),
    "team": ("My team's", None),
    "sign_off": ("Awaiting sign-off", Q(status=Concern.Status.AWAITING_SIGN_OFF)),
    "overdue": ("First contact overdue", None),
}


@require_GET
@requires(CASEWORK)
def queue(request: AuthenticatedRequest) -> HttpResponse:
    """The front-door queue: open concerns, overdue first contacts first, then oldest."""
    show = request.GET.get("show", "all")
    if show not in QUEUE_FILTERS:
        show = "all"
    now = timezone.now()
    due_by = now - timedelta(hours=24)
    concerns = visible(request, Concern.objects.open().with_first_contact())
    label, condition = QUEUE_FILTERS[show]
    if show == "mine":
        condition = Q(assigned_to=request.user)
    elif show == "team":
        condition = Q(team_id=request.user.team_id)
    elif show == "overdue":
        condition = Q(first_contact_at__isnull=True, received_at__lt=due_by)
    concerns = (
        concerns.filter(condition)
        .annotate(
            contact_overdue=Case(
                When(Q(first_contact_at__isnull=True, received_at__lt=due_by), then=Value(1)),
                default=Value(0),
            )
        )
        .select_related("assigned_to", "team", "person")
        .prefetch_related(Prefetch("risk_types", queryset=ConcernRiskType.objects.order_by("risk_type")))
        .order_by("-contact_overdue", "received_at")
    )
    page = Paginator(concerns, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "concerns/queue.html",
        {"page": page, "show": show, "filters": QUEUE_FILTERS, "label": label, "now": now},
    )


CONCERNS = Concern.objects.select_related("person", "team", "assigned_to", "council", "raiser_organisation")


def _undecided(concern: Concern) -> bool:
    """Triage pages open only until the concern is decided; decided ones are 404 to them."""
    return not concern.is_decided


@require_GET
@record(CONCERNS)
def concern_detail(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    person_history: QuerySet[Concern] = Concern.objects.none()
    provider_history: QuerySet[Concern] = Concern.objects.none()
    year_ago = concern.received_at - timedelta(days=365)
    if concern.person_id:
        person_history = (
            visible(request, Concern.objects.filter(person_id=concern.person_id))
            .exclude(pk=concern.pk)
            .filter(received_at__gte=year_ago)
            .select_related("decision")
            .order_by("-received_at")
        )
    if concern.care_provider_name:
        provider_history = (
            visible(
                request,
                Concern.objects.filter(care_provider_name__iexact=concern.care_provider_name),
            )
            .exclude(pk=concern.pk)
            .filter(received_at__gte=year_ago)
            .order_by("-received_at")[:20]
        )
    decision = (
        Decision.objects.filter(concern=concern)
        .select_related("decided_by", "signed_off_by", "lead_practitioner")
        .first()
    )
    enquiry = Enquiry.objects.filter(concern=concern).first()
    can_triage = visible(request, Concern.objects.filter(pk=concern.pk), "triage").exists()
    return render(
        request,
        "concerns/detail.html",
        {
            "concern": concern,
            "risk_types": concern.risk_type_labels,
            "person_history": person_history,
            "provider_history": provider_history,
            "contacts": FirstContact.objects.filter(concern=concern).select_related("recorded_by"),
            "notes": ConcernNote.objects.filter(concern=concern).select_related("author"),
            "decision": decision,
            "enquiry": enquiry,
            "can_triage": can_triage and not concern.is_decided,
            "can_sign_off": decision is not None and services.can_sign_off(decision, request.user),
            "first_contact_due": concern.first_contact_due(),
            "now": timezone.now(),
        },
    )


@require_POST
@record(CONCERNS, Action.TRIAGE, where=_undecided)
def pick_up(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    services.pick_up(concern, request.user)
    messages.success(request, f"{concern.reference} is assigned to you")
    return redirect("concerns:detail", reference=concern.reference)


@require_http_methods(["GET", "POST"])
@record(CONCERNS, Action.TRIAGE, where=_undecided)
def link_person(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    people = visible(request, Person.objects.all())
    # The search is posted too (action=search), so names never travel in the URL.
    searching = request.method == "POST" and request.POST.get("action") == "search"
    if request.method == "POST" and not searching:
        try:
            person = people.filter(uuid=uuid.UUID(request.POST.get("person", ""))).first()
        except ValueError:
            person = None
        if person is None:
            messages.error(request, "Select a person")
        else:
            services.link_person(concern, person, request.user)
            messages.success(request, f"Concern linked to {person.full_name}")
            return redirect("concerns:detail", reference=concern.reference)
    search_form = PersonSearchForm(request.POST if searching else None)
    results = None
    if search_form.is_bound and search_form.is_valid() and search_form.has_criteria():
        results = list(search(people, **search_form.cleaned_data)[:25])
    suggestions = list(
        likely_duplicates(
            people,
            concern.adult_given_name,
            concern.adult_family_name,
            concern.adult_date_of_birth,
            postcode=concern.adult_postcode,
        )
    )
    # Every person the page lists is a view of their record (docs/security.md).
    log_shown(request, [*(results or []), *(match.person for match in suggestions)])
    return render(
        request,
        "concerns/link_person.html",
        {
            "concern": concern,
            "search_form": search_form,
            "results": results,
            "suggestions": suggestions,
        },
    )


@require_http_methods(["GET", "POST"])
@record(CONCERNS, Action.TRIAGE, where=_undecided)
def new_person(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    people = visible(request, Person.objects.all())
    initial = {
        "given_name": concern.adult_given_name,
        "family_name": concern.adult_family_name,
        "date_of_birth": concern.adult_date_of_birth,
        "address": concern.adult_address,
        "postcode": concern.adult_postcode,
        "phone": concern.adult_phone,
        "communication_needs": concern.adult_communication_needs,
    }
    form = PersonForm(posted(request), initial=initial)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        duplicates = form.duplicates_to_confirm(people)
        if not duplicates:
            person = services.create_person_from_concern(concern, request.user, form.cleaned_data)
            messages.success(request, f"Record created for {person.full_name} and linked")
            return redirect("concerns:detail", reference=concern.reference)
        log_shown(request, [match.person for match in duplicates])
    return render(
        request,
        "concerns/new_person.html",
        {"concern": concern, "form": form, "duplicates": duplicates},
    )


def _triage_form_view(
    request: AuthenticatedRequest,
    concern: Concern,
    form_class: type[forms.Form],
    template: str,
    save: Callable[[Concern, dict[str, Any]], None],
) -> HttpResponse:
    form = form_class(posted(request))
    if request.method == "POST" and form.is_valid():
        save(concern, form.cleaned_data)
        return redirect("concerns:detail", reference=concern.reference)
    return render(request, template, {"concern": concern, "form": form})


@require_http_methods(["GET", "POST"])
@record(CONCERNS, Action.TRIAGE, where=_undecided)
def first_contact(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    def save(concern: Concern, data: dict[str, Any]) -> None:
        services.record_first_contact(
            concern,
            request.user,
            {
                "contact_at": data["contact_at"],
                "method": data["method"],
                "spoke_with": data["spoke_with"],
                "representative_name": data["representative_name"],
                "wants": data["wants"],
                "notes": data["notes"],
            },
        )
        messages.success(request, "Conversation recorded")

    return _triage_form_view(request, concern, FirstContactForm, "concerns/first_contact.html", save)


@require_http_methods(["GET", "POST"])
@record(CONCERNS, Action.TRIAGE, where=_undecided)
def add_note(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    def save(concern: Concern, data: dict[str, Any]) -> None:
        services.add_note(concern, request.user, data["text"])
        messages.success(request, "Information added")

    return _triage_form_view(request, concern, NoteForm, "concerns/note.html", save)


@require_http_methods(["GET", "POST"])
@record(CONCERNS, Action.TRIAGE, where=_undecided)
def decision(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    existing = Decision.objects.filter(concern=concern).first()
    initial = {}
    if existing:
        initial = {f: getattr(existing, f) for f in DecisionForm.base_fields if hasattr(existing, f)}
    form = DecisionForm(posted(request), initial=initial, council_id=concern.council_id)
    if request.method == "POST" and form.is_valid():
        for field, message in services.validate_decision(form.cleaned_data, concern.council_id).items():
            form.add_error(None if field == "criteria" else field, message)
        if concern.person_id is None:
            form.add_error(None, "Link the concern to a person before recording a decision")
        if form.is_valid():
            try:
                services.record_decision(concern, request.user, form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Decision recorded. A team manager needs to sign it off.")
                return redirect("concerns:detail", reference=concern.reference)
    return render(request, "concerns/decision.html", {"concern": concern, "form": form, "existing": existing})


@require_http_methods(["GET", "POST"])
@record(CONCERNS, Action.SIGN_OFF)
def sign_off(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    decision = (
        Decision.objects.filter(concern=concern, signed_off_at__isnull=True)
        .select_related("decided_by", "lead_practitioner")
        .first()
    )
    if decision is None or not services.can_sign_off(decision, request.user):
        raise Http404  # no decision waiting, or the four-eyes rule: the decision maker does not sign off
    form = SignOffForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["action"] == "approve":
                enquiry = services.sign_off(decision, request.user)
                if enquiry:
                    messages.success(request, f"Decision signed off. Enquiry {enquiry.reference} opened")
                else:
                    messages.success(request, "Decision signed off. The concern is closed")
            else:
                services.return_decision(decision, request.user, form.cleaned_data["returned_comment"])
                messages.success(request, "Decision returned to the practitioner")
        except StateChanged as changed:
            messages.error(request, str(changed))
        return redirect("concerns:detail", reference=concern.reference)
    return render(
        request,
        "concerns/sign_off.html",
        {"concern": concern, "decision": decision, "form": form},
    )


@require_GET
@record(CONCERNS)
def history(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    return history_page(
        request,
        concern,
        (FirstContact, ConcernNote, Decision),
        name=concern.reference,
        caption=f"Concern {concern.reference}",
        back=reverse("concerns:detail", args=[concern.reference]),
        show_who_viewed=SAFEGUARDING_LEAD.allows(request.user),
    )
