"""A hand-written SQL baseline for "What people wanted and got" (msphub/measures/outcomes.py).

Three statements, written straight from docs/measures.md ("What people wanted and got") as a database
engineer would write them for speed, sharing no code with msphub/measures: each base read once and
every figure of the base a FILTERed count over that one pass. So `make bench` can time
``outcomes.outcome_figures`` against it, and tests/test_outcomes_baseline.py can check the two agree.

1. The counted outcomes, grouped by category, and a total row (the categories' rows summed): by
   achievement, by who expressed them, negotiated and by the reason.
2. The concluded section 42 enquiries, each with the ways its person took part (one row per
   enquiry, from its contacts and meetings grouped), counted in one row.
3. The started advocacy referrals of the period, the median and 90th percentile of their waits.

The rules it encodes:

- A concern counts only when it is neither set aside nor flagged as abuse in another area
  (``set_aside = '' AND other_area = ''``); an enquiry, its outcomes, contacts and referrals count
  only when its concern does.
- Concluded section 42 enquiries: ``kind = 's42'``, closed (``status = 'closed'``) with ``closed_at``
  in the period (midnight to midnight, London time), of the enquiry's council (and team, and partner
  that made it, when narrowed). Involvement counts all of them; outcomes only those whose person was
  asked and expressed outcomes (``msp_asked``, SG4a's "Yes they were asked and outcomes were
  expressed").
- Counted outcomes: those enquiries' desired outcomes not withdrawn (``withdrawn_on IS NULL``). An
  outcome is negotiated when a negotiated outcome is written beside it (``negotiated_outcome <> ''``);
  "Not recorded" the negotiated ones without a reason.
- Involvement: an enquiry counts once under each way its person took part in any of its contacts or
  meetings; "none recorded" an enquiry with no contact or meeting at all.
- Advocacy: referrals with ``referred_on`` in the period (both days included) that have started
  (``started_on`` set), of enquiries of any kind or state of the council's counted concerns; the wait
  is ``started_on - referred_on`` in days. The median interpolated (the mean of the two middle waits
  of an even number), the 90th percentile the nearest rank (the wait at position ceil(0.9 n),
  counting from 1); both rounded to one decimal place, None without any.

PostgreSQL is the target (its ordered-set aggregates give both percentiles in the one pass, and its
date subtraction gives whole days); on SQLite, which has neither, the waits are ranked with window
functions and the positions picked in integer arithmetic, and datetimes are compared as the UTC text
Django writes. On PostgreSQL the statements run with JIT compilation off (``SET LOCAL jit = off``, this
transaction only), as bench/measures_baseline.py does: compiling a one-row report costs more than it
saves; and the outcomes' statement without parallel workers (``BEFORE``).

    from bench.outcomes_baseline import baseline_outcomes
    from msphub.core.periods import FinancialYear
    year = FinancialYear.parse("2024-25")
    figures = baseline_outcomes(year)              # England
    figures = baseline_outcomes(year, council_id)  # one council (Organisation pk)

returns ``comparable(outcomes.outcome_figures(filters))``'s shape: msphub's figures without the
percentages and the achievement table, which are arithmetic on these counts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from msphub.core.periods import Period
    from msphub.measures.outcomes import OutcomeFigures

EXPRESSED = "'Yes they were asked and outcomes were expressed'"
# (column, achievement, outcomes_by_category's key) in the SAC's order ("not" is an SQL keyword).
LEVELS = [
    ("fully", "Fully Achieved", "fully"),
    ("partially", "Partially Achieved", "partially"),
    ("not_achieved", "Not Achieved", "not"),
]
EXPRESSED_BY = ["adult", "representative"]
REASONS = ["law", "others_safety", "public_interest"]
PARTICIPATION = ["home", "elsewhere", "phone_video", "representative", "advocate", "chose_not", "not_present"]

# The section 42 enquiries ``e`` concluded in the period, of counted concerns ``c``, in scope ({scope}).
CONCLUDED = """e.kind = 's42' AND e.status = 'closed'
      AND e.closed_at >= %(start)s AND e.closed_at < %(end)s
      AND c.set_aside = '' AND c.other_area = '' {scope}"""

_COUNTS = ",\n           ".join(
    [
        "count(*) AS expressed",
        *(f"count(*) FILTER (WHERE o.achievement = '{level}') AS {key}" for key, level, _ in LEVELS),
        *(f"count(*) FILTER (WHERE o.expressed_by = '{who}') AS by_{who}" for who in EXPRESSED_BY),
        "count(*) FILTER (WHERE o.negotiated_outcome <> '') AS negotiated",
        *(
            f"count(*) FILTER (WHERE o.negotiated_outcome <> '' AND o.negotiated_reason = '{reason}')"
            f" AS reason_{reason}"
            for reason in REASONS
        ),
        "count(*) FILTER (WHERE o.negotiated_outcome <> '' AND o.negotiated_reason = '') AS reason_none",
    ]
)

# 1. The counted outcomes by category, in one pass; then (category NULL: no outcome has none) the
# categories' rows summed, all of them.
_COLUMNS = ["expressed", *(key for key, _, _ in LEVELS), *(f"by_{who}" for who in EXPRESSED_BY), "negotiated"]
_COLUMNS += [f"reason_{reason}" for reason in [*REASONS, "none"]]
_SUMS = ", ".join(f"coalesce(sum(g.{column}), 0) AS {column}" for column in _COLUMNS)
OUTCOMES_SQL = f"""
WITH g AS (
    SELECT o.category, {_COUNTS}
    FROM enquiries_desiredoutcome o
    JOIN enquiries_enquiry e ON e.id = o.enquiry_id
    JOIN concerns_concern c ON c.id = e.concern_id
    WHERE o.withdrawn_on IS NULL AND e.msp_asked = {EXPRESSED}
      AND {CONCLUDED}
    GROUP BY o.category
)
SELECT g.* FROM g
UNION ALL
SELECT NULL, {_SUMS} FROM g
"""  # noqa: S608 (constants of this module, no input)

# 2. Each concluded enquiry with its contacts and meetings joined and grouped: a flag for each way
# its person took part, and how many there were (none: nothing recorded). Then the flags counted.
_FLAGS = ", ".join(
    f"max(CASE WHEN i.participation = '{way}' THEN 1 ELSE 0 END) AS {way}" for way in PARTICIPATION
)
_WAYS = ", ".join(f"count(*) FILTER (WHERE w.{way} = 1) AS {way}" for way in PARTICIPATION)
INVOLVEMENT_SQL = f"""
SELECT count(*) AS enquiries, count(*) FILTER (WHERE w.contacts = 0) AS none_recorded, {_WAYS}
FROM (
    SELECT e.id, count(i.id) AS contacts, {_FLAGS}
    FROM enquiries_enquiry e
    JOIN concerns_concern c ON c.id = e.concern_id
    LEFT JOIN enquiries_involvement i ON i.enquiry_id = e.id
    WHERE {CONCLUDED}
    GROUP BY e.id
) w
"""  # noqa: S608

# 3. The started referrals of the period, of the council's counted concerns.
REFERRALS = """
    FROM enquiries_advocacyreferral a
    JOIN enquiries_enquiry e ON e.id = a.enquiry_id
    JOIN concerns_concern c ON c.id = e.concern_id
    WHERE a.started_on IS NOT NULL
      AND a.referred_on >= %(first_day)s AND a.referred_on <= %(last_day)s
      AND c.set_aside = '' AND c.other_area = '' {scope}"""

ADVOCACY_SQL = {
    # Date minus date is whole days; percentile_cont interpolates, percentile_disc is the nearest rank.
    "postgresql": f"""
SELECT count(*) AS n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY a.started_on - a.referred_on) AS median,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY a.started_on - a.referred_on) AS p90
{REFERRALS}
""",  # noqa: S608
    # No percentile aggregates: rank the waits and pick the middle one or two, and ceil(0.9 n)
    # (= (9n + 9) / 10 in integer division) for the 90th.
    "sqlite": f"""
WITH waits AS (SELECT julianday(a.started_on) - julianday(a.referred_on) AS days {REFERRALS}),
ranked AS (SELECT days, row_number() OVER (ORDER BY days) AS position, count(*) OVER () AS n FROM waits)
SELECT coalesce(max(n), 0) AS n,
       avg(days) FILTER (WHERE position IN ((n + 1) / 2, (n + 2) / 2)) AS median,
       max(days) FILTER (WHERE position = (9 * n + 9) / 10) AS p90
FROM ranked
""",  # noqa: S608
}


def scope(council_id: int | None, team_id: int | None, partner_id: int | None) -> str:
    """The enquiry's council, team and the partner that made it, as far as they are given."""
    conditions = [
        f"AND e.{column} = %({name})s"
        for column, name, value in (
            ("council_id", "council", council_id),
            ("team_id", "team", team_id),
            ("making_organisation_id", "partner", partner_id),
        )
        if value is not None
    ]
    return " ".join(conditions)


def statements(
    vendor: str, council_id: int | None, team_id: int | None = None, partner_id: int | None = None
) -> dict[str, str]:
    """The three statements for a database and scope."""
    if vendor not in ADVOCACY_SQL:
        raise ValueError(f"No outcomes baseline SQL for {vendor}")
    where = scope(council_id, team_id, partner_id)
    return {
        "involvement": INVOLVEMENT_SQL.format(scope=where),
        "advocacy": ADVOCACY_SQL[vendor].format(scope=where),
        "outcomes": OUTCOMES_SQL.format(scope=where),
    }


# Set on PostgreSQL before a statement, for the rest of the transaction (so that statement runs last).
# A parallel plan of the outcomes' join hashes the whole outcomes table in every worker, where one
# process hashes only the concluded enquiries: half the time or less on the 2-core bench machine.
BEFORE = {"outcomes": "SET LOCAL max_parallel_workers_per_gather = 0"}


def parameters(
    vendor: str, period: Period, council_id: int | None, team_id: int | None, partner_id: int | None
) -> dict[str, Any]:
    """The period's first moment and the first after it (London midnights, as UTC) and its first and
    last days; on SQLite as the text Django keeps them as."""
    moments = [period.start_at.astimezone(UTC), period.end_before.astimezone(UTC)]
    start: datetime | str
    end: datetime | str
    first_day: date | str
    last_day: date | str
    start, end = moments
    first_day, last_day = period.start, period.end
    if vendor == "sqlite":
        # UTC text, 'YYYY-MM-DD HH:MM:SS' (a midnight has no microseconds), dates as ISO text.
        start, end = (d.replace(tzinfo=None).isoformat(sep=" ") for d in moments)
        first_day, last_day = period.start.isoformat(), period.end.isoformat()
    params: dict[str, Any] = {"start": start, "end": end, "first_day": first_day, "last_day": last_day}
    for name, value in (("council", council_id), ("team", team_id), ("partner", partner_id)):
        if value is not None:
            params[name] = value
    return params


def _rows(cursor: Any) -> list[dict[str, Any]]:
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def run_sql(
    cursor: Any,
    vendor: str,
    period: Period,
    council_id: int | None = None,
    team_id: int | None = None,
    partner_id: int | None = None,
) -> dict[str, Any]:
    """Run the three statements on a DB-API cursor: the outcome rows (by category, and the total
    under the category None), the involvement row and the advocacy row."""
    params = parameters(vendor, period, council_id, team_id, partner_id)
    found: dict[str, Any] = {}
    for name, sql in statements(vendor, council_id, team_id, partner_id).items():
        if vendor == "postgresql" and name in BEFORE:
            cursor.execute(BEFORE[name])
        cursor.execute(sql, params)
        found[name] = _rows(cursor)
    return found


def _days(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def shape(found: dict[str, Any]) -> dict[str, Any]:
    """The statements' rows in ``comparable``'s shape, labelled as msphub labels them."""
    from msphub.core import categories
    from msphub.enquiries.models import DesiredOutcome, Involvement

    # The total row (category NULL) is always there: an aggregate without GROUP BY gives one row.
    (total,) = (row for row in found["outcomes"] if row["category"] is None)
    by_category = {row["category"]: row for row in found["outcomes"] if row["category"] is not None}
    columns = [("expressed", "expressed")] + [(key, column) for column, _, key in LEVELS]
    empty = dict.fromkeys((column for _, column in columns), 0)
    listed = categories.labels(categories.DESIRED_OUTCOME_CATEGORY)
    # Every category of the list, in its order; any other recorded (before the list changed) after.
    order = listed + sorted(set(by_category) - set(listed))
    reasons = dict(DesiredOutcome.NegotiatedReason.choices)
    who = dict(DesiredOutcome.ExpressedBy.choices)
    ways = dict(Involvement.Participation.choices)
    reason_rows = [{"reason": reasons[r], "outcomes": int(total[f"reason_{r}"])} for r in REASONS]
    if total["reason_none"]:
        reason_rows.append({"reason": "Not recorded", "outcomes": int(total["reason_none"])})
    (taking_part,) = found["involvement"]
    (advocacy,) = found["advocacy"]
    return {
        "by_category": [
            {
                "category": category,
                **{key: int(by_category.get(category, empty)[column]) for key, column in columns},
            }
            for category in order
        ],
        "who_and_negotiated": {
            "outcomes": int(total["expressed"]),
            "by_who": [{"expressed_by": who[w], "outcomes": int(total[f"by_{w}"])} for w in EXPRESSED_BY],
            "negotiated": int(total["negotiated"]),
            "reasons": reason_rows,
        },
        "involvement": {
            "enquiries": int(taking_part["enquiries"]),
            "by_way": [{"participation": ways[w], "enquiries": int(taking_part[w])} for w in PARTICIPATION],
            "none_recorded": int(taking_part["none_recorded"]),
        },
        "advocacy_days": {
            "median": _days(advocacy["median"]),
            "p90": _days(advocacy["p90"]),
            "n": int(advocacy["n"] or 0),
        },
    }


def baseline_outcomes(
    period: Period,
    council_id: int | None = None,
    team_id: int | None = None,
    partner_id: int | None = None,
    using: str = "default",
) -> dict[str, Any]:
    """Every figure of "What people wanted and got" from the hand-written SQL, on a Django connection."""
    from django.db import connections, transaction

    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off")
        found = run_sql(cursor, connection.vendor, period, council_id, team_id, partner_id)
    return shape(found)


def comparable(figures: OutcomeFigures) -> dict[str, Any]:
    """msphub's figures (``outcomes.outcome_figures``) in the baseline's shape: the counts and the
    advocacy waits, without the percentages and the achievement table worked out from them."""

    def without_percent(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in row.items() if k != "percent"} for row in rows]

    who = figures.who_and_negotiated
    involved = figures.involvement
    return {
        "by_category": figures.by_category,
        "who_and_negotiated": {
            "outcomes": who["outcomes"],
            "by_who": without_percent(who["by_who"]),
            "negotiated": who["negotiated"],
            "reasons": who["reasons"],
        },
        "involvement": {
            "enquiries": involved["enquiries"],
            "by_way": without_percent(involved["by_way"]),
            "none_recorded": involved["none_recorded"],
        },
        "advocacy_days": figures.advocacy_days,
    }


def _flattened(value: Any, path: str = "") -> dict[str, Any]:
    """Every figure under its path: a row of a list by its first value (its category, reason...)."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flattened(item, f"{path}.{key}").items()}
    if isinstance(value, list):
        found: dict[str, Any] = {f"{path.lstrip('.')} rows": [next(iter(row.values())) for row in value]}
        for row in value:
            (_, name), *figures = row.items()
            found |= _flattened(dict(figures), f"{path}[{name}]")
        return found
    return {path.lstrip("."): value}


def differences(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """Where msphub's comparable figures and the baseline's differ, one line a figure."""
    a, b = _flattened(ours), _flattened(theirs)
    return [
        f"{key}: msphub {a.get(key)}, baseline {b.get(key)}"
        for key in sorted(set(a) | set(b))
        if a.get(key) != b.get(key)
    ]
