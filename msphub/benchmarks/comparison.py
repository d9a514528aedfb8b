"""A council against its region and England, from imported benchmark files or from the councils in
this database (docs/benchmarks.md, "The comparison").

Every figure here is a published (disclosure-controlled) figure, so the comparison can be shown to
anyone who may see benchmarks. Region and England figures are sums of the councils' published counts;
a suppressed count ("[c]") is left out of the sums, and a council counts towards a measure's sums only
when both its numerator and denominator are published. A council's own percentage is the one its file
gives (from unrounded counts). Ranks: 1 is best, the highest percentage where higher is better and
the lowest where lower is better (``BETTER``, from each measure's ``higher_is_better``); councils with
the same percentage share a rank; a council whose percentage is suppressed is not ranked, and nor is a
measure with no better direction (a conversion rate).

Two sources give the same figures through the same five questions (``Figures``):
``ImportedFigures`` asks the database (a fixed number of aggregate queries, whatever the number of
councils), ``LiveFigures`` works them out from benchmark files built on the fly for the councils in
this database (with the same disclosure control), for installations holding several councils.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from msphub.accounts.models import Organisation
from msphub.core import categories
from msphub.core.periods import FinancialYear
from msphub.measures.measures import MEASURES
from msphub.measures.sac import ORDERS, ROW_S42, TOTAL

from .disclosure import SUPPRESSED, percent
from .files import HEADLINE, MEASURE_INFO, Parsed, build_benchmark, validate
from .models import BenchmarkCell, BenchmarkMeasure, BenchmarkSubmission

# Which way is better for each measure a file carries: the measures' own declaration; the headline
# conversion rates have none (more enquiries is neither better nor worse practice).
BETTER: dict[str, bool | None] = {
    **dict.fromkeys(HEADLINE),
    **{m.id: m.higher_is_better for m in MEASURES},
}


def ranked_ids(higher_is_better: bool) -> list[str]:
    return [measure_id for measure_id, better in BETTER.items() if better is higher_is_better]


IMPORTED = "imported"
DATABASE = "database"
SOURCES = [(IMPORTED, "Imported benchmark files"), (DATABASE, "Councils in this database")]

CellKey = tuple[str, str, str]


@dataclass(frozen=True)
class Council:
    ons_code: str
    name: str
    region: str


@dataclass(frozen=True)
class Figure:
    """A measure for a council or an area: counts as published (None for "[c]")."""

    numerator: int | None
    denominator: int | None
    percent: float | None
    councils: int = 1  # councils whose counts make up an area's figure

    @property
    def suppressed(self) -> bool:
        return self.numerator is None or self.denominator is None

    @property
    def percent_text(self) -> str:
        if self.suppressed:
            return SUPPRESSED
        return "–" if self.percent is None else f"{self.percent}%"


@dataclass(frozen=True)
class Rank:
    position: int
    of: int

    def __str__(self) -> str:
        return f"{self.position} of {self.of}"


@dataclass
class MeasureRow:
    id: str
    label: str
    base: str
    council: Figure
    region: Figure
    england: Figure
    rank_region: Rank | None
    rank_england: Rank | None

    @property
    def better(self) -> str:
        """Which way is better, in words, for the page and the CSV."""
        better = BETTER.get(self.id)
        if better is None:
            return "Not ranked"
        return "Higher is better" if better else "Lower is better"


@dataclass
class CountRow:
    label: str
    council: int | None
    region: int
    england: int


@dataclass
class ShareRow:
    label: str
    council: int | None  # the council's published count (None: suppressed)
    council_percent: float | str | None
    region: int
    region_percent: float | None
    england: int
    england_percent: float | None


@dataclass
class ShareTable:
    table_id: str
    title: str
    rows: list[ShareRow]
    totals: tuple[int, int, int] = (0, 0, 0)


@dataclass
class Comparison:
    year: FinancialYear
    source: str
    council: Council
    councils_in_region: int
    councils_in_england: int
    counts: list[CountRow] = field(default_factory=list)
    measures: list[MeasureRow] = field(default_factory=list)
    shares: list[ShareTable] = field(default_factory=list)

    @property
    def source_label(self) -> str:
        return dict(SOURCES)[self.source]


# --- Shares of SAC tables -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareSpec:
    """Shares of ``labels`` along one axis of a table (rows, or columns), each the sum of its cells,
    within one row or column (``within``) or across all of them (None)."""

    table_id: str
    title: str
    axis: str  # "row" or "column"
    labels: list[str]
    within: str | None = None

    def part(self, key: CellKey) -> str | None:
        """Which label a cell counts towards, or None if the share leaves it out."""
        table_id, row, column = key
        if table_id != self.table_id:
            return None
        label, other = (row, column) if self.axis == "row" else (column, row)
        if label not in self.labels or (self.within is not None and other != self.within):
            return None
        return label


SHARES = [
    ShareSpec(
        "SG1a", "People in section 42 enquiries started, by age band", "column", ORDERS["SG1a"][1], ROW_S42
    ),
    ShareSpec(
        "SG1b", "People in section 42 enquiries started, by gender", "column", ORDERS["SG1b"][1], ROW_S42
    ),
    ShareSpec(
        "SG1c", "People in section 42 enquiries started, by ethnicity", "column", ORDERS["SG1c"][1], ROW_S42
    ),
    ShareSpec(
        "SG1d",
        "People in section 42 enquiries started, by primary support reason",
        "column",
        ORDERS["SG1d"][1],
        ROW_S42,
    ),
    ShareSpec("SG2a", "Concluded section 42 enquiries: type of risk", "row", ORDERS["SG2a"][0]),
    ShareSpec("SG2b", "Concluded section 42 enquiries: location of risk", "row", ORDERS["SG2b"][0]),
    ShareSpec("SG2b", "Concluded section 42 enquiries: source of risk", "column", ORDERS["SG2b"][1]),
    ShareSpec(
        "SG2c", "Concluded section 42 enquiries: risk assessment outcome", "row", ORDERS["SG2c"][0], TOTAL
    ),
    ShareSpec("SG2e", "Risk outcome (risk identified and action taken)", "row", ORDERS["SG2e"][0], TOTAL),
    ShareSpec("SG3a", "Concluded section 42 enquiries: mental capacity", "row", ORDERS["SG3a"][0], TOTAL),
    ShareSpec(
        "SG4a",
        "Concluded section 42 enquiries: asked about desired outcomes",
        "row",
        categories.labels(categories.MSP_ASKED),
        TOTAL,
    ),
    ShareSpec(
        "SG4a",
        "Outcomes achieved (of those who expressed outcomes)",
        "row",
        categories.labels(categories.ACHIEVEMENT),
        TOTAL,
    ),
]
COUNTS = list(
    zip(
        ORDERS["SG1f"][0],
        ["Concerns", "Section 42 enquiries started", "Other enquiries started"],
        strict=True,
    )
)
# SG3a's "supported" column counts a subset of those who lacked capacity: the measures show it.


# --- Where the figures come from -------------------------------------------------------------------


class Figures(Protocol):
    year: FinancialYear

    def councils(self) -> list[Council]: ...

    def measures_of(self, ons_code: str) -> dict[str, Figure]: ...

    def measure_sums(self, region: str | None) -> dict[str, Figure]: ...

    def ranks(self, ons_code: str) -> dict[str, tuple[Rank | None, Rank | None]]: ...

    def cells_of(self, ons_code: str) -> dict[CellKey, int | None]: ...

    def cell_sums(self, region: str | None) -> dict[CellKey, int]: ...


class ImportedFigures:
    """Imported submissions of one year, asked with aggregate queries (a fixed number per page)."""

    def __init__(self, year: FinancialYear, submissions: QuerySet[BenchmarkSubmission] | None = None) -> None:
        self.year = year
        self.submissions = (
            BenchmarkSubmission.objects.filter(year=year.label) if submissions is None else submissions
        )

    def councils(self) -> list[Council]:
        return [
            Council(*row)
            for row in self.submissions.order_by("council_name").values_list(
                "ons_code", "council_name", "region"
            )
        ]

    def _measures(self) -> Any:
        return BenchmarkMeasure.objects.filter(submission__year=self.year.label)

    def measures_of(self, ons_code: str) -> dict[str, Figure]:
        rows = self._measures().filter(submission__ons_code=ons_code)
        return {
            r["measure_id"]: Figure(r["numerator"], r["denominator"], r["percent"])
            for r in rows.values("measure_id", "numerator", "denominator", "percent")
        }

    def measure_sums(self, region: str | None) -> dict[str, Figure]:
        rows = self._measures().filter(numerator__isnull=False, denominator__isnull=False)
        if region is not None:
            rows = rows.filter(submission__region=region)
        sums = rows.values("measure_id").annotate(num=Sum("numerator"), den=Sum("denominator"), n=Count("pk"))
        return {
            r["measure_id"]: Figure(r["num"], r["den"], percent(r["num"], r["den"]), r["n"])
            for r in sums.order_by()
        }

    def ranks(self, ons_code: str) -> dict[str, tuple[Rank | None, Rank | None]]:
        """Rank = 1 + the councils doing better (a higher percentage, or a lower one where lower is
        better), in England and in the region; one query for each direction."""
        found: dict[str, tuple[Rank | None, Rank | None]] = {}
        ranked = self._measures().filter(measure_id=OuterRef("measure_id"), percent__isnull=False)
        same_region = ranked.filter(submission__region=OuterRef("submission__region"))

        def count(qs) -> Coalesce:
            counted = qs.order_by().values("measure_id").annotate(n=Count("pk")).values("n")[:1]
            return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

        for higher, ids in ((True, ranked_ids(True)), (False, ranked_ids(False))):
            better = "percent__gt" if higher else "percent__lt"
            rows = (
                self._measures()
                .filter(submission__ons_code=ons_code, percent__isnull=False, measure_id__in=ids)
                .annotate(
                    above_e=count(ranked.filter(**{better: OuterRef("percent")})),
                    n_e=count(ranked),
                    above_r=count(same_region.filter(**{better: OuterRef("percent")})),
                    n_r=count(same_region),
                )
                .values("measure_id", "above_e", "n_e", "above_r", "n_r")
            )
            found.update(
                {
                    r["measure_id"]: (Rank(r["above_r"] + 1, r["n_r"]), Rank(r["above_e"] + 1, r["n_e"]))
                    for r in rows
                }
            )
        return found

    def cells_of(self, ons_code: str) -> dict[CellKey, int | None]:
        rows = BenchmarkCell.objects.filter(submission__year=self.year.label, submission__ons_code=ons_code)
        return {(t, r, c): n for t, r, c, n in rows.values_list("table_id", "row", "column", "count")}

    def cell_sums(self, region: str | None) -> dict[CellKey, int]:
        rows = BenchmarkCell.objects.filter(submission__year=self.year.label, count__isnull=False)
        if region is not None:
            rows = rows.filter(submission__region=region)
        sums = rows.values("table_id", "row", "column").annotate(total=Sum("count")).order_by()
        return {(r["table_id"], r["row"], r["column"]): r["total"] for r in sums}


class LiveFigures:
    """The same figures from benchmark files built now for councils in this database (each through
    build_benchmark and the importer's checks, so exactly what their files would say)."""

    def __init__(self, year: FinancialYear, councils: list[Organisation]) -> None:
        self.year = year
        self.files: list[Parsed] = [validate(c.ons_code, build_benchmark(year, c)) for c in councils]
        self.by_code = {p.ons_code: p for p in self.files}

    def councils(self) -> list[Council]:
        return sorted(
            (Council(p.ons_code, p.council_name, p.region) for p in self.files), key=lambda c: c.name
        )

    def _in(self, region: str | None) -> list[Parsed]:
        return [p for p in self.files if region is None or p.region == region]

    def measures_of(self, ons_code: str) -> dict[str, Figure]:
        return {m: Figure(num, den, pct) for m, num, den, pct in self.by_code[ons_code].measures}

    def measure_sums(self, region: str | None) -> dict[str, Figure]:
        sums: dict[str, list[int]] = {}
        for p in self._in(region):
            for m, num, den, _ in p.measures:
                if num is not None and den is not None:
                    total = sums.setdefault(m, [0, 0, 0])
                    total[0] += num
                    total[1] += den
                    total[2] += 1
        return {m: Figure(num, den, percent(num, den), n) for m, (num, den, n) in sums.items()}

    def ranks(self, ons_code: str) -> dict[str, tuple[Rank | None, Rank | None]]:
        mine = self.by_code[ons_code]
        region = mine.region
        found: dict[str, tuple[Rank | None, Rank | None]] = {}
        for m, _, _, pct in mine.measures:
            if pct is None or BETTER.get(m) is None:
                continue
            others = [(p.region, o_pct) for p in self.files for o, _, _, o_pct in p.measures if o == m]
            england = [o_pct for _, o_pct in others if o_pct is not None]
            regional = [o_pct for r, o_pct in others if o_pct is not None and r == region]

            def doing_better(values: list[float], pct: float = pct, m: str = m) -> int:
                return sum(1 for x in values if (x > pct if BETTER[m] else x < pct))

            found[m] = (
                Rank(1 + doing_better(regional), len(regional)),
                Rank(1 + doing_better(england), len(england)),
            )
        return found

    def cells_of(self, ons_code: str) -> dict[CellKey, int | None]:
        return {(t, r, c): n for t, r, c, n in self.by_code[ons_code].cells}

    def cell_sums(self, region: str | None) -> dict[CellKey, int]:
        sums: dict[CellKey, int] = defaultdict(int)
        for p in self._in(region):
            for t, r, c, n in p.cells:
                if n is not None:
                    sums[(t, r, c)] += n
        return dict(sums)


def live_councils(scope: Q | None = None) -> list[Organisation]:
    """The councils of this database that can have a benchmark (an ONS code and a region)."""
    councils = (
        Organisation.objects.filter(kind=Organisation.Kind.COUNCIL).exclude(ons_code="").exclude(region="")
    )
    return list(councils.filter(scope) if scope is not None else councils)


# --- Putting it together -------------------------------------------------------------------------------


def _share_table(spec: ShareSpec, mine: dict[CellKey, int | None], region: dict, england: dict) -> ShareTable:
    def parts(cells: dict, keep_suppressed: bool) -> dict[str, int | None]:
        found: dict[str, int | None] = dict.fromkeys(spec.labels, 0)
        for key, n in cells.items():
            label = spec.part(key)
            if label is None:
                continue
            if n is None or found[label] is None:
                # The council's own share is "[c]" if any of its cells is; sums simply leave it out.
                found[label] = None if keep_suppressed else found[label]
            else:
                found[label] += n
        return found

    ours, theirs, all_ = parts(mine, True), parts(region, False), parts(england, False)
    ours_total, region_total, england_total = (sum(n for n in p.values() if n) for p in (ours, theirs, all_))
    totals = (ours_total, region_total, england_total)

    # With any of the council's cells suppressed its true total is unknown, so every share of it is
    # suppressed too (a percentage is suppressed when its denominator is).
    ours_suppressed = any(n is None for n in ours.values())

    def share(n: int | None, total: int) -> float | str | None:
        return SUPPRESSED if n is None or ours_suppressed else percent(n, total)

    rows = [
        ShareRow(
            label,
            ours[label],
            share(ours[label], totals[0]),
            theirs[label] or 0,
            percent(theirs[label] or 0, totals[1]),
            all_[label] or 0,
            percent(all_[label] or 0, totals[2]),
        )
        for label in spec.labels
    ]
    return ShareTable(spec.table_id, spec.title, rows, totals)


def compare(
    figures: Figures, source: str, council: Council, councils: list[Council] | None = None
) -> Comparison:
    """``council`` against its region and England, from ``figures`` (``councils``: all of them, if
    the caller has them already)."""
    mine = figures.measures_of(council.ons_code)
    region_sums, england_sums = figures.measure_sums(council.region), figures.measure_sums(None)
    ranks = figures.ranks(council.ons_code)
    empty = Figure(0, 0, None, 0)
    measures = [
        MeasureRow(
            measure_id,
            label,
            base,
            mine.get(measure_id, Figure(None, None, None)),
            region_sums.get(measure_id, empty),
            england_sums.get(measure_id, empty),
            *ranks.get(measure_id, (None, None)),
        )
        for measure_id, (label, base) in MEASURE_INFO.items()
    ]
    cells = figures.cells_of(council.ons_code)
    region_cells, england_cells = figures.cell_sums(council.region), figures.cell_sums(None)
    counts = [
        CountRow(
            label,
            cells.get(("SG1f", row, TOTAL)),
            region_cells.get(("SG1f", row, TOTAL), 0),
            england_cells.get(("SG1f", row, TOTAL), 0),
        )
        for row, label in COUNTS
    ]
    shares = [_share_table(spec, cells, region_cells, england_cells) for spec in SHARES]
    everyone = figures.councils() if councils is None else councils
    return Comparison(
        year=figures.year,
        source=source,
        council=council,
        councils_in_region=sum(1 for c in everyone if c.region == council.region),
        councils_in_england=len(everyone),
        counts=counts,
        measures=measures,
        shares=shares,
    )
