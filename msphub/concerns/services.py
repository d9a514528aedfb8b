"""The rules of the concern's journey: raising it, triage, the decision and its sign-off.

Views call these; each write is one transaction so nothing is half-saved.
"""

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from msphub.accounts.models import Organisation, User
from msphub.core import categories
from msphub.core.models import ReferenceSequence
from msphub.core.states import StateChanged, lock_status
from msphub.enquiries.models import Enquiry
from msphub.enquiries.services import open_enquiry
from msphub.people.models import Person

from .models import Concern, ConcernNote, ConcernRiskType, Decision, FirstContact

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
        concern.person = person
        concern.save(update_fields=["person"])
        _start_triage(concern, user)


def create_person_from_concern(concern: Concern, user: User, data: dict[str, Any]) -> Person:
    ensure_open(concern)
    with transaction.atomic():
        person = Person(council=concern.council, team=user.team, created_by=user, **data)
        person.full_clean()
        person.save()
        link_person(concern, person, user)
    return person


def record_first_contact(concern: Concern, user: User, data: dict[str, Any]) -> FirstContact:
    ensure_open(concern)
    with transaction.atomic():
        _lock_undecided(concern)
        contact = FirstContact.objects.create(concern=concern, recorded_by=user, **data)
        _start_triage(concern, user)
    return contact


def add_note(concern: Concern, user: User, text: str) -> ConcernNote:
    ensure_open(concern)
    with transaction.atomic():
        _lock_undecided(concern)
        note = ConcernNote.objects.create(concern=concern, author=user, text=text)
        _start_triage(concern, user)
    return note


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
    if concern.person_id is None:
        raise ValidationError("Link the concern to a person before recording a decision.")
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
            concern.status = Concern.Status.ENQUIRY
        else:
            concern.status = Concern.Status.CLOSED
        concern.save(update_fields=["status"])
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
