"""The Safeguarding Adults Collection (SAC) return, counted in the database.

Counting rules are those of ../shared/domain/data.md. Every table is one GROUP BY query (SG1a-d one
per row type), so the number of queries does not depend on the number of cases.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, QuerySet, Value, When

from msphub.concerns.models import ConcernRiskType
from msphub.core import categories
from msphub.enquiries.models import Enquiry

from .measures import (
    Filters,
    age_band_annotations,
    base_queryset,
    concluded_section_42,
    enquiries_started,
    events,
    overall_achievement,
)

if TYPE_CHECKING:
    from msphub.accounts.models import Organisation
    from msphub.core.periods import FinancialYear

ROW_CONCERNS = "Safeguarding Concerns"
ROW_S42 = "Section 42 Enquiries"
ROW_OTHER = "Other Enquiries"
TOTAL = "Total"
SUPPORTED = "Supported by advocate, family or friend"

TABLE_TITLES = OrderedDict(
    [
        ("SG1a", "Individuals involved, by age band"),
        ("SG1b", "Individuals involved, by gender"),
        ("SG1c", "Individuals involved, by ethnicity"),
        ("SG1d", "Individuals involved, by primary support reason"),
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

AGE_BANDS = ["18-64", "65-74", "75-84", "85-94", "95+", "Age unknown"]


# Row and column orders for each table, as in the national template.
ORDERS: dict[str, tuple[list[str], list[str]]] = {
    "SG1a": ([ROW_CONCERNS, ROW_S42, ROW_OTHER], AGE_BANDS),
    "SG1b": ([ROW_CONCERNS, ROW_S42, ROW_OTHER], categories.labels(categories.GENDER)),
    "SG1c": ([ROW_CONCERNS, ROW_S42, ROW_OTHER], categories.labels(categories.ETHNICITY)),
    "SG1d": ([ROW_CONCERNS, ROW_S42, ROW_OTHER], categories.labels(categories.PRIMARY_SUPPORT_REASON)),
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


def _cells(rows: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
    return [{"row": r, "column": c, "count": n} for r, c, n in rows if n]


class SacReturn:
    """Build the return for one financial year and one council (or all councils)."""

    def __init__(self, year: FinancialYear, council: Organisation | None = None) -> None:
        self.year = year
        self.council = council
        self.filters = Filters(year, council)

    # --- the records each table counts: the measures' own definitions (measures.py) -------------

    def concerns(self) -> QuerySet:
        return base_queryset("concerns", self.filters, annotate=False)

    def enquiries_started(self, kind: str) -> QuerySet:
        return enquiries_started(self.filters, kind)

    def concluded(self) -> QuerySet:
        """Section 42 enquiries concluded (closure signed off) in the year."""
        return concluded_section_42(self.filters)

    # --- SG1: individuals -------------------------------------------------------------------------

    def _first_events(self, row: str) -> QuerySet:
        """Each person's first event of the year for a row type: one row per person.

        An event is first when the person has no earlier event of the same row type in the year (ties
        on the same moment go to the lower id). Written as NOT EXISTS, an anti-join the database runs
        once over the year, rather than a correlated "first event" subquery per person, which the age
        band would evaluate many times over.
        """
        if row == ROW_CONCERNS:
            records, moment = self.concerns(), "received_at"
        else:
            kind = Enquiry.Kind.SECTION_42 if row == ROW_S42 else Enquiry.Kind.OTHER
            records, moment = self.enquiries_started(kind), "started_at"
        earlier = records.filter(person=OuterRef("person")).filter(
            Q(**{f"{moment}__lt": OuterRef(moment)})
            | Q(**{moment: OuterRef(moment), "pk__lt": OuterRef("pk")})
        )
        return records.filter(person__isnull=False).exclude(Exists(earlier))

    SG1_DIMENSIONS = {
        "SG1a": "age_band",
        "SG1b": "gender",
        "SG1c": "ethnicity",
        "SG1d": "primary_support_reason",
    }

    def sg1(self) -> dict[str, list[tuple[str, str, int]]]:
        """SG1a-d: one GROUP BY per row type over every dimension at once (a few hundred groups),
        folded here into the four tables. Each person has exactly one first event per row type, so
        the groups' counts add up to people without double counting."""
        tables: dict[str, dict[tuple[str, str], int]] = {t: {} for t in self.SG1_DIMENSIONS}
        for row in (ROW_CONCERNS, ROW_S42, ROW_OTHER):
            # Age on the date the first event's concern was received.
            received = "received_at" if row == ROW_CONCERNS else "concern__received_at"
            firsts = self._first_events(row).annotate(
                **age_band_annotations("person__date_of_birth", received)
            )
            groups = firsts.values(
                "value", "person__gender", "person__ethnicity", "person__primary_support_reason"
            ).annotate(n=Count("pk"))
            for group in groups.order_by():
                for table_id, dimension in self.SG1_DIMENSIONS.items():
                    label = group["value"] if dimension == "age_band" else group[f"person__{dimension}"]
                    cell = tables[table_id]
                    cell[(row, label)] = cell.get((row, label), 0) + group["n"]
        return {t: [(r, c, n) for (r, c), n in cells.items()] for t, cells in tables.items()}

    def sg1f(self) -> list[tuple[str, str, int]]:
        names = ORDERS["SG1f"][0]
        counted = events(self.filters)
        return [
            (name, TOTAL, counted[key]) for name, key in zip(names, ("concerns", "s42", "other"), strict=True)
        ]

    # --- SG2 to SG4: concluded section 42 enquiries ----------------------------------------------

    def sg2_by_type(self) -> tuple[list[tuple[str, str, int]], list[tuple[str, str, int]]]:
        """SG2a (type x source) and SG2a_b1 (type x location) from one GROUP BY over the concluded
        enquiries' types of risk. An enquiry with two types of risk counts once under each; a concern
        has each type once (unique_concern_risk_type), so counting rows counts enquiries."""
        risks = ConcernRiskType.objects.filter(concern__enquiry__in=self.concluded())
        by_source: dict[tuple[str, str], int] = {}
        by_location: dict[tuple[str, str], int] = {}
        groups = (
            risks.values("risk_type", "concern__source_of_risk", "concern__location_of_risk")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for g in groups:
            for cells, other in (
                (by_source, g["concern__source_of_risk"]),
                (by_location, g["concern__location_of_risk"]),
            ):
                key = (g["risk_type"], other)
                cells[key] = cells.get(key, 0) + g["n"]
        return (
            [(r, c, n) for (r, c), n in by_source.items()],
            [(r, c, n) for (r, c), n in by_location.items()],
        )

    def sg2b(self) -> list[tuple[str, str, int]]:
        return [
            (r["concern__location_of_risk"], r["concern__source_of_risk"], r["n"])
            for r in self.concluded()
            .values("concern__location_of_risk", "concern__source_of_risk")
            .annotate(n=Count("pk"))
            .order_by()
        ]

    def _by(
        self, field: str, qs: QuerySet | None = None, blank: str | None = None
    ) -> list[tuple[str, str, int]]:
        """Counts by one field; blanks go under `blank` (a SAC label) or are left out (and warned)."""
        qs = self.concluded() if qs is None else qs
        if blank is None:
            qs = qs.exclude(**{field: ""})
        # Group on the final label, so a blank and the same label chosen on purpose are one cell.
        label = Case(When(**{field: ""}, then=Value(blank or "")), default=F(field), output_field=CharField())
        return [
            (r["label"], TOTAL, r["n"])
            for r in qs.annotate(label=label).values("label").annotate(n=Count("pk")).order_by()
        ]

    def sg2e(self) -> list[tuple[str, str, int]]:
        qs = self.concluded().filter(risk_assessment_outcome="Risk identified and action taken")
        return self._by("risk_outcome", qs)

    def sg3a(self) -> list[tuple[str, str, int]]:
        rows = self._by("mental_capacity", blank="Not recorded")
        supported = (
            self.concluded()
            .filter(mental_capacity=categories.LACKED_CAPACITY, capacity_supported=True)
            .count()
        )
        rows.append((categories.LACKED_CAPACITY, SUPPORTED, supported))
        return rows

    def sg4a(self) -> list[tuple[str, str, int]]:
        rows = self._by("msp_asked", blank="Not Recorded")
        expressed = overall_achievement(self.concluded().filter(msp_asked=categories.ASKED_AND_EXPRESSED))
        rows += [
            (r["achievement"], TOTAL, r["n"])
            for r in expressed.values("achievement").annotate(n=Count("pk")).order_by()
            if r["achievement"]
        ]
        return rows

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
        counts = self.concluded().aggregate(
            no_risk=Count("pk", filter=Q(risk_assessment_outcome="")),
            no_msp=Count("pk", filter=Q(msp_asked="")),
            no_capacity=Count("pk", filter=Q(mental_capacity="")),
        )
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
        concern_counts = self.concerns().aggregate(
            unlinked=Count("pk", filter=Q(person__isnull=True)),
            no_dob=Count("person", filter=Q(person__date_of_birth__isnull=True), distinct=True),
        )
        if concern_counts["unlinked"]:
            found.append(
                f"{concern_counts['unlinked']} concerns are not yet linked to a person, so SG1a-d "
                "cannot count them."
            )
        if concern_counts["no_dob"]:
            found.append(
                f"{concern_counts['no_dob']} people with concerns have no date of birth "
                "(counted as Age unknown)."
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
            "SG2c": _cells(self._by("risk_assessment_outcome")),
            "SG2e": _cells(self.sg2e()),
            "SG3a": _cells(self.sg3a()),
            "SG4a": _cells(self.sg4a()),
        }
        for table_id, cells in tables.items():
            rows, columns = ORDERS[table_id]

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


def grid(table_id: str, cells: list[dict[str, Any]]) -> tuple[list[str], list[str], list[list[int]]]:
    """A table's cells laid out as rows x columns (zeros filled in) for CSV, XLSX and HTML."""
    rows, columns = ORDERS[table_id]
    lookup = {(c["row"], c["column"]): c["count"] for c in cells}
    extra_rows = [c["row"] for c in cells if c["row"] not in rows]
    rows = rows + sorted(set(extra_rows))
    return rows, columns, [[lookup.get((r, c), 0) for c in columns] for r in rows]


def build_return(year: FinancialYear, council: Organisation | None = None) -> dict[str, Any]:
    return SacReturn(year, council).build()
