"""Benchmark files (issue 6, item 1): the export command on real figures, and the import command's
refusals, each of which must leave the database untouched.

The export data set is tests/measures_fixtures.py (Riverside and Hillside, 2025-26), "today" 15 April
2026 as for the dashboard tests.
"""

import json
from datetime import datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command

from msphub.accounts.models import Organisation
from msphub.benchmarks.disclosure import SUPPRESSED, publish_count
from msphub.benchmarks.files import DISCLOSURE_NOTE, FORMAT, HEADLINE, VERSION, parse, validate
from msphub.benchmarks.models import BenchmarkCell, BenchmarkMeasure, BenchmarkSubmission
from msphub.core.imports import ImportRefused
from msphub.measures.measures import MEASURES
from msphub.measures.sac import ORDERS, TABLE_TITLES, build_return
from tests.benchmark_fixtures import (
    FY,
    LONDON,
    NORTH_WEST,
    SG1F_CONCERNS,
    SG1F_OTHER,
    SG1F_S42,
    YEAR,
    C,
    benchmark_file,
    write,
)
from tests.measures_fixtures import LONDON as LONDON_TZ

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 4, 15, 12, tzinfo=LONDON_TZ)


@pytest.fixture
def today():
    with time_machine.travel(TODAY):
        yield


def export(tmp_path, council: str = "E06000901", year: str = YEAR) -> dict:
    path = tmp_path / f"{council}.json"
    call_command("benchmark_export", "--year", year, "--council", council, "--output", str(path))
    return json.loads(path.read_text(encoding="utf-8"))


def measures_of(data: dict) -> dict[str, tuple]:
    return {
        m["id"]: (m["numerator"], m["denominator"], m["percent"]) for m in data["headline"] + data["measures"]
    }


def all_counts(data: dict) -> list:
    counts = [cell["count"] for cells in data["sac"].values() for cell in cells]
    for m in data["headline"] + data["measures"]:
        counts += [m["numerator"], m["denominator"]]
    return counts


# --- Export ---------------------------------------------------------------------------------------------


def test_export_applies_disclosure_control_to_the_councils_real_figures(tmp_path, data, today):
    exported = export(tmp_path)
    assert exported["format"] == FORMAT and exported["version"] == VERSION == 3 and exported["year"] == YEAR
    assert exported["disclosure_control"] == DISCLOSURE_NOTE and "0 to 4" in DISCLOSURE_NOTE
    assert exported["council"] == {"ons_code": "E06000901", "name": "Riverside Council", "region": NORTH_WEST}
    assert exported["generated_at"].startswith("2026-04-15T12:00:00")
    published = measures_of(exported)
    # tests/measures_fixtures.py EXPECTED, published: percentages from the unrounded counts.
    assert published["asked_about_outcomes"] == (5, 5, 71.4)  # 5 of 7
    assert published["outcomes_expressed"] == (C, 5, C)  # 4 of 5
    assert published["fully_achieved"] == (C, C, C)  # 2 of 4
    assert published["first_contact_24h"] == (C, 15, C)  # 4 of 13
    assert published["conversion_rate"] == (5, 15, 53.8)  # 7 of 13
    assert published["repeat_concerns_12m"] == (5, 10, 63.6)  # 7 of 11
    assert published["lacking_capacity_supported"] == (C, C, C)  # 2 of 3
    assert published["feel_safer"] == (C, C, C)  # 2 of 3
    # No count anywhere is 0 to 4 or off the multiples of 5.
    assert all(
        n == SUPPRESSED or (isinstance(n, int) and n >= 5 and n % 5 == 0) for n in all_counts(exported)
    )
    assert SUPPRESSED in all_counts(exported) and 0 not in all_counts(exported)


def test_export_gives_every_cell_of_the_national_grid_rounded_from_the_return(tmp_path, data, today):
    exported = export(tmp_path)
    unrounded = build_return(FY, data.council)["tables"]
    assert list(exported["sac"]) == list(TABLE_TITLES)
    for table_id, cells in exported["sac"].items():
        rows, columns = ORDERS[table_id]
        assert [(c["row"], c["column"]) for c in cells] == [(r, k) for r in rows for k in columns], table_id
        exact = {(c["row"], c["column"]): c["count"] for c in unrounded[table_id]}
        for cell in cells:
            assert cell["count"] == publish_count(exact.get((cell["row"], cell["column"]), 0)), (
                table_id,
                cell,
            )
    # The cells the return does not list counted nothing: the file has them, as [c] (not 0).
    listed = {(t, c["row"], c["column"]) for t, cells in unrounded.items() for c in cells}
    zeros = [
        c for t, cells in exported["sac"].items() for c in cells if (t, c["row"], c["column"]) not in listed
    ]
    assert zeros and all(c["count"] == C for c in zeros)
    sg1f = {c["row"]: c["count"] for c in exported["sac"]["SG1f"]}
    conversion = measures_of(exported)["sac_conversion_rate_s42"]
    assert conversion[:2] == (sg1f[SG1F_S42], sg1f[SG1F_CONCERNS])
    assert measures_of(exported)["sac_conversion_rate"][1] == sg1f[SG1F_CONCERNS]
    assert [m["id"] for m in exported["measures"]] == [m.id for m in MEASURES]
    assert [m["id"] for m in exported["headline"]] == list(HEADLINE)


def test_export_headline_has_both_conversion_rates_from_the_return(tmp_path, data, today):
    """The publication's conversion rate (section 42 and other enquiries over concerns) and the
    section 42 one, each published from the return's unrounded SG1f counts."""
    exported = export(tmp_path)
    sg1f = {c["row"]: c["count"] for c in build_return(FY, data.council)["tables"]["SG1f"]}
    concerns, s42, other = (sg1f.get(row, 0) for row in (SG1F_CONCERNS, SG1F_S42, SG1F_OTHER))
    assert (concerns, s42, other) == (13, 7, 1)  # tests/measures_fixtures.py
    assert [m["id"] for m in exported["headline"]] == ["sac_conversion_rate", "sac_conversion_rate_s42"]
    assert [m["label"] for m in exported["headline"]] == [label for label, _ in HEADLINE.values()]
    published = measures_of(exported)
    # 8 of 13: the numerator is the rounded sum (8 -> 10), not the sum of the rounded cells (5 + [c]).
    assert published["sac_conversion_rate"] == (publish_count(s42 + other), publish_count(concerns), 61.5)
    assert published["sac_conversion_rate"] == (10, 15, 61.5)
    # 7 of 13.
    assert published["sac_conversion_rate_s42"] == (publish_count(s42), publish_count(concerns), 53.8)
    assert published["sac_conversion_rate_s42"] == (5, 15, 53.8)
    cells = {c["row"]: c["count"] for c in exported["sac"]["SG1f"]}
    assert (cells[SG1F_CONCERNS], cells[SG1F_S42], cells[SG1F_OTHER]) == (15, 5, C)
    parsed = validate("riverside.json", exported)
    stored = {m: (num, den, pct) for m, num, den, pct in parsed.measures}
    assert stored["sac_conversion_rate"] == (10, 15, 61.5)
    assert stored["sac_conversion_rate_s42"] == (5, 15, 53.8)


def test_exported_file_passes_the_importers_checks_and_holds_only_its_council(tmp_path, data, today):
    path = tmp_path / "riverside.json"
    call_command("benchmark_export", "--year", YEAR, "--council", "E06000901", "--output", str(path))
    parsed = parse(path.name, path.read_bytes())
    assert (parsed.ons_code, parsed.council_name, parsed.region) == (
        "E06000901",
        "Riverside Council",
        NORTH_WEST,
    )
    hillside = export(tmp_path, "E06000902")
    assert hillside["council"]["name"] == "Hillside Council"
    assert measures_of(hillside)["asked_about_outcomes"] == (C, C, C)  # Hillside's one enquiry: 1 of 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", YEAR, "--council", "E09999999"], "No council with ONS code E09999999"),
        (["--year", "2025-2026", "--council", "E06000901"], "A financial year looks like 2025-26"),
        (["--year", "2025-27", "--council", "E06000901"], "A financial year looks like 2025-26"),
    ],
)
def test_export_refuses_unknown_councils_and_years(tmp_path, council, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("benchmark_export", *args, "--output", str(tmp_path / "out.json"))
    assert not (tmp_path / "out.json").exists()


def test_export_refuses_a_council_without_a_region(tmp_path, council):
    Organisation.objects.filter(pk=council.pk).update(region="")
    with pytest.raises(CommandError, match="has no region"):
        call_command(
            "benchmark_export", "--year", YEAR, "--council", council.ons_code, "--output", str(tmp_path / "x")
        )


# --- Import: accepted -------------------------------------------------------------------------------------


def nothing_imported() -> bool:
    return not (
        BenchmarkSubmission.objects.exists()
        or BenchmarkCell.objects.exists()
        or BenchmarkMeasure.objects.exists()
    )


def refused(*paths: str, replace: bool = False) -> str:
    """Run benchmark_import expecting a refusal; the error text."""
    with pytest.raises(CommandError) as info:
        call_command("benchmark_import", *paths, *(["--replace"] if replace else []))
    return str(info.value)


def test_import_stores_every_cell_and_measure_and_who_imported(tmp_path, lead):
    alpha = benchmark_file(
        "E08000001", "Alpha Council", NORTH_WEST,
        measures={"asked_about_outcomes": (40, 50, 80.0), "involved": (C, 10, C)},
        cells={("SG1f", SG1F_CONCERNS, "Total"): 100, ("SG1f", SG1F_S42, "Total"): C},
    )  # fmt: skip
    epsilon = benchmark_file("E09000001", "Epsilon Council", LONDON)
    call_command(
        "benchmark_import", write(tmp_path, alpha), write(tmp_path, epsilon), "--user", lead.username
    )
    assert BenchmarkSubmission.objects.count() == 2
    submission = BenchmarkSubmission.objects.get(ons_code="E08000001")
    assert (submission.year, submission.council_name, submission.region) == (
        YEAR,
        "Alpha Council",
        NORTH_WEST,
    )
    assert submission.imported_by == lead and submission.imported_by_name == lead.username
    assert len(submission.sha256) == 64 and submission.file_name.endswith("E08000001-2025-26.json")
    cells = sum(len(rows) * len(columns) for rows, columns in ORDERS.values())
    assert submission.cells.count() == cells
    stored = {m.measure_id: (m.numerator, m.denominator, m.percent) for m in submission.measures.all()}
    assert len(stored) == len(MEASURES) + len(HEADLINE)
    assert stored["asked_about_outcomes"] == (40, 50, 80.0)
    assert stored["involved"] == (None, 10, None)
    assert stored["sac_conversion_rate"] == (None, 100, None)
    assert stored["sac_conversion_rate_s42"] == (None, 100, None)
    assert stored["feel_safer"] == (None, None, None)  # suppressed whole, as 0 of 0 is published
    assert submission.cells.get(table_id="SG1f", row=SG1F_S42).count is None


def test_command_line_import_records_the_system_account(tmp_path, db):
    call_command(
        "benchmark_import", write(tmp_path, benchmark_file("E08000001", "Alpha Council", NORTH_WEST))
    )
    assert BenchmarkSubmission.objects.get().imported_by_name.endswith("(command line)")


def test_the_same_council_in_another_year_is_another_submission(tmp_path, db):
    files = [
        write(tmp_path, benchmark_file("E08000001", "Alpha Council", NORTH_WEST, year=year))
        for year in ("2024-25", "2025-26")
    ]
    call_command("benchmark_import", *files)
    assert sorted(BenchmarkSubmission.objects.values_list("year", flat=True)) == ["2024-25", "2025-26"]


# --- Import: refused, and nothing written --------------------------------------------------------------


def test_a_council_claimed_twice_among_the_files_is_refused(tmp_path, db):
    first = write(tmp_path, benchmark_file("E08000001", "Alpha Council", NORTH_WEST), "alpha.json")
    again = write(tmp_path, benchmark_file("E08000001", "Alpha (again)", NORTH_WEST), "alpha-again.json")
    other = write(tmp_path, benchmark_file("E09000001", "Epsilon Council", LONDON), "epsilon.json")
    message = refused(first, other, again)
    assert "Nothing was imported" in message
    assert "alpha-again.json: claims Alpha (again) (E08000001) for 2025-26" in message
    assert "give each council once" in message
    assert nothing_imported()


def test_a_file_naming_its_council_twice_is_refused(tmp_path, db):
    data = benchmark_file("E08000001", "Alpha Council", NORTH_WEST)
    text = json.dumps(data).replace(
        '"council": {',
        '"council": {"ons_code": "E09000001", "name": "Epsilon", "region": "London"}, "council": {',
        1,
    )
    message = refused(write(tmp_path, text, "twice.json"))
    assert "twice.json: not valid JSON: the key 'council' appears twice in one object" in message
    assert nothing_imported()


def test_a_council_already_imported_is_refused_unless_replaced(tmp_path, db):
    path = write(
        tmp_path,
        benchmark_file(
            "E08000001",
            "Alpha Council",
            NORTH_WEST,
            cells={("SG2c", "Risk identified and action taken", "Total"): 5},
        ),
    )
    call_command("benchmark_import", path)
    before = BenchmarkSubmission.objects.get()
    newer = benchmark_file(
        "E08000001",
        "Alpha Council",
        NORTH_WEST,
        cells={("SG2c", "Risk identified and action taken", "Total"): 10},
    )
    newer_path = write(tmp_path, newer, "alpha-corrected.json")
    message = refused(newer_path)
    assert "alpha-corrected.json: Alpha Council (E08000001) 2025-26 was imported already" in message
    assert "run again with --replace" in message
    assert BenchmarkSubmission.objects.get().pk == before.pk
    assert BenchmarkCell.objects.get(table_id="SG2c", row="Risk identified and action taken").count == 5

    call_command("benchmark_import", newer_path, "--replace")
    after = BenchmarkSubmission.objects.get()
    assert after.pk != before.pk and after.file_name == newer_path
    assert BenchmarkCell.objects.get(table_id="SG2c", row="Risk identified and action taken").count == 10
    assert BenchmarkCell.objects.filter(submission_id=before.pk).count() == 0


def broken(change) -> dict:
    data = benchmark_file("E08000001", "Alpha Council", NORTH_WEST)
    change(data)
    return data


def cell(data: dict, table_id: str, index: int = 0) -> dict:
    return data["sac"][table_id][index]


def measure(data: dict, measure_id: str) -> dict:
    return next(m for m in data["headline"] + data["measures"] if m["id"] == measure_id)


REFUSALS = [
    # Malformed
    (
        "not json",
        lambda d: None,
        "{ this is not JSON",
        "not valid JSON: Expecting property name enclosed in double quotes at line 1, column 3",
    ),
    ("trailing comma", lambda d: None, '{"format": "msphub-benchmark",}', "not valid JSON"),
    ("a list", lambda d: None, "[1, 2]", "the file: expected an object, found a list"),
    (
        "NaN",
        lambda d: measure(d, "involved").update(percent=float("nan")),
        None,
        "not valid JSON: NaN is not a number JSON allows",
    ),
    (
        "another format",
        lambda d: d.update(format="sac-return"),
        None,
        "format: expected 'msphub-benchmark', found the text 'sac-return'",
    ),
    (
        "a later version",
        lambda d: d.update(version=4),
        None,
        "version: this hub reads version 2 and 3 files, not the number 4",
    ),
    (
        "an earlier version",
        lambda d: d.update(version=1),
        None,
        "version: this hub reads version 2 and 3 files, not the number 1",
    ),
    (
        "a version 2 file with what people wanted and got",
        lambda d: d.update(version=2, advocacy_days={"median": C, "p90": C, "n": C}),
        None,
        "advocacy_days: new in version 3; a version 2 file does not carry it",
    ),
    (
        "a bad year",
        lambda d: d.update(year="2025-27"),
        None,
        "year: expected a financial year like 2025-26, found the text '2025-27'",
    ),
    (
        "a bad ONS code",
        lambda d: d["council"].update(ons_code="E0800001"),
        None,
        "council.ons_code: expected an ONS code",
    ),
    (
        "no region",
        lambda d: d["council"].update(region=""),
        None,
        "council.region: expected some text, found empty text",
    ),
    ("a missing field", lambda d: d.pop("generated_at"), None, "the file: 'generated_at' is missing"),
    ("an unknown field", lambda d: d.update(notes="hello"), None, "the file: unknown field 'notes'"),
    (
        "a naive time",
        lambda d: d.update(generated_at="2026-04-20T09:00:00"),
        None,
        "generated_at: expected a date and time with its offset",
    ),
    # Unknown labels
    ("an unknown table", lambda d: d["sac"].update(SG9=[]), None, "sac: unknown table 'SG9'"),
    ("a missing table", lambda d: d["sac"].pop("SG3a"), None, "sac: the table SG3a is missing"),
    (
        "an unknown row",
        lambda d: cell(d, "SG2a").update(row="Physical abuse"),
        None,
        "sac.SG2a[0].row: unknown row label the text 'Physical abuse' for SG2a",
    ),
    (
        "an unknown column",
        lambda d: cell(d, "SG1a").update(column="65 to 74"),
        None,
        "sac.SG1a[0].column: unknown column label the text '65 to 74' for SG1a",
    ),
    (
        "an unknown measure",
        lambda d: measure(d, "involved").update(id="involvement"),
        None,
        "measures[6].id: unknown measure the text 'involvement'",
    ),
    (
        "a missing measure",
        lambda d: d["measures"].pop(),
        None,
        "measures: the measure 'repeat_concerns_12m' is missing",
    ),
    (
        "a measure twice",
        lambda d: d["measures"].append(dict(d["measures"][0])),
        None,
        "measures[15] (asked_about_outcomes): the measure appears twice",
    ),
    (
        "a cell twice",
        lambda d: d["sac"]["SG2e"].append(dict(cell(d, "SG2e"))),
        None,
        "sac.SG2e[3]: the cell 'Risk remained' x 'Total' appears twice",
    ),
    (
        "a missing cell",
        lambda d: d["sac"]["SG2e"].pop(),
        None,
        "sac.SG2e: the cell 'Risk removed' x 'Total' missing",
    ),
    # No disclosure control
    (
        "an unrounded count of 7",
        lambda d: cell(d, "SG2c").update(count=7),
        None,
        "sac.SG2c[0].count: 7 is not '[c]' or a whole number rounded to 5 (was disclosure control applied?)",
    ),
    (
        "a count of 3",
        lambda d: measure(d, "involved").update(numerator=3, denominator=10, percent=30.0),
        None,
        "measures[6] (involved).numerator: 3 is not '[c]'",
    ),
    (
        "a count of 0",
        lambda d: cell(d, "SG2c").update(count=0),
        None,
        "sac.SG2c[0].count: 0 is not '[c]' or a whole number rounded to 5 (was disclosure control applied?)",
    ),
    (
        "a base of 0",
        lambda d: measure(d, "involved").update(numerator=C, denominator=0, percent=C),
        None,
        "measures[6] (involved).denominator: 0 is not '[c]'",
    ),
    ("a negative count", lambda d: cell(d, "SG2c").update(count=-5), None, "sac.SG2c[0].count: -5 is not"),
    ("a count as text", lambda d: cell(d, "SG2c").update(count="10"), None, 'sac.SG2c[0].count: "10" is not'),
    (
        "a percent shown with a suppressed count",
        lambda d: measure(d, "involved").update(numerator=C, denominator=10, percent=30.0),
        None,
        "measures[6] (involved).percent: expected '[c]' as a count is suppressed",
    ),
    (
        "a percent over 100",
        lambda d: measure(d, "involved").update(numerator=10, denominator=10, percent=101),
        None,
        "measures[6] (involved).percent: expected a number from 0 to 100, found the number 101",
    ),
    (
        "a percent where the base is suppressed",
        lambda d: measure(d, "involved").update(numerator=C, denominator=C, percent=0.0),
        None,
        "measures[6] (involved).percent: expected '[c]' as a count is suppressed, found the number 0.0",
    ),
    (
        "a null percent where the base is suppressed",  # version 1's base of 0
        lambda d: measure(d, "involved").update(numerator=C, denominator=C, percent=None),
        None,
        "measures[6] (involved).percent: expected '[c]' as a count is suppressed, found null",
    ),
    (
        "a null percent beside published counts",
        lambda d: measure(d, "involved").update(numerator=5, denominator=10, percent=None),
        None,
        "measures[6] (involved).percent: expected a number from 0 to 100, found null",
    ),
    (
        "a headline base that is not SG1f's concerns",
        lambda d: measure(d, "sac_conversion_rate").update(numerator=5, denominator=10, percent=50.0),
        None,
        f"headline (sac_conversion_rate).denominator: 10 differs from the SG1f cell {SG1F_CONCERNS!r}, [c]",
    ),
    (
        "a section 42 headline base that is not SG1f's concerns",
        lambda d: measure(d, "sac_conversion_rate_s42").update(numerator=C, denominator=10, percent=C),
        None,
        f"headline (sac_conversion_rate_s42).denominator: 10 differs from the SG1f cell {SG1F_CONCERNS!r}",
    ),
    (
        "a section 42 headline that is not SG1f's section 42 enquiries",
        lambda d: measure(d, "sac_conversion_rate_s42").update(numerator=5, denominator=C, percent=C),
        None,
        f"headline (sac_conversion_rate_s42).numerator: 5 differs from the SG1f cell {SG1F_S42!r}, [c]",
    ),
    (
        "a headline measure missing",
        lambda d: d["headline"].pop(),
        None,
        "headline: the measure 'sac_conversion_rate_s42' is missing",
    ),
]


@pytest.mark.parametrize(("label", "change", "text", "problem"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_malformed_files_are_refused_with_the_file_and_the_reason(tmp_path, db, label, change, text, problem):
    good = write(tmp_path, benchmark_file("E09000001", "Epsilon Council", LONDON), "good.json")
    bad = write(tmp_path, text if text is not None else broken(change), "bad.json")
    message = refused(good, bad)
    assert f"bad.json: {problem}" in message
    assert "good.json" not in message
    assert nothing_imported()


def test_a_version_1_file_is_refused_naming_versions_2_and_3(tmp_path, db):
    """A file written before counts of 0 were suppressed (version 1: 0 shown as 0, no percentage for
    a base of 0, one headline measure) is refused on its version alone, naming the version this hub
    reads, not cell by cell."""
    old = benchmark_file("E08000001", "Alpha Council", NORTH_WEST)
    old["version"] = 1
    del old["headline"][1:]
    for m in old["headline"] + old["measures"]:
        m.update(numerator=0, denominator=0, percent=None)
    for cells in old["sac"].values():
        for c in cells:
            c["count"] = 0
    with pytest.raises(ImportRefused) as info:
        validate("alpha-v1.json", old)
    assert info.value.problems == ["version: this hub reads version 2 and 3 files, not the number 1"]
    message = refused(write(tmp_path, old, "alpha-v1.json"))
    assert "alpha-v1.json: version: this hub reads version 2 and 3 files, not the number 1" in message
    assert message.count("alpha-v1.json") == 1
    assert nothing_imported()


def test_a_version_2_file_is_still_imported(tmp_path, db):
    """A file written before issue 14 (version 2, without outcomes_by_category or advocacy_days) is
    read and stored as it was, its version kept."""
    older = benchmark_file("E08000001", "Alpha Council", NORTH_WEST)
    older["version"] = 2
    call_command("benchmark_import", write(tmp_path, older))
    submission = BenchmarkSubmission.objects.get()
    assert submission.format_version == 2 and submission.advocacy_days is None
    assert not BenchmarkCell.objects.filter(table_id="outcomes").exists()


def test_a_version_3_file_with_what_people_wanted_and_got_is_imported(tmp_path, db):
    data = benchmark_file("E08000001", "Alpha Council", NORTH_WEST)
    assert data["version"] == 3
    data["advocacy_days"] = {"median": 4.0, "p90": 12, "n": 15}
    call_command("benchmark_import", write(tmp_path, data))
    submission = BenchmarkSubmission.objects.get()
    assert submission.format_version == 3
    assert submission.advocacy_days == {"median": 4.0, "p90": 12.0, "n": 15}


def test_the_all_enquiries_numerator_is_the_rounded_sum_not_a_cell(tmp_path, db):
    """The publication's conversion rate has section 42 and other enquiries over concerns: its
    numerator is their unrounded sum, rounded (10 + 3 = 13 -> 15), which neither SG1f cell gives."""
    alpha = benchmark_file(
        "E08000001", "Alpha Council", NORTH_WEST,
        measures={"sac_conversion_rate": (15, 50, 26.0), "sac_conversion_rate_s42": (10, 50, 20.0)},
        cells={("SG1f", SG1F_CONCERNS, "Total"): 50, ("SG1f", SG1F_S42, "Total"): 10,
               ("SG1f", SG1F_OTHER, "Total"): C},
    )  # fmt: skip
    call_command("benchmark_import", write(tmp_path, alpha))
    stored = {m.measure_id: (m.numerator, m.denominator, m.percent) for m in BenchmarkMeasure.objects.all()}
    assert stored["sac_conversion_rate"] == (15, 50, 26.0)
    assert stored["sac_conversion_rate_s42"] == (10, 50, 20.0)


def test_every_problem_of_a_file_is_listed(tmp_path, db):
    def two_problems(d: dict) -> None:
        cell(d, "SG2c").update(count=7)
        d["council"]["ons_code"] = "London"

    message = refused(write(tmp_path, broken(two_problems), "bad.json"))
    assert "bad.json: council.ons_code" in message and "bad.json: sac.SG2c[0].count: 7" in message


def test_an_unreadable_path_is_refused(tmp_path, db):
    good = write(tmp_path, benchmark_file("E09000001", "Epsilon Council", LONDON))
    message = refused(good, str(tmp_path / "missing.json"))
    assert "missing.json: cannot read it" in message
    assert nothing_imported()


def test_not_utf8_is_refused(tmp_path, db):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"council": "Caf\xe9"}'.encode("latin-1"))
    assert "latin1.json: not UTF-8 text" in refused(str(path))


def test_every_sac_label_fits_the_stored_cell():
    """SG1e's column labels run to 114 characters; PostgreSQL refuses a longer value than the column
    (SQLite does not), so every label of the national grid must fit BenchmarkCell's fields."""
    from msphub.benchmarks.models import BenchmarkCell

    longest = max(len(label) for rows, columns in ORDERS.values() for label in (*rows, *columns))
    assert longest <= BenchmarkCell._meta.get_field("row").max_length
    assert longest <= BenchmarkCell._meta.get_field("column").max_length
