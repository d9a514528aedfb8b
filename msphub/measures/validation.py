"""Checks of a SAC return of the kind the national collection (SDCS) runs, each naming its records.

``validate(result, year, council)`` takes a return as ``build_return`` gives it (or as signed off)
and answers a list of warnings, each ``{"check", "message", "references", "more"}``: which check,
what is wrong in words, the concerns (``CON-...``) or enquiries (``ENQ-...``) that cause it, by
reference only and never by name (at most ``MAX_REFERENCES``; ``more`` says how many others).

Which checks SDCS runs is not confirmed from the guidance (docs/sac.md, "Which validation checks
SDCS or the template runs is not confirmed"): these are the cross-table checks the issue names
(SG2e against SG2c, SG4a achieved against expressed, SG3a supported against lacking capacity, SG1a
section 42 individuals against SG1f section 42 enquiries) and the year-end checks (concerns with no
decision, closures awaiting sign-off). The records come from the return's own querysets
(``sac.SacReturn``), so a concern the return leaves out is not named here either; every count is an
aggregate in the database, and each check reads at most ``MAX_REFERENCES`` references.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from msphub.concerns.models import counted_concern
from msphub.core import categories
from msphub.enquiries.models import Enquiry

from .measures import concerns_left_out, overall_achievement
from .sac import ORDERS, SUPPORTED, TOTAL, SacReturn

if TYPE_CHECKING:
    from msphub.accounts.models import Organisation
    from msphub.core.periods import FinancialYear

MAX_REFERENCES = 50

# SG2c's first row; SG2e describes the enquiries in it (sac.SacReturn.sg2e).
RISK_IDENTIFIED_ACTION_TAKEN = categories.RISK_ASSESSMENT_OUTCOME[0][0]
ACHIEVEMENTS = categories.labels(categories.ACHIEVEMENT)


def _cells(result: dict[str, Any], table_id: str) -> dict[tuple[str, str], int]:
    return {(c["row"], c["column"]): c["count"] for c in result.get("tables", {}).get(table_id, [])}


def _row_total(result: dict[str, Any], table_id: str, row: str) -> int:
    return sum(n for (r, _), n in _cells(result, table_id).items() if r == row)


def _named(records: QuerySet, total: int | None = None) -> tuple[list[str], int]:
    """The first MAX_REFERENCES references of ``records`` in order, and how many more there are."""
    references = list(records.order_by("reference").values_list("reference", flat=True)[:MAX_REFERENCES])
    if total is None:
        total = len(references) if len(references) < MAX_REFERENCES else records.count()
    return references, max(total - len(references), 0)


def _warning(check: str, message: str, records: QuerySet | None = None) -> dict[str, Any]:
    references, more = _named(records) if records is not None else ([], 0)
    return {"check": check, "message": message, "references": references, "more": more}


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def validate(
    result: dict[str, Any], year: FinancialYear, council: Organisation | None
) -> list[dict[str, Any]]:
    """The warnings for ``result``, the return of ``council`` (None: all councils) for ``year``."""
    sac = SacReturn(year, council)
    found: list[dict[str, Any]] = []
    # A year still running is checked as it stands: "so far", not "at" a 31 March still to come.
    ended = timezone.now() >= year.end_before
    end = f"at 31 March {year.end.year}" if ended else f"so far (the year ends on 31 March {year.end.year})"

    # SG2e counts the enquiries of SG2c's "Risk identified and action taken" by their risk outcome.
    sg2c = _cells(result, "SG2c").get((RISK_IDENTIFIED_ACTION_TAKEN, TOTAL), 0)
    sg2e = sum(_cells(result, "SG2e").values())
    if sg2e != sg2c:
        no_outcome = sac.concluded().filter(
            risk_assessment_outcome=RISK_IDENTIFIED_ACTION_TAKEN, risk_outcome=""
        )
        found.append(
            _warning(
                "SG2e_SG2c",
                f"SG2e totals {sg2e} but SG2c has {sg2c} concluded section 42 enquiries where the risk was "
                f"identified and action taken: they should be equal. Enquiries with no risk outcome "
                "recorded are listed.",
                no_outcome,
            )
        )

    # SG4a: Fully + Partially + Not Achieved describe the enquiries whose outcomes were expressed.
    sg4a = _cells(result, "SG4a")
    expressed = sg4a.get((categories.ASKED_AND_EXPRESSED, TOTAL), 0)
    achieved = sum(sg4a.get((label, TOTAL), 0) for label in ACHIEVEMENTS)
    if achieved != expressed:
        ungraded = overall_achievement(
            sac.concluded().filter(msp_asked=categories.ASKED_AND_EXPRESSED)
        ).filter(achievement="")
        found.append(
            _warning(
                "SG4a_achieved_expressed",
                f"SG4a: Fully, Partially and Not Achieved total {achieved} but {expressed} concluded "
                f"section 42 enquiries are recorded as '{categories.ASKED_AND_EXPRESSED}': they should be "
                "equal. Enquiries with no desired outcome recorded are listed.",
                ungraded,
            )
        )

    # SG3a: support by an advocate, family or friend is counted within "Yes, they lacked capacity".
    sg3a = _cells(result, "SG3a")
    lacked = sg3a.get((categories.LACKED_CAPACITY, TOTAL), 0)
    supported = sg3a.get((categories.LACKED_CAPACITY, SUPPORTED), 0)
    if supported > lacked:
        found.append(
            _warning(
                "SG3a_supported_lacked",
                f"SG3a: {supported} enquiries supported by an advocate, family or friend is more than the "
                f"{lacked} where the person lacked capacity.",
                sac.concluded().filter(mental_capacity=categories.LACKED_CAPACITY, capacity_supported=True),
            )
        )
    unknown_support = sac.concluded().filter(
        mental_capacity=categories.LACKED_CAPACITY, capacity_supported__isnull=True
    )
    if lacked and unknown_support.exists():
        found.append(
            _warning(
                "SG3a_support_not_recorded",
                "SG3a: concluded section 42 enquiries where the person lacked capacity do not record whether "
                "they were supported by an advocate, family or friend (counted as not supported).",
                unknown_support,
            )
        )

    # SG1a: individuals in section 42 enquiries cannot be more than the section 42 enquiries (SG1f).
    s42_row = ORDERS["SG1a"][0][1]
    sg1f_s42_row = ORDERS["SG1f"][0][1]
    individuals = _row_total(result, "SG1a", s42_row)
    enquiries = _cells(result, "SG1f").get((sg1f_s42_row, TOTAL), 0)
    if individuals > enquiries:
        found.append(
            _warning(
                "SG1a_SG1f",
                f"SG1a counts {individuals} individuals in section 42 enquiries but SG1f only {enquiries} "
                "section 42 enquiries: there cannot be more individuals than enquiries.",
            )
        )

    # Concerns of the year the return does not count, so the totals can be reconciled with the
    # concern list: set aside (entered in error, duplicates), and those about abuse in another
    # council's area, for that council to count (the guidance: a case is "recorded once, by the
    # local authority where the abuse occurred").
    left_out = concerns_left_out(sac.filters)
    set_aside = left_out.exclude(set_aside="")
    if set_aside.exists():
        warning = _warning("set_aside_concerns", "", set_aside)
        n = len(warning["references"]) + warning["more"]
        warning["message"] = (
            f"{_plural(n, 'concern', 'concerns')} received in {year.label} marked entered in error or as "
            f"{'a duplicate is' if n == 1 else 'duplicates are'} left out of the return."
        )
        found.append(warning)
    other_area = left_out.filter(set_aside="").exclude(other_area="")
    if other_area.exists():
        warning = _warning("other_area_concerns", "", other_area)
        n = len(warning["references"]) + warning["more"]
        warning["message"] = (
            f"{_plural(n, 'concern', 'concerns')} received in {year.label} about abuse that occurred in "
            f"another council's area {'is' if n == 1 else 'are'} left out of this return, for that council "
            "to count."
        )
        found.append(warning)

    # Concerns received in the year with no decision signed off by its end.
    undecided = sac.concerns().filter(
        Q(decision__isnull=True)
        | Q(decision__signed_off_at__isnull=True)
        | Q(decision__signed_off_at__gte=year.end_before)
    )
    if undecided.exists():
        warning = _warning("undecided_concerns", "", undecided)
        n = len(warning["references"]) + warning["more"]
        warning["message"] = (
            f"{_plural(n, 'concern', 'concerns')} received in {year.label} had no signed-off decision "
            f"{end}: check whether an enquiry should have started in the year."
        )
        found.append(warning)

    # Enquiries whose closure was asked for in the year but not signed off by its end.
    awaiting = Enquiry.objects.filter(
        counted_concern("concern__"), closure_requested_at__lt=year.end_before, started_at__lt=year.end_before
    ).filter(
        Q(status=Enquiry.Status.CLOSURE_REQUESTED)
        | Q(status=Enquiry.Status.CLOSED, closed_at__gte=year.end_before)
    )
    if council is not None:
        awaiting = awaiting.filter(council=council)
    if awaiting.exists():
        warning = _warning("closures_awaiting_sign_off", "", awaiting)
        n = len(warning["references"]) + warning["more"]
        warning["message"] = (
            f"{_plural(n, 'enquiry', 'enquiries')} had a closure awaiting a team manager's sign-off "
            f"{end}, so {'it is' if n == 1 else 'they are'} not counted as concluded in the year "
            "(SG2 to SG4)."
        )
        found.append(warning)
    return found


def with_validation(
    result: dict[str, Any], year: FinancialYear, council: Organisation | None
) -> dict[str, Any]:
    """``result`` with its ``validation`` warnings added (the other keys as they were)."""
    if "validation" in result:
        return result
    return {**result, "validation": validate(result, year, council)}


def reference_text(warning: dict[str, Any]) -> str:
    """A warning's references as one line: ``CON-2026-000001, CON-2026-000002 and 3 more``."""
    text = ", ".join(warning.get("references", []))
    if warning.get("more"):
        text += f" and {warning['more']} more"
    return text
