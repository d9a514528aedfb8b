"""The access log is a hash chain (AccessLog.objects.append) that manage.py verify_access_log checks,
and sign-ins, failed sign-ins and sign-outs are entries in it (core.signals)."""

import hashlib
import threading
import uuid
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from msphub.core.access import log_view
from msphub.core.management.commands.verify_access_log import Command
from msphub.core.models import AccessEvent, AccessLog
from msphub.core.signals import username_hash
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def append(user, n: int = 1, page: str = "/concerns/CON-2026-000001/") -> list[AccessLog]:
    return [
        AccessLog.objects.append(
            user=user,
            record_type="concerns.concern",
            record_id=uuid.uuid4(),
            record_reference=f"CON-2026-{i:06d}",
            page=page,
        )
        for i in range(n)
    ]


def verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_access_log", *args, stdout=out)
    return out.getvalue()


def broken(*args: str) -> str:
    with pytest.raises(CommandError) as raised:
        verify(*args)
    assert raised.value.returncode == 1
    return str(raised.value)


# --- The chain ----------------------------------------------------------------------------------------


def test_appending_builds_a_chain_each_entry_linked_to_the_one_before(practitioner):
    written = append(practitioner, 3)
    stored = list(AccessLog.objects.order_by("sequence"))
    assert [e.pk for e in stored] == [e.pk for e in written]
    assert [e.sequence for e in stored] == [1, 2, 3]
    assert stored[0].previous_hash == ""
    assert [e.previous_hash for e in stored[1:]] == [e.entry_hash for e in stored[:-1]]
    # The hash made before the insert is the one computed from the row the database gives back.
    assert all(len(e.entry_hash) == 64 and e.entry_hash == e.compute_hash() for e in stored)
    assert len({e.entry_hash for e in stored}) == 3
    assert stored[0].at <= stored[1].at <= stored[2].at


def test_the_hash_covers_every_field_but_itself():
    columns = {f.attname for f in AccessLog._meta.concrete_fields}
    assert set(AccessLog.HASHED_FIELDS) == columns - {"entry_hash"}


def test_the_hash_is_of_a_canonical_serialisation_with_the_time_in_utc(practitioner):
    with time_machine.travel(datetime(2026, 7, 1, 12, 30, tzinfo=LONDON), tick=False):  # BST
        (entry,) = append(practitioner)
    text = entry.canonical().decode()
    assert '"at":"2026-07-01T11:30:00.000000+00:00"' in text
    assert f'"previous_hash":"","record_id":"{entry.record_id}"' in text
    assert f'"sequence":1,"user_id":"{practitioner.pk}","username_hash":"","v":1}}' in text
    assert entry.entry_hash == hashlib.sha256(text.encode()).hexdigest()


def test_values_are_stored_as_hashed_even_when_given_loosely(practitioner):
    record = uuid.uuid4()
    AccessLog.objects.append(
        user=practitioner, record_type="people.person", record_id=str(record).upper(), page="/x" * 150
    )
    entry = AccessLog.objects.get()
    assert entry.record_id == record
    assert len(entry.page) == 200
    assert entry.compute_hash() == entry.entry_hash
    assert "intact" in verify()


def test_rows_are_written_only_by_append(practitioner):
    with pytest.raises(TypeError, match="append"):
        AccessLog.objects.create(user=practitioner, record_type="x", record_id=uuid.uuid4(), page="/")
    (entry,) = append(practitioner)
    entry.page = "/elsewhere/"
    with pytest.raises(TypeError, match="append"):
        entry.save()
    with pytest.raises(TypeError, match="itself"):
        AccessLog.objects.append(user=practitioner, page="/", at=timezone.now())


def test_viewing_a_record_appends_to_the_chain(practitioner, make_person):
    append(practitioner, 2)
    person = make_person()
    request = RequestFactory().get(f"/people/{person.uuid}/")
    request.user = practitioner
    log_view(request, person)
    newest = AccessLog.objects.get(sequence=3)
    assert newest.record_id == person.uuid
    assert newest.previous_hash == AccessLog.objects.get(sequence=2).entry_hash


# --- verify_access_log ----------------------------------------------------------------------------------


def test_verify_passes_with_no_entries():
    assert "no chained entries yet" in verify()


def test_verify_exits_0_on_an_intact_chain_and_prints_the_newest_entry(practitioner):
    entries = append(practitioner, 5)
    out = verify()
    assert "Access log chain intact: 5 entries" in out
    assert f"Newest: 5:{entries[-1].entry_hash}" in out


def test_verify_names_an_entry_changed_in_place(practitioner):
    entries = append(practitioner, 5)
    AccessLog.objects.filter(pk=entries[2].pk).update(page="/somewhere-else/")
    message = broken()
    assert f"entry {entries[2].pk} (#3) was changed" in message
    for other in (entries[0], entries[1], entries[3], entries[4]):
        assert str(other.pk) not in message


@pytest.mark.parametrize(
    "change",
    [
        {"user": None},
        {"at": timezone.now() - timedelta(days=1)},
        {"record_id": uuid.uuid4()},
        {"action": AccessEvent.SIGN_IN},
        {"ip_address": "10.0.0.1"},
        {"entry_hash": "0" * 64},
    ],
    ids=lambda change: next(iter(change)),
)
def test_verify_finds_a_change_to_any_field(practitioner, change):
    entries = append(practitioner, 3)
    AccessLog.objects.filter(pk=entries[1].pk).update(**change)
    assert f"entry {entries[1].pk} (#2) was changed" in broken()


def test_verify_names_the_entry_after_one_removed(practitioner):
    entries = append(practitioner, 5)
    AccessLog.objects.filter(pk=entries[2].pk).delete()
    message = broken()
    assert f"entry {entries[3].pk} (#4): the entry before it was removed (entry #3 missing)" in message


def test_verify_finds_several_removed_and_the_first_removed(practitioner):
    entries = append(practitioner, 6)
    AccessLog.objects.filter(pk__in=[entries[2].pk, entries[3].pk]).delete()
    assert f"entry {entries[4].pk} (#5): the entry before it was removed (entries #3 to #4" in broken()
    AccessLog.objects.filter(pk=entries[0].pk).delete()
    assert f"entry {entries[1].pk} (#2) is the first in the chain: entry #1 before it removed" in broken()


def test_verify_finds_an_entry_taken_out_of_the_chain(practitioner):
    entries = append(practitioner, 4)
    AccessLog.objects.filter(pk=entries[1].pk).update(sequence=None, previous_hash="", entry_hash="")
    assert f"entry {entries[2].pk} (#3): the entry before it was removed" in broken()


def test_verify_finds_a_first_entry_relinked_with_its_hash_recomputed(practitioner):
    entries = append(practitioner, 2)
    first = AccessLog.objects.get(pk=entries[0].pk)
    first.previous_hash = "f" * 64
    AccessLog.objects.filter(pk=first.pk).update(
        previous_hash=first.previous_hash, entry_hash=first.compute_hash()
    )
    assert f"entry {first.pk} (#1) does not start the chain" in broken()


def test_verify_finds_a_relinked_entry(practitioner):
    """Removing an entry and renumbering the next one to close the gap changes that entry."""
    entries = append(practitioner, 4)
    AccessLog.objects.filter(pk=entries[1].pk).delete()
    AccessLog.objects.filter(pk=entries[2].pk).update(sequence=2, previous_hash=entries[0].entry_hash)
    assert f"entry {entries[2].pk} (#2) was changed" in broken()


def test_an_anchor_shows_the_newest_entries_were_removed(practitioner):
    entries = append(practitioner, 4)
    anchor = f"4:{entries[3].entry_hash}"
    assert "intact" in verify("--anchor", anchor)
    append(practitioner, 1)
    assert "intact: 5 entries" in verify("--anchor", anchor)
    AccessLog.objects.filter(sequence__gte=4).delete()
    assert "the anchored entry #4 and any after it were removed" in broken("--anchor", anchor)
    assert f"entry {entries[2].pk} (#3) is not the anchored entry" in broken("--anchor", f"3:{'a' * 64}")
    with pytest.raises(CommandError, match="SEQUENCE:HASH"):
        verify("--anchor", "four")


def test_entries_from_before_the_chain_are_counted_not_checked(practitioner):
    long_ago = timezone.now() - timedelta(days=400)
    AccessLog.objects.bulk_create(  # as the rows written before the chain existed: no sequence, no hash
        AccessLog(at=long_ago, user=practitioner, record_type="x", record_id=uuid.uuid4(), page="/")
        for _ in range(2)
    )
    append(practitioner, 2)
    assert "2 entries; 2 earlier entries predate the chain" in verify()


def test_an_entry_added_outside_the_chain_is_found(practitioner):
    append(practitioner, 2)
    (sneaked,) = AccessLog.objects.bulk_create(
        [AccessLog(user=practitioner, record_type="x", record_id=uuid.uuid4(), page="/")]
    )
    assert f"entry {sneaked.pk} is not in the chain but was written after the chain began" in broken()


def test_the_command_line_exits_1_with_the_message_on_stderr(practitioner, capsys, monkeypatch):
    # run_from_argv is what manage.py calls; it closes the connections after, the test's own too.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    entries = append(practitioner, 3)
    Command().run_from_argv(["manage.py", "verify_access_log"])  # intact: returns, exit status 0
    AccessLog.objects.filter(pk=entries[1].pk).update(record_reference="CON-2026-999999")
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "verify_access_log"])
    assert exited.value.code == 1
    assert f"entry {entries[1].pk} (#2) was changed" in capsys.readouterr().err


# --- Sign-ins ---------------------------------------------------------------------------------------------


def test_sign_in_failure_success_and_sign_out_are_logged(client, practitioner):
    wrong = client.post(reverse("login"), {"username": practitioner.username, "password": "not-it"})
    assert wrong.status_code == 200
    right = client.post(reverse("login"), {"username": practitioner.username, "password": PASSWORD})
    assert right.status_code == 302
    assert client.post(reverse("logout")).status_code == 302

    failed, signed_in, signed_out = AccessLog.objects.order_by("sequence")
    assert [e.action for e in (failed, signed_in, signed_out)] == [
        AccessEvent.SIGN_IN_FAILED,
        AccessEvent.SIGN_IN,
        AccessEvent.SIGN_OUT,
    ]
    assert failed.user is None
    assert failed.username_hash == username_hash(practitioner.username)
    assert signed_in.user == practitioner and signed_in.username_hash == ""
    assert signed_out.user == practitioner
    for entry in (failed, signed_in, signed_out):
        assert entry.ip_address == "127.0.0.1"
        assert entry.record_type == "" and entry.record_id is None
        assert entry.page in (reverse("login"), reverse("logout"))
        stored = " ".join(str(getattr(entry, f)) for f in AccessLog.HASHED_FIELDS + ("entry_hash",))
        for secret in (practitioner.username, "not-it", PASSWORD, practitioner.email):
            assert secret not in stored
    assert "intact: 3 entries" in verify()


def test_a_failed_sign_in_for_no_such_user_keeps_only_a_hash(client):
    client.post(reverse("login"), {"username": "Someone@Example.org", "password": "guess"})
    entry = AccessLog.objects.get()
    assert entry.action == AccessEvent.SIGN_IN_FAILED
    assert entry.user is None
    assert entry.username_hash == username_hash("someone@example.org")
    assert "someone" not in entry.canonical().decode().lower()


def test_a_sign_in_made_by_code_is_not_logged(client, practitioner):
    client.force_login(practitioner)
    client.logout()
    assert not AccessLog.objects.exists()


def test_the_username_hash_is_keyed():
    assert username_hash("pat") == username_hash(" PAT ")
    assert username_hash("pat") != hashlib.sha256(b"pat").hexdigest()
    assert len(username_hash("pat")) == 64


# --- Concurrent writers ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_line(practitioner):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has one writer at a time")
    errors: list[Exception] = []
    start = threading.Barrier(8)

    def write() -> None:
        try:
            start.wait()
            append(practitioner, 5)
        except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(AccessLog.objects.values_list("sequence", flat=True)) == list(range(1, 41))
    assert "intact: 40 entries" in verify()
