"""The enquiry, person-led from start to close: desired outcomes in the person's own words,
reviews, involvement, mental capacity and advocacy, risk and the safeguarding plan, closure with
the SAC items, and the person's feedback."""

import uuid
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from msphub.accounts import models as accounts_models
from msphub.core import categories
from msphub.people.models import Person


class EnquiryQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> "EnquiryQuerySet":
        """Enquiries the user may see or act on (../shared/domain/access.md).

        Actions: "view" (council staff; a partner enquiry officer for the enquiries their agency
        makes), "edit" (own or team; the lead; the partner making it), "sign_off" (a team manager
        for their team's enquiries), "feedback" (who may read the person's feedback words).
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_partner_enquiry_officer:
            if action == "sign_off":
                return self.none()
            hidden = Person.objects.restricted_from(user)
            return self.filter(making_organisation_id=user.organisation_id).exclude(person__in=hidden)
        if not user.does_casework:
            return self.none()
        qs = self.filter(council_id=user.organisation_id)
        if not user.is_lead:
            hidden = Person.objects.restricted_from(user)
            qs = qs.exclude(person__in=hidden)
        if action == "view" or user.is_lead and action in ("edit", "feedback"):
            return qs
        if action in ("edit", "feedback"):
            mine = models.Q(lead_practitioner=user)
            if user.team_id:
                mine |= models.Q(team_id=user.team_id)
            return qs.filter(mine)
        if action == "sign_off":
            if not user.is_manager or not user.team_id:
                return self.none()
            # An enquiry led by someone without a team (the lead) goes to any team manager.
            return qs.filter(models.Q(team_id=user.team_id) | models.Q(team__isnull=True))
        return self.none()

    def open(self) -> "EnquiryQuerySet":
        """Not closed (``Enquiry.is_open``): those awaiting closure sign-off are still open."""
        return self.exclude(status=Enquiry.Status.CLOSED)

    def review_overdue(self, today: date | None = None) -> "EnquiryQuerySet":
        """Editable (``Enquiry.is_editable``) and past the review date; due today is not overdue."""
        return self.filter(status=Enquiry.Status.OPEN, next_review_due__lt=today or timezone.localdate())

    def with_overdue_actions(self, today: date | None = None) -> "EnquiryQuerySet":
        """Annotated ``has_overdue_action``: a plan action still to be resolved and past its due date
        (``PlanActionQuerySet.overdue``, the one rule for "actions overdue")."""
        late = PlanAction.objects.filter(enquiry=models.OuterRef("pk")).overdue(today)
        return self.annotate(has_overdue_action=models.Exists(late))


class Enquiry(models.Model):
    class Kind(models.TextChoices):
        SECTION_42 = "s42", "Section 42 enquiry"
        OTHER = "other", "Other safeguarding enquiry"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSURE_REQUESTED = "closure_requested", "Closure awaiting sign-off"
        CLOSED = "closed", "Closed"

    class NoOutcomesReason(models.TextChoices):
        CHOSE_NOT_TO_SAY = "chose_not_to_say", "The person chose not to say what they want"
        NOT_ASKED_YET = "not_asked_yet", "The person could not be asked yet"
        NO_REPRESENTATIVE = "no_representative", "The person lacks capacity and has no representative yet"

    class ClosureReason(models.TextChoices):
        COMPLETE = "complete", "Enquiry complete"
        PERSONS_REQUEST = "persons_request", "Ceased at the person's request"
        NOT_SUBSTANTIATED = "not_substantiated", "Concern not substantiated"
        DIED = "died", "The person died"
        MOVED = "moved", "The person moved out of the area"
        OTHER = "other", "Other"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    council = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="enquiries")
    concern = models.OneToOneField("concerns.Concern", on_delete=models.PROTECT, related_name="enquiry")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enquiries")
    kind = models.CharField("Type", max_length=10, choices=Kind.choices)
    lead_practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enquiries_led"
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="enquiries"
    )
    making_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enquiries_made",
        verbose_name="Partner making the enquiry on the council's behalf",
    )
    started_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    # Kept on the row (not derived per request) so caseloads can filter and sort on it in the database.
    next_review_due = models.DateField(null=True, blank=True, db_index=True)

    # Desired outcomes: when there are none, why
    no_outcomes_reason = models.CharField(max_length=30, choices=NoOutcomesReason.choices, blank=True)

    # Taking part: prompts an advocacy referral when needed
    substantial_difficulty = models.BooleanField(
        "The person has substantial difficulty taking part", default=False
    )
    has_appropriate_person = models.BooleanField(
        "An appropriate family member or friend can support them", null=True, blank=True
    )

    # Risk
    risk_assessment = models.TextField(max_length=5000, blank=True)
    risk_assessment_outcome = models.CharField(
        max_length=70, choices=categories.RISK_ASSESSMENT_OUTCOME, blank=True
    )
    risk_outcome = models.CharField(max_length=20, choices=categories.RISK_OUTCOME, blank=True)

    # Closure (SAC items)
    msp_asked = models.CharField(
        "Asked about desired outcomes", max_length=60, choices=categories.MSP_ASKED, blank=True
    )
    mental_capacity = models.CharField(
        "Lacked capacity to make decisions about the safeguarding",
        max_length=40,
        choices=categories.MENTAL_CAPACITY,
        blank=True,
    )
    capacity_supported = models.BooleanField(
        "Supported by an advocate, family member or friend", null=True, blank=True
    )
    closure_reason = models.CharField(max_length=30, choices=ClosureReason.choices, blank=True)
    closure_note = models.TextField(max_length=5000, blank=True)
    closure_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closure_requested_at = models.DateTimeField(null=True, blank=True)
    closure_returned_comment = models.TextField(max_length=2000, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    history = HistoricalRecords()
    objects = EnquiryQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name_plural = "enquiries"
        indexes = [models.Index(fields=["council", "status", "next_review_due"])]

    def __str__(self) -> str:
        return self.reference

    # "Open" is said of an enquiry in two senses, kept apart by these names:
    @property
    def is_open(self) -> bool:
        """Not closed: in progress, or its closure awaiting a team manager's sign-off."""
        return self.status != self.Status.CLOSED

    @property
    def is_editable(self) -> bool:
        """In progress (status "open"): its record can change. Asking for closure freezes it until
        the closure is signed off (closed) or returned (editable again)."""
        return self.status == self.Status.OPEN

    @property
    def awaits_closure_sign_off(self) -> bool:
        return self.status == self.Status.CLOSURE_REQUESTED

    def is_review_overdue(self, today: date) -> bool:
        """As ``EnquiryQuerySet.review_overdue``: editable and past the review date."""
        return self.is_editable and self.next_review_due is not None and self.next_review_due < today

    def review_interval(self) -> timedelta:
        return timedelta(days=self.council.review_interval_days)


class DesiredOutcome(models.Model):
    """What the person wants, in their own words, with a category for counting."""

    class ExpressedBy(models.TextChoices):
        ADULT = "adult", "The adult"
        REPRESENTATIVE = "representative", "Their representative"

    class NegotiatedReason(models.TextChoices):
        LAW = "law", "The law"
        OTHERS_SAFETY = "others_safety", "Other people's safety"
        PUBLIC_INTEREST = "public_interest", "The public interest"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="outcomes")
    words = models.TextField("What the person wants, in their own words", max_length=2000)
    category = models.CharField(max_length=80, choices=categories.DESIRED_OUTCOME_CATEGORY)
    expressed_by = models.CharField(max_length=20, choices=ExpressedBy.choices)
    representative_name = models.CharField(max_length=200, blank=True)
    expressed_on = models.DateField()
    negotiated_outcome = models.TextField(max_length=2000, blank=True)
    negotiated_reason = models.CharField(max_length=20, choices=NegotiatedReason.choices, blank=True)
    negotiated_note = models.TextField(max_length=2000, blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_reason = models.TextField(max_length=2000, blank=True)
    achievement = models.CharField(max_length=20, choices=categories.ACHIEVEMENT, blank=True)
    achievement_note = models.TextField(max_length=2000, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["expressed_on", "pk"]

    def __str__(self) -> str:
        return self.words[:60]

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None

    def clean(self) -> None:
        errors = {}
        if self.negotiated_outcome.strip() and not self.negotiated_reason:
            errors["negotiated_reason"] = "Select why the outcome had to be negotiated"
        if self.negotiated_reason and not self.negotiated_outcome.strip():
            errors["negotiated_outcome"] = "Enter the negotiated outcome"
        if self.expressed_by == self.ExpressedBy.REPRESENTATIVE and not self.representative_name.strip():
            errors["representative_name"] = "Enter the name of the representative who said it"
        if errors:
            raise ValidationError(errors)


class Review(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField("Date of the review")
    participants = models.TextField("Who took part", max_length=1000)
    persons_view = models.TextField("The person's view, in their own words", max_length=5000)
    outcome_changes = models.TextField("Changes to outcomes agreed", max_length=2000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"Review of {self.enquiry} on {self.held_on}"


class ReviewProgress(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="progress")
    outcome = models.ForeignKey(DesiredOutcome, on_delete=models.CASCADE, related_name="progress")
    progress = models.TextField(max_length=2000)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "outcome"], name="one_progress_per_outcome")]

    def __str__(self) -> str:
        return self.progress[:60]


class Involvement(models.Model):
    """A contact or meeting, and whether and how the adult took part."""

    class Kind(models.TextChoices):
        VISIT = "visit", "Visit"
        MEETING = "meeting", "Meeting"
        PHONE = "phone", "Phone call"
        VIDEO = "video", "Video call"
        OTHER = "other", "Other contact"

    class Participation(models.TextChoices):
        HOME = "home", "In person, at home"
        ELSEWHERE = "elsewhere", "In person, somewhere else"
        PHONE_VIDEO = "phone_video", "By phone or video"
        REPRESENTATIVE = "representative", "Through a representative"
        ADVOCATE = "advocate", "Through an advocate"
        CHOSE_NOT = "chose_not", "Chose not to take part"
        NOT_PRESENT = "not_present", "Did not take part (for example a professionals' meeting)"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="involvements")
    held_on = models.DateField("Date")
    kind = models.CharField("Type", max_length=20, choices=Kind.choices)
    place = models.CharField(max_length=200, blank=True)
    attendees = models.TextField("Who attended", max_length=1000)
    participation = models.CharField("How the adult took part", max_length=20, choices=Participation.choices)
    minutes = models.TextField("Short minutes", max_length=5000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    TOOK_PART = {"home", "elsewhere", "phone_video", "representative", "advocate"}

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.held_on}"


class CapacityAssessment(models.Model):
    """Decision-specific: capacity is assumed unless an assessment of a specific decision shows otherwise."""

    class Outcome(models.TextChoices):
        HAS_CAPACITY = "has", "Has capacity to make this decision"
        LACKS_CAPACITY = "lacks", "Lacks capacity to make this decision"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="capacity_assessments")
    decision = models.CharField("The decision", max_length=300)
    assessed_on = models.DateField("Date of assessment")
    assessor = models.CharField(max_length=200)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    notes = models.TextField(max_length=5000, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_on", "-pk"]

    def __str__(self) -> str:
        return self.decision


class BestInterestsDecision(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="best_interests_decisions")
    decision = models.CharField("The decision", max_length=300)
    decided_on = models.DateField("Date")
    decision_maker = models.CharField(max_length=200)
    consulted = models.TextField("Who was consulted", max_length=2000)
    outcome = models.TextField("What was decided and why", max_length=5000)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_on", "-pk"]

    def __str__(self) -> str:
        return self.decision


class AdvocacyReferral(models.Model):
    """A referral for advocacy. Before the enquiry closes it has either started or been marked not
    going ahead, with why (the person declined it, or it is no longer needed): the closure gate."""

    class Kind(models.TextChoices):
        CARE_ACT = "care_act", "Care Act independent advocate"
        IMCA = "imca", "Independent mental capacity advocate (IMCA)"
        FAMILY_FRIEND = "family_friend", "Family member or friend"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="advocacy_referrals")
    kind = models.CharField("Type of advocacy", max_length=20, choices=Kind.choices)
    referred_on = models.DateField("Date of referral")
    started_on = models.DateField("Date advocacy started", null=True, blank=True)
    advocate_name = models.CharField(max_length=200, blank=True)
    advocate_organisation = models.CharField(max_length=200, blank=True)
    not_going_ahead_on = models.DateField("Marked not going ahead on", null=True, blank=True)
    not_going_ahead_reason = models.TextField("Why it is not going ahead", max_length=2000, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-referred_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(not_going_ahead_on__isnull=True) | ~models.Q(not_going_ahead_reason=""),
                name="advocacy_not_going_ahead_has_reason",
            ),
            # Advocacy that started went ahead: the two answers never stand together.
            models.CheckConstraint(
                condition=models.Q(started_on__isnull=True) | models.Q(not_going_ahead_on__isnull=True),
                name="advocacy_started_or_not_going_ahead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} referred {self.referred_on}"

    @property
    def is_settled(self) -> bool:
        """Started, or marked not going ahead: nothing about it holds up the closure."""
        return self.started_on is not None or self.not_going_ahead_on is not None


# The roles of a partner agency's staff who see and complete their agency's actions on a shared
# safeguarding plan: one rule, ``User.on_shared_plans`` (accounts.models).
SHARED_PLAN_ROLES = tuple(role.value for role in accounts_models.SHARED_PLAN_ROLES)
# How long a resolved action stays on the agency's list of its actions.
RECENT_ACTIONS = timedelta(days=28)


class PlanActionQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> "PlanActionQuerySet":
        """Plan actions the user may see ("view") or resolve ("edit"); "agency": only their own
        agency's (the shared plan's pages, docs/enquiries.md).

        Whoever may see (or change) the enquiry sees (or resolves) its actions, as on the enquiry's
        page; and a partner agency's staff in ``SHARED_PLAN_ROLES`` see and resolve the actions their
        agency owns, and no others, on any enquiry of a council it works with, restricted people's
        records aside (unless they are named on them).
        """
        if not user.is_authenticated:
            return self.none()
        agency = self._owned_by_agency_of(user)
        if action == "agency":
            return agency
        if action not in ("view", "edit"):
            return self.none()
        through_enquiry = self.filter(enquiry__in=Enquiry.objects.for_user(user, action))
        if agency.query.is_empty():
            return through_enquiry
        return self.filter(
            models.Q(pk__in=through_enquiry.values("pk")) | models.Q(pk__in=agency.values("pk"))
        )

    def _owned_by_agency_of(self, user) -> "PlanActionQuerySet":
        if not user.on_shared_plans:
            return self.none()
        hidden = Person.objects.restricted_from(user)
        return self.filter(
            owner_organisation_id=user.organisation_id,
            # Only while the agency works with the enquiry's council.
            enquiry__council__partners=user.organisation_id,
        ).exclude(enquiry__person__in=hidden)

    def open_or_recent(self, today: date | None = None) -> "PlanActionQuerySet":
        """Not resolved yet on an enquiry not closed, or resolved in the last four weeks: what an
        agency's list of its actions shows."""
        since = (today or timezone.localdate()) - RECENT_ACTIONS
        still_open = models.Q(status=PlanAction.Status.OPEN, done_on__isnull=True) & ~models.Q(
            enquiry__status=Enquiry.Status.CLOSED
        )
        return self.filter(still_open | models.Q(resolved_on__gte=since) | models.Q(done_on__gte=since))

    def unresolved(self) -> "PlanActionQuerySet":
        """Not done, cancelled or handed over (``PlanAction.is_unresolved``). An action marked done
        before actions had a status has only its ``done_on``: that counts as done."""
        return self.filter(status=PlanAction.Status.OPEN, done_on__isnull=True)

    def overdue(self, today: date | None = None) -> "PlanActionQuerySet":
        """Unresolved and past the due date; due today is not overdue."""
        return self.unresolved().filter(due_on__lt=today or timezone.localdate())


class PlanAction(models.Model):
    """A safeguarding plan action, owned by a named agency.

    It is resolved once: done, cancelled (with why) or handed over (to whom), with who and when. The
    enquiry cannot close while any action is unresolved (``services.closure_gate``).
    """

    class Status(models.TextChoices):
        OPEN = "open", "Not resolved yet"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"
        HANDED_OVER = "handed_over", "Handed over"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="plan_actions")
    action = models.TextField("What will be done", max_length=2000)
    owner_agency = models.CharField("Agency responsible", max_length=200)
    # The shared plan (docs/partners.md): the organisation that owns the action (the council or a
    # partner), or the person themselves for their own part of the plan. ``owner_agency`` keeps the
    # name as written (older actions have only that).
    owner_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_actions",
        verbose_name="Organisation responsible",
    )
    owner_is_person = models.BooleanField("The person themselves", default=False)
    due_on = models.DateField("Due date")
    # Kept as the date an action was done (older records have only this): set whenever it is done.
    done_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    cancelled_reason = models.TextField("Why it was cancelled", max_length=2000, blank=True)
    handed_over_to = models.CharField("Handed over to", max_length=200, blank=True)
    resolved_on = models.DateField("Resolved on", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()
    objects = PlanActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="cancelled") | ~models.Q(cancelled_reason=""),
                name="cancelled_action_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="handed_over") | ~models.Q(handed_over_to=""),
                name="handed_over_action_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        return self.action[:60]

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A done date means done, whoever wrote it: code older than the status (and the demo's
        # builder) sets done_on alone, and the action must not then stay "not resolved".
        if self.done_on is not None and self.status == self.Status.OPEN:
            self.status = self.Status.DONE
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "status"}
        super().save(*args, **kwargs)

    @property
    def is_unresolved(self) -> bool:
        """As ``PlanActionQuerySet.unresolved``."""
        return self.status == self.Status.OPEN and self.done_on is None

    def is_overdue(self, today: date) -> bool:
        """As ``PlanActionQuerySet.overdue``."""
        return self.is_unresolved and self.due_on < today

    @property
    def owner_kind(self) -> str:
        """Who owns it: "person" (their own part of the plan), "council", "partner" (an agency in
        msphub that works with the council) or "other" (named in words only: older actions, and
        people or bodies outside msphub such as a bank or a family member)."""
        if self.owner_is_person:
            return "person"
        if self.owner_organisation_id is None:
            return "other"
        if self.owner_organisation_id == self.enquiry.council_id:
            return "council"
        return "partner"


class EnquiryRiskType(models.Model):
    """A type of abuse or neglect the concluded enquiry found (SG2a, SG2a_b1); one row per category."""

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="found_risk_types")
    risk_type = models.CharField("Type of risk", max_length=40, choices=categories.RISK_TYPE)
    history = HistoricalRecords()

    class Meta:
        ordering = ["risk_type"]
        verbose_name = "type of risk found"
        constraints = [
            models.UniqueConstraint(fields=["enquiry", "risk_type"], name="unique_enquiry_risk_type")
        ]

    def __str__(self) -> str:
        return self.risk_type


class EnquiryLocation(models.Model):
    """A location of risk the concluded enquiry found (SG2b); one row per category."""

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="found_locations")
    location_of_risk = models.CharField(
        "Location of risk", max_length=40, choices=categories.LOCATION_OF_RISK
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["location_of_risk"]
        verbose_name = "location of risk found"
        constraints = [
            models.UniqueConstraint(fields=["enquiry", "location_of_risk"], name="unique_enquiry_location")
        ]

    def __str__(self) -> str:
        return self.location_of_risk


class EnquirySource(models.Model):
    """A source of risk the concluded enquiry found (SG2d); one row per category."""

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="found_sources")
    source_of_risk = models.CharField("Source of risk", max_length=40, choices=categories.SOURCE_OF_RISK)
    history = HistoricalRecords()

    class Meta:
        ordering = ["source_of_risk"]
        verbose_name = "source of risk found"
        constraints = [
            models.UniqueConstraint(fields=["enquiry", "source_of_risk"], name="unique_enquiry_source")
        ]

    def __str__(self) -> str:
        return self.source_of_risk


# What the concluded enquiry found, for SG2: the form's field name, the model and its category field,
# and the category list (in the national template's order).
FINDINGS: tuple[tuple[str, type[models.Model], str, list[tuple[str, str]]], ...] = (
    ("found_risk_types", EnquiryRiskType, "risk_type", categories.RISK_TYPE),
    ("found_locations", EnquiryLocation, "location_of_risk", categories.LOCATION_OF_RISK),
    ("found_sources", EnquirySource, "source_of_risk", categories.SOURCE_OF_RISK),
)


class FeedbackQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> "FeedbackQuerySet":
        """Feedback the user may read ("view", "feedback": as ``EnquiryQuerySet.for_user(user,
        "feedback")``) or moderate as a quote for the Board ("sign_off": a team manager or the
        safeguarding lead of the enquiry's council, consented quotes of enquiries they may see)."""
        if not user.is_authenticated:
            return self.none()
        if action in ("view", "feedback"):
            return self.filter(enquiry__in=Enquiry.objects.for_user(user, "feedback"))
        if action == "sign_off":
            if not (user.is_manager or user.is_lead):
                return self.none()
            # Council staff see their own council's enquiries (less any restricted from them).
            seen = Enquiry.objects.for_user(user, "view")
            return self.filter(enquiry__in=seen, consent_to_quote=True)
        return self.none()

    def awaiting_moderation(self) -> "FeedbackQuerySet":
        """Consented quotes nobody has approved or declined yet."""
        return self.filter(consent_to_quote=True, quote_status=Feedback.QuoteStatus.AWAITING).exclude(
            comments=""
        )

    def approved_quotes(self) -> "FeedbackQuerySet":
        """Consented quotes a team manager or the lead approved: the only ones the Board sees, and
        in their approved (perhaps redacted) words, ``approved_text``, never ``comments``."""
        return self.filter(consent_to_quote=True, quote_status=Feedback.QuoteStatus.APPROVED).exclude(
            approved_text=""
        )


class Feedback(models.Model):
    """The person's feedback (2018 MSP outcomes framework, questions 4 to 7; all optional).

    Words the person agreed to be quoted reach the Board only once a team manager or the
    safeguarding lead of the council approves them (``quote_status``), perhaps with names redacted:
    the approved words are kept in ``approved_text``; ``comments`` stays as the person said it.
    """

    class Version(models.TextChoices):
        ADULT = "adult", "The adult"
        REPRESENTATIVE = "representative", "A representative (family, friend, carer or IMCA)"

    class AskedBy(models.TextChoices):
        PRACTITIONER = "practitioner", "The practitioner, at closure"
        INDEPENDENT = "independent", "Someone independent of the enquiry"
        ONLINE = "online", "The person or their representative, online"

    class QuoteStatus(models.TextChoices):
        AWAITING = "awaiting", "Awaiting moderation"
        APPROVED = "approved", "Approved for the Board"
        DECLINED = "declined", "Declined"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="feedback")
    version = models.CharField(max_length=20, choices=Version.choices)
    representative_relationship = models.CharField(max_length=100, blank=True)
    asked_by = models.CharField(max_length=20, choices=AskedBy.choices)
    asked_on = models.DateField()
    listened_to = models.CharField(max_length=20, choices=categories.FEEDBACK_ANSWER, blank=True)
    involved = models.CharField(max_length=20, choices=categories.FEEDBACK_ANSWER, blank=True)
    safer = models.CharField(max_length=20, choices=categories.FEEDBACK_ANSWER, blank=True)
    happy_with_ending = models.CharField(max_length=20, choices=categories.FEEDBACK_ANSWER, blank=True)
    comments = models.TextField("Anything you want to tell us", max_length=5000, blank=True)
    consent_to_quote = models.BooleanField(
        "Agrees to the words being quoted anonymously to the Board", default=False
    )
    # Nobody when the person or their representative answered online themselves (asked_by "online").
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Moderation of a consented quote (blank when the person did not agree to be quoted).
    quote_status = models.CharField(
        "Quote for the Board", max_length=10, choices=QuoteStatus.choices, blank=True, db_index=True
    )
    approved_text = models.TextField("Words approved for the Board", max_length=5000, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()
    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-asked_on", "-pk"]
        verbose_name_plural = "feedback"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(quote_status="approved") | ~models.Q(approved_text=""),
                name="approved_quote_has_words",
            )
        ]

    def __str__(self) -> str:
        return f"Feedback on {self.enquiry} ({self.get_version_display()})"

    def clean(self) -> None:
        errors = {}
        if self.version == self.Version.REPRESENTATIVE and not self.representative_relationship.strip():
            errors["representative_relationship"] = "Enter the representative's relationship to the person"
        if self.consent_to_quote and not self.comments.strip():
            errors["consent_to_quote"] = "There are no words to quote: enter them, or untick the box"
        if errors:
            raise ValidationError(errors)


class AllegedPerson(models.Model):
    """The person alleged to have caused harm (docs/enquiries.md): who they are to the adult, whether
    they are a carer or also an adult at risk, what was done and what support they were offered."""

    class Relationship(models.TextChoices):
        PARTNER = "partner", "Partner or spouse"
        CHILD = "child", "Son or daughter"
        PARENT = "parent", "Parent"
        OTHER_FAMILY = "other_family", "Other family member"
        FRIEND_NEIGHBOUR = "friend_neighbour", "Friend or neighbour"
        PAID_CARER = "paid_carer", "Paid carer or care worker"
        PROFESSIONAL = "professional", "Other professional or volunteer"
        RESIDENT = "resident", "Another resident or person using the service"
        STRANGER = "stranger", "Stranger"
        OTHER = "other", "Other"
        NOT_KNOWN = "not_known", "Not known"

    class Carer(models.TextChoices):
        UNPAID = "unpaid", "Yes, an unpaid carer"
        PAID = "paid", "Yes, a paid carer"
        NO = "no", "No"
        NOT_KNOWN = "not_known", "Not known"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="alleged_persons")
    description = models.CharField("Who they are (a name or a description)", max_length=200)
    relationship = models.CharField("Relationship to the adult", max_length=20, choices=Relationship.choices)
    carer = models.CharField("Are they a carer for the adult?", max_length=10, choices=Carer.choices)
    also_adult_at_risk = models.BooleanField("They are also an adult at risk", default=False)
    action_taken = models.TextField("What was done", max_length=2000, blank=True)
    support_offered = models.TextField("What support they were offered or had", max_length=2000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = "person alleged to have caused harm"
        verbose_name_plural = "people alleged to have caused harm"

    def __str__(self) -> str:
        return f"Person alleged to have caused harm, {self.enquiry}"


class EnquiryResponse(models.Model):
    """A response the enquiry used (one row each), so outcomes can be compared by approach.

    "None of these" (``Response.NONE``) is an answer of its own, kept as a row like the others and
    never beside one (``services.set_responses``): an enquiry with no rows has not been answered."""

    class Response(models.TextChoices):
        MEDIATION = "mediation", "Mediation"
        FAMILY_GROUP_CONFERENCE = "family_group_conference", "Family group conference"
        RESTORATIVE = "restorative", "Restorative approach"
        POLICE_ACTION = "police_action", "Police action"
        CARE_CHANGE = "care_change", "Change to care and support"
        PROVIDER_ACTION = "provider_action", "Action by the care provider or its regulator"
        DISCIPLINARY = "disciplinary", "Disciplinary action or a referral to a professional body"
        PROTECTION_PLAN = "protection_plan", "Safeguarding plan with monitoring"
        OTHER = "other", "Other"
        # Exclusive of the others: the enquiry used none of them.
        NONE = "none", "None of these"

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="responses")
    response = models.CharField("Response used", max_length=30, choices=Response.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["enquiry", "response"]
        constraints = [models.UniqueConstraint(fields=["enquiry", "response"], name="one_response_each")]

    def __str__(self) -> str:
        return self.get_response_display()


# The parts of an enquiry's record shown in its change history. The person's feedback is kept apart:
# fewer people may read its words.
RECORD_PARTS: tuple[type[models.Model], ...] = (
    DesiredOutcome,
    Review,
    Involvement,
    CapacityAssessment,
    BestInterestsDecision,
    AdvocacyReferral,
    PlanAction,
    EnquiryRiskType,
    EnquiryLocation,
    EnquirySource,
    AllegedPerson,
    EnquiryResponse,
)
