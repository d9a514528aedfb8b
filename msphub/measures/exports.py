"""The SAC return and the measures as files: JSON, CSV and an XLSX workbook like the national template."""

import csv
import io
import json
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from .sac import TABLE_TITLES, grid


def return_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def return_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["year", "council", "table", "row", "column", "count"])
    for table_id, cells in data["tables"].items():
        for cell in cells:
            writer.writerow(
                [data["year"], data["council"], table_id, cell["row"], cell["column"], cell["count"]]
            )
    return out.getvalue()


def return_xlsx(data: dict[str, Any]) -> bytes:
    """One sheet per table, rows by columns with zeros written out, plus a sheet of warnings."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for table_id, title in TABLE_TITLES.items():
        sheet = book.create_sheet(table_id)
        sheet["A1"] = f"{table_id}: {title}"
        sheet["A1"].font = Font(bold=True, size=13)
        sheet["A2"] = f"Financial year {data['year']}; council {data['council']}"
        rows, columns, values = grid(table_id, data["tables"][table_id])
        for j, column in enumerate(columns, start=2):
            cell = sheet.cell(row=4, column=j, value=column)
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True)
        for i, (row, counts) in enumerate(zip(rows, values, strict=True), start=5):
            sheet.cell(row=i, column=1, value=row).font = bold
            for j, count in enumerate(counts, start=2):
                sheet.cell(row=i, column=j, value=count)
        sheet.column_dimensions["A"].width = 55
        for j in range(2, len(columns) + 2):
            sheet.column_dimensions[sheet.cell(row=4, column=j).column_letter].width = 18
    warnings = book.create_sheet("Warnings")
    warnings["A1"] = "Validation warnings"
    warnings["A1"].font = bold
    for i, warning in enumerate(data["warnings"] or ["None"], start=2):
        warnings.cell(row=i, column=1, value=warning)
    warnings.column_dimensions["A"].width = 120
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def measures_csv(
    totals: list[dict[str, Any]], breakdown: dict[str, list] | None = None, dimension: str = ""
) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["measure", "label", "breakdown", "value", "numerator", "denominator", "percent", "base"])
    for m in totals:
        writer.writerow(
            [m["id"], m["label"], "", "", m["numerator"], m["denominator"], m["percent"], m["base"]]
        )
        for row in (breakdown or {}).get(m["id"], []):
            writer.writerow(
                [
                    m["id"],
                    m["label"],
                    dimension,
                    row["value"],
                    row["numerator"],
                    row["denominator"],
                    row["percent"],
                    m["base"],
                ]
            )
    return out.getvalue()
