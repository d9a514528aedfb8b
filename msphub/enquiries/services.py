"""The rules of the enquiry: opening it, outcomes, reviews, advocacy prompts, closure and feedback.

Each write is one transaction; views stay thin and call these.
"""

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats, timezone

from msphub.accounts.models import Organisation, User
from msphub.accounts.permissions import SAFEGUARDING_LEAD
from msphub.core import categories
from msphub.core.models import ReferenceSequence
from msphub.core.states import StateChanged, lock_status
from msphub.letters.services import told as letters_told
from msphub.worktray import services as worktray

from .models import (
    FINDINGS,
    AdvocacyReferral,
    AllegedPerson,
    CapacityAssessment,
    DesiredOutcome,
    Enquiry,
    EnquiryResponse,
    Feedback,
    PlanAction,
    Review,
    ReviewProgress,
)

if TYPE_CHECKING:
    from msphub.concerns.models import Concern, Decision

logger = logging.getLogger(__name__)

FEEDBACK_WINDOW = timedelta(weeks=8)

# The person's feedback questions (data.md), adult and representative wording.
FEEDBACK_QUESTIONS = {
    "listened_to": ("Did you feel listened to?", "Do you feel the person was listened to?"),
    "involved": (
        "Were you involved as much as you wanted to be?",
        "Were you and the person involved as much as you wanted to be?",
    ),
    "safer": (
        "Do you feel safer now because of the help you had?",
        "Do you feel the person is safer now because of the help they had?",
    ),
    "happy_with_ending": ("Are you happy with how things ended?", "Are you happy with how things ended?"),
}


def open_enquiry(concern: "Concern", decision: "Decision", started_at: datetime) -> Enquiry:
    """Open the enquiry a signed-off decision asks for; its first review falls due after the interval."""
    lead = decision.lead_practitioner
    assert lead is not None, "a decision that opens an enquiry names its lead practitioner"
    enquiry = Enquiry(
        reference=ReferenceSequence.next_reference("ENQ"),
        council=concern.council,
        concern=concern,
        person=concern.person,
        kind=decision.outcome,
        lead_practitioner=lead,
        team=lead.team or concern.team,
        started_at=started_at,
    )
    enquiry.next_review_due = timezone.localtime(started_at).date() + timedelta(
        days=concern.council.review_interval_days
    )
    enquiry.save()
    return enquiry


def ensure_open(enquiry: Enquiry) -> None:
    if not enquiry.is_open:
        raise ValidationError("This enquiry is closed; its record can no longer change.")


def _update(record: Any, data: dict[str, Any], *, clean: bool = False) -> None:
    """Set the fields in ``data`` on the record (checking the whole record first, with ``clean``)
    and save those fields."""
    for name, value in data.items():
        setattr(record, name, value)
    if clean:
        record.full_clean()
    record.save(update_fields=list(data))


# --- Allocation and the enquiry's own answers -----------------------------------------------------


NOT_IN_YOUR_TEAM = "Select someone in your team"


def allocatable_staff(enquiry: Enquiry, by: User) -> QuerySet[User]:
    """Who ``by`` may make the enquiry's lead practitioner: the council's active casework staff, and
    for a team manager only those of the enquiry's team (their own team's, for an enquiry with no
    team). The safeguarding lead allocates across the whole council."""
    staff = User.casework_staff(enquiry.council_id)
    if SAFEGUARDING_LEAD.allows(by):
        return staff
    team_id = enquiry.team_id or by.team_id
    return staff.filter(team_id=team_id) if team_id else staff.none()


def allocate(enquiry: Enquiry, lead: User, making_organisation: Organisation | None, by: User) -> None:
    """A new lead practitioner (the enquiry moves to their team, if they have one) and the partner
    making the enquiry on the council's behalf, or none, as ``by`` chose.

    The lead practitioner must be one ``by`` may allocate to (``allocatable_staff``), checked under
    the row lock, so a team manager never hands an enquiry to another team, whatever was posted."""
    ensure_open(enquiry)
    with transaction.atomic():
        lock_status(
            enquiry,
            [Enquiry.Status.OPEN, Enquiry.Status.CLOSURE_REQUESTED],
            StateChanged("This enquiry was closed while you were changing it; nothing was changed."),
        )
        # The team as stored now: another manager may have moved the enquiry meanwhile.
        enquiry.team_id = Enquiry.objects.values_list("team_id", flat=True).get(pk=enquiry.pk)
        if not allocatable_staff(enquiry, by).filter(pk=lead.pk).exists():
            raise ValidationError({"lead_practitioner": NOT_IN_YOUR_TEAM})
        previous = enquiry.lead_practitioner_id
        _update(
            enquiry,
            {
                "lead_practitioner": lead,
                "team": lead.team or enquiry.team,
                "making_organisation": making_organisation,
            },
        )
        if lead.pk != previous:
            worktray.allocated(enquiry, lead, by)


def record_participation(
    enquiry: Enquiry, substantial_difficulty: bool, has_appropriate_person: bool | None
) -> None:
    """Whether the person has substantial difficulty taking part and has an appropriate person to
    support them (None: not known yet); together they decide the advocacy prompt."""
    ensure_open(enquiry)
    with transaction.atomic():
        answers = {
            "substantial_difficulty": substantial_difficulty,
            "has_appropriate_person": has_appropriate_person,
        }
        _update(enquiry, answers)


RISK_FIELDS = ("risk_assessment", "risk_assessment_outcome", "risk_outcome")


def record_risk(enquiry: Enquiry, data: dict[str, Any]) -> None:
    ensure_open(enquiry)
    with transaction.atomic():
        _update(enquiry, {name: data.get(name) or "" for name in RISK_FIELDS})


# --- Desired outcomes --------------------------------------------------------------------------


def add_outcome(enquiry: Enquiry, data: dict[str, Any]) -> DesiredOutcome:
    ensure_open(enquiry)
    with transaction.atomic():
        outcome = DesiredOutcome(enquiry=enquiry, **data)
        outcome.full_clean()
        outcome.save()
        if enquiry.no_outcomes_reason:
            enquiry.no_outcomes_reason = ""
            enquiry.save(update_fields=["no_outcomes_reason"])
    return outcome


def change_outcome(outcome: DesiredOutcome, data: dict[str, Any]) -> DesiredOutcome:
    """Reword, recategorise or negotiate an outcome; the history keeps what it said before."""
    ensure_open(outcome.enquiry)
    with transaction.atomic():
        for name, value in data.items():
            setattr(outcome, name, value)
        outcome.full_clean()
        outcome.save()
    return outcome


def withdraw_outcome(outcome: DesiredOutcome, reason: str, on: date | None = None) -> None:
    ensure_open(outcome.enquiry)
    if not reason.strip():
        raise ValidationError({"withdrawn_reason": "Enter why the outcome is withdrawn"})
    with transaction.atomic():
        outcome.withdrawn_on = on or timezone.localdate()
        outcome.withdrawn_reason = reason
        outcome.save(update_fields=["withdrawn_on", "withdrawn_reason"])


def set_no_outcomes_reason(enquiry: Enquiry, reason: str) -> None:
    ensure_open(enquiry)
    if enquiry.outcomes.filter(withdrawn_on__isnull=True).exists():
        raise ValidationError("The person has desired outcomes recorded; withdraw them first.")
    with transaction.atomic():
        enquiry.no_outcomes_reason = reason
        enquiry.save(update_fields=["no_outcomes_reason"])


# --- Reviews, involvement, capacity, advocacy, plan -------------------------------------------


def record_review(enquiry: Enquiry, user: User, data: dict[str, Any], progress: dict[int, str]) -> Review:
    """Record a review and its progress on each outcome; the next review falls due after the interval."""
    ensure_open(enquiry)
    with transaction.atomic():
        review = Review.objects.create(enquiry=enquiry, recorded_by=user, **data)
        active = {o.pk for o in enquiry.outcomes.filter(withdrawn_on__isnull=True)}
        ReviewProgress.objects.bulk_create(
            ReviewProgress(review=review, outcome_id=pk, progress=text)
            for pk, text in progress.items()
            if pk in active and text.strip()
        )
        latest = max(review.held_on, *enquiry.reviews.values_list("held_on", flat=True))
        enquiry.next_review_due = latest + enquiry.review_interval()
        enquiry.save(update_fields=["next_review_due"])
    return review


def add_record(enquiry: Enquiry, model, data: dict[str, Any], user: User | None = None):
    """Add an involvement, capacity assessment, best-interests decision, advocacy referral or action."""
    ensure_open(enquiry)
    with transaction.atomic():
        record = model(enquiry=enquiry, **data)
        if user is not None and hasattr(record, "recorded_by_id"):
            record.recorded_by = user
        record.full_clean()
        record.save()
    return record


def change_advocacy_referral(referral: AdvocacyReferral, data: dict[str, Any]) -> None:
    """Update a referral: most often, the date advocacy started. Advocacy that starts after all
    went ahead, so a "not going ahead" answer goes (the history keeps it)."""
    ensure_open(referral.enquiry)
    data = dict(data)
    if data.get("started_on"):
        data.update(not_going_ahead_on=None, not_going_ahead_reason="")
    with transaction.atomic():
        _update(referral, data, clean=True)


def mark_advocacy_not_going_ahead(referral: AdvocacyReferral, reason: str, on: date | None = None) -> None:
    """The referral will not go ahead (the person declined it, or it is no longer needed), and why.

    Only a referral that has neither started nor been marked so already; the row is locked and its
    state checked as stored, so of two presses the second is refused."""
    ensure_open(referral.enquiry)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"not_going_ahead_reason": "Enter why the advocacy is not going ahead"})
    with transaction.atomic():
        # As core.states.lock_status, on the two dates that settle a referral.
        unsettled = AdvocacyReferral.objects.select_for_update().filter(
            pk=referral.pk, started_on__isnull=True, not_going_ahead_on__isnull=True
        )
        if unsettled.values_list("pk", flat=True).first() is None:
            raise StateChanged("This advocacy referral has already started or been marked not going ahead.")
        _update(
            referral,
            {"not_going_ahead_on": on or timezone.localdate(), "not_going_ahead_reason": reason},
            clean=True,
        )
    logger.info("Advocacy referral %s marked not going ahead", referral.uuid)


# What a practitioner answers about a plan action they resolve, and the message when it is missing.
RESOLUTION_NEEDS: dict[str, tuple[str, str]] = {
    PlanAction.Status.CANCELLED: ("cancelled_reason", "Enter why the action was cancelled"),
    PlanAction.Status.HANDED_OVER: ("handed_over_to", "Enter who the action was handed over to"),
}


RESOLVED_IN_FUTURE = "The date must be today or in the past"


def check_resolved_on(enquiry: Enquiry, day: date) -> None:
    """A plan action is resolved on a day from the enquiry's start to today: an earlier date would
    put the work before the enquiry began (and into an earlier period's figures), a later one has
    not happened yet. Raises ValidationError on ``resolved_on``, the forms' field."""
    if day > timezone.localdate():
        raise ValidationError({"resolved_on": RESOLVED_IN_FUTURE})
    started = timezone.localdate(enquiry.started_at)
    if day < started:
        raise ValidationError(
            {
                "resolved_on": "The date must be on or after the day the enquiry started, "
                f"{formats.date_format(started, 'j F Y')}"
            }
        )


def resolve_action(
    action: PlanAction,
    user: User | None,
    status: str,
    *,
    on: date | None = None,
    cancelled_reason: str = "",
    handed_over_to: str = "",
) -> None:
    """Resolve a plan action: done, cancelled with why, or handed over to whom (a person, team or
    agency that takes it on), by ``user`` on ``on`` (today unless given).

    Resolved once: the row is locked and checked unresolved as stored, so a second press (or a
    colleague resolving it meanwhile) is refused with StateChanged.
    """
    ensure_open(action.enquiry)
    if status not in RESOLUTION_NEEDS and status != PlanAction.Status.DONE:
        raise ValidationError({"status": "Select what happened to the action"})
    answers = {"cancelled_reason": cancelled_reason.strip(), "handed_over_to": handed_over_to.strip()}
    needed = RESOLUTION_NEEDS.get(status)
    if needed and not answers[needed[0]]:
        raise ValidationError({needed[0]: needed[1]})
    day = on or timezone.localdate()
    check_resolved_on(action.enquiry, day)
    resolved = StateChanged("This action has already been resolved by someone else.")
    with transaction.atomic():
        lock_status(action, [PlanAction.Status.OPEN], resolved)
        # An action marked done before actions had a status has a done date and no status.
        if PlanAction.objects.filter(pk=action.pk, done_on__isnull=False).exists():
            raise resolved
        _update(
            action,
            {
                "status": status,
                "done_on": day if status == PlanAction.Status.DONE else None,
                # Only the answer that goes with how it was resolved is kept.
                "cancelled_reason": answers["cancelled_reason"]
                if status == PlanAction.Status.CANCELLED
                else "",
                "handed_over_to": answers["handed_over_to"]
                if status == PlanAction.Status.HANDED_OVER
                else "",
                "resolved_on": day,
                "resolved_by": user,
            },
        )
    logger.info("Plan action %s resolved: %s", action.uuid, status)


def mark_action_done(action: PlanAction, on: date | None = None, user: User | None = None) -> None:
    """The plan action was done (``resolve_action`` with "done")."""
    resolve_action(action, user, PlanAction.Status.DONE, on=on)


# --- The shared safeguarding plan ---------------------------------------------------------------

# The owner choices of the plan-action form besides the organisations (``plan_owner_choices``).
OWNER_COUNCIL = "council"
OWNER_PERSON = "person"
OWNER_OTHER = "other"
PERSON_OWNER_NAME = "The person themselves"
NOT_A_PARTNER = "Select the council, a partner that works with the council, the person or someone else"


def partners_of(council_id: int | None) -> QuerySet[Organisation]:
    """The council's partners: the agencies that work with it (``Organisation.councils``), never a
    council or a regional or national network (which works with councils, not on their cases). The
    one rule for who may own a shared plan action, a provider action or raise a service concern
    (providers.services)."""
    if council_id is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(councils=council_id).exclude(
        kind__in=[Organisation.Kind.COUNCIL, Organisation.Kind.NETWORK]
    )


def plan_partners(enquiry: Enquiry) -> QuerySet[Organisation]:
    """The partner agencies that may own actions on the enquiry's plan: its council's partners."""
    return partners_of(enquiry.council_id)


# A primary key as a form sends it: ASCII digits only (``str.isdigit`` also takes "²", which int()
# then refuses), and short enough for the database's integer.
PRIMARY_KEY = re.compile(r"[0-9]{1,18}")


def as_primary_key(value: str) -> int | None:
    """``value`` as a primary key, or None when it is not one."""
    return int(value) if PRIMARY_KEY.fullmatch(value or "") else None


def plan_owner_choices(enquiry: Enquiry) -> list[tuple[str, str]]:
    """Who may own a plan action, as the form offers them: the council, each partner that works
    with it (by primary key), the person themselves, or someone else named in words."""
    return [
        (OWNER_COUNCIL, enquiry.council.name),
        *((str(pk), name) for pk, name in plan_partners(enquiry).values_list("pk", "name")),
        (OWNER_PERSON, PERSON_OWNER_NAME),
        (OWNER_OTHER, "Someone else (a bank, a family member, an organisation not listed)"),
    ]


def plan_owner(enquiry: Enquiry, owner: str, other_name: str = "") -> dict[str, Any]:
    """The owner fields of a plan action for the form's answer ``owner`` (a value of
    ``plan_owner_choices``). ``owner_agency`` keeps the name, for display and as older actions have it.

    An organisation not working with the enquiry's council is refused, whatever was posted."""
    if owner == OWNER_COUNCIL:
        council = enquiry.council
        return {"owner_organisation": council, "owner_is_person": False, "owner_agency": council.name}
    if owner == OWNER_PERSON:
        return {"owner_organisation": None, "owner_is_person": True, "owner_agency": PERSON_OWNER_NAME}
    if owner == OWNER_OTHER:
        name = other_name.strip()
        if not name:
            raise ValidationError({"owner_agency": "Enter who is responsible"})
        return {"owner_organisation": None, "owner_is_person": False, "owner_agency": name}
    pk = as_primary_key(owner)
    partner = plan_partners(enquiry).filter(pk=pk).first() if pk is not None else None
    if partner is None:
        raise ValidationError({"owner": NOT_A_PARTNER})
    return {"owner_organisation": partner, "owner_is_person": False, "owner_agency": partner.name}


def add_plan_action(enquiry: Enquiry, data: dict[str, Any], owner: str, other_name: str = "") -> PlanAction:
    """A plan action owned by the council, a partner of the council, the person, or someone else."""
    return add_record(enquiry, PlanAction, {**data, **plan_owner(enquiry, owner, other_name)})


# What a partner agency answers about one of its actions (``complete_agency_action``).
AGENCY_DONE = "done"
AGENCY_NOT_DONE = "not_done"
NOT_DONE_NEEDS = "Enter why it could not be done"
NOT_YOURS = "This action is no longer your organisation's, or its enquiry has closed; nothing was changed."


def agency_may_complete(action: PlanAction) -> bool:
    """Still to be resolved, on an enquiry whose record can change (not awaiting closure sign-off,
    not closed): what the agency's page offers its form for."""
    return action.is_unresolved and action.enquiry.is_editable


def complete_agency_action(
    action: PlanAction, user: User, outcome: str, *, why_not: str = "", on: date | None = None
) -> None:
    """A partner agency's staff resolve one of their agency's actions: done, or not able to be done
    and why (kept as "cancelled", with their reason and their name).

    Under the action's row lock, its status and its owner are read as stored: a second press, a
    colleague (or the lead practitioner) resolving it meanwhile, or the action moved to another
    owner, is refused with StateChanged. The enquiry's state is checked under its own lock. The date
    is from the enquiry's start to today (``check_resolved_on``)."""
    if outcome not in (AGENCY_DONE, AGENCY_NOT_DONE):
        raise ValidationError({"outcome": "Select whether the action was done"})
    why_not = why_not.strip()
    if outcome == AGENCY_NOT_DONE and not why_not:
        raise ValidationError({"why_not": NOT_DONE_NEEDS})
    check_resolved_on(action.enquiry, on or timezone.localdate())
    with transaction.atomic():
        lock_status(action.enquiry, [Enquiry.Status.OPEN], StateChanged(NOT_YOURS))
        still_theirs = PlanAction.objects.for_user(user, "agency").filter(pk=action.pk)
        if not still_theirs.exists():
            raise StateChanged(NOT_YOURS)
        if outcome == AGENCY_DONE:
            resolve_action(action, user, PlanAction.Status.DONE, on=on)
        else:
            resolve_action(action, user, PlanAction.Status.CANCELLED, on=on, cancelled_reason=why_not)


# --- The person alleged to have caused harm, and the responses used ----------------------------


def add_alleged_person(enquiry: Enquiry, user: User, data: dict[str, Any]) -> AllegedPerson:
    """Record a person alleged to have caused harm (an enquiry may have more than one)."""
    ensure_open(enquiry)
    with transaction.atomic():
        alleged = AllegedPerson(enquiry=enquiry, recorded_by=user, **data)
        alleged.full_clean()
        alleged.save()
    return alleged


def change_alleged_person(alleged: AllegedPerson, data: dict[str, Any]) -> AllegedPerson:
    """Change what is recorded about them; the history keeps what it said before."""
    ensure_open(alleged.enquiry)
    with transaction.atomic():
        _update(alleged, data, clean=True)
    return alleged


RESPONSES_NEEDED = "Select the responses the enquiry used, or \u2018None of these\u2019"
NONE_ALONE = "Select \u2018None of these\u2019 on its own, or untick it and select the responses used"


def check_responses(responses: list[str]) -> set[str]:
    """The answer as a set, or ValidationError on ``responses``: at least one, each from
    ``EnquiryResponse.Response``, and "None of these" only on its own."""
    wanted = set(responses)
    if wanted - set(EnquiryResponse.Response.values):
        raise ValidationError({"responses": "Select the responses from the list"})
    if not wanted:
        raise ValidationError({"responses": RESPONSES_NEEDED})
    if EnquiryResponse.Response.NONE in wanted and len(wanted) > 1:
        raise ValidationError({"responses": NONE_ALONE})
    return wanted


def set_responses(enquiry: Enquiry, responses: list[str]) -> None:
    """The responses the enquiry used (mediation, a family group conference, police action...), or
    "None of these": the ticked ones are kept, new ones added, the rest removed one by one (so the
    history shows each change). An answer is required (``check_responses``): once given, the
    enquiry has answered the question, which is what stops the closing pages' warning."""
    ensure_open(enquiry)
    wanted = check_responses(responses)
    with transaction.atomic():
        # The enquiry's row is locked so that two people ticking at once do not both add the same one.
        lock_status(
            enquiry,
            [Enquiry.Status.OPEN],
            StateChanged(
                "This enquiry was sent for closure while you were changing it; nothing was changed."
            ),
        )
        rows = EnquiryResponse.objects.filter(enquiry=enquiry)
        for row in rows.exclude(response__in=wanted):
            row.delete()
        have = set(rows.values_list("response", flat=True))
        for value in EnquiryResponse.Response.values:
            if value in wanted - have:
                EnquiryResponse.objects.create(enquiry=enquiry, response=value)


def advocacy_prompt(enquiry: Enquiry) -> str | None:
    """Why an advocacy referral is needed now, or None.

    A person who lacks capacity (any decision-specific assessment) or has substantial difficulty
    taking part, and has no appropriate family member or friend, must be offered an advocate.
    """
    if not enquiry.is_open:
        return None
    lacks = enquiry.capacity_assessments.filter(outcome=CapacityAssessment.Outcome.LACKS_CAPACITY).exists()
    if not (lacks or enquiry.substantial_difficulty):
        return None
    if enquiry.has_appropriate_person:
        return None
    if enquiry.advocacy_referrals.exclude(kind=AdvocacyReferral.Kind.FAMILY_FRIEND).exists():
        return None
    why = (
        "lacks capacity for a decision in this enquiry" if lacks else "has substantial difficulty taking part"
    )
    return f"The person {why} and has no appropriate person to support them: refer them for advocacy."


# --- Closure -------------------------------------------------------------------------------------


class Missing(str):
    """One thing that stops the enquiry closing, as its message (so it compares as one), with the
    closing form's ``field`` that answers it, or the ``url`` of the page where it is put right."""

    field: str
    url: str

    def __new__(cls, message: str, field: str = "", url: str = "") -> "Missing":
        missing = super().__new__(cls, message)
        missing.field = field
        missing.url = url
        return missing


@dataclass(frozen=True)
class GateItem:
    """One item of the closure gate: its message, the anchor of what it is about on the enquiry's
    page (``#action-…``) and the page where it is put right (empty when there is none yet)."""

    message: str
    anchor: str
    url: str = ""


@dataclass(frozen=True)
class Gate:
    """What stands between the enquiry and its closure. ``blocking`` must be resolved before the
    closure is asked for or signed off; ``warnings`` are shown to the practitioner and the manager
    but hold nothing up."""

    blocking: list[GateItem]
    warnings: list[GateItem]


def _quoted(text: str) -> str:
    return f"\u201c{text[:80]}{'…' if len(text) > 80 else ''}\u201d"


def closure_gate(enquiry: Enquiry, today: date | None = None) -> Gate:
    """The closure gate (issue 13): blocking, each plan action not yet done, cancelled or handed
    over (overdue or not), and each advocacy referral that has neither started nor been marked not
    going ahead; warnings, the person not yet asked for feedback, the adult not yet sent the outcome
    letter and the person who raised the concern not yet sent an update."""
    today = today or timezone.localdate()
    ref = enquiry.reference
    blocking = []
    for action in PlanAction.objects.filter(enquiry=enquiry).unresolved().order_by("due_on", "pk"):
        due = formats.date_format(action.due_on, "j F Y")
        late = f", overdue since {due}" if action.due_on < today else f", due {due}"
        blocking.append(
            GateItem(
                f"Resolve the plan action {_quoted(action.action)}{late}: mark it done, cancel it "
                "with a reason, or hand it over",
                f"action-{action.uuid}",
                reverse("enquiries:action_resolve", args=[ref, action.uuid]),
            )
        )
    referrals = AdvocacyReferral.objects.filter(
        enquiry=enquiry, started_on__isnull=True, not_going_ahead_on__isnull=True
    ).order_by("referred_on", "pk")
    for referral in referrals:
        blocking.append(
            GateItem(
                f"Record when the advocacy referral made on "
                f"{formats.date_format(referral.referred_on, 'j F Y')} "
                f"({referral.get_kind_display()}) started, or that it is not going ahead",
                f"advocacy-{referral.uuid}",
                # The enquiry's page: there both answers are offered (its start date, or not going ahead).
                reverse("enquiries:detail", args=[ref]) + f"#advocacy-{referral.uuid}",
            )
        )
    warnings = []
    if not Feedback.objects.filter(enquiry=enquiry).exists():
        warnings.append(
            GateItem(
                "The person has not been asked for their feedback yet",
                "feedback",
                reverse("enquiries:feedback_new", args=[ref]) + "?version=adult",
            )
        )
    told = letters_told(enquiry)
    # The letters app's pages: the adult's letters are the enquiry's, the referrer's update the concern's.
    if not told["adult"]:
        warnings.append(
            GateItem(
                "The adult has not been sent the outcome letter yet",
                "letters",
                reverse("letters:enquiry", args=[ref]),
            )
        )
    if not told["referrer"]:
        warnings.append(
            GateItem(
                "The person who raised the concern has not been sent an update yet",
                "letters",
                reverse("letters:concern", args=[enquiry.concern.reference]),
            )
        )
    return Gate(blocking=blocking, warnings=warnings)


RESPONSES_NOT_RECORDED = (
    "The responses used (mediation, a family group conference, police action...) have not been recorded"
)


def responses_warning(enquiry: Enquiry) -> GateItem | None:
    """A warning on the closing and sign-off pages while the responses used were never answered
    (no row: "None of these" is an answer, and a row), or None.

    A warning, not a block: the national return does not ask; but outcomes can be compared by
    response only where it is said."""
    if EnquiryResponse.objects.filter(enquiry=enquiry).exists():
        return None
    url = reverse("enquiries:responses", args=[enquiry.reference]) if enquiry.is_editable else ""
    return GateItem(RESPONSES_NOT_RECORDED, "responses", url)


def gate_missing(gate: Gate) -> list[Missing]:
    """The gate's blocking items as closure refusals, each linking to the page that resolves it."""
    return [Missing(item.message, url=item.url) for item in gate.blocking]


def closure_prefill(enquiry: Enquiry) -> dict[str, Any]:
    """The SAC closure items the record already answers."""
    active = [o for o in enquiry.outcomes.all() if o.is_active]
    if active:
        msp_asked = categories.ASKED_AND_EXPRESSED
    elif enquiry.no_outcomes_reason == Enquiry.NoOutcomesReason.CHOSE_NOT_TO_SAY:
        msp_asked = categories.ASKED_NONE_EXPRESSED
    elif enquiry.no_outcomes_reason:
        msp_asked = "No"
    else:
        msp_asked = ""
    assessments = list(enquiry.capacity_assessments.all())
    lacked = any(a.outcome == CapacityAssessment.Outcome.LACKS_CAPACITY for a in assessments)
    if lacked:
        capacity = categories.LACKED_CAPACITY
    elif assessments:
        capacity = "No, they did not lack capacity"
    else:
        capacity = ""
    supported = None
    if lacked:
        started = any(r.started_on for r in enquiry.advocacy_referrals.all())
        supported = True if (started or enquiry.has_appropriate_person) else None
    return {
        "msp_asked": enquiry.msp_asked or msp_asked,
        "risk_assessment_outcome": enquiry.risk_assessment_outcome,
        "risk_outcome": enquiry.risk_outcome,
        "mental_capacity": enquiry.mental_capacity or capacity,
        "capacity_supported": enquiry.capacity_supported
        if enquiry.capacity_supported is not None
        else supported,
        "closure_reason": enquiry.closure_reason,
        "closure_note": enquiry.closure_note,
        **findings_prefill(enquiry),
    }


# --- What the enquiry found (SG2) ----------------------------------------------------------------

# Why nothing ticked in each of the three groups cannot close the enquiry.
FINDINGS_MISSING = {
    "found_risk_types": "Select at least one type of abuse or neglect the enquiry found",
    "found_locations": "Select at least one location of the risk the enquiry found",
    "found_sources": "Select at least one source of the risk the enquiry found",
}


def _in_template_order(values: Any, choices: list[tuple[str, str]]) -> list[str]:
    order = {value: n for n, (value, _) in enumerate(choices)}
    return sorted(set(values), key=lambda value: order.get(value, len(order)))


def findings(enquiry: Enquiry) -> dict[str, list[str]]:
    """The types, locations and sources of risk saved as the enquiry's findings (perhaps none yet),
    each in the national template's order."""
    found = {}
    for name, model, field, choices in FINDINGS:
        values = model._default_manager.filter(enquiry=enquiry).values_list(field, flat=True)
        found[name] = _in_template_order(values, choices)
    return found


def findings_prefill(enquiry: Enquiry) -> dict[str, list[str]]:
    """What the closure form starts with: the findings saved at an earlier request for closure (one
    that was returned), else what the concern recorded: its types of risk, its location and source."""
    concern = enquiry.concern
    from_concern = {
        "found_risk_types": list(concern.risk_types.values_list("risk_type", flat=True)),
        "found_locations": [concern.location_of_risk] if concern.location_of_risk else [],
        "found_sources": [concern.source_of_risk] if concern.source_of_risk else [],
    }
    saved = findings(enquiry)
    return {
        name: saved[name] or _in_template_order(from_concern[name], choices)
        for name, _, _, choices in FINDINGS
    }


def findings_missing(found: dict[str, Any]) -> list[Missing]:
    """One message for each of the three groups with nothing in it."""
    return [Missing(message, name) for name, message in FINDINGS_MISSING.items() if not found.get(name)]


def _checked_findings(enquiry: Enquiry, data: dict[str, Any]) -> dict[str, list[str]]:
    """The findings in ``data`` (what the closure form posted); a caller that sends none confirms
    the pre-fill. Values outside the national category lists are refused."""
    prefill: dict[str, list[str]] | None = None
    found = {}
    for name, _, _, choices in FINDINGS:
        if name in data:
            values = list(data[name] or [])
        else:
            prefill = prefill if prefill is not None else findings_prefill(enquiry)
            values = prefill[name]
        unknown = set(values) - {value for value, _ in choices}
        if unknown:
            raise ValidationError({name: f"Not a category of the national return: {sorted(unknown)}"})
        found[name] = _in_template_order(values, choices)
    return found


def _save_findings(enquiry: Enquiry, found: dict[str, list[str]]) -> None:
    """Replace the enquiry's findings with ``found``: rows no longer found are deleted, new ones
    added, the rest left alone (so the history shows exactly what changed)."""
    for name, model, field, choices in FINDINGS:
        rows = model._default_manager.filter(enquiry=enquiry)
        wanted = set(found[name])
        for row in rows.exclude(**{f"{field}__in": wanted}):
            row.delete()  # one by one, so each deletion is in the history
        have = set(rows.values_list(field, flat=True))
        for value in _in_template_order(wanted - have, choices):
            model._default_manager.create(enquiry=enquiry, **{field: value})


def closure_missing(enquiry: Enquiry, data: dict[str, Any], achievements: dict[int, str]) -> list[Missing]:
    """Every answer the closing form still needs, each named with its field (the closure gate's
    items, about the rest of the record, are ``closure_refusals``')."""
    missing: list[Missing] = []
    active = [o for o in enquiry.outcomes.all() if o.is_active]
    if not data.get("closure_reason"):
        missing.append(Missing("Select the reason for closing the enquiry", "closure_reason"))
    msp_asked = data.get("msp_asked")
    if not msp_asked:
        missing.append(
            Missing(
                "Select whether the person or their representative was asked about desired outcomes",
                "msp_asked",
            )
        )
    elif msp_asked == categories.ASKED_AND_EXPRESSED and not active:
        missing.append(
            Missing(
                "Record the person's desired outcomes, since they expressed some",
                "msp_asked",
                reverse("enquiries:outcome_new", args=[enquiry.reference]),
            )
        )
    elif active and msp_asked != categories.ASKED_AND_EXPRESSED:
        missing.append(
            Missing(
                "Desired outcomes are recorded, so select 'Yes they were asked and outcomes were expressed'",
                "msp_asked",
            )
        )
    if msp_asked == categories.ASKED_AND_EXPRESSED:
        for outcome in active:
            if achievements.get(outcome.pk) not in dict(categories.ACHIEVEMENT):
                missing.append(
                    Missing(
                        f"Select whether this outcome was achieved: \u201c{outcome.words[:80]}\u201d",
                        f"achievement_{outcome.pk}",
                    )
                )
    risk = data.get("risk_assessment_outcome")
    if not risk:
        missing.append(Missing("Select the outcome of the risk assessment", "risk_assessment_outcome"))
    if risk == "Risk identified and action taken" and not data.get("risk_outcome"):
        missing.append(
            Missing("Select whether the risk remained, was reduced or was removed", "risk_outcome")
        )
    capacity = data.get("mental_capacity")
    if not capacity:
        missing.append(
            Missing(
                "Select whether the person lacked capacity to make decisions about the safeguarding",
                "mental_capacity",
            )
        )
    elif capacity == categories.LACKED_CAPACITY and data.get("capacity_supported") is None:
        missing.append(
            Missing(
                "Select whether the person was supported by an advocate, family member or friend",
                "capacity_supported",
            )
        )
    # What the enquiry found: as ticked, or (for a caller that sends none) the pre-fill confirmed.
    missing += findings_missing(_checked_findings(enquiry, data))
    return missing


def closure_refusals(
    enquiry: Enquiry, data: dict[str, Any], achievements: dict[int, str], gate: Gate | None = None
) -> list[Missing]:
    """Why the enquiry cannot be sent for closure: the closure gate's blocking items (plan actions
    and advocacy referrals to resolve first; ``gate`` if the caller has it), then the closing form's
    missing answers."""
    return gate_missing(gate or closure_gate(enquiry)) + closure_missing(enquiry, data, achievements)


def request_closure(
    enquiry: Enquiry, user: User, data: dict[str, Any], achievements: dict[int, str], notes: dict[int, str]
) -> list[Missing]:
    """Ask for closure; returns what is missing (nothing saved) or [] once it awaits sign-off.

    ``data`` may carry what the enquiry found (``found_risk_types``, ``found_locations``,
    ``found_sources``: at least one of each); a group it leaves out is taken from the pre-fill
    (``findings_prefill``). They replace any findings saved before, in the same transaction."""
    not_editable = ValidationError("Only an open enquiry can be sent for closure.")
    if not enquiry.is_editable:
        raise not_editable
    missing = closure_refusals(enquiry, data, achievements)
    if missing:
        return missing
    found = _checked_findings(enquiry, data)
    risk_identified_action = data.get("risk_assessment_outcome") == "Risk identified and action taken"
    lacked = data.get("mental_capacity") == categories.LACKED_CAPACITY
    with transaction.atomic():
        # A second request (another tab, a double press) waits for the first and is then refused.
        lock_status(enquiry, [Enquiry.Status.OPEN], not_editable)
        # Asked again under the lock: an action added meanwhile (another tab) holds the closure up.
        blocking = gate_missing(closure_gate(enquiry))
        if blocking:
            return blocking
        _save_findings(enquiry, found)
        for outcome in enquiry.outcomes.filter(withdrawn_on__isnull=True):
            outcome.achievement = achievements.get(outcome.pk, "")
            outcome.achievement_note = notes.get(outcome.pk, "")
            outcome.save(update_fields=["achievement", "achievement_note"])
        enquiry.msp_asked = data["msp_asked"]
        enquiry.risk_assessment_outcome = data["risk_assessment_outcome"]
        enquiry.risk_outcome = data.get("risk_outcome", "") if risk_identified_action else ""
        enquiry.mental_capacity = data["mental_capacity"]
        enquiry.capacity_supported = data.get("capacity_supported") if lacked else None
        enquiry.closure_reason = data["closure_reason"]
        enquiry.closure_note = data.get("closure_note", "")
        enquiry.closure_requested_by = user
        enquiry.closure_requested_at = timezone.now()
        enquiry.closure_returned_comment = ""
        enquiry.status = Enquiry.Status.CLOSURE_REQUESTED
        enquiry.save()
    return []


def can_sign_off_closure(enquiry: Enquiry, user: User) -> bool:
    """A team manager of the enquiry's team who did not ask for the closure."""
    return (
        enquiry.awaits_closure_sign_off
        and user.is_manager
        and user.organisation_id == enquiry.council_id
        and user.team_id is not None
        and (enquiry.team_id is None or enquiry.team_id == user.team_id)
        and enquiry.closure_requested_by_id != user.pk
    )


def _lock_awaiting_sign_off(enquiry: Enquiry) -> None:
    """Lock the enquiry's row and check the closure still awaits a decision.

    Two managers deciding the same closure at once: the second waits for the first's transaction and
    is then refused, rather than signing off (or returning) a closure that is already decided.
    """
    lock_status(
        enquiry,
        [Enquiry.Status.CLOSURE_REQUESTED],
        StateChanged("This closure has already been signed off or returned by someone else."),
    )


GATE_SHUT = (
    "This closure cannot be signed off while a plan action or an advocacy referral is unresolved: "
    "return it to the lead practitioner to resolve them"
)


def sign_off_closure(enquiry: Enquiry, user: User) -> None:
    """Sign the closure off, closing the enquiry and its concern.

    The closure gate is asked again under the row lock: an enquiry is never signed off with a plan
    action or advocacy referral unresolved, even one added after closure was asked for (records
    from before the gate, or written around the pages), which raises StateChanged."""
    if not can_sign_off_closure(enquiry, user):
        raise PermissionDenied
    with transaction.atomic():
        _lock_awaiting_sign_off(enquiry)
        if closure_gate(enquiry).blocking:
            raise StateChanged(GATE_SHUT)
        enquiry.status = Enquiry.Status.CLOSED
        enquiry.signed_off_by = user
        enquiry.closed_at = timezone.now()
        enquiry.next_review_due = None
        enquiry.save(update_fields=["status", "signed_off_by", "closed_at", "next_review_due"])
        concern = enquiry.concern
        concern.status = concern.Status.CLOSED
        concern.save(update_fields=["status"])
        _concern_moved_on(concern)


def _concern_moved_on(concern: "Concern") -> None:
    """Tell whoever follows the concern (its referrer) that it has moved on: closed, here. The
    concerns app's hook, imported here because concerns.services imports this module; an older
    concerns app without it is left alone."""
    from msphub.concerns import services as concern_services

    if hasattr(concern_services, "concern_moved_on"):
        concern_services.concern_moved_on(concern)


def return_closure(enquiry: Enquiry, user: User, comment: str) -> None:
    if not can_sign_off_closure(enquiry, user):
        raise PermissionDenied
    if not comment.strip():
        raise ValidationError({"returned_comment": "Enter why the closure is being returned"})
    with transaction.atomic():
        _lock_awaiting_sign_off(enquiry)
        enquiry.status = Enquiry.Status.OPEN
        enquiry.closure_returned_comment = comment
        enquiry.save(update_fields=["status", "closure_returned_comment"])
        worktray.closure_returned(enquiry)


# --- Feedback ----------------------------------------------------------------------------------


def feedback_answered(enquiry: Enquiry, version: str) -> bool:
    """Whether the enquiry has feedback of this version (the adult's, a representative's) already:
    each is taken once, whoever asks."""
    return Feedback.objects.filter(enquiry=enquiry, version=version).exists()


def already_answered_message(version: str) -> str:
    who = "the adult" if version == Feedback.Version.ADULT else "a representative"
    return f"Feedback from {who} has already been recorded for this enquiry"


def record_feedback(enquiry: Enquiry, user: User | None, data: dict[str, Any]) -> Feedback:
    """Feedback is asked at closure or within eight weeks of it; every question is optional.

    Once per enquiry and version (the adult's, a representative's), whoever asked: a second answer
    of the same version would count the same person twice in the measures. Checked under a lock on
    the enquiry's row, so of two saved at once (the practitioner, an interviewer, the person online)
    the second waits for the first, then is refused.

    ``user`` is None for feedback the person (or their representative) gave online themselves
    (``Feedback.AskedBy.ONLINE``): nobody recorded it for them."""
    # Asking while the enquiry is open is allowed: it avoids "opening old wounds" later.
    with transaction.atomic():
        Enquiry.objects.select_for_update().filter(pk=enquiry.pk).first()
        version = data.get("version", "")
        if feedback_answered(enquiry, version):
            raise ValidationError(already_answered_message(version))
        feedback = Feedback(enquiry=enquiry, recorded_by=user, **data)
        # Words the person agreed to be quoted wait for a team manager or the lead to approve them.
        feedback.quote_status = Feedback.QuoteStatus.AWAITING if feedback.consent_to_quote else ""
        feedback.full_clean()
        feedback.save()
    return feedback


def feedback_due(enquiries: QuerySet[Enquiry], today: date | None = None) -> QuerySet[Enquiry]:
    """Closed in the last eight weeks and nobody has asked the person (or representative) yet."""
    today = today or timezone.localdate()
    since = timezone.make_aware(datetime.combine(today - FEEDBACK_WINDOW, datetime.min.time()))
    return enquiries.filter(status=Enquiry.Status.CLOSED, closed_at__gte=since, feedback__isnull=True)


# --- Quotes for the Board --------------------------------------------------------------------------


def can_moderate_quote(feedback: Feedback, user: User) -> bool:
    """A team manager or the safeguarding lead of the enquiry's council (``FeedbackQuerySet.for_user``
    with "sign_off" is the same rule for lists)."""
    return Feedback.objects.for_user(user, "sign_off").filter(pk=feedback.pk).exists()


def moderate_quote(feedback: Feedback, user: User, approve: bool, approved_text: str = "") -> None:
    """Approve a consented quote for the Board, in ``approved_text`` (the person's words with any
    names redacted), or decline it. The person's own words (``comments``) are kept unchanged.

    The row is locked and its state checked as stored: of two moderators pressing at once, the
    second waits for the first and is then refused.
    """
    if not can_moderate_quote(feedback, user):
        raise PermissionDenied
    text = approved_text.strip()
    if approve and not text:
        raise ValidationError({"approved_text": "Enter the words to show to the Board"})
    with transaction.atomic():
        # Only a consented quote is ever awaiting (record_feedback), so the status is the one check.
        lock_status(
            feedback,
            [Feedback.QuoteStatus.AWAITING],
            StateChanged("This quote has already been approved or declined by someone else."),
            field="quote_status",
        )
        feedback.quote_status = Feedback.QuoteStatus.APPROVED if approve else Feedback.QuoteStatus.DECLINED
        feedback.approved_text = text if approve else ""
        feedback.moderated_by = user
        feedback.moderated_at = timezone.now()
        feedback.save(update_fields=["quote_status", "approved_text", "moderated_by", "moderated_at"])
    logger.info("Quote on feedback %s %s by user %s", feedback.uuid, feedback.quote_status, user.pk)
