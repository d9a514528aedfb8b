"""The hand-written SQL baseline of "What people wanted and got" (bench/outcomes_baseline.py) agrees
with msphub.measures.outcomes.

`make bench` times ``outcomes.outcome_figures`` against the baseline and reports the ratio; that ratio
only means something if the two count the same thing. Checked here, every count and both advocacy
waits, for England, each council, a team and a partner, on the database the suite runs on:

1. a hand-built world of edge cases, against its literal figures too (worked out below by hand,
   independently of msphub);
2. the advocacy percentiles on generated waits (Hypothesis), against the definition in
   docs/measures.md written out in Python;
3. a generated year (msphub/demo/synthetic.py), with some concerns set aside or flagged, some outcomes
   negotiated (with and without a reason) or withdrawn.

Riverside's records in the hand-built world (FD Front Door, LE Locality East), for 2025-26::

    enquiry kind  closed                      asked     outcomes (category/by/achievement)   took part
    A       s42   10 Jun 2025 (FD)            expressed safer/adult/Fully;                     home x2,
                                                        stop/rep/Not (negotiated: law);        phone
                                                        stop/adult/- (not graded);
                                                        legacy/adult/Partially (negotiated,
                                                        no reason); withdrawn justice
    B       s42   00:00 1 Apr 2025 (LE,       expressed isolated/rep/Partially (negotiated:    advocate,
                  police made it)                       others' safety)                        chose not
    C       s42   00:00 1 Apr 2026 (outside)  expressed safer/adult/Fully                      home
    D       s42   1 Dec 2025                  No        safer/adult/Fully                      not present
    E       s42   1 Jan 2026                  none said -                                      -
    F       other 1 Feb 2026                  expressed stop/adult/Not                         home
    G, H    s42   in the period, concern set aside (G) or about another area (H): never counted
    I       s42   awaiting sign-off           expressed stop/adult/Not                         -
    K       s42   01:30 26 Oct 2025 (LE)      expressed only withdrawn outcomes                -

Advocacy referred in the period and started: A 0 days (referred 1 April) and 12, B 20 (referred
31 March 2026, started after the period), F 3 (an other enquiry), I 7 (not yet concluded). Not counted:
C's (referred 31 March 2025), G's, H's, K's not started, K's not going ahead. Hillside's J: an
expressed outcome and a 5-day wait, England's only.
"""

import math
import statistics
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.outcomes_baseline import ADVOCACY_SQL, baseline_outcomes, comparable, differences, statements
from msphub.accounts.models import Organisation
from msphub.concerns.models import Concern
from msphub.core import categories
from msphub.core.periods import FinancialYear, Period
from msphub.enquiries.models import AdvocacyReferral, DesiredOutcome, Enquiry
from msphub.measures import measures as m
from msphub.measures import outcomes
from tests.conftest import Cast, per_test
from tests.measures_fixtures import EXPRESSED, LONDON, NONE_EXPRESSED, PERIOD, Builder, at

pytestmark = pytest.mark.skipif(
    connection.vendor not in ADVOCACY_SQL,
    reason=f"bench/outcomes_baseline.py has no SQL for {connection.vendor}",
)

SAFER = "Be and feel safer"
STOP = "Stop the abuse or neglect"
JUSTICE = "Justice (an apology, prosecution, disciplinary or other action)"
ISOLATED = "Be less isolated"
LEGACY = "A category no longer on the list"
FULLY, PARTIALLY, NOT = "Fully Achieved", "Partially Achieved", "Not Achieved"


def assert_agree(
    period: Period,
    council: Organisation | None = None,
    team_id: int | None = None,
    partner_id: int | None = None,
) -> dict:
    """msphub and the baseline give the same figures; the baseline's."""
    ours = comparable(outcomes.outcome_figures(m.Filters(period, council, team_id, partner_id)))
    theirs = baseline_outcomes(period, council.pk if council else None, team_id, partner_id)
    assert differences(ours, theirs) == [], (period, council, team_id, partner_id)
    return theirs


def outcome(enquiry: Enquiry, category: str, achievement: str, by: str = "adult", **fields) -> DesiredOutcome:
    return DesiredOutcome.objects.create(
        enquiry=enquiry,
        words="I want to feel safe",
        category=category,
        expressed_by=by,
        representative_name="Robin Representative" if by == "representative" else "",
        expressed_on=enquiry.started_at.date(),
        achievement=achievement,
        **fields,
    )


def advocacy(enquiry: Enquiry, referred: date, started: date | None, **fields) -> AdvocacyReferral:
    return AdvocacyReferral.objects.create(
        enquiry=enquiry, kind="care_act", referred_on=referred, started_on=started, **fields
    )


def build_world(cast: Cast) -> SimpleNamespace:
    council, fd, le = cast.council, cast.front_door, cast.locality
    b = Builder(council, cast.lead)
    w = SimpleNamespace(council=council, other_council=cast.other_council, fd=fd, le=le, police=cast.police)
    people = [b.person(f"Baseline{i}") for i in range(10)]

    def enquiry(person, team, closed, msp_asked=EXPRESSED, **kw) -> Enquiry:
        return b.enquiry(person, team, closed, 20, 2, msp_asked=msp_asked, **kw)

    a = enquiry(people[0], fd, at(2025, 6, 10), took_part=("home", "home", "phone_video"))
    outcome(a, SAFER, FULLY)
    outcome(
        a, STOP, NOT, by="representative", negotiated_outcome="A new care agency", negotiated_reason="law"
    )
    outcome(a, STOP, "")
    # Negotiated before a reason was asked for, in a category since taken off the list.
    outcome(a, LEGACY, PARTIALLY, negotiated_outcome="Visits twice a week")
    outcome(a, JUSTICE, NOT, withdrawn_on=date(2025, 6, 1), withdrawn_reason="Changed their mind")
    advocacy(a, date(2025, 4, 1), date(2025, 4, 1))
    advocacy(a, date(2025, 9, 1), date(2025, 9, 13))

    # Closed at the period's first moment (London midnight; 23:00 on 31 March in UTC): counted.
    start = datetime(2025, 4, 1, tzinfo=LONDON).astimezone(UTC)
    b_ = enquiry(people[1], le, start, partner=cast.police, took_part=("advocate", "chose_not"))
    outcome(
        b_,
        ISOLATED,
        PARTIALLY,
        by="representative",
        negotiated_outcome="See friends at the day centre",
        negotiated_reason="others_safety",
    )
    advocacy(b_, date(2026, 3, 31), date(2026, 4, 20))

    # Closed at the first moment after the period: not counted.
    end = datetime(2026, 4, 1, tzinfo=LONDON).astimezone(UTC)
    c = enquiry(people[2], fd, end, took_part=("home",))
    outcome(c, SAFER, FULLY)
    advocacy(c, date(2025, 3, 31), date(2025, 4, 2))

    d = enquiry(people[3], fd, at(2025, 12, 1), msp_asked="No", took_part=("not_present",))
    outcome(d, SAFER, FULLY)
    enquiry(people[4], fd, at(2026, 1, 1), msp_asked=NONE_EXPRESSED)

    f = enquiry(people[5], fd, at(2026, 2, 1), kind="other", took_part=("home",))
    outcome(f, STOP, NOT)
    advocacy(f, date(2026, 1, 10), date(2026, 1, 13))

    g = enquiry(people[6], fd, at(2025, 7, 1), took_part=("home",))
    outcome(g, SAFER, FULLY)
    advocacy(g, date(2025, 7, 1), date(2025, 7, 2))
    Concern.objects.filter(pk=g.concern_id).update(set_aside="error", set_aside_reason="Wrong person")
    h = enquiry(people[7], fd, at(2025, 7, 2), took_part=("home",))
    outcome(h, SAFER, FULLY)
    advocacy(h, date(2025, 7, 1), date(2025, 7, 3))
    Concern.objects.filter(pk=h.concern_id).update(other_area="Elsewhere Council")

    i = enquiry(people[8], fd, None, status=Enquiry.Status.CLOSURE_REQUESTED, started_at=at(2025, 8, 1))
    outcome(i, STOP, NOT)
    advocacy(i, date(2025, 8, 2), date(2025, 8, 9))

    # Closed in the small hours of the day the clocks go back.
    k = enquiry(people[9], le, datetime(2025, 10, 26, 1, 30, tzinfo=LONDON).astimezone(UTC))
    outcome(k, SAFER, NOT, withdrawn_on=date(2025, 10, 1), withdrawn_reason="No longer wanted")
    advocacy(k, date(2025, 10, 1), None)
    advocacy(
        k, date(2025, 10, 2), None, not_going_ahead_on=date(2025, 10, 5), not_going_ahead_reason="Declined"
    )

    hillside = Builder(cast.other_council, cast.other_council_user)
    j = hillside.enquiry(
        hillside.person("Hilda", council=cast.other_council),
        None,
        at(2025, 7, 1),
        20,
        2,
        msp_asked=EXPRESSED,
        council=cast.other_council,
    )
    outcome(j, STOP, NOT)
    advocacy(j, date(2025, 6, 1), date(2025, 6, 6))
    return w


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker):
    with django_db_blocker.unblock():
        return build_world(Cast())


@pytest.fixture
def world(world_once, db):
    return per_test(world_once)


def category_rows(figures: dict) -> dict[str, dict]:
    return {r["category"]: r for r in figures["by_category"] if r["expressed"]}


def test_every_statement_names_the_scope_it_is_given():
    for vendor in ADVOCACY_SQL:
        england = statements(vendor, None)
        narrowed = statements(vendor, 1, 2, 3)
        assert all("%(council)s" not in sql for sql in england.values())
        for sql in narrowed.values():
            assert "%(council)s" in sql and "%(team)s" in sql and "%(partner)s" in sql
    with pytest.raises(ValueError):
        statements("oracle", None)


def test_differences_name_each_figure_that_differs():
    ours = {
        "by_category": [{"category": SAFER, "expressed": 2, "not": 0}],
        "advocacy_days": {"median": 3.0, "n": 4},
    }
    theirs = {
        "by_category": [{"category": SAFER, "expressed": 2, "not": 1}, {"category": STOP, "expressed": 0}],
        "advocacy_days": {"median": 3.5, "n": 4},
    }
    assert differences(ours, ours) == []
    assert differences(ours, theirs) == [
        "advocacy_days.median: msphub 3.0, baseline 3.5",
        f"by_category rows: msphub {[SAFER]}, baseline {[SAFER, STOP]}",
        f"by_category[{SAFER}].not: msphub 0, baseline 1",
        f"by_category[{STOP}].expressed: msphub None, baseline 0",
    ]


@pytest.mark.django_db
def test_empty_database_gives_zeros(council):
    figures = assert_agree(PERIOD)
    assert figures["advocacy_days"] == {"median": None, "p90": None, "n": 0}
    assert all(r["expressed"] == 0 for r in figures["by_category"])
    assert figures["involvement"]["enquiries"] == 0
    assert_agree(PERIOD, council)


def test_hand_built_world_literal(world):
    """The baseline gives the figures worked out by hand in the module's docstring."""
    figures = baseline_outcomes(PERIOD, world.council.pk)
    assert category_rows(figures) == {
        SAFER: {"category": SAFER, "expressed": 1, "fully": 1, "partially": 0, "not": 0},
        STOP: {"category": STOP, "expressed": 2, "fully": 0, "partially": 0, "not": 1},
        ISOLATED: {"category": ISOLATED, "expressed": 1, "fully": 0, "partially": 1, "not": 0},
        LEGACY: {"category": LEGACY, "expressed": 1, "fully": 0, "partially": 1, "not": 0},
    }
    # Every category of the list in its order, the one no longer on it after them.
    listed = categories.labels(categories.DESIRED_OUTCOME_CATEGORY)
    assert [r["category"] for r in figures["by_category"]] == [*listed, LEGACY]
    assert figures["who_and_negotiated"] == {
        "outcomes": 5,
        "by_who": [
            {"expressed_by": "The adult", "outcomes": 3},
            {"expressed_by": "Their representative", "outcomes": 2},
        ],
        "negotiated": 3,
        "reasons": [
            {"reason": "The law", "outcomes": 1},
            {"reason": "Other people's safety", "outcomes": 1},
            {"reason": "The public interest", "outcomes": 0},
            {"reason": "Not recorded", "outcomes": 1},
        ],
    }
    # A, B, D, E and K: the section 42 enquiries concluded in the period, expressed or not.
    assert figures["involvement"] == {
        "enquiries": 5,
        "by_way": [
            {"participation": "In person, at home", "enquiries": 1},
            {"participation": "In person, somewhere else", "enquiries": 0},
            {"participation": "By phone or video", "enquiries": 1},
            {"participation": "Through a representative", "enquiries": 0},
            {"participation": "Through an advocate", "enquiries": 1},
            {"participation": "Chose not to take part", "enquiries": 1},
            {"participation": "Did not take part (for example a professionals' meeting)", "enquiries": 1},
        ],
        "none_recorded": 2,
    }
    # 0, 3, 7, 12 and 20 days: the middle one, and the 5th (ceil(4.5)).
    assert figures["advocacy_days"] == {"median": 7.0, "p90": 20.0, "n": 5}


def test_hand_built_world_narrowed_literal(world):
    le = baseline_outcomes(PERIOD, world.council.pk, team_id=world.le.pk)
    assert category_rows(le) == {
        ISOLATED: {"category": ISOLATED, "expressed": 1, "fully": 0, "partially": 1, "not": 0}
    }
    assert le["involvement"]["enquiries"] == 2  # B and K
    assert le["advocacy_days"] == {"median": 20.0, "p90": 20.0, "n": 1}
    england = baseline_outcomes(PERIOD)
    assert category_rows(england)[STOP]["not"] == 2  # A's and Hillside's J
    # 0, 3, 5, 7, 12 and 20: the mean of the middle two, and the 6th (ceil(5.4)).
    assert england["advocacy_days"] == {"median": 6.0, "p90": 20.0, "n": 6}


def test_hand_built_world_agrees(world):
    periods = [
        FinancialYear.parse("2024-25"),
        PERIOD,
        FinancialYear.parse("2026-27"),
        Period(date(2025, 10, 1), date(2025, 12, 31)),  # the clocks going back inside it
        Period(date(2026, 3, 31), date(2026, 3, 31)),  # one day
    ]
    for period in periods:
        for council in (None, world.council, world.other_council):
            assert_agree(period, council)
    assert_agree(PERIOD, world.council, team_id=world.le.pk)
    assert_agree(PERIOD, world.council, team_id=world.fd.pk)
    assert_agree(PERIOD, world.council, partner_id=world.police.pk)
    assert_agree(PERIOD, None, team_id=world.le.pk)


def nearest_rank_and_median(waits: list[int]) -> dict:
    """docs/measures.md's definition in Python: the median interpolated, the 90th percentile the
    wait at position ceil(0.9 n), counting from 1."""
    if not waits:
        return {"median": None, "p90": None, "n": 0}
    ordered = sorted(waits)
    position = math.ceil(9 * len(ordered) / 10)
    return {
        "median": round(statistics.median(ordered), 1),
        "p90": float(ordered[position - 1]),
        "n": len(ordered),
    }


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(waits=st.lists(st.integers(min_value=0, max_value=90), max_size=23))
def test_advocacy_waits_follow_the_definition(council, lead, waits):
    period = Period(date(2030, 4, 1), date(2030, 6, 30))  # nothing else of the suite's is in it
    enquiry = Enquiry.objects.filter(council=council, started_at__year=2030).first()
    if enquiry is None:
        b = Builder(council, lead)
        enquiry = b.enquiry(
            b.person("Waiting"), None, None, 0, 1, status=Enquiry.Status.OPEN, started_at=at(2030, 4, 1)
        )
    AdvocacyReferral.objects.filter(enquiry=enquiry).delete()
    referred = date(2030, 4, 1)
    AdvocacyReferral.objects.bulk_create(
        AdvocacyReferral(
            enquiry=enquiry,
            kind="imca",
            referred_on=referred + timedelta(days=n % 80),
            started_on=referred + timedelta(days=n % 80 + wait),
        )
        for n, wait in enumerate(waits)
    )
    expected = nearest_rank_and_median(waits)
    assert baseline_outcomes(period, council.pk)["advocacy_days"] == expected
    assert outcomes.advocacy_days(m.Filters(period, council)) == expected


@pytest.mark.django_db
def test_generated_year_agrees():
    synthetic = pytest.importorskip("msphub.demo.synthetic")
    year = FinancialYear.parse("2024-25")
    synthetic.generate(councils=3, concerns=600, year=year, seed=1)
    # Corrections and answers the generator does not make: concerns set aside or flagged, outcomes
    # negotiated (with a reason, and before reasons were asked) or withdrawn.
    concerns = list(Concern.objects.order_by("pk").values_list("pk", flat=True))
    Concern.objects.filter(pk__in=concerns[::17]).update(set_aside="error", set_aside_reason="Test")
    Concern.objects.filter(pk__in=concerns[5::23]).update(other_area="Elsewhere")
    wanted = list(DesiredOutcome.objects.order_by("pk").values_list("pk", flat=True))
    for offset, reason in enumerate(("law", "others_safety", "public_interest", "")):
        DesiredOutcome.objects.filter(pk__in=wanted[offset::11]).update(
            negotiated_outcome="Something else agreed", negotiated_reason=reason
        )
    DesiredOutcome.objects.filter(pk__in=wanted[7::29]).update(withdrawn_on=date(2024, 9, 1))

    councils = list(Organisation.objects.filter(kind=Organisation.Kind.COUNCIL).exclude(ons_code=""))
    assert len(councils) >= 3
    england = assert_agree(year)
    # Enough is exercised for agreement to mean something.
    assert england["who_and_negotiated"]["outcomes"] > 50
    assert all(r["outcomes"] for r in england["who_and_negotiated"]["reasons"])
    assert all(r["outcomes"] for r in england["who_and_negotiated"]["by_who"])
    assert sum(1 for r in england["by_category"] if r["expressed"]) >= 5
    assert england["involvement"]["enquiries"] > 50
    assert sum(1 for r in england["involvement"]["by_way"] if r["enquiries"]) >= 4
    assert england["advocacy_days"]["n"] >= 10
    for council in councils:
        assert_agree(year, council)
    assert_agree(FinancialYear.parse("2025-26"))
    assert_agree(Period(date(2024, 10, 1), date(2024, 12, 31)), councils[0])
