"""The hand-written SQL baseline of `make bench` (bench/baseline.py) agrees with msphub's SAC return.

`make bench` times msphub's return against bench/baseline.py at national size and reports the ratio;
that ratio only means something if the two compute the same thing. Checked here, cell for cell:

1. the hand-built case set of tests/test_sac_return.py, against its literal expected counts;
2. random case sets (the same strategies as tests/test_sac_return.py: dates of death, people under 18,
   SG1e items and what concluded enquiries found);
3. a small generated set from the synthetic generator (3 councils, 1,500 concerns), all councils and
   each council, with SG1e items and dates of death added to some of its people;
4. the guidance's own examples (tests/test_sac_guidance.py checks the baseline on each).
"""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings

from bench.baseline import DIALECTS, TABLE_IDS, baseline_return, year_bounds
from msphub.accounts.models import Organisation
from msphub.core.periods import FinancialYear
from msphub.measures.sac import build_return
from msphub.people.models import ASPERGERS, AUTISM, Person
from tests import test_sac_return as sac_tests
from tests.test_sac_return import HILLSIDE, RIVERSIDE, YEAR, build_case_set, case_sets, normalise

# test_sac_return's hand-built case set (and the user it needs), as fixtures here too.
cases_once = sac_tests.cases_once
cases = sac_tests.cases
lead_user = sac_tests.lead_user

pytestmark = pytest.mark.skipif(
    connection.vendor not in DIALECTS, reason=f"bench/baseline.py has no SQL for {connection.vendor}"
)


def as_dicts(tables: dict) -> dict[str, dict[tuple[str, str], int]]:
    out = {}
    for table_id in TABLE_IDS:
        found: dict[tuple[str, str], int] = {}
        for cell in tables[table_id]:
            key = (cell["row"], cell["column"])
            assert key not in found, (table_id, key)
            assert cell["count"] > 0, (table_id, key)
            found[key] = cell["count"]
        out[table_id] = found
    return out


def assert_agree(council: Organisation | None, year: str = YEAR) -> dict:
    financial_year = FinancialYear.parse(year)
    msphub = build_return(financial_year, council)["tables"]
    baseline = baseline_return(financial_year, council.pk if council else None)
    assert set(baseline) == set(TABLE_IDS)
    ours, theirs = as_dicts(msphub), as_dicts(baseline)
    for table_id in TABLE_IDS:
        assert theirs[table_id] == ours[table_id], (council, table_id)
    assert baseline == msphub, "same cells, but not in the same (template) order"
    return theirs


def record_sg1_items() -> None:
    """The SG1 items the synthetic generator may not record, on some of its people: autism or
    Asperger's (SG1e), and a date of death (SG1a's age at death), some before 31 March 2025."""
    people = list(Person.objects.exclude(date_of_birth=None).order_by("pk"))
    for i, person in enumerate(people):
        if i % 7 == 0:
            person.autism = AUTISM
        elif i % 11 == 0:
            person.autism = ASPERGERS
        if i % 13 == 0:
            person.date_of_death = max(person.date_of_birth, date(2024, 4, 1)) + timedelta(days=i % 500)
            person.date_of_death_source = "nhs"
    Person.objects.bulk_update(people, ["autism", "date_of_death", "date_of_death_source"], batch_size=500)


def test_year_bounds_are_london_midnights():
    start, end = year_bounds(FinancialYear.parse("2025-26"))
    assert start.isoformat() == "2025-04-01T00:00:00+01:00"  # British Summer Time
    assert end.isoformat() == "2026-04-01T00:00:00+01:00"
    with pytest.raises(ValueError):
        year_bounds(FinancialYear.parse("2025-27"))


@pytest.mark.django_db
def test_empty_database_gives_empty_tables(council):
    assert baseline_return(FinancialYear.parse(YEAR)) == {table_id: [] for table_id in TABLE_IDS}
    assert_agree(None)
    assert_agree(council)


@pytest.mark.parametrize("table_id", TABLE_IDS)
def test_hand_built_cases_literal(cases, table_id):
    """The baseline gives test_sac_return's hand-written counts, independently of msphub's code."""
    year = FinancialYear.parse(YEAR)
    riverside = as_dicts(baseline_return(year, cases.council.pk))
    hillside = as_dicts(baseline_return(year, cases.other_council.pk))
    everyone = as_dicts(baseline_return(year))
    assert riverside[table_id] == RIVERSIDE[table_id]
    assert hillside[table_id] == HILLSIDE[table_id]
    assert everyone[table_id] == dict(Counter(RIVERSIDE[table_id]) + Counter(HILLSIDE[table_id]))


def test_hand_built_cases_agree(cases):
    for council in (None, cases.council, cases.other_council):
        for year in ("2024-25", YEAR, "2026-27"):
            assert_agree(council, year)


@pytest.fixture
def two_councils(council, other_council, lead_user):
    return [council, other_council], lead_user


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=case_sets)
def test_random_case_sets_agree(two_councils, spec):
    councils, lead = two_councils
    with transaction.atomic():
        build_case_set(normalise(spec), councils, lead)
        assert_agree(None)
        assert_agree(councils[0])
        assert_agree(councils[1])
        transaction.set_rollback(True)


@pytest.mark.slow
@pytest.mark.django_db
def test_generated_set_agrees():
    synthetic = pytest.importorskip("msphub.demo.synthetic", reason="the synthetic generator is not here yet")
    synthetic.generate(councils=3, concerns=1500, year=FinancialYear.parse("2024-25"), seed=1)
    record_sg1_items()
    councils = list(Organisation.objects.filter(kind=Organisation.Kind.COUNCIL).exclude(ons_code=""))
    assert len(councils) >= 3
    everyone = assert_agree(None, "2024-25")
    assert sum(everyone["SG1f"].values()) >= 1500
    # Enough of the return is exercised for agreement to mean something.
    filled = [table_id for table_id in TABLE_IDS if everyone[table_id]]
    assert len(filled) == len(TABLE_IDS), set(TABLE_IDS) - set(filled)
    for council in councils:
        assert_agree(council, "2024-25")
