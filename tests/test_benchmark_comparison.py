"""The comparison (msphub/benchmarks/comparison.py): a council against its region and England, with
ranks, from imported files and from the councils in this database, which must agree.

tests/benchmark_fixtures.four_councils: in the North West Alpha, Beta and Gamma, in London Epsilon.
"""

from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from msphub.accounts.models import Organisation
from msphub.benchmarks.comparison import (
    DATABASE,
    IMPORTED,
    Council,
    Figure,
    ImportedFigures,
    LiveFigures,
    Rank,
    compare,
    live_councils,
)
from msphub.benchmarks.files import build_benchmark, to_json
from msphub.benchmarks.importer import Upload, import_files
from tests.benchmark_fixtures import FY, LONDON, NORTH_WEST, C, benchmark_file, four_councils
from tests.measures_fixtures import LONDON as LONDON_TZ

pytestmark = pytest.mark.django_db

ALPHA = Council("E08000001", "Alpha Council", NORTH_WEST)
BETA = Council("E08000002", "Beta Council", NORTH_WEST)
GAMMA = Council("E08000003", "Gamma Council", NORTH_WEST)
EPSILON = Council("E09000001", "Epsilon Council", LONDON)


def load(files: list[dict]) -> None:
    import json

    import_files(
        [Upload(f"{f['council']['ons_code']}.json", json.dumps(f).encode()) for f in files],
        imported_by_name="test",
    )


@pytest.fixture
def four(db):
    load(four_councils())


def row(comparison, measure_id: str):
    return next(m for m in comparison.measures if m.id == measure_id)


def imported(council: Council):
    return compare(ImportedFigures(FY), IMPORTED, council)


def test_measures_against_region_and_england_leave_suppressed_counts_out(four):
    asked = row(imported(ALPHA), "asked_about_outcomes")
    assert asked.council == Figure(40, 50, 80.0)
    # Alpha 40 of 50, Beta 20 of 25, Gamma 10 of 20; England adds Epsilon's 45 of 50.
    assert asked.region == Figure(70, 95, 73.7, councils=3)
    assert asked.england == Figure(115, 145, 79.3, councils=4)
    involved = row(imported(ALPHA), "involved")
    # Beta's numerator is [c]: Beta is left out of the sums altogether. So is Epsilon, whose base
    # (as a base of 0 would be) is [c].
    assert involved.region == Figure(25, 40, 62.5, councils=2)
    assert involved.england == Figure(25, 40, 62.5, councils=2)


def test_ranks_put_the_highest_first_share_ties_and_skip_suppressed(four):
    asked = {c: row(imported(c), "asked_about_outcomes") for c in (ALPHA, BETA, GAMMA, EPSILON)}
    # Alpha and Beta both 80.0%: they share second place in England behind Epsilon (90.0%).
    assert (asked[ALPHA].rank_region, asked[ALPHA].rank_england) == (Rank(1, 3), Rank(2, 4))
    assert (asked[BETA].rank_region, asked[BETA].rank_england) == (Rank(1, 3), Rank(2, 4))
    assert (asked[GAMMA].rank_region, asked[GAMMA].rank_england) == (Rank(3, 3), Rank(4, 4))
    assert (asked[EPSILON].rank_region, asked[EPSILON].rank_england) == (Rank(1, 1), Rank(1, 4))
    assert str(asked[GAMMA].rank_england) == "4 of 4"
    involved = {c: row(imported(c), "involved") for c in (ALPHA, BETA, GAMMA, EPSILON)}
    # Beta's and Epsilon's percentages are [c]: neither is ranked nor counted in "of N".
    assert (involved[ALPHA].rank_region, involved[ALPHA].rank_england) == (Rank(2, 2), Rank(2, 2))
    assert (involved[GAMMA].rank_region, involved[GAMMA].rank_england) == (Rank(1, 2), Rank(1, 2))
    assert (involved[BETA].rank_region, involved[BETA].rank_england) == (None, None)
    assert involved[BETA].council.percent_text == C
    assert (involved[EPSILON].rank_region, involved[EPSILON].rank_england) == (None, None)
    assert involved[EPSILON].council.percent_text == C
    # No council in London publishes it: the region has no percentage rather than 0%.
    assert involved[EPSILON].region == Figure(0, 0, None, councils=0)
    assert involved[EPSILON].region.percent_text == "–"


def test_headline_counts_and_conversion_rate(four):
    comparison = imported(GAMMA)
    concerns, s42, other = comparison.counts
    # Gamma's counts are [c], left out of the North West's 150 concerns (Alpha 100, Beta 50).
    assert (concerns.council, concerns.region, concerns.england) == (None, 150, 350)
    assert (s42.council, s42.region, s42.england) == (None, 50, 150)
    # Beta's other enquiries are [c] too: the North West's are Alpha's 5.
    assert (other.council, other.region, other.england) == (None, 5, 15)
    # The publication's conversion rate, all enquiries over concerns: Alpha 45 of 100, Beta 10 of
    # 50 (its other enquiries [c]), Epsilon 110 of 200.
    conversion = row(comparison, "sac_conversion_rate")
    assert conversion.council.percent_text == C and conversion.rank_england is None
    assert conversion.region == Figure(55, 150, 36.7, councils=2)
    assert conversion.england == Figure(165, 350, 47.1, councils=3)
    alpha = row(imported(ALPHA), "sac_conversion_rate")
    # A conversion rate is neither better high nor low: not ranked.
    assert (alpha.council.percent, alpha.rank_region, alpha.rank_england) == (45.0, None, None)
    # Section 42 alone: Alpha 40 of 100, Beta 10 of 50, Epsilon 100 of 200.
    s42_rate = row(comparison, "sac_conversion_rate_s42")
    assert s42_rate.council.percent_text == C and s42_rate.rank_england is None
    assert s42_rate.region == Figure(50, 150, 33.3, councils=2)
    assert s42_rate.england == Figure(150, 350, 42.9, councils=3)
    alpha = row(imported(ALPHA), "sac_conversion_rate_s42")
    assert (alpha.council.percent, alpha.rank_region, alpha.rank_england) == (40.0, None, None)
    assert (comparison.councils_in_region, comparison.councils_in_england) == (3, 4)


def test_sac_table_shares(four):
    def risk_table(council: Council):
        table = next(t for t in imported(council).shares if t.table_id == "SG2c")
        return {s.label: s for s in table.rows}

    alpha = risk_table(ALPHA)
    action, no_risk = (
        alpha["Risk identified and action taken"],
        alpha["No risk identified and no action taken"],
    )
    # Every one of Alpha's rows is published: 30 and 10 of 80.
    assert (action.council_percent, no_risk.council_percent) == (37.5, 12.5)
    # Beta's "action taken" and the rest but "no risk" are [c]: the North West has 30 (Alpha's) and
    # 30 with no risk (10 + 20), of 100 (Alpha's 80 and Beta's 20).
    assert (action.region, action.region_percent, no_risk.region, no_risk.region_percent) == (
        30,
        30.0,
        30,
        30.0,
    )
    beta = risk_table(BETA)
    assert beta["Risk identified and action taken"].council_percent == C
    # Its total includes a suppressed count, so its other shares are suppressed too (not 100%).
    assert beta["No risk identified and no action taken"].council_percent == C
    # Every count [c] (as a count of 0 is): the council's shares are [c], and London, where nothing
    # is published, has no percentage rather than 0%.
    epsilon = risk_table(EPSILON)["No risk identified and no action taken"]
    assert (epsilon.council, epsilon.council_percent) == (None, C)
    assert (epsilon.region, epsilon.region_percent) == (0, None)


def test_the_number_of_queries_does_not_grow_with_councils(db):
    files = four_councils()
    load(files)
    with CaptureQueriesContext(connection) as few:
        imported(ALPHA)
    more = [
        benchmark_file(
            f"E0700000{i}",
            f"Extra {i}",
            NORTH_WEST if i % 2 else LONDON,
            measures={"involved": (5, 10, 50.0)},
        )
        for i in range(1, 9)
    ]
    load(more)
    with CaptureQueriesContext(connection) as many:
        comparison = imported(ALPHA)
    assert len(many.captured_queries) == len(few.captured_queries) <= 10
    assert comparison.councils_in_england == 12


# --- The same comparison inside one database ---------------------------------------------------------------


@pytest.fixture
def today():
    with time_machine.travel(datetime(2026, 4, 15, 12, tzinfo=LONDON_TZ)):
        yield


def test_this_database_gives_what_its_councils_files_would_give(data, today):
    """Riverside and Hillside (tests/measures_fixtures.py) compared directly, and through their
    exported files imported: every figure, rank and share is the same."""
    riverside, hillside = data.council, data.other_council
    live = LiveFigures(FY, live_councils())
    files = [build_benchmark(FY, council) for council in (riverside, hillside)]
    import_files(
        [Upload(f"{f['council']['ons_code']}.json", to_json(f).encode()) for f in files], imported_by_name="t"
    )
    for council in live.councils():
        direct = compare(live, DATABASE, council)
        through_files = compare(ImportedFigures(FY), IMPORTED, council)
        assert direct.measures == through_files.measures, council
        assert direct.counts == through_files.counts
        assert direct.shares == through_files.shares
    comparison = compare(live, DATABASE, Council("E06000901", "Riverside Council", NORTH_WEST))
    asked = row(comparison, "asked_about_outcomes")
    # Riverside 5 of 7 (published 5 of 5, 71.4% from the unrounded counts); Hillside 1 of 1 ([c]).
    assert asked.council == Figure(5, 5, 71.4)
    assert asked.region == Figure(5, 5, 100.0, councils=1)
    assert (asked.rank_region, asked.rank_england) == (Rank(1, 1), Rank(1, 1))
    assert comparison.source_label == "Councils in this database"


def test_this_database_leaves_out_councils_without_a_code_or_region(data, today):
    Organisation.objects.create(name="Nowhere Council", kind="council", ons_code="E06000999", region="")
    Organisation.objects.create(name="Codeless Council", kind="council", region="North West")
    assert {c.ons_code for c in live_councils()} == {"E06000901", "E06000902"}


@pytest.mark.parametrize("source", ["imported", "live files"])
def test_where_lower_is_better_rank_1_is_the_lowest_percentage(db, source):
    """Repeat concerns and outcomes not achieved: fewer is better, so rank 1 is the lowest (issue 12:
    "Rank 1 is the highest percentage" read as best where higher was worse)."""
    files = [
        benchmark_file(
            council.ons_code,
            council.name,
            NORTH_WEST,
            measures={"repeat_concerns_12m": (num, 100, float(num)), "not_achieved": (num, 50, 2.0 * num)},
        )
        for council, num in ((ALPHA, 30), (BETA, 10), (GAMMA, 20))
    ]
    load(files)
    if source == "imported":
        figures = ImportedFigures(FY)
    else:
        from msphub.benchmarks.files import validate

        figures = LiveFigures.__new__(LiveFigures)
        figures.year = FY
        figures.files = [validate(f["council"]["ons_code"], f) for f in files]
        figures.by_code = {p.ons_code: p for p in figures.files}
    ranks = {c: figures.ranks(c.ons_code) for c in (ALPHA, BETA, GAMMA)}
    for measure_id in ("repeat_concerns_12m", "not_achieved"):
        assert [ranks[c][measure_id][1] for c in (BETA, GAMMA, ALPHA)] == [Rank(1, 3), Rank(2, 3), Rank(3, 3)]
    row_ = row(imported(BETA), "repeat_concerns_12m")
    assert row_.better == "Lower is better" and row_.rank_england == Rank(1, 3)
    assert row(imported(BETA), "sac_conversion_rate").better == "Not ranked"
