"""Independent feedback (docs/feedback.md): the council's safeguarding lead asks an independent
interviewer (Healthwatch, an advocacy service) to contact the person, or a named representative, about
a closed enquiry, and the interviewer says what came of it.

The person answering online themselves needs no model of its own: the answers are a ``Feedback``
(asked by "online", recorded by nobody) and the one-time code is ``core.OneTimeCode``.
"""

import uuid
from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone

from msphub.enquiries.models import Enquiry, Feedback
from msphub.people.models import Person, Representative


def feedback_window_start(today: date | None = None) -> datetime:
    """The start of the feedback window as of ``today``: an enquiry closed at or after it is still
    within the eight weeks (``enquiries.services.FEEDBACK_WINDOW``) in which the MSP outcomes
    framework asks for feedback, as ``enquiries.services.feedback_due`` counts them: closed on day D,
    it may be answered up to and including D + eight weeks."""
    # Imported here: enquiries.services imports half of msphub, not needed to load the models.
    from msphub.enquiries.services import FEEDBACK_WINDOW

    today = today or timezone.localdate()
    return timezone.make_aware(datetime.combine(today - FEEDBACK_WINDOW, datetime.min.time()))


def _version_answered() -> Exists:
    """The assignment's contact has answered some other way: the enquiry already has feedback of the
    version the assignment is for. (``Contact`` and ``Feedback.Version`` share their values, "adult"
    and "representative": tests/test_feedback.py checks they still do.)"""
    return Exists(Feedback.objects.filter(enquiry_id=OuterRef("enquiry_id"), version=OuterRef("contact")))


class FeedbackAssignmentQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> "FeedbackAssignmentQuerySet":
        """The assignments a user may open (../shared/domain/access.md, "independent feedback
        interviewer").

        - An independent feedback interviewer: their own assignments still waiting for them
          (``waiting``: "view", and "feedback" to record what came of it), while their organisation
          still works with the enquiry's council and the person's record is not restricted from them.
          Once the feedback is recorded (or the person could not be reached, or declined, or the lead
          withdrew it), once the person has answered some other way (online, or to the
          practitioner), and once the eight weeks after closure are over, the contact details are no
          longer theirs to see.
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
            return (
                self.waiting()
                .filter(interviewer=user, enquiry__council__partners=user.organisation_id)
                .exclude(enquiry__person__in=Person.objects.restricted_from(user))
            )
        if FEEDBACK_ASSIGN.allows(user):
            if action not in ("view", "manage"):
                return self.none()
            return self.filter(enquiry__council_id=user.organisation_id)
        return self.none()

    def still_open(self) -> "FeedbackAssignmentQuerySet":
        """Not yet ended by anyone (status assigned): at most one an enquiry
        (``one_open_feedback_assignment``). Some of these are over all the same: see ``waiting``."""
        return self.filter(status=FeedbackAssignment.Status.ASSIGNED)

    def waiting(self, today: date | None = None) -> "FeedbackAssignmentQuerySet":
        """Still for the interviewer to do: open, the enquiry closed within the feedback window, and
        whom they are to contact not already answered some other way. The rest of the open ones are
        over without anyone ending them: lapsed (the window ended: answers after the framework's
        eight weeks are not comparable with the rest, and the interviewer's sight of the contact
        details ends with the reason for it) or answered another way (a practitioner recorded that
        version's feedback; an online answer ends the assignment itself, ``services.record_online``)."""
        return (
            self.still_open()
            .filter(
                enquiry__status=Enquiry.Status.CLOSED, enquiry__closed_at__gte=feedback_window_start(today)
            )
            .filter(~_version_answered())
        )

    def over(self, today: date | None = None) -> "FeedbackAssignmentQuerySet":
        """Everything not ``waiting``: ended (any status but assigned), lapsed or answered another way."""
        return self.exclude(pk__in=FeedbackAssignment.objects.waiting(today).values("pk"))

    def with_answer(self) -> "FeedbackAssignmentQuerySet":
        """Each with ``version_answered`` (the contact's version has feedback) and, if so, by whom it
        was asked (``answered_by``, ``Feedback.AskedBy``) and when (``answered_on``)."""
        answer = Feedback.objects.filter(enquiry_id=OuterRef("enquiry_id"), version=OuterRef("contact"))
        return self.annotate(
            version_answered=_version_answered(),
            answered_by=models.Subquery(answer.values("asked_by")[:1]),
            answered_on=models.Subquery(answer.values("asked_on")[:1]),
        )


class FeedbackAssignment(models.Model):
    """A closed enquiry the lead asked an independent interviewer to get feedback on.

    It names whom to contact: the adult, or one of their representatives. The interviewer sees only
    the reference and that contact's details (``services.contact_sheet``), never the enquiry. Its
    state moves once, from assigned to one of the others, under a row lock; the row keeps who moved
    it and when, so it needs no change history of its own.
    """

    class Status(models.TextChoices):
        ASSIGNED = "assigned", "Waiting for the interviewer"
        # By the interviewer; or by nobody (``closed_by`` empty) when the person answered online.
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
    # the day the lead withdrew it), who said so and when they did. Nobody said so when the person
    # answered online themselves (``services.record_online`` ends the assignment).
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
                | (
                    models.Q(outcome_on__isnull=False, closed_at__isnull=False)
                    & (models.Q(closed_by__isnull=False) | models.Q(status="feedback_recorded"))
                ),
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
