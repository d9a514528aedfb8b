"""Notifications: made once per event, found set-based when work falls due, and emailed once with no
personal details (``manage.py send_notifications [--digest]``)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.utils import timezone

from msphub.concerns import services as concern_services
from msphub.concerns.models import Concern
from msphub.enquiries import services as enquiry_services
from msphub.enquiries.models import Enquiry, PlanAction
from msphub.worktray import emails, services
from msphub.worktray.models import Notification, NotificationPreference
from msphub.worktray.tasks import send_notifications_task
from tests.enquiry_fixtures import request_complete_closure

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
ADULT = ("Edna", "Marsh")  # the adult of every concern made by make_concern
COMMENT = "Speak to Edna's daughter before deciding"


def kinds(user) -> list[str]:
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def s42(lead) -> dict:
    return {
        "outcome": "s42",
        "criterion_care_needs": True,
        "criterion_abuse_risk": True,
        "criterion_cannot_protect": True,
        "rationale": "All three criteria are met",
        "lead_practitioner": lead,
    }


@pytest.fixture
def decided(make_concern, make_person, practitioner):
    """A concern the Front Door practitioner decided: awaiting the manager's sign-off."""
    concern = make_concern()
    concern_services.link_person(concern, make_person(), practitioner)
    return concern_services.record_decision(concern, practitioner, s42(practitioner))


# --- Events ----------------------------------------------------------------------------------------


def test_a_returned_decision_tells_the_practitioner_once(decided, practitioner, manager):
    concern_services.return_decision(decided, manager, COMMENT)
    services.decision_returned(decided)
    services.decision_returned(decided)  # a second call (a retried hook) makes nothing new
    notice = Notification.objects.get(user=practitioner)
    assert (notice.kind, notice.reference) == (Kind.DECISION_RETURNED, decided.concern.reference)
    assert notice.record_type == "concerns.concern" and notice.record_uuid == decided.concern.uuid
    assert not Notification.objects.filter(user=manager).exists()


def test_a_decision_returned_again_after_a_new_decision_is_a_new_notification(decided, practitioner, manager):
    concern_services.return_decision(decided, manager, COMMENT)
    services.decision_returned(decided)
    concern = Concern.objects.get(pk=decided.concern_id)
    again = concern_services.record_decision(concern, practitioner, s42(practitioner))
    concern_services.return_decision(again, manager, "Still not enough")
    services.decision_returned(again)
    assert kinds(practitioner) == [Kind.DECISION_RETURNED] * 2


def test_no_notification_holds_a_name_or_the_comment(decided, manager):
    concern_services.return_decision(decided, manager, COMMENT)
    services.decision_returned(decided)
    stored = " ".join(str(v) for v in Notification.objects.values_list().get())
    for word in (*ADULT, COMMENT, "daughter"):
        assert word not in stored


def test_a_returned_closure_tells_who_asked_and_the_lead_practitioner(
    make_enquiry, practitioner, manager, lead
):
    enquiry = make_enquiry(lead=lead)
    request_complete_closure(enquiry, practitioner)
    enquiry_services.return_closure(enquiry, manager, "Ask for feedback first")  # tells them itself
    enquiry.refresh_from_db()
    services.closure_returned(enquiry)  # again: nobody is told twice
    assert kinds(practitioner) == [Kind.CLOSURE_RETURNED]
    assert [k for k in kinds(lead) if k != Kind.ALLOCATED] == [Kind.CLOSURE_RETURNED]


def test_allocation_tells_the_new_lead_but_not_who_allocated_themselves(enquiry, practitioner, manager):
    services.allocated(enquiry, manager, by=practitioner)
    services.allocated(enquiry, practitioner, by=practitioner)
    assert kinds(manager) == [Kind.ALLOCATED]
    assert kinds(practitioner) == []


def test_an_inactive_user_is_not_notified(decided, practitioner, manager):
    practitioner.is_active = False
    practitioner.save(update_fields=["is_active"])
    concern_services.return_decision(decided, manager, COMMENT)
    services.decision_returned(decided)
    assert not Notification.objects.exists()


# --- Work falling due ------------------------------------------------------------------------------


def test_a_first_contact_due_within_4_hours_is_notified_once(
    make_concern, make_person, practitioner, manager, locality_manager
):
    now = timezone.now()
    due_soon = make_concern(received_at=now - timedelta(hours=21))
    concern_services.link_person(due_soon, make_person(), practitioner)
    make_concern(received_at=now - timedelta(hours=1))  # due in 23 hours: not yet
    unallocated = make_concern(received_at=now - timedelta(hours=30))  # overdue, nobody has it
    services.generate_due(now)
    services.generate_due(now + timedelta(minutes=5))
    assert list(Notification.objects.filter(user=practitioner).values_list("kind", "reference")) == [
        (Kind.FIRST_CONTACT_DUE, due_soon.reference)
    ]
    # Not picked up: the council's team managers are told.
    for boss in (manager, locality_manager):
        assert list(Notification.objects.filter(user=boss).values_list("reference", flat=True)) == [
            unallocated.reference
        ]


def test_a_first_contact_already_made_is_not_due(make_concern, make_person, practitioner):
    concern = make_concern(received_at=timezone.now() - timedelta(hours=22))
    concern_services.link_person(concern, make_person(), practitioner)
    concern_services.record_first_contact(
        concern,
        practitioner,
        {"contact_at": timezone.now(), "method": "phone", "spoke_with": "adult", "wants": "To feel safe"},
    )
    services.generate_due()
    assert not Notification.objects.exists()


def test_reviews_due_within_7_days_and_overdue(make_enquiry, practitioner, manager):
    today = timezone.localdate()
    soon, late, later = make_enquiry(), make_enquiry(family_name="Oak"), make_enquiry(family_name="Ash")
    Enquiry.objects.filter(pk=soon.pk).update(next_review_due=today + timedelta(days=7))
    Enquiry.objects.filter(pk=late.pk).update(next_review_due=today - timedelta(days=1))
    Enquiry.objects.filter(pk=later.pk).update(next_review_due=today + timedelta(days=8))
    services.generate_due()
    services.generate_due()
    notices = set(Notification.objects.filter(user=practitioner).values_list("kind", "reference"))
    assert notices == {(Kind.REVIEW_DUE, soon.reference), (Kind.REVIEW_OVERDUE, late.reference)}
    # A review recorded moves the date on: the next one is a new event, notified when it falls due.
    Enquiry.objects.filter(pk=soon.pk).update(next_review_due=today + timedelta(days=3))
    services.generate_due()
    assert Notification.objects.filter(user=practitioner, kind=Kind.REVIEW_DUE).count() == 2


def test_an_overdue_plan_action_is_notified_once_per_action(enquiry, practitioner):
    today = timezone.localdate()
    late = enquiry_services.add_record(
        enquiry, PlanAction, {"action": "Change the carer", "owner_agency": "Sunrise", "due_on": today}
    )
    PlanAction.objects.filter(pk=late.pk).update(due_on=today - timedelta(days=2))
    enquiry_services.add_record(
        enquiry,
        PlanAction,
        {"action": "Visit", "owner_agency": "Council", "due_on": today + timedelta(days=3)},
    )
    services.generate_due()
    services.generate_due()
    assert kinds(practitioner).count(Kind.ACTION_OVERDUE) == 1
    enquiry_services.mark_action_done(PlanAction.objects.get(pk=late.pk))
    Notification.objects.all().delete()
    services.generate_due()
    assert Kind.ACTION_OVERDUE not in kinds(practitioner)


def test_sign_offs_waiting_go_to_the_teams_managers_not_the_decider(
    decided, make_concern, make_person, practitioner, manager, locality_manager
):
    own = make_concern()
    concern_services.link_person(own, make_person(family_name="Oak"), manager)
    concern_services.record_decision(own, manager, s42(practitioner))
    services.generate_due()
    services.generate_due()
    waiting = Notification.objects.filter(kind=Kind.SIGN_OFF_WAITING)
    assert list(waiting.values_list("user", "reference")) == [(manager.pk, decided.concern.reference)]
    assert not Notification.objects.filter(user=locality_manager).exists()


def test_a_closure_waiting_for_sign_off(enquiry, practitioner, manager):
    request_complete_closure(enquiry, practitioner)
    services.generate_due()
    assert list(Notification.objects.filter(kind=Kind.SIGN_OFF_WAITING).values_list("user", "reference")) == [
        (manager.pk, enquiry.reference)
    ]


def test_nobody_is_told_of_a_restricted_record_they_may_not_see(
    make_concern, make_person, practitioner, manager
):
    person = make_person(restricted=True)
    person.restricted_to.add(practitioner)
    concern = make_concern()
    concern_services.link_person(concern, person, practitioner)
    concern_services.record_decision(concern, practitioner, s42(practitioner))
    services.generate_due()
    assert not Notification.objects.filter(user=manager).exists()
    person.restricted_to.add(manager)
    services.generate_due()
    assert Notification.objects.filter(user=manager, kind=Kind.SIGN_OFF_WAITING).count() == 1


def test_finding_what_is_due_takes_the_same_queries_for_1_and_10(
    make_concern, make_person, practitioner, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def fill(n: int) -> None:
        for _ in range(n):
            concern = make_concern(received_at=timezone.now() - timedelta(hours=22))
            concern_services.link_person(concern, make_person(), practitioner)

    fill(1)
    with CaptureQueriesContext(connection) as one:
        services.generate_due()
    fill(9)
    with CaptureQueriesContext(connection) as ten:
        services.generate_due()
    assert len(ten) == len(one)


# --- Emails ----------------------------------------------------------------------------------------


@pytest.fixture
def returned(decided, manager):
    concern_services.return_decision(decided, manager, COMMENT)
    services.decision_returned(decided)
    return decided


def test_send_notifications_emails_once(returned, practitioner, settings):
    settings.MSPHUB = {**settings.MSPHUB, "SITE_URL": "https://msphub.riverside.example/"}
    call_command("send_notifications", stdout=open("/dev/null", "w"))
    assert len(mail.outbox) == 1
    call_command("send_notifications", stdout=open("/dev/null", "w"))
    assert len(mail.outbox) == 1, "running it twice sends nothing new"
    message = mail.outbox[0]
    assert message.subject == "msphub: work needs your attention"
    assert message.to == [practitioner.email]
    reference = returned.concern.reference
    assert f"https://msphub.riverside.example/concerns/{reference}/" in message.body
    assert Notification.objects.get().emailed_at is not None


def test_the_email_names_nobody_and_leaves_the_comment_out(returned, practitioner, manager):
    emails.send_notifications()
    text = mail.outbox[0].subject + mail.outbox[0].body
    for secret in (*ADULT, COMMENT, "daughter", practitioner.first_name, manager.first_name):
        assert secret not in text
    assert returned.concern.reference in text


def test_links_are_absolute_with_a_local_default(returned, settings):
    settings.MSPHUB = {k: v for k, v in settings.MSPHUB.items() if k != "SITE_URL"}
    emails.send_notifications()
    assert re.search(r"http://127\.0\.0\.1:8000/concerns/CON-\d{4}-\d{6}/", mail.outbox[0].body)


def test_a_daily_digest_is_one_email_per_user_and_only_with_digest(make_concern, practitioner, manager):
    services.set_email_preference(practitioner, NotificationPreference.Email.DIGEST)
    first, second = make_concern(), make_concern()
    for concern in (first, second):
        services.allocate_concern(concern, manager, practitioner)
    emails.send_notifications()
    assert mail.outbox == [], "an immediate run leaves the digest's notifications alone"
    call_command("send_notifications", "--digest", stdout=open("/dev/null", "w"))
    call_command("send_notifications", "--digest", stdout=open("/dev/null", "w"))
    assert len(mail.outbox) == 1
    assert first.reference in mail.outbox[0].body and second.reference in mail.outbox[0].body
    assert "2 new notifications" in mail.outbox[0].body


def test_immediate_is_one_email_per_notification(make_concern, practitioner, manager):
    for concern in (make_concern(), make_concern()):
        services.allocate_concern(concern, manager, practitioner)
    sent = emails.send_notifications()
    assert (len(mail.outbox), sent.emails, sent.notified) == (2, 2, 2)


def test_email_off_sends_nothing_and_read_ones_are_not_emailed(returned, practitioner, make_concern, manager):
    services.set_email_preference(practitioner, NotificationPreference.Email.OFF)
    emails.send_notifications()
    emails.send_notifications(digest=True)
    assert mail.outbox == []
    services.set_email_preference(practitioner, NotificationPreference.Email.IMMEDIATE)
    services.mark_all_read(practitioner)
    emails.send_notifications()
    assert mail.outbox == [], "read on the worktray already"


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is down")


def test_a_mail_server_down_leaves_them_for_the_next_run(returned, settings, caplog):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    sent = emails.send_notifications()
    assert sent.failed == 1
    assert Notification.objects.get().emailed_at is None
    assert returned.concern.reference not in caplog.text and ADULT[0] not in caplog.text
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    emails.send_notifications()
    assert len(mail.outbox) == 1


def test_the_command_makes_what_is_due_first(make_concern, make_person, practitioner):
    concern = make_concern(received_at=timezone.now() - timedelta(hours=22))
    concern_services.link_person(concern, make_person(), practitioner)
    call_command("send_notifications", stdout=open("/dev/null", "w"))
    assert len(mail.outbox) == 1 and concern.reference in mail.outbox[0].body


def test_the_background_task(returned):
    result = send_notifications_task.enqueue(digest=False)
    assert result.return_value["emails"] == 1
    assert len(mail.outbox) == 1
    again = send_notifications_task.enqueue(digest=False)
    assert again.return_value["emails"] == 0


def test_the_command_in_the_background(returned, capsys):
    call_command("send_notifications", "--background")
    out = capsys.readouterr().out
    assert "Task " in out and "1 emailed in 1 emails" in out
    assert len(mail.outbox) == 1


def test_the_services_tell_people_themselves(decided, practitioner, manager, lead, make_enquiry):
    """The hooks are in the services: returning a decision or a closure, signing a decision off
    (the enquiry's lead practitioner) and allocating an enquiry each notify without anyone calling
    the worktray's functions."""
    concern_services.return_decision(decided, manager, COMMENT)
    assert kinds(practitioner) == [Kind.DECISION_RETURNED]
    enquiry = make_enquiry()
    request_complete_closure(enquiry, practitioner)
    enquiry_services.return_closure(enquiry, manager, "Ask for feedback first")
    assert Kind.CLOSURE_RETURNED in kinds(practitioner)
    other = make_enquiry()
    enquiry_services.allocate(other, manager, None, by=lead)
    assert Kind.ALLOCATED in kinds(manager)
