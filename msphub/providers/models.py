"""Whole-service (organisational) enquiries about a provider, concerns about a service before any adult
is named, and the actions a whole-service enquiry asks of the provider (docs/providers.md).

A whole-service enquiry (``WSE-2026-000001``) looks at a service as a whole: a care home, a home care
agency, a ward. It never replaces the adults' own records: each adult at risk has their own concern
and, when the decision is signed off, their own enquiry, and those are linked to the whole-service
enquiry (``LinkedConcern``). The national return counts the adults through their own records, so a
whole-service enquiry, and a service concern, add nothing to it by themselves.

Who sees what (../shared/domain/access.md, docs/providers.md): council casework staff of the council
see its whole-service enquiries and service concerns; the safeguarding lead and the enquiry's own
lead change one; partner agencies, the provider itself included, see none of it. An adult's concern
linked to an enquiry is shown only to those who may see that concern (a restricted person's stays
hidden, and is not counted on the page either).
"""

import uuid
from datetime import date
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from msphub.accounts.models import Organisation

# The kinds of organisation whose service can be looked at as a whole: care providers first, and the
# other agencies that provide care or support to adults (a hospital ward, supported housing, a day
# service run by a charity, a GP practice).
PROVIDER_KINDS = (
    Organisation.Kind.CARE_PROVIDER,
    Organisation.Kind.NHS_TRUST,
    Organisation.Kind.HOUSING,
    Organisation.Kind.VOLUNTARY,
    Organisation.Kind.GP_PRACTICE,
)


def providers_of(council_id: int | None) -> "models.QuerySet[Organisation]":
    """The providers that work with the council (``Organisation.councils``), by name."""
    if council_id is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(kind__in=PROVIDER_KINDS, councils=council_id).order_by("name")


QS = TypeVar("QS", bound=models.QuerySet)


def _council_staff(qs: QS, user: Any) -> QS:
    """Council casework staff see their own council's rows; everyone else (partners, the provider
    itself, Board viewers, other councils) none."""
    if not user.is_authenticated or not user.does_casework:
        return qs.none()
    return qs.filter(council_id=user.organisation_id)


class WholeServiceEnquiryQuerySet(models.QuerySet):
    def for_user(self, user: Any, action: str = "view") -> "WholeServiceEnquiryQuerySet":
        """ "view": the council's casework staff; "edit": the safeguarding lead and the enquiry's
        own lead (open or closed: the page's ``where`` says which pages need it open)."""
        qs = _council_staff(self, user)
        if action == "view" or user.is_authenticated and user.is_lead and action == "edit":
            return qs
        if action == "edit":
            return qs.filter(lead=user)
        return qs.none()

    def open(self) -> "WholeServiceEnquiryQuerySet":
        return self.filter(status=WholeServiceEnquiry.Status.OPEN)


class WholeServiceEnquiry(models.Model):
    """An enquiry into a provider's service as a whole (organisational abuse or neglect, poor care
    affecting several people), led by a member of the council's casework staff."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Outcome(models.TextChoices):
        SUBSTANTIATED = "substantiated", "The concerns were substantiated"
        PARTLY = "partly", "The concerns were partly substantiated"
        NOT_SUBSTANTIATED = "not_substantiated", "The concerns were not substantiated"
        INCONCLUSIVE = "inconclusive", "The enquiry could not reach a conclusion"

    # No adult: the notifications about it (worktray.services.notify) name no person to check a
    # restriction against.
    person_id = None

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    council = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="whole_service_enquiries"
    )
    provider = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="whole_service_enquiries_about",
        verbose_name="Provider",
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="whole_service_enquiries_led",
        verbose_name="Lead",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    started_on = models.DateField("Date started", default=timezone.localdate)
    about = models.TextField("What the enquiry is about", max_length=5000)
    findings = models.TextField("What the enquiry found", max_length=10000, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(
        "What happens now",
        max_length=5000,
        blank=True,
        help_text="For example an improvement plan, a pause on new placements, or the regulator told.",
    )
    closed_on = models.DateField("Date closed", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = WholeServiceEnquiryQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-reference"]
        verbose_name = "whole-service enquiry"
        verbose_name_plural = "whole-service enquiries"
        constraints = [
            # A closed enquiry has its date and outcome; an open one neither.
            models.CheckConstraint(
                condition=models.Q(status="open", closed_on__isnull=True, outcome="")
                | (models.Q(status="closed", closed_on__isnull=False) & ~models.Q(outcome="")),
                name="wse_closed_with_date_and_outcome",
            ),
        ]
        indexes = [models.Index(fields=["council", "provider", "started_on"], name="wse_provider_idx")]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class LinkedConcernQuerySet(models.QuerySet):
    def for_user(self, user: Any, action: str = "view") -> "LinkedConcernQuerySet":
        """The links a user may see: of an enquiry they may see (or change, for "edit"), to an adult's
        concern they may see. A restricted person's concern is not in it for anyone its record is
        hidden from, so neither the link nor its count gives the person away."""
        from msphub.concerns.models import Concern

        enquiries = WholeServiceEnquiry.objects.for_user(user, action)
        if enquiries.query.is_empty():
            return self.none()
        return self.filter(
            whole_service_enquiry__in=enquiries, concern__in=Concern.objects.for_user(user, "view")
        )


class LinkedConcern(models.Model):
    """An adult's own concern (and so its enquiry, if the decision opened one) linked to a
    whole-service enquiry. Unlinking deletes the link; its history keeps who linked and when."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    whole_service_enquiry = models.ForeignKey(
        WholeServiceEnquiry, on_delete=models.CASCADE, related_name="links"
    )
    # A concern removed (retention, the demo's rebuild) takes its link with it.
    concern = models.ForeignKey(
        "concerns.Concern", on_delete=models.CASCADE, related_name="whole_service_links"
    )
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = LinkedConcernQuerySet.as_manager()

    class Meta:
        ordering = ["linked_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["whole_service_enquiry", "concern"], name="one_link_per_concern_and_wse"
            )
        ]

    def __str__(self) -> str:
        return f"{self.concern_id} linked to {self.whole_service_enquiry_id}"

    @property
    def reference(self) -> str:
        return self.whole_service_enquiry.reference


class ProviderActionQuerySet(models.QuerySet):
    def for_user(self, user: Any, action: str = "view") -> "ProviderActionQuerySet":
        """As the enquiry they belong to. The provider does not see them in msphub (docs/providers.md):
        the lead agrees them with the provider and records what was done."""
        enquiries = WholeServiceEnquiry.objects.for_user(user, action)
        if enquiries.query.is_empty():
            return self.none()
        return self.filter(whole_service_enquiry__in=enquiries)

    def overdue(self, today: date | None = None) -> "ProviderActionQuerySet":
        """Not resolved and past the due date (due today is not overdue), on an open enquiry."""
        return self.filter(
            status=ProviderAction.Status.OPEN,
            due_on__lt=today or timezone.localdate(),
            whole_service_enquiry__status=WholeServiceEnquiry.Status.OPEN,
        )


class ProviderAction(models.Model):
    """What the whole-service enquiry asks of the provider (or of another agency), by when; resolved
    once: done, or not done with why."""

    class Status(models.TextChoices):
        OPEN = "open", "Not resolved yet"
        DONE = "done", "Done"
        NOT_DONE = "not_done", "Not done"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    whole_service_enquiry = models.ForeignKey(
        WholeServiceEnquiry, on_delete=models.CASCADE, related_name="actions"
    )
    action = models.TextField("What will be done", max_length=2000)
    owner_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="Organisation"
    )
    owner_name = models.CharField(
        "Who is responsible there", max_length=200, blank=True, help_text="A role, like “registered manager”."
    )
    due_on = models.DateField("Due date")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    not_done_reason = models.TextField("Why it was not done", max_length=2000, blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()
    objects = ProviderActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="not_done") | ~models.Q(not_done_reason=""),
                name="provider_action_not_done_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", resolved_on__isnull=True)
                | (~models.Q(status="open") & models.Q(resolved_on__isnull=False)),
                name="provider_action_resolved_dated",
            ),
        ]

    def __str__(self) -> str:
        return self.action[:60]

    def is_overdue(self, today: date | None = None) -> bool:
        return self.status == self.Status.OPEN and self.due_on < (today or timezone.localdate())


class ServiceConcernQuerySet(models.QuerySet):
    def for_user(self, user: Any, action: str = "view") -> "ServiceConcernQuerySet":
        """ "view": the council's casework staff; "edit" (link it to an enquiry, close it): the same,
        while it is open (the views' ``where``); starting an enquiry from it is ALLOCATE's."""
        return _council_staff(self, user) if action in ("view", "edit") else self.none()


class ServiceConcern(models.Model):
    """A concern about a service before any adult is named (a whistleblower, a relative's complaint,
    a regulator's inspection, a contract monitoring visit). It names no adult, so it is not a concern
    in the national return; adults' own concerns, raised when they are identified, are."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ENQUIRY = "enquiry", "Whole-service enquiry"
        CLOSED = "closed", "Closed: no whole-service enquiry"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=20, unique=True, editable=False)
    council = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="service_concerns_about"
    )
    what_happened = models.TextField("What has happened", max_length=5000)
    happened_on = models.DateField("When it happened", null=True, blank=True)
    raised_by = models.CharField(
        "Who raised it", max_length=200, help_text="A name and role, or “anonymous whistleblower”."
    )
    raiser_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Their organisation",
    )
    received_on = models.DateField("Date received", default=timezone.localdate)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    whole_service_enquiry = models.ForeignKey(
        WholeServiceEnquiry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_concerns",
    )
    closed_reason = models.TextField("Why no whole-service enquiry is needed", max_length=2000, blank=True)

    history = HistoricalRecords()
    objects = ServiceConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-reference"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", whole_service_enquiry__isnull=True)
                | models.Q(status="enquiry", whole_service_enquiry__isnull=False)
                | (
                    models.Q(status="closed", whole_service_enquiry__isnull=True)
                    & ~models.Q(closed_reason="")
                ),
                name="service_concern_status_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
