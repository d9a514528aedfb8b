"""The benchmark file: one council's SAC return and MSP measures for a year, disclosure-controlled.

``build_benchmark`` writes it (the ``benchmark_export`` command, the lead's download and the "this
database" comparison); ``parse`` reads one back and refuses it, with every problem found, unless it is
exactly what ``build_benchmark`` would write. The format is described in docs/benchmarks.md.

Whatever the bytes, ``parse`` ends in a ``Parsed`` or in ``ImportRefused``: the file's size, nesting,
numbers and texts are bounded first (msphub/core/imports.py), so no file reaches the parser or the
database in a shape that would fail there.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from msphub.core.imports import (
    MAX_COUNT,
    MAX_FIELD_CHARS,
    MAX_JSON_DEPTH,
    ImportRefused,
    check_size,
    json_depth,
    nul_line,
    shown,
)
from msphub.core.periods import FinancialYear
from msphub.measures.measures import MEASURES, Filters, measure_totals
from msphub.measures.outcomes import (
    ADVOCACY_MINIMUM,
    ADVOCACY_P90_MINIMUM,
    CATEGORIES,
    LEVELS,
    advocacy_days,
    outcomes_by_category,
)
from msphub.measures.sac import ORDERS, TABLE_TITLES, build_return, grid

from .disclosure import SUPPRESSED, is_published_count, publish_count, publish_percent, stored

if TYPE_CHECKING:
    from msphub.accounts.models import Organisation

FORMAT = "msphub-benchmark"
# Version 2 (issue 12): counts of 0 are suppressed as the national publication suppresses them, and
# the headline carries the publication's conversion rate beside the section 42 one. Version 3 (issue
# 14) adds what people wanted and got (``NEW_IN_3``). A hub reads both (``VERSIONS``); one older
# than version 3 refuses a version 3 file by its version, in words, not by its unknown fields.
VERSION = 3
VERSIONS = (2, 3)
DISCLOSURE_NOTE = (
    "Counts from 0 to 4 are shown as [c]; other counts are rounded to the nearest 5. Percentages are "
    "computed from the unrounded counts and shown as [c] when their numerator or denominator is 0 to 4. "
    f"The median days from advocacy referral to start is shown only from {ADVOCACY_MINIMUM} referrals "
    f"started, and the 90th percentile only from {ADVOCACY_P90_MINIMUM} (else [c])."
)
ONS_CODE = re.compile(r"[EWSN][0-9]{8}")  # fullmatch: "$" would let a newline after it through

# The SAC headline measures, from SG1f. The national publication's "Conversion Rate" is all enquiries
# (section 42 and other) over concerns (NHSDigital/ASC-Safeguarding-Adults, add_additional_measures);
# the section 42-only rate is beside it, labelled as such.
SG1F_CONCERNS, SG1F_S42, SG1F_OTHER = ORDERS["SG1f"][0]
SG1F_TOTAL = ORDERS["SG1f"][1][0]
HEADLINE = {
    "sac_conversion_rate": (
        "Conversion rate (section 42 and other enquiries started / concerns received, SAC)",
        "concerns received (SG1f)",
    ),
    "sac_conversion_rate_s42": (
        "Conversion rate, section 42 only (section 42 enquiries started / concerns received, SAC)",
        "concerns received (SG1f)",
    ),
}
# Every measure a file carries: id -> (label, base), in the order pages show them.
MEASURE_INFO = {**HEADLINE, **{m.id: (m.label, m.base_note) for m in MEASURES}}

MAX_PROBLEMS = 25
TOP_LEVEL = ["format", "version", "year", "council", "generated_at", "disclosure_control", "headline"]
TOP_LEVEL += ["measures", "sac", "outcomes_by_category", "advocacy_days"]
# What people wanted and got (issue 14): in version 3 files only. A version 2 file (written before
# it) has neither and is still read; a version 3 file may leave either out (each is checked in full
# when given), though ``build_benchmark`` always writes both.
NEW_IN_3 = ("outcomes_by_category", "advocacy_days")
OPTIONAL = ("disclosure_control", *NEW_IN_3)
# The counts of a category's row of ``outcomes_by_category``; stored as cells of this table id.
OUTCOME_COUNTS = ["expressed", *LEVELS]
OUTCOMES_TABLE = "outcomes"
ADVOCACY_KEYS = ["median", "p90", "n"]
# A median or 90th percentile wait of more than ten years is not a real figure.
MAX_ADVOCACY_DAYS = 3650
COUNCIL_KEYS = ["ons_code", "name", "region"]
MEASURE_KEYS = ["id", "label", "numerator", "denominator", "percent"]
CELL_KEYS = ["row", "column", "count"]
# A whole number in the file has at most 20 digits: a count is at most MAX_COUNT, and a longer one
# would otherwise meet Python's limit on converting text to a number (4,300 digits) in its own words.
MAX_NUMBER_DIGITS = 20
# generated_at is from these years: outside them it is not a real file (and 9999-12-31 at UTC-5 is
# past the last moment a database can hold).
GENERATED_YEARS = range(2000, 2100)


# --- Writing ----------------------------------------------------------------------------------------


def _measure(measure_id: str, label: str, numerator: int, denominator: int) -> dict[str, Any]:
    return {
        "id": measure_id,
        "label": label,
        "numerator": publish_count(numerator),
        "denominator": publish_count(denominator),
        "percent": publish_percent(numerator, denominator),
    }


def publish_advocacy_days(figures: dict[str, Any]) -> dict[str, Any]:
    """``advocacy_days`` under disclosure control: ``n`` as any count; the median only when at least
    ``ADVOCACY_MINIMUM`` referrals started, and the 90th percentile only when at least
    ``ADVOCACY_P90_MINIMUM`` did (else "[c]", as with none). From fewer, one person's wait could be
    read off them: the 90th percentile of 5 to 9 waits is the nearest rank, the single longest."""
    n = figures["n"]
    return {
        "median": figures["median"] if n >= ADVOCACY_MINIMUM else SUPPRESSED,
        "p90": figures["p90"] if n >= ADVOCACY_P90_MINIMUM else SUPPRESSED,
        "n": publish_count(n),
    }


def build_benchmark(
    year: FinancialYear, council: Organisation, generated_at: datetime | None = None
) -> dict[str, Any]:
    """The benchmark file's content for ``council`` and the financial ``year`` (ValueError for a
    council that cannot have one)."""
    if not council.is_council or not council.ons_code:
        raise ValueError(f"{council} is not a council with an ONS code")
    if not council.region:
        raise ValueError(f"{council} has no region: set it in the configuration before exporting")
    sac = build_return(year, council)
    tables: dict[str, list[dict[str, Any]]] = {}
    for table_id in TABLE_TITLES:
        known_rows = ORDERS[table_id][0]
        rows, columns, values = grid(table_id, sac["tables"][table_id])
        # grid() appends rows under labels outside the national lists (the SAC page warns about
        # them); a benchmark file carries the national grid only, so every hub can read it.
        tables[table_id] = [
            {"row": row, "column": column, "count": publish_count(count)}
            for row, counts in zip(rows, values, strict=True)
            if row in known_rows
            for column, count in zip(columns, counts, strict=True)
        ]
    sg1f = {cell["row"]: cell["count"] for cell in sac["tables"]["SG1f"]}
    concerns, s42 = sg1f.get(SG1F_CONCERNS, 0), sg1f.get(SG1F_S42, 0)
    all_enquiries = s42 + sg1f.get(SG1F_OTHER, 0)
    headline = [
        _measure("sac_conversion_rate", HEADLINE["sac_conversion_rate"][0], all_enquiries, concerns),
        _measure("sac_conversion_rate_s42", HEADLINE["sac_conversion_rate_s42"][0], s42, concerns),
    ]
    filters = Filters(year, council)
    measures = [
        _measure(row["id"], row["label"], row["numerator"], row["denominator"])
        for row in measure_totals(filters)
    ]
    outcomes = [
        {"category": row["category"], **{key: publish_count(row[key]) for key in OUTCOME_COUNTS}}
        for row in outcomes_by_category(filters)
        if row["category"] in CATEGORIES  # the national list only, as the SAC tables
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "year": year.label,
        "council": {"ons_code": council.ons_code, "name": council.name, "region": council.region},
        "generated_at": (generated_at or timezone.now())
        .astimezone(timezone.get_current_timezone())
        .isoformat(timespec="seconds"),
        "disclosure_control": DISCLOSURE_NOTE,
        "headline": headline,
        "measures": measures,
        "sac": tables,
        "outcomes_by_category": outcomes,
        "advocacy_days": publish_advocacy_days(advocacy_days(filters)),
    }


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# --- Reading ----------------------------------------------------------------------------------------


@dataclass
class Parsed:
    """A benchmark file that passed every check; counts as stored (None for "[c]")."""

    file_name: str
    sha256: str
    version: int
    year: str
    ons_code: str
    council_name: str
    region: str
    generated_at: datetime
    # (measure id, numerator, denominator, percent): None for each one published as "[c]".
    measures: list[tuple[str, int | None, int | None, float | None]] = field(default_factory=list)
    # (table id, row, column, count); outcomes_by_category too, as the cells of ``OUTCOMES_TABLE``
    # (row the category, column "expressed", "fully", "partially" or "not"), none for a file written
    # before it was added.
    cells: list[tuple[str, str, str, int | None]] = field(default_factory=list)
    # advocacy_days as (median, p90, n), None for each "[c]"; None for a file without it.
    advocacy_days: tuple[float | None, float | None, int | None] | None = None

    def published_advocacy_days(self) -> dict[str, Any] | None:
        """``advocacy_days`` as the file published it (each "[c]" again), as a hub keeps it."""
        if self.advocacy_days is None:
            return None
        return {
            key: SUPPRESSED if v is None else v
            for key, v in zip(ADVOCACY_KEYS, self.advocacy_days, strict=True)
        }


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        # json.loads would quietly keep the last one: a file saying "council" twice is ambiguous.
        raise ValueError(f"the key {twice[0]!r} appears twice in one object")
    return dict(pairs)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def _whole_number(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise ValueError(f"the number {shown(text)[1:-1]} has more than {MAX_NUMBER_DIGITS} digits")
    return int(text)


def load(file_name: str, content: bytes) -> Any:
    """The file's JSON, or ImportRefused saying where it is broken."""
    check_size(content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused([f"not UTF-8 text (byte {exc.start})"]) from exc
    if (line := nul_line(text)) is not None:
        raise ImportRefused([f"not valid JSON: a NUL character (a zero byte) at line {line}"])
    if json_depth(text) > MAX_JSON_DEPTH:
        raise ImportRefused([f"not valid JSON: lists and objects nested more than {MAX_JSON_DEPTH} deep"])
    try:
        return json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant, parse_int=_whole_number
        )
    except json.JSONDecodeError as exc:
        raise ImportRefused([f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"]) from exc
    except ValueError as exc:
        raise ImportRefused([f"not valid JSON: {exc}"]) from exc
    except RecursionError as exc:  # json_depth counted first, so only if it and the parser disagree
        raise ImportRefused(
            [f"not valid JSON: lists and objects nested more than {MAX_JSON_DEPTH} deep"]
        ) from exc


def parse(file_name: str, content: bytes) -> Parsed:
    """Read and check a benchmark file; ImportRefused lists every problem (up to MAX_PROBLEMS)."""
    data = load(file_name, content)
    return validate(file_name, data, hashlib.sha256(content).hexdigest())


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, problem: str) -> None:
        self.problems.append(problem)

    def keys(self, where: str, value: Any, expected: list[str], optional: tuple[str, ...] = ()) -> bool:
        """The object's keys are exactly ``expected`` (plus any of ``optional``)."""
        if not isinstance(value, dict):
            self.add(f"{where}: expected an object, found {_kind(value)}")
            return False
        missing = [k for k in expected if k not in value and k not in optional]
        unknown = [k for k in value if k not in expected]
        for key in missing:
            self.add(f"{where}: {key!r} is missing")
        for key in unknown:
            self.add(f"{where}: unknown field {shown(key)}")
        return not missing and not unknown

    def text(self, where: str, value: Any, max_length: int) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.add(f"{where}: expected some text, found {_kind(value)}")
            return None
        if len(value) > max_length:
            self.add(f"{where}: longer than {max_length:,} characters")
            return None
        if "\x00" in value:
            self.add(f"{where}: contains a NUL character (a zero byte), which text never has")
            return None
        return value.strip()

    def count(self, where: str, value: Any) -> int | None:
        if not is_published_count(value):
            self.add(
                f"{where}: {_json(value)} is not {SUPPRESSED!r} or a whole number rounded to 5 "
                "(was disclosure control applied?)"
            )
            return None
        if value != SUPPRESSED and value > MAX_COUNT:
            self.add(f"{where}: {value} is larger than {MAX_COUNT:,}, more than any council counts in a year")
            return None
        return stored(value)


def _json(value: Any) -> str:
    """The value as the file writes it, shortened as ``shown`` does."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else f"{text[:20]}…{text[-20:]}"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {shown(value)}" if value else "empty text"
    return "a list" if isinstance(value, list) else "an object"


def validate(file_name: str, data: Any, sha256: str = "") -> Parsed:
    check = _Checker()
    if not check.keys("the file", data, TOP_LEVEL, optional=OPTIONAL):
        if not isinstance(data, dict):
            raise ImportRefused(check.problems)
    if data.get("format") != FORMAT:
        # Another kind of JSON altogether (a SAC return, say): the rest would only add noise.
        raise ImportRefused([f"format: expected {FORMAT!r}, found {_kind(data.get('format'))}"])
    version = data.get("version")
    if version not in VERSIONS or isinstance(version, bool):
        readable = " and ".join(str(v) for v in VERSIONS)
        raise ImportRefused([f"version: this hub reads version {readable} files, not {_kind(version)}"])
    if version < 3:
        for key in NEW_IN_3:
            if key in data:
                check.add(f"{key}: new in version 3; a version {version} file does not carry it")

    year = data.get("year")
    try:
        if FinancialYear.parse(year).label != year:  # exactly as written, no spaces around it
            raise ValueError(year)
    except ValueError:
        check.add(f"year: expected a financial year like 2025-26, found {_kind(year)}")
        year = None

    council = data.get("council")
    ons_code = name = region = None
    if check.keys("council", council, COUNCIL_KEYS):
        ons_code = council["ons_code"]
        if not isinstance(ons_code, str) or not ONS_CODE.fullmatch(ons_code):
            check.add(f"council.ons_code: expected an ONS code like E06000901, found {_kind(ons_code)}")
            ons_code = None
        name = check.text("council.name", council["name"], 200)
        region = check.text("council.region", council["region"], 100)

    generated = data.get("generated_at")
    try:
        generated_at = parse_datetime(generated) if isinstance(generated, str) else None
    except ValueError:  # well formed but not a moment: a 13th month, an offset of 99 hours
        generated_at = None
    if generated_at is None or timezone.is_naive(generated_at):
        check.add(f"generated_at: expected a date and time with its offset, found {_kind(generated)}")
        generated_at = None
    elif generated_at.year not in GENERATED_YEARS:
        check.add(
            f"generated_at: expected a moment from {GENERATED_YEARS.start} to {GENERATED_YEARS.stop - 1}, "
            f"found {_kind(generated)}"
        )
        generated_at = None
    if "disclosure_control" in data:
        note = data["disclosure_control"]
        if not isinstance(note, str):
            check.add("disclosure_control: expected text")
        elif len(note) > MAX_FIELD_CHARS:
            check.add(f"disclosure_control: longer than {MAX_FIELD_CHARS:,} characters")

    measures = _measures(check, "headline", data.get("headline"), list(HEADLINE))
    measures += _measures(check, "measures", data.get("measures"), [m.id for m in MEASURES])
    cells = _tables(check, data.get("sac"))
    _check_headline(check, measures, cells)
    if "outcomes_by_category" in data:
        cells += _outcomes(check, data["outcomes_by_category"])
    advocacy = _advocacy_days(check, data["advocacy_days"]) if "advocacy_days" in data else None

    if check.problems:
        shown = check.problems[:MAX_PROBLEMS]
        if len(check.problems) > MAX_PROBLEMS:
            shown.append(f"and {len(check.problems) - MAX_PROBLEMS} more problems")
        raise ImportRefused(shown)
    # Every check passed, so every field was found.
    assert year and ons_code and name and region and generated_at
    return Parsed(
        file_name=file_name,
        sha256=sha256,
        version=version,
        year=year,
        ons_code=ons_code,
        council_name=name,
        region=region,
        generated_at=generated_at,
        measures=measures,
        cells=cells,
        advocacy_days=advocacy,
    )


def _measures(check: _Checker, where: str, value: Any, ids: list[str]) -> list:
    if not isinstance(value, list):
        check.add(f"{where}: expected a list, found {_kind(value)}")
        return []
    found: list[tuple[str, int | None, int | None, float | None]] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        if not check.keys(at, item, MEASURE_KEYS):
            continue
        measure_id = item["id"]
        if measure_id not in ids:
            check.add(f"{at}.id: unknown measure {_kind(measure_id)}")
            continue
        at = f"{where}[{i}] ({measure_id})"
        if measure_id in seen:
            check.add(f"{at}: the measure appears twice")
            continue
        seen.add(measure_id)
        check.text(f"{at}.label", item["label"], 300)
        numerator = check.count(f"{at}.numerator", item["numerator"])
        denominator = check.count(f"{at}.denominator", item["denominator"])
        percent = item["percent"]
        stored_percent = None
        if SUPPRESSED in (item["numerator"], item["denominator"]):
            if percent != SUPPRESSED:
                check.add(
                    f"{at}.percent: expected {SUPPRESSED!r} as a count is suppressed, found {_kind(percent)}"
                )
        elif isinstance(percent, bool) or not isinstance(percent, (int, float)) or not 0 <= percent <= 100:
            check.add(f"{at}.percent: expected a number from 0 to 100, found {_kind(percent)}")
        else:
            stored_percent = float(percent)
        found.append((measure_id, numerator, denominator, stored_percent))
    for measure_id in ids:
        if measure_id not in seen:
            check.add(f"{where}: the measure {measure_id!r} is missing")
    return found


def _tables(check: _Checker, value: Any) -> list[tuple[str, str, str, int | None]]:
    if not isinstance(value, dict):
        check.add(f"sac: expected an object of tables, found {_kind(value)}")
        return []
    cells: list[tuple[str, str, str, int | None]] = []
    for table_id in value:
        if table_id not in ORDERS:
            check.add(f"sac: unknown table {shown(table_id)}")
    for table_id in TABLE_TITLES:
        if table_id not in value:
            check.add(f"sac: the table {table_id} is missing")
            continue
        rows, columns = ORDERS[table_id]
        table = value[table_id]
        if not isinstance(table, list):
            check.add(f"sac.{table_id}: expected a list of cells, found {_kind(table)}")
            continue
        seen: set[tuple[str, str]] = set()
        for i, cell in enumerate(table):
            at = f"sac.{table_id}[{i}]"
            if not check.keys(at, cell, CELL_KEYS):
                continue
            row, column = cell["row"], cell["column"]
            good = True
            if row not in rows:
                check.add(f"{at}.row: unknown row label {_kind(row)} for {table_id}")
                good = False
            if column not in columns:
                check.add(f"{at}.column: unknown column label {_kind(column)} for {table_id}")
                good = False
            count = check.count(f"{at}.count", cell["count"])
            if not good:
                continue
            if (row, column) in seen:
                check.add(f"{at}: the cell {row!r} x {column!r} appears twice")
                continue
            seen.add((row, column))
            cells.append((table_id, row, column, count))
        missing = [(r, c) for r in rows for c in columns if (r, c) not in seen]
        if missing:
            row, column = missing[0]
            more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
            check.add(
                f"sac.{table_id}: the cell {row!r} x {column!r}{more} missing (every cell is given, 0 too)"
            )
    return cells


def _outcomes(check: _Checker, value: Any) -> list[tuple[str, str, str, int | None]]:
    """``outcomes_by_category``: every category of the national list once, in any order, each with
    every count published; as cells of ``OUTCOMES_TABLE``."""
    if not isinstance(value, list):
        check.add(f"outcomes_by_category: expected a list, found {_kind(value)}")
        return []
    found: list[tuple[str, str, str, int | None]] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        at = f"outcomes_by_category[{i}]"
        if not check.keys(at, item, ["category", *OUTCOME_COUNTS]):
            continue
        category = item["category"]
        if category not in CATEGORIES:
            check.add(f"{at}.category: unknown category {_kind(category)}")
            continue
        if category in seen:
            check.add(f"{at}: the category {category!r} appears twice")
            continue
        seen.add(category)
        counts = [(key, check.count(f"{at}.{key}", item[key])) for key in OUTCOME_COUNTS]
        found += [(OUTCOMES_TABLE, category, key, count) for key, count in counts]
    missing = [c for c in CATEGORIES if c not in seen]
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        check.add(f"outcomes_by_category: the category {missing[0]!r}{more} missing (every one is given)")
    return found


def _advocacy_days(check: _Checker, value: Any) -> tuple[float | None, float | None, int | None] | None:
    """``advocacy_days``: ``n`` a published count; the median a number of days unless ``n`` is "[c]"
    (fewer than ``ADVOCACY_MINIMUM`` started), and "[c]" when it is. The 90th percentile is "[c]"
    below ``ADVOCACY_P90_MINIMUM`` referrals: the file gives ``n`` rounded, so "[c]" when it says 5
    (5 to 7 started), a number from 15 (13 or more), and either when it says 10 (8 to 12). The
    median is no more than the 90th percentile."""
    if not check.keys("advocacy_days", value, ADVOCACY_KEYS):
        return None
    n = check.count("advocacy_days.n", value["n"])
    published_n = value["n"]
    # Which of "[c]" and a number each figure may be, from the rounded n (None: either).
    p90_shown: bool | None
    if published_n == SUPPRESSED or n is None:
        median_shown, p90_shown = False, False
    else:
        median_shown = True
        lowest, highest = max(n - 2, ADVOCACY_MINIMUM), n + 2  # the counts that round to n
        p90_shown = (
            True if lowest >= ADVOCACY_P90_MINIMUM else False if highest < ADVOCACY_P90_MINIMUM else None
        )
    days: list[float | None] = []
    for key, published in (("median", median_shown), ("p90", p90_shown)):
        figure = value[key]
        if figure == SUPPRESSED and published is not True:
            days.append(None)
        elif published is False:
            why = (
                "as n is suppressed"
                if key == "median" or not median_shown
                else (f"as fewer than {ADVOCACY_P90_MINIMUM} referrals started (n {published_n})")
            )
            check.add(f"advocacy_days.{key}: expected {SUPPRESSED!r} {why}, found {_kind(figure)}")
            days.append(None)
        elif (
            isinstance(figure, bool)
            or not isinstance(figure, (int, float))
            or not 0 <= figure <= MAX_ADVOCACY_DAYS
        ):
            check.add(
                f"advocacy_days.{key}: expected a number of days from 0 to {MAX_ADVOCACY_DAYS}, "
                f"found {_kind(figure)}"
            )
            days.append(None)
        else:
            days.append(float(figure))
    median, p90 = days
    if median is not None and p90 is not None and median > p90:
        check.add(f"advocacy_days: the median ({median}) is more than the 90th percentile ({p90})")
    return median, p90, n


def _check_headline(check: _Checker, measures: list, cells: list) -> None:
    """The headline conversion rates must be the SG1f counts they are made of: both over the concerns
    cell, the section 42 one over the section 42 cell. (The all-enquiries numerator is the rounded
    sum, which the two rounded cells need not add up to exactly.)"""
    sg1f = {row: count for table_id, row, _, count in cells if table_id == "SG1f"}
    for measure_id, numerator, denominator, _ in measures:
        if measure_id not in HEADLINE or len(sg1f) != 3:
            continue
        parts = [("denominator", denominator, SG1F_CONCERNS)]
        if measure_id == "sac_conversion_rate_s42":
            parts.append(("numerator", numerator, SG1F_S42))
        for part, value, row in parts:
            if value != sg1f[row]:
                check.add(
                    f"headline ({measure_id}).{part}: {_shown(value)} differs from the SG1f "
                    f"cell {row!r}, {_shown(sg1f[row])}"
                )


def _shown(value: int | None) -> str:
    return SUPPRESSED if value is None else str(value)
