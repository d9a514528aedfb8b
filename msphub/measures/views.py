from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from msphub.accounts.models import Organisation
from msphub.core import charts

from . import exports
from . import measures as m
from .forms import DashboardFilterForm
from .periods import financial_year, financial_year_label
from .sac import TABLE_TITLES, build_return, grid

TREND_MEASURES = ["asked_about_outcomes", "first_contact_24h", "conversion_rate", "risk_reduced_or_removed"]


def _council(request: HttpRequest) -> Organisation:
    """Measures are for council staff and Board viewers of that council, and aggregates only."""
    council = request.user.aggregates_council
    if council is None:
        raise Http404
    return council


def _dashboard(request: HttpRequest, draw: bool = True) -> dict[str, Any]:
    """The dashboard's figures; draw=False skips the charts (the CSV download needs none)."""
    council = _council(request)
    form = DashboardFilterForm(request.GET or None, council_id=council.pk)
    period, period_label = form.chosen_period()
    data = form.cleaned_data if form.is_valid() else {}
    team, partner = data.get("team"), data.get("partner")
    filters = m.Filters(period, council, team.pk if team else None, partner.pk if partner else None)
    totals = m.measure_totals(filters)
    labels = {row["id"]: row["label"] for row in totals}
    trends = m.monthly(filters)
    trend_series = {key: trends.get(key, []) for key in TREND_MEASURES}
    dimension = data.get("breakdown") or ""
    breakdown = m.breakdown(filters, dimension) if dimension else {}
    pathways = m.not_enquiries(filters)
    repeats = m.repeat_concerns(filters)
    months = sorted({p["month"] for points in trend_series.values() for p in points})
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
        "timeliness": m.timeliness(filters),
        "has_percentages": has_percentages,
        "bars_chart": charts.percent_bars(totals) if draw and has_percentages else "",
        "trend_chart": charts.monthly_lines(trend_series, labels) if draw and months else "",
        "months": months,
        "trend_rows": trend_rows,
        "dimension": dimension,
        "dimension_label": m.DIMENSIONS[dimension][0] if dimension else "",
        "breakdown": [(row, breakdown.get(row["id"], [])) for row in totals] if dimension else [],
        "pathways": pathways,
        "pathways_chart": charts.count_bars(pathways, "pathway", "count") if draw and pathways else "",
        "repeats": repeats,
        "quotes": m.quotes(filters),
        "generated": timezone.localtime(),
        "query": request.GET.urlencode(),
    }


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "measures/dashboard.html", _dashboard(request))


@require_GET
def dashboard_pdf(request: HttpRequest) -> HttpResponse:
    from weasyprint import HTML  # only this page needs it

    html = render_to_string("measures/dashboard_pdf.html", _dashboard(request), request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="msp-dashboard.pdf"'
    return response


@require_GET
def dashboard_csv(request: HttpRequest) -> HttpResponse:
    context = _dashboard(request, draw=False)
    breakdown = {row["id"]: rows for row, rows in context["breakdown"]}
    text = exports.measures_csv(context["totals"], breakdown, context["dimension_label"])
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="msp-measures.csv"'
    return response


def _year(request: HttpRequest) -> str:
    year = request.GET.get("year") or financial_year_label(timezone.localdate())
    try:
        financial_year(year)
    except ValueError as exc:
        raise Http404 from exc
    return year


@require_GET
def sac(request: HttpRequest) -> HttpResponse:
    council = _council(request)
    year = _year(request)
    data = build_return(year, council)
    tables = []
    for table_id, title in TABLE_TITLES.items():
        rows, columns, values = grid(table_id, data["tables"][table_id])
        tables.append(
            {"id": table_id, "title": title, "columns": columns, "rows": list(zip(rows, values, strict=True))}
        )
    this_year = financial_year_label(timezone.localdate())
    first = int(this_year[:4])
    years = [f"{y}-{(y + 1) % 100:02d}" for y in range(first, first - 4, -1)]
    return render(
        request,
        "measures/sac.html",
        {"council": council, "year": year, "years": years, "tables": tables, "warnings": data["warnings"]},
    )


@require_GET
def sac_download(request: HttpRequest, file_format: str) -> HttpResponse:
    """Exporting the return is for the safeguarding lead (access.md)."""
    council = _council(request)
    if not request.user.is_lead or file_format not in ("json", "csv", "xlsx"):
        raise Http404
    year = _year(request)
    data = build_return(year, council)
    name = f"sac-{year}-{council.ons_code}.{file_format}"
    if file_format == "xlsx":
        content, content_type = (
            exports.return_xlsx(data),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    elif file_format == "csv":
        content, content_type = exports.return_csv(data), "text/csv; charset=utf-8"
    else:
        content, content_type = exports.return_json(data), "application/json"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
