"""Files a page hands over: one response for every download, and PDFs printed from one stylesheet.

Every download is ``Cache-Control: no-store`` (a shared or browser cache must not keep a council's
figures or a person's words) and names its file in ``Content-Disposition``. PDF templates extend
``core/print.html``, whose stylesheet (``core/print.css``) is the only print CSS in the project.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

CSV = "text/csv; charset=utf-8"
JSON = "application/json"
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(
    content: bytes | str, content_type: str, filename: str | None = None, *, inline: bool = False
) -> HttpResponse:
    """A file for the browser to save (or, ``inline``, to show) as ``filename``, never cached.
    Without a ``filename`` the browser shows it as any page."""
    response = HttpResponse(content, content_type=content_type)
    if filename is not None:
        response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# A spreadsheet reads a cell starting with one of these as a formula (or, with tab and carriage
# return, as a cell that can start one): text from an organisation's or team's name, or from an
# imported file, must not run in the reader's Excel (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Text that would start a formula, with an apostrophe before it (shown as text); anything else
    unchanged, numbers included, so negative numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV file's text: the header row, then the rows, every text cell spreadsheet_safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([spreadsheet_safe(v) for v in header])
    writer.writerows([spreadsheet_safe(v) for v in row] for row in rows)
    return out.getvalue()


def csv_response(text: str, filename: str) -> HttpResponse:
    return download(text, CSV, filename)


# WeasyPrint's PDF/UA-1 variant: a tagged PDF 1.7 that also declares itself PDF/UA (ISO 14289-1) in
# its metadata and shows its title, not its file name, in the reader's window. A document may claim
# it only where every image has a text alternative and every table its headers: the temperature-check
# report does (templates/tempcheck/report_document.html).
PDF_UA = "pdf/ua-1"


def render_pdf(
    template: str,
    context: dict[str, Any],
    request: HttpRequest | None = None,
    *,
    variant: str | None = None,
) -> bytes:
    """A template (one extending ``core/print.html``) printed to PDF. With a request, links and
    images are resolved against the site, as the page would resolve them. Every PDF is tagged
    (headings, tables and their captions in a structure tree, and the document's language), so a
    screen reader can read the Board's packs and letters as it reads the page; ``variant``
    (``PDF_UA``) makes one a declared PDF/UA document as well."""
    from weasyprint import HTML  # slow to import; only PDFs need it

    html = render_to_string(template, context, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else None
    if variant is not None:
        return HTML(string=html, base_url=base_url).write_pdf(pdf_variant=variant)
    return HTML(string=html, base_url=base_url).write_pdf(pdf_tags=True)


def pdf_response(
    request: HttpRequest, template: str, context: dict[str, Any], filename: str, *, inline: bool = False
) -> HttpResponse:
    return download(render_pdf(template, context, request), PDF, filename, inline=inline)
