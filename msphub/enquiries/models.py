"""The enquiry a signed-off decision opens. Casework 2 builds the rest of the record on this."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from msphub.people.models import Person


class EnquiryQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> "EnquiryQuerySet":
        """Council staff view the council's enquiries; own/team may edit (access.md)."""
        if not user.is_authenticated or not user.does_casework:
            return self.none()
        qs = self.filter(council_id=user.organisation_id)
        if not user.is_lead:
            hidden = Person.objects.filter(restricted=True).exclude(restricted_to=user)
            qs = qs.exclude(person__in=hidden)
        if action == "view" or user.is_lead:
            return qs
        mine = models.Q(lead_practitioner=user)
        if user.team_id:
            mine |= models.Q(team_id=user.team_id)
        return qs.filter(mine)


class Enquiry(models.Model):
    class Kind(models.TextChoices):
        SECTION_42 = "s42", "Section 42 enquiry"
        OTHER = "other", "Other safeguarding enquiry"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

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
    started_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    history = HistoricalRecords()

    objects = EnquiryQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name_plural = "enquiries"

    def __str__(self) -> str:
        return self.reference
