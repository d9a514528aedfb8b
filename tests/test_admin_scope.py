"""The safeguarding lead's admin is scoped by ownership, not by link (issue 11, findings 1 and 2).

Each test here reproduces a finding of the penetration test and fails without its fix:
- a lead managed the users of a partner agency shared with another council, and so could create an
  account that opened the other council's records;
- a lead could grant network roles, make an organisation with a blank region ("everywhere"), relink
  partners and change their own council's kind, region and area code.
"""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from msphub.accounts.models import Organisation, Role, User
from msphub.accounts.permissions import BENCHMARKS, TEMPCHECK
from msphub.benchmarks.models import council_scope
from tests.conftest import PASSWORD, _user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-new-passphrase-7"


@pytest.fixture
def lead_client(lead) -> Client:
    lead.is_staff = True
    lead.save(update_fields=["is_staff"])
    lead.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="accounts", codename__regex=r"^(view|add|change)_")
    )
    client = Client()
    client.force_login(lead)
    return client


@pytest.fixture
def shared_trust(council, other_council) -> Organisation:
    trust = Organisation.objects.create(name="Two Counties Health Trust", kind="nhs_trust")
    trust.councils.add(council, other_council)
    return trust


def _add_user(client: Client, **fields) -> object:
    data = {"username": "new_officer", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    data.update({"usable_password": "true", "role": "", "organisation": "", "team": ""})
    data.update(fields)
    return client.post(reverse("admin:accounts_user_add"), data)


def test_lead_cannot_create_a_user_in_an_agency_shared_with_another_council(lead_client, shared_trust):
    response = _add_user(lead_client, organisation=str(shared_trust.pk), role=Role.PARTNER_ENQUIRY_OFFICER)
    assert response.status_code == 200, "the form is shown again with an error"
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(username="new_officer").exists()


def test_lead_cannot_reach_users_of_a_shared_agency(lead_client, shared_trust):
    officer = _user("tess_trust", shared_trust, Role.PARTNER_ENQUIRY_OFFICER)
    changelist = lead_client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "tess_trust" not in changelist
    assert lead_client.get(reverse("admin:accounts_user_change", args=[officer.pk])).status_code == 302
    response = lead_client.post(
        reverse("admin:auth_user_password_change", args=[officer.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 404
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD), "the lead reset a shared agency's user's password"


def test_lead_still_manages_their_own_partners_users(lead_client, police):
    response = _add_user(lead_client, organisation=str(police.pk), role=Role.PARTNER_REFERRER)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert User.objects.get(username="new_officer").organisation == police


@pytest.mark.parametrize("role", [Role.REGIONAL_LEAD, Role.INTERVIEWER])
def test_lead_cannot_grant_network_roles(lead_client, council, role):
    response = _add_user(lead_client, organisation=str(council.pk), role=role)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(username="new_officer").exists()


def test_lead_cannot_give_an_existing_user_a_network_role(lead_client, practitioner):
    page = lead_client.get(reverse("admin:accounts_user_change", args=[practitioner.pk])).content.decode()
    assert 'value="regional_lead"' not in page and 'value="interviewer"' not in page
    assert 'value="team_manager"' in page


def test_lead_adds_a_partner_of_their_council_only(lead_client, council, other_council):
    response = lead_client.post(
        reverse("admin:accounts_organisation_add"),
        {
            "name": "Riverside Advocacy",
            "kind": "network",
            "review_interval_days": "28",
            "region": "",
            "national": "on",
            "councils": [str(other_council.pk)],
        },
    )
    assert response.status_code == 200, "a network is not a kind a lead may add"
    assert not Organisation.objects.filter(name="Riverside Advocacy").exists()

    response = lead_client.post(
        reverse("admin:accounts_organisation_add"),
        {
            "name": "Riverside Advocacy",
            "kind": "advocacy",
            "review_interval_days": "28",
            "region": "",
            "national": "on",
            "councils": [str(other_council.pk)],
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    added = Organisation.objects.get(name="Riverside Advocacy")
    assert list(added.councils.all()) == [council]
    assert (added.region, added.national) == (council.region, False)


def test_lead_cannot_change_their_councils_scope(lead_client, council):
    before = Organisation.objects.values("kind", "region", "ons_code", "national").get(pk=council.pk)
    response = lead_client.post(
        reverse("admin:accounts_organisation_change", args=[council.pk]),
        {
            "name": "Riverside Council",
            "kind": "network",
            "ons_code": "E06000902",
            "region": "",
            "national": "on",
            "review_interval_days": "21",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    after = Organisation.objects.values("kind", "region", "ons_code", "national").get(pk=council.pk)
    assert after == before
    assert Organisation.objects.get(pk=council.pk).review_interval_days == 21, "what a lead may change"


def test_lead_cannot_relink_a_partner_shared_with_another_council(lead_client, shared_trust, council):
    response = lead_client.post(
        reverse("admin:accounts_organisation_change", args=[shared_trust.pk]),
        {
            "name": shared_trust.name,
            "kind": "nhs_trust",
            "review_interval_days": "28",
            "councils": [council.pk],
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert shared_trust.councils.count() == 2


def test_a_network_with_a_blank_region_is_not_national(council, other_council):
    """Only a network flagged national covers every council; a blank region covers none."""
    blank = Organisation.objects.create(name="Somewhere network", kind="network", region="")
    user = _user("rhea_regional", blank, Role.REGIONAL_LEAD)
    assert not user.is_regional_lead
    assert council_scope(user) is None
    assert not TEMPCHECK.allows(user) and not BENCHMARKS.allows(user)

    blank.national = True
    blank.save(update_fields=["national"])
    user = User.objects.get(pk=user.pk)
    assert user.is_regional_lead and user.network_region == ""
    assert TEMPCHECK.allows(user) and BENCHMARKS.allows(user)
    scope = council_scope(user)
    assert scope is not None
    assert set(Organisation.objects.filter(scope, kind="council")) == {council, other_council}
