"""Triage at the front door, the decision and its sign-off, and the people pages, through the
test client as the personas in conftest (practitioner, manager, lead, partner)."""

import html
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from msphub.accounts.models import Team
from msphub.concerns import services
from msphub.concerns.models import Concern, ConcernNote, Decision, FirstContact
from msphub.core.models import AccessLog
from msphub.enquiries.models import Enquiry
from msphub.people.models import Person, Representative

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
VALID_NHS = "9434765919"  # check digit 9
WRONG_CHECK_DIGIT_NHS = "943 476 5918"
REF_LINK_RE = re.compile(r'href="/concerns/(CON-\d{4}-\d{6})/"')
SUMMARY_RE = re.compile(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', re.S)
LI_RE = re.compile(r"<li>(.*?)</li>", re.S)
TAG_RE = re.compile(r"<[^>]+>")


# What a browser sends for a form with nothing filled in: never an empty body, since the CSRF
# token is always there (the test client skips the CSRF check but the views see the field).
NOTHING = {"csrfmiddlewaretoken": "token"}


def body(response) -> str:
    return response.content.decode()


def error_summary(response) -> list[str]:
    match = SUMMARY_RE.search(body(response))
    if not match:
        return []
    return [html.unescape(TAG_RE.sub("", item)).strip() for item in LI_RE.findall(match.group(1))]


def assert_error(response, message: str) -> None:
    assert response.status_code == 200, response.status_code
    assert "There is a problem" in body(response)
    assert message in error_summary(response), error_summary(response)


def queue_references(client, query: str = "") -> list[str]:
    response = client.get(f"/concerns/{query}")
    assert response.status_code == 200
    return list(dict.fromkeys(REF_LINK_RE.findall(body(response))))


def url(concern: Concern, page: str = "") -> str:
    return f"/concerns/{concern.reference}/{page}"


def date_parts(name: str, day, month, year) -> dict[str, str]:
    return {f"{name}_day": str(day), f"{name}_month": str(month), f"{name}_year": str(year)}


def person_data(**overrides) -> dict:
    data = {
        "given_name": "Edna",
        "family_name": "Marsh",
        **date_parts("date_of_birth", 17, 5, 1938),
        "nhs_number": "",
        "gender": "Female",
        "ethnicity": "White",
        "primary_support_reason": "Support with Memory and Cognition",
        "address": "1 Mill Lane, Riverside",
        "postcode": "RV1 2AB",
    }
    data.update(overrides)
    return data


def s42(lead, **overrides) -> dict:
    data = {
        "outcome": "s42",
        "criterion_care_needs": "on",
        "criterion_abuse_risk": "on",
        "criterion_cannot_protect": "on",
        "lead_practitioner": lead.pk,
        "rationale": "Edna wants the carer changed; all three criteria are met.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def concern(make_concern) -> Concern:
    return make_concern()


@pytest.fixture
def linked(concern, make_person, practitioner) -> Concern:
    """Picked up by the front door practitioner and linked to a person's record."""
    services.link_person(concern, make_person(), practitioner)
    concern.refresh_from_db()
    return concern


@pytest.fixture
def awaiting(linked, practitioner) -> Concern:
    """A section 42 decision recorded by the practitioner, waiting for the manager."""
    services.record_decision(
        linked,
        practitioner,
        {
            "outcome": "s42",
            "criterion_care_needs": True,
            "criterion_abuse_risk": True,
            "criterion_cannot_protect": True,
            "lead_practitioner": practitioner,
            "rationale": "All three criteria are met",
        },
    )
    linked.refresh_from_db()
    return linked


@pytest.fixture
def as_practitioner(client, practitioner):
    client.force_login(practitioner)
    return client


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def as_lead(client, lead):
    client.force_login(lead)
    return client


# --- The front-door queue ------------------------------------------------------------------------


def test_queue_lists_open_concerns_overdue_first_then_oldest(
    as_practitioner, make_concern, practitioner, other_council
):
    now = timezone.now()
    recent = make_concern(received_at=now - timedelta(hours=2))
    overdue_older = make_concern(received_at=now - timedelta(hours=30))
    spoken_to = make_concern(received_at=now - timedelta(hours=50))
    FirstContact.objects.create(
        concern=spoken_to,
        contact_at=now - timedelta(hours=45),
        method="phone",
        spoke_with="adult",
        recorded_by=practitioner,
        wants="For it to stop",
    )
    overdue_newer = make_concern(received_at=now - timedelta(hours=25))
    middle = make_concern(received_at=now - timedelta(hours=10))
    closed = make_concern(received_at=now - timedelta(hours=100))
    Concern.objects.filter(pk=closed.pk).update(status=Concern.Status.CLOSED)
    in_enquiry = make_concern(received_at=now - timedelta(hours=90))
    Concern.objects.filter(pk=in_enquiry.pk).update(status=Concern.Status.ENQUIRY)
    elsewhere = make_concern(target_council=other_council, received_at=now - timedelta(hours=60))

    refs = queue_references(as_practitioner)
    assert refs == [
        overdue_older.reference,
        overdue_newer.reference,
        spoken_to.reference,
        middle.reference,
        recent.reference,
    ]
    page = body(as_practitioner.get("/concerns/"))
    assert page.count('govuk-tag--red">Overdue') == 2
    assert "5 concerns" in page
    for hidden in (closed, in_enquiry, elsewhere):
        assert hidden.reference not in page


def test_queue_filters(client, make_concern, practitioner, manager, locality_practitioner, make_person):
    unallocated = make_concern()
    mine = make_concern()
    services.pick_up(mine, practitioner)
    teammates = make_concern()
    services.pick_up(teammates, manager)
    other_team = make_concern()
    services.pick_up(other_team, locality_practitioner)
    waiting = make_concern()
    services.link_person(waiting, make_person(), manager)
    services.record_decision(
        waiting,
        manager,
        {"outcome": "none", "pathway": "information_advice", "rationale": "Advice is enough"},
    )

    client.force_login(practitioner)
    assert set(queue_references(client)) == {
        unallocated.reference,
        mine.reference,
        teammates.reference,
        other_team.reference,
        waiting.reference,
    }
    assert queue_references(client, "?show=unallocated") == [unallocated.reference]
    assert queue_references(client, "?show=mine") == [mine.reference]
    assert set(queue_references(client, "?show=team")) == {
        mine.reference,
        teammates.reference,
        waiting.reference,
    }
    assert queue_references(client, "?show=sign_off") == [waiting.reference]
    assert len(queue_references(client, "?show=nonsense")) == 5, "an unknown filter shows all"

    client.force_login(locality_practitioner)
    assert queue_references(client, "?show=team") == [other_team.reference]


@pytest.mark.parametrize("persona", ["partner_referrer", "board_viewer", "other_council_user"])
def test_queue_is_for_council_casework_staff(client, concern, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/concerns/")
    if persona == "other_council_user":
        assert response.status_code == 200
        assert concern.reference not in body(response)
    else:
        assert response.status_code == 404


def test_other_staff_pages_render(as_practitioner, concern):
    assert as_practitioner.get("/accounts/home/").status_code == 200
    assert as_practitioner.get("/concerns/raised/").status_code == 200
    assert as_practitioner.get("/health/").json() == {"status": "ok"}


def test_queue_needs_a_login(client, concern):
    response = client.get("/concerns/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _fill_queue(make_concern, make_person, practitioner, count: int) -> None:
    now = timezone.now()
    for i in range(count):
        concern = make_concern(received_at=now - timedelta(hours=i * 7))
        if i % 2:
            services.link_person(concern, make_person(given_name=f"Person{i}"), practitioner)
        if i % 3 == 0:
            services.record_first_contact(
                concern,
                practitioner,
                {
                    "contact_at": now - timedelta(minutes=i),
                    "method": "phone",
                    "spoke_with": "adult",
                    "representative_name": "",
                    "wants": "For it to stop",
                    "notes": "",
                },
            )


QUEUE_QUERY_BUDGET = 8  # session, user, organisation, count, concerns, risk types; 2 spare


def test_queue_query_count_does_not_grow_with_rows(
    as_practitioner, make_concern, make_person, practitioner, django_assert_max_num_queries
):
    _fill_queue(make_concern, make_person, practitioner, 5)
    with CaptureQueriesContext(connection) as few:
        assert as_practitioner.get("/concerns/").status_code == 200
    _fill_queue(make_concern, make_person, practitioner, 25)
    with django_assert_max_num_queries(QUEUE_QUERY_BUDGET):
        with CaptureQueriesContext(connection) as many:
            response = as_practitioner.get("/concerns/")
    assert "30 concerns" in body(response)
    assert len(many) == len(few), "the queue makes the same number of queries for 5 and 30 rows"


def test_immediate_danger_newest_of_30_is_first_on_page_1(
    as_practitioner, make_concern, make_person, practitioner
):
    """The issue's case: an immediate-danger concern sat on page 2, sorted by age. Received last, it
    is now listed first, tagged, and the due time is a real time, not "+ 24h"."""
    _fill_queue(make_concern, make_person, practitioner, 29)
    danger = make_concern(immediate_danger=True)
    refs = queue_references(as_practitioner)
    assert len(refs) == 30
    assert refs[0] == danger.reference
    page = body(as_practitioner.get("/concerns/"))
    assert page.count('govuk-tag--red">Immediate danger') == 1
    assert "+ 24h" not in page
    assert f"Due by {timezone.localtime(danger.first_contact_due()):%-d %B %Y}" in page


# --- Picking up ----------------------------------------------------------------------------------


def test_pick_up_is_post_only(as_practitioner, concern):
    assert as_practitioner.get(url(concern, "pick-up/")).status_code == 405
    concern.refresh_from_db()
    assert concern.assigned_to is None


def test_pick_up_assigns_to_me_and_my_team(as_practitioner, concern, practitioner, front_door):
    response = as_practitioner.post(url(concern, "pick-up/"))
    assert response.status_code == 302
    assert response["Location"] == url(concern)
    concern.refresh_from_db()
    assert concern.assigned_to == practitioner
    assert concern.team == front_door
    assert concern.status == Concern.Status.TRIAGE
    assert f"{concern.reference} is assigned to you" in body(as_practitioner.get(url(concern)))


def test_another_teams_concern_cannot_be_picked_up(client, concern, practitioner, locality_practitioner):
    services.pick_up(concern, practitioner)
    client.force_login(locality_practitioner)
    assert client.post(url(concern, "pick-up/")).status_code == 404
    concern.refresh_from_db()
    assert concern.assigned_to == practitioner


@pytest.mark.parametrize("persona", ["partner_referrer", "other_council_user", "board_viewer"])
def test_outsiders_cannot_pick_up(client, concern, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.post(url(concern, "pick-up/")).status_code == 404
    concern.refresh_from_db()
    assert concern.assigned_to is None


# --- Linking the concern to a person -------------------------------------------------------------


def test_link_page_suggests_likely_matches(as_practitioner, concern, make_person):
    edna = make_person()
    make_person(given_name="Albert", family_name="Jones", date_of_birth=date(1950, 1, 1), postcode="RV9 9ZZ")
    response = as_practitioner.get(url(concern, "person/"))
    assert response.status_code == 200
    page = body(response)
    assert "Possible matches" in page
    assert f'value="{edna.uuid}"' in page
    assert "Same last name and date of birth" in page
    assert "Albert" not in page


def test_link_page_search(as_practitioner, concern, make_person):
    albert = make_person(given_name="Albert", family_name="Jones", date_of_birth=date(1950, 1, 1))
    page = body(as_practitioner.post(url(concern, "person/"), {"action": "search", "name": "albert"}))
    assert f'value="{albert.uuid}"' in page
    assert Concern.objects.get(pk=concern.pk).person is None  # searching links nothing
    # Names in the URL are not searched: search terms never travel there.
    page = body(as_practitioner.get(url(concern, "person/") + "?name=albert"))
    assert f'value="{albert.uuid}"' not in page


def test_link_existing_person(as_practitioner, concern, make_person, practitioner):
    edna = make_person()
    response = as_practitioner.post(url(concern, "person/"), {"person": str(edna.uuid)})
    assert response.status_code == 302
    assert response["Location"] == url(concern)
    concern.refresh_from_db()
    assert concern.person == edna
    assert concern.assigned_to == practitioner
    assert concern.status == Concern.Status.TRIAGE


def test_link_needs_a_person_this_user_can_see(as_practitioner, concern, make_person, other_council):
    stranger = make_person(target_council=other_council)
    for data in [NOTHING, {"person": str(stranger.uuid)}]:
        response = as_practitioner.post(url(concern, "person/"), data)
        assert response.status_code == 200, data
        assert "Select a person" in body(response)
    concern.refresh_from_db()
    assert concern.person is None


@pytest.mark.parametrize("value", ["", "not-a-uuid"])
def test_link_with_a_malformed_person_id_asks_again(as_practitioner, concern, value):
    try:
        response = as_practitioner.post(url(concern, "person/"), {"person": value})
    except Exception as exc:
        pytest.fail(
            "linking a person whose id is not a UUID must ask again ('Select a person'), not raise "
            f"{type(exc).__name__} (a 500)"
        )
    assert response.status_code == 200
    assert "Select a person" in body(response)


def test_create_new_person_from_concern(as_practitioner, concern, practitioner, front_door):
    response = as_practitioner.get(url(concern, "person/new/"))
    assert response.status_code == 200
    assert 'value="Edna"' in body(response), "filled in from the concern"
    response = as_practitioner.post(url(concern, "person/new/"), person_data(nhs_number=VALID_NHS))
    assert response.status_code == 302
    concern.refresh_from_db()
    person = Person.objects.get()
    assert concern.person == person
    assert person.council == concern.council
    assert person.team == front_door
    assert person.created_by == practitioner
    assert person.nhs_number == VALID_NHS


def test_create_new_person_warns_about_duplicates(as_practitioner, concern, make_person):
    existing = make_person()
    response = as_practitioner.post(url(concern, "person/new/"), person_data())
    assert_error(
        response,
        "This person may already have a record. Check the records below or confirm that this is "
        "a different person.",
    )
    page = body(response)
    assert "This person may already have a record" in page
    assert f"/people/{existing.uuid}/" in page
    assert 'name="confirm_new"' in page
    assert Person.objects.count() == 1
    concern.refresh_from_db()
    assert concern.person is None

    response = as_practitioner.post(url(concern, "person/new/"), person_data(confirm_new="1"))
    assert response.status_code == 302
    assert Person.objects.count() == 2
    concern.refresh_from_db()
    assert concern.person is not None and concern.person != existing


@pytest.mark.parametrize(
    ("nhs", "message"),
    [
        (WRONG_CHECK_DIGIT_NHS, "Enter a valid NHS number: the last digit does not match the others"),
        ("943 476 591", "NHS number must be 10 digits, like 943 476 5919"),
    ],
)
def test_new_person_nhs_number_is_checked(as_practitioner, concern, nhs, message):
    response = as_practitioner.post(url(concern, "person/new/"), person_data(nhs_number=nhs))
    assert_error(response, message)
    assert Person.objects.count() == 0


# --- First contact -------------------------------------------------------------------------------

MOMENT = datetime(2026, 6, 15, 10, 0, tzinfo=LONDON)  # British Summer Time


def contact_data(**overrides) -> dict:
    data = {
        **date_parts("contact_date", 15, 6, 2026),
        "contact_time": "09:30",
        "method": "phone",
        "spoke_with": "adult",
        "wants": "For the carer to be changed",
        "notes": "She was calm and clear.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def in_june(make_concern):
    # Received at 07:00, so a conversation at 09:30 that morning is after it.
    with time_machine.travel(MOMENT - timedelta(hours=3), tick=False):
        yield make_concern()


def test_first_contact_is_recorded(as_practitioner, in_june, practitioner):
    with time_machine.travel(MOMENT, tick=False):
        assert as_practitioner.get(url(in_june, "first-contact/")).status_code == 200
        response = as_practitioner.post(url(in_june, "first-contact/"), contact_data())
    assert response.status_code == 302, error_summary(response)
    assert response["Location"] == url(in_june)
    contact = FirstContact.objects.get()
    assert contact.concern == in_june
    assert contact.contact_at == datetime(2026, 6, 15, 9, 30, tzinfo=LONDON)
    assert contact.recorded_by == practitioner
    assert contact.wants == "For the carer to be changed"
    in_june.refresh_from_db()
    assert in_june.status == Concern.Status.TRIAGE
    assert in_june.assigned_to == practitioner


def test_first_contact_in_the_future_is_refused(as_practitioner, in_june):
    with time_machine.travel(MOMENT, tick=False):
        response = as_practitioner.post(url(in_june, "first-contact/"), contact_data(contact_time="10:30"))
        assert_error(response, "The conversation must be in the past")
        response = as_practitioner.post(
            url(in_june, "first-contact/"), contact_data(**date_parts("contact_date", 16, 6, 2026))
        )
        assert_error(response, "The date must be today or in the past")
    assert FirstContact.objects.count() == 0


def test_first_contact_with_a_representative_needs_their_name(as_practitioner, in_june):
    with time_machine.travel(MOMENT, tick=False):
        response = as_practitioner.post(
            url(in_june, "first-contact/"), contact_data(spoke_with="representative")
        )
        assert_error(response, "Enter the name of the representative you spoke to")
        assert FirstContact.objects.count() == 0
        response = as_practitioner.post(
            url(in_june, "first-contact/"),
            contact_data(spoke_with="representative", representative_name="Jean Marsh, daughter"),
        )
    assert response.status_code == 302
    assert FirstContact.objects.get().representative_name == "Jean Marsh, daughter"


def test_first_contact_empty_form_messages(as_practitioner, concern):
    response = as_practitioner.post(url(concern, "first-contact/"), NOTHING)
    assert response.status_code == 200
    assert error_summary(response) == [
        "Enter the date",
        "Enter the time of the conversation",
        "Select how you spoke",
        "Select who you spoke to",
        "Enter what they said they want to happen",
    ]
    response = as_practitioner.post(url(concern, "first-contact/"), contact_data(contact_time="25:99"))
    assert_error(response, "Enter a real time, like 09:30 or 14:30")


# --- Information gathered ------------------------------------------------------------------------


def test_information_note(as_practitioner, concern, practitioner):
    assert as_practitioner.get(url(concern, "information/")).status_code == 200
    response = as_practitioner.post(url(concern, "information/"), {"text": "  "})
    assert_error(response, "Enter the information gathered")
    assert ConcernNote.objects.count() == 0
    response = as_practitioner.post(
        url(concern, "information/"), {"text": "GP says <b>no</b> previous injuries"}
    )
    assert response.status_code == 302
    note = ConcernNote.objects.get()
    assert note.author == practitioner
    assert note.text == "GP says <b>no</b> previous injuries"
    page = body(as_practitioner.get(url(concern)))
    assert "GP says &lt;b&gt;no&lt;/b&gt; previous injuries" in page


# --- The decision --------------------------------------------------------------------------------


def test_section_42_needs_all_three_criteria(as_practitioner, linked, practitioner):
    response = as_practitioner.post(
        url(linked, "decision/"), s42(practitioner, criterion_cannot_protect=None)
    )
    assert_error(
        response,
        "A section 42 enquiry needs all three criteria to be met. If they are not, choose other "
        "safeguarding enquiry or no enquiry",
    )
    assert Decision.objects.count() == 0
    linked.refresh_from_db()
    assert linked.status == Concern.Status.TRIAGE


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "none", "rationale": "x"}, "Select what will happen instead of an enquiry"),
        (
            {"outcome": "none", "pathway": "nfa", "rationale": "x"},
            "Enter the reason for no further action",
        ),
        (
            {"outcome": "none", "pathway": "referred", "rationale": "x"},
            "Select which agency the concern was referred to",
        ),
        (
            {"outcome": "other", "rationale": "x", "lead": True},
            "Enter why an other safeguarding enquiry is proportionate",
        ),
        (
            {"outcome": "other", "other_enquiry_reason": "x", "rationale": "x"},
            "Select who will lead the enquiry",
        ),
        ({"outcome": "none", "pathway": "signposted"}, "Enter the reasons for the decision"),
        (NOTHING, "Select the decision"),
    ],
)
def test_decision_rules(as_practitioner, linked, practitioner, data, message):
    data = dict(data)
    if data.pop("lead", False):
        data["lead_practitioner"] = practitioner.pk
    response = as_practitioner.post(url(linked, "decision/"), data)
    assert_error(response, message)
    assert Decision.objects.count() == 0


def test_decision_before_a_person_is_linked_is_refused(as_practitioner, concern, practitioner):
    response = as_practitioner.post(url(concern, "decision/"), s42(practitioner))
    assert_error(response, "Link the concern to a person before recording a decision")
    assert Decision.objects.count() == 0
    assert "Link the concern to a person's record before recording the decision." in body(
        as_practitioner.get(url(concern, "decision/"))
    )


def test_valid_decision_waits_for_sign_off(as_practitioner, linked, practitioner):
    assert as_practitioner.get(url(linked, "decision/")).status_code == 200
    response = as_practitioner.post(url(linked, "decision/"), s42(practitioner))
    assert response.status_code == 302, error_summary(response)
    assert response["Location"] == url(linked)
    linked.refresh_from_db()
    assert linked.status == Concern.Status.AWAITING_SIGN_OFF
    decision = Decision.objects.get(concern=linked)
    assert decision.outcome == "s42"
    assert decision.decided_by == practitioner
    assert decision.lead_practitioner == practitioner
    assert decision.signed_off_at is None


def test_no_enquiry_with_a_pathway(as_practitioner, linked):
    response = as_practitioner.post(
        url(linked, "decision/"),
        {"outcome": "none", "pathway": "nfa", "no_further_action_reason": "Resolved", "rationale": "x"},
    )
    assert response.status_code == 302, error_summary(response)
    decision = Decision.objects.get()
    assert decision.pathway == "nfa"
    assert decision.lead_practitioner is None


# --- Sign-off ------------------------------------------------------------------------------------


def test_practitioner_cannot_sign_off(as_practitioner, awaiting):
    assert as_practitioner.get(url(awaiting, "sign-off/")).status_code == 404
    assert as_practitioner.post(url(awaiting, "sign-off/"), {"action": "approve"}).status_code == 404
    assert Decision.objects.get().signed_off_at is None


def test_another_teams_manager_cannot_sign_off(client, awaiting, locality_manager):
    client.force_login(locality_manager)
    assert client.get(url(awaiting, "sign-off/")).status_code == 404
    assert client.post(url(awaiting, "sign-off/"), {"action": "approve"}).status_code == 404


def test_manager_approves_and_the_enquiry_opens(as_manager, awaiting, manager, practitioner):
    response = as_manager.get(url(awaiting, "sign-off/"))
    assert response.status_code == 200
    assert "Section 42 enquiry" in body(response)
    response = as_manager.post(url(awaiting, "sign-off/"), {"action": "approve"})
    assert response.status_code == 302
    assert response["Location"] == url(awaiting)
    awaiting.refresh_from_db()
    assert awaiting.status == Concern.Status.ENQUIRY
    decision = Decision.objects.get()
    assert decision.signed_off_by == manager
    enquiry = Enquiry.objects.get()
    assert enquiry.concern == awaiting
    assert enquiry.lead_practitioner == practitioner
    assert re.fullmatch(r"ENQ-\d{4}-\d{6}", enquiry.reference)
    page = body(as_manager.get(url(awaiting)))
    assert f'href="/enquiries/{enquiry.reference}/"' in page
    assert as_manager.get(f"/enquiries/{enquiry.reference}/").status_code == 200
    assert as_manager.get(url(awaiting, "sign-off/")).status_code == 404, "signed off once only"


def test_manager_approving_no_enquiry_closes_the_concern(as_manager, linked, practitioner):
    services.record_decision(
        linked, practitioner, {"outcome": "none", "pathway": "signposted", "rationale": "x"}
    )
    response = as_manager.post(url(linked, "sign-off/"), {"action": "approve"})
    assert response.status_code == 302
    linked.refresh_from_db()
    assert linked.status == Concern.Status.CLOSED
    assert Enquiry.objects.count() == 0


def test_returning_needs_a_comment(as_manager, awaiting):
    response = as_manager.post(url(awaiting, "sign-off/"), {"action": "return", "returned_comment": " "})
    assert_error(response, "Enter why the decision is being returned")
    awaiting.refresh_from_db()
    assert awaiting.status == Concern.Status.AWAITING_SIGN_OFF
    response = as_manager.post(url(awaiting, "sign-off/"), NOTHING)
    assert_error(response, "Select whether you agree with the decision")


def test_returning_sends_the_concern_back_to_triage(client, awaiting, manager, practitioner):
    client.force_login(manager)
    response = client.post(
        url(awaiting, "sign-off/"),
        {"action": "return", "returned_comment": "Speak to Edna first"},
    )
    assert response.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.status == Concern.Status.TRIAGE
    decision = Decision.objects.get()
    assert decision.returned_comment == "Speak to Edna first"
    assert decision.signed_off_at is None
    assert Enquiry.objects.count() == 0

    client.force_login(practitioner)
    assert "Returned by the team manager: Speak to Edna first" in body(client.get(url(awaiting, "decision/")))
    response = client.post(url(awaiting, "decision/"), s42(practitioner))
    assert response.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.status == Concern.Status.AWAITING_SIGN_OFF
    assert Decision.objects.get().returned_comment == ""


@pytest.fixture
def decided(awaiting, manager) -> Concern:
    services.sign_off(Decision.objects.get(concern=awaiting), manager)
    awaiting.refresh_from_db()
    assert awaiting.status == Concern.Status.ENQUIRY
    return awaiting


@pytest.mark.parametrize("page", ["person/", "person/new/", "first-contact/", "information/", "decision/"])
def test_decided_concern_triage_pages_are_not_found(as_practitioner, decided, page):
    assert as_practitioner.get(url(decided, page)).status_code == 404
    assert as_practitioner.post(url(decided, page), NOTHING).status_code == 404


def test_decided_concern_page_offers_no_triage(as_practitioner, decided):
    page = body(as_practitioner.get(url(decided)))
    assert "Record a conversation with the adult" not in page
    assert "Pick up this concern" not in page


def test_decided_concern_cannot_be_picked_up(as_lead, decided, practitioner):
    response = as_lead.post(url(decided, "pick-up/"))
    decided.refresh_from_db()
    assert response.status_code == 404 and decided.assigned_to == practitioner, (
        "a decided concern cannot be picked up: the pick-up answers 404 (as the other triage pages "
        "do) and the concern keeps its assignee and team "
        f"(answered {response.status_code}, assigned to {decided.assigned_to})"
    )


# --- People: search, create, edit, representatives, history ------------------------------------


@pytest.fixture
def people(make_person, other_council, front_door, practitioner):
    edna = make_person(nhs_number=VALID_NHS, team=front_door, created_by=practitioner)
    albert = make_person(
        given_name="Albert", family_name="Jones", date_of_birth=date(1950, 1, 1), postcode="RV9 9ZZ"
    )
    elsewhere = make_person(target_council=other_council)
    return edna, albert, elsewhere


@pytest.mark.parametrize(
    "query",
    [
        "name=edn",
        "name=marsh+EDNA",
        "date_of_birth_day=17&date_of_birth_month=5&date_of_birth_year=1938",
        "nhs_number=943+476+5919",
        "postcode=rv12ab",
        "postcode=RV1+2AB&name=edna",
    ],
)
def test_person_search(as_practitioner, people, query):
    edna, albert, elsewhere = people
    response = as_practitioner.post("/people/", QueryDict(query))
    assert response.status_code == 200
    page = body(response)
    assert f"/people/{edna.uuid}/" in page
    assert f"/people/{albert.uuid}/" not in page
    assert f"/people/{elsewhere.uuid}/" not in page, "another council's records are never shown"


def test_person_search_without_criteria_shows_no_results(as_practitioner, people):
    page = body(as_practitioner.get("/people/"))
    assert "Results" not in page and "No matching records" not in page
    page = body(as_practitioner.post("/people/", {"name": "nobody"}))
    assert "No matching records" in page


def test_search_terms_never_travel_in_the_url(as_practitioner, people):
    """Names, dates of birth and NHS numbers stay out of URLs (and so out of history and logs)."""
    page = body(as_practitioner.get("/people/?name=Marsh"))
    assert '<form method="post"' in page
    assert "Results" not in page and "Marsh" not in page


def test_person_search_invalid_nhs_number(as_practitioner, people):
    response = as_practitioner.post("/people/", {"nhs_number": WRONG_CHECK_DIGIT_NHS})
    assert_error(response, "Enter a valid NHS number: the last digit does not match the others")


def test_people_pages_are_for_casework_staff(client, people, partner_referrer):
    edna = people[0]
    client.force_login(partner_referrer)
    for page in ["/people/", "/people/new/", f"/people/{edna.uuid}/", f"/people/{edna.uuid}/history/"]:
        assert client.get(page).status_code == 404, page


def test_create_person(as_practitioner, practitioner, front_door):
    assert as_practitioner.get("/people/new/").status_code == 200
    response = as_practitioner.post("/people/new/", person_data(given_name="<b>Edna</b>", postcode="rv12ab"))
    person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.uuid}/"
    assert person.given_name == "Edna"
    assert person.postcode == "RV1 2AB"
    assert person.council == practitioner.organisation
    assert person.team == front_door
    assert person.created_by == practitioner


def test_create_person_warns_about_duplicates(as_practitioner, make_person):
    existing = make_person(nhs_number=VALID_NHS)
    response = as_practitioner.post(
        "/people/new/", person_data(given_name="Eddie", family_name="Smith", nhs_number=VALID_NHS)
    )
    assert response.status_code == 200
    page = body(response)
    assert "This person may already have a record" in page
    assert "Same NHS number" in page
    assert f"/people/{existing.uuid}/" in page
    assert Person.objects.count() == 1
    response = as_practitioner.post("/people/new/", person_data(given_name="Eddie", confirm_new="1"))
    assert response.status_code == 302
    assert Person.objects.count() == 2


def test_create_person_messages(as_practitioner):
    response = as_practitioner.post("/people/new/", NOTHING)
    assert response.status_code == 200
    messages = error_summary(response)
    assert "Enter the first name" in messages
    assert "Enter the last name" in messages
    response = as_practitioner.post("/people/new/", person_data(nhs_number=WRONG_CHECK_DIGIT_NHS))
    assert_error(response, "Enter a valid NHS number: the last digit does not match the others")
    response = as_practitioner.post("/people/new/", person_data(postcode="nowhere"))
    assert_error(response, "Enter a full UK postcode, like AA3 1AB")
    assert Person.objects.count() == 0


def test_edit_person_and_the_change_is_in_the_history(as_practitioner, people):
    edna = people[0]
    response = as_practitioner.get(f"/people/{edna.uuid}/edit/")
    assert response.status_code == 200
    assert 'value="RV1 2AB"' in body(response)
    response = as_practitioner.post(
        f"/people/{edna.uuid}/edit/",
        person_data(nhs_number=VALID_NHS, postcode="rv2 3cd", phone="01234 000111"),
    )
    assert response.status_code == 302, error_summary(response)
    edna.refresh_from_db()
    assert edna.postcode == "RV2 3CD"
    assert edna.phone == "01234 000111"
    page = body(as_practitioner.get(f"/people/{edna.uuid}/history/"))
    assert "Person changed" in page
    assert "RV1 2AB" in page and "RV2 3CD" in page
    assert "Pat Tester" in page


def test_editing_a_record_without_a_recorded_creator(as_practitioner, make_person, front_door):
    """Records loaded in bulk (imports, the bench data) have no created_by; they must still be
    editable."""
    person = make_person(team=front_door)
    assert person.created_by is None
    try:
        response = as_practitioner.post(f"/people/{person.uuid}/edit/", person_data(phone="01234 000111"))
    except Exception as exc:
        pytest.fail(f"a person with no recorded creator must be editable; saving the edit raised {exc!r}")
    assert response.status_code == 302, error_summary(response)
    assert response["Location"] == f"/people/{person.uuid}/"
    person.refresh_from_db()
    assert person.phone == "01234 000111"


def test_another_teams_practitioner_cannot_edit(client, people, locality_practitioner):
    edna = people[0]
    client.force_login(locality_practitioner)
    assert client.get(f"/people/{edna.uuid}/").status_code == 200, "every council practitioner can view"
    assert client.get(f"/people/{edna.uuid}/edit/").status_code == 404
    assert client.post(f"/people/{edna.uuid}/edit/", person_data(family_name="Changed")).status_code == 404
    edna.refresh_from_db()
    assert edna.family_name == "Marsh"


def test_add_representative(as_practitioner, people):
    edna = people[0]
    page_url = f"/people/{edna.uuid}/representatives/new/"
    assert as_practitioner.get(page_url).status_code == 200
    response = as_practitioner.post(page_url, NOTHING)
    assert response.status_code == 200
    assert error_summary(response) == ["Enter the name", "Select the type of representative"]
    response = as_practitioner.post(page_url, {"name": "Jean Marsh", "kind": "family"})
    assert_error(response, "Enter at least one way to contact the representative")
    response = as_practitioner.post(page_url, {"name": "Jean Marsh", "kind": "family", "email": "jean@"})
    assert_error(response, "Enter an email address in the correct format, like name@example.com")
    assert Representative.objects.count() == 0

    response = as_practitioner.post(
        page_url,
        {"name": "<b>Jean</b> Marsh", "kind": "family", "relationship": "Daughter", "phone": "07700 900123"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{edna.uuid}/"
    rep = Representative.objects.get()
    assert rep.person == edna
    assert rep.name == "Jean Marsh"
    page = body(as_practitioner.get(f"/people/{edna.uuid}/"))
    assert "Jean Marsh" in page and "07700 900123" in page
    assert "Representative created" in body(as_practitioner.get(f"/people/{edna.uuid}/history/"))


def test_history_page_lists_creation(as_practitioner):
    as_practitioner.post("/people/new/", person_data())
    person = Person.objects.get()
    page = body(as_practitioner.get(f"/people/{person.uuid}/history/"))
    assert "Person created" in page
    assert "by Pat Tester" in page


# --- Who has viewed the record, and the access log -----------------------------------------------


def test_lead_sees_who_has_viewed_a_person(client, people, practitioner, lead):
    edna = people[0]
    client.force_login(practitioner)
    client.get(f"/people/{edna.uuid}/")
    page = body(client.get(f"/people/{edna.uuid}/history/"))
    assert "Who has viewed this record" not in page
    assert "Changes" in page

    client.force_login(lead)
    page = body(client.get(f"/people/{edna.uuid}/history/"))
    assert "Who has viewed this record" in page
    table = page.split("Who has viewed this record", 1)[1]
    assert "Pat Tester" in table
    assert f'<td class="govuk-table__cell">/people/{edna.uuid}/</td>' in table


def test_lead_sees_who_has_viewed_a_concern(client, concern, practitioner, lead):
    client.force_login(practitioner)
    client.get(url(concern))
    assert "Who has viewed this record" not in body(client.get(url(concern, "history/")))
    client.force_login(lead)
    page = body(client.get(url(concern, "history/")))
    assert "Who has viewed this record" in page
    table = page.split("Who has viewed this record", 1)[1]
    assert "Pat Tester" in table
    assert f"/concerns/{concern.reference}/<" in table


def test_viewing_a_person_writes_one_access_log_row(as_practitioner, people, practitioner):
    edna = people[0]
    before = AccessLog.objects.count()
    assert as_practitioner.get(f"/people/{edna.uuid}/").status_code == 200
    assert AccessLog.objects.count() == before + 1
    row = AccessLog.objects.latest("at")
    assert row.user == practitioner
    assert row.record_type == "people.person"
    assert row.record_id == edna.uuid
    assert row.page == f"/people/{edna.uuid}/"
    for personal in ("Edna", "Marsh", "RV1", VALID_NHS, "1938"):
        assert personal.lower() not in row.page.lower(), personal


def test_viewing_a_concern_writes_one_access_log_row(as_practitioner, concern, practitioner):
    before = AccessLog.objects.count()
    assert as_practitioner.get(url(concern)).status_code == 200
    assert AccessLog.objects.count() == before + 1
    row = AccessLog.objects.latest("at")
    assert row.user == practitioner
    assert row.record_type == "concerns.concern"
    assert row.record_id == concern.uuid
    assert row.record_reference == concern.reference
    assert row.page == f"/concerns/{concern.reference}/"
    for personal in ("Edna", "Marsh", "RV1", "1938", "Sunrise"):
        assert personal.lower() not in row.page.lower(), personal


def test_a_refused_view_writes_no_access_log(client, concern, people, other_council_user):
    client.force_login(other_council_user)
    assert client.get(url(concern)).status_code == 404
    assert client.get(f"/people/{people[0].uuid}/").status_code == 404
    assert AccessLog.objects.count() == 0


# --- The whole triage path, end to end -----------------------------------------------------------


def test_triage_from_queue_to_enquiry(client, make_concern, practitioner, manager, front_door):
    concern = make_concern(received_at=timezone.now() - timedelta(hours=3))
    client.force_login(practitioner)
    assert concern.reference in queue_references(client, "?show=unallocated")
    client.post(url(concern, "pick-up/"))
    assert queue_references(client, "?show=mine") == [concern.reference]
    client.post(url(concern, "person/new/"), person_data())
    client.post(url(concern, "information/"), {"text": "Checked with the GP"})
    earlier = timezone.localtime() - timedelta(hours=1)
    response = client.post(
        url(concern, "first-contact/"),
        contact_data(
            **date_parts("contact_date", earlier.day, earlier.month, earlier.year),
            contact_time=earlier.strftime("%H:%M"),
        ),
    )
    assert response.status_code == 302, error_summary(response)
    assert client.post(url(concern, "decision/"), s42(practitioner)).status_code == 302

    client.force_login(manager)
    assert queue_references(client, "?show=sign_off") == [concern.reference]
    assert client.post(url(concern, "sign-off/"), {"action": "approve"}).status_code == 302
    assert concern.reference not in queue_references(client)
    enquiry = Enquiry.objects.get()
    assert enquiry.team == Team.objects.get(pk=front_door.pk)
    assert client.get(f"/enquiries/{enquiry.reference}/").status_code == 200
