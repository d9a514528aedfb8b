"""The seed_demo command: safe by default, the same data on every run, and a realistic mix."""

from collections import Counter
from datetime import datetime
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.utils import timezone

from msphub.accounts.models import Organisation, Team, User
from msphub.concerns.models import Concern, ConcernRiskType, Decision
from msphub.core.models import ReferenceSequence
from msphub.core.validators import is_valid_nhs_number, normalise_postcode
from msphub.demo import content
from msphub.enquiries.models import Enquiry
from msphub.people.models import Person

LONDON = ZoneInfo("Europe/London")
# A fixed moment, so both runs share one anchor day even if the test runs across midnight.
NOW = datetime(2026, 3, 10, 10, 30, tzinfo=LONDON)


def seed(**options: Any) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict[str, Any]:
    """Everything a rerun must reproduce: row counts of every table, references, names and times."""
    return {
        "counts": {model._meta.label: model.objects.count() for model in apps.get_models()},
        "concerns": list(
            Concern.objects.order_by("reference").values_list(
                "reference",
                "status",
                "received_at",
                "adult_given_name",
                "adult_family_name",
                "person__uuid",
                "raised_by_user__username",
            )
        ),
        "enquiries": list(
            Enquiry.objects.order_by("reference").values_list(
                "reference", "kind", "concern__reference", "started_at"
            )
        ),
        "decisions": list(
            Decision.objects.order_by("concern__reference").values_list(
                "concern__reference", "outcome", "pathway", "decided_at", "signed_off_at"
            )
        ),
        "people": sorted(
            Person.objects.values_list("uuid", "given_name", "family_name", "date_of_birth", "nhs_number")
        ),
        "users": list(
            User.objects.order_by("username").values_list(
                "username", "first_name", "last_name", "role", "organisation__name", "team__name"
            )
        ),
        "sequences": sorted(ReferenceSequence.objects.values_list("prefix", "year", "last")),
    }


@pytest.mark.django_db(transaction=False)
def test_refuses_without_force_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        seed(seed=1)
    assert not Organisation.objects.exists()


@pytest.mark.django_db(transaction=False)
def test_running_twice_gives_exactly_the_same_data():
    with time_machine.travel(NOW, tick=True):
        seed(seed=1, force=True)
        first = snapshot()
        output = seed(seed=1, force=True)
        second = snapshot()

    assert second == first
    assert "Riverside Council" in output
    # No duplicates of anything the command looks up by name.
    assert Organisation.objects.filter(name="Riverside Council").count() == 1
    assert Organisation.objects.filter(name__in=content.PARTNER_NAMES).count() == len(content.PARTNERS)
    assert Team.objects.count() == 3
    assert sorted(User.objects.values_list("username", flat=True)) == sorted(content.USERNAMES)
    references = [row[0] for row in first["concerns"]]
    assert len(references) == len(set(references))
    # References start again from 1 on every run.
    assert min(references) == "CON-2026-000001"
    assert min(row[0] for row in first["enquiries"]) == "ENQ-2026-000001"
    names = Counter(Person.objects.values_list("council_id", "given_name", "family_name"))
    assert max(names.values()) == 1


@pytest.mark.django_db(transaction=False)
def test_the_mix_looks_like_a_real_council(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(NOW, tick=True):
        seed(seed=1, force=True)
        now = timezone.now()
    riverside = Organisation.objects.get(ons_code="E06000901")
    concerns = Concern.objects.filter(council=riverside)
    total = concerns.count()
    assert 280 <= total <= 320
    assert Concern.objects.filter(council__ons_code="E06000902").count() >= 15

    # Every stage of the journey is shown.
    assert set(concerns.values_list("status", flat=True)) == set(Concern.Status.values)
    s42 = Enquiry.objects.filter(council=riverside, kind=Enquiry.Kind.SECTION_42).count()
    assert 0.2 <= s42 / total <= 0.4
    assert Enquiry.objects.filter(council=riverside, kind=Enquiry.Kind.OTHER).exists()
    pathways = set(Decision.objects.filter(outcome="none").values_list("pathway", flat=True))
    assert len(pathways) >= 4

    # Some concerns wait too long for a first conversation; most people are spoken to in a day.
    assert concerns.first_contact_overdue(now=now).exists()
    assert (
        concerns.filter(status=Concern.Status.RECEIVED)
        .exclude(pk__in=concerns.first_contact_overdue(now=now))
        .exists()
    )
    assert concerns.first_contact_within_target().count() > total / 2

    neglect = concerns.filter(risk_types__risk_type="Neglect and Acts of Omission").count()
    assert 0.25 <= neglect / total <= 0.45
    own_home = concerns.filter(location_of_risk="Own Home").count()
    assert 0.35 <= own_home / total <= 0.55
    assert (
        ConcernRiskType.objects.filter(concern__council=riverside).values("risk_type").distinct().count() >= 8
    )

    # Repeat concerns about a person and about a care provider.
    repeats = concerns.exclude(person=None).values("person").annotate(n=Count("pk")).filter(n__gt=1)
    assert repeats.count() >= 10
    providers = concerns.exclude(care_provider=None).values("care_provider").annotate(n=Count("pk"))
    assert max(p["n"] for p in providers) >= 5

    # Raised by partners' accounts, and by people without one.
    assert concerns.filter(raised_by_user__username="partner").exists()
    assert concerns.filter(raised_by_user__username="partner2").exists()
    assert concerns.filter(raised_by_user=None, raiser_kind="public").exists()

    # Timestamps lie in the past, in the right order, spread over the year.
    assert not concerns.filter(received_at__gt=now).exists()
    assert concerns.dates("received_at", "month").count() >= 12
    for decision in Decision.objects.select_related("concern"):
        assert decision.decided_at >= decision.concern.received_at
        assert decision.signed_off_at is None or decision.signed_off_at >= decision.decided_at

    people = Person.objects.filter(council=riverside)
    numbers = [n for n in people.values_list("nhs_number", flat=True) if n]
    assert numbers and all(is_valid_nhs_number(n) for n in numbers)
    assert len(numbers) == len(set(numbers))
    assert all(normalise_postcode(p) == p for p in people.values_list("postcode", flat=True))
    assert people.values("ethnicity").distinct().count() >= 4
    assert people.filter(representatives__isnull=False).exists()
    restricted = people.filter(restricted=True)
    assert restricted.exists() and all(p.restricted_to.exists() for p in restricted)

    # The personas (checked here rather than in a test of their own, to seed once).
    lead = authenticate(username="lead", password=content.PASSWORD)
    assert lead is not None and lead.is_lead and lead.is_staff
    assert lead.has_perm("accounts.change_user") and lead.has_perm("accounts.add_team")
    assert not lead.has_perm("concerns.delete_concern")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.organisation is None
    assert User.objects.get(username="partner").organisation.name == "Riverside Police"
    assert User.objects.get(username="partner2").organisation.kind == Organisation.Kind.NHS_TRUST
    hillside = User.objects.get(username="hillside")
    assert hillside.does_casework and hillside.organisation.ons_code == "E06000902"
    assert User.objects.get(username="manager").is_manager
    assert User.objects.get(username="board").is_board_viewer
