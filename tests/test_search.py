"""The header's search box (issue 13, item 8): a reference straight to its record through the
chokepoint, or a name, date of birth or NHS number posted to the people search; and the restricted
hint wherever a search would otherwise say nothing matches (item 7)."""

import re
from datetime import date
from types import SimpleNamespace

import pytest
from django.urls import reverse

from msphub.accounts.models import Role, User
from msphub.core.models import AccessLog
from msphub.people import services
from msphub.people.forms import WRONG_REFERENCE, HeaderSearchForm, Lookup, PersonForm, RepresentativeForm
from msphub.people.models import Person
from tests.conftest import PASSWORD, Cast, new_concern, new_person, per_test
from tests.enquiry_fixtures import assert_error, body, open_enquiry

pytestmark = pytest.mark.django_db

FIND = reverse("people:find")
NOT_FOUND = "No record matches that reference you can see"
HINT = "A restricted record matches your search"
NHS_NUMBER = "9434765919"
PHONE_ERROR = "Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    """Edna Marsh with an open enquiry (and its concern); Rosalind Quorn's restricted record (only
    the locality practitioner named) with a concern; a concern in Hillside."""
    with django_db_blocker.unblock():
        cast = Cast()
        edna = new_person(cast.council, nhs_number=NHS_NUMBER, team=cast.front_door)
        concern = new_concern(cast.council)
        enquiry = open_enquiry(concern, edna, cast.practitioner, cast.manager)
        rosalind = new_person(
            cast.council, given_name="Rosalind", family_name="Quorn", date_of_birth=date(1950, 3, 2)
        )
        c_restricted = new_concern(cast.council, adult_given_name="Rosalind", adult_family_name="Quorn")
        c_restricted.person = rosalind
        c_restricted.save(update_fields=["person"])
        services.restrict(rosalind, True, [cast.locality_practitioner])
        c_hillside = new_concern(cast.council, target_council=cast.other_council)
        return SimpleNamespace(
            cast=cast,
            edna=edna,
            concern=concern,
            enquiry=enquiry,
            rosalind=rosalind,
            c_restricted=c_restricted,
            c_hillside=c_hillside,
        )


@pytest.fixture
def world(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


def signed_in(client, user):
    client.force_login(user)
    return client


def find(client, q: str):
    return client.post(FIND, {"q": q})


def same_page(text: str, *references: str) -> str:
    """The page with its per-response parts (the CSRF token, the script nonce) and the reference
    typed taken out."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    text = re.sub(r'nonce="[^"]+"', "", text)
    for reference in references:
        text = text.replace(reference, "REF")
    return text


# --- Reading what was typed (no database) ---------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("CON-2026-000123", Lookup(reference="CON-2026-000123")),
        ("  enq-2026-000045 ", Lookup(reference="ENQ-2026-000045")),
        ("943 476 5919", Lookup(criteria={"nhs_number": "9434765919"})),
        ("943-476-5919", Lookup(criteria={"nhs_number": "9434765919"})),
        ("17/5/1938", Lookup(criteria={"date_of_birth": date(1938, 5, 17)})),
        ("17-05-1938", Lookup(criteria={"date_of_birth": date(1938, 5, 17)})),
        ("17 May 1938", Lookup(criteria={"date_of_birth": date(1938, 5, 17)})),
        ("17 sept 1938", Lookup(criteria={"date_of_birth": date(1938, 9, 17)})),
        ("1938-05-17", Lookup(criteria={"date_of_birth": date(1938, 5, 17)})),
        ("Edna Marsh", Lookup(criteria={"name": "Edna Marsh"})),
        ("<b>Marsh</b>", Lookup(criteria={"name": "Marsh"})),
        ("May", Lookup(criteria={"name": "May"})),
    ],
)
def test_what_was_typed_is_a_reference_an_nhs_number_a_date_or_a_name(typed, expected):
    form = HeaderSearchForm({"q": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["q"] == expected


@pytest.mark.parametrize(
    "typed, message",
    [
        ("", "Enter a reference, name, date of birth or NHS number"),
        ("   ", "Enter a reference, name, date of birth or NHS number"),
        ("<b></b>", "Enter a reference, name, date of birth or NHS number"),
        ("CON-2026-123", WRONG_REFERENCE),
        ("enq-26-000045", WRONG_REFERENCE),
        ("9434765918", "Enter a valid NHS number: the last digit does not match the others"),
        ("31/2/1938", "Date of birth must be a real date"),
        ("1/1/1850", "Date of birth must be after 1900"),
        ("1/1/2099", "Date of birth must be today or in the past"),
        ("x" * 201, "Search by reference, name, date of birth or NHS number must be 200 characters or fewer"),
    ],
)
def test_what_cannot_be_searched_for_is_a_clear_error(typed, message):
    form = HeaderSearchForm({"q": typed})
    assert not form.is_valid()
    assert form.errors["q"] == [message]


# --- The box itself --------------------------------------------------------------------------------


def test_the_box_is_in_the_header_for_casework_staff_only(client, world, partner_referrer, board_viewer):
    cast = world.cast
    for user in (cast.practitioner, cast.manager, cast.lead):
        page = body(signed_in(client, user).get(reverse("home")))
        assert 'class="msphub-header-search"' in page and f'action="{FIND}"' in page
        form = page.split('class="msphub-header-search"', 1)[1].split("</form>", 1)[0]
        assert 'method="post"' in page.split('class="msphub-header-search"', 1)[0].rsplit("<form", 1)[1]
        assert "csrfmiddlewaretoken" in form
        assert "Search by reference, name, date of birth or NHS number" in form
    for user in (partner_referrer, board_viewer):
        assert "msphub-header-search" not in body(signed_in(client, user).get(reverse("home")))


def test_partners_the_board_and_anonymous_cannot_search(client, world, partner_referrer, board_viewer):
    reference = world.concern.reference
    for user in (partner_referrer, board_viewer):
        signed_in(client, user)
        assert client.get(FIND, {"reference": reference}).status_code == 404
        assert find(client, reference).status_code == 404
        assert find(client, "Marsh").status_code == 404
    client.logout()
    response = client.get(FIND, {"reference": reference})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- A reference -----------------------------------------------------------------------------------


def test_a_reference_goes_straight_to_the_record(client, world, practitioner):
    signed_in(client, practitioner)
    concern, enquiry = world.concern.reference, world.enquiry.reference
    response = client.get(FIND, {"reference": concern})
    assert response.status_code == 302
    assert response["Location"] == reverse("concerns:detail", args=[concern])
    response = client.get(FIND, {"reference": f" {enquiry.lower()} "})
    assert response["Location"] == reverse("enquiries:detail", args=[enquiry])
    # Typed in the box (posted), the same.
    assert find(client, enquiry.lower())["Location"] == reverse("enquiries:detail", args=[enquiry])
    # The record's own page logs the view; the redirect does not log it twice.
    assert not AccessLog.objects.filter(page=FIND).exists()


def test_another_councils_reference_reads_as_one_that_does_not_exist(client, world, practitioner):
    signed_in(client, practitioner)
    hillside, missing = world.c_hillside.reference, "CON-2026-999999"
    pages = []
    for reference in (hillside, missing):
        for response in (client.get(FIND, {"reference": reference}), find(client, reference)):
            assert response.status_code == 200
            text = body(response)
            assert NOT_FOUND in text and reference in text and HINT not in text
            pages.append(same_page(text, reference))
    assert len(set(pages)) == 1, "another council's reference and a missing one get the same page"


def test_hillside_cannot_go_to_riversides_record(client, world, other_council_user):
    signed_in(client, other_council_user)
    for reference in (world.concern.reference, world.enquiry.reference, world.c_restricted.reference):
        response = client.get(FIND, {"reference": reference})
        assert response.status_code == 200
        assert NOT_FOUND in body(response) and HINT not in body(response)
    assert find(client, world.c_hillside.reference)["Location"] == reverse(
        "concerns:detail", args=[world.c_hillside.reference]
    )


def test_a_restricted_records_reference_says_a_restricted_record_matches(
    client, world, practitioner, locality_practitioner, lead
):
    reference = world.c_restricted.reference
    text = body(signed_in(client, practitioner).get(FIND, {"reference": reference}))
    assert NOT_FOUND in text and HINT in text and "contact the safeguarding lead" in text
    assert reverse("people:emergency_access", args=[world.rosalind.uuid]) in text
    assert "Rosalind" not in text and "Quorn" not in text
    for user in (locality_practitioner, lead):  # named on it, and the lead
        response = signed_in(client, user).get(FIND, {"reference": reference})
        assert response["Location"] == reverse("concerns:detail", args=[reference])


def test_a_get_with_anything_but_a_reference_is_the_empty_box_and_shows_nothing_back(
    client, world, practitioner
):
    signed_in(client, practitioner)
    for query in ({"q": "Edna Marsh"}, {"reference": "Edna Marsh"}, {"reference": NHS_NUMBER}, {}):
        response = client.get(FIND, query)
        assert response.status_code == 200
        text = body(response)
        assert "Edna" not in text and NHS_NUMBER not in text and NOT_FOUND not in text
        assert "govuk-error-summary" not in text
    assert not AccessLog.objects.filter(page=FIND).exists()


# --- A person --------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["Marsh", "edna marsh", "943 476 5919", "17/5/1938", "17 May 1938"])
def test_a_name_nhs_number_or_date_of_birth_is_the_people_search(client, world, practitioner, typed):
    response = find(signed_in(client, practitioner), typed)
    assert response.status_code == 200
    text = body(response)
    assert reverse("people:detail", args=[world.edna.uuid]) in text
    # The people search's form, filled in with what was typed, posts to the people search.
    assert f'action="{reverse("people:search")}"' in text
    # Each person listed is logged as viewed, from the search page.
    assert AccessLog.objects.filter(record_id=world.edna.uuid, user=practitioner, page=FIND).exists()


def test_the_people_search_form_is_filled_in_from_the_box(client, world, practitioner):
    signed_in(client, practitioner)
    text = body(find(client, "Marsh"))
    assert re.search(r'name="name"[^>]*value="Marsh"', text)
    text = body(find(client, "17/5/1938"))
    assert re.search(r'name="date_of_birth_year"[^>]*value="1938"', text)
    text = body(find(client, "943 476 5919"))
    assert re.search(rf'name="nhs_number"[^>]*value="{NHS_NUMBER}"', text)


def test_nothing_found_says_so_and_a_bad_value_is_an_error(client, world, practitioner):
    signed_in(client, practitioner)
    assert "No matching records" in body(find(client, "Nobody"))
    response = find(client, "9434765918")
    assert_error(response, "Enter a valid NHS number: the last digit does not match the others")
    assert 'href="#id_q"' in body(response)
    assert_error(find(client, ""), "Enter a reference, name, date of birth or NHS number")
    assert_error(find(client, "CON-26-1"), WRONG_REFERENCE)


def test_hillside_finds_none_of_riversides_people(client, world, other_council_user):
    text = body(find(signed_in(client, other_council_user), "Marsh"))
    assert "No matching records" in text and "Edna" not in text and HINT not in text


# --- The restricted hint instead of "No matching records" -----------------------------------------


def test_the_header_search_shows_the_restricted_hint(client, world, practitioner, locality_practitioner):
    text = body(find(signed_in(client, practitioner), "Quorn"))
    assert HINT in text and "No matching records" not in text and "Rosalind" not in text
    text = body(find(signed_in(client, practitioner), "2/3/1950"))
    assert HINT in text
    text = body(find(signed_in(client, locality_practitioner), "Quorn"))
    assert "Rosalind" in text and HINT not in text


def test_the_people_search_shows_the_restricted_hint(client, world, practitioner):
    response = signed_in(client, practitioner).post(reverse("people:search"), {"name": "Quorn"})
    text = body(response)
    assert HINT in text and "No matching records" not in text and "Rosalind" not in text


def person_data(**overrides) -> dict:
    data = {
        "given_name": "Rosalind",
        "family_name": "Quorn",
        "date_of_birth_day": "2",
        "date_of_birth_month": "3",
        "date_of_birth_year": "1950",
        "gender": "Female",
        "ethnicity": "White",
        "primary_support_reason": "Support with Memory and Cognition",
    }
    data.update(overrides)
    return data


def test_a_new_record_waits_when_a_restricted_record_may_be_the_same_person(client, world, practitioner):
    signed_in(client, practitioner)
    before = Person.objects.count()
    response = client.post(reverse("people:new"), person_data())
    assert_error(
        response,
        "This person may already have a record. Check the records below or confirm that this is a "
        "different person.",
    )
    text = body(response)
    assert HINT in text and reverse("people:emergency_access", args=[world.rosalind.uuid]) in text
    assert 'name="confirm_new"' in text
    assert Person.objects.count() == before
    # Checked with the safeguarding lead: a different person.
    response = client.post(reverse("people:new"), person_data(confirm_new="1"))
    assert response.status_code == 302
    assert Person.objects.count() == before + 1


def test_a_new_record_with_no_likely_duplicate_is_created_at_once(client, world, practitioner):
    response = signed_in(client, practitioner).post(
        reverse("people:new"), person_data(given_name="Ottoline", family_name="Brackenbury")
    )
    assert response.status_code == 302


def test_the_restricted_duplicates_are_only_those_the_user_may_not_see(world, practitioner, lead):
    criteria = {"given_name": "Rosalind", "family_name": "Quorn", "date_of_birth": date(1950, 3, 2)}
    assert services.restricted_duplicates(practitioner, criteria) == [world.rosalind.uuid]
    assert services.restricted_duplicates(world.cast.locality_practitioner, criteria) == []
    assert services.restricted_duplicates(lead, criteria) == []
    partner = User.objects.create_user(
        "pat_partner_eo",
        password=PASSWORD,
        organisation=world.cast.nhs_trust,
        role=Role.PARTNER_ENQUIRY_OFFICER,
    )
    assert services.restricted_duplicates(partner, criteria) == []
    assert services.restricted_duplicates(world.cast.other_council_user, criteria) == []


# --- Phone numbers (core.validators.validate_uk_phone) ------------------------------------------


@pytest.mark.parametrize("phone", ["999", "12345", "+1 202 555 0100", "call me"])
def test_a_persons_and_a_representatives_phone_number_is_checked(phone):
    form = PersonForm(person_data(phone=phone))
    assert not form.is_valid() and form.errors["phone"] == [PHONE_ERROR]
    form = RepresentativeForm({"name": "Jean Marsh", "kind": "family", "phone": phone})
    assert not form.is_valid() and form.errors["phone"] == [PHONE_ERROR]


@pytest.mark.parametrize("phone", ["01632 960 001", "07700 900982", "+44 808 157 0192", ""])
def test_a_uk_phone_number_is_accepted(phone):
    assert PersonForm(person_data(phone=phone)).is_valid()
    rep = RepresentativeForm(
        {"name": "Jean Marsh", "kind": "family", "phone": phone, "email": "j@example.org"}
    )
    assert rep.is_valid(), rep.errors


def test_a_bad_phone_number_on_the_page_is_an_error_and_nothing_is_saved(client, world, practitioner):
    signed_in(client, practitioner)
    page = reverse("people:representative_new", args=[world.edna.uuid])
    response = client.post(page, {"name": "Jean Marsh", "kind": "family", "phone": "999"})
    assert_error(response, PHONE_ERROR)
    assert not world.edna.representatives.exists()
