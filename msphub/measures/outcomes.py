"""What people wanted and got: the desired outcomes SG4a's enquiries recorded, counted by category, by
who expressed them, by achievement and by whether they had to be negotiated; how the person took part
in the enquiries; and the days from an advocacy referral to the advocacy starting.

One definition each, aggregated in the database (docs/measures.md). The outcomes counted are those
SG4a counts (``counted_outcomes``): the active (not withdrawn) desired outcomes of the section 42
enquiries concluded in the period (closure signed off, concern counted) whose person was asked and
expressed outcomes. So the figures reconcile with SG4a: folding each enquiry's counted outcomes with
SG4a's rule (``measures.overall_achievement``: all fully achieved, none achieved, otherwise
partially) gives exactly SG4a's Fully, Partially and Not Achieved cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet

from msphub.accounts.models import Team
from msphub.concerns.models import counted_concern
from msphub.core import categories
from msphub.enquiries.models import AdvocacyReferral, DesiredOutcome, Enquiry, Involvement

from .measures import Filters, concluded_section_42, narrowed, ordered_values_and_counts, percent

FULLY, PARTIALLY, NOT = categories.labels(categories.ACHIEVEMENT)
# The keys of a category's row (``outcomes_by_category``) for each achievement, in the SAC's order.
LEVELS = {"fully": FULLY, "partially": PARTIALLY, "not": NOT}
CATEGORIES = categories.labels(categories.DESIRED_OUTCOME_CATEGORY)
# The fewest started referrals whose median wait a benchmark file publishes (``benchmarks.files.
# publish_advocacy_days``, docs/benchmarks.md): from fewer, one person's wait could be read off it.
# The dashboard, inside the council, shows the figures from any number.
ADVOCACY_MINIMUM = 5
# The fewest whose 90th percentile a benchmark file publishes: the nearest rank of fewer than 10 is
# the single longest wait, one person's.
ADVOCACY_P90_MINIMUM = 10


def expressed_enquiries(filters: Filters) -> QuerySet[Enquiry]:
    """The enquiries SG4a counts as "asked and outcomes expressed": section 42 enquiries concluded in
    the period (``measures.concluded_section_42``) whose person expressed outcomes."""
    return concluded_section_42(filters).filter(msp_asked=categories.ASKED_AND_EXPRESSED)


def counted_outcomes(filters: Filters) -> QuerySet[DesiredOutcome]:
    """The desired outcomes every figure here counts: the active outcomes of ``expressed_enquiries``
    (withdrawn ones are left out, as SG4a's achievement leaves them out)."""
    return DesiredOutcome.objects.filter(
        withdrawn_on__isnull=True, enquiry__in=expressed_enquiries(filters).values("pk")
    )


def _outcome_counts(filters: Filters) -> dict[str, dict[str, int]]:
    """The counted outcomes by category, in one GROUP BY query over one read of them: for each
    category recorded, the outcomes (``expressed``), by achievement (``LEVELS``' keys), by who
    expressed them (``by_<value>``), negotiated (a negotiated outcome recorded beside them) and
    negotiated by the reason (``reason_<value>``). ``outcomes_by_category`` and
    ``who_and_negotiated`` are folded from these few rows (a row a category), not from the outcomes."""
    negotiated = ~Q(negotiated_outcome="")
    counts: dict[str, Count] = {
        "expressed": Count("pk"),
        **{key: Count("pk", filter=Q(achievement=level)) for key, level in LEVELS.items()},
        **{
            f"by_{value}": Count("pk", filter=Q(expressed_by=value))
            for value in DesiredOutcome.ExpressedBy.values
        },
        "negotiated": Count("pk", filter=negotiated),
        **{
            f"reason_{value}": Count("pk", filter=negotiated & Q(negotiated_reason=value))
            for value in DesiredOutcome.NegotiatedReason.values
        },
    }
    counted = counted_outcomes(filters)
    if filters.council is not None:
        # Said again through the outcome's own enquiry (the same condition, so the same outcomes):
        # joined so, one council's outcomes are read through their enquiry index, instead of every
        # outcome in England read and matched against the council's enquiries (about 27 to 22 ms
        # for the bench's largest council).
        counted = counted.filter(enquiry__council=filters.council)
    grouped = counted.order_by().values("category").annotate(**counts).values_list("category", *counts)
    return {category: dict(zip(counts, figures, strict=True)) for category, *figures in grouped}


def _by_category(counts: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    # A category no longer on the list (recorded before it changed) is still counted, after them.
    order = CATEGORIES + sorted(set(counts) - set(CATEGORIES))
    keys = ["expressed", *LEVELS]
    return [
        {"category": category, **{key: counts[category][key] if category in counts else 0 for key in keys}}
        for category in order
    ]


def _who_and_negotiated(counts: dict[str, dict[str, int]]) -> dict[str, Any]:
    expressed_by = DesiredOutcome.ExpressedBy
    reasons = DesiredOutcome.NegotiatedReason

    def total(key: str) -> int:  # over the categories' rows: each outcome has one category
        return sum(row[key] for row in counts.values())

    outcomes = total("expressed")
    negotiated = total("negotiated")
    by_reason = {value: total(f"reason_{value}") for value in reasons.values}
    reason_rows = [{"reason": label, "outcomes": by_reason[value]} for value, label in reasons.choices]
    if negotiated - sum(by_reason.values()):  # negotiated before a reason was asked for
        reason_rows.append({"reason": "Not recorded", "outcomes": negotiated - sum(by_reason.values())})
    by_who = {value: total(f"by_{value}") for value in expressed_by.values}
    return {
        "outcomes": outcomes,
        "by_who": [
            {"expressed_by": label, "outcomes": by_who[value], "percent": percent(by_who[value], outcomes)}
            for value, label in expressed_by.choices
        ],
        "negotiated": negotiated,
        "negotiated_percent": percent(negotiated, outcomes),
        "reasons": reason_rows,
    }


def outcomes_by_category(filters: Filters) -> list[dict[str, Any]]:
    """``[{"category", "expressed", "fully", "partially", "not"}]``: for every category (in the order
    of ``categories.DESIRED_OUTCOME_CATEGORY``, those with none too), the counted outcomes of that
    category and how many of them were fully, partially or not achieved. One GROUP BY query."""
    return _by_category(_outcome_counts(filters))


def who_and_negotiated(filters: Filters) -> dict[str, Any]:
    """The counted outcomes by who expressed them (the adult, or their representative), and how many
    had to be negotiated (a negotiated outcome recorded beside them), by the reason. One query."""
    return _who_and_negotiated(_outcome_counts(filters))


def outcomes_and_who(filters: Filters) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``outcomes_by_category`` and ``who_and_negotiated`` together, from the one query each makes:
    for a page that shows both (the outcomes are read once, not twice)."""
    counts = _outcome_counts(filters)
    return _by_category(counts), _who_and_negotiated(counts)


def achievement_by_category(by_category: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each category with outcomes expressed, its counts and each achievement as a percentage of
    the outcomes expressed (``not_graded``: those closed without an achievement recorded)."""
    return [
        {
            **row,
            "not_graded": row["expressed"] - sum(row[key] for key in LEVELS),
            **{f"{key}_percent": percent(row[key], row["expressed"]) for key in LEVELS},
        }
        for row in by_category
        if row["expressed"]
    ]


def involvement(filters: Filters) -> dict[str, Any]:
    """How people took part in the section 42 enquiries concluded in the period (SG4a's enquiries,
    whether or not outcomes were expressed): for each way of taking part
    (``Involvement.participation``), the enquiries with at least one contact or meeting where they
    took part so (an enquiry once per way, so the rows may add up to more than the enquiries), and
    the enquiries with no contact or meeting recorded. One query: each enquiry with its contacts and
    meetings joined and counted, by way (one pass over them), and those enquiries then counted."""
    ways = Involvement.Participation.values
    per_enquiry = (
        concluded_section_42(filters)
        .order_by()
        .annotate(
            recorded=Count("involvements"),
            **{
                f"way_{way}": Count("involvements", filter=Q(involvements__participation=way)) for way in ways
            },
        )
    )
    totals = per_enquiry.aggregate(
        enquiries=Count("pk"),
        none=Count("pk", filter=Q(recorded=0)),
        **{way: Count("pk", filter=Q(**{f"way_{way}__gt": 0})) for way in ways},
    )
    enquiries = totals["enquiries"]
    return {
        "enquiries": enquiries,
        "by_way": [
            {
                "participation": label,
                "enquiries": totals[value],
                "percent": percent(totals[value], enquiries),
            }
            for value, label in Involvement.Participation.choices
        ],
        "none_recorded": totals["none"],
        "none_recorded_percent": percent(totals["none"], enquiries),
    }


def _advocacy_referrals_made(filters: Filters) -> QuerySet[AdvocacyReferral]:
    """The advocacy referrals made in the period, for enquiries of the council's counted concerns (any
    enquiry, open or closed), started or not."""
    referrals = AdvocacyReferral.objects.filter(
        counted_concern("enquiry__concern__"), **filters.period.date_lookup("referred_on")
    )
    return narrowed(
        referrals, filters, "enquiry__council", "enquiry__team_id", "enquiry__making_organisation_id"
    )


def advocacy_referrals(filters: Filters) -> QuerySet[AdvocacyReferral]:
    """The advocacy referrals ``advocacy_days`` counts: made in the period, for enquiries of the
    council's counted concerns (any enquiry, open or closed), that have started."""
    return _advocacy_referrals_made(filters).filter(started_on__isnull=False)


# A referral still waiting: not started, and not marked not going ahead (the person declined it, or
# it is no longer needed). The two are never both set (the model's constraint).
STILL_WAITING = Q(started_on__isnull=True, not_going_ahead_on__isnull=True)


def advocacy_days_and_waiting(filters: Filters) -> tuple[dict[str, Any], int]:
    """``advocacy_days`` and, from the same query, how many of the referrals made in the period are
    still waiting (``STILL_WAITING``, as recorded now): the dashboard shows them beside the waits of
    those that started. The count is the dashboard's only: msp_measures' JSON and the benchmark file
    keep ``advocacy_days``' three keys."""
    # A referral not started has no wait (NULL): the percentiles pass over it, and ``n`` counts the
    # started ones only, so the figures are ``advocacy_referrals``' exactly.
    waited = ExpressionWrapper(F("started_on") - F("referred_on"), output_field=DurationField())
    [(median, p90)], counts = ordered_values_and_counts(
        _advocacy_referrals_made(filters),
        [(waited, [0.5, 0.9])],
        {"n": Count("pk", filter=Q(started_on__isnull=False)), "waiting": Count("pk", filter=STILL_WAITING)},
    )

    def days(seconds: float | None) -> float | None:
        return None if seconds is None else round(seconds / 86400, 1)

    return {"median": days(median), "p90": days(p90), "n": counts["n"]}, counts["waiting"]


def advocacy_days(filters: Filters) -> dict[str, Any]:
    """``{"median", "p90", "n"}``: days from referral to the advocacy starting over
    ``advocacy_referrals``, the median and the 90th percentile as the timeliness figures take them
    (``measures._ordered_values``: the median interpolated, the 90th the nearest rank), to one
    decimal place; both None when none has started (n 0). One query on PostgreSQL."""
    return advocacy_days_and_waiting(filters)[0]


@dataclass(frozen=True)
class OutcomeFigures:
    """Everything "What people wanted and got" shows, for one council, period, team and partner."""

    by_category: list[dict[str, Any]]
    achievement: list[dict[str, Any]]
    who_and_negotiated: dict[str, Any]
    involvement: dict[str, Any]
    advocacy_days: dict[str, Any]
    # Referrals made in the period still waiting to start (``advocacy_days_and_waiting``).
    advocacy_waiting: int


def outcome_figures(filters: Filters) -> OutcomeFigures:
    """The dashboard's "What people wanted and got": a fixed number of queries, whatever the number
    of records (three on PostgreSQL; six on SQLite, where the percentiles take a count and a query
    each)."""
    by_category, who = outcomes_and_who(filters)
    advocacy, waiting = advocacy_days_and_waiting(filters)
    return OutcomeFigures(
        by_category=by_category,
        achievement=achievement_by_category(by_category),
        who_and_negotiated=who,
        involvement=involvement(filters),
        advocacy_days=advocacy,
        advocacy_waiting=waiting,
    )


# --- Outcomes not achieved, for a team manager or the lead ------------------------------------------


def not_achieved(
    enquiries: QuerySet[Enquiry], filters: Filters, category: str = ""
) -> QuerySet[DesiredOutcome]:
    """The counted outcomes (``counted_outcomes``) graded Not Achieved, of the ``enquiries`` given (the
    ones the user may see, through ``Enquiry.objects.for_user``), of one ``category`` if given,
    with their enquiry; most recently closed first. The list's rows are the outcomes the figures
    count under "not" (the same ones, for a user who sees every enquiry)."""
    rows = counted_outcomes(filters).filter(achievement=NOT, enquiry__in=enquiries.values("pk"))
    if category:
        rows = rows.filter(category=category)
    return rows.select_related("enquiry").order_by("-enquiry__closed_at", "enquiry__reference", "pk")


def not_achieved_teams(user: Any, council: Any) -> QuerySet[Team] | None:
    """The teams the list may be narrowed to: the council's for the lead; None for a team manager,
    whose list is their own team's (``not_achieved_scope``)."""
    return Team.objects.filter(organisation=council) if user.is_lead else None


def not_achieved_whose(user: Any, team: Team | None) -> str:
    """Whose enquiries the list holds, for its caption: a team manager's own team's always."""
    if not user.is_lead:
        return (
            f"{user.team.name}'s enquiries" if user.team_id else "No team's enquiries: you are not in a team"
        )
    return f"{team.name}'s enquiries" if team else "Every team's enquiries"


def not_achieved_scope(
    enquiries: QuerySet[Enquiry], user: Any, team_id: int | None = None
) -> QuerySet[Enquiry]:
    """Whose outcomes a user's list holds, of the enquiries they may see: the lead's, the council's,
    or one team's when ``team_id`` is given; a team manager's, their own team's whatever is asked
    (none without a team)."""
    if user.is_lead:
        return enquiries.filter(team_id=team_id) if team_id else enquiries
    return enquiries.filter(team_id=user.team_id) if user.team_id else enquiries.none()
