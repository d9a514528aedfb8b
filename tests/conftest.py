"""Named personas and small factories shared by the tests (real database, no ORM mocks)."""

import uuid
from datetime import date, timedelta

import pytest
from django.utils import timezone

from msphub.accounts.models import Organisation, Role, Team, User
from msphub.concerns import services as concern_services
from msphub.concerns.models import Concern
from msphub.people.models import Person

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def fast_password_hasher(settings) -> None:
    """The production hasher is slow by design; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def council(db) -> Organisation:
    return Organisation.objects.create(
        name="Riverside Council", kind="council", ons_code="E06000901", region="North West"
    )


@pytest.fixture
def other_council(db) -> Organisation:
    return Organisation.objects.create(
        name="Hillside Council", kind="council", ons_code="E06000902", region="North West"
    )


@pytest.fixture
def front_door(council) -> Team:
    return Team.objects.create(organisation=council, name="Front Door")


@pytest.fixture
def locality(council) -> Team:
    return Team.objects.create(organisation=council, name="Locality East")


@pytest.fixture
def police(council) -> Organisation:
    org = Organisation.objects.create(name="Riverside Police", kind="police")
    org.councils.add(council)
    return org


@pytest.fixture
def nhs_trust(council) -> Organisation:
    org = Organisation.objects.create(name="Riverside NHS Trust", kind="nhs_trust")
    org.councils.add(council)
    return org


def _user(username: str, org: Organisation, role: str, team: Team | None = None) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=username.split("_")[0].title(),
        last_name="Tester",
        email=f"{username}@example.org",
        organisation=org,
        team=team,
        role=role,
    )
    return user


@pytest.fixture
def practitioner(council, front_door) -> User:
    return _user("pat_practitioner", council, Role.PRACTITIONER, front_door)


@pytest.fixture
def locality_practitioner(council, locality) -> User:
    return _user("lee_locality", council, Role.PRACTITIONER, locality)


@pytest.fixture
def manager(council, front_door) -> User:
    return _user("mo_manager", council, Role.TEAM_MANAGER, front_door)


@pytest.fixture
def locality_manager(council, locality) -> User:
    return _user("lin_localitymanager", council, Role.TEAM_MANAGER, locality)


@pytest.fixture
def lead(council) -> User:
    return _user("sam_lead", council, Role.SAFEGUARDING_LEAD)


@pytest.fixture
def partner_referrer(police) -> User:
    return _user("pc_referrer", police, Role.PARTNER_REFERRER)


@pytest.fixture
def other_partner_referrer(nhs_trust) -> User:
    return _user("nurse_referrer", nhs_trust, Role.PARTNER_REFERRER)


@pytest.fixture
def board_viewer(council) -> User:
    return _user("bea_board", council, Role.BOARD_VIEWER)


@pytest.fixture
def other_council_user(other_council) -> User:
    team = Team.objects.create(organisation=other_council, name="Hillside Front Door")
    return _user("otto_othercouncil", other_council, Role.SAFEGUARDING_LEAD, team)


def concern_answers(**overrides) -> dict:
    """A complete, valid set of answers from the raise-a-concern journey."""
    answers = {
        "raiser_kind": "professional",
        "raiser_name": "Alex Raiser",
        "raiser_role": "District nurse",
        "raiser_organisation_name": "Riverside NHS Trust",
        "raiser_phone": "01234 567890",
        "raiser_email": "alex@example.org",
        "adult_given_name": "Edna",
        "adult_family_name": "Marsh",
        "adult_date_of_birth": date(1938, 5, 17),
        "adult_address": "1 Mill Lane, Riverside",
        "adult_postcode": "RV1 2AB",
        "adult_needs": "Dementia; daily home care visits",
        "what_happened": "Bruising on both arms noticed during a visit.",
        "happened_on": timezone.localdate() - timedelta(days=2),
        "still_happening": False,
        "location_of_risk": "Own Home",
        "source_of_risk": "Service Provider",
        "care_provider_name": "Sunrise Home Care",
        "immediate_danger": False,
        "consent": "given",
        "msp_asked": True,
        "wants_to_happen": "I want the carer changed",
        "how_to_happen": "Talk to my daughter first",
        "outcomes_wanted": "To feel safe at home",
        "risk_types": ["Physical Abuse", "Neglect and Acts of Omission"],
    }
    answers.update(overrides)
    return answers


@pytest.fixture
def make_concern(council):
    """Create a concern as the journey would; keyword overrides change answers or fields."""

    def make(user=None, target_council=None, received_at=None, **overrides) -> Concern:
        concern, _ = concern_services.raise_concern(
            concern_answers(**overrides), target_council or council, uuid.uuid4(), user=user
        )
        if received_at is not None:
            Concern.objects.filter(pk=concern.pk).update(received_at=received_at)
            concern.refresh_from_db()
        return concern

    return make


@pytest.fixture
def make_person(council):
    def make(target_council=None, **fields) -> Person:
        values = {
            "given_name": "Edna",
            "family_name": "Marsh",
            "date_of_birth": date(1938, 5, 17),
            "postcode": "RV1 2AB",
        }
        values.update(fields)
        return Person.objects.create(council=target_council or council, **values)

    return make
