"""Independent and direct feedback (docs/feedback.md): the lead assigns a closed enquiry to an
independent interviewer, who sees the contact's details and the reference only and records what was
said; the person or their representative answers online with a one-time code. Either way the answers
are feedback like any other: counted in the measures, consented quotes moderated."""

import re
from datetime import datetime, time, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from msphub.accounts.models import Organisation, Role, User
from msphub.core import onetime
from msphub.core.models import AccessLog
from msphub.core.periods import FinancialYear
from msphub.core.states import StateChanged
from msphub.enquiries.models import Enquiry, Feedback
from msphub.enquiries.services import FEEDBACK_WINDOW, feedback_due
from msphub.feedback import forms, services
from msphub.feedback.models import FeedbackAssignment, feedback_window_start
from msphub.measures import measures
from msphub.people.models import Person, Representative
from msphub.worktray.models import Notification
from tests.conftest import PASSWORD, Cast, new_concern, new_person, per_test
from tests.enquiry_fixtures import assert_error, body, close, date_parts, open_enquiry

pytestmark = pytest.mark.django_db

ADULT_PHONE = "07700 900123"
REP_EMAIL = "dora.marsh@example.org"
REP_PHONE = "07700 900456"
WHAT_HAPPENED = "Bruising on both arms noticed during a visit."
ASSIGNMENTS = reverse("feedback:assignments")
INTERVIEWS = reverse("feedback:interviews")
START = reverse("feedback:online_start")
CODE = reverse("feedback:online_code")
WHO = reverse("feedback:online_who")
QUESTIONS = reverse("feedback:online_questions")
DONE = reverse("feedback:online_done")


def _user(username: str, organisation: Organisation, role: str) -> User:
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=username.title(),
        last_name="Tester",
        organisation=organisation,
        role=role,
    )


def _closed(cast: Cast, person: Person) -> Enquiry:
    enquiry = open_enquiry(new_concern(cast.council), person, cast.practitioner, cast.manager)
    return close(enquiry, cast.practitioner, cast.manager)


def build() -> SimpleNamespace:
    cast = Cast()
    w = SimpleNamespace(cast=cast, council=cast.council)
    healthwatch = Organisation.objects.create(name="Riverside Healthwatch", kind="advocacy")
    healthwatch.councils.add(cast.council)
    elsewhere = Organisation.objects.create(name="Hillside Advocacy", kind="advocacy")
    elsewhere.councils.add(cast.other_council)
    w.healthwatch = healthwatch
    w.hana = _user("hana", healthwatch, Role.FEEDBACK_INTERVIEWER)
    w.ivy = _user("ivy", healthwatch, Role.FEEDBACK_INTERVIEWER)
    w.oscar = _user("oscar", elsewhere, Role.FEEDBACK_INTERVIEWER)
    w.lead, w.practitioner, w.other_lead = cast.lead, cast.practitioner, cast.other_council_user
    w.person = new_person(
        cast.council,
        given_name="Edna",
        family_name="Marsh",
        preferred_name="Eddie",
        phone=ADULT_PHONE,
        address="1 Mill Lane, Riverside",
        communication_needs="Hard of hearing: speak slowly",
    )
    w.rep = Representative.objects.create(
        person=w.person,
        name="Dora Marsh",
        kind=Representative.Kind.FAMILY,
        relationship="Daughter",
        email=REP_EMAIL,
        phone=REP_PHONE,
        address="9 Weir Road, Riverside",
    )
    w.closed = _closed(cast, w.person)
    w.other_person = new_person(cast.council, given_name="Olive", family_name="Brook", phone="07700 900789")
    w.closed2 = _closed(cast, w.other_person)
    w.restricted = _closed(
        cast, new_person(cast.council, given_name="Rhea", family_name="Quill", restricted=True)
    )
    w.died = _closed(
        cast,
        new_person(
            cast.council,
            given_name="Dai",
            family_name="Ends",
            date_of_death=timezone.localdate() - timedelta(days=3),
            date_of_death_source="family",
        ),
    )
    w.open = open_enquiry(new_concern(cast.council), w.other_person, cast.practitioner, cast.manager)
    return w


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    with django_db_blocker.unblock():
        return build()


@pytest.fixture
def world(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


@pytest.fixture(autouse=True)
def _texts_kept(settings) -> None:
    settings.TEXT_MESSAGE_BACKEND = "msphub.core.onetime.OutboxTextMessages"
    onetime.outbox.clear()


def signed_in(client, user: User):
    client.force_login(user)
    return client


def assign_url(enquiry: Enquiry) -> str:
    return reverse("feedback:assign", args=[enquiry.reference])


def interview_url(assignment: FeedbackAssignment) -> str:
    return reverse("feedback:interview", args=[assignment.uuid])


# --- The lead assigns ----------------------------------------------------------------------------


def test_the_lead_assigns_a_closed_enquiry_and_the_interviewer_is_told_by_reference(client, world):
    signed_in(client, world.lead)
    page = body(client.get(ASSIGNMENTS))
    assert world.closed.reference in page and world.closed2.reference in page
    assert world.open.reference not in page and world.restricted.reference not in page
    assert "Edna" not in page, "the list names nobody"
    form = body(client.get(assign_url(world.closed)))
    assert "Hana Tester, Riverside Healthwatch" in form and "Dora Marsh (Daughter)" in form
    assert "Oscar" not in form, "an interviewer of an organisation that does not work with the council"
    response = client.post(
        assign_url(world.closed), {"interviewer": world.hana.pk, "contact": str(world.rep.uuid)}
    )
    assert response.status_code == 302 and response["Location"] == ASSIGNMENTS
    assignment = FeedbackAssignment.objects.get(enquiry=world.closed)
    assert (assignment.status, assignment.contact, assignment.representative_id) == (
        "assigned",
        "representative",
        world.rep.pk,
    )
    assert (assignment.assigned_by, assignment.interviewer) == (world.lead, world.hana)
    note = Notification.objects.get(user=world.hana)
    assert note.kind == Notification.Kind.FEEDBACK_ASSIGNED and note.reference == world.closed.reference
    assert "Edna" not in str(note) and "Dora" not in note.key
    # No longer waiting to be assigned; now waiting for the interviewer, with a withdraw button.
    page = body(client.get(ASSIGNMENTS))
    assert reverse("feedback:withdraw", args=[assignment.uuid]) in page
    assert assign_url(world.closed) not in page
    assert client.get(assign_url(world.closed)).status_code == 404


def test_the_assign_page_shows_the_enquiry_and_logs_the_view(client, world):
    signed_in(client, world.lead)
    client.get(assign_url(world.closed))
    assert AccessLog.objects.filter(user=world.lead, record_id=world.closed.uuid).exists()


def test_assigning_refuses_a_wrong_choice(client, world):
    signed_in(client, world.lead)
    assert_error(client.post(assign_url(world.closed), {}), "Select who will ask for the feedback")
    response = client.post(assign_url(world.closed), {"interviewer": world.oscar.pk, "contact": "adult"})
    assert_error(response, "Select an interviewer of an organisation that works with the council")
    other_rep = Representative.objects.create(person=world.other_person, name="Pip Brook", kind="friend")
    response = client.post(
        assign_url(world.closed), {"interviewer": world.hana.pk, "contact": str(other_rep.uuid)}
    )
    assert_error(response, "Select the adult or one of their representatives")
    # The adult has died: a representative may be asked, never the adult.
    response = client.post(assign_url(world.died), {"interviewer": world.hana.pk, "contact": "adult"})
    assert_error(response, "The person has died: select a representative to contact, or do not assign it")
    assert not FeedbackAssignment.objects.exists()


@pytest.mark.parametrize("who", ["practitioner", "other_lead", "hana"])
def test_only_the_councils_lead_assigns(client, world, who):
    signed_in(client, getattr(world, who))
    for url in (assign_url(world.closed), ASSIGNMENTS if who != "other_lead" else assign_url(world.closed2)):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(assign_url(world.closed), {"interviewer": world.hana.pk, "contact": "adult"}).status_code
        == 404
    )
    assert not FeedbackAssignment.objects.exists()


@pytest.mark.parametrize("which", ["open", "restricted"])
def test_open_and_restricted_enquiries_cannot_be_assigned(client, world, which):
    signed_in(client, world.lead)
    enquiry = getattr(world, which)
    assert client.get(assign_url(enquiry)).status_code == 404
    with pytest.raises(StateChanged):
        services.assign(enquiry, world.lead, world.hana)


def test_an_enquiry_with_feedback_is_not_assignable(world):
    Feedback.objects.create(
        enquiry=world.closed, version="adult", asked_by="practitioner", asked_on=timezone.localdate()
    )
    assert not services.assignable(Enquiry.objects.filter(pk=world.closed.pk)).exists()
    with pytest.raises(StateChanged):
        services.assign(world.closed, world.lead, world.hana)


def test_one_open_assignment_per_enquiry(world):
    services.assign(world.closed, world.lead, world.hana)
    with pytest.raises(StateChanged):
        services.assign(world.closed, world.lead, world.ivy)
    # The database says so too, whatever the service checked.
    with pytest.raises(IntegrityError), transaction.atomic():
        FeedbackAssignment.objects.create(
            enquiry=world.closed, interviewer=world.ivy, contact="adult", assigned_by=world.lead
        )


def test_the_lead_withdraws_an_assignment_and_may_assign_again(client, world):
    assignment = services.assign(world.closed, world.lead, world.hana)
    signed_in(client, world.lead)
    withdraw = reverse("feedback:withdraw", args=[assignment.uuid])
    assert client.get(withdraw).status_code == 405
    assert client.post(withdraw)["Location"] == ASSIGNMENTS
    assignment.refresh_from_db()
    assert (assignment.status, assignment.closed_by, assignment.outcome_on) == (
        "withdrawn",
        world.lead,
        timezone.localdate(),
    )
    assert "Withdrawn by the safeguarding lead" in body(client.get(ASSIGNMENTS))
    # Pressed twice: the second is told, nothing changes.
    assert "The interviewer has already answered." in body(client.post(withdraw, follow=True))
    signed_in(client, world.hana)
    assert client.get(interview_url(assignment)).status_code == 404
    services.assign(world.closed, world.lead, world.ivy)


@pytest.mark.parametrize("who", ["hana", "practitioner", "other_lead"])
def test_only_the_lead_withdraws(client, world, who):
    assignment = services.assign(world.closed, world.lead, world.hana)
    signed_in(client, getattr(world, who))
    assert client.post(reverse("feedback:withdraw", args=[assignment.uuid])).status_code == 404
    assert FeedbackAssignment.objects.get(pk=assignment.pk).status == "assigned"


# --- The interviewer ---------------------------------------------------------------------------------


def test_the_interviewer_sees_the_adults_contact_details_and_nothing_of_the_enquiry(client, world):
    assignment = services.assign(world.closed, world.lead, world.hana)
    signed_in(client, world.hana)
    listed = body(client.get(INTERVIEWS))
    assert world.closed.reference in listed and "Edna" not in listed
    page = body(client.get(interview_url(assignment)))
    for shown in (
        "Edna Marsh",
        "Eddie",
        ADULT_PHONE,
        "1 Mill Lane, Riverside",
        "Hard of hearing",
        world.closed.reference,
    ):
        assert shown in page, shown
    for hidden in (
        WHAT_HAPPENED,
        "Pat Tester",
        "Dora Marsh",
        REP_EMAIL,
        reverse("enquiries:detail", args=[world.closed.reference]),
    ):
        assert hidden not in page, hidden
    # Every view logged, against the enquiry and the person.
    logged = set(
        AccessLog.objects.filter(user=world.hana, page=interview_url(assignment)).values_list(
            "record_id", flat=True
        )
    )
    assert {world.closed.uuid, world.person.uuid} <= logged


def test_for_a_representative_the_interviewer_sees_theirs_not_the_adults(client, world):
    assignment = services.assign(world.closed, world.lead, world.hana, world.rep)
    page = body(signed_in(client, world.hana).get(interview_url(assignment)))
    for shown in ("Dora Marsh", "Daughter of Edna Marsh", REP_EMAIL, REP_PHONE, "9 Weir Road"):
        assert shown in page, shown
    for hidden in (ADULT_PHONE, "1 Mill Lane", "Hard of hearing"):
        assert hidden not in page, hidden
    # The representative's details removed from the record later: the page says so.
    Representative.objects.filter(pk=world.rep.pk).delete()
    page = body(client.get(interview_url(assignment)))
    assert "The council has removed this representative's details" in page and REP_EMAIL not in page


@pytest.mark.parametrize("who", ["ivy", "oscar", "practitioner", "lead"])
def test_nobody_else_opens_the_interviewers_page(client, world, who):
    assignment = services.assign(world.closed, world.lead, world.hana)
    signed_in(client, getattr(world, who))
    assert client.get(interview_url(assignment)).status_code == 404
    assert client.post(interview_url(assignment), {}).status_code == 404
    assert client.get(reverse("feedback:no_feedback", args=[assignment.uuid])).status_code == 404
    if who in ("ivy", "oscar"):
        assert world.closed.reference not in body(client.get(INTERVIEWS))


def test_access_ends_when_the_organisation_no_longer_works_with_the_council(client, world):
    assignment = services.assign(world.closed, world.lead, world.hana)
    world.healthwatch.councils.remove(world.council)
    signed_in(client, world.hana)
    assert client.get(interview_url(assignment)).status_code == 404


def test_access_ends_when_the_record_is_restricted(client, world):
    assignment = services.assign(world.closed, world.lead, world.hana)
    Person.objects.filter(pk=world.person.pk).update(restricted=True)
    assert signed_in(client, world.hana).get(interview_url(assignment)).status_code == 404


def feedback_post(**overrides) -> dict:
    data = {
        **date_parts("asked_on", timezone.localdate()),
        "listened_to": "Definitely",
        "involved": "To some extent",
        "safer": "Definitely",
        "happy_with_ending": "Prefer not to say",
        "comments": "The Healthwatch lady was kind and they listened",
        "consent_to_quote": "on",
    }
    data.update(overrides)
    return data


def test_the_interviewer_records_feedback_that_counts_and_waits_for_moderation(client, world):
    assignment = services.assign(world.closed, world.lead, world.hana)
    filters = measures.Filters(FinancialYear.current(), world.council)
    before = {r["id"]: r for r in measures.measure_totals(filters, only=["felt_listened_to"])}
    signed_in(client, world.hana)
    response = client.post(interview_url(assignment), feedback_post())
    assert response.status_code == 302 and response["Location"] == INTERVIEWS
    feedback = Feedback.objects.get(enquiry=world.closed)
    assert (feedback.asked_by, feedback.recorded_by, feedback.version) == ("independent", world.hana, "adult")
    assert feedback.quote_status == Feedback.QuoteStatus.AWAITING
    assert feedback in Feedback.objects.awaiting_moderation()
    after = {r["id"]: r for r in measures.measure_totals(filters, only=["felt_listened_to"])}
    assert after["felt_listened_to"]["numerator"] == before["felt_listened_to"]["numerator"] + 1
    assert after["felt_listened_to"]["denominator"] == before["felt_listened_to"]["denominator"] + 1
    assignment.refresh_from_db()
    assert (assignment.status, assignment.feedback, assignment.outcome_on) == (
        "feedback_recorded",
        feedback,
        timezone.localdate(),
    )
    # Done: the contact details are no longer theirs to see, and the lead sees it finished.
    assert client.get(interview_url(assignment)).status_code == 404
    assert world.closed.reference not in body(client.get(INTERVIEWS))


def test_a_representatives_feedback_keeps_their_relationship(client, world):
    assignment = services.assign(world.closed, world.lead, world.hana, world.rep)
    signed_in(client, world.hana)
    assert 'value="Daughter"' in body(client.get(interview_url(assignment)))
    assert_error(
        client.post(interview_url(assignment), feedback_post(representative_relationship="")),
        "Enter the representative's relationship to the person",
    )
    client.post(interview_url(assignment), feedback_post(representative_relationship="Daughter"))
    feedback = Feedback.objects.get(enquiry=world.closed)
    assert (feedback.version, feedback.representative_relationship) == ("representative", "Daughter")


def test_the_interviewers_form_refuses_bad_input(client, world):
    assignment = services.assign(world.closed, world.lead, world.hana)
    signed_in(client, world.hana)
    assert_error(
        client.post(interview_url(assignment), feedback_post(comments="")),
        "There are no words to quote: enter them, or untick the box",
    )
    assert_error(
        client.post(interview_url(assignment), feedback_post(asked_on_day="31", asked_on_month="2")),
        "The date asked must be a real date",
    )
    assert_error(
        client.post(
            interview_url(assignment),
            {"listened_to": "Always"} | date_parts("asked_on", timezone.localdate()),
        ),
        "Select a valid choice. Always is not one of the available choices.",
    )
    assert not Feedback.objects.filter(enquiry=world.closed).exists()


def test_an_answer_to_the_practitioner_ends_the_interviewers_sight_of_the_contact(client, world):
    assignment = services.assign(world.closed, world.lead, world.hana)
    services.assign(world.closed2, world.lead, world.hana, None)
    Feedback.objects.create(
        enquiry=world.closed, version="adult", asked_by="practitioner", asked_on=timezone.localdate()
    )
    # The version the assignment is for has feedback: nothing left to ask, nothing doubled.
    signed_in(client, world.hana)
    assert client.get(interview_url(assignment)).status_code == 404
    assert client.post(interview_url(assignment), feedback_post()).status_code == 404
    listed = body(client.get(INTERVIEWS))
    assert world.closed.reference not in listed and world.closed2.reference in listed
    with pytest.raises(PermissionDenied):
        services.record_independent(assignment, world.hana, {"asked_on": timezone.localdate()})
    assert Feedback.objects.filter(enquiry=world.closed).count() == 1
    # The lead sees it answered another way, with the day it was asked, and cannot withdraw it.
    page = body(signed_in(client, world.lead).get(ASSIGNMENTS))
    assert "Answered another way: to the practitioner" in page
    assert reverse("feedback:withdraw", args=[assignment.uuid]) not in page
    with pytest.raises(StateChanged):
        services.withdraw(assignment, world.lead)


def test_an_answer_of_the_other_version_leaves_the_assignment_waiting(client, world):
    assignment = services.assign(world.closed, world.lead, world.hana, world.rep)
    Feedback.objects.create(
        enquiry=world.closed, version="adult", asked_by="practitioner", asked_on=timezone.localdate()
    )
    assert signed_in(client, world.hana).get(interview_url(assignment)).status_code == 200
    client.post(interview_url(assignment), feedback_post(representative_relationship="Daughter"))
    assert set(Feedback.objects.filter(enquiry=world.closed).values_list("version", flat=True)) == {
        "adult",
        "representative",
    }


def test_whom_to_contact_names_a_feedback_version():
    # The rules match an assignment's contact to the feedback's version by value.
    assert set(FeedbackAssignment.Contact.values) == set(Feedback.Version.values)


def _closed_ago(enquiry: Enquiry, moment) -> None:
    Enquiry.objects.filter(pk=enquiry.pk).update(closed_at=moment)


def test_the_interviewers_sight_of_the_contact_lapses_eight_weeks_after_closure(client, world):
    assignment = services.assign(world.closed, world.lead, world.hana)
    window_start = feedback_window_start()
    _closed_ago(world.closed, window_start)  # the last day of the window: still theirs
    signed_in(client, world.hana)
    assert client.get(interview_url(assignment)).status_code == 200
    _closed_ago(world.closed, window_start - timedelta(seconds=1))  # a day later: lapsed
    assert client.get(interview_url(assignment)).status_code == 404
    assert client.post(reverse("feedback:no_feedback", args=[assignment.uuid]), {}).status_code == 404
    assert world.closed.reference not in body(client.get(INTERVIEWS))
    # The lead sees it lapsed, dated the window's last day; it stays lapsed (not withdrawn).
    page = body(signed_in(client, world.lead).get(ASSIGNMENTS))
    last_day = timezone.localdate(window_start - timedelta(seconds=1)) + FEEDBACK_WINDOW
    assert "Lapsed: no answer within eight weeks of the enquiry closing" in page
    assert last_day.strftime("%-d %b %Y") in page
    assert reverse("feedback:withdraw", args=[assignment.uuid]) not in page
    with pytest.raises(StateChanged):
        services.withdraw(assignment, world.lead)
    assert FeedbackAssignment.objects.get(pk=assignment.pk).status == "assigned"


@hypothesis_settings(max_examples=25, deadline=None)
@given(seconds=st.integers(-3 * 86400, 3 * 86400))
def test_the_interviewers_window_is_the_feedback_due_window(world_once, seconds):
    """One window: the interviewer sees the assignment exactly while the enquiry would be on the
    feedback-due list (and open to online answers)."""
    with transaction.atomic():
        assignment = services.assign(world_once.closed, world_once.lead, world_once.hana)
        _closed_ago(world_once.closed, feedback_window_start() + timedelta(seconds=seconds))
        due = feedback_due(Enquiry.objects.filter(pk=world_once.closed.pk)).exists()
        seen = FeedbackAssignment.objects.for_user(world_once.hana).filter(pk=assignment.pk).exists()
        online = services.find_online(world_once.closed.reference, ADULT_PHONE) is not None
        assert due == seen == online == (seconds >= 0)
        transaction.set_rollback(True)


def test_the_lead_sees_the_latest_finished_first_and_only_their_councils(world):
    ended = services.assign(world.closed, world.lead, world.hana)
    services.close_without_feedback(ended, world.hana, "declined", timezone.localdate())
    lapsed = services.assign(world.closed2, world.lead, world.hana)
    _closed_ago(world.closed2, feedback_window_start() - timedelta(days=30))
    rows = services.finished(FeedbackAssignment.objects.for_user(world.lead), 50)
    assert [(r.assignment, r.what_happened) for r in rows] == [
        (ended, "They did not want to give feedback"),
        (lapsed, services.LAPSED),
    ]
    assert services.finished(FeedbackAssignment.objects.for_user(world.lead), 1)[0].assignment == ended
    assert services.finished(FeedbackAssignment.objects.for_user(world.other_lead), 50) == []


@pytest.mark.parametrize("outcome", ["could_not_contact", "declined"])
def test_the_interviewer_says_why_there_is_no_feedback(client, world, outcome):
    assignment = services.assign(world.closed, world.lead, world.hana)
    FeedbackAssignment.objects.filter(pk=assignment.pk).update(assigned_at=timezone.now() - timedelta(days=3))
    url = reverse("feedback:no_feedback", args=[assignment.uuid])
    signed_in(client, world.hana)
    assert "Edna" not in body(client.get(url))
    assert_error(client.post(url, {}), "Select what happened")
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert_error(
        client.post(url, {"outcome": outcome, **date_parts("outcome_on", tomorrow)}),
        "The date must be today or in the past",
    )
    assert_error(
        client.post(url, {"outcome": "withdrawn", **date_parts("outcome_on", timezone.localdate())}),
        "Select a valid choice. withdrawn is not one of the available choices.",
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    assert (
        client.post(url, {"outcome": outcome, **date_parts("outcome_on", yesterday)})["Location"]
        == INTERVIEWS
    )
    assignment.refresh_from_db()
    assert (assignment.status, assignment.outcome_on, assignment.closed_by) == (
        outcome,
        yesterday,
        world.hana,
    )
    assert not Feedback.objects.filter(enquiry=world.closed).exists()
    # The enquiry is still waiting for feedback, so the lead may try someone else.
    services.assign(world.closed, world.lead, world.ivy)


def test_the_dates_lie_between_the_assignment_and_today(client, world):
    """The measures count feedback by the day it was asked: a day before the council asked (in a
    year already signed off, say) is refused, on the question, in the error summary."""
    assignment = services.assign(world.closed, world.lead, world.hana)
    assigned_on = timezone.localdate() - timedelta(days=10)
    FeedbackAssignment.objects.filter(pk=assignment.pk).update(
        assigned_at=timezone.make_aware(datetime.combine(assigned_on, time(9)))
    )
    day = assigned_on.strftime("%-d %B %Y")
    signed_in(client, world.hana)
    before = assigned_on - timedelta(days=1)
    response = client.post(interview_url(assignment), feedback_post(**date_parts("asked_on", before)))
    assert_error(response, f"The date asked must be the same as or after {day}, when the council asked you")
    assert re.search(r'href="#[^"]*asked_on', body(response)), "the summary links to the question"
    last_year = assigned_on.replace(year=assigned_on.year - 1)
    response = client.post(
        reverse("feedback:no_feedback", args=[assignment.uuid]),
        {"outcome": "declined", **date_parts("outcome_on", last_year)},
    )
    assert_error(response, f"The date must be the same as or after {day}, when the council asked you")
    tomorrow = timezone.localdate() + timedelta(days=1)
    for field, name in (("asked_on", "The date asked"), ("outcome_on", "The date")):
        with pytest.raises(ValidationError) as refused:
            if field == "asked_on":
                services.record_independent(assignment, world.hana, {"asked_on": tomorrow})
            else:
                services.close_without_feedback(assignment, world.hana, "declined", tomorrow)
        assert refused.value.message_dict == {field: [f"{name} must be today or in the past"]}
    assert not Feedback.objects.filter(enquiry=world.closed).exists()
    assert FeedbackAssignment.objects.get(pk=assignment.pk).status == "assigned"
    # The day the council asked is allowed.
    response = client.post(interview_url(assignment), feedback_post(**date_parts("asked_on", assigned_on)))
    assert response["Location"] == INTERVIEWS
    assert Feedback.objects.get(enquiry=world.closed).asked_on == assigned_on


def test_a_finished_assignment_cannot_be_answered_twice(world):
    assignment = services.assign(world.closed, world.lead, world.hana)
    stale = FeedbackAssignment.objects.get(pk=assignment.pk)
    services.close_without_feedback(assignment, world.hana, "declined", timezone.localdate())
    # No longer the interviewer's to answer; and the lead, acting on the page as they read it before,
    # finds it answered (the state is checked as stored, under the row lock).
    with pytest.raises(PermissionDenied):
        services.record_independent(stale, world.hana, {"asked_on": timezone.localdate()})
    with pytest.raises(StateChanged):
        services.withdraw(stale, world.lead)
    assert FeedbackAssignment.objects.get(pk=assignment.pk).status == "declined"


# --- Online -----------------------------------------------------------------------------------------


CODE_RE = re.compile(r"\b(\d{6})\b")


def last_code() -> str:
    texts = [text for _, text in onetime.outbox] + [m.body for m in mail.outbox]
    match = CODE_RE.search(texts[-1])
    assert match
    return match.group(1)


def ask_for_code(client, reference: str, contact: str, **extra):
    return client.post(START, {"reference": reference, "contact": contact}, **extra)


def verify(client, reference: str, contact: str) -> None:
    assert ask_for_code(client, reference, contact)["Location"] == CODE
    assert client.post(CODE, {"code": last_code()})["Location"] == WHO


def test_the_adult_answers_online_with_a_code_sent_to_their_phone(client, world):
    ref = world.closed.reference
    response = ask_for_code(client, ref.lower().replace("-", " "), "+44 7700 900123")
    assert response.status_code == 302 and response["Location"] == CODE
    ((number, text),) = onetime.outbox
    assert number == ADULT_PHONE
    assert ref not in text and "Edna" not in text, "the message holds the code and nothing else"
    assert_error(
        client.post(CODE, {"code": "000000" if last_code() != "000000" else "111111"}),
        "That code is not right, or it has run out. Check it, or ask for a new code",
    )
    assert client.post(CODE, {"code": last_code()})["Location"] == WHO
    # Verified: logged against the enquiry, by nobody, with the page.
    assert AccessLog.objects.filter(user=None, record_id=world.closed.uuid, page=CODE).exists()
    who = body(client.get(WHO))
    assert ref in who and "Edna" not in who and 'value="adult" checked' in who
    assert client.post(WHO, {"answering": "adult"})["Location"] == QUESTIONS
    questions = body(client.get(QUESTIONS))
    assert "Did we listen to you?" in questions and "I don&#x27;t want to say" in questions
    response = client.post(
        QUESTIONS,
        {
            "listened_to": "Definitely",
            "safer": "Prefer not to say",
            "comments": "Thank you",
            "consent_to_quote": "on",
        },
    )
    assert response["Location"] == DONE
    feedback = Feedback.objects.get(enquiry=world.closed)
    assert (feedback.asked_by, feedback.recorded_by, feedback.version) == ("online", None, "adult")
    assert (feedback.listened_to, feedback.safer, feedback.involved) == (
        "Definitely",
        "Prefer not to say",
        "",
    )
    assert feedback.quote_status == "awaiting" and feedback.asked_on == timezone.localdate()
    assert AccessLog.objects.filter(user=None, record_id=world.closed.uuid, page=QUESTIONS).exists()
    assert "Thank you" in body(client.get(DONE))
    # The verification ends with the answers.
    assert client.get(QUESTIONS)["Location"] == START
    assert client.get(WHO)["Location"] == START


def test_an_online_answer_ends_the_interviewers_assignment_for_that_version(client, world):
    assignment = services.assign(world.closed, world.lead, world.hana)
    verify(client, world.closed.reference, ADULT_PHONE)
    client.post(WHO, {"answering": "adult"})
    assert client.post(QUESTIONS, {"safer": "Definitely"})["Location"] == DONE
    feedback = Feedback.objects.get(enquiry=world.closed)
    assignment.refresh_from_db()
    assert (assignment.status, assignment.closed_by, assignment.feedback, assignment.outcome_on) == (
        "feedback_recorded",
        None,
        feedback,
        timezone.localdate(),
    )
    assert signed_in(client, world.hana).get(interview_url(assignment)).status_code == 404
    rows = services.finished(FeedbackAssignment.objects.for_user(world.lead), 50)
    assert [(r.assignment, r.what_happened) for r in rows] == [
        (assignment, "Answered another way: online, by the person or their representative")
    ]
    assert "Answered another way: online" in body(signed_in(client, world.lead).get(ASSIGNMENTS))
    # Nobody may end one any other way (the database says so too).
    with pytest.raises(IntegrityError), transaction.atomic():
        FeedbackAssignment.objects.filter(pk=assignment.pk).update(status="withdrawn")


def test_an_online_answer_leaves_an_assignment_of_the_other_version_waiting(client, world):
    assignment = services.assign(world.closed, world.lead, world.hana, world.rep)
    verify(client, world.closed.reference, ADULT_PHONE)
    client.post(WHO, {"answering": "adult"})
    client.post(QUESTIONS, {})
    assert FeedbackAssignment.objects.get(pk=assignment.pk).status == "assigned"
    assert signed_in(client, world.hana).get(interview_url(assignment)).status_code == 200


def test_a_representative_answers_with_a_code_sent_by_email(client, world):
    ask_for_code(client, world.closed.reference, REP_EMAIL.upper())
    (message,) = mail.outbox
    assert message.to == [REP_EMAIL]
    assert (
        world.closed.reference not in message.body
        and "Dora" not in message.body
        and "Edna" not in message.body
    )
    assert client.post(CODE, {"code": last_code()})["Location"] == WHO
    assert 'value="representative" checked' in body(client.get(WHO))
    assert_error(
        client.post(WHO, {"answering": "representative"}),
        "Tell us who you are to the person, for example daughter",
    )
    assert_error(client.post(WHO, {}), "Select who is answering")
    client.post(WHO, {"answering": "representative", "relationship": "Daughter"})
    assert "Did we listen to the person?" in body(client.get(QUESTIONS))
    # Every question is optional: nothing answered is still an answer.
    assert client.post(QUESTIONS, {})["Location"] == DONE
    feedback = Feedback.objects.get(enquiry=world.closed)
    assert (feedback.version, feedback.representative_relationship, feedback.asked_by) == (
        "representative",
        "Daughter",
        "online",
    )
    assert (feedback.listened_to, feedback.comments, feedback.consent_to_quote) == ("", "", False)


# What differs on every page anyway: the form's CSRF token and the script's nonce.
PER_PAGE_RE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|nonce="[^"]+"')


def _answer_to(client, reference: str, contact: str) -> tuple[int, str, str]:
    """What a fresh browser is told after asking for a code: the redirect, and the code page."""
    client.cookies.clear()
    response = ask_for_code(client, reference, contact)
    return response.status_code, response["Location"], PER_PAGE_RE.sub("", body(client.get(CODE)))


def test_the_same_answer_whether_or_not_the_details_match(client, world):
    matched = _answer_to(client, world.closed.reference, ADULT_PHONE)
    assert len(onetime.outbox) == 1
    unmatched = [
        _answer_to(client, world.closed.reference, "07700 900999"),  # not theirs
        _answer_to(client, "ENQ-2099-999999", ADULT_PHONE),  # no such enquiry
        _answer_to(client, world.open.reference, "07700 900789"),  # not closed yet
        _answer_to(client, world.closed2.reference, ADULT_PHONE),  # another person's enquiry
        _answer_to(client, world.closed.reference, REP_EMAIL.replace("dora", "dara")),
    ]
    assert len(onetime.outbox) == 1 and not mail.outbox, "no code sent for details that do not match"
    assert all(result == matched for result in unmatched)
    # Nothing personal, nor the reference, in the URL.
    assert matched[1] == CODE


def test_a_code_for_one_enquiry_opens_only_that_one(client, world):
    verify(client, world.closed.reference, ADULT_PHONE)
    assert world.closed.reference in body(client.get(WHO))
    assert world.closed2.reference not in body(client.get(WHO))


def test_a_wrong_code_five_times_uses_it_up(client, world):
    ask_for_code(client, world.closed.reference, ADULT_PHONE)
    code = last_code()
    wrong = "123456" if code != "123456" else "654321"
    for _ in range(onetime.MAX_ATTEMPTS):
        client.post(CODE, {"code": wrong})
    assert_error(
        client.post(CODE, {"code": code}),
        "That code is not right, or it has run out. Check it, or ask for a new code",
    )


def test_online_feedback_is_only_for_enquiries_closed_in_the_last_eight_weeks(client, world):
    # From the window's start (local midnight eight weeks back), not from "now less eight weeks and a
    # day": across a clock change that was still inside the window between 23:00 and midnight UTC.
    start = feedback_window_start()
    Enquiry.objects.filter(pk=world.closed.pk).update(closed_at=start - timedelta(minutes=1))
    ask_for_code(client, world.closed.reference, ADULT_PHONE)
    assert not onetime.outbox
    Enquiry.objects.filter(pk=world.closed.pk).update(closed_at=start)
    ask_for_code(client, world.closed.reference, ADULT_PHONE)
    assert len(onetime.outbox) == 1, "closed on the window's first day: still open to feedback"


def test_once_per_enquiry_and_version(client, world):
    Feedback.objects.create(
        enquiry=world.closed, version="adult", asked_by="online", asked_on=timezone.localdate()
    )
    verify(client, world.closed.reference, ADULT_PHONE)
    who = body(client.get(WHO))
    assert 'value="representative"' in who and 'value="adult"' not in who
    assert_error(
        client.post(WHO, {"answering": "adult"}),
        "Select a valid choice. adult is not one of the available choices.",
    )
    # Someone answering in another tab meanwhile: back to who is answering, nothing doubled.
    client.post(WHO, {"answering": "representative", "relationship": "Son"})
    Feedback.objects.create(
        enquiry=world.closed,
        version="representative",
        representative_relationship="Son",
        asked_by="online",
        asked_on=timezone.localdate(),
    )
    assert client.post(QUESTIONS, {})["Location"] == WHO
    assert "We already have answers" in body(client.get(WHO))
    assert Feedback.objects.filter(enquiry=world.closed).count() == 2
    # With both answered, no more codes are sent.
    onetime.outbox.clear()
    ask_for_code(client, world.closed.reference, ADULT_PHONE)
    assert not onetime.outbox


def test_the_verification_times_out(client, world):
    verify(client, world.closed.reference, ADULT_PHONE)
    with time_machine.travel(timezone.now() + onetime.SESSION_LIFETIME + timedelta(seconds=5)):
        assert client.get(WHO)["Location"] == START
        assert client.post(QUESTIONS, {})["Location"] == START
    assert not Feedback.objects.filter(enquiry=world.closed).exists()


def test_asking_for_codes_is_rate_limited_by_reference_and_by_address(client, world):
    ref = world.closed.reference
    answers = [
        ask_for_code(client, ref, "07700 900999", REMOTE_ADDR=f"10.0.0.{i}").status_code for i in range(6)
    ]
    assert answers == [302] * 5 + [429]
    answers = [
        ask_for_code(client, f"ENQ-2026-{900000 + i}", "07700 900999", REMOTE_ADDR="10.0.1.1").status_code
        for i in range(21)
    ]
    assert answers == [302] * 20 + [429]


def test_checking_codes_is_rate_limited_by_address(client, world):
    ask_for_code(client, world.closed.reference, "07700 900999")
    answers = [client.post(CODE, {"code": "123456"}).status_code for _ in range(31)]
    assert answers == [200] * 30 + [429]


def test_a_code_belongs_to_the_browser_whose_details_matched(world):
    """Another browser giving the reference with other details holds no code: it cannot use the
    person's code, nor use up its tries; a new start in a browser ends its earlier verification."""
    from django.test import Client

    person, stranger = Client(), Client()
    assert ask_for_code(person, world.closed.reference, ADULT_PHONE)["Location"] == CODE
    code = last_code()
    ask_for_code(stranger, world.closed.reference, "07700 900999", REMOTE_ADDR="10.8.8.8")
    assert stranger.post(CODE, {"code": code}).status_code == 200  # refused
    for _ in range(6):
        stranger.post(CODE, {"code": "000000"})
    assert person.post(CODE, {"code": code})["Location"] == WHO
    ask_for_code(person, "ENQ-2099-999999", ADULT_PHONE)
    assert person.get(WHO)["Location"] == START


@pytest.mark.parametrize("contact", ["０７７００ ９００１２３", "0770090012３", "dorä@example.org"])
def test_contact_details_in_any_script_are_no_match_not_an_error(client, world, contact):
    # Refused by the form, or no match: never a 500, never a code.
    assert ask_for_code(client, world.closed.reference, contact).status_code in (200, 302)


def test_every_online_page_is_never_cached(client, world):
    pages = [client.get(START), ask_for_code(client, world.closed.reference, ADULT_PHONE), client.get(CODE)]
    client.post(CODE, {"code": last_code()})
    pages += [client.get(WHO), client.post(WHO, {"answering": "adult"}), client.get(QUESTIONS)]
    pages += [client.post(QUESTIONS, {}), client.get(DONE), client.get(QUESTIONS)]
    for response in pages:
        assert "no-store" in response["Cache-Control"], response


@pytest.mark.parametrize(
    ("reference", "contact", "message"),
    [
        ("", "", "Enter your reference number"),
        ("CON-2026-000001", ADULT_PHONE, "Enter the reference as it is on your letter, like ENQ-2026-000123"),
        ("ENQ-2026-000001", "12345", "Enter a phone number, like 07700 900 982, or an email address"),
        ("ENQ-2026-000001", "a@b", "Enter an email address like name@example.com"),
        ("ENQ-2026-000001", "", "Enter your phone number or email address"),
    ],
)
def test_the_start_page_refuses_bad_input(client, world, reference, contact, message):
    assert_error(client.post(START, {"reference": reference, "contact": contact}), message)
    assert not onetime.outbox


def test_the_code_page_refuses_bad_input(client, world):
    ask_for_code(client, world.closed.reference, ADULT_PHONE)
    assert_error(client.post(CODE, {"code": "12ab56"}), "The code has 6 numbers, like 123456")
    assert_error(client.post(CODE, {}), "Enter the code we sent you")


def test_consent_without_words_is_explained_in_easy_read(client, world):
    verify(client, world.closed.reference, ADULT_PHONE)
    client.post(WHO, {"answering": "adult"})
    assert_error(
        client.post(QUESTIONS, {"consent_to_quote": "on"}),
        "You ticked the box, but there are no words to share. Write your words, or untick the box",
    )
    assert_error(
        client.post(QUESTIONS, {"safer": "Maybe"}),
        "Select a valid choice. Maybe is not one of the available choices.",
    )


# --- Parsers ------------------------------------------------------------------------------------------


@given(
    year=st.integers(1000, 9999),
    number=st.integers(0, 999_999),
    sep=st.sampled_from(["-", " ", "", " - ", "/"]),
    lower=st.booleans(),
)
def test_a_reference_however_typed_is_read_as_stored(year, number, sep, lower):
    typed = f"ENQ{sep}{year}{sep}{number:06d}"
    assert (
        services.normalise_reference(f"  {typed.lower() if lower else typed} ") == f"ENQ-{year}-{number:06d}"
    )


@given(st.text(max_size=60))
def test_anything_typed_is_a_reference_or_nothing(text):
    result = services.normalise_reference(text)
    assert result == "" or services.REFERENCE_RE.fullmatch(result)


@hypothesis_settings(max_examples=60, deadline=None)
@given(reference=st.text(max_size=60), contact=st.text(max_size=300), code=st.text(max_size=30))
def test_the_online_forms_never_fail_on_what_is_typed(reference, contact, code):
    start = forms.OnlineStartForm({"reference": reference, "contact": contact})
    if start.is_valid():
        assert services.REFERENCE_RE.fullmatch(start.cleaned_data["reference"])
    code_form = forms.OnlineCodeForm({"code": code})
    if code_form.is_valid():
        assert re.fullmatch(r"\d{6}", code_form.cleaned_data["code"])


def test_the_practitioners_form_refuses_a_second_answer_of_a_version(client, world):
    from msphub.enquiries import services as enquiry_services

    data = {"version": "adult", "asked_by": "practitioner", "asked_on": timezone.localdate()}
    enquiry_services.record_feedback(world.closed, world.practitioner, data)
    with pytest.raises(ValidationError):
        enquiry_services.record_feedback(world.closed, world.practitioner, data)
    client.force_login(world.practitioner)
    url = reverse("enquiries:feedback_new", args=[world.closed.reference])
    posted = {"asked_by": "practitioner", **date_parts("asked_on", timezone.localdate())}
    assert_error(
        client.post(url + "?version=adult", posted),
        "Feedback from the adult has already been recorded for this enquiry",
    )
    assert Feedback.objects.filter(enquiry=world.closed).count() == 1
    response = client.post(url + "?version=representative", {**posted, "representative_relationship": "Son"})
    assert response.status_code == 302
