"""Benchmarking pages: thin views over comparison.py, files.py and importer.py.

Who sees what is models.council_scope (through core.access.visible for imported submissions): a
council's staff with measures access and its Board viewers see their own council; a regional lead
every council of the region (a national lead, every council). A council outside that scope is a 404.
"""

import csv
import io
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from msphub.core.access import visible
from msphub.core.forms import posted
from msphub.measures.periods import financial_year, financial_year_label

from . import files
from .comparison import DATABASE, IMPORTED, Comparison, ImportedFigures, LiveFigures, compare, live_councils
from .disclosure import shown
from .forms import ComparisonForm, ImportForm
from .importer import ImportRefused, Upload, import_files
from .models import BenchmarkSubmission, council_scope, may_import


def _scope(request: HttpRequest) -> Q:
    scope = council_scope(request.user)
    if scope is None:
        raise Http404
    return scope


def _last_full_year() -> str:
    this_year = financial_year(financial_year_label(timezone.localdate()))
    return financial_year_label(this_year.start.replace(year=this_year.start.year - 1))


def _years(submissions) -> list[str]:
    """The last five financial years and any year with imported files the user may see, newest first."""
    first = int(financial_year_label(timezone.localdate())[:4])
    recent = {f"{y}-{(y + 1) % 100:02d}" for y in range(first, first - 5, -1)}
    return sorted(recent | set(submissions.values_list("year", flat=True).distinct()), reverse=True)


def _own_code(request: HttpRequest) -> str:
    user = request.user
    return "" if user.is_regional_lead else user.organisation.ons_code


# "Councils in this database" builds each council's figures on the request: fine for the handful of
# councils most installations hold. Beyond this, benchmark_snapshot stores them once instead.
LIVE_LIMIT = 20


def _comparison(request: HttpRequest) -> dict[str, Any]:
    """The page's context; raises Http404 for a council outside the user's scope."""
    scope = _scope(request)
    submissions = visible(request, BenchmarkSubmission.objects.all())
    form = ComparisonForm(request.GET or None, years=_years(submissions))
    context: dict[str, Any] = {"form": form, "comparison": None, "councils": [], "query": ""}
    if form.is_bound and not form.is_valid():
        return context
    data = form.cleaned_data if form.is_bound else {}
    latest = submissions.order_by("-year").values_list("year", flat=True).first()
    year = data.get("year") or latest or _last_full_year()
    source = data.get("source") or (IMPORTED if submissions.filter(year=year).exists() else DATABASE)
    if source == IMPORTED:
        figures: Any = ImportedFigures(year)
        allowed = set(submissions.filter(year=year).values_list("ons_code", flat=True))
    elif len(in_database := live_councils()) > LIVE_LIMIT:
        # Building every council's return on each request would take minutes at national size.
        context.update({"year": year, "source": source, "too_many": len(in_database)})
        return context
    else:
        figures = LiveFigures(year, in_database)
        allowed = {c.ons_code for c in live_councils(scope)}
    everyone = figures.councils()
    councils = [c for c in everyone if c.ons_code in allowed]
    requested = (data.get("council") or "").strip().upper()
    own = _own_code(request)
    if requested and requested not in allowed and requested != own:
        raise Http404
    code = requested or own or (councils[0].ons_code if councils else "")
    council = next((c for c in councils if c.ons_code == code), None)
    comparison: Comparison | None = compare(figures, source, council, everyone) if council else None
    params = {"year": year, "source": source, **({"council": code} if code and not own else {})}
    context.update(
        {
            "year": year,
            "source": source,
            "councils": councils,
            "chosen": code,
            "own_council": request.user.organisation if own else None,
            "comparison": comparison,
            "query": "&".join(f"{k}={v}" for k, v in params.items()),
            "generated": timezone.localtime(),
            "can_import": may_import(request.user),
            "can_download_file": request.user.is_lead,
        }
    )
    return context


@require_GET
def comparison_page(request: HttpRequest) -> HttpResponse:
    return render(request, "benchmarks/comparison.html", _comparison(request))


def _comparison_or_404(request: HttpRequest) -> tuple[dict[str, Any], Comparison]:
    """The downloads have no page to show errors on: invalid input or nothing to compare is a 404."""
    context = _comparison(request)
    if context["comparison"] is None:
        raise Http404
    return context, context["comparison"]


def _file_name(comparison: Comparison, extension: str) -> str:
    return f"benchmark-{comparison.year}-{comparison.council.ons_code}-{comparison.source}.{extension}"


@require_GET
def comparison_pdf(request: HttpRequest) -> HttpResponse:
    from weasyprint import HTML  # only this page needs it

    context, comparison = _comparison_or_404(request)
    html = render_to_string("benchmarks/comparison_pdf.html", context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_file_name(comparison, "pdf")}"'
    return response


CSV_COLUMNS = [
    "year", "ons_code", "council", "region", "source", "section", "id", "label",
    "council_value", "council_numerator", "council_denominator",
    "region_value", "region_numerator", "region_denominator",
    "england_value", "england_numerator", "england_denominator",
    "rank_in_region", "rank_in_england",
]  # fmt: skip


def comparison_rows(comparison: Comparison) -> list[list[Any]]:
    """The comparison as CSV rows: published figures only ("[c]" where suppressed)."""

    c = comparison.council
    lead = [comparison.year, c.ons_code, c.name, c.region, comparison.source]
    rows = []
    for row in comparison.counts:
        rows.append([*lead, "SAC headline", "SG1f", row.label, shown(row.council), "", "", row.region, "", "",
                     row.england, "", "", "", ""])  # fmt: skip
    for m in comparison.measures:
        figures = []
        for figure in (m.council, m.region, m.england):
            value = (
                files.SUPPRESSED if figure.suppressed else ("" if figure.percent is None else figure.percent)
            )
            figures += [value, shown(figure.numerator), shown(figure.denominator)]
        ranks = [str(m.rank_region or ""), str(m.rank_england or "")]
        rows.append([*lead, "Measure", m.id, m.label, *figures, *ranks])
    for table in comparison.shares:
        council_total, region_total, england_total = table.totals
        for s in table.rows:
            rows.append([
                *lead, f"Share: {table.title}", table.table_id, s.label,
                "" if s.council_percent is None else s.council_percent, shown(s.council), council_total,
                "" if s.region_percent is None else s.region_percent, s.region, region_total,
                "" if s.england_percent is None else s.england_percent, s.england, england_total, "", "",
            ])  # fmt: skip
    return rows


@require_GET
def comparison_csv(request: HttpRequest) -> HttpResponse:
    _, comparison = _comparison_or_404(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(comparison_rows(comparison))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_file_name(comparison, "csv")}"'
    return response


@require_GET
def our_file(request: HttpRequest) -> HttpResponse:
    """The safeguarding lead downloads the council's benchmark file (access.md: the lead exports the
    return); it holds published figures only. Downloading changes nothing, so GET."""
    user = request.user
    if not user.is_lead:
        raise Http404
    year = request.GET.get("year") or _last_full_year()
    try:
        data = files.build_benchmark(year, user.organisation)
    except ValueError as exc:  # not a financial year, or a council without a region
        raise Http404(str(exc)) from exc
    response = HttpResponse(files.to_json(data), content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="benchmark-{year}-{user.organisation.ons_code}.json"'
    )
    return response


@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """A regional (or national) lead imports councils' files: all or nothing, as benchmark_import."""
    user = request.user
    if not may_import(user):
        raise Http404
    form = ImportForm(posted(request), request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        uploads = [Upload(f.name, f.read()) for f in form.cleaned_data["files"]]
        try:
            imported = import_files(
                uploads,
                imported_by=user,
                imported_by_name=user.get_full_name() or user.username,
                replace=form.cleaned_data["replace"],
                region=user.organisation.region or None,
                replace_hint="tick “Replace a council's figures” and import it again",
            )
        except ImportRefused as exc:
            problems = exc.problems
        else:
            names = ", ".join(s.council_name for s in imported)
            messages.success(
                request,
                f"{len(imported)} benchmark file{'s' if len(imported) != 1 else ''} imported: {names}",
            )
            return redirect(f"{reverse('benchmarks:index')}?source={IMPORTED}&year={imported[0].year}")
    return render(request, "benchmarks/import.html", {"form": form, "problems": problems})
