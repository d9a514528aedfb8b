"""A partner lead's own agency's figures, under the disclosure control of figures published outside
the council (docs/partner-figures.md).

The figures themselves are ``measures.partners.agency_figures`` (one definition each, counted as the
council's own page counts them). What leaves the council is controlled as the benchmark files are
(``benchmarks.disclosure``, the national publication's rule): a count from 0 to 4 is shown as "[c]",
any other count rounded to the nearest 5, and a percentage, computed from the unrounded counts, is
"[c]" when its numerator or its denominator is 0 to 4. So a partner lead cannot read one person's
outcome, or whether one adult was spoken to in time, off a small number.
"""

from dataclasses import replace
from typing import Any

from msphub.accounts.models import Organisation
from msphub.benchmarks.disclosure import publish_count, publish_percent
from msphub.core.periods import Period
from msphub.measures.partners import AgencyRow, PartnerFigures, agency_figures


def _published_figure(figure: dict[str, Any]) -> dict[str, Any]:
    numerator, denominator = figure["numerator"], figure["denominator"]
    return {
        **figure,
        "numerator": publish_count(numerator),
        "denominator": publish_count(denominator),
        "percent": publish_percent(numerator, denominator),
    }


def _published_row(row: AgencyRow) -> AgencyRow:
    assert isinstance(row.count, int), "published once, from the exact figures"
    return replace(
        row,
        count=publish_count(row.count),
        figures=[_published_figure(f) for f in row.figures],
    )


def published(figures: PartnerFigures) -> PartnerFigures:
    """One council's figures as a partner lead sees them: every count and percentage under the
    benchmark files' disclosure rule."""
    return replace(
        figures,
        raising=[_published_row(r) for r in figures.raising],
        making=[_published_row(r) for r in figures.making],
    )


def partner_lead_figures(organisation: Organisation, period: Period) -> list[PartnerFigures]:
    """The agency's own figures for each council it works with, as its partner lead sees them."""
    return [published(figures) for figures in agency_figures(organisation, period)]
