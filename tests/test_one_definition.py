"""One definition per figure: the same figure, for the same council and period, is the same number on
every page that shows it.

The home page (a Board viewer's), the Board dashboard and its CSV, the SAC return (its page and its
JSON download), the council's benchmark file and the benchmarking comparison's CSV all read their
figures from msphub/measures/measures.py. The world is tests/measures_fixtures.py's Riverside, built
once for this module inside a transaction that is rolled back afterwards; every page is read once, at
one moment, and the tests compare what they said.

"Now" is 23:59 on 31 March 2026, the last minute of 2025-26: "this financial year so far" is then the
whole financial year, so the home page, the dashboard's default period, the SAC return for 2025-26 and
the benchmark file for 2025-26 all cover the same days. N5 was received half an hour earlier and nobody
has spoken to the adult yet: it is not yet a missed first contact, so it is left out of the base of
"spoken to within 24 hours" everywhere (the home page used to count it as a miss).

Outside the council (the benchmark file and the comparison) counts are published with disclosure
control, so there the figure is compared as published: ``publish_count`` of the exact count.
"""

import csv
import html
import io
import json
import re
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from msphub.benchmarks.disclosure import publish_count, publish_percent
from msphub.measures.sac import ORDERS
from tests.conftest import Cast
from tests.measures_fixtures import LONDON, build_data
from tests.test_dashboard_views import table_figures

# The mark makes pytest-django set the test database up; the world itself is built once, below.
pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 31, 23, 59, tzinfo=LONDON)
YEAR = "2025-26"
SG1F = dict(zip(("concerns", "s42", "other"), ORDERS["SG1f"][0], strict=True))  # the SAC's row labels
HOME_ROWS = {
    "concerns": "Concerns received",
    "s42": "Section 42 enquiries started",
    "other": "Other safeguarding enquiries started",
    "first_contact": "Adult spoken to within 24 hours",
}


def _get(client: Client, name: str, **query: str) -> str:
    response = client.get(reverse(name), query)
    assert response.status_code == 200, (name, response.status_code)
    return response.content.decode()


def _home(text: str) -> dict[str, str]:
    """The Board viewer's home page: each figure's text, as shown."""
    found = {}
    for key, label in HOME_ROWS.items():
        match = re.search(
            rf'<dt class="govuk-summary-list__key">{re.escape(label)}</dt>'
            r'<dd class="govuk-summary-list__value">([^<]*)</dd>',
            text,
        )
        assert match, f"no {label!r} on the home page"
        found[key] = html.unescape(match.group(1)).strip()
    return found


def _sac_page(text: str) -> dict[str, int]:
    """SG1f as the SAC page shows it."""
    found = {}
    for key, row in SG1F.items():
        match = re.search(
            rf'<th scope="row" class="govuk-table__header">{re.escape(row)}</th><td[^>]*>(\d+)</td>', text
        )
        assert match, f"no SG1f row {row!r} on the SAC page"
        found[key] = int(match.group(1))
    return found


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def shown(module_db, django_db_blocker) -> SimpleNamespace:
    """Every page's figures for Riverside, 2025-26, read at NOW from one world built once."""
    with django_db_blocker.unblock(), time_machine.travel(NOW, tick=False):
        cast = Cast()
        build_data(cast)
        lead, board = cast.lead, cast.board_viewer

        as_board, as_lead = Client(), Client()
        as_board.force_login(board)
        as_lead.force_login(lead)
        pages = SimpleNamespace(
            home=_home(_get(as_board, "home")),
            dashboard=table_figures(_get(as_board, "measures:dashboard", period="this_year")),
            dashboard_csv={
                row["measure"]: row
                for row in _csv(_get(as_board, "measures:dashboard_csv", period="this_year"))
                if not row["breakdown"]
            },
            sac_page=_sac_page(_get(as_board, "measures:sac", year=YEAR)),
            sac_json=json.loads(
                as_lead.get(reverse("measures:sac_download", args=["json"]), {"year": YEAR}).content
            ),
            benchmark_file=json.loads(_get(as_lead, "benchmarks:our_file", year=YEAR)),
            comparison_csv=_csv(_get(as_board, "benchmarks:comparison_csv", year=YEAR, source="database")),
        )
    return pages


def _sac_json(shown: SimpleNamespace) -> dict[str, int]:
    cells = {cell["row"]: cell["count"] for cell in shown.sac_json["tables"]["SG1f"]}
    return {key: cells.get(row, 0) for key, row in SG1F.items()}


def _file_measure(shown: SimpleNamespace, measure_id: str) -> dict[str, Any]:
    file = shown.benchmark_file
    return next(m for m in file["headline"] + file["measures"] if m["id"] == measure_id)


def _comparison(shown: SimpleNamespace, section: str, row_id: str, label: str = "") -> dict[str, str]:
    rows = [
        r
        for r in shown.comparison_csv
        if r["section"] == section and r["id"] == row_id and (not label or r["label"] == label)
    ]
    assert len(rows) == 1, (section, row_id, label, rows)
    assert rows[0]["ons_code"] == "E06000901" and rows[0]["year"] == YEAR
    return rows[0]


def _csv_count(value: str) -> int | str:
    return value if value == "[c]" else int(value)


def test_the_pages_are_for_the_same_council_and_year(shown):
    assert shown.sac_json["year"] == YEAR and shown.sac_json["council"] == "E06000901"
    assert shown.benchmark_file["year"] == YEAR
    assert shown.benchmark_file["council"]["ons_code"] == "E06000901"


def test_concerns_received(shown):
    concerns = int(shown.home["concerns"])
    assert shown.dashboard["conversion_rate"]["denominator"] == concerns, (
        "home and the dashboard's base of the conversion rate"
    )
    assert int(shown.dashboard_csv["conversion_rate"]["denominator"]) == concerns, "dashboard CSV"
    assert shown.sac_page["concerns"] == concerns, "SAC page, SG1f"
    assert _sac_json(shown)["concerns"] == concerns, "SAC download, SG1f"
    published = publish_count(concerns)
    assert _file_measure(shown, "sac_conversion_rate")["denominator"] == published, "benchmark file"
    assert _file_measure(shown, "sac_conversion_rate_s42")["denominator"] == published, "benchmark file"
    assert _file_measure(shown, "conversion_rate")["denominator"] == published, "benchmark file"
    row = _comparison(shown, "SAC headline", "SG1f", "Concerns")
    assert _csv_count(row["council_value"]) == published, "benchmark comparison"
    assert _csv_count(_comparison(shown, "Measure", "conversion_rate")["council_denominator"]) == published


def test_section_42_enquiries_started(shown):
    """Home's "Section 42 enquiries started (x% of concerns)" is SG1f's count and the SAC headline
    section 42 conversion rate built from it; the publication's conversion rate adds other enquiries."""
    match = re.fullmatch(r"(\d+) \(([\d.]+)% of concerns\)", shown.home["s42"])
    assert match, shown.home["s42"]
    s42, conversion = int(match.group(1)), float(match.group(2))
    concerns, other = int(shown.home["concerns"]), int(shown.home["other"])
    assert shown.sac_page["s42"] == s42, "SAC page, SG1f"
    assert _sac_json(shown)["s42"] == s42, "SAC download, SG1f"
    headline = _file_measure(shown, "sac_conversion_rate_s42")
    assert headline["numerator"] == publish_count(s42), "benchmark file headline"
    assert headline["percent"] == publish_percent(s42, concerns) == conversion, "benchmark file headline"
    all_enquiries = _file_measure(shown, "sac_conversion_rate")
    assert all_enquiries["numerator"] == publish_count(s42 + other), "benchmark file headline"
    assert all_enquiries["percent"] == publish_percent(s42 + other, concerns), "benchmark file headline"
    row = _comparison(shown, "SAC headline", "SG1f", "Section 42 enquiries started")
    assert _csv_count(row["council_value"]) == publish_count(s42), "benchmark comparison"
    assert _comparison(shown, "Measure", "sac_conversion_rate_s42")["council_value"] == str(conversion)
    assert _comparison(shown, "Measure", "sac_conversion_rate")["council_value"] == str(
        publish_percent(s42 + other, concerns)
    )


def test_other_enquiries_started(shown):
    other = int(shown.home["other"])
    assert shown.sac_page["other"] == other, "SAC page, SG1f"
    assert _sac_json(shown)["other"] == other, "SAC download, SG1f"
    row = _comparison(shown, "SAC headline", "SG1f", "Other enquiries started")
    assert _csv_count(row["council_value"]) == publish_count(other), "benchmark comparison"


def test_spoken_to_within_24_hours(shown):
    """The dashboard's measure, base and all: N5, still inside its 24 hours, is not yet a miss."""
    match = re.fullmatch(
        r"(\d+) \(([\d.]+)% of (\d+) concerns received, excluding [^)]*\)", shown.home["first_contact"]
    )
    assert match, shown.home["first_contact"]
    home = (int(match.group(1)), int(match.group(3)), float(match.group(2)))
    num, den, pct = shown.dashboard["first_contact_24h"].values()
    assert home == (num, den, pct), "home and the dashboard"
    row = shown.dashboard_csv["first_contact_24h"]
    assert (int(row["numerator"]), int(row["denominator"]), float(row["percent"])) == home, "dashboard CSV"
    published = _file_measure(shown, "first_contact_24h")
    assert (published["numerator"], published["denominator"]) == (publish_count(num), publish_count(den))
    assert published["percent"] == publish_percent(num, den)
    compared = _comparison(shown, "Measure", "first_contact_24h")
    assert _csv_count(compared["council_numerator"]) == publish_count(num), "benchmark comparison"
    assert _csv_count(compared["council_denominator"]) == publish_count(den), "benchmark comparison"


def test_every_dashboard_measure_is_the_benchmark_files(shown):
    """The benchmark file's measures are the dashboard's, published (its CSV agrees too)."""
    for measure_id, figure in shown.dashboard.items():
        num, den = figure["numerator"], figure["denominator"]
        row = shown.dashboard_csv[measure_id]
        assert (int(row["numerator"]), int(row["denominator"])) == (num, den), measure_id
        published = _file_measure(shown, measure_id)
        assert (published["numerator"], published["denominator"]) == (publish_count(num), publish_count(den))
        assert published["percent"] == publish_percent(num, den), measure_id
