"""Notifications for the worktray, and how each user wants to be emailed about them.

A notification points at a record (a concern or an enquiry) by its uuid and reference and says what
happened (``kind``); it holds no names and no free text. A manager's comment on a returned decision
or closure is read from the record, through the chokepoint, when the worktray shows it, so it is
never copied here (nor into an email). ``key`` says which event it is about (the decision, the
review date, the plan action...), and each user has at most one notification for a key: so that
"once" holds however often the due items are looked for.

Neither model has a change history (``HistoricalRecords``): a notification is written by the system,
never edited by a person, and its only change (read, emailed) is a time kept on the row itself.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> "NotificationQuerySet":
        """A user's own notifications, for every action: nobody sees anyone else's."""
        if not user.is_authenticated:
            return self.none()
        from msphub.accounts.permissions import WORKTRAY

        if not WORKTRAY.allows(user):
            return self.none()
        return self.filter(user=user)

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    class Kind(models.TextChoices):
        DECISION_RETURNED = "decision_returned", "Decision returned to you"
        CLOSURE_RETURNED = "closure_returned", "Closure returned to you"
        ALLOCATED = "allocated", "Allocated to you"
        FIRST_CONTACT_DUE = "first_contact_due", "First contact with the adult due"
        REVIEW_DUE = "review_due", "Review due"
        REVIEW_OVERDUE = "review_overdue", "Review overdue"
        ACTION_OVERDUE = "action_overdue", "Plan action overdue"
        SIGN_OFF_WAITING = "sign_off_waiting", "Waiting for your sign-off"
        LEARNING_ACTION = "learning_action", "Learning action from a case file audit"
        CONCERN_PROGRESS = "concern_progress", "A concern you raised has moved on"
        INFORMATION_ADDED = "information_added", "The referrer added information"
        FEEDBACK_ASSIGNED = "feedback_assigned", "Asked to contact someone for feedback"
        PROVIDER_ACTION_OVERDUE = "provider_action_overdue", "Provider action overdue"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # The record it is about: "concerns.concern" or "enquiries.enquiry", by uuid, and its reference
    # (shown and emailed; a reference names nobody). A learning action from a case file audit is
    # "audits.learningaction", with the audited record's uuid and reference (so it goes when the
    # record does) and the action in its key.
    record_type = models.CharField(max_length=50)
    record_uuid = models.UUIDField()
    reference = models.CharField(max_length=20)
    # Which event: "review_due:<enquiry uuid>:<date due>", say. One notification per user and key.
    key = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_notification_per_event")]
        indexes = [
            # The navigation's unread count and the worktray's list, on every page.
            models.Index(fields=["user", "read_at"], name="notification_unread_idx"),
            # What send_notifications has still to email.
            models.Index(
                fields=["user"],
                condition=models.Q(emailed_at__isnull=True),
                name="notification_unemailed_idx",
            ),
            # Retention and corrections find a record's notifications by its uuid.
            models.Index(fields=["record_uuid"], name="notification_record_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reference}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """How a user is emailed about new notifications; without a row, at once (``IMMEDIATE``)."""

    class Email(models.TextChoices):
        IMMEDIATE = "immediate", "Email me about each one as it comes"
        DIGEST = "digest", "Email me once a day with a list"
        OFF = "off", "Do not email me: I will look at my worktray"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.CharField(max_length=10, choices=Email.choices, default=Email.IMMEDIATE)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.email}"
