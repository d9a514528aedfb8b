"""The worktray page, marking notifications read (by POST only), the email preference, the
navigation's unread count and the home page's links."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from msphub.concerns import services as concern_services
from msphub.concerns.models import Concern
from msphub.enquiries import services as enquiry_services
from msphub.enquiries.models import Enquiry, PlanAction
from msphub.worktray import services
from msphub.worktray.models import Notification, NotificationPreference
from tests.enquiry_fixtures import request_complete_closure

pytestmark = pytest.mark.django_db

INDEX = "/worktray/"
COMMENT = "Check with the GP before deciding"


def body(response) -> str:
    return response.content.decode()


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
def returned(make_concern, make_person, practitioner, manager):
    """A decision the manager returned with a comment: the practitioner is notified."""
    concern = make_concern()
    concern_services.link_person(concern, make_person(), practitioner)
    decision = concern_services.record_decision(concern, practitioner, s42(practitioner))
    concern_services.return_decision(decision, manager, COMMENT)
    services.decision_returned(decision)
    return Notification.objects.get(user=practitioner)


# --- The page ----------------------------------------------------------------------------------------


def test_the_worktray_shows_a_returned_decision_with_the_comment_read_live(client, practitioner, returned):
    client.force_login(practitioner)
    page = body(client.get(INDEX))
    assert "Decision returned to you" in page and returned.reference in page
    assert COMMENT in page
    # The comment is the record's, not a copy: changed there, changed here.
    concern = Concern.objects.get(uuid=returned.record_uuid)
    concern.decision.returned_comment = "Ring the daughter too"
    concern.decision.save(update_fields=["returned_comment"])
    page = body(client.get(INDEX))
    assert "Ring the daughter too" in page and COMMENT not in page


def test_the_comment_shows_only_on_the_returned_notification(client, practitioner, manager, returned):
    concern = Concern.objects.get(uuid=returned.record_uuid)
    services.allocated(concern, practitioner, by=manager)
    client.force_login(practitioner)
    page = body(client.get(INDEX))
    assert "Allocated to you" in page
    assert page.count(COMMENT) == 1


def test_a_comment_on_a_record_the_user_may_no_longer_see_is_not_shown(client, practitioner, returned):
    concern = Concern.objects.get(uuid=returned.record_uuid)
    person = concern.person
    person.restricted = True
    person.save(update_fields=["restricted"])
    client.force_login(practitioner)
    page = body(client.get(INDEX))
    assert returned.reference in page  # a reference names nobody
    assert COMMENT not in page


def test_a_returned_closure_shows_its_comment(client, enquiry, practitioner, manager):
    request_complete_closure(enquiry, practitioner)
    enquiry_services.return_closure(enquiry, manager, "Ask the person for feedback first")
    enquiry.refresh_from_db()
    services.closure_returned(enquiry)
    client.force_login(practitioner)
    page = body(client.get(INDEX))
    assert "Closure returned to you" in page and "Ask the person for feedback first" in page


def test_the_live_sections(client, make_concern, make_person, make_enquiry, practitioner):
    now = timezone.now()
    mine = make_concern(received_at=now - timedelta(hours=21))
    concern_services.link_person(mine, make_person(), practitioner)
    enquiry = make_enquiry(family_name="Oak")
    Enquiry.objects.filter(pk=enquiry.pk).update(next_review_due=timezone.localdate() + timedelta(days=2))
    action = enquiry_services.add_record(
        enquiry, PlanAction, {"action": "Visit", "owner_agency": "Council", "due_on": timezone.localdate()}
    )
    PlanAction.objects.filter(pk=action.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    client.force_login(practitioner)
    page = body(client.get(INDEX))
    for heading in (
        "Concerns assigned to you (1)",
        "First contacts due within 4 hours or overdue (1)",
        "Reviews due within 7 days or overdue (1)",
        "Enquiries with plan actions overdue (1)",
    ):
        assert heading in page, heading
    assert page.count(f'href="/concerns/{mine.reference}/"') == 2
    assert page.count(f'href="/enquiries/{enquiry.reference}/"') == 2
    assert "Decisions waiting for your sign-off" not in page, "a practitioner signs nothing off"


def test_a_manager_sees_sign_offs_waiting_but_not_their_own(
    client, make_concern, make_person, practitioner, manager
):
    theirs = make_concern()
    concern_services.link_person(theirs, make_person(), practitioner)
    concern_services.record_decision(theirs, practitioner, s42(practitioner))
    own = make_concern()
    concern_services.link_person(own, make_person(family_name="Oak"), manager)
    concern_services.record_decision(own, manager, s42(practitioner))
    client.force_login(manager)
    page = body(client.get(INDEX))
    assert "Decisions waiting for your sign-off (1)" in page
    assert theirs.reference in page.split("Decisions waiting for your sign-off")[1]
    assert own.reference not in page.split("Decisions waiting for your sign-off")[1]


def _fill(start: int, end: int, make_concern, make_person, make_enquiry, practitioner, manager) -> None:
    """end - start of everything the manager's worktray lists: notifications (allocations, returned decisions
    and closures), concerns assigned and due, reviews due, actions overdue, sign-offs waiting."""
    now, today = timezone.now(), timezone.localdate()
    for i in range(start, end):
        assigned = make_concern(received_at=now - timedelta(hours=22))
        concern_services.link_person(assigned, make_person(family_name=f"Assigned{i}"), manager)
        services.allocated(assigned, manager, by=practitioner)
        decision = concern_services.record_decision(assigned, manager, s42(manager))
        # Returned as concerns.services.return_decision leaves it (only another Front Door manager
        # could return it), then notified by its hook.
        decision.returned_comment = f"Comment {i}"
        decision.save(update_fields=["returned_comment"])
        Concern.objects.filter(pk=assigned.pk).update(status=Concern.Status.TRIAGE)
        services.decision_returned(decision)
        waiting = make_concern()
        concern_services.link_person(waiting, make_person(family_name=f"Waiting{i}"), practitioner)
        concern_services.record_decision(waiting, practitioner, s42(practitioner))
        led = make_enquiry(lead=manager, family_name=f"Led{i}")
        Enquiry.objects.filter(pk=led.pk).update(next_review_due=today + timedelta(days=1))
        PlanAction.objects.create(
            enquiry=led, action="Visit", owner_agency="Council", due_on=today - timedelta(days=1)
        )
        # Closure asked for, as request_closure leaves the enquiry (the closure's own tests check it).
        Enquiry.objects.filter(pk=make_enquiry(family_name=f"Closing{i}").pk).update(
            status=Enquiry.Status.CLOSURE_REQUESTED,
            closure_requested_by=practitioner,
            closure_requested_at=now,
        )
        Enquiry.objects.filter(pk=led.pk).update(closure_returned_comment=f"Closure comment {i}")
        led.refresh_from_db()
        services.closure_returned(led)
    services.generate_due(now)


def test_the_worktray_takes_the_same_queries_for_1_and_20_items(
    client, make_concern, make_person, make_enquiry, practitioner, manager
):
    fill = (make_concern, make_person, make_enquiry, practitioner, manager)
    _fill(0, 1, *fill)
    client.force_login(manager)
    with CaptureQueriesContext(connection) as one:
        page = body(client.get(INDEX))
    assert "Comment 0" in page and "Closure comment 0" in page
    _fill(1, 20, *fill)
    with CaptureQueriesContext(connection) as twenty:
        page = body(client.get(INDEX))
    for heading in (
        "Concerns assigned to you (20)",
        "First contacts due within 4 hours or overdue (20)",
        "Reviews due within 7 days or overdue (20)",
        "Enquiries with plan actions overdue (20)",
        "Decisions waiting for your sign-off (20)",
        "Enquiry closures waiting for your sign-off (20)",
    ):
        assert heading in page, heading
    assert "Comment 19" in page and "Closure comment 19" in page
    assert len(twenty) == len(one), "the worktray's queries do not grow with its items"


# --- Who may open it ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["board_viewer"])
def test_people_without_casework_get_404(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    for url in (INDEX, "/worktray/preferences/"):
        assert client.get(url).status_code == 404
    assert client.post("/worktray/read-all/").status_code == 404


def test_another_council_sees_only_its_own(client, other_council_user, returned):
    client.force_login(other_council_user)
    page = body(client.get(INDEX))
    assert returned.reference not in page
    read = reverse("worktray:read", args=[returned.uuid])
    assert client.post(read).status_code == 404
    returned.refresh_from_db()
    assert returned.read_at is None


# --- Marking read ------------------------------------------------------------------------------------


def test_opening_a_notification_is_a_post_that_marks_it_read(client, practitioner, returned):
    client.force_login(practitioner)
    read = reverse("worktray:read", args=[returned.uuid])
    client.get(INDEX)
    assert client.get(read).status_code == 405, "never on GET"
    returned.refresh_from_db()
    assert returned.read_at is None
    response = client.post(read)
    assert response.status_code == 302
    assert response["Location"] == f"/concerns/{returned.reference}/"
    returned.refresh_from_db()
    first = returned.read_at
    assert first is not None
    client.post(read)  # a second press keeps the first time
    returned.refresh_from_db()
    assert returned.read_at == first
    assert "You have no unread notifications" in body(client.get(INDEX))


def test_mark_as_read_stays_on_the_worktray(client, practitioner, returned):
    client.force_login(practitioner)
    response = client.post(reverse("worktray:read", args=[returned.uuid]), {"then": "worktray"})
    assert response["Location"] == INDEX


def test_someone_elses_notification_is_404(client, manager, returned):
    client.force_login(manager)
    assert client.post(reverse("worktray:read", args=[returned.uuid])).status_code == 404


def test_read_all_is_post_only_and_marks_only_your_own(client, practitioner, manager, make_concern, returned):
    services.allocated(make_concern(), manager, by=practitioner)
    client.force_login(practitioner)
    assert client.get("/worktray/read-all/").status_code == 405
    assert client.post("/worktray/read-all/").status_code == 302
    assert not Notification.objects.filter(user=practitioner, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=manager, read_at__isnull=True).count() == 1


# --- The email preference ----------------------------------------------------------------------------


def test_the_preference_is_saved(client, practitioner):
    client.force_login(practitioner)
    page = body(client.get("/worktray/preferences/"))
    assert 'value="immediate" checked' in page, "emailed at once unless they say otherwise"
    response = client.post("/worktray/preferences/", {"email": "digest"})
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=practitioner).email == "digest"
    assert 'value="digest" checked' in body(client.get("/worktray/preferences/"))


@pytest.mark.parametrize("value", ["", "weekly", "<script>"])
def test_a_bad_preference_is_an_error_message(client, practitioner, value):
    client.force_login(practitioner)
    response = client.post("/worktray/preferences/", {"email": value})
    assert response.status_code == 200
    page = body(response)
    assert "There is a problem" in page
    assert "Select how you want to be emailed" in page or "Select a valid choice" in page
    assert not NotificationPreference.objects.exists()


# --- The navigation and the home page ----------------------------------------------------------------


def test_the_navigation_shows_the_unread_count(client, practitioner, returned):
    client.force_login(practitioner)
    page = body(client.get(reverse("home")))
    assert re.search(r'href="/worktray/">Worktray \(1<span class="govuk-visually-hidden"> unread', page)
    services.mark_all_read(practitioner)
    page = body(client.get(reverse("home")))
    assert 'href="/worktray/">Worktray</a>' in page


def test_a_partner_referrer_has_a_worktray_and_a_board_viewer_none(client, partner_referrer, board_viewer):
    """A referrer hears in the worktray when a concern they raised moves on (docs/referrers.md)."""
    client.force_login(partner_referrer)
    assert "/worktray/" in body(client.get(reverse("home")))
    client.force_login(board_viewer)
    assert "/worktray/" not in body(client.get(reverse("home")))


HOME_LINK = re.compile(
    r'<a class="govuk-link" href="(/(?:concerns|enquiries)/\?show=\w+)">'
    r'<span class="govuk-heading-l[^"]*">(\d+)</span>'
)
LIST_COUNT = re.compile(r"(\d+) (?:concerns?|enquir(?:y|ies))\.")


def test_every_home_count_links_to_a_list_showing_that_number(
    client, make_concern, make_person, make_enquiry, practitioner, manager
):
    now, today = timezone.now(), timezone.localdate()
    make_concern()  # not picked up
    overdue = make_concern(received_at=now - timedelta(hours=30))
    concern_services.link_person(overdue, make_person(), practitioner)
    awaiting = make_concern()
    concern_services.link_person(awaiting, make_person(family_name="Oak"), practitioner)
    concern_services.record_decision(awaiting, practitioner, s42(practitioner))
    late_review = make_enquiry(family_name="Ash")
    Enquiry.objects.filter(pk=late_review.pk).update(next_review_due=today - timedelta(days=3))
    action = enquiry_services.add_record(
        make_enquiry(family_name="Elm"),
        PlanAction,
        {"action": "Visit", "owner_agency": "Council", "due_on": today},
    )
    PlanAction.objects.filter(pk=action.pk).update(due_on=today - timedelta(days=1))
    request_complete_closure(make_enquiry(family_name="Fir"), practitioner)
    services.allocate_concern(make_concern(), manager, practitioner)
    for user in (practitioner, manager):
        client.force_login(user)
        home = body(client.get(reverse("home")))
        links = HOME_LINK.findall(home)
        assert {link for link, _ in links} == {
            "/concerns/?show=unallocated",
            "/concerns/?show=overdue",
            "/concerns/?show=mine",
            "/concerns/?show=sign_off",
            "/enquiries/?show=mine",
            "/enquiries/?show=review_overdue",
            "/enquiries/?show=actions_overdue",
            "/enquiries/?show=sign_off",
        }
        numbers = []
        for link, number in links:
            shown = LIST_COUNT.search(body(client.get(link)))
            assert shown is not None, link
            assert shown.group(1) == number, f"{user}: {link} lists {shown.group(1)}, home says {number}"
            numbers.append(int(number))
        assert any(numbers), "the world gives the counts something to count"
        assert 'href="/worktray/">Your worktray:' in home
