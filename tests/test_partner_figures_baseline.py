"""The hand-written SQL baseline of the partner figures (bench/partner_figures_baseline.py) agrees
with msphub.measures.partners.

`make bench` times ``partners.council_partner_figures`` and ``partners.agency_figures`` against the
baseline; the ratio means something only if the two count the same thing. Checked here on the
database the suite runs on, for each council and each agency: on tests/test_partner_figures.py's
hand-built world (whose figures that module checks by hand), and on a generated year
(msphub/demo/synthetic.py) with the MSP answers and consent varied and some concerns set aside or
flagged.
"""

from datetime import date, datetime

import pytest
import time_machine
from django.db import connection

from bench.partner_figures_baseline import (
    DIALECTS,
    baseline_agency,
    baseline_council,
    comparable,
    differences,
    statements,
)
from msphub.accounts.models import Organisation
from msphub.concerns.models import Concern
from msphub.core.periods import FinancialYear, Period
from msphub.measures import measures as m
from msphub.measures import partners as pf
from tests.conftest import per_test
from tests.measures_fixtures import LONDON, PERIOD
from tests.test_partner_figures import build_world

pytestmark = pytest.mark.skipif(
    connection.vendor not in DIALECTS,
    reason=f"bench/partner_figures_baseline.py has no SQL for {connection.vendor}",
)

TODAY = datetime(2026, 4, 15, 12, tzinfo=LONDON)


def assert_council_agrees(period: Period, council: Organisation) -> dict:
    ours = comparable(pf.council_partner_figures(m.Filters(period, council)))
    theirs = baseline_council(period, council.pk)
    assert not differences(ours, theirs), differences(ours, theirs)
    return theirs


def assert_agency_agrees(period: Period, agency: Organisation) -> dict:
    ours = comparable(pf.agency_figures(agency, period))
    theirs = baseline_agency(period, agency.pk)
    assert not differences(ours, theirs), differences(ours, theirs)
    return theirs


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker):
    with django_db_blocker.unblock(), time_machine.travel(TODAY):
        return build_world()


@pytest.fixture
def world(world_once, db):
    with time_machine.travel(TODAY):
        yield per_test(world_once)


def test_every_statement_names_its_scope():
    for vendor in DIALECTS:
        for scope in ("council", "agency"):
            for sql in statements(vendor, scope):
                assert "%(scope)s" in sql and "{" not in sql


def test_differences_name_each_figure_that_differs():
    ours = {"raising": {"a": {"count": 1}}, "making": {}}
    theirs = {"raising": {"a": {"count": 2}}, "making": {"b": {"count": 0}}}
    assert differences(ours, theirs) == [
        "raising a: {'count': 1} != {'count': 2}",
        "making b: None != {'count': 0}",
    ]


def test_hand_built_world_agrees(world):
    riverside = assert_council_agrees(PERIOD, world.council)
    # Some of the literal figures of tests/test_partner_figures.py, from the baseline.
    police = riverside["raising"][f"organisation-{world.police.pk}"]
    assert police["count"] == 7 and police["asked_three_questions"] == [1, 7]
    assert police["first_contact_24h"] == [3, 7]
    assert riverside["making"]["council-own"]["asked_about_outcomes"] == [3, 4]
    assert riverside["raising"][f"organisation-{world.council.pk}"]["count"] == 1
    assert_council_agrees(PERIOD, world.other_council)
    assert_council_agrees(FinancialYear.parse("2026-27"), world.council)
    for agency in (world.police, world.nhs):
        assert_agency_agrees(PERIOD, agency)
    assert (
        assert_agency_agrees(PERIOD, world.police)["raising"][f"council-{world.other_council.pk}"]["count"]
        == 1
    )


@pytest.mark.django_db
def test_generated_year_agrees():
    synthetic = pytest.importorskip("msphub.demo.synthetic")
    year = FinancialYear.parse("2024-25")
    synthetic.generate(councils=3, concerns=600, year=year, seed=1)
    # What the generator does not vary: the three questions answered (all, some), consent with and
    # without its reason, and concerns set aside or flagged.
    concerns = list(Concern.objects.order_by("pk").values_list("pk", flat=True))
    Concern.objects.filter(pk__in=concerns[::3]).update(
        wants_to_happen="To be safe", how_to_happen="At home", outcomes_wanted="It stops"
    )
    Concern.objects.filter(pk__in=concerns[1::7]).update(wants_to_happen="To be safe")
    Concern.objects.filter(pk__in=concerns[2::5]).update(consent="not_given", consent_not_given_reason="")
    Concern.objects.filter(pk__in=concerns[3::11]).update(
        consent="not_given", consent_not_given_reason="Risk"
    )
    Concern.objects.filter(pk__in=concerns[4::13]).update(consent_not_sought_reason="crime")
    Concern.objects.filter(pk__in=concerns[::17]).update(set_aside="error", set_aside_reason="Test")
    Concern.objects.filter(pk__in=concerns[5::23]).update(other_area="Elsewhere")

    councils = list(Organisation.objects.filter(kind=Organisation.Kind.COUNCIL).exclude(ons_code=""))
    agencies = list(Organisation.objects.exclude(kind=Organisation.Kind.COUNCIL))
    assert len(councils) >= 3 and agencies
    for council in councils:
        found = assert_council_agrees(year, council)
        # Enough is exercised for agreement to mean something.
        assert len(found["raising"]) >= 2 and len(found["making"]) >= 1
        assert sum(r["asked_three_questions"][0] for r in found["raising"].values()) > 0
    for agency in agencies:
        assert_agency_agrees(year, agency)
    assert_council_agrees(Period(date(2024, 10, 1), date(2024, 12, 31)), councils[0])
