"""The temperature check's figures (issue 16): naming councils in tables, scopes (a region cut,
merged rounds), comparisons with their change and caveats, grouped figures declared or chosen,
item-group averages, cross-tabs, the road map, evidence beside a self-rating, data-quality notes,
the import's may_name column and the report command's scopes (docs/tempcheck.md).

Expected figures are computed here from the reference CSV files directly (not through msphub), so
a mistake in the analysis cannot hide in its own expectations.
"""

import csv
import io
import json
from collections import Counter, defaultdict
from datetime import date
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msphub.accounts.models import Organisation
from msphub.benchmarks.models import BenchmarkMeasure, BenchmarkSubmission
from msphub.core.imports import ImportRefused
from msphub.tempcheck import importer, instruments
from msphub.tempcheck.analysis import (
    Chosen,
    Scope,
    ScopeError,
    analyse,
    chosen_from,
    mean_percent,
    percent,
    respondents,
)
from msphub.tempcheck.models import DataQualityNote, Instrument, Respondent, Round
from tests.conftest import per_test

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "tempcheck"
INSTRUMENT = (
    Path(__file__).resolve().parents[1] / "msphub" / "tempcheck" / "instruments" / "instrument-2016.yaml"
)
RESPONSES = REFERENCE / "national-2016-responses.csv"
BASELINE = REFERENCE / "evaluation-2015-published.csv"
HEADER = "respondent_id,council,region,question_id,item,answer"

pytestmark = pytest.mark.django_db


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


ROWS = _read(RESPONSES)
LONDON = sorted({r["council"] for r in ROWS if r["region"] == "London"})
# The seven London councils interviewed later (invented names: the reference data has no such file),
# and one council interviewed in both phases, to be counted once.
LATER = [f"London Borough {n}" for n in ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf")]
TWICE = LONDON[0]


def _csv(rows: list[list[str]], header: str = HEADER) -> bytes:
    out = io.StringIO()
    out.write(header + "\n")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def _with_may_name(rows: list[dict[str, str]]) -> bytes:
    """The national responses with a may_name column: the London councils agreed to be named."""
    return _csv(
        [
            [r["respondent_id"], r["council"], r["region"], r["question_id"], r["item"], r["answer"]]
            + ["yes" if r["region"] == "London" else "no"]
            for r in rows
        ],
        HEADER + ",may_name",
    )


def _later_rows() -> list[list[str]]:
    """Seven later London councils (and TWICE again), each answering a few questions."""
    answers = ["Yes", "Partly", "Yes", "No", "Yes", "Partly", "Yes", "No"]
    rows = []
    for n, council in enumerate([*LATER, TWICE], start=1):
        rid = f"L16-{n:03d}"
        rows.append([rid, council, "London", "outcomes_asked", "", answers[n - 1]])
        rows.append([rid, council, "London", "recording_changed", "", "Yes" if n % 2 else "No"])
        rows.append([rid, council, "London", "agency_involvement", "Police", "Very involved"])
        rows.append([rid, council, "London", "staff_reaction", "", "Very positively"])
        if n != 3:  # one council did not answer strategy_fit: a no-response for a single question
            rows.append([rid, council, "London", "strategy_fit", "", "Other"])
    return rows


ROADMAP_YAML = """\
id: test-road-map
title: Road map test
questions:
  - id: steps
    type: multi
    steps: true
    text: "Which steps of the road map has your council reached?"
    categories: ["1 Not yet started", "2 Agreed as a priority", "3 Piloting", "4 Plan agreed", "5 Revised"]
  - id: comments
    type: open
    text: "What helped?"
"""
# Each council's ticked steps: progress need not be in order, and some tick only their highest step.
ROADMAP_TICKS = {
    "Council A": [2, 3, 4],
    "Council B": [5],  # only its highest step
    "Council C": [1],
    "Council D": [2, 4],  # step 3 skipped
    "Council E": [2, 3, 4, 5],
}


def _import(*args: str) -> str:
    out = io.StringIO()
    call_command("tempcheck_import", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker, tmp_path_factory) -> SimpleNamespace:
    with django_db_blocker.unblock():
        directory = tmp_path_factory.mktemp("tempcheck")
        named = directory / "national-named.csv"
        named.write_bytes(_with_may_name(ROWS))
        later = directory / "later.csv"
        later.write_bytes(_csv(_later_rows()))
        instrument = ("--instrument", str(INSTRUMENT))
        # A London council on record: --region is checked against the regions councils and rounds have.
        Organisation.objects.create(
            name="London Borough of Alpha", kind="council", ons_code="E09000990", region="London"
        )
        _import(
            "--round", "national-2016", "--title", "National 2016", *instrument, "--responses", str(named)
        )
        _import(
            *("--round", "evaluation-2015", "--title", "Evaluation 2014/15", *instrument),
            *("--responses", str(BASELINE), "--baseline"),
        )
        _import(
            *("--round", "london-later", "--title", "London 2016 (later councils)", *instrument),
            *("--responses", str(later), "--region", "London", "--named"),
        )
        national = Round.objects.get(slug="national-2016")
        national.starts_on = date(2016, 5, 1)
        national.save()
        road = instruments.load(ROADMAP_YAML)
        ticks = [
            [f"R{n}", council, "North West", "steps", "", road.questions.get(qid="steps").categories[s - 1]]
            for n, (council, steps) in enumerate(ROADMAP_TICKS.items(), start=1)
            for s in steps
        ]
        roadmap = importer.create_round("road-map", "Road map 2017", road, _csv(ticks), named=True)
        return SimpleNamespace(
            national=national,
            baseline=Round.objects.get(slug="evaluation-2015"),
            later=Round.objects.get(slug="london-later"),
            roadmap=roadmap,
        )


@pytest.fixture
def w(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


def _entry(data: dict, qid: str, item: str | None = None) -> dict:
    return next(e for e in data["questions"][qid] if e["item"] == item)


def _expected(rows: list[dict[str, str]]) -> tuple[Counter, Counter, dict]:
    """Counts by (qid, item, answer), bases by (qid, item) and named councils, from CSV rows."""
    counts: Counter = Counter()
    people: dict[tuple[str, str], set[str]] = defaultdict(set)
    names: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for r in rows:
        counts[(r["question_id"], r["item"], r["answer"])] += 1
        people[(r["question_id"], r["item"])].add(r["respondent_id"])
        if r["region"] == "London":
            names[(r["question_id"], r["item"], r["answer"])].add(r["council"])
    return counts, Counter({k: len(v) for k, v in people.items()}), names


# --- 1. Naming councils in tables ------------------------------------------------------------------


def test_every_category_names_the_councils_that_agreed_and_gave_it(w):
    data = analyse(w.national)
    counts, bases, names = _expected(ROWS)
    wrong = []
    for qid, entries in data["questions"].items():
        for entry in entries:
            item = entry["item"] or ""
            for row in entry["rows"]:
                expected = sorted(names.get((qid, item, row["category"]), set()))
                if row["councils"] != expected:
                    wrong.append(f"{qid}/{item}/{row['category']}: {row['councils']} != {expected}")
                if row["count"] != counts[(qid, item, row["category"])]:
                    wrong.append(f"{qid}/{item}/{row['category']}: count {row['count']}")
    assert not wrong, (
        "each category lists exactly the London councils (who agreed) that gave it: " + "; ".join(wrong[:5])
    )
    # Councils that did not agree are never named, however many gave a category.
    named = {
        c for entries in data["questions"].values() for e in entries for r in e["rows"] for c in r["councils"]
    }
    assert named == set(LONDON)
    assert [c["council"] for c in data["councils"] if c["named"]] == LONDON
    assert len(data["councils"]) == 115 and {c["round"] for c in data["councils"]} == {"national-2016"}


def test_a_group_names_the_councils_of_its_categories(w):
    data = analyse(w.national)
    police = _entry(data, "agency_involvement", "Police")
    [involved, not_involved] = police["groups"]
    assert involved["label"] == "Very or fairly involved" and not involved["chosen"]
    assert involved["councils"] == sorted(
        set(police["rows"][0]["councils"]) | set(police["rows"][1]["councils"])
    )
    assert not_involved["categories"] == ["Not very involved", "Not at all involved"]


def test_the_json_report_carries_the_councils_of_each_category(w, tmp_path):
    out = tmp_path / "report.json"
    call_command("tempcheck_report", "--round", "national-2016", "--output", str(out), stdout=io.StringIO())
    data = json.loads(out.read_text(encoding="utf-8"))
    yes = _entry(data, "outcomes_asked")["rows"][0]
    _counts, _bases, names = _expected(ROWS)
    assert yes["category"] == "Yes" and yes["councils"] == sorted(names[("outcomes_asked", "", "Yes")])


# --- 2. Scopes: a region cut, merged rounds ----------------------------------------------------------


def test_a_national_round_cut_to_london_counts_only_london_councils(w):
    data = analyse(Scope((w.national,), "London"))
    london_rows = [r for r in ROWS if r["region"] == "London"]
    counts, bases, _names = _expected(london_rows)
    assert data["region"] == "London" and data["round_respondents"] == 26 == len(LONDON)
    assert data["title"] == "National 2016: London"
    wrong = []
    for qid, entries in data["questions"].items():
        for entry in entries:
            item = entry["item"] or ""
            n = bases[(qid, item)]
            if entry["n"] != n:
                wrong.append(f"{qid}/{item}: n {entry['n']} != {n}")
            if entry["no_response"] != (0 if qid == "recording_progress" else 26 - n):
                wrong.append(f"{qid}/{item}: no_response {entry['no_response']}")
            for row in entry["rows"]:
                count = counts[(qid, item, row["category"])]
                if (row["count"], row["percent"]) != (count, percent(count, n)):
                    wrong.append(f"{qid}/{item}/{row['category']}: {row['count']}, {row['percent']}")
    assert not wrong, "the London cut's tables are London's counts: " + "; ".join(wrong[:5])
    # Moderation is the region's own.
    own = {r["respondent_id"]: r["answer"] for r in london_rows if r["question_id"] == "achievement_self"}
    moderated = {
        r["respondent_id"]: r["answer"] for r in london_rows if r["question_id"] == "achievement_interviewer"
    }
    changed = [rid for rid in own if rid in moderated and own[rid] != moderated[rid]]
    lower = [rid for rid in changed if moderated[rid] > own[rid]]  # "A) ..." before "F) ..."
    [mod] = data["moderation"]
    assert (mod["rated_by_both"], mod["moderated"], mod["lower"]) == (len(own), len(changed), len(lower))


def test_merged_rounds_count_each_council_once_from_the_first_round_listed(w):
    data = analyse(Scope((w.national, w.later), "London"))
    assert data["round_respondents"] == 26 + 7, "26 London councils of the national round and 7 later ones"
    assert [r["slug"] for r in data["rounds"]] == ["national-2016", "london-later"]
    assert data["title"] == "National 2016 and London 2016 (later councils): London"
    twice = [c for c in data["councils"] if c["council"] == TWICE]
    assert [c["round"] for c in twice] == ["national-2016"], "the council in both is counted from the first"
    assert any(TWICE in w_ and "counted once" in w_ for w_ in data["warnings"])
    london_rows = [r for r in ROWS if r["region"] == "London"]
    national_yes = sum(
        1 for r in london_rows if r["question_id"] == "outcomes_asked" and r["answer"] == "Yes"
    )
    later_yes = sum(1 for r in _later_rows() if r[1] != TWICE and r[3] == "outcomes_asked" and r[5] == "Yes")
    outcomes = _entry(data, "outcomes_asked")
    assert outcomes["n"] == 33 and outcomes["rows"][0]["count"] == national_yes + later_yes
    # The later councils agreed to be named (--named): their names appear; so do the national London ones.
    assert set(LATER) <= set(outcomes["rows"][0]["councils"]) | set(outcomes["rows"][1]["councils"]) | set(
        outcomes["rows"][2]["councils"]
    )
    # A question the later councils were not asked is a no-response for them (not hidden).
    assert _entry(data, "measuring_difference")["no_response"] == 7
    # The other order counts the twice-interviewed council from the later round.
    reverse = analyse(Scope((w.later, w.national), "London"))
    assert [c["round"] for c in reverse["councils"] if c["council"] == TWICE] == ["london-later"]
    assert respondents(Scope((w.later, w.national), "London")).count() == 33


def test_a_merge_or_cut_that_cannot_make_one_report_is_refused_clearly(w, db):
    with pytest.raises(ScopeError, match="published counts only"):
        Scope((w.national, w.baseline))
    with pytest.raises(ScopeError, match="published counts only"):
        Scope((w.baseline,), "London")
    with pytest.raises(ScopeError, match="same instrument"):
        Scope((w.national, w.roadmap))
    with pytest.raises(ScopeError, match="at least one round"):
        Scope(())
    # A baseline can still be compared with.
    assert analyse(w.national, [w.baseline])["compared_with"] == ["evaluation-2015"]


def test_a_region_nobody_answered_in_is_said_so(w):
    data = analyse(Scope((w.national,), "Atlantis"))
    assert data["round_respondents"] == 0 and data["councils"] == []
    assert any("No council of Atlantis" in text for text in data["warnings"])


# --- 3. Comparisons ---------------------------------------------------------------------------------


def test_london_compared_with_england_shows_the_change_and_the_changed_base(w):
    data = analyse(Scope((w.national,), "London"), [w.national, w.baseline])
    assert data["compared_with"] == ["national-2016", "evaluation-2015"]
    assert data["comparisons"] == [
        {"slug": "national-2016", "title": "National 2016", "region": None},
        {"slug": "evaluation-2015", "title": "Evaluation 2014/15", "region": None},
    ]
    entry = _entry(data, "staff_reaction")
    england = entry["comparisons"]["national-2016"]
    assert england["title"] == "National 2016" and england["n"] == 115
    for here, there in zip(entry["rows"], england["rows"], strict=True):
        assert here["category"] == there["category"]
        assert there["change"] == here["percent"] - there["percent"]
        assert "councils" not in there, "a compared scope is aggregates only: no council named"
    assert "The base differs: 26 answered here, 115 in National 2016." in england["caveat"]
    baseline = entry["comparisons"]["evaluation-2015"]
    assert "95 in Evaluation 2014/15 (published counts)" in baseline["caveat"]
    # The combined category is compared too.
    [positive] = entry["groups"]
    [positive_there] = england["groups"]
    assert positive_there["change"] == positive["percent"] - positive_there["percent"]
    # A conditional base says so.
    progress = _entry(data, "recording_progress")["comparisons"]["national-2016"]
    assert "only those asked: where changes to recording systems are not yet complete" in progress["caveat"]


def test_a_category_the_other_round_did_not_count_has_no_change_and_a_caveat(w):
    AggregateCount = w.baseline.aggregate_counts.model
    AggregateCount.objects.filter(round=w.baseline, item="Police", category="Too soon to say").delete()
    data = analyse(w.national, [w.baseline])
    police = _entry(data, "agency_involvement", "Police")["comparisons"]["evaluation-2015"]
    too_soon = police["rows"][5]
    assert (too_soon["count"], too_soon["percent"], too_soon["change"]) == (None, None, None)
    assert "“Too soon to say” was not counted in Evaluation 2014/15." in police["caveat"]
    assert police["improvement_score"] is not None, "the score needs only the first four categories"


# The changes behind the national report's Fig. 2 (a chart; it prints no scores), from the counts, each
# score rounded once. Adding rounded percentages, as first worked out (issue 16), gave Primary Care -22,
# Care Providers -3 and Police -2 (docs/tempcheck-report.md); the sentence they settle does not change.
IMPROVEMENT_CHANGES = {
    "Ambulance Trust": -33,
    "Primary Care": -23,
    "Care Providers": -1,
    "Police": -1,
    "Acute hospital": 13,
}


def test_improvement_score_changes_since_2014_15_settle_the_acute_trusts_sentence(w):
    """The report says "police, acute trusts and care providers show a slight downturn while primary
    care showed a far bigger drop"; the counts say ambulance trusts fell furthest and acute hospitals
    rose (docs/tempcheck.md, "The improvement scores of 2016")."""
    data = analyse(w.national, [w.baseline])
    changes = {
        e["item"]: e["comparisons"]["evaluation-2015"]["change"]
        for e in data["questions"]["agency_involvement"]
        if "evaluation-2015" in e["comparisons"]
    }
    assert {item: changes[item] for item in IMPROVEMENT_CHANGES} == IMPROVEMENT_CHANGES
    assert min(changes, key=changes.__getitem__) == "Ambulance Trust"
    # Recomputed by hand from the two files msphub ships, independently of the analysis.
    base = defaultdict(dict)
    for r in _read(instruments.SHIPPED / "evaluation-2015-published.csv"):
        base[r["item"]][r["category"]] = int(r["count"])
    now = defaultdict(Counter)
    for r in _read(instruments.SHIPPED / "national-2016-responses.csv"):
        if r["question_id"] == "agency_involvement":
            now[r["item"]][r["answer"]] += 1
    order = ["Very involved", "Fairly involved", "Not very involved", "Not at all involved"]

    def score(counts: dict, n: int) -> Fraction:
        c = [counts.get(x, 0) for x in order]
        return Fraction(100 * (c[0] + c[1] - c[2] - c[3]), n)

    def rounded(value: Fraction) -> int:
        return int(value + Fraction(1, 2)) if value >= 0 else -int(-value + Fraction(1, 2))

    for item, change in IMPROVEMENT_CHANGES.items():
        here, there = score(now[item], sum(now[item].values())), score(base[item], 95)
        assert rounded(here) - rounded(there) == change
    # Much of the change comes from "too soon to say" falling away: the caveat says so.
    ambulance = _entry(data, "agency_involvement", "Ambulance Trust")["comparisons"]["evaluation-2015"]
    assert "“Too soon to say” fell from 39% to 4%" in ambulance["caveat"]


SLIP = "The report's 'slight downturn for acute trusts' is a slip: acute hospitals +13, ambulance trusts -33."


def test_a_data_quality_note_appears_with_its_question_in_words(w):
    DataQualityNote.objects.create(
        round=w.national,
        qid="agency_involvement",
        text=SLIP,
    )
    DataQualityNote.objects.create(round=w.national, text="Table 5 prints 15% for 18 of 115 (16%).")
    data = analyse(w.national)
    assert data["data_quality_notes"] == [
        {
            "qid": "agency_involvement",
            "question": "How involved have the agencies listed below been in using an MSP approach in your "
            "Local Authority's area?",
            "text": SLIP,
        },
        {"qid": None, "question": None, "text": "Table 5 prints 15% for 18 of 115 (16%)."},
    ]


# --- 4. Grouped figures ------------------------------------------------------------------------------


def test_combined_categories_are_counted_from_the_counts(w):
    """The report's "overall involvement ... police 48%" adds the rounded 11% and 37%; from the
    counts it is 56 of 115, 49% (docs/tempcheck.md)."""
    data = analyse(w.national)
    involved = {e["item"]: e["groups"][0] for e in data["questions"]["agency_involvement"]}
    assert (involved["Police"]["count"], involved["Police"]["percent"]) == (56, 49)
    assert involved["Council Adult Social Care"]["percent"] == 98
    assert (involved["CCG"]["count"], involved["CCG"]["percent"]) == (75, 66)


def test_the_nhs_providers_average_reproduces_the_published_7_37_and_13_percent(w):
    data = analyse(w.national, [w.baseline])
    [nhs] = data["item_groups"]["agency_involvement"]
    assert nhs["label"] == "NHS providers" and nhs["items"] == [
        "Ambulance Trust",
        "Acute hospital",
        "Primary Care",
        "Mental Health Trust",
        "Other specialist NHS provider",
    ]
    assert [b["n"] for b in nhs["bases"]] == [114, 115, 112, 114, 87]
    rows = {r["category"]: r["percent"] for r in nhs["rows"]}
    groups = {g["label"]: g["percent"] for g in nhs["groups"]}
    # "only 7% ... 'very' involved, overall 37% were involved in some way and 13% ... no involvement"
    assert (rows["Very involved"], groups["Very or fairly involved"], rows["Not at all involved"]) == (
        7,
        37,
        13,
    )
    # The rule: the mean of the items' exact shares, rounded once, half up.
    expected = mean_percent(
        Fraction(sum(1 for r in ROWS if r["item"] == i and r["answer"] == "Very involved"), n)
        for i, n in [("Ambulance Trust", 114), ("Acute hospital", 115), ("Primary Care", 112),
                     ("Mental Health Trust", 114), ("Other specialist NHS provider", 87)]
    )  # fmt: skip
    assert expected == 7
    then = nhs["comparisons"]["evaluation-2015"]
    # 2014/15: very involved 4, 5, 4, 12 and 3 of 95 each: 28/475 = 5.9% -> 6.
    assert {r["category"]: r["percent"] for r in then["rows"]}["Very involved"] == 6
    assert then["rows"][0]["change"] == 1
    assert "The items' bases differ: 87 to 115 here, 95 in Evaluation 2014/15." in then["caveat"]


def test_a_cross_tab_counts_respondents_answering_both_with_row_percentages(w):
    data = analyse(w.national)
    [tab] = data["crosstabs"]
    assert tab["title"] == "Asking about outcomes, by whether recording systems have changed"
    assert (tab["rows_question"], tab["columns_question"]) == ("recording_changed", "outcomes_asked")
    answers = defaultdict(dict)
    for r in ROWS:
        answers[r["respondent_id"]][r["question_id"]] = (r["answer"], r["council"], r["region"])
    both = [a for a in answers.values() if "recording_changed" in a and "outcomes_asked" in a]
    assert tab["n"] == len(both) == 115
    for row in tab["rows"]:
        in_row = [a for a in both if a["recording_changed"][0] == row["category"]]
        assert row["n"] == len(in_row)
        for cell in row["cells"]:
            here = [a for a in in_row if a["outcomes_asked"][0] == cell["category"]]
            assert (cell["count"], cell["percent"]) == (len(here), percent(len(here), len(in_row)))
            assert cell["councils"] == sorted(
                a["outcomes_asked"][1] for a in here if a["outcomes_asked"][2] == "London"
            )
    assert [c["count"] for c in tab["rows"][0]["cells"]] == [68, 26, 4]


def test_a_cross_tab_of_a_baseline_says_it_cannot_be_made(w):
    [tab] = analyse(w.baseline)["crosstabs"]
    assert tab["n"] == 0 and "cannot be cross-tabulated" in tab["note"]


def test_figures_chosen_on_the_page_are_added(w):
    query = QueryDict(mutable=True)
    query.setlist("group.outcomes_asked", ["Yes", "Partly"])
    query.setlist("items.agency_involvement", ["Police", "CCG", "The SAB"])
    query.update({"crosstab_rows": "strategy_fit", "crosstab_columns": "staff_reaction"})
    chosen = chosen_from(query, w.national.instrument)
    assert chosen.messages == []
    data = analyse(w.national, [w.baseline], chosen=chosen)
    [group] = _entry(data, "outcomes_asked")["groups"]
    assert group == {
        "label": "Yes or Partly",
        "categories": ["Yes", "Partly"],
        "count": 111,
        "percent": 97,
        "councils": sorted(set(LONDON) - {c for c in LONDON if _answer(c, "outcomes_asked") == "No"}),
        "chosen": True,
    }
    chosen_items = data["item_groups"]["agency_involvement"][1]
    assert chosen_items["chosen"] and chosen_items["items"] == ["Police", "The SAB", "CCG"]
    assert chosen_items["rows"][0]["percent"] == mean_percent(
        [Fraction(13, 115), Fraction(51, 111), Fraction(38, 114)]
    )
    assert [t["chosen"] for t in data["crosstabs"]] == [False, True]
    assert data["crosstabs"][1]["n"] == 115
    # The choice can be made again from its query (the download links carry it).
    again = QueryDict(mutable=True)
    for key, value in chosen.query():
        again.appendlist(key, value)
    assert chosen_from(again, w.national.instrument) == chosen


def _answer(council: str, qid: str) -> str | None:
    return next((r["answer"] for r in ROWS if r["council"] == council and r["question_id"] == qid), None)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("group.no_such_question=Yes&group.no_such_question=No", "a question this report does not have"),
        ("group.outcomes_asked=Yes&group.outcomes_asked=Maybe", "has no category “Maybe”"),
        ("group.outcomes_asked=Yes", "choose at least two categories"),
        ("items.outcomes_asked=Yes&items.outcomes_asked=No", "has no items to average"),
        ("items.agency_involvement=Police&items.agency_involvement=The%20Mayor", "has no item “The Mayor”"),
        ("group.msp_meaning=a&group.msp_meaning=b", "a question this report does not have"),
        ("crosstab_rows=outcomes_asked", "needs two questions"),
        ("crosstab_rows=outcomes_asked&crosstab_columns=outcomes_asked", "two different questions"),
        ("crosstab_rows=outcomes_asked&crosstab_columns=agency_involvement", "cannot be cross-tabulated"),
        ("crosstab_rows=outcomes_asked&crosstab_columns=nope", "does not have"),
        ("group.outcomes%00asked=Yes&group.outcomes%00asked=No", "does not have"),
    ],
)
def test_a_bad_choice_is_left_out_with_a_message(w, query, message):
    chosen = chosen_from(QueryDict(query), w.national.instrument)
    assert not chosen, "nothing valid was chosen"
    assert any(message in m for m in chosen.messages), chosen.messages
    assert all("\x00" not in m for m in chosen.messages)
    analyse(w.national, chosen=chosen)  # and nothing breaks


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["group.", "items.", "crosstab_rows", "crosstab_columns", "x"]).flatmap(
                lambda p: st.just(p) if not p.endswith(".") else st.text(max_size=30).map(lambda t: p + t)
            ),
            st.one_of(
                st.text(max_size=40),
                st.sampled_from(["Yes", "No", "Partly", "Police", "CCG", "outcomes_asked", "staff_reaction"]),
            ),
        ),
        max_size=12,
    )
)
def test_any_query_gives_a_choice_or_messages_never_an_error(w, pairs):
    query = QueryDict(mutable=True)
    for key, value in pairs:
        query.appendlist(key, value)
    chosen = chosen_from(query, w.national.instrument)
    questions = {q.qid: q for q in w.national.instrument.questions.all()}
    for qid, groups in chosen.groups.items():
        for g in groups:
            assert len(g["categories"]) >= 2 and set(g["categories"]) <= set(questions[qid].categories)
    for qid, groups in chosen.item_groups.items():
        for g in groups:
            assert questions[qid].type == "grid" and set(g["items"]) <= set(questions[qid].items)
    assert all(isinstance(m, str) and "\x00" not in m for m in chosen.messages)


# --- 5. The road map ----------------------------------------------------------------------------------


def test_the_road_map_gives_each_councils_highest_step_and_cumulative_shares(w):
    data = analyse(w.roadmap)
    road = data["roadmap"]
    assert road["question"] == "steps" and road["n"] == 5
    highest = {r["category"][0]: r["count"] for r in road["highest_step"]}
    # A: 4, B: 5, C: 1, D: 4, E: 5
    assert highest == {"1": 1, "2": 0, "3": 0, "4": 2, "5": 2}
    cumulative = [(r["count"], r["percent"]) for r in road["cumulative"]]
    assert cumulative == [(5, 100), (4, 80), (4, 80), (4, 80), (2, 40)]
    # Council B ticked only step 5: it counts as having reached steps 1 to 4 too.
    assert road["highest_step"][4]["councils"] == ["Council B", "Council E"]
    # The ticks themselves stay as percentages of respondents (they can add up to more than 100).
    ticks = data["questions"]["steps"][0]
    assert [r["count"] for r in ticks["rows"]] == [1, 3, 2, 3, 2] and "choose several" in ticks["note"]


# --- 6. Evidence beside self-rating ---------------------------------------------------------------------


def _benchmark(council: str, region: str, year: str, pct: float | None, n: int = 0) -> None:
    submission = BenchmarkSubmission.objects.create(
        year=year,
        ons_code=f"E09{n:06d}",
        council_name=council,
        region=region,
        format_version=3,
        generated_at=timezone.now(),
        file_name=f"{council}.json",
        sha256="0" * 64,
        imported_by_name="test",
    )
    numerator = None if pct is None else round(pct * 2)
    BenchmarkMeasure.objects.create(
        submission=submission,
        measure_id="asked_about_outcomes",
        numerator=numerator,
        denominator=None if pct is None else 200,
        percent=pct,
    )


def test_measured_figures_are_shown_beside_the_self_rating(w):
    # Six London councils that said "Yes" have figures (one of them upper-cased by its file), and
    # one that said "No"; one file is of a later year than the round's and is not used.
    yes = [c for c in LONDON if _answer(c, "outcomes_asked") == "Yes"][:6]
    no = [c for c in LONDON if _answer(c, "outcomes_asked") == "No"][:1]
    for n, (council, pct) in enumerate(zip(yes, [60.0, 70.0, 80.0, 62.5, 90.0, 50.0], strict=True)):
        _benchmark(council.upper() if n == 0 else council, "London", "2016-17", pct, n)
    for council in no:
        _benchmark(council, "London", "2016-17", 40.0, 50)
    _benchmark(yes[0], "London", "2017-18", 99.0, 60)
    data = analyse(w.national)
    evidence = data["evidence"]["outcomes_asked"]
    assert (evidence["measure"], evidence["year"]) == ("asked_about_outcomes", "2016-17")
    by = {r["category"]: r for r in evidence["by_category"]}
    assert by["Yes"]["councils_with_figures"] == 6 and by["Yes"]["median_percent"] == 66  # (62.5 + 70) / 2
    assert by["No"]["councils_with_figures"] == len(no)
    assert by["No"]["median_percent"] is None, "fewer than five councils: no median that points at one"
    named = {e["council"]: e for e in evidence["named"]}
    assert set(named) == set(LONDON)
    assert named[yes[0]]["percent"] == 60.0 and named[yes[0]]["year"] == "2016-17"
    assert named[yes[1]]["answer"] == "Yes"


# --- 7. Smaller faults: no-response for every question type, warnings in words ---------------------------


def test_no_response_is_flagged_for_a_single_question_in_words(w):
    data = analyse(w.later)
    fit = _entry(data, "strategy_fit")
    assert (fit["n"], fit["no_response"]) == (7, 1)
    text = "“How would you describe where MSP fits into your organisational strategy?”"
    assert f"{text}: 7 of the 8 respondents answered; 1 did not (no response)" in data["warnings"]
    assert not any("strategy_fit" in w_ or "agency_involvement" in w_ for w_ in data["warnings"])
    police = (
        "“How involved have the agencies listed below been in using an MSP approach in your Local "
        "Authority's area?” (Police)"
    )
    national = analyse(w.national)
    assert not any(police in w_ for w_ in national["warnings"]), "all 115 answered the Police item"
    assert any(
        w_.startswith("“How involved") and "(Advocacy): 111 of the 115" in w_ for w_ in national["warnings"]
    )


def test_a_multi_question_has_its_no_response(w):
    extra = importer.create_round(
        "road-map-2",
        "Road map again",
        w.roadmap.instrument,
        _csv(
            [
                ["R1", "Council A", "", "steps", "", "1 Not yet started"],
                ["R2", "Council B", "", "comments", "", "Hi"],
            ]
        ),
    )
    entry = analyse(extra)["questions"]["steps"][0]
    assert (entry["n"], entry["no_response"]) == (1, 1)


def test_the_analysis_is_a_bounded_number_of_queries(w, django_assert_max_num_queries):
    """Counting is GROUP BY in the database: the queries do not grow with questions or councils."""
    chosen = chosen_from(
        QueryDict(
            "group.outcomes_asked=Yes&group.outcomes_asked=Partly&crosstab_rows=strategy_fit&crosstab_columns=staff_reaction"
        ),
        w.national.instrument,
    )
    with django_assert_max_num_queries(22):
        analyse(Scope((w.national, w.later), "London"), [w.national, w.baseline], chosen=chosen)
    with django_assert_max_num_queries(12):
        analyse(w.national)
    # 115 councils or 26, 8: the same statements.
    counted = []
    for scope in (w.national, Scope((w.national,), "London"), w.later):
        with CaptureQueriesContext(connection) as queries:
            analyse(scope)
        counted.append(len(queries.captured_queries))
    assert len(set(counted)) == 1, counted


# --- 8. The import: may_name and --named ------------------------------------------------------------------


def test_the_may_name_column_sets_consent_per_respondent(w):
    named = set(Respondent.objects.filter(round=w.national, may_name=True).values_list("council", flat=True))
    assert named == set(LONDON)
    assert Respondent.objects.filter(round=w.later, may_name=False).count() == 0, "--named: all of them"


@pytest.mark.parametrize(
    ("rows", "named", "expected"),
    [
        (
            [["R1", "A", "", "outcomes_asked", "", "Yes", "maybe"]],
            False,
            "line 2: may_name must be yes or no",
        ),
        ([["R1", "A", "", "outcomes_asked", "", "Yes", ""]], False, "line 2: may_name must be yes or no"),
        (
            [
                ["R1", "A", "", "outcomes_asked", "", "Yes", "yes"],
                ["R1", "A", "", "strategy_fit", "", "Other", "no"],
            ],
            False,
            "line 3: respondent R1 is given a different may_name from line 2",
        ),
        (
            [["R1", "A", "", "outcomes_asked", "", "Yes", "no"]],
            True,
            "line 2: may_name is no, but the import says",
        ),
    ],
)
def test_a_bad_may_name_is_refused_with_its_line(w, rows, named, expected):
    with pytest.raises(ImportRefused) as refused:
        importer.create_round(
            "bad", "Bad", w.national.instrument, _csv(rows, HEADER + ",may_name"), named=named
        )
    assert any(p.startswith(expected) for p in refused.value.problems), refused.value.problems
    assert not Round.objects.filter(slug="bad").exists()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(st.sampled_from(["yes", "no", "Yes", "NO", " yes "]), st.text(max_size=6)),
        min_size=1,
        max_size=5,
    )
)
def test_may_name_values_are_yes_or_no_in_any_case(w, values):
    rows = [[f"R{n}", f"C{n}", "", "outcomes_asked", "", "Yes", v] for n, v in enumerate(values)]
    data = _csv(rows, HEADER + ",may_name")
    good = all(v.strip().lower() in {"yes", "no"} and "\x00" not in v for v in values)
    try:
        parsed = importer.parse_responses(data, w.national.instrument)
    except ImportRefused:
        assert not good
    else:
        assert good
        assert parsed.named == {f"R{n}" for n, v in enumerate(values) if v.strip().lower() == "yes"}


def test_named_import_without_the_column_names_everyone(w):
    rows = [["R1", "A", "", "outcomes_asked", "", "Yes"], ["R2", "B", "", "outcomes_asked", "", "No"]]
    round_ = importer.create_round("all-named", "All named", w.national.instrument, _csv(rows), named=True)
    assert set(round_.respondents.values_list("may_name", flat=True)) == {True}
    plain = importer.create_round("none-named", "None named", w.national.instrument, _csv(rows))
    assert set(plain.respondents.values_list("may_name", flat=True)) == {False}


def test_a_baseline_can_be_of_a_region(w):
    baseline = importer.create_baseline(
        "london-2015", "London 2014/15", w.national.instrument, BASELINE.read_bytes(), region="London"
    )
    assert baseline.region == "London" and baseline.aggregate_only


# --- 9. The report command's scopes -----------------------------------------------------------------------


def _report(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "report.json"
    call_command("tempcheck_report", *args, "--output", str(out), stdout=io.StringIO())
    return json.loads(out.read_text(encoding="utf-8"))


def test_the_command_merges_cuts_and_compares(w, tmp_path):
    data = _report(
        tmp_path,
        *("--round", "national-2016", "--round", "london-later", "--region", "london"),
        *("--compare", "national-2016", "evaluation-2015", "--compare", "national-2016@London"),
    )
    assert data["round_respondents"] == 33 and data["region"] == "London", (
        "the region as the councils spell it"
    )
    assert data["compared_with"] == ["national-2016", "evaluation-2015", "national-2016@London"]
    entry = _entry(data, "outcomes_asked")
    assert entry["comparisons"]["national-2016@London"]["n"] == 26
    assert entry["comparisons"]["national-2016@London"]["title"] == "National 2016: London"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--round", "no-such-round"), "No round called no-such-round"),
        (("--round", "national-2016", "--compare", "nope"), "No round called nope"),
        (("--round", "national-2016", "--region", "Atlantis"), "No council of Atlantis is in National 2016"),
        (("--round", "national-2016", "--round", "evaluation-2015"), "published counts only"),
        (("--round", "national-2016", "--compare", "evaluation-2015@London"), "published counts only"),
        (("--round", "national-2016", "--round", "road-map"), "same instrument"),
        (("--round", "national-2016", "--compare", "@London"), "names no round"),
    ],
)
def test_the_command_refuses_unknown_names_clearly(w, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("tempcheck_report", *args, "--output", str(tmp_path / "r.json"), stdout=io.StringIO())


def test_the_shipped_instrument_declares_its_figures(w):
    instrument = Instrument.objects.get(pk=w.national.instrument_id)
    assert instrument.extra["crosstabs"][0]["rows"] == "recording_changed"
    questions = {q.qid: q.extra for q in instrument.questions.all()}
    assert questions["outcomes_asked"]["evidence"]["measure"] == "asked_about_outcomes"
    assert questions["agency_involvement"]["item_groups"][0]["label"] == "NHS providers"
    assert questions["msp_meaning"] == {}


def test_chosen_is_empty_by_default():
    assert not Chosen() and Chosen().query() == []


# --- 10. Declarations in the instrument, and percentages ------------------------------------------------


def _instrument(questions: list[dict], **top) -> str:
    import yaml

    return yaml.safe_dump({"id": "declared", "title": "Declared", **top, "questions": questions})


GRID = {
    "id": "grid",
    "type": "grid",
    "text": "How involved?",
    "items": ["Police", "CCG", "Acute"],
    "categories": ["Very", "Fairly", "Not very", "Not at all"],
}
SINGLE = {"id": "single", "type": "single", "text": "Asked?", "categories": ["Yes", "Partly", "No"]}
OPEN = {"id": "open", "type": "open", "text": "Why?"}


@pytest.mark.parametrize(
    ("question", "top", "expected"),
    [
        ({**SINGLE, "group": []}, {}, "unknown key group"),
        (
            {**SINGLE, "groups": [{"label": "Yes or no", "categories": ["Yes", "Maybe"]}]},
            {},
            "'Maybe' not among",
        ),
        ({**SINGLE, "groups": [{"label": "Yes", "categories": ["Yes"]}]}, {}, "at least two categories"),
        (
            {**OPEN, "groups": [{"label": "x", "categories": ["a", "b"]}]},
            {},
            "only a question with categories",
        ),
        ({**SINGLE, "item_groups": [{"label": "x", "items": ["a", "b"]}]}, {}, "only a grid question"),
        ({**GRID, "item_groups": [{"label": "NHS", "items": ["Police", "GP"]}]}, {}, "'GP' not among"),
        ({**GRID, "item_groups": [{"label": "NHS"}]}, {}, "needs exactly a label and its items"),
        ({**SINGLE, "steps": True}, {}, "road-map steps are a multi question"),
        ({**SINGLE, "type": "multi", "steps": True}, {}, "must start with its number"),
        ({**SINGLE, "type": "multi", "steps": "yes"}, {}, "steps must be true"),
        ({**SINGLE, "evidence": {"measure": "no_such_measure"}}, {}, "unknown benchmark measure"),
        ({**GRID, "evidence": "asked_about_outcomes"}, {}, "beside a single-choice question or a rating"),
        (
            {**SINGLE, "evidence": {"measure": "asked_about_outcomes", "colour": "red"}},
            {},
            "evidence needs a measure",
        ),
        (SINGLE, {"crosstabs": [{"rows": "single", "columns": "grid", "title": "T"}]}, "not 'grid'"),
        (
            SINGLE,
            {"crosstabs": [{"rows": "single", "columns": "nope", "title": "T"}]},
            "unknown question 'nope'",
        ),
        (
            SINGLE,
            {"crosstabs": [{"rows": "single", "columns": "single", "title": "T"}]},
            "two different questions",
        ),
        (SINGLE, {"crosstabs": [{"rows": "single"}]}, "needs exactly rows"),
        (SINGLE, {"crosstab": []}, "unknown key crosstab at the top"),
        ({**SINGLE, "categories": ["Yes", "Yes"]}, {}, "listed twice"),
        ({**SINGLE, "categories": "Yes"}, {}, "must be a list"),
    ],
)
def test_a_declaration_the_instrument_cannot_have_is_refused_with_a_message(question, top, expected):
    with pytest.raises(instruments.InstrumentError, match=expected):
        instruments.parse(_instrument([question, GRID] if question["id"] != "grid" else [question], **top))


def test_declarations_are_stored_with_the_questions(db):
    text = _instrument(
        [
            {
                **SINGLE,
                "groups": [{"label": "Yes or partly", "categories": ["Yes", "Partly"]}],
                "evidence": "asked_about_outcomes",
            },
            {**GRID, "item_groups": [{"label": "NHS", "items": ["CCG", "Acute"]}]},
            {
                **SINGLE,
                "id": "steps",
                "type": "multi",
                "steps": True,
                "categories": ["1 Start", "2 Go", "10 End"],
            },
        ],
        crosstabs=[{"rows": "single", "columns": "steps", "title": "Asked by steps"}],
    )
    loaded = instruments.load(text)
    extra = {q.qid: q.extra for q in loaded.questions.all()}
    assert extra["single"] == {
        "groups": [{"label": "Yes or partly", "categories": ["Yes", "Partly"]}],
        "evidence": "asked_about_outcomes",
    }
    assert extra["grid"] == {"item_groups": [{"label": "NHS", "items": ["CCG", "Acute"]}]}
    assert extra["steps"] == {"steps": True}
    assert loaded.extra == {"crosstabs": [{"rows": "single", "columns": "steps", "title": "Asked by steps"}]}
    assert instruments.step_number("10 End") == 10 and instruments.step_number("Start") is None


CATEGORIES = GRID["categories"]
labels = st.one_of(st.sampled_from(["Involved", "Not involved", ""]), st.text(max_size=8))
members = st.lists(st.one_of(st.sampled_from(CATEGORIES), st.text(max_size=6)), max_size=5)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.fixed_dictionaries({"label": labels, "categories": members}), min_size=1, max_size=4))
def test_groups_are_accepted_exactly_when_every_group_is_well_formed(groups):
    def good(group: dict) -> bool:
        cats = group["categories"]
        return all(c in CATEGORIES for c in cats) and len(set(cats)) == len(cats) >= 2

    label_list = [g["label"] for g in groups]
    valid = (
        all(good(g) for g in groups)
        and all(label.strip() for label in label_list)
        and len(set(label_list)) == len(label_list)
    )
    text = _instrument([{**GRID, "groups": groups}])
    try:
        parsed = instruments.parse(text)
    except instruments.InstrumentError as exc:
        assert not valid, f"refused although well formed: {exc}"
    else:
        assert valid, "accepted although a group is not well formed"
        assert instruments.question_extra(parsed["questions"][0])["groups"] == groups


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(0, 12)), st.sampled_from(["Start", "Go on", "", " x", "y "])
        ),
        min_size=1,
        max_size=6,
        unique=True,
    )
)
def test_road_map_steps_must_each_start_with_a_distinct_number(steps):
    categories = [f"{n} {label}" if n is not None else label for n, label in steps]
    numbered = [instruments.STEP.match(c) for c in categories]
    valid = (
        all(c.strip() == c != "" for c in categories)
        and len(set(categories)) == len(categories)
        and all(numbered)
        and len({int(m.group(1)) for m in numbered if m}) == len(categories)
    )
    question = {"id": "steps", "type": "multi", "text": "Steps?", "steps": True, "categories": categories}
    try:
        instruments.parse(_instrument([question]))
    except instruments.InstrumentError:
        assert not valid
    else:
        assert valid


@given(st.integers(0, 10_000), st.integers(1, 10_000))
def test_a_percentage_is_the_exact_share_rounded_half_up(count, n):
    exact = Fraction(100 * count, n)
    assert percent(count, n) == int(exact + Fraction(1, 2))
    assert abs(percent(count, n) - exact) <= Fraction(1, 2)


@given(st.lists(st.tuples(st.integers(0, 500), st.integers(1, 500)), min_size=1, max_size=8))
def test_an_average_over_items_is_rounded_once_and_lies_within_them(pairs):
    shares = [Fraction(min(c, n), n) for c, n in pairs]
    average = mean_percent(shares)
    assert min(shares) * 100 - 1 < average < max(shares) * 100 + 1
    assert average == int(sum(shares) / len(shares) * 100 + Fraction(1, 2))
    if len(shares) == 1:
        assert average == percent(min(pairs[0][0], pairs[0][1]), pairs[0][1])
    assert mean_percent([]) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bench's SQL baseline is PostgreSQL's")
def test_the_bench_baseline_agrees_with_the_analysis(w):
    """bench/tempcheck.py times the analysis against hand-written SQL: the two must agree."""
    from bench.tempcheck import baseline_figures, baseline_published, differences

    tab = [("recording_changed", "outcomes_asked")]
    data = analyse(Scope((w.national, w.later), "London"), [w.national, w.baseline])
    figures = baseline_figures([w.national.pk, w.later.pk], "London", crosstabs=tab)
    compared = {
        "national-2016": baseline_figures([w.national.pk], moderation=None, named=False),
        "evaluation-2015": baseline_published(w.baseline.pk),
    }
    assert figures["respondents"] == 33
    assert differences(data, figures, compared) == []
    assert differences(analyse(w.national), baseline_figures([w.national.pk], crosstabs=tab)) == []


def test_a_regional_rounds_evidence_is_looked_up_in_its_region_only(w):
    _benchmark(LATER[0], "North West", "2016-17", 10.0, 70)  # the same name in another region
    _benchmark(LATER[1], "London", "2015-16", 55.0, 71)
    evidence = analyse(w.later)["evidence"]["outcomes_asked"]
    named = {e["council"]: e for e in evidence["named"]}
    assert named[LATER[0]]["percent"] is None, "another region's council of the same name is not used"
    assert (named[LATER[1]]["percent"], named[LATER[1]]["year"]) == (55.0, "2015-16")
    assert evidence["year"] is None, "the round has no dates: the latest figures of any year"


def test_a_multi_choice_group_counts_each_council_once(w):
    query = QueryDict(mutable=True)
    query.setlist("group.steps", ["4 Plan agreed", "5 Revised"])
    data = analyse(w.roadmap, chosen=chosen_from(query, w.roadmap.instrument))
    [group] = data["questions"]["steps"][0]["groups"]
    # A (4), B (5), D (4) and E (4 and 5): four councils, not the ticks' 3 + 2.
    assert (group["count"], group["percent"]) == (4, 80)
    assert group["councils"] == ["Council A", "Council B", "Council D", "Council E"]


def test_a_round_of_another_instrument_version_compares_on_what_both_asked(w):
    text = INSTRUMENT.read_text(encoding="utf-8").replace('      - "Too soon to say"\n', "", 1)
    changed = instruments.load(text)
    assert changed.version > w.national.instrument.version
    rows = [
        [f"V{n}", f"Council {n}", "", "agency_involvement", item, "Very involved"]
        for n in range(1, 4)
        for item in ("Police", "Acute hospital", "Ambulance Trust")
    ]
    newer = importer.create_round("newer", "Newer round", changed, _csv(rows))
    data = analyse(w.national, [newer])
    police = _entry(data, "agency_involvement", "Police")["comparisons"]["newer"]
    assert [r["count"] for r in police["rows"]] == [3, 0, 0, 0, 0, None]
    assert (
        police["rows"][5]["change"] is None
        and "“Too soon to say” was not counted in Newer round." in police["caveat"]
    )
    [nhs] = data["item_groups"]["agency_involvement"]
    there = nhs["comparisons"]["newer"]
    assert [r["category"] for r in there["rows"]] == [r["category"] for r in nhs["rows"]]
    assert there["rows"][0]["percent"] == 100 and there["rows"][5]["percent"] is None
    assert "Newer round averages 2 items (Primary Care, Mental Health Trust" in there["caveat"]
    # Merging rounds of two versions of one instrument is allowed: questions are matched by id.
    merged = analyse(Scope((w.national, newer)))
    assert merged["round_respondents"] == 118


# --- 11. Review fixes: naming by subtraction, the import's checks --------------------------------------


@given(agreed=st.integers(0, 40), declined=st.integers(0, 40))
def test_names_are_listed_only_when_every_council_agreed_or_three_declined(agreed, declined):
    from msphub.tempcheck.analysis import names_shown

    councils = [{"named": True}] * agreed + [{"named": False}] * declined
    naming = names_shown(councils)
    assert naming["shown"] == (agreed > 0 and (declined == 0 or declined >= 3))
    assert (naming["agreed"], naming["declined"]) == (agreed, declined)
    # Where some agreed but names are withheld, the report says why.
    assert (naming["note"] is not None) == (agreed > 0 and not naming["shown"])


def test_one_or_two_declining_withholds_every_name_so_none_can_be_told_by_subtraction(w):
    rows = [
        [f"S{n}", council, "North West", "outcomes_asked", "", answer]
        for n, (council, answer) in enumerate(
            (("Bolton", "Yes"), ("Bury", "No"), ("Wigan", "No"), ("Oldham", "Yes")), start=1
        )
    ]
    may_name = ["yes", "yes", "no", "yes"]
    data = _csv([r + [m] for r, m in zip(rows, may_name, strict=True)], HEADER + ",may_name")
    round_ = importer.create_round("north-west-few", "North West few", w.national.instrument, data)
    report = analyse(round_)
    assert all(not r["councils"] for r in _entry(report, "outcomes_asked")["rows"])
    assert all(not c["named"] for c in report["councils"])
    assert report["naming"]["shown"] is False and "1 declining" in report["naming"]["note"]
    # Everyone agreeing: every name is listed.
    Respondent.objects.filter(round=round_).update(may_name=True)
    report = analyse(round_)
    assert _entry(report, "outcomes_asked")["rows"][2]["councils"] == ["Bury", "Wigan"]
    assert report["naming"] == {"shown": True, "agreed": 4, "declined": 0, "note": None}


def test_a_blank_region_in_the_file_is_the_rounds_region(w):
    rows = [
        ["B1", "Bromley", "", "outcomes_asked", "", "Yes"],
        ["B2", "Bexley", "London", "outcomes_asked", "", "No"],
    ]
    round_ = importer.create_round(
        "london-blank", "London blank", w.national.instrument, _csv(rows), region="London"
    )
    assert dict(round_.respondents.values_list("council", "region")) == {
        "Bromley": "London",
        "Bexley": "London",
    }
    # Merged with the national round and cut to London, the round keeps its own councils.
    councils = {c["council"] for c in analyse(Scope((round_, w.national), "London"))["councils"]}
    assert {"Bromley", "Bexley"} <= councils


def test_the_command_takes_a_known_region_as_the_records_spell_it(w, tmp_path):
    responses = tmp_path / "r.csv"
    responses.write_bytes(_csv([["C1", "Camden", "", "outcomes_asked", "", "Yes"]]))
    args = ("--instrument", str(INSTRUMENT), "--responses", str(responses))
    _import("--round", "london-spelt", "--title", "London spelt", *args, "--region", "lONDON")
    round_ = Round.objects.get(slug="london-spelt")
    assert round_.region == "London" and round_.respondents.get().region == "London"
    with pytest.raises(CommandError, match="'Atlantis' is not a known region"):
        _import("--round", "atlantis", "--title", "Atlantis", *args, "--region", "Atlantis")
    assert not Round.objects.filter(slug="atlantis").exists()
    _import("--round", "national-spelt", "--title", "National", *args, "--region", "National")
    assert Round.objects.get(slug="national-spelt").region == ""


@pytest.mark.parametrize(
    ("slug", "title", "region", "message"),
    [
        ("has space", "T", "", "may have only letters, numbers, hyphens and underscores"),
        ("a/b", "T", "", "may have only letters"),
        ("import", "T", "", "cannot be 'import'"),
        ("NEW", "T", "", "cannot be 'NEW'"),
        ("import-baseline", "T", "", "the rounds' own pages use it"),
        ("x" * 101, "T", "", "longer than 100 characters"),
        ("ok", "T" * 301, "", "title is longer than 300 characters"),
        ("ok", "   ", "", "title is empty"),
        ("ok", "T", "R" * 101, "region is longer than 100 characters"),
    ],
)
def test_a_round_name_the_web_form_would_refuse_is_refused_by_the_import(w, slug, title, region, message):
    rows = _csv([["R1", "A", "", "outcomes_asked", "", "Yes"]])
    with pytest.raises(ImportRefused, match=message):
        importer.create_round(slug, title, w.national.instrument, rows, region=region)
    with pytest.raises(ImportRefused, match=message):
        importer.create_baseline(slug, title, w.national.instrument, BASELINE.read_bytes(), region=region)


def test_the_command_refuses_a_bad_short_name_without_a_traceback(w, tmp_path):
    responses = tmp_path / "r.csv"
    responses.write_bytes(_csv([["R1", "A", "", "outcomes_asked", "", "Yes"]]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 1 problem"):
        call_command(
            "tempcheck_import",
            *("--round", "import", "--title", "T", "--instrument", str(INSTRUMENT)),
            *("--responses", str(responses)),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert "cannot be 'import'" in err.getvalue()


@pytest.mark.parametrize(
    ("question_id", "top_id", "expected"),
    [
        ("a/b", "declared", "letters, numbers, hyphens and underscores only"),
        ("has space", "declared", "letters, numbers, hyphens and underscores only"),
        ("q" * 101, "declared", "at most 100 characters"),
        ("single", "bad id", "the instrument's id must be text"),
        ("single", "i" * 101, "the instrument's id must be text"),
    ],
)
def test_instrument_and_question_ids_are_slug_characters(question_id, top_id, expected):
    import yaml

    text = yaml.safe_dump({"id": top_id, "title": "T", "questions": [{**SINGLE, "id": question_id}]})
    with pytest.raises(instruments.InstrumentError, match=expected):
        instruments.parse(text)
    # Letters, digits, _ and - up to 100 are fine.
    ok = yaml.safe_dump({"id": "a_B-1", "title": "T", "questions": [{**SINGLE, "id": "Q_1-" + "x" * 96}]})
    assert instruments.parse(ok)["questions"][0]["id"] == "Q_1-" + "x" * 96


def test_the_improvement_score_is_from_counts_rounded_once_never_beyond_100():
    """3 very + 5 fairly of 8: 100, not 38 + 63 = +101 (reviewer A, finding 2)."""
    from msphub.tempcheck.analysis import improvement_score, percent

    def entry(counts: list[int], n: int) -> dict:
        return {"n": n, "rows": [{"count": c, "percent": percent(c, n)} for c in counts]}

    assert improvement_score(entry([3, 5, 0, 0, 0], 8)) == 100
    assert improvement_score(entry([0, 1, 2, 0, 13], 16)) == -6  # -6.25, not -5
    assert improvement_score(entry([0, 0, 4, 4, 0], 8)) == -100
