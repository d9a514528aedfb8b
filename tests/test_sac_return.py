"""The Safeguarding Adults Collection return (issues 5 and 12) against the national guidance as
docs/sac.md records it (the guidance's own worked examples are tests/test_sac_guidance.py).

1. A hand-built case set whose expected counts for every table are written out literally.
2. Property-based: random case sets, the return's invariants and an independent Python oracle.
3. The sac_return command: JSON, CSV and XLSX, and its errors.
4. Validation warnings.
5. The number of queries does not grow with the data.

The label lists below are copied from data.md by hand, not imported from msphub, so a label that
drifts in the code fails here.
"""

import csv
import io
import json
import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from msphub.accounts.models import Organisation, Role, User
from msphub.concerns import services as concern_services
from msphub.concerns.models import Concern, ConcernRiskType
from msphub.core.periods import FinancialYear
from msphub.enquiries import services as enquiry_services
from msphub.enquiries.models import DesiredOutcome, Enquiry, EnquiryLocation, EnquiryRiskType, EnquirySource
from msphub.measures.sac import build_return
from msphub.people.models import Person
from tests.conftest import Cast, concern_answers, per_test
from tests.enquiry_fixtures import add_outcome, closure_data

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
YEAR = "2025-26"
FY = FinancialYear.parse(YEAR)
YEAR_START = datetime(2025, 4, 1, tzinfo=LONDON)  # BST: 2025-03-31 23:00 UTC
YEAR_END = datetime(2026, 4, 1, tzinfo=LONDON)  # BST: 2026-03-31 23:00 UTC (exclusive)
YEAR_END_DAY = date(2026, 3, 31)  # SG1a takes the age on this day (or at death, if before it)

# --- Labels, from data.md ---------------------------------------------------------------------------

AGE_BANDS = ["18-64", "65-74", "75-84", "85-94", "95+", "Age unknown"]
GENDERS = ["Male", "Female", "Not Known"]
ETHNICITIES = [
    "White",
    "Mixed / Multiple",
    "Asian / Asian British",
    "Black / African / Caribbean / Black British",
    "Other Ethnic Group",
    "Refused",
    "Undeclared / Not Known",
]
PSRS = [
    "Physical Support",
    "Sensory Support",
    "Support with Memory and Cognition",
    "Learning Disability Support",
    "Mental Health Support",
    "Social Support",
    "No Support Reason",
    "Not Known",
]
RISK_TYPES = [
    "Physical Abuse",
    "Sexual Abuse",
    "Psychological Abuse",
    "Financial or Material Abuse",
    "Discriminatory Abuse",
    "Organisational Abuse",
    "Neglect and Acts of Omission",
    "Domestic Abuse",
    "Sexual Exploitation",
    "Modern Slavery",
    "Self-Neglect",
]
LOCATIONS = [
    "Own Home",
    "In the Community",
    "Community Service",
    "Care Home - Nursing",
    "Care Home - Residential",
    "Hospital - Acute",
    "Hospital - Mental Health",
    "Hospital - Community",
    "Other",
]
SOURCES = ["Service Provider", "Other - Known to individual", "Other - Unknown to individual"]
RA_OUTCOMES = [
    "Risk identified and action taken",
    "Risk identified and no action taken",
    "Risk Assessment inconclusive and action taken",
    "Risk Assessment inconclusive and no action taken",
    "No risk identified and action taken",
    "No risk identified and no action taken",
    "Enquiry ceased at individual's request and no action taken",
]
RIAT = "Risk identified and action taken"
RISK_OUTCOMES = ["Risk remained", "Risk reduced", "Risk removed"]
CAPACITY = ["Yes, they lacked capacity", "No, they did not lack capacity", "Don't know", "Not recorded"]
LACKED = "Yes, they lacked capacity"
MSP_ASKED = [
    "Yes they were asked and outcomes were expressed",
    "Yes they were asked but no outcomes were expressed",
    "No",
    "Don't Know",
    "Not Recorded",
]
EXPRESSED = "Yes they were asked and outcomes were expressed"
ACHIEVEMENT = ["Fully Achieved", "Partially Achieved", "Not Achieved"]

# SG1's rows as the guidance names them (docs/sac.md, SG1a).
CONCERNS_ROW = "Individuals Involved In Safeguarding Concerns"
S42_ROW = "Individuals Involved In Section 42 Safeguarding Enquiries"
OTHER_ROW = "Individuals Involved In Other Safeguarding Enquiries"
SG1_ROWS = [CONCERNS_ROW, S42_ROW, OTHER_ROW]
# SG1e's two items (NHS publication code's labels, docs/sac.md).
AUTISM = (
    "Learning, Developmental or Intellectual Disability "
    "(Autism excluding Asperger's Syndrome/ High Functioning Autism)"
)
ASPERGERS = (
    "Learning, Developmental or Intellectual Disability (Asperger's Syndrome/ High Functioning Autism)"
)
SG1E = [AUTISM, ASPERGERS]
AUTISM_VALUES = [AUTISM, ASPERGERS, "Neither", "Not known"]
SG1F_CONCERNS = "Total Number of Safeguarding Concerns"
SG1F_S42 = "Total Number of Section 42 Safeguarding Enquiries"
SG1F_OTHER = "Total Number of Other Safeguarding Enquiries"
TOTAL = "Total"
SUPPORTED = "Supported by advocate, family or friend"

TABLE_IDS = [
    "SG1a",
    "SG1b",
    "SG1c",
    "SG1d",
    "SG1e",
    "SG1f",
    "SG2a",
    "SG2b",
    "SG2a_b1",
    "SG2c",
    "SG2e",
    "SG3a",
    "SG4a",
]

# Allowed (rows, columns) of each table, in the template's order.
LABELS = {
    "SG1a": (SG1_ROWS, AGE_BANDS),
    "SG1b": (SG1_ROWS, GENDERS),
    "SG1c": (SG1_ROWS, ETHNICITIES),
    "SG1d": (SG1_ROWS, PSRS),
    "SG1e": (SG1_ROWS, SG1E),
    "SG1f": ([SG1F_CONCERNS, SG1F_S42, SG1F_OTHER], [TOTAL]),
    "SG2a": (RISK_TYPES, SOURCES),
    "SG2b": (LOCATIONS, SOURCES),
    "SG2a_b1": (RISK_TYPES, LOCATIONS),
    "SG2c": (RA_OUTCOMES, [TOTAL]),
    "SG2e": (RISK_OUTCOMES, [TOTAL]),
    "SG3a": (CAPACITY, [TOTAL, SUPPORTED]),
    "SG4a": (MSP_ASKED + ACHIEVEMENT, [TOTAL]),
}


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=LONDON)


def cells(data: dict, table_id: str) -> dict[tuple[str, str], int]:
    """A table as {(row, column): count}, checking no cell appears twice."""
    found: dict[tuple[str, str], int] = {}
    for cell in data["tables"][table_id]:
        key = (cell["row"], cell["column"])
        assert key not in found, (
            f"{table_id} cell {key} must appear once in the return: a blank answer and the label it "
            "stands for are one cell with the sum"
        )
        found[key] = cell["count"]
    return found


def nonzero(table: dict) -> dict:
    """Zero cells may be omitted, so compare without them."""
    return {k: v for k, v in table.items() if v}


def row_sum(table: dict, row: str) -> int:
    return sum(n for (r, _), n in table.items() if r == row)


def col_sum(table: dict, column: str) -> int:
    return sum(n for (_, c), n in table.items() if c == column)


# --- Building records -----------------------------------------------------------------------------


class Builder:
    """Records made directly with the ORM, each field under the test's control."""

    def __init__(self, lead: User) -> None:
        self.lead = lead
        self.n = 0

    def _next(self) -> int:
        self.n += 1
        return self.n

    def person(
        self,
        council,
        name,
        dob,
        gender="Not Known",
        ethnicity="White",
        psr="Not Known",
        autism="Not known",
        died=None,
    ) -> Person:
        return Person.objects.create(
            council=council,
            given_name=name,
            family_name="Tester",
            date_of_birth=dob,
            gender=gender,
            ethnicity=ethnicity,
            primary_support_reason=psr,
            autism=autism,
            date_of_death=died,
            date_of_death_source="nhs" if died else "",
        )

    def concern(
        self,
        council,
        person,
        received_at,
        risks=("Physical Abuse",),
        location="Own Home",
        source="Service Provider",
    ) -> Concern:
        concern = Concern.objects.create(
            **concern_fields(self._next(), council, person, received_at, location, source)
        )
        ConcernRiskType.objects.bulk_create(ConcernRiskType(concern=concern, risk_type=r) for r in risks)
        return concern

    def enquiry(
        self,
        concern,
        started_at,
        kind="s42",
        status="open",
        closed_at=None,
        risk_assessment_outcome="",
        risk_outcome="",
        msp_asked="",
        mental_capacity="",
        capacity_supported=None,
        outcomes=(),
    ) -> Enquiry:
        """``outcomes``: achievements of the desired outcomes; ("Not Achieved", "withdrawn") is withdrawn."""
        enquiry = Enquiry.objects.create(
            reference=f"ENQ-T-{self._next():06d}",
            council=concern.council,
            concern=concern,
            person=concern.person,
            kind=kind,
            lead_practitioner=self.lead,
            started_at=started_at,
            status=status,
            closed_at=closed_at,
            risk_assessment_outcome=risk_assessment_outcome,
            risk_outcome=risk_outcome,
            msp_asked=msp_asked,
            mental_capacity=mental_capacity,
            capacity_supported=capacity_supported,
        )
        DesiredOutcome.objects.bulk_create(
            outcome_row(enquiry.pk, i, *(o if isinstance(o, tuple) else (o, "")))
            for i, o in enumerate(outcomes)
        )
        return enquiry


def concern_fields(n, council, person, received_at, location, source) -> dict:
    return {
        "reference": f"CON-T-{n:06d}",
        "council": council,
        "person": person,
        "received_at": received_at,
        "status": Concern.Status.TRIAGE,
        "raiser_kind": "professional",
        "raiser_name": "Alex Raiser",
        "adult_given_name": person.given_name if person else "Unlinked",
        "adult_family_name": "Tester",
        "what_happened": "Something happened.",
        "location_of_risk": location,
        "source_of_risk": source,
        "consent": "given",
        "msp_asked": True,
    }


def outcome_row(enquiry_id: int, i: int, achievement: str, withdrawn: str = "") -> DesiredOutcome:
    return DesiredOutcome(
        enquiry_id=enquiry_id,
        words=f"Outcome {i}",
        category="Be and feel safer",
        expressed_by="adult",
        expressed_on=date(2025, 4, 1),
        achievement=achievement,
        withdrawn_on=date(2025, 5, 1) if withdrawn else None,
        withdrawn_reason="No longer wanted" if withdrawn else "",
    )


def through_services(
    person, practitioner, manager, received_at, started_at, kind="s42", **answers
) -> Enquiry:
    """A concern raised, linked, decided and signed off through the services, at the given moments."""
    with time_machine.travel(received_at, tick=False):
        concern = concern_services.raise_concern(
            concern_answers(happened_on=received_at.date() - timedelta(days=1), **answers),
            person.council,
            uuid.uuid4(),
        )[0]
    with time_machine.travel(started_at, tick=False):
        concern_services.link_person(concern, person, practitioner)
        decision = concern_services.record_decision(
            concern,
            practitioner,
            {
                "outcome": kind,
                "criterion_care_needs": True,
                "criterion_abuse_risk": True,
                "criterion_cannot_protect": kind == "s42",
                "other_enquiry_reason": "" if kind == "s42" else "Proportionate",
                "rationale": "Needs an enquiry",
                "lead_practitioner": practitioner,
            },
        )
        enquiry = concern_services.sign_off(decision, manager)
    assert enquiry is not None and enquiry.started_at == started_at
    return enquiry


def request_closure_at(enquiry, practitioner, when, achievements: list[str], **data) -> None:
    """Ask for closure at ``when``; the active outcomes get ``achievements`` in order."""
    with time_machine.travel(when, tick=False):
        active = list(enquiry.outcomes.filter(withdrawn_on__isnull=True).order_by("pk"))
        assert len(active) == len(achievements)
        missing = enquiry_services.request_closure(
            enquiry,
            practitioner,
            closure_data(**data),
            {o.pk: a for o, a in zip(active, achievements, strict=True)},
            {o.pk: "" for o in active},
        )
    assert missing == [], missing


def sign_off_closure_at(enquiry, manager, when) -> None:
    with time_machine.travel(when, tick=False):
        enquiry_services.sign_off_closure(enquiry, manager)
    enquiry.refresh_from_db()
    assert enquiry.closed_at == when


# --- 1. The hand-built case set -------------------------------------------------------------------


def new_lead_user(council) -> User:
    return User.objects.create_user(
        username="sac_lead", password="x-unused-x", organisation=council, role=Role.SAFEGUARDING_LEAD
    )


@pytest.fixture
def lead_user(council) -> User:
    return new_lead_user(council)


def build_cases(cast: Cast) -> SimpleNamespace:
    """Riverside's year 2025-26 and one Hillside case. Each record's purpose is beside it."""
    practitioner, manager = cast.practitioner, cast.manager
    b = Builder(new_lead_user(cast.council))
    r, h = cast.council, cast.other_council
    w = SimpleNamespace(cast=cast, council=r, other_council=h)

    # P1 Ann: 65 on 31 March 2026 (65-74); two concerns in the year, each an s42 enquiry, both made
    # through the services (so twice in SG1d and SG1e, Asperger's). E1 has two types of risk; all its
    # outcomes fully achieved.
    p1 = b.person(r, "Ann", date(1960, 6, 10), "Female", "White", "Physical Support", ASPERGERS)
    e1 = through_services(
        p1,
        practitioner,
        manager,
        at(2025, 6, 10),
        at(2025, 6, 12),
        risk_types=["Physical Abuse", "Financial or Material Abuse"],
        location_of_risk="Own Home",
        source_of_risk="Service Provider",
    )
    with time_machine.travel(at(2025, 6, 20), tick=False):
        add_outcome(e1, "I want to feel safe at home")
        add_outcome(e1, "I want my money back")
    request_closure_at(
        e1,
        practitioner,
        at(2025, 7, 30),
        ["Fully Achieved", "Fully Achieved"],
        msp_asked=EXPRESSED,
        risk_assessment_outcome=RIAT,
        risk_outcome="Risk reduced",
        mental_capacity="No, they did not lack capacity",
    )
    sign_off_closure_at(e1, manager, at(2025, 8, 1))
    # E10: her second concern; closure requested but not signed off, so not concluded.
    e10 = through_services(
        p1, practitioner, manager, at(2025, 9, 1), at(2025, 9, 2), risk_types=["Modern Slavery"]
    )
    with time_machine.travel(at(2025, 9, 3), tick=False):
        add_outcome(e10, "Stop it")
    request_closure_at(e10, practitioner, at(2026, 3, 1), ["Fully Achieved"], msp_asked=EXPRESSED)

    # P2 Bob: 64 on his first concern (65 the next day), 65 on 31 March 2026: 65-74.
    # E2 closed at 00:00 on 1 April 2026 (BST), the next financial year: in SG1 and SG1f, not SG2-4.
    p2 = b.person(r, "Bob", date(1960, 6, 11), "Male", "Asian / Asian British", "Mental Health Support")
    c3 = b.concern(r, p2, at(2025, 6, 10), ["Modern Slavery"], "Other", "Service Provider")
    b.concern(r, p2, at(2025, 6, 20), ["Modern Slavery"])
    b.enquiry(
        c3,
        at(2025, 7, 1),
        status="closed",
        closed_at=at(2026, 4, 1, 0, 0),
        risk_assessment_outcome=RIAT,
        risk_outcome="Risk remained",
        msp_asked="No",
        mental_capacity=LACKED,
        capacity_supported=True,
    )

    # P3 Cora: 95 on 1 April 2025 and on 31 March 2026 (96 the next day): 95+. C4 the minute
    # before 1 April 2025 (previous year); C5 at 00:00 on 1 April 2025 (this year). E3: capacity
    # lacked, supported; every outcome not achieved; a risk outcome recorded without "risk
    # identified and action taken".
    p3 = b.person(
        r,
        "Cora",
        date(1930, 4, 1),
        "Female",
        "Black / African / Caribbean / Black British",
        "Support with Memory and Cognition",
    )
    b.concern(r, p3, at(2025, 3, 31, 23, 59, 59), ["Discriminatory Abuse"])
    c5 = b.concern(r, p3, at(2025, 4, 1, 0, 0), ["Sexual Abuse"], "Care Home - Nursing", "Service Provider")
    b.enquiry(
        c5,
        at(2025, 4, 2),
        status="closed",
        closed_at=at(2025, 10, 1),
        risk_assessment_outcome="Risk identified and no action taken",
        risk_outcome="Risk removed",
        msp_asked=EXPRESSED,
        mental_capacity=LACKED,
        capacity_supported=True,
        outcomes=["Not Achieved", "Not Achieved"],
    )

    # P4 Dan: no date of birth (Age unknown); an other enquiry, closed in the year (not in SG2-4).
    p4 = b.person(r, "Dan", None, "Not Known", "Refused", "Not Known")
    c6 = b.concern(r, p4, at(2025, 11, 15), ["Sexual Exploitation"], "Hospital - Community")
    b.enquiry(
        c6,
        at(2025, 11, 20),
        kind="other",
        status="closed",
        closed_at=at(2025, 12, 20),
        risk_assessment_outcome=RIAT,
        risk_outcome="Risk removed",
        msp_asked=EXPRESSED,
        mental_capacity=LACKED,
        capacity_supported=True,
        outcomes=["Fully Achieved"],
    )

    # P5 Eve: 81 on 31 March 2026 (75-84); autism recorded (SG1e). E5 through the services: lacked
    # capacity and not supported; one outcome fully and one not achieved (Partially).
    p5 = b.person(
        r, "Eve", date(1945, 1, 1), "Female", "Mixed / Multiple", "Learning Disability Support", AUTISM
    )
    e5 = through_services(
        p5,
        practitioner,
        manager,
        at(2025, 5, 5),
        at(2025, 5, 6),
        risk_types=["Psychological Abuse"],
        location_of_risk="In the Community",
        source_of_risk="Other - Known to individual",
    )
    with time_machine.travel(at(2025, 5, 7), tick=False):
        add_outcome(e5, "Stop the calls")
        add_outcome(e5, "See my grandson")
    request_closure_at(
        e5,
        practitioner,
        at(2025, 11, 30),
        ["Fully Achieved", "Not Achieved"],
        msp_asked=EXPRESSED,
        risk_assessment_outcome="No risk identified and no action taken",
        mental_capacity=LACKED,
        capacity_supported=False,
    )
    sign_off_closure_at(e5, manager, at(2025, 12, 1))

    # P6 Fay: 88 on 31 March 2026 (85-94). E6 concluded at 23:59:59 on 31 March 2026 (GMT), the
    # last moment of the year; one outcome fully achieved and a withdrawn one not achieved (ignored: Fully).
    p6 = b.person(r, "Fay", date(1938, 2, 2), "Female", "White", "Social Support")
    c8 = b.concern(r, p6, at(2025, 8, 8), ["Domestic Abuse"], "Own Home", "Other - Unknown to individual")
    b.enquiry(
        c8,
        at(2025, 8, 9),
        status="closed",
        closed_at=at(2026, 3, 31, 23, 59, 59),
        risk_assessment_outcome=RIAT,
        risk_outcome="Risk removed",
        msp_asked=EXPRESSED,
        mental_capacity="Don't know",
        capacity_supported=True,  # stray: only lacked capacity counts as supported
        outcomes=["Fully Achieved", ("Not Achieved", "withdrawn")],
    )

    # P7 Gus: his concern came in the previous year, the enquiry started this year (36: 18-64).
    # Capacity not recorded.
    p7 = b.person(r, "Gus", date(1990, 1, 1), "Male", "Other Ethnic Group", "Sensory Support")
    c9 = b.concern(
        r,
        p7,
        at(2025, 2, 10),
        ["Neglect and Acts of Omission"],
        "Hospital - Acute",
        "Other - Known to individual",
    )
    b.enquiry(
        c9,
        at(2025, 4, 10),
        status="closed",
        closed_at=at(2025, 9, 9),
        risk_assessment_outcome="Risk Assessment inconclusive and action taken",
        msp_asked="No",
        mental_capacity="",
    )

    # P8 Hal: 75 on 31 March 2026 (75-84); his enquiry is still open.
    p8 = b.person(r, "Hal", date(1950, 7, 7), "Male", "White", "Physical Support")
    c10 = b.concern(r, p8, at(2025, 10, 10), ["Discriminatory Abuse"])
    b.enquiry(c10, at(2025, 10, 11))

    # P9 Ida: 26 (18-64); a concern at the last second of the year and one at 00:00 on 1 April 2026.
    p9 = b.person(r, "Ida", date(2000, 1, 1), "Female", "Undeclared / Not Known", "No Support Reason")
    b.concern(r, p9, at(2026, 3, 31, 23, 59, 59), ["Self-Neglect"])
    b.concern(r, p9, at(2026, 4, 1, 0, 0), ["Self-Neglect"])

    # P10 Jo: concern and enquiry in the previous year, concluded at 00:00 on 1 April 2025: in SG2-4
    # only. Lacked capacity, supported.
    p10 = b.person(r, "Jo", date(1970, 1, 1), "Female", "White", "Physical Support")
    c14 = b.concern(
        r, p10, at(2025, 1, 15), ["Neglect and Acts of Omission"], "Own Home", "Other - Known to individual"
    )
    b.enquiry(
        c14,
        at(2025, 2, 1),
        status="closed",
        closed_at=at(2025, 4, 1, 0, 0),
        risk_assessment_outcome="Enquiry ceased at individual's request and no action taken",
        msp_asked="Don't Know",
        mental_capacity=LACKED,
        capacity_supported=True,
    )

    # A concern not yet linked to a person.
    b.concern(r, None, at(2025, 7, 7), ["Physical Abuse"])

    # Hillside: Quinn, 86 on 31 March 2026 (85-94), a concluded s42 enquiry.
    q1 = b.person(h, "Quinn", date(1940, 1, 1), "Male", "White", "Physical Support")
    hc1 = b.concern(h, q1, at(2025, 6, 6), ["Organisational Abuse"], "Hospital - Acute", "Service Provider")
    b.enquiry(
        hc1,
        at(2025, 6, 7),
        status="closed",
        closed_at=at(2025, 11, 11),
        risk_assessment_outcome="No risk identified and action taken",
        msp_asked="Yes they were asked but no outcomes were expressed",
        mental_capacity="No, they did not lack capacity",
    )
    return w


@pytest.fixture(scope="module")
def cases_once(module_db, django_db_blocker) -> SimpleNamespace:
    """The case set, written once for the module: the return only reads it."""
    with django_db_blocker.unblock():
        return build_cases(Cast())


@pytest.fixture
def cases(cases_once, db) -> SimpleNamespace:
    return per_test(cases_once)


# Riverside, 2025-26, written out cell by cell.
RIVERSIDE = {
    "SG1a": {
        # Age on 31 March 2026. Concerns: Ida | Ann, Bob | Eve, Hal | Fay | Cora | Dan
        (CONCERNS_ROW, "18-64"): 1,
        (CONCERNS_ROW, "65-74"): 2,
        (CONCERNS_ROW, "75-84"): 2,
        (CONCERNS_ROW, "85-94"): 1,
        (CONCERNS_ROW, "95+"): 1,
        (CONCERNS_ROW, "Age unknown"): 1,
        # S42 started: Gus | Ann (two enquiries, once), Bob | Eve, Hal | Fay | Cora
        (S42_ROW, "18-64"): 1,
        (S42_ROW, "65-74"): 2,
        (S42_ROW, "75-84"): 2,
        (S42_ROW, "85-94"): 1,
        (S42_ROW, "95+"): 1,
        (OTHER_ROW, "Age unknown"): 1,
    },
    "SG1b": {
        (CONCERNS_ROW, "Female"): 5,
        (CONCERNS_ROW, "Male"): 2,
        (CONCERNS_ROW, "Not Known"): 1,
        (S42_ROW, "Female"): 4,
        (S42_ROW, "Male"): 3,
        (OTHER_ROW, "Not Known"): 1,
    },
    "SG1c": {
        (CONCERNS_ROW, "White"): 3,
        (CONCERNS_ROW, "Mixed / Multiple"): 1,
        (CONCERNS_ROW, "Asian / Asian British"): 1,
        (CONCERNS_ROW, "Black / African / Caribbean / Black British"): 1,
        (CONCERNS_ROW, "Refused"): 1,
        (CONCERNS_ROW, "Undeclared / Not Known"): 1,
        (S42_ROW, "White"): 3,
        (S42_ROW, "Mixed / Multiple"): 1,
        (S42_ROW, "Asian / Asian British"): 1,
        (S42_ROW, "Black / African / Caribbean / Black British"): 1,
        (S42_ROW, "Other Ethnic Group"): 1,
        (OTHER_ROW, "Refused"): 1,
    },
    # SG1d and SG1e: once for each concern or enquiry (the guidance's Mr X, docs/sac.md).
    "SG1d": {
        (CONCERNS_ROW, "Physical Support"): 3,  # Ann's two concerns, Hal's
        (CONCERNS_ROW, "Support with Memory and Cognition"): 1,
        (CONCERNS_ROW, "Learning Disability Support"): 1,
        (CONCERNS_ROW, "Mental Health Support"): 2,  # Bob's two concerns
        (CONCERNS_ROW, "Social Support"): 1,
        (CONCERNS_ROW, "No Support Reason"): 1,
        (CONCERNS_ROW, "Not Known"): 1,
        (S42_ROW, "Physical Support"): 3,  # E1, E10 (Ann), Hal's
        (S42_ROW, "Sensory Support"): 1,
        (S42_ROW, "Support with Memory and Cognition"): 1,
        (S42_ROW, "Learning Disability Support"): 1,
        (S42_ROW, "Mental Health Support"): 1,
        (S42_ROW, "Social Support"): 1,
        (OTHER_ROW, "Not Known"): 1,
    },
    "SG1e": {
        (CONCERNS_ROW, AUTISM): 1,  # Eve
        (CONCERNS_ROW, ASPERGERS): 2,  # Ann's two concerns
        (S42_ROW, AUTISM): 1,
        (S42_ROW, ASPERGERS): 2,  # E1, E10
    },
    "SG1f": {
        # Ann x2, Bob x2, Cora (00:00 1 April 2025), Dan, Eve, Fay, Hal, Ida (23:59:59 31 March),
        # the unlinked one
        (SG1F_CONCERNS, TOTAL): 11,
        # E1, E10, Bob, Cora, Eve, Fay, Gus, Hal
        (SG1F_S42, TOTAL): 8,
        (SG1F_OTHER, TOTAL): 1,
    },
    # Concluded s42 in the year: E1 (Ann), Cora, E5 (Eve), Fay, Gus, Jo.
    "SG2a": {
        ("Physical Abuse", "Service Provider"): 1,
        ("Sexual Abuse", "Service Provider"): 1,
        ("Psychological Abuse", "Other - Known to individual"): 1,
        ("Financial or Material Abuse", "Service Provider"): 1,
        ("Neglect and Acts of Omission", "Other - Known to individual"): 2,
        ("Domestic Abuse", "Other - Unknown to individual"): 1,
    },
    "SG2b": {
        ("Own Home", "Service Provider"): 1,  # E1 once, for all its types
        ("Own Home", "Other - Known to individual"): 1,
        ("Own Home", "Other - Unknown to individual"): 1,
        ("In the Community", "Other - Known to individual"): 1,
        ("Care Home - Nursing", "Service Provider"): 1,
        ("Hospital - Acute", "Other - Known to individual"): 1,
    },
    "SG2a_b1": {
        ("Physical Abuse", "Own Home"): 1,
        ("Sexual Abuse", "Care Home - Nursing"): 1,
        ("Psychological Abuse", "In the Community"): 1,
        ("Financial or Material Abuse", "Own Home"): 1,
        ("Neglect and Acts of Omission", "Own Home"): 1,
        ("Neglect and Acts of Omission", "Hospital - Acute"): 1,
        ("Domestic Abuse", "Own Home"): 1,
    },
    "SG2c": {
        ("Risk identified and action taken", TOTAL): 2,
        ("Risk identified and no action taken", TOTAL): 1,
        ("Risk Assessment inconclusive and action taken", TOTAL): 1,
        ("No risk identified and no action taken", TOTAL): 1,
        ("Enquiry ceased at individual's request and no action taken", TOTAL): 1,
    },
    "SG2e": {
        ("Risk reduced", TOTAL): 1,  # E1
        ("Risk removed", TOTAL): 1,  # Fay (not Cora: risk identified and no action taken)
    },
    "SG3a": {
        ("Yes, they lacked capacity", TOTAL): 3,  # Cora, Eve, Jo
        ("Yes, they lacked capacity", SUPPORTED): 2,  # Cora, Jo
        ("No, they did not lack capacity", TOTAL): 1,
        ("Don't know", TOTAL): 1,
        ("Not recorded", TOTAL): 1,  # Gus
    },
    "SG4a": {
        ("Yes they were asked and outcomes were expressed", TOTAL): 4,
        ("No", TOTAL): 1,
        ("Don't Know", TOTAL): 1,
        ("Fully Achieved", TOTAL): 2,  # E1 (all fully), Fay (withdrawn outcome ignored)
        ("Partially Achieved", TOTAL): 1,  # Eve (mixed)
        ("Not Achieved", TOTAL): 1,  # Cora (all not)
    },
}

HILLSIDE = {
    "SG1a": {(CONCERNS_ROW, "85-94"): 1, (S42_ROW, "85-94"): 1},
    "SG1b": {(CONCERNS_ROW, "Male"): 1, (S42_ROW, "Male"): 1},
    "SG1c": {(CONCERNS_ROW, "White"): 1, (S42_ROW, "White"): 1},
    "SG1d": {(CONCERNS_ROW, "Physical Support"): 1, (S42_ROW, "Physical Support"): 1},
    "SG1e": {},
    "SG1f": {(SG1F_CONCERNS, TOTAL): 1, (SG1F_S42, TOTAL): 1},
    "SG2a": {("Organisational Abuse", "Service Provider"): 1},
    "SG2b": {("Hospital - Acute", "Service Provider"): 1},
    "SG2a_b1": {("Organisational Abuse", "Hospital - Acute"): 1},
    "SG2c": {("No risk identified and action taken", TOTAL): 1},
    "SG2e": {},
    "SG3a": {("No, they did not lack capacity", TOTAL): 1},
    "SG4a": {("Yes they were asked but no outcomes were expressed", TOTAL): 1},
}

RIVERSIDE_WARNINGS = [
    "1 concluded section 42 enquiries do not record capacity.",
    "1 concerns are not yet linked to a person, so SG1a-e cannot count them.",
    "1 people with concerns have no date of birth (counted as Age unknown).",
]

# The validation (msphub/measures/validation.py) of Riverside's return, as the Validation sheet has it:
# check, message, references, records. The Builder's concerns have no decision, so the eight of them
# received in the year (C3, Bob's second, C5, C6, C8, C10, Ida's at the last second and the unlinked
# one) are undecided at year end; Ann's two went through the services and were decided. E10's closure
# was asked for on 1 March 2026 and not signed off.
RIVERSIDE_VALIDATION = [
    (
        "undecided_concerns",
        "8 concerns received in 2025-26 had no signed-off decision at 31 March 2026: check whether an "
        "enquiry should have started in the year.",
        "CON-T-000001, CON-T-000002, CON-T-000005, CON-T-000007, CON-T-000009, CON-T-000013, "
        "CON-T-000015, CON-T-000019",
        8,
    ),
    (
        "closures_awaiting_sign_off",
        "1 enquiry had a closure awaiting a team manager's sign-off at 31 March 2026, so it is not "
        "counted as concluded in the year (SG2 to SG4).",
        "ENQ-2025-000002",
        1,
    ),
]
# Hillside's one concern (Quinn's, a Builder concern) has no decision either.
HILLSIDE_VALIDATION = [
    (
        "undecided_concerns",
        "1 concern received in 2025-26 had no signed-off decision at 31 March 2026: check whether an "
        "enquiry should have started in the year.",
        "CON-T-000020",
        1,
    ),
]


def validation_lines(checks: list[tuple[str, str, str, int]]) -> list[str]:
    """The validation as the JSON's warnings carry it: the message, then the records it names."""
    return [f"{message} References: {references}" for _, message, references, _ in checks]


@pytest.mark.parametrize("table_id", TABLE_IDS)
def test_hand_built_riverside(cases, table_id):
    data = build_return(FY, cases.council)
    assert data["year"] == YEAR and data["council"] == "E06000901"
    assert nonzero(cells(data, table_id)) == RIVERSIDE[table_id]


@pytest.mark.parametrize("table_id", TABLE_IDS)
def test_hand_built_hillside_alone(cases, table_id):
    data = build_return(FY, cases.other_council)
    assert data["council"] == "E06000902"
    assert nonzero(cells(data, table_id)) == HILLSIDE[table_id]


@pytest.mark.parametrize("table_id", TABLE_IDS)
def test_hand_built_all_councils(cases, table_id):
    data = build_return(FY)
    assert data["council"] == "ALL"
    expected = Counter(RIVERSIDE[table_id]) + Counter(HILLSIDE[table_id])
    assert nonzero(cells(data, table_id)) == dict(expected)


def test_hand_built_all_councils_literal_cells(cases):
    """A few ALL cells written out: Hillside's Quinn adds to Riverside's."""
    data = build_return(FY)
    assert cells(data, "SG1a")[(CONCERNS_ROW, "85-94")] == 2
    assert cells(data, "SG1f")[(SG1F_CONCERNS, TOTAL)] == 12
    assert cells(data, "SG1f")[(SG1F_S42, TOTAL)] == 9
    assert cells(data, "SG2b")[("Hospital - Acute", "Service Provider")] == 1
    assert cells(data, "SG3a")[("No, they did not lack capacity", TOTAL)] == 2


def test_hand_built_warnings(cases):
    assert build_return(FY, cases.council)["warnings"] == RIVERSIDE_WARNINGS
    assert build_return(FY, cases.other_council)["warnings"] == []
    assert build_return(FY)["warnings"] == RIVERSIDE_WARNINGS


def test_hand_built_cells_in_template_order(cases):
    """Cells come in the template's row order, then column order."""
    data = build_return(FY)
    for table_id in TABLE_IDS:
        rows, columns = LABELS[table_id]
        keys = [(rows.index(c["row"]), columns.index(c["column"])) for c in data["tables"][table_id]]
        assert keys == sorted(keys), table_id


def test_hand_built_previous_and_next_year(cases):
    """The boundary records fall in the neighbouring years."""
    before = build_return(FY.previous, cases.council)
    # Cora's C4 (23:59:59 on 31 March 2025), Gus's concern and Jo's concern.
    assert cells(before, "SG1f")[(SG1F_CONCERNS, TOTAL)] == 3
    assert cells(before, "SG1f")[(SG1F_S42, TOTAL)] == 1  # Jo's
    assert nonzero(cells(before, "SG2c")) == {}  # Jo's closed at 00:00 on 1 April 2025
    after = build_return(FY.next, cases.council)
    assert cells(after, "SG1f") == {(SG1F_CONCERNS, TOTAL): 1}  # Ida's at 00:00 on 1 April 2026
    assert nonzero(cells(after, "SG2c")) == {("Risk identified and action taken", TOTAL): 1}  # Bob's
    assert nonzero(cells(after, "SG2e")) == {("Risk remained", TOTAL): 1}
    assert nonzero(cells(after, "SG3a")) == {(LACKED, TOTAL): 1, (LACKED, SUPPORTED): 1}


# --- 2. Property-based: invariants and an oracle ----------------------------------------------------

DAY0 = date(2025, 1, 1)
DAYS = (date(2026, 6, 30) - DAY0).days
BOUNDARIES = [
    at(2025, 3, 31, 23, 59, 59),
    at(2025, 4, 1, 0, 0),
    at(2026, 3, 31, 23, 59, 59),
    at(2026, 4, 1, 0, 0),
]

moments = st.one_of(
    st.sampled_from(BOUNDARIES),
    st.builds(
        lambda d, m: (
            datetime.combine(DAY0 + timedelta(days=d), datetime.min.time(), tzinfo=LONDON)
            + timedelta(minutes=m)
        ),
        st.integers(0, DAYS),
        st.integers(0, 24 * 60 - 1),
    ),
)

people_st = st.fixed_dictionaries(
    {
        # Some under 18 on 31 March 2026 (born after 31 March 2008), some 18 by then.
        "dob": st.one_of(st.none(), st.dates(date(1915, 1, 1), date(2009, 3, 31))),
        "died": st.one_of(st.none(), st.none(), st.dates(date(2025, 1, 1), date(2026, 6, 30))),
        "gender": st.sampled_from(GENDERS),
        "ethnicity": st.sampled_from(ETHNICITIES),
        "psr": st.sampled_from(PSRS),
        "autism": st.sampled_from(AUTISM_VALUES),
        "council": st.integers(0, 1),
    }
)

outcome_st = st.tuples(st.sampled_from(ACHIEVEMENT), st.booleans())  # (achievement, withdrawn)

enquiry_st = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["s42", "s42", "other"]),
        "start_after": st.integers(0, 90 * 24 * 60),  # minutes after the concern
        "status": st.sampled_from(["open", "closure_requested", "closed", "closed"]),
        "close_after": st.integers(0, 200 * 24 * 60),
        "ra": st.sampled_from(RA_OUTCOMES),
        "risk_outcome": st.sampled_from(["", *RISK_OUTCOMES]),
        "msp": st.sampled_from(["", *MSP_ASKED]),
        "capacity": st.sampled_from(["", *CAPACITY]),
        "supported": st.sampled_from([None, True, False]),
        "outcomes": st.lists(outcome_st, min_size=0, max_size=3),
        # What the enquiry found (none: older data, the concern's own answers count).
        "found_types": st.lists(st.sampled_from(RISK_TYPES), max_size=2, unique=True),
        "found_locations": st.lists(st.sampled_from(LOCATIONS), max_size=2, unique=True),
        "found_sources": st.lists(st.sampled_from(SOURCES), max_size=2, unique=True),
    }
)

concern_st = st.fixed_dictionaries(
    {
        "person": st.one_of(st.none(), st.integers(0, 7)),
        "received": moments,
        "location": st.sampled_from(LOCATIONS),
        "source": st.sampled_from(SOURCES),
        "risks": st.lists(st.sampled_from(RISK_TYPES), min_size=1, max_size=3, unique=True),
        "enquiry": st.one_of(st.none(), enquiry_st),
    }
)

case_sets = st.fixed_dictionaries(
    {
        "people": st.lists(people_st, min_size=1, max_size=8),
        "concerns": st.lists(concern_st, min_size=0, max_size=14),
    }
)


def normalise(spec: dict) -> dict:
    """Make a random case set consistent the way the application keeps it.

    A concern's person is one of the people; enquiries need a person and a distinct start moment;
    an enquiry that expressed outcomes has at least one active outcome; closure answers are only
    complete on concluded enquiries.
    """
    people = spec["people"]
    concerns = []
    for i, c in enumerate(spec["concerns"]):
        c = dict(c)
        if c["person"] is not None:
            c["person"] = c["person"] % len(people)
        e = c["enquiry"]
        if e is not None and c["person"] is None:
            e = None
        if e is not None:
            e = dict(e)
            # Distinct start moments, so "the first enquiry" of a person is well defined.
            e["started"] = c["received"] + timedelta(minutes=e["start_after"], microseconds=i + 1)
            e["closed"] = (
                e["started"] + timedelta(minutes=e["close_after"]) if e["status"] == "closed" else None
            )
            if e["status"] != "closed":
                e["ra"] = ""
            if e["msp"] == EXPRESSED and not any(not w for _, w in e["outcomes"]):
                e["outcomes"] = [*e["outcomes"], ("Fully Achieved", False)]
            if e["msp"] != EXPRESSED:
                e["outcomes"] = []
        c["enquiry"] = e
        concerns.append(c)
    return {"people": people, "concerns": concerns}


def build_case_set(spec: dict, councils: list[Organisation], lead: User) -> None:
    """Bulk-create the people, concerns, risk types, enquiries and outcomes of a case set."""
    people = Person.objects.bulk_create(
        Person(
            council=councils[p["council"]],
            given_name=f"P{i}",
            family_name="Tester",
            date_of_birth=p["dob"],
            # A death before the birth cannot be recorded: such a person is taken as alive.
            date_of_death=p.get("died") if _died_after_birth(p) else None,
            date_of_death_source="family" if _died_after_birth(p) else "",
            gender=p["gender"],
            ethnicity=p["ethnicity"],
            primary_support_reason=p["psr"],
            autism=p.get("autism", "Not known"),
        )
        for i, p in enumerate(spec["people"])
    )
    concern_objs = []
    for i, c in enumerate(spec["concerns"]):
        person = people[c["person"]] if c["person"] is not None else None
        # The concern goes to the person's council (or the first, unlinked).
        council = person.council if person else councils[0]
        concern_objs.append(
            Concern(**concern_fields(i, council, person, c["received"], c["location"], c["source"]))
        )
    concern_objs = Concern.objects.bulk_create(concern_objs)
    ConcernRiskType.objects.bulk_create(
        ConcernRiskType(concern=obj, risk_type=r)
        for obj, c in zip(concern_objs, spec["concerns"], strict=True)
        for r in c["risks"]
    )
    enquiries, outcome_specs = [], []
    for i, (obj, c) in enumerate(zip(concern_objs, spec["concerns"], strict=True)):
        e = c["enquiry"]
        if e is None:
            continue
        enquiries.append(
            Enquiry(
                reference=f"ENQ-P-{i:06d}",
                council=obj.council,
                concern=obj,
                person=obj.person,
                kind=e["kind"],
                lead_practitioner=lead,
                started_at=e["started"],
                status=e["status"],
                closed_at=e["closed"],
                risk_assessment_outcome=e["ra"],
                risk_outcome=e["risk_outcome"],
                msp_asked=e["msp"],
                mental_capacity=e["capacity"],
                capacity_supported=e["supported"],
            )
        )
        outcome_specs.append(e["outcomes"])
    enquiries = Enquiry.objects.bulk_create(enquiries)
    DesiredOutcome.objects.bulk_create(
        outcome_row(enq.pk, j, achievement, "withdrawn" if withdrawn else "")
        for enq, outcomes in zip(enquiries, outcome_specs, strict=True)
        for j, (achievement, withdrawn) in enumerate(outcomes)
    )
    specs = [c["enquiry"] for c in spec["concerns"] if c["enquiry"] is not None]
    for model, key, field in FOUND:
        model.objects.bulk_create(
            model(enquiry=enq, **{field: value})
            for enq, e in zip(enquiries, specs, strict=True)
            for value in e.get(key, [])
        )


# What a concluded enquiry found (msphub/enquiries/models.py): model, case-set key, field.
FOUND = [
    (EnquiryRiskType, "found_types", "risk_type"),
    (EnquiryLocation, "found_locations", "location_of_risk"),
    (EnquirySource, "found_sources", "source_of_risk"),
]


def _died_after_birth(p: dict) -> bool:
    return p.get("died") is not None and (p["dob"] is None or p["died"] >= p["dob"])


def in_year(moment: datetime | None) -> bool:
    return moment is not None and YEAR_START <= moment < YEAR_END


def age_on(dob: date | None, day: date) -> str:
    """The guidance's age band, from the age in whole years on the day (independent of the code);
    "Under 18" for a child, whom SG1 leaves out."""
    if dob is None:
        return "Age unknown"
    age = day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
    if age < 18:
        return "Under 18"
    for low, band in ((95, "95+"), (85, "85-94"), (75, "75-84"), (65, "65-74")):
        if age >= low:
            return band
    return "18-64"


def achieved(outcomes: list[tuple[str, bool]]) -> str | None:
    active = [a for a, withdrawn in outcomes if not withdrawn]
    if not active:
        return None
    if all(a == "Fully Achieved" for a in active):
        return "Fully Achieved"
    if all(a == "Not Achieved" for a in active):
        return "Not Achieved"
    return "Partially Achieved"


def sg1_band(p: dict) -> str:
    """SG1a's band: age on 31 March 2026, or on the day the person died if on or before it."""
    died = p.get("died") if _died_after_birth(p) else None
    day = died if died is not None and died <= YEAR_END_DAY else YEAR_END_DAY
    return age_on(p["dob"], day)


def found(e: dict, key: str, own: list[str]) -> list[str]:
    """What the enquiry found for a dimension, or the concern's own answers where it found none."""
    return e.get(key) or own


def oracle(spec: dict, council_index: int | None) -> dict[str, dict]:
    """The whole return for 2025-26, counted in Python from the guidance's rules (docs/sac.md)."""
    t: dict[str, Counter] = {table_id: Counter() for table_id in TABLE_IDS}
    people = spec["people"]

    def mine(c):
        if c["person"] is None:
            return council_index in (None, 0)
        return council_index is None or people[c["person"]]["council"] == council_index

    concerns = [c for c in spec["concerns"] if mine(c)]
    # SG1a-c: each adult once per row type; SG1d-e: once per event. Children are left out.
    events: dict[str, list[int]] = {CONCERNS_ROW: [], S42_ROW: [], OTHER_ROW: []}
    for c in concerns:
        if c["person"] is not None and in_year(c["received"]):
            events[CONCERNS_ROW].append(c["person"])
        e = c["enquiry"]
        if e is not None and in_year(e["started"]):
            events[S42_ROW if e["kind"] == "s42" else OTHER_ROW].append(c["person"])
    for row, found_people in events.items():
        adults = [i for i in found_people if sg1_band(people[i]) != "Under 18"]
        for index in set(adults):
            p = people[index]
            t["SG1a"][(row, sg1_band(p))] += 1
            t["SG1b"][(row, p["gender"])] += 1
            t["SG1c"][(row, p["ethnicity"])] += 1
        for index in adults:
            p = people[index]
            t["SG1d"][(row, p["psr"])] += 1
            if p.get("autism") in SG1E:
                t["SG1e"][(row, p["autism"])] += 1
    t["SG1f"][(SG1F_CONCERNS, TOTAL)] = sum(in_year(c["received"]) for c in concerns)
    started = [c["enquiry"] for c in concerns if c["enquiry"] and in_year(c["enquiry"]["started"])]
    t["SG1f"][(SG1F_S42, TOTAL)] = sum(e["kind"] == "s42" for e in started)
    t["SG1f"][(SG1F_OTHER, TOTAL)] = sum(e["kind"] == "other" for e in started)
    # SG2-4: concluded section 42 enquiries.
    for c in concerns:
        e = c["enquiry"]
        if not (e and e["kind"] == "s42" and e["status"] == "closed" and in_year(e["closed"])):
            continue
        types = found(e, "found_types", c["risks"])
        locations = found(e, "found_locations", [c["location"]])
        sources = found(e, "found_sources", [c["source"]])
        for risk in types:
            for source in sources:
                t["SG2a"][(risk, source)] += 1
            for location in locations:
                t["SG2a_b1"][(risk, location)] += 1
        for location in locations:
            for source in sources:
                t["SG2b"][(location, source)] += 1
        if e["ra"]:
            t["SG2c"][(e["ra"], TOTAL)] += 1
        if e["ra"] == RIAT and e["risk_outcome"]:
            t["SG2e"][(e["risk_outcome"], TOTAL)] += 1
        capacity = e["capacity"] or "Not recorded"
        t["SG3a"][(capacity, TOTAL)] += 1
        if capacity == LACKED and e["supported"]:
            t["SG3a"][(LACKED, SUPPORTED)] += 1
        t["SG4a"][(e["msp"] or "Not Recorded", TOTAL)] += 1
        if e["msp"] == EXPRESSED:
            t["SG4a"][(achieved(e["outcomes"]), TOTAL)] += 1
    return {table_id: nonzero(dict(counter)) for table_id, counter in t.items()}


def check_invariants(data: dict, spec: dict) -> None:
    tb = {table_id: cells(data, table_id) for table_id in TABLE_IDS}
    concerns = spec["concerns"]
    assert row_sum(tb["SG1f"], SG1F_CONCERNS) == sum(in_year(c["received"]) for c in concerns)
    people = spec["people"]
    for row, kind in ((CONCERNS_ROW, None), (S42_ROW, "s42"), (OTHER_ROW, "other")):
        if kind is None:
            found_people = [
                c["person"] for c in concerns if c["person"] is not None and in_year(c["received"])
            ]
        else:
            found_people = [
                c["person"]
                for c in concerns
                if c["enquiry"] and c["enquiry"]["kind"] == kind and in_year(c["enquiry"]["started"])
            ]
        adults = [i for i in found_people if sg1_band(people[i]) != "Under 18"]
        sums = {table_id: row_sum(tb[table_id], row) for table_id in ("SG1a", "SG1b", "SG1c")}
        assert set(sums.values()) == {len(set(adults))}, (row, sums, len(set(adults)))
        # SG1d: once per event, so its row adds up to the adults' events.
        assert row_sum(tb["SG1d"], row) == len(adults), row
        assert row_sum(tb["SG1e"], row) <= len(adults), row
    concluded = [
        c
        for c in concerns
        if c["enquiry"]
        and c["enquiry"]["kind"] == "s42"
        and c["enquiry"]["status"] == "closed"
        and in_year(c["enquiry"]["closed"])
    ]
    asked = sum(n for (r, _), n in tb["SG4a"].items() if r in MSP_ASKED)
    assert sum(tb["SG2c"].values()) == col_sum(tb["SG3a"], TOTAL) == asked == len(concluded)

    def n(c: dict, key: str, own: list) -> int:
        return len(found(c["enquiry"], key, own))

    # Each pair of categories once per concluded enquiry.
    type_source = sum(n(c, "found_types", c["risks"]) * n(c, "found_sources", [1]) for c in concluded)
    type_location = sum(n(c, "found_types", c["risks"]) * n(c, "found_locations", [1]) for c in concluded)
    location_source = sum(n(c, "found_locations", [1]) * n(c, "found_sources", [1]) for c in concluded)
    assert sum(tb["SG2a"].values()) == type_source
    assert sum(tb["SG2a_b1"].values()) == type_location
    assert sum(tb["SG2b"].values()) == location_source
    assert sum(tb["SG2e"].values()) <= tb["SG2c"].get((RIAT, TOTAL), 0)
    assert tb["SG3a"].get((LACKED, SUPPORTED), 0) <= tb["SG3a"].get((LACKED, TOTAL), 0)
    achieved_sum = sum(n for (r, _), n in tb["SG4a"].items() if r in ACHIEVEMENT)
    assert achieved_sum == tb["SG4a"].get((EXPRESSED, TOTAL), 0)
    for table_id in TABLE_IDS:
        rows, columns = LABELS[table_id]
        for (row, column), n in tb[table_id].items():
            assert row in rows and column in columns and isinstance(n, int) and n > 0, (table_id, row, column)


@pytest.fixture
def two_councils(council, other_council, lead_user):
    return [council, other_council], lead_user


def _closed_s42(capacity: str, msp: str) -> dict:
    return {
        "person": 0,
        "received": at(2025, 5, 1),
        "location": "Own Home",
        "source": "Service Provider",
        "risks": ["Physical Abuse"],
        "enquiry": {
            "kind": "s42",
            "start_after": 0,
            "status": "closed",
            "close_after": 60,
            "ra": RIAT,
            "risk_outcome": "",
            "msp": msp,
            "capacity": capacity,
            "supported": None,
            "outcomes": [],
        },
    }


# A blank and an explicit "Not recorded" / "Not Recorded", which must count as one cell (see
# test_not_recorded_blank_and_explicit_are_one_cell).
BLANK_AND_NOT_RECORDED = {
    "people": [
        {
            "dob": None,
            "died": None,
            "gender": "Male",
            "ethnicity": "White",
            "psr": "Physical Support",
            "autism": "Not known",
            "council": 0,
        }
    ],
    "concerns": [_closed_s42("", ""), _closed_s42("Not recorded", "Not Recorded")],
}


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=case_sets)
@example(spec=BLANK_AND_NOT_RECORDED)
def test_random_case_sets(two_councils, spec):
    councils, lead = two_councils
    spec = normalise(spec)
    with transaction.atomic():
        build_case_set(spec, councils, lead)
        everyone = build_return(FY)
        check_invariants(everyone, spec)
        assert {t: nonzero(cells(everyone, t)) for t in TABLE_IDS} == oracle(spec, None)
        riverside = build_return(FY, councils[0])
        assert {t: nonzero(cells(riverside, t)) for t in TABLE_IDS} == oracle(spec, 0)
        transaction.set_rollback(True)
    assert not Concern.objects.exists()


# --- 3. The command -----------------------------------------------------------------------------------


def run(tmp_path, fmt: str, *args: str):
    path = tmp_path / f"sac.{fmt}"
    call_command(
        "sac_return", "--year", YEAR, "--format", fmt, "--output", str(path), *args, stdout=io.StringIO()
    )
    return path


def test_command_json_shape_and_labels(cases, tmp_path):
    data = json.loads(run(tmp_path, "json", "--council", "E06000901").read_text(encoding="utf-8"))
    assert list(data) == ["year", "council", "tables", "warnings"]
    assert data["year"] == "2025-26" and data["council"] == "E06000901"
    assert list(data["tables"]) == TABLE_IDS
    for table_id, table in data["tables"].items():
        rows, columns = LABELS[table_id]
        assert isinstance(table, list)
        for cell in table:
            assert list(cell) == ["row", "column", "count"], cell
            assert cell["row"] in rows, (table_id, cell)
            assert cell["column"] in columns, (table_id, cell)
            assert type(cell["count"]) is int and cell["count"] > 0, (table_id, cell)
        assert nonzero(cells(data, table_id)) == RIVERSIDE[table_id]
    # The return's own warnings, then its validation, each naming its records.
    assert data["warnings"] == RIVERSIDE_WARNINGS + validation_lines(RIVERSIDE_VALIDATION)
    assert all(isinstance(w, str) for w in data["warnings"])


def test_command_json_all_councils(cases, tmp_path):
    data = json.loads(run(tmp_path, "json").read_text(encoding="utf-8"))
    assert data["council"] == "ALL"
    assert cells(data, "SG1f")[(SG1F_CONCERNS, TOTAL)] == 12
    assert cells(data, "SG2c")[("No risk identified and action taken", TOTAL)] == 1


def test_command_json_hillside_excludes_riverside(cases, tmp_path):
    data = json.loads(run(tmp_path, "json", "--council", "E06000902").read_text(encoding="utf-8"))
    assert data["council"] == "E06000902"
    assert {t: nonzero(cells(data, t)) for t in TABLE_IDS} == HILLSIDE
    # No warning of the return's own; the validation names Hillside's concern, none of Riverside's.
    assert data["warnings"] == validation_lines(HILLSIDE_VALIDATION)


def test_command_csv(cases, tmp_path):
    text = run(tmp_path, "csv", "--council", "E06000901").read_text(encoding="utf-8")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["year", "council", "table", "row", "column", "count"]
    body = lines[1:]
    assert all(line[:2] == ["2025-26", "E06000901"] for line in body)
    # The cells, then one line per validation warning (table "Validation").
    validation = body[len(body) - len(RIVERSIDE_VALIDATION) :]
    body = body[: len(body) - len(RIVERSIDE_VALIDATION)]
    assert validation == [
        ["2025-26", "E06000901", "Validation", check, text, str(n)]
        for (check, _, _, n), text in zip(
            RIVERSIDE_VALIDATION, validation_lines(RIVERSIDE_VALIDATION), strict=True
        )
    ]
    expected = [
        (table_id, row, column, n)
        for table_id in TABLE_IDS
        for (row, column), n in RIVERSIDE[table_id].items()
    ]
    assert len(body) == len(expected), "one line per (non-zero) cell"
    got = {(t, r, c): int(n) for _, _, t, r, c, n in body}
    assert len(got) == len(body), "a cell appears twice"
    assert got == {(t, r, c): n for t, r, c, n in expected}


TEMPLATE_SHEETS = ["SG1", "SG2", "SG3", "SG4"]  # the template's groups of tables, one sheet each


def read_table(book, table_id: str) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    """One table as the workbook lays it out (msphub/measures/exports.py): on its group's sheet, a
    heading "<id> - <title>" in column A, the column labels on the next row from column B, then one
    row per label (column A) with its counts, down to the first empty label."""
    sheet = book[table_id[:3]]
    cells = list(sheet.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(cells) if isinstance(r[0], str) and r[0].startswith(f"{table_id} - "))
    columns = [c for c in cells[top + 1][1:] if c is not None]
    rows, found = [], {}
    for row in cells[top + 2 :]:
        if row[0] is None:
            break
        rows.append(row[0])
        for column, value in zip(columns, row[1 : len(columns) + 1], strict=True):
            assert type(value) is int, (table_id, row[0], column, value)
            found[(row[0], column)] = value
    return rows, columns, found


def read_grid(book, table_id: str) -> dict[tuple[str, str], int]:
    return read_table(book, table_id)[2]


def test_command_xlsx(cases, tmp_path):
    book = openpyxl.load_workbook(run(tmp_path, "xlsx", "--council", "E06000901"))
    assert book.sheetnames == ["Sign Off", *TEMPLATE_SHEETS, "Validation", "Warnings"]
    for table_id in TABLE_IDS:
        rows, columns = LABELS[table_id]
        found_rows, found_columns, grid = read_table(book, table_id)
        # Every row and column of the template, zeros written out, with the counts in place.
        assert found_columns == columns, table_id
        assert found_rows == rows, table_id
        assert nonzero(grid) == RIVERSIDE[table_id], table_id
        assert len(grid) == len(rows) * len(columns)
    warnings = [r[0] for r in book["Warnings"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert warnings == RIVERSIDE_WARNINGS
    assert list(book["Validation"].iter_rows(min_row=2, values_only=True)) == RIVERSIDE_VALIDATION


def test_command_xlsx_no_warnings_sheet_says_none(cases, tmp_path):
    book = openpyxl.load_workbook(run(tmp_path, "xlsx", "--council", "E06000902"))
    assert book.sheetnames[-1] == "Warnings"
    assert nonzero(read_grid(book, "SG1f")) == HILLSIDE["SG1f"]
    assert [r[0] for r in book["Warnings"].iter_rows(min_row=2, values_only=True) if r[0]] == ["None"]
    # The validation has its own sheet.
    assert list(book["Validation"].iter_rows(min_row=2, values_only=True)) == HILLSIDE_VALIDATION


def test_command_unknown_council(cases, tmp_path):
    with pytest.raises(CommandError, match="E06000999"):
        run(tmp_path, "json", "--council", "E06000999")
    assert not (tmp_path / "sac.json").exists()


def test_command_council_code_of_a_partner_is_not_a_council(cases, tmp_path):
    Organisation.objects.create(name="Riverside Police", kind="police", ons_code="E23000001")
    with pytest.raises(CommandError):
        run(tmp_path, "json", "--council", "E23000001")


@pytest.mark.parametrize("year", ["2025-27", "2025", "2025/26", "25-26", "2025-2026", "next", ""])
def test_command_bad_year(cases, tmp_path, year):
    path = tmp_path / "sac.json"
    with pytest.raises(CommandError):
        call_command(
            "sac_return", "--year", year, "--format", "json", "--output", str(path), stdout=io.StringIO()
        )
    assert not path.exists()


def test_command_bad_format(cases, tmp_path):
    with pytest.raises(CommandError):
        call_command(
            "sac_return",
            "--year",
            YEAR,
            "--format",
            "pdf",
            "--output",
            str(tmp_path / "x"),
            stdout=io.StringIO(),
        )


def test_command_reports_what_it_wrote(cases, tmp_path):
    out = io.StringIO()
    path = tmp_path / "sac.json"
    call_command("sac_return", "--year", YEAR, "--output", str(path), "--council", "E06000901", stdout=out)
    # The return's three warnings and its two validation warnings.
    assert "for E06000901 written to" in out.getvalue() and "(5 warnings)" in out.getvalue()
    assert json.loads(path.read_text(encoding="utf-8"))["year"] == YEAR  # json is the default


# --- 4. Warnings ------------------------------------------------------------------------------------------


@pytest.fixture
def builder(lead_user) -> Builder:
    return Builder(lead_user)


def test_warning_more_enquiries_than_concerns(council, builder):
    """Enquiries started this year from concerns received last year."""
    person = builder.person(council, "Ann", date(1950, 1, 1))
    for day in (1, 2):
        concern = builder.concern(council, person, at(2025, 3, day))
        builder.enquiry(concern, at(2025, 4, day))
    builder.concern(council, person, at(2025, 5, 1))
    data = build_return(FY, council)
    assert cells(data, "SG1f") == {(SG1F_CONCERNS, TOTAL): 1, (SG1F_S42, TOTAL): 2}
    assert data["warnings"] == [
        "More enquiries started (2) than concerns received (1) in the year: check for enquiries "
        "opened from concerns received in an earlier year."
    ]


def test_no_warning_when_enquiries_equal_concerns(council, builder):
    person = builder.person(council, "Ann", date(1950, 1, 1))
    builder.enquiry(builder.concern(council, person, at(2025, 3, 1)), at(2025, 4, 1))
    builder.concern(council, person, at(2025, 5, 1))
    assert build_return(FY, council)["warnings"] == []


def test_warning_missing_risk_assessment_outcome(council, builder):
    person = builder.person(council, "Ann", date(1950, 1, 1))
    complete = {"msp_asked": "No", "mental_capacity": "Don't know"}
    for i, ra in enumerate(["", "", RIAT]):
        concern = builder.concern(council, person, at(2025, 5, i + 1))
        builder.enquiry(
            concern,
            at(2025, 5, i + 2),
            status="closed",
            closed_at=at(2025, 6, 1),
            risk_assessment_outcome=ra,
            **complete,
        )
    # Open and other enquiries without one are not warned about.
    builder.enquiry(builder.concern(council, person, at(2025, 7, 1)), at(2025, 7, 2))
    builder.enquiry(
        builder.concern(council, person, at(2025, 7, 3)),
        at(2025, 7, 4),
        kind="other",
        status="closed",
        closed_at=at(2025, 8, 1),
    )
    data = build_return(FY, council)
    assert data["warnings"] == ["2 concluded section 42 enquiries have no risk assessment outcome."]
    assert nonzero(cells(data, "SG2c")) == {(RIAT, TOTAL): 1}


def test_warning_missing_msp_and_capacity(council, builder):
    person = builder.person(council, "Ann", date(1950, 1, 1))
    concern = builder.concern(council, person, at(2025, 5, 1))
    builder.enquiry(
        concern, at(2025, 5, 2), status="closed", closed_at=at(2025, 6, 1), risk_assessment_outcome=RIAT
    )
    data = build_return(FY, council)
    assert data["warnings"] == [
        "1 concluded section 42 enquiries do not record whether the person was asked about outcomes.",
        "1 concluded section 42 enquiries do not record capacity.",
    ]
    assert nonzero(cells(data, "SG3a")) == {("Not recorded", TOTAL): 1}
    assert nonzero(cells(data, "SG4a")) == {("Not Recorded", TOTAL): 1}


def test_not_recorded_blank_and_explicit_are_one_cell(council, builder, tmp_path):
    """A blank capacity (or MSP answer) counts as `Not recorded` (`Not Recorded`), the same cell as an
    enquiry where that answer was chosen on the closure form: one cell with the sum, in JSON, CSV and
    XLSX."""
    person = builder.person(council, "Ann", date(1950, 1, 1))
    for day, capacity, msp in ((1, "", ""), (2, "Not recorded", "Not Recorded"), (3, "Not recorded", "No")):
        concern = builder.concern(council, person, at(2025, 5, day))
        builder.enquiry(
            concern,
            at(2025, 5, day + 1),
            status="closed",
            closed_at=at(2025, 6, 1),
            risk_assessment_outcome=RIAT,
            risk_outcome="Risk reduced",
            mental_capacity=capacity,
            msp_asked=msp,
        )
    data = build_return(FY, council)
    sg3a = [c for c in data["tables"]["SG3a"] if c["row"] == "Not recorded"]
    sg4a = [c for c in data["tables"]["SG4a"] if c["row"] == "Not Recorded"]
    assert sg3a == [{"row": "Not recorded", "column": TOTAL, "count": 3}], (
        f"SG3a must count a blank capacity and 'Not recorded' in one 'Not recorded' cell of 3, found {sg3a}"
    )
    assert sg4a == [{"row": "Not Recorded", "column": TOTAL, "count": 2}], (
        f"SG4a must count a blank MSP answer and 'Not Recorded' in one 'Not Recorded' cell of 2, found {sg4a}"
    )
    book = openpyxl.load_workbook(run(tmp_path, "xlsx", "--council", council.ons_code))
    assert read_grid(book, "SG3a")[("Not recorded", TOTAL)] == 3, "the XLSX grid shows the one cell's sum"


def test_warning_concerns_not_linked(council, other_council, builder):
    for day in (1, 2, 3):
        builder.concern(council, None, at(2025, 5, day))
    builder.concern(council, None, at(2025, 3, 1))  # last year: not counted
    builder.concern(other_council, None, at(2025, 5, 1))  # another council's
    data = build_return(FY, council)
    assert data["warnings"] == ["3 concerns are not yet linked to a person, so SG1a-e cannot count them."]
    assert cells(data, "SG1f")[(SG1F_CONCERNS, TOTAL)] == 3
    assert all(not data["tables"][t] for t in ("SG1a", "SG1b", "SG1c", "SG1d", "SG1e"))
    assert build_return(FY)["warnings"] == [
        "4 concerns are not yet linked to a person, so SG1a-e cannot count them."
    ]


def test_warning_people_without_date_of_birth(council, builder):
    """Counted once per person, however many concerns they had."""
    dan = builder.person(council, "Dan", None)
    dora = builder.person(council, "Dora", None)
    ann = builder.person(council, "Ann", date(1950, 1, 1))
    for person in (dan, dan, dora, ann):
        builder.concern(council, person, at(2025, 5, 1))
    data = build_return(FY, council)
    assert data["warnings"] == ["2 people with concerns have no date of birth (counted as Age unknown)."]
    assert nonzero(cells(data, "SG1a")) == {(CONCERNS_ROW, "Age unknown"): 2, (CONCERNS_ROW, "75-84"): 1}


def test_no_warnings_for_an_empty_year(council):
    data = build_return(FY, council)
    assert data["warnings"] == []
    assert all(not cells_ for cells_ in data["tables"].values())


# --- 5. Queries do not grow with the data -----------------------------------------------------------------


def scaled_cases(builder: Builder, councils, copies: int) -> None:
    """``copies`` of a mix touching every table: people, concerns, enquiries of each kind, outcomes."""
    spec_person = {"gender": "Female", "ethnicity": "White", "psr": "Physical Support"}
    for i in range(copies):
        for council in councils:
            person = builder.person(council, f"P{i}", date(1940 + i, 5, 1), **spec_person)
            nodob = builder.person(council, f"Q{i}", None)
            c1 = builder.concern(council, person, at(2025, 5, 1), ["Physical Abuse", "Self-Neglect"])
            builder.enquiry(
                c1,
                at(2025, 5, 2),
                status="closed",
                closed_at=at(2025, 9, 1),
                risk_assessment_outcome=RIAT,
                risk_outcome="Risk reduced",
                msp_asked=EXPRESSED,
                mental_capacity=LACKED,
                capacity_supported=True,
                outcomes=["Fully Achieved", "Not Achieved", ("Not Achieved", "w")],
            )
            c2 = builder.concern(council, nodob, at(2025, 6, 1), ["Domestic Abuse"], "Hospital - Acute")
            builder.enquiry(c2, at(2025, 6, 2), kind="other")
            builder.concern(council, None, at(2025, 7, 1))
            c3 = builder.concern(council, person, at(2025, 3, 1))
            builder.enquiry(c3, at(2025, 4, 2))


def queries_for(council=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        build_return(FY, council)
    return len(captured)


def test_query_count_does_not_grow_with_data(council, other_council, builder, django_assert_max_num_queries):
    scaled_cases(builder, [council, other_council], 2)
    small = queries_for(), queries_for(council)
    assert cells(build_return(FY), "SG1f")[(SG1F_CONCERNS, TOTAL)] == 2 * 2 * 3
    scaled_cases(builder, [council, other_council], 8)  # 5x as many in all
    large = queries_for(), queries_for(council)
    assert cells(build_return(FY), "SG1f")[(SG1F_CONCERNS, TOTAL)] == 10 * 2 * 3
    assert small == large, f"queries grew with the data: {small} -> {large}"
    with django_assert_max_num_queries(small[0]):
        build_return(FY)
