"""Correcting the record so the figures can be trusted (issue 12): concerns set aside as entered in
error or as duplicates, transfers between councils, the "abuse occurred in another area" flag, and
first contacts that cannot predate the concern, can be marked entered in error, and attempts that
never count as contact. Through the test client as the personas in conftest."""

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from msphub.accounts.models import Role, Team, User
from msphub.concerns import services
from msphub.concerns.models import Concern, ConcernTransfer, ContactAttempt, FirstContact
from msphub.core.models import AccessLog

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
RECEIVED = datetime(2026, 6, 15, 9, 0, tzinfo=LONDON)
NOW = datetime(2026, 6, 15, 15, 0, tzinfo=LONDON)

SUMMARY_RE = re.compile(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', re.S)
LI_RE = re.compile(r"<li>(.*?)</li>", re.S)
TAG_RE = re.compile(r"<[^>]+>")
NOTHING = {"csrfmiddlewaretoken": "token"}


def body(response) -> str:
    return response.content.decode()


def error_summary(response) -> list[str]:
    match = SUMMARY_RE.search(body(response))
    if not match:
        return []
    return [html.unescape(TAG_RE.sub("", item)).strip() for item in LI_RE.findall(match.group(1))]


def url(concern: Concern, page: str = "") -> str:
    return f"/concerns/{concern.reference}/{page}"


def counted() -> set[str]:
    return set(Concern.objects.counted().values_list("reference", flat=True))


def within_target() -> set[str]:
    return set(Concern.objects.first_contact_within_target().values_list("reference", flat=True))


def overdue(now) -> set[str]:
    return set(Concern.objects.first_contact_overdue(now).values_list("reference", flat=True))


@pytest.fixture
def concern(make_concern) -> Concern:
    return make_concern(received_at=RECEIVED)


@pytest.fixture
def original(make_concern) -> Concern:
    return make_concern(received_at=RECEIVED - timedelta(hours=2))


@pytest.fixture
def hillside_manager(other_council) -> User:
    team = Team.objects.create(organisation=other_council, name="Hillside Adults")
    return User.objects.create_user(
        username="hal_hillsidemanager", organisation=other_council, team=team, role=Role.TEAM_MANAGER
    )


@pytest.fixture
def hillside_practitioner(other_council) -> User:
    team = Team.objects.create(organisation=other_council, name="Hillside Locality")
    return User.objects.create_user(
        username="hil_hillsidepractitioner", organisation=other_council, team=team, role=Role.PRACTITIONER
    )


# --- Set aside: entered in error, or a duplicate -------------------------------------------------


def test_manager_marks_a_duplicate_and_it_is_no_longer_counted(client, concern, original, manager):
    assert counted() == {concern.reference, original.reference}
    client.force_login(manager)
    page = body(client.get(url(concern)))
    assert url(concern, "set-aside/") in page
    assert client.get(url(concern, "set-aside/")).status_code == 200
    response = client.post(
        url(concern, "set-aside/"),
        {"kind": "duplicate", "duplicate_of": original.reference.lower(), "reason": "Raised twice by the GP"},
    )
    assert response.status_code == 302, error_summary(response)
    concern.refresh_from_db()
    assert concern.set_aside == Concern.SetAside.DUPLICATE
    assert concern.duplicate_of == original
    assert concern.set_aside_by == manager and concern.set_aside_at is not None
    assert concern.status == Concern.Status.CLOSED
    assert counted() == {original.reference}
    # Still in the record and its history.
    page = body(client.get(url(concern)))
    assert f"Duplicate of {original.reference}" in page and "Raised twice by the GP" in page
    assert concern.history.filter(set_aside="duplicate").exists()
    assert concern.history.filter(set_aside="").exists()
    # The queue lists it under its own filter, saying so; the open queue no longer shows it.
    assert concern.reference not in body(client.get("/concerns/"))
    listed = body(client.get("/concerns/?show=set_aside"))
    assert concern.reference in listed and f"Duplicate of {original.reference}" in listed
    assert client.get(url(concern, "set-aside/")).status_code == 404, "set aside once"


def test_lead_marks_a_concern_entered_in_error(client, concern, lead):
    client.force_login(lead)
    response = client.post(url(concern, "set-aside/"), {"kind": "error", "reason": "A test entry"})
    assert response.status_code == 302, error_summary(response)
    concern.refresh_from_db()
    assert concern.set_aside == Concern.SetAside.ERROR and concern.duplicate_of is None
    assert concern.reference not in counted()
    assert "Entered in error" in body(client.get(url(concern)))
    assert "Entered in error" in body(client.get("/concerns/?show=set_aside"))
    # No first contact is overdue for a concern set aside (it is closed).
    assert concern.reference not in overdue(RECEIVED + timedelta(days=3))


def test_set_aside_messages(client, concern, original, manager, make_concern, other_council):
    client.force_login(manager)
    response = client.post(url(concern, "set-aside/"), NOTHING)
    assert error_summary(response) == [
        "Select whether the concern was entered in error or is a duplicate",
        "Enter why the concern is being set aside",
    ]
    response = client.post(url(concern, "set-aside/"), {"kind": "duplicate", "reason": "Twice"})
    assert error_summary(response) == ["Enter the reference of the concern this one duplicates"]
    response = client.post(
        url(concern, "set-aside/"), {"kind": "duplicate", "duplicate_of": "CON-2026-999999", "reason": "x"}
    )
    assert error_summary(response) == ["There is no concern CON-2026-999999 in this council"]
    elsewhere = make_concern(target_council=other_council)
    response = client.post(
        url(concern, "set-aside/"), {"kind": "duplicate", "duplicate_of": elsewhere.reference, "reason": "x"}
    )
    assert error_summary(response) == [f"There is no concern {elsewhere.reference} in this council"]
    response = client.post(
        url(concern, "set-aside/"), {"kind": "duplicate", "duplicate_of": concern.reference, "reason": "x"}
    )
    assert error_summary(response) == ["Enter the reference of another concern, not this one"]
    services.set_aside(original, manager, "error", "A test")
    response = client.post(
        url(concern, "set-aside/"), {"kind": "duplicate", "duplicate_of": original.reference, "reason": "x"}
    )
    assert error_summary(response) == [
        f"{original.reference} is itself set aside; enter the reference of the original concern"
    ]
    concern.refresh_from_db()
    assert concern.set_aside == ""


@pytest.mark.parametrize("persona", ["practitioner", "partner_referrer", "board_viewer", "locality_manager"])
def test_set_aside_is_for_the_teams_manager_or_the_lead(client, concern, practitioner, persona, request):
    # Picked up by the Front Door: the Locality team's manager may not set it aside.
    services.pick_up(concern, practitioner)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(concern, "set-aside/")).status_code == 404
    assert client.post(url(concern, "set-aside/"), {"kind": "error", "reason": "x"}).status_code == 404
    if persona == "practitioner":
        assert url(concern, "set-aside/") not in body(client.get(url(concern)))
    concern.refresh_from_db()
    assert concern.set_aside == ""


def test_another_councils_lead_gets_404(client, concern, other_council_user):
    client.force_login(other_council_user)
    for page in ("set-aside/", "other-area/", "transfer/"):
        assert client.get(url(concern, page)).status_code == 404
        assert client.post(url(concern, page), {"kind": "error", "reason": "x"}).status_code == 404


def test_a_concern_with_an_enquiry_cannot_be_set_aside(client, enquiry, manager):
    concern = enquiry.concern
    client.force_login(manager)
    response = client.get(url(concern, "set-aside/"))
    assert response.status_code == 200
    assert "This concern led to an enquiry" in body(response)
    response = client.post(url(concern, "set-aside/"), {"kind": "error", "reason": "x"})
    assert response.status_code == 200 and "This concern led to an enquiry" in body(response)
    concern.refresh_from_db()
    assert concern.set_aside == ""
    with pytest.raises(ValidationError, match="led to an enquiry"):
        services.set_aside(concern, manager, "error", "x")
    with pytest.raises(ValidationError, match="led to an enquiry"):
        services.set_other_area(concern, manager, "Westshire")
    assert "This concern led to an enquiry, so it cannot be set aside" in body(client.get(url(concern)))


def test_set_aside_is_post_only_to_change(client, concern, manager):
    client.force_login(manager)
    client.get(url(concern, "set-aside/"), {"kind": "error", "reason": "x"})
    concern.refresh_from_db()
    assert concern.set_aside == ""


def test_a_decision_awaiting_sign_off_cannot_be_signed_off_once_set_aside(
    concern, practitioner, manager, make_person
):
    services.link_person(concern, make_person(), practitioner)
    decision = services.record_decision(
        concern, practitioner, {"outcome": "none", "pathway": "signposted", "rationale": "x"}
    )
    services.set_aside(concern, manager, "error", "Wrong adult")
    decision.refresh_from_db()
    with pytest.raises(services.StateChanged):
        services.sign_off(decision, manager)


# --- Abuse occurred in another area (a council outside this installation) -------------------------


def test_other_area_flag_leaves_the_concern_out_and_can_be_removed(client, concern, manager):
    client.force_login(manager)
    response = client.post(url(concern, "other-area/"), NOTHING)
    assert error_summary(response) == ["Enter the council area where the abuse occurred"]
    response = client.post(url(concern, "other-area/"), {"other_area": "Westshire County Council"})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.other_area == "Westshire County Council" and concern.other_area_by == manager
    assert concern.reference not in counted()
    assert set(Concern.objects.in_other_area().values_list("reference", flat=True)) == {concern.reference}
    assert "Abuse occurred in another area: Westshire County Council" in body(client.get(url(concern)))
    assert "Abuse in another area: Westshire County Council" in body(client.get("/concerns/"))
    # Still open: the council may still pass it on.
    assert concern.status == Concern.Status.RECEIVED
    response = client.post(url(concern, "other-area/"), {"action": "remove"})
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.other_area == "" and concern.other_area_by is None
    assert concern.reference in counted()
    assert concern.history.filter(other_area="Westshire County Council").exists()


def test_other_area_is_for_managers_and_the_lead(client, concern, practitioner):
    client.force_login(practitioner)
    assert client.get(url(concern, "other-area/")).status_code == 404
    assert client.post(url(concern, "other-area/"), {"other_area": "Westshire"}).status_code == 404


# --- Transfer to another council of this installation --------------------------------------------


def test_transfer_proposed_and_accepted(
    client, concern, practitioner, manager, other_council, other_council_user, make_person
):
    services.link_person(concern, make_person(), practitioner)
    client.force_login(manager)
    response = client.post(url(concern, "transfer/"), NOTHING)
    assert error_summary(response) == [
        "Select the council where the abuse occurred",
        "Enter why the concern should be transferred",
    ]
    response = client.post(
        url(concern, "transfer/"), {"to_council": other_council.pk, "reason": "She lives in Hillside"}
    )
    assert response.status_code == 302, error_summary(response)
    transfer = ConcernTransfer.objects.get()
    assert (
        transfer.status == ConcernTransfer.Status.PROPOSED and transfer.from_council_id == concern.council_id
    )
    assert f"Transfer to {other_council} proposed" in body(client.get("/concerns/"))
    assert "waiting for their answer" in body(client.get(url(concern)))

    # Hillside's lead sees it in the list and on the transfer page, not yet on the concern page.
    client.force_login(other_council_user)
    assert client.get(url(concern)).status_code == 404
    listed = body(client.get("/concerns/transfers/"))
    assert f"/concerns/transfers/{transfer.uuid}/" in listed
    page = client.get(f"/concerns/transfers/{transfer.uuid}/")
    assert page.status_code == 200 and "She lives in Hillside" in body(page)
    assert AccessLog.objects.filter(user=other_council_user, record_reference=concern.reference).exists()
    response = client.post(f"/concerns/transfers/{transfer.uuid}/", {"action": "approve"})
    assert response.status_code == 302
    assert response["Location"] == url(concern)

    concern.refresh_from_db()
    transfer.refresh_from_db()
    assert transfer.status == ConcernTransfer.Status.ACCEPTED and transfer.decided_by == other_council_user
    assert concern.council == other_council
    assert concern.person is None and concern.team is None and concern.assigned_to is None
    assert concern.status == Concern.Status.RECEIVED
    assert client.get(url(concern)).status_code == 200
    assert concern.reference in body(client.get("/concerns/"))
    assert set(
        Concern.objects.filter(council=other_council).counted().values_list("reference", flat=True)
    ) == {concern.reference}
    # The sending council no longer sees it, but keeps the transfer in its list.
    client.force_login(manager)
    assert client.get(url(concern)).status_code == 404
    assert concern.reference not in body(client.get("/concerns/"))
    assert "Accepted" in body(client.get("/concerns/transfers/"))
    assert not Concern.objects.for_user(practitioner).filter(pk=concern.pk).exists()
    # The history keeps where it was.
    councils = set(concern.history.values_list("council_id", flat=True))
    assert councils == {manager.organisation_id, other_council.pk}


def test_transfer_declined_with_a_reason(client, concern, manager, other_council, hillside_manager):
    transfer = services.propose_transfer(concern, manager, other_council, "Lives in Hillside")
    client.force_login(hillside_manager)
    response = client.post(f"/concerns/transfers/{transfer.uuid}/", {"action": "return"})
    assert error_summary(response) == ["Enter why the transfer is being declined"]
    response = client.post(
        f"/concerns/transfers/{transfer.uuid}/",
        {"action": "return", "returned_comment": "She moved to Riverside"},
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    concern.refresh_from_db()
    assert transfer.status == ConcernTransfer.Status.DECLINED
    assert transfer.declined_reason == "She moved to Riverside"
    assert concern.council_id == manager.organisation_id
    assert client.get(url(concern)).status_code == 404
    assert client.get(f"/concerns/transfers/{transfer.uuid}/").status_code == 404, "answered once"
    client.force_login(manager)
    listed = body(client.get("/concerns/transfers/"))
    assert "Declined" in listed and "She moved to Riverside" in listed
    # Declined: it may be proposed again.
    assert services.propose_transfer(concern, manager, other_council, "Checked again")


def test_who_may_decide_a_transfer(
    client, concern, manager, practitioner, lead, other_council, hillside_practitioner, other_council_user
):
    transfer = services.propose_transfer(concern, manager, other_council, "Lives in Hillside")
    page = f"/concerns/transfers/{transfer.uuid}/"
    # Neither the sending council nor the receiving council's practitioners decide it.
    for user in (manager, practitioner, lead, hillside_practitioner):
        client.force_login(user)
        assert client.get(page).status_code == 404
        assert client.post(page, {"action": "approve"}).status_code == 404
    client.force_login(hillside_practitioner)
    assert str(transfer.uuid) not in body(client.get("/concerns/transfers/"))
    transfer.refresh_from_db()
    assert transfer.status == ConcernTransfer.Status.PROPOSED
    # A practitioner may not propose one.
    client.force_login(practitioner)
    assert client.get(url(concern, "transfer/")).status_code == 404


def test_transfer_rules(concern, manager, council, other_council, practitioner, make_person):
    with pytest.raises(ValidationError, match="Select the council"):
        services.propose_transfer(concern, manager, council, "To ourselves")
    services.propose_transfer(concern, manager, other_council, "Lives in Hillside")
    with pytest.raises(services.StateChanged):
        services.propose_transfer(concern, manager, other_council, "Again")
    # Decided while the transfer waited: accepting it is refused.
    transfer = ConcernTransfer.objects.get()
    services.link_person(concern, make_person(), practitioner)
    services.record_decision(
        concern, practitioner, {"outcome": "none", "pathway": "signposted", "rationale": "x"}
    )
    hillside_lead = User.objects.create_user(
        username="hl", organisation=other_council, role=Role.SAFEGUARDING_LEAD
    )
    with pytest.raises(services.StateChanged):
        services.accept_transfer(transfer, hillside_lead)
    concern.refresh_from_db()
    assert concern.council == council


# --- First contact: not before the concern, not in the future -------------------------------------


def contact_data(**overrides) -> dict:
    data = {
        "contact_date_day": "15",
        "contact_date_month": "6",
        "contact_date_year": "2026",
        "contact_time": "10:30",
        "method": "phone",
        "spoke_with": "adult",
        "wants": "For the carer to be changed",
    }
    data.update(overrides)
    return data


def test_a_call_in_the_minute_the_concern_arrived_is_accepted(client, concern, practitioner):
    """The form gives the time to the minute: a concern received at 09:00:40 and a call recorded at
    09:00 is not "before the concern" (the browser journey records a call at once)."""
    from msphub.concerns import services

    concern.received_at = concern.received_at.replace(second=40)
    moment = concern.received_at.replace(second=0)
    assert services.contact_time_errors(concern, moment) == {}
    assert services.contact_time_errors(concern, moment - timedelta(minutes=1))


def test_first_contact_before_the_concern_is_refused(client, concern, practitioner):
    client.force_login(practitioner)
    with time_machine.travel(NOW, tick=False):
        response = client.post(url(concern, "first-contact/"), contact_data(contact_time="08:59"))
        assert error_summary(response) == [
            "The conversation must not be before the concern was received (15 June 2026 at 09:00)"
        ]
        response = client.post(url(concern, "first-contact/"), contact_data(contact_date_day="14"))
        assert error_summary(response) == [
            "The conversation must not be before the concern was received (15 June 2026 at 09:00)"
        ]
        # The error is on the date when the day is wrong.
        assert 'id="id_contact_date-error"' in body(response)
        response = client.post(url(concern, "first-contact/"), contact_data(contact_time="09:00"))
    assert response.status_code == 302, error_summary(response)
    assert FirstContact.objects.get().contact_at == RECEIVED


def test_first_contact_in_the_future_is_refused(client, concern, practitioner):
    client.force_login(practitioner)
    with time_machine.travel(NOW, tick=False):
        response = client.post(url(concern, "first-contact/"), contact_data(contact_time="15:01"))
        assert error_summary(response) == ["The conversation must be in the past"]
        response = client.post(url(concern, "first-contact/"), contact_data(contact_date_day="16"))
        assert error_summary(response) == ["The date must be today or in the past"]
    assert not FirstContact.objects.exists()


def test_the_service_refuses_a_contact_before_the_concern_or_in_the_future(concern, practitioner):
    data = {"method": "phone", "spoke_with": "adult", "representative_name": "", "wants": "x", "notes": ""}
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(ValidationError, match="not be before the concern was received"):
            services.record_first_contact(
                concern, practitioner, data | {"contact_at": RECEIVED - timedelta(days=30)}
            )
        with pytest.raises(ValidationError, match="in the past"):
            services.record_first_contact(
                concern, practitioner, data | {"contact_at": NOW + timedelta(minutes=1)}
            )
    assert not FirstContact.objects.exists()


# --- A contact entered in error, and attempts, are not counted --------------------------------------


def _contact(concern, user, at) -> FirstContact:
    return FirstContact.objects.create(
        concern=concern, contact_at=at, method="phone", spoke_with="adult", recorded_by=user, wants="x"
    )


def test_a_contact_entered_in_error_is_struck_through_and_not_counted(client, concern, practitioner):
    wrong = _contact(concern, practitioner, RECEIVED + timedelta(hours=1))
    later = _contact(concern, practitioner, RECEIVED + timedelta(hours=30))
    services.pick_up(concern, practitioner)
    assert within_target() == {concern.reference}
    client.force_login(practitioner)
    page_url = url(concern, f"first-contact/{wrong.uuid}/entered-in-error/")
    assert page_url in body(client.get(url(concern)))
    response = client.post(page_url, NOTHING)
    assert error_summary(response) == ["Enter why this conversation was entered in error"]
    response = client.post(page_url, {"reason": "Recorded on the wrong concern"})
    assert response.status_code == 302
    wrong.refresh_from_db()
    assert wrong.is_entered_in_error and wrong.entered_in_error_by == practitioner
    assert FirstContact.objects.count() == 2, "never deleted"
    # Now the first counted conversation is 30 hours after: not within 24 hours.
    assert within_target() == set()
    annotated = Concern.objects.get(pk=concern.pk)
    assert annotated.first_contact_at == later.contact_at
    page = body(client.get(url(concern)))
    assert "<del>" in page and "Recorded on the wrong concern" in page
    assert client.get(page_url).status_code == 404, "marked once"
    # With every contact in error, the concern is overdue again.
    services.mark_contact_in_error(later, practitioner, "Wrong adult")
    assert concern.reference in overdue(RECEIVED + timedelta(days=3))
    assert FirstContact.history.filter(id=wrong.pk).count() == 2


def test_another_teams_practitioner_cannot_mark_a_contact(
    client, concern, practitioner, locality_practitioner
):
    wrong = _contact(concern, practitioner, RECEIVED + timedelta(hours=1))
    services.pick_up(concern, practitioner)
    client.force_login(locality_practitioner)
    page_url = url(concern, f"first-contact/{wrong.uuid}/entered-in-error/")
    assert client.post(page_url, {"reason": "x"}).status_code == 404
    wrong.refresh_from_db()
    assert not wrong.is_entered_in_error


def attempt_data(**overrides) -> dict:
    data = {
        "attempt_date_day": "15",
        "attempt_date_month": "6",
        "attempt_date_year": "2026",
        "attempt_time": "10:30",
        "method": "phone",
        "outcome": "no_answer",
        "notes": "Left a message",
    }
    data.update(overrides)
    return data


def test_an_unsuccessful_attempt_is_recorded_and_not_counted(client, concern, practitioner):
    client.force_login(practitioner)
    with time_machine.travel(NOW, tick=False):
        assert client.get(url(concern, "contact-attempt/")).status_code == 200
        response = client.post(url(concern, "contact-attempt/"), NOTHING)
        assert error_summary(response) == [
            "Enter the date",
            "Enter the time of the attempt",
            "Select how you tried to reach them",
            "Select what happened",
        ]
        response = client.post(url(concern, "contact-attempt/"), attempt_data(attempt_time="08:00"))
        assert error_summary(response) == [
            "The attempt must not be before the concern was received (15 June 2026 at 09:00)"
        ]
        response = client.post(url(concern, "contact-attempt/"), attempt_data())
        assert response.status_code == 302, error_summary(response)
    attempt = ContactAttempt.objects.get()
    assert attempt.attempted_at == datetime(2026, 6, 15, 10, 30, tzinfo=LONDON)
    assert attempt.recorded_by == practitioner and attempt.outcome == "no_answer"
    assert not FirstContact.objects.exists()
    assert within_target() == set()
    assert concern.reference in overdue(RECEIVED + timedelta(days=2))
    page = body(client.get(url(concern)))
    assert "Attempts to reach them that did not succeed" in page and "By phone, no answer" in page
    assert "Left a message" in page


def test_attempts_are_for_those_who_triage(client, concern, practitioner, board_viewer):
    client.force_login(board_viewer)
    assert client.get(url(concern, "contact-attempt/")).status_code == 404
    assert client.post(url(concern, "contact-attempt/"), attempt_data()).status_code == 404
    assert not ContactAttempt.objects.exists()


def test_the_history_keeps_corrections_attempts_and_transfers(
    client, concern, practitioner, manager, other_council
):
    services.pick_up(concern, practitioner)
    with time_machine.travel(NOW, tick=False):
        services.record_attempt(
            concern,
            practitioner,
            {
                "attempted_at": RECEIVED + timedelta(hours=1),
                "method": "phone",
                "outcome": "declined",
                "notes": "",
            },
        )
    services.propose_transfer(concern, manager, other_council, "Lives in Hillside")
    services.set_other_area(concern, manager, "Westshire County Council")
    client.force_login(manager)
    response = client.get(url(concern, "history/"))
    assert response.status_code == 200
    page = html.unescape(body(response))
    assert "Westshire County Council" in page
    assert "Lives in Hillside" in page
    assert "They declined to speak" in page or "declined" in page
