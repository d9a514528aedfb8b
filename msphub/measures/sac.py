"""The Safeguarding Adults Collection (SAC) return, counted in the database.

Counting rules are those of the national guidance as docs/sac.md records it. The tables and the
warnings are folded from four GROUP BYs, each over one base read once: the concerns received and the
enquiries started (SG1a-f), the concluded enquiries with what they found (SG2a, SG2b, SG2a_b1) and
with their answers (SG2c to SG4a). A few more run only when the groups call for them (the concerns'
own types of risk, the people under 18), so the number of queries does not depend on the number of
cases.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from msphub.concerns.models import Concern, ConcernRiskType
from msphub.core import categories
from msphub.enquiries.models import Enquiry, EnquiryRiskType
from msphub.people.models import ASPERGERS, AUTISM
from msphub.sars import services as sars

from .measures import (
    UNDER_18,
    Filters,
    base_queryset,
    concluded_section_42,
    enquiries_started,
    overall_achievement,
    sac_age_annotations,
)

if TYPE_CHECKING:
    from msphub.accounts.models import Organisation
    from msphub.core.periods import FinancialYear

# SG1a-e's rows, as the guidance names them (docs/sac.md, SG1a).
ROW_CONCERNS = "Individuals Involved In Safeguarding Concerns"
ROW_S42 = "Individuals Involved In Section 42 Safeguarding Enquiries"
ROW_OTHER = "Individuals Involved In Other Safeguarding Enquiries"
SG1_ROWS = [ROW_CONCERNS, ROW_S42, ROW_OTHER]
# SG1e's two items (the values of Person.autism that count).
SG1E_COLUMNS = [AUTISM, ASPERGERS]
TOTAL = "Total"
SUPPORTED = "Supported by advocate, family or friend"

TABLE_TITLES = OrderedDict(
    [
        ("SG1a", "Individuals involved, by age band"),
        ("SG1b", "Individuals involved, by gender"),
        ("SG1c", "Individuals involved, by ethnicity"),
        ("SG1d", "Individuals involved, by primary support reason (once for each concern or enquiry)"),
        (
            "SG1e",
            "Individuals involved with a learning, developmental or intellectual disability "
            "(once for each concern or enquiry)",
        ),
        ("SG1f", "Concerns and enquiries (events)"),
        ("SG2a", "Concluded section 42 enquiries: type of risk by source of risk"),
        ("SG2b", "Concluded section 42 enquiries: location of risk by source of risk"),
        ("SG2a_b1", "Concluded section 42 enquiries: type of risk by location of risk"),
        ("SG2c", "Concluded section 42 enquiries: risk assessment outcome"),
        ("SG2e", "Concluded section 42 enquiries: risk outcome (risk identified and action taken)"),
        ("SG3a", "Concluded section 42 enquiries: mental capacity"),
        ("SG4a", "Concluded section 42 enquiries: Making Safeguarding Personal"),
    ]
)

AGE_UNKNOWN = "Age unknown"  # no date of birth (sac_age_annotations)
AGE_BANDS = ["18-64", "65-74", "75-84", "85-94", "95+", AGE_UNKNOWN]


# SG5 (Safeguarding Adults Reviews, counted from msphub/sars): in the return only for a year in
# which a review concluded (``build``), so these are kept apart from TABLE_TITLES and ORDERS, which
# list the tables every return has (benchmark files, the sign-off's comparison and the baseline
# read those). Titles are msphub's (not confirmed); labels are the publication's (docs/sac.md, SG5).
SG5_TITLES = OrderedDict(
    [
        ("SG5a", "Safeguarding Adults Reviews concluded in the year"),
        ("SG5b", "Individuals involved in Safeguarding Adults Reviews concluded in the year"),
    ]
)
SG5_ORDERS: dict[str, tuple[list[str], list[str]]] = {
    "SG5a": ([sars.SG5A_ROW], [sars.SG5A_DIED, sars.SG5A_NONE_DIED]),
    "SG5b": ([sars.SG5B_ROW], [sars.SG5B_DIED, sars.SG5B_SURVIVED]),
}


# Row and column orders for each table, as in the national template.
ORDERS: dict[str, tuple[list[str], list[str]]] = {
    "SG1a": (SG1_ROWS, AGE_BANDS),
    "SG1b": (SG1_ROWS, categories.labels(categories.GENDER)),
    "SG1c": (SG1_ROWS, categories.labels(categories.ETHNICITY)),
    "SG1d": (SG1_ROWS, categories.labels(categories.PRIMARY_SUPPORT_REASON)),
    "SG1e": (SG1_ROWS, SG1E_COLUMNS),
    "SG1f": (
        [
            "Total Number of Safeguarding Concerns",
            "Total Number of Section 42 Safeguarding Enquiries",
            "Total Number of Other Safeguarding Enquiries",
        ],
        [TOTAL],
    ),
    "SG2a": (categories.labels(categories.RISK_TYPE), categories.labels(categories.SOURCE_OF_RISK)),
    "SG2b": (categories.labels(categories.LOCATION_OF_RISK), categories.labels(categories.SOURCE_OF_RISK)),
    "SG2a_b1": (categories.labels(categories.RISK_TYPE), categories.labels(categories.LOCATION_OF_RISK)),
    "SG2c": (categories.labels(categories.RISK_ASSESSMENT_OUTCOME), [TOTAL]),
    "SG2e": (categories.labels(categories.RISK_OUTCOME), [TOTAL]),
    "SG3a": (categories.labels(categories.MENTAL_CAPACITY), [TOTAL, SUPPORTED]),
    "SG4a": ([*categories.labels(categories.MSP_ASKED), *categories.labels(categories.ACHIEVEMENT)], [TOTAL]),
}


# What a concluded enquiry found (msphub/enquiries/models.py, filled at closure, pre-filled from the
# concern): the reverse relation from Enquiry and the field, per dimension. Each value is unique per
# enquiry, so a join counts each category once per enquiry.
FINDINGS = {
    "location": ("found_locations", "location_of_risk"),
    "source": ("found_sources", "source_of_risk"),
}


def _add(cells: Counter[tuple[str, str]], groups: Any) -> None:
    for g in groups:
        cells[(g["risk_type"], g["other"])] += g["n"]


def _cells(rows: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
    return [{"row": r, "column": c, "count": n} for r, c, n in rows if n]


class _EventGroups:
    """The groups of SacReturn._events_counted: ``concerns`` (a group without people holds the
    concerns not linked to a person) and ``enquiries`` (by kind, each with ``same_person``, how many
    of its enquiries have their concern's person)."""

    ROWS = {Enquiry.Kind.SECTION_42: ROW_S42, Enquiry.Kind.OTHER: ROW_OTHER}

    def __init__(self, concerns: list[dict[str, Any]], enquiries: list[dict[str, Any]]) -> None:
        self.concerns = concerns
        self.enquiries = enquiries

    def _linked(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(SG1 row, group) for every group of people (people under 18 included)."""
        for g in self.concerns:
            if g["people"]:
                yield ROW_CONCERNS, g
        for g in self.enquiries:
            if g["people"] and g["kind"] in self.ROWS:
                yield self.ROWS[g["kind"]], g

    def adult_groups(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """What SG1a-e count: the groups of people 18 or over on SG1a's day."""
        return ((row, g) for row, g in self._linked() if g["age_band"] != UNDER_18)

    def totals(self) -> dict[str, int]:
        """SG1f: ``concerns``, ``s42`` and ``other`` (every record is in one group)."""
        totals = {"concerns": sum(g["events"] for g in self.concerns), "s42": 0, "other": 0}
        for g in self.enquiries:
            if g["kind"] in totals:
                totals[g["kind"]] += g["events"]
        return totals

    def unlinked(self) -> int:
        """Concerns received not linked to a person."""
        return sum(g["events"] for g in self.concerns if not g["people"])

    def without_birth_date(self) -> int:
        """People with concerns received and no date of birth (each in one group, "Age unknown")."""
        return sum(g["people"] for g in self.concerns if g["people"] and g["age_band"] == AGE_UNKNOWN)

    def may_be_under_18(self) -> bool:
        """Whether SacReturn.under_18 can find anyone: a concern's person, or an enquiry's concern's
        person, under 18. An enquiry whose person is not its concern's leaves it open."""
        return any(g["age_band"] == UNDER_18 for g in self.concerns if g["people"]) or any(
            g["age_band"] == UNDER_18 or g["same_person"] != g["events"] for g in self.enquiries
        )


class SacReturn:
    """Build the return for one financial year and one council (or all councils)."""

    def __init__(self, year: FinancialYear, council: Organisation | None = None) -> None:
        self.year = year
        self.council = council
        self.filters = Filters(year, council)
        self._event_groups: _EventGroups | None = None
        self._concluded_groups: list[dict[str, Any]] | None = None
        self._sg2_groups: list[dict[str, Any]] | None = None

    # --- the records each table counts: the measures' own definitions (measures.py) -------------

    def concerns(self) -> QuerySet:
        return base_queryset("concerns", self.filters, annotate=False)

    def enquiries_started(self, kind: str | None) -> QuerySet:
        return enquiries_started(self.filters, kind)

    def concluded(self) -> QuerySet:
        """Section 42 enquiries concluded (closure signed off) in the year."""
        return concluded_section_42(self.filters)

    # --- SG1: individuals -------------------------------------------------------------------------

    SG1_PERSON = ("person__gender", "person__ethnicity", "person__primary_support_reason", "person__autism")

    def _groups(self, records: QuerySet, *keys: str, **counts: Count) -> list[dict[str, Any]]:
        """``records`` grouped by ``keys``, the person's SG1a age band and every other SG1 dimension:
        the distinct people (``people``) and the events (``events``) of each group, and ``counts``."""
        return list(
            records.annotate(**sac_age_annotations("person__", self.year))
            .values(*keys, "age_band", *self.SG1_PERSON)
            .annotate(people=Count("person", distinct=True), events=Count("pk"), **counts)
            .order_by()
        )

    def _events_counted(self) -> _EventGroups:
        """SG1a-f's events counted in two GROUP BYs, one over the concerns received and one over the
        enquiries started (grouped by kind too): SG1f's totals are the groups' events, SG1a-e fold
        the groups (``sg1``), and the warnings read the concerns not linked to a person, the people
        without a date of birth and whether anyone may be under 18 from them. Counted once."""
        if self._event_groups is None:
            # No person filter on the concerns: those not linked to a person are the one group
            # without people (every person's group has at least one), for SG1f and the warning.
            concerns = self._groups(self.concerns())
            # The enquiry's person is the concern's (the application moves both together): counted
            # so that a record where they differ still has its concern's person checked for age.
            same_person = Count("pk", filter=Q(concern__person=F("person")))
            enquiries = self._groups(self.enquiries_started(None), "kind", same_person=same_person)
            self._event_groups = _EventGroups(concerns, enquiries)
        return self._event_groups

    def sg1(self) -> dict[str, list[tuple[str, str, int]]]:
        """SG1a-e: the event groups (``_events_counted``), folded here into the five tables.

        Every dimension is the person's (the age is on the last day of the year or at death, not on
        an event's date), so each person falls in exactly one group of a row type: the groups'
        distinct people add up to SG1a-c's individuals, counted once however many events they had,
        and the groups' events to SG1d and SG1e, where a person counts once for each concern or
        enquiry (the guidance's Mr X, docs/sac.md). People under 18 on that day are left out of
        every SG1 table (``under_18`` names them)."""
        tables: dict[str, Counter[tuple[str, str]]] = {
            t: Counter() for t in ("SG1a", "SG1b", "SG1c", "SG1d", "SG1e")
        }

        def add(table_id: str, row: str, column: str, n: int) -> None:
            tables[table_id][(row, column)] += n

        for row, g in self._events_counted().adult_groups():
            add("SG1a", row, g["age_band"], g["people"])
            add("SG1b", row, g["person__gender"], g["people"])
            add("SG1c", row, g["person__ethnicity"], g["people"])
            add("SG1d", row, g["person__primary_support_reason"], g["events"])
            if g["person__autism"] in SG1E_COLUMNS:
                add("SG1e", row, g["person__autism"], g["events"])
        return {t: [(r, c, n) for (r, c), n in cells.items()] for t, cells in tables.items()}

    def under_18(self) -> tuple[int, list[str]]:
        """The people under 18 on SG1a's day whom SG1 leaves out: how many, and the references of
        their concerns behind the year's events (sorted). One query."""
        started = self.enquiries_started(None)
        end = self.year.end
        # Only the young and the dead can be under 18 on SG1a's day: a cheap first cut on the person.
        may_be = Q(person__date_of_birth__gt=end.replace(year=end.year - 18)) | Q(
            person__date_of_death__isnull=False
        )

        def under_18_among(concerns: QuerySet) -> QuerySet:
            return (
                concerns.filter(may_be, person__isnull=False)
                .annotate(**sac_age_annotations("person__", self.year))
                .filter(Q(age_band=UNDER_18))
                .values_list("reference", "person_id")
                .order_by()
            )

        # The concerns received and those behind the enquiries started, as a UNION of the two (not
        # one OR across them, which the database can only answer by reading every person first).
        rows = (
            under_18_among(self.concerns())
            .union(under_18_among(Concern.objects.filter(pk__in=started.values("concern"))))
            .order_by("reference")
        )
        found = list(rows)
        return len({person for _, person in found}), [reference for reference, _ in found]

    def sg1f(self) -> list[tuple[str, str, int]]:
        """Concerns received and enquiries started: ``measures.events``' counts, as the sums of the
        event groups' events (the same records, every concern and enquiry in one group)."""
        names = ORDERS["SG1f"][0]
        counted = self._events_counted().totals()
        return [
            (name, TOTAL, counted[key]) for name, key in zip(names, ("concerns", "s42", "other"), strict=True)
        ]

    # --- SG2 to SG4: concluded section 42 enquiries ----------------------------------------------

    def _found(self, enquiry: str, dimension: str) -> Any:
        """What the concluded enquiry (at path ``enquiry``) found for location or source of risk,
        one per row, falling back to the concern's own answer when it found none (older data).

        Through a LEFT JOIN on the findings, so an enquiry that found two sources is two rows."""
        found, field = FINDINGS[dimension]
        own = f"{enquiry}concern__{field}"
        return Coalesce(F(f"{enquiry}{found}__{field}"), F(own), output_field=CharField())

    @staticmethod
    def _first(found: str, field: str) -> ExpressionWrapper:
        """Whether a row's finding (``found``, the reverse relation; ``field``, its value) is the
        enquiry's first (in order of value), or it found none: of the rows the LEFT JOIN on one
        kind of finding makes of an enquiry, the one row for each combination of the others."""
        model = Enquiry._meta.get_field(found).related_model
        lower = model._default_manager.filter(  # type: ignore[union-attr]
            enquiry=OuterRef("pk"), **{f"{field}__lt": OuterRef(f"{found}__{field}")}
        )
        return ExpressionWrapper(
            Q(**{f"{found}__{field}__isnull": True}) | ~Exists(lower), output_field=BooleanField()
        )

    def _sg2_counted(self) -> list[dict[str, Any]]:
        """SG2a, SG2b and SG2a_b1 from one GROUP BY over the concluded enquiries joined (LEFT) to
        the types, locations and sources they found (``_found``: the concern's own location and
        source where it found none), each row marked by whether its type, location and source are
        the enquiry's first (``_first``). A table of two of the three counts the rows first in the
        third: each pair once per enquiry. A group without a type holds enquiries that found none
        (their concerns' types are counted apart, ``_own_types_by``). Counted once."""
        if self._sg2_groups is None:
            self._sg2_groups = list(
                self.concluded()
                .values(
                    risk_type=F("found_risk_types__risk_type"),
                    location=self._found("", "location"),
                    source=self._found("", "source"),
                    first_type=self._first("found_risk_types", "risk_type"),
                    first_location=self._first("found_locations", "location_of_risk"),
                    first_source=self._first("found_sources", "source_of_risk"),
                )
                .annotate(n=Count("pk"))
                .order_by()
            )
        return self._sg2_groups

    def _own_types_by(self, dimension: str) -> QuerySet:
        """The concerns' types of risk of the concluded enquiries that found none, by location or
        source (``dimension``) as ``other``: each pair once per enquiry."""
        found_none = self.concluded().exclude(Exists(EnquiryRiskType.objects.filter(enquiry=OuterRef("pk"))))
        own = ConcernRiskType.objects.filter(concern__enquiry__in=found_none)
        own_groups = own.values("risk_type", other=self._found("concern__enquiry__", dimension))
        return own_groups.annotate(n=Count("pk")).order_by()

    def sg2_by_type(self) -> tuple[list[tuple[str, str, int]], list[tuple[str, str, int]]]:
        """SG2a (type x source) and SG2a_b1 (type x location): the types each concluded enquiry found
        (or its concern's, where it found none) with each of its sources or locations."""
        by_source: Counter[tuple[str, str]] = Counter()
        by_location: Counter[tuple[str, str]] = Counter()
        groups = self._sg2_counted()
        for g in groups:
            if g["risk_type"] is None:
                continue
            if g["first_location"]:
                by_source[(g["risk_type"], g["source"])] += g["n"]
            if g["first_source"]:
                by_location[(g["risk_type"], g["location"])] += g["n"]
        if any(g["risk_type"] is None for g in groups):
            _add(by_source, self._own_types_by("source"))
            _add(by_location, self._own_types_by("location"))
        return (
            [(r, c, n) for (r, c), n in by_source.items()],
            [(r, c, n) for (r, c), n in by_location.items()],
        )

    def sg2b(self) -> list[tuple[str, str, int]]:
        """Location x source, each pair once per concluded enquiry (its locations joined with its
        sources: an enquiry that found two of each is four cells of one)."""
        cells: Counter[tuple[str, str]] = Counter()
        for g in self._sg2_counted():
            if g["first_type"]:
                cells[(g["location"], g["source"])] += g["n"]
        return [(r, c, n) for (r, c), n in cells.items()]

    # Each concluded enquiry's answers that SG2c, SG2e, SG3a, SG4a and the warnings count by.
    CONCLUDED_ANSWERS = (
        "risk_assessment_outcome",
        "risk_outcome",
        "mental_capacity",
        "capacity_supported",
        "msp_asked",
        "outcomes_achieved",
    )

    def _concluded_counted(self) -> list[dict[str, Any]]:
        """The concluded enquiries in one GROUP BY over every answer SG2c to SG4a count (``n`` in
        each group), for those tables and the warnings to fold. ``outcomes_achieved`` is SG4a's
        overall achievement (``measures.overall_achievement``), looked up only for an enquiry whose
        outcomes were expressed ("" for any other). Counted once."""
        if self._concluded_groups is None:
            expressed = When(msp_asked=categories.ASKED_AND_EXPRESSED, then=F("achievement"))
            achieved = Case(expressed, default=Value(""), output_field=CharField())
            qs = overall_achievement(self.concluded()).annotate(outcomes_achieved=achieved)
            self._concluded_groups = list(
                qs.values(*self.CONCLUDED_ANSWERS).annotate(n=Count("pk")).order_by()
            )
        return self._concluded_groups

    def _by(
        self, field: str, blank: str | None = None, where: dict[str, Any] | None = None
    ) -> list[tuple[str, str, int]]:
        """Concluded enquiries (those with the answers in ``where``) by one answer; blanks go under
        ``blank`` (a SAC label) or are left out (and warned). A blank and the same label chosen on
        purpose are one cell."""
        cells: Counter[str] = Counter()
        for g in self._concluded_with(**(where or {})):
            label = g[field] or blank
            if label:
                cells[label] += g["n"]
        return [(label, TOTAL, n) for label, n in cells.items()]

    def _concluded_with(self, **answers: Any) -> Iterator[dict[str, Any]]:
        """The concluded enquiries' groups (``_concluded_counted``) with these answers."""
        return (g for g in self._concluded_counted() if all(g[k] == v for k, v in answers.items()))

    def _concluded_count(self, **answers: Any) -> int:
        return sum(g["n"] for g in self._concluded_with(**answers))

    def sg2c(self) -> list[tuple[str, str, int]]:
        return self._by("risk_assessment_outcome")

    def sg2e(self) -> list[tuple[str, str, int]]:
        return self._by("risk_outcome", where={"risk_assessment_outcome": "Risk identified and action taken"})

    def sg3a(self) -> list[tuple[str, str, int]]:
        rows = self._by("mental_capacity", blank="Not recorded")
        supported = self._concluded_count(mental_capacity=categories.LACKED_CAPACITY, capacity_supported=True)
        rows.append((categories.LACKED_CAPACITY, SUPPORTED, supported))
        return rows

    def sg4a(self) -> list[tuple[str, str, int]]:
        return self._by("msp_asked", blank="Not Recorded") + self._by(
            "outcomes_achieved", where={"msp_asked": categories.ASKED_AND_EXPRESSED}
        )

    # --- warnings -------------------------------------------------------------------------------

    def warnings(self, totals: dict[str, int]) -> list[str]:
        found = []
        concerns = totals.get("concerns", 0)
        enquiries = totals.get("s42", 0) + totals.get("other", 0)
        if enquiries > concerns:
            found.append(
                f"More enquiries started ({enquiries}) than concerns received ({concerns}) in the year: "
                "check for enquiries opened from concerns received in an earlier year."
            )
        counts = {
            "no_risk": self._concluded_count(risk_assessment_outcome=""),
            "no_msp": self._concluded_count(msp_asked=""),
            "no_capacity": self._concluded_count(mental_capacity=""),
        }
        if counts["no_risk"]:
            found.append(
                f"{counts['no_risk']} concluded section 42 enquiries have no risk assessment outcome."
            )
        if counts["no_msp"]:
            found.append(
                f"{counts['no_msp']} concluded section 42 enquiries do not record whether the person "
                "was asked about outcomes."
            )
        if counts["no_capacity"]:
            found.append(f"{counts['no_capacity']} concluded section 42 enquiries do not record capacity.")
        counted = self._events_counted()
        unlinked = counted.unlinked()
        if unlinked:
            found.append(f"{unlinked} concerns are not yet linked to a person, so SG1a-e cannot count them.")
        under_18, references = self.under_18() if counted.may_be_under_18() else (0, [])
        if under_18:
            found.append(
                f"{under_18} people were under 18 on {self.year.end:%-d %B %Y} (or when they died), so "
                f"SG1a-e leave them out: concerns {', '.join(references)}."
            )
        no_dob = counted.without_birth_date()
        if no_dob:
            found.append(f"{no_dob} people with concerns have no date of birth (counted as Age unknown).")
        # SG5a counts a review with no adult recorded, but SG5b has nobody to count for it.
        no_adults = sars.concluded_without_adults(self.council, self.year)
        if no_adults:
            found.append(
                f"{len(no_adults)} reviews concluded in the year have no adults recorded, so SG5b "
                f"counts nobody for them: {', '.join(no_adults)}."
            )
        return found

    # --- the whole return -------------------------------------------------------------------------

    def build(self) -> dict[str, Any]:
        sg1f = self.sg1f()
        sg2a, sg2a_b1 = self.sg2_by_type()
        tables = {
            **{table_id: _cells(rows) for table_id, rows in self.sg1().items()},
            "SG1f": _cells(sg1f),
            "SG2a": _cells(sg2a),
            "SG2b": _cells(self.sg2b()),
            "SG2a_b1": _cells(sg2a_b1),
            "SG2c": _cells(self.sg2c()),
            "SG2e": _cells(self.sg2e()),
            "SG3a": _cells(self.sg3a()),
            "SG4a": _cells(self.sg4a()),
        }
        # SG5a and SG5b only when a review concluded in the year (sars.services.sg5).
        tables.update(
            {table_id: _cells(rows) for table_id, rows in sars.sg5(self.council, self.year).items()}
        )
        for table_id, cells in tables.items():
            rows, columns = table_order(table_id)

            def position(
                cell: dict[str, Any], rows: list[str] = rows, columns: list[str] = columns
            ) -> tuple[int, int]:
                return _index(rows, cell["row"]), _index(columns, cell["column"])

            cells.sort(key=position)
        totals = {"concerns": sg1f[0][2], "s42": sg1f[1][2], "other": sg1f[2][2]}
        return {
            "year": self.year.label,
            "council": self.council.ons_code if self.council else "ALL",
            "tables": tables,
            "warnings": self.warnings(totals),
        }


def _index(order: list[str], label: str) -> int:
    return order.index(label) if label in order else len(order)


def table_order(table_id: str) -> tuple[list[str], list[str]]:
    """A table's rows and columns in the template's order: every return's tables, and SG5's."""
    return ORDERS[table_id] if table_id in ORDERS else SG5_ORDERS[table_id]


def return_tables(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(table id, title) of every table of a built return, in order: SG1a to SG4a always, then
    SG5a and SG5b when the year has them."""
    return [*TABLE_TITLES.items(), *((t, title) for t, title in SG5_TITLES.items() if t in data["tables"])]


def grid(table_id: str, cells: list[dict[str, Any]]) -> tuple[list[str], list[str], list[list[int]]]:
    """A table's cells laid out as rows x columns (zeros filled in) for CSV, XLSX and HTML."""
    rows, columns = table_order(table_id)
    lookup = {(c["row"], c["column"]): c["count"] for c in cells}
    extra_rows = [c["row"] for c in cells if c["row"] not in rows]
    rows = rows + sorted(set(extra_rows))
    return rows, columns, [[lookup.get((r, c), 0) for c in columns] for r in rows]


def build_return(year: FinancialYear, council: Organisation | None = None) -> dict[str, Any]:
    return SacReturn(year, council).build()
