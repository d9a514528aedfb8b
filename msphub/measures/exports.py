"""The SAC return and the measures as files: JSON, CSV and an XLSX workbook like the national template."""

import io
import json
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from msphub.core.downloads import csv_text, spreadsheet_safe

from .sac import TABLE_TITLES, grid

FORMATS = ("json", "csv", "xlsx")


def return_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def return_csv(data: dict[str, Any]) -> str:
    return csv_text(
        ["year", "council", "table", "row", "column", "count"],
        (
            [data["year"], data["council"], table_id, cell["row"], cell["column"], cell["count"]]
            for table_id, cells in data["tables"].items()
            for cell in cells
        ),
    )


def return_xlsx(data: dict[str, Any]) -> bytes:
    """One sheet per table, rows by columns with zeros written out, plus a sheet of warnings."""
    book = Workbook()
    first = book.active
    assert first is not None  # a new workbook has one empty sheet
    book.remove(first)
    bold = Font(bold=True)
    for table_id, title in TABLE_TITLES.items():
        sheet = book.create_sheet(table_id)
        sheet["A1"] = f"{table_id}: {title}"
        sheet["A1"].font = Font(bold=True, size=13)
        sheet["A2"] = spreadsheet_safe(f"Financial year {data['year']}; council {data['council']}")
        rows, columns, values = grid(table_id, data["tables"][table_id])
        for j, column in enumerate(columns, start=2):
            cell = sheet.cell(row=4, column=j, value=spreadsheet_safe(column))
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True)
        for i, (row, counts) in enumerate(zip(rows, values, strict=True), start=5):
            sheet.cell(row=i, column=1, value=spreadsheet_safe(row)).font = bold
            for j, count in enumerate(counts, start=2):
                sheet.cell(row=i, column=j, value=count)
        sheet.column_dimensions["A"].width = 55
        for j in range(2, len(columns) + 2):
            sheet.column_dimensions[sheet.cell(row=4, column=j).column_letter].width = 18
    warnings = book.create_sheet("Warnings")
    warnings["A1"] = "Validation warnings"
    warnings["A1"].font = bold
    for i, warning in enumerate(data["warnings"] or ["None"], start=2):
        warnings.cell(row=i, column=1, value=spreadsheet_safe(warning))
    warnings.column_dimensions["A"].width = 120
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def return_file(data: dict[str, Any], format: str) -> bytes:
    """The return as a file in one of ``FORMATS``: JSON, CSV (UTF-8) or an XLSX workbook."""
    if format == "xlsx":
        return return_xlsx(data)
    if format == "csv":
        return return_csv(data).encode("utf-8")
    return return_json(data).encode("utf-8")


def measures_csv(
    totals: list[dict[str, Any]], breakdown: dict[str, list] | None = None, dimension: str = ""
) -> str:
    def rows(m: dict[str, Any]) -> list[list[Any]]:
        first = [m["id"], m["label"], "", "", m["numerator"], m["denominator"], m["percent"], m["base"]]
        return [first] + [
            [m["id"], m["label"], dimension, row["value"], row["numerator"], row["denominator"],
             row["percent"], m["base"]]
            for row in (breakdown or {}).get(m["id"], [])
        ]  # fmt: skip

    header = ["measure", "label", "breakdown", "value", "numerator", "denominator", "percent", "base"]
    return csv_text(header, (row for m in totals for row in rows(m)))
