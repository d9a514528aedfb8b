"""Evidence beside a self-rating: a council's published benchmark figure for a measure, shown beside its
answer to a temperature-check question (issue 16 item 7; docs/tempcheck-rounds.md, "Evidence").

The figures are the ones the councils' benchmark files published (msphub/benchmarks: already
disclosure-controlled, counts rounded to 5, "[c]" stored as NULL), so nothing here is a record about
a person. A council is matched by name, case-insensitively and with the spaces at either end ignored
(the temperature check names councils as its respondents' files do; a benchmark file as the council
wrote it).

The year: a round's financial year is that of its first conversation (``starts_on``), or of its last
(``ends_on``) when no first date is known (``round_year``). A council's figure is that year's, or, when
the council has no figure for it, the latest year before it: a year's figures are published after its
31 March, so a conversation held in May usually meets the year before. Each figure carries its own
year, and the page says which.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Q
from django.db.models.functions import Lower, Trim

from msphub.benchmarks.files import MEASURE_INFO
from msphub.benchmarks.models import BenchmarkMeasure
from msphub.core.periods import FinancialYear

if TYPE_CHECKING:
    from .models import Question, Round

__all__ = ["Figure", "declared", "describe", "measured", "round_scope", "round_year"]


class Figure(TypedDict):
    """A council's published figure for one measure and year (None where the file gave "[c]")."""

    percent: float | None
    numerator: int | None
    denominator: int | None
    year: str


def _key(name: str) -> str:
    return name.strip().lower()


def round_year(round_: Round) -> str | None:
    """The round's financial year ("2025-26"): that of its first conversation, else of its last; None
    when the round has neither date."""
    day = round_.starts_on or round_.ends_on
    if day is None:
        return None
    try:
        return FinancialYear.containing(day).label
    except ValueError:  # a date before April 1900 (not one the set-up form takes)
        return None


def round_scope(round_: Round) -> Q:
    """The benchmark submissions a round's figures may come from: its region's councils (every
    council for a national round), as its regional lead sees them (benchmarks.models.council_scope)."""
    return Q(submission__region=round_.region) if round_.region else Q()


def measured(
    councils: Iterable[str], year: str | None, measure_id: str, *, within: Q | None = None
) -> dict[str, Figure]:
    """{council name, as given: figure} for the councils with a published ``measure_id`` in ``year``
    or the latest year before it (any year when ``year`` is None). ``within`` narrows the benchmark
    measures searched (``round_scope``, or a filter on ``submission__`` fields); councils with no
    figure are left out. One query, whatever the number of councils and years."""
    names: dict[str, str] = {}
    for name in councils:
        names.setdefault(_key(name), name)
    if not names:
        return {}
    rows = (
        BenchmarkMeasure.objects.filter(measure_id=measure_id)
        .annotate(council_key=Lower(Trim("submission__council_name")))
        .filter(council_key__in=list(names))
    )
    if year is not None:
        rows = rows.filter(submission__year__lte=year)  # "2024-25" < "2025-26": labels sort as years
    if within is not None:
        rows = rows.filter(within)
    found: dict[str, Figure] = {}
    ordered = rows.order_by("council_key", "-submission__year").values_list(
        "council_key", "submission__year", "percent", "numerator", "denominator"
    )
    for key, year_, percent, numerator, denominator in ordered:
        council = names[key]
        if council not in found:  # the latest year first
            found[council] = Figure(percent=percent, numerator=numerator, denominator=denominator, year=year_)
    return found


def declared(question: Question) -> dict[str, str] | None:
    """The benchmark measure a question is shown beside (``evidence`` in the instrument: a measure
    id, or {measure, label}), with its label; None when the question declares none or an unknown
    measure."""
    evidence: Any = (question.extra or {}).get("evidence")
    if isinstance(evidence, str):
        evidence = {"measure": evidence}
    if not isinstance(evidence, dict) or evidence.get("measure") not in MEASURE_INFO:
        return None
    label, base = MEASURE_INFO[evidence["measure"]]
    return {
        "measure": evidence["measure"],
        "label": str(evidence.get("label") or label),
        "base": base,
    }


def _percent(value: float) -> str:
    """As the file gave it (one decimal place at most): 62% or 61.5%."""
    shown = f"{value:.1f}"
    return f"{shown.removesuffix('.0')}%"


def describe(council: str, figure: Figure | None, measure: dict[str, str], year: str | None) -> str:
    """The sentence beside the question, for example "Asked about desired outcomes: measured in
    2025-26, 62% (310 of 500 concluded enquiries)"."""
    label = measure["label"]
    if figure is None:
        when = f" in {year} or earlier" if year else ""
        return f"{label}: no benchmark figures for {council}{when}."
    numerator, denominator, percent = figure["numerator"], figure["denominator"], figure["percent"]
    if numerator is None or denominator is None:
        year_ = figure["year"]
        return f"{label}: the {year_} figure for {council} is suppressed ([c]: fewer than 5 to count)."
    if percent is None:
        return f"{label}: in {figure['year']} {council} had no {measure['base'] or 'cases'} to count."
    base = f" {measure['base']}" if measure["base"] else ""
    counts = f"{numerator:,} of {denominator:,}{base}"
    return f"{label}: measured in {figure['year']}, {_percent(percent)} ({counts})."
