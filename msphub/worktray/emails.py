"""Emailing notifications: what ``manage.py send_notifications`` (and its background task) does.

An email names nobody and carries no comment: for each notification, what kind it is, the record's
reference and an absolute link to it (``MSPHUB["SITE_URL"]``), so the details are read in msphub,
behind sign-in and the access log. It goes through Django's email backend (printed locally, SMTP
when EMAIL_HOST is set).

"Once" holds because each notification is marked emailed in the same transaction that sends it:
its rows are locked first (on PostgreSQL a second run at the same time skips them), and a message
that cannot be sent rolls the marks back, so the next run tries again.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from . import services
from .models import Notification, NotificationPreference

logger = logging.getLogger(__name__)

SUBJECT = "msphub: work needs your attention"
# Where links in emails point when the settings name no site (a local run).
LOCAL_SITE_URL = "http://127.0.0.1:8000"


def site_url() -> str:
    """The address people open msphub at, for links from a command that has no request."""
    return str(getattr(settings, "MSPHUB", {}).get("SITE_URL") or LOCAL_SITE_URL).rstrip("/")


def record_path(notification: Notification) -> str:
    """The page of the record a notification is about (by its reference, as every record's URL); a
    learning action's is the owner's list of audits and learning actions; a partner agency's plan
    action's is the agency's page of that action."""
    if notification.record_type == services.LEARNING_ACTION:
        return reverse("audits:my_audits")
    if notification.record_type == services.PLAN_ACTION:
        # A partner agency's staff open their agency's page of the action, not the enquiry.
        return reverse("enquiries:partner_action", args=[services.plan_action_uuid(notification)])
    if notification.kind == Notification.Kind.FEEDBACK_ASSIGNED:
        # An independent feedback interviewer cannot open the enquiry: their list of people to contact.
        return reverse("feedback:interviews")
    if notification.record_type == services.ENQUIRY:
        return reverse("enquiries:detail", args=[notification.reference])
    if notification.record_type == "providers.wholeserviceenquiry":
        return reverse("providers:enquiry", args=[notification.reference])
    if notification.kind == Notification.Kind.CONCERN_PROGRESS:
        # The referrer's own page of a concern they raised (they cannot open the council's).
        return reverse("concerns:raised_detail", args=[notification.reference])
    return reverse("concerns:detail", args=[notification.reference])


def _line(notification: Notification) -> str:
    link = f"{site_url()}{record_path(notification)}"
    return f"{notification.get_kind_display()}: {notification.reference}\n{link}"


def _footer() -> str:
    return (
        "Sign in to msphub to see the details: this email leaves them out on purpose.\n\n"
        f"Your worktray: {site_url()}{reverse('worktray:index')}\n"
        f"Change how you are emailed: {site_url()}{reverse('worktray:preferences')}\n"
    )


def immediate_message(notification: Notification, address: str) -> EmailMessage:
    body = f"Work needs your attention in msphub.\n\n{_line(notification)}\n\n{_footer()}"
    return EmailMessage(SUBJECT, body, None, [address])


def digest_message(notifications: list[Notification], address: str) -> EmailMessage:
    lines = "\n\n".join(_line(n) for n in notifications)
    count = len(notifications)
    body = (
        f"Work needs your attention in msphub: {count} new notification{'s' if count != 1 else ''}.\n\n"
        f"{lines}\n\n{_footer()}"
    )
    return EmailMessage(SUBJECT, body, None, [address])


@dataclass
class Sent:
    """What a run did: the notifications of work falling due it looked at (each made once: those
    already there are left as they are), notifications emailed, emails sent, and users whose email
    could not be sent (tried again next run)."""

    due: int = 0
    notified: int = 0
    emails: int = 0
    failed: int = 0


def send_notifications(digest: bool = False, now: datetime | None = None) -> Sent:
    """Make the notifications for work falling due, then email each user whose preference matches
    (immediate: one email a notification; ``digest``: one email a user) about their unread
    notifications not emailed yet. Running it again sends nothing new."""
    now = now or timezone.now()
    sent = Sent(due=services.generate_due(now))
    preference = NotificationPreference.Email.DIGEST if digest else NotificationPreference.Email.IMMEDIATE
    waiting = Notification.objects.filter(emailed_at__isnull=True, read_at__isnull=True)
    users = (
        services.users_emailed(preference)
        .filter(pk__in=waiting.values("user_id"))
        .order_by("pk")
        .values_list("pk", "email")
    )
    for user_id, address in list(users):
        try:
            count = _send_to(user_id, address, digest, now)
        except OSError:  # SMTP errors are OSErrors: a mail server down or refusing
            sent.failed += 1
            logger.exception("Could not email user %s their notifications; tried again next run", user_id)
            continue
        if count:
            sent.notified += count
            sent.emails += 1 if digest else count
    return sent


def _send_to(user_id: int, address: str, digest: bool, now: datetime) -> int:
    """Email one user their waiting notifications and mark them emailed, in one transaction: the
    marks are kept only if the email went. Returns how many notifications were emailed."""
    with transaction.atomic():
        rows = Notification.objects.filter(
            user_id=user_id, emailed_at__isnull=True, read_at__isnull=True
        ).order_by("created_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            # Another run sending at the same moment has these: leave them to it.
            rows = rows.select_for_update(skip_locked=True)
        notifications = list(rows)
        if not notifications:
            return 0
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(emailed_at=now)
        if digest:
            messages = [digest_message(notifications, address)]
        else:
            messages = [immediate_message(n, address) for n in notifications]
        get_connection(fail_silently=False).send_messages(messages)
        for n in notifications:
            logger.info("Emailed notification %s (%s)", n.uuid, n.reference)
    return len(notifications)
