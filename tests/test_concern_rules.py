"""The decision rules of a concern's journey, through msphub.concerns.services (real database)."""

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from msphub.accounts.models import Role, User
from msphub.concerns import services
from msphub.concerns.models import Concern, ConcernRiskType, Decision
from msphub.core.models import ReferenceSequence
from msphub.enquiries.models import Enquiry
from tests.conftest import PASSWORD, concern_answers

LONDON = ZoneInfo("Europe/London")
CRITERIA = ("criterion_care_needs", "criterion_abuse_risk", "criterion_cannot_protect")


def s42_data(lead_practitioner, **overrides) -> dict:
    data = {
        "outcome": "s42",
        "criterion_care_needs": True,
        "criterion_abuse_risk": True,
        "criterion_cannot_protect": True,
        "lead_practitioner": lead_practitioner,
        "rationale": "All three section 42 criteria are met.",
    }
    data.update(overrides)
    return data


def other_data(lead_practitioner, **overrides) -> dict:
    data = {
        "outcome": "other",
        "criterion_care_needs": False,
        "criterion_abuse_risk": True,
        "criterion_cannot_protect": False,
        "other_enquiry_reason": "No care needs, but the risk is serious and an enquiry helps.",
        "lead_practitioner": lead_practitioner,
        "rationale": "Proportionate response.",
    }
    data.update(overrides)
    return data


def no_enquiry_data(**overrides) -> dict:
    data = {
        "outcome": "none",
        "pathway": "information_advice",
        "rationale": "Advice given to the adult and their daughter.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def second_manager(council, front_door) -> User:
    """Another team manager of the Front Door, so a manager's own decision can be signed off."""
    return User.objects.create_user(
        username="max_manager",
        password=PASSWORD,
        organisation=council,
        team=front_door,
        role=Role.TEAM_MANAGER,
    )


@pytest.fixture
def person(make_person):
    return make_person()


@pytest.fixture
def triaged(make_concern, person, practitioner) -> Concern:
    """A concern linked to a person by a Front Door practitioner (so in their team, in triage)."""
    concern = make_concern()
    services.link_person(concern, person, practitioner)
    concern.refresh_from_db()
    assert concern.status == Concern.Status.TRIAGE
    assert concern.team == practitioner.team
    return concern


def decide(concern, user, data) -> Decision:
    decision = services.record_decision(concern, user, data)
    concern.refresh_from_db()
    return decision


# --- Recording the decision ----------------------------------------------------------------------


def test_s42_with_all_three_criteria_awaits_sign_off(triaged, practitioner):
    decision = decide(triaged, practitioner, s42_data(practitioner))
    assert decision.outcome == Decision.Outcome.SECTION_42
    assert all(getattr(decision, c) for c in CRITERIA)
    assert decision.decided_by == practitioner
    assert not decision.is_signed_off
    assert triaged.status == Concern.Status.AWAITING_SIGN_OFF


@pytest.mark.parametrize("missing", CRITERIA)
def test_s42_missing_a_criterion_is_refused(triaged, practitioner, missing):
    with pytest.raises(ValidationError) as exc:
        services.record_decision(triaged, practitioner, s42_data(practitioner, **{missing: False}))
    assert "criteria" in exc.value.message_dict
    assert "all three criteria" in exc.value.message_dict["criteria"][0]
    assert not Decision.objects.filter(concern=triaged).exists()
    triaged.refresh_from_db()
    assert triaged.status == Concern.Status.TRIAGE


def test_s42_with_no_criteria_is_refused(triaged, practitioner):
    data = s42_data(practitioner, **dict.fromkeys(CRITERIA, False))
    with pytest.raises(ValidationError) as exc:
        services.record_decision(triaged, practitioner, data)
    assert set(exc.value.message_dict) == {"criteria"}


def _raw_decision(concern, user, **fields) -> Decision:
    values = {"outcome": "s42", "rationale": "x", "decided_by": user, "lead_practitioner": user}
    values.update(fields)
    return Decision.objects.create(concern=concern, **values)


@pytest.mark.parametrize("missing", CRITERIA)
def test_database_refuses_s42_without_all_criteria(triaged, practitioner, missing):
    criteria = {c: c != missing for c in CRITERIA}
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_decision(triaged, practitioner, **criteria)
    assert not Decision.objects.filter(concern=triaged).exists()


def test_database_accepts_s42_with_all_criteria(triaged, practitioner):
    with transaction.atomic():
        _raw_decision(triaged, practitioner, **dict.fromkeys(CRITERIA, True))
    assert Decision.objects.filter(concern=triaged, outcome="s42").exists()


def test_database_refuses_no_enquiry_without_pathway(triaged, practitioner):
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_decision(triaged, practitioner, outcome="none", pathway="", lead_practitioner=None)


@pytest.mark.parametrize("reason", ["", "   "])
def test_other_enquiry_needs_a_reason(triaged, practitioner, reason):
    with pytest.raises(ValidationError) as exc:
        services.record_decision(triaged, practitioner, other_data(practitioner, other_enquiry_reason=reason))
    assert set(exc.value.message_dict) == {"other_enquiry_reason"}


def test_other_enquiry_with_a_reason_is_recorded_without_all_criteria(triaged, practitioner):
    decision = decide(triaged, practitioner, other_data(practitioner))
    assert decision.outcome == Decision.Outcome.OTHER_ENQUIRY
    assert decision.other_enquiry_reason.startswith("No care needs")


def test_no_enquiry_needs_a_pathway(triaged, practitioner):
    with pytest.raises(ValidationError) as exc:
        services.record_decision(triaged, practitioner, no_enquiry_data(pathway=""))
    assert set(exc.value.message_dict) == {"pathway"}


def test_referred_needs_an_agency(triaged, practitioner):
    with pytest.raises(ValidationError) as exc:
        services.record_decision(triaged, practitioner, no_enquiry_data(pathway="referred"))
    assert set(exc.value.message_dict) == {"referred_agency"}
    decision = decide(triaged, practitioner, no_enquiry_data(pathway="referred", referred_agency="police"))
    assert (decision.pathway, decision.referred_agency) == ("referred", "police")


@pytest.mark.parametrize("reason", ["", "  "])
def test_no_further_action_needs_a_reason(triaged, practitioner, reason):
    with pytest.raises(ValidationError) as exc:
        services.record_decision(
            triaged, practitioner, no_enquiry_data(pathway="nfa", no_further_action_reason=reason)
        )
    assert set(exc.value.message_dict) == {"no_further_action_reason"}


def test_no_further_action_with_a_reason_is_recorded(triaged, practitioner):
    decision = decide(
        triaged,
        practitioner,
        no_enquiry_data(pathway="nfa", no_further_action_reason="Already resolved by the GP"),
    )
    assert decision.pathway == "nfa"
    assert decision.lead_practitioner is None


@pytest.mark.parametrize("make_data", [s42_data, other_data])
def test_enquiry_decision_needs_a_lead_practitioner(triaged, practitioner, make_data):
    with pytest.raises(ValidationError) as exc:
        services.record_decision(triaged, practitioner, make_data(None))
    assert set(exc.value.message_dict) == {"lead_practitioner"}


def test_lead_practitioner_must_work_for_the_concerns_council(triaged, practitioner, other_council_user):
    """Another council's users have no access to this council's records (access.md)."""
    with pytest.raises(ValidationError):
        services.record_decision(triaged, practitioner, s42_data(other_council_user))
    assert not Decision.objects.filter(concern=triaged).exists()


def test_decision_needs_a_linked_person(make_concern, practitioner):
    concern = make_concern()
    services.pick_up(concern, practitioner)
    assert concern.person is None
    with pytest.raises(ValidationError, match="Link the concern to a person"):
        services.record_decision(concern, practitioner, s42_data(practitioner))
    assert not Decision.objects.filter(concern=concern).exists()


# --- Sign-off ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["practitioner", "locality_manager", "lead", "locality_practitioner", "board_viewer"]
)
def test_only_a_manager_of_the_concerns_team_may_sign_off(triaged, practitioner, request, who):
    decision = decide(triaged, practitioner, s42_data(practitioner))
    user = request.getfixturevalue(who)
    assert not services.can_sign_off(decision, user)
    with pytest.raises(PermissionDenied):
        services.sign_off(decision, user)
    decision.refresh_from_db()
    triaged.refresh_from_db()
    assert not decision.is_signed_off
    assert triaged.status == Concern.Status.AWAITING_SIGN_OFF
    assert not Enquiry.objects.exists()


def test_the_manager_who_decided_may_not_sign_off(triaged, manager, second_manager):
    decision = decide(triaged, manager, s42_data(manager))
    assert not services.can_sign_off(decision, manager)
    with pytest.raises(PermissionDenied):
        services.sign_off(decision, manager)
    assert not Enquiry.objects.exists()
    # Another manager of the same team may.
    assert services.can_sign_off(decision, second_manager)
    assert services.sign_off(decision, second_manager) is not None


@time_machine.travel(datetime(2026, 5, 4, 14, 0, tzinfo=LONDON), tick=False)
def test_signing_off_s42_opens_the_enquiry(triaged, practitioner, manager, person):
    decision = decide(triaged, practitioner, s42_data(practitioner))
    assert services.can_sign_off(decision, manager)
    enquiry = services.sign_off(decision, manager)

    assert enquiry is not None
    assert re.fullmatch(r"ENQ-\d{4}-\d{6}", enquiry.reference)
    assert enquiry.reference == "ENQ-2026-000001"
    assert enquiry.kind == Enquiry.Kind.SECTION_42
    assert enquiry.lead_practitioner == practitioner
    assert enquiry.team == practitioner.team
    assert enquiry.person == person
    assert enquiry.council == triaged.council
    assert enquiry.concern == triaged
    assert enquiry.status == Enquiry.Status.OPEN
    assert enquiry.started_at == timezone.now()

    decision.refresh_from_db()
    triaged.refresh_from_db()
    assert decision.signed_off_by == manager
    assert decision.signed_off_at == timezone.now()
    assert triaged.status == Concern.Status.ENQUIRY


def test_enquiry_belongs_to_the_lead_practitioners_team(
    triaged, practitioner, manager, locality_practitioner, locality
):
    decision = decide(triaged, practitioner, other_data(locality_practitioner))
    enquiry = services.sign_off(decision, manager)
    assert enquiry.kind == Enquiry.Kind.OTHER
    assert enquiry.lead_practitioner == locality_practitioner
    assert enquiry.team == locality


def test_a_signed_off_decision_cannot_be_signed_off_again(triaged, practitioner, manager):
    decision = decide(triaged, practitioner, s42_data(practitioner))
    services.sign_off(decision, manager)
    with pytest.raises(PermissionDenied):
        services.sign_off(decision, manager)
    assert Enquiry.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        no_enquiry_data(),
        no_enquiry_data(pathway="referred", referred_agency="cqc"),
        no_enquiry_data(pathway="nfa", no_further_action_reason="Duplicate of an open concern"),
    ],
)
def test_signing_off_no_enquiry_closes_the_concern(triaged, practitioner, manager, data):
    decision = decide(triaged, practitioner, data)
    assert services.sign_off(decision, manager) is None
    triaged.refresh_from_db()
    assert triaged.status == Concern.Status.CLOSED
    assert not Enquiry.objects.exists()
    assert not ReferenceSequence.objects.filter(prefix="ENQ").exists()


# --- Returning a decision ------------------------------------------------------------------------


@pytest.mark.parametrize("comment", ["", "   \n"])
def test_returning_a_decision_needs_a_comment(triaged, practitioner, manager, comment):
    decision = decide(triaged, practitioner, s42_data(practitioner))
    with pytest.raises(ValidationError) as exc:
        services.return_decision(decision, manager, comment)
    assert set(exc.value.message_dict) == {"returned_comment"}
    triaged.refresh_from_db()
    assert triaged.status == Concern.Status.AWAITING_SIGN_OFF


def test_returning_a_decision_sends_the_concern_back_to_triage(triaged, practitioner, manager):
    decision = decide(triaged, practitioner, s42_data(practitioner))
    services.return_decision(decision, manager, "Speak to the adult first.")
    decision.refresh_from_db()
    triaged.refresh_from_db()
    assert triaged.status == Concern.Status.TRIAGE
    assert decision.returned_comment == "Speak to the adult first."
    assert not decision.is_signed_off


def test_only_a_manager_who_could_sign_off_may_return(triaged, practitioner, locality_manager):
    decision = decide(triaged, practitioner, s42_data(practitioner))
    for user in (practitioner, locality_manager):
        with pytest.raises(PermissionDenied):
            services.return_decision(decision, user, "No")
    triaged.refresh_from_db()
    assert triaged.status == Concern.Status.AWAITING_SIGN_OFF


def test_a_returned_decision_cannot_be_signed_off_until_decided_again(triaged, practitioner, manager):
    decision = decide(triaged, practitioner, s42_data(practitioner))
    services.return_decision(decision, manager, "Criteria not evidenced.")
    decision.refresh_from_db()
    assert not services.can_sign_off(decision, manager)
    with pytest.raises(PermissionDenied):
        services.sign_off(decision, manager)
    triaged.refresh_from_db()
    assert triaged.status == Concern.Status.TRIAGE
    assert not Enquiry.objects.exists()


def test_a_decision_made_again_after_return_can_be_signed_off(triaged, practitioner, manager):
    decision = decide(triaged, practitioner, s42_data(practitioner))
    services.return_decision(decision, manager, "Consider an other enquiry.")
    triaged.refresh_from_db()
    decision = decide(triaged, practitioner, other_data(practitioner))
    assert decision.returned_comment == ""
    assert triaged.status == Concern.Status.AWAITING_SIGN_OFF
    enquiry = services.sign_off(decision, manager)
    assert enquiry.kind == Enquiry.Kind.OTHER
    assert Decision.objects.filter(concern=triaged).count() == 1


# --- A decided concern is final ------------------------------------------------------------------


@pytest.fixture(params=["enquiry", "closed"])
def decided(request, triaged, practitioner, manager) -> Concern:
    data = s42_data(practitioner) if request.param == "enquiry" else no_enquiry_data()
    services.sign_off(decide(triaged, practitioner, data), manager)
    triaged.refresh_from_db()
    assert triaged.status == request.param
    return triaged


def test_decided_concern_refuses_triage_changes(decided, practitioner, make_person):
    other_person = make_person(given_name="Ada", family_name="Other")
    contact = {
        "contact_at": timezone.now(),
        "method": "phone",
        "spoke_with": "adult",
        "wants": "To be left alone",
    }
    attempts = [
        lambda: services.link_person(decided, other_person, practitioner),
        lambda: services.record_first_contact(decided, practitioner, contact),
        lambda: services.add_note(decided, practitioner, "Late note"),
        lambda: services.record_decision(decided, practitioner, no_enquiry_data()),
        lambda: services.create_person_from_concern(
            decided, practitioner, {"given_name": "New", "family_name": "Person"}
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="has been decided"):
            attempt()
    decided.refresh_from_db()
    assert decided.person != other_person
    assert not decided.first_contacts.exists()
    assert not decided.notes.exists()
    assert decided.decision.is_signed_off


def test_person_from_another_council_cannot_be_linked(make_concern, make_person, practitioner, other_council):
    concern = make_concern()
    stranger = make_person(target_council=other_council)
    with pytest.raises(PermissionDenied):
        services.link_person(concern, stranger, practitioner)
    concern.refresh_from_db()
    assert concern.person is None


# --- Raising a concern ---------------------------------------------------------------------------


def test_same_submission_token_twice_makes_one_concern(council):
    token = uuid.uuid4()
    first, created_first = services.raise_concern(concern_answers(), council, token)
    again, created_again = services.raise_concern(
        concern_answers(adult_given_name="Different"), council, token
    )
    assert created_first is True
    assert created_again is False
    assert again.pk == first.pk
    assert again.adult_given_name == "Edna"
    assert Concern.objects.count() == 1
    assert ConcernRiskType.objects.filter(concern=first).count() == 2


def test_different_tokens_make_different_concerns(council):
    one, _ = services.raise_concern(concern_answers(), council, uuid.uuid4())
    two, _ = services.raise_concern(concern_answers(), council, uuid.uuid4())
    assert one.pk != two.pk
    assert one.reference != two.reference


def test_risk_types_are_saved(council):
    concern, created = services.raise_concern(
        concern_answers(risk_types=["Self-Neglect", "Financial or Material Abuse", "Modern Slavery"]),
        council,
        uuid.uuid4(),
    )
    assert created
    concern = Concern.objects.get(pk=concern.pk)
    assert concern.risk_type_labels == [
        "Financial or Material Abuse",
        "Modern Slavery",
        "Self-Neglect",
    ]


def test_partner_raised_concern_records_the_agency(council, partner_referrer, police):
    concern, _ = services.raise_concern(concern_answers(), council, uuid.uuid4(), user=partner_referrer)
    assert concern.raised_by_user == partner_referrer
    assert concern.raiser_organisation == police
    assert concern.status == Concern.Status.RECEIVED


def test_invalid_answers_save_nothing_and_use_no_reference(council):
    with pytest.raises(ValidationError) as exc:
        services.raise_concern(concern_answers(location_of_risk="On the moon"), council, uuid.uuid4())
    assert "location_of_risk" in exc.value.message_dict
    assert not Concern.objects.exists()
    assert not ReferenceSequence.objects.filter(prefix="CON", last__gt=0).exists()


def test_unknown_risk_type_is_refused(council):
    """Risk types are counted letter for letter in the SAC return (data.md)."""
    with pytest.raises(ValidationError):
        services.raise_concern(
            concern_answers(risk_types=["Physical Abuse", "Bullying"]), council, uuid.uuid4()
        )
    assert not Concern.objects.exists()
    assert not ConcernRiskType.objects.exists()


def test_a_risk_type_given_twice_is_saved_once(council):
    concern, created = services.raise_concern(
        concern_answers(risk_types=["Physical Abuse", "Physical Abuse"]), council, uuid.uuid4()
    )
    assert created
    assert Concern.objects.get(pk=concern.pk).risk_type_labels == ["Physical Abuse"]
