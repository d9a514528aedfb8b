"""Independent feedback (docs/feedback.md): the council's safeguarding lead asks an independent
interviewer (Healthwatch, an advocacy service) to contact the person, or a named representative, about
a closed enquiry, and the interviewer says what came of it.

The person answering online themselves needs no model of its own: the answers are a ``Feedback``
(asked by "online", recorded by nobody) and the one-time code is ``core.OneTimeCode``.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from msphub.enquiries.models import Enquiry, Feedback
from msphub.people.models import Person, Representative


class FeedbackAssignmentQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> "FeedbackAssignmentQuerySet":
        """The assignments a user may open (../shared/domain/access.md, "independent feedback
        interviewer").

        - An independent feedback interviewer: their own assignments still waiting for an answer
          ("view", and "feedback" to record what came of it), while their organisation still works
          with the enquiry's council and the person's record is not restricted from them. Once the
          feedback is recorded (or the person could not be reached, or declined, or the lead withdrew
          it) the contact details are no longer theirs to see.
        - The council's safeguarding lead: every assignment of their council's enquiries ("view",
          and "manage" to withdraw one).
        - Anyone else: none.
        """
        if not user.is_authenticated:
            return self.none()
        from msphub.accounts.permissions import FEEDBACK_ASSIGN, FEEDBACK_INTERVIEWS

        if FEEDBACK_INTERVIEWS.allows(user):
            if action not in ("view", "feedback"):
                return self.none()
            return self.filter(
                interviewer=user,
                status=FeedbackAssignment.Status.ASSIGNED,
                enquiry__status=Enquiry.Status.CLOSED,
                enquiry__council__partners=user.organisation_id,
            ).exclude(enquiry__person__in=Person.objects.restricted_from(user))
        if FEEDBACK_ASSIGN.allows(user):
            if action not in ("view", "manage"):
                return self.none()
            return self.filter(enquiry__council_id=user.organisation_id)
        return self.none()

    def still_open(self) -> "FeedbackAssignmentQuerySet":
        """Waiting for the interviewer: at most one an enquiry (``one_open_feedback_assignment``)."""
        return self.filter(status=FeedbackAssignment.Status.ASSIGNED)


class FeedbackAssignment(models.Model):
    """A closed enquiry the lead asked an independent interviewer to get feedback on.

    It names whom to contact: the adult, or one of their representatives. The interviewer sees only
    the reference and that contact's details (``services.contact_sheet``), never the enquiry. Its
    state moves once, from assigned to one of the others, under a row lock; the row keeps who moved
    it and when, so it needs no change history of its own.
    """

    class Status(models.TextChoices):
        ASSIGNED = "assigned", "Waiting for the interviewer"
        FEEDBACK_RECORDED = "feedback_recorded", "Feedback recorded"
        COULD_NOT_CONTACT = "could_not_contact", "Could not contact them"
        DECLINED = "declined", "They did not want to give feedback"
        WITHDRAWN = "withdrawn", "Withdrawn by the safeguarding lead"

    class Contact(models.TextChoices):
        ADULT = "adult", "The adult"
        REPRESENTATIVE = "representative", "A representative"

    # What the interviewer can say came of it (the lead withdraws; recording feedback is its own page).
    NO_FEEDBACK = (Status.COULD_NOT_CONTACT, Status.DECLINED)

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # A part of the enquiry: erased with it (retention, docs/feedback.md).
    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="feedback_assignments")
    interviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    contact = models.CharField("Who to contact", max_length=20, choices=Contact.choices)
    # The representative to contact. Kept null if their details are later removed from the person's
    # record: the assignment then says so rather than pointing at someone else.
    representative = models.ForeignKey(
        Representative, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ASSIGNED)
    # When it happened (the day the feedback was given, or the person could not be reached or declined;
    # the day the lead withdrew it), who said so and when they did.
    outcome_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # The feedback the interviewer recorded. If retention or a correction removes that feedback the
    # assignment still says feedback was recorded, with its date.
    feedback = models.OneToOneField(
        Feedback, on_delete=models.SET_NULL, null=True, blank=True, related_name="assignment"
    )

    objects = FeedbackAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-assigned_at", "-pk"]
        constraints = [
            # Two interviewers must never ring the same person about the same enquiry.
            models.UniqueConstraint(
                fields=["enquiry"], condition=models.Q(status="assigned"), name="one_open_feedback_assignment"
            ),
            models.CheckConstraint(
                condition=models.Q(contact="adult", representative__isnull=True)
                | models.Q(contact="representative"),
                name="feedback_assignment_contact",
            ),
            models.CheckConstraint(
                condition=models.Q(status="assigned")
                | models.Q(outcome_on__isnull=False, closed_at__isnull=False, closed_by__isnull=False),
                name="feedback_assignment_outcome_recorded",
            ),
        ]
        indexes = [models.Index(fields=["interviewer", "status"], name="feedback_assignment_mine")]

    def __str__(self) -> str:
        return f"Feedback on {self.enquiry} by an independent interviewer ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.ASSIGNED

    @property
    def version(self) -> str:
        """The feedback form's version for whom the interviewer contacts."""
        if self.contact == self.Contact.ADULT:
            return Feedback.Version.ADULT
        return Feedback.Version.REPRESENTATIVE
