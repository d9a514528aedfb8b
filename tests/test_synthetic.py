"""generate_synthetic: bulk, deterministic, national-like, and leaves a database the app can carry on with."""

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from msphub.accounts.models import Organisation, Role, User
from msphub.concerns.models import Concern, ConcernRiskType, Decision
from msphub.core.models import ReferenceSequence
from msphub.core.periods import FinancialYear
from msphub.demo.synthetic import PASSWORD, allocate, generate, percent_bar
from msphub.enquiries.models import (
    DesiredOutcome,
    Enquiry,
    EnquiryLocation,
    EnquiryRiskType,
    EnquirySource,
    Feedback,
)
from msphub.measures.sac import build_return
from msphub.people.models import ASPERGERS, AUTISM, AUTISM_NEITHER, AUTISM_NOT_KNOWN, Person

pytestmark = pytest.mark.django_db

YEAR = "2024-25"
FY = FinancialYear.parse(YEAR)
# The national-like year most tests read: generated once for the module (each test in its own
# savepoint, rolled back), rather than once per test at a size and seed of its own.
COUNCILS, CONCERNS = 5, 6000


@pytest.fixture(scope="module")
def year_once(module_db, django_db_blocker) -> dict[str, int]:
    with django_db_blocker.unblock():
        return generate(councils=COUNCILS, concerns=CONCERNS, year=FY, seed=3)


@pytest.fixture
def year(year_once, db) -> dict[str, int]:
    """What generate() counted of the module's year."""
    return dict(year_once)


def digest() -> str:
    """A fingerprint of what was generated, independent of database ids."""
    h = hashlib.sha256()
    for row in EnquiryLocation.objects.order_by("enquiry__reference", "location_of_risk").values_list(
        "enquiry__reference", "location_of_risk"
    ):
        h.update(repr(row).encode())
    for row in Feedback.objects.order_by("uuid").values_list("uuid", "quote_status", "moderated_at"):
        h.update(repr(row).encode())
    for row in Concern.objects.order_by("reference").values_list(
        "reference",
        "council__ons_code",
        "received_at",
        "location_of_risk",
        "source_of_risk",
        "person__date_of_birth",
        "person__gender",
        "enquiry__kind",
        "enquiry__msp_asked",
        "enquiry__closed_at",
        "uuid",
        "set_aside",
        "duplicate_of__reference",
        "person__date_of_death",
        "person__autism",
    ):
        h.update(repr(row).encode())
    return h.hexdigest()


class Undo(Exception):
    pass


def generated_digest(seed: int) -> str:
    """Generate, fingerprint, and roll back, so the next generation starts from the same empty database."""
    try:
        with transaction.atomic():
            generate(councils=3, concerns=400, year=FY, seed=seed)
            assert Concern.objects.count() == 400
            found = digest()
            raise Undo
    except Undo:
        return found


def test_same_seed_same_data_and_another_seed_differs():
    first = generated_digest(7)
    assert not Concern.objects.exists()
    assert generated_digest(7) == first
    assert generated_digest(8) != first


def test_counts_and_links_are_consistent(year):
    assert year["concerns.Concern"] == Concern.objects.count() == CONCERNS
    assert Organisation.objects.filter(kind="council", ons_code__startswith="E99").count() == COUNCILS
    # Every concern has a decision but those set aside; every enquiry decision has exactly one
    # enquiry and none other.
    set_aside = Concern.objects.exclude(set_aside="")
    assert Decision.objects.count() == CONCERNS - set_aside.count()
    assert not Decision.objects.filter(concern__in=set_aside).exists()
    opening = Decision.objects.filter(outcome__in=["s42", "other"])
    assert Enquiry.objects.count() == opening.count()
    assert not opening.filter(concern__enquiry__isnull=True).exists()
    assert not Decision.objects.filter(outcome="none", concern__enquiry__isnull=False).exists()
    # Section 42 decisions meet all three criteria; no-enquiry decisions record a pathway.
    assert not Decision.objects.filter(outcome="s42").exclude(
        criterion_care_needs=True, criterion_abuse_risk=True, criterion_cannot_protect=True
    )
    assert not Decision.objects.filter(outcome="none", pathway="").exists()
    # Records stay inside their council.
    assert not Concern.objects.exclude(person__council=F("council")).exists()
    assert not Enquiry.objects.exclude(council=F("concern__council")).exists()
    # Every concern has one or two types of risk.
    per_concern = ConcernRiskType.objects.values("concern").annotate(n=Count("pk"))
    assert {row["n"] for row in per_concern} <= {1, 2}
    assert per_concern.count() == CONCERNS
    # Closed enquiries carry what the SAC return needs.
    closed = Enquiry.objects.filter(status="closed")
    assert closed.exists()
    assert not closed.filter(Q(risk_assessment_outcome="") | Q(msp_asked="") | Q(mental_capacity="")).exists()
    assert not closed.filter(closed_at__isnull=True).exists()
    # A concern is closed when no enquiry follows or its enquiry is closed, and open otherwise.
    assert not Concern.objects.filter(status="closed", enquiry__status="open").exists()
    assert not Concern.objects.filter(enquiry__status="closed").exclude(status="closed").exists()
    assert not Concern.objects.filter(decision__outcome="none").exclude(status="closed").exists()


def test_set_aside_concerns_are_closed_without_an_enquiry_and_duplicates_name_their_original(year):
    set_aside = Concern.objects.exclude(set_aside="")
    assert {"error", "duplicate"} == set(set_aside.values_list("set_aside", flat=True))
    assert not set_aside.filter(enquiry__isnull=False).exists()
    assert not set_aside.filter(first_contacts__isnull=False).exists()
    assert not set_aside.exclude(status="closed").exists()
    assert not set_aside.filter(Q(set_aside_reason="") | Q(set_aside_by=None) | Q(set_aside_at=None)).exists()
    assert not set_aside.exclude(set_aside_by__role=Role.TEAM_MANAGER).exists()
    assert not set_aside.filter(set_aside_at__lt=F("received_at")).exists()
    # A duplicate repeats an earlier concern of its council about the same person, itself counted;
    # a concern entered in error duplicates nothing (the model's constraint holds both ways).
    duplicates = set_aside.filter(set_aside="duplicate")
    assert duplicates.exists()
    assert not duplicates.exclude(duplicate_of__council=F("council")).exists()
    assert not duplicates.exclude(duplicate_of__person=F("person")).exists()
    assert not duplicates.filter(duplicate_of__received_at__gt=F("received_at")).exists()
    assert not duplicates.exclude(duplicate_of__set_aside="").exists()
    assert not set_aside.filter(set_aside="error", duplicate_of__isnull=False).exists()
    # Set aside concerns are in the record and never counted.
    counted = Concern.objects.counted().count()
    assert counted == CONCERNS - set_aside.count()
    sg1f = {c["row"]: c["count"] for c in build_return(FY)["tables"]["SG1f"]}
    assert sg1f["Total Number of Safeguarding Concerns"] == counted


def test_every_concluded_enquiry_has_findings_from_its_concern(year):
    closed = Enquiry.objects.filter(status="closed")
    for model in (EnquiryRiskType, EnquiryLocation, EnquirySource):
        found = model.objects.values_list("enquiry", flat=True).distinct()
        assert set(found) == set(closed.values_list("pk", flat=True)), model
    concern_risks: dict[int, set[str]] = {}
    for enquiry_id, risk in Enquiry.objects.filter(status="closed").values_list(
        "pk", "concern__risk_types__risk_type"
    ):
        concern_risks.setdefault(enquiry_id, set()).add(risk)
    found_risks: dict[int, set[str]] = {}
    for enquiry_id, risk in EnquiryRiskType.objects.values_list("enquiry", "risk_type"):
        found_risks.setdefault(enquiry_id, set()).add(risk)
    assert found_risks == concern_risks
    # The concern's location and source are among those found, with at most one more of each.
    assert not closed.exclude(found_locations__location_of_risk=F("concern__location_of_risk")).exists()
    assert not closed.exclude(found_sources__source_of_risk=F("concern__source_of_risk")).exists()
    for model in (EnquiryLocation, EnquirySource):
        per_enquiry = model.objects.values("enquiry").annotate(n=Count("pk"))
        assert {row["n"] for row in per_enquiry} == {1, 2}, model


def test_feedback_quotes_are_moderated(year):
    feedback = Feedback.objects.all()
    consented = feedback.filter(consent_to_quote=True)
    assert consented.exists()
    assert not consented.filter(comments="").exists()
    assert not feedback.filter(consent_to_quote=False).exclude(quote_status="").exists()
    statuses = dict(consented.values_list("quote_status").annotate(n=Count("pk")))
    assert set(statuses) == {"approved", "awaiting", "declined"}
    assert statuses["approved"] > statuses["awaiting"] + statuses["declined"], "most are approved"
    approved = consented.filter(quote_status="approved")
    assert not approved.exclude(approved_text=F("comments")).exists()
    assert approved.count() == Feedback.objects.approved_quotes().count()
    moderated = consented.exclude(quote_status="awaiting")
    assert not moderated.filter(Q(moderated_by=None) | Q(moderated_at=None)).exists()
    assert not moderated.exclude(moderated_by__role=Role.TEAM_MANAGER).exists()
    assert not moderated.filter(moderated_at__date__lt=F("asked_on")).exists()
    assert not consented.filter(quote_status="declined").exclude(approved_text="").exists()
    awaiting = consented.filter(quote_status="awaiting")
    assert not awaiting.exclude(moderated_by=None, moderated_at=None, approved_text="").exists()
    assert awaiting.count() == Feedback.objects.awaiting_moderation().count()


def test_dates_of_death_and_sg1e_items(year):
    dead = Person.objects.exclude(date_of_death=None)
    assert dead.exists()
    assert not dead.filter(date_of_death_source="").exists()
    assert not Person.objects.filter(date_of_death=None).exclude(date_of_death_source="").exists()
    assert not dead.filter(date_of_death__lt=F("date_of_birth")).exists()
    assert not dead.filter(date_of_death__gt=timezone.localdate()).exists()
    # Nobody has a concern after they died.
    for died, received in dead.values_list("date_of_death", "concerns__received_at"):
        assert timezone.localdate(received) <= died
    assert {AUTISM, ASPERGERS, AUTISM_NEITHER, AUTISM_NOT_KNOWN} == set(
        Person.objects.values_list("autism", flat=True)
    )
    sg1e = build_return(FY)["tables"]["SG1e"]
    assert sg1e and {c["column"] for c in sg1e} <= {AUTISM, ASPERGERS}


def test_proportions_are_national_like(year):
    concerns = Concern.objects.count()
    s42 = Enquiry.objects.filter(kind="s42").count()
    assert 0.25 < s42 / concerns < 0.33  # 185,270 / 640,240 = 28.9% nationally
    risks = ConcernRiskType.objects.count()
    neglect = ConcernRiskType.objects.filter(risk_type="Neglect and Acts of Omission").count()
    assert 0.28 < neglect / risks < 0.38  # about a third of risks
    own_home = Concern.objects.filter(location_of_risk="Own Home").count()
    assert 0.42 < own_home / concerns < 0.50  # just under half of locations
    repeat_people = Person.objects.annotate(n=Count("concerns")).filter(n__gt=1).count()
    assert repeat_people > 0
    # Issue 12's items: a few concerns set aside; some people died; SG1e's two items about 1% each.
    set_aside = Concern.objects.exclude(set_aside="").count()
    assert 0.002 < set_aside / concerns < 0.01  # about 0.5%
    people = Person.objects.count()
    assert 0.01 < Person.objects.exclude(date_of_death=None).count() / people < 0.03  # about 2%
    for item in (AUTISM, ASPERGERS):
        assert 0.004 < Person.objects.filter(autism=item).count() / people < 0.02  # about 1%
    not_known = Person.objects.filter(autism=AUTISM_NOT_KNOWN).count()
    assert not_known > Person.objects.filter(autism=AUTISM_NEITHER).count() > 0
    # A second location, or a second source, found by about one concluded enquiry in ten.
    closed = Enquiry.objects.filter(status="closed").count()
    for model in (EnquiryLocation, EnquirySource):
        second = model.objects.values("enquiry").annotate(n=Count("pk")).filter(n=2).count()
        assert 0.06 < second / closed < 0.14, model


def test_sizes_range_from_a_handful_to_many_and_add_up():
    import random

    sizes = allocate(640_000, 153, random.Random(1))
    assert sum(sizes) == 640_000
    assert len(sizes) == 153
    assert min(sizes) < 1500 < 8000 < max(sizes)


def test_sac_return_counts_the_generated_year():
    generate(councils=2, concerns=600, year=FY, seed=2)
    sac = build_return(FY)
    sg1f = {c["row"]: c["count"] for c in sac["tables"]["SG1f"]}
    # Concerns set aside (entered in error, duplicates) are not counted.
    assert (
        sg1f["Total Number of Safeguarding Concerns"] == 600 - Concern.objects.exclude(set_aside="").count()
    )
    # Enquiries opened from concerns late in March start in the next year.
    started = Enquiry.objects.filter(kind="s42", **FY.lookup("started_at")).count()
    assert sg1f["Total Number of Section 42 Safeguarding Enquiries"] == started
    assert sac["tables"]["SG4a"] and sac["tables"]["SG3a"] and sac["tables"]["SG2a"]
    # SG4a achievement is there for those who expressed outcomes, with withdrawn outcomes ignored.
    rows = {c["row"] for c in sac["tables"]["SG4a"]}
    assert "Fully Achieved" in rows
    assert DesiredOutcome.objects.exists()
    # SG2b counts every location and source each concluded section 42 enquiry found, once each.
    concluded = Enquiry.objects.filter(kind="s42", status="closed", **FY.lookup("closed_at"))
    pairs = sum(e.found_locations.count() * e.found_sources.count() for e in concluded)
    assert sum(c["count"] for c in sac["tables"]["SG2b"]) == pairs > concluded.count()


def test_the_app_carries_on_after_a_bulk_load(council):
    """Ids and references continue after the generated rows: new records do not collide."""
    generate(councils=2, concerns=300, year=FY, seed=4)
    last = Concern.objects.order_by("-pk").first()
    person = Person.objects.create(council=council, given_name="New", family_name="Person")
    assert person.pk > Person.objects.exclude(pk=person.pk).order_by("-pk").first().pk
    year = last.received_at.year
    seq = ReferenceSequence.objects.get(prefix="CON", year=year)
    issued = Concern.objects.filter(reference__startswith=f"CON-{year}-").count()
    assert seq.last == issued
    reference = ReferenceSequence.next_reference("CON", last.received_at)
    assert not Concern.objects.filter(reference=reference).exists()


def test_users_can_sign_in_with_the_synthetic_password(client):
    generate(councils=1, concerns=50, year=FY, seed=5)
    names = set(User.objects.filter(username__startswith="e99000001-").values_list("username", "role"))
    assert ("e99000001-practitioner-1", Role.PRACTITIONER) in names
    assert ("e99000001-manager", Role.TEAM_MANAGER) in names
    assert ("e99000001-lead", Role.SAFEGUARDING_LEAD) in names
    assert ("e99000001-partner", Role.PARTNER_REFERRER) in names
    signed_in = client.post(reverse("login"), {"username": "e99000001-practitioner-1", "password": PASSWORD})
    assert signed_in.status_code == 302 and "_auth_user_id" in client.session
    partner = User.objects.get(username="e99000001-partner")
    assert partner.organisation.councils.filter(ons_code="E99000001").exists()


def test_command_runs_and_reports(settings):
    settings.DEBUG = True
    out, err = StringIO(), StringIO()
    call_command(
        "generate_synthetic",
        "--councils",
        "2",
        "--concerns",
        "100",
        "--year",
        YEAR,
        "--seed",
        "1",
        stdout=out,
        stderr=err,
    )
    assert "Generated 2 councils and 100 concerns for 2024-25" in out.getvalue()
    assert "100.0% 100/100 concerns" in err.getvalue()  # the progress bar
    assert Concern.objects.count() == 100


def test_command_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DEBUG on"):
        call_command("generate_synthetic", "--councils", "1", "--concerns", "10", "--year", YEAR)
    assert not Concern.objects.exists()


def test_command_refuses_a_bad_year(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="A financial year looks like 2025-26"):
        call_command("generate_synthetic", "--councils", "1", "--concerns", "10", "--year", "2024")
    assert not Organisation.objects.exists()


def test_refuses_to_generate_twice_into_one_database(settings):
    settings.DEBUG = True
    generate(councils=2, concerns=20, year=FY, seed=1)
    with pytest.raises(CommandError, match="already has synthetic councils"):
        call_command("generate_synthetic", "--councils", "2", "--concerns", "20", "--year", YEAR, "--force")
    assert Concern.objects.count() == 20  # nothing half-written


def test_progress_bar_text():
    assert percent_bar(0, 10, width=10) == "[..........]   0.0% 0/10 concerns"
    assert percent_bar(5, 10, width=10) == "[#####.....]  50.0% 5/10 concerns"
    assert percent_bar(0, 0, width=4) == "[####] 100.0% 0/0 concerns"
