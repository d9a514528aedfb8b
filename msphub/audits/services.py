"""Every change to case file audits except loading a tool (``tools``) and drawing a sample
(``sampling``): rounds, auditors, answers, live reflections, moderation, learning actions.

Each write is in a transaction, and each change of state first locks the row and checks the state it
expects (``core.states.lock_status``), so of two people pressing at once exactly one wins.
Messages name the question, never the person the record is about.
"""

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from msphub.accounts.models import Organisation, User
from msphub.accounts.permissions import AUDIT_ROUNDS
from msphub.concerns.models import Decision
from msphub.core.states import StateChanged, lock_status
from msphub.people.models import Person
from msphub.worktray import services as worktray_services

from .models import Audit, AuditAnswer, AuditQuestion, AuditRound, AuditTool, LearningAction, auditors_of

logger = logging.getLogger(__name__)

# --- Messages --------------------------------------------------------------------------------------

PERIOD_ORDER = "The end of the period must be the same as or after its start"
AS_AT_FUTURE = "The ‘as at’ date must be today or in the past, so the sample cannot change later"
AS_AT_BEFORE = "The ‘as at’ date must be the same as or after the start of the period"
RISK_TYPE_NEEDED = "Select the type of risk the themed audit is about"
SAMPLE_SIZE = "The sample size must be between 1 and 500"
NOT_THEIR_COUNCIL = "Select an audit tool"
NOT_AN_AUDITOR = "Select someone who may audit this council's case files"
OWN_WORK = "Select someone else: they lead this record, so they cannot audit it on their own"
SAME_AS_FIRST = "Select someone other than the first auditor: a moderation is a second opinion"
SAME_AS_MODERATOR = "Select someone other than the auditor who moderates this audit"
RESTRICTED_NOT_NAMED = "Name them on the restricted record first"
RESTRICTED_PARTNER = "A partner's auditor cannot audit a restricted record"
NO_PRACTITIONER = "A live audit needs the practitioner who leads the record, and nobody active leads it"
PRACTITIONER_AUDITS = "Select someone other than the practitioner whose work a live audit looks at"
LIVE_MODERATION = "A moderation is done by the second auditor alone"
ROUND_NOT_OPEN = "This round is not open, so nothing in it can be changed."
AUDIT_DONE = "This audit has been completed, so it can no longer be changed."
ROUND_CLOSED_ALREADY = "This round is already closed."
NOT_IN_SCALE = "Select one of the answers given"
FREE_TEXT_VALUE = "This question is answered in words"
UNANSWERED = "Answer this question before completing the audit"
NOTHING_TO_COMPLETE = "Answer the questions before completing the audit"
OWNER_NOT_STAFF = "Select a member of the council's staff to own the learning action"
DUE_IN_PAST = "The due date must be today or in the future"
DONE_NOTE = "Enter what was done"
ACTION_DONE_ALREADY = "This learning action has already been marked done."
NOT_YOURS = "Only the auditor or the safeguarding lead adds learning actions to an audit"


# --- Rounds ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewRound:
    """What the lead chooses for a round (``forms.RoundForm`` cleans it)."""

    title: str
    tool: AuditTool
    rule: str
    period_start: date
    period_end: date
    as_at: date
    seed: str = ""
    sample_size: int = 2
    risk_type: str = ""
    include_restricted: bool = False
    moderation_percent: int = 20


def round_errors(new: NewRound, today: date | None = None) -> dict[str, str]:
    """Every problem with a round's settings at once, by field."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if new.period_end < new.period_start:
        errors["period_end"] = PERIOD_ORDER
    if new.as_at > today:
        errors["as_at"] = AS_AT_FUTURE
    elif new.as_at < new.period_start:
        errors["as_at"] = AS_AT_BEFORE
    if new.rule == AuditRound.Rule.THEMED and not new.risk_type:
        errors["risk_type"] = RISK_TYPE_NEEDED
    if not 1 <= new.sample_size <= 500:
        errors["sample_size"] = SAMPLE_SIZE
    return errors


# Attempts at a free slug before giving up: another lead taking the same one at the same moment
# is the only way an attempt fails, so a few are plenty.
SLUG_ATTEMPTS = 5


def _slug_base(rule: str, risk_type: str, period_start: date) -> str:
    """The round's URL name before its number: the rule, the type of risk (themed rounds) and the
    month. Never the title: the lead types it freely, and it could hold a person's name."""
    parts = [rule.replace("_", "-"), risk_type, f"{period_start:%Y-%m}"]
    return slugify(" ".join(p for p in parts if p))[:90].strip("-") or "audit-round"


def _next_slug(base: str) -> str:
    """``<base>-<n>``, n one more than the highest taken (1 for the first)."""
    taken = AuditRound.objects.filter(slug__startswith=f"{base}-").values_list("slug", flat=True)
    numbers = [int(tail) for tail in (s[len(base) + 1 :] for s in taken) if tail.isdigit()]
    return f"{base}-{max(numbers, default=0) + 1}"


def create_round(lead: User, new: NewRound) -> AuditRound:
    """The lead sets up a round for their own council; it is drawn later (``sampling.draw``)."""
    if not AUDIT_ROUNDS.allows(lead) or lead.organisation_id is None:
        raise PermissionError("only a council's safeguarding lead sets up audit rounds")
    errors = round_errors(new)
    if errors:
        raise ValidationError(errors)
    base = _slug_base(new.rule, new.risk_type if new.rule == AuditRound.Rule.THEMED else "", new.period_start)
    for attempt in range(SLUG_ATTEMPTS):
        try:
            # A savepoint each: two leads setting up a round for the same month at once both read the
            # same next number; the loser's insert fails on the unique slug and tries the next.
            with transaction.atomic():
                return _create_round(lead, new, _next_slug(base))
        except IntegrityError:
            if attempt == SLUG_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _create_round(lead: User, new: NewRound, slug: str) -> AuditRound:
    assert lead.organisation_id is not None  # create_round checked it
    with transaction.atomic():
        audit_round = AuditRound.objects.create(
            council_id=lead.organisation_id,
            slug=slug,
            title=new.title,
            tool=new.tool,
            rule=new.rule,
            period_start=new.period_start,
            period_end=new.period_end,
            as_at=new.as_at,
            seed=new.seed or f"{new.title}|{new.period_start.isoformat()}",
            sample_size=new.sample_size,
            # Only a themed round has a type of risk: the others never filter on it.
            risk_type=new.risk_type if new.rule == AuditRound.Rule.THEMED else "",
            include_restricted=new.include_restricted,
            moderation_percent=new.moderation_percent,
            created_by=lead,
        )
    logger.info("Audit round %s set up", audit_round.uuid)
    return audit_round


def _check_lead(audit_round: AuditRound, user: User) -> None:
    """The round's council's safeguarding lead: the views look the round up through the chokepoint
    already, so anyone else here is a programming error."""
    if not AUDIT_ROUNDS.allows(user) or user.organisation_id != audit_round.council_id:
        raise PermissionError("only the council's safeguarding lead changes its audit rounds")


def close_round(audit_round: AuditRound, lead: User) -> None:
    """No more answers, assignments or moderations; results stay."""
    _check_lead(audit_round, lead)
    with transaction.atomic():
        lock_status(audit_round, (AuditRound.Status.OPEN,), StateChanged(ROUND_CLOSED_ALREADY))
        audit_round.status = AuditRound.Status.CLOSED
        audit_round.save(update_fields=["status"])
    logger.info("Audit round %s closed", audit_round.uuid)


def progress(audit_round: AuditRound) -> dict[str, Any]:
    """How far the round has got: first audits and moderations by status (one GROUP BY)."""
    from django.db.models import Count

    rows = (
        Audit.objects.filter(audit_round=audit_round)
        .values("status")
        .annotate(
            first=Count("pk", filter=Q(moderates__isnull=True)),
            second=Count("pk", filter=Q(moderates__isnull=False)),
            unassigned=Count("pk", filter=Q(auditor__isnull=True)),
        )
    )
    result: dict[str, Any] = {
        "first": dict.fromkeys(Audit.Status.values, 0),
        "moderations": dict.fromkeys(Audit.Status.values, 0),
        "unassigned": 0,
    }
    for row in rows:
        result["first"][row["status"]] = row["first"]
        result["moderations"][row["status"]] = row["second"]
        result["unassigned"] += row["unassigned"]
    result["first_total"] = sum(result["first"].values())
    result["moderation_total"] = sum(result["moderations"].values())
    return result


# --- Auditors --------------------------------------------------------------------------------------


def assignable_auditors(council: Organisation | int) -> QuerySet[User]:
    """Who may audit the council's case files (``models.auditors_of``, the one rule), by name."""
    council_id = council if isinstance(council, int) else council.pk
    return (
        auditors_of(council_id)
        .select_related("organisation")
        .distinct()
        .order_by("first_name", "last_name", "pk")
    )


def record_lead_id(audit: Audit) -> int | None:
    """Who leads the sampled record: the enquiry's lead practitioner, or for a concern that did not
    become an enquiry, whoever decided it."""
    if audit.enquiry_id:
        return audit.enquiry.lead_practitioner_id  # type: ignore[union-attr]
    return (
        Decision.objects.filter(concern_id=audit.concern_id).values_list("decided_by_id", flat=True).first()
    )


def _check_auditor(audit: Audit, auditor: User | None, mode: str, practitioner_id: int | None) -> None:
    if (
        auditor is None
        or not assignable_auditors(audit.audit_round.council_id).filter(pk=auditor.pk).exists()
    ):
        raise ValidationError({"auditor": NOT_AN_AUDITOR})
    # A restricted person's record goes only to someone the one rule for restricted records lets see
    # it (``Audit.objects.for_user`` applies the same rule): otherwise the audit would be assigned to
    # someone who can never open it.
    if (
        audit.person_id is not None
        and not auditor.is_lead
        and Person.objects.restricted_from(auditor).filter(pk=audit.person_id).exists()
    ):
        partner = auditor.organisation_id != audit.audit_round.council_id
        raise ValidationError({"auditor": RESTRICTED_PARTNER if partner else RESTRICTED_NOT_NAMED})
    if mode == Audit.Mode.LIVE and auditor.pk == practitioner_id:
        raise ValidationError({"auditor": PRACTITIONER_AUDITS})
    if mode == Audit.Mode.STANDARD and auditor.pk == record_lead_id(audit):
        raise ValidationError({"auditor": OWN_WORK})
    if audit.moderates_id is not None:
        if audit.moderates.auditor_id == auditor.pk:  # type: ignore[union-attr]
            raise ValidationError({"auditor": SAME_AS_FIRST})
    elif Audit.objects.filter(moderates=audit, auditor=auditor).exists():
        raise ValidationError({"auditor": SAME_AS_MODERATOR})


def assign_auditor(audit: Audit, by: User, auditor: User | None, mode: str = Audit.Mode.STANDARD) -> None:
    """The lead gives an audit to an auditor, alone (standard) or live with the practitioner whose
    work it is. Not once the audit is completed, nor in a round that is not open."""
    _check_lead(audit.audit_round, by)
    if mode not in Audit.Mode.values:
        raise ValidationError({"mode": "Select how the audit is done"})
    if mode == Audit.Mode.LIVE and audit.moderates_id is not None:
        raise ValidationError({"mode": LIVE_MODERATION})
    practitioner_id = record_lead_id(audit) if mode == Audit.Mode.LIVE else None
    if mode == Audit.Mode.LIVE:
        practitioner = (
            User.objects.filter(pk=practitioner_id, is_active=True).first() if practitioner_id else None
        )
        if practitioner is None or not practitioner.does_casework:
            raise ValidationError({"mode": NO_PRACTITIONER})
    _check_auditor(audit, auditor, mode, practitioner_id)
    assert auditor is not None
    with transaction.atomic():
        lock_status(audit.audit_round, (AuditRound.Status.OPEN,), StateChanged(ROUND_NOT_OPEN))
        lock_status(audit, (Audit.Status.NOT_STARTED, Audit.Status.IN_PROGRESS), StateChanged(AUDIT_DONE))
        audit.auditor = auditor
        audit.mode = mode
        audit.practitioner_id = practitioner_id
        audit.save(update_fields=["auditor", "mode", "practitioner"])
    logger.info("Audit %s assigned (%s)", audit.uuid, mode)


def set_up_moderations(audit_round: AuditRound, by: User, moderators: dict[int, User | None]) -> list[Audit]:
    """Create the moderation of each picked first audit (``sampling.moderation_picks``; keyed by the
    first audit's pk) with its second auditor. A pick already moderated, or given nobody, is left.
    Every problem is raised at once, keyed ``moderator_<first audit's uuid>``, and nothing is made."""
    from . import sampling

    _check_lead(audit_round, by)
    errors: dict[str, str] = {}
    made: list[Audit] = []
    with transaction.atomic():
        lock_status(audit_round, (AuditRound.Status.OPEN,), StateChanged(ROUND_NOT_OPEN))
        # Read under the round's lock: a second set-up posted at the same moment waits here, then
        # sees the first one's moderations as done instead of creating them again.
        picks = {a.pk: a for a in sampling.moderation_picks(audit_round)}
        done = set(Audit.objects.filter(moderates__in=list(picks)).values_list("moderates_id", flat=True))
        for pk, first in picks.items():
            moderator = moderators.get(pk)
            if pk in done or moderator is None:
                continue
            moderation = Audit(
                audit_round=audit_round,
                concern_id=first.concern_id,
                enquiry_id=first.enquiry_id,
                person_id=first.person_id,
                team_id=first.team_id,
                position=first.position,
                moderates=first,
            )
            try:
                _check_auditor(moderation, moderator, Audit.Mode.STANDARD, None)
            except ValidationError as exc:
                errors[f"moderator_{first.uuid}"] = exc.message_dict["auditor"][0]
                continue
            moderation.auditor = moderator
            made.append(moderation)
        if errors:
            raise ValidationError(errors)
        for moderation in made:
            moderation.save()
    logger.info("%d moderations set up in audit round %s", len(made), audit_round.uuid)
    return made


# --- Answering -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Given:
    """One question's answer as posted: the scale's value (blank for free text) and the comment."""

    value: str = ""
    comment: str = ""


def answer_errors(questions: list[AuditQuestion], given: dict[int, Given]) -> dict[str, str]:
    """Each value must be one of its question's scale (by question key)."""
    errors: dict[str, str] = {}
    for question in questions:
        answer = given.get(question.pk)
        if answer is None or not answer.value:
            continue
        if question.is_free_text:
            errors[question.key] = FREE_TEXT_VALUE
        elif answer.value not in {str(option["value"]) for option in question.scale}:
            errors[question.key] = NOT_IN_SCALE
    return errors


def _grade(question: AuditQuestion, value: str) -> int | None:
    for option in question.scale:
        if str(option["value"]) == value:
            grade = option.get("grade")
            return int(grade) if grade is not None else None
    return None


def save_answers(audit: Audit, by: User, given: dict[int, Given], summary: str | None = None) -> None:
    """The auditor saves as they go: each question's value (its grade copied) and comment; a blank
    value clears one. The audit is then in progress. Refused once it is completed."""
    if audit.auditor_id != by.pk:
        raise PermissionError("only the audit's auditor answers it")
    questions = list(audit.audit_round.tool.questions.all())
    errors = answer_errors(questions, given)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        lock_status(audit.audit_round, (AuditRound.Status.OPEN,), StateChanged(ROUND_NOT_OPEN))
        lock_status(audit, (Audit.Status.NOT_STARTED, Audit.Status.IN_PROGRESS), StateChanged(AUDIT_DONE))
        existing = {a.question_id: a for a in AuditAnswer.objects.filter(audit=audit)}
        new: list[AuditAnswer] = []
        changed: list[AuditAnswer] = []
        for question in questions:
            if question.pk not in given:
                continue
            answer = given[question.pk]
            row = existing.get(question.pk) or AuditAnswer(audit=audit, question=question)
            row.value = answer.value
            row.grade = _grade(question, answer.value) if answer.value else None
            row.comment = answer.comment.strip()
            (changed if row.pk else new).append(row)
        # One row at a time so each change is in the answer's history (HistoricalRecords).
        for row in [*new, *changed]:
            row.save()
        audit.status = Audit.Status.IN_PROGRESS
        fields = ["status"]
        if summary is not None:
            audit.summary = summary.strip()
            fields.append("summary")
        audit.save(update_fields=fields)


def unanswered(audit: Audit) -> list[AuditQuestion]:
    """The required questions not yet answered: a scale question needs a value, a free-text one
    words."""
    answers = {a.question_id: a for a in AuditAnswer.objects.filter(audit=audit)}
    missing = []
    for question in audit.audit_round.tool.questions.filter(required=True):
        answer = answers.get(question.pk)
        if answer is None or not (answer.comment if question.is_free_text else answer.value):
            missing.append(question)
    return missing


def complete_audit(audit: Audit, by: User) -> None:
    """The auditor marks the audit complete once every required question is answered; then it is
    read-only. Raises ``ValidationError`` keyed by each unanswered question's key."""
    if audit.auditor_id != by.pk:
        raise PermissionError("only the audit's auditor completes it")
    # Locks in one order everywhere (the round, then the audit), so two writers never deadlock.
    with transaction.atomic():
        lock_status(audit.audit_round, (AuditRound.Status.OPEN,), StateChanged(ROUND_NOT_OPEN))
        lock_status(audit, (Audit.Status.IN_PROGRESS, Audit.Status.NOT_STARTED), StateChanged(AUDIT_DONE))
        missing = unanswered(audit)
        if missing:
            raise ValidationError({q.key: UNANSWERED for q in missing})
        audit.status = Audit.Status.COMPLETED
        audit.completed_at = timezone.now()
        audit.save(update_fields=["status", "completed_at"])
    logger.info("Audit %s completed", audit.uuid)


def save_reflections(audit: Audit, by: User, reflections: dict[int, str], overall: str) -> None:
    """In a live audit, the practitioner's own reflection on each question and overall, beside the
    auditor's answers. Only the practitioner, and only until the audit is completed."""
    if audit.mode != Audit.Mode.LIVE or audit.practitioner_id != by.pk:
        raise PermissionError("only the live audit's practitioner reflects on it")
    questions = {q.pk: q for q in audit.audit_round.tool.questions.all()}
    with transaction.atomic():
        # The round first, then the audit (the order of every lock here); a closed round takes no
        # more reflections.
        lock_status(audit.audit_round, (AuditRound.Status.OPEN,), StateChanged(ROUND_NOT_OPEN))
        lock_status(audit, (Audit.Status.NOT_STARTED, Audit.Status.IN_PROGRESS), StateChanged(AUDIT_DONE))
        existing = {a.question_id: a for a in AuditAnswer.objects.filter(audit=audit)}
        for pk, text in reflections.items():
            if pk not in questions:
                continue
            row = existing.get(pk) or AuditAnswer(audit=audit, question=questions[pk])
            text = text.strip()
            if row.pk is None and not text:
                continue
            if row.reflection != text:
                row.reflection = text
                row.save()
        audit.practitioner_reflections = overall.strip()
        audit.save(update_fields=["practitioner_reflections"])


# --- Learning actions ------------------------------------------------------------------------------


def learning_action_owners(audit: Audit) -> QuerySet[User]:
    """Who may own a learning action: the council's active casework staff."""
    return User.casework_staff(audit.audit_round.council_id)


def may_add_learning_action(audit: Audit, user: User) -> bool:
    return audit.auditor_id == user.pk or (
        AUDIT_ROUNDS.allows(user) and user.organisation_id == audit.audit_round.council_id
    )


def audits_taking_learning_actions(audits: QuerySet[Audit], user: User) -> QuerySet[Audit]:
    """Of the audits ``user`` may see, those they may add learning actions to (``may_add_learning_
    action`` as a filter): their own, and for the lead their council's."""
    mine = Q(auditor=user)
    if AUDIT_ROUNDS.allows(user):
        mine |= Q(audit_round__council_id=user.organisation_id)
    return audits.filter(mine)


def add_learning_action(
    audit: Audit, by: User, action: str, owner: User | None, due_on: date
) -> LearningAction:
    if not may_add_learning_action(audit, by):
        raise PermissionError(NOT_YOURS)
    errors: dict[str, str] = {}
    if owner is None or not learning_action_owners(audit).filter(pk=owner.pk).exists():
        errors["owner"] = OWNER_NOT_STAFF
    if due_on < timezone.localdate():
        errors["due_on"] = DUE_IN_PAST
    if errors:
        raise ValidationError(errors)
    assert owner is not None
    with transaction.atomic():
        made = LearningAction.objects.create(
            audit=audit, action=action.strip(), owner=owner, due_on=due_on, created_by=by
        )
        worktray_services.learning_action_set(made)
    logger.info("Learning action %s added to audit %s", made.uuid, audit.uuid)
    return made


def mark_learning_action_done(action: LearningAction, by: User, note: str) -> None:
    """The owner, their team manager or the lead says what was done. Once."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"done_note": DONE_NOTE})
    with transaction.atomic():
        lock_status(action, (LearningAction.Status.OPEN,), StateChanged(ACTION_DONE_ALREADY))
        action.status = LearningAction.Status.DONE
        action.done_on = timezone.localdate()
        action.done_note = note
        action.save(update_fields=["status", "done_on", "done_note"])
    logger.info("Learning action %s marked done", action.uuid)
