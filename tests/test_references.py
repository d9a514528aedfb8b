"""References people can read aloud: a prefix, the year and a sequence (data.md)."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from msphub.core.models import ReferenceSequence

LONDON = ZoneInfo("Europe/London")
REFERENCE_RE = re.compile(r"^CON-\d{4}-\d{6}$")

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime(2026, 6, 15, 10, 0, tzinfo=LONDON), tick=False)
def test_sequence_starts_at_one_and_counts_up():
    first = ReferenceSequence.next_reference("CON")
    second = ReferenceSequence.next_reference("CON")
    assert first == "CON-2026-000001"
    assert second == "CON-2026-000002"
    assert REFERENCE_RE.match(first)
    assert REFERENCE_RE.match(second)
    assert ReferenceSequence.objects.get(prefix="CON", year=2026).last == 2


@time_machine.travel(datetime(2026, 6, 15, 10, 0, tzinfo=LONDON), tick=False)
def test_each_prefix_has_its_own_sequence():
    assert ReferenceSequence.next_reference("CON") == "CON-2026-000001"
    assert ReferenceSequence.next_reference("CON") == "CON-2026-000002"
    assert ReferenceSequence.next_reference("ENQ") == "ENQ-2026-000001"
    assert ReferenceSequence.next_reference("CON") == "CON-2026-000003"
    assert ReferenceSequence.next_reference("ENQ") == "ENQ-2026-000002"


def test_each_year_has_its_own_sequence():
    with time_machine.travel(datetime(2026, 12, 31, 23, 59, tzinfo=LONDON), tick=False):
        assert ReferenceSequence.next_reference("CON") == "CON-2026-000001"
        assert ReferenceSequence.next_reference("CON") == "CON-2026-000002"
    with time_machine.travel(datetime(2027, 1, 1, 0, 1, tzinfo=LONDON), tick=False):
        assert ReferenceSequence.next_reference("CON") == "CON-2027-000001"
    with time_machine.travel(datetime(2026, 7, 1, 9, 0, tzinfo=LONDON), tick=False):
        # Back in 2026 the 2026 sequence carries on where it stopped.
        assert ReferenceSequence.next_reference("CON") == "CON-2026-000003"
    assert set(ReferenceSequence.objects.values_list("year", "last")) == {(2026, 3), (2027, 1)}


def test_year_is_the_councils_local_year():
    # 23:30 on New Year's Eve in New York is 04:30 on 1 January in London.
    new_york_nye = datetime(2026, 12, 31, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    assert ReferenceSequence.next_reference("CON", when=new_york_nye) == "CON-2027-000001"


def test_explicit_when_chooses_the_year():
    when = datetime(2025, 3, 31, 12, 0, tzinfo=LONDON)
    assert ReferenceSequence.next_reference("ENQ", when=when) == "ENQ-2025-000001"
    assert ReferenceSequence.next_reference("ENQ", when=when) == "ENQ-2025-000002"


@time_machine.travel(datetime(2026, 6, 15, 10, 0, tzinfo=LONDON), tick=False)
def test_a_rolled_back_transaction_does_not_use_up_a_number():
    with pytest.raises(RuntimeError), transaction.atomic():
        assert ReferenceSequence.next_reference("CON") == "CON-2026-000001"
        raise RuntimeError("form failed after the reference was issued")
    assert ReferenceSequence.next_reference("CON") == "CON-2026-000001"


@time_machine.travel(datetime(2026, 6, 15, 10, 0, tzinfo=LONDON), tick=False)
def test_raised_concerns_get_consecutive_readable_references(make_concern):
    first, second = make_concern(), make_concern()
    assert REFERENCE_RE.match(first.reference)
    assert (first.reference, second.reference) == ("CON-2026-000001", "CON-2026-000002")
