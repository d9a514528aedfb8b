"""Writes that race: found by the load test (bench/locustfile.py) and pinned down here.

The threaded test needs PostgreSQL's row locks; SQLite serialises writers, so it is skipped there.
"""

import functools
import threading
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections, transaction

from msphub.concerns import services as concern_services
from msphub.concerns.models import Concern
from msphub.core.models import ReferenceSequence
from msphub.enquiries import services
from msphub.enquiries.models import Enquiry
from tests.conftest import concern_answers
from tests.enquiry_fixtures import (
    request_complete_closure,
)


@pytest.mark.django_db
def test_a_closure_decided_meanwhile_cannot_be_signed_off_again(enquiry, practitioner, manager):
    """Two managers open the sign-off page; the first approves; the second's approval is refused."""
    request_complete_closure(enquiry, practitioner)
    seen_by_second_manager = Enquiry.objects.get(pk=enquiry.pk)
    services.sign_off_closure(Enquiry.objects.get(pk=enquiry.pk), manager)
    with pytest.raises(PermissionDenied):
        services.sign_off_closure(seen_by_second_manager, manager)
    with pytest.raises(PermissionDenied):
        services.return_closure(seen_by_second_manager, manager, "Too late")
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.CLOSED
    assert enquiry.closure_returned_comment == ""


@pytest.mark.django_db(transaction=True)
def test_a_double_press_racing_on_the_reference_lock_gives_one_concern(council):
    """Both presses pass the "already made?" check, then queue on the reference number's row lock.

    The second must be answered with the first's concern, not an error page.
    """
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks to hold both presses at the same point")
    token = uuid.uuid4()
    ReferenceSequence.next_reference("CON")  # the row both presses will lock
    results: list = []
    errors: list = []

    def press() -> None:
        try:
            results.append(concern_services.raise_concern(concern_answers(), council, token))
        except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(error)
        finally:
            connections.close_all()

    # Hold the reference sequence so both presses get past the token check and wait there.
    _run_held_at(ReferenceSequence.objects.filter(prefix="CON"), [press, press])
    assert errors == []
    assert sorted(created for _, created in results) == [False, True]
    assert len({concern.pk for concern, _ in results}) == 1
    assert Concern.objects.filter(submission_token=token).count() == 1


def _run_held_at(rows, presses) -> None:
    """Lock ``rows``, start each press in its own thread, let go once all of them wait on the lock
    (or after 10 s), and wait for them to finish."""
    with transaction.atomic():
        list(rows.select_for_update())
        threads = [threading.Thread(target=press) for press in presses]
        for thread in threads:
            thread.start()
        waited = 0
        while waited < 200 and _waiting_on_locks() < len(threads):
            threading.Event().wait(0.05)
            waited += 1
        assert waited < 200, "the presses never both waited on the lock"
    for thread in threads:
        thread.join(timeout=30)


def _waiting_on_locks() -> int:
    with connections["default"].cursor() as cursor:
        # The statistics views keep one snapshot per transaction, and the caller holds the lock in
        # one: without clearing it, every look sees the moment before the presses connected (and
        # the wait always ran its full 10 s, the presses going through one after the other).
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_approve_and_return_pressed_at_once_one_wins(council, front_door, practitioner, manager):
    """Two managers press "approve" and "return" on the same decision at the same moment (issue 11:
    both used to succeed, leaving a closed concern whose decision was signed off and returned).

    Real requests, each in its own thread and connection, held at the concern's row lock until both
    wait there: exactly one changes the concern, the other is told it was decided meanwhile.
    """
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks to hold both presses at the same point")
    from django.contrib.messages import get_messages
    from django.test import Client
    from django.urls import reverse

    from msphub.accounts.models import Role
    from msphub.concerns.models import Decision
    from tests.conftest import _user, new_concern, new_person

    second_manager = _user("max_manager", council, Role.TEAM_MANAGER, front_door)
    concern = new_concern(council, adult_given_name="Fenella", adult_family_name="Quorn")
    concern_services.link_person(concern, new_person(council, team=front_door), practitioner)
    concern_services.record_decision(
        concern,
        practitioner,
        {
            "outcome": "s42",
            "criterion_care_needs": True,
            "criterion_abuse_risk": True,
            "criterion_cannot_protect": True,
            "rationale": "All three section 42 criteria are met.",
            "lead_practitioner": practitioner,
        },
    )
    url = reverse("concerns:sign_off", args=[concern.reference])
    presses = {
        "approve": (manager, {"action": "approve"}),
        "return": (second_manager, {"action": "return", "returned_comment": "Speak to the GP first"}),
    }
    clients = {}
    for name, (user, _) in presses.items():
        clients[name] = Client()
        clients[name].force_login(user)
    told: dict[str, list[str]] = {}
    errors: list = []

    def press(name: str) -> None:
        try:
            response = clients[name].post(url, presses[name][1])
            told[name] = [str(m) for m in get_messages(response.wsgi_request)]
        except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(error)
        finally:
            connections.close_all()

    _run_held_at(Concern.objects.filter(pk=concern.pk), [functools.partial(press, name) for name in presses])
    assert errors == []
    refused = [name for name, words in told.items() if any("by someone else" in w for w in words)]
    assert len(refused) == 1, f"exactly one press is refused; messages: {told}"
    decision = Decision.objects.get(concern=concern)
    concern.refresh_from_db()
    winner = ({"approve", "return"} - set(refused)).pop()
    if winner == "approve":
        assert (concern.status, decision.returned_comment) == (Concern.Status.ENQUIRY, "")
        assert decision.signed_off_at is not None
    else:
        assert (concern.status, decision.signed_off_at) == (Concern.Status.TRIAGE, None)
        assert decision.returned_comment == "Speak to the GP first"
