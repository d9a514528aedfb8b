"""The enquiry pages through the test client as the personas in conftest (practitioner and manager
are Front Door; locality_* are Locality East): outcomes, reviews, advocacy, closure and sign-off,
feedback and the easy-read PDF, caseloads, query counts, and the error summary on every form."""

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from msphub.concerns.models import Concern
from msphub.enquiries import services
from msphub.enquiries.models import (
    AdvocacyReferral,
    BestInterestsDecision,
    CapacityAssessment,
    Enquiry,
    Feedback,
    Involvement,
    PlanAction,
    Review,
    ReviewProgress,
)
from tests.conftest import Cast, new_concern, new_person, per_test
from tests.enquiry_fixtures import (
    EXPRESSED,
    FINDINGS_POST,
    LACKED,
    NO_RISK,
    RISK_ACTION,
    add_outcome,
    assert_error,
    at,
    body,
    close,
    date_parts,
    enquiry_refs,
    feedback_data,
    fill_record,
    open_enquiry,
    outcome_post,
    request_complete_closure,
    summary_items,
    url,
)

pytestmark = pytest.mark.django_db


# --- The module's shared records -------------------------------------------------------------------
# Most tests work on one open enquiry led by the Front Door practitioner: it is opened once for the
# module (conftest.module_db) and each test changes it inside its own savepoint, rolled back after,
# with its own copy of the objects. Tests that need another enquiry still make it themselves.


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    with django_db_blocker.unblock():
        cast = Cast()
        concern = new_concern(cast.council)
        person = new_person(cast.council)
        return SimpleNamespace(
            cast=cast, enquiry=open_enquiry(concern, person, cast.practitioner, cast.manager)
        )


@pytest.fixture
def world(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


@pytest.fixture
def enquiry(world) -> Enquiry:
    """The module's open section 42 enquiry, led by the Front Door practitioner."""
    return world.enquiry


TOMORROW = object()  # replaced by tomorrow's date when posting


def post(client, path: str, data: dict):
    """Post a form as a browser would: None drops a field, TOMORROW is tomorrow's date."""
    sent = {"csrfmiddlewaretoken": "token"}
    for name, value in data.items():
        if value is None:
            continue
        if value is TOMORROW:
            sent.update(date_parts(name, timezone.localdate() + timedelta(days=1)))
        elif isinstance(value, date):
            sent.update(date_parts(name, value))
        else:
            sent[name] = value
    return client.post(path, sent)


def as_user(client, user):
    client.force_login(user)
    return client


# --- Every page opens ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [
        "",
        "outcomes/new/",
        "outcomes/none/",
        "reviews/new/",
        "taking-part/",
        "risk/",
        "close/",
        "history/",
        "involvement/new/",
        "capacity/new/",
        "best-interests/new/",
        "advocacy/new/",
        "actions/new/",
        "feedback/new/",
        "feedback/new/?version=representative",
    ],
)
def test_each_page_of_an_open_enquiry_opens_for_its_practitioner(as_practitioner, enquiry, page):
    response = as_practitioner.get(url(enquiry, page))
    assert response.status_code == 200
    assert enquiry.reference in body(response)


def test_the_lead_changes_the_lead_practitioner_and_the_team_follows(
    client, enquiry, lead, locality_practitioner, locality
):
    assert as_user(client, lead).get(url(enquiry, "details/")).status_code == 200
    assert_error(
        post(client, url(enquiry, "details/"), {"lead_practitioner": ""}), "Select the lead practitioner"
    )
    response = client.post(url(enquiry, "details/"), {"lead_practitioner": locality_practitioner.pk})
    assert response.status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.lead_practitioner == locality_practitioner and enquiry.team == locality


def test_a_manager_reallocates_within_their_team(client, enquiry, manager, front_door):
    assert as_user(client, manager).get(url(enquiry, "details/")).status_code == 200
    response = client.post(url(enquiry, "details/"), {"lead_practitioner": manager.pk})
    assert response.status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.lead_practitioner == manager and enquiry.team == front_door


def test_a_practitioner_cannot_reallocate(as_practitioner, enquiry, locality_practitioner):
    assert as_practitioner.get(url(enquiry, "details/")).status_code == 404
    as_practitioner.post(url(enquiry, "details/"), {"lead_practitioner": locality_practitioner.pk})
    enquiry.refresh_from_db()
    assert enquiry.lead_practitioner != locality_practitioner


# --- Desired outcomes ------------------------------------------------------------------------------


def test_adding_an_outcome_saves_it_and_shows_it(as_practitioner, enquiry):
    response = as_practitioner.post(
        url(enquiry, "outcomes/new/"),
        outcome_post(
            words="I want my son to go to prison",
            category="Justice (an apology, prosecution, disciplinary or other action)",
            expressed_by="representative",
            representative_name="Jo Marsh, daughter",
            negotiated_outcome="Police told; the Crown Prosecution Service decides",
            negotiated_reason="law",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == url(enquiry) + "#outcomes"
    outcome = enquiry.outcomes.get()
    assert outcome.words == "I want my son to go to prison"
    assert outcome.category == "Justice (an apology, prosecution, disciplinary or other action)"
    assert (outcome.expressed_by, outcome.representative_name) == ("representative", "Jo Marsh, daughter")
    assert (outcome.negotiated_reason, outcome.expressed_on) == ("law", timezone.localdate())
    page = body(as_practitioner.get(url(enquiry)))
    assert "I want my son to go to prison" in page and "Jo Marsh, daughter" in page
    assert "Because of the law" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"words": ""}, "Enter what the person wants, in their own words"),
        ({"words": "   "}, "Enter what the person wants, in their own words"),
        ({"category": ""}, "Select a category"),
        ({"expressed_by": None}, "Select who said this"),
        ({"expressed_by": "representative"}, "Enter the name of the representative who said it"),
        ({"negotiated_outcome": "Police told"}, "Select why the outcome had to be negotiated"),
        ({"negotiated_reason": "law"}, "Enter the negotiated outcome"),
        ({"expressed_on": TOMORROW}, "The date must be today or in the past"),
        ({"expressed_on_day": "", "expressed_on_month": "", "expressed_on_year": ""}, "Enter the date"),
        ({"expressed_on_month": ""}, "The date must include a month"),
        ({"expressed_on_day": "31", "expressed_on_month": "2"}, "The date must be a real date"),
    ],
)
def test_an_invalid_outcome_shows_the_error_and_saves_nothing(as_practitioner, enquiry, overrides, message):
    data = {**outcome_post(), **overrides}
    response = post(as_practitioner, url(enquiry, "outcomes/new/"), data)
    assert_error(response, message)
    assert not enquiry.outcomes.exists()


def test_changing_an_outcome_keeps_the_previous_words(as_practitioner, enquiry):
    outcome = add_outcome(enquiry, "I want him gone", category="Be and feel safer")
    response = as_practitioner.post(
        url(enquiry, f"outcomes/{outcome.uuid}/"),
        outcome_post(
            words="I want him to move out but still visit", category="Keep or repair key relationships"
        ),
    )
    assert response.status_code == 302
    outcome.refresh_from_db()
    assert outcome.words == "I want him to move out but still visit"
    assert outcome.category == "Keep or repair key relationships"
    assert "I want him gone" in outcome.history.values_list("words", flat=True)
    history = body(as_practitioner.get(url(enquiry, "history/")))
    assert "I want him gone" in history and "I want him to move out but still visit" in history


def test_an_invalid_change_shows_the_error_and_keeps_the_outcome(as_practitioner, enquiry):
    outcome = add_outcome(enquiry, "I want him gone")
    response = post(
        as_practitioner, url(enquiry, f"outcomes/{outcome.uuid}/"), outcome_post(words=" ", category="")
    )
    assert_error(response, "Enter what the person wants, in their own words")
    assert "Select a category" in summary_items(response)
    outcome.refresh_from_db()
    assert outcome.words == "I want him gone" and outcome.history.count() == 1


def test_withdrawing_needs_a_reason(as_practitioner, enquiry):
    outcome = add_outcome(enquiry)
    response = post(
        as_practitioner, url(enquiry, f"outcomes/{outcome.uuid}/withdraw/"), {"withdrawn_reason": "  "}
    )
    assert_error(response, "Enter why the outcome is withdrawn")
    outcome.refresh_from_db()
    assert outcome.is_active


def test_a_withdrawn_outcome_moves_to_the_withdrawn_list(as_practitioner, enquiry):
    add_outcome(enquiry, "I want to stay at home")
    gone = add_outcome(enquiry, "I want my son arrested")
    response = as_practitioner.post(
        url(enquiry, f"outcomes/{gone.uuid}/withdraw/"), {"withdrawn_reason": "She changed her mind"}
    )
    assert response.status_code == 302
    gone.refresh_from_db()
    assert gone.withdrawn_on == timezone.localdate() and gone.withdrawn_reason == "She changed her mind"
    page = body(as_practitioner.get(url(enquiry)))
    active, withdrawn = page.split("Withdrawn outcomes (1)")
    assert "I want to stay at home" in active and "I want my son arrested" not in active
    assert "I want my son arrested" in withdrawn and "She changed her mind" in withdrawn
    assert as_practitioner.get(url(enquiry, f"outcomes/{gone.uuid}/")).status_code == 404
    assert as_practitioner.get(url(enquiry, f"outcomes/{gone.uuid}/withdraw/")).status_code == 404


def test_no_outcomes_reason_is_refused_while_outcomes_are_active(as_practitioner, enquiry):
    add_outcome(enquiry)
    response = post(
        as_practitioner, url(enquiry, "outcomes/none/"), {"no_outcomes_reason": "chose_not_to_say"}
    )
    assert_error(response, "The person has desired outcomes recorded; withdraw them first.")
    enquiry.refresh_from_db()
    assert enquiry.no_outcomes_reason == ""


def test_no_outcomes_reason_needs_a_choice(as_practitioner, enquiry):
    assert_error(
        post(as_practitioner, url(enquiry, "outcomes/none/"), {}), "Select why there are no desired outcomes"
    )


def test_no_outcomes_reason_is_shown_and_cleared_by_a_new_outcome(as_practitioner, enquiry):
    response = as_practitioner.post(
        url(enquiry, "outcomes/none/"), {"no_outcomes_reason": "chose_not_to_say"}
    )
    assert response.status_code == 302
    assert "No desired outcomes: the person chose not to say what they want." in body(
        as_practitioner.get(url(enquiry))
    )
    assert as_practitioner.post(url(enquiry, "outcomes/new/"), outcome_post()).status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.no_outcomes_reason == ""


# --- Reviews and the overdue warning ---------------------------------------------------------------


def review_post(held_on, **overrides) -> dict:
    data = {"held_on": held_on, "participants": "Edna, her daughter, me", "persons_view": "I feel safer"}
    data.update(overrides)
    return data


def test_recording_a_review_moves_the_next_due_date(make_enquiry, client, practitioner):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        enquiry = make_enquiry()
    with time_machine.travel(at(2026, 3, 20), tick=False):
        as_user(client, practitioner)
        response = post(client, url(enquiry, "reviews/new/"), review_post(date(2026, 3, 18)))
        assert response.status_code == 302
        enquiry.refresh_from_db()
        assert enquiry.next_review_due == date(2026, 4, 15)
        page = body(client.get(url(enquiry)))
    assert "Next review due 15 April 2026." in page and "A review was due" not in page
    assert "Review, 18 March 2026" in page


def test_the_review_form_asks_for_progress_on_active_outcomes_only(as_practitioner, enquiry):
    kept = add_outcome(enquiry, "I want to feel safe")
    gone = add_outcome(enquiry, "I want him arrested")
    services.withdraw_outcome(gone, "Changed her mind")
    page = body(as_practitioner.get(url(enquiry, "reviews/new/")))
    assert f'name="progress_{kept.pk}"' in page and f'name="progress_{gone.pk}"' not in page
    response = post(
        as_practitioner,
        url(enquiry, "reviews/new/"),
        review_post(
            timezone.localdate(), **{f"progress_{kept.pk}": "Locks fitted", f"progress_{gone.pk}": "No"}
        ),
    )
    assert response.status_code == 302
    assert list(ReviewProgress.objects.values_list("outcome_id", "progress")) == [(kept.pk, "Locks fitted")]
    assert "Locks fitted" in body(as_practitioner.get(url(enquiry)))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"held_on": TOMORROW}, "The date of the review must be today or in the past"),
        ({"held_on": None}, "Enter the date of the review"),
        ({"participants": ""}, "Enter who took part"),
        ({"persons_view": "  "}, "Enter the person's view"),
    ],
)
def test_an_invalid_review_shows_the_error_and_saves_nothing(as_practitioner, enquiry, overrides, message):
    due = enquiry.next_review_due
    response = post(
        as_practitioner, url(enquiry, "reviews/new/"), {**review_post(timezone.localdate()), **overrides}
    )
    assert_error(response, message)
    assert not Review.objects.exists()
    enquiry.refresh_from_db()
    assert enquiry.next_review_due == due


def test_the_overdue_warning_shows_only_once_the_review_is_overdue(make_enquiry, client, practitioner):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        enquiry = make_enquiry()
    as_user(client, practitioner)
    with time_machine.travel(at(2026, 3, 30, 23, 0), tick=False):
        page = body(client.get(url(enquiry)))
    assert "A review was due" not in page and "Next review due 30 March 2026." in page
    with time_machine.travel(at(2026, 3, 31, 8, 0), tick=False):
        page = body(client.get(url(enquiry)))
    assert "A review was due on 30 March 2026." in page


def test_a_closed_enquiry_shows_no_overdue_warning(make_enquiry, client, practitioner, manager):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        enquiry = close(make_enquiry(), practitioner, manager)
    Enquiry.objects.filter(pk=enquiry.pk).update(next_review_due=date(2026, 3, 3))
    with time_machine.travel(at(2026, 6, 1), tick=False):
        page = body(as_user(client, practitioner).get(url(enquiry)))
    assert "A review was due" not in page


# --- Advocacy prompts on the page -------------------------------------------------------------------

PROMPT = "refer them for advocacy"


def capacity_post(outcome: str = "lacks", **overrides) -> dict:
    data = {
        "decision": "Whether to stop seeing her son",
        "assessed_on": timezone.localdate(),
        "assessor": "Pat Practitioner",
        "outcome": outcome,
    }
    data.update(overrides)
    return data


def advocacy_post(kind: str = "care_act", **overrides) -> dict:
    data = {
        "kind": kind,
        "referred_on": timezone.localdate(),
        "advocate_name": "",
        "advocate_organisation": "",
    }
    data.update(overrides)
    return data


def test_the_advocacy_prompt_shows_until_an_independent_advocate_is_referred(as_practitioner, enquiry):
    assert PROMPT not in body(as_practitioner.get(url(enquiry)))
    assert post(as_practitioner, url(enquiry, "capacity/new/"), capacity_post("lacks")).status_code == 302
    page = body(as_practitioner.get(url(enquiry)))
    assert "The person lacks capacity for a decision in this enquiry and has no appropriate person" in page
    assert (
        post(as_practitioner, url(enquiry, "advocacy/new/"), advocacy_post("family_friend")).status_code
        == 302
    )
    assert PROMPT in body(as_practitioner.get(url(enquiry))), (
        "a family member or friend referral is not advocacy"
    )
    assert post(as_practitioner, url(enquiry, "advocacy/new/"), advocacy_post("imca")).status_code == 302
    assert PROMPT not in body(as_practitioner.get(url(enquiry)))


def test_taking_part_answers_drive_the_prompt(as_practitioner, enquiry):
    response = as_practitioner.post(
        url(enquiry, "taking-part/"), {"substantial_difficulty": "yes", "has_appropriate_person": "no"}
    )
    assert response.status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.substantial_difficulty is True and enquiry.has_appropriate_person is False
    assert "The person has substantial difficulty taking part" in body(as_practitioner.get(url(enquiry)))
    as_practitioner.post(
        url(enquiry, "taking-part/"), {"substantial_difficulty": "yes", "has_appropriate_person": "yes"}
    )
    assert PROMPT not in body(as_practitioner.get(url(enquiry)))
    as_practitioner.post(
        url(enquiry, "taking-part/"), {"substantial_difficulty": "yes", "has_appropriate_person": "unknown"}
    )
    enquiry.refresh_from_db()
    assert enquiry.has_appropriate_person is None
    assert PROMPT in body(as_practitioner.get(url(enquiry)))


def test_taking_part_needs_both_answers(as_practitioner, enquiry):
    response = post(as_practitioner, url(enquiry, "taking-part/"), {})
    assert_error(response, "Select yes if the person has substantial difficulty taking part")
    assert "Select whether there is an appropriate person" in summary_items(response)


def test_recording_that_advocacy_started(as_practitioner, enquiry):
    referral = services.add_record(
        enquiry,
        AdvocacyReferral,
        {"kind": "care_act", "referred_on": timezone.localdate() - timedelta(days=5)},
    )
    path = url(enquiry, f"advocacy/{referral.uuid}/")
    early = timezone.localdate() - timedelta(days=6)
    response = post(as_practitioner, path, advocacy_post(referred_on=referral.referred_on, started_on=early))
    assert_error(response, "The start date must be on or after the date of referral")
    referral.refresh_from_db()
    assert referral.started_on is None
    response = post(
        as_practitioner,
        path,
        advocacy_post(referred_on=referral.referred_on, started_on=timezone.localdate()),
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.started_on == timezone.localdate()


# --- The other parts of the record: valid and invalid input -------------------------------------------


def involvement_post(**overrides) -> dict:
    data = {
        "held_on": timezone.localdate(),
        "kind": "visit",
        "place": "Her home",
        "attendees": "Edna and me",
        "participation": "home",
        "minutes": "Talked about what she wants",
    }
    data.update(overrides)
    return data


def best_interests_post(**overrides) -> dict:
    data = {
        "decision": "Where to live",
        "decided_on": timezone.localdate(),
        "decision_maker": "Pat Practitioner",
        "consulted": "Her daughter",
        "outcome": "Stay at home with more care",
    }
    data.update(overrides)
    return data


def action_post(**overrides) -> dict:
    data = {
        "action": "Review the care plan",
        "owner": "other",
        "owner_agency": "Sunrise Home Care",
        "due_on": timezone.localdate(),
    }
    data.update(overrides)
    return data


PARTS = {
    "involvement": (Involvement, involvement_post),
    "capacity": (CapacityAssessment, capacity_post),
    "best-interests": (BestInterestsDecision, best_interests_post),
    "advocacy": (AdvocacyReferral, advocacy_post),
    "actions": (PlanAction, action_post),
}


@pytest.mark.parametrize(
    ("part", "overrides", "message"),
    [
        ("involvement", {"kind": None}, "Select the type of contact"),
        ("involvement", {"attendees": "  "}, "Enter who attended"),
        ("involvement", {"participation": None}, "Select how the adult took part"),
        ("involvement", {"held_on": None}, "Enter the date"),
        ("involvement", {"held_on": TOMORROW}, "The date must be today or in the past"),
        ("capacity", {"decision": ""}, "Enter the decision"),
        ("capacity", {"assessor": ""}, "Enter who assessed"),
        ("capacity", {"outcome": None}, "Select the outcome"),
        ("capacity", {"assessed_on": TOMORROW}, "The date of assessment must be today or in the past"),
        ("best-interests", {"decision_maker": ""}, "Enter the decision maker"),
        ("best-interests", {"consulted": ""}, "Enter who was consulted"),
        ("best-interests", {"outcome": ""}, "Enter what was decided and why"),
        ("best-interests", {"decided_on": TOMORROW}, "The date must be today or in the past"),
        ("advocacy", {"kind": None}, "Select the type of advocacy"),
        ("advocacy", {"referred_on": None}, "Enter the date of referral"),
        ("advocacy", {"referred_on": TOMORROW}, "The date of referral must be today or in the past"),
        ("advocacy", {"started_on": TOMORROW}, "The start date must be today or in the past"),
        (
            "advocacy",
            {"referred_on": date(2026, 3, 10), "started_on": date(2026, 3, 9)},
            "The start date must be on or after the date of referral",
        ),
        ("actions", {"action": ""}, "Enter what will be done"),
        ("actions", {"owner_agency": " "}, "Enter who is responsible"),
        ("actions", {"owner": None}, "Select who is responsible"),
        ("actions", {"due_on": None}, "Enter the due date"),
    ],
)
def test_invalid_input_shows_the_error_and_saves_nothing(as_practitioner, enquiry, part, overrides, message):
    model, data = PARTS[part]
    response = post(as_practitioner, url(enquiry, f"{part}/new/"), {**data(), **overrides})
    assert_error(response, message)
    assert not model.objects.filter(enquiry=enquiry).exists()


@pytest.mark.parametrize("part", list(PARTS))
def test_each_part_of_the_record_saves(as_practitioner, enquiry, part):
    model, data = PARTS[part]
    response = post(as_practitioner, url(enquiry, f"{part}/new/"), data())
    assert response.status_code == 302
    assert response["Location"] == url(enquiry) + f"#{part}"
    assert model.objects.filter(enquiry=enquiry).count() == 1


def test_a_plan_action_may_be_due_in_the_future(as_practitioner, enquiry):
    response = post(as_practitioner, url(enquiry, "actions/new/"), action_post(due_on=TOMORROW))
    assert response.status_code == 302
    assert enquiry.plan_actions.get().due_on == timezone.localdate() + timedelta(days=1)


def test_an_unknown_part_is_404(as_practitioner, enquiry):
    assert as_practitioner.get(url(enquiry, "secrets/new/")).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"risk_assessment": ""}, "Enter the risk assessment"),
        (
            {"risk_assessment": "Son visits daily", "risk_assessment_outcome": RISK_ACTION},
            "Select whether the risk remained, was reduced or was removed",
        ),
    ],
)
def test_invalid_risk_assessment(as_practitioner, enquiry, data, message):
    assert_error(post(as_practitioner, url(enquiry, "risk/"), data), message)
    enquiry.refresh_from_db()
    assert (enquiry.risk_assessment, enquiry.risk_assessment_outcome) == ("", "")


def test_a_risk_outcome_is_kept_only_when_risk_was_identified_and_action_taken(as_practitioner, enquiry):
    data = {
        "risk_assessment": "Son visits daily",
        "risk_assessment_outcome": NO_RISK,
        "risk_outcome": "Risk removed",
    }
    assert as_practitioner.post(url(enquiry, "risk/"), data).status_code == 302
    enquiry.refresh_from_db()
    assert (enquiry.risk_assessment_outcome, enquiry.risk_outcome) == (NO_RISK, "")
    data.update(risk_assessment_outcome=RISK_ACTION)
    assert as_practitioner.post(url(enquiry, "risk/"), data).status_code == 302
    enquiry.refresh_from_db()
    assert (enquiry.risk_assessment_outcome, enquiry.risk_outcome) == (RISK_ACTION, "Risk removed")


# --- Closure ----------------------------------------------------------------------------------------

CLOSE_COMPLETE = {
    "closure_reason": "complete",
    "closure_note": "Plan in place",
    "msp_asked": EXPRESSED,
    "risk_assessment_outcome": RISK_ACTION,
    "risk_outcome": "Risk reduced",
    "mental_capacity": LACKED,
    "capacity_supported": "yes",
    **FINDINGS_POST,
}


def test_the_closing_page_lists_what_is_missing_and_saves_nothing(as_practitioner, enquiry):
    add_outcome(enquiry, "I want to feel safe at home")
    response = post(as_practitioner, url(enquiry, "close/"), {"msp_asked": EXPRESSED})
    assert response.status_code == 200
    text = body(response)
    assert "The enquiry cannot close yet. This is missing:" in text
    assert summary_items(response) == [
        "Select the reason for closing the enquiry",
        "Select whether this outcome was achieved: \u201cI want to feel safe at home\u201d",
        "Select the outcome of the risk assessment",
        "Select whether the person lacked capacity to make decisions about the safeguarding",
    ]
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.OPEN and enquiry.msp_asked == ""


def test_the_closing_page_refuses_outcomes_without_asked_and_expressed(as_practitioner, enquiry):
    outcome = add_outcome(enquiry)
    data = {**CLOSE_COMPLETE, "msp_asked": "No", f"achievement_{outcome.pk}": "Fully Achieved"}
    response = post(as_practitioner, url(enquiry, "close/"), data)
    assert "The enquiry cannot close yet" in body(response)
    assert summary_items(response) == [
        "Desired outcomes are recorded, so select 'Yes they were asked and outcomes were expressed'"
    ]
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.OPEN


def test_the_closing_page_is_filled_in_from_the_record(as_practitioner, enquiry):
    add_outcome(enquiry)
    services.add_record(
        enquiry,
        CapacityAssessment,
        {"decision": "Contact", "assessed_on": timezone.localdate(), "assessor": "Pat", "outcome": "lacks"},
    )
    services.add_record(
        enquiry,
        AdvocacyReferral,
        {"kind": "imca", "referred_on": timezone.localdate(), "started_on": timezone.localdate()},
    )
    page = body(as_practitioner.get(url(enquiry, "close/")))

    def checked(name: str, value: str) -> bool:
        return re.search(rf'name="{name}" type="radio" value="{re.escape(value)}" checked', page) is not None

    assert checked("msp_asked", EXPRESSED)
    assert checked("mental_capacity", "Yes, they lacked capacity")
    assert checked("capacity_supported", "yes")
    assert "The enquiry cannot close yet" not in page


def test_closing_sends_the_enquiry_for_sign_off(as_practitioner, enquiry, practitioner):
    outcome = add_outcome(enquiry)
    data = {**CLOSE_COMPLETE, f"achievement_{outcome.pk}": "Partially Achieved"}
    response = post(as_practitioner, url(enquiry, "close/"), data)
    assert response.status_code == 302
    enquiry.refresh_from_db()
    outcome.refresh_from_db()
    assert enquiry.status == Enquiry.Status.CLOSURE_REQUESTED
    assert enquiry.closure_requested_by == practitioner and enquiry.capacity_supported is True
    assert outcome.achievement == "Partially Achieved"
    # Awaiting sign-off, the record can no longer be changed.
    assert as_practitioner.get(url(enquiry, "close/")).status_code == 404
    assert as_practitioner.get(url(enquiry, "outcomes/new/")).status_code == 404


@pytest.mark.parametrize("persona", ["practitioner", "locality_manager", "locality_practitioner", "lead"])
def test_only_a_manager_of_the_team_may_open_the_sign_off_page(
    client, request, enquiry, practitioner, persona
):
    request_complete_closure(enquiry, practitioner)
    as_user(client, request.getfixturevalue(persona))
    assert client.get(url(enquiry, "close/sign-off/")).status_code == 404
    assert client.post(url(enquiry, "close/sign-off/"), {"action": "approve"}).status_code == 404
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.CLOSURE_REQUESTED
    assert "Review and sign off the closure" not in body(client.get(url(enquiry)))


def test_the_manager_who_asked_for_closure_cannot_sign_it_off(client, make_enquiry, manager):
    enquiry = make_enquiry(lead=manager)
    request_complete_closure(enquiry, manager)
    as_user(client, manager)
    assert client.get(url(enquiry, "close/sign-off/")).status_code == 404
    assert client.post(url(enquiry, "close/sign-off/"), {"action": "approve"}).status_code == 404
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.CLOSURE_REQUESTED


def test_signing_off_closes_the_enquiry_and_its_concern(client, enquiry, practitioner, manager):
    add_outcome(enquiry, "I want to feel safe at home")
    request_complete_closure(enquiry, practitioner)
    as_user(client, manager)
    assert "Review and sign off the closure" in body(client.get(url(enquiry)))
    page = client.get(url(enquiry, "close/sign-off/"))
    assert page.status_code == 200 and "I want to feel safe at home" in body(page)
    response = client.post(url(enquiry, "close/sign-off/"), {"action": "approve"})
    assert response.status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.CLOSED and enquiry.signed_off_by == manager
    assert Concern.objects.get(pk=enquiry.concern_id).status == Concern.Status.CLOSED
    assert "Closed" in body(client.get(url(enquiry)))


def test_the_sign_off_page_needs_an_answer_and_a_reason_to_return(client, enquiry, practitioner, manager):
    request_complete_closure(enquiry, practitioner)
    as_user(client, manager)
    assert_error(post(client, url(enquiry, "close/sign-off/"), {}), "Select whether the enquiry can close")
    response = post(client, url(enquiry, "close/sign-off/"), {"action": "return", "returned_comment": "  "})
    assert_error(response, "Enter why the closure is being returned")
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.CLOSURE_REQUESTED


def test_returning_a_closure_reopens_it_with_the_comment(client, enquiry, practitioner, manager):
    request_complete_closure(enquiry, practitioner)
    as_user(client, manager)
    response = client.post(
        url(enquiry, "close/sign-off/"), {"action": "return", "returned_comment": "Record the plan actions"}
    )
    assert response.status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.OPEN
    as_user(client, practitioner)
    assert "Closure returned by the team manager: Record the plan actions" in body(client.get(url(enquiry)))
    assert client.get(url(enquiry, "close/")).status_code == 200


def test_a_closure_without_a_team_can_be_signed_off_by_a_team_manager(client, make_enquiry, lead, manager):
    # The safeguarding lead (no team) triaged and leads this enquiry, so it has no team; the rules
    # (can_sign_off_closure, like the decision's can_sign_off) let any team manager of the council sign off.
    enquiry = make_enquiry(lead=lead, decider=lead)
    assert enquiry.team_id is None
    request_complete_closure(enquiry, lead)
    assert services.can_sign_off_closure(enquiry, manager)
    as_user(client, manager)
    assert "Review and sign off the closure" in body(client.get(url(enquiry)))
    response = client.get(url(enquiry, "close/sign-off/"))
    assert response.status_code == 200, (
        "the closure sign-off page of an enquiry without a team opens for any team manager of the "
        f"council, as can_sign_off_closure allows (answered {response.status_code})"
    )
    assert client.post(url(enquiry, "close/sign-off/"), {"action": "approve"}).status_code == 302
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.CLOSED


def closed_edit_pages(enquiry: Enquiry) -> list[str]:
    outcome = enquiry.outcomes.get()
    referral = enquiry.advocacy_referrals.get()
    action = enquiry.plan_actions.get()
    pages = [
        "details/",
        "outcomes/new/",
        "outcomes/none/",
        f"outcomes/{outcome.uuid}/",
        f"outcomes/{outcome.uuid}/withdraw/",
        "reviews/new/",
        "taking-part/",
        "risk/",
        f"advocacy/{referral.uuid}/",
        f"advocacy/{referral.uuid}/not-going-ahead/",
        f"actions/{action.uuid}/resolve/",
        "close/",
        "close/sign-off/",
        *(f"{part}/new/" for part in PARTS),
    ]
    return [url(enquiry, page) for page in pages] + [url(enquiry, f"actions/{action.uuid}/done/")]


@pytest.mark.parametrize("persona", ["practitioner", "manager", "lead"])
def test_a_closed_enquirys_edit_pages_are_404(client, request, enquiry, practitioner, manager, persona):
    today = timezone.localdate()
    add_outcome(enquiry)
    referral = services.add_record(enquiry, AdvocacyReferral, {"kind": "imca", "referred_on": today})
    action = services.add_record(
        enquiry, PlanAction, {"action": "Check in", "owner_agency": "Police", "due_on": today}
    )
    # The closure gate: neither may be left unresolved. Neither is started or done, so the pages
    # that would start or do them are there to be refused.
    services.mark_advocacy_not_going_ahead(referral, "The person declined it")
    services.resolve_action(action, practitioner, "cancelled", cancelled_reason="No longer needed")
    close(enquiry, practitioner, manager)
    as_user(client, request.getfixturevalue(persona))
    for path in closed_edit_pages(enquiry):
        if not path.endswith("/done/"):
            assert client.get(path).status_code == 404, path
        assert client.post(path, {}).status_code == 404, path
    assert client.get(url(enquiry)).status_code == 200
    assert client.get(url(enquiry, "feedback/new/")).status_code == 200, "feedback is asked after closure"
    assert enquiry.plan_actions.get().done_on is None


# --- Feedback --------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["adult", "representative"])
def test_the_feedback_form_uses_the_right_wording(as_practitioner, enquiry, version):
    page = body(as_practitioner.get(url(enquiry, f"feedback/new/?version={version}")))
    index = 0 if version == "adult" else 1
    for wording in services.FEEDBACK_QUESTIONS.values():
        assert wording[index] in page
        if wording[0] != wording[1]:
            assert wording[1 - index] not in page
    assert ('name="representative_relationship"' in page) is (version == "representative")
    assert "Every question is optional." in page


def test_an_unknown_feedback_version_is_404(as_practitioner, enquiry):
    assert as_practitioner.get(url(enquiry, "feedback/new/?version=child")).status_code == 404
    assert as_practitioner.get(url(enquiry, "feedback/easy-read.pdf?version=child")).status_code == 404


def feedback_post(**overrides) -> dict:
    data = {"asked_by": "independent", "asked_on": timezone.localdate()}
    data.update(overrides)
    return data


@pytest.mark.parametrize("version", ["adult", "representative"])
def test_feedback_with_only_who_and_when_is_accepted(as_practitioner, enquiry, practitioner, version):
    extra = {"representative_relationship": "Daughter"} if version == "representative" else {}
    response = post(as_practitioner, url(enquiry, f"feedback/new/?version={version}"), feedback_post(**extra))
    assert response.status_code == 302
    feedback = enquiry.feedback.get()
    assert (feedback.version, feedback.asked_by, feedback.recorded_by) == (
        version,
        "independent",
        practitioner,
    )
    assert (feedback.listened_to, feedback.involved, feedback.safer, feedback.happy_with_ending) == ("",) * 4
    assert feedback.representative_relationship == extra.get("representative_relationship", "")


def test_feedback_answers_and_words_are_saved(as_practitioner, enquiry):
    data = feedback_post(
        listened_to="Definitely",
        involved="To some extent",
        safer="Not at all",
        happy_with_ending="Prefer not to say",
        comments="They listened to me",
        consent_to_quote="on",
    )
    assert post(as_practitioner, url(enquiry, "feedback/new/?version=adult"), data).status_code == 302
    feedback = enquiry.feedback.get()
    assert (feedback.listened_to, feedback.involved, feedback.safer, feedback.happy_with_ending) == (
        "Definitely",
        "To some extent",
        "Not at all",
        "Prefer not to say",
    )
    assert feedback.comments == "They listened to me" and feedback.consent_to_quote is True


@pytest.mark.parametrize(
    ("version", "overrides", "message"),
    [
        ("representative", {}, "Enter the representative's relationship to the person"),
        ("adult", {"consent_to_quote": "on"}, "There are no words to quote: enter them, or untick the box"),
        (
            "adult",
            {"consent_to_quote": "on", "comments": "  "},
            "There are no words to quote: enter them, or untick the box",
        ),
        ("adult", {"asked_by": None}, "Select who asked"),
        ("adult", {"asked_on": None}, "Enter the date asked"),
        ("adult", {"asked_on": TOMORROW}, "The date asked must be today or in the past"),
    ],
)
def test_invalid_feedback_shows_the_error_and_saves_nothing(
    as_practitioner, enquiry, version, overrides, message
):
    response = post(
        as_practitioner, url(enquiry, f"feedback/new/?version={version}"), {**feedback_post(), **overrides}
    )
    assert_error(response, message)
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("version", ["adult", "representative"])
def test_the_easy_read_pdf(as_practitioner, enquiry, version):
    response = as_practitioner.get(url(enquiry, f"feedback/easy-read.pdf?version={version}"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert enquiry.reference in response["Content-Disposition"]
    for name in ("Edna", "Marsh"):
        assert name not in response["Content-Disposition"]


def test_the_easy_read_links_carry_no_name(as_practitioner, enquiry):
    pages = [
        body(as_practitioner.get(url(enquiry))),
        body(as_practitioner.get(url(enquiry, "feedback/new/?version=representative"))),
    ]
    links = [link for page in pages for link in re.findall(r'href="([^"]*easy-read[^"]*)"', page)]
    assert links, "the enquiry page and the feedback form link to the easy-read PDF"
    for link in links:
        assert link.startswith(url(enquiry, "feedback/easy-read.pdf?version="))
        assert "Edna" not in link and "Marsh" not in link


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("practitioner", True),
        ("manager", True),
        ("lead", True),
        ("locality_practitioner", False),
        ("locality_manager", False),
    ],
)
def test_feedback_words_are_for_the_team_and_the_lead(client, request, enquiry, practitioner, persona, sees):
    services.record_feedback(
        enquiry,
        practitioner,
        feedback_data(comments="The social worker was kind to me", listened_to="Definitely"),
    )
    as_user(client, request.getfixturevalue(persona))
    response = client.get(url(enquiry))
    assert response.status_code == 200, "everyone in the council's casework may view the enquiry"
    assert ("The social worker was kind to me" in body(response)) is sees
    assert ("The person's feedback" in body(response)) is sees
    assert ("Add a desired outcome" in body(response)) is sees, "another team's staff only view the enquiry"
    expected = 200 if sees else 404
    assert client.get(url(enquiry, "feedback/new/")).status_code == expected


def test_feedback_due_lists_closed_enquiries_until_feedback_is_recorded(
    make_enquiry, client, practitioner, manager
):
    closed = close(make_enquiry(), practitioner, manager)
    still_open = make_enquiry()
    as_user(client, practitioner)
    refs = enquiry_refs(client.get("/enquiries/feedback-due/"))
    assert closed.reference in refs and still_open.reference not in refs
    response = post(client, url(closed, "feedback/new/?version=adult"), feedback_post())
    assert response.status_code == 302
    assert closed.reference not in enquiry_refs(client.get("/enquiries/feedback-due/"))


def test_feedback_due_drops_enquiries_closed_more_than_eight_weeks_ago(
    make_enquiry, client, practitioner, manager
):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        enquiry = close(make_enquiry(), practitioner, manager)
    as_user(client, practitioner)
    with time_machine.travel(at(2026, 4, 27, 20, 0), tick=False):
        assert enquiry.reference in enquiry_refs(client.get("/enquiries/feedback-due/"))
    with time_machine.travel(at(2026, 4, 28, 9, 0), tick=False):
        assert enquiry.reference not in enquiry_refs(client.get("/enquiries/feedback-due/"))


# --- Caseloads -------------------------------------------------------------------------------------


@pytest.fixture
def caseload(make_enquiry, practitioner, manager, locality_practitioner):
    """One enquiry in each state, by letter:

    a: practitioner's s42, review not yet due, a done past action and a future action
    b: practitioner's other enquiry, review overdue
    c: Locality practitioner's s42, an action overdue
    d: manager's s42 (Front Door), awaiting closure sign-off
    e: practitioner's s42, closed
    """
    today = timezone.localdate()
    a = make_enquiry(family_name="Abbott")
    b = make_enquiry(kind="other", family_name="Baker")
    c = make_enquiry(lead=locality_practitioner, family_name="Clarke")
    d = make_enquiry(lead=manager, family_name="Dixon")
    e = make_enquiry(family_name="Evans")
    services.add_record(
        a,
        PlanAction,
        {"action": "Done", "owner_agency": "Police", "due_on": today - timedelta(days=3), "done_on": today},
    )
    services.add_record(
        a, PlanAction, {"action": "Later", "owner_agency": "Police", "due_on": today + timedelta(1)}
    )
    services.add_record(a, PlanAction, {"action": "Today", "owner_agency": "Police", "due_on": today})
    Enquiry.objects.filter(pk=b.pk).update(next_review_due=today - timedelta(days=1))
    services.add_record(
        c, PlanAction, {"action": "Late", "owner_agency": "NHS", "due_on": today - timedelta(1)}
    )
    request_complete_closure(d, manager)
    close(e, practitioner, manager)
    return {key: value.reference for key, value in zip("abcde", [a, b, c, d, e], strict=True)}


def refs_of(caseload: dict, letters: str) -> set[str]:
    return {caseload[letter] for letter in letters}


@pytest.mark.parametrize(
    ("query", "letters"),
    [
        ("", "ab"),
        ("?show=mine", "ab"),
        ("?show=team", "abd"),
        ("?show=all", "abcd"),
        ("?show=review_overdue", "b"),
        ("?show=actions_overdue", "c"),
        ("?show=sign_off", "d"),
        ("?show=closed", "e"),
        ("?show=all&kind=s42", "acd"),
        ("?show=all&kind=other", "b"),
        ("?show=closed&kind=other", ""),
        ("?show=mine&kind=s42", "a"),
    ],
)
def test_each_caseload_filter_returns_exactly_its_enquiries(as_practitioner, caseload, query, letters):
    assert set(enquiry_refs(as_practitioner.get(f"/enquiries/{query}"))) == refs_of(caseload, letters)


@pytest.mark.parametrize(
    ("persona", "query", "letters"),
    [
        ("locality_practitioner", "", "c"),
        ("locality_practitioner", "?show=team", "c"),
        ("locality_manager", "?show=team", "c"),
        ("manager", "", "d"),
        ("manager", "?show=team", "abd"),
        ("lead", "", "abcd"),
        ("lead", "?show=team", ""),
        ("lead", "?show=closed", "e"),
    ],
)
def test_caseloads_for_other_personas(client, request, caseload, persona, query, letters):
    as_user(client, request.getfixturevalue(persona))
    assert set(enquiry_refs(client.get(f"/enquiries/{query}"))) == refs_of(caseload, letters)


@pytest.mark.parametrize(
    "query",
    [
        "?show=everything",
        "?show=",
        "?sort=password",
        "?sort=-person__date_of_birth",
        "?sort=person__family_name;drop",
        "?kind=s43",
        "?page=abc",
        "?page=-1",
        "?page=999",
        "?show=mine&show=all",
    ],
)
def test_invalid_caseload_values_fall_back_safely(as_practitioner, caseload, query):
    response = as_practitioner.get(f"/enquiries/{query}")
    assert response.status_code == 200
    assert set(enquiry_refs(response)) <= refs_of(caseload, "abcd")


def test_an_invalid_show_value_falls_back_to_my_enquiries(as_practitioner, caseload):
    assert set(enquiry_refs(as_practitioner.get("/enquiries/?show=everything"))) == refs_of(caseload, "ab")


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("person__family_name", ["Abbott", "Baker", "Clarke", "Dixon"]),
        ("reference", ["Abbott", "Baker", "Clarke", "Dixon"]),
        ("started_at", ["Abbott", "Baker", "Clarke", "Dixon"]),
        ("-started_at", ["Dixon", "Clarke", "Baker", "Abbott"]),
        ("next_review_due", ["Baker", "Abbott", "Clarke", "Dixon"]),
    ],
)
def test_caseload_sorting(make_enquiry, client, lead, sort, expected):
    # Started a day apart in an order different from the names, so each sort is visible.
    made = {}
    for day, name in zip([3, 4, 5, 6], ["Abbott", "Baker", "Clarke", "Dixon"], strict=True):
        with time_machine.travel(at(2026, 3, day), tick=False):
            made[name] = make_enquiry(family_name=name)
    Enquiry.objects.filter(pk=made["Baker"].pk).update(next_review_due=date(2026, 3, 1))
    as_user(client, lead)
    refs = enquiry_refs(client.get(f"/enquiries/?show=all&sort={sort}"))
    assert refs == [made[name].reference for name in expected]


def test_the_caseload_pages_at_25(make_enquiry, as_practitioner):
    refs = {make_enquiry().reference for _ in range(26)}
    first = as_practitioner.get("/enquiries/?show=mine&sort=reference")
    assert "26 enquiries." in body(first)
    first_refs = enquiry_refs(first)
    assert len(first_refs) == 25
    second_refs = enquiry_refs(as_practitioner.get("/enquiries/?show=mine&sort=reference&page=2"))
    assert len(second_refs) == 1
    assert set(first_refs) | set(second_refs) == refs
    assert 'href="?show=mine&amp;sort=reference&amp;page=2"' in body(first), "the next page keeps the filters"
    last = as_practitioner.get("/enquiries/?show=mine&sort=reference&page=999")
    assert enquiry_refs(last) == second_refs, "a page past the end shows the last page"


def test_the_caseload_links_to_the_other_work_lists(as_practitioner):
    page = body(as_practitioner.get("/enquiries/"))
    assert 'href="/concerns/?show=overdue"' in page and 'href="/enquiries/feedback-due/"' in page
    assert as_practitioner.get("/concerns/?show=overdue").status_code == 200
    assert as_practitioner.get("/enquiries/feedback-due/").status_code == 200


# session, user, organisation, count, enquiries (with outcome counts and overdue actions); 2 spare
CASELOAD_QUERY_BUDGET = 7
# session, user, organisation, enquiry (with its person and council; then its lead practitioner, team,
# concern and partner, each by primary key: 4), access log (the chain's newest entry, locked, and the
# new one), may edit, may read feedback, outcomes, reviews and their progress (2), capacity check, then
# one query for each list on the page (7), the documents list and whether one may be added (3); 1 spare
ENQUIRY_PAGE_QUERY_BUDGET = 28


def test_caseload_queries_do_not_grow_with_rows(
    make_enquiry, as_practitioner, practitioner, django_assert_max_num_queries
):
    def build(n: int) -> None:
        for _ in range(n):
            enquiry = make_enquiry()
            add_outcome(enquiry)
            services.add_record(
                enquiry,
                PlanAction,
                {"action": "Late", "owner_agency": "NHS", "due_on": timezone.localdate() - timedelta(1)},
            )

    build(2)
    with CaptureQueriesContext(connection) as few:
        assert as_practitioner.get("/enquiries/?show=mine").status_code == 200
    build(18)
    with django_assert_max_num_queries(CASELOAD_QUERY_BUDGET):
        with CaptureQueriesContext(connection) as many:
            response = as_practitioner.get("/enquiries/?show=mine")
    assert len(enquiry_refs(response)) == 20
    assert len(many) == len(few), "the caseload makes the same number of queries for 2 and 20 enquiries"


def test_enquiry_page_queries_do_not_grow_with_records(
    enquiry, as_practitioner, practitioner, django_assert_max_num_queries
):
    fill_record(enquiry, practitioner, 2)
    with CaptureQueriesContext(connection) as few:
        assert as_practitioner.get(url(enquiry)).status_code == 200
    fill_record(enquiry, practitioner, 18, start=2)
    with django_assert_max_num_queries(ENQUIRY_PAGE_QUERY_BUDGET):
        with CaptureQueriesContext(connection) as many:
            response = as_practitioner.get(url(enquiry))
    page = body(response)
    assert "Outcome number 19" in page and "Words 1" in page and "Progress 19" in page
    assert len(many) == len(few), "the enquiry page makes the same number of queries for 2 and 20 of each"
