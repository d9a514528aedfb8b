"""A hand-built data set for the MSP measures (tests/test_measures.py, tests/test_dashboard_views.py).

Records are written with the ORM so that every date, answer and link is exactly as stated here; the
measures only read them. All the figures the measures should give for the financial year 2025-26
(``PERIOD``) for Riverside are written out in ``EXPECTED`` and the tests below it.

Riverside's records (``FD`` Front Door, ``LE`` Locality East; ``NHS`` Riverside NHS Trust, ``POL``
Riverside Police):

Concluded enquiries (closed in the period), each with its concern (C1 to C7) and person (P1 to P5)::

    id  kind  team partner asked        achieved  risk assessed risk     capacity   took part
    E1  s42   FD   NHS     expressed    Fully     found, action removed  lacked+sup home
    E2  s42   FD   -       expressed    Partially found, action remained no         not present
    E3  s42   LE   POL     expressed    Not       found, action reduced  lacked     representative
    E4  s42   LE   -       none said    -         no risk       -        don't know chose not; advocate
    E5  other FD   -       No           -         found, none   -        lacked+sup -
    E6  s42   FD   NHS     Not Recorded -         found, action removed  not rec.   -
    E7  s42   FD   -       expressed    Fully*    inconclusive  -        no         phone or video

* E7's other outcome, withdrawn, was Not Achieved.

E7 closed at 00:30 on 1 April 2025 (London; still 31 March in UTC) and E6 at 23:30 on 31 March 2026:
both in the period. Not concluded in the period: E8 (closed 23:30 on 31 March 2025), E9 (closure
awaiting sign-off), E12 (closed 00:15 on 1 April 2026) and Hillside's E10.

Concerns received in the period: C1 to C6, C9, C12 (enquiries) and N1 to N5 (no enquiry); C7, C8,
C0 and N6 were received before it, and Hillside's C10 is not Riverside's.
"""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from msphub.accounts.models import Organisation, Team, User
from msphub.concerns.models import Concern, ConcernRiskType, Decision, FirstContact
from msphub.core import categories
from msphub.core.models import ReferenceSequence
from msphub.core.periods import Period
from msphub.enquiries.models import DesiredOutcome, Enquiry, Feedback, Involvement
from msphub.people.models import Person
from tests.conftest import Cast, per_test

LONDON = ZoneInfo("Europe/London")
PERIOD = Period(date(2025, 4, 1), date(2026, 3, 31))

EXPRESSED = categories.ASKED_AND_EXPRESSED
NONE_EXPRESSED = categories.ASKED_NONE_EXPRESSED
LACKED = categories.LACKED_CAPACITY
NOT_LACKED = "No, they did not lack capacity"
RISK_ACTION = "Risk identified and action taken"

PHYSICAL = "Physical Abuse"
NEGLECT = "Neglect and Acts of Omission"
FINANCIAL = "Financial or Material Abuse"
PSYCHOLOGICAL = "Psychological Abuse"
SELF_NEGLECT = "Self-Neglect"

PROVIDER = "Sunrise Home Care"  # named in two of Riverside's concerns in the period
# The person's own words, with and without consent to quote them.
QUOTE_F1 = "They listened to me and my daughter"
QUOTE_F4 = "I feel safer at home now"
QUOTE_F5 = "The carers changed and it stopped"
AWAITING_WORDS = "Waiting for a manager to read this"
DECLINED_WORDS = "A manager decided this should not be shared"
NAMED_WORDS = "Sam Jones from the council was brilliant"
REDACTED_WORDS = "[name] from the council was brilliant"
UNCONSENTED = "Secret words nobody agreed to share"
EARLY_WORDS = "Words from before the period"
HILLSIDE_WORDS = "Hillside words that Riverside must not see"
HILLSIDE_PROVIDER = "Hillside Only Care Ltd"


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment in London time, as UTC (so that adding days means 24-hour days across clock changes)."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


class Builder:
    """Writes records directly, each with the dates given."""

    def __init__(self, council: Organisation, user: User) -> None:
        self.council = council
        self.user = user

    def person(self, given: str, gender: str = "Not Known", dob: date | None = None, **fields) -> Person:
        return Person.objects.create(
            council=fields.pop("council", self.council),
            given_name=given,
            family_name="Measureson",
            gender=gender,
            date_of_birth=dob,
            **fields,
        )

    def concern(
        self,
        received_at: datetime,
        person: Person | None = None,
        team: Team | None = None,
        risk_types: tuple[str, ...] = (PHYSICAL,),
        raiser: Organisation | None = None,
        provider: str = "",
        council: Organisation | None = None,
        location: str = "Own Home",
        source: str = "Other - Known to individual",
        status: str = Concern.Status.TRIAGE,
    ) -> Concern:
        concern = Concern.objects.create(
            council=council or self.council,
            reference=ReferenceSequence.next_reference("CON"),
            received_at=received_at,
            status=status,
            raiser_organisation=raiser,
            raiser_kind="professional",
            raiser_name="Alex Raiser",
            adult_given_name=person.given_name if person else "Unlinked",
            adult_family_name="Measureson",
            what_happened="Something happened.",
            location_of_risk=location,
            source_of_risk=source,
            care_provider_name=provider,
            consent="given",
            msp_asked=True,
            person=person,
            team=team,
        )
        ConcernRiskType.objects.bulk_create(ConcernRiskType(concern=concern, risk_type=r) for r in risk_types)
        return concern

    def contact(self, concern: Concern, hours: float) -> FirstContact:
        return FirstContact.objects.create(
            concern=concern,
            contact_at=concern.received_at + timedelta(hours=hours),
            method="phone",
            spoke_with="adult",
            recorded_by=self.user,
            wants="To be safe",
        )

    def decide(
        self, concern: Concern, outcome: str, days: float | None, pathway: str = "", referred_agency: str = ""
    ) -> Decision:
        """A decision ``days`` after the concern was received, signed off then (None: not signed off)."""
        signed_off_at = None if days is None else concern.received_at + timedelta(days=days)
        return Decision.objects.create(
            concern=concern,
            outcome=outcome,
            criterion_care_needs=True,
            criterion_abuse_risk=True,
            criterion_cannot_protect=outcome == "s42",
            pathway=pathway,
            referred_agency=referred_agency,
            no_further_action_reason="No risk" if pathway == "nfa" else "",
            rationale="Reasons",
            decided_by=self.user,
            decided_at=signed_off_at or concern.received_at,
            signed_off_by=self.user if days is not None else None,
            signed_off_at=signed_off_at,
        )

    def enquiry(
        self,
        person: Person,
        team: Team | None,
        closed_at: datetime | None,
        closure_days: float,
        decision_days: float,
        kind: str = "s42",
        partner: Organisation | None = None,
        msp_asked: str = "",
        achievements: tuple[str, ...] = (),
        withdrawn: tuple[str, ...] = (),
        risk_assessment: str = "",
        risk_outcome: str = "",
        capacity: str = "",
        supported: bool | None = None,
        took_part: tuple[str, ...] = (),
        status: str = Enquiry.Status.CLOSED,
        started_at: datetime | None = None,
        council: Organisation | None = None,
        **concern_fields,
    ) -> Enquiry:
        """An enquiry closed at ``closed_at`` after ``closure_days``, opened ``decision_days`` after its
        concern was received (so the concern's received_at follows from them)."""
        started_at = started_at or closed_at - timedelta(days=closure_days)
        received_at = started_at - timedelta(days=decision_days)
        council = council or self.council
        concern = self.concern(received_at, person, team, council=council, **concern_fields)
        self.decide(concern, kind, decision_days)
        enquiry = Enquiry.objects.create(
            reference=ReferenceSequence.next_reference("ENQ"),
            council=council,
            concern=concern,
            person=person,
            kind=kind,
            lead_practitioner=self.user,
            team=team,
            making_organisation=partner,
            started_at=started_at,
            status=status,
            msp_asked=msp_asked,
            risk_assessment_outcome=risk_assessment,
            risk_outcome=risk_outcome,
            mental_capacity=capacity,
            capacity_supported=supported,
            closed_at=closed_at if status == Enquiry.Status.CLOSED else None,
        )
        for achievement in achievements:
            self.outcome(enquiry, achievement)
        for achievement in withdrawn:
            self.outcome(enquiry, achievement, withdrawn_on=started_at.date())
        for participation in took_part:
            Involvement.objects.create(
                enquiry=enquiry,
                held_on=started_at.date(),
                kind="visit",
                attendees="Practitioner",
                participation=participation,
                recorded_by=self.user,
            )
        return enquiry

    @staticmethod
    def outcome(enquiry: Enquiry, achievement: str, **fields) -> DesiredOutcome:
        return DesiredOutcome.objects.create(
            enquiry=enquiry,
            words="I want to feel safe",
            category="Be and feel safer",
            expressed_by="adult",
            expressed_on=enquiry.started_at.date(),
            achievement=achievement,
            **fields,
        )

    def feedback(
        self,
        enquiry: Enquiry,
        asked_on: date,
        answers: tuple[str, str, str, str],
        comments: str = "",
        consent: bool = False,
        version: str = "adult",
        quote: str = "approved",
        approved_text: str | None = None,
    ) -> Feedback:
        """Feedback; a consented quote is moderated as ``quote`` says (approved, by default in the
        person's own words unless ``approved_text`` redacts them; "awaiting"; "declined")."""
        listened, involved, safer, happy = answers
        quoted = consent and bool(comments)
        return Feedback.objects.create(
            quote_status=quote if quoted else "",
            approved_text=(comments if approved_text is None else approved_text)
            if quoted and quote == "approved"
            else "",
            enquiry=enquiry,
            version=version,
            representative_relationship="Daughter" if version == "representative" else "",
            asked_by="practitioner",
            asked_on=asked_on,
            listened_to=listened,
            involved=involved,
            safer=safer,
            happy_with_ending=happy,
            comments=comments,
            consent_to_quote=consent,
            recorded_by=self.user,
        )


DEF, TSE, NOT, DK, PNS = "Definitely", "To some extent", "Not at all", "Don't know", "Prefer not to say"


def build_data(cast: Cast) -> SimpleNamespace:
    """The Riverside data set of the module docstring, plus Hillside's records (``d.cast``: the
    personas they belong to)."""
    council, other_council, front_door, locality = (
        cast.council, cast.other_council, cast.front_door, cast.locality
    )  # fmt: skip
    police, nhs_trust, lead, other_council_user = (
        cast.police,
        cast.nhs_trust,
        cast.lead,
        cast.other_council_user,
    )
    b = Builder(council, lead)
    d = SimpleNamespace(cast=cast, council=council, other_council=other_council, fd=front_door, le=locality)
    d.nhs, d.police = nhs_trust, police
    FD, LE = front_door, locality  # noqa: N806

    # People. P1 is 84 when C1 arrives and 85 when C6 does; P2 turns 65 on the day C2 arrives.
    d.p1 = b.person("Penelope", "Female", date(1940, 6, 1), ethnicity="White")
    d.p2 = b.person("Percival", "Male", date(1960, 6, 29), ethnicity="Asian / Asian British")
    d.p3 = b.person("Philippa", "Female", None, primary_support_reason="Physical Support")
    d.p4 = b.person("Peregrine", "Male", date(1930, 11, 11))
    d.p5 = b.person("Pat", "Not Known", date(2000, 1, 1))
    d.p6 = b.person("Phoebe", "Female", date(1950, 1, 1))
    d.p7 = b.person("Piers", "Male", date(1950, 1, 1))

    # Concluded in the period: closed_at, days open, days from concern to decision.
    d.e1 = b.enquiry(
        d.p1, FD, at(2025, 6, 5), 20, 1, partner=nhs_trust, msp_asked=EXPRESSED,
        achievements=("Fully Achieved", "Fully Achieved"), risk_assessment=RISK_ACTION,
        risk_outcome="Risk removed", capacity=LACKED, supported=True, took_part=("home",),
        risk_types=(PHYSICAL, NEGLECT), raiser=nhs_trust, provider=PROVIDER,
        location="Care Home - Residential", source="Service Provider",
    )  # fmt: skip
    d.e2 = b.enquiry(
        d.p2, FD, at(2025, 8, 10, 12), 40, 2, msp_asked=EXPRESSED,
        achievements=("Fully Achieved", "Not Achieved"), risk_assessment=RISK_ACTION,
        risk_outcome="Risk remained", capacity=NOT_LACKED, took_part=("not_present",),
        risk_types=(FINANCIAL,), provider="Oak Lodge",
    )  # fmt: skip
    d.e3 = b.enquiry(
        d.p3, LE, at(2025, 9, 30), 10, 3, partner=police, msp_asked=EXPRESSED,
        achievements=("Not Achieved",), risk_assessment=RISK_ACTION, risk_outcome="Risk reduced",
        capacity=LACKED, supported=False, took_part=("representative",), risk_types=(NEGLECT,),
        raiser=police, provider=PROVIDER, source="Service Provider",
    )  # fmt: skip
    d.e4 = b.enquiry(
        d.p4, LE, at(2025, 12, 15), 30, 4, msp_asked=NONE_EXPRESSED,
        risk_assessment="No risk identified and no action taken", capacity="Don't know",
        took_part=("chose_not", "advocate"), risk_types=(SELF_NEGLECT,),
    )  # fmt: skip
    d.e5 = b.enquiry(
        d.p5, FD, at(2026, 1, 20), 50, 5, kind="other", msp_asked="No",
        risk_assessment="Risk identified and no action taken", capacity=LACKED, supported=True,
        risk_types=(PSYCHOLOGICAL,), location="In the Community",
    )  # fmt: skip
    d.e6 = b.enquiry(
        d.p1, FD, at(2026, 3, 31, 23, 30), 60, 6, partner=nhs_trust, msp_asked="Not Recorded",
        risk_assessment=RISK_ACTION, risk_outcome="Risk removed", capacity="Not recorded",
        risk_types=(PHYSICAL,),
    )  # fmt: skip
    d.e7 = b.enquiry(
        d.p2, FD, at(2025, 4, 1, 0, 30), 70, 7, msp_asked=EXPRESSED, achievements=("Fully Achieved",),
        withdrawn=("Not Achieved",), risk_assessment="Risk Assessment inconclusive and action taken",
        capacity=NOT_LACKED, took_part=("phone_video",), risk_types=(FINANCIAL,),
    )  # fmt: skip
    d.concluded = [d.e1, d.e2, d.e3, d.e4, d.e5, d.e6, d.e7]

    # Not concluded in the period (each would change every concluded measure if counted).
    d.e8 = b.enquiry(
        d.p6, FD, at(2025, 3, 31, 23, 30), 30, 3, msp_asked=NONE_EXPRESSED, risk_assessment=RISK_ACTION,
        risk_outcome="Risk remained", capacity=LACKED, supported=False, took_part=("home",),
        provider="Oak Lodge",
    )  # fmt: skip
    d.e9 = b.enquiry(
        d.p6, FD, None, 0, 7, status=Enquiry.Status.CLOSURE_REQUESTED, started_at=at(2026, 1, 12),
        msp_asked="No", risk_assessment=RISK_ACTION, risk_outcome="Risk remained", capacity=LACKED,
        supported=False,
    )  # fmt: skip
    d.e12 = b.enquiry(
        d.p7, LE, at(2026, 4, 1, 0, 15), 0, 8, started_at=at(2026, 2, 1), msp_asked="No",
        risk_assessment=RISK_ACTION, risk_outcome="Risk remained", capacity=LACKED, supported=False,
    )  # fmt: skip

    # Concerns that did not become enquiries.
    d.n1 = b.concern(at(2025, 10, 1), d.p1, FD)
    b.decide(d.n1, "none", 9, pathway="information_advice")
    d.n2 = b.concern(at(2025, 10, 2), d.p2, LE)
    b.decide(d.n2, "none", 10, pathway="referred", referred_agency="police")
    d.n3 = b.concern(at(2025, 12, 10), d.p5, FD)
    b.decide(d.n3, "none", 20, pathway="information_advice")
    d.n4 = b.concern(at(2025, 12, 1), None, None, raiser=police)  # not linked to anyone yet
    d.n5 = b.concern(at(2026, 3, 31, 23, 30))  # decided, not signed off
    b.decide(d.n5, "none", None, pathway="nfa")
    d.n6 = b.concern(at(2025, 3, 31, 23, 30), d.p4, FD, provider=PROVIDER)  # before the period
    b.decide(d.n6, "none", 1, pathway="signposted")
    # P3's concern more than a year before C3: C3 is not a repeat.
    d.c0 = b.concern(at(2024, 6, 1), d.p3, LE)

    # First contacts: hours after the concern was received (the earliest counts).
    for concern, hours in (
        (d.e1.concern, 2),
        (d.e2.concern, 24),  # exactly 24 hours counts
        (d.e3.concern, 30),
        (d.e3.concern, 50),
        (d.e4.concern, 25),
        (d.e5.concern, 100),
        (d.e5.concern, 1),
        (d.n1, 10),
        (d.n2, 40),
        (d.n6, 1),  # before the period
    ):
        b.contact(concern, hours)

    # The person's feedback (listened to, involved, safer, happy with the ending).
    b.feedback(d.e1, date(2025, 6, 5), (DEF, TSE, NOT, DK), QUOTE_F1, consent=True)
    b.feedback(d.e2, date(2025, 8, 20), (NOT, DEF, DEF, PNS), UNCONSENTED)
    b.feedback(d.e3, date(2025, 10, 1), (TSE, "", TSE, DEF), version="representative")
    b.feedback(d.e4, date(2026, 3, 31), (DK, NOT, "", NOT), QUOTE_F4, consent=True, version="representative")
    # Asked in the period about an enquiry concluded before it: feedback counts by when it was asked.
    b.feedback(d.e8, date(2025, 4, 10), (DEF, NOT, PNS, TSE), QUOTE_F5, consent=True)
    # Quotes only (no question answered, so no measure changes): consented but not (yet) approved by
    # a manager, or declined, the Board does not see; approved with the worker's name taken out, the
    # Board sees only the approved words.
    unanswered = ("", "", "", "")
    b.feedback(d.e8, date(2025, 6, 10), unanswered, AWAITING_WORDS, consent=True, quote="awaiting")
    b.feedback(d.e8, date(2025, 8, 25), unanswered, DECLINED_WORDS, consent=True, quote="declined")
    b.feedback(d.e3, date(2025, 10, 5), unanswered, NAMED_WORDS, consent=True, approved_text=REDACTED_WORDS)
    b.feedback(d.e1, date(2025, 3, 31), (NOT, NOT, NOT, NOT), EARLY_WORDS, consent=True)
    # Consent ticked but no words (the form refuses this; written directly): nothing to quote.
    b.feedback(d.e5, date(2025, 11, 3), ("", "", "", ""), "", consent=True)

    # Hillside: a concluded enquiry with feedback, in the period, all counted only for Hillside.
    hillside_team = other_council_user.team
    hb = Builder(other_council, other_council_user)
    d.h_person = hb.person("Hector", "Male", date(1945, 1, 1))
    d.e10 = hb.enquiry(
        d.h_person, hillside_team, at(2025, 7, 1), 10, 1, msp_asked=EXPRESSED,
        achievements=("Fully Achieved",), risk_assessment=RISK_ACTION, risk_outcome="Risk removed",
        capacity=LACKED, supported=True, took_part=("home",), provider=HILLSIDE_PROVIDER,
    )  # fmt: skip
    d.h_c2 = hb.concern(at(2025, 7, 2), d.h_person, hillside_team, provider=HILLSIDE_PROVIDER)
    hb.contact(d.e10.concern, 1)
    hb.feedback(d.e10, date(2025, 7, 1), (DEF, DEF, DEF, DEF), HILLSIDE_WORDS, consent=True)
    return d


# The data set is written once per module that uses it (the measures only read it; a test that adds
# records does so in its own savepoint) and each test gets a copy; see "Shared worlds" in conftest.
# A module whose tests run at a frozen time overrides data_once to build it at that time too.


@pytest.fixture(name="data_once", scope="module")
def data_once_fixture(module_db, django_db_blocker) -> SimpleNamespace:
    with django_db_blocker.unblock():
        return build_data(Cast())


@pytest.fixture(name="data")
def data_fixture(data_once, db) -> SimpleNamespace:
    return per_test(data_once)


def measure(numerator: int, denominator: int, percent: float | None) -> dict:
    return {"numerator": numerator, "denominator": denominator, "percent": percent}


# Riverside, 1 April 2025 to 31 March 2026.
EXPECTED = {
    # Concluded enquiries E1-E7. Asked: E1, E2, E3, E7 expressed, E4 none expressed.
    "asked_about_outcomes": measure(5, 7, 71.4),
    "outcomes_expressed": measure(4, 5, 80.0),
    # Of the four who expressed outcomes: E1 and E7 (its withdrawn outcome aside) fully, E2 partly.
    "fully_achieved": measure(2, 4, 50.0),
    "partially_achieved": measure(1, 4, 25.0),
    "not_achieved": measure(1, 4, 25.0),
    # Concerns received: C1-C6, C9, C12, N1-N5 (13). Within 24 hours: C1 (2h), C2 (24h), C5 (1h), N1.
    "first_contact_24h": measure(4, 13, 30.8),
    # E1 at home, E3 through a representative, E4 through an advocate, E7 by phone.
    "involved": measure(4, 7, 57.1),
    # Lacked capacity: E1 (supported), E3 (not), E5 (supported).
    "lacking_capacity_supported": measure(2, 3, 66.7),
    # Feedback asked in the period: F1-F4 and F5 (about E8); answered = Definitely/To some extent/Not.
    "felt_listened_to": measure(3, 4, 75.0),
    "felt_involved": measure(2, 4, 50.0),
    "feel_safer": measure(2, 3, 66.7),
    "happy_with_outcome": measure(2, 3, 66.7),
    # Risk identified and action taken: E1 (removed), E2 (remained), E3 (reduced), E6 (removed).
    "risk_reduced_or_removed": measure(3, 4, 75.0),
    # Section 42 enquiries from C1, C2, C3, C4, C6, C9, C12 (C5 is an other enquiry).
    "conversion_rate": measure(7, 13, 53.8),
    # Linked to a person: all but N4, N5. Repeats: C2 (C7, January 2025), C6 and N1 (C1), N2, N3 (C5)
    # C9 (C8, February 2025) and C4 (N6, 31 March 2025); not C3 (C0 was 15 months before).
    "repeat_concerns_12m": measure(7, 11, 63.6),
}
MEASURE_IDS = list(EXPECTED)
