"""Restricting a record without surprises (issue 13, item 7): before a restriction takes a record
away from someone working on it (the lead practitioner of an open enquiry, the practitioner an open
concern is with, a partner making an enquiry), the lead is told who and asked to confirm."""

from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from msphub.concerns import services as concern_services
from msphub.enquiries.models import Enquiry
from msphub.people import services
from msphub.people.models import EmergencyAccess, Person
from tests.conftest import Cast, new_concern, new_person, per_test
from tests.enquiry_fixtures import assert_error, body, open_enquiry

pytestmark = pytest.mark.django_db

WARNING = "These people will lose access to the record and the work they have on it"
CONFIRM_MISSING = "Select yes to remove their access, or no to name them so they keep it"
SAID_NO = "Select the people who should keep access, or select yes to remove their access"
CHANGED = "The people who will lose access have changed: check the list and answer again"


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    """Edna Marsh: an open enquiry led by the Front Door practitioner, made by the NHS trust; a
    concern still at the front door with the locality practitioner; a closed concern of the manager's."""
    with django_db_blocker.unblock():
        cast = Cast()
        edna = new_person(cast.council, team=cast.front_door)
        enquiry = open_enquiry(new_concern(cast.council), edna, cast.practitioner, cast.manager)
        enquiry.making_organisation = cast.nhs_trust
        enquiry.save(update_fields=["making_organisation"])
        concern = new_concern(cast.council)
        concern_services.link_person(concern, edna, cast.locality_practitioner)
        return SimpleNamespace(cast=cast, edna=edna, enquiry=enquiry, concern=concern)


@pytest.fixture
def world(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


def page(person: Person) -> str:
    return reverse("people:restriction", args=[person.uuid])


def as_lead(client, world):
    client.force_login(world.cast.lead)
    return client


def shown(world) -> list[str]:
    """Who restricting Edna's record, naming nobody, locks out, as the page lists them."""
    return [
        f"Pat Tester (leads {world.enquiry.reference})",
        f"Enquiry officers at Riverside NHS Trust (making {world.enquiry.reference})",
        f"Lee Tester (has {world.concern.reference})",
    ]


# --- Who would lose access (the service) ---------------------------------------------------------


def test_who_would_lose_access(world):
    edna, cast = world.edna, world.cast
    locked = services.locked_out_by(edna, True, [])
    assert [str(item) for item in locked] == shown(world)
    assert services.locked_out_by(edna, False, []) == [], "lifting or not restricting locks nobody out"
    # Those named keep it.
    named = services.locked_out_by(edna, True, [cast.practitioner, cast.locality_practitioner])
    assert [item.who for item in named] == ["Enquiry officers at Riverside NHS Trust"]


def test_the_lead_and_emergency_access_keep_access(world):
    cast = world.cast
    Enquiry.objects.filter(pk=world.enquiry.pk).update(lead_practitioner=cast.lead)
    assert [item.who for item in services.locked_out_by(world.edna, True, [])] == [
        "Enquiry officers at Riverside NHS Trust",
        "Lee Tester",
    ]
    EmergencyAccess.objects.create(
        person=world.edna, user=cast.locality_practitioner, reason="The adult is at the front desk now"
    )
    assert "Lee Tester" not in [item.who for item in services.locked_out_by(world.edna, True, [])]


def test_closed_work_and_those_who_cannot_see_it_already_are_not_listed(world):
    cast = world.cast
    # Already restricted, naming only the practitioner: the others cannot see it now, so they
    # lose nothing; the practitioner, if no longer named, does.
    services.restrict(world.edna, True, [cast.practitioner])
    world.edna.refresh_from_db()
    assert [str(item) for item in services.locked_out_by(world.edna, True, [])] == [shown(world)[0]]
    assert services.locked_out_by(world.edna, True, [cast.practitioner]) == []


def test_a_closed_enquiry_locks_nobody_out(world, make_person, practitioner, manager, make_concern):
    person = make_person(family_name="Closedwell")
    enquiry = open_enquiry(make_concern(), person, practitioner, manager)
    enquiry.status = "closed"
    enquiry.closed_at = timezone.now()
    enquiry.save(update_fields=["status", "closed_at"])
    assert services.locked_out_by(person, True, []) == []


# --- The page ------------------------------------------------------------------------------------


def test_restricting_says_who_will_lose_access_and_waits_for_the_lead(client, world):
    as_lead(client, world)
    response = client.post(page(world.edna), {"restricted": "on"})
    assert_error(response, CONFIRM_MISSING)
    text = body(response)
    assert WARNING in text
    for line in shown(world):
        assert line in text
    assert 'name="confirm_lock_out"' in text and 'name="lock_out_seen"' in text
    world.edna.refresh_from_db()
    assert not world.edna.restricted, "nothing saved until the lead confirms"


def test_confirmed_the_record_is_restricted(client, world):
    as_lead(client, world)
    seen = services.locked_out_key(services.locked_out_by(world.edna, True, []))
    response = client.post(
        page(world.edna), {"restricted": "on", "confirm_lock_out": "yes", "lock_out_seen": seen}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", args=[world.edna.uuid])
    world.edna.refresh_from_db()
    assert world.edna.restricted and not world.edna.restricted_to.exists()
    client.force_login(world.cast.practitioner)
    assert client.get(reverse("enquiries:detail", args=[world.enquiry.reference])).status_code == 404


def test_answering_no_asks_to_name_them(client, world):
    as_lead(client, world)
    seen = services.locked_out_key(services.locked_out_by(world.edna, True, []))
    response = client.post(
        page(world.edna), {"restricted": "on", "confirm_lock_out": "no", "lock_out_seen": seen}
    )
    assert_error(response, SAID_NO)
    world.edna.refresh_from_db()
    assert not world.edna.restricted


def test_naming_them_needs_no_confirmation_but_a_partner_still_loses_access(client, world):
    cast = world.cast
    as_lead(client, world)
    named = {"restricted": "on", "restricted_to": [cast.practitioner.pk, cast.locality_practitioner.pk]}
    response = client.post(page(world.edna), named)
    assert_error(response, CONFIRM_MISSING)
    assert "Enquiry officers at Riverside NHS Trust" in body(response) and "Pat Tester (" not in body(
        response
    )
    seen = services.locked_out_key(
        services.locked_out_by(world.edna, True, [cast.practitioner, cast.locality_practitioner])
    )
    response = client.post(page(world.edna), {**named, "confirm_lock_out": "yes", "lock_out_seen": seen})
    assert response.status_code == 302
    world.edna.refresh_from_db()
    assert set(world.edna.restricted_to.all()) == {cast.practitioner, cast.locality_practitioner}


def test_a_list_changed_since_it_was_shown_is_shown_again(client, world):
    """The lead confirmed one list; the enquiry's lead changed meanwhile: asked again, not saved."""
    as_lead(client, world)
    seen = services.locked_out_key(services.locked_out_by(world.edna, True, []))
    Enquiry.objects.filter(pk=world.enquiry.pk).update(lead_practitioner=world.cast.manager)
    response = client.post(
        page(world.edna), {"restricted": "on", "confirm_lock_out": "yes", "lock_out_seen": seen}
    )
    assert_error(response, CHANGED)
    assert f"Mo Tester (leads {world.enquiry.reference})" in body(response)
    world.edna.refresh_from_db()
    assert not world.edna.restricted


def test_a_record_nobody_works_on_is_restricted_at_once(client, world, make_person):
    person = make_person(family_name="Quietly")
    response = as_lead(client, world).post(page(person), {"restricted": "on"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.restricted
    assert "confirm_lock_out" not in body(as_lead(client, world).get(page(person)))


def test_lifting_a_restriction_asks_nothing(client, world):
    services.restrict(world.edna, True, [])
    response = as_lead(client, world).post(page(world.edna), {})
    assert response.status_code == 302
    world.edna.refresh_from_db()
    assert not world.edna.restricted


def test_only_the_councils_lead_restricts(client, world, practitioner, manager, other_council_user):
    for user in (practitioner, manager, other_council_user):
        client.force_login(user)
        assert client.get(page(world.edna)).status_code == 404
        assert (
            client.post(page(world.edna), {"restricted": "on", "confirm_lock_out": "yes"}).status_code == 404
        )
    world.edna.refresh_from_db()
    assert not world.edna.restricted


def test_a_bad_answer_is_an_error_not_a_crash(client, world):
    as_lead(client, world)
    response = client.post(page(world.edna), {"restricted": "on", "confirm_lock_out": "maybe"})
    assert response.status_code == 200
    assert "govuk-error-summary" in body(response)
    response = client.post(page(world.edna), {"restricted": "on", "restricted_to": ["nobody"]})
    assert response.status_code == 200 and "govuk-error-summary" in body(response)
    world.edna.refresh_from_db()
    assert not world.edna.restricted
