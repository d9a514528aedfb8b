"""Finding people: search, and likely duplicates before a new record is made (people.services)."""

from datetime import date

import pytest

from msphub.people.models import Person
from msphub.people.services import likely_duplicates, search

DOB = date(1938, 5, 17)
NHS = "9434765919"

pytestmark = pytest.mark.django_db


def found(duplicates) -> list[str]:
    return [d.person.full_name for d in duplicates]


def reasons_for(duplicates, person) -> list[str]:
    return next(d.reasons for d in duplicates if d.person.pk == person.pk)


@pytest.fixture
def council_people(council):
    return Person.objects.filter(council=council)


# --- Likely duplicates ---------------------------------------------------------------------------


def test_same_nhs_number_comes_first(make_person, council_people):
    make_person(given_name="Edna", family_name="Marsh")
    same_nhs = make_person(
        given_name="Edith",
        family_name="Walsh",
        date_of_birth=date(1940, 1, 1),
        nhs_number=NHS,
        postcode="RV9 9ZZ",
    )
    duplicates = likely_duplicates(
        council_people, "Edna", "Marsh", date_of_birth=DOB, nhs_number="943 476 5919"
    )
    assert duplicates[0].person == same_nhs
    assert duplicates[0].reasons == ["Same NHS number"]
    assert found(duplicates) == ["Edith Walsh", "Edna Marsh"]


def test_nhs_match_is_not_lost_behind_weaker_matches(make_person, council_people):
    """Strongest match first, whatever the limit: the NHS match must survive the cut."""
    for given in ("Ada", "Beth", "Cath", "Dora"):
        make_person(given_name=given, family_name="Marsh", date_of_birth=DOB)
    same_nhs = make_person(
        given_name="Zoe",
        family_name="Young",
        date_of_birth=date(1950, 2, 2),
        nhs_number=NHS,
        postcode="RV9 9ZZ",
    )
    duplicates = likely_duplicates(
        council_people, "Edna", "Marsh", date_of_birth=DOB, nhs_number=NHS, limit=2
    )
    assert len(duplicates) == 2
    assert duplicates[0].person == same_nhs


def test_same_last_name_any_case_and_date_of_birth(make_person, council_people):
    match = make_person(given_name="Edwina", family_name="MARSH", postcode="")
    make_person(given_name="Edwina", family_name="Marsh", date_of_birth=date(1938, 5, 18))
    duplicates = likely_duplicates(council_people, "Elsie", "marsh", date_of_birth=DOB)
    assert [d.person for d in duplicates] == [match]
    assert duplicates[0].reasons == ["Same last name and date of birth"]


def test_same_full_name_and_postcode(make_person, council_people):
    match = make_person(date_of_birth=None, postcode="RV1 2AB")
    make_person(date_of_birth=None, postcode="RV3 4CD")
    duplicates = likely_duplicates(council_people, "edna", "MARSH", postcode="rv1 2ab")
    assert [d.person for d in duplicates] == [match]
    assert duplicates[0].reasons == ["Same name and postcode"]


def test_same_full_name_and_postcode_typed_without_a_space(make_person, council_people):
    match = make_person(date_of_birth=None, postcode="RV1 2AB")
    duplicates = likely_duplicates(council_people, "Edna", "Marsh", postcode="rv12ab")
    assert [d.person for d in duplicates] == [match]


def test_every_reason_is_given_and_strongest_first(make_person, council_people):
    strong = make_person(nhs_number=NHS)  # Edna Marsh, same DOB and postcode too
    weaker = make_person(given_name="Edwina", postcode="RV5 5EE")  # last name and DOB only
    duplicates = likely_duplicates(
        council_people, "Edna", "Marsh", date_of_birth=DOB, nhs_number=NHS, postcode="RV1 2AB"
    )
    assert [d.person for d in duplicates] == [strong, weaker]
    assert reasons_for(duplicates, strong) == [
        "Same NHS number",
        "Same last name and date of birth",
        "Same first name and date of birth",
        "Same name and postcode",
    ]
    assert reasons_for(duplicates, weaker) == ["Same last name and date of birth"]


def test_a_different_person_is_not_offered(make_person, council_people):
    make_person(
        given_name="George",
        family_name="Okafor",
        date_of_birth=date(1951, 11, 3),
        postcode="RV7 1XY",
        nhs_number=NHS,
    )
    duplicates = likely_duplicates(
        council_people,
        "Edna",
        "Marsh",
        date_of_birth=DOB,
        nhs_number="401 023 2137",
        postcode="RV1 2AB",
    )
    assert duplicates == []


def test_nothing_to_match_on_offers_nobody(make_person, council_people):
    make_person()
    assert likely_duplicates(council_people, "", "") == []
    assert likely_duplicates(council_people, "Edna", "Marsh") == []


def test_another_councils_people_are_not_offered(make_person, other_council, council_people):
    theirs = make_person(target_council=other_council, nhs_number=NHS)
    ours = make_person(given_name="Edwina")
    duplicates = likely_duplicates(
        council_people, "Edna", "Marsh", date_of_birth=DOB, nhs_number=NHS, postcode="RV1 2AB"
    )
    assert [d.person for d in duplicates] == [ours]
    assert theirs not in [d.person for d in duplicates]
    # Unscoped, the other council's record would have matched: the scoping is what excludes it.
    unscoped = likely_duplicates(Person.objects.all(), "Edna", "Marsh", date_of_birth=DOB, nhs_number=NHS)
    assert theirs in [d.person for d in unscoped]


def test_limit_is_respected(make_person, council_people):
    for given in ("Ada", "Beth", "Cath", "Dora", "Edie"):
        make_person(given_name=given)
    duplicates = likely_duplicates(council_people, "Flo", "Marsh", date_of_birth=DOB, limit=3)
    assert len(duplicates) == 3


# --- Search --------------------------------------------------------------------------------------


@pytest.fixture
def people(make_person):
    return {
        "edna": make_person(nhs_number=NHS),
        "eddie": make_person(
            given_name="Edward",
            family_name="Marshall",
            preferred_name="Eddie",
            date_of_birth=date(1945, 2, 3),
            postcode="RV4 4DD",
        ),
        "george": make_person(
            given_name="George", family_name="Okafor", date_of_birth=DOB, postcode="RV1 2AB"
        ),
    }


def names(qs) -> set[str]:
    return {p.given_name for p in qs}


def test_search_by_name_words_in_any_order(people, council_people):
    assert names(search(council_people, name="edna marsh")) == {"Edna"}
    assert names(search(council_people, name="Marsh Edna")) == {"Edna"}
    assert names(search(council_people, name="marsh")) == {"Edna", "Edward"}
    assert names(search(council_people, name="eddie")) == {"Edward"}  # preferred name
    assert names(search(council_people, name="edna okafor")) == set()


def test_search_by_date_of_birth(people, council_people):
    assert names(search(council_people, date_of_birth=DOB)) == {"Edna", "George"}
    assert names(search(council_people, name="okafor", date_of_birth=DOB)) == {"George"}


@pytest.mark.parametrize("typed", ["943 476 5919", "943-476-5919", "9434765919"])
def test_search_by_nhs_number_as_typed(people, council_people, typed):
    assert names(search(council_people, nhs_number=typed)) == {"Edna"}


def test_search_by_postcode(people, council_people):
    assert names(search(council_people, postcode="RV1 2AB")) == {"Edna", "George"}
    assert names(search(council_people, postcode="rv4 4dd")) == {"Edward"}


def test_search_by_postcode_typed_without_a_space(people, council_people):
    assert names(search(council_people, postcode="rv12ab")) == {"Edna", "George"}


def test_search_stays_within_the_queryset_given(people, make_person, other_council, council_people):
    make_person(target_council=other_council, nhs_number=NHS)
    assert search(Person.objects.all(), nhs_number=NHS).count() == 2
    assert list(search(council_people, nhs_number=NHS)) == [people["edna"]]


def test_search_with_no_criteria_returns_the_queryset(people, council_people):
    assert search(council_people).count() == 3
