"""Medians and 90th percentiles in the database (measures._ordered_values) agree with their definition.

The dashboard's timeliness figures are a median (the mean of the two middle values of an even number)
and a nearest-rank 90th percentile (the value at position ceil(0.9 x n), counting from 1). PostgreSQL
computes them with its percentile aggregates and SQLite by counting and fetching; both must give
exactly the definition's answer for any set of values, which this checks against plain Python on
whichever database the suite runs on.
"""

import math

from django.db import transaction
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msphub.core.models import ReferenceSequence
from msphub.measures.measures import _ordered_values


def definition(values: list[int], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    n = len(ordered)
    if fraction == 0.5 and n % 2 == 0:
        return (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    return float(ordered[max(0, min(n - 1, math.ceil(fraction * n) - 1))])


class _RollBack(Exception):
    pass


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.integers(min_value=0, max_value=10_000), max_size=40))
def test_median_and_90th_percentile_follow_the_definition(db, values):
    try:
        with transaction.atomic():
            ReferenceSequence.objects.bulk_create(
                ReferenceSequence(prefix="T", year=i, last=v) for i, v in enumerate(values)
            )
            got = _ordered_values(ReferenceSequence.objects.all(), F("last"), [0.5, 0.9])
            raise _RollBack(got)
    except _RollBack as done:
        (got,) = done.args
    assert got == [definition(values, 0.5), definition(values, 0.9)]


def test_a_single_value_and_two(db):
    ReferenceSequence.objects.create(prefix="T", year=1, last=7)
    assert _ordered_values(ReferenceSequence.objects.all(), F("last"), [0.5, 0.9]) == [7.0, 7.0]
    ReferenceSequence.objects.create(prefix="T", year=2, last=10)
    assert _ordered_values(ReferenceSequence.objects.all(), F("last"), [0.5, 0.9]) == [8.5, 10.0]
