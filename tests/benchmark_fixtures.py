"""Benchmark files written by hand for the benchmarking tests (tests/test_benchmark_*.py).

``benchmark_file`` gives a valid file (every SAC cell and every measure suppressed, as a count of 0
is published) with the figures given changed, so each test states only the figures it is about.
"""

import json
from pathlib import Path
from typing import Any

from msphub.benchmarks.files import FORMAT, HEADLINE, VERSION
from msphub.core.periods import FinancialYear
from msphub.measures.measures import MEASURES
from msphub.measures.sac import ORDERS, TABLE_TITLES

YEAR = "2025-26"  # as files and forms give it
FY = FinancialYear.parse(YEAR)
C = "[c]"
SG1F_CONCERNS, SG1F_S42, SG1F_OTHER = ORDERS["SG1f"][0]


def benchmark_file(
    ons_code: str,
    name: str,
    region: str,
    year: str = YEAR,
    measures: dict[str, tuple[Any, Any, Any]] | None = None,
    cells: dict[tuple[str, str, str], Any] | None = None,
) -> dict[str, Any]:
    """A valid benchmark file; ``measures``: {id: (numerator, denominator, percent)} as published;
    ``cells``: {(table, row, column): count} as published. The headline follows the SG1f cells
    unless ``measures`` sets it."""
    cells = cells or {}
    measures = dict(measures or {})
    sac = {
        table_id: [
            {"row": row, "column": column, "count": cells.get((table_id, row, column), C)}
            for row in ORDERS[table_id][0]
            for column in ORDERS[table_id][1]
        ]
        for table_id in TABLE_TITLES
    }
    s42 = cells.get(("SG1f", SG1F_S42, "Total"), C)
    other = cells.get(("SG1f", SG1F_OTHER, "Total"), C)
    concerns = cells.get(("SG1f", SG1F_CONCERNS, "Total"), C)
    for measure_id, parts in (("sac_conversion_rate", (s42, other)), ("sac_conversion_rate_s42", (s42,))):
        if measure_id in measures:
            continue
        # Suppressed other enquiries (0 to 4) add nothing the file can show: the numerator is s42's.
        numerator = C if s42 == C else sum(p for p in parts if p != C)
        pct = C if C in (numerator, concerns) else round(100 * numerator / concerns, 1)
        measures[measure_id] = (numerator, concerns, pct)

    def entry(measure_id: str, label: str) -> dict[str, Any]:
        num, den, pct = measures.get(measure_id, (C, C, C))
        return {"id": measure_id, "label": label, "numerator": num, "denominator": den, "percent": pct}

    return {
        "format": FORMAT,
        "version": VERSION,
        "year": year,
        "council": {"ons_code": ons_code, "name": name, "region": region},
        "generated_at": "2026-04-20T09:00:00+01:00",
        "headline": [entry(i, label) for i, (label, _) in HEADLINE.items()],
        "measures": [entry(m.id, m.label) for m in MEASURES],
        "sac": sac,
    }


def write(directory: Path, data: Any, name: str | None = None) -> str:
    """Write ``data`` as JSON (or as it is, for text) and return the path."""
    if name is None:
        name = f"{data['council']['ons_code']}-{data['year']}.json" if isinstance(data, dict) else "file.json"
    path = directory / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
    return str(path)


# Four councils: three in the North West (Gamma's SG1f counts suppressed), one in London.
# asked_about_outcomes: Alpha 80.0 (40 of 50), Beta 80.0 (tie), Gamma 50.0; Epsilon (London) 90.0.
# involved: Alpha 50.0, Beta [c] (numerator suppressed), Gamma 75.0, Epsilon [c] (base suppressed).
NORTH_WEST = "North West"
LONDON = "London"


def four_councils() -> list[dict[str, Any]]:
    def sg1f(concerns: Any, s42: Any, other: Any = C) -> dict:
        return {
            ("SG1f", SG1F_CONCERNS, "Total"): concerns,
            ("SG1f", SG1F_S42, "Total"): s42,
            ("SG1f", SG1F_OTHER, "Total"): other,
        }

    # Alpha's SG2c: every row published (a count of 0 would be [c] and suppress its shares), 80 in
    # all: 30 with risk identified and action taken, 10 with no risk and no action.
    alpha_risk = {
        ("SG2c", row, "Total"): count
        for row, count in zip(ORDERS["SG2c"][0], (30, 5, 5, 5, 5, 10, 20), strict=True)
    }
    return [
        benchmark_file(
            "E08000001", "Alpha Council", NORTH_WEST,
            measures={"asked_about_outcomes": (40, 50, 80.0), "involved": (10, 20, 50.0)},
            cells={**sg1f(100, 40, 5), **alpha_risk},
        ),
        benchmark_file(
            "E08000002", "Beta Council", NORTH_WEST,
            measures={"asked_about_outcomes": (20, 25, 80.0), "involved": (C, 10, C)},
            cells={**sg1f(50, 10), ("SG2c", "Risk identified and action taken", "Total"): C,
                   ("SG2c", "No risk identified and no action taken", "Total"): 20},
        ),
        benchmark_file(
            "E08000003", "Gamma Council", NORTH_WEST,
            measures={"asked_about_outcomes": (10, 20, 50.0), "involved": (15, 20, 75.0)},
            cells=sg1f(C, C),
        ),
        benchmark_file(
            "E09000001", "Epsilon Council", LONDON,
            measures={"asked_about_outcomes": (45, 50, 90.0), "involved": (C, C, C)},
            cells=sg1f(200, 100, 10),
        ),
    ]  # fmt: skip
