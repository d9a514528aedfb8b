"""The Board dashboard (page, PDF, CSV) and the SAC return (page and downloads): a council's figures,
aggregates only, for its staff and Board viewers (accounts.permissions.MEASURES); downloading the
return and signing it off are the safeguarding lead's (COUNCIL_RETURNS). The desired outcomes not
achieved, with their notes, are a list of records for team managers and the lead
(OUTCOMES_NOT_ACHIEVED); its CSV, an export of personal data, is the lead's alone. The council's
figures by partner agency (page and CSV, docs/partner-figures.md) are for its staff and Board
viewers (PARTNER_BREAKDOWN)."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from msphub.accounts.models import Organisation
from msphub.accounts.permissions import (
    COUNCIL_RETURNS,
    MEASURES,
    OUTCOMES_NOT_ACHIEVED,
    PARTNER_BREAKDOWN,
    SAFEGUARDING_LEAD,
)
from msphub.accounts.requests import AuthenticatedRequest
from msphub.audits import results
from msphub.core import charts
from msphub.core.access import log_shown, log_view, requires, visible
from msphub.core.downloads import CSV, JSON, XLSX, csv_response, csv_text, download, pdf_response
from msphub.core.forms import posted
from msphub.core.periods import FinancialYear
from msphub.enquiries.models import DesiredOutcome, Enquiry

from . import exports, outcomes
from . import measures as m
from . import partners as partner_figures
from .forms import DashboardFilterForm, PeriodForm, ReturnSignOffForm
from .models import ReturnSignOff, sign_off_statement
from .outcome_forms import OutcomesNotAchievedForm
from .sac import build_return, grid, return_tables
from .validation import with_validation

TREND_MEASURES = ["asked_about_outcomes", "first_contact_24h", "conversion_rate", "risk_reduced_or_removed"]


def _council(request: AuthenticatedRequest) -> Organisation:
    """The council whose figures the user sees; MEASURES lets in only users who have one."""
    council = request.user.aggregates_council
    assert council is not None, "a view without @requires(MEASURES)"
    return council


def _dashboard(request: AuthenticatedRequest, whole_page: bool = True) -> dict[str, Any]:
    """The dashboard's figures, for the page and its PDF; ``whole_page=False`` gives only what the CSV
    download holds (the measures), without the charts, what people wanted and got, or the case
    file audits."""
    council = _council(request)
    form = DashboardFilterForm(request.GET or None, council_id=council.pk)
    period, period_label = form.chosen_period()
    data = form.cleaned_data if form.is_valid() else {}
    team, partner = data.get("team"), data.get("partner")
    filters = m.Filters(period, council, team.pk if team else None, partner.pk if partner else None)
    dimension = data.get("breakdown") or ""
    # What case file audits completed in the period found, and beside each measure a question sheds
    # light on: narrowed as the measures are (to the team the record had when sampled, or to the
    # partner that made the audited enquiry), so a team's row never shows a council-wide figure.
    audit_filter = {"team_id": filters.team_id, "partner_id": filters.partner_id}

    def audits() -> tuple[Any, Any]:
        return (
            results.council_results(council, period.start, period.end, **audit_filter),
            results.beside_measures(council, period.start, period.end, **audit_filter),
        )

    # What people wanted and got and the audits run beside the dashboard's own figures (one in each
    # of its two lanes on PostgreSQL), not after them. The outcomes by the response used and the
    # feedback by who asked come from the dashboard's own concluded and feedback passes.
    also = (lambda: outcomes.outcome_figures(filters), audits) if whole_page else ()
    figures = m.dashboard_figures(filters, dimension, also)
    wanted, (audit_results, beside) = figures.also if whole_page else (None, (None, {}))
    by_response = figures.by_response
    totals, trends, breakdown, pathways = figures.totals, figures.trends, figures.breakdown, figures.pathways
    labels = {row["id"]: row["label"] for row in totals}
    trend_series = {key: trends.get(key, []) for key in TREND_MEASURES}
    months = sorted({p["month"] for points in trend_series.values() for p in points})
    incomplete = {p["month"] for points in trend_series.values() for p in points if not p["complete"]}
    has_percentages = any(row["percent"] is not None for row in totals)
    trend_rows = [
        {
            "label": labels[key],
            "cells": [next((p for p in trend_series[key] if p["month"] == month), None) for month in months],
        }
        for key in TREND_MEASURES
    ]
    return {
        "council": council,
        "form": form,
        "period": period,
        "period_label": period_label,
        "team": team,
        "partner": partner,
        "totals": totals,
        # Each measure's row with what case file audits found on the question linked to it, if any.
        "measure_rows": [(row, beside.get(row["id"])) for row in totals],
        "timeliness": figures.timeliness,
        "has_percentages": has_percentages,
        "bars_chart": charts.percent_bars(totals) if whole_page and has_percentages else "",
        "trend_chart": charts.monthly_lines(trend_series, labels) if whole_page and months else "",
        "months": [{"month": month, "complete": month not in incomplete} for month in months],
        "trend_rows": trend_rows,
        "dimension": dimension,
        "dimension_label": m.DIMENSIONS[dimension][0] if dimension else "",
        "breakdown": [(row, breakdown.get(row["id"], [])) for row in totals] if dimension else [],
        "pathways": pathways,
        "pathways_chart": charts.count_bars(pathways, "pathway", "count") if whole_page and pathways else "",
        "repeats": figures.repeats,
        "quotes": figures.quotes,
        "outcomes": wanted,
        "outcomes_chart": (
            charts.percent_bars(
                [{"label": r["category"], "percent": r["fully_percent"]} for r in wanted.achievement]
            )
            if wanted and wanted.achievement
            else ""
        ),
        "audit_results": audit_results,
        "by_response": [
            {**row, "cells": [row["measures"][measure_id] for measure_id in m.RESPONSE_MEASURES]}
            for row in by_response
        ],
        "response_measures": [(measure_id, labels[measure_id]) for measure_id in m.RESPONSE_MEASURES],
        "response_chart": _response_chart(by_response) if whole_page else "",
        "by_asker": [(row, figures.by_asker[row["id"]]) for row in totals if row["id"] in figures.by_asker],
        "by_asker_raw": figures.by_asker,
        "asker_chart": _asker_chart(totals, figures.by_asker) if whole_page else "",
        "generated": timezone.localtime(),
        "query": request.GET.urlencode(),
    }


def _response_chart(by_response: list[dict[str, Any]]) -> str:
    """Bars of the share of expressed outcomes fully achieved for each response used."""
    bars = [
        {"label": row["response"], "percent": row["measures"]["fully_achieved"]["percent"]}
        for row in by_response
        if row["measures"]["fully_achieved"]["percent"] is not None
    ]
    return charts.percent_bars(bars) if bars else ""


def _asker_chart(totals: list[dict[str, Any]], by_asker: dict[str, list[dict[str, Any]]]) -> str:
    """Bars of each feedback measure for each way it was asked, labelled with both."""
    bars = [
        {"label": f"{row['label']}: {value['value']}", "percent": value["percent"]}
        for row in totals
        for value in by_asker.get(row["id"], [])
    ]
    return charts.percent_bars(bars) if bars else ""


@require_GET
@requires(MEASURES)
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "measures/dashboard.html", _dashboard(request))


@require_GET
@requires(MEASURES)
def dashboard_pdf(request: AuthenticatedRequest) -> HttpResponse:
    return pdf_response(request, "measures/dashboard_pdf.html", _dashboard(request), "msp-dashboard.pdf")


@require_GET
@requires(MEASURES)
def dashboard_csv(request: AuthenticatedRequest) -> HttpResponse:
    context = _dashboard(request, whole_page=False)
    breakdown = {row["id"]: rows for row, rows in context["breakdown"]}
    extra = exports.split_csv_rows(context["totals"], context["by_response"], context["by_asker_raw"])
    return csv_response(
        exports.measures_csv(context["totals"], breakdown, context["dimension_label"], extra),
        "msp-measures.csv",
    )


# --- Partner figures --------------------------------------------------------------------------------


def _partner_figures(request: AuthenticatedRequest) -> tuple[PeriodForm, str, partner_figures.PartnerFigures]:
    council = _council(request)
    form = PeriodForm(request.GET or None)
    period, period_label = form.chosen_period()
    return form, period_label, partner_figures.council_partner_figures(m.Filters(period, council))


@require_GET
@requires(PARTNER_BREAKDOWN)
def partners(request: AuthenticatedRequest) -> HttpResponse:
    """The council's figures by partner agency: the concerns each raised and the enquiries each made
    (docs/partner-figures.md). Inside the council, so exact."""
    form, period_label, figures = _partner_figures(request)
    return render(
        request,
        "measures/partners.html",
        {
            "form": form,
            "council": figures.council,
            "period": figures.period,
            "period_label": period_label,
            "figures": figures,
            "raising_figures": partner_figures.RAISING,
            "making_measures": [
                (measure, [(row, row.figures[i]) for row in figures.making if row.figures[i]["denominator"]])
                for i, measure in enumerate(partner_figures.MAKING)
            ],
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@requires(PARTNER_BREAKDOWN)
def partners_csv(request: AuthenticatedRequest) -> HttpResponse:
    _, _, figures = _partner_figures(request)
    council = figures.council
    name = council.ons_code if council is not None and council.ons_code else "council"
    return csv_response(exports.partner_figures_csv([figures]), f"partner-figures-{name}.csv")


# --- Desired outcomes not achieved ----------------------------------------------------------------

NOT_ACHIEVED_PER_PAGE = 25


def _not_achieved(request: AuthenticatedRequest) -> tuple[OutcomesNotAchievedForm, dict[str, Any], Any]:
    """The filter form, what it chose (for the page) and the outcomes not achieved that the user's
    list holds: of the enquiries they may see (``Enquiry.objects.for_user``, so restricted people
    only for those who may see them), their team's for a team manager, the council's (or one team's
    of it) for the lead."""
    council = _council(request)
    teams = outcomes.not_achieved_teams(request.user, council)
    form = OutcomesNotAchievedForm(request.GET or None, teams=teams)
    period, period_label, category, team = form.chosen()
    enquiries = outcomes.not_achieved_scope(
        visible(request, Enquiry.objects.all()), request.user, team.pk if team else None
    )
    rows = outcomes.not_achieved(enquiries, m.Filters(period, council), category)
    chosen = {
        "council": council,
        "period": period,
        "period_label": period_label,
        "category": category,
        "whose": outcomes.not_achieved_whose(request.user, team),
    }
    return form, chosen, rows


@require_GET
@requires(OUTCOMES_NOT_ACHIEVED)
def outcomes_not_achieved(request: AuthenticatedRequest) -> HttpResponse:
    form, chosen, rows = _not_achieved(request)
    page = Paginator(rows, NOT_ACHIEVED_PER_PAGE).get_page(request.GET.get("page"))
    # Each enquiry on the page is a record shown: logged as a view of it, in one insert.
    log_shown(request, [outcome.enquiry for outcome in page.object_list])
    return render(
        request,
        "measures/outcomes_not_achieved.html",
        {**chosen, "form": form, "page": page, "query": request.GET.urlencode()},
    )


NOT_ACHIEVED_CSV_HEADER = [
    "Enquiry reference",
    "Category",
    "What the person wanted, in their own words",
    "Achievement",
    "Note on the achievement",
    "Closed",
]


@require_GET
@requires(SAFEGUARDING_LEAD)
def outcomes_not_achieved_csv(request: AuthenticatedRequest) -> HttpResponse:
    """The whole list as CSV for a deep dive: an export of personal data (the person's words), so the
    safeguarding lead's only, and every enquiry in it access-logged (access.md)."""
    _, chosen, rows = _not_achieved(request)
    found: list[DesiredOutcome] = list(rows)
    log_shown(request, [outcome.enquiry for outcome in found])
    text = csv_text(
        NOT_ACHIEVED_CSV_HEADER,
        (
            [
                o.enquiry.reference,
                o.category,
                o.words,
                o.achievement,
                o.achievement_note,
                timezone.localtime(o.enquiry.closed_at).date().isoformat() if o.enquiry.closed_at else "",
            ]
            for o in found
        ),
    )
    return csv_response(text, f"outcomes-not-achieved-{chosen['council'].ons_code or 'council'}.csv")


def _year(request: AuthenticatedRequest) -> FinancialYear:
    """The ``?year=`` asked for (this financial year if none); a value that is not a year is a 404."""
    label = request.GET.get("year")
    if not label:
        return FinancialYear.current()
    try:
        return FinancialYear.parse(label)
    except ValueError as exc:
        raise Http404(str(exc)) from exc


def _validated_return(year: FinancialYear, council: Organisation) -> dict[str, Any]:
    """The council's return for the year as counted now, with its validation warnings."""
    return with_validation(build_return(year, council), year, council)


@require_GET
@requires(MEASURES)
def sac(request: AuthenticatedRequest) -> HttpResponse:
    council = _council(request)
    year = _year(request)
    data = _validated_return(year, council)
    tables = []
    for table_id, title in return_tables(data):
        rows, columns, values = grid(table_id, data["tables"][table_id])
        tables.append(
            {"id": table_id, "title": title, "columns": columns, "rows": list(zip(rows, values, strict=True))}
        )
    sign_off = ReturnSignOff.objects.latest_for(council, year)
    return render(
        request,
        "measures/sac.html",
        {
            "council": council,
            "year": year,
            "years": FinancialYear.recent(4),
            "tables": tables,
            "warnings": data["warnings"],
            "validation": data["validation"],
            "sign_off": sign_off,
            "differences": sign_off.differences(data) if sign_off else [],
        },
    )


@require_http_methods(["GET", "POST"])
@requires(COUNCIL_RETURNS)
def sac_sign_off(request: AuthenticatedRequest) -> HttpResponse:
    """The safeguarding lead signs the council's return for ``?year=`` off: an immutable snapshot of
    every cell as counted now (``ReturnSignOff``), access-logged; signing off again adds another."""
    council = _council(request)
    year = _year(request)
    form = ReturnSignOffForm(posted(request), year=year)
    if request.method == "POST" and form.is_valid():
        data = _validated_return(year, council)
        sign_off = ReturnSignOff.objects.sign_off(
            council, year, request.user, form.cleaned_data["job_title"], data
        )
        log_view(request, sign_off)
        messages.success(request, f"The {year} return is signed off")
        return redirect(f"{reverse('measures:sac')}?year={year}")
    return render(
        request,
        "measures/sac_sign_off.html",
        {
            "council": council,
            "year": year,
            "form": form,
            "statement": sign_off_statement(year),
            "latest": ReturnSignOff.objects.latest_for(council, year),
        },
    )


RETURN_FORMATS = {"json": JSON, "csv": CSV, "xlsx": XLSX}


@require_GET
@requires(COUNCIL_RETURNS)
def sac_download(request: AuthenticatedRequest, file_format: str) -> HttpResponse:
    """Exporting the return is for the safeguarding lead (access.md): as counted now, or with
    ``?version=signed-off`` exactly as last signed off (404 if it has not been)."""
    if file_format not in RETURN_FORMATS:
        raise Http404
    council = _council(request)
    year = _year(request)
    name = f"sac-{year}-{council.ons_code}"
    if request.GET.get("version") == "signed-off":
        sign_off = ReturnSignOff.objects.latest_for(council, year)
        if sign_off is None:
            raise Http404("The return has not been signed off")
        content = exports.return_file(
            sign_off.cells, file_format, council_name=council.name, sign_off=sign_off
        )
        name += "-signed-off"
    else:
        content = exports.council_return_file(year, council, file_format)
    return download(content, RETURN_FORMATS[file_format], f"{name}.{file_format}")
