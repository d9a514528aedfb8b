"""The public raise-a-concern journey, page by page, through the test client (no login needed).

Messages are compared letter for letter with the ones in msphub/concerns/forms.py and
msphub/core/forms.py, read from the GOV.UK error summary.
"""

import html
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from msphub.concerns import journey
from msphub.concerns.models import Concern

pytestmark = pytest.mark.django_db

RAISE = "/concerns/raise/"
CHECK = "/concerns/raise/check-answers/"
DONE = "/concerns/raise/confirmation/"
DANGER = "/concerns/raise/immediate-danger/call-999/"
REFERENCE_RE = re.compile(r"^CON-\d{4}-\d{6}$")

SLUGS = [
    "immediate-danger",
    "about-you",
    "about-the-adult",
    "what-happened",
    "type-of-abuse",
    "where",
    "consent",
    "what-the-adult-wants",
]

# Text that only the page's own question shows.
QUESTION_TEXT = {
    "immediate-danger": "Is the adult in immediate danger?",
    "about-you": "Who are you?",
    "about-the-adult": "Date of birth (if you know it)",
    "what-happened": "What has happened?",
    "type-of-abuse": "What kind of abuse or neglect is it?",
    "where": "Where did it happen?",
    "consent": "Does the adult agree to you raising this concern?",
    "what-the-adult-wants": "Have you asked the adult what they want to happen?",
}


def step_url(slug: str) -> str:
    return f"{RAISE}{slug}/"


def date_parts(name: str, day, month, year) -> dict[str, str]:
    """A GOV.UK date input posts three boxes: <name>_day, <name>_month and <name>_year."""
    return {f"{name}_day": str(day), f"{name}_month": str(month), f"{name}_year": str(year)}


def dob(day, month, year) -> dict[str, str]:
    return date_parts("adult_date_of_birth", day, month, year)


def years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


VALID = {
    "immediate-danger": {"immediate_danger": "no"},
    "about-you": {
        "raiser_kind": "family_friend",
        "raiser_name": "Jo Bloggs",
        "raiser_role": "Neighbour",
        "raiser_phone": "01234 567890",
        "raiser_email": "jo@example.com",
    },
    "about-the-adult": {
        "adult_given_name": "Edna",
        "adult_family_name": "Marsh",
        **dob(17, 5, 1938),
        "adult_address": "1 Mill Lane, Riverside",
        "adult_postcode": "rv12ab",
        "adult_needs": "Dementia; daily home care visits",
    },
    "what-happened": {
        "what_happened": "Bruising on both arms noticed during a visit.",
        **date_parts("happened_on", 12, 11, 2025),
        "still_happening": "on",
    },
    "type-of-abuse": {"risk_types": ["Physical Abuse", "Self-Neglect"]},
    "where": {
        "location_of_risk": "Own Home",
        "source_of_risk": "Service Provider",
        "care_provider_name": "Sunrise Home Care",
    },
    "consent": {"consent": "given"},
    "what-the-adult-wants": {
        "msp_asked": "yes",
        "wants_to_happen": "For the carer to be changed",
        "how_to_happen": "Talk to my daughter first",
        "outcomes_wanted": "To feel safe at home",
    },
}

# --- Reading GOV.UK pages ------------------------------------------------------------------------

SUMMARY_RE = re.compile(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', re.S)
LI_RE = re.compile(r"<li>(.*?)</li>", re.S)
TAG_RE = re.compile(r"<[^>]+>")


def body(response) -> str:
    return response.content.decode()


def error_summary(response) -> list[str]:
    """The messages in the GOV.UK error summary, as the user reads them."""
    match = SUMMARY_RE.search(body(response))
    if not match:
        return []
    return [html.unescape(TAG_RE.sub("", item)).strip() for item in LI_RE.findall(match.group(1))]


def assert_error_page(response, *messages: str) -> None:
    """The page is shown again with the summary and each message beside its question."""
    assert response.status_code == 200, response.status_code
    page = body(response)
    assert "There is a problem" in page
    found = error_summary(response)
    for message in messages:
        assert message in found, f"{message!r} not in the error summary {found}"
        inline = f'<span class="govuk-visually-hidden">Error:</span> {html.escape(message)}'
        assert inline in page, f"{message!r} is not shown beside its question"


# --- Walking the journey -------------------------------------------------------------------------


def start(client) -> None:
    response = client.post(RAISE)
    assert response.status_code == 302
    assert response["Location"] == step_url("immediate-danger")


def answer(client, slugs=SLUGS, changes: dict | None = None) -> None:
    """Post a valid answer to each page; changes={slug: {field: value or None to leave out}}."""
    changes = changes or {}
    for slug in slugs:
        data = {**VALID[slug], **changes.get(slug, {})}
        data = {k: v for k, v in data.items() if v is not None}
        response = client.post(step_url(slug), data)
        assert response.status_code == 302, (slug, error_summary(response))


# The page each question goes on to once answered (the last goes to check your answers).
FOLLOWING = dict(zip(SLUGS, [*(step_url(slug) for slug in SLUGS[1:]), CHECK], strict=True))


def assert_accepted(client, response, slug: str, **answers) -> None:
    """The answer was taken: on to the next question, this one marked done and each of ``answers``
    kept in the journey (as the session stores it: dates as ISO strings)."""
    assert response.status_code == 302, error_summary(response)
    assert response["Location"] == FOLLOWING[slug]
    saved = client.session[journey.SESSION_KEY]
    assert slug in saved["done"], saved["done"]
    kept = {name: saved["answers"].get(name) for name in answers}
    assert kept == answers, "the answers kept in the journey"


def send(client) -> Concern:
    response = client.post(CHECK)
    assert response.status_code == 302
    assert response["Location"] == DONE
    return Concern.objects.get()


@pytest.fixture
def started(client, council):
    start(client)
    return client


@pytest.fixture
def answered(started):
    answer(started)
    return started


# --- Starting ------------------------------------------------------------------------------------


def test_start_page_needs_no_login_and_starts_with_immediate_danger(client, council):
    response = client.get(RAISE)
    assert response.status_code == 200
    assert "Raise a safeguarding concern about an adult" in body(response)
    start(client)


def test_single_council_skips_the_council_question(started):
    assert started.get(step_url("council")).status_code == 404
    response = started.get(step_url("immediate-danger"))
    assert "Question 1 of 8" in body(response)


@pytest.mark.parametrize("slug", SLUGS)
def test_question_page_without_starting_redirects_to_start(client, council, slug):
    response = client.get(step_url(slug))
    assert response.status_code == 302
    assert response["Location"] == RAISE
    response = client.post(step_url(slug), VALID[slug])
    assert response.status_code == 302
    assert response["Location"] == RAISE


@pytest.mark.parametrize("url", [CHECK, DANGER, DONE])
def test_other_journey_pages_without_starting_redirect_to_start(client, council, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == RAISE


def test_posting_check_answers_without_a_journey_creates_nothing(client, council):
    response = client.post(CHECK)
    assert response.status_code == 302
    assert response["Location"] == RAISE
    assert Concern.objects.count() == 0


def test_viewing_the_start_page_does_not_start_a_journey(client, council):
    client.get(RAISE)
    assert client.get(step_url("immediate-danger"))["Location"] == RAISE


def test_unknown_question_is_not_found(started):
    assert started.get(step_url("no-such-question")).status_code == 404


# --- Each question page --------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_question_page_shows_its_question(started, slug):
    response = started.get(step_url(slug))
    assert response.status_code == 200
    assert QUESTION_TEXT[slug] in body(response)
    assert f"Question {SLUGS.index(slug) + 1} of 8" in body(response)
    assert "There is a problem" not in body(response)


@pytest.mark.parametrize(
    ("slug", "messages"),
    [
        ("immediate-danger", ["Select yes if the adult is in immediate danger"]),
        (
            "about-you",
            [
                "Select who you are",
                "Enter your full name",
                "Enter a phone number or an email address so we can contact you",
            ],
        ),
        ("about-the-adult", ["Enter the adult's first name", "Enter the adult's last name"]),
        ("what-happened", ["Enter what has happened"]),
        ("type-of-abuse", ["Select at least one kind of abuse or neglect"]),
        (
            "where",
            ["Select where it happened", "Select who is thought to be causing the harm"],
        ),
        ("consent", ["Select whether the adult agrees to you raising this concern"]),
        (
            "what-the-adult-wants",
            ["Select yes if you have asked the adult what they want to happen"],
        ),
    ],
)
def test_empty_answer_shows_each_specific_message(started, slug, messages):
    response = started.post(step_url(slug), {})
    assert_error_page(response, *messages)
    assert error_summary(response) == messages, "exactly these messages, in question order"
    assert 'href="#id_' in body(response), "each summary message links to its question"
    assert slug not in started.session[journey.SESSION_KEY].get("done", [])


def _today() -> date:
    return timezone.localdate()


@pytest.mark.parametrize(
    ("slug", "changes", "message"),
    [
        # About you
        (
            "about-you",
            {"raiser_email": "not-an-email", "raiser_phone": ""},
            "Enter an email address in the correct format, like name@example.com",
        ),
        (
            "about-you",
            {"raiser_email": "", "raiser_phone": ""},
            "Enter a phone number or an email address so we can contact you",
        ),
        ("about-you", {"raiser_name": "   "}, "Enter your full name"),
        ("about-you", {"raiser_name": "x" * 201}, "Your full name must be 200 characters or fewer"),
        # About the adult: names
        ("about-the-adult", {"adult_given_name": ""}, "Enter the adult's first name"),
        ("about-the-adult", {"adult_family_name": ""}, "Enter the adult's last name"),
        (
            "about-the-adult",
            {"adult_given_name": "x" * 101},
            "First name must be 100 characters or fewer",
        ),
        # About the adult: date of birth, every way it can be wrong
        ("about-the-adult", dob(31, 2, 1950), "Date of birth must be a real date"),
        ("about-the-adult", dob(1, 13, 1950), "Date of birth must be a real date"),
        ("about-the-adult", dob("1st", 5, 1950), "Date of birth must be a real date"),
        ("about-the-adult", dob(17, 5, 50), "Year must include 4 numbers"),
        ("about-the-adult", dob(17, 5, 1899), "Date of birth must be after 1900"),
        (
            "about-the-adult",
            dob(1, 1, date.today().year + 1),
            "Date of birth must be today or in the past",
        ),
        (
            "about-the-adult",
            dob(1, 1, date.today().year - 10),
            "Date of birth must be for an adult (aged 18 or over)",
        ),
        # About the adult: postcode
        ("about-the-adult", {"adult_postcode": "NOTAPOST"}, "Enter a full UK postcode, like AA3 1AB"),
        ("about-the-adult", {"adult_postcode": "RV1"}, "Enter a full UK postcode, like AA3 1AB"),
        # What happened
        ("what-happened", {"what_happened": "   "}, "Enter what has happened"),
        (
            "what-happened",
            {"what_happened": "x" * 5001},
            "What has happened must be 5,000 characters or fewer",
        ),
        (
            "what-happened",
            date_parts("happened_on", 1, 1, date.today().year + 1),
            "The date it happened must be today or in the past",
        ),
        (
            "what-happened",
            date_parts("happened_on", 30, 2, 2025),
            "The date it happened must be a real date",
        ),
        # Kind of abuse
        ("type-of-abuse", {"risk_types": None}, "Select at least one kind of abuse or neglect"),
        # Where
        ("where", {"location_of_risk": None}, "Select where it happened"),
        ("where", {"source_of_risk": None}, "Select who is thought to be causing the harm"),
        (
            "where",
            {"source_of_risk": "Service Provider", "care_provider_name": ""},
            "Enter the name of the care provider thought to be causing the harm",
        ),
        (
            "where",
            {"source_of_risk": "Service Provider", "care_provider_name": "<b></b>"},
            "Enter the name of the care provider thought to be causing the harm",
        ),
        # Consent
        (
            "consent",
            {"consent": "not_given", "consent_not_given_reason": "  "},
            "Enter why you are raising the concern without their agreement",
        ),
        (
            "consent",
            {"consent": "not_sought"},
            "Select why the adult has not been asked",
        ),
        # What the adult wants
        (
            "what-the-adult-wants",
            {"msp_asked": "yes", "wants_to_happen": " "},
            "Enter what the adult wants to happen",
        ),
        (
            "what-the-adult-wants",
            {"msp_asked": "no", "not_asked_reason": ""},
            "Enter why you have not asked the adult what they want",
        ),
    ],
)
def test_invalid_answer_shows_specific_message(started, slug, changes, message):
    data = {**VALID[slug], **changes}
    data = {k: v for k, v in data.items() if v is not None}
    response = started.post(step_url(slug), data)
    assert_error_page(response, message)


@pytest.mark.parametrize(
    ("slug", "changes", "message"),
    [
        ("about-the-adult", dob(17, "", 1938), "Date of birth must include a month"),
        ("about-the-adult", dob("", "", 1938), "Date of birth must include a day and a month"),
        ("about-the-adult", dob(17, 5, ""), "Date of birth must include a year"),
        (
            "what-happened",
            date_parts("happened_on", 12, 11, ""),
            "The date it happened must include a year",
        ),
    ],
)
def test_date_with_a_missing_part_says_which_part(started, slug, changes, message):
    response = started.post(step_url(slug), {**VALID[slug], **changes})
    assert response.status_code == 200
    assert message in error_summary(response), (
        "a date with a part left blank must name the missing part, not give a generic message: "
        f"{error_summary(response)}"
    )
    assert_error_page(response, message)


def test_invalid_email_does_not_also_ask_for_a_phone_number(started):
    response = started.post(
        step_url("about-you"),
        {**VALID["about-you"], "raiser_phone": "", "raiser_email": "jo@"},
    )
    assert error_summary(response) == ["Enter an email address in the correct format, like name@example.com"]


def test_phone_alone_or_email_alone_is_enough_to_contact_the_raiser(started):
    for contact in ({"raiser_email": ""}, {"raiser_phone": ""}):
        response = started.post(step_url("about-you"), {**VALID["about-you"], **contact})
        assert_accepted(
            started,
            response,
            "about-you",
            **{
                field: contact.get(field, VALID["about-you"][field])
                for field in ("raiser_phone", "raiser_email")
            },
        )


def test_a_17_year_old_is_not_an_adult(started):
    """The form is for adults (18 or over): someone whose 17th birthday is today is refused."""
    seventeen = years_ago(_today(), 17)
    response = started.post(
        step_url("about-the-adult"),
        {**VALID["about-the-adult"], **dob(seventeen.day, seventeen.month, seventeen.year)},
    )
    assert response.status_code == 200, "a 17 year old must be refused: the adult must be 18 or over"
    assert_error_page(response, "Date of birth must be for an adult (aged 18 or over)")


def test_an_18th_birthday_today_is_accepted(started):
    eighteen = years_ago(_today(), 18)
    response = started.post(
        step_url("about-the-adult"),
        {**VALID["about-the-adult"], **dob(eighteen.day, eighteen.month, eighteen.year)},
    )
    assert_accepted(started, response, "about-the-adult", adult_date_of_birth=eighteen.isoformat())


def test_date_of_birth_can_be_left_out(started):
    response = started.post(step_url("about-the-adult"), {**VALID["about-the-adult"], **dob("", "", "")})
    assert_accepted(started, response, "about-the-adult", adult_date_of_birth=None, adult_given_name="Edna")


def test_date_of_birth_check_works_on_29_february(client, council):
    """Replacing the year of 29 February with a non-leap year must not crash the page."""
    leap_day = datetime(2028, 2, 29, 12, 0, tzinfo=ZoneInfo("Europe/London"))
    with time_machine.travel(leap_day, tick=False):
        start(client)
        try:
            response = client.post(step_url("about-the-adult"), VALID["about-the-adult"])
        except ValueError as exc:
            pytest.fail(f"checking a date of birth on 29 February must not raise {exc!r} (a 500)")
        assert_accepted(client, response, "about-the-adult", adult_date_of_birth="1938-05-17")


def test_what_happened_of_exactly_5000_characters_is_accepted(started):
    response = started.post(
        step_url("what-happened"), {**VALID["what-happened"], "what_happened": "x" * 5000}
    )
    assert_accepted(started, response, "what-happened", what_happened="x" * 5000)


@pytest.mark.parametrize(
    ("slug", "field", "message"),
    [
        ("about-you", "raiser_name", "Enter your full name"),
        ("about-the-adult", "adult_given_name", "Enter the adult's first name"),
        ("about-the-adult", "adult_family_name", "Enter the adult's last name"),
    ],
)
def test_a_name_that_is_only_markup_is_treated_as_empty(answered, slug, field, message):
    """Tags are removed from names; a name with nothing else left must be asked for again, not
    stored blank (the concern could then not be saved when it is sent)."""
    response = answered.post(f"{step_url(slug)}?change=1", {**VALID[slug], field: "<b> </b>"})
    assert response.status_code == 200, (
        f"{field} that is only markup must be asked for again, not accepted blank"
    )
    assert_error_page(response, message)
    concern = send(answered)
    assert getattr(concern, field) == VALID[slug][field], "the earlier answer is kept"


@pytest.mark.parametrize(
    ("slug", "following"),
    [
        ("immediate-danger", step_url("about-you")),
        ("about-you", step_url("about-the-adult")),
        ("about-the-adult", step_url("what-happened")),
        ("what-happened", step_url("type-of-abuse")),
        ("type-of-abuse", step_url("where")),
        ("where", step_url("consent")),
        ("consent", step_url("what-the-adult-wants")),
        ("what-the-adult-wants", CHECK),
    ],
)
def test_valid_answer_goes_to_the_next_page(started, slug, following):
    response = started.post(step_url(slug), VALID[slug])
    assert response.status_code == 302, error_summary(response)
    assert response["Location"] == following


@pytest.mark.parametrize(
    "changes",
    [
        {"consent": "not_given", "consent_not_given_reason": "Others living there are at risk"},
        {"consent": "not_sought", "consent_not_sought_reason": "lacks_capacity"},
    ],
)
def test_consent_alternatives_are_accepted(started, changes):
    response = started.post(step_url("consent"), {**VALID["consent"], **changes})
    assert_accepted(started, response, "consent", **changes)


def test_not_asking_the_adult_is_accepted_with_a_reason(started):
    response = started.post(
        step_url("what-the-adult-wants"),
        {"msp_asked": "no", "not_asked_reason": "It was not safe to ask"},
    )
    assert_accepted(
        started, response, "what-the-adult-wants", msp_asked=False, not_asked_reason="It was not safe to ask"
    )


def test_source_other_than_a_provider_needs_no_provider_name(started):
    response = started.post(
        step_url("where"),
        {"location_of_risk": "In the Community", "source_of_risk": "Other - Unknown to individual"},
    )
    assert_accepted(
        started,
        response,
        "where",
        location_of_risk="In the Community",
        source_of_risk="Other - Unknown to individual",
        care_provider_name="",
    )


def test_answers_are_shown_again_when_going_back(started):
    answer(started, ["about-the-adult"])
    page = body(started.get(step_url("about-the-adult")))
    assert 'value="Edna"' in page
    assert 'value="RV1 2AB"' in page, "the postcode is normalised"
    assert re.search(r'name="adult_date_of_birth_year"[^>]*value="1938"', page)


# --- Immediate danger ----------------------------------------------------------------------------


def test_yes_to_immediate_danger_shows_call_999_then_carries_on(started):
    response = started.post(step_url("immediate-danger"), {"immediate_danger": "yes"})
    assert response.status_code == 302
    assert response["Location"] == DANGER
    response = started.get(DANGER)
    assert response.status_code == 200
    assert "Call 999 now" in body(response)
    assert f'href="{step_url("about-you")}"' in body(response)
    assert started.get(step_url("about-you")).status_code == 200


def test_immediate_danger_is_recorded_on_the_concern(started):
    started.post(step_url("immediate-danger"), {"immediate_danger": "yes"})
    answer(started, SLUGS[1:])
    assert send(started).immediate_danger is True


def test_changing_to_immediate_danger_returns_to_check_answers(answered):
    response = answered.post(f"{step_url('immediate-danger')}?change=1", {"immediate_danger": "yes"})
    assert response["Location"] == f"{DANGER}?change=1"
    response = answered.get(f"{DANGER}?change=1")
    assert f'href="{CHECK}"' in body(response)


# --- Check your answers --------------------------------------------------------------------------


def test_check_answers_shows_every_answer_and_change_links(answered):
    response = answered.get(CHECK)
    assert response.status_code == 200
    page = body(response)
    for text in [
        "A family member, friend or carer",
        "Jo Bloggs",
        "jo@example.com",
        "Edna",
        "Marsh",
        "17 May 1938",
        "RV1 2AB",
        "Bruising on both arms noticed during a visit.",
        "12 November 2025",
        "Physical Abuse, Self-Neglect",
        "Own Home",
        "Sunrise Home Care",
        "Yes, they agreed to this concern being raised",
        "For the carer to be changed",
        "To feel safe at home",
    ]:
        assert html.escape(text) in page, text
    for slug in SLUGS:
        assert f'href="{step_url(slug)}?change=1"' in page, slug
    assert "Accept and send" in page


def test_check_answers_sends_you_to_the_first_unanswered_question(started):
    answer(started, SLUGS[:3])
    response = started.get(CHECK)
    assert response.status_code == 302
    assert response["Location"] == step_url("what-happened")
    response = started.post(CHECK)
    assert response["Location"] == step_url("what-happened")
    assert Concern.objects.count() == 0


def test_change_link_returns_to_check_answers(answered):
    response = answered.get(f"{step_url('where')}?change=1")
    assert response.status_code == 200
    assert f'href="{CHECK}" class="govuk-back-link"' in body(response)
    response = answered.post(
        f"{step_url('where')}?change=1",
        {"location_of_risk": "Care Home - Residential", "source_of_risk": "Other - Known to individual"},
    )
    assert response.status_code == 302
    assert response["Location"] == CHECK
    page = body(answered.get(CHECK))
    assert "Care Home - Residential" in page
    assert "Jo Bloggs" in page, "other answers are kept"


def test_invalid_change_stays_on_the_question(answered):
    response = answered.post(f"{step_url('what-happened')}?change=1", {"what_happened": ""})
    assert_error_page(response, "Enter what has happened")


def test_a_change_is_what_gets_sent(answered):
    answered.post(
        f"{step_url('what-the-adult-wants')}?change=1",
        {"msp_asked": "no", "not_asked_reason": "They could not understand the question"},
    )
    concern = send(answered)
    assert concern.msp_asked is False
    assert concern.not_asked_reason == "They could not understand the question"
    assert concern.wants_to_happen == ""


# --- Sending -------------------------------------------------------------------------------------


def test_sending_creates_one_concern_and_shows_its_reference(answered, council):
    response = answered.post(CHECK)
    assert response.status_code == 302
    confirmation_url = response["Location"]
    assert Concern.objects.count() == 1
    concern = Concern.objects.get()
    assert REFERENCE_RE.match(concern.reference), concern.reference
    response = answered.get(confirmation_url)
    assert response.status_code == 200
    assert f'<strong id="concern-reference">{concern.reference}</strong>' in body(response)
    # Nothing that identifies the concern or the adult travels in the address.
    assert confirmation_url == DONE
    for secret in (concern.reference, "Edna", "Marsh", "Bloggs", "RV1", "1938", "jo@example"):
        assert secret.lower() not in confirmation_url.lower(), secret


def test_sent_concern_holds_the_answers(answered, council):
    concern = send(answered)
    assert concern.council == council
    assert concern.status == Concern.Status.RECEIVED
    assert concern.raised_by_user is None
    assert concern.raiser_organisation is None
    assert concern.raiser_kind == "family_friend"
    assert concern.raiser_name == "Jo Bloggs"
    assert concern.raiser_email == "jo@example.com"
    assert concern.adult_given_name == "Edna"
    assert concern.adult_family_name == "Marsh"
    assert concern.adult_date_of_birth == date(1938, 5, 17)
    assert concern.adult_postcode == "RV1 2AB"
    assert concern.happened_on == date(2025, 11, 12)
    assert concern.still_happening is True
    assert sorted(concern.risk_type_labels) == ["Physical Abuse", "Self-Neglect"]
    assert concern.location_of_risk == "Own Home"
    assert concern.source_of_risk == "Service Provider"
    assert concern.care_provider_name == "Sunrise Home Care"
    assert concern.consent == "given"
    assert concern.immediate_danger is False
    assert concern.msp_asked is True
    assert concern.wants_to_happen == "For the carer to be changed"


def test_sending_ends_the_journey(answered):
    send(answered)
    assert answered.get(step_url("about-you"))["Location"] == RAISE
    assert answered.get(CHECK)["Location"] == RAISE


def test_double_submit_creates_no_second_concern(answered):
    first = send(answered)
    response = answered.post(CHECK)
    assert response.status_code == 302
    assert response["Location"] == DONE
    assert Concern.objects.count() == 1
    page = body(answered.get(DONE))
    assert f'<strong id="concern-reference">{first.reference}</strong>' in page


def test_racing_double_submit_with_the_same_answers_returns_the_same_concern(answered):
    """Two posts of the same form that both still see the journey: the token keeps it to one."""
    saved = answered.session[journey.SESSION_KEY]
    first = send(answered)
    session = answered.session
    session[journey.SESSION_KEY] = saved
    session.save()
    response = answered.post(CHECK)
    assert response["Location"] == DONE
    assert Concern.objects.count() == 1
    assert f">{first.reference}<" in body(answered.get(DONE))


def test_get_never_creates_a_concern(answered):
    for url in [RAISE, CHECK, CHECK, DANGER, DONE, *(step_url(s) for s in SLUGS)]:
        answered.get(url)
    assert Concern.objects.count() == 0


def test_starting_again_gives_a_new_concern(answered):
    first = send(answered)
    start(answered)
    answer(answered)
    answered.post(CHECK)
    assert Concern.objects.count() == 2
    second = Concern.objects.exclude(pk=first.pk).get()
    assert second.reference != first.reference
    assert f">{second.reference}<" in body(answered.get(DONE))


# --- Untrusted text ------------------------------------------------------------------------------

SCRIPT = "<script>alert('x')</script> bruises on her arms"
IMG = '<img src=x onerror="alert(1)">'


def test_markup_is_stored_as_typed_and_shown_escaped(started, practitioner):
    answer(
        started,
        changes={
            "what-happened": {"what_happened": SCRIPT},
            "what-the-adult-wants": {"wants_to_happen": IMG},
        },
    )
    page = body(started.get(CHECK))
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; bruises on her arms" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "<script>alert(" not in page
    assert "<img src=x" not in page

    concern = send(started)
    assert concern.what_happened == SCRIPT
    assert concern.wants_to_happen == IMG

    started.force_login(practitioner)
    page = body(started.get(f"/concerns/{concern.reference}/"))
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "<script>alert(" not in page
    assert "<img src=x" not in page


def test_names_have_tags_removed(started):
    answer(
        started,
        changes={
            "about-you": {"raiser_name": "<i>Jo</i> Bloggs"},
            "about-the-adult": {
                "adult_given_name": "<b>Edna</b>",
                "adult_family_name": "<script>x</script>Marsh",
            },
            "where": {"care_provider_name": "<em>Sunrise</em> Home Care"},
        },
    )
    concern = send(started)
    assert concern.raiser_name == "Jo Bloggs"
    assert concern.adult_given_name == "Edna"
    assert concern.adult_family_name == "xMarsh"
    assert concern.care_provider_name == "Sunrise Home Care"


# --- More than one council -----------------------------------------------------------------------


def test_with_two_councils_the_council_question_comes_first_and_is_required(client, council, other_council):
    response = client.post(RAISE)
    assert response["Location"] == step_url("council")
    response = client.get(step_url("council"))
    assert response.status_code == 200
    page = body(response)
    assert "Which council area did this happen in?" in page
    assert "Riverside Council" in page and "Hillside Council" in page
    assert "Question 1 of 9" in page

    response = client.post(step_url("council"), {})
    assert_error_page(response, "Select the council area where this happened")
    assert error_summary(response) == ["Select the council area where this happened"]

    response = client.post(step_url("council"), {"council": other_council.pk})
    assert response.status_code == 302
    assert response["Location"] == step_url("immediate-danger")
    assert "Question 2 of 9" in body(client.get(step_url("immediate-danger")))

    answer(client)
    page = body(client.get(CHECK))
    assert "Hillside Council" in page
    assert f'href="{step_url("council")}?change=1"' in page
    assert send(client).council == other_council


def test_with_two_councils_check_answers_asks_for_the_council_first(client, council, other_council):
    client.post(RAISE)
    answer(client)
    response = client.get(CHECK)
    assert response["Location"] == step_url("council")


def test_council_answer_must_be_a_council(client, council, other_council, police):
    client.post(RAISE)
    response = client.post(step_url("council"), {"council": police.pk})
    assert response.status_code == 200
    assert "There is a problem" in body(response)


def test_partner_linked_to_one_council_is_not_asked_which_council(
    client, council, other_council, partner_referrer
):
    client.force_login(partner_referrer)
    response = client.post(RAISE)
    assert response["Location"] == step_url("immediate-danger")
    assert client.get(step_url("council")).status_code == 404
    assert "Question 1 of 8" in body(client.get(step_url("immediate-danger")))
    answer(client, changes={"about-you": {"raiser_kind": None}})
    assert "Which council area" not in body(client.get(CHECK))
    assert send(client).council == council


# --- A signed-in partner -------------------------------------------------------------------------


def test_partner_referrer_has_about_you_filled_in(client, council, partner_referrer, police):
    client.force_login(partner_referrer)
    start(client)
    response = client.get(step_url("about-you"))
    assert response.status_code == 200
    page = body(response)
    assert "Who are you?" not in page
    assert 'name="raiser_kind"' not in page
    assert 'value="Pc Tester"' in page
    assert 'value="pc_referrer@example.org"' in page
    assert 'value="Riverside Police"' in page


def test_partner_referrer_raising_a_concern_is_recorded(client, council, partner_referrer, police):
    client.force_login(partner_referrer)
    start(client)
    answer(client, ["immediate-danger"])
    # The pre-filled page is sent back as it is; a posted raiser_kind is ignored.
    response = client.post(
        step_url("about-you"),
        {
            "raiser_kind": "public",
            "raiser_name": "Pc Tester",
            "raiser_role": "Police constable",
            "raiser_organisation_name": "Riverside Police",
            "raiser_email": "pc_referrer@example.org",
        },
    )
    assert response.status_code == 302, error_summary(response)
    answer(client, SLUGS[2:])
    page = body(client.get(CHECK))
    assert "Who are you?" not in page
    assert "Pc Tester" in page
    concern = send(client)
    assert concern.raised_by_user == partner_referrer
    assert concern.raiser_organisation == police
    assert concern.raiser_kind == "professional"
    assert concern.raiser_name == "Pc Tester"
    assert concern.raiser_role == "Police constable"
    # The partner can follow its status, and sees nothing more.
    raised = body(client.get("/concerns/raised/"))
    assert concern.reference in raised
    assert client.get(f"/concerns/{concern.reference}/").status_code == 404


def test_partner_referrer_about_you_still_needs_a_way_to_contact(client, council, partner_referrer):
    client.force_login(partner_referrer)
    start(client)
    response = client.post(step_url("about-you"), {"raiser_name": "Pc Tester"})
    assert_error_page(response, "Enter a phone number or an email address so we can contact you")


# --- A self-referral: the later questions speak to the adult ---------------------------------------

# What a browser sends for a form with nothing filled in (the CSRF token is always there).
NOTHING = {"csrfmiddlewaretoken": "token"}
SELF_ABOUT_YOU = {**VALID["about-you"], "raiser_kind": "self", "raiser_role": ""}
SELF_WISHES = {"wants_to_happen": "For my son to stop taking my money", "outcomes_wanted": "To feel safe"}


@pytest.fixture
def self_referral(started):
    answer(started, ["immediate-danger"])
    response = started.post(step_url("about-you"), SELF_ABOUT_YOU)
    assert response["Location"] == step_url("about-the-adult")
    return started


def test_a_self_referral_is_asked_about_you_not_the_adult(self_referral):
    page = body(self_referral.get(step_url("about-the-adult")))
    assert "More about you" in page
    assert "What care and support needs do you have?" in page
    assert "Do you need help to communicate?" in page
    assert "the adult" not in page.lower().replace("about-the-adult", "")
    response = self_referral.post(
        step_url("about-the-adult"), {"adult_given_name": "", "adult_family_name": ""}
    )
    assert_error_page(response, "Enter your first name", "Enter your last name")
    assert "Say what happened, who was involved" in body(self_referral.get(step_url("what-happened")))


def test_a_self_referral_is_not_asked_whether_they_agree(self_referral):
    answer(self_referral, ["about-the-adult", "what-happened", "type-of-abuse"])
    response = self_referral.post(step_url("where"), VALID["where"])
    assert response["Location"] == step_url("what-the-adult-wants"), "no question about agreeing"
    assert self_referral.get(step_url("consent")).status_code == 404
    page = body(self_referral.get(step_url("what-the-adult-wants")))
    assert "What you want" in page
    assert "What do you want to happen?" in page
    assert "What outcomes do you want?" in page
    assert "Have you asked the adult" not in page
    assert "Question 7 of 7" in page


def test_a_self_referral_says_what_they_want_in_their_own_words(self_referral):
    answer(self_referral, ["about-the-adult", "what-happened", "type-of-abuse", "where"])
    response = self_referral.post(step_url("what-the-adult-wants"), NOTHING)
    assert_error_page(response, "Enter what you want to happen")
    response = self_referral.post(step_url("what-the-adult-wants"), SELF_WISHES)
    assert response["Location"] == CHECK
    check = body(self_referral.get(CHECK))
    assert "More about you" in check and "What you want" in check
    assert "the adult&#x27;s agreement" not in check.lower()
    concern = send(self_referral)
    assert concern.raiser_kind == "self"
    assert concern.consent == Concern.Consent.GIVEN, "they raised it themselves"
    assert concern.msp_asked is True
    assert concern.wants_to_happen == SELF_WISHES["wants_to_happen"]
    assert concern.not_asked_reason == ""


def test_no_longer_a_self_referral_asks_again(self_referral):
    """Changing who is raising it from the adult to someone else brings back the question whether
    they agree, and asks again what the adult wants (in the third person now)."""
    answer(self_referral, ["about-the-adult", "what-happened", "type-of-abuse", "where"])
    self_referral.post(step_url("what-the-adult-wants"), SELF_WISHES)
    response = self_referral.post(f"{step_url('about-you')}?change=1", VALID["about-you"])
    assert response["Location"] == CHECK
    assert self_referral.get(CHECK)["Location"] == step_url("consent")
    answer(self_referral, ["consent"])
    assert self_referral.get(CHECK)["Location"] == step_url("what-the-adult-wants")
    assert "Have you asked the adult what they want to happen?" in body(
        self_referral.get(step_url("what-the-adult-wants"))
    )


def test_someone_else_raising_it_is_asked_about_the_adult(started):
    answer(started, ["immediate-danger", "about-you"])
    page = body(started.get(step_url("about-the-adult")))
    assert "About the adult" in page
    assert "What care and support needs does the adult have, if you know?" in page


# --- Phone numbers are checked ---------------------------------------------------------------------

PHONE_MESSAGE = "Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"


@pytest.mark.parametrize("phone", ["999", "0123", "not a number", "+1 202 555 0100"])
def test_a_raisers_phone_number_is_checked(started, phone):
    answer(started, ["immediate-danger"])
    response = started.post(
        step_url("about-you"), {**VALID["about-you"], "raiser_phone": phone, "raiser_email": ""}
    )
    assert error_summary(response) == [PHONE_MESSAGE], (
        "only the phone's message, not 'enter one or the other'"
    )
    assert_error_page(response, PHONE_MESSAGE)


def test_the_adults_phone_number_is_checked(started):
    answer(started, ["immediate-danger", "about-you"])
    response = started.post(step_url("about-the-adult"), {**VALID["about-the-adult"], "adult_phone": "12345"})
    assert_error_page(response, PHONE_MESSAGE)


@pytest.mark.parametrize("phone", ["01632 960 001", "07700 900 982", "+44 808 157 0192", "(01632) 960-001"])
def test_uk_phone_numbers_are_accepted_as_typed(started, phone):
    answer(started, ["immediate-danger"])
    response = started.post(step_url("about-you"), {**VALID["about-you"], "raiser_phone": phone})
    assert_accepted(started, response, "about-you", raiser_phone=phone)
    response = started.post(step_url("about-the-adult"), {**VALID["about-the-adult"], "adult_phone": phone})
    assert_accepted(started, response, "about-the-adult", adult_phone=phone)


# --- A date in error: the red border on each box ---------------------------------------------------


def test_a_date_of_birth_in_error_has_a_red_border_on_each_box(started):
    answer(started, ["immediate-danger", "about-you"])
    response = started.post(step_url("about-the-adult"), {**VALID["about-the-adult"], **dob(31, 2, 1938)})
    boxes = re.findall(r'<input class="([^"]*)" id="id_adult_date_of_birth_\d"', body(response))
    assert len(boxes) == 3 and all("govuk-input--error" in c for c in boxes), boxes
    # Only the date is in error: the names keep their plain border.
    assert 'class="govuk-input govuk-input--error" id="id_adult_given_name"' not in body(response)
