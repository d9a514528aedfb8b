"""The rules of the concern's journey: raising it, triage, the decision and its sign-off.

Views call these; each write is one transaction so nothing is half-saved.
"""

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from msphub.accounts.models import Organisation, Role, User
from msphub.core import categories, onetime
from msphub.core.models import AccessLog, ReferenceSequence
from msphub.core.states import StateChanged, lock_status
from msphub.enquiries.models import Enquiry
from msphub.enquiries.services import open_enquiry
from msphub.people.models import Person
from msphub.people.services import restricted_matches
from msphub.worktray import services as worktray

from .models import (
    Concern,
    ConcernNote,
    ConcernRiskType,
    ConcernTransfer,
    ConcernUpdate,
    ContactAttempt,
    Decision,
    FirstContact,
)

CONCERN_FIELDS = [
    "raiser_kind",
    "raiser_name",
    "raiser_role",
    "raiser_organisation_name",
    "raiser_phone",
    "raiser_email",
    "adult_given_name",
    "adult_family_name",
    "adult_date_of_birth",
    "adult_address",
    "adult_postcode",
    "adult_phone",
    "adult_needs",
    "adult_communication_needs",
    "what_happened",
    "happened_on",
    "still_happening",
    "location_of_risk",
    "source_of_risk",
    "care_provider_name",
    "immediate_danger",
    "consent",
    "consent_not_given_reason",
    "consent_not_sought_reason",
    "msp_asked",
    "wants_to_happen",
    "how_to_happen",
    "outcomes_wanted",
    "not_asked_reason",
    "raiser_reference",
]


def raise_concern(
    answers: dict[str, Any],
    council: Organisation,
    submission_token: uuid.UUID,
    user: User | None = None,
) -> tuple[Concern, bool]:
    """Create the concern from the journey's answers; (concern, created).

    The submission token makes a double-submitted form return the concern already made.
    """
    existing = Concern.objects.filter(submission_token=submission_token).first()
    if existing:
        return existing, False
    # Types of risk go to the national return, so only SAC labels are accepted, each once.
    allowed = {label for label, _ in categories.RISK_TYPE}
    risk_types = list(dict.fromkeys(answers.get("risk_types") or []))
    unknown = [r for r in risk_types if r not in allowed]
    if unknown or not risk_types:
        raise ValidationError({"risk_types": "Select at least one kind of abuse or neglect from the list"})
    fields: dict[str, Any] = {name: answers.get(name) for name in CONCERN_FIELDS if name in answers}
    for name, value in list(fields.items()):
        if value is None and Concern._meta.get_field(name).get_internal_type() in (
            "CharField",
            "TextField",
            "EmailField",
        ):
            fields[name] = ""
    provider = None
    if fields.get("care_provider_name"):
        provider = Organisation.objects.filter(
            kind=Organisation.Kind.CARE_PROVIDER, name__iexact=fields["care_provider_name"].strip()
        ).first()
    try:
        with transaction.atomic():
            concern = Concern(
                council=council,
                submission_token=submission_token,
                raised_by_user=user if user and user.is_authenticated else None,
                raiser_organisation=user.organisation if user and user.is_authenticated else None,
                care_provider=provider,
                reference=ReferenceSequence.next_reference("CON"),
                **fields,
            )
            # The submission token's uniqueness is left to the database: a double press that lost
            # the race is told apart below and answered with the concern the first press made.
            concern.full_clean(exclude=["reference", "submission_token"])
            concern.save()
            ConcernRiskType.objects.bulk_create(
                ConcernRiskType(concern=concern, risk_type=r) for r in risk_types
            )
    except IntegrityError:
        # Two posts of the same form raced and the other one won; anything else is a real error.
        existing = Concern.objects.filter(submission_token=submission_token).first()
        if existing is None:
            raise
        return existing, False
    return concern, True


def pick_up(concern: Concern, user: User) -> None:
    """A practitioner takes an unallocated concern from the front-door queue for their team."""
    ensure_open(concern)
    with transaction.atomic():
        _lock_undecided(concern)
        concern.assigned_to = user
        # The safeguarding lead has no team: a concern already with a team stays with it.
        concern.team = user.team or concern.team
        if concern.status == Concern.Status.RECEIVED:
            concern.status = Concern.Status.TRIAGE
        concern.save(update_fields=["assigned_to", "team", "status"])
        concern_moved_on(concern)


def _start_triage(concern: Concern, user: User) -> None:
    changed = []
    if concern.status == Concern.Status.RECEIVED:
        concern.status = Concern.Status.TRIAGE
        changed.append("status")
    if concern.team_id is None:
        concern.team, concern.assigned_to = user.team, user
        changed += ["team", "assigned_to"]
    if changed:
        concern.save(update_fields=changed)
    if "status" in changed:
        concern_moved_on(concern)


DECIDED = "This concern has been decided; its triage can no longer change."


def ensure_open(concern: Concern) -> None:
    if concern.is_decided:
        raise ValidationError(DECIDED)


def _lock_undecided(concern: Concern) -> None:
    """Before a change of the concern's status: it is still undecided as stored now."""
    lock_status(concern, Concern.UNDECIDED, ValidationError(DECIDED))


def _lock_awaiting_sign_off(concern: Concern) -> None:
    """Two managers deciding on the same decision at once: the second waits, then is refused."""
    lock_status(
        concern,
        [Concern.Status.AWAITING_SIGN_OFF],
        StateChanged("This decision has already been signed off or returned by someone else."),
    )


def link_person(concern: Concern, person: Person, user: User) -> None:
    if person.council_id != concern.council_id:
        raise PermissionDenied
    ensure_open(concern)
    with transaction.atomic():
        _lock_undecided(concern)
        # The person's row is locked too: a record merged into another meanwhile (a page loaded
        # before the merge) takes no new concern.
        if not Person.objects.select_for_update().filter(pk=person.pk, merged_into__isnull=True).exists():
            raise StateChanged("This person's record was merged into another meanwhile: link the kept one.")
        concern.person = person
        concern.save(update_fields=["person"])
        _documents_follow(concern, user)
        _start_triage(concern, user)


def _documents_follow(concern: Concern, user: User) -> None:
    """The concern's documents go with it to the person it is now about (documents.services)."""
    from msphub.documents.services import follow_concern

    follow_concern(concern, user)


def person_search_criteria(concern: Concern) -> dict[str, Any]:
    """The person search on a concern starts from what the raiser said about the adult."""
    criteria: dict[str, Any] = {"name": f"{concern.adult_given_name} {concern.adult_family_name}".strip()}
    if concern.adult_date_of_birth:
        criteria["date_of_birth"] = concern.adult_date_of_birth
    if concern.adult_postcode:
        criteria["postcode"] = concern.adult_postcode
    return criteria


def restricted_likely_matches(user: User, criteria: dict[str, Any]) -> list[uuid.UUID]:
    """Restricted records of the user's council, hidden from them, that may be the concern's adult:
    the same name with the same date of birth or at the same postcode, or with everything given (a
    raiser often knows only some of it, and the record may have moved house)."""
    name = criteria.get("name", "")
    tries = [criteria]
    for detail in ("date_of_birth", "postcode"):
        if criteria.get(detail) and len(criteria) > 2:
            tries.append({"name": name, detail: criteria[detail]})
    found: dict[uuid.UUID, None] = {}
    for each in tries:
        found.update(dict.fromkeys(restricted_matches(user, each)))
    return list(found)


def create_person_from_concern(concern: Concern, user: User, data: dict[str, Any]) -> Person:
    ensure_open(concern)
    with transaction.atomic():
        person = Person(council=concern.council, team=user.team, created_by=user, **data)
        person.full_clean()
        person.save()
        link_person(concern, person, user)
    return person


def contact_time_errors(concern: Concern, when: Any, field: str = "contact_at") -> dict[str, str]:
    """A contact (or an attempt) happened no earlier than the concern was received, and not in the
    future. The form gives the time to the minute, so the minute the concern arrived counts: a call
    made at once is not refused for the seconds the concern's own time carries."""
    if when is None:
        return {}
    if when < concern.received_at.replace(second=0, microsecond=0):
        received = timezone.localtime(concern.received_at)
        return {
            field: "The conversation must not be before the concern was received "
            f"({received:%-d %B %Y} at {received:%H:%M})"
        }
    if when > timezone.now():
        return {field: "The conversation must be in the past"}
    return {}


def record_first_contact(concern: Concern, user: User, data: dict[str, Any]) -> FirstContact:
    ensure_open(concern)
    errors = contact_time_errors(concern, data.get("contact_at"))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock_undecided(concern)
        contact = FirstContact.objects.create(concern=concern, recorded_by=user, **data)
        _start_triage(concern, user)
    return contact


def record_attempt(concern: Concern, user: User, data: dict[str, Any]) -> ContactAttempt:
    """An unsuccessful attempt to reach the adult: kept in the record, never counted as contact."""
    ensure_open(concern)
    errors = contact_time_errors(concern, data.get("attempted_at"), "attempted_at")
    if errors:
        raise ValidationError({"attempted_at": errors["attempted_at"].replace("conversation", "attempt")})
    with transaction.atomic():
        _lock_undecided(concern)
        attempt = ContactAttempt.objects.create(concern=concern, recorded_by=user, **data)
        _start_triage(concern, user)
    return attempt


def mark_contact_in_error(contact: FirstContact, user: User, reason: str) -> None:
    """A conversation recorded by mistake: struck through with the reason, kept, no longer counted."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter why this conversation was entered in error"})
    with transaction.atomic():
        locked = FirstContact.objects.select_for_update().get(pk=contact.pk)
        if locked.is_entered_in_error:
            raise StateChanged("This conversation has already been marked as entered in error.")
        contact.entered_in_error_at = timezone.now()
        contact.entered_in_error_by = user
        contact.entered_in_error_reason = reason.strip()
        contact.save(update_fields=["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"])


def add_note(concern: Concern, user: User, text: str) -> ConcernNote:
    ensure_open(concern)
    with transaction.atomic():
        _lock_undecided(concern)
        note = ConcernNote.objects.create(concern=concern, author=user, text=text)
        _start_triage(concern, user)
    return note


def record_safety_action(concern: Concern, user: User, text: str) -> None:
    """What was done to keep the adult safe (the police called, a protection plan agreed...): asked
    for when the concern reports immediate danger or ongoing abuse, and needed before the decision.
    Recorded again, it replaces the last one (the concern's history keeps each)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"safety_action": "Enter the safety action taken"})
    ensure_open(concern)
    with transaction.atomic():
        _lock_undecided(concern)
        concern.safety_action = text
        concern.safety_action_at = timezone.now()
        concern.safety_action_by = user
        concern.save(update_fields=["safety_action", "safety_action_at", "safety_action_by"])
        _start_triage(concern, user)


NOT_LINKED = "Link the concern to a person before recording a decision"
NO_SAFETY_ACTION = "Record the safety action taken before the decision"


def decision_blockers(concern: Concern) -> list[str]:
    """What the concern itself still lacks before a decision can be recorded (the decision form's
    own answers are ``validate_decision``'s): a person's record, and the safety action taken when it
    reports immediate danger or ongoing abuse. Deciding whether there is an enquiry before anyone has
    written down what was done to keep the adult safe would leave a risk reported and unanswered."""
    blockers = []
    if concern.person_id is None:
        blockers.append(NOT_LINKED)
    if concern.needs_safety_action:
        blockers.append(NO_SAFETY_ACTION)
    return blockers


def validate_decision(data: dict[str, Any], council_id: int | None = None) -> dict[str, str]:
    """The decision rules; returns {field: message} for everything wrong."""
    errors: dict[str, str] = {}
    outcome = data.get("outcome")
    lead = data.get("lead_practitioner")
    if (
        lead is not None
        and council_id is not None
        and not (lead.does_casework and lead.organisation_id == council_id and lead.is_active)
    ):
        errors["lead_practitioner"] = "Select a practitioner from this council to lead the enquiry"
    if outcome == Decision.Outcome.SECTION_42:
        if not (
            data.get("criterion_care_needs")
            and data.get("criterion_abuse_risk")
            and data.get("criterion_cannot_protect")
        ):
            errors["criteria"] = (
                "A section 42 enquiry needs all three criteria to be met. If they are not, choose "
                "other safeguarding enquiry or no enquiry"
            )
    if outcome == Decision.Outcome.OTHER_ENQUIRY and not data.get("other_enquiry_reason", "").strip():
        errors["other_enquiry_reason"] = "Enter why an other safeguarding enquiry is proportionate"
    if outcome in (Decision.Outcome.SECTION_42, Decision.Outcome.OTHER_ENQUIRY) and not data.get(
        "lead_practitioner"
    ):
        errors["lead_practitioner"] = "Select who will lead the enquiry"
    if outcome == Decision.Outcome.NO_ENQUIRY:
        pathway = data.get("pathway")
        if not pathway:
            errors["pathway"] = "Select what will happen instead of an enquiry"
        elif pathway == "referred" and not data.get("referred_agency"):
            errors["referred_agency"] = "Select which agency the concern was referred to"
        elif pathway == "nfa" and not data.get("no_further_action_reason", "").strip():
            errors["no_further_action_reason"] = "Enter the reason for no further action"
    return errors


def record_decision(concern: Concern, user: User, data: dict[str, Any]) -> Decision:
    ensure_open(concern)
    blockers = decision_blockers(concern)
    if blockers:
        raise ValidationError(blockers)
    errors = validate_decision(data, concern.council_id)
    if errors:
        raise ValidationError(errors)
    outcome = data["outcome"]
    values = {
        "outcome": outcome,
        "criterion_care_needs": bool(data.get("criterion_care_needs")),
        "criterion_abuse_risk": bool(data.get("criterion_abuse_risk")),
        "criterion_cannot_protect": bool(data.get("criterion_cannot_protect")),
        "other_enquiry_reason": data.get("other_enquiry_reason", "") if outcome == "other" else "",
        "pathway": data.get("pathway", "") if outcome == "none" else "",
        "referred_agency": data.get("referred_agency", "") if outcome == "none" else "",
        "no_further_action_reason": data.get("no_further_action_reason", "") if outcome == "none" else "",
        "lead_practitioner": data.get("lead_practitioner") if outcome != "none" else None,
        "rationale": data.get("rationale", ""),
        "decided_by": user,
        "decided_at": timezone.now(),
        "signed_off_by": None,
        "signed_off_at": None,
        "returned_comment": "",
    }
    with transaction.atomic():
        _lock_undecided(concern)
        decision, _ = Decision.objects.update_or_create(concern=concern, defaults=values)
        concern.status = Concern.Status.AWAITING_SIGN_OFF
        if concern.team_id is None:
            concern.team, concern.assigned_to = user.team, user
        concern.save(update_fields=["status", "team", "assigned_to"])
        concern_moved_on(concern)
    return decision


def can_sign_off(decision: Decision, user: User) -> bool:
    """Only a team manager of the concern's team, not the person who made the decision, and only
    while the decision is waiting (not yet signed off, not returned)."""
    concern_team = decision.concern.team_id
    return (
        user.is_manager
        and user.team_id is not None
        and user.organisation_id == decision.concern.council_id
        # A concern triaged by someone without a team (the safeguarding lead) may be signed off by
        # any team manager of the council.
        and (concern_team is None or concern_team == user.team_id)
        and decision.decided_by_id != user.pk
        and not decision.is_signed_off
        # A returned decision waits for the practitioner to decide again.
        and not decision.returned_comment
    )


def sign_off(decision: Decision, user: User) -> Enquiry | None:
    """Sign the decision off; an enquiry decision opens the enquiry, otherwise the concern closes."""
    if not can_sign_off(decision, user):
        raise PermissionDenied("Only a team manager for this team, other than the decision maker")
    concern = decision.concern
    with transaction.atomic():
        _lock_awaiting_sign_off(concern)
        decision.signed_off_by = user
        decision.signed_off_at = timezone.now()
        decision.save(update_fields=["signed_off_by", "signed_off_at"])
        enquiry = None
        if decision.opens_enquiry:
            enquiry = open_enquiry(concern, decision, decision.signed_off_at)
            worktray.allocated(enquiry, enquiry.lead_practitioner, by=decision.decided_by)
            concern.status = Concern.Status.ENQUIRY
        else:
            concern.status = Concern.Status.CLOSED
        concern.save(update_fields=["status"])
        concern_moved_on(concern)
    return enquiry


def return_decision(decision: Decision, user: User, comment: str) -> None:
    """The manager sends the decision back to the practitioner with a reason."""
    if not can_sign_off(decision, user):
        raise PermissionDenied
    if not comment.strip():
        raise ValidationError({"returned_comment": "Enter why the decision is being returned"})
    with transaction.atomic():
        _lock_awaiting_sign_off(decision.concern)
        decision.returned_comment = comment
        decision.save(update_fields=["returned_comment"])
        decision.concern.status = Concern.Status.TRIAGE
        decision.concern.save(update_fields=["status"])
        concern_moved_on(decision.concern)
        worktray.decision_returned(decision)


# --- Corrections: set aside, transfer, abuse in another area ---------------------------------------

HAS_ENQUIRY = (
    "This concern led to an enquiry, so it cannot be changed here. Correct the enquiry's record instead."
)


def has_enquiry(concern: Concern) -> bool:
    return Enquiry.objects.filter(concern_id=concern.pk).exists()


def _lock_without_enquiry(concern: Concern) -> None:
    """Lock the concern's row and read it again as stored now (so the change and its history start
    from the stored record); refused if an enquiry has been opened (the enquiry is opened under the
    same lock, at sign-off, so of the two exactly one wins)."""
    Concern.objects.select_for_update().filter(pk=concern.pk).values_list("pk").first()
    concern.refresh_from_db()
    if concern.status == Concern.Status.ENQUIRY or has_enquiry(concern):
        raise ValidationError(HAS_ENQUIRY)


def set_aside(
    concern: Concern, user: User, kind: str, reason: str, duplicate_of: Concern | None = None
) -> None:
    """Mark the concern as entered in error or as a duplicate of another of the council's concerns.

    It closes (no triage, no sign-off can follow), stays in the record and its history, and is no
    longer counted (``ConcernQuerySet.counted``). Only a concern that led to no enquiry."""
    errors: dict[str, str] = {}
    if kind not in Concern.SetAside.values:
        errors["kind"] = "Select whether the concern was entered in error or is a duplicate"
    if not (reason or "").strip():
        errors["reason"] = "Enter why the concern is being set aside"
    if kind == Concern.SetAside.DUPLICATE:
        if duplicate_of is None:
            errors["duplicate_of"] = "Enter the reference of the concern this one duplicates"
        elif duplicate_of.pk == concern.pk:
            errors["duplicate_of"] = "Enter the reference of another concern, not this one"
        elif duplicate_of.council_id != concern.council_id:
            errors["duplicate_of"] = "Enter the reference of a concern received by this council"
        elif duplicate_of.set_aside:
            errors["duplicate_of"] = (
                f"{duplicate_of.reference} is itself set aside; enter the reference of the original concern"
            )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock_without_enquiry(concern)
        if concern.set_aside:
            raise StateChanged("This concern has already been set aside.")
        concern.set_aside = kind
        concern.set_aside_reason = reason.strip()
        concern.duplicate_of = duplicate_of if kind == Concern.SetAside.DUPLICATE else None
        concern.set_aside_by = user
        concern.set_aside_at = timezone.now()
        concern.status = Concern.Status.CLOSED
        concern.save(
            update_fields=[
                "set_aside",
                "set_aside_reason",
                "duplicate_of",
                "set_aside_by",
                "set_aside_at",
                "status",
            ]
        )
        concern_moved_on(concern)


def set_other_area(concern: Concern, user: User, area: str) -> None:
    """Flag (or, with an empty ``area``, unflag) the concern as abuse that occurred in the area of a
    council outside this installation: it is then left out of this council's return."""
    area = (area or "").strip()
    with transaction.atomic():
        _lock_without_enquiry(concern)
        concern.other_area = area
        concern.other_area_by = user if area else None
        concern.other_area_at = timezone.now() if area else None
        concern.save(update_fields=["other_area", "other_area_by", "other_area_at"])


TRANSFERABLE = (Concern.Status.RECEIVED, Concern.Status.TRIAGE)
NOT_TRANSFERABLE = (
    "Only a concern that has not been decided can be transferred (a decision awaiting sign-off must be "
    "returned first)."
)


def pending_transfer(concern: Concern) -> ConcernTransfer | None:
    return (
        ConcernTransfer.objects.filter(concern=concern, status=ConcernTransfer.Status.PROPOSED)
        .select_related("to_council", "proposed_by")
        .first()
    )


def transfer_councils(concern: Concern) -> Any:
    """The councils of this installation a concern can be transferred to: all but its own."""
    return Organisation.objects.filter(kind=Organisation.Kind.COUNCIL).exclude(pk=concern.council_id)


def propose_transfer(
    concern: Concern, user: User, to_council: Organisation | None, reason: str
) -> ConcernTransfer:
    """The sending council proposes passing the concern to the council where the abuse occurred."""
    errors: dict[str, str] = {}
    if to_council is None or not transfer_councils(concern).filter(pk=to_council.pk).exists():
        errors["to_council"] = "Select the council where the abuse occurred"
    if not (reason or "").strip():
        errors["reason"] = "Enter why the concern should be transferred"
    if errors:
        raise ValidationError(errors)
    assert to_council is not None
    with transaction.atomic():
        lock_status(concern, TRANSFERABLE, ValidationError(NOT_TRANSFERABLE))
        if concern.set_aside or has_enquiry(concern):
            raise ValidationError(NOT_TRANSFERABLE)
        if ConcernTransfer.objects.filter(concern=concern, status=ConcernTransfer.Status.PROPOSED).exists():
            raise StateChanged("A transfer of this concern is already waiting for an answer.")
        return ConcernTransfer.objects.create(
            concern=concern,
            from_council_id=concern.council_id,
            to_council=to_council,
            reason=reason.strip(),
            proposed_by=user,
        )


def _lock_proposed(transfer: ConcernTransfer) -> None:
    refusal = StateChanged("This transfer has already been accepted or declined.")
    lock_status(transfer, [ConcernTransfer.Status.PROPOSED], refusal)


def can_decide_transfer(transfer: ConcernTransfer, user: User) -> bool:
    return ConcernTransfer.objects.for_user(user, "sign_off").filter(pk=transfer.pk).exists()


def accept_transfer(transfer: ConcernTransfer, user: User) -> None:
    """The receiving council takes the concern: it moves there (and is counted there), back to the
    front door's queue, unlinked from the sending council's person record and team; the sending
    council no longer sees it. Its history keeps the move."""
    if not can_decide_transfer(transfer, user):
        raise PermissionDenied
    concern = transfer.concern
    with transaction.atomic():
        _lock_proposed(transfer)
        lock_status(
            concern,
            TRANSFERABLE,
            StateChanged("The sending council has decided this concern since the transfer was proposed."),
        )
        concern.refresh_from_db()
        if concern.set_aside or has_enquiry(concern):
            raise StateChanged(
                "The sending council has set this concern aside since the transfer was proposed."
            )
        transfer.status = ConcernTransfer.Status.ACCEPTED
        transfer.decided_by = user
        transfer.decided_at = timezone.now()
        transfer.save(update_fields=["status", "decided_by", "decided_at"])
        concern.council_id = transfer.to_council_id
        concern.person = None
        concern.team = None
        concern.assigned_to = None
        concern.status = Concern.Status.RECEIVED
        concern.save(update_fields=["council", "person", "team", "assigned_to", "status"])
        _documents_follow(concern, user)
        concern_moved_on(concern)


def decline_transfer(transfer: ConcernTransfer, user: User, reason: str) -> None:
    """The receiving council says no, with a reason: the concern stays where it is."""
    if not can_decide_transfer(transfer, user):
        raise PermissionDenied
    if not (reason or "").strip():
        raise ValidationError({"declined_reason": "Enter why the transfer is being declined"})
    with transaction.atomic():
        _lock_proposed(transfer)
        transfer.status = ConcernTransfer.Status.DECLINED
        transfer.decided_by = user
        transfer.decided_at = timezone.now()
        transfer.declined_reason = reason.strip()
        transfer.save(update_fields=["status", "decided_by", "decided_at", "declined_reason"])


def find_original(concern: Concern, user: User, reference: str) -> Concern | None:
    """The concern a duplicate duplicates, by its reference, among those ``user`` may see."""
    reference = (reference or "").strip().upper()
    if not reference:
        return None
    return Concern.objects.for_user(user, "view").filter(Q(reference=reference)).first()


# --- The referrer's loop (docs/referrers.md) ----------------------------------------------------------


def referrer_to_tell(concern: Concern) -> User | None:
    """The referrer a change of the concern's status is told to: the partner referrer who raised it,
    while they are still with the agency that raised it (so still see its status). Other referrers of
    that agency see the change in their agency's list but are not told: they did not raise it, and an
    agency may have hundreds. A concern raised by council staff, by the public or through a partner's
    system tells nobody here (the public check the status page)."""
    user = concern.raised_by_user if concern.raised_by_user_id else None
    if user is None or not user.is_active or not user.is_partner_referrer:
        return None
    if concern.raiser_organisation_id is None or user.organisation_id != concern.raiser_organisation_id:
        return None
    return user


def _partner_stage(concern: Concern) -> str:
    """The stage the referrer sees (``Concern.PARTNER_STATUS``) as a key: triage and a decision
    awaiting sign-off are one stage to them ("Being looked at"), so a decision returned and made again
    tells them nothing new."""
    return concern.partner_status.lower().replace(" ", "_")


def concern_moved_on(concern: Concern) -> None:
    """Tell the referrer (``referrer_to_tell``) that the concern has moved to a stage they see:
    "Being looked at", "Enquiry started", "Closed" (and "Received" again at another council after a
    transfer). Called, inside the change's transaction, by every service that changes a concern's
    status (here, and the enquiry's closure sign-off, which closes its concern); calling it when the
    stage the referrer sees has not changed does nothing (one notification per stage and council).
    References only: the notification holds the concern's reference, never what changed or why."""
    referrer = referrer_to_tell(concern)
    if referrer is None:
        return
    key = f"concern_progress:{concern.uuid}:{concern.council_id}:{_partner_stage(concern)}"
    worktray.notify([referrer], worktray.Kind.CONCERN_PROGRESS, concern, key)


NO_INFORMATION = "Enter the information you want to add"


def add_information(
    concern: Concern,
    user: User | None,
    text: str,
    source: str = ConcernUpdate.Source.REFERRER,
) -> ConcernUpdate:
    """The referrer adds information to a concern they can follow (their agency raised it): kept as
    written, never changed, in the person's chronology and on the concern's page, and the council
    worker dealing with it is told (``information_added_to``).

    Allowed whatever the concern's stage, closed too: what a referrer learns after the council has
    decided (a second incident, the adult saying more) is what the council most needs to hear, and
    the worker decides whether it needs a new concern."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": NO_INFORMATION})
    max_length = ConcernUpdate._meta.get_field("text").max_length or 5000
    if len(text) > max_length:
        raise ValidationError({"text": f"Information to add must be {max_length:,} characters or fewer"})
    if source not in ConcernUpdate.Source.values:
        raise ValidationError({"source": "Unknown source of the information"})
    with transaction.atomic():
        update = ConcernUpdate.objects.create(concern=concern, added_by=user, source=source, text=text)
        worktray.notify(
            information_added_to(concern),
            worktray.Kind.INFORMATION_ADDED,
            concern,
            f"information_added:{update.uuid}",
        )
    return update


def information_added_to(concern: Concern) -> list[User]:
    """Who is told the referrer added information: the worker the concern is assigned to and, once
    an enquiry has started, its lead practitioner; a concern nobody has picked up tells its team's
    managers, and one with no team yet nobody (it waits in the front-door queue, where whoever picks it
    up reads it on the concern's page)."""
    enquiry = Enquiry.objects.filter(concern_id=concern.pk).select_related("lead_practitioner").first()
    told = [u for u in (concern.assigned_to, enquiry.lead_practitioner if enquiry else None) if u]
    if told or concern.team_id is None:
        return told
    return list(User.objects.filter(team_id=concern.team_id, role=Role.TEAM_MANAGER, is_active=True))


def may_tell_referrer(concern: Concern, user: User) -> bool:
    """Who writes what the referrer is told about the outcome: council casework staff who may work
    the concern (``for_user(user, "triage")``: its assignee, its team, the lead) or its enquiry
    (``Enquiry.objects.for_user(user, "edit")``: the lead practitioner and their team). It is written
    at any stage, usually once the decision is made or the enquiry ends."""
    if Concern.objects.for_user(user, "triage").filter(pk=concern.pk).exists():
        return True
    return Enquiry.objects.for_user(user, "edit").filter(concern_id=concern.pk).exists()


def set_outcome_for_referrer(concern: Concern, user: User, text: str) -> None:
    """Write (or change, or clear) what the referrer is told about the outcome. The first time words
    are written the referrer is told there is news (a reference only); later changes (a typo put
    right) tell nobody again. The concern's history keeps each version and who wrote it."""
    if not may_tell_referrer(concern, user):
        raise PermissionDenied
    text = (text or "").strip()
    max_length = Concern._meta.get_field("outcome_for_referrer").max_length or 2000
    if len(text) > max_length:
        raise ValidationError(
            {"outcome_for_referrer": f"What the referrer is told must be {max_length:,} characters or fewer"}
        )
    with transaction.atomic():
        # The row lock orders two people writing at once; the later one's words are kept.
        Concern.objects.select_for_update().filter(pk=concern.pk).values_list("pk").first()
        concern.outcome_for_referrer = text
        concern.save(update_fields=["outcome_for_referrer"])
        referrer = referrer_to_tell(concern)
        if text and referrer is not None:
            worktray.notify(
                [referrer], worktray.Kind.CONCERN_PROGRESS, concern, f"concern_outcome:{concern.uuid}"
            )


# --- The public status page: a reference, the contact given and a one-time code ------------------

STATUS_CODE_PURPOSE = "concern_status"
STATUS_CODE_LABEL = "to see the status of a concern you raised"


def normalise_reference(reference: str) -> str:
    """A reference as typed (spaces, lower case) as stored: ``CON-2026-000123``."""
    return "".join((reference or "").split()).upper()[:40]


def send_status_code(reference: str, contact: str, subject: str) -> None:
    """Send a one-time code to the email address or phone number the concern holds for the person
    who raised it, if ``contact`` is it; otherwise do nothing. The caller says the same either way
    (``core.onetime``), so the page tells nobody which references exist or what they hold. The code
    is issued for ``subject``, this browser session's (``onetime.begin``), so no other session can use
    it or use up its tries."""
    concern = Concern.objects.filter(reference=normalise_reference(reference)).only(
        "reference", "raiser_email", "raiser_phone"
    )
    found = concern.first()
    if found is None or not onetime.same_contact(contact, found.raiser_email, found.raiser_phone):
        return
    # The code goes where the concern says, not where the form says: the two matched, and only the
    # held one is known to be the raiser's.
    destination = found.raiser_email if "@" in contact else found.raiser_phone
    onetime.issue(STATUS_CODE_PURPOSE, subject, destination, label=STATUS_CODE_LABEL)


def check_status_code(subject: str, code: str) -> bool:
    """Whether ``code`` is the code this session's ``subject`` (``onetime.pending``) was sent."""
    return onetime.check(STATUS_CODE_PURPOSE, subject, code)


def public_status(reference: str) -> Concern | None:
    """The concern a verified code opens (its status only is shown)."""
    return (
        Concern.objects.filter(reference=normalise_reference(reference))
        .only("uuid", "reference", "status", "council_id", "received_at")
        .first()
    )


def log_public_status_view(concern: Concern, page: str, ip_address: str | None) -> None:
    """The public status page shows a record's status: in the access log like any view, with no
    user (nobody is signed in), the page and the address it was asked from."""
    AccessLog.objects.append(
        user=None,
        record_type=Concern._meta.label_lower,
        record_id=concern.uuid,
        record_reference=concern.reference,
        page=page[:200],
        ip_address=ip_address,
    )
