"""The MSP measures (msphub/measures/measures.py) on a hand-built data set, and the msp_measures command.

The data set and the expected figures are in tests/measures_fixtures.py; each figure is worked out
there from the records by hand, following each Measure's definition: concluded enquiries (closed in
the period), concerns received in the period, or feedback asked in the period; positive feedback is
Definitely or To some extent, over the answers Definitely, To some extent and Not at all.
"""

import base64
import csv
import io
import json
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from msphub.accounts.models import Organisation
from msphub.core import categories
from msphub.core.periods import Period
from msphub.measures import measures as m
from tests.conftest import new_concern
from tests.measures_fixtures import (
    AWAITING_WORDS,
    DECLINED_WORDS,
    DEF,
    DK,
    EARLY_WORDS,
    EXPECTED,
    EXPRESSED,
    FINANCIAL,
    HILLSIDE_PROVIDER,
    HILLSIDE_WORDS,
    LACKED,
    LONDON,
    MEASURE_IDS,
    NAMED_WORDS,
    NEGLECT,
    NOT,
    PERIOD,
    PHYSICAL,
    PNS,
    PROVIDER,
    PSYCHOLOGICAL,
    QUOTE_F1,
    QUOTE_F4,
    QUOTE_F5,
    REDACTED_WORDS,
    RISK_ACTION,
    SELF_NEGLECT,
    TSE,
    UNCONSENTED,
    Builder,
    at,
    measure,
)

pytestmark = pytest.mark.django_db


def figures(rows) -> dict[str, dict]:
    """{measure id: {numerator, denominator, percent}} from measure_totals' rows."""
    return {r["id"]: {k: r[k] for k in ("numerator", "denominator", "percent")} for r in rows}


def totals(d, **filters) -> dict[str, dict]:
    return figures(m.measure_totals(m.Filters(filters.pop("period", PERIOD), **filters)))


def values(rows: list[dict]) -> list[tuple]:
    """(value or month, numerator, denominator, percent) for each row of a breakdown or trend."""
    return [(r.get("value", r.get("month")), r["numerator"], r["denominator"], r["percent"]) for r in rows]


# --- Totals ---------------------------------------------------------------------------------------


def test_every_measure_for_the_council(data):
    rows = m.measure_totals(m.Filters(PERIOD, data.council))
    assert [r["id"] for r in rows] == MEASURE_IDS
    assert figures(rows) == EXPECTED
    for row in rows:
        assert row["label"] and row["base"], row


def test_period_ends_are_days_in_london(data):
    """E7 closed at 00:30 on 1 April 2025 (23:30 on 31 March in UTC), E6 at 23:30 on 31 March 2026,
    E12 at 00:15 on 1 April 2026 and E8 at 23:30 on 31 March 2025: each counts on its London day."""
    for day, enquiry in (
        (date(2025, 3, 31), data.e8),
        (date(2025, 4, 1), data.e7),
        (date(2026, 3, 31), data.e6),
        (date(2026, 4, 1), data.e12),
    ):
        asked = totals(data, period=Period(day, day), council=data.council)["asked_about_outcomes"]
        was_asked = 1 if enquiry.msp_asked in m.ASKED else 0
        assert (asked["numerator"], asked["denominator"]) == (was_asked, 1), day


def test_other_council_and_all_councils(data):
    hillside = totals(data, council=data.other_council)
    assert hillside["asked_about_outcomes"] == measure(1, 1, 100.0)
    assert hillside["fully_achieved"] == measure(1, 1, 100.0)
    assert hillside["lacking_capacity_supported"] == measure(1, 1, 100.0)
    # Hector's two concerns: the first spoken to within an hour, the second a repeat.
    assert hillside["first_contact_24h"] == measure(1, 2, 50.0)
    assert hillside["repeat_concerns_12m"] == measure(1, 2, 50.0)
    assert hillside["conversion_rate"] == measure(1, 2, 50.0)
    assert hillside["felt_listened_to"] == measure(1, 1, 100.0)
    everywhere = totals(data, council=None)
    assert everywhere["asked_about_outcomes"] == measure(6, 8, 75.0)
    assert everywhere["conversion_rate"] == measure(8, 15, 53.3)
    assert everywhere["felt_listened_to"] == measure(4, 5, 80.0)


def test_filter_by_team(data):
    assert totals(data, council=data.council, team_id=data.fd.pk) == {
        # Concluded: E1, E2, E5, E6, E7.
        "asked_about_outcomes": measure(3, 5, 60.0),
        "outcomes_expressed": measure(3, 3, 100.0),
        "fully_achieved": measure(2, 3, 66.7),
        "partially_achieved": measure(1, 3, 33.3),
        "not_achieved": measure(0, 3, 0.0),
        "involved": measure(2, 5, 40.0),
        "lacking_capacity_supported": measure(2, 2, 100.0),
        "risk_reduced_or_removed": measure(2, 3, 66.7),
        # Concerns: C1, C2, C5, C6, C9, N1, N3.
        "first_contact_24h": measure(4, 7, 57.1),
        "conversion_rate": measure(4, 7, 57.1),
        "repeat_concerns_12m": measure(5, 7, 71.4),
        # Feedback about the team's enquiries: F1, F2 and F5 (about E8).
        "felt_listened_to": measure(2, 3, 66.7),
        "felt_involved": measure(2, 3, 66.7),
        "feel_safer": measure(1, 2, 50.0),
        "happy_with_outcome": measure(1, 1, 100.0),
    }
    assert totals(data, council=data.council, team_id=data.le.pk) == {
        # Concluded: E3, E4.
        "asked_about_outcomes": measure(2, 2, 100.0),
        "outcomes_expressed": measure(1, 2, 50.0),
        "fully_achieved": measure(0, 1, 0.0),
        "partially_achieved": measure(0, 1, 0.0),
        "not_achieved": measure(1, 1, 100.0),
        "involved": measure(2, 2, 100.0),
        "lacking_capacity_supported": measure(0, 1, 0.0),
        "risk_reduced_or_removed": measure(1, 1, 100.0),
        # Concerns: C3, C4, C12, N2.
        "first_contact_24h": measure(0, 4, 0.0),
        "conversion_rate": measure(3, 4, 75.0),
        "repeat_concerns_12m": measure(2, 4, 50.0),
        # F3 and F4.
        "felt_listened_to": measure(1, 1, 100.0),
        "felt_involved": measure(0, 1, 0.0),
        "feel_safer": measure(1, 1, 100.0),
        "happy_with_outcome": measure(1, 2, 50.0),
    }


def test_filter_by_partner(data):
    """The partner making the enquiry (concluded, feedback) or raising the concern (concerns)."""
    nhs = totals(data, council=data.council, partner_id=data.nhs.pk)
    assert nhs == {
        # E1 and E6.
        "asked_about_outcomes": measure(1, 2, 50.0),
        "outcomes_expressed": measure(1, 1, 100.0),
        "fully_achieved": measure(1, 1, 100.0),
        "partially_achieved": measure(0, 1, 0.0),
        "not_achieved": measure(0, 1, 0.0),
        "involved": measure(1, 2, 50.0),
        "lacking_capacity_supported": measure(1, 1, 100.0),
        "risk_reduced_or_removed": measure(2, 2, 100.0),
        # C1, raised by the trust.
        "first_contact_24h": measure(1, 1, 100.0),
        "conversion_rate": measure(1, 1, 100.0),
        "repeat_concerns_12m": measure(0, 1, 0.0),
        # F1.
        "felt_listened_to": measure(1, 1, 100.0),
        "felt_involved": measure(1, 1, 100.0),
        "feel_safer": measure(0, 1, 0.0),
        "happy_with_outcome": measure(0, 0, None),
    }
    police = totals(data, council=data.council, partner_id=data.police.pk)
    assert police["asked_about_outcomes"] == measure(1, 1, 100.0)  # E3
    assert police["conversion_rate"] == measure(1, 2, 50.0)  # C3 and N4
    assert police["repeat_concerns_12m"] == measure(0, 1, 0.0)  # N4 is not linked to anyone
    assert police["felt_listened_to"] == measure(1, 1, 100.0)  # F3
    # Team and partner together: no enquiry of Locality East's is made by the trust.
    both = totals(data, council=data.council, team_id=data.le.pk, partner_id=data.nhs.pk)
    assert all(f == measure(0, 0, None) for f in both.values()), both


def test_council_filter_is_applied_with_team_and_partner(data):
    """Another council's team or partner id cannot bring its records into this council's figures."""
    hillside_team = data.e10.team_id
    crossed = totals(data, council=data.council, team_id=hillside_team)
    assert all(f == measure(0, 0, None) for f in crossed.values()), crossed


# --- Breakdowns -----------------------------------------------------------------------------------


def test_breakdown_by_gender(data):
    rows = m.breakdown(m.Filters(PERIOD, data.council), "gender")
    assert values(rows["asked_about_outcomes"]) == [
        ("Female", 2, 3, 66.7),  # E1, E3 (asked), E6
        ("Male", 3, 3, 100.0),  # E2, E4, E7
        ("Not Known", 0, 1, 0.0),  # E5
    ]
    # F1 (P1), F3 (P3), F5 (P6) are women's; F2 (P2) a man's, and F4 (P4) answered Don't know.
    assert values(rows["felt_listened_to"]) == [("Female", 3, 3, 100.0), ("Male", 0, 1, 0.0)]


def test_breakdown_by_age_band_uses_the_age_when_the_concern_was_received(data):
    """P1 is 84 at C1 and 85 at C6; P2 turns 65 on the day C2 arrives and was 64 at C7; P3's date
    of birth is unknown; P4 turns 95 on the day C4 arrives."""
    rows = m.breakdown(m.Filters(PERIOD, data.council), "age_band")
    assert values(rows["asked_about_outcomes"]) == [
        ("18-64", 1, 2, 50.0),  # E5, E7
        ("65-74", 1, 1, 100.0),  # E2
        ("75-84", 1, 1, 100.0),  # E1
        ("85-94", 0, 1, 0.0),  # E6
        ("95+", 1, 1, 100.0),  # E4
        ("Age unknown", 1, 1, 100.0),  # E3
    ]


def test_breakdown_by_risk_type_counts_an_enquiry_under_each_of_its_types(data):
    rows = m.breakdown(m.Filters(PERIOD, data.council), "risk_type")
    # E1 has two types of risk (physical abuse and neglect): it appears under both.
    assert values(rows["asked_about_outcomes"]) == [
        (FINANCIAL, 2, 2, 100.0),  # E2, E7
        (NEGLECT, 2, 2, 100.0),  # E1, E3
        (PHYSICAL, 1, 2, 50.0),  # E1, E6
        (PSYCHOLOGICAL, 0, 1, 0.0),  # E5
        (SELF_NEGLECT, 1, 1, 100.0),  # E4
    ]
    assert values(rows["fully_achieved"]) == [
        (FINANCIAL, 1, 2, 50.0),  # E7 fully, E2 partly
        (NEGLECT, 1, 2, 50.0),  # E1 fully, E3 not
        (PHYSICAL, 1, 1, 100.0),  # E1
    ]
    # Concerns: C1 under both; C9, C12 and N1-N5 have physical abuse only.
    assert values(rows["conversion_rate"]) == [
        (FINANCIAL, 1, 1, 100.0),
        (NEGLECT, 2, 2, 100.0),
        (PHYSICAL, 4, 9, 44.4),
        (PSYCHOLOGICAL, 0, 1, 0.0),
        (SELF_NEGLECT, 1, 1, 100.0),
    ]


def test_breakdown_by_team(data):
    rows = m.breakdown(m.Filters(PERIOD, data.council), "team")
    assert values(rows["asked_about_outcomes"]) == [
        ("Front Door", 3, 5, 60.0),
        ("Locality East", 2, 2, 100.0),
    ]
    assert sorted(values(rows["conversion_rate"])) == [
        ("Front Door", 4, 7, 57.1),
        ("Locality East", 3, 4, 75.0),
        ("Not recorded", 0, 2, 0.0),  # N4, N5 have no team yet
    ]
    assert values(rows["felt_listened_to"]) == [("Front Door", 2, 3, 66.7), ("Locality East", 1, 1, 100.0)]


def test_breakdown_by_partner(data):
    """The council's own enquiries are named as such (issue 15), never "Not recorded"; so are the
    concerns no agency's account raised, in the dashboard's monthly pass as in ``breakdown``."""
    own = "Riverside Council (the council's own enquiries)"
    for rows in (
        m.breakdown(m.Filters(PERIOD, data.council), "partner"),
        m.totals_monthly_and_breakdown(m.Filters(PERIOD, data.council), "partner")[2],
    ):
        assert sorted(values(rows["asked_about_outcomes"])) == [
            (own, 3, 4, 75.0),  # E2, E4, E5, E7
            ("Riverside NHS Trust", 1, 2, 50.0),  # E1, E6
            ("Riverside Police", 1, 1, 100.0),  # E3
        ]
        assert sorted(values(rows["felt_listened_to"]))[0][0] == own
        assert sorted(values(rows["conversion_rate"])) == [
            (m.NO_AGENCY, 5, 10, 50.0),
            ("Riverside NHS Trust", 1, 1, 100.0),  # C1
            ("Riverside Police", 1, 2, 50.0),  # C3, N4
        ]
        assert not any(row["value"] == "Not recorded" for found in rows.values() for row in found)


@pytest.mark.parametrize("dimension", list(m.DIMENSIONS))
def test_every_dimension_adds_up(data, dimension):
    """Every record falls under one value of a single-valued dimension (risk type may be several)."""
    rows = m.breakdown(m.Filters(PERIOD, data.council), dimension)
    assert set(rows) <= set(MEASURE_IDS)
    for measure_id, expected in EXPECTED.items():
        found = rows.get(measure_id, [])
        numerators = sum(r["numerator"] for r in found)
        denominators = sum(r["denominator"] for r in found)
        if dimension == "risk_type":
            assert denominators >= expected["denominator"], measure_id
        else:
            assert (numerators, denominators) == (expected["numerator"], expected["denominator"]), measure_id
        for row in found:
            assert row["value"] and row["denominator"] > 0
            assert row["percent"] == round(100 * row["numerator"] / row["denominator"], 1)


@pytest.mark.parametrize("dimension", ["", *m.DIMENSIONS])
def test_the_dashboards_one_pass_gives_the_same_figures(data, dimension):
    """totals_monthly_and_breakdown folds the totals, the trend and a breakdown from one GROUP BY
    per base: the same figures as measure_totals, monthly and breakdown, each counted on its own."""
    filters = m.Filters(PERIOD, data.council)
    totals, trends, by_value = m.totals_monthly_and_breakdown(filters, dimension)
    assert totals == m.measure_totals(filters)
    assert trends == m.monthly(filters)
    assert by_value == (m.breakdown(filters, dimension) if dimension else {})


def test_unknown_dimension_is_refused(data):
    with pytest.raises(ValueError):
        m.breakdown(m.Filters(PERIOD, data.council), "postcode")
    with pytest.raises(ValueError):
        m.totals_monthly_and_breakdown(m.Filters(PERIOD, data.council), "postcode")


# --- Monthly trends -------------------------------------------------------------------------------


def test_monthly(data):
    trends = m.monthly(m.Filters(PERIOD, data.council))
    assert set(trends) == set(MEASURE_IDS)
    # E7 closed at 00:30 on 1 April 2025 in London: April, not March.
    assert values(trends["asked_about_outcomes"]) == [
        ("2025-04", 1, 1, 100.0),  # E7
        ("2025-06", 1, 1, 100.0),  # E1
        ("2025-08", 1, 1, 100.0),  # E2
        ("2025-09", 1, 1, 100.0),  # E3
        ("2025-12", 1, 1, 100.0),  # E4
        ("2026-01", 0, 1, 0.0),  # E5
        ("2026-03", 0, 1, 0.0),  # E6
    ]
    assert values(trends["fully_achieved"])[:2] == [("2025-04", 1, 1, 100.0), ("2025-06", 1, 1, 100.0)]
    assert values(trends["fully_achieved"])[-1] == ("2026-03", 0, 0, None)
    assert values(trends["conversion_rate"]) == [
        ("2025-05", 1, 1, 100.0),  # C1
        ("2025-06", 1, 1, 100.0),  # C2
        ("2025-09", 1, 1, 100.0),  # C3
        ("2025-10", 0, 2, 0.0),  # N1, N2
        ("2025-11", 1, 2, 50.0),  # C4; C5 became an other enquiry
        ("2025-12", 0, 2, 0.0),  # N3, N4
        ("2026-01", 3, 3, 100.0),  # C6, C9, C12
        ("2026-03", 0, 1, 0.0),  # N5, 23:30 on 31 March
    ]
    assert values(trends["felt_listened_to"]) == [
        ("2025-04", 1, 1, 100.0),  # F5
        ("2025-06", 1, 1, 100.0),  # F1
        ("2025-08", 0, 1, 0.0),  # F2
        ("2025-10", 1, 1, 100.0),  # F3
        ("2025-11", 0, 0, None),  # the feedback with no answers
        ("2026-03", 0, 0, None),  # F4: Don't know
    ]
    for measure_id, points in trends.items():
        assert [p["month"] for p in points] == sorted(p["month"] for p in points), measure_id
        assert sum(p["numerator"] for p in points) == EXPECTED[measure_id]["numerator"], measure_id
        assert sum(p["denominator"] for p in points) == EXPECTED[measure_id]["denominator"], measure_id


# --- Timeliness, pathways, repeats, quotes ----------------------------------------------------------


def test_timeliness(data):
    assert m.timeliness(m.Filters(PERIOD, data.council)) == {
        # First contacts (earliest of each concern): 1, 2, 10, 24, 25, 30 and 40 hours.
        "median_hours_to_first_contact": 24.0,
        # Concern to signed-off decision: 1, 2, 3, 4, 5, 6 (C1-C6), 7 (C9), 8 (C12), 9, 10, 20 (N1-N3).
        "median_days_concern_to_decision": 6.0,
        "p90_days_concern_to_decision": 10.0,
        # Decision (enquiry start) to closure, E1-E7: 20, 40, 10, 30, 50, 60 and 70 days.
        "median_days_decision_to_closure": 40.0,
        "p90_days_decision_to_closure": 70.0,
    }


def test_timeliness_of_nothing(data):
    empty = Period(date(2020, 4, 1), date(2020, 4, 30))
    assert set(m.timeliness(m.Filters(empty, data.council)).values()) == {None}


def test_not_enquiries(data):
    """Signed-off decisions of no enquiry on concerns received in the period (N5's is not signed off,
    N6 was received before the period)."""
    assert m.not_enquiries(m.Filters(PERIOD, data.council)) == [
        {"pathway": "Information and advice given", "count": 2, "percent": 66.7},  # N1, N3
        {"pathway": "Referred to another agency", "count": 1, "percent": 33.3},  # N2
    ]
    assert m.not_enquiries(m.Filters(PERIOD, data.council, team_id=data.le.pk)) == [
        {"pathway": "Referred to another agency", "count": 1, "percent": 100.0}
    ]


def test_repeat_concerns(data):
    """P1 had three concerns in the period (C1, N1, C6), P2 (C2, N2) and P5 (C5, N3) two each, P3,
    P4, P6 and P7 one. Sunrise Home Care is named in C1 and C3 (and N6, before the period); Oak Lodge
    only once in the period; Hillside's provider is not Riverside's."""
    assert m.repeat_concerns(m.Filters(PERIOD, data.council)) == {
        "people_by_number_of_concerns": [
            {"concerns": 1, "people": 4},
            {"concerns": 2, "people": 2},
            {"concerns": 3, "people": 1},
        ],
        "providers": [{"provider": PROVIDER, "concerns": 2}],
    }
    hillside = m.repeat_concerns(m.Filters(PERIOD, data.other_council))
    assert hillside == {
        "people_by_number_of_concerns": [{"concerns": 2, "people": 1}],
        "providers": [{"provider": HILLSIDE_PROVIDER, "concerns": 2}],
    }


def test_repeat_concerns_about_one_provider_however_its_name_is_typed(data, council):
    """raise_concern links a concern to the care provider's record whatever the case of the name
    typed (name__iexact), so two concerns linked to Brookside Care are repeat concerns about the
    same provider."""
    provider = Organisation.objects.create(name="Brookside Care", kind=Organisation.Kind.CARE_PROVIDER)
    b = Builder(council, data.e1.lead_practitioner)
    for name in ("Brookside Care", "BROOKSIDE CARE"):
        concern = b.concern(at(2025, 5, 1), data.p7, data.fd, provider=name)
        concern.care_provider = provider
        concern.save(update_fields=["care_provider"])
    providers = m.repeat_concerns(m.Filters(PERIOD, council))["providers"]
    found = [p for p in providers if p["provider"].lower() == "brookside care"]
    assert [p["concerns"] for p in found] == [2], (
        "two concerns linked to the same care provider, its name typed 'Brookside Care' and "
        f"'BROOKSIDE CARE', are two concerns about one provider and it is listed: {providers}"
    )


def test_quotes_only_consented_approved_words_without_names_or_references(data):
    """Only quotes a manager approved, in the approved (redacted) words, each with the person's own
    answers to the feedback measures it speaks to (questions left unanswered are left out)."""
    quotes = m.quotes(m.Filters(PERIOD, data.council))

    def answers(**given: str) -> list[dict[str, str]]:
        return [
            {"measure": measure_id, "label": m.MEASURES_BY_ID[measure_id].label, "answer": answer}
            for measure_id, answer in given.items()
        ]

    assert quotes == [
        {
            "words": QUOTE_F4,
            "from": "A representative (family, friend, carer or IMCA)",
            "month": "March 2026",
            "answers": answers(felt_listened_to=DK, felt_involved=NOT, happy_with_outcome=NOT),
        },
        {"words": REDACTED_WORDS, "from": "The adult", "month": "October 2025", "answers": []},
        {
            "words": QUOTE_F1,
            "from": "The adult",
            "month": "June 2025",
            "answers": answers(
                felt_listened_to=DEF, felt_involved=TSE, feel_safer=NOT, happy_with_outcome=DK
            ),
        },
        {
            "words": QUOTE_F5,
            "from": "The adult",
            "month": "April 2025",
            "answers": answers(
                felt_listened_to=DEF, felt_involved=NOT, feel_safer=PNS, happy_with_outcome=TSE
            ),
        },
    ]
    text = json.dumps(quotes)
    for hidden in (UNCONSENTED, EARLY_WORDS, HILLSIDE_WORDS, AWAITING_WORDS, DECLINED_WORDS, NAMED_WORDS):
        assert hidden not in text
    people = (data.p1, data.p2, data.p3, data.p4, data.p5, data.p6, data.p7)
    for secret in (
        *(p.given_name for p in people),
        "Measureson",
        *(e.reference for e in data.concluded),
        *(e.concern.reference for e in data.concluded),
        "Daughter",
    ):
        assert secret not in text, secret
    assert m.quotes(m.Filters(PERIOD, data.council), limit=1) == quotes[:1]
    assert [q["words"] for q in m.quotes(m.Filters(PERIOD, data.other_council))] == [HILLSIDE_WORDS]


# --- The command --------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("msp_measures", *args, stdout=out)
    return out.getvalue()


def test_command_json_contract(data):
    text = run("--from", "2025-04-01", "--to", "2026-03-31", "--council", "E06000901", "--format", "json")
    result = json.loads(text)
    assert set(result) == {
        "from", "to", "council", "measures", "outcomes_by_category", "advocacy_days",
        "outcomes_by_response", "feedback_by_asker",
    }  # fmt: skip
    # The dashboard's splits, exactly as the dashboard counts them.
    council = Organisation.objects.get(ons_code="E06000901")
    filters = m.Filters(Period(date(2025, 4, 1), date(2026, 3, 31)), council)
    assert result["outcomes_by_response"] == json.loads(json.dumps(m.outcomes_by_response(filters)))
    assert result["feedback_by_asker"] == json.loads(json.dumps(m.feedback_by_asker(filters)))
    assert (result["from"], result["to"], result["council"]) == ("2025-04-01", "2026-03-31", "E06000901")
    assert [r["id"] for r in result["measures"]] == MEASURE_IDS
    for row in result["measures"]:
        # The contract: id, numerator, denominator, percent (label and base are extra, for people).
        assert set(row) == {"id", "label", "numerator", "denominator", "percent", "base"}, row
        assert isinstance(row["numerator"], int) and isinstance(row["denominator"], int)
        assert row["percent"] is None or isinstance(row["percent"], float)
    assert figures(result["measures"]) == EXPECTED


def test_command_defaults_to_json_for_all_councils_and_writes_a_file(data, tmp_path):
    result = json.loads(run("--from", "2025-04-01", "--to", "2026-03-31"))
    assert result["council"] == "ALL"
    assert figures(result["measures"])["asked_about_outcomes"] == measure(6, 8, 75.0)
    hillside = json.loads(run("--from", "2025-04-01", "--to", "2026-03-31", "--council", "E06000902"))
    assert figures(hillside["measures"])["asked_about_outcomes"] == measure(1, 1, 100.0)
    path = tmp_path / "measures.json"
    args = ("--from", "2025-04-01", "--to", "2026-03-31", "--council", "E06000901", "--output", str(path))
    assert run(*args) == ""
    assert figures(json.loads(path.read_text(encoding="utf-8"))["measures"]) == EXPECTED


def test_command_csv(data):
    text = run("--from", "2025-04-01", "--to", "2026-03-31", "--council", "E06000901", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "measure",
        "label",
        "breakdown",
        "value",
        "numerator",
        "denominator",
        "percent",
        "base",
    ]
    # The totals first, then the dashboard's splits (by response used, by who asked) below them.
    totals = [r for r in rows if not r["breakdown"]]
    assert [r["measure"] for r in totals] == MEASURE_IDS
    assert {r["breakdown"] for r in rows[len(totals) :]} <= {"Response used", "Who asked"}
    assert rows[: len(totals)] == totals
    found = {
        r["measure"]: {
            "numerator": int(r["numerator"]),
            "denominator": int(r["denominator"]),
            "percent": float(r["percent"]) if r["percent"] else None,
        }
        for r in totals
    }
    assert found == EXPECTED


@pytest.mark.parametrize(
    "args, message",
    [
        (("--from", "2025-13-01", "--to", "2026-03-31"), "Dates look like"),
        (("--from", "1/4/2025", "--to", "2026-03-31"), "Dates look like"),
        (("--from", "2025-04-01", "--to", "yesterday"), "Dates look like"),
        (("--from", "2026-04-01", "--to", "2025-03-31"), "must not be before"),
        (("--from", "2025-04-01", "--to", "2026-03-31", "--council", "E06999999"), "No council"),
        (("--from", "2025-04-01", "--to", "2026-03-31", "--format", "xml"), "invalid choice"),
        (("--to", "2026-03-31"), "--from"),
    ],
)
def test_command_refuses_bad_arguments(data, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_command_refuses_a_partner_code_as_a_council(data):
    data.police.ons_code = "E99999999"
    data.police.save(update_fields=["ons_code"])
    with pytest.raises(CommandError, match="No council"):
        run("--from", "2025-04-01", "--to", "2026-03-31", "--council", "E99999999")


# --- Queries do not grow with the data -------------------------------------------------------------


def add_cases(b: Builder, n: int, team, partner, start: int = 0) -> None:
    """n more of everything the measures count, spread over the months of the period."""
    people = [b.person(f"Bulk{i}", "Female", date(1940, 1, 1)) for i in range(start, start + n)]
    for i, person in enumerate(people, start=start):
        month = 4 + i % 9
        enquiry = b.enquiry(
            person, team, at(2025, month, 20), 10, 2, partner=partner, msp_asked=EXPRESSED,
            achievements=("Fully Achieved", "Not Achieved"), risk_assessment=RISK_ACTION,
            risk_outcome="Risk reduced", capacity=LACKED, supported=True, took_part=("home", "phone_video"),
            risk_types=(PHYSICAL, NEGLECT), provider=f"Provider {i % 3}",
        )  # fmt: skip
        b.contact(enquiry.concern, 3)
        b.feedback(enquiry, date(2025, month, 25), (DEF, TSE, NOT, DEF), f"Bulk words {i}", consent=True)
        other = b.concern(at(2025, month, 21), person, team, raiser=partner, provider=f"Provider {i % 3}")
        b.decide(other, "none", 2, pathway="signposted")


def count_queries(call) -> int:
    with CaptureQueriesContext(connection) as ctx:
        call()
    return len(ctx.captured_queries)


def test_queries_do_not_grow_with_the_data(council, front_door, nhs_trust, lead):
    b = Builder(council, lead)
    filters = m.Filters(PERIOD, council)
    calls = {
        "measure_totals": lambda: m.measure_totals(filters),
        "monthly": lambda: m.monthly(filters),
        "timeliness": lambda: m.timeliness(filters),
        "not_enquiries": lambda: m.not_enquiries(filters),
        "repeat_concerns": lambda: m.repeat_concerns(filters),
        "quotes": lambda: m.quotes(filters),
        **{f"breakdown {d}": (lambda d=d: m.breakdown(filters, d)) for d in m.DIMENSIONS},
    }
    add_cases(b, 2, front_door, nhs_trust)
    small = {name: count_queries(call) for name, call in calls.items()}
    add_cases(b, 8, front_door, nhs_trust, start=2)
    large = {name: count_queries(call) for name, call in calls.items()}
    assert large == small
    # One query per base for the totals, a breakdown and the trend.
    assert small["measure_totals"] == small["monthly"] == small["breakdown team"] == 3


def test_dashboard_queries_do_not_grow_with_the_data(client, council, front_door, nhs_trust, lead):
    b = Builder(council, lead)
    client.force_login(lead)
    url = reverse("measures:dashboard") + "?period=last_year&breakdown=risk_type"

    def page() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    with time_machine.travel(datetime(2026, 4, 15, 12, tzinfo=LONDON)):
        add_cases(b, 2, front_door, nhs_trust)
        small = page()
        add_cases(b, 8, front_door, nhs_trust, start=2)
        large = page()
    assert large == small, f"{small} queries with 2 cases, {large} with 10"


def test_feedback_answers_counted_as_positive_and_answered(data):
    """Only Definitely and To some extent are positive; Don't know and Prefer not to say are not
    answers to the question (they are left out of the base)."""
    assert m.POSITIVE == [DEF, TSE]
    assert m.ANSWERED == [DEF, TSE, NOT]
    assert set(m.ANSWERED) < {label for label, _ in categories.FEEDBACK_ANSWER}


def test_a_concern_is_a_repeat_within_365_days_of_another(council, front_door, lead):
    b = Builder(council, lead)
    person = b.person("Rita", "Female", date(1940, 1, 1))
    first = at(2024, 6, 1, 12)
    b.concern(first, person, front_door)
    b.concern(first + timedelta(days=365), person, front_door)  # a repeat (exactly 365 days later)
    later = b.person("Rhoda", "Female", date(1940, 1, 1))
    b.concern(first, later, front_door)
    b.concern(first + timedelta(days=366), later, front_door)  # not a repeat
    period = Period(date(2025, 5, 1), date(2025, 6, 30))
    assert totals(None, period=period, council=council)["repeat_concerns_12m"] == measure(1, 2, 50.0)


def test_median_of_an_even_number_of_values(council, front_door, lead):
    """The median of 1 and 3 hours is 2 hours (the mean of the two middle values)."""
    b = Builder(council, lead)
    for hours in (1, 3):
        b.contact(b.concern(at(2025, 5, 1), b.person("Even", "Female"), front_door), hours)
    median = m.timeliness(m.Filters(PERIOD, council))["median_hours_to_first_contact"]
    assert median == 2.0, (
        "with first contacts after 1 and 3 hours the median is 2 hours (the mean of the two middle "
        f"values), not {median}"
    )


def test_a_concern_still_inside_its_24_hours_is_not_yet_a_miss(council, front_door, lead):
    """A concern received an hour ago that nobody has spoken about yet has 23 hours left: it has not
    missed the 24-hour first contact (it may yet meet it), so it is not counted against the measure."""
    b = Builder(council, lead)
    now = datetime(2026, 4, 15, 12, tzinfo=LONDON)
    with time_machine.travel(now, tick=False):
        b.contact(b.concern(at(2026, 4, 10), b.person("Early", "Female"), front_door), 2)
        b.concern(now - timedelta(hours=1), b.person("Recent", "Female"), front_door)
        period = Period(date(2026, 4, 1), date(2026, 4, 15))  # "This financial year so far"
        found = totals(None, period=period, council=council)["first_contact_24h"]
    assert found == measure(1, 1, 100.0), (
        f"first_contact_24h on 15 April must be 1 of 1 (100%), not {found}: a concern received an hour "
        "earlier, still inside its 24 hours, is not yet due and is left out of the denominator"
    )


@pytest.mark.parametrize(
    ("month", "today", "complete"),
    [
        (date(2026, 4, 1), date(2026, 12, 1), True),  # over, inside the year
        (date(2026, 3, 1), date(2026, 12, 1), False),  # before the year
        (date(2026, 11, 1), date(2026, 12, 1), True),  # ended yesterday
        (date(2026, 12, 1), date(2026, 12, 1), False),  # one day old
        (date(2026, 12, 1), date(2026, 12, 31), False),  # its last day: not over yet
        (date(2027, 3, 1), date(2027, 4, 2), True),
    ],
)
def test_a_month_is_complete_once_over_and_inside_the_period(month, today, complete):
    year = Period(date(2026, 4, 1), date(2027, 3, 31))
    assert m.month_is_complete(month, year, today) is complete


def test_a_month_cut_by_the_period_is_incomplete():
    assert not m.month_is_complete(
        date(2025, 6, 1), Period(date(2025, 6, 15), date(2025, 9, 30)), date(2026, 1, 1)
    )
    assert not m.month_is_complete(
        date(2025, 9, 1), Period(date(2025, 6, 1), date(2025, 9, 29)), date(2026, 1, 1)
    )


def test_monthly_marks_the_month_not_yet_over(data):
    """A concern received today: its month is plotted, marked incomplete (issue 12: "the current
    month, one day old, is plotted like a full month"); the data set's past months are complete."""
    from msphub.core.periods import FinancialYear

    assert all(
        p["complete"] for points in m.monthly(m.Filters(PERIOD, data.council)).values() for p in points
    )
    new_concern(data.council)
    this_year = FinancialYear.current()
    points = m.monthly(m.Filters(this_year, data.council))["conversion_rate"]
    this_month = timezone.localdate().strftime("%Y-%m")
    assert [p["complete"] for p in points if p["month"] == this_month] == [False]


def test_the_trend_chart_labels_an_incomplete_month():
    from msphub.core import charts

    points = [
        {"month": "2026-11", "percent": 50.0, "complete": True},
        {"month": "2026-12", "percent": 80.0, "complete": False},
    ]
    encoded = charts.monthly_lines({"conversion_rate": points}, {"conversion_rate": "Conversion"})
    decoded = base64.b64decode(encoded.split(",", 1)[1]).decode()
    assert "2026-12 (incomplete)" in decoded and "2026-11 (incomplete)" not in decoded
