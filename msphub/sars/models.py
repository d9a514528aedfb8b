"""The register of Safeguarding Adults Reviews (Care Act 2014, section 44; docs/sars.md): the referral,
the Board's section 44 decision, the adult(s) the review is about, its findings and recommendations
with the organisation that owns each, and the return's SG5 tables counted from it (``sars.services``).

Who sees what (../shared/domain/access.md): the council's safeguarding lead sees and manages its
reviews with personal details; the council's Board viewers see the register and the recommendations
without them (no person link, no referral summary, no date of death); nobody else sees any of it.
``SafeguardingAdultsReview.with_personal_details(user)`` is the one question a page asks.
"""

import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

# The themes a review can be tagged with: what national analyses of SARs group them by (docs/sars.md).
# Stored as keys in ``SafeguardingAdultsReview.themes``, a JSON list, so a review has several.
THEMES: list[tuple[str, str]] = [
    ("self_neglect", "Self-neglect"),
    ("domestic_abuse", "Domestic abuse"),
    ("exploitation", "Exploitation (financial, sexual or criminal)"),
    ("hospital_discharge", "Hospital discharge"),
    ("mental_capacity", "Mental capacity"),
    ("transitions", "Transitions (from children's to adults' services)"),
    ("care_home_quality", "Quality of care in a care home"),
    ("home_care", "Care and support at home"),
    ("mental_health", "Mental health"),
    ("substance_misuse", "Alcohol and drug use"),
    ("homelessness", "Homelessness"),
    ("learning_disability_autism", "Learning disability or autism"),
    ("multi_agency_working", "Multi-agency working and information sharing"),
    ("carers", "Carers and family"),
    ("making_safeguarding_personal", "Making Safeguarding Personal"),
]
THEME_LABELS: dict[str, str] = dict(THEMES)

# SAC age bands (docs/sac.md, SG1a), so an adult's band reads as the return's do.
AGE_BANDS: list[tuple[str, str]] = [
    (band, band) for band in ("18-64", "65-74", "75-84", "85-94", "95+", "Age unknown")
]


class ReviewQuerySet(models.QuerySet):
    def for_user(self, user: Any, action: str = "view") -> "ReviewQuerySet":
        """ "view": the council's safeguarding lead and its Board viewers (the Board's pages leave out
        personal details: ``with_personal_details``); "edit": the lead alone."""
        if not user.is_authenticated:
            return self.none()
        if user.is_lead:
            return self.filter(council_id=user.organisation_id)
        if action == "view" and user.is_board_viewer and user.aggregates_council is not None:
            return self.filter(council_id=user.aggregates_council.pk)
        return self.none()


class SafeguardingAdultsReview(models.Model):
    """One referral for a Safeguarding Adults Review and, when the Board decides to hold one, the
    review: its dates, themes, family involvement, findings and recommendations."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Not yet decided"
        MANDATORY = "mandatory", "Mandatory review (section 44(1) to (3))"
        DISCRETIONARY = "discretionary", "Discretionary review (section 44(4))"
        NOT_PROGRESSED = "not_progressed", "Not progressed"

    class Status(models.TextChoices):
        REFERRED = "referred", "Referred"
        UNDER_CONSIDERATION = "under_consideration", "Under consideration"
        IN_PROGRESS = "in_progress", "Review in progress"
        CONCLUDED = "concluded", "Concluded"
        PUBLISHED = "published", "Published"
        # A referral the Board decided not to progress ends here.
        CLOSED = "closed", "Closed: not progressed"

    class FamilyInvolvement(models.TextChoices):
        NOT_RECORDED = "", "Not recorded yet"
        INVOLVED = "involved", "Involved"
        DECLINED = "declined", "Invited but declined"
        NOT_INVOLVED = "not_involved", "Not involved"
        NO_FAMILY = "no_family", "No family"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # SAR-2026-001: numbered per council and calendar year of the referral (``services.new_review``).
    reference = models.CharField(max_length=20)
    council = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="safeguarding_adults_reviews"
    )
    referred_on = models.DateField("Date referred")
    # Who referred it: a partner agency or the council itself when it is in msphub, else in words.
    referring_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Referring organisation",
    )
    referred_by = models.CharField(
        "Referred by", max_length=200, blank=True, help_text="The organisation, if it is not listed."
    )
    # The circumstances, which name the adult: the lead's alone, never shown to the Board.
    referral_summary = models.TextField("Summary of the referral", max_length=10000, blank=True)
    decision = models.CharField(
        "Section 44 decision", max_length=20, choices=Decision.choices, default=Decision.PENDING
    )
    decision_on = models.DateField("Date of the decision", null=True, blank=True)
    decision_reasons = models.TextField("Reasons for the decision", max_length=10000, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REFERRED)
    started_on = models.DateField("Review started", null=True, blank=True)
    concluded_on = models.DateField("Review concluded", null=True, blank=True)
    published_on = models.DateField("Report published", null=True, blank=True)
    themes = models.JSONField(default=list, blank=True)
    family_involvement = models.CharField(
        max_length=20, choices=FamilyInvolvement.choices, default=FamilyInvolvement.NOT_RECORDED, blank=True
    )
    family_involvement_note = models.TextField(max_length=5000, blank=True)
    findings = models.TextField("The review's findings", max_length=20000, blank=True)
    reviewer = models.CharField(
        "Independent reviewer", max_length=200, blank=True, help_text="Who led or wrote the review."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReviewQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-referred_on", "-reference"]
        verbose_name = "Safeguarding Adults Review"
        constraints = [
            models.UniqueConstraint(fields=["council", "reference"], name="unique_sar_reference"),
            # A decision has a date and reasons; a pending one has neither.
            models.CheckConstraint(
                condition=models.Q(decision="pending", decision_on__isnull=True)
                | (
                    ~models.Q(decision="pending")
                    & models.Q(decision_on__isnull=False)
                    & ~models.Q(decision_reasons="")
                ),
                name="sar_decision_dated_with_reasons",
            ),
            models.CheckConstraint(
                condition=models.Q(concluded_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(concluded_on__gte=models.F("started_on")),
                name="sar_concluded_after_started",
            ),
            models.CheckConstraint(
                condition=models.Q(published_on__isnull=True)
                | (
                    models.Q(concluded_on__isnull=False)
                    & models.Q(published_on__gte=models.F("concluded_on"))
                ),
                name="sar_published_after_concluded",
            ),
        ]
        indexes = [models.Index(fields=["council", "concluded_on"], name="sar_council_concluded_idx")]

    def __str__(self) -> str:
        return self.reference

    def with_personal_details(self, user: Any) -> bool:
        """Whether ``user``'s pages about this review may show personal details (the linked person,
        the referral's summary, dates of death): the council's safeguarding lead alone."""
        return bool(user.is_authenticated and user.is_lead and user.organisation_id == self.council_id)

    @property
    def theme_labels(self) -> list[str]:
        return [THEME_LABELS.get(key, key) for key in self.themes or []]

    @property
    def referrer_display(self) -> str:
        return str(self.referring_organisation) if self.referring_organisation_id else self.referred_by

    @property
    def is_review(self) -> bool:
        """The Board decided to hold a review (mandatory or discretionary)."""
        return self.decision in (self.Decision.MANDATORY, self.Decision.DISCRETIONARY)


class ReviewAdultQuerySet(models.QuerySet):
    def for_user(self, user: Any, action: str = "view") -> "ReviewAdultQuerySet":
        return self.filter(review__in=SafeguardingAdultsReview.objects.for_user(user, action))


class ReviewAdult(models.Model):
    """An adult a review is about. The Board knows them by a pseudonym ("Adult A"); only the lead
    links the record to a person of the council (``services.link_person``)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    review = models.ForeignKey(SafeguardingAdultsReview, on_delete=models.CASCADE, related_name="adults")
    pseudonym = models.CharField(max_length=50, help_text="How the review names them, like “Adult A”.")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    died = models.BooleanField("Died")
    serious_harm = models.BooleanField("Suffered serious harm")
    age_band = models.CharField(max_length=20, choices=AGE_BANDS, default="Age unknown")
    date_of_death = models.DateField(null=True, blank=True)

    objects = ReviewAdultQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "pseudonym"]
        constraints = [
            models.UniqueConstraint(fields=["review", "pseudonym"], name="unique_sar_adult_pseudonym"),
            models.CheckConstraint(
                condition=models.Q(date_of_death__isnull=True) | models.Q(died=True),
                name="sar_adult_death_date",
            ),
        ]

    def __str__(self) -> str:
        return self.pseudonym


class RecommendationQuerySet(models.QuerySet):
    def for_user(self, user: Any, action: str = "view") -> "RecommendationQuerySet":
        return self.filter(review__in=SafeguardingAdultsReview.objects.for_user(user, action))

    def overdue(self, on: date | None = None) -> "RecommendationQuerySet":
        """Not completed (nor not accepted) and past the due date on ``on`` (today by default)."""
        today = on or timezone.localdate()
        return self.filter(
            status__in=[ReviewRecommendation.Status.OPEN, ReviewRecommendation.Status.IN_PROGRESS],
            due_on__lt=today,
        )


class ReviewRecommendation(models.Model):
    """A recommendation of a review, owned by the council or one of its partner agencies, tracked to
    completion with the evidence the Board asked for."""

    class Status(models.TextChoices):
        OPEN = "open", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        NOT_ACCEPTED = "not_accepted", "Not accepted"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    review = models.ForeignKey(
        SafeguardingAdultsReview, on_delete=models.CASCADE, related_name="recommendations"
    )
    number = models.PositiveIntegerField()
    text = models.TextField("Recommendation", max_length=5000)
    owner = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="Owner organisation"
    )
    due_on = models.DateField("Due date")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    not_accepted_reason = models.TextField(max_length=5000, blank=True)
    evidence = models.TextField("Evidence of completion", max_length=10000, blank=True)
    completed_on = models.DateField(null=True, blank=True)

    objects = RecommendationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="unique_sar_recommendation_number"),
            models.CheckConstraint(
                condition=~models.Q(status="completed")
                | (models.Q(completed_on__isnull=False) & ~models.Q(evidence="")),
                name="sar_recommendation_completed_evidence",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="not_accepted") | ~models.Q(not_accepted_reason=""),
                name="sar_recommendation_not_accepted_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review.reference} recommendation {self.number}"

    def is_overdue(self, on: date | None = None) -> bool:
        today = on or timezone.localdate()
        return self.status in (self.Status.OPEN, self.Status.IN_PROGRESS) and self.due_on < today
