"""The rules of the enquiry at the services level: opening it, desired outcomes, reviews and their
due dates, advocacy prompts, closure with the SAC items, SG4a and the person's feedback."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from msphub.concerns.models import Concern
from msphub.core import categories
from msphub.enquiries import forms, services
from msphub.enquiries.models import (
    AdvocacyReferral,
    CapacityAssessment,
    DesiredOutcome,
    Enquiry,
    Feedback,
    ReviewProgress,
)
from tests.enquiry_fixtures import (
    EXPRESSED,
    LACKED,
    NONE_EXPRESSED,
    RISK_ACTION,
    add_outcome,
    at,
    close,
    closure_data,
    feedback_data,
    outcome_data,
    request_complete_closure,
)

pytestmark = pytest.mark.django_db


def review_data(held_on: date, **overrides) -> dict:
    data = {"held_on": held_on, "participants": "Edna, her daughter, me", "persons_view": "I feel better"}
    data.update(overrides)
    return data


# --- Opening ---------------------------------------------------------------------------------------


@time_machine.travel(at(2026, 3, 2, 11, 30), tick=False)
def test_signing_off_a_s42_decision_opens_the_enquiry_due_a_review_after_28_days(
    make_enquiry, practitioner, front_door, council
):
    assert council.review_interval_days == 28, "the default interval is 28 days"
    enquiry = make_enquiry()
    enquiry.refresh_from_db()
    assert enquiry.kind == Enquiry.Kind.SECTION_42
    assert enquiry.status == Enquiry.Status.OPEN
    assert enquiry.started_at == timezone.now()
    assert enquiry.next_review_due == date(2026, 3, 30)
    assert enquiry.lead_practitioner == practitioner and enquiry.team == front_door
    assert enquiry.reference.startswith("ENQ-2026-")
    assert enquiry.concern.status == Concern.Status.ENQUIRY
    assert enquiry.person == enquiry.concern.person


@time_machine.travel(at(2026, 3, 2), tick=False)
def test_the_first_review_follows_the_councils_interval(make_enquiry, council):
    council.review_interval_days = 14
    council.save()
    enquiry = make_enquiry()
    assert enquiry.next_review_due == date(2026, 3, 16)


def test_the_start_date_is_the_local_date_of_sign_off(make_enquiry):
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (summer time).
    with time_machine.travel(at(2026, 7, 1, 0, 30), tick=False):
        enquiry = make_enquiry()
    assert enquiry.next_review_due == date(2026, 7, 29)


def test_an_other_enquiry_decision_opens_an_other_enquiry_led_by_its_lead(
    make_enquiry, locality_practitioner, locality
):
    enquiry = make_enquiry(kind="other", lead=locality_practitioner)
    assert enquiry.kind == Enquiry.Kind.OTHER
    assert enquiry.lead_practitioner == locality_practitioner
    assert enquiry.team == locality, "the enquiry belongs to its lead's team"


# --- Desired outcomes ------------------------------------------------------------------------------


def test_an_outcome_keeps_the_words_category_who_and_when(enquiry):
    outcome = services.add_outcome(
        enquiry,
        outcome_data(
            words="I want to keep seeing my grandson",
            category="Keep or repair key relationships",
            expressed_on=date(2026, 1, 5),
        ),
    )
    outcome.refresh_from_db()
    assert outcome.words == "I want to keep seeing my grandson"
    assert outcome.category == "Keep or repair key relationships"
    assert outcome.expressed_by == DesiredOutcome.ExpressedBy.ADULT
    assert outcome.expressed_on == date(2026, 1, 5)
    assert outcome.is_active and outcome.enquiry == enquiry


def test_an_outcome_from_a_representative_keeps_their_name(enquiry):
    outcome = add_outcome(enquiry, expressed_by="representative", representative_name="Jo Marsh, daughter")
    outcome.refresh_from_db()
    assert outcome.expressed_by == "representative" and outcome.representative_name == "Jo Marsh, daughter"


def test_an_outcome_needs_its_words_and_a_category_from_the_list(enquiry):
    with pytest.raises(ValidationError):
        add_outcome(enquiry, words="")
    with pytest.raises(ValidationError):
        add_outcome(enquiry, category="Make it all go away")
    assert not enquiry.outcomes.exists()


def outcome_form(**overrides) -> forms.OutcomeForm:
    data = {
        "words": "I want it to stop",
        "category": "Stop the abuse or neglect",
        "expressed_by": "adult",
        "expressed_on_day": "1",
        "expressed_on_month": "2",
        "expressed_on_year": "2026",
    }
    data.update(overrides)
    return forms.OutcomeForm(data)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"expressed_by": "representative"},
            "representative_name",
            "Enter the name of the representative who said it",
        ),
        (
            {"negotiated_outcome": "Police informed; the CPS decides"},
            "negotiated_reason",
            "Select why the outcome had to be negotiated",
        ),
        ({"negotiated_reason": "law"}, "negotiated_outcome", "Enter the negotiated outcome"),
    ],
    ids=["representative-without-name", "negotiated-without-reason", "reason-without-negotiated"],
)
def test_the_outcome_form_pairs_representative_and_negotiated_answers(overrides, field, message):
    form = outcome_form(**overrides)
    assert not form.is_valid()
    assert form.errors[field] == [message]


def test_the_outcome_form_accepts_a_negotiated_outcome_with_its_reason_and_a_named_representative():
    form = outcome_form(
        expressed_by="representative",
        representative_name="Jo Marsh, daughter",
        negotiated_outcome="Police informed; the CPS decides",
        negotiated_reason="law",
    )
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    "overrides",
    [
        {"negotiated_outcome": "Police informed; the CPS decides"},
        {"negotiated_reason": "law"},
        {"expressed_by": "representative", "representative_name": ""},
    ],
    ids=["negotiated-without-reason", "reason-without-negotiated", "representative-without-name"],
)
def test_add_outcome_enforces_the_pairing_rules_like_change_outcome(enquiry, overrides):
    # change_outcome refuses a negotiated outcome without a reason; add_outcome should hold the same
    # rules (the form is not the only way in: imports, the shell, other views).
    with pytest.raises(ValidationError):
        add_outcome(enquiry, **overrides)
        pytest.fail(f"services.add_outcome must refuse an outcome breaking the pairing rules: {overrides}")
    assert not enquiry.outcomes.exists()


def test_change_outcome_refuses_a_negotiated_outcome_without_a_reason(enquiry):
    outcome = add_outcome(enquiry)
    with pytest.raises(ValidationError) as exc:
        services.change_outcome(outcome, {"negotiated_outcome": "Police informed"})
    assert exc.value.message_dict["negotiated_reason"] == ["Select why the outcome had to be negotiated"]
    outcome.refresh_from_db()
    assert outcome.negotiated_outcome == ""


def test_rewording_and_recategorising_keeps_the_previous_words_in_the_history(enquiry):
    outcome = add_outcome(enquiry, "I want him gone", category="Be and feel safer")
    services.change_outcome(
        outcome,
        {"words": "I want him to move out but still visit", "category": "Keep or repair key relationships"},
    )
    outcome.refresh_from_db()
    assert outcome.words == "I want him to move out but still visit"
    assert outcome.category == "Keep or repair key relationships"
    history = list(outcome.history.order_by("history_date", "history_id"))
    assert [h.words for h in history] == ["I want him gone", "I want him to move out but still visit"]
    assert [h.category for h in history] == ["Be and feel safer", "Keep or repair key relationships"]


def test_withdrawing_needs_a_reason(enquiry):
    outcome = add_outcome(enquiry)
    with pytest.raises(ValidationError) as exc:
        services.withdraw_outcome(outcome, "   ")
    assert exc.value.message_dict["withdrawn_reason"] == ["Enter why the outcome is withdrawn"]
    outcome.refresh_from_db()
    assert outcome.is_active and outcome.withdrawn_reason == ""


def test_a_withdrawn_outcome_leaves_the_active_list_but_stays_in_the_history(enquiry):
    kept = add_outcome(enquiry, "I want to stay at home")
    gone = add_outcome(enquiry, "I want my son arrested")
    services.withdraw_outcome(gone, "Edna changed her mind after talking to her son", on=date(2026, 2, 1))
    gone.refresh_from_db()
    assert not gone.is_active
    assert gone.withdrawn_on == date(2026, 2, 1)
    assert list(enquiry.outcomes.filter(withdrawn_on__isnull=True)) == [kept]
    assert DesiredOutcome.objects.filter(pk=gone.pk).exists(), "withdrawn outcomes are never deleted"
    assert gone.history.filter(words="I want my son arrested", withdrawn_on__isnull=True).exists()
    assert gone.history.filter(withdrawn_on=date(2026, 2, 1)).exists()
    assert services.closure_prefill(enquiry)["msp_asked"] == EXPRESSED


def test_no_outcomes_reason_is_refused_while_active_outcomes_exist(enquiry):
    outcome = add_outcome(enquiry)
    with pytest.raises(ValidationError):
        services.set_no_outcomes_reason(enquiry, Enquiry.NoOutcomesReason.CHOSE_NOT_TO_SAY)
    enquiry.refresh_from_db()
    assert enquiry.no_outcomes_reason == ""
    services.withdraw_outcome(outcome, "Achieved before the enquiry started")
    services.set_no_outcomes_reason(enquiry, Enquiry.NoOutcomesReason.CHOSE_NOT_TO_SAY)
    enquiry.refresh_from_db()
    assert enquiry.no_outcomes_reason == Enquiry.NoOutcomesReason.CHOSE_NOT_TO_SAY


def test_adding_an_outcome_clears_the_no_outcomes_reason(enquiry):
    services.set_no_outcomes_reason(enquiry, Enquiry.NoOutcomesReason.NOT_ASKED_YET)
    add_outcome(enquiry)
    enquiry.refresh_from_db()
    assert enquiry.no_outcomes_reason == ""


def test_a_closed_enquirys_record_cannot_change(enquiry, practitioner, manager):
    outcome = add_outcome(enquiry)
    close(enquiry, practitioner, manager)
    with pytest.raises(ValidationError):
        add_outcome(enquiry, "Something new")
    with pytest.raises(ValidationError):
        services.change_outcome(outcome, {"words": "Changed after closing"})
    with pytest.raises(ValidationError):
        services.withdraw_outcome(outcome, "Too late")
    with pytest.raises(ValidationError):
        services.record_review(enquiry, practitioner, review_data(timezone.localdate()), {})
    outcome.refresh_from_db()
    assert outcome.words == "I want to feel safe at home" and outcome.is_active


# --- Reviews and their due dates ----------------------------------------------------------------


def test_recording_a_review_sets_the_next_due_date_from_the_review_date(make_enquiry, practitioner):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        enquiry = make_enquiry()
    with time_machine.travel(at(2026, 3, 20), tick=False):
        services.record_review(enquiry, practitioner, review_data(date(2026, 3, 18)), {})
    enquiry.refresh_from_db()
    assert enquiry.next_review_due == date(2026, 4, 15), "18 March + 28 days"


def test_the_review_interval_follows_the_council(make_enquiry, practitioner, council):
    council.review_interval_days = 14
    council.save()
    enquiry = make_enquiry()
    services.record_review(enquiry, practitioner, review_data(date(2026, 3, 18)), {})
    enquiry.refresh_from_db()
    assert enquiry.next_review_due == date(2026, 4, 1)


def test_a_later_record_of_an_earlier_review_does_not_move_the_due_date_back(make_enquiry, practitioner):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        enquiry = make_enquiry()
    with time_machine.travel(at(2026, 4, 10), tick=False):
        services.record_review(enquiry, practitioner, review_data(date(2026, 4, 9)), {})
        services.record_review(enquiry, practitioner, review_data(date(2026, 3, 25)), {})
    enquiry.refresh_from_db()
    assert enquiry.next_review_due == date(2026, 5, 7), "9 April + 28 days, not 25 March + 28"


def test_review_overdue_boundary(make_enquiry):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        enquiry = make_enquiry()
    assert enquiry.next_review_due == date(2026, 3, 30)
    overdue = Enquiry.objects.review_overdue
    assert not overdue(date(2026, 3, 29)).filter(pk=enquiry.pk).exists()
    assert not overdue(date(2026, 3, 30)).filter(pk=enquiry.pk).exists(), "due today is not overdue"
    assert overdue(date(2026, 3, 31)).filter(pk=enquiry.pk).exists(), "due yesterday is overdue"
    with time_machine.travel(at(2026, 3, 30, 23, 59), tick=False):
        assert not Enquiry.objects.review_overdue().filter(pk=enquiry.pk).exists()
    with time_machine.travel(at(2026, 3, 31, 0, 1), tick=False):
        assert Enquiry.objects.review_overdue().filter(pk=enquiry.pk).exists()


def test_closed_enquiries_are_never_overdue(make_enquiry, practitioner, manager):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        enquiry = make_enquiry()
        close(enquiry, practitioner, manager)
    assert enquiry.next_review_due is None
    # Even with a stale due date on the row, a closed enquiry is not a review to chase.
    Enquiry.objects.filter(pk=enquiry.pk).update(next_review_due=date(2026, 3, 1))
    assert not Enquiry.objects.review_overdue(date(2026, 6, 1)).filter(pk=enquiry.pk).exists()


def test_progress_is_saved_only_for_active_outcomes_with_text(enquiry, practitioner):
    first = add_outcome(enquiry, "I want to feel safe")
    second = add_outcome(enquiry, "I want to see my friends")
    gone = add_outcome(enquiry, "I want him arrested")
    services.withdraw_outcome(gone, "Changed her mind")
    review = services.record_review(
        enquiry,
        practitioner,
        review_data(timezone.localdate()),
        {first.pk: "New locks fitted", second.pk: "   ", gone.pk: "Should not be kept", 999999: "Nope"},
    )
    rows = list(ReviewProgress.objects.filter(review=review).values_list("outcome_id", "progress"))
    assert rows == [(first.pk, "New locks fitted")]


# --- Advocacy prompts ------------------------------------------------------------------------------


def assess(enquiry: Enquiry, outcome: str) -> None:
    services.add_record(
        enquiry,
        CapacityAssessment,
        {
            "decision": "Contact with her son",
            "assessed_on": timezone.localdate(),
            "assessor": "Pat",
            "outcome": outcome,
        },
    )


def refer(enquiry: Enquiry, kind: str, started: bool = False) -> AdvocacyReferral:
    today = timezone.localdate()
    return services.add_record(
        enquiry,
        AdvocacyReferral,
        {"kind": kind, "referred_on": today, "started_on": today if started else None},
    )


def test_no_advocacy_prompt_by_default(enquiry):
    assert services.advocacy_prompt(enquiry) is None


def test_an_assessment_finding_capacity_does_not_prompt(enquiry):
    assess(enquiry, "has")
    assert services.advocacy_prompt(enquiry) is None


@pytest.mark.parametrize("appropriate", [None, False], ids=["not-known", "no"])
def test_lacking_capacity_without_an_appropriate_person_prompts_advocacy(enquiry, appropriate):
    enquiry.has_appropriate_person = appropriate
    enquiry.save()
    assess(enquiry, "lacks")
    prompt = services.advocacy_prompt(enquiry)
    assert prompt == (
        "The person lacks capacity for a decision in this enquiry and has no appropriate person to "
        "support them: refer them for advocacy."
    )


def test_substantial_difficulty_prompts_advocacy(enquiry):
    enquiry.substantial_difficulty = True
    enquiry.save()
    assert services.advocacy_prompt(enquiry) == (
        "The person has substantial difficulty taking part and has no appropriate person to support "
        "them: refer them for advocacy."
    )


@pytest.mark.parametrize("difficulty", ["lacks", "substantial"])
def test_an_appropriate_person_means_no_prompt(enquiry, difficulty):
    enquiry.has_appropriate_person = True
    enquiry.substantial_difficulty = difficulty == "substantial"
    enquiry.save()
    if difficulty == "lacks":
        assess(enquiry, "lacks")
    assert services.advocacy_prompt(enquiry) is None


@pytest.mark.parametrize(
    ("kind", "clears"),
    [("care_act", True), ("imca", True), ("family_friend", False)],
)
def test_an_independent_advocacy_referral_clears_the_prompt(enquiry, kind, clears):
    assess(enquiry, "lacks")
    enquiry.substantial_difficulty = True
    enquiry.save()
    refer(enquiry, kind)
    assert (services.advocacy_prompt(enquiry) is None) is clears


def test_a_closed_enquiry_prompts_nothing(enquiry, practitioner, manager):
    enquiry.substantial_difficulty = True
    enquiry.save()
    close(enquiry, practitioner, manager)
    assert services.advocacy_prompt(enquiry) is None


# --- Closure: what is missing ---------------------------------------------------------------------


def test_closure_missing_names_each_missing_item(enquiry):
    add_outcome(enquiry)
    assert services.closure_missing(enquiry, {}, {}) == [
        "Select the reason for closing the enquiry",
        "Select whether the person or their representative was asked about desired outcomes",
        "Select the outcome of the risk assessment",
        "Select whether the person lacked capacity to make decisions about the safeguarding",
    ]


def test_a_complete_closure_misses_nothing(enquiry):
    assert services.closure_missing(enquiry, closure_data(), {}) == []


def test_each_active_outcomes_achievement_is_asked_for_by_its_words(enquiry):
    first = add_outcome(enquiry, "I want to feel safe at home")
    second = add_outcome(enquiry, "I want to keep my cat")
    gone = add_outcome(enquiry, "I want him in prison")
    services.withdraw_outcome(gone, "Changed her mind")
    data = closure_data(msp_asked=EXPRESSED)
    assert services.closure_missing(enquiry, data, {}) == [
        "Select whether this outcome was achieved: \u201cI want to feel safe at home\u201d",
        "Select whether this outcome was achieved: \u201cI want to keep my cat\u201d",
    ]
    assert services.closure_missing(enquiry, data, {first.pk: "Fully Achieved", second.pk: "Maybe"}) == [
        "Select whether this outcome was achieved: \u201cI want to keep my cat\u201d",
    ]
    achieved = {first.pk: "Fully Achieved", second.pk: "Not Achieved"}
    assert services.closure_missing(enquiry, data, achieved) == []


@pytest.mark.parametrize("risk", [value for value, _ in categories.RISK_ASSESSMENT_OUTCOME])
def test_the_risk_outcome_is_needed_only_when_risk_was_identified_and_action_taken(enquiry, risk):
    missing = services.closure_missing(enquiry, closure_data(risk_assessment_outcome=risk), {})
    if risk == RISK_ACTION:
        assert missing == ["Select whether the risk remained, was reduced or was removed"]
        assert (
            services.closure_missing(
                enquiry, closure_data(risk_assessment_outcome=risk, risk_outcome="Risk reduced"), {}
            )
            == []
        )
    else:
        assert missing == []


@pytest.mark.parametrize("capacity", [value for value, _ in categories.MENTAL_CAPACITY])
def test_capacity_support_is_needed_only_when_the_person_lacked_capacity(enquiry, capacity):
    missing = services.closure_missing(enquiry, closure_data(mental_capacity=capacity), {})
    if capacity == LACKED:
        assert missing == ["Select whether the person was supported by an advocate, family member or friend"]
        for supported in (True, False):
            data = closure_data(mental_capacity=capacity, capacity_supported=supported)
            assert services.closure_missing(enquiry, data, {}) == []
    else:
        assert missing == []


@pytest.mark.parametrize("asked", [value for value, _ in categories.MSP_ASKED if value != EXPRESSED])
def test_recorded_outcomes_need_asked_and_expressed(enquiry, asked):
    add_outcome(enquiry)
    assert services.closure_missing(enquiry, closure_data(msp_asked=asked), {}) == [
        "Desired outcomes are recorded, so select 'Yes they were asked and outcomes were expressed'"
    ]


def test_expressed_with_no_active_outcomes_is_refused(enquiry):
    outcome = add_outcome(enquiry)
    services.withdraw_outcome(outcome, "Achieved already")
    assert services.closure_missing(enquiry, closure_data(msp_asked=EXPRESSED), {}) == [
        "Record the person's desired outcomes, since they expressed some"
    ]


def test_request_closure_saves_nothing_when_anything_is_missing(enquiry, practitioner):
    outcome = add_outcome(enquiry)
    before = enquiry.history.count()
    data = closure_data(msp_asked=EXPRESSED, risk_assessment_outcome=RISK_ACTION)
    missing = services.request_closure(
        enquiry, practitioner, data, {outcome.pk: "Fully Achieved"}, {outcome.pk: "Locks changed"}
    )
    assert missing == ["Select whether the risk remained, was reduced or was removed"]
    enquiry.refresh_from_db()
    outcome.refresh_from_db()
    assert enquiry.status == Enquiry.Status.OPEN
    assert (enquiry.msp_asked, enquiry.risk_assessment_outcome, enquiry.mental_capacity) == ("", "", "")
    assert enquiry.closure_reason == "" and enquiry.closure_requested_by is None
    assert (outcome.achievement, outcome.achievement_note) == ("", "")
    assert enquiry.history.count() == before


def test_request_closure_saves_the_answers_and_awaits_sign_off(enquiry, practitioner):
    outcome = add_outcome(enquiry)
    data = closure_data(
        msp_asked=EXPRESSED,
        risk_assessment_outcome=RISK_ACTION,
        risk_outcome="Risk removed",
        mental_capacity=LACKED,
        capacity_supported=True,
    )
    assert (
        services.request_closure(
            enquiry, practitioner, data, {outcome.pk: "Partially Achieved"}, {outcome.pk: "Locks changed"}
        )
        == []
    )
    enquiry.refresh_from_db()
    outcome.refresh_from_db()
    assert enquiry.status == Enquiry.Status.CLOSURE_REQUESTED
    assert enquiry.closure_requested_by == practitioner and enquiry.closure_requested_at is not None
    assert (enquiry.msp_asked, enquiry.risk_outcome, enquiry.mental_capacity) == (
        EXPRESSED,
        "Risk removed",
        LACKED,
    )
    assert enquiry.capacity_supported is True
    assert (outcome.achievement, outcome.achievement_note) == ("Partially Achieved", "Locks changed")


def test_answers_that_do_not_apply_are_not_kept(enquiry, practitioner):
    data = closure_data(risk_outcome="Risk removed", capacity_supported=True)
    assert services.request_closure(enquiry, practitioner, data, {}, {}) == []
    enquiry.refresh_from_db()
    assert enquiry.risk_outcome == "", "no risk outcome unless risk was identified and action taken"
    assert enquiry.capacity_supported is None, "no support answer unless the person lacked capacity"


# --- Closure: what the record already answers ---------------------------------------------------


def test_prefill_from_an_empty_record_answers_nothing(enquiry):
    prefill = services.closure_prefill(enquiry)
    assert (prefill["msp_asked"], prefill["mental_capacity"], prefill["capacity_supported"]) == ("", "", None)


def test_prefill_outcomes_mean_asked_and_expressed(enquiry):
    add_outcome(enquiry)
    assert services.closure_prefill(enquiry)["msp_asked"] == EXPRESSED


@pytest.mark.parametrize(
    ("reason", "asked"),
    [
        (Enquiry.NoOutcomesReason.CHOSE_NOT_TO_SAY, NONE_EXPRESSED),
        (Enquiry.NoOutcomesReason.NOT_ASKED_YET, "No"),
        (Enquiry.NoOutcomesReason.NO_REPRESENTATIVE, "No"),
    ],
)
def test_prefill_from_the_no_outcomes_reason(enquiry, reason, asked):
    services.set_no_outcomes_reason(enquiry, reason)
    assert services.closure_prefill(enquiry)["msp_asked"] == asked


def test_prefill_capacity_from_assessments(enquiry):
    assess(enquiry, "has")
    assert services.closure_prefill(enquiry)["mental_capacity"] == "No, they did not lack capacity"
    assess(enquiry, "lacks")
    prefill = services.closure_prefill(enquiry)
    assert prefill["mental_capacity"] == LACKED
    assert prefill["capacity_supported"] is None, "not supported until advocacy has started"


@pytest.mark.parametrize("kind", ["care_act", "imca", "family_friend"])
def test_prefill_supported_once_advocacy_started(enquiry, kind):
    assess(enquiry, "lacks")
    referral = refer(enquiry, kind)
    assert services.closure_prefill(enquiry)["capacity_supported"] is None, "referred but not started"
    referral.started_on = timezone.localdate()
    referral.save()
    assert services.closure_prefill(enquiry)["capacity_supported"] is True


def test_prefill_supported_by_an_appropriate_person(enquiry):
    assess(enquiry, "lacks")
    enquiry.has_appropriate_person = True
    enquiry.save()
    assert services.closure_prefill(enquiry)["capacity_supported"] is True


def test_prefill_prefers_answers_already_given(enquiry, practitioner, manager):
    assess(enquiry, "lacks")
    data = closure_data(
        mental_capacity="Don't know", risk_assessment_outcome=RISK_ACTION, risk_outcome="Risk reduced"
    )
    assert services.request_closure(enquiry, practitioner, data, {}, {}) == []
    services.return_closure(enquiry, manager, "Add the plan")
    prefill = services.closure_prefill(enquiry)
    assert prefill["mental_capacity"] == "Don't know"
    assert (prefill["risk_assessment_outcome"], prefill["risk_outcome"]) == (RISK_ACTION, "Risk reduced")
    assert prefill["closure_reason"] == Enquiry.ClosureReason.COMPLETE


# --- Closure: sign-off -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("manager", True),
        ("practitioner", False),
        ("locality_manager", False),
        ("lead", False),
        ("other_council_user", False),
    ],
)
def test_only_a_manager_of_the_enquirys_team_signs_off(request, enquiry, practitioner, persona, allowed):
    request_complete_closure(enquiry, practitioner)
    user = request.getfixturevalue(persona)
    assert services.can_sign_off_closure(enquiry, user) is allowed
    assert Enquiry.objects.for_user(user, "sign_off").filter(pk=enquiry.pk).exists() is allowed


def test_the_manager_who_asked_for_closure_cannot_sign_it_off(make_enquiry, manager):
    enquiry = make_enquiry(lead=manager)
    request_complete_closure(enquiry, manager)
    assert not services.can_sign_off_closure(enquiry, manager)
    with pytest.raises(PermissionDenied):
        services.sign_off_closure(enquiry, manager)
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.CLOSURE_REQUESTED


def test_an_open_enquiry_has_no_closure_to_sign_off(enquiry, manager):
    assert not services.can_sign_off_closure(enquiry, manager)
    with pytest.raises(PermissionDenied):
        services.sign_off_closure(enquiry, manager)


def test_signing_off_closes_the_enquiry_and_its_concern(enquiry, practitioner, manager):
    with time_machine.travel(at(2026, 5, 4, 15, 0), tick=False):
        request_complete_closure(enquiry, practitioner)
        services.sign_off_closure(enquiry, manager)
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.CLOSED and not enquiry.is_open
    assert enquiry.signed_off_by == manager
    assert enquiry.closed_at == at(2026, 5, 4, 15, 0)
    assert enquiry.next_review_due is None
    assert Concern.objects.get(pk=enquiry.concern_id).status == Concern.Status.CLOSED


def test_returning_a_closure_needs_a_comment_and_reopens_it(enquiry, practitioner, manager):
    request_complete_closure(enquiry, practitioner)
    with pytest.raises(ValidationError):
        services.return_closure(enquiry, manager, "  ")
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.CLOSURE_REQUESTED
    services.return_closure(enquiry, manager, "Record the risk outcome")
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.OPEN
    assert enquiry.closure_returned_comment == "Record the risk outcome"
    assert Concern.objects.get(pk=enquiry.concern_id).status == Concern.Status.ENQUIRY
    with pytest.raises(PermissionDenied):
        services.sign_off_closure(enquiry, manager)


def test_another_teams_manager_cannot_return_a_closure(enquiry, practitioner, locality_manager):
    request_complete_closure(enquiry, practitioner)
    with pytest.raises(PermissionDenied):
        services.return_closure(enquiry, locality_manager, "Not mine to judge")
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.CLOSURE_REQUESTED


# --- SG4a ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("achievements", "overall"),
    [
        (["Fully Achieved"], "Fully Achieved"),
        (["Fully Achieved", "Fully Achieved"], "Fully Achieved"),
        (["Not Achieved"], "Not Achieved"),
        (["Not Achieved", "Not Achieved"], "Not Achieved"),
        (["Partially Achieved"], "Partially Achieved"),
        (["Fully Achieved", "Not Achieved"], "Partially Achieved"),
        (["Fully Achieved", "Partially Achieved"], "Partially Achieved"),
        (["Not Achieved", "Partially Achieved"], "Partially Achieved"),
        ([], None),
    ],
)
def test_overall_achievement(achievements, overall):
    assert categories.overall_achievement(achievements) == overall


# --- Feedback --------------------------------------------------------------------------------------


def test_the_feedback_questions_are_the_four_experience_questions_in_two_wordings():
    assert list(services.FEEDBACK_QUESTIONS) == ["listened_to", "involved", "safer", "happy_with_ending"]
    adult = [wording[0] for wording in services.FEEDBACK_QUESTIONS.values()]
    assert adult == [
        "Did you feel listened to?",
        "Were you involved as much as you wanted to be?",
        "Do you feel safer now because of the help you had?",
        "Are you happy with how things ended?",
    ]
    assert services.FEEDBACK_QUESTIONS["listened_to"][1] == "Do you feel the person was listened to?"
    for name in services.FEEDBACK_QUESTIONS:
        assert Feedback._meta.get_field(name).choices == categories.FEEDBACK_ANSWER


def test_feedback_with_only_who_and_when_is_accepted(enquiry, practitioner):
    feedback = services.record_feedback(enquiry, practitioner, feedback_data())
    feedback.refresh_from_db()
    assert (feedback.listened_to, feedback.involved, feedback.safer, feedback.happy_with_ending) == ("",) * 4
    assert feedback.comments == "" and feedback.consent_to_quote is False


def feedback_form(version: str, **overrides) -> forms.FeedbackForm:
    data = {"asked_by": "practitioner", "asked_on_day": "2", "asked_on_month": "3", "asked_on_year": "2026"}
    data.update(overrides)
    return forms.FeedbackForm(data, version=version)


@pytest.mark.parametrize("version", ["adult", "representative"])
def test_every_feedback_question_is_optional(version):
    extra = {"representative_relationship": "Daughter"} if version == "representative" else {}
    form = feedback_form(version, **extra)
    assert form.is_valid(), form.errors
    for name in services.FEEDBACK_QUESTIONS:
        assert form.cleaned_data[name] == ""


def test_a_representatives_feedback_needs_their_relationship():
    form = feedback_form("representative")
    assert not form.is_valid()
    assert form.errors["representative_relationship"] == [
        "Enter the representative's relationship to the person"
    ]
    assert "representative_relationship" not in feedback_form("adult").fields


def test_consent_to_quote_needs_words():
    form = feedback_form("adult", consent_to_quote="on", comments="   ")
    assert not form.is_valid()
    assert form.errors["consent_to_quote"] == ["There are no words to quote: enter them, or untick the box"]
    assert feedback_form("adult", consent_to_quote="on", comments="Kind people").is_valid()


def test_feedback_due_lists_enquiries_closed_in_the_last_eight_weeks(make_enquiry, practitioner, manager):
    with time_machine.travel(at(2026, 3, 2, 16, 0), tick=False):
        early = close(make_enquiry(), practitioner, manager)
    with time_machine.travel(at(2026, 3, 3, 9, 0), tick=False):
        later = close(make_enquiry(), practitioner, manager)
    still_open = make_enquiry()
    waiting = make_enquiry()
    request_complete_closure(waiting, practitioner)

    def due(today: date | None = None) -> set[str]:
        return set(services.feedback_due(Enquiry.objects.all(), today).values_list("reference", flat=True))

    # 27 April 2026 is eight weeks after 2 March.
    assert due(date(2026, 4, 27)) == {early.reference, later.reference}
    assert due(date(2026, 4, 28)) == {later.reference}
    assert due(date(2026, 4, 29)) == set()
    with time_machine.travel(at(2026, 4, 27, 23, 0), tick=False):
        assert due() == {early.reference, later.reference}
    with time_machine.travel(at(2026, 4, 28, 8, 0), tick=False):
        assert due() == {later.reference}
    assert still_open.reference not in due(date(2026, 3, 3))
    assert waiting.reference not in due(date(2026, 3, 3))


def test_feedback_due_drops_an_enquiry_once_feedback_exists(make_enquiry, practitioner, manager):
    enquiry = close(make_enquiry(), practitioner, manager)
    assert services.feedback_due(Enquiry.objects.all()).filter(pk=enquiry.pk).exists()
    services.record_feedback(
        enquiry, practitioner, feedback_data(version="representative", representative_relationship="Son")
    )
    assert not services.feedback_due(Enquiry.objects.all()).filter(pk=enquiry.pk).exists()
