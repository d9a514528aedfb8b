"""Case file audit pages: "My audits", the lead's rounds (sample, auditors, moderation, results),
the audit of one sampled record, and learning actions.

An auditor reaches a record only through its audit, looked up with ``Audit.objects.for_user``: the
casework pages stay closed to them. A round is the lead's (``AuditRound.objects.for_user``). Every
change is a function in ``services`` (drawing the sample is ``sampling.draw``).
"""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model, Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from msphub.accounts.permissions import AUDIT_ROUNDS, MY_AUDITS
from msphub.accounts.requests import AuthenticatedRequest
from msphub.core.access import Action, get_record, log_shown, record, requires, visible
from msphub.core.forms import posted
from msphub.core.states import StateChanged
from msphub.enquiries.models import DesiredOutcome

from . import services
from .forms import (
    AnswersForm,
    AssignForm,
    DoneForm,
    LearningActionForm,
    ModerationForm,
    ReflectionsForm,
    RoundForm,
)
from .models import Audit, AuditAnswer, AuditRound, AuditTool, LearningAction

# A round has no one's record in it beyond references, and is the lead's alone: its pages write no
# access-log entry (log=False). The audit page logs the records it shows (``_log_sampled_record``).
ROUNDS = AuditRound.objects.select_related("tool", "council")
# The lookup joins the round and the person (for_user asks both); the rest by primary key after.
AUDITS = Audit.objects.select_related("audit_round", "person").prefetch_related(
    "audit_round__tool", "concern", "enquiry", "team", "auditor", "practitioner", "moderates"
)
LEARNING_ACTIONS = LearningAction.objects.select_related("audit__concern", "audit__enquiry")
LIST_ROWS = 200


def _list_rows(audits: Any) -> Any:
    return audits.select_related(
        "audit_round", "concern", "enquiry", "team", "auditor", "practitioner", "moderates"
    ).order_by("audit_round__period_start", "audit_round__title", "position", "pk")


# --- My audits -------------------------------------------------------------------------------------


@require_GET
@requires(MY_AUDITS)
def my_audits(request: AuthenticatedRequest) -> HttpResponse:
    """The audits assigned to the user, live audits waiting for their reflections, and the learning
    actions they may see (their own; a manager's team's; the lead's council's)."""
    user = request.user
    assigned = _list_rows(visible(request, Audit.objects.all()).filter(auditor=user))
    reflect = _list_rows(visible(request, Audit.objects.all(), "reflect"))
    actions = (
        visible(request, LearningAction.objects.all())
        .select_related("audit__concern", "audit__enquiry", "audit__audit_round", "owner")
        .order_by("status", "due_on", "pk")
    )
    editable = set(visible(request, LearningAction.objects.all(), "edit").values_list("pk", flat=True))
    return render(
        request,
        "audits/my_audits.html",
        {
            "assigned": list(assigned[:LIST_ROWS]),
            "reflect": list(reflect[:LIST_ROWS]),
            "actions": list(actions[:LIST_ROWS]),
            "editable": editable,
            "today": timezone.localdate(),
        },
    )


# --- Rounds ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires(AUDIT_ROUNDS)
def round_list(request: AuthenticatedRequest) -> HttpResponse:
    """The lead's rounds, and a new round."""
    if request.method == "POST" and request.POST.get("action") == "load_tool":
        from . import tools

        try:
            tool = tools.load_shipped()
        except tools.ToolProblems as refused:
            # The shipped file was changed on this server without a new version (or broken): say
            # what the loader found rather than fail.
            messages.error(request, f"The MSP tool could not be loaded: {refused.problems[0]}")
        else:
            messages.success(request, f"{tool} is ready to use")
        return redirect("audits:rounds")
    form = RoundForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            audit_round = services.create_round(request.user, form.new_round())
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request, f"Round ‘{audit_round.title}’ set up: draw its sample when you are ready"
            )
            return redirect("audits:round", slug=audit_round.slug)
    rounds = visible(request, AuditRound.objects.all()).select_related("tool").order_by("-created_at", "-pk")
    return render(
        request,
        "audits/round_list.html",
        {"rounds": rounds, "form": form, "no_tool": not AuditTool.objects.exists()},
    )


@require_GET
@record(ROUNDS, Action.VIEW, url_kwarg="slug", arg="audit_round", log=False)
def round_detail(request: AuthenticatedRequest, audit_round: AuditRound) -> HttpResponse:
    """The sample, who audits each record, moderation, progress, results and agreement."""
    from . import results

    audits = list(_list_rows(Audit.objects.filter(audit_round=audit_round)))
    first = [a for a in audits if a.moderates_id is None]
    moderation_of = {a.moderates_id: a for a in audits if a.moderates_id is not None}
    return render(
        request,
        "audits/round_detail.html",
        {
            "round": audit_round,
            "rows": [(a, moderation_of.get(a.pk)) for a in first],
            "progress": services.progress(audit_round),
            "audit_results": results.round_results(audit_round),
            "agreement": results.agreement(audit_round),
            "is_open": audit_round.status == AuditRound.Status.OPEN,
        },
    )


@require_POST
@record(ROUNDS, Action.MANAGE, url_kwarg="slug", arg="audit_round", log=False)
def draw(request: AuthenticatedRequest, audit_round: AuditRound) -> HttpResponse:
    """Draw the round's sample (once: drawing again gives the same audits)."""
    from . import sampling

    drawn = sampling.draw(audit_round)
    messages.success(request, f"{len(drawn)} record{'s' if len(drawn) != 1 else ''} sampled")
    return redirect("audits:round", slug=audit_round.slug)


@require_POST
@record(ROUNDS, Action.MANAGE, url_kwarg="slug", arg="audit_round", log=False)
def close(request: AuthenticatedRequest, audit_round: AuditRound) -> HttpResponse:
    try:
        services.close_round(audit_round, request.user)
    except StateChanged as changed:
        messages.error(request, str(changed))
    else:
        messages.success(request, "The round is closed")
    return redirect("audits:round", slug=audit_round.slug)


@require_http_methods(["GET", "POST"])
@record(ROUNDS, Action.MANAGE, url_kwarg="slug", arg="audit_round", log=False)
def assign(request: AuthenticatedRequest, audit_round: AuditRound, uuid: UUID) -> HttpResponse:
    """Who audits one sampled record, and whether live with its practitioner."""
    audit = get_record(request, AUDITS.filter(audit_round=audit_round), Action.VIEW, log=False, uuid=uuid)
    auditors = services.assignable_auditors(audit_round.council_id)
    initial = {"auditor": audit.auditor_id, "mode": audit.mode}
    form = AssignForm(posted(request), auditors=auditors, moderation=audit.is_moderation, initial=initial)
    back = redirect("audits:round", slug=audit_round.slug)
    if request.method == "POST" and form.is_valid():
        try:
            services.assign_auditor(
                audit, request.user, form.cleaned_data["auditor"], form.cleaned_data["mode"]
            )
        except StateChanged as changed:
            messages.error(request, str(changed))
            return back
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, f"{audit.reference} assigned")
            return back
    return render(request, "audits/assign.html", {"round": audit_round, "audit": audit, "form": form})


@require_http_methods(["GET", "POST"])
@record(ROUNDS, Action.MANAGE, url_kwarg="slug", arg="audit_round", log=False)
def moderation(request: AuthenticatedRequest, audit_round: AuditRound) -> HttpResponse:
    """A second auditor for each first audit the round's seed picks for moderation."""
    from . import sampling

    picks = sampling.moderation_picks(audit_round) if audit_round.status == AuditRound.Status.OPEN else []
    existing = {
        a.moderates_id: a
        for a in Audit.objects.filter(moderates__in=[p.pk for p in picks]).select_related("auditor")
    }
    waiting = [p for p in picks if p.pk not in existing]
    form = ModerationForm(
        posted(request), picks=waiting, auditors=services.assignable_auditors(audit_round.council_id)
    )
    if request.method == "POST" and form.is_valid():
        try:
            made = services.set_up_moderations(audit_round, request.user, form.moderators())
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("audits:round", slug=audit_round.slug)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, f"{len(made)} moderation{'s' if len(made) != 1 else ''} set up")
            return redirect("audits:round", slug=audit_round.slug)
    return render(
        request,
        "audits/moderation.html",
        {
            "round": audit_round,
            "form": form,
            "picks": [
                (p, existing.get(p.pk), None if p.pk in existing else form[f"moderator_{p.uuid}"])
                for p in picks
            ],
            "waiting": waiting,
        },
    )


# --- The audit of one sampled record ---------------------------------------------------------------


def _log_sampled_record(request: AuthenticatedRequest, audit: Audit) -> None:
    """The audit page shows the concern, the enquiry and the person: each view is logged, as on
    their own pages, with the audit itself."""
    shown: list[Model] = [audit, audit.concern]
    if audit.enquiry_id:
        shown.append(audit.enquiry)  # type: ignore[arg-type]
    if audit.person_id:
        shown.append(audit.person)  # type: ignore[arg-type]
    log_shown(request, shown)


def _sampled_record(audit: Audit) -> dict[str, Any]:
    """The record as the auditor reads it: the concern, its decision, and the enquiry's parts; a
    fixed number of queries."""
    from msphub.concerns.models import Concern, Decision
    from msphub.enquiries.models import Enquiry

    concern = (
        Concern.objects.filter(pk=audit.concern_id)
        .select_related("team", "raiser_organisation")
        .prefetch_related("risk_types")
        .get()
    )
    decision = Decision.objects.filter(concern=concern).select_related("decided_by", "signed_off_by").first()
    enquiry = None
    if audit.enquiry_id:
        enquiry = (
            Enquiry.objects.filter(pk=audit.enquiry_id)
            .select_related("lead_practitioner", "team", "making_organisation")
            .prefetch_related(
                Prefetch("outcomes", queryset=DesiredOutcome.objects.order_by("pk")),
                "involvements",
                "capacity_assessments",
                "best_interests_decisions",
                "advocacy_referrals",
                "plan_actions",
                "found_risk_types",
            )
            .get()
        )
    return {"concern": concern, "decision": decision, "enquiry": enquiry}


def _answers(audit: Audit | None) -> dict[int, AuditAnswer]:
    if audit is None:
        return {}
    return {a.question_id: a for a in AuditAnswer.objects.filter(audit=audit)}


def _other_opinion(audit: Audit) -> Audit | None:
    """The other audit of the pair (a moderation's first audit, or a first audit's moderation), shown
    beside this one only once both are completed: until then each auditor (and, in a live audit, the
    practitioner) reads the record without the other opinion, so neither can lean on it."""
    if audit.moderates_id is not None:
        other = audit.moderates
    else:
        other = Audit.objects.filter(moderates=audit).select_related("auditor").first()
    both_done = (
        other is not None
        and audit.status == Audit.Status.COMPLETED
        and other.status == Audit.Status.COMPLETED
    )
    return other if both_done else None


def _audit_page(
    request: AuthenticatedRequest,
    audit: Audit,
    *,
    answers_form: AnswersForm | None = None,
    reflections_form: ReflectionsForm | None = None,
    action_form: LearningActionForm | None = None,
) -> HttpResponse:
    user = request.user
    questions = list(audit.audit_round.tool.questions.all())
    answers = _answers(audit)
    one = Audit.objects.filter(pk=audit.pk)
    may_edit = visible(request, one, "edit").exists()
    may_reflect = visible(request, one, "reflect").exists()
    may_add_action = services.may_add_learning_action(audit, user)
    if may_edit and answers_form is None:
        answers_form = AnswersForm(questions=questions, answers=answers, initial={"summary": audit.summary})
    if may_reflect and reflections_form is None:
        reflections_form = ReflectionsForm(
            questions=questions, answers=answers, initial={"overall": audit.practitioner_reflections}
        )
    if may_add_action and action_form is None:
        action_form = LearningActionForm(owners=services.learning_action_owners(audit))
    other = _other_opinion(audit)
    other_answers = _answers(other)
    rows = [
        {
            "question": q,
            "answer": answers.get(q.pk),
            "other": other_answers.get(q.pk),
            "reflection_field": reflections_form.field_for(q) if reflections_form is not None else None,
        }
        for q in questions
    ]
    sections = answers_form.sections() if answers_form is not None else None
    for section in sections or []:
        for item in section["questions"]:
            # In a live audit the auditor answers beside the practitioner's own reflections.
            answer = answers.get(item["question"].pk)
            item["reflection"] = answer.reflection if answer is not None else ""
    _log_sampled_record(request, audit)
    forms_in_error = [f for f in (answers_form, reflections_form, action_form) if f is not None and f.errors]
    return render(
        request,
        "audits/audit.html",
        {
            "audit": audit,
            "round": audit.audit_round,
            "record": _sampled_record(audit),
            "rows": rows,
            "sections": sections,
            "answers_form": answers_form,
            "reflections_form": reflections_form,
            "action_form": action_form,
            "form": forms_in_error[0] if forms_in_error else None,  # the error summary's
            "other": other,
            "learning_actions": list(audit.learning_actions.select_related("owner")),
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
@record(AUDITS, Action.VIEW, url_kwarg="uuid", log=False)
def audit_detail(request: AuthenticatedRequest, audit: Audit) -> HttpResponse:
    """The sampled record beside the tool's questions; the auditor saves answers as they go (POST)."""
    if request.method == "POST":
        editable = get_record(request, AUDITS, Action.EDIT, log=False, pk=audit.pk)
        questions = list(editable.audit_round.tool.questions.all())
        form = AnswersForm(request.POST, questions=questions, answers=_answers(editable))
        if form.is_valid() and _save(request, editable, form) != "invalid":
            return redirect("audits:audit", uuid=editable.uuid)
        return _audit_page(request, editable, answers_form=form)
    return _audit_page(request, audit)


def _save(request: AuthenticatedRequest, audit: Audit, form: AnswersForm) -> str:
    """Save the posted answers: "saved", "invalid" (the form has the errors) or "changed" (the audit
    was completed meanwhile; the message says so)."""
    try:
        services.save_answers(audit, request.user, form.given(), form.cleaned_data.get("summary", ""))
    except StateChanged as changed:
        messages.error(request, str(changed))
        return "changed"
    except ValidationError as exc:
        form.add_question_errors(exc.message_dict)
        return "invalid"
    return "saved"


@require_POST
@record(AUDITS, Action.EDIT, url_kwarg="uuid", log=False)
def complete(request: AuthenticatedRequest, audit: Audit) -> HttpResponse:
    """Save the answers posted, then mark the audit complete if every required question is answered;
    otherwise the page again, naming each one unanswered."""
    questions = list(audit.audit_round.tool.questions.all())
    form = AnswersForm(request.POST, questions=questions, answers=_answers(audit))
    saved = _save(request, audit, form) if form.is_valid() else "invalid"
    if saved == "changed":
        return redirect("audits:audit", uuid=audit.uuid)
    if saved == "saved":
        try:
            services.complete_audit(audit, request.user)
        except StateChanged as changed:
            messages.error(request, str(changed))
            return redirect("audits:audit", uuid=audit.uuid)
        except ValidationError as exc:
            form.add_question_errors(exc.message_dict)
        else:
            messages.success(request, f"The audit of {audit.reference} is complete")
            return redirect("audits:audit", uuid=audit.uuid)
    audit.refresh_from_db(fields=["status", "summary"])
    return _audit_page(request, audit, answers_form=form)


@require_POST
@requires(MY_AUDITS)
def reflections(request: AuthenticatedRequest, uuid: UUID) -> HttpResponse:
    """The practitioner's own reflections in a live audit."""
    audit = get_record(request, AUDITS, "reflect", log=False, uuid=uuid)
    questions = list(audit.audit_round.tool.questions.all())
    form = ReflectionsForm(request.POST, questions=questions, answers=_answers(audit))
    if form.is_valid():
        try:
            services.save_reflections(
                audit, request.user, form.reflections(), form.cleaned_data.get("overall", "")
            )
        except StateChanged as changed:
            messages.error(request, str(changed))
        else:
            messages.success(request, "Your reflections are saved")
        return redirect("audits:audit", uuid=audit.uuid)
    return _audit_page(request, audit, reflections_form=form)


@require_POST
@requires(MY_AUDITS)
def learning_action_new(request: AuthenticatedRequest, uuid: UUID) -> HttpResponse:
    """The auditor or the lead adds a learning action to an audit."""
    audits = services.audits_taking_learning_actions(visible(request, AUDITS), request.user)
    audit = get_record(request, audits, Action.VIEW, log=False, uuid=uuid)
    form = LearningActionForm(request.POST, owners=services.learning_action_owners(audit))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_learning_action(audit, request.user, data["action"], data["owner"], data["due_on"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, "Learning action added")
            return redirect("audits:audit", uuid=audit.uuid)
    return _audit_page(request, audit, action_form=form)


@require_POST
@record(LEARNING_ACTIONS, Action.EDIT, url_kwarg="uuid", arg="action", log=False)
def learning_action_done(request: AuthenticatedRequest, action: LearningAction) -> HttpResponse:
    """The owner, their manager or the lead says what was done; a missing note shows the form."""
    form = DoneForm(request.POST)
    if form.is_valid():
        try:
            services.mark_learning_action_done(action, request.user, form.cleaned_data["done_note"])
        except StateChanged as changed:
            messages.error(request, str(changed))
        else:
            messages.success(request, "Learning action marked done")
        return redirect("audits:my_audits")
    return render(request, "audits/learning_action_done.html", {"action": action, "form": form})
