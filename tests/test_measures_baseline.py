"""The hand-written SQL baseline of the MSP measures (bench/measures_baseline.py) agrees with msphub.

`make bench` times `measure_totals` against bench/measures_baseline.py and reports the ratio; that
ratio only means something if the two count the same thing. Checked here, every measure's numerator
and denominator, for England and each council, with both of the baseline's plans (joined, for
England, and probed per row, for a council):

1. the hand-built data set of tests/measures_fixtures.py, against its literal expected figures too;
2. hand-built edge cases: set-aside and other-area concerns (and their enquiries and feedback), a
   first contact entered in error, exactly 24 hours, a concern still inside its 24 hours, repeats at
   exactly 365 days and just over, concerns received at the same moment, a repeat of another
   council's concern, outcomes withdrawn or without an achievement, moments with microseconds;
3. a small generated set from the synthetic generator (3 councils, 600 concerns), with some concerns
   set aside or flagged, and some first contacts entered in error.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from bench.measures_baseline import DIALECTS, MEASURE_IDS, PLANS, baseline_measures, year_bounds
from msphub.accounts.models import Organisation
from msphub.concerns.models import Concern, FirstContact
from msphub.core.periods import FinancialYear
from msphub.enquiries.models import Enquiry
from msphub.measures import measures as m
from tests.measures_fixtures import (
    DEF,
    EXPECTED,
    EXPRESSED,
    LACKED,
    NOT,
    RISK_ACTION,
    TSE,
    Builder,
    at,
)

pytestmark = pytest.mark.skipif(
    connection.vendor not in DIALECTS,
    reason=f"bench/measures_baseline.py has no SQL for {connection.vendor}",
)

YEAR = "2025-26"  # the hand-built data set's period


def msphub_figures(year: FinancialYear, council: Organisation | None) -> dict[str, dict[str, int]]:
    rows = m.measure_totals(m.Filters(year, council))
    return {r["id"]: {"numerator": r["numerator"], "denominator": r["denominator"]} for r in rows}


def assert_agree(year_label: str, council: Organisation | None) -> dict[str, dict[str, int]]:
    """msphub and the baseline (both plans) give the same figures at one frozen moment."""
    year = FinancialYear.parse(year_label)
    now = datetime.now(UTC)
    with time_machine.travel(now, tick=False):
        ours = msphub_figures(year, council)
        for plan in PLANS:
            theirs = baseline_measures(year, council.pk if council else None, now=now, plan=plan)
            assert set(theirs) == set(ours) == set(MEASURE_IDS)
            different = {k: (ours[k], theirs[k]) for k in ours if ours[k] != theirs[k]}
            assert not different, (year_label, council, plan, different)
    return ours


def test_year_bounds_are_london_midnights():
    start, end = year_bounds(FinancialYear.parse("2024-25"))
    assert start.isoformat() == "2024-04-01T00:00:00+01:00"
    assert end.isoformat() == "2025-04-01T00:00:00+01:00"


@pytest.mark.django_db
def test_empty_database_gives_zeros(council):
    figures = assert_agree(YEAR, None)
    assert all(f == {"numerator": 0, "denominator": 0} for f in figures.values())
    assert_agree(YEAR, council)


@pytest.mark.django_db
def test_edge_cases_agree(council, other_council, front_door, lead, other_council_user):
    b = Builder(council, lead)
    hb = Builder(other_council, other_council_user)
    now = datetime(2026, 4, 15, 12, 0, 0, 250_000, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        p = [b.person(f"Edge{i}", "Female", date(1950, 1, 1)) for i in range(9)]

        # Set aside, or about abuse in another area: never counted, nor their enquiries and feedback.
        gone = b.enquiry(
            p[0], front_door, at(2025, 7, 1), 10, 1, msp_asked=EXPRESSED, achievements=("Fully Achieved",),
            risk_assessment=RISK_ACTION, risk_outcome="Risk removed", capacity=LACKED, supported=True,
            took_part=("home",),
        )  # fmt: skip
        b.feedback(gone, date(2025, 7, 5), (DEF, DEF, DEF, DEF))
        b.contact(gone.concern, 1)
        Concern.objects.filter(pk=gone.concern_id).update(set_aside="error", set_aside_reason="Wrong person")
        away = b.concern(at(2025, 8, 1), p[0], front_door)
        Concern.objects.filter(pk=away.pk).update(other_area="Elsewhere Council")
        b.concern(at(2025, 8, 20), p[0], front_door)  # not a repeat: its earlier ones are not counted

        # The earliest contact entered in error: the next, after 30 hours, is the first contact.
        late = b.concern(at(2025, 5, 1, 9, 15) + timedelta(microseconds=123_456), p[1], front_door)
        FirstContact.objects.filter(pk=b.contact(late, 1).pk).update(entered_in_error_at=now)
        b.contact(late, 30)
        # Exactly 24 hours (with microseconds), and a microsecond over.
        exact = b.concern(at(2025, 5, 2) + timedelta(microseconds=999_999), p[2], front_door)
        b.contact(exact, 24)
        over = b.concern(at(2025, 5, 3) + timedelta(microseconds=10), p[3], front_door)
        FirstContact.objects.create(
            concern=over, contact_at=over.received_at + timedelta(hours=24, microseconds=1), method="phone",
            spoke_with="adult", recorded_by=lead, wants="Safe",
        )  # fmt: skip
        # Received in the last 24 hours, nobody spoken to: not yet due (this year so far).
        b.concern(now - timedelta(hours=2), p[4], front_door)
        b.concern(now - timedelta(hours=30), p[4], front_door)

        # Repeats: exactly 365 days (a repeat), 365 days and a microsecond (not), two at the same moment
        # (neither is the other's repeat), and one after another council's concern about the person.
        first = at(2024, 9, 1, 12) + timedelta(microseconds=500)
        b.concern(first, p[5], front_door)
        b.concern(first + timedelta(days=365), p[5], front_door)
        b.concern(first, p[6], front_door)
        b.concern(first + timedelta(days=365, microseconds=1), p[6], front_door)
        same = at(2025, 10, 1, 8)
        b.concern(same, p[7], front_door)
        b.concern(same, p[7], front_door)
        hb.concern(at(2025, 11, 1), p[1])
        b.concern(at(2025, 11, 2), p[1], front_door)
        b.concern(at(2025, 11, 3))  # no person: outside the repeat measure's base

        # Outcomes: only withdrawn ones (no achievement), one not yet assessed (partially), numerators
        # outside their denominators (achieved without "expressed"; risk reduced without action).
        b.enquiry(p[2], front_door, at(2025, 9, 1), 5, 1, msp_asked=EXPRESSED, withdrawn=("Fully Achieved",))
        b.enquiry(
            p[3], front_door, at(2025, 9, 2), 5, 1, msp_asked=EXPRESSED,
            achievements=("Fully Achieved", ""), took_part=("chose_not", "not_present"),
        )  # fmt: skip
        b.enquiry(
            p[4], front_door, at(2025, 9, 3), 5, 1, msp_asked="No", achievements=("Not Achieved",),
            risk_outcome="Risk reduced", capacity=LACKED, took_part=("advocate",),
        )  # fmt: skip
        # An enquiry of Riverside's whose concern Hillside received (as after a transfer), with feedback.
        moved = b.enquiry(p[8], front_door, at(2025, 9, 4), 5, 1, kind="other", msp_asked=EXPRESSED)
        Concern.objects.filter(pk=moved.concern_id).update(council=other_council)
        b.feedback(moved, date(2025, 9, 10), (TSE, NOT, "Don't know", ""))
        # Open, or awaiting sign-off: not concluded.
        b.enquiry(
            p[6], front_door, None, 0, 1, status=Enquiry.Status.CLOSURE_REQUESTED, started_at=at(2025, 9, 1)
        )

    with time_machine.travel(now, tick=False):
        for year in ("2024-25", "2025-26", "2026-27"):
            for scope in (None, council, other_council):
                assert_agree(year, scope)
        riverside = assert_agree("2025-26", council)
        this_year = assert_agree("2026-27", council)
    # The cases above are exercised: every base is non-empty and the tricky rows count as stated.
    assert riverside["repeat_concerns_12m"]["numerator"] >= 2
    assert riverside["first_contact_24h"]["numerator"] >= 1
    assert this_year["first_contact_24h"]["denominator"] == 1  # the 30-hour-old one; the 2-hour one waits


def test_hand_built_data_literal(data):
    """The baseline gives tests/measures_fixtures.py's hand-worked figures, independently of msphub."""
    year = FinancialYear.parse(YEAR)
    for plan in PLANS:
        figures = baseline_measures(year, data.council.pk, plan=plan)
        expected = {
            k: {"numerator": v["numerator"], "denominator": v["denominator"]} for k, v in EXPECTED.items()
        }
        assert figures == expected, plan


def test_hand_built_data_agrees(data):
    for year in ("2024-25", YEAR, "2026-27"):
        for council in (None, data.council, data.other_council):
            assert_agree(year, council)


@pytest.mark.django_db
def test_generated_set_agrees():
    synthetic = pytest.importorskip("msphub.demo.synthetic", reason="the synthetic generator is not here yet")
    synthetic.generate(councils=3, concerns=600, year=FinancialYear.parse("2024-25"), seed=1)
    # The generator writes each concern's first spoken to as FirstContact.save would keep it.
    spoken_to = dict(Concern.objects.values_list("pk", "first_contact_at"))
    Concern.objects.refresh_first_contact()
    assert dict(Concern.objects.values_list("pk", "first_contact_at")) == spoken_to
    assert sum(1 for at in spoken_to.values() if at) > 400
    # Corrections the generator may not make: some concerns set aside or flagged, some contacts in error.
    concerns = list(Concern.objects.order_by("pk").values_list("pk", flat=True))
    Concern.objects.filter(pk__in=concerns[::17]).update(set_aside="error", set_aside_reason="Test")
    Concern.objects.filter(pk__in=concerns[5::23]).update(other_area="Elsewhere")
    contacts = list(FirstContact.objects.order_by("pk").values_list("pk", flat=True))
    FirstContact.objects.filter(pk__in=contacts[::9]).update(
        entered_in_error_at=datetime(2025, 1, 1, tzinfo=UTC)
    )
    # A bulk update bypasses FirstContact.save, which keeps the concern's first spoken to.
    Concern.objects.refresh_first_contact()

    councils = list(Organisation.objects.filter(kind=Organisation.Kind.COUNCIL).exclude(ons_code=""))
    assert len(councils) >= 3
    england = assert_agree("2024-25", None)
    # Enough is exercised for agreement to mean something: every measure has a base.
    empty = [k for k, f in england.items() if not f["denominator"]]
    assert not empty, empty
    assert all(
        england[k]["numerator"] for k in ("first_contact_24h", "repeat_concerns_12m", "fully_achieved")
    )
    for council in councils:
        assert_agree("2024-25", council)
    assert_agree("2025-26", None)
