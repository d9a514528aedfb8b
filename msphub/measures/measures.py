"""The MSP measures a council and its Board look at (../shared/domain/data.md, "MSP measures").

Each measure is a numerator and a denominator counted with conditional aggregation over one base
queryset, so a measure costs one query for the total, one for a breakdown and one for its monthly
trend, whatever the number of cases.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connections
from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    DurationField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower, Trim, TruncDate, TruncMonth
from django.utils import timezone

from msphub.concerns.models import (
    Concern,
    Decision,
    counted_concern,
    first_contact_window,
)
from msphub.core import categories
from msphub.core.concurrent import side_by_side
from msphub.core.periods import Period
from msphub.enquiries.models import DesiredOutcome, Enquiry, EnquiryResponse, Feedback, Involvement

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

    from msphub.accounts.models import Organisation

POSITIVE = ["Definitely", "To some extent"]
ANSWERED = ["Definitely", "To some extent", "Not at all"]
ASKED = [categories.ASKED_AND_EXPRESSED, categories.ASKED_NONE_EXPRESSED]


@dataclass(frozen=True)
class Filters:
    period: Period
    council: Organisation | None = None
    team_id: int | None = None
    partner_id: int | None = None


@dataclass(frozen=True)
class Measure:
    id: str
    label: str
    base: str  # "concluded", "concerns", "feedback" or "started"
    numerator: Q
    denominator: Q = field(default_factory=Q)
    base_note: str = ""
    # Whether a higher percentage is better practice: True, False (repeat concerns, outcomes not
    # achieved) or None where neither is (a conversion rate). Benchmark ranks put the best first and
    # do not rank a measure without a direction.
    higher_is_better: bool | None = True
    # A numerator that is "the rows whose <field> is <value>", for a field looked up for each row
    # (the enquiry's overall achievement): the monthly pass groups by the field and takes the
    # numerator from the groups' sizes, so the look-up is made once a row, not once for each measure
    # that names it (PostgreSQL repeats a looked-up expression in every count it appears in).
    counted_by: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if self.counted_by is not None and self.numerator != Q(**{self.counted_by[0]: self.counted_by[1]}):
            raise ValueError(f"{self.id}: counted_by must say what the numerator says")


MEASURES = [
    Measure(
        "asked_about_outcomes",
        "Asked about desired outcomes",
        "concluded",
        Q(msp_asked__in=ASKED),
        base_note="concluded enquiries",
    ),
    Measure(
        "outcomes_expressed",
        "Expressed desired outcomes",
        "concluded",
        Q(msp_asked=categories.ASKED_AND_EXPRESSED),
        Q(msp_asked__in=ASKED),
        "people asked about outcomes",
    ),
    # Of those who expressed outcomes, how far they were achieved (SG4a's overall achievement).
    *(
        Measure(
            measure_id,
            f"Outcomes {level.lower()}",
            "concluded",
            Q(achievement=level),
            Q(msp_asked=categories.ASKED_AND_EXPRESSED),
            "people who expressed outcomes",
            higher_is_better=better,
            counted_by=("achievement", level),
        )
        for measure_id, level, better in (
            ("fully_achieved", "Fully Achieved", True),
            ("partially_achieved", "Partially Achieved", None),
            ("not_achieved", "Not Achieved", False),
        )
    ),
    Measure(
        "first_contact_24h",
        "Spoken to within 24 hours of the concern",
        "concerns",
        Q(first_contact_at__lte=F("received_at") + first_contact_window()),
        # Concerns still inside their 24 hours with nobody spoken to yet are not (yet) a miss.
        Q(contact_due=True),
        "concerns received, excluding those still inside their first 24 hours",
    ),
    Measure(
        "involved",
        "Took part in the enquiry (themselves or through a representative or advocate)",
        "concluded",
        Q(took_part=True),
        base_note="concluded enquiries",
    ),
    Measure(
        "lacking_capacity_supported",
        "Lacking capacity and supported by an advocate, family or friend",
        "concluded",
        Q(mental_capacity=categories.LACKED_CAPACITY, capacity_supported=True),
        Q(mental_capacity=categories.LACKED_CAPACITY),
        "people who lacked capacity",
    ),
    Measure(
        "felt_listened_to",
        "Felt listened to",
        "feedback",
        Q(listened_to__in=POSITIVE),
        Q(listened_to__in=ANSWERED),
        "feedback answering the question",
    ),
    Measure(
        "felt_involved",
        "Felt involved as much as they wanted",
        "feedback",
        Q(involved__in=POSITIVE),
        Q(involved__in=ANSWERED),
        "feedback answering the question",
    ),
    Measure(
        "feel_safer",
        "Feel safer",
        "feedback",
        Q(safer__in=POSITIVE),
        Q(safer__in=ANSWERED),
        "feedback answering the question",
    ),
    Measure(
        "happy_with_outcome",
        "Happy with how things ended",
        "feedback",
        Q(happy_with_ending__in=POSITIVE),
        Q(happy_with_ending__in=ANSWERED),
        "feedback answering the question",
    ),
    Measure(
        "risk_reduced_or_removed",
        "Risk reduced or removed",
        "concluded",
        Q(risk_outcome__in=["Risk reduced", "Risk removed"]),
        Q(risk_assessment_outcome="Risk identified and action taken"),
        "risk identified and action taken",
    ),
    Measure(
        "conversion_rate",
        "Concerns that became section 42 enquiries",
        "concerns",
        Q(enquiry_kind=Enquiry.Kind.SECTION_42),
        base_note="concerns received",
        higher_is_better=None,
    ),
    Measure(
        "repeat_concerns_12m",
        "Repeat concerns (another concern about the person in the previous 12 months)",
        "concerns",
        Q(repeat=True),
        Q(person__isnull=False),
        "concerns linked to a person",
        higher_is_better=False,
    ),
]
MEASURES_BY_ID = {m.id: m for m in MEASURES}

# Breakdown dimensions: label and the path from each base.
DIMENSIONS = {
    "risk_type": (
        "Type of risk",
        {"concluded": "concern__risk_types__risk_type", "concerns": "risk_types__risk_type"},
    ),
    "location": (
        "Location of risk",
        {"concluded": "concern__location_of_risk", "concerns": "location_of_risk"},
    ),
    "source": ("Source of risk", {"concluded": "concern__source_of_risk", "concerns": "source_of_risk"}),
    "age_band": ("Age band", {}),
    "gender": ("Gender", {"concluded": "person__gender", "concerns": "person__gender"}),
    "ethnicity": ("Ethnicity", {"concluded": "person__ethnicity", "concerns": "person__ethnicity"}),
    "support_reason": (
        "Primary support reason",
        {"concluded": "person__primary_support_reason", "concerns": "person__primary_support_reason"},
    ),
    "team": ("Team", {"concluded": "team__name", "concerns": "team__name"}),
    "partner": (
        "Partner",
        {"concluded": "making_organisation__name", "concerns": "raiser_organisation__name"},
    ),
}
AGE_PATHS = {
    "concluded": ("person__date_of_birth", "concern__received_at"),
    "concerns": ("person__date_of_birth", "received_at"),
    "feedback": ("enquiry__person__date_of_birth", "enquiry__concern__received_at"),
}
DATE_FIELDS = {"concluded": "closed_at", "concerns": "received_at", "feedback": "asked_on"}


class AgeInYears(Func):
    """Whole years from a date of birth (second argument) to a date (first), in the database.

    PostgreSQL's age() on PostgreSQL; on SQLite, the difference of the years less one when the
    birthday (month-day) has not come yet. One expression per row: the year/month/day EXTRACT
    arithmetic it replaces cost six numeric EXTRACTs (with a time zone conversion each) per
    comparison, and the band's CASE repeated it four times.
    """

    arity = 2
    output_field = IntegerField()
    template = "CAST(date_part('year', age(%(expressions)s)) AS integer)"

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        (on, on_params), (dob, dob_params) = (compiler.compile(e) for e in self.get_source_expressions())
        sql = (
            f"(CAST(strftime('%%Y', {on}) AS INTEGER) - CAST(strftime('%%Y', {dob}) AS INTEGER)"
            f" - (strftime('%%m-%%d', {on}) < strftime('%%m-%%d', {dob})))"
        )
        return sql, (*on_params, *dob_params, *on_params, *dob_params)


UNDER_18 = "Under 18"


def _age_band(dob: str, adults_only: bool) -> Case:
    """The SAC age band of the ``age_years`` annotation (``Age unknown`` without a date of birth).
    With ``adults_only``, ages under 18 are ``UNDER_18`` (left out of the return by its callers)."""
    under_18 = [When(age_years__lt=18, then=Value(UNDER_18))] if adults_only else []
    return Case(
        When(**{f"{dob}__isnull": True}, then=Value("Age unknown")),
        *under_18,
        When(age_years__gte=95, then=Value("95+")),
        When(age_years__gte=85, then=Value("85-94")),
        When(age_years__gte=75, then=Value("75-84")),
        When(age_years__gte=65, then=Value("65-74")),
        default=Value("18-64"),
        output_field=CharField(),
    )


def age_band_annotations(dob: str, on: str) -> dict[str, Any]:
    """The age band of a date of birth on the (London) date of a moment, computed in the database:
    the MSP measures' age breakdown (age when the concern was received). The SAC return's SG1 uses
    ``sac_age_annotations``, the national guidance's rule."""
    # age_years first: the band's conditions refer to it.
    return {"age_years": AgeInYears(TruncDate(on), dob), "value": _age_band(dob, adults_only=False)}


def sac_age_day(person: str, last_day: date) -> Case:
    """The day SG1a takes a person's age on (``person``: the path to the person, "" or "person__"):
    the last day of the reporting year, or the date of death if the person died on or before it
    (national guidance, SG1a; docs/sac.md)."""
    death = f"{person}date_of_death"
    return Case(
        When(**{f"{death}__lte": last_day}, then=F(death)),
        default=Value(last_day),
        output_field=DateField(),
    )


def sac_age_annotations(person: str, year: Period) -> dict[str, Any]:
    """SG1a's age band of the person at ``person`` for a reporting year, in the database: the one
    definition of the guidance's age rule (``sac_age_day``). ``age_band`` is ``UNDER_18`` for someone
    under 18 on that day (not an adult: left out of SG1 and named in a warning), ``Age unknown``
    without a date of birth."""
    dob = f"{person}date_of_birth"
    return {
        "age_years": AgeInYears(sac_age_day(person, year.end), dob),
        "age_band": _age_band(dob, adults_only=True),
    }


def overall_achievement(enquiries: QuerySet) -> QuerySet:
    """Annotate each enquiry with its SG4a achievement from its (active) outcomes, in the database:
    "" without any, "Fully Achieved" when every one was, "Not Achieved" when none was, else
    "Partially Achieved".

    One correlated aggregate over the enquiry's outcomes (found through their enquiry index), not an
    EXISTS per level: the measures name ``achievement`` in three counts, and PostgreSQL repeats the
    expression for each (three EXISTS each would be nine probes a row), or turns each EXISTS into a
    scan of every outcome in England, even for one council's dashboard.
    """
    per_enquiry = (
        DesiredOutcome.objects.filter(enquiry=OuterRef("pk"), withdrawn_on__isnull=True)
        .order_by()
        .values("enquiry")
        .annotate(
            not_fully=Count("pk", filter=~Q(achievement="Fully Achieved")),
            some_achieved=Count("pk", filter=~Q(achievement="Not Achieved")),
        )
        .annotate(
            level=Case(
                When(not_fully=0, then=Value("Fully Achieved")),
                When(some_achieved=0, then=Value("Not Achieved")),
                default=Value("Partially Achieved"),
                output_field=CharField(),
            )
        )
        .values("level")
    )
    # An enquiry without active outcomes has no group, so no row: "".
    return enquiries.annotate(achievement=Coalesce(Subquery(per_enquiry), Value("")))


def _looked_up(qs: QuerySet, field: str = "pk") -> Subquery:
    """``field`` of the first row of a correlated ``qs``, as a scalar subquery (``LIMIT 1``) that
    PostgreSQL answers through an index for each row of one council's base. An EXISTS or a join may
    instead be planned as a hashed scan of the whole table: right for all of England, several times
    slower for one council (even with random_page_cost set for solid-state storage)."""
    return Subquery(qs.order_by().values(field)[:1])


def narrowed(qs: QuerySet, filters: Filters, council: str, team: str, partner: str) -> QuerySet:
    """``qs`` narrowed to the filters' council, team and partner through the fields named."""
    if filters.council is not None:
        qs = qs.filter(**{council: filters.council})
    if filters.team_id:
        qs = qs.filter(**{team: filters.team_id})
    if filters.partner_id:
        qs = qs.filter(**{partner: filters.partner_id})
    return qs


def base_queryset(base: str, filters: Filters, annotate: bool = True) -> QuerySet:
    """The records a measure counts, for the period, council, team and partner.

    With annotate=False the per-row measure annotations are left off, for callers that only count.
    """
    period = filters.period
    qs: QuerySet
    # Concerns set aside (entered in error, duplicates) or about abuse in another council's area are
    # in the record but never counted (issue 12; Concern.objects.counted), nor are their enquiries.
    if base == "concerns":
        qs = Concern.objects.counted().filter(**period.lookup("received_at"))
        if annotate:
            # ``first_contact_at`` is the concern's earliest first contact not entered in error (a
            # contact entered in error is not a contact), kept on the concern by its contacts.
            earlier = Concern.objects.counted().filter(
                person=OuterRef("person"),
                received_at__lt=OuterRef("received_at"),
                received_at__gte=OuterRef("received_at") - timedelta(days=365),
            )
            qs = with_enquiry_kind(qs.annotate(repeat=Exists(earlier)), filters).annotate(
                contact_due=contact_due()
            )
        return narrowed(qs, filters, "council", "team_id", "raiser_organisation_id")
    if base == "feedback":
        qs = Feedback.objects.filter(counted_concern("enquiry__concern__"), **period.date_lookup("asked_on"))
        return narrowed(
            qs, filters, "enquiry__council", "enquiry__team_id", "enquiry__making_organisation_id"
        )
    qs = Enquiry.objects.filter(
        counted_concern("concern__"), status=Enquiry.Status.CLOSED, **period.lookup("closed_at")
    )
    if annotate:
        took_part = Involvement.objects.filter(
            enquiry=OuterRef("pk"), participation__in=Involvement.TOOK_PART
        )
        qs = (
            overall_achievement(qs)
            .alias(first_taking_part=_looked_up(took_part))
            .annotate(
                took_part=ExpressionWrapper(Q(first_taking_part__isnull=False), output_field=BooleanField())
            )
        )
    return narrowed(qs, filters, "council", "team_id", "making_organisation_id")


def with_enquiry_kind(concerns: QuerySet, filters: Filters) -> QuerySet:
    """``concerns`` annotated with ``enquiry_kind``, the kind of the concern's enquiry ("s42",
    "other", or None for a concern that did not become one: an enquiry is opened only by a
    signed-off decision).

    The enquiry joined. For one council the join also names the council, which the enquiry always
    shares with its concern (an enquiry is opened in its concern's council, and a concern with an
    enquiry cannot be transferred): the database then hashes that council's enquiries, read through
    their council index, instead of hashing every enquiry in England or looking each concern's up
    (the largest council's concerns-by-month query about 105 to 82 ms)."""
    if filters.council is None and filters.partner_id:
        # One agency's concerns, in any council (a partner lead's figures): a few thousand at most,
        # each concern's enquiry probed through the enquiry's unique concern index, rather than
        # every enquiry in England hashed for them.
        return concerns.annotate(
            enquiry_kind=_looked_up(Enquiry.objects.filter(concern=OuterRef("pk")), "kind")
        )
    if filters.council is None:
        return concerns.annotate(enquiry_kind=F("enquiry__kind"))
    councils = Q(enquiry__council=filters.council)
    return concerns.alias(councils_enquiry=FilteredRelation("enquiry", condition=councils)).annotate(
        enquiry_kind=F("councils_enquiry__kind")
    )


def contact_due() -> ExpressionWrapper:
    """Whether a concern counts in the 24-hour measure's base (``first_contact_24h``'s denominator,
    named ``contact_due``): someone was spoken to, or its 24 hours are over. A concern still inside
    its first 24 hours with nobody spoken to yet is not (yet) a miss."""
    due_by = timezone.now() - first_contact_window()
    # The cheap test first: a concern past its window needs no look-up of contacts.
    return ExpressionWrapper(
        Q(received_at__lte=due_by) | Q(first_contact_at__isnull=False), output_field=BooleanField()
    )


def concerns_left_out(filters: Filters) -> QuerySet:
    """Concerns received in the period that the return and the measures leave out: set aside
    (entered in error, duplicates) or about abuse in another council's area (the SAC warns of them)."""
    qs = Concern.objects.exclude(counted_concern()).filter(**filters.period.lookup("received_at"))
    return narrowed(qs, filters, "council", "team_id", "raiser_organisation_id")


def enquiries_started(filters: Filters, kind: str | None = None) -> QuerySet:
    """Enquiries (of one kind, section 42 or other, if given) started in the period: SG1f's events."""
    qs = Enquiry.objects.filter(counted_concern("concern__"), **filters.period.lookup("started_at"))
    if kind is not None:
        qs = qs.filter(kind=kind)
    return narrowed(qs, filters, "council", "team_id", "making_organisation_id")


def concluded_section_42(filters: Filters) -> QuerySet:
    """Section 42 enquiries concluded (closure signed off) in the period: what SG2 to SG4 describe."""
    return base_queryset("concluded", filters, annotate=False).filter(kind=Enquiry.Kind.SECTION_42)


def events(filters: Filters) -> dict[str, int]:
    """Concerns received and enquiries started in the period (SG1f): ``concerns``, ``s42``, ``other``,
    and ``conversion``, section 42 enquiries started as a percentage of concerns received (the SAC
    headline conversion rate)."""
    started = enquiries_started(filters).aggregate(
        s42=Count("pk", filter=Q(kind=Enquiry.Kind.SECTION_42)),
        other=Count("pk", filter=Q(kind=Enquiry.Kind.OTHER)),
    )
    concerns = base_queryset("concerns", filters, annotate=False).count()
    return {
        "concerns": concerns,
        "s42": started["s42"],
        "other": started["other"],
        "conversion": percent(started["s42"], concerns),
    }


def headline(filters: Filters) -> dict[str, Any]:
    """The figures the home page gives a Board viewer: the events of the period (see ``events``) and
    the "spoken to within 24 hours" measure, exactly as the dashboard counts them."""
    (contact,) = measure_totals(filters, only=["first_contact_24h"])
    return {**events(filters), "first_contact": contact}


def percent(numerator: int, denominator: int) -> float | None:
    """Per cent to one decimal place; None without a base."""
    return round(100 * numerator / denominator, 1) if denominator else None


def _counts(measure: Measure, distinct: bool) -> dict[str, Count]:
    return {
        "numerator": Count("pk", filter=measure.numerator, distinct=distinct),
        "denominator": Count("pk", filter=measure.denominator, distinct=distinct),
    }


def _aggregates(
    base: str, distinct: bool = False, only: Collection[str] | None = None
) -> tuple[list[Measure], dict[str, Count]]:
    """The measures counted over one base, and their conditional counts keyed '<id>__numerator' etc.

    `distinct` only where a join repeats records (a record with two types of risk): COUNT(DISTINCT)
    makes the database sort for every count, which costs seconds at national size.
    """
    group = [m for m in MEASURES if m.base == base and (only is None or m.id in only)]
    aggregates = {
        f"{m.id}__{key}": expression for m in group for key, expression in _counts(m, distinct).items()
    }
    return group, aggregates


def _result(m: Measure, row: dict[str, Any]) -> tuple[int, int]:
    return row[f"{m.id}__numerator"], row[f"{m.id}__denominator"]


def counted(measure: Measure, row: dict[str, Any]) -> tuple[int, int]:
    """A measure's numerator and denominator in a row of ``grouped_counts``."""
    return _result(measure, row)


# A LIMIT no base reaches: the counts then read the base's rows from a subquery that the database
# does not merge into them. Merged, each count that names a row's looked-up detail (its
# achievement, its first contact) would look it up again: the concluded base's three achievement
# counts would do three look-ups a row instead of one.
FENCE = 2**62


def _total(m: Measure, num: int, den: int) -> dict[str, Any]:
    """One measure's row of the totals."""
    return {
        "id": m.id,
        "label": m.label,
        "numerator": num,
        "denominator": den,
        "percent": percent(num, den),
        "base": m.base_note,
    }


def _in_measure_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    order = [m.id for m in MEASURES]
    return sorted(rows, key=lambda r: order.index(r["id"]))


def measure_totals(filters: Filters, only: Collection[str] | None = None) -> list[dict[str, Any]]:
    """Every measure's numerator, denominator and percentage (or only those with the ids given):
    one query per base."""
    results = []
    for base in ("concluded", "concerns", "feedback"):
        group, aggregates = _aggregates(base, only=only)
        if not group:
            continue
        row = base_queryset(base, filters).order_by()[:FENCE].aggregate(**aggregates)
        results += [_total(m, *_result(m, row)) for m in group]
    return _in_measure_order(results)


def _dimension_annotations(base: str, dimension: str) -> dict[str, Any]:
    if dimension == "age_band":
        dob, on = AGE_PATHS[base]
        return age_band_annotations(dob, on)
    paths = DIMENSIONS[dimension][1]
    path = paths.get(base) or f"enquiry__{paths['concluded']}"
    return {"value": F(path)}


# Dimensions whose join repeats a record (a concern with two types of risk is counted under each):
# counted distinct, and never from the monthly pass (a month's counts would count such a record twice).
REPEATING_DIMENSIONS = {"risk_type"}


def breakdown(filters: Filters, dimension: str) -> dict[str, list[dict[str, Any]]]:
    """Each measure by the values of one dimension.

    Returns {measure id: [{value, numerator, denominator, percent}, ...]}.
    """
    if dimension not in DIMENSIONS:
        raise ValueError(f"Unknown dimension {dimension!r}")
    out: dict[str, list[dict[str, Any]]] = {}
    for base in ("concluded", "concerns", "feedback"):
        group, aggregates = _aggregates(base, distinct=dimension in REPEATING_DIMENSIONS)
        rows = (
            base_queryset(base, filters)
            .annotate(**_dimension_annotations(base, dimension))
            .values("value")
            .annotate(**aggregates)
            .order_by("value")
        )
        _add_breakdown(out, group, rows, no_value_label(dimension, base, filters.council))
    return out


NOT_RECORDED = "Not recorded"
# Concerns no partner agency's account raised (the partner breakdown's blank value for concerns).
NO_AGENCY = "No agency's account (the public, family, friends, the adult, or a professional without one)"


def councils_own_enquiries(council: Organisation | None) -> str:
    """How the council's own enquiries (no partner making them) are named wherever enquiries are
    counted by the agency making them: never "Not recorded", which they are not."""
    return f"{council} (the council's own enquiries)" if council is not None else "Councils' own enquiries"


def no_value_label(dimension: str, base: str, council: Organisation | None) -> str:
    """What a breakdown's row without a value is called: for the partner breakdown, an enquiry with
    no partner making it is the council's own, and a concern no agency's account raised is the
    public's (or a family's, or the adult's own); for any other dimension "Not recorded"."""
    if dimension != "partner":
        return NOT_RECORDED
    return NO_AGENCY if base == "concerns" else councils_own_enquiries(council)


def _add_breakdown(
    out: dict[str, list[dict[str, Any]]],
    group: list[Measure],
    rows: Iterable[dict[str, Any]],
    blank: str = NOT_RECORDED,
) -> None:
    """Each measure's row for each value (``breakdown``) of the base's counts by value, in order."""
    for row in rows:
        for m in group:
            num, den = _result(m, row)
            if den:
                out.setdefault(m.id, []).append(
                    {
                        "value": row["value"] or blank,
                        "numerator": num,
                        "denominator": den,
                        "percent": percent(num, den),
                    }
                )


def month_is_complete(month: date, period: Period, today: date | None = None) -> bool:
    """Whether a calendar month's figures are whole: the month lies inside the period and has ended
    (a month one day old, or cut by the period's first or last day, is plotted as incomplete)."""
    today = today or timezone.localdate()
    first = month.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return period.start <= first and last <= period.end and last < today


class _Joined(Aggregate):
    """A group's text values joined with commas, in no particular order (``string_agg`` on
    PostgreSQL, ``group_concat`` on SQLite)."""

    function = "string_agg"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = CharField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, Any]:
        return self.as_sql(compiler, connection, function="group_concat", **extra_context)


def _responses_used() -> Coalesce:
    """The responses an enquiry used (``EnquiryResponse``), joined with commas ("" for none): one
    look-up through the responses' enquiry index for each row."""
    joined = (
        EnquiryResponse.objects.filter(enquiry=OuterRef("pk"))
        .order_by()
        .values("enquiry")
        .annotate(joined=_Joined("response"))
        .values("joined")
    )
    return Coalesce(Subquery(joined, output_field=CharField()), Value(""))


# A base's split shown on the dashboard whatever the breakdown, counted in its monthly pass (so at no
# cost of a query): the feedback measures by who asked (``Feedback.asked_by``).
SPLITS = {"feedback": "asked_by"}


def grouped_counts(
    base: str, qs: QuerySet, keys: Sequence[str], only: Collection[str] | None = None
) -> tuple[list[Measure], list[dict[str, Any]]]:
    """The measures of one base (or only those with the ids given) counted over ``qs`` (the base's
    rows, annotated with ``keys``) for each combination of the keys' values, from one GROUP BY query,
    in the keys' order; each row also has ``rows_in_group``, the number of rows counted in it.

    Measures counted by a looked-up field's value (``Measure.counted_by``) take their numerators
    from groups by that field too (each group's size where the field has the measure's value), the
    groups of a combination then summed, so the look-up is made once a row."""
    group, aggregates = _aggregates(base, only=only)
    by_field = [m for m in group if m.counted_by]
    fields = sorted({m.counted_by[0] for m in by_field})  # type: ignore[index]
    from_groups = {f"{m.id}__numerator" for m in by_field}
    aggregates = {k: v for k, v in aggregates.items() if k not in from_groups}
    aggregates["rows_in_group"] = Count("pk")
    # In the database's order of the values (as ``breakdown``: where NULL falls is its own).
    rows = list(qs.values(*keys, *fields).annotate(**aggregates).order_by(*keys, *fields))
    for row in rows:
        for m in by_field:
            field_name, value = m.counted_by  # type: ignore[misc]
            row[f"{m.id}__numerator"] = row["rows_in_group"] if row[field_name] == value else 0
    if not fields:
        return group, rows
    counts = [*(f"{m.id}__{key}" for m in group for key in ("numerator", "denominator")), "rows_in_group"]
    return group, _summed_by(rows, keys, counts)


def _month_rows(
    base: str, filters: Filters, dimension: str = ""
) -> tuple[list[Measure], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The measures counted over one base and their conditional counts for each calendar month of
    the period, for each value of a ``dimension`` (as ``breakdown``; [] without one) and for each
    value of the base's split (``SPLITS``; [] for a base without one), from one GROUP BY query (by
    month, and value, and split): the counts are plain counts of the base's rows, each row has one
    month, one value and one split, so a month's (or a value's, or a split's) counts are the sums of
    its groups'."""
    qs = base_queryset(base, filters).annotate(month=TruncMonth(DATE_FIELDS[base]))
    if dimension:
        qs = qs.annotate(**_dimension_annotations(base, dimension))
    split = SPLITS.get(base)
    keys = [*(["value"] if dimension else []), "month", *([split] if split else [])]
    group, rows = grouped_counts(base, qs, keys)
    counts = [*(f"{m.id}__{key}" for m in group for key in ("numerator", "denominator")), "rows_in_group"]
    months = sorted(_summed(rows, "month", counts), key=lambda row: row["month"])
    values = _summed(rows, "value", counts) if dimension else []
    splits = _summed(rows, split, counts) if split else []
    return group, months, values, splits


def _summed(rows: list[dict[str, Any]], key: str, counts: Collection[str]) -> list[dict[str, Any]]:
    """The ``counts`` of grouped rows summed for each value of ``key``, in order of first appearance
    (the groups of one query, a few dozen, never a base's rows)."""
    return _summed_by(rows, [key], counts)


def _summed_by(
    rows: list[dict[str, Any]], keys: Sequence[str], counts: Collection[str]
) -> list[dict[str, Any]]:
    """``_summed`` for each combination of the values of ``keys``."""
    sums: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        combination = tuple(row[key] for key in keys)
        total = sums.setdefault(combination, {**{key: row[key] for key in keys}, **dict.fromkeys(counts, 0)})
        for count in counts:
            total[count] += row[count]
    return list(sums.values())


def _trends(
    group: list[Measure], rows: list[dict[str, Any]], period: Period, today: date
) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        month = row["month"].strftime("%Y-%m")
        complete = month_is_complete(
            row["month"].date() if isinstance(row["month"], datetime) else row["month"], period, today
        )
        for m in group:
            num, den = _result(m, row)
            out.setdefault(m.id, []).append(
                {
                    "month": month,
                    "numerator": num,
                    "denominator": den,
                    "percent": percent(num, den),
                    "complete": complete,
                }
            )
    return out


def monthly(filters: Filters) -> dict[str, list[dict[str, Any]]]:
    """Each measure month by month over the period.

    Returns {measure id: [{month, numerator, denominator, percent, complete}, ...]}; ``complete`` is
    False for a month not yet over or cut by the period (``month_is_complete``).
    """
    return totals_monthly_and_breakdown(filters, "")[1]


BASES = ("concluded", "concerns", "feedback")
_Pass = tuple[list[Measure], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]


def totals_monthly_and_breakdown(
    filters: Filters, dimension: str
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """``measure_totals``, ``monthly`` and, for a ``dimension`` (or {} without), ``breakdown`` (the
    dashboard shows all three) from one GROUP BY month query per base, grouped by value too for a
    dimension: every count is a plain (not distinct) count of the base's rows, and each row falls in
    exactly one month and has one value, so a measure's total, and its count for a value, are sums of
    the groups' counts. Reading each base once instead of two or three times saves the dashboard's
    most expensive look-ups (each concern's first contact, enquiry and earlier concerns). A dimension
    that repeats records (``REPEATING_DIMENSIONS``) is counted distinct in a query of its own."""
    _check_dimension(dimension)
    passes = {base: _base_pass(base, filters, dimension) for base in BASES}
    totals, trends, by_value, _, _ = _folded(
        filters, dimension, passes, _repeating_breakdown(filters, dimension)
    )
    return totals, trends, by_value


def _check_dimension(dimension: str) -> None:
    if dimension and dimension not in DIMENSIONS:
        raise ValueError(f"Unknown dimension {dimension!r}")


def _base_pass(base: str, filters: Filters, dimension: str) -> _Pass:
    """One base's monthly (and by value) groups: ``_month_rows``, by value only for a dimension whose
    values do not repeat a record."""
    return _month_rows(base, filters, dimension if dimension not in REPEATING_DIMENSIONS else "")


def _repeating_breakdown(filters: Filters, dimension: str) -> dict[str, list[dict[str, Any]]] | None:
    """The breakdown by a dimension that repeats records, counted distinct (its own queries)."""
    return breakdown(filters, dimension) if dimension in REPEATING_DIMENSIONS else None


def _folded(
    filters: Filters,
    dimension: str,
    passes: dict[str, _Pass],
    repeating: dict[str, list[dict[str, Any]]] | None,
    sets: list[dict[str, Any]] | None = None,
) -> tuple[
    list[dict[str, Any]],
    dict[str, list[dict[str, Any]]],
    dict[str, list[dict[str, Any]]],
    dict[str, list[dict[str, Any]]],
    list[dict[str, Any]],
]:
    """The totals, the monthly trend, the breakdown, the feedback measures by who asked
    (``by_asker``) and the outcome measures by the response used (``by_response``), summed from
    each base's groups."""
    totals: list[dict[str, Any]] = []
    trends: dict[str, list[dict[str, Any]]] = {}
    by_value: dict[str, list[dict[str, Any]]] = {}
    today = timezone.localdate()
    for base in BASES:
        group, rows, values, _ = passes[base]
        trends.update(_trends(group, rows, filters.period, today))
        totals += [
            _total(m, sum(_result(m, r)[0] for r in rows), sum(_result(m, r)[1] for r in rows)) for m in group
        ]
        _add_breakdown(by_value, group, values, no_value_label(dimension, base, filters.council))
    group, _, _, by_who = passes["feedback"]
    concluded, months, _, _ = passes["concluded"]
    return (
        _in_measure_order(totals),
        trends,
        by_value if repeating is None else repeating,
        _by_asker(group, by_who),
        _by_response(concluded, months, sets or []),
    )


def _by_asker(group: list[Measure], rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The feedback measures for each way the feedback was asked for (``Feedback.AskedBy``, in its
    order; a way with no feedback answering a measure's question has no row for it), from the
    feedback pass's groups by ``asked_by``."""
    order = list(Feedback.AskedBy.values)
    labels = dict(Feedback.AskedBy.choices)
    rows = sorted(
        rows, key=lambda row: order.index(row["asked_by"]) if row["asked_by"] in order else len(order)
    )
    out: dict[str, list[dict[str, Any]]] = {}
    _add_breakdown(
        out, group, [{**row, "value": labels.get(row["asked_by"], row["asked_by"])} for row in rows]
    )
    return out


def feedback_by_asker(filters: Filters) -> dict[str, list[dict[str, Any]]]:
    """Each feedback measure by who asked (``Feedback.asked_by``: the practitioner at closure, someone
    independent of the enquiry, the person or their representative online): {measure id: [{value,
    numerator, denominator, percent}, ...]}, as the dashboard shows it (one query)."""
    group, _, _, by_who = _month_rows("feedback", filters)
    return _by_asker(group, by_who)


# The MSP outcome measures compared by the response the enquiry used (``outcomes_by_response``).
RESPONSE_MEASURES = [
    "fully_achieved",
    "partially_achieved",
    "not_achieved",
    "risk_reduced_or_removed",
    "involved",
]
NO_RESPONSE = "No response recorded"


def outcomes_by_response(filters: Filters) -> list[dict[str, Any]]:
    """The MSP outcome measures (``RESPONSE_MEASURES``) of the enquiries concluded in the period for
    each response they used (``enquiries.EnquiryResponse``): an enquiry that used several responses
    counts under each of them, so the rows can add up to more than the enquiries; the enquiries
    with no response recorded are the last row, "No response recorded". Two queries, as the
    dashboard counts them: the concluded enquiries' totals (the dashboard's own monthly pass) and
    ``response_sets``.

    Returns [{"value", "response", "enquiries", "measures": {measure id: {label, numerator,
    denominator, percent}}}, ...] in the order of the responses' choices (those used in the period
    only)."""
    group, months, _, _ = _month_rows("concluded", filters)
    return _by_response(group, months, response_sets(filters))


def response_sets(filters: Filters) -> list[dict[str, Any]]:
    """The concluded enquiries that recorded any response, grouped by the set of responses each used
    (``responses_used``, the responses joined with commas in no particular order), with the
    ``RESPONSE_MEASURES``' counts: one GROUP BY query over those enquiries only, so the dashboard
    pays for the responses recorded, not for every enquiry again (their overall achievement is the
    costly look-up). A set is one value of an enquiry, so the groups add up; ``_by_response``
    expands each to its responses."""
    used = EnquiryResponse.objects.all()
    if filters.council is not None:
        used = used.filter(enquiry__council=filters.council)
    qs = (
        base_queryset("concluded", filters)
        .filter(pk__in=used.values("enquiry"))
        .annotate(responses_used=_responses_used())
    )
    return grouped_counts("concluded", qs, ["responses_used"], only=RESPONSE_MEASURES)[1]


def _by_response(
    group: list[Measure], months: list[dict[str, Any]], sets: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """``outcomes_by_response`` from the concluded pass's monthly groups (``group``, ``months``: the
    totals) and ``response_sets``: each set's counts added to each of its responses, and the
    enquiries with none the totals less every set's."""
    measures = sorted(
        (m for m in group if m.id in RESPONSE_MEASURES), key=lambda m: RESPONSE_MEASURES.index(m.id)
    )
    counts = ["rows_in_group", *(f"{m.id}__{key}" for m in measures for key in ("numerator", "denominator"))]
    sums: dict[str, dict[str, int]] = {}
    none = {count: sum(row[count] for row in months) for count in counts}
    for row in sets:
        for response in sorted({r for r in (row["responses_used"] or "").split(",") if r}):
            total = sums.setdefault(response, dict.fromkeys(counts, 0))
            for count in counts:
                total[count] += row[count]
        for count in counts:
            none[count] -= row[count]
    if none["rows_in_group"]:
        sums[""] = none
    labels = dict(EnquiryResponse.Response.choices)
    order = [*EnquiryResponse.Response.values, ""]
    return [
        {
            "value": value,
            "response": labels.get(value, value) if value else NO_RESPONSE,
            "enquiries": sums[value]["rows_in_group"],
            "measures": {
                m.id: {
                    "label": m.label,
                    "numerator": _result(m, sums[value])[0],
                    "denominator": _result(m, sums[value])[1],
                    "percent": percent(*_result(m, sums[value])),
                }
                for m in measures
            },
        }
        for value in sorted(sums, key=lambda v: order.index(v) if v in order else len(order))
    ]


@dataclass(frozen=True)
class DashboardFigures:
    """Everything the Board dashboard shows, for one council, period, team and partner."""

    totals: list[dict[str, Any]]
    trends: dict[str, list[dict[str, Any]]]
    breakdown: dict[str, list[dict[str, Any]]]
    timeliness: dict[str, Any]
    pathways: list[dict[str, Any]]
    repeats: dict[str, Any]
    quotes: list[dict[str, Any]]
    # What the ``also`` calls gave, in their order.
    also: list[Any] = field(default_factory=list)
    # The feedback measures by who asked (``feedback_by_asker``), from the feedback pass.
    by_asker: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # The outcome measures by the response used (``outcomes_by_response``), from the concluded pass.
    by_response: list[dict[str, Any]] = field(default_factory=list)


def dashboard_figures(
    filters: Filters, dimension: str = "", also: Sequence[Callable[[], Any]] = ()
) -> DashboardFigures:
    """The dashboard's figures: ``totals_monthly_and_breakdown``, ``timeliness_and_pathways``,
    ``repeat_concerns`` and ``quotes``, exactly as each gives them, the feedback measures by who
    asked (from the feedback pass) and the outcome measures by the response used (the concluded
    pass's totals and ``response_sets``), and the results of ``also`` (other read-only figures the
    page shows: what people wanted and got, case file audits).

    On PostgreSQL the independent queries run in two lanes at once, on two connections reading one
    snapshot (``core.concurrent.side_by_side``): the three bases' monthly passes in one, everything
    else in the other, which takes about as long; the ``also`` calls are dealt to the lanes in turn
    (the first to the second lane). Elsewhere, or inside a transaction, one after the other."""
    _check_dimension(dimension)
    extra_rest, extra_monthly = list(also[0::2]), list(also[1::2])

    def monthly_passes() -> tuple[dict[str, _Pass], list[Any]]:
        return {base: _base_pass(base, filters, dimension) for base in BASES}, [c() for c in extra_monthly]

    def the_rest() -> tuple[Any, Any, Any, Any, Any, list[Any]]:
        return (
            _repeating_breakdown(filters, dimension),
            timeliness_and_pathways(filters),
            repeat_concerns(filters),
            quotes(filters),
            response_sets(filters),
            [c() for c in extra_rest],
        )

    rest, (passes, from_monthly) = side_by_side(the_rest, monthly_passes)
    repeating, (times, pathways), repeats, words, sets, from_rest = rest
    totals, trends, by_value, by_asker, by_response = _folded(filters, dimension, passes, repeating, sets)
    # Back in the order asked: the rest lane had the 1st, 3rd...; the monthly lane the 2nd, 4th...
    extras: list[Any] = [None] * len(also)
    extras[0::2], extras[1::2] = from_rest, from_monthly
    return DashboardFigures(
        totals, trends, by_value, times, pathways, repeats, words, extras, by_asker, by_response
    )


class _Percentile(Aggregate):
    """PostgreSQL's ordered-set aggregate: ``percentile_cont`` (interpolated: the median of an even
    number of values is the mean of the two middle ones) or ``percentile_disc`` (nearest rank)."""

    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        function = "percentile_cont" if fraction == 0.5 else "percentile_disc"
        super().__init__(expression, function=function, fraction=float(fraction), **extra)

    def _resolve_output_field(self) -> Any:
        # An interval stays an interval; a number's median may fall between two whole numbers.
        source = super()._resolve_output_field()  # type: ignore[misc]
        return source if isinstance(source, DurationField) else FloatField()


def _seconds(value: Any) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _ordered_values(qs: QuerySet, expression: Expression, fractions: list[float]) -> list[float | None]:
    """The values at fractions of the way through the sorted non-null values of ``expression``, in
    the database: 0.5 is the median (the mean of the two middle values of an even number), any other
    fraction the nearest rank (the value at position ceil(fraction x n), counting from 1).

    On PostgreSQL one pass with its percentile aggregates, which agree with that definition; on
    SQLite, which has none, a count and then the value (or two) at each position.
    """
    if connections[qs.db].vendor == "postgresql":
        row = qs.aggregate(**{f"p{i}": _Percentile(expression, f) for i, f in enumerate(fractions)})
        return [None if row[f"p{i}"] is None else _seconds(row[f"p{i}"]) for i in range(len(fractions))]
    ranked = qs.annotate(v=expression).filter(v__isnull=False)
    n = ranked.count()
    if not n:
        return [None] * len(fractions)
    ordered = ranked.order_by("v").values_list("v", flat=True)
    values: list[float | None] = []
    for fraction in fractions:
        if fraction == 0.5 and n % 2 == 0:
            low, high = list(ordered[n // 2 - 1 : n // 2 + 1])
            values.append((_seconds(low) + _seconds(high)) / 2)
        else:
            index = max(0, min(n - 1, math.ceil(fraction * n) - 1))  # nearest rank
            values.append(_seconds(ordered[index]))
    return values


def timeliness(filters: Filters) -> dict[str, Any]:
    """Hours to first contact (median); days concern to decision and decision to closure (median, 90th)."""
    return timeliness_and_pathways(filters)[0]


def timeliness_and_pathways(filters: Filters) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``timeliness`` and ``not_enquiries`` (the dashboard shows both), the concerns' figures from one
    pass over the concerns base: each concern's first contact, decision sign-off and pathway are
    looked up once for all of them (three passes, and the look-ups, cost three times as much)."""
    # The decision's sign-off and, for a signed-off decision of no enquiry, its pathway, from the
    # concern's one decision joined (a concern has at most one): one probe of the decision's concern
    # index for each of a council's concerns (a look-up for each field was two), one hash join for
    # England's. Only the columns counted (the first contact is the concern's own column, so a
    # council's concerns come from its index alone), read from a fenced subquery (``FENCE``, in
    # ``ordered_values_and_counts``): merged into the aggregate, PostgreSQL would also compute the
    # base's look-ups (repeat concern, enquiry kind) for nothing.
    concerns = (
        base_queryset("concerns", filters)
        .annotate(
            decision_signed_off_at=F("decision__signed_off_at"),
            pathway=Case(
                When(
                    decision__outcome=Decision.Outcome.NO_ENQUIRY,
                    decision__signed_off_at__isnull=False,
                    then=F("decision__pathway"),
                ),
                output_field=CharField(),
            ),
        )
        .values("pk", "received_at", "first_contact_at", "decision_signed_off_at", "pathway")
    )
    to_contact = ExpressionWrapper(F("first_contact_at") - F("received_at"), output_field=DurationField())
    to_decision = ExpressionWrapper(
        F("decision_signed_off_at") - F("received_at"), output_field=DurationField()
    )
    closed = base_queryset("concluded", filters, annotate=False)
    to_closure = ExpressionWrapper(F("closed_at") - F("started_at"), output_field=DurationField())
    # A concern that did not become an enquiry counted under its pathway (one of the choices the
    # decision's form and the database's constraint allow).
    by_pathway = {
        f"pathway_{value}": Count("pk", filter=Q(pathway=value)) for value in categories.Pathway.values
    }

    def hours(seconds: float | None) -> float | None:
        return None if seconds is None else round(seconds / 3600, 1)

    def days(seconds: float | None) -> float | None:
        return None if seconds is None else round(seconds / 86400, 1)

    [(contact,), (decision, decision_p90)], counts = ordered_values_and_counts(
        concerns, [(to_contact, [0.5]), (to_decision, [0.5, 0.9])], by_pathway
    )
    closure, closure_p90 = _ordered_values(closed, to_closure, [0.5, 0.9])
    times = {
        "median_hours_to_first_contact": hours(contact),
        "median_days_concern_to_decision": days(decision),
        "p90_days_concern_to_decision": days(decision_p90),
        "median_days_decision_to_closure": days(closure),
        "p90_days_decision_to_closure": days(closure_p90),
    }
    return times, _pathways(counts)


def ordered_values_and_counts(
    qs: QuerySet, ordered: list[tuple[Expression, list[float]]], counts: dict[str, Count]
) -> tuple[list[list[float | None]], dict[str, int]]:
    """``_ordered_values`` of each expression and the ``counts`` over ``qs``: on PostgreSQL in one
    aggregate query (one pass, each row's look-ups made once), elsewhere one query each."""
    if connections[qs.db].vendor != "postgresql":
        return [_ordered_values(qs, e, f) for e, f in ordered], qs.aggregate(**counts)
    percentiles = {
        f"p{i}_{j}": _Percentile(expression, fraction)
        for i, (expression, fractions) in enumerate(ordered)
        for j, fraction in enumerate(fractions)
    }
    row = qs.order_by()[:FENCE].aggregate(**percentiles, **counts)
    values = [
        [None if row[f"p{i}_{j}"] is None else _seconds(row[f"p{i}_{j}"]) for j in range(len(fractions))]
        for i, (_, fractions) in enumerate(ordered)
    ]
    return values, {key: row[key] for key in counts}


def _pathways(counts: dict[str, int]) -> list[dict[str, Any]]:
    """The pathway rows (``not_enquiries``) from the counts keyed ``pathway_<value>``, most first."""
    labels = dict(categories.Pathway.choices)
    rows = [(value, counts[f"pathway_{value}"]) for value in categories.Pathway.values]
    rows = sorted((r for r in rows if r[1]), key=lambda r: -r[1])
    total = sum(n for _, n in rows)
    return [{"pathway": labels[value], "count": n, "percent": percent(n, total)} for value, n in rows]


def not_enquiries(filters: Filters) -> list[dict[str, Any]]:
    """What happened to concerns that did not become enquiries, by pathway."""
    return timeliness_and_pathways(filters)[1]


# How many concerns a person had that ``repeat_concerns`` counts people for in its first query.
PEOPLE_COUNTED = 10


def repeat_concerns(filters: Filters, limit: int = 10) -> dict[str, Any]:
    """People with more than one concern in the period, and care providers named in several."""
    concerns = base_queryset("concerns", filters, annotate=False)
    # How many concerns each person had in the period (one GROUP BY person), then how many people
    # had each number of them: conditional counts over those groups (the database aggregates the
    # grouped rows as a subquery). Counting each person's concerns with a correlated subquery instead
    # looked every person's concerns up again, several times the cost of the one pass.
    # The counts for up to ``PEOPLE_COUNTED`` concerns come with the most any person had; a second
    # query counts the rest only when someone had more.
    per_person = concerns.filter(person__isnull=False).order_by().values("person").annotate(n=Count("pk"))

    def people_with(numbers: range) -> dict[str, Any]:
        return {f"n{n}": Count("person", filter=Q(n=n)) for n in numbers}

    people = per_person.aggregate(most=Max("n"), **people_with(range(1, PEOPLE_COUNTED + 1)))
    most = people["most"] or 0
    if most > PEOPLE_COUNTED:
        people |= per_person.aggregate(**people_with(range(PEOPLE_COUNTED + 1, most + 1)))
    by_person = [{"n": n, "people": people[f"n{n}"]} for n in range(1, most + 1) if people[f"n{n}"]]
    # A provider linked to its record counts under that record's name however its name was typed;
    # otherwise names typed alike (ignoring case and spaces around them) are one provider.
    providers = (
        concerns.exclude(care_provider_name="", care_provider__isnull=True)
        .annotate(key=Coalesce("care_provider__name", Lower(Trim("care_provider_name"))))
        .values("key")
        .annotate(
            n=Count("pk"),
            provider=Coalesce(Max("care_provider__name"), Min(Trim("care_provider_name"))),
        )
        .filter(n__gt=1)
        .order_by("-n", "key")[:limit]
    )
    return {
        "people_by_number_of_concerns": [{"concerns": r["n"], "people": r["people"]} for r in by_person],
        "providers": [{"provider": r["provider"], "concerns": r["n"]} for r in providers],
    }


# The feedback measures a quote speaks to: the person's own answers, shown beside their words.
QUOTE_MEASURES = [
    (m.id, m.label, field) for m, field in (
        (MEASURES_BY_ID["felt_listened_to"], "listened_to"),
        (MEASURES_BY_ID["felt_involved"], "involved"),
        (MEASURES_BY_ID["feel_safer"], "safer"),
        (MEASURES_BY_ID["happy_with_outcome"], "happy_with_ending"),
    )
]  # fmt: skip


def quotes(filters: Filters, limit: int = 12) -> list[dict[str, Any]]:
    """People's own words, only where they agreed to be quoted anonymously and a team manager or the
    lead approved the quote (perhaps with names taken out): the approved words, never the original
    (``Feedback.objects.approved_quotes``); no names, no references. Each comes with the person's
    answers to the feedback measures it speaks to."""
    fields = [field for _, _, field in QUOTE_MEASURES]
    # The approved quotes' conditions on the base's own rows, not a subquery of every approved quote
    # in England that PostgreSQL would read first (28 against 17 ms for the largest council).
    feedback = (
        (base_queryset("feedback", filters) & Feedback.objects.approved_quotes())
        .order_by("-asked_on", "-pk")
        .values("approved_text", "version", "asked_on", *fields)[:limit]
    )
    versions = dict(Feedback.Version.choices)
    return [
        {
            "words": f["approved_text"],
            "from": versions[f["version"]],
            "month": f["asked_on"].strftime("%B %Y"),
            "answers": [
                {"measure": measure_id, "label": label, "answer": f[field]}
                for measure_id, label, field in QUOTE_MEASURES
                if f[field]
            ],
        }
        for f in feedback
    ]
