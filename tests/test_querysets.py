"""for_user scoping of Person, Concern and Enquiry for each persona (../shared/domain/access.md)."""

import functools
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from msphub.accounts.models import Role, User
from msphub.concerns import services
from msphub.concerns.models import Concern
from msphub.enquiries.models import Enquiry
from msphub.people.models import Person
from tests.conftest import PASSWORD, Cast, new_concern, new_person, per_test

pytestmark = pytest.mark.django_db


def _enquiry(number, concern, person, lead_practitioner, team) -> Enquiry:
    return Enquiry.objects.create(
        reference=f"ENQ-2026-{number:06d}",
        council=concern.council,
        concern=concern,
        person=person,
        kind=Enquiry.Kind.SECTION_42,
        lead_practitioner=lead_practitioner,
        team=team,
    )


def build_world(cast: Cast) -> SimpleNamespace:
    """Riverside's records in every relationship to the personas, and one Hillside record each."""
    front_door, locality, other_council = cast.front_door, cast.locality, cast.other_council
    practitioner, locality_practitioner, manager = cast.practitioner, cast.locality_practitioner, cast.manager
    make_person = functools.partial(new_person, cast.council)
    make_concern = functools.partial(new_concern, cast.council)
    w = SimpleNamespace(cast=cast)
    w.p_front = make_person(given_name="Fran", team=front_door)
    w.p_locality = make_person(given_name="Lola", team=locality)
    w.p_noteam = make_person(given_name="Nell", team=None)
    w.p_restricted = make_person(given_name="Rita", team=front_door, restricted=True)
    w.p_restricted.restricted_to.add(locality_practitioner)
    w.p_other = make_person(given_name="Hilda", target_council=other_council)

    # Raised by the practitioner, picked up by them, about a Front Door person.
    w.c_own = make_concern(user=practitioner)
    services.link_person(w.c_own, w.p_front, practitioner)
    # The Front Door team's, assigned to the manager, about a person with no team.
    w.c_team = make_concern()
    services.link_person(w.c_team, w.p_noteam, manager)
    # Locality's.
    w.c_locality = make_concern()
    services.link_person(w.c_locality, w.p_locality, locality_practitioner)
    # Unallocated and just received (the front-door queue).
    w.c_unallocated = make_concern()
    # No team but already in triage: not free to pick up.
    w.c_unallocated_triage = make_concern()
    Concern.objects.filter(pk=w.c_unallocated_triage.pk).update(status=Concern.Status.TRIAGE)
    # Raised by the two partner agencies (unallocated, received).
    w.c_police = make_concern(user=cast.partner_referrer)
    w.c_nhs = make_concern(user=cast.other_partner_referrer)
    # About the restricted person, in the Front Door team, assigned to the practitioner.
    w.c_restricted = make_concern()
    services.link_person(w.c_restricted, w.p_restricted, practitioner)
    # Hillside's.
    w.c_other = make_concern(target_council=other_council)

    w.e_front = _enquiry(1, w.c_own, w.p_front, practitioner, front_door)
    w.e_locality = _enquiry(2, w.c_locality, w.p_locality, locality_practitioner, locality)
    w.e_restricted = _enquiry(3, w.c_restricted, w.p_restricted, practitioner, front_door)
    w.e_other = _enquiry(4, w.c_other, w.p_other, cast.other_council_user, None)

    w.riverside_people = {w.p_front, w.p_locality, w.p_noteam, w.p_restricted}
    w.riverside_concerns = {
        w.c_own,
        w.c_team,
        w.c_locality,
        w.c_unallocated,
        w.c_unallocated_triage,
        w.c_police,
        w.c_nhs,
        w.c_restricted,
    }
    w.riverside_enquiries = {w.e_front, w.e_locality, w.e_restricted}
    return w


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    """The records, built once for the module: every test reads them in its own savepoint."""
    with django_db_blocker.unblock():
        return build_world(Cast())


@pytest.fixture
def world(world_once, db) -> SimpleNamespace:
    """The test's copy; the conftest personas (practitioner, make_concern, ...) are the world's."""
    return per_test(world_once)


def people(user, action="view") -> set:
    return set(Person.objects.for_user(user, action))


def concerns(user, action="view") -> set:
    return set(Concern.objects.for_user(user, action))


def enquiries(user, action="view") -> set:
    return set(Enquiry.objects.for_user(user, action))


# --- Practitioners and managers ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["practitioner", "manager"])
def test_front_door_staff_view_the_council_except_restricted(world, request, who):
    user = request.getfixturevalue(who)
    assert people(user) == world.riverside_people - {world.p_restricted}
    assert concerns(user) == world.riverside_concerns - {world.c_restricted}
    assert enquiries(user) == world.riverside_enquiries - {world.e_restricted}


def test_practitioner_triages_own_team_and_unallocated_received(world, practitioner):
    assert concerns(practitioner, "triage") == {
        world.c_own,  # assigned to them
        world.c_team,  # their team's
        world.c_unallocated,  # free to pick up
        world.c_police,
        world.c_nhs,
    }


def test_locality_practitioner_triages_locality_and_unallocated_received(world, locality_practitioner):
    assert concerns(locality_practitioner, "triage") == {
        world.c_locality,
        world.c_unallocated,
        world.c_police,
        world.c_nhs,
    }


def test_practitioner_cannot_sign_off(world, practitioner):
    assert concerns(practitioner, "sign_off") == set()


def test_manager_signs_off_for_their_team_only(world, manager, locality_manager):
    assert concerns(manager, "sign_off") == {world.c_own, world.c_team}
    assert concerns(locality_manager, "sign_off") == {world.c_locality}


def test_unknown_action_gives_nothing(world, practitioner):
    assert concerns(practitioner, "delete") == set()


def test_council_user_status_is_for_concerns_they_raised(world, practitioner, manager):
    assert concerns(practitioner, "status") == {world.c_own}
    assert concerns(manager, "status") == set()


def test_practitioner_edits_their_teams_people(world, practitioner, manager):
    # The team's person, and the person with no team whose concern the team holds.
    assert people(practitioner, "edit") == {world.p_front, world.p_noteam}
    assert people(manager, "edit") == {world.p_front, world.p_noteam}


def test_locality_practitioner_edits_locality_people(world, locality_practitioner):
    assert people(locality_practitioner, "edit") == {world.p_locality}


def test_practitioner_edits_own_and_team_enquiries(world, practitioner, locality_practitioner):
    assert enquiries(practitioner, "edit") == {world.e_front}
    assert enquiries(locality_practitioner, "edit") == {world.e_locality}


# --- Restricted records --------------------------------------------------------------------------


def test_restricted_person_hidden_even_from_their_own_team(world, practitioner, manager):
    for user in (practitioner, manager):
        assert world.p_restricted not in people(user)
        assert world.p_restricted not in people(user, "edit")
        assert world.c_restricted not in concerns(user, "triage")
        assert world.c_restricted not in concerns(user, "sign_off")
        assert world.e_restricted not in enquiries(user, "edit")


def test_restricted_person_visible_to_a_named_user(world, locality_practitioner):
    assert world.p_restricted in people(locality_practitioner)
    assert world.c_restricted in concerns(locality_practitioner)
    assert world.e_restricted in enquiries(locality_practitioner)
    # Named users see it; changing it still needs the team.
    assert world.p_restricted not in people(locality_practitioner, "edit")


def test_naming_a_user_reveals_the_record(world, practitioner):
    world.p_restricted.restricted_to.add(practitioner)
    assert world.p_restricted in people(practitioner)
    assert world.p_restricted in people(practitioner, "edit")
    assert world.c_restricted in concerns(practitioner, "triage")


def test_lead_sees_and_changes_everything_in_the_council(world, lead):
    for action in ("view", "edit"):
        assert people(lead, action) == world.riverside_people
        assert enquiries(lead, action) == world.riverside_enquiries
    assert concerns(lead) == world.riverside_concerns
    assert concerns(lead, "triage") == world.riverside_concerns


# --- Outside the council's casework --------------------------------------------------------------


def test_another_councils_user_sees_nothing_of_riversides(world, other_council_user):
    for action in ("view", "edit"):
        assert people(other_council_user, action) == {world.p_other}
        assert enquiries(other_council_user, action) == {world.e_other}
    for action in ("view", "triage", "status"):
        assert not concerns(other_council_user, action) & world.riverside_concerns
    assert concerns(other_council_user) == {world.c_other}


def test_partner_referrer_sees_only_its_agencys_concern_status(
    world, partner_referrer, other_partner_referrer
):
    assert concerns(partner_referrer, "status") == {world.c_police}
    assert concerns(other_partner_referrer, "status") == {world.c_nhs}
    for user in (partner_referrer, other_partner_referrer):
        for action in ("view", "triage", "sign_off"):
            assert concerns(user, action) == set()
        for action in ("view", "edit"):
            assert people(user, action) == set()
            assert enquiries(user, action) == set()


def test_board_viewer_sees_no_records(world, board_viewer):
    for action in ("view", "edit"):
        assert people(board_viewer, action) == set()
        assert enquiries(board_viewer, action) == set()
    for action in ("view", "triage", "status", "sign_off"):
        assert concerns(board_viewer, action) == set()


def test_anonymous_user_sees_nothing(world):
    anonymous = AnonymousUser()
    assert people(anonymous) == set()
    assert concerns(anonymous, "status") == set()
    assert enquiries(anonymous) == set()


# --- A practitioner who has no team --------------------------------------------------------------


@pytest.fixture
def teamless_practitioner(council) -> User:
    return User.objects.create_user(
        username="tia_teamless",
        password=PASSWORD,
        organisation=council,
        team=None,
        role=Role.PRACTITIONER,
    )


@pytest.fixture
def lead_triaged(make_concern, make_person, lead):
    """The safeguarding lead (no team) triages a concern: it is in triage with no team."""
    concern = make_concern()
    person = make_person(given_name="Tess", team=None)
    services.link_person(concern, person, lead)
    concern.refresh_from_db()
    assert concern.team_id is None and concern.assigned_to == lead
    enquiry = _enquiry(9, concern, person, lead, None)
    return SimpleNamespace(concern=concern, person=person, enquiry=enquiry)


def test_teamless_practitioner_cannot_triage_others_teamless_concerns(lead_triaged, teamless_practitioner):
    assert lead_triaged.concern not in concerns(teamless_practitioner, "triage")


def test_teamless_practitioner_cannot_edit_teamless_people(lead_triaged, teamless_practitioner):
    assert lead_triaged.person in people(teamless_practitioner)
    assert lead_triaged.person not in people(teamless_practitioner, "edit")


def test_teamless_practitioner_cannot_edit_teamless_enquiries(lead_triaged, teamless_practitioner):
    assert lead_triaged.enquiry in enquiries(teamless_practitioner)
    assert lead_triaged.enquiry not in enquiries(teamless_practitioner, "edit")
