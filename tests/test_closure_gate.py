"""The closure gate (issue 13, item 6) and allocation within the team (item 4).

The contract: an enquiry is never signed off with a plan action that is not done, cancelled (with a
reason) or handed over (to whom), overdue or not, nor with an advocacy referral that has neither
started nor been marked not going ahead. Asking for closure is refused while either remains, and
sign-off asks again under the row lock, so a record from before the gate (an action added after the
request) cannot slip through. Feedback not asked and the adult and the referrer not told are
warnings: shown on the closing and sign-off pages, holding nothing up.

Most tests work on one open enquiry led by the Front Door practitioner, built once for the module;
each test changes it in its own savepoint.
"""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from msphub.accounts.models import User
from msphub.concerns.models import Concern
from msphub.core.states import StateChanged
from msphub.enquiries import services
from msphub.enquiries.models import AdvocacyReferral, Enquiry, PlanAction
from tests.conftest import Cast, new_concern, new_person, per_test
from tests.enquiry_fixtures import (
    FINDINGS_POST,
    NO_RISK,
    NONE_EXPRESSED,
    assert_error,
    body,
    date_parts,
    open_enquiry,
    summary_items,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    with django_db_blocker.unblock():
        cast = Cast()
        enquiry = open_enquiry(
            new_concern(cast.council), new_person(cast.council), cast.practitioner, cast.manager
        )
        # Everyone the allocation tests offer or refuse, made once.
        for name in ("locality_practitioner", "locality_manager", "lead", "other_council_user"):
            getattr(cast, name)
        return SimpleNamespace(cast=cast, enquiry=enquiry)


@pytest.fixture
def world(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


@pytest.fixture
def enquiry(world) -> Enquiry:
    return world.enquiry


def add_action(enquiry: Enquiry, due_in_days: int = 7, words: str = "Change the carer") -> PlanAction:
    due = timezone.localdate() + timedelta(days=due_in_days)
    return services.add_record(
        enquiry, PlanAction, {"action": words, "owner_agency": "Sunrise Home Care", "due_on": due}
    )


def refer(enquiry: Enquiry, kind: str = "care_act") -> AdvocacyReferral:
    return services.add_record(enquiry, AdvocacyReferral, {"kind": kind, "referred_on": timezone.localdate()})


def closure_post() -> dict:
    """What the closing page posts for an enquiry with no desired outcomes, every item answered."""
    return {
        "closure_reason": "complete",
        "msp_asked": NONE_EXPRESSED,
        "risk_assessment_outcome": NO_RISK,
        "mental_capacity": "No, they did not lack capacity",
        **FINDINGS_POST,
    }


def complete_closure(enquiry: Enquiry, user: User) -> list[str]:
    data = {
        "closure_reason": Enquiry.ClosureReason.COMPLETE,
        "msp_asked": NONE_EXPRESSED,
        "risk_assessment_outcome": NO_RISK,
        "mental_capacity": "No, they did not lack capacity",
    }
    return services.request_closure(enquiry, user, data, {}, {})


def status_of(enquiry: Enquiry) -> str:
    return Enquiry.objects.values_list("status", flat=True).get(pk=enquiry.pk)


# --- The gate ------------------------------------------------------------------------------------


def test_an_overdue_open_action_is_named_and_blocks_the_request(enquiry, practitioner):
    action = add_action(enquiry, due_in_days=-3)
    gate = services.closure_gate(enquiry)
    assert [item.anchor for item in gate.blocking] == [f"action-{action.uuid}"]
    message = gate.blocking[0].message
    assert "\u201cChange the carer\u201d, overdue since" in message
    assert message.endswith("mark it done, cancel it with a reason, or hand it over")
    assert gate.blocking[0].url == url(enquiry, f"actions/{action.uuid}/resolve/")
    assert complete_closure(enquiry, practitioner) == [message]
    assert status_of(enquiry) == Enquiry.Status.OPEN


def test_an_open_action_not_yet_due_blocks_too(enquiry, practitioner):
    add_action(enquiry, due_in_days=10)
    missing = complete_closure(enquiry, practitioner)
    assert len(missing) == 1 and ", due " in missing[0]
    assert status_of(enquiry) == Enquiry.Status.OPEN


def test_sign_off_is_refused_with_an_overdue_action_added_after_the_request(enquiry, practitioner, manager):
    """Legacy data: closure was asked for before the gate, or the action was written around the
    pages since. Sign-off asks the gate again and refuses; nothing changes."""
    assert complete_closure(enquiry, practitioner) == []
    PlanAction.objects.create(
        enquiry=enquiry, action="Visit", owner_agency="Police", due_on=timezone.localdate() - timedelta(1)
    )
    with pytest.raises(StateChanged, match="cannot be signed off"):
        services.sign_off_closure(Enquiry.objects.get(pk=enquiry.pk), manager)
    assert status_of(enquiry) == Enquiry.Status.CLOSURE_REQUESTED
    assert Concern.objects.get(pk=enquiry.concern_id).status != Concern.Status.CLOSED
    # Returning it still works: the practitioner then resolves the action.
    services.return_closure(enquiry, manager, "Resolve the police visit")
    assert status_of(enquiry) == Enquiry.Status.OPEN


def test_sign_off_asks_the_gate_under_the_row_lock(enquiry, practitioner, manager, monkeypatch):
    """The gate is read after the enquiry's row is locked, in the same transaction, so a second
    manager (or a record changed meanwhile) cannot slip a closure past it."""
    assert complete_closure(enquiry, practitioner) == []
    events: list[tuple[str, bool]] = []
    lock, gate = services.lock_status, services.closure_gate

    def spy_lock(*args, **kwargs):
        events.append(("lock", connection.in_atomic_block))
        return lock(*args, **kwargs)

    def spy_gate(*args, **kwargs):
        events.append(("gate", connection.in_atomic_block))
        return gate(*args, **kwargs)

    monkeypatch.setattr(services, "lock_status", spy_lock)
    monkeypatch.setattr(services, "closure_gate", spy_gate)
    services.sign_off_closure(enquiry, manager)
    assert events == [("lock", True), ("gate", True)]
    assert status_of(enquiry) == Enquiry.Status.CLOSED


def test_an_advocacy_referral_not_started_blocks(enquiry, practitioner):
    referral = refer(enquiry)
    gate = services.closure_gate(enquiry)
    assert [item.anchor for item in gate.blocking] == [f"advocacy-{referral.uuid}"]
    assert "started, or that it is not going ahead" in gate.blocking[0].message
    assert complete_closure(enquiry, practitioner) == [gate.blocking[0].message]
    referral.started_on = timezone.localdate()
    referral.save()
    assert services.closure_gate(enquiry).blocking == []
    assert complete_closure(enquiry, practitioner) == []


def test_advocacy_not_going_ahead_lets_the_enquiry_close(enquiry, practitioner, manager):
    referral = refer(enquiry, "imca")
    services.mark_advocacy_not_going_ahead(referral, "  The person has an appropriate friend now ")
    referral.refresh_from_db()
    assert referral.not_going_ahead_on == timezone.localdate()
    assert referral.not_going_ahead_reason == "The person has an appropriate friend now"
    assert complete_closure(enquiry, practitioner) == []
    services.sign_off_closure(enquiry, manager)
    assert status_of(enquiry) == Enquiry.Status.CLOSED


def test_not_going_ahead_needs_a_reason_and_is_said_once(enquiry):
    referral = refer(enquiry)
    with pytest.raises(ValidationError) as refused:
        services.mark_advocacy_not_going_ahead(referral, "   ")
    assert refused.value.message_dict == {
        "not_going_ahead_reason": ["Enter why the advocacy is not going ahead"]
    }
    services.mark_advocacy_not_going_ahead(referral, "Declined")
    with pytest.raises(StateChanged):
        services.mark_advocacy_not_going_ahead(referral, "Declined again")  # a double press
    with pytest.raises(IntegrityError), transaction.atomic():
        AdvocacyReferral.objects.filter(pk=referral.pk).update(not_going_ahead_reason="")


def test_advocacy_that_starts_after_all_is_no_longer_not_going_ahead(enquiry):
    referral = refer(enquiry)
    services.mark_advocacy_not_going_ahead(referral, "Declined")
    services.change_advocacy_referral(referral, {"started_on": timezone.localdate()})
    referral.refresh_from_db()
    assert (referral.not_going_ahead_on, referral.not_going_ahead_reason) == (None, "")


def test_cancelling_without_a_reason_is_refused(enquiry, practitioner):
    action = add_action(enquiry)
    with pytest.raises(ValidationError) as refused:
        services.resolve_action(action, practitioner, "cancelled", cancelled_reason="  ")
    assert refused.value.message_dict == {"cancelled_reason": ["Enter why the action was cancelled"]}
    with pytest.raises(ValidationError):
        services.resolve_action(action, practitioner, "handed_over")
    action.refresh_from_db()
    assert action.is_unresolved
    # The database says the same.
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanAction.objects.filter(pk=action.pk).update(status="cancelled")
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanAction.objects.filter(pk=action.pk).update(status="handed_over")


@pytest.mark.parametrize(
    ("status", "answers"),
    [
        ("done", {}),
        ("cancelled", {"cancelled_reason": "The person moved to her daughter's"}),
        ("handed_over", {"handed_over_to": "Locality Team East"}),
    ],
)
def test_each_resolution_lets_the_enquiry_close(enquiry, practitioner, manager, status, answers):
    action = add_action(enquiry, due_in_days=-1)
    services.resolve_action(action, practitioner, status, **answers)
    action.refresh_from_db()
    assert (action.status, action.resolved_by, action.resolved_on) == (
        status,
        practitioner,
        timezone.localdate(),
    )
    assert (action.done_on is not None) is (status == "done")
    assert not Enquiry.objects.with_overdue_actions().get(pk=enquiry.pk).has_overdue_action
    assert complete_closure(enquiry, practitioner) == []
    services.sign_off_closure(enquiry, manager)
    assert status_of(enquiry) == Enquiry.Status.CLOSED


def test_an_action_is_resolved_once(enquiry, practitioner):
    action = add_action(enquiry)
    stale = PlanAction.objects.get(pk=action.pk)
    services.resolve_action(action, practitioner, "done")
    with pytest.raises(StateChanged):
        services.resolve_action(stale, practitioner, "cancelled", cancelled_reason="Meanwhile")
    action.refresh_from_db()
    assert action.status == "done" and action.cancelled_reason == ""


def test_an_action_done_before_actions_had_a_status_counts_as_done(enquiry, practitioner):
    """Rows from before the status (done_on only: written in bulk, as synthetic data is, or before
    the migration) and code that sets done_on alone both count as done."""
    yesterday = timezone.localdate() - timedelta(days=1)
    PlanAction.objects.bulk_create(
        [PlanAction(enquiry=enquiry, action="Old", owner_agency="Bank", due_on=yesterday, done_on=yesterday)]
    )
    assert PlanAction.objects.get(action="Old").status == PlanAction.Status.OPEN
    saved = add_action(enquiry, due_in_days=-2)
    saved.done_on = yesterday
    saved.save(update_fields=["done_on"])
    assert PlanAction.objects.get(pk=saved.pk).status == PlanAction.Status.DONE
    assert not PlanAction.objects.filter(enquiry=enquiry).unresolved().exists()
    assert not Enquiry.objects.with_overdue_actions().get(pk=enquiry.pk).has_overdue_action
    assert services.closure_gate(enquiry).blocking == []
    assert complete_closure(enquiry, practitioner) == []


def test_the_overdue_count_is_unresolved_actions_past_due(enquiry):
    """Cancelled and handed-over actions are no longer overdue; open ones past due are; due today is
    not overdue."""
    add_action(enquiry, due_in_days=0)
    assert not Enquiry.objects.with_overdue_actions().get(pk=enquiry.pk).has_overdue_action
    late = add_action(enquiry, due_in_days=-1, words="Late")
    assert Enquiry.objects.with_overdue_actions().get(pk=enquiry.pk).has_overdue_action
    services.resolve_action(late, None, "handed_over", handed_over_to="Police")
    assert not Enquiry.objects.with_overdue_actions().get(pk=enquiry.pk).has_overdue_action


def test_warnings_are_shown_but_do_not_block(enquiry, practitioner, manager):
    gate = services.closure_gate(enquiry)
    assert gate.blocking == []
    assert [item.message for item in gate.warnings] == [
        "The person has not been asked for their feedback yet",
        "The adult has not been sent the outcome letter yet",
        "The person who raised the concern has not been sent an update yet",
    ]
    assert complete_closure(enquiry, practitioner) == []
    services.sign_off_closure(enquiry, manager)
    assert status_of(enquiry) == Enquiry.Status.CLOSED


def test_feedback_asked_takes_its_warning_away(enquiry, practitioner):
    services.record_feedback(
        enquiry,
        practitioner,
        {"version": "adult", "asked_by": "practitioner", "asked_on": timezone.localdate()},
    )
    messages = [item.message for item in services.closure_gate(enquiry).warnings]
    assert "The person has not been asked for their feedback yet" not in messages


# --- The closing page ----------------------------------------------------------------------------


def test_the_closing_page_shows_the_gate_with_links(client, enquiry, practitioner):
    action = add_action(enquiry, due_in_days=-2)
    referral = refer(enquiry)
    client.force_login(practitioner)
    page = client.get(url(enquiry, "close/"))
    text = body(page)
    assert "Resolve these before the enquiry can close" in text
    assert f'href="{url(enquiry, f"actions/{action.uuid}/resolve/")}"' in text
    assert f'href="{url(enquiry)}#advocacy-{referral.uuid}"' in text
    assert "govuk-warning-text" in text and "The adult has not been sent the outcome letter yet" in text
    # Sending it anyway: refused, every blocking item in the error summary, linked; nothing saved.
    response = client.post(url(enquiry, "close/"), closure_post())
    assert response.status_code == 200
    assert "The enquiry cannot close yet" in body(response)
    assert "<title>Error: " in body(response)
    assert len(summary_items(response)) == 2
    assert f'<a href="{url(enquiry, f"actions/{action.uuid}/resolve/")}">' in body(response)
    assert status_of(enquiry) == Enquiry.Status.OPEN


def test_the_closing_pages_missing_items_link_to_their_fields(client, enquiry, practitioner):
    client.force_login(practitioner)
    response = client.post(url(enquiry, "close/"), {"msp_asked": NONE_EXPRESSED})
    text = body(response)
    assert "<title>Error: " in text
    for anchor in ("id_closure_reason_0", "id_risk_assessment_outcome_0", "id_mental_capacity_0"):
        assert f'<a href="#{anchor}">' in text, anchor
        assert f'id="{anchor}"' in text, f"{anchor} is not on the page"


def test_with_only_warnings_the_closing_page_sends_it(client, enquiry, practitioner):
    client.force_login(practitioner)
    text = body(client.get(url(enquiry, "close/")))
    assert "Resolve these before" not in text and "The enquiry cannot close yet" not in text
    assert "The person has not been asked for their feedback yet" in text
    assert client.post(url(enquiry, "close/"), closure_post()).status_code == 302
    assert status_of(enquiry) == Enquiry.Status.CLOSURE_REQUESTED


# --- The sign-off page ---------------------------------------------------------------------------


def test_the_sign_off_page_shows_the_gate_and_refuses_approval(client, enquiry, practitioner, manager):
    assert complete_closure(enquiry, practitioner) == []
    action = PlanAction.objects.create(
        enquiry=enquiry, action="Visit", owner_agency="Police", due_on=timezone.localdate() - timedelta(1)
    )
    client.force_login(manager)
    text = body(client.get(url(enquiry, "close/sign-off/")))
    assert "This enquiry cannot be signed off yet" in text
    assert f'href="{url(enquiry)}#action-{action.uuid}"' in text
    assert "govuk-warning-text" in text
    assert_error(client.post(url(enquiry, "close/sign-off/"), {"action": "approve"}), services.GATE_SHUT)
    assert status_of(enquiry) == Enquiry.Status.CLOSURE_REQUESTED
    # The enquiry's page has the action where the link points.
    assert f'id="action-{action.uuid}"' in body(client.get(url(enquiry)))
    response = client.post(
        url(enquiry, "close/sign-off/"), {"action": "return", "returned_comment": "The visit"}
    )
    assert response.status_code == 302 and status_of(enquiry) == Enquiry.Status.OPEN


def test_the_sign_off_page_shows_warnings_and_approves(client, enquiry, practitioner, manager):
    assert complete_closure(enquiry, practitioner) == []
    client.force_login(manager)
    text = body(client.get(url(enquiry, "close/sign-off/")))
    assert "cannot be signed off" not in text
    assert "The person who raised the concern has not been sent an update yet" in text
    assert client.post(url(enquiry, "close/sign-off/"), {"action": "approve"}).status_code == 302
    assert status_of(enquiry) == Enquiry.Status.CLOSED


# --- Resolving an action and advocacy not going ahead, on the pages -----------------------------


def resolve_post(status: str | None, **fields) -> dict:
    data = {**date_parts("resolved_on", timezone.localdate()), **fields}
    if status:
        data["status"] = status
    return data


def test_handing_an_action_over_on_its_page(client, enquiry, practitioner):
    action = add_action(enquiry, due_in_days=-1)
    client.force_login(practitioner)
    page = client.get(url(enquiry, f"actions/{action.uuid}/resolve/"))
    assert page.status_code == 200 and "Change the carer" in body(page)
    response = client.post(
        url(enquiry, f"actions/{action.uuid}/resolve/"),
        resolve_post("handed_over", handed_over_to="Locality Team East"),
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "handed_over" and action.handed_over_to == "Locality Team East"
    assert action.resolved_by == practitioner
    text = body(client.get(url(enquiry)))
    assert "Handed over to Locality Team East" in text
    # Resolved: its page is gone.
    assert client.get(url(enquiry, f"actions/{action.uuid}/resolve/")).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (resolve_post(None), "Select what happened to the action"),
        (resolve_post("cancelled", cancelled_reason="  "), "Enter why the action was cancelled"),
        (resolve_post("handed_over"), "Enter who the action was handed over to"),
        (resolve_post("done", resolved_on_day="40"), "The date must be a real date"),
        (
            resolve_post("done", **date_parts("resolved_on", timezone.localdate() + timedelta(1))),
            "The date must be today or in the past",
        ),
        (resolve_post("sideways"), "Select what happened to the action"),
    ],
)
def test_resolving_an_action_needs_its_answers(client, enquiry, practitioner, data, message):
    action = add_action(enquiry)
    client.force_login(practitioner)
    assert_error(client.post(url(enquiry, f"actions/{action.uuid}/resolve/"), data), message)
    action.refresh_from_db()
    assert action.is_unresolved


def test_marking_advocacy_not_going_ahead_on_its_page(client, enquiry, practitioner):
    referral = refer(enquiry)
    client.force_login(practitioner)
    path = url(enquiry, f"advocacy/{referral.uuid}/not-going-ahead/")
    assert f'href="{path}"' in body(client.get(url(enquiry)))
    assert_error(
        client.post(path, {"not_going_ahead_reason": " "}), "Enter why the advocacy is not going ahead"
    )
    response = client.post(path, {"not_going_ahead_reason": "The person declined it"})
    assert response.status_code == 302
    assert "not going ahead" in body(client.get(url(enquiry)))
    assert client.get(path).status_code == 404, "said once"


def test_a_started_referral_has_no_not_going_ahead_page(client, enquiry, practitioner):
    referral = services.add_record(
        enquiry,
        AdvocacyReferral,
        {"kind": "imca", "referred_on": timezone.localdate(), "started_on": timezone.localdate()},
    )
    client.force_login(practitioner)
    assert client.get(url(enquiry, f"advocacy/{referral.uuid}/not-going-ahead/")).status_code == 404


@pytest.mark.parametrize(
    "persona",
    ["locality_practitioner", "locality_manager", "other_council_user", "partner_referrer", "board_viewer"],
)
def test_the_gate_pages_are_404_to_those_who_may_not_change_the_enquiry(client, request, enquiry, persona):
    action, referral = add_action(enquiry), refer(enquiry)
    client.force_login(request.getfixturevalue(persona))
    for path in (
        url(enquiry, f"actions/{action.uuid}/resolve/"),
        url(enquiry, f"advocacy/{referral.uuid}/not-going-ahead/"),
    ):
        assert client.get(path).status_code == 404, path
        assert client.post(path, resolve_post("done")).status_code == 404, path
    action.refresh_from_db()
    assert action.is_unresolved


def test_once_closure_is_asked_for_the_gate_pages_are_404(client, enquiry, practitioner):
    action, referral = add_action(enquiry), refer(enquiry)
    # Written around the gate (as records from before it were): the enquiry awaits sign-off.
    Enquiry.objects.filter(pk=enquiry.pk).update(status=Enquiry.Status.CLOSURE_REQUESTED)
    client.force_login(practitioner)
    assert client.get(url(enquiry, f"actions/{action.uuid}/resolve/")).status_code == 404
    assert client.get(url(enquiry, f"advocacy/{referral.uuid}/not-going-ahead/")).status_code == 404


# --- Allocation within the team --------------------------------------------------------------------


def offered(response) -> set[str]:
    """The lead practitioner choices the details form offers, by their value (user pk)."""
    select = re.search(r'<select [^>]*name="lead_practitioner".*?</select>', body(response), re.S)
    assert select, "no lead practitioner choice"
    return set(re.findall(r'<option value="(\d+)"', select.group(0)))


def test_a_manager_is_offered_only_their_team(
    client, enquiry, manager, practitioner, locality_practitioner, lead
):
    client.force_login(manager)
    assert offered(client.get(url(enquiry, "details/"))) == {str(manager.pk), str(practitioner.pk)}


def test_the_lead_is_offered_the_whole_council(
    client, enquiry, manager, practitioner, locality_practitioner, lead, locality_manager, other_council_user
):
    client.force_login(lead)
    choices = offered(client.get(url(enquiry, "details/")))
    assert {
        str(u.pk) for u in (manager, practitioner, locality_practitioner, lead, locality_manager)
    } <= choices
    assert str(other_council_user.pk) not in choices


def test_an_inactive_team_member_is_not_offered(client, enquiry, manager, practitioner):
    User.objects.filter(pk=practitioner.pk).update(is_active=False)
    client.force_login(manager)
    assert offered(client.get(url(enquiry, "details/"))) == {str(manager.pk)}


def test_a_manager_cannot_post_someone_from_another_team(
    client, enquiry, manager, practitioner, locality_practitioner
):
    client.force_login(manager)
    response = client.post(url(enquiry, "details/"), {"lead_practitioner": locality_practitioner.pk})
    assert_error(response, "Select someone in your team")
    enquiry.refresh_from_db()
    assert enquiry.lead_practitioner == practitioner


def test_the_service_checks_the_team_too(enquiry, manager, lead, locality_practitioner, locality):
    with pytest.raises(ValidationError) as refused:
        services.allocate(enquiry, locality_practitioner, None, by=manager)
    assert refused.value.message_dict == {"lead_practitioner": ["Select someone in your team"]}
    assert Enquiry.objects.get(pk=enquiry.pk).lead_practitioner_id != locality_practitioner.pk
    services.allocate(enquiry, locality_practitioner, None, by=lead)
    enquiry.refresh_from_db()
    assert enquiry.lead_practitioner == locality_practitioner and enquiry.team == locality
    # Now Locality's: the Front Door manager may no longer hand it back.
    with pytest.raises(ValidationError):
        services.allocate(enquiry, manager, None, by=manager)


def test_another_teams_manager_cannot_open_the_details_page(
    client, enquiry, locality_manager, other_council_user
):
    for user in (locality_manager, other_council_user):
        client.force_login(user)
        assert client.get(url(enquiry, "details/")).status_code == 404
        assert client.post(url(enquiry, "details/"), {"lead_practitioner": user.pk}).status_code == 404


def test_an_enquiry_with_no_team_is_allocated_within_the_managers_team(
    enquiry, manager, practitioner, locality_practitioner
):
    Enquiry.objects.filter(pk=enquiry.pk).update(team=None)
    enquiry.refresh_from_db()
    assert set(services.allocatable_staff(enquiry, manager)) == {manager, practitioner}
    with pytest.raises(ValidationError):
        services.allocate(enquiry, locality_practitioner, None, by=manager)
