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
from msphub.core import onetime
from msphub.core.access import Action, log_shown, record, requires, visible
from msphub.core.forms import posted
from msphub.core.history import history_page
from msphub.core.signals import client_ip
from msphub.core.states import StateChanged
from msphub.enquiries.models import Enquiry
from msphub.people.forms import PersonForm, PersonSearchForm
from msphub.people.models import Person
from msphub.people.services import likely_duplicates, restricted_matches, search

from . import journey, referrer, services
from .forms import (
    ContactAttemptForm,
    ContactInErrorForm,
    DecisionForm,
    FirstContactForm,
    InformationForm,
    NoteForm,
    OtherAreaForm,
    ReferrerOutcomeForm,
    SafetyActionForm,
    SetAsideForm,
    SignOffForm,
    StatusCodeForm,
    StatusLookupForm,
    TransferDecisionForm,
    TransferForm,
)
from .models import (
    Concern,
    ConcernNote,
    ConcernRiskType,
    ConcernTransfer,
    ConcernUpdate,
    ContactAttempt,
    Decision,
    FirstContact,
    first_contact_window,
)

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
        {
            "form": form,
            "step": step,
            "title": journey.title_for(request, step),
            "self_referral": journey.is_self_referral(state),
            "back": back,
            "number": index + 1,
            "total": len(steps),
        },
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
            "raiser_reference",
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


# The referrer's page of a concern: only what they may be told (concerns/referrer.py). The lookup
# reads the concern alone; its worker, decision and enquiry are read after it, by key.
RAISED = Concern.objects.prefetch_related("assigned_to__team")


@require_GET
@record(RAISED, Action.STATUS)
def raised_detail(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    """The referrer follows a concern their agency raised: the status in the partner words, what the
    council decided in plain English, the outcome in words written for them, the named worker and the
    information their agency has added. Nothing about the adult, and no reasons."""
    decision = Decision.objects.filter(concern=concern).only(
        "concern_id", "outcome", "pathway", "referred_agency", "signed_off_at"
    )
    enquiry = (
        Enquiry.objects.filter(concern=concern)
        .select_related("lead_practitioner__team")
        .only("status", "concern_id", "lead_practitioner")
        .first()
    )
    outcome, outcome_written = referrer.outcome_words(concern, enquiry)
    return render(
        request,
        "concerns/raised_detail.html",
        {
            "concern": concern,
            "decision_words": referrer.decision_words(concern, decision.first()),
            "outcome": outcome,
            "outcome_written": outcome_written,
            "worker": referrer.named_worker(concern, enquiry),
            "updates": ConcernUpdate.objects.filter(concern=concern).select_related("added_by"),
        },
    )


@require_http_methods(["GET", "POST"])
@record(RAISED, Action.STATUS)
def add_information(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    """The referrer adds information to the concern (at any stage, closed too)."""
    form = InformationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.add_information(concern, request.user, form.cleaned_data["text"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Information added. The council worker dealing with it has been told.")
            return redirect("concerns:raised_detail", reference=concern.reference)
    return render(request, "concerns/add_information.html", {"concern": concern, "form": form})


# --- The public status page: no account; a reference, the contact given, and a one-time code -------

# The reference typed on the first page, kept until the code is checked (never whether it matched).
STATUS_PENDING_KEY = "concern_status_pending"
# Per address, and per reference whoever asks (django-ratelimit): enough for a person who mistypes,
# not for trying references or contacts in bulk, nor for sending one person's phone a stream of codes.
STATUS_RATE_BY_ADDRESS = "10/h"
STATUS_RATE_BY_REFERENCE = "5/h"
CODE_RATE_BY_ADDRESS = "20/h"


def _posted_reference(group: str, request: HttpRequest) -> str:
    return services.normalise_reference(request.POST.get("reference", "")) or "none"


@login_not_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=STATUS_RATE_BY_ADDRESS, method="POST", block=True)
@ratelimit(key=_posted_reference, rate=STATUS_RATE_BY_REFERENCE, method="POST", block=True)
def public_status(request: HttpRequest) -> HttpResponse:
    """Asks for the reference and the email address or phone number given when raising the concern;
    a code is sent there if they match, and the next page says the same whether or not they did."""
    form = StatusLookupForm(posted(request))
    if request.method == "POST" and form.is_valid():
        reference = services.normalise_reference(form.cleaned_data["reference"])
        onetime.forget(request, services.STATUS_CODE_PURPOSE)
        subject = onetime.begin(request, services.STATUS_CODE_PURPOSE, reference)
        services.send_status_code(reference, form.cleaned_data["contact"], subject)
        request.session[STATUS_PENDING_KEY] = reference
        return redirect("concerns:public_status_code")
    return render(request, "concerns/status/start.html", {"form": form})


@login_not_required
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=CODE_RATE_BY_ADDRESS, method="POST", block=True)
def public_status_code(request: HttpRequest) -> HttpResponse:
    # No limit by reference here: a code's tries belong to the session that asked for it
    # (onetime.begin), so nobody else can use them up; the start page limits asking per reference.
    waiting = onetime.pending(request, services.STATUS_CODE_PURPOSE)
    if waiting is None:
        return redirect("concerns:public_status")
    reference, subject = waiting
    form = StatusCodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        if services.check_status_code(subject, form.cleaned_data["code"]):
            onetime.end(request, services.STATUS_CODE_PURPOSE)
            onetime.remember(request, services.STATUS_CODE_PURPOSE, reference)
            request.session.pop(STATUS_PENDING_KEY, None)
            return redirect("concerns:public_status_shown")
        form.add_error("code", "The code is not right, or it has expired. Check it, or ask for a new code")
    return render(request, "concerns/status/code.html", {"form": form})


@login_not_required
@require_GET
def public_status_shown(request: HttpRequest) -> HttpResponse:
    """The status of the concern the code opened, in the partner words, and nothing else: no names,
    no decision, no outcome (whoever holds the raiser's phone for a moment learns no more than that)."""
    reference = onetime.verified_subject(request, services.STATUS_CODE_PURPOSE)
    concern = services.public_status(reference) if reference else None
    if concern is None:
        return redirect("concerns:public_status")
    services.log_public_status_view(concern, request.path, client_ip(request))
    return render(request, "concerns/status/shown.html", {"concern": concern})


# --- Triage ---------------------------------------------------------------------------------

QUEUE_FILTERS = {
    "all": ("All open concerns", Q()),
    "unallocated": ("Not picked up", Q(team__isnull=True)),
    "mine": ("Assigned to me", None),
    "team": ("My team's", None),
    "sign_off": ("Awaiting sign-off", Q(status=Concern.Status.AWAITING_SIGN_OFF)),
    "overdue": ("First contact overdue", None),
    "set_aside": ("Entered in error or duplicate", None),
}


# The queue's order: a concern reporting immediate danger, then one reporting abuse still going on,
# then one whose adult nobody has spoken to in time, then the oldest. An immediate danger received a
# minute ago is on page 1 above thirty concerns received days ago.
QUEUE_ORDER = ("-immediate_danger", "-still_happening", "-contact_overdue", "received_at")


@require_GET
@requires(CASEWORK)
def queue(request: AuthenticatedRequest) -> HttpResponse:
    """The front-door queue: open concerns, those reporting a risk first (``QUEUE_ORDER``)."""
    show = request.GET.get("show", "all")
    if show not in QUEUE_FILTERS:
        show = "all"
    now = timezone.now()
    due_by = now - first_contact_window()
    # Concerns set aside are closed: they are listed (and say so) under their own filter.
    base = Concern.objects.set_aside_ones() if show == "set_aside" else Concern.objects.open()
    concerns = visible(request, base)
    label, condition = QUEUE_FILTERS[show]
    if show == "mine":
        condition = Q(assigned_to=request.user)
    elif show == "team":
        condition = Q(team_id=request.user.team_id)
    elif show == "overdue":
        condition = Q(first_contact_at__isnull=True, received_at__lt=due_by)
    elif show == "set_aside":
        condition = Q()
    concerns = (
        concerns.filter(condition)
        .annotate(
            contact_overdue=Case(
                When(Q(first_contact_at__isnull=True, received_at__lt=due_by, set_aside=""), then=Value(1)),
                default=Value(0),
            )
        )
        .select_related("assigned_to", "team", "person", "duplicate_of")
        .prefetch_related(
            Prefetch("risk_types", queryset=ConcernRiskType.objects.order_by("risk_type")),
            Prefetch(
                "transfers",
                queryset=ConcernTransfer.objects.filter(
                    status=ConcernTransfer.Status.PROPOSED
                ).select_related("to_council"),
                to_attr="proposed_transfers",
            ),
        )
        .order_by(*QUEUE_ORDER)
    )
    page = Paginator(concerns, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "concerns/queue.html",
        {"page": page, "show": show, "filters": QUEUE_FILTERS, "label": label, "now": now},
    )


# The record's lookup joins only the council and the person; its other links are fetched after it,
# each by primary key and only when set. PostgreSQL's time to plan a query about doubles with each
# join it could reorder: this lookup took 11 ms to plan with all seven joins, 0.3 ms with two
# (docs/architecture.md), and an outsider's 404 no longer pays for them at all.
CONCERNS = Concern.objects.select_related("council", "person").prefetch_related(
    "team", "assigned_to", "raiser_organisation", "duplicate_of", "set_aside_by", "safety_action_by"
)


def _undecided(concern: Concern) -> bool:
    """Triage pages open only until the concern is decided; decided ones are 404 to them."""
    return not concern.is_decided


@require_http_methods(["GET", "POST"])
@record(CONCERNS)
def referrer_outcome(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    """What the referrer is told about the outcome, written by council staff who may work the
    concern or its enquiry (``services.may_tell_referrer``); 404 to other council staff."""
    if not services.may_tell_referrer(concern, request.user):
        raise Http404
    form = ReferrerOutcomeForm(
        posted(request), initial={"outcome_for_referrer": concern.outcome_for_referrer}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_outcome_for_referrer(
                concern, request.user, form.cleaned_data["outcome_for_referrer"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "What the referrer is told is saved")
            return redirect(reverse("concerns:detail", args=[concern.reference]) + "#referrer")
    return render(
        request,
        "concerns/referrer_outcome.html",
        {"concern": concern, "form": form, "standard": referrer.outcome_words(concern, None)[0]},
    )


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
    can_manage = visible(request, Concern.objects.filter(pk=concern.pk), "manage").exists()
    contacts = list(
        FirstContact.objects.filter(concern=concern).select_related("recorded_by", "entered_in_error_by")
    )
    return render(
        request,
        "concerns/detail.html",
        {
            "concern": concern,
            "risk_types": concern.risk_type_labels,
            "person_history": person_history,
            "provider_history": provider_history,
            "contacts": contacts,
            # The conversation the 24-hour measure counts: the earliest not entered in error.
            "counted_contact": next((c for c in contacts if not c.is_entered_in_error), None),
            "attempts": ContactAttempt.objects.filter(concern=concern).select_related("recorded_by"),
            "transfer": services.pending_transfer(concern),
            "can_manage": can_manage,
            # Setting aside and the other-area flag: only while no enquiry has been opened.
            "can_correct": can_manage and enquiry is None and not concern.is_set_aside,
            "can_transfer": can_manage
            and enquiry is None
            and not concern.is_set_aside
            and concern.status in services.TRANSFERABLE,
            "can_correct_contacts": can_triage,
            "notes": ConcernNote.objects.filter(concern=concern).select_related("author"),
            "decision": decision,
            "enquiry": enquiry,
            "can_triage": can_triage and not concern.is_decided,
            "can_sign_off": decision is not None and services.can_sign_off(decision, request.user),
            "first_contact_due": concern.first_contact_due(),
            "now": timezone.now(),
            # The referrer's loop: what they added, and what they are told.
            "updates": ConcernUpdate.objects.filter(concern=concern).select_related("added_by"),
            "referrer_outcome": referrer.outcome_words(concern, enquiry)[0],
            "can_tell_referrer": services.may_tell_referrer(concern, request.user),
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
            try:
                services.link_person(concern, person, request.user)
            except StateChanged as changed:  # the record was merged into another meanwhile
                messages.error(request, str(changed))
            else:
                messages.success(request, f"Concern linked to {person.full_name}")
                return redirect("concerns:detail", reference=concern.reference)
    # The search starts from the concern's details, and its results are shown at once.
    from_concern = services.person_search_criteria(concern)
    search_form = PersonSearchForm(request.POST if searching else None, initial=from_concern)
    suggestions = list(
        likely_duplicates(
            people,
            concern.adult_given_name,
            concern.adult_family_name,
            concern.adult_date_of_birth,
            postcode=concern.adult_postcode,
        )
    )
    results = None
    restricted: list[uuid.UUID] = []
    if searching:
        if search_form.is_valid() and search_form.has_criteria():
            results = list(search(people, **search_form.cleaned_data)[:25])
            restricted = restricted_matches(request.user, search_form.cleaned_data)
    else:
        suggested = {match.person.pk for match in suggestions}
        results = [p for p in search(people, **from_concern)[:25] if p.pk not in suggested]
        # A restricted record that may be this adult: said so (nothing about it shown), rather than
        # "no matching records", which invites a second record of the same person.
        restricted = services.restricted_likely_matches(request.user, from_concern)
    # Every person the page lists is a view of their record (docs/security.md).
    log_shown(request, [*(results or []), *(match.person for match in suggestions)])
    return render(
        request,
        "concerns/link_person.html",
        {
            "concern": concern,
            "search_form": search_form,
            "searching": searching,
            "results": results,
            "suggestions": suggestions,
            "restricted": restricted,
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
        duplicates = form.duplicates_to_confirm(people, user=request.user)
        if not form.errors:  # no likely duplicate, seen or restricted, left to confirm
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
    form_kwargs: dict[str, Any] | None = None,
) -> HttpResponse:
    form = form_class(posted(request), **(form_kwargs or {}))
    if request.method == "POST" and form.is_valid():
        try:
            save(concern, form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("concerns:detail", reference=concern.reference)
    return render(request, template, {"concern": concern, "form": form})


def _add_errors(form: forms.Form, exc: ValidationError, fields: dict[str, str] | None = None) -> None:
    """A service's refusal on the form: each message on its field (renamed by ``fields``), if the
    form has it, else above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        name = (fields or {}).get(name, name)
        for message in errors:
            form.add_error(name if name in form.fields else None, message)


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

    return _triage_form_view(
        request, concern, FirstContactForm, "concerns/first_contact.html", save, {"concern": concern}
    )


@require_http_methods(["GET", "POST"])
@record(CONCERNS, Action.TRIAGE, where=_undecided)
def contact_attempt(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    def save(concern: Concern, data: dict[str, Any]) -> None:
        services.record_attempt(
            concern,
            request.user,
            {
                "attempted_at": data["attempted_at"],
                "method": data["method"],
                "outcome": data["outcome"],
                "notes": data["notes"],
            },
        )
        messages.success(request, "Attempt recorded")

    return _triage_form_view(
        request, concern, ContactAttemptForm, "concerns/attempt.html", save, {"concern": concern}
    )


@require_http_methods(["GET", "POST"])
@record(CONCERNS, Action.TRIAGE)
def contact_in_error(request: AuthenticatedRequest, concern: Concern, contact: uuid.UUID) -> HttpResponse:
    found = (
        FirstContact.objects.filter(concern=concern, uuid=contact, entered_in_error_at__isnull=True)
        .select_related("recorded_by")
        .first()
    )
    if found is None:
        raise Http404("No such conversation")
    form = ContactInErrorForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.mark_contact_in_error(found, request.user, form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc)
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("concerns:detail", reference=concern.reference)
        else:
            messages.success(request, "The conversation is marked as entered in error")
            return redirect("concerns:detail", reference=concern.reference)
    return render(
        request, "concerns/contact_in_error.html", {"concern": concern, "contact": found, "form": form}
    )


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
    # The form checks everything at once: its answers, the decision rules and what the concern lacks.
    form = DecisionForm(posted(request), initial=initial, concern=concern)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_decision(concern, request.user, form.cleaned_data)
        except ValidationError as exc:  # the concern changed since the page was read
            _add_errors(form, exc)
        else:
            messages.success(request, "Decision recorded. A team manager needs to sign it off.")
            return redirect("concerns:detail", reference=concern.reference)
    return render(request, "concerns/decision.html", {"concern": concern, "form": form, "existing": existing})


@require_http_methods(["GET", "POST"])
@record(CONCERNS, Action.TRIAGE, where=_undecided)
def safety_action(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    """What was done to keep the adult safe: asked for when the concern reports immediate danger or
    ongoing abuse (the decision waits for it), and open to any concern still at the front door."""
    form = SafetyActionForm(posted(request), initial={"safety_action": concern.safety_action})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_safety_action(concern, request.user, form.cleaned_data["safety_action"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Safety action recorded")
            return redirect("concerns:detail", reference=concern.reference)
    return render(request, "concerns/safety_action.html", {"concern": concern, "form": form})


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


# --- Corrections: set aside, transfer, abuse in another area -----------------------------------


def _correctable(concern: Concern) -> bool:
    """Setting aside and the other-area flag: a concern not set aside, with no enquiry."""
    return (
        not concern.is_set_aside
        and concern.status != Concern.Status.ENQUIRY
        and not services.has_enquiry(concern)
    )


@require_http_methods(["GET", "POST"])
@record(CONCERNS, Action.MANAGE)
def set_aside(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    if concern.is_set_aside:
        raise Http404  # already set aside: nothing to do here
    form = SetAsideForm(posted(request), concern=concern, user=request.user)
    blocked = services.has_enquiry(concern) or concern.status == Concern.Status.ENQUIRY
    if request.method == "POST" and not blocked and form.is_valid():
        data = form.cleaned_data
        try:
            services.set_aside(concern, request.user, data["kind"], data["reason"], data["original"])
        except ValidationError as exc:
            _add_errors(form, exc)
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("concerns:detail", reference=concern.reference)
        else:
            messages.success(request, f"{concern.reference} is set aside: it is no longer counted")
            return redirect("concerns:detail", reference=concern.reference)
    return render(
        request,
        "concerns/set_aside.html",
        {"concern": concern, "form": form, "blocked": blocked, "has_enquiry": services.HAS_ENQUIRY},
    )


@require_http_methods(["GET", "POST"])
@record(CONCERNS, Action.MANAGE, where=_correctable)
def other_area(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    if request.method == "POST" and request.POST.get("action") == "remove":
        services.set_other_area(concern, request.user, "")
        messages.success(request, "The concern is no longer flagged as abuse in another area")
        return redirect("concerns:detail", reference=concern.reference)
    form = OtherAreaForm(posted(request), initial={"other_area": concern.other_area})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_other_area(concern, request.user, form.cleaned_data["other_area"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, "Flagged as abuse in another area: the concern is left out of this council's return"
            )
            return redirect("concerns:detail", reference=concern.reference)
    return render(request, "concerns/other_area.html", {"concern": concern, "form": form})


def _transferable(concern: Concern) -> bool:
    return concern.status in services.TRANSFERABLE and not concern.is_set_aside


@require_http_methods(["GET", "POST"])
@record(CONCERNS, Action.MANAGE, where=_transferable)
def transfer(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    pending = services.pending_transfer(concern)
    form = TransferForm(posted(request), concern=concern)
    if request.method == "POST" and pending is None and form.is_valid():
        data = form.cleaned_data
        try:
            proposed = services.propose_transfer(concern, request.user, data["to_council"], data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc)
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("concerns:detail", reference=concern.reference)
        else:
            messages.success(request, f"Transfer to {proposed.to_council} proposed. They need to accept it.")
            return redirect("concerns:detail", reference=concern.reference)
    return render(request, "concerns/transfer.html", {"concern": concern, "form": form, "pending": pending})


@require_GET
@requires(CASEWORK)
def transfers(request: AuthenticatedRequest) -> HttpResponse:
    """Transfers of concerns between councils: those waiting for this council's answer, and those it
    has sent or answered."""
    rows = (
        visible(request, ConcernTransfer.objects.all())
        .select_related("concern", "from_council", "to_council", "proposed_by", "decided_by")
        .order_by("-proposed_at")
    )
    council_id = request.user.organisation_id
    incoming = [
        t for t in rows if t.to_council_id == council_id and t.status == ConcernTransfer.Status.PROPOSED
    ]
    others = [t for t in rows if t not in incoming]
    return render(
        request,
        "concerns/transfers.html",
        {"incoming": incoming, "others": others, "council_id": council_id},
    )


TRANSFERS = ConcernTransfer.objects.select_related("concern", "from_council", "to_council", "proposed_by")


@require_http_methods(["GET", "POST"])
@record(TRANSFERS, Action.SIGN_OFF, url_kwarg="uuid", arg="transfer", log=False)
def transfer_decision(request: AuthenticatedRequest, transfer: ConcernTransfer) -> HttpResponse:
    """The receiving council's team manager or lead accepts the transfer, or declines it with a reason."""
    concern = transfer.concern
    form = TransferDecisionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["action"] == "approve":
                services.accept_transfer(transfer, request.user)
                messages.success(request, f"{concern.reference} is now with {transfer.to_council}")
                return redirect("concerns:detail", reference=concern.reference)
            services.decline_transfer(transfer, request.user, form.cleaned_data["returned_comment"])
            messages.success(request, f"Transfer of {concern.reference} declined")
            return redirect("concerns:transfers")
        except ValidationError as exc:
            _add_errors(form, exc, {"declined_reason": "returned_comment"})
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("concerns:transfers")
    # The receiving council reads the concern to decide: a view of it, in its access log.
    log_shown(request, [concern])
    return render(
        request,
        "concerns/transfer_decision.html",
        {"transfer": transfer, "concern": concern, "form": form, "risk_types": concern.risk_type_labels},
    )


@require_GET
@record(CONCERNS)
def history(request: AuthenticatedRequest, concern: Concern) -> HttpResponse:
    return history_page(
        request,
        concern,
        (FirstContact, ContactAttempt, ConcernNote, Decision, ConcernTransfer),
        name=concern.reference,
        caption=f"Concern {concern.reference}",
        back=reverse("concerns:detail", args=[concern.reference]),
        show_who_viewed=SAFEGUARDING_LEAD.allows(request.user),
    )
