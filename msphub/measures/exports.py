"""The SAC return and the measures as files: JSON, CSV and an XLSX workbook laid out like the national
template (docs/sac.md): a Sign Off sheet, one sheet per group of tables (SG1, SG2, ...) with each table
under its reference and title, white mandatory and blue voluntary cells and a comment box under each
table, then the validation warnings."""

from __future__ import annotations

import io
import json
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from msphub.core.downloads import csv_text, spreadsheet_safe

from .sac import ORDERS, SG5_TITLES, TABLE_TITLES, build_return, grid, table_order
from .validation import reference_text, with_validation

if TYPE_CHECKING:
    from msphub.accounts.models import Organisation
    from msphub.core.periods import FinancialYear

    from .models import ReturnSignOff

FORMATS = ("json", "csv", "xlsx")

# The sheet the national template needs completed ("Details in the Sign Off Sheet must be completed
# otherwise your file will not be accepted by SDCS", docs/sac.md). Its contents are not confirmed
# from the guidance: msphub fills in the council, the year and the lead's sign-off.
SIGN_OFF_SHEET = "Sign Off"
VALIDATION_SHEET = "Validation"
WARNINGS_SHEET = "Warnings"
COMMENTS = "Comments"
NOT_SIGNED_OFF = "Not signed off"

# "White cells in the data template document relate to mandatory categories or metrics, blue cells
# relate to the voluntary ones." (docs/sac.md, [SG1])
WHITE = "FFFFFF"
BLUE = "C5D9F1"
WHITE_FILL = PatternFill(fill_type="solid", start_color=WHITE, end_color=WHITE)
BLUE_FILL = PatternFill(fill_type="solid", start_color=BLUE, end_color=BLUE)
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

# The template's groups of tables, one sheet each. "SG1: Demographics" and "SG2: Case details" are the
# guidance's own page titles ([SG1], [SG2] in docs/sac.md); the SG3 to SG5 titles are not confirmed.
GROUP_TITLES = {
    "SG1": "Demographics",
    "SG2": "Case details",
    "SG3": "Mental capacity",
    "SG4": "Making Safeguarding Personal",
    "SG5": "Safeguarding Adults Reviews",
}

# Mandatory or voluntary, from docs/sac.md. Confirmed from the guidance for SG1a only: individuals in
# section 42 enquiries mandatory, in concerns and in other enquiries voluntary. The same three
# "Individuals Involved In ..." rows of the other SG1 tables are given the same marks (not confirmed
# for them); every other table is shown as mandatory (white), which is not confirmed either.
MARKS_CONFIRMED = ("SG1a",)


def voluntary_rows(table_id: str) -> set[str]:
    """The rows of a table that are voluntary (blue), by the guidance's SG1a marks (see above)."""
    if not table_id.startswith("SG1") or table_id == "SG1f":
        return set()
    concerns, _, other = ORDERS["SG1a"][0][:3]
    return {concerns, other} & set(ORDERS.get(table_id, ([], []))[0])


def is_voluntary(table_id: str, row: str) -> bool:
    return row in voluntary_rows(table_id)


def table_groups(data: dict[str, Any] | None = None) -> OrderedDict[str, list[str]]:
    """Table ids by template group (``SG1``: SG1a, SG1b, ...), in the return's order; with ``data``
    (a built return), SG5 too when the year has it (a year without a concluded review has no SG5)."""
    groups: OrderedDict[str, list[str]] = OrderedDict()
    extra = [table_id for table_id in SG5_TITLES if data is not None and table_id in data["tables"]]
    for table_id in [*TABLE_TITLES, *extra]:
        groups.setdefault(table_id[:3], []).append(table_id)
    return groups


def return_json(data: dict[str, Any]) -> str:
    """The return as JSON, in the shape the ``sac_return`` command has always written (year, council,
    tables, warnings): validation warnings, if any, follow the others in ``warnings``, each with the
    records it names."""
    validation = data.get("validation", [])
    shown = {key: value for key, value in data.items() if key != "validation"}
    shown["warnings"] = [*data["warnings"], *(validation_text(w) for w in validation)]
    return json.dumps(shown, indent=2, ensure_ascii=False)


def validation_text(warning: dict[str, Any]) -> str:
    """A validation warning as one line: its message, then the records it names."""
    references = reference_text(warning)
    return warning["message"] + (f" References: {references}" if references else "")


def return_csv(data: dict[str, Any]) -> str:
    """One line per non-zero cell; then, if the return has been validated, one line per warning
    (table ``Validation``, row the check, column its message and references, count the records)."""
    cells = (
        [data["year"], data["council"], table_id, cell["row"], cell["column"], cell["count"]]
        for table_id, cells in data["tables"].items()
        for cell in cells
    )
    checks = (
        [
            data["year"],
            data["council"],
            VALIDATION_SHEET,
            w["check"],
            validation_text(w),
            len(w.get("references", [])) + w.get("more", 0),
        ]
        for w in data.get("validation", [])
    )
    return csv_text(["year", "council", "table", "row", "column", "count"], [*cells, *checks])


def _safe(value: Any) -> Any:
    return spreadsheet_safe(value)


def _sign_off_sheet(
    book: Workbook,
    data: dict[str, Any],
    council_name: str,
    sign_off: ReturnSignOff | None,
    differences: list[dict[str, Any]] | None,
) -> None:
    sheet = book.create_sheet(SIGN_OFF_SHEET)
    sheet["A1"] = SIGN_OFF_SHEET
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = _safe(f"Safeguarding Adults Collection {data['year']}")
    signed_at = timezone.localtime(sign_off.signed_off_at) if sign_off else None
    rows: list[tuple[str, Any]] = [
        ("Council", council_name),
        ("Council code", data["council"]),
        ("Reporting year", data["year"]),
        ("Status", "Signed off" if sign_off else NOT_SIGNED_OFF),
        ("Name of the person signing off", sign_off.signed_off_by_name if sign_off else ""),
        ("Job title", sign_off.job_title if sign_off else ""),
        ("Date signed off", signed_at.date() if signed_at else ""),
        ("Statement", sign_off.statement if sign_off else NOT_SIGNED_OFF),
    ]
    if sign_off and differences:
        rows.append(
            (
                "Changes since sign-off",
                f"{len(differences)} cells now differ from the signed-off return: this workbook holds the "
                "figures as they are now. Sign the return off again before submitting it.",
            )
        )
    for i, (label, value) in enumerate(rows, start=4):
        sheet.cell(row=i, column=1, value=label).font = Font(bold=True)
        cell = sheet.cell(row=i, column=2, value=_safe(value))
        cell.border = BOX
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if label == "Date signed off" and value:
            cell.number_format = "d mmmm yyyy"
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 90


def _table(sheet: Worksheet, top: int, table_id: str, cells: list[dict[str, Any]]) -> int:
    """One table from row ``top``: reference and title, column labels, rows with their counts (white
    mandatory, blue voluntary), then the comment box. Answers the next free row."""
    rows, columns, values = grid(table_id, cells)
    title = TABLE_TITLES.get(table_id) or SG5_TITLES.get(table_id, "")
    heading = sheet.cell(row=top, column=1, value=_safe(f"{table_id} - {title}"))
    heading.font = Font(bold=True, size=12)
    for j, column in enumerate(columns, start=2):
        cell = sheet.cell(row=top + 1, column=j, value=_safe(column))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.border = BOX
    voluntary = voluntary_rows(table_id)
    for i, (row, counts) in enumerate(zip(rows, values, strict=True), start=top + 2):
        label = sheet.cell(row=i, column=1, value=_safe(row))
        label.font = Font(bold=True)
        label.alignment = Alignment(wrap_text=True)
        label.border = BOX
        fill = BLUE_FILL if row in voluntary else WHITE_FILL
        for j, count in enumerate(counts, start=2):
            cell = sheet.cell(row=i, column=j, value=count)
            cell.fill = fill
            cell.border = BOX
    # The comment box: a label, then a bordered merged cell as wide as the table, four rows deep.
    label_row = top + 2 + len(rows) + 1
    sheet.cell(row=label_row, column=1, value=COMMENTS).font = Font(bold=True)
    first, last = label_row + 1, label_row + 4
    last_column = max(len(columns) + 1, 2)
    for r in range(first, last + 1):
        for c in range(1, last_column + 1):
            sheet.cell(row=r, column=c).border = BOX
    sheet.merge_cells(start_row=first, start_column=1, end_row=last, end_column=last_column)
    sheet.cell(row=first, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    return last + 3


def _group_sheet(book: Workbook, data: dict[str, Any], group: str, table_ids: list[str]) -> None:
    sheet = book.create_sheet(group)
    title = GROUP_TITLES.get(group)
    sheet["A1"] = f"{group}: {title}" if title else group
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = _safe(f"Financial year {data['year']}; council {data['council']}")
    sheet["A3"] = "White cells are mandatory; blue cells are voluntary."
    top = 5
    widest = 1
    for table_id in table_ids:
        top = _table(sheet, top, table_id, data["tables"].get(table_id, []))
        widest = max(widest, len(table_order(table_id)[1]))
    sheet.column_dimensions["A"].width = 60
    for j in range(2, widest + 2):
        sheet.column_dimensions[get_column_letter(j)].width = 18


def _validation_sheet(book: Workbook, validation: list[dict[str, Any]]) -> None:
    sheet = book.create_sheet(VALIDATION_SHEET)
    headings = ["Check", "Message", "References", "Records"]
    for j, heading in enumerate(headings, start=1):
        sheet.cell(row=1, column=j, value=heading).font = Font(bold=True)
    if not validation:
        sheet.cell(row=2, column=1, value="None")
    for i, w in enumerate(validation, start=2):
        sheet.cell(row=i, column=1, value=_safe(w["check"]))
        sheet.cell(row=i, column=2, value=_safe(w["message"])).alignment = Alignment(wrap_text=True)
        sheet.cell(row=i, column=3, value=_safe(reference_text(w))).alignment = Alignment(wrap_text=True)
        sheet.cell(row=i, column=4, value=len(w.get("references", [])) + w.get("more", 0))
    for letter, width in zip("ABCD", (28, 80, 60, 10), strict=True):
        sheet.column_dimensions[letter].width = width


def return_xlsx(
    data: dict[str, Any],
    *,
    council_name: str = "",
    sign_off: ReturnSignOff | None = None,
    differences: list[dict[str, Any]] | None = None,
) -> bytes:
    """The workbook: Sign Off (from ``sign_off``, the lead's latest; "Not signed off" without one),
    one sheet per group of tables, Validation (when ``data`` has been validated) and Warnings."""
    book = Workbook()
    first = book.active
    assert first is not None  # a new workbook has one empty sheet
    book.remove(first)
    _sign_off_sheet(book, data, council_name, sign_off, differences)
    for group, table_ids in table_groups(data).items():
        _group_sheet(book, data, group, table_ids)
    if "validation" in data:
        _validation_sheet(book, data["validation"])
    warnings = book.create_sheet(WARNINGS_SHEET)
    warnings["A1"] = "Warnings (the cross-table checks are on the Validation sheet)"
    warnings["A1"].font = Font(bold=True)
    for i, warning in enumerate(data["warnings"] or ["None"], start=2):
        warnings.cell(row=i, column=1, value=_safe(warning))
    warnings.column_dimensions["A"].width = 120
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def return_file(
    data: dict[str, Any],
    format: str,
    *,
    council_name: str = "",
    sign_off: ReturnSignOff | None = None,
    differences: list[dict[str, Any]] | None = None,
) -> bytes:
    """The return as a file in one of ``FORMATS``: JSON, CSV (UTF-8) or an XLSX workbook (whose Sign
    Off sheet is filled from ``sign_off``)."""
    if format == "xlsx":
        return return_xlsx(data, council_name=council_name, sign_off=sign_off, differences=differences)
    if format == "csv":
        return return_csv(data).encode("utf-8")
    return return_json(data).encode("utf-8")


def validated_return(year: FinancialYear, council: Organisation | None) -> dict[str, Any]:
    """The return counted now, with its validation warnings (``validation``)."""
    return with_validation(build_return(year, council), year, council)


def council_return_file(
    year: FinancialYear, council: Organisation | None, format: str, data: dict[str, Any] | None = None
) -> bytes:
    """The whole return as a file: counted now (or ``data``, from ``validated_return``), validated,
    and in the workbook the lead's latest sign-off on the Sign Off sheet with the number of cells
    that differ from it since (a council's; the return of all councils has none)."""
    from .models import ReturnSignOff

    data = data if data is not None else validated_return(year, council)
    sign_off = ReturnSignOff.objects.latest_for(council, year) if council is not None else None
    return return_file(
        data,
        format,
        council_name=council.name if council is not None else "All councils",
        sign_off=sign_off,
        differences=sign_off.differences(data) if sign_off else None,
    )


def measures_csv(
    totals: list[dict[str, Any]],
    breakdown: dict[str, list] | None = None,
    dimension: str = "",
    extra: list[list[Any]] | None = None,
) -> str:
    """The measures, each followed by its breakdown's rows; then ``extra`` rows in the same columns
    (the dashboard's splits, ``split_csv_rows``)."""

    def rows(m: dict[str, Any]) -> list[list[Any]]:
        first = [m["id"], m["label"], "", "", m["numerator"], m["denominator"], m["percent"], m["base"]]
        return [first] + [
            [m["id"], m["label"], dimension, row["value"], row["numerator"], row["denominator"],
             row["percent"], m["base"]]
            for row in (breakdown or {}).get(m["id"], [])
        ]  # fmt: skip

    header = ["measure", "label", "breakdown", "value", "numerator", "denominator", "percent", "base"]
    return csv_text(header, [*(row for m in totals for row in rows(m)), *(extra or [])])


PARTNER_CSV_HEADER = [
    "council",
    "section",
    "agency",
    "kind",
    "figure",
    "label",
    "number",
    "out_of",
    "percent",
]
# What each section's count is (the row before its figures).
PARTNER_COUNTS = {
    "raising": ("concerns_raised", "Concerns raised"),
    "making": ("enquiries_concluded", "Enquiries concluded"),
}


def partner_figures_csv(councils: list[Any]) -> str:
    """Partner figures (``measures.partners.PartnerFigures``, one for each council) as CSV: for each
    agency of each section (``raising``: concerns raised, ``making``: enquiries made), a row with
    its count, then one row for each figure with its number, what it is out of and its percentage.
    Figures under disclosure control show "[c]" as the page does."""

    def rows(figures: Any) -> list[list[Any]]:
        council = str(figures.council) if figures.council is not None else ""
        out: list[list[Any]] = []
        for section in ("raising", "making"):
            figure_id, label = PARTNER_COUNTS[section]
            for row in getattr(figures, section):
                out.append([council, section, row.agency, row.kind, figure_id, label, row.count, "", ""])
                out += [
                    [council, section, row.agency, row.kind, f["id"], f["label"], f["numerator"],
                     f["denominator"], "" if f["percent"] is None else f["percent"]]
                    for f in row.figures
                ]  # fmt: skip
        return out

    return csv_text(PARTNER_CSV_HEADER, (row for figures in councils for row in rows(figures)))


def split_csv_rows(
    totals: list[dict[str, Any]],
    by_response: list[dict[str, Any]] | None,
    by_asker: dict[str, list[dict[str, Any]]] | None,
) -> list[list[Any]]:
    """The dashboard CSV's rows for the outcome measures by the response used (an enquiry under each
    response it used) and the feedback measures by who asked, in the ``measures_csv`` columns."""
    labels = {m["id"]: (m["label"], m["base"]) for m in totals}
    out: list[list[Any]] = []
    for row in by_response or []:
        for measure_id, figure in row["measures"].items():
            if figure["denominator"]:
                label, base = labels.get(measure_id, (figure["label"], ""))
                out.append(
                    [measure_id, label, "Response used", row["response"], figure["numerator"],
                     figure["denominator"], figure["percent"], base]
                )  # fmt: skip
    for measure_id, rows in (by_asker or {}).items():
        label, base = labels.get(measure_id, (measure_id, ""))
        out += [
            [measure_id, label, "Who asked", r["value"], r["numerator"], r["denominator"], r["percent"], base]
            for r in rows
        ]
    return out
