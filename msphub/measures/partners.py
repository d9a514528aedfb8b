"""Partner figures (issue 15, docs/partner-figures.md): each raising agency's MSP practice on the
concerns it raised, and the MSP outcome measures of the enquiries each agency made.

For a council (its staff and Board viewers, ``council_partner_figures``): one row for each agency
that raised concerns in the period, the council's own staff, and the public (by who they were:
members of the public, family, the adults themselves, professionals without an account); and one row
for each agency that made enquiries concluded in the period, the council's own enquiries named as
such. For a partner agency (its partner lead, ``agency_figures``): that agency's own two rows for each
council it raised concerns with or made enquiries for.

Every figure is defined once: the 24-hour measure, the conversion rate and the outcome measures are
``measures.MEASURES``' own numerators and denominators, counted over the measures' own bases
(``measures.base_queryset``: counted concerns received in the period, enquiries concluded in it,
feedback asked in it). Counted in the database, a fixed number of GROUP BY queries whatever the
number of records or agencies: three for a council, four for an agency (its councils too).
Aggregates only: no row names a person or a record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Case, CharField, Count, F, Q, Value, When

from msphub.accounts.models import Organisation
from msphub.concerns.models import Concern

from . import measures as m

if TYPE_CHECKING:
    from msphub.core.periods import Period

# "Asked the three questions": the concern form's three MSP questions ("What does the adult want to
# happen?", "How would they like it to happen?", "What outcomes do they want?") all asked, as the
# raiser recorded it: the raiser said yes to "Have you asked the adult what they want to happen?"
# (``msp_asked``; a concern the adult raised themselves is always yes, they are asked directly) and
# wrote an answer to each of the three. The form asks for the first answer whenever the adult was
# asked and leaves the other two optional (it strips spaces, so an answer left blank is stored as "").
ASKED_THREE_QUESTIONS = (
    Q(msp_asked=True) & ~Q(wants_to_happen="") & ~Q(how_to_happen="") & ~Q(outcomes_wanted="")
)
ASKED_WHAT_THEY_WANT = Q(msp_asked=True)
# "Consent recorded": the consent question ("Does the adult agree to you raising this concern?")
# answered with the adult's agreement, or with the reason the concern was raised anyway: not agreed,
# with why it was raised without their agreement; not asked, with why not.
CONSENT_RECORDED = (
    Q(consent=Concern.Consent.GIVEN)
    | (Q(consent=Concern.Consent.NOT_GIVEN) & ~Q(consent_not_given_reason=""))
    | (Q(consent=Concern.Consent.NOT_SOUGHT) & ~Q(consent_not_sought_reason=""))
)
# "Became an enquiry": the concern's signed-off decision opened an enquiry (section 42 or other).
BECAME_ENQUIRY = Q(enquiry_kind__isnull=False)
_24H = m.MEASURES_BY_ID["first_contact_24h"]
_S42 = m.MEASURES_BY_ID["conversion_rate"]


@dataclass(frozen=True)
class Figure:
    """One figure of a raising agency's row: a numerator over a denominator of its concerns."""

    id: str
    label: str
    numerator: Q
    denominator: Q = field(default_factory=Q)
    base_note: str = "concerns raised"


RAISING = [
    Figure(
        "asked_three_questions",
        "Adult asked the three questions (what they want to happen, how, and the outcomes they want)",
        ASKED_THREE_QUESTIONS,
    ),
    Figure("asked_what_they_want", "Adult asked what they want to happen", ASKED_WHAT_THEY_WANT),
    Figure("consent_recorded", "Consent recorded (the adult agreed, or the reason given)", CONSENT_RECORDED),
    Figure("became_enquiry", "Became an enquiry (section 42 or other)", BECAME_ENQUIRY),
    Figure(_S42.id, _S42.label, _S42.numerator, _S42.denominator, _S42.base_note),
    Figure(_24H.id, _24H.label, _24H.numerator, _24H.denominator, _24H.base_note),
]
RAISING_BY_ID = {f.id: f for f in RAISING}
# The MSP outcome measures of the enquiries an agency made: every measure of the concluded
# enquiries' base and of their feedback, as the dashboard defines them.
MAKING = [mm for mm in m.MEASURES if mm.base in ("concluded", "feedback")]

# Concerns no agency's account raised, by who raised them (``Concern.raiser_kind``).
UNLINKED = {
    Concern.RaiserKind.PUBLIC: "Members of the public",
    Concern.RaiserKind.FAMILY_FRIEND: "Family members, friends or carers",
    Concern.RaiserKind.SELF: "The adults themselves",
    Concern.RaiserKind.PROFESSIONAL: "Professionals without an account (no agency linked)",
}


def council_staff(name: str) -> str:
    return f"{name} (council staff)"


@dataclass
class AgencyRow:
    """One agency's figures: ``count`` (concerns raised, or enquiries concluded) and each figure's
    ``{id, label, numerator, denominator, percent, base}``."""

    key: str  # "organisation-<pk>", "council-staff-<pk>", "public-<raiser kind>", "council-own"
    agency: str
    kind: str
    # A whole number; under disclosure control (a partner lead's, msphub.partners.figures) "[c]" or
    # a multiple of 5.
    count: int | str
    figures: list[dict[str, Any]]


@dataclass
class PartnerFigures:
    """A council's (or, for an agency, one council's) partner figures."""

    council: Organisation | None
    period: Period
    raising: list[AgencyRow]
    making: list[AgencyRow]


def _figure(f: Any, numerator: int, denominator: int) -> dict[str, Any]:
    return {
        "id": f.id,
        "label": f.label,
        "numerator": numerator,
        "denominator": denominator,
        "percent": m.percent(numerator, denominator),
        "base": f.base_note,
    }


def _raising_counts() -> dict[str, Count]:
    counts = {"concerns": Count("pk")}
    for f in RAISING:
        counts[f"{f.id}__numerator"] = Count("pk", filter=f.numerator)
        counts[f"{f.id}__denominator"] = Count("pk", filter=f.denominator)
    return counts


def _concerns(filters: m.Filters) -> Any:
    """The concerns the figures count: the measures' concerns base (counted concerns received in the
    period, of the council or the agency), each with its enquiry's kind and whether it is due its
    first contact (the 24-hour measure's base), and none of the base's other look-ups."""
    qs = m.base_queryset("concerns", filters, annotate=False)
    return m.with_enquiry_kind(qs, filters).annotate(contact_due=m.contact_due())


def _raising_row(key: str, agency: str, kind: str, row: dict[str, Any]) -> AgencyRow:
    figures = [_figure(f, row[f"{f.id}__numerator"], row[f"{f.id}__denominator"]) for f in RAISING]
    return AgencyRow(key, agency, kind, row["concerns"], figures)


def _making_row(
    key: str, agency: str, kind: str, concluded: dict[str, Any] | None, feedback: dict[str, Any] | None
) -> AgencyRow:
    figures = []
    for measure in MAKING:
        row = concluded if measure.base == "concluded" else feedback
        numerator, denominator = m.counted(measure, row) if row else (0, 0)
        figures.append(_figure(measure, numerator, denominator))
    return AgencyRow(key, agency, kind, concluded["rows_in_group"] if concluded else 0, figures)


KINDS = dict(Organisation.Kind.choices)


def council_partner_figures(filters: m.Filters) -> PartnerFigures:
    """A council's figures by agency (``filters.council``; a team narrows them as the dashboard's
    filters do). Three queries: the concerns, the concluded enquiries and their feedback, each
    grouped by agency."""
    council = filters.council
    unlinked_kind = Case(
        When(raiser_organisation__isnull=True, then=F("raiser_kind")),
        default=Value(""),
        output_field=CharField(),
    )
    raised = list(
        _concerns(filters)
        .annotate(unlinked=unlinked_kind)
        .values("raiser_organisation", "raiser_organisation__name", "raiser_organisation__kind", "unlinked")
        .annotate(**_raising_counts())
        .order_by("raiser_organisation__name", "unlinked")
    )
    partners, staff, public = [], [], {}
    for row in raised:
        organisation_id, name, kind = (
            row["raiser_organisation"], row["raiser_organisation__name"], row["raiser_organisation__kind"]
        )  # fmt: skip
        if organisation_id is None:
            public[row["unlinked"]] = row
        elif kind == Organisation.Kind.COUNCIL:
            staff.append(_raising_row(f"council-staff-{organisation_id}", council_staff(name), "", row))
        else:
            partners.append(_raising_row(f"organisation-{organisation_id}", name, KINDS.get(kind, ""), row))
    # Members of the public and the rest in the order the concern form asks who is raising it.
    order = list(Concern.RaiserKind.values)
    unlinked = [
        _raising_row(f"public-{raiser_kind}", UNLINKED.get(raiser_kind, raiser_kind), "", public[raiser_kind])
        for raiser_kind in sorted(public, key=lambda k: order.index(k) if k in order else len(order))
    ]
    raising = partners + staff + unlinked

    keys = ["making_organisation", "making_organisation__name", "making_organisation__kind"]
    concluded = _by_key(m.grouped_counts("concluded", m.base_queryset("concluded", filters), keys)[1], keys)
    feedback_keys = ["enquiry__making_organisation"]
    feedback = _by_key(
        m.grouped_counts("feedback", m.base_queryset("feedback", filters), feedback_keys)[1], feedback_keys
    )
    making = []
    own = None
    for organisation_id, row in concluded.items():
        if organisation_id is None:
            own = _making_row("council-own", m.councils_own_enquiries(council), "", row, feedback.get(None))
        else:
            kind = KINDS.get(row["making_organisation__kind"], "")
            making.append(
                _making_row(
                    f"organisation-{organisation_id}",
                    row["making_organisation__name"],
                    kind,
                    row,
                    feedback.get(organisation_id),
                )
            )
    # Feedback about an agency's enquiries concluded before the period (feedback counts by when it
    # was asked) still makes a row for the agency.
    names = {r.key for r in making}
    for organisation_id, row in feedback.items():
        if organisation_id is None and own is None:
            own = _making_row("council-own", m.councils_own_enquiries(council), "", None, row)
        elif organisation_id is not None and f"organisation-{organisation_id}" not in names:
            making.append(_making_row(f"organisation-{organisation_id}", "", "", None, row))
    if any(not r.agency for r in making):
        # Names of agencies whose only rows are feedback: one more query, only then.
        found = Organisation.objects.in_bulk([int(r.key.split("-")[1]) for r in making if not r.agency])
        for r in making:
            if not r.agency:
                organisation = found[int(r.key.split("-")[1])]
                r.agency, r.kind = organisation.name, KINDS.get(organisation.kind, "")
    making.sort(key=lambda r: r.agency)
    if own is not None:
        making.append(own)
    return PartnerFigures(council, filters.period, raising, making)


def _by_key(rows: list[dict[str, Any]], keys: list[str]) -> dict[Any, dict[str, Any]]:
    """Grouped rows by their first key's value (the others are details of it, such as a name)."""
    return {row[keys[0]]: row for row in rows}


def agency_figures(organisation: Organisation, period: Period) -> list[PartnerFigures]:
    """One partner agency's own figures for each council it works with (``Organisation.councils``)
    or raised concerns with or made enquiries for in the period, by council name: the concerns it
    raised and the enquiries it made. Four queries: the concerns, the concluded enquiries and their
    feedback, each grouped by council, and the agency's councils."""
    filters = m.Filters(period, None, None, organisation.pk)
    raised = {
        row["council"]: row
        for row in _concerns(filters).values("council").annotate(**_raising_counts()).order_by("council")
    }
    concluded = _by_key(
        m.grouped_counts("concluded", m.base_queryset("concluded", filters), ["council"])[1], ["council"]
    )
    feedback = _by_key(
        m.grouped_counts("feedback", m.base_queryset("feedback", filters), ["enquiry__council"])[1],
        ["enquiry__council"],
    )
    ids = set(raised) | set(concluded) | set(feedback)
    councils = Organisation.objects.filter(
        Q(pk__in=ids) | Q(partners=organisation), kind=Organisation.Kind.COUNCIL
    ).distinct()
    key, name = f"organisation-{organisation.pk}", organisation.name
    kind = KINDS.get(organisation.kind, "")
    return [
        PartnerFigures(
            council,
            period,
            [_raising_row(key, name, kind, raised[council.pk])] if council.pk in raised else [],
            [_making_row(key, name, kind, concluded.get(council.pk), feedback.get(council.pk))]
            if council.pk in concluded or council.pk in feedback
            else [],
        )
        for council in sorted(councils, key=lambda c: c.name)
    ]
