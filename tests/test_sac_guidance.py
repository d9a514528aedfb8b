"""The SAC return against the national guidance's own examples (docs/sac.md), counts written out.

- Mr X with three section 42 enquiries: once in SG1a-c, three times in SG1d and SG1e (once for each
  concern and each enquiry: the rule docs/sac.md chooses).
- SG1a's age on 31 March (the last day of the year), or at death if the person died on or before it:
  someone who turns 65 between the concern and 31 March is 65-74; someone who died is aged at death.
- Under 18 on that day: left out of every SG1 table and named (by concern reference) in a warning;
  17 at the concern but 18 on 31 March is counted, 18-64.
- SG2 from what the concluded enquiry found: two locations and two sources give SG2b four cells of
  one, and each type of risk counts with both sources; with nothing found (older data), the concern's
  own type, location and source count.
- The person's date of death and SG1e item: the form's validation and the person's page.

Each return is also recounted by bench/baseline.py, which must agree cell for cell.
"""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from bench.baseline import DIALECTS, baseline_return
from msphub.enquiries.models import EnquiryLocation, EnquiryRiskType, EnquirySource
from msphub.measures.sac import build_return
from msphub.people.forms import PersonForm
from msphub.people.models import Person
from tests.test_sac_return import (
    ASPERGERS,
    AUTISM,
    CONCERNS_ROW,
    FY,
    OTHER_ROW,
    S42_ROW,
    SG1F_CONCERNS,
    SG1F_S42,
    TABLE_IDS,
    TOTAL,
    Builder,
    at,
    cells,
    nonzero,
)

pytestmark = pytest.mark.django_db

SG1_TABLES = ["SG1a", "SG1b", "SG1c", "SG1d", "SG1e"]


@pytest.fixture
def b(lead) -> Builder:
    return Builder(lead)


def sac(council) -> dict:
    """The return for 2025-26, checked against the hand-written SQL recount where there is one."""
    data = build_return(FY, council)
    if connection.vendor in DIALECTS:
        baseline = baseline_return(FY, council.pk)
        for table_id in TABLE_IDS:
            assert baseline[table_id] == data["tables"][table_id], table_id
    return data


def table(data: dict, table_id: str) -> dict:
    return nonzero(cells(data, table_id))


def concluded(b: Builder, council, person, received, **concern) -> object:
    """A concern and its section 42 enquiry, concluded in the year with every SAC item answered."""
    c = b.concern(council, person, received, **concern)
    return b.enquiry(
        c,
        received + timedelta(days=1),
        status="closed",
        closed_at=received + timedelta(days=30),
        risk_assessment_outcome="Risk identified and action taken",
        risk_outcome="Risk reduced",
        msp_asked="No",
        mental_capacity="No, they did not lack capacity",
    )


# --- SG1: Mr X ------------------------------------------------------------------------------------


def test_mr_x_three_section_42_enquiries(council, b):
    """ "Mr X should only appear in Tables SG1a-SG1c once, however can appear multiple times in Tables
    SG1d and SG1e." [SG1]. SG1d and SG1e count him once for each concern and each enquiry."""
    mr_x = b.person(council, "X", date(1950, 6, 1), "Male", "White", "Learning Disability Support", AUTISM)
    for month in (5, 8, 11):
        c = b.concern(council, mr_x, at(2025, month, 1))
        b.enquiry(c, at(2025, month, 2))
    data = sac(council)
    # 75 on 31 March 2026.
    assert table(data, "SG1a") == {(CONCERNS_ROW, "75-84"): 1, (S42_ROW, "75-84"): 1}
    assert table(data, "SG1b") == {(CONCERNS_ROW, "Male"): 1, (S42_ROW, "Male"): 1}
    assert table(data, "SG1c") == {(CONCERNS_ROW, "White"): 1, (S42_ROW, "White"): 1}
    assert table(data, "SG1d") == {
        (CONCERNS_ROW, "Learning Disability Support"): 3,
        (S42_ROW, "Learning Disability Support"): 3,
    }
    assert table(data, "SG1e") == {(CONCERNS_ROW, AUTISM): 3, (S42_ROW, AUTISM): 3}
    assert table(data, "SG1f") == {(SG1F_CONCERNS, TOTAL): 3, (SG1F_S42, TOTAL): 3}
    assert data["warnings"] == []


def test_sg1e_counts_only_the_two_items(council, b):
    """Asperger's in its own column; Neither and Not known are in no SG1e column (but in SG1a-d)."""
    for name, item in (("A", ASPERGERS), ("N", "Neither"), ("K", "Not known")):
        person = b.person(council, name, date(1980, 1, 1), autism=item)
        b.concern(council, person, at(2025, 6, 1))
    data = sac(council)
    assert table(data, "SG1e") == {(CONCERNS_ROW, ASPERGERS): 1}
    assert table(data, "SG1a") == {(CONCERNS_ROW, "18-64"): 3}
    assert table(data, "SG1d") == {(CONCERNS_ROW, "Not Known"): 3}


def test_other_enquiries_have_their_own_row(council, b):
    person = b.person(council, "O", date(1940, 1, 1), psr="Social Support", autism=ASPERGERS)
    for month in (5, 6):
        b.enquiry(b.concern(council, person, at(2025, month, 1)), at(2025, month, 2), kind="other")
    data = sac(council)
    assert table(data, "SG1a") == {(CONCERNS_ROW, "85-94"): 1, (OTHER_ROW, "85-94"): 1}
    assert table(data, "SG1d") == {(CONCERNS_ROW, "Social Support"): 2, (OTHER_ROW, "Social Support"): 2}
    assert table(data, "SG1e") == {(CONCERNS_ROW, ASPERGERS): 2, (OTHER_ROW, ASPERGERS): 2}


# --- SG1a: age on 31 March, or at death -----------------------------------------------------------


def test_turns_65_between_the_concern_and_31_march(council, b):
    """64 when the concern came in (June 2025), 65 on 31 March 2026: 65-74. Someone whose 65th
    birthday is 1 April 2026 is still 64 on 31 March: 18-64."""
    turns = b.person(council, "T", date(1961, 1, 15))
    b.enquiry(b.concern(council, turns, at(2025, 6, 1)), at(2025, 6, 2))
    later = b.person(council, "L", date(1961, 4, 1))
    b.concern(council, later, at(2025, 6, 1))
    data = sac(council)
    assert table(data, "SG1a") == {
        (CONCERNS_ROW, "18-64"): 1,
        (CONCERNS_ROW, "65-74"): 1,
        (S42_ROW, "65-74"): 1,
    }


def test_a_person_who_died_is_aged_at_death(council, b):
    """Died on 30 November 2025 aged 84 (would have been 85 on 31 March): 75-84. One who died after
    31 March (May 2026) is aged on 31 March: 64 then, 65 at death, so 18-64."""
    died = b.person(council, "D", date(1941, 1, 20), died=date(2025, 11, 30))
    b.enquiry(b.concern(council, died, at(2025, 10, 1)), at(2025, 10, 2))
    after = b.person(council, "A", date(1961, 4, 15), died=date(2026, 5, 1))
    b.concern(council, after, at(2025, 10, 1))
    data = sac(council)
    assert table(data, "SG1a") == {
        (CONCERNS_ROW, "75-84"): 1,
        (CONCERNS_ROW, "18-64"): 1,
        (S42_ROW, "75-84"): 1,
    }


def test_died_on_a_birthday_is_that_age(council, b):
    """The age at death counts the birthday itself: died on their 95th birthday, 95+."""
    person = b.person(council, "B", date(1930, 9, 1), died=date(2025, 9, 1))
    b.concern(council, person, at(2025, 8, 1))
    assert table(sac(council), "SG1a") == {(CONCERNS_ROW, "95+"): 1}


# --- Under 18 -----------------------------------------------------------------------------------------


def test_a_17_year_old_is_left_out_and_named(council, b):
    """17 on 31 March 2026: in no SG1a-e table, and the warning names the concern by reference (no
    name). The concern still counts as a concern received in SG1f (docs/sac.md)."""
    child = b.person(council, "Kid", date(2008, 6, 1), "Female", "White", "Social Support", AUTISM)
    c = b.concern(council, child, at(2025, 9, 1))
    b.enquiry(c, at(2025, 9, 2))
    adult = b.person(council, "Adult", date(1950, 1, 1))
    b.concern(council, adult, at(2025, 9, 1))
    data = sac(council)
    assert table(data, "SG1a") == {(CONCERNS_ROW, "75-84"): 1}
    assert table(data, "SG1b") == {(CONCERNS_ROW, "Not Known"): 1}
    assert table(data, "SG1d") == {(CONCERNS_ROW, "Not Known"): 1}
    assert table(data, "SG1e") == {}
    assert table(data, "SG1f") == {(SG1F_CONCERNS, TOTAL): 2, (SG1F_S42, TOTAL): 1}
    assert data["warnings"] == [
        f"1 people were under 18 on 31 March 2026 (or when they died), so SG1a-e leave them out: "
        f"concerns {c.reference}."
    ]
    assert "Kid" not in data["warnings"][0]


def test_17_at_the_concern_but_18_on_31_march_is_counted(council, b):
    """17 when the concern came in (May 2025), 18 on 10 January 2026: counted, 18-64."""
    person = b.person(council, "Y", date(2008, 1, 10))
    b.enquiry(b.concern(council, person, at(2025, 5, 1)), at(2025, 5, 2))
    data = sac(council)
    assert table(data, "SG1a") == {(CONCERNS_ROW, "18-64"): 1, (S42_ROW, "18-64"): 1}
    assert data["warnings"] == []


def test_died_at_17_is_left_out(council, b):
    """Died at 17 in December 2025, though 18 by 31 March had they lived: under 18 at death."""
    person = b.person(council, "Z", date(2008, 3, 1), died=date(2025, 12, 1))
    c1 = b.concern(council, person, at(2025, 7, 1))
    c2 = b.concern(council, person, at(2025, 8, 1))
    data = sac(council)
    assert all(table(data, t) == {} for t in SG1_TABLES)
    assert data["warnings"] == [
        f"1 people were under 18 on 31 March 2026 (or when they died), so SG1a-e leave them out: "
        f"concerns {c1.reference}, {c2.reference}."
    ]


# --- SG2: what the concluded enquiry found --------------------------------------------------------------


def test_an_enquiry_that_found_two_locations_and_two_sources(council, b):
    """Found: physical and financial abuse, at home and in a residential care home, by a service
    provider and someone known to the person. The concern had said neglect, in hospital, by a
    stranger: what the enquiry found counts, not what the concern said."""
    person = b.person(council, "F", date(1950, 1, 1))
    e = concluded(
        b,
        council,
        person,
        at(2025, 5, 1),
        risks=("Neglect and Acts of Omission",),
        location="Hospital - Acute",
        source="Other - Unknown to individual",
    )
    for risk in ("Physical Abuse", "Financial or Material Abuse"):
        EnquiryRiskType.objects.create(enquiry=e, risk_type=risk)
    for location in ("Own Home", "Care Home - Residential"):
        EnquiryLocation.objects.create(enquiry=e, location_of_risk=location)
    for source in ("Service Provider", "Other - Known to individual"):
        EnquirySource.objects.create(enquiry=e, source_of_risk=source)
    data = sac(council)
    assert table(data, "SG2b") == {
        ("Own Home", "Service Provider"): 1,
        ("Own Home", "Other - Known to individual"): 1,
        ("Care Home - Residential", "Service Provider"): 1,
        ("Care Home - Residential", "Other - Known to individual"): 1,
    }
    assert table(data, "SG2a") == {
        ("Physical Abuse", "Service Provider"): 1,
        ("Physical Abuse", "Other - Known to individual"): 1,
        ("Financial or Material Abuse", "Service Provider"): 1,
        ("Financial or Material Abuse", "Other - Known to individual"): 1,
    }
    assert table(data, "SG2a_b1") == {
        ("Physical Abuse", "Own Home"): 1,
        ("Physical Abuse", "Care Home - Residential"): 1,
        ("Financial or Material Abuse", "Own Home"): 1,
        ("Financial or Material Abuse", "Care Home - Residential"): 1,
    }
    # One enquiry, however many categories it found.
    assert table(data, "SG2c") == {("Risk identified and action taken", TOTAL): 1}
    assert table(data, "SG3a") == {("No, they did not lack capacity", TOTAL): 1}


def test_two_sources_of_the_same_type_count_once(council, b):
    """ "If both sources of risk are of the same type, for example if two strangers were the sources
    of risk, there should only be a count of one in that category." [SG2]: a category is recorded
    once per enquiry."""
    e = concluded(b, council, b.person(council, "S", date(1950, 1, 1)), at(2025, 5, 1))
    EnquirySource.objects.create(enquiry=e, source_of_risk="Other - Unknown to individual")
    with pytest.raises(IntegrityError), transaction.atomic():
        EnquirySource.objects.create(enquiry=e, source_of_risk="Other - Unknown to individual")
    assert table(sac(council), "SG2b") == {("Own Home", "Other - Unknown to individual"): 1}


def test_nothing_found_counts_the_concerns_answers(council, b):
    """An enquiry concluded before findings were recorded (older data) counts the concern's types,
    location and source; one that found only sources takes its location and types from the concern."""
    old = b.person(council, "Old", date(1950, 1, 1))
    concluded(
        b,
        council,
        old,
        at(2025, 5, 1),
        risks=("Self-Neglect", "Domestic Abuse"),
        location="Own Home",
        source="Other - Known to individual",
    )
    partly = concluded(
        b,
        council,
        old,
        at(2025, 6, 1),
        risks=("Modern Slavery",),
        location="Other",
        source="Service Provider",
    )
    EnquirySource.objects.create(enquiry=partly, source_of_risk="Other - Unknown to individual")
    data = sac(council)
    assert table(data, "SG2a") == {
        ("Domestic Abuse", "Other - Known to individual"): 1,
        ("Modern Slavery", "Other - Unknown to individual"): 1,
        ("Self-Neglect", "Other - Known to individual"): 1,
    }
    assert table(data, "SG2b") == {
        ("Own Home", "Other - Known to individual"): 1,
        ("Other", "Other - Unknown to individual"): 1,
    }
    assert table(data, "SG2a_b1") == {
        ("Domestic Abuse", "Own Home"): 1,
        ("Modern Slavery", "Other"): 1,
        ("Self-Neglect", "Own Home"): 1,
    }


# --- The person's record: date of death and the SG1e item -----------------------------------------------


def person_form(**fields) -> PersonForm:
    data = {
        "given_name": "Edna",
        "family_name": "Marsh",
        "gender": "Not Known",
        "ethnicity": "Undeclared / Not Known",
        "primary_support_reason": "Not Known",
    }
    for name, value in fields.items():
        if isinstance(value, date):
            data |= {f"{name}_{part}": str(getattr(value, part)) for part in ("day", "month", "year")}
        else:
            data[name] = value
    return PersonForm(data)


def test_form_date_of_death_with_its_source():
    form = person_form(
        date_of_birth=date(1940, 1, 1), date_of_death=date(2025, 11, 30), date_of_death_source="nhs"
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["date_of_death"] == date(2025, 11, 30)
    assert form.cleaned_data["autism"] == "Not known"  # not answered


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {
                "date_of_birth": date(1940, 1, 1),
                "date_of_death": date(1939, 12, 31),
                "date_of_death_source": "family",
            },
            "date_of_death",
            "Date of death must be the same as or after the date of birth",
        ),
        (
            # Tomorrow as the test runs, not as it was collected (a run may cross midnight).
            {"date_of_death": "tomorrow", "date_of_death_source": "family"},
            "date_of_death",
            "Date of death must be today or in the past",
        ),
        (
            {"date_of_death": date(2025, 1, 1)},
            "date_of_death_source",
            "Select where the date of death came from",
        ),
        (
            {"date_of_death_source": "coroner"},
            "date_of_death",
            "Enter the date of death, or do not say where it came from",
        ),
    ],
)
def test_form_date_of_death_errors(fields, field, message):
    if fields.get("date_of_death") == "tomorrow":
        fields = {**fields, "date_of_death": timezone.localdate() + timedelta(days=1)}
    form = person_form(**fields)
    assert not form.is_valid()
    assert form.errors[field] == [message]


def test_model_refuses_death_before_birth(council):
    from django.core.exceptions import ValidationError

    person = Person(
        council=council,
        given_name="A",
        family_name="B",
        date_of_birth=date(1950, 1, 1),
        date_of_death=date(1949, 1, 1),
        date_of_death_source="other",
    )
    with pytest.raises(ValidationError) as raised:
        person.full_clean()
    assert raised.value.message_dict["date_of_death"] == [
        "Date of death must be the same as or after the date of birth"
    ]


def test_edit_and_page_show_death_and_sg1e(client, practitioner, council):
    person = Person.objects.create(
        council=council,
        team=practitioner.team,
        given_name="Edna",
        family_name="Marsh",
        date_of_birth=date(1941, 1, 20),
    )
    client.force_login(practitioner)
    edit = reverse("people:edit", args=[person.uuid])
    assert "Date of death" in client.get(edit).content.decode()
    response = client.post(
        edit,
        {
            "given_name": "Edna",
            "family_name": "Marsh",
            "date_of_birth_day": "20",
            "date_of_birth_month": "1",
            "date_of_birth_year": "1941",
            "gender": "Female",
            "ethnicity": "White",
            "primary_support_reason": "Not Known",
            "autism": ASPERGERS,
            "date_of_death_day": "30",
            "date_of_death_month": "11",
            "date_of_death_year": "2025",
            "date_of_death_source": "coroner",
        },
    )
    assert response.status_code == 302, response.content.decode()
    person.refresh_from_db()
    assert (person.date_of_death, person.date_of_death_source, person.autism) == (
        date(2025, 11, 30),
        "coroner",
        ASPERGERS,
    )
    # The change is in the record's history.
    assert person.history.first().date_of_death == date(2025, 11, 30)
    page = client.get(reverse("people:detail", args=[person.uuid])).content.decode()
    assert "30 November 2025" in page and "Coroner or registrar" in page
    assert "(age 84 at death)" in page
    assert "Asperger&#x27;s syndrome or high-functioning autism" in page


def test_edit_refuses_a_death_before_birth_with_a_message(client, practitioner, council):
    person = Person.objects.create(
        council=council,
        team=practitioner.team,
        given_name="Edna",
        family_name="Marsh",
        date_of_birth=date(1941, 1, 20),
    )
    client.force_login(practitioner)
    response = client.post(
        reverse("people:edit", args=[person.uuid]),
        {
            "given_name": "Edna",
            "family_name": "Marsh",
            "date_of_birth_day": "20",
            "date_of_birth_month": "1",
            "date_of_birth_year": "1941",
            "gender": "Female",
            "ethnicity": "White",
            "primary_support_reason": "Not Known",
            "date_of_death_day": "1",
            "date_of_death_month": "1",
            "date_of_death_year": "1940",
            "date_of_death_source": "family",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in text
    assert "Date of death must be the same as or after the date of birth" in text
    person.refresh_from_db()
    assert person.date_of_death is None
