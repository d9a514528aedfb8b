"""Shared factories and helpers for the enquiry tests (test_enquiry_rules.py, test_enquiry_views.py).

Enquiries are made the way the application makes them: a concern is raised, linked to a person,
decided by a practitioner and signed off by a team manager, which opens the enquiry.
"""

import html
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from msphub.concerns import services as concern_services
from msphub.core import categories
from msphub.enquiries import services
from msphub.enquiries.models import (
    AdvocacyReferral,
    BestInterestsDecision,
    CapacityAssessment,
    DesiredOutcome,
    Enquiry,
    Feedback,
    Involvement,
    PlanAction,
)

LONDON = ZoneInfo("Europe/London")
EXPRESSED = categories.ASKED_AND_EXPRESSED
NONE_EXPRESSED = categories.ASKED_NONE_EXPRESSED
LACKED = categories.LACKED_CAPACITY
RISK_ACTION = "Risk identified and action taken"
NO_RISK = "No risk identified and no action taken"

ENQUIRY_LINK_RE = re.compile(r'href="/enquiries/(ENQ-\d{4}-\d{6})/"')
SUMMARY_RE = re.compile(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', re.S)
LI_RE = re.compile(r"<li>(.*?)</li>", re.S)
TAG_RE = re.compile(r"<[^>]+>")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment in local (London) time, for time_machine."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


# --- Reading pages -------------------------------------------------------------------------------


def body(response) -> str:
    return response.content.decode()


def summary_items(response) -> list[str]:
    """The items of the first error summary on the page, as plain text."""
    match = SUMMARY_RE.search(body(response))
    if not match:
        return []
    return [html.unescape(TAG_RE.sub("", item)).strip() for item in LI_RE.findall(match.group(1))]


def assert_error(response, message: str) -> None:
    """The page was shown again with the GOV.UK error summary naming this message."""
    assert response.status_code == 200, f"expected the form again, got {response.status_code}"
    text = body(response)
    assert "govuk-error-summary" in text and "There is a problem" in text, "no GOV.UK error summary"
    assert message in summary_items(response), summary_items(response)


def enquiry_refs(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return list(dict.fromkeys(ENQUIRY_LINK_RE.findall(body(response))))


def url(enquiry: Enquiry, page: str = "") -> str:
    return f"/enquiries/{enquiry.reference}/{page}"


def date_parts(name: str, value: date) -> dict[str, str]:
    return {f"{name}_day": str(value.day), f"{name}_month": str(value.month), f"{name}_year": str(value.year)}


# --- Data ----------------------------------------------------------------------------------------


def outcome_data(**overrides) -> dict:
    """What services.add_outcome takes (as the view passes it)."""
    data = {
        "words": "I want my son to stop taking my money",
        "category": "Stop the abuse or neglect",
        "expressed_by": DesiredOutcome.ExpressedBy.ADULT,
        "representative_name": "",
        "expressed_on": timezone.localdate(),
        "negotiated_outcome": "",
        "negotiated_reason": "",
        "negotiated_note": "",
    }
    data.update(overrides)
    return data


def outcome_post(**overrides) -> dict:
    """What the add/change outcome form posts."""
    data = {
        "words": "I want my son to stop taking my money",
        "category": "Stop the abuse or neglect",
        "expressed_by": "adult",
        "representative_name": "",
        **date_parts("expressed_on", timezone.localdate()),
        "negotiated_outcome": "",
        "negotiated_note": "",
    }
    data.update(overrides)
    return data


# What the closing page posts for the three groups of what the enquiry found (as the concern of
# conftest.concern_answers recorded them).
FINDINGS_POST = {
    "found_risk_types": ["Physical Abuse", "Neglect and Acts of Omission"],
    "found_locations": ["Own Home"],
    "found_sources": ["Service Provider"],
}


def closure_data(**overrides) -> dict:
    """A complete set of closure answers for an enquiry with no desired outcomes expressed."""
    data = {
        "closure_reason": Enquiry.ClosureReason.COMPLETE,
        "closure_note": "Plan in place; the person feels safer.",
        "msp_asked": NONE_EXPRESSED,
        "risk_assessment_outcome": NO_RISK,
        "risk_outcome": "",
        "mental_capacity": "No, they did not lack capacity",
        "capacity_supported": None,
    }
    data.update(overrides)
    return data


def add_outcome(enquiry: Enquiry, words: str = "I want to feel safe at home", **overrides) -> DesiredOutcome:
    return services.add_outcome(enquiry, outcome_data(words=words, **overrides))


def request_complete_closure(enquiry: Enquiry, user, achievement: str = "Fully Achieved") -> None:
    """Ask for closure with every item answered; outcomes, if any, all get ``achievement``."""
    active = list(enquiry.outcomes.filter(withdrawn_on__isnull=True))
    data = closure_data(msp_asked=EXPRESSED if active else NONE_EXPRESSED)
    missing = services.request_closure(
        enquiry, user, data, {o.pk: achievement for o in active}, {o.pk: "" for o in active}
    )
    assert missing == [], missing


def close(enquiry: Enquiry, requester, signer) -> Enquiry:
    """Request closure as ``requester`` and sign it off as ``signer``."""
    request_complete_closure(enquiry, requester)
    services.sign_off_closure(enquiry, signer)
    enquiry.refresh_from_db()
    return enquiry


def feedback_data(**overrides) -> dict:
    data = {
        "version": Feedback.Version.ADULT,
        "asked_by": Feedback.AskedBy.PRACTITIONER,
        "asked_on": timezone.localdate(),
    }
    data.update(overrides)
    return data


def fill_record(enquiry: Enquiry, user, n: int, start: int = 0) -> None:
    """n more of everything on the enquiry page (numbered from ``start``): outcomes, reviews with
    progress, contacts, capacity, best-interests decisions, advocacy, plan actions and feedback."""
    today = timezone.localdate()
    for i in range(start, start + n):
        outcome = add_outcome(enquiry, f"Outcome number {i}")
        services.record_review(
            enquiry,
            user,
            {"held_on": today, "participants": "Edna and me", "persons_view": f"View {i}"},
            {outcome.pk: f"Progress {i}"},
        )
        services.add_record(
            enquiry,
            Involvement,
            {
                "held_on": today,
                "kind": "visit",
                "place": "Home",
                "attendees": "Edna",
                "participation": "home",
                "minutes": "",
            },
            user,
        )
        services.add_record(
            enquiry,
            CapacityAssessment,
            {"decision": f"Decision {i}", "assessed_on": today, "assessor": "Pat", "outcome": "has"},
        )
        services.add_record(
            enquiry,
            BestInterestsDecision,
            {
                "decision": f"Decision {i}",
                "decided_on": today,
                "decision_maker": "Pat",
                "consulted": "Daughter",
                "outcome": "Stay at home",
            },
        )
        services.add_record(
            enquiry,
            AdvocacyReferral,
            {"kind": "care_act", "referred_on": today, "advocate_name": "Ann Advocate"},
        )
        services.add_record(
            enquiry,
            PlanAction,
            {"action": f"Action {i}", "owner_agency": "Police", "due_on": today},
        )
        if i < 2:  # an enquiry takes one answer of each version: the adult's, a representative's
            version = (Feedback.Version.ADULT, Feedback.Version.REPRESENTATIVE)[i]
            relationship = "Daughter" if i else ""
            data = feedback_data(
                version=version, representative_relationship=relationship, comments=f"Words {i}"
            )
            services.record_feedback(enquiry, user, data)


# --- Factories -----------------------------------------------------------------------------------
# tests/conftest.py registers this module as a plugin, so every test module has these fixtures. They
# are named in the decorator, so a module importing a helper from here cannot shadow a test argument.


@pytest.fixture(name="make_enquiry")
def make_enquiry_fixture(make_concern, make_person, practitioner, manager):
    """Open an enquiry through the concern journey.

    The decision is made by ``decider`` (the Front Door practitioner unless given) and signed off by
    ``signer`` (the Front Door manager unless given); the enquiry's team is its lead's team.
    """

    def make(
        lead=None, kind: str = "s42", person=None, family_name: str = "Marsh", decider=None, signer=None
    ):
        decider = decider or practitioner
        person = person or make_person(family_name=family_name)
        return open_enquiry(
            make_concern(), person, decider, signer or manager, lead=lead or practitioner, kind=kind
        )

    return make


def open_enquiry(concern, person, decider, signer, lead=None, kind: str = "s42") -> Enquiry:
    """Link ``concern`` to ``person``; ``decider`` decides on an enquiry (led by ``lead``, else by
    themselves) and ``signer`` signs the decision off, which opens it."""
    concern_services.link_person(concern, person, decider)
    data = {
        "outcome": kind,
        "criterion_care_needs": True,
        "criterion_abuse_risk": True,
        "criterion_cannot_protect": kind == "s42",
        "other_enquiry_reason": "" if kind == "s42" else "Proportionate to check the care plan",
        "rationale": "Bruising explained inconsistently",
        "lead_practitioner": lead or decider,
    }
    decision = concern_services.record_decision(concern, decider, data)
    enquiry = concern_services.sign_off(decision, signer)
    assert enquiry is not None
    return enquiry


@pytest.fixture(name="enquiry")
def enquiry_fixture(make_enquiry) -> Enquiry:
    """An open section 42 enquiry led by the Front Door practitioner."""
    return make_enquiry()


@pytest.fixture(name="as_practitioner")
def as_practitioner_fixture(client, practitioner):
    client.force_login(practitioner)
    return client
