"""Case notes: what a practitioner writes down about a person between the formal steps (a phone call,
a visit, a check with another agency), shown with everything else in the person's chronology."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from msphub.concerns.models import Concern
from msphub.enquiries.models import Enquiry
from msphub.people.models import Person


class NoteNeverDeleted(Exception):
    """A case note is part of the record: it is marked entered in error, never deleted."""


class CaseNoteQuerySet(models.QuerySet):
    def for_user(self, user: Any, action: str = "view") -> "CaseNoteQuerySet":
        """Case notes the user may read ("view") or mark as entered in error ("edit").

        They follow the person's record (../shared/domain/access.md): the council's casework staff
        read the notes of every person they may see (restricted records only when named, with
        emergency access, or as the lead). Partner users, Board viewers and anyone else see none.
        "edit": the safeguarding lead; whoever may change the person's record; whoever may work on
        the note's concern (triage) or enquiry (edit); and the note's author while they still see it.
        """
        if not user.is_authenticated or not user.does_casework:
            return self.none()
        qs = self.filter(council_id=user.organisation_id, person__in=Person.objects.for_user(user, "view"))
        if action == "view" or user.is_lead and action == "edit":
            return qs
        if action != "edit":
            return self.none()
        theirs = (
            models.Q(author=user)
            | models.Q(person__in=Person.objects.for_user(user, "edit"))
            | models.Q(concern__in=Concern.objects.for_user(user, "triage"))
            | models.Q(enquiry__in=Enquiry.objects.for_user(user, "edit"))
        )
        return qs.filter(theirs)

    def counted(self) -> "CaseNoteQuerySet":
        """Notes that stand: not marked entered in error."""
        return self.filter(entered_in_error_at__isnull=True)


class CaseNote(models.Model):
    """A note about a person, perhaps about one of their concerns or enquiries.

    Never deleted (``delete`` refuses): one written by mistake is marked entered in error with a
    reason, shown struck through and kept. Retention erases notes with the person, concern or
    enquiry they belong to (a queryset delete, which does not call ``delete``)."""

    class Kind(models.TextChoices):
        PHONE_CALL = "phone_call", "Phone call"
        VISIT = "visit", "Visit"
        EMAIL = "email", "Email"
        MEETING = "meeting", "Meeting"
        AGENCY_CHECK = "agency_check", "Check with an agency"
        SIGNIFICANT_EVENT = "significant_event", "Significant event"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    council = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "council"},
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="case_notes")
    concern = models.ForeignKey(
        Concern, on_delete=models.CASCADE, null=True, blank=True, related_name="case_notes"
    )
    enquiry = models.ForeignKey(
        Enquiry, on_delete=models.CASCADE, null=True, blank=True, related_name="case_notes"
    )
    kind = models.CharField("Type", max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField("When it happened")
    written_at = models.DateTimeField("When it was written", default=timezone.now, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField("What happened", max_length=5000)
    entered_in_error_at = models.DateTimeField(null=True, blank=True)
    entered_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_in_error_reason = models.TextField(max_length=2000, blank=True, default="")
    history = HistoricalRecords()

    objects = CaseNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["person", "occurred_at"])]
        constraints = [
            # Marked entered in error says when, by whom and why, or not at all.
            models.CheckConstraint(
                condition=models.Q(entered_in_error_at__isnull=True, entered_in_error_by__isnull=True)
                | (
                    models.Q(entered_in_error_at__isnull=False, entered_in_error_by__isnull=False)
                    & ~models.Q(entered_in_error_reason="")
                ),
                name="case_note_in_error_says_why",
            ),
            # A note is about a concern or an enquiry, or the person alone: never both.
            models.CheckConstraint(
                condition=models.Q(concern__isnull=True) | models.Q(enquiry__isnull=True),
                name="case_note_one_record",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} note {self.uuid}"

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise NoteNeverDeleted("A case note is never deleted: mark it as entered in error, with a reason")

    @property
    def is_entered_in_error(self) -> bool:
        return self.entered_in_error_at is not None

    @property
    def is_significant(self) -> bool:
        return self.kind == self.Kind.SIGNIFICANT_EVENT
