"""Synthetic national data: many councils' year of concerns and enquiries, written in bulk.

Used to size and benchmark msphub at national scale (issue 6). Proportions follow the national
Safeguarding Adults Collection as summarised in ../shared/domain/data.md (about 29% of concerns become
section 42 enquiries; neglect about a third of risks; the person's own home just under half of
locations; most people asked about outcomes, and so on). Everything is drawn from one seeded random
generator, so the same arguments on an empty database give the same data.

Issue 12's items are there too: what each concluded enquiry found (its concern's types, location and
source of risk, now and then a second location or source), dates of death (with where they came
from) and the SG1e autism items on people, moderated quotes on consented feedback, and a few concerns
set aside as entered in error or as duplicates (never with an enquiry). A date of death is never in
the future: one drawn after the day the data is generated is left out (the draws are the same, so
only a year not yet over depends on the day).

Rows are written with PostgreSQL COPY (or batched executemany on SQLite), never one ORM save per row.
Primary keys are assigned here, so the rows of one record (concern, decision, enquiry, outcomes...)
can refer to each other without reading anything back; sequences are moved past them at the end.
Synthetic records have no django-simple-history rows: they were never edited by anyone.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from msphub.accounts.models import Organisation, Role, Team, User
from msphub.concerns.models import Concern, ConcernRiskType, Decision, FirstContact
from msphub.core import categories
from msphub.core.models import ReferenceSequence
from msphub.core.periods import FinancialYear
from msphub.enquiries.models import (
    AdvocacyReferral,
    BestInterestsDecision,
    CapacityAssessment,
    DesiredOutcome,
    Enquiry,
    EnquiryLocation,
    EnquiryRiskType,
    EnquirySource,
    Feedback,
    Involvement,
    PlanAction,
    Review,
)
from msphub.people.models import ASPERGERS, AUTISM, AUTISM_NEITHER, AUTISM_NOT_KNOWN, DeathSource, Person

PASSWORD = "msphub-synthetic-2026"  # noqa: S105 - synthetic users only; the command refuses without DEBUG
ONS_PREFIX = "E99"  # not a real ONS area code prefix, so synthetic councils never clash with real ones
PRACTITIONERS_PER_COUNCIL = 4
REGIONS = [
    "East Midlands",
    "East of England",
    "London",
    "North East",
    "North West",
    "South East",
    "South West",
    "West Midlands",
    "Yorkshire and the Humber",
]
FLUSH_ROWS = 20_000

# --- national-like proportions (weights, not necessarily summing to 100) ---------------------------
DECISION = {"s42": 28.9, "other": 5.0, "none": 66.1}
AGE_BAND_YEARS = [((18, 64), 40), ((65, 74), 12), ((75, 84), 21), ((85, 94), 22), ((95, 104), 4)]
AGE_UNKNOWN = 0.01
GENDER = {"Female": 58, "Male": 41, "Not Known": 1}
ETHNICITY = {
    "White": 80,
    "Mixed / Multiple": 1.5,
    "Asian / Asian British": 5,
    "Black / African / Caribbean / Black British": 3,
    "Other Ethnic Group": 1,
    "Refused": 0.5,
    "Undeclared / Not Known": 9,
}
SUPPORT_REASON = {
    "Physical Support": 38,
    "Sensory Support": 2,
    "Support with Memory and Cognition": 10,
    "Learning Disability Support": 12,
    "Mental Health Support": 16,
    "Social Support": 6,
    "No Support Reason": 4,
    "Not Known": 12,
}
RISK_TYPE = {
    "Neglect and Acts of Omission": 32,
    "Physical Abuse": 18,
    "Financial or Material Abuse": 14,
    "Psychological Abuse": 12,
    "Self-Neglect": 9,
    "Domestic Abuse": 7,
    "Organisational Abuse": 4,
    "Sexual Abuse": 3,
    "Discriminatory Abuse": 0.3,
    "Sexual Exploitation": 0.3,
    "Modern Slavery": 0.3,
}
LOCATION = {
    "Own Home": 47,
    "Care Home - Residential": 17,
    "Care Home - Nursing": 10,
    "In the Community": 5,
    "Community Service": 3,
    "Hospital - Acute": 4,
    "Hospital - Mental Health": 2,
    "Hospital - Community": 1,
    "Other": 11,
}
SOURCE = {"Service Provider": 35, "Other - Known to individual": 55, "Other - Unknown to individual": 10}
RISK_ASSESSMENT = {
    "Risk identified and action taken": 67,
    "Risk identified and no action taken": 3,
    "Risk Assessment inconclusive and action taken": 9,
    "Risk Assessment inconclusive and no action taken": 3,
    "No risk identified and action taken": 6,
    "No risk identified and no action taken": 9,
    "Enquiry ceased at individual's request and no action taken": 3,
}
RISK_OUTCOME = {"Risk remained": 9, "Risk reduced": 58, "Risk removed": 33}
CAPACITY = {
    categories.LACKED_CAPACITY: 30,
    "No, they did not lack capacity": 53,
    "Don't know": 8,
    "Not recorded": 9,
}
MSP_ASKED = {
    categories.ASKED_AND_EXPRESSED: 67,
    categories.ASKED_NONE_EXPRESSED: 12,
    "No": 10,
    "Don't Know": 5,
    "Not Recorded": 6,
}
ACHIEVEMENT = {"Fully Achieved": 67, "Partially Achieved": 28, "Not Achieved": 5}
FEEDBACK_ANSWER = {
    "Definitely": 62,
    "To some extent": 25,
    "Not at all": 6,
    "Don't know": 5,
    "Prefer not to say": 2,
}
PARTICIPATION = {
    "home": 40,
    "elsewhere": 8,
    "phone_video": 15,
    "representative": 14,
    "advocate": 5,
    "chose_not": 8,
    "not_present": 10,
}
PATHWAY = {
    "information_advice": 30,
    "signposted": 12,
    "care_needs": 22,
    "referred": 10,
    "provider_managed": 8,
    "nfa": 18,
}
RAISER_KIND = {"professional": 78, "family_friend": 12, "self": 4, "public": 6}
# SG1e: about 1% each of the two items; otherwise mostly not known, some recorded as neither.
AUTISM_ITEM = {AUTISM: 1, ASPERGERS: 1, AUTISM_NOT_KNOWN: 78, AUTISM_NEITHER: 20}
DEATH = 0.02  # people who died, with a date of death on or after their first concern
DEATH_SOURCE = {DeathSource.NHS: 60, DeathSource.FAMILY: 25, DeathSource.CORONER: 10, DeathSource.OTHER: 5}
# A consented quote: most approved for the Board (in the person's words), some waiting, a few declined.
QUOTE_STATUS = {
    Feedback.QuoteStatus.APPROVED: 75,
    Feedback.QuoteStatus.AWAITING: 15,
    Feedback.QuoteStatus.DECLINED: 10,
}
SET_ASIDE = 0.005  # concerns entered in error or duplicating another (no decision, no enquiry)
SET_ASIDE_KIND = {Concern.SetAside.DUPLICATE: 60, Concern.SetAside.ERROR: 40}
SECOND_FINDING = 0.1  # a concluded enquiry that found a second location, or a second source, of risk
RECENT_ORIGINALS = 50  # a duplicate repeats one of the council's last concerns
OUTCOME_CATEGORIES = [label for label, _ in categories.DESIRED_OUTCOME_CATEGORY]
GIVEN_NAMES = (
    "Alex Sam Jo Pat Chris Morgan Jamie Robin Ali Kim Lee Ray Viv Mo Bea Ann Tom Raj Ada Eve".split()
)
FAMILY_NAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Khan Evans Thomas Roberts".split()
)
PROVIDERS = [f"Provider {n:02d} Care" for n in range(1, 21)]


class Choice:
    """Weighted choice from a dict of label: weight, with one uniform draw (fast and seedable)."""

    def __init__(self, weights: Mapping[Any, float]) -> None:
        self.labels = list(weights)
        total = float(sum(weights.values()))
        self.cumulative = list(itertools.accumulate(w / total for w in weights.values()))
        self.cumulative[-1] = 1.0

    def __call__(self, rng: random.Random) -> Any:
        return self.labels[bisect.bisect_left(self.cumulative, rng.random())]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


@dataclass
class Table:
    """Rows for one model, buffered and written in bulk with explicitly assigned primary keys."""

    model: type[models.Model]
    next_id: int = 1
    rows: list[tuple] = field(default_factory=list)
    written: int = 0

    def __post_init__(self) -> None:
        fields = self.model._meta.concrete_fields
        self.fields = list(fields)
        self.columns = [str(f.column) for f in fields]
        self.defaults = [_column_default(f) for f in fields]
        self.index = {f.attname: i for i, f in enumerate(fields)}
        self.has_uuid = "uuid" in self.index

    def add(self, rng: random.Random, **values: Any) -> int:
        pk = self.next_id
        self.next_id += 1
        row = list(self.defaults)
        row[0] = pk
        if self.has_uuid:
            row[self.index["uuid"]] = _uuid(rng)
        for name, value in values.items():
            row[self.index[name]] = value
        self.rows.append(tuple(row))
        return pk

    def amend_last(self, pk: int, **values: Any) -> None:
        """Change fields of the row just added (``pk``): a value known only once later rows are."""
        row = list(self.rows[-1])
        if row[0] != pk:
            raise ValueError(f"{self.model.__name__} {pk} is not the last row added")
        for name, value in values.items():
            row[self.index[name]] = value
        self.rows[-1] = tuple(row)


def _column_default(f: models.Field) -> Any:
    if f.has_default() and not callable(f.default):
        return f.default
    if f.null:
        return None
    if isinstance(f, models.BooleanField):
        return False
    if isinstance(f, models.CharField | models.TextField):
        return ""
    return None


class BulkWriter:
    """COPY on PostgreSQL; executemany with values prepared by each field on other databases."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def write(self, table: Table) -> None:
        if not table.rows:
            return
        name = connection.ops.quote_name(table.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:  # noqa: S608
                    for row in table.rows:
                        copy.write_row(row)
            else:
                prepared = [
                    tuple(f.get_db_prep_save(v, connection) for f, v in zip(table.fields, row, strict=True))
                    for row in table.rows
                ]
                marks = ", ".join(["%s"] * len(table.columns))
                cursor.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", prepared)  # noqa: S608
        table.written += len(table.rows)
        table.rows.clear()

    def analyse(self, table: Table) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table.model._meta.db_table)}")

    def reset_sequence(self, table: Table) -> None:
        if not self.postgres:
            return  # SQLite's rowid continues from the largest id by itself
        name = table.model._meta.db_table
        with connection.cursor() as cursor:
            largest = f"SELECT MAX(id) FROM {connection.ops.quote_name(name)}"  # noqa: S608
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(({largest}), 1))", [name]
            )


@dataclass
class CouncilStaff:
    council: Organisation
    teams: list[int]
    practitioners: list[int]  # user ids, practitioners[i] works in teams[i % len(teams)]
    managers: list[int]  # managers[i] manages teams[i]
    lead: int
    partner_org: int
    partner_user: int


def allocate(total: int, councils: int, rng: random.Random) -> list[int]:
    """Split `total` concerns between councils with sizes from a handful to thousands (lognormal)."""
    weights = [rng.lognormvariate(0, 0.8) for _ in range(councils)]
    scale = total / sum(weights)
    shares = [w * scale for w in weights]
    counts = [int(s) for s in shares]
    # Largest remainders get the concerns left over, so the counts add up exactly.
    for i in sorted(range(councils), key=lambda i: shares[i] - counts[i], reverse=True)[
        : total - sum(counts)
    ]:
        counts[i] += 1
    return counts


@dataclass(frozen=True)
class Found:
    """What the concern recorded, which the concluded enquiry's findings start from."""

    risks: list[str]
    location: str
    source: str


class SyntheticGenerator:
    def __init__(
        self,
        councils: int,
        concerns: int,
        year: FinancialYear,
        seed: int,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        if councils < 1 or concerns < 0:
            raise ValueError("Give at least one council and a non-negative number of concerns.")
        if councils > 999_999:
            raise ValueError("At most 999,999 synthetic councils (the ONS-style codes have six digits).")
        self.councils = councils
        self.concerns = concerns
        self.period = year
        self.rng = random.Random(seed)
        self.progress = progress or (lambda done, total: None)
        self.writer = BulkWriter()
        self.tables: dict[type[models.Model], Table] = {}
        self.references: dict[tuple[str, int], int] = {}
        self.today = timezone.localdate()
        self.dead: set[int] = set()  # people who died: no later concerns
        weights_by_name: dict[str, Mapping[Any, float]] = {
            "decision": DECISION,
            "gender": GENDER,
            "ethnicity": ETHNICITY,
            "support": SUPPORT_REASON,
            "risk": RISK_TYPE,
            "location": LOCATION,
            "source": SOURCE,
            "risk_assessment": RISK_ASSESSMENT,
            "risk_outcome": RISK_OUTCOME,
            "capacity": CAPACITY,
            "msp": MSP_ASKED,
            "achievement": ACHIEVEMENT,
            "answer": FEEDBACK_ANSWER,
            "participation": PARTICIPATION,
            "pathway": PATHWAY,
            "raiser": RAISER_KIND,
            "autism": AUTISM_ITEM,
            "death_source": DEATH_SOURCE,
            "quote": QUOTE_STATUS,
            "set_aside": SET_ASIDE_KIND,
            "age": {band: w for band, w in AGE_BAND_YEARS},
        }
        self.choices = {name: Choice(weights) for name, weights in weights_by_name.items()}

    # --- set-up -----------------------------------------------------------------------------------

    def _table(self, model: type[models.Model]) -> Table:
        if model not in self.tables:
            last = model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0
            self.tables[model] = Table(model, next_id=last + 1)
        return self.tables[model]

    def _reference(self, prefix: str, when: datetime) -> str:
        year = timezone.localtime(when).year
        key = (prefix, year)
        if key not in self.references:
            seq = ReferenceSequence.objects.filter(prefix=prefix, year=year).first()
            self.references[key] = seq.last if seq else 0
        self.references[key] += 1
        return f"{prefix}-{year}-{self.references[key]:06d}"

    def _save_references(self) -> None:
        for (prefix, year), last in self.references.items():
            ReferenceSequence.objects.update_or_create(prefix=prefix, year=year, defaults={"last": last})

    def _staff(self) -> list[CouncilStaff]:
        """Councils, teams, partner organisations and users: a few thousand rows, bulk created."""
        codes = [f"{ONS_PREFIX}{n:06d}" for n in range(1, self.councils + 1)]
        taken = set(Organisation.objects.filter(ons_code__in=codes).values_list("ons_code", flat=True))
        if taken:
            raise ValueError(
                f"This database already has synthetic councils ({len(taken)} of them, such as "
                f"{min(taken)}). Generate into an empty database, or flush it first."
            )
        rng = self.rng
        councils = Organisation.objects.bulk_create(
            Organisation(
                name=f"Synthetic Council {code[3:]}",
                kind=Organisation.Kind.COUNCIL,
                ons_code=code,
                region=REGIONS[i % len(REGIONS)],
            )
            for i, code in enumerate(codes)
        )
        partners = Organisation.objects.bulk_create(
            Organisation(
                name=f"Synthetic {'NHS Trust' if i % 2 else 'Police'} {c.ons_code[3:]}",
                kind=Organisation.Kind.NHS_TRUST if i % 2 else Organisation.Kind.POLICE,
            )
            for i, c in enumerate(councils)
        )
        Organisation.councils.through.objects.bulk_create(
            Organisation.councils.through(from_organisation_id=p.pk, to_organisation_id=c.pk)
            for p, c in zip(partners, councils, strict=True)
        )
        teams = Team.objects.bulk_create(
            Team(organisation=c, name=name) for c in councils for name in ("Front Door", "Locality Team")
        )
        password = make_password(PASSWORD)  # hashed once: every synthetic user shares it
        users = []
        for i, c in enumerate(councils):
            code = c.ons_code.lower()
            own_teams = teams[2 * i : 2 * i + 2]
            for k in range(PRACTITIONERS_PER_COUNCIL):
                users.append(
                    User(
                        username=f"{code}-practitioner-{k + 1}",
                        first_name=rng.choice(GIVEN_NAMES),
                        last_name=rng.choice(FAMILY_NAMES),
                        organisation=c,
                        team=own_teams[k % 2],
                        role=Role.PRACTITIONER,
                        password=password,
                    )
                )
            for suffix, role, team in (
                ("manager", Role.TEAM_MANAGER, own_teams[1]),
                ("manager-2", Role.TEAM_MANAGER, own_teams[0]),
                ("lead", Role.SAFEGUARDING_LEAD, None),
                ("board", Role.BOARD_VIEWER, None),
            ):
                users.append(
                    User(
                        username=f"{code}-{suffix}",
                        first_name=rng.choice(GIVEN_NAMES),
                        last_name=rng.choice(FAMILY_NAMES),
                        organisation=c,
                        team=team,
                        role=role,
                        password=password,
                    )
                )
            users.append(
                User(
                    username=f"{code}-partner",
                    first_name=rng.choice(GIVEN_NAMES),
                    last_name=rng.choice(FAMILY_NAMES),
                    organisation=partners[i],
                    role=Role.PARTNER_REFERRER,
                    password=password,
                )
            )
        User.objects.bulk_create(users)
        ids = dict(User.objects.filter(username__startswith=ONS_PREFIX.lower()).values_list("username", "pk"))
        staff = []
        for i, c in enumerate(councils):
            code = c.ons_code.lower()
            staff.append(
                CouncilStaff(
                    council=c,
                    teams=[t.pk for t in teams[2 * i : 2 * i + 2]],
                    practitioners=[
                        ids[f"{code}-practitioner-{k + 1}"] for k in range(PRACTITIONERS_PER_COUNCIL)
                    ],
                    managers=[ids[f"{code}-manager-2"], ids[f"{code}-manager"]],
                    lead=ids[f"{code}-lead"],
                    partner_org=partners[i].pk,
                    partner_user=ids[f"{code}-partner"],
                )
            )
        return staff

    # --- the year's casework ----------------------------------------------------------------------

    def _moment(self, day: date, rng: random.Random) -> datetime:
        """A time on a working day, as the council would record it."""
        at = datetime.combine(day, time(hour=rng.randint(8, 18), minute=rng.randint(0, 59)))
        return timezone.make_aware(at)

    def _dob(self, on: date, rng: random.Random) -> date | None:
        if rng.random() < AGE_UNKNOWN:
            return None
        low, high = self.choices["age"](rng)
        age = rng.randint(low, high)
        # Born `age` whole years before `on`, on a random day of that year of life.
        try:
            latest = on.replace(year=on.year - age)
        except ValueError:  # 29 February
            latest = on.replace(year=on.year - age, day=28)
        return latest - timedelta(days=rng.randint(0, 364))

    def generate(self) -> dict[str, int]:
        rng = self.rng
        with transaction.atomic():
            staff = self._staff()
            sizes = allocate(self.concerns, self.councils, rng)
            days = (self.period.end - self.period.start).days + 1
            done = 0
            self.progress(0, self.concerns)
            for council_staff, size in zip(staff, sizes, strict=True):
                # Received dates in order, so each person's first concern comes first.
                offsets = sorted(rng.randrange(days) for _ in range(size))
                people: list[tuple[int, date | None]] = []
                originals: list[tuple[int, int, date | None, datetime]] = []
                for offset in offsets:
                    day = self.period.start + timedelta(days=offset)
                    self._concern(council_staff, day, people, originals, rng)
                    done += 1
                    if done % 5000 == 0:
                        self._flush_if_full()
                        self.progress(done, self.concerns)
            for table in self.tables.values():
                self.writer.write(table)
                self.writer.reset_sequence(table)
                # Fresh statistics, as after any bulk load, so the planner sees the new size at once.
                self.writer.analyse(table)
            self._save_references()
            self.progress(self.concerns, self.concerns)
        counts = {t.model._meta.label: t.written for t in self.tables.values()}
        counts["accounts.Organisation"] = self.councils * 2
        return counts

    def _flush_if_full(self) -> None:
        for table in self.tables.values():
            if len(table.rows) >= FLUSH_ROWS:
                self.writer.write(table)

    def _concern(
        self,
        s: CouncilStaff,
        day: date,
        people: list[tuple[int, date | None]],
        originals: list[tuple[int, int, date | None, datetime]],
        rng: random.Random,
    ) -> None:
        """One concern with what follows it. ``people`` are the council's people so far who may have
        another concern (none who died); ``originals`` its latest concerns a duplicate may repeat,
        as (concern, person, date of birth, received)."""
        c = self.choices
        received_at = self._moment(day, rng)
        # Now and then a concern entered in error, or a second report of one the council already has
        # (about the same person): set aside by a team manager, so never decided or counted.
        set_aside = c["set_aside"](rng) if rng.random() < SET_ASIDE else ""
        duplicate_of: int | None = None
        if set_aside == Concern.SetAside.DUPLICATE:
            if originals:
                duplicate_of, person_id, dob, first = originals[rng.randrange(len(originals))]
                received_at = max(received_at, first + timedelta(minutes=rng.randint(10, 120)))
            else:
                set_aside = Concern.SetAside.ERROR  # the council's first concern duplicates nothing
        if duplicate_of is None:
            # About a quarter of concerns are about someone already known this year (repeat concerns).
            if people and rng.random() < 0.25:
                person_id, dob = people[rng.randrange(len(people))]
            else:
                dob = self._dob(day, rng)
                person_id = self._person(s, day, dob, received_at, people, rng)
        k = rng.randrange(len(s.practitioners))
        team_index = k % 2
        practitioner, team = s.practitioners[k], s.teams[team_index]
        location, source = c["location"](rng), c["source"](rng)
        raiser = c["raiser"](rng)
        by_partner = raiser == "professional" and rng.random() < 0.3
        outcome = c["decision"](rng)
        decided_at = received_at + timedelta(days=rng.choice((0, 1, 1, 2, 3, 5, 8)), hours=rng.randint(1, 6))
        # Most enquiries are concluded; about one in twelve is still open (long-running cases). A
        # concern is closed once its enquiry is (or at once when no enquiry follows), as in the app.
        enquiry_closed = rng.random() < 0.92
        status = "closed" if outcome == "none" or enquiry_closed or set_aside else "enquiry"
        reference = self._reference("CON", received_at)
        concern_id = self._table(Concern).add(
            rng,
            reference=reference,
            council_id=s.council.pk,
            received_at=received_at,
            status=status,
            raised_by_user_id=s.partner_user if by_partner else None,
            raiser_organisation_id=s.partner_org if by_partner else None,
            raiser_kind=raiser,
            raiser_name="Synthetic raiser",
            adult_given_name="Synthetic",
            adult_family_name="Adult",
            adult_date_of_birth=dob,
            what_happened="Synthetic concern for sizing and benchmarks.",
            happened_on=day,
            location_of_risk=location,
            source_of_risk=source,
            care_provider_name=rng.choice(PROVIDERS) if source == "Service Provider" else "",
            consent=rng.choice(("given", "given", "given", "not_sought")),
            consent_not_sought_reason="",
            msp_asked=rng.random() < 0.7,
            person_id=person_id,
            team_id=team,
            assigned_to_id=practitioner,
            set_aside=set_aside,
            set_aside_reason=(
                (
                    "A second report of the same concern (synthetic)."
                    if duplicate_of
                    else "Entered in error (synthetic)."
                )
                if set_aside
                else ""
            ),
            duplicate_of_id=duplicate_of,
            set_aside_by_id=s.managers[team_index] if set_aside else None,
            set_aside_at=received_at + timedelta(hours=rng.randint(1, 6)) if set_aside else None,
        )
        risks = {c["risk"](rng)}
        if rng.random() < 0.2:
            risks.add(c["risk"](rng))
        for risk in sorted(risks):
            self._table(ConcernRiskType).add(rng, concern_id=concern_id, risk_type=risk)
        if set_aside:
            return  # set aside before anyone spoke to the adult: no contact, decision or enquiry
        if person_id not in self.dead:
            originals.append((concern_id, person_id, dob, received_at))
            del originals[:-RECENT_ORIGINALS]
        if rng.random() < 0.9:
            hours = rng.choice((1, 2, 3, 5, 8, 12, 20, 23, 30, 48, 72)) if rng.random() < 0.9 else 120
            contact_at = received_at + timedelta(hours=hours)
            # The concern's first spoken to (Concern.first_contact_at), as FirstContact.save keeps it.
            self._table(Concern).amend_last(concern_id, first_contact_at=contact_at)
            self._table(FirstContact).add(
                rng,
                concern_id=concern_id,
                contact_at=contact_at,
                method=rng.choice(("home", "phone", "phone", "elsewhere")),
                spoke_with=rng.choice(("adult", "adult", "adult", "representative")),
                recorded_by_id=practitioner,
                wants="What the person wants, in their words (synthetic).",
            )
        is_enquiry = outcome != "none"
        self._table(Decision).add(
            rng,
            concern_id=concern_id,
            outcome=outcome,
            criterion_care_needs=outcome == "s42" or rng.random() < 0.5,
            criterion_abuse_risk=outcome == "s42" or rng.random() < 0.5,
            criterion_cannot_protect=outcome == "s42",
            other_enquiry_reason="Synthetic other enquiry." if outcome == "other" else "",
            pathway="" if is_enquiry else c["pathway"](rng),
            rationale="Synthetic decision.",
            lead_practitioner_id=practitioner if is_enquiry else None,
            decided_by_id=practitioner,
            decided_at=decided_at,
            signed_off_by_id=s.managers[team_index] if is_enquiry else None,
            signed_off_at=decided_at + timedelta(hours=2) if is_enquiry else None,
        )
        if is_enquiry:
            self._enquiry(
                s,
                concern_id,
                person_id,
                outcome,
                practitioner,
                team,
                by_partner,
                decided_at,
                enquiry_closed,
                Found(sorted(risks), location, source),
                rng,
            )

    def _person(
        self,
        s: CouncilStaff,
        day: date,
        dob: date | None,
        created_at: datetime,
        people: list[tuple[int, date | None]],
        rng: random.Random,
    ) -> int:
        """A new person; one who dies (on or after this concern's day) has no later concerns."""
        c = self.choices
        died_on = None
        source = ""
        dies = rng.random() < DEATH
        if dies:
            died_on = day + timedelta(days=rng.randint(0, 180))
            source = c["death_source"](rng)
            if died_on > self.today:  # never in the future (the same draws either way)
                died_on, source = None, ""
        person_id = self._table(Person).add(
            rng,
            council_id=s.council.pk,
            team_id=s.teams[0],
            given_name=rng.choice(GIVEN_NAMES),
            family_name=rng.choice(FAMILY_NAMES),
            date_of_birth=dob,
            gender=c["gender"](rng),
            ethnicity=c["ethnicity"](rng),
            primary_support_reason=c["support"](rng),
            autism=c["autism"](rng),
            date_of_death=died_on,
            date_of_death_source=source,
            address="1 Synthetic Street",
            created_at=created_at,
        )
        if dies:
            self.dead.add(person_id)
        else:
            people.append((person_id, dob))
        return person_id

    def _enquiry(
        self,
        s: CouncilStaff,
        concern_id: int,
        person_id: int,
        kind: str,
        practitioner: int,
        team: int,
        by_partner: bool,
        decided_at: datetime,
        closed: bool,
        found: Found,
        rng: random.Random,
    ) -> None:
        c = self.choices
        started_at = decided_at + timedelta(hours=2)
        closed_at = started_at + timedelta(days=rng.randint(10, 160), hours=rng.randint(0, 6))
        capacity = c["capacity"](rng)
        lacked = capacity == categories.LACKED_CAPACITY
        supported = lacked and rng.random() < 0.85
        msp = c["msp"](rng)
        risk_assessment = c["risk_assessment"](rng)
        risk_outcome = c["risk_outcome"](rng) if risk_assessment == "Risk identified and action taken" else ""
        enquiry_id = self._table(Enquiry).add(
            rng,
            reference=self._reference("ENQ", started_at),
            council_id=s.council.pk,
            concern_id=concern_id,
            person_id=person_id,
            kind=kind,
            lead_practitioner_id=practitioner,
            team_id=team,
            making_organisation_id=s.partner_org if by_partner and rng.random() < 0.2 else None,
            started_at=started_at,
            status="closed" if closed else "open",
            next_review_due=None if closed else (started_at + timedelta(days=28)).date(),
            substantial_difficulty=lacked or rng.random() < 0.1,
            has_appropriate_person=supported if lacked else None,
            risk_assessment="Synthetic risk assessment." if closed else "",
            risk_assessment_outcome=risk_assessment if closed else "",
            risk_outcome=risk_outcome if closed else "",
            msp_asked=msp,
            mental_capacity=capacity if closed or rng.random() < 0.5 else "",
            capacity_supported=supported if lacked else None,
            closure_reason=("persons_request" if risk_assessment.startswith("Enquiry ceased") else "complete")
            if closed
            else "",
            closure_requested_by_id=practitioner if closed else None,
            closure_requested_at=closed_at - timedelta(days=1) if closed else None,
            signed_off_by_id=s.managers[s.teams.index(team)] if closed else None,
            closed_at=closed_at if closed else None,
        )
        start_day = started_at.date()
        end_day = closed_at.date() if closed else start_day + timedelta(days=30)
        if closed:
            self._findings(enquiry_id, found, rng)
        if msp == categories.ASKED_AND_EXPRESSED:
            self._outcomes(enquiry_id, start_day, end_day, closed, lacked, rng)
        self._table(Review).add(
            rng,
            enquiry_id=enquiry_id,
            held_on=start_day + timedelta(days=min(28, (end_day - start_day).days)),
            participants="Lead practitioner and the person",
            persons_view="Synthetic review.",
            recorded_by_id=practitioner,
        )
        self._table(Involvement).add(
            rng,
            enquiry_id=enquiry_id,
            held_on=start_day + timedelta(days=rng.randint(0, 7)),
            kind=rng.choice(("visit", "meeting", "phone")),
            participation=c["participation"](rng),
            minutes="Synthetic involvement.",
            recorded_by_id=practitioner,
        )
        if capacity in (categories.LACKED_CAPACITY, "No, they did not lack capacity"):
            self._table(CapacityAssessment).add(
                rng,
                enquiry_id=enquiry_id,
                decision="Whether to take part in the safeguarding enquiry",
                assessed_on=start_day + timedelta(days=1),
                assessor="Lead practitioner",
                outcome="lacks" if lacked else "has",
            )
        if lacked and rng.random() < 0.5:
            self._table(BestInterestsDecision).add(
                rng,
                enquiry_id=enquiry_id,
                decision="Protection plan",
                decided_on=start_day + timedelta(days=3),
                decision_maker="Lead practitioner",
                consulted="Family",
                outcome="Synthetic best interests decision.",
            )
        if supported:
            referred = start_day + timedelta(days=rng.randint(0, 5))
            self._table(AdvocacyReferral).add(
                rng,
                enquiry_id=enquiry_id,
                kind=rng.choice(("care_act", "imca", "family_friend")),
                referred_on=referred,
                started_on=referred + timedelta(days=rng.randint(0, 21)),
                advocate_name="Synthetic advocate",
            )
        if "action taken" in risk_assessment and "no action" not in risk_assessment:
            for n in range(rng.randint(1, 2)):
                due = start_day + timedelta(days=14 * (n + 1))
                self._table(PlanAction).add(
                    rng,
                    enquiry_id=enquiry_id,
                    action="Synthetic protection plan action.",
                    owner_agency="Council",
                    due_on=due,
                    done_on=due if closed else None,
                )
        if closed and rng.random() < 0.35:
            representative = lacked or rng.random() < 0.15
            comments = "Synthetic words of the person." if rng.random() < 0.3 else ""
            asked_on = closed_at.date() + timedelta(days=rng.randint(0, 50))
            consent = bool(comments) and rng.random() < 0.5
            # A consented quote reaches the Board once a team manager approves it (the words as said).
            quote = c["quote"](rng) if consent else ""
            moderated = quote in (Feedback.QuoteStatus.APPROVED, Feedback.QuoteStatus.DECLINED)
            moderated_at = (
                timezone.make_aware(datetime.combine(asked_on + timedelta(days=rng.randint(1, 14)), time(10)))
                if moderated
                else None
            )
            self._table(Feedback).add(
                rng,
                enquiry_id=enquiry_id,
                version="representative" if representative else "adult",
                representative_relationship="Daughter" if representative else "",
                asked_by=rng.choice(("practitioner", "independent")),
                asked_on=asked_on,
                listened_to=c["answer"](rng),
                involved=c["answer"](rng),
                safer=c["answer"](rng),
                happy_with_ending=c["answer"](rng),
                comments=comments,
                consent_to_quote=consent,
                recorded_by_id=practitioner,
                quote_status=quote,
                approved_text=comments if quote == Feedback.QuoteStatus.APPROVED else "",
                moderated_by_id=s.managers[s.teams.index(team)] if moderated else None,
                moderated_at=moderated_at,
            )

    def _findings(self, enquiry_id: int, found: Found, rng: random.Random) -> None:
        """What the concluded enquiry found (SG2): the concern's types, location and source of risk,
        and now and then a second location or a second source that came to light."""
        c = self.choices
        for risk in found.risks:
            self._table(EnquiryRiskType).add(rng, enquiry_id=enquiry_id, risk_type=risk)
        locations = {found.location}
        if rng.random() < SECOND_FINDING:
            locations.add(self._another(c["location"], found.location, rng))
        for location in sorted(locations):
            self._table(EnquiryLocation).add(rng, enquiry_id=enquiry_id, location_of_risk=location)
        sources = {found.source}
        if rng.random() < SECOND_FINDING:
            sources.add(self._another(c["source"], found.source, rng))
        for source in sorted(sources):
            self._table(EnquirySource).add(rng, enquiry_id=enquiry_id, source_of_risk=source)

    @staticmethod
    def _another(choice: Choice, than: str, rng: random.Random) -> str:
        """A category drawn with ``choice``'s weights, other than ``than``."""
        while True:
            value = choice(rng)
            if value != than:
                return value

    def _outcomes(
        self, enquiry_id: int, start: date, end: date, closed: bool, lacked: bool, rng: random.Random
    ) -> None:
        """One to three desired outcomes whose achievements give the drawn SG4a result."""
        n = rng.choice((1, 1, 2, 2, 3))
        overall = self.choices["achievement"](rng) if closed else ""
        if overall == "Fully Achieved":
            each: Sequence[str] = ["Fully Achieved"] * n
        elif overall == "Not Achieved":
            each = ["Not Achieved"] * n
        elif overall == "Partially Achieved":
            each = ["Partially Achieved"] + [
                rng.choice(("Fully Achieved", "Not Achieved")) for _ in range(n - 1)
            ]
        else:
            each = [""] * n
        table = self._table(DesiredOutcome)
        for category, achievement in zip(rng.sample(OUTCOME_CATEGORIES, n), each, strict=True):
            table.add(
                rng,
                enquiry_id=enquiry_id,
                words=f"I want to {category.lower()} (synthetic).",
                category=category,
                expressed_by="representative" if lacked else "adult",
                representative_name="Synthetic representative" if lacked else "",
                expressed_on=start,
                achievement=achievement,
            )
        # Now and then an outcome the person later withdrew: it must not count towards SG4a.
        if rng.random() < 0.03:
            table.add(
                rng,
                enquiry_id=enquiry_id,
                words="Something I no longer want (synthetic).",
                category="Other",
                expressed_by="adult",
                expressed_on=start,
                withdrawn_on=end,
                withdrawn_reason="The person changed their mind.",
                achievement="Not Achieved",
            )


def generate(
    councils: int,
    concerns: int,
    year: FinancialYear,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Create a synthetic year for `councils` councils with `concerns` concerns in all."""
    return SyntheticGenerator(councils, concerns, year, seed, progress).generate()


def percent_bar(done: int, total: int, width: int = 30) -> str:
    filled = width if total == 0 else math.floor(width * done / total)
    share = 100 if total == 0 else 100 * done / total
    return f"[{'#' * filled}{'.' * (width - filled)}] {share:5.1f}% {done:,}/{total:,} concerns"
