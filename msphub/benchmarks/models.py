"""Benchmark files imported by a regional or national hub (docs/benchmarks.md).

A submission is one council's published figures for one financial year, as its benchmark file gave
them: already disclosure-controlled, so nothing here is a record about a person. A suppressed count
("[c]") is stored as NULL, which SQL sums leave out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from msphub.accounts.models import User
from msphub.accounts.permissions import BENCHMARKS

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def council_scope(user: User | AnonymousUser) -> Q | None:
    """Which councils' benchmark figures ``user`` may see, as a filter on ``ons_code`` and ``region``
    (fields that Organisation and BenchmarkSubmission share), or None for no access (access.md).

    Council staff with measures access and Board viewers: their own council (compared against its
    region and England). Regional leads: every council of their region; a national network's lead
    (flagged national): every council.
    """
    if not isinstance(user, User) or not BENCHMARKS.allows(user):
        return None
    if user.is_regional_lead:
        # network_region: "" only for a network flagged national (every council).
        return Q(region=user.network_region) if user.network_region else Q()
    council = user.aggregates_council
    assert council is not None  # BENCHMARKS: a council with an ONS code
    return Q(ons_code=council.ons_code)


class BenchmarkSubmissionQuerySet(models.QuerySet):
    def for_user(self, user: User | AnonymousUser, action: str = "view") -> BenchmarkSubmissionQuerySet:
        """Submissions a user may compare: those of the councils in their scope (council_scope)."""
        scope = council_scope(user)
        return self.none() if scope is None else self.filter(scope)


class BenchmarkSubmission(models.Model):
    year = models.CharField("Financial year", max_length=7)
    ons_code = models.CharField("ONS area code", max_length=9)
    council_name = models.CharField(max_length=200)
    region = models.CharField(max_length=100)
    format_version = models.PositiveSmallIntegerField()
    generated_at = models.DateTimeField(help_text="When the council wrote the file")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who imported, in words: the user's name, or the operating-system account for the command line
    # (kept if the user is later deleted).
    imported_by_name = models.CharField(max_length=200)
    # Days from advocacy referral to start as the file published them ({"median", "p90", "n"}, each a
    # number or "[c]"); null for a file written before they were in the format.
    advocacy_days = models.JSONField(null=True, blank=True)

    objects = BenchmarkSubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["year", "council_name"]
        constraints = [
            models.UniqueConstraint(fields=["year", "ons_code"], name="unique_benchmark_council_year")
        ]
        indexes = [models.Index(fields=["year", "region"])]

    def __str__(self) -> str:
        return f"{self.council_name} {self.year}"


class BenchmarkCell(models.Model):
    """One cell of a SAC table, by the table id and row and column labels of msphub/measures/sac.py."""

    submission = models.ForeignKey(BenchmarkSubmission, on_delete=models.CASCADE, related_name="cells")
    table_id = models.CharField(max_length=10)
    row = models.CharField(max_length=200)
    column = models.CharField(max_length=200)
    count = models.PositiveIntegerField(null=True, help_text="Rounded to 5; NULL when suppressed ([c])")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "table_id", "row", "column"], name="unique_benchmark_cell"
            )
        ]
        indexes = [models.Index(fields=["table_id", "row", "column"])]

    def __str__(self) -> str:
        return f"{self.table_id} {self.row} x {self.column}: {'[c]' if self.count is None else self.count}"


class BenchmarkMeasure(models.Model):
    """One MSP measure (or the SAC headline conversion rate) as published."""

    submission = models.ForeignKey(BenchmarkSubmission, on_delete=models.CASCADE, related_name="measures")
    measure_id = models.CharField(max_length=50)
    numerator = models.PositiveIntegerField(null=True, help_text="NULL when suppressed ([c])")
    denominator = models.PositiveIntegerField(null=True, help_text="NULL when suppressed ([c])")
    # From the unrounded counts, as the file gave it. NULL when suppressed (numerator or denominator
    # NULL) or when there was nothing to count (denominator 0).
    percent = models.FloatField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "measure_id"], name="unique_benchmark_measure")
        ]
        indexes = [models.Index(fields=["measure_id", "percent"])]

    def __str__(self) -> str:
        return f"{self.measure_id}: {self.percent}"
