"""Benchmarking pages: thin views over comparison.py, files.py and importer.py.

Who sees what is models.council_scope (through core.access.visible for imported submissions): a
council's staff with measures access and its Board viewers see their own council; a regional lead
every council of the region (a national lead, every council). A council outside that scope is a 404.
"""

from typing import Any

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from msphub.accounts.permissions import BENCHMARK_IMPORT, BENCHMARKS, COUNCIL_RETURNS
from msphub.accounts.requests import AuthenticatedRequest
from msphub.core.access import requires, visible
from msphub.core.downloads import JSON, csv_response, csv_text, download, pdf_response
from msphub.core.forms import posted
from msphub.core.imports import ImportRefused
from msphub.core.periods import FinancialYear

from . import files
from .comparison import DATABASE, IMPORTED, Comparison, ImportedFigures, LiveFigures, compare, live_councils
from .disclosure import shown
from .forms import ComparisonForm, ImportForm
from .importer import Upload, import_files
from .models import BenchmarkSubmission, council_scope


def _scope(request: AuthenticatedRequest) -> Q:
    """The councils the user may compare; BENCHMARKS lets in only users who have some."""
    scope = council_scope(request.user)
    assert scope is not None, "a view without @requires(BENCHMARKS)"
    return scope


def _years(submissions: QuerySet[BenchmarkSubmission]) -> list[FinancialYear]:
    """The last five financial years and any year with imported files the user may see, newest first."""
    imported = {FinancialYear.parse(label) for label in submissions.values_list("year", flat=True).distinct()}
    return sorted(set(FinancialYear.recent(5)) | imported, reverse=True)


def _region(request: AuthenticatedRequest) -> str:
    """The region a regional lead covers (blank for a national lead's)."""
    return request.user.network_region or ""


def _own_code(request: AuthenticatedRequest) -> str:
    """The ONS code of the council whose figures the user sees as its own (none for a regional lead)."""
    council = request.user.aggregates_council
    return council.ons_code if council is not None else ""


# "Councils in this database" builds each council's figures on the request: fine for the handful of
# councils most installations hold. Beyond this, benchmark_snapshot stores them once instead.
LIVE_LIMIT = 20


def _comparison(request: AuthenticatedRequest) -> dict[str, Any]:
    """The page's context; raises Http404 for a council outside the user's scope."""
    scope = _scope(request)
    submissions = visible(request, BenchmarkSubmission.objects.all())
    form = ComparisonForm(request.GET or None, years=_years(submissions))
    context: dict[str, Any] = {"form": form, "comparison": None, "councils": [], "query": ""}
    if form.is_bound and not form.is_valid():
        return context
    data = form.cleaned_data if form.is_bound else {}
    latest = submissions.order_by("-year").values_list("year", flat=True).first()
    year: FinancialYear = (
        data.get("year") or (FinancialYear.parse(latest) if latest else None) or FinancialYear.last_complete()
    )
    imported = submissions.filter(year=year.label)
    source = data.get("source") or (IMPORTED if imported.exists() else DATABASE)
    figures: ImportedFigures | LiveFigures
    if source == IMPORTED:
        figures = ImportedFigures(year)
        allowed = set(imported.values_list("ons_code", flat=True))
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
        }
    )
    return context


@require_GET
@requires(BENCHMARKS)
def comparison_page(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "benchmarks/comparison.html", _comparison(request))


def _comparison_or_404(request: AuthenticatedRequest) -> tuple[dict[str, Any], Comparison]:
    """The downloads have no page to show errors on: invalid input or nothing to compare is a 404."""
    context = _comparison(request)
    if context["comparison"] is None:
        raise Http404
    return context, context["comparison"]


def _file_name(comparison: Comparison, extension: str) -> str:
    return f"benchmark-{comparison.year}-{comparison.council.ons_code}-{comparison.source}.{extension}"


@require_GET
@requires(BENCHMARKS)
def comparison_pdf(request: AuthenticatedRequest) -> HttpResponse:
    context, comparison = _comparison_or_404(request)
    return pdf_response(request, "benchmarks/comparison_pdf.html", context, _file_name(comparison, "pdf"))


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
@requires(BENCHMARKS)
def comparison_csv(request: AuthenticatedRequest) -> HttpResponse:
    _, comparison = _comparison_or_404(request)
    return csv_response(csv_text(CSV_COLUMNS, comparison_rows(comparison)), _file_name(comparison, "csv"))


@require_GET
@requires(COUNCIL_RETURNS)
def our_file(request: AuthenticatedRequest) -> HttpResponse:
    """The safeguarding lead downloads the council's benchmark file (access.md: the lead exports the
    return); it holds published figures only. Downloading changes nothing, so GET."""
    council = request.user.aggregates_council
    assert council is not None, "COUNCIL_RETURNS is the council's safeguarding lead's"
    label = request.GET.get("year")
    try:
        year = FinancialYear.parse(label) if label else FinancialYear.last_complete()
        data = files.build_benchmark(year, council)
    except ValueError as exc:  # not a financial year, or a council without a region
        raise Http404(str(exc)) from exc
    return download(files.to_json(data), JSON, f"benchmark-{year}-{council.ons_code}.json")


@require_http_methods(["GET", "POST"])
@requires(BENCHMARK_IMPORT)
def import_page(request: AuthenticatedRequest) -> HttpResponse:
    """A regional (or national) lead imports councils' files: all or nothing, as benchmark_import."""
    user = request.user
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
                region=_region(request) or None,
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
