"""The Board's annual report: writing its sections, agreeing it, and the pack for a year.

The pack (``build_pack``) follows what the Care Act 2014 (Schedule 2, paragraph 4(1)) says the report
must be on (docs/annual-report.md): the Board's own sections, the year's figures (the MSP measures and
the Safeguarding Adults Collection's headline), what people wanted and got, case file audit findings,
the Safeguarding Adults Reviews concluded in the year and in progress at its end with the status of
every recommendation, and people's own words by theme. It only reads, apart from the sections, and it
is a fixed number of aggregate queries whatever the size of the year; no adult's name, reference or
date of birth is in it (reviews name their adults by pseudonym, quotes are the approved words).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from msphub.accounts.models import Organisation, User
from msphub.audits import results as audit_results
from msphub.core import categories
from msphub.core.periods import FinancialYear
from msphub.core.states import StateChanged, lock_status
from msphub.enquiries.models import DesiredOutcome, Feedback
from msphub.measures import measures, outcomes
from msphub.measures.sac import ORDERS, SacReturn
from msphub.sars import services as sars
from msphub.sars.models import THEME_LABELS, ReviewAdult, ReviewRecommendation, SafeguardingAdultsReview

from .models import (
    FIRST_YEAR,
    SECTION_HINTS,
    SECTION_PARAGRAPHS,
    AnnualReport,
    ReportSection,
    Section,
)

# The section 44 decisions that arrange a review: the register's own list.
HELD = sars.HELD_DECISIONS
AGREED = "This report has been agreed: its sections can no longer be changed"
OTHER_THEME = "Other"


class ReportExists(ValueError):
    """The council already has a report for the year."""


class NotReady(ValueError):
    """The report cannot be agreed yet: ``missing`` names the sections still to write."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__("Write these sections before agreeing the report: " + ", ".join(missing))
        self.missing = missing


# --- Years ----------------------------------------------------------------------------------------


def report_years() -> list[FinancialYear]:
    """The years a report can be written for, newest first: from 2015-16 (the first year of the Care
    Act's duty) to the current financial year (a Board drafts while the year runs)."""
    current = FinancialYear.current()
    return [FinancialYear(y) for y in range(current.first_year, FIRST_YEAR - 1, -1)]


def is_report_year(year: int) -> bool:
    return FIRST_YEAR <= year <= FinancialYear.current().first_year


# --- Members --------------------------------------------------------------------------------------


def members(council: Organisation) -> list[Organisation]:
    """The Board's member organisations as msphub knows them: the council, then the partner agencies
    that work with it, by name."""
    partners = (
        Organisation.objects.filter(councils=council)
        .exclude(kind__in=[Organisation.Kind.COUNCIL, Organisation.Kind.NETWORK])
        .order_by("name")
    )
    return [council, *partners]


# --- Writing --------------------------------------------------------------------------------------


def create_report(council: Organisation, year: FinancialYear, user: User) -> AnnualReport:
    """A new draft report for the year; ``ReportExists`` if the council has one. The check runs with
    the council's row locked (as ``sars.services.new_review`` does), so two people starting the same
    year at once get one report and a clear refusal; the unique constraint stands behind it."""
    refused = ReportExists(f"There is already a report for {year}")
    try:
        with transaction.atomic():
            Organisation.objects.select_for_update().filter(pk=council.pk).first()
            if AnnualReport.objects.filter(council=council, year=year.first_year).exists():
                raise refused
            return AnnualReport.objects.create(council=council, year=year.first_year, created_by=user)
    except IntegrityError as clash:  # a database without row locks (SQLite) met the constraint
        raise refused from clash


def save_section(
    report: AnnualReport, key: str, texts: dict[Organisation | None, str], user: User
) -> list[ReportSection]:
    """Write a section's text: ``texts`` by member organisation for "What each member did", else
    ``{None: text}``. Only what changed is saved (each save is a change in the section's history); a
    member left blank who has no text yet gets no row. Refused with ``StateChanged`` once the report
    is agreed (checked under the report's row lock, so a section cannot change as it is agreed). An
    unknown key is a programming error (the pages 404 on one), refused rather than kept unseen."""
    if key not in Section.values:
        raise ValueError(f"No such section of the annual report: {key!r}")
    with transaction.atomic():
        lock_status(report, [AnnualReport.Status.DRAFT], StateChanged(AGREED))
        existing = {s.member_id: s for s in ReportSection.objects.filter(report=report, key=key)}
        saved = []
        now = timezone.now()
        for member, text in texts.items():
            section = existing.get(member.pk if member is not None else None)
            if section is None:
                if not text:
                    continue
                section = ReportSection(report=report, key=key, member=member)
            elif section.text == text:
                continue
            section.text = text
            section.updated_by = user
            section.updated_at = now
            section.save()
            saved.append(section)
        return saved


def missing_sections(report: AnnualReport) -> list[str]:
    """The sections with nothing written yet, by title (for "What each member did", no member's)."""
    written = set(
        ReportSection.objects.filter(report=report).exclude(text="").values_list("key", flat=True).distinct()
    )
    return [section.label for section in Section if section.value not in written]


def agree(
    report: AnnualReport, user: User, frozen: Callable[[AnnualReport], tuple[str, bytes]]
) -> AnnualReport:
    """The safeguarding lead agrees the report: its sections no longer change, and the pack as it
    stands is kept (``frozen(report)`` gives its body's HTML and its PDF, produced under the report's
    row lock, so no section can change between what was agreed and what is kept). Refused while a
    section is unwritten (``NotReady``) or if someone agreed it first (``StateChanged``)."""
    with transaction.atomic():
        lock_status(report, [AnnualReport.Status.DRAFT], StateChanged("This report has already been agreed"))
        missing = missing_sections(report)
        if missing:
            raise NotReady(missing)
        report.status = AnnualReport.Status.AGREED
        report.agreed_by = user
        report.agreed_at = timezone.now()
        report.agreed_body, report.agreed_pdf = frozen(report)
        report.save(update_fields=["status", "agreed_by", "agreed_at", "agreed_body", "agreed_pdf"])
        return report


def section_history(report: AnnualReport, key: str) -> Any:
    """The section's rows' history (every member's, for "What each member did")."""
    return ReportSection.history.filter(report_id=report.pk, key=key)


# --- The pack -------------------------------------------------------------------------------------


@dataclass
class MemberText:
    member: str
    text: str
    updated_by: Any
    updated_at: datetime


@dataclass
class SectionView:
    key: str
    title: str
    hint: str
    paragraph: str
    text: str = ""
    members: list[MemberText] = field(default_factory=list)
    updated_by: Any = None
    updated_at: datetime | None = None

    @property
    def written(self) -> bool:
        return bool(self.text or any(m.text for m in self.members))


@dataclass
class Pack:
    report: AnnualReport
    year: FinancialYear
    council: Organisation
    sections: dict[str, SectionView]
    measures: list[dict[str, Any]]
    sac: dict[str, Any]
    reviews_concluded: list[dict[str, Any]]
    reviews_ongoing: list[dict[str, Any]]
    recommendations: list[dict[str, Any]]
    not_implemented: list[dict[str, Any]]
    quote_themes: list[dict[str, Any]]
    outcomes: list[dict[str, Any]]
    outcomes_who: dict[str, Any]
    audit_results: dict[str, Any]
    generated: datetime = field(default_factory=timezone.localtime)


def _sections(report: AnnualReport) -> dict[str, SectionView]:
    """Every section in the pack's order, with its text (one query)."""
    views = {
        s.value: SectionView(s.value, s.label, SECTION_HINTS[s.value], SECTION_PARAGRAPHS[s.value])
        for s in Section
    }
    rows = ReportSection.objects.filter(report=report).select_related("member", "updated_by")
    # The council first among the members, then the partners by name.
    for row in sorted(
        rows, key=lambda r: (r.member_id != report.council_id, r.member.name if r.member else "")
    ):
        view = views[row.key]
        if row.member is not None:
            if row.text:
                view.members.append(MemberText(row.member.name, row.text, row.updated_by, row.updated_at))
        else:
            view.text = row.text
        if view.updated_at is None or row.updated_at > view.updated_at:
            view.updated_by, view.updated_at = row.updated_by, row.updated_at
    return views


def _sac_headline(year: FinancialYear, council: Organisation) -> dict[str, Any]:
    """The return's headline: concerns received and enquiries started (SG1f), the conversion rate,
    and SG4a (asked, expressed, achieved), counted by the return's own code (three queries)."""
    sac = SacReturn(year, council)
    concerns, s42, other = (n for _, _, n in sac.sg1f())
    sg4a = {row: n for row, _, n in sac.sg4a()}
    return {
        "concerns": concerns,
        "s42": s42,
        "other": other,
        "conversion": measures.percent(s42, concerns),
        "sg4a": [{"label": label, "count": sg4a.get(label, 0)} for label in ORDERS["SG4a"][0]],
    }


def _reviews(
    year: FinancialYear, council: Organisation
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The Safeguarding Adults Reviews the report is on (paragraph 4(1)(d) to (g)), without personal
    details (three queries): those concluded in the year with their findings, those in progress at
    its end, the status of every recommendation of the reviews arranged by the year's end (less those
    completed before the year began, reported in an earlier year), and the recommendations not
    accepted, with the reasons."""
    # Concluded in the year: SG5's rule (``sars.services.concluded_reviews``), so the report and the
    # return count the same reviews; in progress at its end: decided by then, not concluded by then.
    concluded = Q(pk__in=sars.concluded_reviews(council, year).values("pk"))
    ongoing = Q(decision__in=HELD, decision_on__lte=year.end) & (
        Q(concluded_on__isnull=True) | Q(concluded_on__gt=year.end)
    )
    rows = list(
        SafeguardingAdultsReview.objects.filter(concluded | ongoing, council=council)
        .order_by("reference")
        .values(
            "pk",
            "reference",
            "decision",
            "status",
            "started_on",
            "concluded_on",
            "published_on",
            "themes",
            "findings",
        )
    )
    ids = [r["pk"] for r in rows]
    pseudonyms: dict[int, list[str]] = {}
    for review_id, pseudonym in (
        ReviewAdult.objects.filter(review_id__in=ids)
        .order_by("pseudonym")
        .values_list("review_id", "pseudonym")
    ):
        pseudonyms.setdefault(review_id, []).append(pseudonym)
    decisions = dict(SafeguardingAdultsReview.Decision.choices)
    statuses = dict(SafeguardingAdultsReview.Status.choices)
    reviews: list[dict[str, Any]] = [
        {
            **r,
            "adults": pseudonyms.get(r["pk"], []),
            "decision_label": decisions.get(r["decision"], r["decision"]),
            "status_label": statuses.get(r["status"], r["status"]),
            "theme_labels": [THEME_LABELS.get(t, t) for t in r["themes"] or []],
        }
        for r in rows
    ]
    # Recommendations of every review the Board had arranged by the year's end, whenever it
    # concluded: what was done about findings of earlier years is part of this year's report too.
    recommended = list(
        ReviewRecommendation.objects.filter(
            review__council=council,
            review__decision__in=HELD,
            review__decision_on__lte=year.end,
        )
        .exclude(completed_on__lt=year.start)
        .order_by("review__reference", "number")
        .values(
            "number", "text", "owner__name", "due_on", "status", "evidence", "completed_on",
            "not_accepted_reason", "review__reference",
        )
    )  # fmt: skip
    status_labels = dict(ReviewRecommendation.Status.choices)
    # Overdue at the year's end (or today, for the year still running): the report speaks of its year.
    on = min(timezone.localdate(), year.end)
    open_statuses = (ReviewRecommendation.Status.OPEN, ReviewRecommendation.Status.IN_PROGRESS)
    recommendations: list[dict[str, Any]] = []
    for rec in recommended:
        # The report speaks of its year: one completed after the year's end was not complete at
        # it (the page says when it was completed since). No history is read: a completed
        # recommendation's date is enough to tell.
        completed_since = rec["status"] == ReviewRecommendation.Status.COMPLETED and (
            rec["completed_on"] is not None and rec["completed_on"] > year.end
        )
        open_at_end = rec["status"] in open_statuses or completed_since
        recommendations.append(
            {
                **rec,
                "review": rec["review__reference"],
                "status_label": (
                    f"Not complete on {year.end:%-d %B %Y}"
                    if completed_since
                    else status_labels.get(rec["status"], rec["status"])
                ),
                "completed_since": rec["completed_on"] if completed_since else None,
                "complete_at_end": rec["status"] == ReviewRecommendation.Status.COMPLETED
                and not completed_since,
                "overdue": open_at_end and rec["due_on"] < on,
            }
        )
    # (g): the recommendations not accepted as they stand now (the register keeps no date of that
    # decision: docs/annual-report.md).
    not_implemented = [r for r in recommendations if r["status"] == ReviewRecommendation.Status.NOT_ACCEPTED]
    in_year = [r for r in reviews if r["concluded_on"] and year.contains(r["concluded_on"])]
    at_end = [r for r in reviews if r not in in_year]
    return in_year, at_end, recommendations, not_implemented


def _quote_themes(filters: measures.Filters) -> list[dict[str, Any]]:
    """The year's approved quotes (``Feedback.objects.approved_quotes``, as the dashboard reads
    them: the approved words, names taken out, never the original) grouped by theme: each category of
    its enquiry's desired outcomes (those not withdrawn), "Other" for an enquiry with none. A quote
    stands under every theme its enquiry had. Two queries."""
    quoted = measures.base_queryset("feedback", filters) & Feedback.objects.approved_quotes()
    rows = list(
        quoted.order_by("-asked_on", "-pk").values("enquiry_id", "approved_text", "version", "asked_on")
    )
    themes_of: dict[int, set[str]] = {}
    outcomes = DesiredOutcome.objects.filter(
        enquiry__in=quoted.values("enquiry_id"), withdrawn_on__isnull=True
    ).values_list("enquiry_id", "category")
    for enquiry_id, category in outcomes.distinct().order_by():
        themes_of.setdefault(enquiry_id, set()).add(category)
    versions = dict(Feedback.Version.choices)
    order = categories.labels(categories.DESIRED_OUTCOME_CATEGORY)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        quote = {
            "words": row["approved_text"],
            "from": versions[row["version"]],
            "month": row["asked_on"].strftime("%B %Y"),
        }
        for theme in themes_of.get(row["enquiry_id"]) or {OTHER_THEME}:
            grouped.setdefault(theme, []).append(quote)

    def place(theme: str) -> int:
        return order.index(theme) if theme in order else len(order)

    return [{"theme": theme, "quotes": grouped[theme]} for theme in sorted(grouped, key=place)]


def build_pack(report: AnnualReport) -> Pack:
    """Everything the report prints for its year and council (see the module's docstring)."""
    year = report.financial_year
    council = report.council
    filters = measures.Filters(year, council)
    concluded, ongoing, recommendations, not_implemented = _reviews(year, council)
    # The outcomes are read once for both tables. Exact counts, no disclosure control: the report is
    # the council's own to its Board, which sees the same counts on its dashboard
    # (docs/annual-report.md, "Small numbers").
    by_category, who = outcomes.outcomes_and_who(filters)
    return Pack(
        report=report,
        year=year,
        council=council,
        sections=_sections(report),
        measures=measures.measure_totals(filters),
        sac=_sac_headline(year, council),
        reviews_concluded=concluded,
        reviews_ongoing=ongoing,
        recommendations=recommendations,
        not_implemented=not_implemented,
        quote_themes=_quote_themes(filters),
        # The categories with outcomes expressed, and how far they were achieved; who expressed them
        # and how many had to be negotiated (measures.outcomes: the outcomes SG4a counts).
        outcomes=outcomes.achievement_by_category(by_category),
        outcomes_who=who,
        # What the year's case file audits found (first audits completed in the year).
        audit_results=audit_results.council_results(council, year.start, year.end),
    )
