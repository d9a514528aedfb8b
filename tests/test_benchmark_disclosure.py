"""Disclosure control as the national publication does it (docs/benchmarks.md) at its boundaries."""

import pytest

from msphub.benchmarks.disclosure import (
    SUPPRESSED,
    is_published_count,
    publish_count,
    publish_percent,
    shown,
    stored,
)


@pytest.mark.parametrize(
    ("count", "published"),
    [
        (0, SUPPRESSED),
        (1, SUPPRESSED),
        (2, SUPPRESSED),
        (4, SUPPRESSED),
        (5, 5),
        (6, 5),
        (7, 5),
        (8, 10),
        (9, 10),
        (10, 10),
        (12, 10),
        (13, 15),
        (97, 95),
        (98, 100),
        (640240, 640240),
        (185272, 185270),
    ],
)
def test_counts_are_suppressed_from_0_to_4_and_rounded_to_the_nearest_5(count, published):
    assert publish_count(count) == published


@pytest.mark.parametrize("bad", [-1, 2.0, "5", None, True])
def test_only_whole_counts_of_zero_or_more_can_be_published(bad):
    with pytest.raises(ValueError):
        publish_count(bad)


@pytest.mark.parametrize(
    ("numerator", "denominator", "published"),
    [
        # Numerator or denominator from 0 to 4: suppressed (as the national publication suppresses
        # a count of 0, a percentage of 0 would give it away).
        (0, 0, SUPPRESSED),
        (0, 5, SUPPRESSED),
        (0, 8, SUPPRESSED),
        (1, 5, SUPPRESSED),
        (4, 5, SUPPRESSED),
        (4, 100, SUPPRESSED),
        (1, 1, SUPPRESSED),
        (0, 4, SUPPRESSED),
        (0, 1, SUPPRESSED),
        # From the unrounded counts: 5 of 7 is 71.4%, not 5 of 5 (100%); 7 of 8 is 87.5%, not 50%.
        (5, 5, 100.0),
        (5, 7, 71.4),
        (7, 8, 87.5),
        (8, 13, 61.5),
        (12, 13, 92.3),
        (5, 12, 41.7),
    ],
)
def test_percentages_come_from_unrounded_counts_and_are_suppressed_with_them(
    numerator, denominator, published
):
    assert publish_percent(numerator, denominator) == published


@pytest.mark.parametrize("count", [0, 1, 4, 5, 7, 8, 12, 13])
def test_every_published_count_passes_the_importers_check(count):
    published = publish_count(count)
    assert is_published_count(published)
    assert shown(stored(published)) == published


@pytest.mark.parametrize("value", [0, 1, 4, 7, 8, 12, 13, -5, 5.0, "5", "[C]", None, True, False])
def test_unrounded_or_odd_values_are_not_published_counts(value):
    assert not is_published_count(value)


def test_stored_form_of_a_suppressed_count_is_null():
    assert stored(SUPPRESSED) is None
    assert stored(5) == 5
    assert shown(None) == SUPPRESSED
