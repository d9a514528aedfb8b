"""The Board's annual report in the permission matrix.

The register's people (the council's safeguarding lead and its Board viewers: the pack shows the
reviews, findings and recommendations) read its reports, their PDFs and their sections' history;
practitioners and team managers do not (404); only the lead starts a report, writes a section and
agrees it. Hillside's lead reads and writes Hillside's report and never finds Riverside's (404), nor
Riverside's staff Hillside's. Case file auditors, partners and regional leads see no report."""

from django.urls import reverse

from msphub.annualreport import services
from msphub.annualreport.models import Section
from msphub.core.periods import FinancialYear
from tests.test_permission_matrix import (
    BOARD,
    LEAD,
    OTHER,
    Case,
    Redirect,
    get_and_post,
    matrix,
    signed_in,
)

RIVERSIDE_FOREWORD = "The Riverside Board listened to people this year"
HILLSIDE_FOREWORD = "The Hillside Board foreword"


def extend_world(w) -> None:
    """Riverside's draft report for 2025-26 (its foreword written) and Hillside's for 2024-25."""
    w.annual_report = services.create_report(w.council, FinancialYear(2025), w.users[LEAD])
    services.save_section(w.annual_report, Section.FOREWORD, {None: RIVERSIDE_FOREWORD}, w.users[LEAD])
    w.hillside_annual_report = services.create_report(w.other_council, FinancialYear(2024), w.users[OTHER])
    services.save_section(
        w.hillside_annual_report, Section.FOREWORD, {None: HILLSIDE_FOREWORD}, w.users[OTHER]
    )


def cases(w) -> list[Case]:
    readers = {LEAD, BOARD}
    rows = get_and_post(
        "annual report index",
        reverse("annualreport:index"),
        get=matrix(readers | {OTHER}),
        contains={**dict.fromkeys(readers, ("2025-26",)), OTHER: ("2024-25",)},
        absent={**dict.fromkeys(readers, ("2024-25",)), OTHER: ("2025-26",)},
    )
    # An empty POST shows the form again with its error.
    rows += get_and_post(
        "annual report new",
        reverse("annualreport:new"),
        get=matrix({LEAD, OTHER}),
        post=matrix({LEAD, OTHER}),
    )
    rows += get_and_post(
        "annual report pack",
        reverse("annualreport:pack", args=[2025]),
        get=matrix(readers),
        contains=dict.fromkeys(readers, (RIVERSIDE_FOREWORD,)),
        absent=dict.fromkeys(readers, (HILLSIDE_FOREWORD, *w.adult_names)),
    )
    rows += get_and_post(
        "annual report pack (Hillside's)",
        reverse("annualreport:pack", args=[2024]),
        get=matrix({OTHER}),
        contains={OTHER: (HILLSIDE_FOREWORD,)},
    )
    rows += get_and_post(
        "annual report pack (a year before the Care Act)",
        reverse("annualreport:pack", args=[2014]),
        get=signed_in(404),
    )
    rows += get_and_post(
        "annual report pdf", reverse("annualreport:pack_pdf", args=[2025]), get=matrix(readers)
    )
    rows += get_and_post(
        "annual report section history",
        reverse("annualreport:section_history", args=[2025, Section.FOREWORD]),
        get=matrix(readers),
        contains=dict.fromkeys(readers, (RIVERSIDE_FOREWORD,)),
    )
    for key in (Section.STRATEGY, Section.MEMBERS):
        # An empty POST shows the form again with its error.
        rows += get_and_post(
            f"annual report section {key}",
            reverse("annualreport:section_edit", args=[2025, key]),
            get=matrix({LEAD}),
            post=matrix({LEAD}),
        )
    # Agreeing: the lead's, refused while sections are unwritten (back to the pack with the reason).
    pack = reverse("annualreport:pack", args=[2025])
    rows += get_and_post(
        "annual report agree",
        reverse("annualreport:agree", args=[2025]),
        get=signed_in(405),
        post=matrix({LEAD}, ok=Redirect(pack)),
    )
    return rows
