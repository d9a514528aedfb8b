"""Working with partners: a partner lead's own agency's figures (PARTNER_FIGURES), aggregates only,
for each council the agency works with (docs/partner-figures.md)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from msphub.accounts.models import Organisation
from msphub.accounts.permissions import PARTNER_FIGURES
from msphub.accounts.requests import AuthenticatedRequest
from msphub.core.access import requires
from msphub.core.downloads import csv_response
from msphub.core.periods import Period
from msphub.measures import exports
from msphub.measures.forms import PeriodForm
from msphub.measures.partners import PartnerFigures

from .figures import partner_lead_figures


def _agency(request: AuthenticatedRequest) -> Organisation:
    """The agency whose figures the user sees; PARTNER_FIGURES lets in only users who have one."""
    organisation = request.user.organisation
    assert organisation is not None, "a view without @requires(PARTNER_FIGURES)"
    return organisation


def _figures(
    request: AuthenticatedRequest,
) -> tuple[PeriodForm, Period, str, Organisation, list[PartnerFigures]]:
    """The period form, the period chosen and its label, the user's agency and its figures for
    each council, under disclosure control."""
    organisation = _agency(request)
    form = PeriodForm(request.GET or None)
    period, period_label = form.chosen_period()
    return form, period, period_label, organisation, partner_lead_figures(organisation, period)


@require_GET
@requires(PARTNER_FIGURES)
def figures(request: AuthenticatedRequest) -> HttpResponse:
    form, period, period_label, organisation, councils = _figures(request)
    return render(
        request,
        "partners/figures.html",
        {
            "form": form,
            "organisation": organisation,
            "period": period,
            "period_label": period_label,
            "councils": councils,
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@requires(PARTNER_FIGURES)
def figures_csv(request: AuthenticatedRequest) -> HttpResponse:
    _, _, _, organisation, councils = _figures(request)
    return csv_response(exports.partner_figures_csv(councils), f"partner-figures-{organisation.pk}.csv")
