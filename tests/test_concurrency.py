"""Writes that race: found by the load test (bench/locustfile.py) and pinned down here.

The threaded test needs PostgreSQL's row locks; SQLite serialises writers, so it is skipped there.
"""

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

    with transaction.atomic():
        # Hold the reference sequence so both presses get past the token check and wait here.
        ReferenceSequence.objects.select_for_update().get(prefix="CON")
        presses = [threading.Thread(target=press) for _ in range(2)]
        for thread in presses:
            thread.start()
        waited = 0
        while waited < 200 and _waiting_on_locks() < 2:
            threading.Event().wait(0.05)
            waited += 1
    for thread in presses:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(created for _, created in results) == [False, True]
    assert len({concern.pk for concern, _ in results}) == 1
    assert Concern.objects.filter(submission_token=token).count() == 1


def _waiting_on_locks() -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]
