"""The page section of `make bench`: the busiest pages and the 24-hour measure, one council.

Builds its own database (var/bench.sqlite3, or BENCH_PAGES_DATABASE_URL), fills it with bulk inserts,
then times requests through Django's test client and counts their queries. `run()` returns the
markdown section (bench/run.py writes bench/RESULTS.md). BENCH_PAGE_CONCERNS sets the size (20,000).
Speed is measured here, never asserted in tests.
"""

import os
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "msphub.settings")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_PAGES_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
)
os.environ.setdefault("MSPHUB_TESTING", "1")
# The pages are fetched as a practitioner signed in with force_login, which gives no second factor:
# with it required every page would be a redirect to its set-up.
os.environ["SECOND_FACTOR_REQUIRED"] = "0"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from msphub.accounts.models import Organisation, Role, Team, User  # noqa: E402
from msphub.concerns.models import Concern, ConcernRiskType, FirstContact  # noqa: E402
from msphub.core import categories  # noqa: E402
from msphub.enquiries.models import DesiredOutcome, Enquiry, PlanAction, Review  # noqa: E402
from msphub.people.models import Person  # noqa: E402

CONCERNS = int(os.environ.get("BENCH_PAGE_CONCERNS", "20000"))
PEOPLE = CONCERNS // 2
REPEATS = 5


def build() -> tuple[User, Concern, Person]:
    settings.ALLOWED_HOSTS = ["testserver"]
    if os.environ["DATABASE_URL"].startswith("sqlite"):
        Path(settings.DATABASES["default"]["NAME"]).unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    rng = random.Random(1)
    council = Organisation.objects.create(name="Bench Council", kind="council", ons_code="E06000999")
    team = Team.objects.create(organisation=council, name="Front Door")
    user = User.objects.create_user(
        "bench", password="bench-password-1", organisation=council, team=team, role=Role.PRACTITIONER
    )
    now = timezone.now()
    people = Person.objects.bulk_create(
        Person(
            council=council,
            given_name=f"Given{i}",
            family_name=f"Family{i % 997}",
            postcode=f"RV{i % 9 + 1} {i % 10}AB",
        )
        for i in range(PEOPLE)
    )
    concerns = Concern.objects.bulk_create(
        Concern(
            council=council,
            reference=f"CON-2026-{i + 1:06d}",
            received_at=now - timedelta(hours=rng.randint(1, 24 * 365)),
            status=rng.choice(["received", "triage", "awaiting_sign_off", "enquiry", "closed"]),
            raiser_kind="professional",
            raiser_name="Raiser",
            adult_given_name="Adult",
            adult_family_name=f"Family{i % 997}",
            what_happened="Bench",
            location_of_risk=rng.choice(categories.LOCATION_OF_RISK)[0],
            source_of_risk=rng.choice(categories.SOURCE_OF_RISK)[0],
            consent="given",
            msp_asked=True,
            person=people[i % PEOPLE],
            submission_token=uuid.uuid4(),
        )
        for i in range(CONCERNS)
    )
    ConcernRiskType.objects.bulk_create(
        ConcernRiskType(concern=c, risk_type=rng.choice(categories.RISK_TYPE)[0]) for c in concerns
    )
    FirstContact.objects.bulk_create(
        FirstContact(
            concern=c,
            contact_at=c.received_at + timedelta(hours=rng.randint(1, 48)),
            method="phone",
            spoke_with="adult",
            recorded_by=user,
            wants="Bench",
        )
        for c in concerns
        if rng.random() < 0.7
    )
    enquiry_concerns = [c for c in concerns if c.status in ("enquiry", "closed")][: CONCERNS // 4]
    enquiries = Enquiry.objects.bulk_create(
        Enquiry(
            reference=f"ENQ-2026-{i + 1:06d}",
            council=council,
            concern=c,
            person=c.person,
            kind="s42",
            lead_practitioner=user,
            team=team,
            started_at=c.received_at + timedelta(days=2),
            status="closed" if c.status == "closed" else "open",
            next_review_due=(c.received_at + timedelta(days=30)).date(),
            closed_at=c.received_at + timedelta(days=60) if c.status == "closed" else None,
            msp_asked=categories.ASKED_AND_EXPRESSED if c.status == "closed" else "",
            risk_assessment_outcome=rng.choice(categories.RISK_ASSESSMENT_OUTCOME)[0]
            if c.status == "closed"
            else "",
            mental_capacity=rng.choice(categories.MENTAL_CAPACITY)[0] if c.status == "closed" else "",
        )
        for i, c in enumerate(enquiry_concerns)
    )
    DesiredOutcome.objects.bulk_create(
        DesiredOutcome(
            enquiry=e,
            words=f"I want it to stop ({n})",
            category=categories.DESIRED_OUTCOME_CATEGORY[n][0],
            expressed_by="adult",
            expressed_on=e.started_at.date(),
            achievement=categories.ACHIEVEMENT[n][0] if e.status == "closed" else "",
        )
        for e in enquiries
        for n in range(2)
    )
    Review.objects.bulk_create(
        Review(
            enquiry=e,
            held_on=e.started_at.date() + timedelta(days=20),
            participants="The person",
            persons_view="Better",
            recorded_by=user,
        )
        for e in enquiries
    )
    PlanAction.objects.bulk_create(
        PlanAction(enquiry=e, action="Visit", owner_agency="Council", due_on=e.started_at.date())
        for e in enquiries
    )
    return user, concerns[0], people[0], enquiries[0]


def measure(label: str, fn) -> dict:
    fn()  # warm up
    times, queries = [], 0
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        queries = len(ctx.captured_queries)
    return {"label": label, "median": statistics.median(times), "max": max(times), "queries": queries}


def run() -> str:
    started = time.perf_counter()
    user, concern, person, enquiry = build()
    build_seconds = time.perf_counter() - started
    client = Client()
    client.force_login(user)

    def get(url: str):
        def run():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return run

    rows = [
        measure("Front-door queue, first page of open concerns", get("/concerns/")),
        measure("Front-door queue, page 20", get("/concerns/?page=20")),
        measure("Concern page (with person and provider history)", get(f"/concerns/{concern.reference}/")),
        measure("Person search by last name", get("/people/?name=Family5")),
        measure("Person page", get(f"/people/{person.uuid}/")),
        measure("Home page counts", get("/accounts/home/")),
        measure("Caseload, my open enquiries (sorted by next review)", get("/enquiries/")),
        measure("Caseload, reviews overdue", get("/enquiries/?show=review_overdue")),
        measure("Caseload, actions overdue, page 10", get("/enquiries/?show=actions_overdue&page=10")),
        measure("Enquiry page", get(f"/enquiries/{enquiry.reference}/")),
        measure(
            "Board dashboard (this financial year, with a gender breakdown)",
            get("/measures/?breakdown=gender&period=last_12_months"),
        ),
        measure("SAC return page (all tables)", get("/measures/sac/")),
        measure(
            "24-hour first-contact measure (count, whole year)",
            lambda: Concern.objects.filter(council=concern.council).first_contact_within_target().count(),
        ),
    ]
    lines = [
        "## Pages (one council)",
        "",
        f"Database: {connection.vendor} {_version()}. Data: {CONCERNS:,} concerns about {PEOPLE:,} people in "
        f"one council, about 70% with a first contact, {Enquiry.objects.count():,} enquiries with two "
        f"desired outcomes, a review and an action each; built in {build_seconds:.1f} s. Each row: median "
        f"and worst of {REPEATS} runs after one warm-up, through Django's test client (no network).",
        "",
        "| what | median ms | worst ms | queries |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {r['label']} | {r['median']:.1f} | {r['max']:.1f} | {r['queries']} |" for r in rows]
    return "\n".join(lines) + "\n"


def _version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    print(run())
