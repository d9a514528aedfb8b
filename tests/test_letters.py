"""Letters: the lead's templates with ((placeholders)), the outcome letter to the adult (standard and
easy read), the update to the person who raised the concern (only what they may know), the PDF
(access-logged), the chronology's entries and ``told`` for the closure gate."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone

from msphub.accounts.models import Role, User
from msphub.casefile.entries import ChronologyFilters
from msphub.core.models import AccessLog
from msphub.enquiries.models import DesiredOutcome
from msphub.letters import chronology, placeholders, services
from msphub.letters.models import Kind, Letter, LetterTemplate
from tests.conftest import Cast, new_concern, new_person, per_test
from tests.enquiry_fixtures import add_outcome, assert_error, body, open_enquiry

pytestmark = pytest.mark.django_db

# The adult's details, distinctive enough that any trace of them in the referrer's letter is found.
ADULT_GIVEN, ADULT_FAMILY = "Ottoline", "Quarrendon"
WHAT_HAPPENED = "Bruises on the forearms seen by the district nurse on Tuesday"
OUTCOME_WORDS = "I want the carer from Zephyr Homecare changed"
RAISER = "Alex Raiser"


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    with django_db_blocker.unblock():
        cast = Cast()
        person = new_person(cast.council, given_name=ADULT_GIVEN, family_name=ADULT_FAMILY)
        concern = new_concern(
            cast.council,
            adult_given_name=ADULT_GIVEN,
            adult_family_name=ADULT_FAMILY,
            what_happened=WHAT_HAPPENED,
            raiser_name=RAISER,
        )
        enquiry = open_enquiry(concern, person, cast.practitioner, cast.manager)
        outcome = add_outcome(enquiry, OUTCOME_WORDS)
        DesiredOutcome.objects.filter(pk=outcome.pk).update(achievement="Partially Achieved")
        # Hillside's own enquiry, for its lead.
        h_person = new_person(cast.council, target_council=cast.other_council, given_name="Hector")
        h_concern = new_concern(cast.council, target_council=cast.other_council)
        h_manager = User.objects.create_user(
            username="hal_hillsidemanager",
            organisation=cast.other_council,
            team=cast.other_council_user.team,
            role=Role.TEAM_MANAGER,
        )
        h_enquiry = open_enquiry(h_concern, h_person, cast.other_council_user, h_manager)
        # Touch the personas the tests use, so they are made once here.
        for name in ("locality_practitioner", "lead", "partner_referrer", "board_viewer"):
            getattr(cast, name)
        concern.refresh_from_db()
        return SimpleNamespace(
            cast=cast, person=person, concern=concern, enquiry=enquiry, h_enquiry=h_enquiry
        )


@pytest.fixture
def world(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def enquiry_letters(w) -> str:
    return f"/enquiries/{w.enquiry.reference}/letters/"


def concern_letters(w) -> str:
    return f"/concerns/{w.concern.reference}/letters/"


def whole_text(letter: Letter) -> str:
    """Everything the letter says, as stored and as printed (the PDF's HTML)."""
    printed = render_to_string("letters/letter_pdf.html", {"letter": letter})
    return "\n".join([letter.recipient_name, letter.subject, letter.body, printed])


# --- What the person who raised the concern is told ----------------------------------------------------


def test_the_referrers_update_never_names_the_adult_or_says_what_happened(world):
    letter = services.produce_referrer_update(world.concern, world.cast.practitioner)
    text = whole_text(letter)
    for secret in (ADULT_GIVEN, ADULT_FAMILY, WHAT_HAPPENED, OUTCOME_WORDS, "Partially", "Zephyr"):
        assert secret not in text, secret
    assert letter.recipient_name == RAISER
    assert world.concern.reference in letter.subject and world.concern.reference in letter.body
    assert f"Dear {RAISER}," in letter.body
    assert "Riverside Council" in letter.body
    assert "Where it is now: enquiry started." in letter.body
    assert letter.enquiry is None and letter.person_id == world.person.pk


def test_a_referrers_template_cannot_reach_the_adults_details(world):
    with pytest.raises(ValidationError):
        services.save_template(
            world.cast.council, Kind.REFERRER_UPDATE, world.cast.lead, "About ((adult_name))", "Hello"
        )
    # Nor can the lead's text reach anything through template syntax: it is never compiled.
    services.save_template(
        world.cast.council,
        Kind.REFERRER_UPDATE,
        world.cast.lead,
        "Update ((reference))",
        "{{ concern.adult_given_name }} {% debug %} ((raiser_name)) <script>alert(1)</script>",
    )
    letter = services.produce_referrer_update(world.concern, world.cast.practitioner)
    assert letter.body.startswith("{{ concern.adult_given_name }} {% debug %} Alex Raiser")
    printed = render_to_string("letters/letter_pdf.html", {"letter": letter})
    assert "&lt;script&gt;" in printed and "<script>" not in printed
    assert ADULT_GIVEN not in whole_text(letter)


def test_placeholders_are_filled_once_and_escaped_in_print(world):
    assert placeholders.fill("Dear ((adult_name)) ((nope))", {"adult_name": "((date))"}) == (
        "Dear ((date)) ((nope))"
    )
    assert placeholders.unknown(
        "((reference)) (( raiser_name )) ((adult_name)) ((x))", Kind.REFERRER_UPDATE
    ) == [
        "adult_name",
        "x",
    ]
    add_outcome(world.enquiry, "<img src=x onerror=alert(1)> & more")
    letter = services.produce_outcome_letter(world.enquiry, world.cast.practitioner, Kind.OUTCOME_ADULT)
    printed = render_to_string("letters/letter_pdf.html", {"letter": letter})
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; more" in printed and "<img" not in printed
    assert 'class="msphub-letter msphub-official-sensitive"' in printed, "marked on every page"


# --- The lead's templates -----------------------------------------------------------------------


def test_the_lead_changes_a_template_and_letters_use_it_from_then_on(world):
    earlier = services.produce_outcome_letter(world.enquiry, world.cast.practitioner, Kind.OUTCOME_ADULT)
    assert earlier.template_version is None and f"Dear {ADULT_GIVEN} {ADULT_FAMILY}," in earlier.body
    lead = as_user(world.cast.lead)
    page = lead.get("/letters/templates/outcome-adult/")
    assert page.status_code == 200 and "((outcomes))" in body(page)
    assert "Your safeguarding enquiry ((reference))" in body(page), "the standard text to start from"
    response = lead.post(
        "/letters/templates/outcome-adult/",
        {
            "subject": "About ((reference))",
            "body": "Hello ((adult_name)).\n\n((outcomes))\n\n((practitioner))",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/letters/templates/"
    listing = body(lead.get("/letters/templates/"))
    assert "Your council's text, changed" in listing and "The standard text" in listing

    letter = services.produce_outcome_letter(world.enquiry, world.cast.practitioner, Kind.OUTCOME_ADULT)
    assert letter.subject == f"About {world.enquiry.reference}"
    assert letter.body == (
        f"Hello {ADULT_GIVEN} {ADULT_FAMILY}.\n\n- {OUTCOME_WORDS}: partially achieved\n\nPat Tester"
    )
    template = LetterTemplate.objects.get(council=world.cast.council, kind=Kind.OUTCOME_ADULT)
    assert letter.template_version == template.history.latest().history_id
    # A letter keeps the text it was produced with.
    earlier.refresh_from_db()
    assert f"Dear {ADULT_GIVEN} {ADULT_FAMILY}," in earlier.body and "Hello" not in earlier.body


def test_an_unknown_placeholder_is_an_error_naming_it(world):
    lead = as_user(world.cast.lead)
    response = lead.post(
        "/letters/templates/referrer-update/",
        {
            "subject": "Update ((reference))",
            "body": "Dear ((raiser_name)), about ((adult_name)) and ((what))",
        },
    )
    assert_error(
        response,
        "The text cannot use ((adult_name)) or ((what)): this letter may use only ((raiser_name)), "
        "((reference)), ((council)), ((status)) or ((date))",
    )
    assert 'href="#id_body"' in body(response) and "govuk-textarea--error" in body(response)
    assert "<title>Error: " in body(response)
    assert not LetterTemplate.objects.exists()
    empty = lead.post("/letters/templates/referrer-update/", {"subject": " ", "body": ""})
    assert_error(empty, "Enter the subject of the letter")
    assert_error(empty, "Enter the text of the letter")


def test_another_councils_lead_sees_and_changes_only_their_own_templates(world):
    services.save_template(
        world.cast.council, Kind.OUTCOME_ADULT, world.cast.lead, "Riverside ((reference))", "Riverside words"
    )
    hillside = as_user(world.cast.other_council_user)
    page = body(hillside.get("/letters/templates/outcome-adult/"))
    assert "Riverside words" not in page and "Your safeguarding enquiry ((reference))" in page
    assert "Your council's text" not in body(hillside.get("/letters/templates/"))
    response = hillside.post(
        "/letters/templates/outcome-adult/", {"subject": "Hillside", "body": "Hillside words"}
    )
    assert response.status_code == 302
    riverside = LetterTemplate.objects.get(council=world.cast.council, kind=Kind.OUTCOME_ADULT)
    assert riverside.body == "Riverside words"
    assert LetterTemplate.objects.get(council=world.cast.other_council).body == "Hillside words"
    # Hillside's letters use Hillside's text.
    letter = services.produce_outcome_letter(
        world.h_enquiry, world.cast.other_council_user, Kind.OUTCOME_ADULT
    )
    assert letter.body == "Hillside words"
    assert hillside.get("/letters/templates/no-such-letter/").status_code == 404


@pytest.mark.parametrize(
    "persona", ["practitioner", "manager", "partner_referrer", "board_viewer", "locality_practitioner"]
)
def test_only_the_lead_opens_the_templates(world, persona):
    client = as_user(getattr(world.cast, persona))
    assert client.get("/letters/templates/").status_code == 404
    assert client.get("/letters/templates/outcome-adult/").status_code == 404
    assert client.post("/letters/templates/outcome-adult/", {"subject": "x", "body": "y"}).status_code == 404
    assert not LetterTemplate.objects.exists()


# --- Producing letters ---------------------------------------------------------------------------------


def test_the_practitioner_produces_the_outcome_letter_in_easy_read(world):
    client = as_user(world.cast.practitioner)
    page = client.get(enquiry_letters(world))
    assert page.status_code == 200 and "Produce the letter" in body(page)
    assert "No letters have been produced yet" in body(page)
    response = client.post(enquiry_letters(world), {"kind": "outcome_adult_easy_read"})
    assert response.status_code == 302 and response["Location"] == enquiry_letters(world)
    letter = Letter.objects.get()
    assert (letter.kind, letter.enquiry_id, letter.concern_id) == (
        Kind.OUTCOME_ADULT_EASY_READ,
        world.enquiry.pk,
        world.concern.pk,
    )
    assert letter.recipient_name == f"{ADULT_GIVEN} {ADULT_FAMILY}"
    assert f"- {OUTCOME_WORDS}: partially achieved" in letter.body
    listing = body(client.get(enquiry_letters(world)))
    assert f'href="/letters/{letter.uuid}.pdf"' in listing
    assert "Outcome letter to the adult (easy read) produced" in listing
    printed = render_to_string("letters/letter_easy_read_pdf.html", {"letter": letter})
    assert 'class="msphub-easy-read msphub-official-sensitive"' in printed and "font-size: 18pt" in printed


@pytest.mark.parametrize("kind", [None, "", "referrer_update", "<b>bad</b>"])
def test_producing_without_choosing_a_letter_says_so(world, kind):
    data = {} if kind is None else {"kind": kind}
    response = as_user(world.cast.practitioner).post(enquiry_letters(world), data)
    assert_error(response, "Select which letter to produce")
    assert "&lt;b&gt;bad" not in body(response) and "<b>bad" not in body(response)
    assert not Letter.objects.exists()


def test_the_service_refuses_a_referrers_kind_as_an_outcome_letter(world):
    with pytest.raises(ValidationError):
        services.produce_outcome_letter(world.enquiry, world.cast.practitioner, Kind.REFERRER_UPDATE)


def test_who_else_may_see_and_produce_an_enquirys_letters(world):
    # Another team's practitioner sees the letters, but does not produce one.
    locality = as_user(world.cast.locality_practitioner)
    page = locality.get(enquiry_letters(world))
    assert page.status_code == 200 and "Produce the letter" not in body(page)
    assert locality.post(enquiry_letters(world), {"kind": "outcome_adult"}).status_code == 404
    # Another council, a partner referrer and the Board: nothing at all.
    for user in (world.cast.other_council_user, world.cast.partner_referrer, world.cast.board_viewer):
        client = as_user(user)
        assert client.get(enquiry_letters(world)).status_code == 404
        assert client.post(enquiry_letters(world), {"kind": "outcome_adult"}).status_code == 404
        assert client.get(concern_letters(world)).status_code == 404
        assert client.post(concern_letters(world)).status_code == 404
    assert not Letter.objects.exists()


def test_the_referrers_update_is_produced_from_the_concern(world):
    client = as_user(world.cast.practitioner)
    page = client.get(concern_letters(world))
    assert page.status_code == 200 and "Produce the update" in body(page)
    assert ADULT_GIVEN not in body(page), "the page about the referrer's letter need not name the adult"
    response = client.post(concern_letters(world))
    assert response.status_code == 302
    letter = Letter.objects.get()
    assert letter.kind == Kind.REFERRER_UPDATE and letter.concern_id == world.concern.pk
    assert f'href="/letters/{letter.uuid}.pdf"' in body(client.get(concern_letters(world)))
    # Another team's practitioner sees it, and does not produce one.
    locality = as_user(world.cast.locality_practitioner)
    assert "Produce the update" not in body(locality.get(concern_letters(world)))
    assert locality.post(concern_letters(world)).status_code == 404


def test_a_concern_linked_to_nobody_gets_no_letter(world, make_concern):
    concern = make_concern()
    client = as_user(world.cast.lead)
    response = client.post(f"/concerns/{concern.reference}/letters/")
    assert response.status_code == 200
    assert "Link the concern to a person before producing a letter" in body(response)
    assert "<title>Error: " in body(response) and "There is a problem" in body(response)
    assert not Letter.objects.exists()


# --- The PDF ---------------------------------------------------------------------------------------


def test_the_pdf_is_the_letter_as_produced_and_its_download_is_logged(world):
    letter = services.produce_outcome_letter(world.enquiry, world.cast.practitioner, Kind.OUTCOME_ADULT)
    path = f"/letters/{letter.uuid}.pdf"
    response = as_user(world.cast.manager).get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == (
        f'attachment; filename="letter-{world.enquiry.reference}-outcome-adult.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    logged = AccessLog.objects.filter(user=world.cast.manager, page=path)
    assert set(logged.values_list("record_id", flat=True)) == {letter.uuid, world.enquiry.uuid}
    assert logged.get(record_id=letter.uuid).record_reference == world.enquiry.reference


def test_the_pdf_is_404_to_outsiders(world):
    letter = services.produce_outcome_letter(world.enquiry, world.cast.practitioner, Kind.OUTCOME_ADULT)
    update = services.produce_referrer_update(world.concern, world.cast.practitioner)
    for user in (world.cast.other_council_user, world.cast.partner_referrer, world.cast.board_viewer):
        client = as_user(user)
        for one in (letter, update):
            assert client.get(f"/letters/{one.uuid}.pdf").status_code == 404
    assert not AccessLog.objects.filter(record_id__in=[letter.uuid, update.uuid]).exists()
    assert as_user(world.cast.practitioner).post(f"/letters/{letter.uuid}.pdf").status_code == 405


# --- The chronology and the closure gate ---------------------------------------------------------------


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_letters_are_in_the_persons_chronology_in_one_query(world, django_assert_num_queries):
    practitioner = world.cast.practitioner
    services.produce_outcome_letter(world.enquiry, practitioner, Kind.OUTCOME_ADULT)
    request = _request(practitioner)
    with django_assert_num_queries(1):
        one = chronology.entries(request, world.person, ChronologyFilters())
    services.produce_outcome_letter(world.enquiry, practitioner, Kind.OUTCOME_ADULT_EASY_READ)
    services.produce_referrer_update(world.concern, practitioner)
    with django_assert_num_queries(1):
        three = chronology.entries(request, world.person, ChronologyFilters())
    assert len(one) == 1 and len(three) == 3
    first = three[-1]
    assert (first.kind, first.label, first.record) == (
        "letter",
        "Outcome letter to the adult",
        world.enquiry.reference,
    )
    assert first.by == "Pat Tester" and first.url.endswith(".pdf")
    assert three[0].label == "Update to the person who raised the concern"
    assert three[0].record == world.concern.reference

    today = timezone.localdate()
    assert chronology.entries(request, world.person, ChronologyFilters(significant_only=True)) == []
    assert chronology.entries(request, world.person, ChronologyFilters(kinds=frozenset({"case_note"}))) == []
    assert len(chronology.entries(request, world.person, ChronologyFilters(kinds=frozenset({"letter"})))) == 3
    assert len(chronology.entries(request, world.person, ChronologyFilters(since=today, until=today))) == 3
    later = ChronologyFilters(since=today + timedelta(days=1))
    assert chronology.entries(request, world.person, later) == []
    for outsider in (world.cast.other_council_user, world.cast.partner_referrer, world.cast.board_viewer):
        assert chronology.entries(_request(outsider), world.person, ChronologyFilters()) == []


def test_told_says_whether_the_adult_and_the_referrer_have_had_their_letters(world):
    assert services.told(world.enquiry) == {"adult": False, "referrer": False}
    services.produce_outcome_letter(world.enquiry, world.cast.practitioner, Kind.OUTCOME_ADULT_EASY_READ)
    assert services.told(world.enquiry) == {"adult": True, "referrer": False}
    services.produce_referrer_update(world.concern, world.cast.practitioner)
    assert services.told(world.enquiry) == {"adult": True, "referrer": True}
    assert services.told(world.h_enquiry) == {"adult": False, "referrer": False}
