"""The enquiry pages. Who may open each is declared on it: ``requires`` a page permission, or a
``record`` looked up through the permission chokepoint (404 to anyone else); writes are services'."""

from operator import attrgetter
from typing import Any, cast
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, Q
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from msphub.accounts.permissions import (
    ALLOCATE,
    CASELOAD,
    CASEWORK,
    OWN_CASELOAD_FIRST,
    PARTNER_ACTIONS,
    SAFEGUARDING_LEAD,
)
from msphub.accounts.requests import AuthenticatedRequest
from msphub.core.access import Action, get_record, log_shown, log_view, record, requires, visible
from msphub.core.downloads import pdf_response
from msphub.core.forms import initial_from, posted
from msphub.core.history import history_page
from msphub.core.states import StateChanged
from msphub.core.templatetags.govuk_forms import error_anchor

from . import forms, services
from .models import (
    RECORD_PARTS,
    AdvocacyReferral,
    AllegedPerson,
    BestInterestsDecision,
    CapacityAssessment,
    DesiredOutcome,
    Enquiry,
    Feedback,
    Involvement,
    PlanAction,
    PlanActionQuerySet,
)
from .permissions import QUOTE_MODERATION

# As concerns.views.CONCERNS: the lookup joins the council and the person, and the other links are
# fetched after it by primary key, since each join a query adds about doubles its planning time.
ENQUIRIES = Enquiry.objects.select_related("council", "person").prefetch_related(
    "lead_practitioner", "team", "concern", "making_organisation"
)
# The pages that change an enquiry's record open only while it is editable (not awaiting closure
# sign-off, not closed); to the others they are 404, as to an outsider.
EDITABLE = attrgetter("is_editable")


def _form_page(
    request: AuthenticatedRequest, enquiry: Enquiry, form: BaseForm, title: str, **extra: Any
) -> HttpResponse:
    """The page of one form about an enquiry, under its title."""
    context = {"enquiry": enquiry, "form": form, "title": title, **extra}
    return render(request, "enquiries/form.html", context)


def _done(request: AuthenticatedRequest, enquiry: Enquiry, message: str, anchor: str = "") -> HttpResponse:
    messages.success(request, message)
    return redirect(f"/enquiries/{enquiry.reference}/{'#' + anchor if anchor else ''}")


# --- Caseloads -------------------------------------------------------------------------------


@require_GET
@requires(CASELOAD)
def caseload(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    filters = forms.CaseloadFilterForm(request.GET or None)
    filters.is_valid()
    data = getattr(filters, "cleaned_data", {})
    show = data.get("show") or ("mine" if OWN_CASELOAD_FIRST.allows(user) else "all")
    sort = data.get("sort") or "next_review_due"
    today = timezone.localdate()
    rows = Enquiry.objects.with_overdue_actions(today)
    if show == "mine":
        rows = rows.open().filter(lead_practitioner=user)
    elif show == "team":
        rows = rows.open().filter(team_id=user.team_id) if user.team_id else rows.none()
    elif show == "review_overdue":
        rows = rows.review_overdue(today)
    elif show == "actions_overdue":
        rows = rows.open().filter(has_overdue_action=True)
    elif show == "sign_off":
        rows = rows.filter(status=Enquiry.Status.CLOSURE_REQUESTED)
    elif show == "closed":
        rows = rows.filter(status=Enquiry.Status.CLOSED)
        sort = data.get("sort") or "-started_at"
    else:
        rows = rows.open()
    if data.get("kind"):
        rows = rows.filter(kind=data["kind"])
    enquiries = (
        visible(request, rows)
        .select_related("person", "lead_practitioner", "team", "making_organisation")
        .annotate(outcome_count=Count("outcomes", filter=Q(outcomes__withdrawn_on__isnull=True)))
        .order_by(sort, "reference")
    )
    page = Paginator(enquiries, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "enquiries/caseload.html",
        {
            "page": page,
            "filters": filters,
            "show": show,
            "sort": sort,
            "kind": data.get("kind", ""),
            "show_choices": forms.CaseloadFilterForm.SHOW,
            "today": today,
            "can_moderate_quotes": QUOTE_MODERATION.allows(user),
        },
    )


@require_GET
@requires(CASEWORK)
def feedback_due(request: AuthenticatedRequest) -> HttpResponse:
    """People whose enquiry closed in the last eight weeks and who have not been asked yet."""
    enquiries = (
        services.feedback_due(visible(request, Enquiry.objects.all(), "feedback"))
        .select_related("person", "lead_practitioner")
        .order_by("closed_at")
    )
    page = Paginator(enquiries, 25).get_page(request.GET.get("page"))
    return render(request, "enquiries/feedback_due.html", {"page": page})


# --- The enquiry page -------------------------------------------------------------------------


@require_GET
@record(ENQUIRIES)
def enquiry_detail(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    # Both questions in one query (the page's budget: tests/test_enquiry_views.py).
    this = Enquiry.objects.filter(pk=enquiry.pk)
    can_edit, can_read_feedback = this.annotate(
        may_edit=Exists(visible(request, this, "edit")),
        may_read_feedback=Exists(visible(request, this, "feedback")),
    ).values_list("may_edit", "may_read_feedback")[0]
    outcomes = list(enquiry.outcomes.all())
    reviews = list(enquiry.reviews.select_related("recorded_by").prefetch_related("progress__outcome"))
    today = timezone.localdate()
    return render(
        request,
        "enquiries/detail.html",
        {
            "enquiry": enquiry,
            "can_edit": can_edit and enquiry.is_editable,
            "can_sign_off": services.can_sign_off_closure(enquiry, request.user),
            "active_outcomes": [o for o in outcomes if o.is_active],
            "withdrawn_outcomes": [o for o in outcomes if not o.is_active],
            "reviews": reviews,
            "review_overdue": enquiry.is_review_overdue(today),
            "involvements": enquiry.involvements.all(),
            "capacity_assessments": enquiry.capacity_assessments.all(),
            "best_interests": enquiry.best_interests_decisions.all(),
            "advocacy": enquiry.advocacy_referrals.all(),
            "advocacy_prompt": services.advocacy_prompt(enquiry),
            "actions": enquiry.plan_actions.select_related("resolved_by__organisation", "owner_organisation"),
            "alleged_persons": enquiry.alleged_persons.all(),
            "responses": enquiry.responses.all(),
            "feedback": enquiry.feedback.all() if can_read_feedback else None,
            # What the enquiry found is shown once closure has been asked for (with the closure).
            "findings": None if enquiry.is_editable else services.findings(enquiry),
            "today": today,
        },
    )


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, permission=ALLOCATE, where=EDITABLE)
def enquiry_details(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    """Lead practitioner and the partner making the enquiry: managers and the lead allocate."""
    form = forms.EnquiryDetailsForm(
        posted(request),
        council_id=enquiry.council_id,
        staff=services.allocatable_staff(enquiry, request.user),
        initial=initial_from(enquiry, forms.EnquiryDetailsForm),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.allocate(
                enquiry,
                form.cleaned_data["lead_practitioner"],
                form.cleaned_data["making_organisation"],
                by=request.user,
            )
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("enquiries:detail", reference=enquiry.reference)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _done(request, enquiry, "Enquiry details updated")
    return _form_page(request, enquiry, form, "Lead and partner")


# --- Outcomes --------------------------------------------------------------------------------


def _outcome_data(form: forms.OutcomeForm) -> dict:
    data = {k: form.cleaned_data[k] for k in forms.OutcomeForm.base_fields}
    data["negotiated_reason"] = data.get("negotiated_reason") or ""
    return data


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, where=EDITABLE)
def outcome_new(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    form = forms.OutcomeForm(posted(request), initial={"expressed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        services.add_outcome(enquiry, _outcome_data(form))
        return _done(request, enquiry, "Desired outcome added", "outcomes")
    return _form_page(request, enquiry, form, "Add a desired outcome")


def _outcome(enquiry: Enquiry, outcome_uuid) -> DesiredOutcome:
    outcome = enquiry.outcomes.filter(uuid=outcome_uuid, withdrawn_on__isnull=True).first()
    if outcome is None:
        raise Http404
    return outcome


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, where=EDITABLE)
def outcome_edit(request: AuthenticatedRequest, enquiry: Enquiry, outcome_uuid) -> HttpResponse:
    outcome = _outcome(enquiry, outcome_uuid)
    form = forms.OutcomeForm(posted(request), initial=initial_from(outcome, forms.OutcomeForm))
    if request.method == "POST" and form.is_valid():
        services.change_outcome(outcome, _outcome_data(form))
        return _done(request, enquiry, "Desired outcome changed", "outcomes")
    return _form_page(request, enquiry, form, "Change a desired outcome")


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, where=EDITABLE)
def outcome_withdraw(request: AuthenticatedRequest, enquiry: Enquiry, outcome_uuid) -> HttpResponse:
    outcome = _outcome(enquiry, outcome_uuid)
    form = forms.WithdrawOutcomeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.withdraw_outcome(outcome, form.cleaned_data["withdrawn_reason"])
        return _done(request, enquiry, "Desired outcome withdrawn", "outcomes")
    return _form_page(request, enquiry, form, "Withdraw a desired outcome", quote=outcome.words)


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, where=EDITABLE)
def no_outcomes(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    form = forms.NoOutcomesForm(posted(request), initial={"no_outcomes_reason": enquiry.no_outcomes_reason})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_no_outcomes_reason(enquiry, form.cleaned_data["no_outcomes_reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _done(request, enquiry, "Reason recorded", "outcomes")
    return _form_page(request, enquiry, form, "No desired outcomes")


# --- Reviews and the other parts of the record ---------------------------------------------------


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, where=EDITABLE)
def review_new(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    outcomes = list(enquiry.outcomes.filter(withdrawn_on__isnull=True))
    form = forms.ReviewForm(posted(request), outcomes=outcomes, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        services.record_review(enquiry, request.user, form.review_data(), form.progress())
        return _done(request, enquiry, "Review recorded", "reviews")
    return _form_page(request, enquiry, form, "Record a review")


# Parts of the record added with one simple form each: (form, model, title, message, anchor).
SIMPLE_RECORDS = {
    "involvement": (forms.InvolvementForm, Involvement, "Record a contact or meeting", "Contact recorded"),
    "capacity": (
        forms.CapacityForm,
        CapacityAssessment,
        "Record a capacity assessment",
        "Assessment recorded",
    ),
    "best-interests": (
        forms.BestInterestsForm,
        BestInterestsDecision,
        "Record a best-interests decision",
        "Best-interests decision recorded",
    ),
    "advocacy": (
        forms.AdvocacyForm,
        AdvocacyReferral,
        "Record an advocacy referral",
        "Advocacy referral recorded",
    ),
}
# A plan action has its own form (its owner is chosen among the council's partners), under the same
# address as the simple parts.
PLAN_ACTIONS = "actions"


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, where=EDITABLE)
def record_new(request: AuthenticatedRequest, enquiry: Enquiry, part: str) -> HttpResponse:
    if part == PLAN_ACTIONS:
        return _plan_action_new(request, enquiry)
    if part not in SIMPLE_RECORDS:
        raise Http404
    form_class, model, title, message = SIMPLE_RECORDS[part]
    form = form_class(posted(request))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in {f.name for f in model._meta.fields}}
        services.add_record(enquiry, model, data, request.user)
        return _done(request, enquiry, message, part)
    return _form_page(request, enquiry, form, title)


def _plan_action_new(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    """Add an action to the shared safeguarding plan, owned by the council, one of its partners, the
    person themselves or someone else."""
    form = forms.PlanActionForm(posted(request), enquiry=enquiry)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_plan_action(
                enquiry, form.action_data(), form.cleaned_data["owner"], form.cleaned_data["owner_agency"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _done(request, enquiry, "Action added", PLAN_ACTIONS)
    return _form_page(request, enquiry, form, "Add a safeguarding plan action")


# --- The person alleged to have caused harm, and the responses used ------------------------------


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, where=EDITABLE)
def alleged_new(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    form = forms.AllegedPersonForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.add_alleged_person(enquiry, request.user, form.cleaned_data)
        return _done(request, enquiry, "Person alleged to have caused harm recorded", "alleged")
    return _form_page(request, enquiry, form, "The person alleged to have caused harm")


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, where=EDITABLE)
def alleged_edit(request: AuthenticatedRequest, enquiry: Enquiry, alleged_uuid: UUID) -> HttpResponse:
    alleged = AllegedPerson.objects.filter(enquiry=enquiry, uuid=alleged_uuid).first()
    if alleged is None:
        raise Http404
    alleged.enquiry = enquiry
    form = forms.AllegedPersonForm(posted(request), initial=initial_from(alleged, forms.AllegedPersonForm))
    if request.method == "POST" and form.is_valid():
        services.change_alleged_person(alleged, form.cleaned_data)
        return _done(request, enquiry, "Person alleged to have caused harm changed", "alleged")
    return _form_page(request, enquiry, form, "The person alleged to have caused harm")


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, where=EDITABLE)
def responses(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    """The responses the enquiry used (mediation, a family group conference, police action...)."""
    used = list(enquiry.responses.values_list("response", flat=True))
    form = forms.ResponsesForm(posted(request), initial={"responses": used})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_responses(enquiry, form.cleaned_data["responses"])
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("enquiries:detail", reference=enquiry.reference)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _done(request, enquiry, "Responses used saved", "responses")
    context = {"enquiry": enquiry, "form": form, "title": "Responses used"}
    return render(request, "enquiries/responses.html", context)


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, where=EDITABLE)
def advocacy_started(request: AuthenticatedRequest, enquiry: Enquiry, referral_uuid) -> HttpResponse:
    referral = enquiry.advocacy_referrals.filter(uuid=referral_uuid).first()
    if referral is None:
        raise Http404
    form = forms.AdvocacyForm(posted(request), initial=initial_from(referral, forms.AdvocacyForm))
    if request.method == "POST" and form.is_valid():
        services.change_advocacy_referral(referral, form.cleaned_data)
        return _done(request, enquiry, "Advocacy referral updated", "advocacy")
    return _form_page(request, enquiry, form, "Update an advocacy referral")


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, where=EDITABLE)
def participation(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    form = forms.ParticipationForm(posted(request), initial=initial_from(enquiry, forms.ParticipationForm))
    if request.method == "POST" and form.is_valid():
        services.record_participation(
            enquiry, form.cleaned_data["substantial_difficulty"], form.cleaned_data["has_appropriate_person"]
        )
        return _done(request, enquiry, "Taking part recorded", "capacity")
    return _form_page(request, enquiry, form, "Taking part in the enquiry")


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, where=EDITABLE)
def risk(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    initial = {name: getattr(enquiry, name) for name in services.RISK_FIELDS}
    form = forms.RiskForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        services.record_risk(enquiry, form.cleaned_data)
        return _done(request, enquiry, "Risk assessment saved", "risk")
    return _form_page(request, enquiry, form, "Risk assessment")


def _unresolved_action(enquiry: Enquiry, action_uuid: UUID) -> PlanAction:
    """One of the enquiry's plan actions not yet resolved, or 404."""
    action = PlanAction.objects.filter(enquiry=enquiry, uuid=action_uuid).unresolved().first()
    if action is None:
        raise Http404
    action.enquiry = enquiry
    return action


@require_POST
@record(ENQUIRIES, Action.EDIT, where=EDITABLE)
def action_done(request: AuthenticatedRequest, enquiry: Enquiry, action_uuid: UUID) -> HttpResponse:
    action = _unresolved_action(enquiry, action_uuid)
    try:
        services.mark_action_done(action, user=request.user)
    except StateChanged as changed:
        messages.error(request, str(changed))
        return redirect(reverse("enquiries:detail", args=[enquiry.reference]) + "#actions")
    return _done(request, enquiry, "Action marked as done", "actions")


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, where=EDITABLE)
def action_resolve(request: AuthenticatedRequest, enquiry: Enquiry, action_uuid: UUID) -> HttpResponse:
    """Resolve a plan action: done, cancelled with why, or handed over to whom."""
    action = _unresolved_action(enquiry, action_uuid)
    form = forms.ResolveActionForm(posted(request), initial={"resolved_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.resolve_action(
                action,
                request.user,
                data["status"],
                on=data["resolved_on"],
                cancelled_reason=data.get("cancelled_reason", ""),
                handed_over_to=data.get("handed_over_to", ""),
            )
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect(reverse("enquiries:detail", args=[enquiry.reference]) + "#actions")
        except ValidationError as exc:
            _refused(form, exc)
        else:
            label = PlanAction.Status(data["status"]).label.lower()
            return _done(request, enquiry, f"Action marked as {label}", "actions")
    return _form_page(request, enquiry, form, "Resolve a plan action", quote=action.action)


def _refused(form: BaseForm, error: ValidationError) -> None:
    """A service's refusal shown on the form: by field where the form has it, else above it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, problems in error.message_dict.items():
        form.add_error(name if name in form.fields else None, problems)


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, where=EDITABLE)
def advocacy_not_going_ahead(
    request: AuthenticatedRequest, enquiry: Enquiry, referral_uuid: UUID
) -> HttpResponse:
    """An advocacy referral that will not go ahead (the person declined it, or it is no longer
    needed): a referral not started yet, and not already marked so."""
    referral = enquiry.advocacy_referrals.filter(
        uuid=referral_uuid, started_on__isnull=True, not_going_ahead_on__isnull=True
    ).first()
    if referral is None:
        raise Http404
    form = forms.AdvocacyNotGoingAheadForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.mark_advocacy_not_going_ahead(referral, form.cleaned_data["not_going_ahead_reason"])
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect(reverse("enquiries:detail", args=[enquiry.reference]) + "#capacity")
        return _done(request, enquiry, "Advocacy referral marked not going ahead", "capacity")
    summary = f"{referral.get_kind_display()}, referred {date_format(referral.referred_on, 'j F Y')}"
    return _form_page(request, enquiry, form, "Advocacy not going ahead", quote=summary)


# --- Closure ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.EDIT, where=EDITABLE)
def close(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    outcomes = list(enquiry.outcomes.filter(withdrawn_on__isnull=True))
    initial = services.closure_prefill(enquiry)
    for outcome in outcomes:
        initial[f"achievement_{outcome.pk}"] = outcome.achievement
        initial[f"achievement_note_{outcome.pk}"] = outcome.achievement_note
    form = forms.ClosureForm(posted(request), outcomes=outcomes, initial=initial)
    gate = services.closure_gate(enquiry)  # shown, and (refused) listed: worked out once
    missing: list[services.Missing] = []
    if request.method == "POST":
        valid = form.is_valid()
        data, achievements, notes = form.service_data()
        if valid:
            missing = services.request_closure(enquiry, request.user, data, achievements, notes)
            if not missing:
                return _done(request, enquiry, "Closure sent to a team manager to sign off")
        else:
            # Everything else still missing is listed too, so that one more try can close it.
            missing = services.closure_refusals(enquiry, data, achievements, gate)
    context = {
        "enquiry": enquiry,
        "form": form,
        "missing": [(m, _missing_href(form, m)) for m in missing],
        "gate": gate,
        "responses_warning": services.responses_warning(enquiry),
        "outcomes": outcomes,
        "errors": bool(missing),  # the page title's "Error: "
    }
    return render(request, "enquiries/close.html", context)


def _missing_href(form: forms.ClosureForm, missing: services.Missing) -> str:
    """Where the error summary's item for ``missing`` links: the page that puts it right, else the
    first input of the closing form's field that answers it."""
    if missing.url:
        return missing.url
    if missing.field in form.fields:
        return f"#{error_anchor(form[missing.field])}"
    return ""


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.SIGN_OFF, where=attrgetter("awaits_closure_sign_off"))
def close_sign_off(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    if not services.can_sign_off_closure(enquiry, request.user):
        raise Http404  # the four-eyes rule: whoever asked for the closure does not sign it off
    form = forms.SignOffClosureForm(posted(request))
    gate = services.closure_gate(enquiry)
    if request.method == "POST" and form.is_valid() and form.cleaned_data["action"] == "approve":
        if gate.blocking:
            # Asked for before the gate (or the record changed since): it goes back to be resolved.
            form.add_error("action", services.GATE_SHUT)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["action"] == "approve":
                services.sign_off_closure(enquiry, request.user)
                return _done(request, enquiry, "Closure signed off. The enquiry is closed")
            services.return_closure(enquiry, request.user, form.cleaned_data["returned_comment"])
            return _done(request, enquiry, "Closure returned to the lead practitioner")
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("enquiries:detail", reference=enquiry.reference)
    outcomes = enquiry.outcomes.filter(withdrawn_on__isnull=True)
    context = {
        "enquiry": enquiry,
        "form": form,
        "outcomes": outcomes,
        "findings": services.findings(enquiry),
        "gate": gate,
        "responses_warning": services.responses_warning(enquiry),
    }
    return render(request, "enquiries/close_sign_off.html", context)


# --- Feedback --------------------------------------------------------------------------------


def _version(request: AuthenticatedRequest) -> str:
    version = request.GET.get("version", Feedback.Version.ADULT)
    if version not in Feedback.Version.values:
        raise Http404
    return version


@require_http_methods(["GET", "POST"])
@record(ENQUIRIES, Action.FEEDBACK)
def feedback_new(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    version = _version(request)
    form = forms.FeedbackForm(posted(request), version=version, initial={"asked_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v is not None}
        data.setdefault("representative_relationship", "")
        try:
            services.record_feedback(enquiry, request.user, {"version": version, **data})
        except ValidationError as error:
            # That version was answered meanwhile (another tab, an interviewer, the person online).
            for problem in error.messages:
                form.add_error(None, problem)
        else:
            return _done(request, enquiry, "Feedback recorded. Thank you for asking", "feedback")
    title = "The person's feedback" if version == "adult" else "A representative's feedback"
    return _form_page(request, enquiry, form, title, version=version)


@require_GET
@record(ENQUIRIES, Action.FEEDBACK)
def feedback_easy_read(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    """A printable easy-read questionnaire (PDF); it carries no personal details, only the reference."""
    version = _version(request)
    index = 0 if version == Feedback.Version.ADULT else 1
    questions = [wording[index] for wording in services.FEEDBACK_QUESTIONS.values()]
    context = {
        "enquiry": enquiry,
        "questions": questions,
        "version": version,
        "answers": Feedback._meta.get_field("safer").choices,
    }
    filename = f"feedback-{enquiry.reference}-{version}.pdf"
    return pdf_response(request, "enquiries/easy_read.html", context, filename, inline=True)


@require_GET
@record(ENQUIRIES)
def history(request: AuthenticatedRequest, enquiry: Enquiry) -> HttpResponse:
    return history_page(
        request,
        enquiry,
        RECORD_PARTS,
        name=enquiry.reference,
        caption=f"Enquiry {enquiry.reference}",
        back=reverse("enquiries:detail", args=[enquiry.reference]),
        show_who_viewed=SAFEGUARDING_LEAD.allows(request.user),
    )


# --- Quotes for the Board ---------------------------------------------------------------------

# Consented quotes, moderated by a team manager or the safeguarding lead of the council before the
# Board sees them.
QUOTES = Feedback.objects.select_related("enquiry")


def _quotes_page(
    request: AuthenticatedRequest,
    bound: Feedback | None = None,
    form: forms.QuoteModerationForm | None = None,
) -> HttpResponse:
    """The quotes awaiting moderation, each with its form (the one just posted, with its errors)."""
    awaiting = visible(request, Feedback.objects.awaiting_moderation(), Action.SIGN_OFF)
    page = Paginator(awaiting.select_related("enquiry").order_by("asked_on", "pk"), 25).get_page(
        request.GET.get("page")
    )
    quotes = []
    for feedback in page:
        if bound is not None and feedback.pk == bound.pk and form is not None:
            quote_form = form
        else:
            quote_form = forms.QuoteModerationForm(
                initial={"approved_text": feedback.comments}, auto_id=f"id_{feedback.uuid.hex}_%s"
            )
        quotes.append((feedback, quote_form))
    shown = {feedback.pk for feedback, _ in quotes}
    if bound is not None and form is not None and bound.pk not in shown:
        quotes.insert(0, (bound, form))  # the quote just posted, with its errors, wherever it was
    log_shown(request, [feedback for feedback, _ in quotes])
    return render(request, "enquiries/quotes.html", {"page": page, "quotes": quotes, "form": form})


@require_GET
@requires(QUOTE_MODERATION)
def quotes(request: AuthenticatedRequest) -> HttpResponse:
    """Consented quotes of the user's council awaiting moderation."""
    return _quotes_page(request)


@require_POST
@record(QUOTES, Action.SIGN_OFF, url_kwarg="feedback_uuid", field="uuid", permission=QUOTE_MODERATION)
def quote_moderate(request: AuthenticatedRequest, feedback: Feedback) -> HttpResponse:
    """Approve (in the words given, names redacted) or decline one quote."""
    form = forms.QuoteModerationForm(request.POST, auto_id=f"id_{feedback.uuid.hex}_%s")
    if not form.is_valid():
        return _quotes_page(request, feedback, form)
    approve = form.cleaned_data["action"] == "approve"
    try:
        services.moderate_quote(feedback, request.user, approve, form.cleaned_data["approved_text"])
    except StateChanged as changed:
        messages.error(request, str(changed))
    else:
        done = (
            f"Quote from {feedback.enquiry.reference} approved for the Board"
            if approve
            else (f"Quote from {feedback.enquiry.reference} declined")
        )
        messages.success(request, done)
    return redirect("enquiries:quotes")


# --- The shared safeguarding plan: a partner agency's own actions -----------------------------------

# Shown with each action: its enquiry's reference and who leads it (whom to ask), never the record.
AGENCY_ACTIONS = PlanAction.objects.select_related(
    "enquiry",
    "enquiry__lead_practitioner",
    "enquiry__team",
    "enquiry__council",
    "resolved_by__organisation",
    "owner_organisation",
)
RECENT_SHOWN = 25


@require_GET
@requires(PARTNER_ACTIONS)
def partner_actions(request: AuthenticatedRequest) -> HttpResponse:
    """The actions the user's agency owns on the council's safeguarding plans: those to do, by due
    date, and those resolved in the last four weeks. Each row shows an enquiry's part, so each
    enquiry shown is logged as viewed from this page."""
    today = timezone.localdate()
    # PlanAction's querysets are PlanActionQuerySets (its manager), whatever the stubs say of filter().
    theirs = cast(PlanActionQuerySet, visible(request, AGENCY_ACTIONS.open_or_recent(today), "agency"))
    to_do = Paginator(theirs.unresolved().order_by("due_on", "pk"), 25).get_page(request.GET.get("page"))
    resolved = list(
        theirs.exclude(pk__in=theirs.unresolved().values("pk")).order_by("-resolved_on", "-pk")[:RECENT_SHOWN]
    )
    log_shown(request, [action.enquiry for action in [*to_do, *resolved]])
    return render(
        request,
        "enquiries/partner_actions.html",
        {"page": to_do, "resolved": resolved, "today": today},
    )


@require_http_methods(["GET", "POST"])
@requires(PARTNER_ACTIONS)
def partner_action(request: AuthenticatedRequest, action_uuid: UUID) -> HttpResponse:
    """One of the agency's actions: what it is, when it is due and whom to ask; while it is still
    to be resolved (and its enquiry open), the form to say it was done, or could not be, and why.

    The view is logged against the enquiry, from this page (``record`` would log the action)."""
    action = get_record(request, AGENCY_ACTIONS, "agency", log=False, uuid=action_uuid)
    may_complete = services.agency_may_complete(action)
    form = forms.AgencyActionForm(
        posted(request) if may_complete else None, initial={"resolved_on": timezone.localdate()}
    )
    if request.method == "POST" and may_complete and form.is_valid():
        data = form.cleaned_data
        try:
            services.complete_agency_action(
                action, request.user, data["outcome"], why_not=data.get("why_not", ""), on=data["resolved_on"]
            )
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("enquiries:partner_actions")
        except ValidationError as exc:
            _refused(form, exc)
        else:
            done = "done" if data["outcome"] == services.AGENCY_DONE else "could not be done"
            messages.success(request, f"Action on {action.enquiry.reference} recorded as {done}")
            return redirect("enquiries:partner_actions")
    if request.method == "POST" and not may_complete:
        messages.error(request, "This action has already been resolved; nothing was changed.")
        return redirect("enquiries:partner_action", action_uuid=action.uuid)
    log_view(request, action.enquiry)
    context = {"action": action, "form": form, "may_complete": may_complete, "today": timezone.localdate()}
    return render(request, "enquiries/partner_action.html", context)
