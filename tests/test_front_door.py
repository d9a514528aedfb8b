"""The front door by risk (issue 13): concerns reporting immediate danger or ongoing abuse first in the
queue, the safety action taken asked for (and needed before the decision), the real due time in
London time, the decision's errors all at once, and phone numbers checked."""

import html
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from msphub.concerns import services
from msphub.concerns.models import Concern, Decision
from msphub.concerns.templatetags.front_door import govuk_datetime
from msphub.core.validators import PHONE_MESSAGE, normalise_uk_phone, validate_uk_phone
from tests.conftest import Cast, new_concern, new_person, per_test

pytestmark = pytest.mark.django_db

REF_LINK_RE = re.compile(r'href="/concerns/(CON-\d{4}-\d{6})/"')
SUMMARY_RE = re.compile(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', re.S)
LI_RE = re.compile(r"<li>(.*?)</li>", re.S)
HREF_RE = re.compile(r'<a href="([^"]+)">')
TAG_RE = re.compile(r"<[^>]+>")
NOTHING = {"csrfmiddlewaretoken": "token"}
SAFETY = "The police were called and the carer was kept away; Edna is staying with her daughter."


def body(response) -> str:
    return response.content.decode()


def text(response) -> str:
    """The page as read: tags removed, white space run together."""
    return " ".join(html.unescape(TAG_RE.sub(" ", body(response))).split())


def summary(response) -> list[tuple[str, str]]:
    """The error summary: (message, where its link goes, or "")."""
    match = SUMMARY_RE.search(body(response))
    if not match:
        return []
    rows = []
    for item in LI_RE.findall(match.group(1)):
        link = HREF_RE.search(item)
        rows.append((html.unescape(TAG_RE.sub("", item)).strip(), link.group(1) if link else ""))
    return rows


def url(concern: Concern, page: str = "") -> str:
    return f"/concerns/{concern.reference}/{page}"


def signed_in(client, user):
    client.force_login(user)
    return client


def queue_references(client, query: str = "") -> list[str]:
    response = client.get(f"/concerns/{query}")
    assert response.status_code == 200
    return list(dict.fromkeys(REF_LINK_RE.findall(body(response))))


# --- A full queue, built once --------------------------------------------------------------------


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    """55 concerns received two days and more ago (more than a page of 50), then one reporting
    ongoing abuse, one reporting immediate danger received a minute ago, and the newest, with no
    risk reported."""
    with django_db_blocker.unblock():
        cast = Cast()
        now = timezone.now()
        w = SimpleNamespace(cast=cast)
        w.old = [
            new_concern(cast.council, received_at=now - timedelta(days=2, hours=55 - i)) for i in range(55)
        ]
        w.ongoing = new_concern(cast.council, still_happening=True, received_at=now - timedelta(hours=3))
        w.danger = new_concern(cast.council, immediate_danger=True, received_at=now - timedelta(minutes=1))
        w.newest = new_concern(cast.council, received_at=now - timedelta(seconds=30))
        w.hillside_danger = new_concern(
            cast.council, target_council=cast.other_council, immediate_danger=True
        )
        return w


@pytest.fixture
def world(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


def test_immediate_danger_is_first_on_page_1_though_newest(client, world, practitioner):
    w = world
    first_page = queue_references(signed_in(client, practitioner))
    # Risk first (immediate danger, then ongoing abuse), then the overdue first contacts, oldest first.
    assert first_page[:3] == [w.danger.reference, w.ongoing.reference, w.old[0].reference]
    assert len(first_page) == 50
    assert w.newest.reference not in first_page, "no risk reported and not overdue: after the overdue"
    assert w.newest.reference in queue_references(client, "?page=2")
    page = text(client.get("/concerns/"))
    assert page.count("Immediate danger") == 1 and page.count("Ongoing abuse") == 1
    assert "Concerns reporting immediate danger come first, then those reporting ongoing abuse" in page
    assert "+ 24h" not in page


def test_another_councils_danger_is_not_in_the_queue(client, world, other_council_user):
    refs = queue_references(signed_in(client, other_council_user))
    assert refs == [world.hillside_danger.reference]


@pytest.mark.parametrize("persona", ["partner_referrer", "board_viewer"])
def test_the_queue_is_not_for_partners_or_the_board(client, world, persona, request):
    response = signed_in(client, request.getfixturevalue(persona)).get("/concerns/")
    assert response.status_code in (403, 404)
    assert world.danger.reference not in body(response)


# --- The real due time, in London time -----------------------------------------------------------

# British Summer Time ends at 2am on Sunday 25 October 2026 and starts at 1am on Sunday 29 March 2026.
AUTUMN_RECEIVED = datetime(2026, 10, 24, 17, 30, tzinfo=UTC)  # 6:30pm BST
SPRING_RECEIVED = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)  # 9:00am GMT


def _due_cell(client, concern: Concern) -> str:
    page = text(client.get("/concerns/"))
    start = page.index(concern.reference)
    return page[start : start + 400]


@pytest.mark.parametrize(
    ("received", "now", "received_shown", "due_shown"),
    [
        # 24 hours after 6:30pm BST is 5:30pm GMT, the clocks having gone back in between.
        (
            AUTUMN_RECEIVED,
            datetime(2026, 10, 25, 9, 0, tzinfo=UTC),
            "24 October 2026, 6:30pm",
            "Due by 25 October 2026, 5:30pm",
        ),
        (
            SPRING_RECEIVED,
            datetime(2026, 3, 28, 20, 0, tzinfo=UTC),
            "28 March 2026, 9:00am",
            "Due by 29 March 2026, 10:00am",
        ),
        (
            AUTUMN_RECEIVED,
            datetime(2026, 10, 26, 9, 0, tzinfo=UTC),
            "24 October 2026, 6:30pm",
            "Overdue since 25 October 2026, 5:30pm",
        ),
    ],
)
def test_due_time_is_shown_in_london_time_across_a_clock_change(
    client, make_concern, practitioner, received, now, received_shown, due_shown
):
    with time_machine.travel(now, tick=False):
        concern = make_concern(received_at=received)
        cell = _due_cell(signed_in(client, practitioner), concern)
        assert received_shown in cell
        assert due_shown in cell, cell
        assert "+ 24h" not in cell
        detail = text(client.get(url(concern)))
        assert due_shown.replace("Due by", "Not yet. Due by") in detail or due_shown in detail


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2026, 12, 1, 17, 59, tzinfo=UTC), "1 December 2026, 5:59pm"),
        (datetime(2026, 7, 1, 16, 59, tzinfo=UTC), "1 July 2026, 5:59pm"),  # BST
        (datetime(2026, 12, 2, 0, 0, tzinfo=UTC), "2 December 2026, midnight"),
        (datetime(2026, 12, 2, 12, 0, tzinfo=UTC), "2 December 2026, midday"),
        (datetime(2026, 12, 2, 0, 5, tzinfo=UTC), "2 December 2026, 12:05am"),
        (None, ""),
    ],
)
def test_govuk_datetime(moment, shown):
    assert govuk_datetime(moment) == shown


# --- The safety action taken ---------------------------------------------------------------------


@pytest.fixture
def danger(make_concern, make_person, practitioner) -> Concern:
    """Immediate danger reported, picked up by the Front Door practitioner and linked to a person."""
    concern = make_concern(immediate_danger=True)
    services.link_person(concern, make_person(), practitioner)
    concern.refresh_from_db()
    return concern


def test_a_concern_reporting_risk_asks_for_the_safety_action(client, danger, make_concern, practitioner):
    signed_in(client, practitioner)
    page = text(client.get(url(danger)))
    assert "Record the safety action taken. This concern reports immediate danger" in page
    ongoing = text(client.get(url(make_concern(still_happening=True))))
    assert "Record the safety action taken. This concern reports ongoing abuse" in ongoing
    quiet = text(client.get(url(make_concern())))
    assert "Record the safety action taken. This concern" not in quiet


def test_recording_the_safety_action(client, danger, practitioner):
    signed_in(client, practitioner)
    assert client.get(url(danger, "safety-action/")).status_code == 200
    response = client.post(url(danger, "safety-action/"), {"safety_action": f"  {SAFETY}  "})
    assert response.status_code == 302
    assert response["Location"] == url(danger)
    danger.refresh_from_db()
    assert danger.safety_action == SAFETY
    assert danger.safety_action_by == practitioner
    assert danger.safety_action_at is not None
    assert not danger.needs_safety_action
    page = text(client.get(url(danger)))
    assert SAFETY in page
    assert "Record the safety action taken. This concern" not in page
    assert danger.history.filter(safety_action=SAFETY).exists(), "kept in the concern's history"
    # Recorded again, it replaces the last (the history keeps both).
    client.post(url(danger, "safety-action/"), {"safety_action": "A protection plan was agreed."})
    danger.refresh_from_db()
    assert danger.safety_action == "A protection plan was agreed."
    assert danger.history.filter(safety_action=SAFETY).exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter the safety action taken"),
        ("   ", "Enter the safety action taken"),
        ("x" * 5001, "What has been done to keep the adult safe must be 5,000 characters or fewer"),
    ],
)
def test_safety_action_messages(client, danger, practitioner, value, message):
    response = signed_in(client, practitioner).post(url(danger, "safety-action/"), {"safety_action": value})
    assert response.status_code == 200
    assert (message, "#id_safety_action") in summary(response)
    assert f'<span class="govuk-visually-hidden">Error:</span> {message}' in body(response)
    danger.refresh_from_db()
    assert danger.safety_action == ""


def test_an_empty_post_shows_the_message(client, danger, practitioner):
    response = signed_in(client, practitioner).post(url(danger, "safety-action/"), NOTHING)
    assert ("Enter the safety action taken", "#id_safety_action") in summary(response)


@pytest.mark.parametrize(
    "persona", ["locality_practitioner", "partner_referrer", "board_viewer", "other_council_user"]
)
def test_only_who_may_triage_it_records_the_safety_action(client, danger, persona, request):
    """Another team's practitioner (the concern is the Front Door's), a partner, the board and
    another council's user: 404, and nothing saved."""
    signed_in(client, request.getfixturevalue(persona))
    assert client.get(url(danger, "safety-action/")).status_code == 404
    assert client.post(url(danger, "safety-action/"), {"safety_action": SAFETY}).status_code == 404
    danger.refresh_from_db()
    assert danger.safety_action == ""


def test_the_lead_records_the_safety_action(client, danger, lead):
    response = signed_in(client, lead).post(url(danger, "safety-action/"), {"safety_action": SAFETY})
    assert response.status_code == 302
    danger.refresh_from_db()
    assert danger.safety_action_by == lead


def test_no_safety_action_page_once_decided(client, danger, practitioner, manager):
    services.record_safety_action(danger, practitioner, SAFETY)
    decision = services.record_decision(danger, practitioner, _s42(practitioner))
    services.sign_off(decision, manager)
    signed_in(client, practitioner)
    assert client.get(url(danger, "safety-action/")).status_code == 404
    assert "Record the safety action taken" not in text(client.get(url(danger)))


def test_safety_action_on_a_concern_decided_meanwhile_is_refused(danger, practitioner, manager):
    """A page read before the decision was signed off: the service checks under the row lock."""
    stale = Concern.objects.get(pk=danger.pk)
    services.record_safety_action(danger, practitioner, SAFETY)
    services.sign_off(services.record_decision(danger, practitioner, _s42(practitioner)), manager)
    assert stale.status == Concern.Status.TRIAGE  # as the page read it
    with pytest.raises(ValidationError, match="decided"):
        services.record_safety_action(stale, practitioner, "Too late")
    assert Concern.objects.get(pk=danger.pk).safety_action == SAFETY


# --- The decision: every error at once, and the safety action first ------------------------------


def _s42(lead) -> dict:
    return {
        "outcome": "s42",
        "criterion_care_needs": True,
        "criterion_abuse_risk": True,
        "criterion_cannot_protect": True,
        "lead_practitioner": lead,
        "rationale": "All three criteria are met",
    }


def test_the_decision_waits_for_the_safety_action(danger, practitioner):
    with pytest.raises(ValidationError, match="Record the safety action taken before the decision"):
        services.record_decision(danger, practitioner, _s42(practitioner))
    assert not Decision.objects.exists()
    services.record_safety_action(danger, practitioner, SAFETY)
    services.record_decision(danger, practitioner, _s42(practitioner))
    assert Decision.objects.filter(concern=danger).exists()


def test_a_concern_reporting_no_risk_needs_no_safety_action(make_concern, make_person, practitioner):
    concern = make_concern()
    services.link_person(concern, make_person(), practitioner)
    services.record_decision(concern, practitioner, _s42(practitioner))
    assert Decision.objects.filter(concern=concern).exists()


def test_the_decision_form_shows_every_error_at_once(client, make_concern, practitioner):
    """Not linked to a person, no safety action, one criterion missing, nobody to lead it and no
    reasons: one post, one summary, each message linked to where it is put right."""
    concern = make_concern(immediate_danger=True)
    services.pick_up(concern, practitioner)
    signed_in(client, practitioner)
    page = text(client.get(url(concern, "decision/")))
    assert "Record the safety action taken before the decision" in page
    response = client.post(
        url(concern, "decision/"),
        {"outcome": "s42", "criterion_care_needs": "on", "criterion_abuse_risk": "on"},
    )
    assert response.status_code == 200
    assert summary(response) == [
        ("Link the concern to a person before recording a decision", url(concern, "person/")),
        ("Record the safety action taken before the decision", url(concern, "safety-action/")),
        (
            "A section 42 enquiry needs all three criteria to be met. If they are not, choose other "
            "safeguarding enquiry or no enquiry",
            "#id_criterion_care_needs",
        ),
        ("Select who will lead the enquiry", "#id_lead_practitioner"),
        ("Enter the reasons for the decision", "#id_rationale"),
    ]
    page = body(response)
    assert page.count("govuk-form-group--error") == 3  # the criteria, the lead, the reasons
    assert '<p id="criteria-error" class="govuk-error-message">' in page
    assert "<title>Error: " in page
    assert not Decision.objects.exists()


def test_the_decision_form_accepts_a_complete_decision(client, danger, practitioner):
    services.record_safety_action(danger, practitioner, SAFETY)
    response = signed_in(client, practitioner).post(
        url(danger, "decision/"),
        {
            "outcome": "s42",
            "criterion_care_needs": "on",
            "criterion_abuse_risk": "on",
            "criterion_cannot_protect": "on",
            "lead_practitioner": practitioner.pk,
            "rationale": "All three criteria are met",
        },
    )
    assert response.status_code == 302, summary(response)
    assert Decision.objects.get(concern=danger).decided_by == practitioner


def test_an_invalid_lead_is_one_message(client, danger, practitioner, other_council_user):
    services.record_safety_action(danger, practitioner, SAFETY)
    response = signed_in(client, practitioner).post(
        url(danger, "decision/"),
        {
            "outcome": "other",
            "other_enquiry_reason": "x",
            "lead_practitioner": other_council_user.pk,
            "rationale": "x",
        },
    )
    messages = [m for m, _ in summary(response)]
    assert len(messages) == 1 and messages[0].startswith("Select a valid choice"), messages


def test_the_sign_off_page_shows_the_safety_action(client, danger, practitioner, manager):
    services.record_safety_action(danger, practitioner, SAFETY)
    services.record_decision(danger, practitioner, _s42(practitioner))
    assert SAFETY in text(signed_in(client, manager).get(url(danger, "sign-off/")))


# --- Phone numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("01632 960 001", "01632960001"),
        ("07700 900 982", "07700900982"),
        ("+44 808 157 0192", "08081570192"),
        ("+44 (0)20 7946 0000", "02079460000"),
        ("0044 7700 900982", "07700900982"),
        ("+44 07700 900982", "07700900982"),
        ("(01632) 960-001", "01632960001"),
        ("016977 4321", "0169774321"),
    ],
)
def test_uk_phone_numbers_are_accepted(typed, digits):
    validate_uk_phone(typed)
    assert normalise_uk_phone(typed) == digits


@pytest.mark.parametrize(
    "typed",
    [
        "999",
        "016329600",
        "016329600011",
        "12345678901",
        "+33 1 23 45 67 89",
        "07700 9OO 982",
        "call me",
        "０７７００９００９８２",
    ],
)
def test_other_phone_numbers_are_refused(typed):
    with pytest.raises(ValidationError) as refused:
        validate_uk_phone(typed)
    assert refused.value.messages == [PHONE_MESSAGE]


# --- A date in error: the red border on each box --------------------------------------------------


def test_a_date_in_error_gets_the_error_border_on_each_part(client, danger, practitioner):
    response = signed_in(client, practitioner).post(
        url(danger, "first-contact/"),
        {"contact_date_day": "31", "contact_date_month": "2", "contact_date_year": "2026"},
    )
    page = body(response)
    boxes = re.findall(r'<input class="([^"]*)" id="id_contact_date_\d"', page)
    assert len(boxes) == 3 and all("govuk-input--error" in classes for classes in boxes), boxes
    fine = body(client.get(url(danger, "first-contact/")))
    assert "govuk-input--error" not in fine


# --- Linking a person: the search starts from the concern -----------------------------------------


def test_link_person_is_pre_filled_and_shows_matches_at_once(client, make_concern, practitioner, council):
    concern = make_concern(adult_date_of_birth=None, adult_postcode="")
    person = new_person(council, given_name="Edna", family_name="Marsh", date_of_birth=None)
    new_person(council, given_name="Walter", family_name="Marsh")
    response = signed_in(client, practitioner).get(url(concern, "person/"))
    page = body(response)
    assert 'name="name" type="text" value="Edna Marsh"' in page
    assert "Records matching the concern's details" in page
    assert str(person.uuid) in page
    assert "Walter" not in page
    assert "No matching records" not in page


def test_link_person_pre_fills_the_date_of_birth_and_postcode(client, make_concern, practitioner):
    concern = make_concern()
    page = body(signed_in(client, practitioner).get(url(concern, "person/")))
    for name, value in (
        ("date_of_birth_day", "17"),
        ("date_of_birth_month", "5"),
        ("date_of_birth_year", "1938"),
    ):
        assert f'name="{name}" type="text" inputmode="numeric" value="{value}"' in page
    assert 'value="RV1 2AB"' in page


def test_link_person_says_a_restricted_record_matches(client, make_concern, practitioner, lead, council):
    concern = make_concern()
    hidden = new_person(council, given_name="Edna", family_name="Marsh", restricted=True, postcode="RV9 9ZZ")
    page = text(signed_in(client, practitioner).get(url(concern, "person/")))
    assert "A restricted record matches your search" in page
    assert f"/people/{hidden.uuid}/emergency-access/" in body(client.get(url(concern, "person/")))
    assert "RV9 9ZZ" not in page, "nothing about the restricted record is shown"
    # The lead may see it: it is listed, with no hint.
    lead_page = text(signed_in(client, lead).get(url(concern, "person/")))
    assert "A restricted record matches your search" not in lead_page
    assert "RV9 9ZZ" in lead_page


def test_link_person_search_by_post_says_a_restricted_record_matches(
    client, make_concern, practitioner, council
):
    concern = make_concern()
    new_person(council, given_name="Rosalind", family_name="Quorn", restricted=True)
    response = signed_in(client, practitioner).post(
        url(concern, "person/"), {"action": "search", "name": "Quorn"}
    )
    page = text(response)
    assert "A restricted record matches your search" in page
    assert "No matching records" not in page


@pytest.mark.parametrize("persona", ["other_council_user", "partner_referrer", "board_viewer"])
def test_link_person_is_not_found_for_outsiders(client, make_concern, persona, request):
    concern = make_concern()
    assert signed_in(client, request.getfixturevalue(persona)).get(url(concern, "person/")).status_code == 404
