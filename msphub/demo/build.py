"""Build the demo councils' casework through the real services, so every rule of the journey applies.

The same seed gives the same data: all choices come from one random.Random, and every timestamp is
an offset from one anchor, midnight today in Europe/London. Rebuilding first removes what an
earlier run made (see remove_demo_data), so running twice leaves exactly what running once does.

The services stamp records with the real time; afterwards the builder moves the timestamps back to
the simulated ones with bulk updates, so concerns spread over the last twelve months. Change
history is stamped at creation through simple_history's pre_create_historical_record signal with
the simulated time and acting user, so the history pages tell the same story as the records.
Where a service draws a random uuid, the builder writes a seeded one over it in the same way.

Once a council's concerns exist, the enquiries they opened are played through their stages, from
newly opened to closed with feedback (enquiry_stages.py). Last, Riverside's Board assurance is built
on that casework: a round of case file audits, Safeguarding Adults Reviews and a draft annual report
(assurance_demo.py).
"""

import math
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.signals import pre_create_historical_record
from simple_history.utils import get_history_manager_for_model

from msphub.accounts.models import Organisation, Team, User
from msphub.concerns import services
from msphub.concerns.models import (
    Concern,
    ConcernNote,
    ConcernRiskType,
    ConcernTransfer,
    ContactAttempt,
    Decision,
    FirstContact,
)
from msphub.core.models import ReferenceSequence
from msphub.core.validators import nhs_number_check_digit
from msphub.enquiries import services as services_enquiries
from msphub.enquiries.models import RECORD_PARTS, Enquiry, Feedback
from msphub.people.models import Person, Representative

from . import content as c
from .assurance_demo import remove_assurance, seed_assurance
from .enquiry_stages import EnquiryPlan, EnquiryStagesMixin
from .partners_demo import remove_partners_demo, seed_partners

# The parts of the enquiry record, the person's feedback among them; they go with their enquiry,
# but their history rows stay behind.
ENQUIRY_PARTS: tuple[type[models.Model], ...] = (*RECORD_PARTS, Feedback)

# How many concerns each council gets at each stage. "fresh" concerns arrived in the hours before
# the anchor and are not yet overdue; "overdue" ones have waited more than a day in the queue;
# "opened" ones became section 42 enquiries in the last few days, so some enquiries are new.
RIVERSIDE_STAGES = {"fresh": 6, "overdue": 8, "triage": 26, "awaiting": 12, "decided": 248, "opened": 3}
HILLSIDE_STAGES = {"fresh": 1, "overdue": 1, "triage": 3, "awaiting": 1, "decided": 14, "opened": 1}

# Other enquiries are far fewer than section 42 ones nationally (roughly one for every eight).
OTHER_SCALE = 0.5
REPEAT_RATE = 0.19  # chance a concern is about someone with an earlier concern (data.md measure 8)
RETURN_RATE = 0.08  # chance a manager sends a decision back before signing it off
RESTRICTED_PEOPLE = 3


def local_midnight_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


# --- Removing an earlier run -------------------------------------------------------------------------


def remove_demo_data() -> None:
    """Delete the casework of the demo councils and partners, with its history and access log.

    Organisations, teams and demo users are kept and updated in place by the builder, so nothing
    outside the demo that points at them (a team someone added, a user's sessions) is broken.
    """
    council_ids = list(
        Organisation.objects.filter(ons_code__in=[x["ons_code"] for x in c.COUNCILS]).values_list(
            "pk", flat=True
        )
    )
    partner_ids = list(Organisation.objects.filter(name__in=c.PARTNER_NAMES).values_list("pk", flat=True))
    h_concern, h_person, h_enquiry = (m.history.model for m in (Concern, Person, Enquiry))
    # Audits and reviews protect the records they are about, so they go first.
    remove_assurance(council_ids)
    # Whole-service enquiries link the casework's concerns; they go before it too.
    remove_partners_demo(council_ids)

    # Historical rows outlive their records, so ids come from the history tables as well: a note
    # someone deleted through the app still has history rows to clear.
    concerns = Concern.objects.filter(
        Q(council_id__in=council_ids) | Q(raiser_organisation_id__in=partner_ids)
    )
    concern_ids = set(concerns.values_list("pk", flat=True)) | set(
        h_concern.objects.filter(council_id__in=council_ids).values_list("id", flat=True)
    )
    person_ids = set(Person.objects.filter(council_id__in=council_ids).values_list("pk", flat=True)) | set(
        h_person.objects.filter(council_id__in=council_ids).values_list("id", flat=True)
    )
    enquiries = Enquiry.objects.filter(Q(council_id__in=council_ids) | Q(concern_id__in=concern_ids))
    enquiry_ids = set(enquiries.values_list("pk", flat=True)) | set(
        h_enquiry.objects.filter(council_id__in=council_ids).values_list("id", flat=True)
    )
    # The access log is kept: its entries are chained by hash (verify_access_log), so removing any
    # would break the chain. Old entries name demo records that no longer exist, which is harmless.
    # Notifications name their record by uuid (no link to it): those about the demo's records go too.
    from msphub.worktray.services import records_gone

    records_gone(
        [
            *Concern.objects.filter(pk__in=concern_ids).values_list("uuid", flat=True),
            *Enquiry.objects.filter(pk__in=enquiry_ids).values_list("uuid", flat=True),
        ]
    )
    # Enquiries protect their concern and person, and concerns protect their person.
    Enquiry.objects.filter(pk__in=enquiry_ids).delete()
    # A duplicate protects the concern it duplicates: unlinked first (no history row), then both go.
    duplicates = Concern.objects.filter(pk__in=concern_ids).exclude(duplicate_of=None)
    duplicates.update(set_aside="", duplicate_of=None)
    Concern.objects.filter(pk__in=concern_ids).delete()
    Person.objects.filter(pk__in=person_ids).delete()

    # Deleting writes "-" history rows; these go too, so history tables do not grow across runs.
    for model in ENQUIRY_PARTS:
        get_history_manager_for_model(model).filter(enquiry_id__in=enquiry_ids).delete()
    h_enquiry.objects.filter(id__in=enquiry_ids).delete()
    h_concern.objects.filter(id__in=concern_ids).delete()
    for concern_part in (FirstContact, ContactAttempt, ConcernNote, Decision, ConcernTransfer):
        concern_part.history.model.objects.filter(concern_id__in=concern_ids).delete()
    h_person.objects.filter(id__in=person_ids).delete()
    Representative.history.model.objects.filter(person_id__in=person_ids).delete()

    reset_reference_sequences()


def reset_reference_sequences() -> None:
    """Wind CON and ENQ sequences back to the highest reference still in use.

    With only demo data in the database that removes the rows, so a rebuild issues the same
    references again; any other council's references stay unique.
    """
    for prefix, model in (("CON", Concern), ("ENQ", Enquiry)):
        for seq in ReferenceSequence.objects.filter(prefix=prefix):
            highest = (
                model.objects.filter(reference__startswith=f"{prefix}-{seq.year}-")
                .order_by("-reference")
                .values_list("reference", flat=True)
                .first()
            )
            if highest is None:
                seq.delete()
            else:
                seq.last = int(highest.rsplit("-", 1)[1])
                seq.save(update_fields=["last"])


# --- Plans ---------------------------------------------------------------------------------------


@dataclass(eq=False)
class PersonPlan:
    """An adult as the demo knows them before (and after) their record is created at triage."""

    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: date | None
    age: int
    gender: str
    ethnicity: str
    support: str
    nhs_number: str
    address: str
    postcode: str
    phone: str
    needs: str
    communication_needs: str
    scenario: c.Scenario
    provider: str
    restricted: bool
    uuid: uuid.UUID
    representatives: list[tuple[str, str, str]] = field(default_factory=list)
    person: Person | None = None

    @property
    def words(self) -> dict[str, str]:
        return pronouns(self.gender) | {"name": self.preferred_name or self.given_name}


@dataclass
class Slot:
    """When a concern arrives and how far along its journey it is; hours are after receipt."""

    stage: str
    received_at: datetime
    pickup: float = 0.0
    contact: float | None = None
    decision: float | None = None
    sign_off: float | None = None
    returned: bool = False
    outcome: str | None = None  # decided in advance ("s42" for a recently opened enquiry)


@dataclass
class CouncilSetup:
    key: str
    council: Organisation
    stages: dict[str, int]
    postcode_area: str
    towns: list[str]
    raisers: dict[str, list[tuple[str, str, str | None]]]
    people: list[PersonPlan] = field(default_factory=list)


def pronouns(gender: str) -> dict[str, str]:
    she = gender == "Female"
    he = gender == "Male"
    if she or he:
        subject = "she" if she else "he"
        their = "her" if she else "his"
        them = "her" if she else "him"
        return {
            "their": their,
            "their_cap": their.capitalize(),
            "them": them,
            "themself": f"{them}self",
            "they_are": f"{subject} is",
            "they_have": f"{subject} has",
            "they_do_not": f"{subject} does not",
            "they_cannot": f"{subject} cannot",
            "they_want": f"{subject} wants",
        }
    return {
        "their": "their",
        "their_cap": "Their",
        "them": "them",
        "themself": "themself",
        "they_are": "they are",
        "they_have": "they have",
        "they_do_not": "they do not",
        "they_cannot": "they cannot",
        "they_want": "they want",
    }


# --- The builder ---------------------------------------------------------------------------------


def scaled(stages: dict[str, int], scale: float) -> dict[str, int]:
    """The concerns of each stage times ``scale``, at least one of each (the same at 1)."""
    if scale == 1:
        return dict(stages)
    return {stage: max(1, round(n * scale)) for stage, n in stages.items()}


class DemoBuilder(EnquiryStagesMixin):
    def __init__(self, seed: int = 1, scale: float = 1.0) -> None:
        """``scale`` multiplies the number of concerns at each stage (1, the default, is the full
        demo); a smaller demo is quicker to build, for tests that only need some of everything."""
        if scale <= 0:
            raise ValueError("scale must be more than 0")
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(seed)
        # The corrections (concerns set aside, an attempt to reach someone) draw from their own
        # generator, so adding them changed nothing else the seed gives.
        self.corrections_rng = random.Random(f"corrections-{seed}")
        self.anchor = local_midnight_today()
        self.latest = self.anchor - timedelta(minutes=5)
        self.nhs_numbers: set[str] = set()
        # The simulated time and user of the step being run, for the history rows it writes.
        self.clock = self.anchor
        self.actor: User | None = None
        self.history_values: dict[type, dict[str, Any]] = {}
        # Simulated timestamps by model and primary key, written over the real ones at the end. Kept
        # apart from the instances, which the services may reload with the real times.
        self.backdates: dict[type[models.Model], dict[int, dict[str, Any]]] = {
            model: {} for model in (Concern, ConcernNote, Decision, Enquiry, Person)
        }
        # The enquiries a council's concerns opened, played through their stages once all exist.
        self.opened: list[EnquiryPlan] = []
        self.assurance: dict[str, int] = {}
        self.partners: dict[str, int] = {}

    # Entry point

    def build(self) -> dict[str, Any]:
        with transaction.atomic():
            remove_demo_data()
            self._organisations()
            self._users()
            pre_create_historical_record.connect(self._stamp_history, weak=False, dispatch_uid="seed_demo")
            try:
                for setup in self.setups:
                    self._council(setup)
            finally:
                pre_create_historical_record.disconnect(dispatch_uid="seed_demo")
            self._backdate()
            # Audits, reviews and the annual report read the casework as it stands, backdated.
            self.assurance = seed_assurance(self)
            # Working with partners: a whole-service enquiry, partner-owned actions, partner users.
            self.partners = seed_partners(self)
        return self.summary()

    # Organisations and users

    def _organisations(self) -> None:
        councils = {}
        for spec in c.COUNCILS:
            councils[spec["name"]], _ = Organisation.objects.update_or_create(
                ons_code=spec["ons_code"],
                defaults={"name": spec["name"], "kind": Organisation.Kind.COUNCIL, "region": spec["region"]},
            )
        self.riverside = councils[c.RIVERSIDE["name"]]
        self.hillside = councils[c.HILLSIDE["name"]]
        self.orgs = dict(councils)
        for name, kind in c.PARTNERS:
            org, _ = Organisation.objects.update_or_create(
                name=name, defaults={"kind": kind, "region": c.RIVERSIDE["region"]}
            )
            org.councils.add(self.riverside)
            self.orgs[name] = org
        self.teams = {
            name: Team.objects.get_or_create(organisation=council, name=name)[0]
            for council, name in (
                (self.riverside, c.FRONT_DOOR),
                (self.riverside, c.LOCALITY),
                (self.hillside, c.HILLSIDE_TEAM),
            )
        }
        self.setups = [
            CouncilSetup(
                "riverside",
                self.riverside,
                scaled(RIVERSIDE_STAGES, self.scale),
                "RV",
                c.RIVERSIDE_TOWNS,
                c.PROFESSIONAL_RAISERS,
            ),
            CouncilSetup(
                "hillside",
                self.hillside,
                scaled(HILLSIDE_STAGES, self.scale),
                "HL",
                c.HILLSIDE_TOWNS,
                c.HILLSIDE_PROFESSIONAL_RAISERS,
            ),
        ]

    def _users(self) -> None:
        # One hash for all: the password is the same and hashing costs a noticeable fraction of a second.
        password = make_password(c.PASSWORD)
        lead_permissions = list(
            Permission.objects.filter(content_type__app_label="accounts", codename__in=c.LEAD_PERMISSIONS)
        )
        self.users: dict[str, User] = {}
        for number, spec in enumerate(c.USERS):
            org = self.orgs[spec.organisation] if spec.organisation else None
            domain = (spec.organisation or "msphub").lower().replace(" ", "-")
            user, _ = User.objects.update_or_create(
                username=spec.username,
                defaults={
                    "first_name": spec.first_name,
                    "last_name": spec.last_name,
                    "email": f"{spec.first_name}.{spec.last_name}".lower().replace("'", "")
                    + f"@{domain}.example",
                    "organisation": org,
                    "team": self.teams[spec.team] if spec.team else None,
                    "role": spec.role,
                    "job_title": spec.job_title,
                    "phone": f"01632 960{number:03d}",
                    "is_staff": spec.is_staff,
                    "is_superuser": spec.is_superuser,
                    "is_active": True,
                    "password": password,
                },
            )
            user.groups.clear()
            user.user_permissions.set(lead_permissions if spec.username == "lead" else [])
            self.users[spec.username] = user
        # Who signs off a team's enquiry closures.
        self.team_managers = {u.team_id: u for u in self.users.values() if u.role == "team_manager"}

    # History stamping

    def _stamp_history(self, sender: Any, history_instance: Any, **kwargs: Any) -> None:
        history_instance.history_date = self.clock
        history_instance.history_user = self.actor
        for attname, value in self.history_values.get(sender.instance_type, {}).items():
            if getattr(history_instance, attname) is not None:
                setattr(history_instance, attname, value)

    def _step(self, received_at: datetime, hours: float, actor: User | None) -> datetime:
        """Set the simulated clock for the next service call; never later than the anchor."""
        self.clock = min(received_at + timedelta(hours=hours), self.latest)
        self.actor = actor
        return self.clock

    # Random helpers

    def _weighted(self, pairs: Any) -> Any:
        items = list(pairs)
        return self.rng.choices([v for v, _ in items], weights=[w for _, w in items])[0]

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _received_on(self, days_back: int) -> datetime:
        # Fewer concerns arrive at weekends; most in office hours, some in the evening from the police.
        day = self.anchor.date() - timedelta(days=days_back)
        if day.weekday() >= 5 and self.rng.random() < 0.6:
            day -= timedelta(days=day.weekday() - 4)
        hour = self.rng.choices(range(7, 22), weights=[2, 5, 8, 9, 9, 8, 7, 8, 8, 7, 5, 3, 2, 2, 1])[0]
        return timezone.make_aware(datetime.combine(day, time(hour, self.rng.randrange(60))))

    def _mobile(self) -> str:
        return f"07700 900{self.rng.randrange(1000):03d}"

    def _landline(self) -> str:
        return f"01632 960{self.rng.randrange(1000):03d}"

    def _nhs_number(self) -> str:
        while True:
            # The 999 range is reserved for testing and never issued to a patient.
            first_nine = "999" + f"{self.rng.randrange(10**6):06d}"
            check = nhs_number_check_digit(first_nine)
            number = f"{first_nine}{check}"
            if check is not None and number not in self.nhs_numbers:
                self.nhs_numbers.add(number)
                return number

    def _postcode(self, area: str) -> str:
        letters = self.rng.choices(c.POSTCODE_LETTERS, k=2)
        return f"{area}{self.rng.randint(1, 9)} {self.rng.randint(1, 9)}{letters[0]}{letters[1]}"

    # Slots: when each concern arrives and how far it has got

    def _slots(self, stages: dict[str, int]) -> list[Slot]:
        slots = []
        for _ in range(stages["fresh"]):
            slots.append(Slot("received", self.anchor - timedelta(hours=self.rng.uniform(0.5, 7))))
        for _ in range(stages["overdue"]):
            slots.append(Slot("received", self._received_on(self.rng.randint(2, 6))))
        for _ in range(stages["triage"]):
            slots.append(self._triage_slot())
        for _ in range(stages["awaiting"]):
            slots.append(self._awaiting_slot())
        for _ in range(stages["decided"]):
            slots.append(self._decided_slot())
        for _ in range(stages["opened"]):
            slots.append(self._opened_slot())
        slots.sort(key=lambda s: s.received_at)
        return slots

    def _age(self, received_at: datetime) -> float:
        return (self.latest - received_at).total_seconds() / 3600

    def _within_a_day(self, after: float) -> float:
        # Most first conversations happen within a few hours of the concern being picked up.
        return self.rng.triangular(after + 0.25, 23.5, after + 2)

    def _triage_slot(self) -> Slot:
        slot = Slot("triage", self._received_on(self.rng.randint(1, 14)))
        age = self._age(slot.received_at)
        slot.pickup = self.rng.uniform(0.2, min(4.0, age * 0.3))
        roll = self.rng.random()
        if age < 24:
            if roll < 0.5 and age - slot.pickup > 1:
                slot.contact = self.rng.uniform(slot.pickup + 0.25, age - 0.25)
        elif roll < 0.6:
            slot.contact = self._within_a_day(slot.pickup)
        elif roll < 0.75 and age > 26:
            slot.contact = self.rng.uniform(24.5, age - 0.5)
        # The rest have not been spoken to yet and show as overdue.
        if slot.contact is not None and age - slot.contact > 26 and self.rng.random() < 0.3:
            # A decision was sent back by the manager and is being reworked.
            slot.returned = True
            slot.decision = self.rng.uniform(slot.contact + 1, age - 1)
        return slot

    def _awaiting_slot(self) -> Slot:
        slot = Slot("awaiting", self._received_on(self.rng.randint(2, 18)))
        age = self._age(slot.received_at)
        slot.pickup = self.rng.uniform(0.2, 4)
        if self.rng.random() < 0.8:
            slot.contact = self._within_a_day(slot.pickup)
        else:
            slot.contact = self.rng.uniform(24.5, max(25.0, age - 3))
        slot.contact = min(slot.contact, age - 2)
        slot.decision = self.rng.uniform(slot.contact + 1, age - 0.5)
        return slot

    def _decided_slot(self) -> Slot:
        pickup = self.rng.uniform(0.2, 4)
        roll = self.rng.random()
        if roll < 0.76:
            contact: float | None = self._within_a_day(pickup)
        elif roll < 0.94:
            contact = self.rng.uniform(24.5, 120)
        else:
            contact = None  # only kept if the decision is no enquiry (see _concern)
        # Days from concern to decision: median about two and a half, a long tail (data.md measure 9).
        decision = min(self.rng.lognormvariate(math.log(60), 0.8), 40 * 24)
        returned = self.rng.random() < RETURN_RATE
        # A returned decision needs time for the first go, the manager's reply and the second go.
        decision = max(decision, (contact or pickup) + (24 if returned else 1))
        sign_off = min(max(self.rng.lognormvariate(math.log(18), 0.9), 0.5), 120)
        earliest = math.ceil((decision + sign_off) / 24) + 1
        received_at = self._received_on(self.rng.randint(max(earliest, 3), 365))
        return Slot("decided", received_at, pickup, contact, decision, decision + sign_off, returned)

    def _opened_slot(self) -> Slot:
        """A concern decided and signed off in the last few days as a section 42 enquiry."""
        slot = Slot("decided", self._received_on(self.rng.randint(4, 11)), outcome="s42")
        age = self._age(slot.received_at)
        slot.pickup = self.rng.uniform(0.2, 4)
        slot.contact = self._within_a_day(slot.pickup)
        slot.decision = self.rng.uniform(slot.contact + 1, min(slot.contact + 72, age * 0.6))
        slot.sign_off = slot.decision + self.rng.uniform(0.5, min(24.0, age - slot.decision - 1))
        return slot

    # People

    def _new_person(self, setup: CouncilSetup, scenario: c.Scenario, received_at: datetime) -> PersonPlan:
        rng = self.rng
        roll = rng.random()
        gender = "Not Known" if roll < 0.015 else "Female" if roll < scenario.female else "Male"
        age = rng.randint(*scenario.ages)
        born = date(received_at.year - age, received_at.month, min(received_at.day, 28))
        dob = None if rng.random() < 0.03 else born - timedelta(days=rng.randint(1, 364))
        ethnicity = self._weighted(c.ETHNICITY_WEIGHTS)
        pool = rng.choice(c.ETHNICITY_POOLS[ethnicity])
        sex = {"Female": "f", "Male": "m"}.get(gender) or rng.choice("fm")
        taken = {(p.given_name, p.family_name) for p in setup.people}
        while True:
            if pool == "white":
                given = rng.choice(c.NAMES[f"white_{'old' if age >= 60 else 'young'}_{sex}"])
            else:
                given = rng.choice(c.NAMES[f"{pool}_{sex}"])
            family = rng.choice(c.NAMES[f"{pool}_family"])
            if pool == "asian" and sex == "f" and rng.random() < 0.25:
                family = rng.choice(["Begum", "Bibi", "Kaur"])
            if (given, family) not in taken:
                break
        preferred = c.PREFERRED_NAMES.get(given, "") if rng.random() < 0.5 else ""
        support = self._weighted(scenario.support)
        provider = ""
        if scenario.providers:
            provider = rng.choice(scenario.providers)
        street = f"{rng.randint(1, 120)} {rng.choice(c.STREETS)}, {rng.choice(setup.towns)}"
        lives_in_care = (
            not scenario.locations
            and provider in c.PROVIDER_LOCATION
            and (c.PROVIDER_LOCATION[provider].startswith("Care Home"))
        )
        if lives_in_care:
            street = f"{self._provider_name(setup, provider)}, {street}"
        phone_roll = rng.random()
        phone = self._landline() if phone_roll < 0.65 else self._mobile() if phone_roll < 0.85 else ""
        words = pronouns(gender)
        needs = rng.choice(c.NEEDS_BY_SUPPORT[support]).format(**words)
        communication = ""
        if rng.random() < 0.08:
            options = [
                x for x in c.COMMUNICATION_NEEDS if ("Punjabi" in x or "Urdu" in x) == (pool == "asian")
            ]
            communication = rng.choice(options or c.COMMUNICATION_NEEDS)
        restricted = (
            setup.key == "riverside"
            and 25 <= age < 65
            and sum(p.restricted for p in setup.people) < RESTRICTED_PEOPLE
            and rng.random() < 0.2
        )
        plan = PersonPlan(
            given_name=given,
            family_name=family,
            preferred_name=preferred,
            date_of_birth=dob,
            age=age,
            gender=gender,
            ethnicity=ethnicity,
            support=support,
            nhs_number=self._nhs_number() if rng.random() < 0.93 else "",
            address=street,
            postcode=self._postcode(setup.postcode_area),
            phone=phone,
            needs=needs,
            communication_needs=communication,
            scenario=scenario,
            provider=provider,
            restricted=restricted,
            uuid=self._uuid(),
        )
        chance = 0.6 if support == "Support with Memory and Cognition" else 0.25
        for _ in range(2 if rng.random() < chance / 4 else 1 if rng.random() < chance else 0):
            kind, relationship = self._weighted(((k, r), w) for k, r, w in c.REPRESENTATIVE_KINDS)
            rep_pool = pool if kind == "family" else rng.choice(["white", "white", "asian", "black"])
            rep_given = rng.choice(
                c.NAMES[f"{'white_young' if rep_pool == 'white' else rep_pool}_{rng.choice('fm')}"]
            )
            rep_family = (
                family
                if kind == "family" and rng.random() < 0.7
                else rng.choice(c.NAMES[f"{rep_pool}_family"])
            )
            plan.representatives.append((f"{rep_given} {rep_family}", kind, relationship))
        setup.people.append(plan)
        return plan

    def _provider_name(self, setup: CouncilSetup, provider: str) -> str:
        if setup.key == "riverside" or not provider:
            return provider
        return c.HILLSIDE_PROVIDERS[c.PROVIDER_LOCATION[provider]]

    def _who(self, setup: CouncilSetup, earlier: list[PersonPlan], received_at: datetime) -> PersonPlan:
        """The adult a concern is about: now and then someone the council has heard about before."""
        if earlier and self.rng.random() < REPEAT_RATE:
            return self.rng.choices(earlier, weights=[p.scenario.repeat for p in earlier])[0]
        scenario = self.rng.choices(c.SCENARIOS, weights=[s.weight for s in c.SCENARIOS])[0]
        return self._new_person(setup, scenario, received_at)

    def _scenario_for(self, person: PersonPlan, repeat: bool) -> c.Scenario:
        if not repeat or self.rng.random() < 0.65:
            return person.scenario
        fitting = [s for s in c.SCENARIOS if not s.providers and s.ages[0] <= person.age <= s.ages[1]]
        return (
            self.rng.choices(fitting, weights=[s.weight for s in fitting])[0] if fitting else person.scenario
        )

    # One council

    def _council(self, setup: CouncilSetup) -> None:
        if setup.key == "riverside":
            self.front = (self.users["practitioner"], self.users["manager"])
            self.locality = (self.users["practitioner2"], self.users["manager2"])
        else:
            self.front = self.locality = (self.users["hillside"], self.users["hillside_manager"])
        seen: list[PersonPlan] = []
        self.opened = []
        for slot in self._slots(setup.stages):
            person = self._who(setup, seen, slot.received_at)
            repeat = person in seen
            self._concern(setup, slot, person, self._scenario_for(person, repeat))
            if not repeat:
                seen.append(person)
        if setup.key == "riverside":
            self._corrections(setup)
        self._plan_enquiries(self.opened, minimums=setup.key == "riverside")
        for plan in self.opened:
            self._run_enquiry(plan)

    def _raiser(
        self, setup: CouncilSetup, kind: str, person: PersonPlan, provider: str
    ) -> tuple[dict[str, Any], User | None]:
        """Who raised the concern: a partner's user account, a professional, family, the adult, the public."""
        rng = self.rng
        account = {"police": "partner", "nhs": "partner2"}.get(kind)
        if setup.key == "riverside" and account and rng.random() < 0.55:
            user = self.users[account]
            return {
                "raiser_kind": "professional",
                "raiser_name": user.get_full_name(),
                "raiser_role": user.job_title,
                "raiser_organisation_name": str(user.organisation),
                "raiser_email": user.email,
                "raiser_phone": user.phone,
            }, user
        if kind in setup.raisers:
            name, role, org = rng.choice(setup.raisers[kind])
            org = org or provider or self._provider_name(setup, "Sunrise Home Care Ltd")
            return {
                "raiser_kind": "professional",
                "raiser_name": name,
                "raiser_role": role,
                "raiser_organisation_name": org,
                "raiser_phone": self._landline(),
                "raiser_email": f"{name.split()[-1].lower()}@{org.lower().replace(' ', '')}.example",
            }, None
        if kind == "self":
            return {
                "raiser_kind": "self",
                "raiser_name": f"{person.given_name} {person.family_name}",
                "raiser_phone": person.phone or self._mobile(),
            }, None
        sex = rng.choice("fm")
        given = rng.choice(c.NAMES[f"white_young_{sex}"])
        if kind == "family":
            family = person.family_name if rng.random() < 0.6 else rng.choice(c.NAMES["white_family"])
            return {
                "raiser_kind": "family_friend",
                "raiser_name": f"{given} {family}",
                "raiser_role": rng.choice(c.FAMILY_RAISER_ROLES[sex]),
                "raiser_phone": self._mobile(),
            }, None
        return {
            "raiser_kind": "public",
            "raiser_name": f"{given} {rng.choice(c.NAMES['white_family'])}",
            "raiser_role": rng.choice(c.PUBLIC_RAISER_ROLES),
            "raiser_phone": self._mobile(),
        }, None

    def _answers(
        self, setup: CouncilSetup, slot: Slot, person: PersonPlan, scenario: c.Scenario
    ) -> tuple[dict[str, Any], User | None, str]:
        rng = self.rng
        provider = ""
        if scenario.providers:
            same = person.provider in scenario.providers
            provider = person.provider if same and rng.random() < 0.8 else rng.choice(scenario.providers)
        location = self._weighted(scenario.locations) if scenario.locations else c.PROVIDER_LOCATION[provider]
        provider = self._provider_name(setup, provider)
        words = person.words | {"provider": provider}
        source = self._weighted(scenario.raisers)
        raiser, user = self._raiser(setup, source, person, provider)
        kind = raiser["raiser_kind"]
        risk_types = list(scenario.risk_types) + [r for r, p in scenario.extra_risk if rng.random() < p]

        if kind == "self":
            consent = "given"
        else:
            roll = rng.random()
            consent = "given" if roll < 0.55 else "not_sought" if roll < 0.85 else "not_given"
        not_sought = ""
        if consent == "not_sought":
            not_sought = c.NOT_SOUGHT_REASON_BY_RAISER.get(source) or (
                "lacks_capacity"
                if person.support == "Support with Memory and Cognition"
                else rng.choice(["others_at_risk", "public_interest", "lacks_capacity"])
            )
        asked_chance = {"given": 0.85, "not_given": 0.55, "not_sought": 0.15}[consent]
        asked = kind == "self" or rng.random() < asked_chance
        wants = rng.choice(scenario.wants) if rng.random() < 0.7 else rng.choice(c.WANTS)

        known_dob = person.date_of_birth if rng.random() < 0.8 else None
        answers = raiser | {
            "adult_given_name": person.preferred_name
            if rng.random() < 0.3 and person.preferred_name
            else person.given_name,
            "adult_family_name": person.family_name,
            "adult_date_of_birth": known_dob,
            "adult_address": person.address if rng.random() < 0.85 else "",
            "adult_postcode": person.postcode if rng.random() < 0.8 else "",
            "adult_phone": person.phone if rng.random() < 0.5 else "",
            "adult_needs": person.needs if rng.random() < 0.7 else "",
            "adult_communication_needs": person.communication_needs,
            "what_happened": rng.choice(scenario.texts).format(**words),
            "happened_on": None
            if rng.random() < 0.2
            else slot.received_at.date() - timedelta(days=rng.choice([0, 0, 1, 1, 2, 3, 7, 14])),
            "still_happening": rng.random() < 0.4,
            "location_of_risk": location,
            "source_of_risk": self._weighted(scenario.sources),
            "care_provider_name": provider,
            "immediate_danger": rng.random() < 0.05,
            "consent": consent,
            "consent_not_given_reason": rng.choice(c.CONSENT_NOT_GIVEN).format(**words)
            if consent == "not_given"
            else "",
            "consent_not_sought_reason": not_sought,
            "msp_asked": asked,
            "wants_to_happen": wants if asked else "",
            "how_to_happen": rng.choice(c.HOW) if asked and rng.random() < 0.55 else "",
            "outcomes_wanted": rng.choice(c.OUTCOMES) if asked and rng.random() < 0.7 else "",
            "not_asked_reason": "" if asked else rng.choice(c.NOT_ASKED).format(**words),
            "risk_types": risk_types,
        }
        return answers, user, wants

    def _concern(self, setup: CouncilSetup, slot: Slot, person: PersonPlan, scenario: c.Scenario) -> None:
        rng = self.rng
        received = slot.received_at
        answers, raiser_user, wants = self._answers(setup, slot, person, scenario)
        concern_uuid = self._uuid()
        self.history_values = {Concern: {"received_at": received, "uuid": concern_uuid}}
        self._step(received, 0, raiser_user)
        concern, _ = services.raise_concern(answers, setup.council, self._uuid(), user=raiser_user)
        # Seeded like the times, but now: services save the instance, and the history copies it. The
        # time it was received is set now too, since a first contact may not be dated before it.
        Concern.objects.filter(pk=concern.pk).update(uuid=concern_uuid, received_at=received)
        concern.uuid, concern.received_at = concern_uuid, received
        self.backdates[Concern][concern.pk] = {"received_at": received}
        if slot.stage == "received":
            return

        practitioner, manager = self.locality if person.restricted or rng.random() < 0.25 else self.front
        self._step(received, slot.pickup, practitioner)
        services.pick_up(concern, practitioner)
        self._link(concern, person, practitioner, received, slot.pickup + 0.1)

        # Decide first, so a concern heading for an enquiry is never left without a conversation.
        outcome = None
        if slot.decision is not None:
            outcome = slot.outcome or self._outcome(scenario)
            if slot.contact is None and outcome != "none":
                slot.contact = min(self._within_a_day(slot.pickup), slot.decision - 0.5)
        words = person.words | {"provider": answers["care_provider_name"]}
        if slot.contact is not None:
            self._first_contact(concern, person, practitioner, received, slot.contact, wants, words)
        end = slot.decision if slot.decision is not None else self._age(received)
        for _ in range(rng.choices([0, 1, 2], weights=[1, 6, 3])[0]):
            text = rng.choice(
                c.PROVIDER_NOTES if answers["care_provider_name"] and rng.random() < 0.5 else c.TRIAGE_NOTES
            )
            self._note(
                concern,
                practitioner,
                received,
                rng.uniform(slot.pickup + 0.2, end - 0.1),
                text.format(**words),
            )
        if outcome is None:
            return

        if concern.reports_risk:
            # The decision waits for the safety action taken (concerns.services.decision_blockers),
            # recorded soon after the concern was picked up (or the adult spoken to), at the
            # simulated time like every other step.
            safety_at = self._step(received, (slot.contact or slot.pickup) + 0.1, practitioner)
            self.history_values[Concern]["safety_action_at"] = safety_at
            services.record_safety_action(
                concern, practitioner, "Checked the adult is safe today and agreed a plan with them."
            )
            # At once (no history row): the concern's later history rows carry the simulated time.
            Concern.objects.filter(pk=concern.pk).update(safety_action_at=safety_at)
            concern.safety_action_at = safety_at
        data = self._decision_data(outcome, scenario, practitioner, words)
        # The services draw random uuids; the demo's are written over them, like the times.
        decision_uuid = self._uuid()
        assert slot.decision is not None  # a concern decided (or sent back) has its decision's time
        if slot.returned:
            # A first go the manager sends back; the practitioner finds out more and decides again.
            first_at = slot.decision * 0.6 if slot.stage == "decided" else slot.decision
            first_at = max(first_at, (slot.contact or slot.pickup) + 0.3)
            self.history_values[Decision] = {
                "uuid": decision_uuid,
                "decided_at": self._step(received, first_at, practitioner),
            }
            decision = services.record_decision(concern, practitioner, data | {"rationale": "Criteria met."})
            self.backdates[Decision][decision.pk] = {
                "uuid": decision_uuid,
                "decided_at": self.clock,
                "signed_off_at": None,
            }
            returned_at = (
                first_at + rng.uniform(1, 8)
                if slot.stage == "decided"
                else min(first_at + rng.uniform(1, 24), self._age(received) - 0.1)
            )
            self._step(received, returned_at, manager)
            services.return_decision(decision, manager, rng.choice(c.RETURN_COMMENTS).format(**words))
            if slot.stage != "decided":
                return
            concern.refresh_from_db(fields=["status"])
            self._note(
                concern,
                practitioner,
                received,
                (returned_at + slot.decision) / 2,
                "Went back to {name} to check what {they_want}; recorded on the file.".format(**words),
            )
        self.history_values[Decision] = {
            "uuid": decision_uuid,
            "decided_at": self._step(received, slot.decision, practitioner),
        }
        decision = services.record_decision(concern, practitioner, data)
        self.backdates[Decision][decision.pk] = {
            "uuid": decision_uuid,
            "decided_at": self.clock,
            "signed_off_at": None,
        }
        if slot.stage != "decided":
            return

        assert slot.sign_off is not None  # a decided concern's sign-off has its time
        signed_at = self._step(received, slot.sign_off, manager)
        # The first review falls due an interval after the simulated start, not after today.
        review_due = timezone.localtime(signed_at).date() + timedelta(days=setup.council.review_interval_days)
        self.history_values[Decision]["signed_off_at"] = signed_at
        enquiry_uuid = self._uuid()  # open_enquiry draws a random one; the demo's are seeded
        self.history_values[Enquiry] = {
            "uuid": enquiry_uuid,
            "started_at": signed_at,
            "next_review_due": review_due,
        }
        enquiry = services.sign_off(decision, manager)
        self.backdates[Decision][decision.pk]["signed_off_at"] = signed_at
        if enquiry is None:
            return
        # Set on the row and the instance now, as the enquiry services save the instance as it is.
        Enquiry.objects.filter(pk=enquiry.pk).update(
            uuid=enquiry_uuid, started_at=signed_at, next_review_due=review_due
        )
        enquiry.uuid, enquiry.started_at, enquiry.next_review_due = enquiry_uuid, signed_at, review_due
        self.backdates[Enquiry][enquiry.pk] = {
            "started_at": signed_at,
            "closure_requested_at": None,
            "closed_at": None,
        }
        self.opened.append(
            EnquiryPlan(
                enquiry=enquiry,
                concern=concern,
                person=person,
                scenario=scenario,
                provider=answers["care_provider_name"],
                received=received,
                start=signed_at,
            )
        )

    def _link(self, concern: Concern, plan: PersonPlan, user: User, received: datetime, hours: float) -> None:
        at = self._step(received, hours, user)
        if plan.person is not None:
            services.link_person(concern, plan.person, user)
            return
        person = services.create_person_from_concern(
            concern,
            user,
            {
                "uuid": plan.uuid,
                "given_name": plan.given_name,
                "family_name": plan.family_name,
                "preferred_name": plan.preferred_name,
                "date_of_birth": plan.date_of_birth,
                "nhs_number": plan.nhs_number,
                "gender": plan.gender,
                "ethnicity": plan.ethnicity,
                "primary_support_reason": plan.support,
                "address": plan.address,
                "postcode": plan.postcode,
                "phone": plan.phone,
                "communication_needs": plan.communication_needs,
                "restricted": plan.restricted,
            },
        )
        if plan.restricted:
            # Only the Locality team that holds the record (and the safeguarding lead) may see it.
            person.restricted_to.set(self.locality)
        for name, kind, relationship in plan.representatives:
            Representative.objects.create(
                uuid=self._uuid(),
                person=person,
                name=name,
                kind=kind,
                relationship=relationship,
                phone=self._mobile(),
            )
        plan.person = person
        self.backdates[Person][person.pk] = {"created_at": at}

    def _first_contact(
        self,
        concern: Concern,
        plan: PersonPlan,
        user: User,
        received: datetime,
        hours: float,
        wants: str,
        words: dict[str, str],
    ) -> None:
        rng = self.rng
        at = self._step(received, hours, user)
        representative = ""
        if plan.representatives and (
            plan.support == "Support with Memory and Cognition" or rng.random() < 0.15
        ):
            name, _, relationship = plan.representatives[0]
            representative = f"{name} ({relationship.lower()})"
        services.record_first_contact(
            concern,
            user,
            {
                "uuid": self._uuid(),
                "contact_at": at,
                "method": self._weighted((("phone", 45), ("home", 35), ("elsewhere", 12), ("video", 8))),
                "spoke_with": "representative" if representative else "adult",
                "representative_name": representative,
                "wants": wants if rng.random() < 0.5 else rng.choice(plan.scenario.wants + tuple(c.WANTS)),
                "notes": rng.choice(c.FIRST_CONTACT_NOTES).format(**words),
            },
        )

    # Corrections: a duplicate, a concern entered in error, an attempt to reach someone

    def _corrections(self, setup: CouncilSetup) -> None:
        practitioner, manager = self.front
        concerns = Concern.objects.filter(council=setup.council).order_by("received_at", "reference")
        # Raised again by the same person about the same incident, 50 minutes later.
        original = concerns.filter(status=Concern.Status.TRIAGE, team=practitioner.team).last()
        assert original is not None, "the demo has concerns in triage"
        duplicate = self._raise_again(setup, original, timedelta(minutes=50), original.raised_by_user, {})
        self._set_aside(
            duplicate,
            manager,
            "duplicate",
            "The same incident raised again by the same caller; everything is recorded on "
            f"{original.reference}.",
            original,
        )
        # A practice entry made during training on the form.
        waiting = concerns.filter(status=Concern.Status.RECEIVED).first()
        assert waiting is not None, "the demo has concerns waiting in the queue"
        practice = self._raise_again(
            setup,
            waiting,
            timedelta(minutes=10),
            practitioner,
            {
                "adult_given_name": "Test",
                "adult_family_name": "Training",
                "adult_date_of_birth": None,
                "adult_address": "",
                "adult_postcode": "",
                "adult_phone": "",
                "what_happened": "Practice entry made in training on the new concern form. Please ignore.",
                "care_provider_name": "",
                "immediate_danger": False,
            },
        )
        self._set_aside(
            practice,
            manager,
            "error",
            "A practice entry made during staff training on the concern form; not a real concern.",
        )
        # Tried to reach someone waiting in the queue, without success: still overdue.
        overdue = concerns.filter(status=Concern.Status.RECEIVED).first_contact_overdue(self.latest).first()
        assert overdue is not None, "the demo has overdue first contacts"
        self.history_values = {Concern: {"received_at": overdue.received_at, "uuid": overdue.uuid}}
        self._step(overdue.received_at, 3, practitioner)
        services.record_attempt(
            overdue,
            practitioner,
            {
                "uuid": uuid.UUID(int=self.corrections_rng.getrandbits(128), version=4),
                "attempted_at": self.clock,
                "method": ContactAttempt.Method.PHONE,
                "outcome": ContactAttempt.Outcome.NO_ANSWER,
                "notes": "Rang the number on the concern twice; no answer and no voicemail. Will try again.",
            },
        )

    def _raise_again(
        self,
        setup: CouncilSetup,
        original: Concern,
        after: timedelta,
        user: User | None,
        changes: dict[str, Any],
    ) -> Concern:
        """A new concern with ``original``'s answers (and ``changes``), received ``after`` it."""
        rng = self.corrections_rng
        received = min(original.received_at + after, self.latest)
        answers: dict[str, Any] = {name: getattr(original, name) for name in services.CONCERN_FIELDS}
        answers["risk_types"] = list(
            ConcernRiskType.objects.filter(concern=original).values_list("risk_type", flat=True)
        )
        answers |= changes
        concern_uuid = uuid.UUID(int=rng.getrandbits(128), version=4)
        self.history_values = {Concern: {"received_at": received, "uuid": concern_uuid}}
        self._step(received, 0, user)
        token = uuid.UUID(int=rng.getrandbits(128), version=4)
        concern, _ = services.raise_concern(answers, setup.council, token, user=user)
        Concern.objects.filter(pk=concern.pk).update(uuid=concern_uuid, received_at=received)
        concern.uuid, concern.received_at = concern_uuid, received
        self.backdates[Concern][concern.pk] = {"received_at": received}
        return concern

    def _set_aside(
        self, concern: Concern, manager: User, kind: str, reason: str, original: Concern | None = None
    ) -> None:
        at = self._step(concern.received_at, 1.5, manager)
        self.history_values[Concern]["set_aside_at"] = at
        services.set_aside(concern, manager, kind, reason, original)
        Concern.objects.filter(pk=concern.pk).update(set_aside_at=at)

    def _note(self, concern: Concern, user: User, received: datetime, hours: float, text: str) -> None:
        at = self._step(received, hours, user)
        note_uuid = self._uuid()
        self.history_values[ConcernNote] = {"created_at": at, "uuid": note_uuid}
        note = services.add_note(concern, user, text)
        self.backdates[ConcernNote][note.pk] = {"created_at": at, "uuid": note_uuid}

    def _outcome(self, scenario: c.Scenario) -> str:
        roll = self.rng.random()
        # Scenario rates are of decided concerns; with the undecided ones about 3 in 10 of all
        # concerns become section 42 enquiries, as nationally.
        s42 = scenario.s42
        return "s42" if roll < s42 else "other" if roll < s42 + scenario.other * OTHER_SCALE else "none"

    def _decision_data(
        self, outcome: str, scenario: c.Scenario, practitioner: User, words: dict[str, str]
    ) -> dict[str, Any]:
        rng = self.rng
        data: dict[str, Any] = {
            "outcome": outcome,
            "rationale": rng.choice(c.RATIONALE[outcome]).format(**words),
        }
        if outcome == "s42":
            data |= {
                "criterion_care_needs": True,
                "criterion_abuse_risk": True,
                "criterion_cannot_protect": True,
            }
        elif outcome == "other":
            data |= {
                "criterion_care_needs": rng.random() < 0.3,
                "criterion_abuse_risk": True,
                "criterion_cannot_protect": False,
                "other_enquiry_reason": rng.choice(c.OTHER_ENQUIRY_REASONS),
            }
        else:
            pathway = self._weighted(scenario.pathways)
            data |= {
                "criterion_care_needs": rng.random() < 0.7,
                "criterion_abuse_risk": rng.random() < 0.4,
                "criterion_cannot_protect": False,
                "pathway": pathway,
                "referred_agency": self._weighted(c.REFERRED_AGENCY_WEIGHTS) if pathway == "referred" else "",
                "no_further_action_reason": rng.choice(c.NFA_REASONS) if pathway == "nfa" else "",
            }
        if outcome != "none":
            # Enquiries mostly pass from the front door to the locality team that will lead them.
            lead = self.locality[0] if rng.random() < 0.65 else practitioner
            data["lead_practitioner"] = lead
        return data

    # Afterwards

    def _backdate(self) -> None:
        # bulk_update writes only the named fields and, unlike save(), no history rows.
        for model, values in self.backdates.items():
            if not values:
                continue
            fields = list(next(iter(values.values())))
            stubs = [model(pk=pk, **row) for pk, row in values.items()]
            model._default_manager.bulk_update(stubs, fields, batch_size=500)
        # Notifications were made while their records had the services' random uuids: they follow
        # their records (by reference) to the demo's own.
        from msphub.worktray.models import Notification

        for model in (Concern, Enquiry):
            Notification.objects.filter(record_type=model._meta.label_lower).update(
                record_uuid=models.Subquery(
                    model._default_manager.filter(reference=models.OuterRef("reference")).values("uuid")[:1]
                )
            )

    def summary(self) -> dict[str, Any]:
        councils = [self.riverside, self.hillside]
        concerns = Concern.objects.filter(council__in=councils)
        by_status: Counter[tuple[str, str]] = Counter()
        for council_name, status in concerns.values_list("council__name", "status"):
            by_status[(council_name, status)] += 1
        with_person = concerns.exclude(person=None)
        per_person = Counter(with_person.values_list("person_id", flat=True))
        return {
            "by_status": by_status,
            "concerns": concerns.count(),
            "people": Person.objects.filter(council__in=councils).count(),
            "repeat_concerns": sum(n - 1 for n in per_person.values()),
            "s42": Enquiry.objects.filter(council__in=councils, kind="s42").count(),
            "other": Enquiry.objects.filter(council__in=councils, kind="other").count(),
            "overdue": concerns.first_contact_overdue(now=timezone.now()).count(),
            "enquiries_by_status": Counter(
                Enquiry.objects.filter(council__in=councils).values_list("status", flat=True)
            ),
            "feedback": Feedback.objects.filter(enquiry__council__in=councils).count(),
            "review_overdue": Enquiry.objects.filter(council__in=councils).review_overdue().count(),
            "feedback_due": services_enquiries.feedback_due(
                Enquiry.objects.filter(council__in=councils)
            ).count(),
            "within_24h": concerns.first_contact_within_target().count(),
            "users": len(self.users),
            "assurance": self.assurance,
            "partners": self.partners,
        }
