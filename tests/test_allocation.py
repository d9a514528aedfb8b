"""Team managers allocate and reassign concerns within their team (the lead: anyone in the council)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from msphub.accounts.models import Role, User
from msphub.concerns import services as concern_services
from msphub.concerns.models import Concern
from msphub.core.states import StateChanged
from msphub.worktray import services
from msphub.worktray.models import Notification
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def allocate_url(concern: Concern) -> str:
    return reverse("worktray:allocate_concern", args=[concern.reference])


def body(response) -> str:
    return response.content.decode()


@pytest.fixture
def second_practitioner(council, front_door) -> User:
    return User.objects.create_user(
        username="pip_second",
        password=PASSWORD,
        first_name="Pip",
        last_name="Second",
        email="pip@example.org",
        organisation=council,
        team=front_door,
        role=Role.PRACTITIONER,
    )


def test_a_manager_allocates_a_new_concern_to_someone_in_their_team(
    client, make_concern, manager, practitioner, front_door
):
    concern = make_concern()
    client.force_login(manager)
    page = client.get(allocate_url(concern))
    assert page.status_code == 200
    assert "Allocate the concern" in body(page)
    response = client.post(allocate_url(concern), {"assignee": practitioner.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("concerns:detail", args=[concern.reference])
    concern.refresh_from_db()
    assert (concern.assigned_to, concern.team, concern.status) == (practitioner, front_door, "triage")
    notice = Notification.objects.get(user=practitioner)
    assert (notice.kind, notice.reference, notice.record_uuid) == (
        "allocated",
        concern.reference,
        concern.uuid,
    )


def test_the_form_offers_only_the_managers_team(
    client, make_concern, manager, practitioner, locality_practitioner
):
    concern = make_concern()
    client.force_login(manager)
    page = body(client.get(allocate_url(concern)))
    assert f'value="{practitioner.pk}"' in page
    assert f'value="{locality_practitioner.pk}"' not in page


def test_someone_in_another_team_is_refused_with_a_clear_message(
    client, make_concern, manager, locality_practitioner
):
    concern = make_concern()
    client.force_login(manager)
    response = client.post(allocate_url(concern), {"assignee": locality_practitioner.pk})
    assert response.status_code == 200
    assert "Select someone in your team" in body(response)
    assert 'href="#id_assignee"' in body(response), "the error summary links to the field"
    concern.refresh_from_db()
    assert concern.assigned_to is None
    assert not Notification.objects.exists()


@pytest.mark.parametrize("value", ["", "not-a-number", "999999", "1 OR 1=1"])
def test_bad_input_is_an_error_message_not_a_500(client, make_concern, manager, value):
    concern = make_concern()
    client.force_login(manager)
    response = client.post(allocate_url(concern), {"assignee": value})
    assert response.status_code == 200
    assert "Select someone in your team" in body(response)


def test_the_service_refuses_someone_outside_the_team(
    make_concern, manager, locality_practitioner, other_council_user
):
    concern = make_concern()
    for outsider in (locality_practitioner, other_council_user, None):
        with pytest.raises(ValidationError) as refused:
            services.allocate_concern(concern, manager, outsider)
        assert refused.value.message_dict == {"assignee": [services.NOT_IN_TEAM]}


def test_a_manager_reassigns_within_the_team(
    client, make_concern, make_person, manager, practitioner, second_practitioner
):
    concern = make_concern()
    concern_services.link_person(concern, make_person(), practitioner)
    client.force_login(manager)
    assert client.post(allocate_url(concern), {"assignee": second_practitioner.pk}).status_code == 302
    concern.refresh_from_db()
    assert concern.assigned_to == second_practitioner
    assert Notification.objects.filter(user=second_practitioner, kind="allocated").count() == 1
    # Giving it to whoever has it already is a mistake the page says.
    response = client.post(allocate_url(concern), {"assignee": second_practitioner.pk})
    assert services.ALREADY_ASSIGNED in body(response)


def test_the_lead_allocates_to_anyone_in_the_council(
    make_concern, lead, locality_practitioner, other_council_user
):
    concern = make_concern()
    services.allocate_concern(concern, lead, locality_practitioner)
    concern.refresh_from_db()
    assert concern.assigned_to == locality_practitioner
    assert concern.team == locality_practitioner.team
    with pytest.raises(ValidationError):
        services.allocate_concern(concern, lead, other_council_user)


def test_another_teams_manager_gets_404(client, make_concern, make_person, practitioner, locality_manager):
    concern = make_concern()
    concern_services.link_person(concern, make_person(), practitioner)  # now the Front Door's
    client.force_login(locality_manager)
    assert client.get(allocate_url(concern)).status_code == 404
    assert client.post(allocate_url(concern), {"assignee": practitioner.pk}).status_code == 404


@pytest.mark.parametrize(
    "persona", ["practitioner", "partner_referrer", "board_viewer", "other_council_user"]
)
def test_practitioners_outsiders_and_another_council_get_404(request, client, make_concern, persona):
    concern = make_concern()
    client.force_login(request.getfixturevalue(persona))
    assert client.get(allocate_url(concern)).status_code == 404
    assert client.post(allocate_url(concern), {"assignee": "1"}).status_code == 404


def test_a_decided_concern_is_not_allocated(client, make_concern, make_person, practitioner, manager):
    concern = make_concern()
    concern_services.link_person(concern, make_person(), practitioner)
    decision = concern_services.record_decision(
        concern,
        practitioner,
        {
            "outcome": "none",
            "pathway": "nfa",
            "no_further_action_reason": "Resolved by the care provider",
            "rationale": "No risk remains",
        },
    )
    concern_services.sign_off(decision, manager)
    client.force_login(manager)
    assert client.get(allocate_url(concern)).status_code == 404


def test_two_managers_at_once_the_second_is_checked_against_the_first(
    make_concern, manager, locality_manager, practitioner, locality_practitioner
):
    """Both open the page for a concern no team has; the Front Door manager allocates first. The
    locality manager's press, from a page drawn before, finds the concern with another team."""
    concern = make_concern()
    seen_by_second = Concern.objects.get(pk=concern.pk)
    services.allocate_concern(Concern.objects.get(pk=concern.pk), manager, practitioner)
    with pytest.raises(StateChanged):
        services.allocate_concern(seen_by_second, locality_manager, locality_practitioner)
    concern.refresh_from_db()
    assert concern.assigned_to == practitioner
    assert not Notification.objects.filter(user=locality_practitioner).exists()


def test_the_race_lost_on_the_page_says_what_happened(
    client, make_concern, manager, locality_manager, practitioner, locality_practitioner
):
    concern = make_concern()
    client.force_login(locality_manager)
    assert client.get(allocate_url(concern)).status_code == 200
    services.allocate_concern(Concern.objects.get(pk=concern.pk), manager, practitioner)
    # Now the Front Door's: the locality manager no longer manages it at all.
    assert client.post(allocate_url(concern), {"assignee": locality_practitioner.pk}).status_code == 404


def test_allocating_yourself_tells_nobody(make_concern, manager):
    concern = make_concern()
    services.allocate_concern(concern, manager, manager)
    assert not Notification.objects.exists()


def test_the_allocation_page_names_no_one_in_its_url(make_concern):
    concern = make_concern()
    assert re.fullmatch(r"/concerns/CON-\d{4}-\d{6}/allocate/", allocate_url(concern))
