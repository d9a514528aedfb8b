"""One-time codes for people without an account (msphub/core/onetime.py)."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import RequestFactory
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from msphub.core import onetime
from msphub.core.models import OneTimeCode

pytestmark = pytest.mark.django_db

PURPOSE, SUBJECT = "concern_status", "CON-2026-000123"


def _sent_code() -> str:
    return mail.outbox[-1].body.split(" is ")[1][:6]


def test_a_code_is_emailed_and_works_once():
    onetime.issue(PURPOSE, SUBJECT, "ann@example.org", label="to see the status of your concern")
    message = mail.outbox[-1]
    assert message.to == ["ann@example.org"]
    assert SUBJECT not in message.body and SUBJECT not in message.subject  # the code and nothing else
    code = _sent_code()
    stored = OneTimeCode.objects.get()
    assert code not in stored.code_hash  # kept only as a keyed hash
    assert onetime.check(PURPOSE, SUBJECT, code)
    assert not onetime.check(PURPOSE, SUBJECT, code)  # used up


def test_a_code_opens_only_its_own_purpose_and_subject():
    onetime.issue(PURPOSE, SUBJECT, "ann@example.org", label="x")
    code = _sent_code()
    assert not onetime.check("feedback", SUBJECT, code)
    assert not onetime.check(PURPOSE, "CON-2026-000124", code)
    assert onetime.check(PURPOSE, SUBJECT, code)


def test_a_text_message_goes_through_the_configured_backend(settings):
    settings.TEXT_MESSAGE_BACKEND = "msphub.core.onetime.OutboxTextMessages"
    onetime.outbox.clear()
    onetime.issue(PURPOSE, SUBJECT, "07700 900123", label="x")
    number, text = onetime.outbox[-1]
    assert number == "07700 900123" and SUBJECT not in text
    assert onetime.check(PURPOSE, SUBJECT, text.split(" is ")[1][:6])


def test_wrong_codes_count_and_five_use_the_code_up():
    onetime.issue(PURPOSE, SUBJECT, "ann@example.org", label="x")
    code = _sent_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(onetime.MAX_ATTEMPTS):
        assert not onetime.check(PURPOSE, SUBJECT, wrong)
    assert not onetime.check(PURPOSE, SUBJECT, code)  # too many tries: even the right code fails


def test_a_code_lapses_and_a_new_one_replaces_the_old():
    onetime.issue(PURPOSE, SUBJECT, "ann@example.org", label="x")
    first = _sent_code()
    onetime.issue(PURPOSE, SUBJECT, "ann@example.org", label="x")
    second = _sent_code()
    if first != second:
        assert not onetime.check(PURPOSE, SUBJECT, first)
    with time_machine.travel(timezone.now() + onetime.LIFETIME + timedelta(seconds=1)):
        assert not onetime.check(PURPOSE, SUBJECT, second)


def test_lapsed_codes_are_removed_a_day_later():
    onetime.issue(PURPOSE, SUBJECT, "ann@example.org", label="x")
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        onetime.issue(PURPOSE, "CON-2026-000124", "bob@example.org", label="x")
    assert list(OneTimeCode.objects.values_list("subject", flat=True)) == ["CON-2026-000124"]


def test_the_session_remembers_a_verified_subject_for_a_while():
    request = RequestFactory().get("/")
    from django.contrib.sessions.backends.db import SessionStore

    request.session = SessionStore()
    assert onetime.verified_subject(request, PURPOSE) is None
    onetime.remember(request, PURPOSE, SUBJECT)
    assert onetime.verified_subject(request, PURPOSE) == SUBJECT
    assert onetime.verified_subject(request, "feedback") is None
    with time_machine.travel(timezone.now() + onetime.SESSION_LIFETIME + timedelta(seconds=1)):
        assert onetime.verified_subject(request, PURPOSE) is None
    onetime.forget(request, PURPOSE)
    assert onetime.verified_subject(request, PURPOSE) is None


@pytest.mark.parametrize(
    "given_value, email, phone, same",
    [
        ("Ann@Example.org ", "ann@example.org", "", True),
        ("ann@example.org", "other@example.org", "", False),
        ("+44 7700 900123", "", "07700900123", True),
        ("07700-900-123", "", "+447700900123", True),
        ("0770090012", "", "07700900123", False),
        ("", "", "", False),
        ("ann@example.org", "", "07700900123", False),
        ("123", "", "123", False),  # too short to be a phone number
    ],
)
def test_same_contact(given_value, email, phone, same):
    assert onetime.same_contact(given_value, email, phone) is same


@given(st.from_regex(r"07[0-9]{9}", fullmatch=True), st.sampled_from(["", " ", "-"]))
def test_a_uk_mobile_matches_however_it_is_spaced_or_prefixed(number, sep):
    spaced = sep.join([number[:5], number[5:]])
    international = "+44" + sep + number[1:]
    assert onetime.same_contact(spaced, "", number)
    assert onetime.same_contact(international, "", number)
    assert onetime.normalise_phone(international) == number
