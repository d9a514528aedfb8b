"""The SAC return's warnings read from its GROUP BYs (msphub/measures/sac.py): the under-18 look-up
runs only when a group may hold someone under 18, and still finds a concern's child when the
enquiry started from it names another person (a record the application does not make, checked
so the short cut cannot hide one)."""

from datetime import date

import pytest

from msphub.measures.sac import SacReturn, build_return
from tests.test_sac_return import FY, Builder, at, lead_user  # noqa: F401 (lead_user: a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def builder(lead_user) -> Builder:  # noqa: F811
    return Builder(lead_user)


def under_18_warnings(council) -> list[str]:
    return [w for w in build_return(FY, council)["warnings"] if "under 18" in w]


def may_be_under_18(council) -> bool:
    return SacReturn(FY, council)._events_counted().may_be_under_18()


def test_no_look_up_needed_without_children(council, builder):
    adult = builder.person(council, "Ann", date(1950, 1, 1))
    builder.enquiry(builder.concern(council, adult, at(2025, 5, 1)), at(2025, 5, 2))
    assert not may_be_under_18(council), "adults only: the under-18 look-up is skipped"
    assert under_18_warnings(council) == []
    child = builder.person(council, "Eve", date(2012, 6, 1))
    builder.concern(council, child, at(2025, 6, 1))
    assert may_be_under_18(council), "a child's concern: the look-up runs"


def test_child_behind_an_enquiry_naming_an_adult(council, builder):
    """The concern (received last year) is the child's; the enquiry started this year names an adult:
    SG1 counts the adult, and the warning still names the child's concern."""
    child = builder.person(council, "Bea", date(2012, 6, 1))
    adult = builder.person(council, "Cal", date(1950, 1, 1))
    concern = builder.concern(council, child, at(2025, 3, 1))
    enquiry = builder.enquiry(concern, at(2025, 5, 2))
    enquiry.person = adult
    enquiry.save(update_fields=["person"])
    assert may_be_under_18(council), "an enquiry naming another person than its concern's"
    assert under_18_warnings(council) == [
        f"1 people were under 18 on 31 March 2026 (or when they died), so SG1a-e leave them out: "
        f"concerns {concern.reference}."
    ]


def test_unlinked_and_no_date_of_birth(council, builder):
    nodob = builder.person(council, "Dee", None)
    builder.concern(council, nodob, at(2025, 5, 1))
    builder.concern(council, nodob, at(2025, 6, 1))
    builder.concern(council, None, at(2025, 7, 1))
    warnings = build_return(FY, council)["warnings"]
    assert "1 concerns are not yet linked to a person, so SG1a-e cannot count them." in warnings
    assert "1 people with concerns have no date of birth (counted as Age unknown)." in warnings
