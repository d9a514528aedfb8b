"""Disclosure control for figures published outside the council, as the national publication does it.

The national Safeguarding Adults publication's own code (NHSDigital/ASC-Safeguarding-Adults,
``apply_rounding_and_suppression``: every count under 5 is set to 0, counts are rounded to the
nearest 5, and anything under 5 is then shown as ``[c]``) suppresses counts from 0 to 4 and rounds the
rest to the nearest 5. Percentages are computed from the unrounded counts and, as
../shared/domain/data.md asks (the publication shows rates only for large totals), suppressed when
their numerator or denominator is suppressed. docs/benchmarks.md states the rule.

Pure functions, so the rules can be tested at their boundaries without a database.
"""

from msphub.measures.measures import percent  # as the measures dashboard shows it

SUPPRESSED = "[c]"

Published = int | str  # a non-negative multiple of 5, or SUPPRESSED


def is_suppressed(count: int) -> bool:
    return 0 <= count <= 4


def publish_count(count: int) -> Published:
    """0-4 -> "[c]"; 5 and over -> the nearest multiple of 5 (7 -> 5, 8 -> 10)."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"A count is a whole number of 0 or more, not {count!r}")
    if is_suppressed(count):
        return SUPPRESSED
    # A whole number is never exactly halfway between multiples of 5, so there is no tie to break.
    return 5 * ((count + 2) // 5)


def publish_percent(numerator: int, denominator: int) -> float | str | None:
    """The percentage of the unrounded counts, "[c]" when either count is 0-4 (a base of 0 too)."""
    if is_suppressed(numerator) or is_suppressed(denominator):
        return SUPPRESSED
    return percent(numerator, denominator)


def is_published_count(value: object) -> bool:
    """True for a count that has been through publish_count: "[c]" or a multiple of 5 from 5 up."""
    if value == SUPPRESSED:
        return True
    return isinstance(value, int) and not isinstance(value, bool) and value >= 5 and value % 5 == 0


def stored(value: Published) -> int | None:
    """A published count as stored: None for "[c]"."""
    return None if value == SUPPRESSED else int(value)


def shown(value: int | None) -> Published:
    """A stored count as published again: "[c]" for None."""
    return SUPPRESSED if value is None else value
