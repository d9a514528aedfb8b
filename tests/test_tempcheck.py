"""The temperature check: import, analysis against the published 2016 figures, reports and refusals.

Reference data: ../shared/reference/tempcheck/ (see its README and ../shared/domain/tempcheck.md).
"""

import contextlib
import csv
import io
import json
import re
import zlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from msphub.tempcheck import instruments
from msphub.tempcheck.analysis import analyse, percent
from msphub.tempcheck.models import Answer, Instrument, Question, Respondent, Round
from tests.conftest import per_test

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "tempcheck"
INSTRUMENT = (
    Path(__file__).resolve().parents[1] / "msphub" / "tempcheck" / "instruments" / "instrument-2016.yaml"
)
RESPONSES = REFERENCE / "national-2016-responses.csv"
PUBLISHED = REFERENCE / "national-2016-published.csv"
BASELINE = REFERENCE / "evaluation-2015-published.csv"
HEADER = "respondent_id,council,region,question_id,item,answer\n"


def _import(
    slug: str,
    responses: Path,
    *extra: str,
    baseline: bool = False,
    instrument: Path = INSTRUMENT,
    stderr: io.StringIO | None = None,
) -> None:
    """tempcheck_import of ``responses`` as round ``slug``, with ``extra`` options ("--named")."""
    args = ["--round", slug, "--title", slug, "--instrument", str(instrument), "--responses", str(responses)]
    if baseline:
        args.append("--baseline")
    call_command("tempcheck_import", *args, *extra, stdout=io.StringIO(), stderr=stderr or io.StringIO())


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    """The national 2016 round and the 2014/15 baseline, imported once for the module's tests."""
    with django_db_blocker.unblock():
        _import("national-2016", RESPONSES)
        _import("evaluation-2015", BASELINE, baseline=True)
        return SimpleNamespace(
            national=Round.objects.get(slug="national-2016"),
            baseline=Round.objects.get(slug="evaluation-2015"),
        )


@pytest.fixture
def national(world_once, db) -> Round:
    return per_test(world_once).national


@pytest.fixture
def with_baseline(world_once, db) -> tuple[Round, Round]:
    world = per_test(world_once)
    return world.national, world.baseline


def _entry(data: dict, qid: str, item: str | None) -> dict:
    return next(e for e in data["questions"][qid] if e["item"] == item)


# 1. The published national 2016 figures -------------------------------------------------------


def test_import_reproduces_every_published_count_base_and_percent(national):
    data = analyse(national)
    mismatches = []
    published = _read_csv(PUBLISHED)
    assert len(published) == 144
    for row in published:
        item = row["item"] or None
        try:
            entry = _entry(data, row["question_id"], item)
        except (KeyError, StopIteration):
            mismatches.append(f"{row['question_id']}/{item}: not in the analysis")
            continue
        got = next((r for r in entry["rows"] if r["category"] == row["category"]), None)
        where = f"table {row['report_table']} {row['question_id']}/{item}/{row['category']}"
        if got is None:
            mismatches.append(f"{where}: category missing")
            continue
        if got["count"] != int(row["count"]):
            mismatches.append(f"{where}: count {got['count']} != {row['count']}")
        if entry["n"] != int(row["base"]):
            mismatches.append(f"{where}: base {entry['n']} != {row['base']}")
        if got["percent"] != int(row["percent_from_counts"]):
            mismatches.append(f"{where}: percent {got['percent']} != {row['percent_from_counts']}")
    assert not mismatches, (
        "every published count, base and percent is reproduced; these differ: " + "; ".join(mismatches)
    )
    # The known slip in the printed report (table 5, "No": printed 15) is not reproduced.
    assert _entry(data, "measuring_difference", None)["rows"][2] == {
        "category": "No",
        "count": 18,
        "percent": 16,
        "councils": [],  # no council in the national round agreed to be named in tables
    }


def test_round_respondents_moderation_and_conditional_base(national):
    data = analyse(national)
    assert data["round_respondents"] == 115, "the round has 115 respondents"
    assert Respondent.objects.filter(round=national).count() == 115
    [mod] = data["moderation"]
    assert (mod["question"], mod["moderates"]) == ("achievement_interviewer", "achievement_self")
    assert (mod["moderated"], mod["lower"]) == (14, 13), (
        f"14 interviewer answers moderated, 13 of them lower: {mod}"
    )
    progress = _entry(data, "recording_progress", None)
    assert progress["n"] == 35
    assert progress["no_response"] == 0  # those not asked are not "no response"
    police = _entry(data, "agency_involvement", "Police")
    assert police["no_response"] == 115 - police["n"]


# 2. Comparison with the 2014/15 baseline -----------------------------------------------------------


def test_baseline_comparison_columns_use_the_baseline_counts(with_baseline):
    national, baseline = with_baseline
    data = analyse(national, [baseline])
    assert data["compared_with"] == ["evaluation-2015"]
    mismatches = []
    by_entry: dict[tuple[str, str | None], dict[str, int]] = {}
    for row in _read_csv(BASELINE):
        by_entry.setdefault((row["question_id"], row["item"] or None), {})[row["category"]] = int(
            row["count"]
        )
    for (qid, item), counts in by_entry.items():
        comparison = _entry(data, qid, item)["comparisons"].get("evaluation-2015")
        if comparison is None:
            mismatches.append(f"{qid}/{item}: no comparison column")
            continue
        if comparison["n"] != 95:
            mismatches.append(f"{qid}/{item}: n {comparison['n']} != 95")
        for r in comparison["rows"]:
            expected = percent(counts[r["category"]], 95)
            if (r["count"], r["percent"]) != (counts[r["category"]], expected):
                mismatches.append(f"{qid}/{item}/{r['category']}: {r} != {expected}%")
    assert not mismatches, (
        "the baseline columns use the baseline counts (n = 95); these differ: " + "; ".join(mismatches)
    )
    # Half up on a real boundary: staff_reaction "Too soon to tell" 22/95 = 23.16 -> 23.
    staff = _entry(data, "staff_reaction", None)["comparisons"]["evaluation-2015"]
    assert [r["percent"] for r in staff["rows"]] == [36, 38, 2, 0, 1, 23]


def test_grid_items_get_improvement_scores_for_both_rounds_and_the_change(with_baseline):
    national, baseline = with_baseline
    data = analyse(national, [baseline])

    def score(rows, n):
        # From the counts, rounded once, half away from zero (docs/tempcheck-report.md): adding four
        # rounded percentages could give an impossible +101.
        c = [r["count"] for r in rows[:4]]
        difference = 100 * (c[0] + c[1] - c[2] - c[3]) / n
        return int(abs(difference) + 0.5) * (1 if difference >= 0 else -1)

    mismatches = []
    baseline_items = {
        row["item"] for row in _read_csv(BASELINE) if row["question_id"] == "agency_involvement"
    }
    for entry in data["questions"]["agency_involvement"]:
        here = score(entry["rows"], entry["n"])
        if entry.get("improvement_score") != here:
            mismatches.append(f"{entry['item']}: score {entry.get('improvement_score')} != {here}")
        comparison = entry["comparisons"].get("evaluation-2015")
        if entry["item"] not in baseline_items:
            continue
        there = score(comparison["rows"], 95)
        if comparison.get("improvement_score") != there or comparison.get("change") != here - there:
            mismatches.append(
                f"{entry['item']}: baseline score {comparison.get('improvement_score')} change "
                f"{comparison.get('change')} != {there}, {here - there}"
            )
    assert not mismatches, (
        "every grid item has its improvement score in both rounds and the change; these differ: "
        + "; ".join(mismatches)
    )
    police = _entry(data, "agency_involvement", "Police")["comparisons"]["evaluation-2015"]
    assert police["improvement_score"] == 7  # (8 + 24 - 20 - 5) / 95 = 7.4%
    # Every grid item has a score, engagement_levels included (no baseline there).
    assert all(e["improvement_score"] is not None for e in data["questions"]["engagement_levels"])


# 3. percent() -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "n", "expected"),
    [(1, 8, 13), (3, 8, 38), (1, 200, 1), (0, 0, None), (18, 115, 16), (0, 5, 0), (5, 5, 100), (1, 3, 33)],
)
def test_percent_is_half_rounded_up(count, n, expected):
    assert percent(count, n) == expected, (
        f"percent({count}, {n}) rounds half up to {expected}, not {percent(count, n)}"
    )


# 4. Reports -------------------------------------------------------------------------------------------


def _closed(round_: Round) -> list[Question]:
    return [q for q in round_.instrument.questions.all() if q.is_closed]


def test_json_report_contract(national, tmp_path):
    out = tmp_path / "report.json"
    call_command("tempcheck_report", "--round", "national-2016", "--output", str(out), stdout=io.StringIO())
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["round_respondents"] == 115 and isinstance(data["round_respondents"], int)
    closed = _closed(national)
    assert list(data["questions"]) == [q.qid for q in closed]
    assert not {"msp_meaning", "user_voice", "blockages"} & set(data["questions"])
    for q in closed:
        entries = data["questions"][q.qid]
        assert [e["item"] for e in entries] == (q.items if q.type == "grid" else [None])
        for e in entries:
            assert {"item", "n", "no_response", "rows"} <= set(e)
            assert isinstance(e["n"], int) and isinstance(e["no_response"], int)
            assert [r["category"] for r in e["rows"]] == q.categories
            for r in e["rows"]:
                assert set(r) == {"category", "count", "percent", "councils"}
                assert r["councils"] == []  # nobody agreed to be named


def test_csv_report(national, tmp_path):
    out = tmp_path / "report.csv"
    call_command(
        "tempcheck_report",
        "--round",
        "national-2016",
        "--format",
        "csv",
        "--output",
        str(out),
        stdout=io.StringIO(),
    )
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    # The first eight columns are kept as they were, in order (the report may add more after them).
    assert rows[0][:8] == ["round", "question_id", "item", "category", "count", "n", "percent", "no_response"]
    expected = sum(len(q.categories) * (len(q.items) if q.type == "grid" else 1) for q in _closed(national))
    # The grouped figures are extra rows after them (their ``figure`` says which): count the answers'.
    answers = [r for r in rows[1:] if r[-1] == "answer"]
    assert len(answers) == expected
    assert ["national-2016", "measuring_difference", "", "No", "18", "115", "16", "0"] in [
        r[:8] for r in rows
    ]


def test_html_report_has_contents_and_a_section_per_closed_question(national, tmp_path):
    out = tmp_path / "report.html"
    call_command(
        "tempcheck_report",
        "--round",
        "national-2016",
        "--format",
        "html",
        "--output",
        str(out),
        stdout=io.StringIO(),
    )
    html = out.read_text(encoding="utf-8")
    assert "<h2>Contents</h2>" in html
    for q in _closed(national):
        assert html.count(f'<section id="q-{q.qid}">') == 1, q.qid
        assert f'href="#q-{q.qid}"' in html, q.qid
    assert html.count('<section id="q-') == len(_closed(national))
    assert 'id="q-msp_meaning"' not in html


@pytest.mark.slow
def test_pdf_report(national, tmp_path):
    out = tmp_path / "report.pdf"
    call_command(
        "tempcheck_report",
        "--round",
        "national-2016",
        "--format",
        "pdf",
        "--output",
        str(out),
        stdout=io.StringIO(),
    )
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert pdf_page_count(pdf) >= len(_closed(national))


def pdf_page_count(pdf: bytes) -> int:
    """The page tree's /Count. WeasyPrint keeps its objects in compressed object streams, so those
    are inflated first (reading the file written, rather than laying the report out a second time)."""
    inflated = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, flags=re.S):
        with contextlib.suppress(zlib.error):
            inflated.append(zlib.decompress(stream))
    counts = [int(n) for part in inflated for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", part)]
    assert counts, "no page tree found in the PDF"
    return max(counts)


# 5. Refusals -----------------------------------------------------------------------------------------

GOOD = (
    "R1,Derby City Council,East Midlands,strategy_fit,,Other\n"
    "R1,Derby City Council,East Midlands,engagement_levels,Senior management,Very well\n"
)


def _nothing_written() -> None:
    assert not Round.objects.exists(), "a refused import writes no Round"
    assert not Respondent.objects.exists(), "a refused import writes no respondents"
    assert not Answer.objects.exists(), "a refused import writes no answers"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            HEADER + GOOD + "R2,Leeds,Yorkshire,no_such_question,,Yes\n", "line 4", id="unknown-question"
        ),
        pytest.param(
            HEADER + GOOD + "R2,Leeds,Yorkshire,outcomes_asked,,Maybe\n", "line 4", id="outside-categories"
        ),
        pytest.param(
            HEADER
            + "R2,Leeds,Yorkshire,outcomes_asked,,Yes\n"
            + GOOD
            + "R2,Leeds,Yorkshire,outcomes_asked,,No\n",
            "line 5",
            id="duplicated-single",
        ),
        pytest.param(
            "respondent_id,council,region,question_id,answer\nR1,Derby,East Midlands,outcomes_asked,Yes\n",
            "line 1",
            id="missing-column",
        ),
        pytest.param(
            HEADER + GOOD + "R2,Leeds,Yorkshire,engagement_levels,The Mayor,Very well\n",
            "line 4",
            id="unknown-item",
        ),
    ],
)
def test_bad_responses_are_refused_whole_with_line_numbers(db, tmp_path, content, expected):
    path = tmp_path / "responses.csv"
    path.write_text(content, encoding="utf-8")
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "tempcheck_import",
            *("--round", "r", "--title", "R", "--instrument", str(INSTRUMENT), "--responses", str(path)),
            stdout=io.StringIO(),
            stderr=stderr,
        )
    assert expected in stderr.getvalue(), f"the refusal names {expected!r}: {stderr.getvalue()!r}"
    _nothing_written()


def test_a_non_utf8_byte_is_refused_with_its_line(db, tmp_path):
    path = tmp_path / "responses.csv"
    path.write_bytes(
        (HEADER + "R1,Derby,East Midlands,strategy_fit,,Other\n").encode()
        + b"R2,Leeds \xff,Yorkshire,outcomes_asked,,Yes\n"
    )
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "tempcheck_import",
            *("--round", "r", "--title", "R", "--instrument", str(INSTRUMENT), "--responses", str(path)),
            stdout=io.StringIO(),
            stderr=stderr,
        )
    assert "line 3" in stderr.getvalue(), f"the refusal names line 3: {stderr.getvalue()!r}"
    _nothing_written()


def test_an_existing_round_slug_is_refused(national):
    answers = Answer.objects.count()
    with pytest.raises(CommandError):
        _import("national-2016", RESPONSES)
    assert Round.objects.filter(slug="national-2016").count() == 1
    assert Respondent.objects.count() == 115
    assert Answer.objects.count() == answers


def _yaml(questions: str) -> str:
    return "id: test-instrument\ntitle: Test\nquestions:\n" + questions


@pytest.mark.parametrize(
    ("questions", "expected"),
    [
        pytest.param(
            "  - {id: a, type: single, categories: ['Yes', 'No']}\n  - {id: a, type: open}\n",
            "used twice",
            id="duplicate-id",
        ),
        pytest.param("  - {id: a, type: slider}\n", "unknown type", id="unknown-type"),
        pytest.param(
            "  - {id: a, type: grid, categories: ['Yes', 'No']}\n", "needs items", id="grid-without-items"
        ),
    ],
)
def test_instrument_problems_are_refused(questions, expected):
    with pytest.raises(instruments.InstrumentError, match=expected):
        instruments.parse(_yaml(questions))


def test_loading_the_same_instrument_twice_keeps_one_version(db):
    text = _yaml("  - {id: a, type: single, categories: ['Yes', 'No']}\n")
    first = instruments.load(text)
    assert instruments.load(text).pk == first.pk
    assert Instrument.objects.filter(slug="test-instrument").count() == 1
    changed = instruments.load(text.replace("['Yes', 'No']", "['Yes', 'No', 'Partly']"))
    assert (first.version, changed.version) == (1, 2)
    assert changed.questions.get(qid="a").categories == ["Yes", "No", "Partly"]
    assert Instrument.objects.filter(slug="test-instrument").count() == 2


def test_the_command_takes_a_region_of_the_national_rounds_councils(national, tmp_path):
    """National 2016's councils are in nine regions: a round of any of them can be imported (and
    compared with the national round cut to it), though no council record or round has the region."""
    assert not Round.objects.filter(region="East Midlands").exists()
    path = tmp_path / "responses.csv"
    path.write_text(HEADER + "EM-1,Derby,,strategy_fit,,Other\n", encoding="utf-8")
    _import("em", path, "--region", "east midlands")
    assert Round.objects.get(slug="em").region == "East Midlands"
    assert Respondent.objects.get(round__slug="em").region == "East Midlands"


def test_the_command_takes_consent_to_be_quoted_from_may_quote_not_from_named(db, tmp_path):
    path = tmp_path / "responses.csv"
    path.write_text(
        HEADER.strip()
        + ",may_quote\n"
        + "R1,Derby,East Midlands,msp_meaning,,Listening first,YES\n"
        + "R2,Leeds,Yorkshire,msp_meaning,,Asking what matters, no \n",
        encoding="utf-8",
    )
    _import("q", path, "--named")
    answers = Answer.objects.filter(respondent__round__slug="q")
    assert dict(answers.values_list("respondent__council", "may_name_council")) == {
        "Derby": True,
        "Leeds": False,
    }
    assert set(Respondent.objects.filter(round__slug="q").values_list("may_name", flat=True)) == {True}


def test_a_contradiction_of_named_is_reported_once_per_respondent(db, tmp_path):
    path = tmp_path / "responses.csv"
    path.write_text(
        HEADER.strip()
        + ",may_name\n"
        + "R1,Derby,East Midlands,strategy_fit,,Other,no\n"
        + "R1,Derby,East Midlands,outcomes_asked,,Yes,no\n"
        + "R1,Derby,East Midlands,msp_meaning,,Listening,no\n",
        encoding="utf-8",
    )
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        _import("r", path, "--named", stderr=stderr)
    assert stderr.getvalue().strip() == (
        "line 2: may_name is no, but the import says every respondent agreed to be named "
        "(Derby, respondent R1)"
    )
    _nothing_written()
