"""The Safeguarding Adults Board's annual report (Care Act 2014, Schedule 2, paragraph 4; see
docs/annual-report.md): one report a council a financial year, the sections the Board writes itself
(kept with their history), and the state of the report (a draft, then agreed by the safeguarding
lead, after which its sections no longer change). The figures, the reviews and the quotes in the pack
are read from the record when the pack is drawn (``annualreport.services``), never stored here.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from msphub.core.periods import FinancialYear

# The first financial year the Care Act's annual report covers (the Act came into force on 1 April 2015).
FIRST_YEAR = 2015


class Section(models.TextChoices):
    """The sections the Board writes itself, in the order the pack prints them."""

    FOREWORD = "foreword", "Chair's foreword"
    STRATEGY = "strategy", "Our strategy and what the Board did"
    MEMBERS = "members", "What each member did"
    REVIEW_ACTIONS = "review_actions", "Acting on the reviews' findings"
    PRIORITIES = "priorities", "Learning and priorities for next year"


# What each section asks the Board to write: the form's hint, and the pack's note of which part of
# Schedule 2 paragraph 4(1) it answers.
SECTION_HINTS: dict[str, str] = {
    Section.FOREWORD: "A short introduction to the year from the Board's independent chair.",
    Section.STRATEGY: (
        "What the Board did during the year to achieve its objective (to help and protect adults in "
        "its area) and to implement its strategic plan."
    ),
    Section.MEMBERS: "What each member organisation did during the year to implement the Board's strategy.",
    Section.REVIEW_ACTIONS: (
        "What the Board did during the year to implement the findings of Safeguarding Adults Reviews, and "
        "where it decided not to implement a finding, the reasons for that decision."
    ),
    Section.PRIORITIES: "What the Board learned during the year and its priorities for the next.",
}
SECTION_PARAGRAPHS: dict[str, str] = {
    Section.FOREWORD: "",
    Section.STRATEGY: "Schedule 2, paragraph 4(1)(a) and (b)",
    Section.MEMBERS: "Schedule 2, paragraph 4(1)(c)",
    Section.REVIEW_ACTIONS: "Schedule 2, paragraph 4(1)(f) and (g)",
    Section.PRIORITIES: "",
}


class AnnualReportQuerySet(models.QuerySet):
    def for_user(self, user: Any, action: str = "view") -> "AnnualReportQuerySet":
        """ "view": the council's reports, for the people of its register of Safeguarding Adults
        Reviews (the pack shows its reviews and recommendations): the council's safeguarding lead
        and its Board viewers; "edit" (writing a section) and "sign_off" (agreeing the report): the
        lead, while the report is a draft."""
        if not user.is_authenticated:
            return self.none()
        council = user.aggregates_council
        if council is None or not (user.is_lead or user.is_board_viewer):
            return self.none()
        if action == "view":
            return self.filter(council=council)
        if action in ("edit", "sign_off") and user.is_lead:
            return self.filter(council=council, status=AnnualReport.Status.DRAFT)
        return self.none()


class AnnualReport(models.Model):
    """A council's Board's annual report for one financial year (``year``: the year it starts in)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        AGREED = "agreed", "Agreed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    council = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(
        "Financial year", help_text="The year it starts in: 2025 for 2025-26."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agreed_at = models.DateTimeField(null=True, blank=True)
    # The pack as agreed, kept so the report the Board agreed (and published) reads the same however
    # the record is corrected later: its body as HTML for the page, and its PDF. Empty while a draft.
    agreed_body = models.TextField(blank=True, editable=False)
    agreed_pdf = models.BinaryField(null=True, blank=True, editable=False)

    objects = AnnualReportQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["agreed_body", "agreed_pdf"])

    class Meta:
        ordering = ["council", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["council", "year"], name="one_annual_report_a_year"),
            models.CheckConstraint(
                condition=models.Q(status="draft", agreed_at__isnull=True)
                | models.Q(status="agreed", agreed_at__isnull=False, agreed_by__isnull=False),
                name="annual_report_agreed_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"Annual report {self.financial_year}"

    @property
    def financial_year(self) -> FinancialYear:
        return FinancialYear(self.year)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class ReportSection(models.Model):
    """The text of one section the Board writes, as plain text with paragraphs (no HTML). "What each
    member did" is one row per member organisation (``member``), printed under a sub-heading each;
    every other section is one row with no member."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField("Section", max_length=20, choices=Section.choices)
    member = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Member organisation",
    )
    text = models.TextField(max_length=20000, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["report", "key", "member__name"]
        constraints = [
            # NULLs are distinct in a unique constraint, so the sections without a member need their own.
            models.UniqueConstraint(
                fields=["report", "key"], condition=models.Q(member__isnull=True), name="one_report_section"
            ),
            models.UniqueConstraint(
                fields=["report", "key", "member"],
                condition=models.Q(member__isnull=False),
                name="one_report_section_a_member",
            ),
            models.CheckConstraint(
                condition=models.Q(key="members", member__isnull=False)
                | (~models.Q(key="members") & models.Q(member__isnull=True)),
                name="report_section_member_only_for_members",
            ),
        ]

    def __str__(self) -> str:
        label = Section(self.key).label
        return f"{label}: {self.member}" if self.member_id else label
