"""Financial years and periods (msphub/core/periods.py): one parser, London-time bounds."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from msphub.core.periods import FinancialYear, Period

LONDON = ZoneInfo("Europe/London")
years = st.integers(min_value=1901, max_value=9000)  # with a year either side


@given(years)
def test_a_label_parses_back_to_its_year(first):
    year = FinancialYear(first)
    assert FinancialYear.parse(year.label) == year
    assert str(year) == year.label == f"{first}-{(first + 1) % 100:02d}"
    assert (year.start, year.end) == (date(first, 4, 1), date(first + 1, 3, 31))
    assert year.previous.next == year and year.previous < year < year.next


@pytest.mark.parametrize("label", ["2025-27", "2025/26", "25-26", "2025-2026", "", " ", "year", None, 2025])
def test_anything_else_is_refused_with_what_a_year_looks_like(label):
    with pytest.raises(ValueError, match="A financial year looks like 2025-26"):
        FinancialYear.parse(label)


@given(st.dates(min_value=date(1901, 4, 1), max_value=date(9000, 3, 31)))
def test_every_day_is_in_exactly_the_year_that_contains_it(day):
    year = FinancialYear.containing(day)
    assert year.contains(day)
    assert not year.previous.contains(day) and not year.next.contains(day)


def test_bounds_are_midnight_in_london_whatever_the_clocks():
    year = FinancialYear.parse("2025-26")
    assert year.start_at == datetime(2025, 4, 1, tzinfo=LONDON)  # British Summer Time
    assert year.end_before == datetime(2026, 4, 1, tzinfo=LONDON)
    assert year.lookup("received_at") == {
        "received_at__gte": year.start_at,
        "received_at__lt": year.end_before,
    }
    # 23:30 UTC on 31 March 2026 is already 00:30 on 1 April in London (BST): the next year.
    late = datetime(2026, 3, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert FinancialYear.containing(late) == year.next and not year.contains(late)


@time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=LONDON), tick=False)
def test_the_current_year_so_far_and_the_recent_ones():
    assert FinancialYear.current().label == "2026-27"
    assert FinancialYear.last_complete().label == "2025-26"
    assert FinancialYear.so_far() == Period(date(2026, 4, 1), date(2026, 12, 1))
    assert [y.label for y in FinancialYear.recent(3)] == ["2026-27", "2025-26", "2024-25"]


def test_a_period_counts_whole_days():
    period = Period(date(2026, 1, 1), date(2026, 1, 31))
    assert period.end_before - period.start_at == timedelta(days=31)
    assert period.date_lookup("done_on") == {
        "done_on__gte": date(2026, 1, 1),
        "done_on__lte": date(2026, 1, 31),
    }
