"""The 24-hour first-contact measure (data.md, MSP measure 2): explicit times, no clock races."""

from datetime import UTC, datetime, timedelta

import pytest

from msphub.concerns import services
from msphub.concerns.models import Concern, FirstContact

# A fixed moment with whole seconds (British Summer Time, to catch any local/UTC slip).
RECEIVED = datetime(2026, 6, 1, 9, 30, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
SECOND = timedelta(seconds=1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def concern_received(make_concern):
    def make(received_at=RECEIVED, **overrides) -> Concern:
        return make_concern(received_at=received_at, **overrides)

    return make


def contact(concern, user, at) -> FirstContact:
    return FirstContact.objects.create(
        concern=concern,
        contact_at=at,
        method=FirstContact.Method.PHONE,
        spoke_with=FirstContact.SpokeWith.ADULT,
        recorded_by=user,
        wants="For the carer to be changed",
    )


def within_target() -> set[str]:
    return set(Concern.objects.first_contact_within_target().values_list("reference", flat=True))


def overdue(now) -> set[str]:
    return set(Concern.objects.first_contact_overdue(now).values_list("reference", flat=True))


# --- Spoken to within 24 hours -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "counts"),
    [
        (timedelta(0), True),
        (timedelta(hours=1), True),
        (timedelta(hours=23, minutes=59), True),
        (DAY - SECOND, True),
        (DAY, True),  # exactly 24 hours counts
        (DAY + SECOND, False),
        (DAY + timedelta(minutes=1), False),
        (timedelta(days=3), False),
    ],
)
def test_within_target_boundary(concern_received, practitioner, offset, counts):
    concern = concern_received()
    contact(concern, practitioner, RECEIVED + offset)
    assert (concern.reference in within_target()) is counts


def test_within_target_judges_each_concern_against_its_own_received_time(concern_received, practitioner):
    early = concern_received(RECEIVED)
    late = concern_received(RECEIVED + timedelta(hours=10))
    # Both spoken to at the same moment: 30 hours after the first, 20 after the second.
    contact(early, practitioner, RECEIVED + timedelta(hours=30))
    contact(late, practitioner, RECEIVED + timedelta(hours=30))
    assert within_target() == {late.reference}


def test_earliest_contact_is_the_one_that_counts(concern_received, practitioner):
    met = concern_received()
    contact(met, practitioner, RECEIVED + timedelta(hours=30))
    contact(met, practitioner, RECEIVED + timedelta(hours=2))
    missed = concern_received()
    contact(missed, practitioner, RECEIVED + timedelta(hours=48))
    contact(missed, practitioner, RECEIVED + DAY + SECOND)
    assert within_target() == {met.reference}

    annotated = {c.reference: c.first_contact_at for c in Concern.objects.filter(pk__in=[met.pk, missed.pk])}
    assert annotated == {
        met.reference: RECEIVED + timedelta(hours=2),
        missed.reference: RECEIVED + DAY + SECOND,
    }


def test_concern_without_contact_is_not_within_target(concern_received):
    concern_received()
    assert within_target() == set()


def test_first_contact_recorded_through_services_counts(concern_received, practitioner):
    concern = concern_received()
    services.record_first_contact(
        concern,
        practitioner,
        {
            "contact_at": RECEIVED + DAY,
            "method": "home",
            "spoke_with": "representative",
            "representative_name": "Jo Marsh (daughter)",
            "wants": "Mum wants to stay at home",
        },
    )
    assert within_target() == {concern.reference}
    assert concern.first_contact_due() == RECEIVED + DAY


# --- Overdue first contact -----------------------------------------------------------------------


def test_overdue_boundary(concern_received):
    now = RECEIVED + DAY + timedelta(hours=5)
    exactly_24h = concern_received(now - DAY)
    just_over = concern_received(now - DAY - SECOND)
    just_under = concern_received(now - DAY + SECOND)
    long_ago = concern_received(now - timedelta(days=10))
    assert overdue(now) == {just_over.reference, long_ago.reference}
    assert exactly_24h.reference not in overdue(now)
    assert just_under.reference not in overdue(now)


def test_overdue_moves_with_now(concern_received):
    concern = concern_received()
    assert overdue(RECEIVED + DAY) == set()
    assert overdue(RECEIVED + DAY + SECOND) == {concern.reference}


def test_closed_concern_is_not_overdue(concern_received):
    closed = concern_received()
    Concern.objects.filter(pk=closed.pk).update(status=Concern.Status.CLOSED)
    still_open = concern_received()
    assert overdue(RECEIVED + timedelta(days=5)) == {still_open.reference}


@pytest.mark.parametrize("offset", [timedelta(hours=1), timedelta(days=3)])
def test_concern_with_a_contact_is_not_overdue(concern_received, practitioner, offset):
    spoken_to = concern_received()
    contact(spoken_to, practitioner, RECEIVED + offset)
    not_spoken_to = concern_received()
    assert overdue(RECEIVED + timedelta(days=5)) == {not_spoken_to.reference}


def test_overdue_lists_each_concern_once(concern_received):
    concern = concern_received()
    qs = Concern.objects.first_contact_overdue(RECEIVED + timedelta(days=2))
    assert list(qs.values_list("reference", flat=True)) == [concern.reference]


# --- The concern's first spoken to, kept by its contacts ------------------------------------------


def test_the_concern_keeps_its_earliest_counted_contact_as_contacts_come_and_go(
    concern_received, practitioner
):
    """Concern.first_contact_at follows its contacts: an earlier one recorded later, one marked
    entered in error, one deleted; a concern saved whole from an instance read before any of it
    does not put back what it was read with; and it is not in the concern's history."""
    concern = concern_received()
    read_before = Concern.objects.get(pk=concern.pk)
    assert read_before.first_contact_at is None

    def spoken_to():
        return Concern.objects.get(pk=concern.pk).first_contact_at

    later = contact(concern, practitioner, RECEIVED + timedelta(hours=30))
    assert spoken_to() == later.contact_at
    earlier = contact(concern, practitioner, RECEIVED + timedelta(hours=3))
    assert spoken_to() == earlier.contact_at
    services.mark_contact_in_error(earlier, practitioner, "The wrong adult")
    assert spoken_to() == later.contact_at

    read_before.team = None
    read_before.save()  # whole, from before the contacts
    assert spoken_to() == later.contact_at

    later.delete()
    assert spoken_to() is None
    assert not hasattr(concern.history.model, "first_contact_at")


def test_a_bulk_change_of_contacts_is_put_right_by_refreshing(concern_received, practitioner):
    concern = concern_received()
    first = contact(concern, practitioner, RECEIVED + timedelta(hours=2))
    FirstContact.objects.filter(pk=first.pk).update(entered_in_error_at=RECEIVED + DAY)
    assert Concern.objects.get(pk=concern.pk).first_contact_at == first.contact_at  # stale
    assert Concern.objects.filter(pk=concern.pk).refresh_first_contact() == 1
    assert Concern.objects.get(pk=concern.pk).first_contact_at is None
