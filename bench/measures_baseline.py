"""A hand-written SQL baseline for the MSP measures.

One statement counts every MSP measure's numerator and denominator for one financial year, for all
councils (England) or for one, written straight from the measures' definitions (docs/architecture.md,
"How data flows"; ../shared/domain/data.md, "MSP measures") as a database engineer would write it for
speed: each base (concluded enquiries, concerns received, feedback asked) read once, every measure of
the base a FILTERed count over that one pass, the three bases cross-joined into one row. It shares no
code with msphub/measures/measures.py, so `make bench` can time `measure_totals` against it and
tests/test_measures_baseline.py can check the two agree.

The rules it encodes:

- A concern counts only when it is neither set aside (entered in error, a duplicate) nor flagged as
  abuse in another area: ``set_aside = '' AND other_area = ''``; an enquiry or feedback counts only
  when its concern does.
- Concluded enquiries: any kind, closed (``status = 'closed'``) with ``closed_at`` in the year; by the
  enquiry's council. Overall achievement from the enquiry's active (not withdrawn) desired outcomes:
  none, all Fully Achieved, all Not Achieved, else Partially Achieved. Took part: an involvement of the
  enquiry in which the adult took part (at home, elsewhere, by phone or video, through a
  representative or an advocate).
- Concerns received in the year, by the concern's council. First contact: the earliest conversation
  not marked entered in error; within the window (FIRST_CONTACT_HOURS, 24) counts as within, exactly
  24 hours included; a concern is due a contact once it has one or its window has passed. A repeat:
  another counted concern about the same person (of any council) received in the 365 days (of 24
  hours) before it. Conversion: the concern's enquiry is a section 42 enquiry.
- Feedback asked (``asked_on``) in the year, by its enquiry's council.

The year runs from midnight on 1 April to midnight on 1 April, London time (as bench/baseline.py).
Two plans, picked by scope as an engineer would. For England the per-concern and per-enquiry details
(first contact, the concern's enquiry, outcomes, involvement) are aggregated once and hash-joined, and
a repeat is found in one pass over the counted concerns from 365 days before the year to its end, a
window function giving each the latest earlier one of the same person. For one council only the
council's rows are read, through its council indexes, and each detail is probed per row through the
foreign-key indexes; a repeat is an EXISTS probe per concern on the (person_id, received_at) index for
an earlier counted concern of the person in the 365 days before it. The probes are fenced (``OFFSET
0``) so that PostgreSQL neither turns an EXISTS into a hashed scan of its whole table nor pulls a row
subquery up into the counts. PostgreSQL is the target; the same statement runs on
SQLite with the datetime arithmetic written for its text timestamps. On PostgreSQL the statement runs
with JIT compilation off (``SET LOCAL jit = off``, this transaction only): at the installed
thresholds the planner compiles it, which costs far more than it saves on a one-row report.

    from bench.measures_baseline import baseline_measures
    from msphub.core.periods import FinancialYear
    year = FinancialYear.parse("2024-25")
    figures = baseline_measures(year)              # England
    figures = baseline_measures(year, council_id)  # one council (Organisation pk)

returns {measure id: {"numerator": n, "denominator": d}} for the 15 measures.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from msphub.core.periods import FinancialYear

LONDON = ZoneInfo("Europe/London")
REPEAT_WINDOW = timedelta(days=365)

# (measure id, numerator column, denominator column), in the dashboard's order.
MEASURES = [
    ("asked_about_outcomes", "asked", "concluded"),
    ("outcomes_expressed", "expressed", "asked"),
    ("fully_achieved", "fully", "expressed"),
    ("partially_achieved", "partially", "expressed"),
    ("not_achieved", "not_achieved", "expressed"),
    ("first_contact_24h", "contact_in_time", "contact_due"),
    ("involved", "took_part", "concluded"),
    ("lacking_capacity_supported", "lacked_supported", "lacked"),
    ("felt_listened_to", "listened_yes", "listened_answered"),
    ("felt_involved", "involved_yes", "involved_answered"),
    ("feel_safer", "safer_yes", "safer_answered"),
    ("happy_with_outcome", "happy_yes", "happy_answered"),
    ("risk_reduced_or_removed", "risk_reduced", "risk_action"),
    ("conversion_rate", "became_s42", "concerns"),
    ("repeat_concerns_12m", "repeats", "with_person"),
]
MEASURE_IDS = [m[0] for m in MEASURES]

ASKED = (
    "('Yes they were asked and outcomes were expressed',"
    " 'Yes they were asked but no outcomes were expressed')"
)
EXPRESSED = "'Yes they were asked and outcomes were expressed'"
POSITIVE = "('Definitely', 'To some extent')"
ANSWERED = "('Definitely', 'To some extent', 'Not at all')"

# {council_e}: the optional council filter; {concern_ctes}/{concern_from}/{concern_where}, {is_repeat}:
# the concerns of the base and the repeat test, from the history pass or probed;
# {enquiry_kind}/{enquiry_join}, {first_at}/{first_join}, {achievement}/{outcome_join},
# {took_part}/{involvement_join}: the per-row details, probed or joined (PLANS); {plus_window},
# {minus_year}: datetime arithmetic, and {fence}, which keeps the planner from pulling a row subquery
# up into the counts above it (it would then evaluate a probed detail once for every count that reads
# it) or turning a probed EXISTS into a hashed scan of its whole table (DIALECTS). Percent signs are
# doubled (DB-API "pyformat" parameters).
MEASURES_SQL = f"""
WITH
{{concern_ctes}}concerns_m AS (                 -- concerns received in the year
    SELECT count(*) AS concerns,
           count(*) FILTER (WHERE b.first_at <= {{plus_window}}) AS contact_in_time,
           count(*) FILTER (WHERE b.first_at IS NOT NULL OR b.received_at <= %(due_by)s) AS contact_due,
           count(*) FILTER (WHERE b.enquiry_kind = 's42') AS became_s42,
           count(*) FILTER (WHERE b.person_id IS NOT NULL AND b.is_repeat) AS repeats,
           count(*) FILTER (WHERE b.person_id IS NOT NULL) AS with_person
    FROM (
        SELECT r.person_id, r.received_at, {{is_repeat}} AS is_repeat, {{enquiry_kind}} AS enquiry_kind,
               {{first_at}} AS first_at
        FROM {{concern_from}} r
        {{enquiry_join}}
        {{first_join}}
        WHERE {{concern_where}} {{fence}}
    ) b
),
concluded_m AS (                -- enquiries concluded in the year
    SELECT count(*) AS concluded,
           count(*) FILTER (WHERE k.msp_asked IN {ASKED}) AS asked,
           count(*) FILTER (WHERE k.msp_asked = {EXPRESSED}) AS expressed,
           count(*) FILTER (WHERE k.achievement = 'Fully Achieved') AS fully,
           count(*) FILTER (WHERE k.achievement = 'Partially Achieved') AS partially,
           count(*) FILTER (WHERE k.achievement = 'Not Achieved') AS not_achieved,
           count(*) FILTER (WHERE k.took_part) AS took_part,
           count(*) FILTER (WHERE k.mental_capacity = 'Yes, they lacked capacity') AS lacked,
           count(*) FILTER (WHERE k.mental_capacity = 'Yes, they lacked capacity'
                                  AND k.capacity_supported IS TRUE) AS lacked_supported,
           count(*) FILTER (WHERE k.risk_assessment_outcome = 'Risk identified and action taken')
               AS risk_action,
           count(*) FILTER (WHERE k.risk_outcome IN ('Risk reduced', 'Risk removed')) AS risk_reduced
    FROM (
        SELECT e.msp_asked, e.mental_capacity, e.capacity_supported, e.risk_assessment_outcome,
               e.risk_outcome, {{achievement}} AS achievement, {{took_part}} AS took_part
        FROM enquiries_enquiry e
        JOIN concerns_concern c ON c.id = e.concern_id
        {{outcome_join}}
        {{involvement_join}}
        WHERE e.status = 'closed' AND e.closed_at >= %(start)s AND e.closed_at < %(end)s
          AND c.set_aside = '' AND c.other_area = '' {{council_e}} {{fence}}
    ) k
),
feedback_m AS (                 -- feedback asked in the year
    SELECT count(*) FILTER (WHERE f.listened_to IN {POSITIVE}) AS listened_yes,
           count(*) FILTER (WHERE f.listened_to IN {ANSWERED}) AS listened_answered,
           count(*) FILTER (WHERE f.involved IN {POSITIVE}) AS involved_yes,
           count(*) FILTER (WHERE f.involved IN {ANSWERED}) AS involved_answered,
           count(*) FILTER (WHERE f.safer IN {POSITIVE}) AS safer_yes,
           count(*) FILTER (WHERE f.safer IN {ANSWERED}) AS safer_answered,
           count(*) FILTER (WHERE f.happy_with_ending IN {POSITIVE}) AS happy_yes,
           count(*) FILTER (WHERE f.happy_with_ending IN {ANSWERED}) AS happy_answered
    FROM enquiries_feedback f
    JOIN enquiries_enquiry e ON e.id = f.enquiry_id
    JOIN concerns_concern c ON c.id = e.concern_id
    WHERE f.asked_on >= %(first_day)s AND f.asked_on <= %(last_day)s
      AND c.set_aside = '' AND c.other_area = '' {{council_e}}
)
SELECT * FROM concluded_m, concerns_m, feedback_m
"""  # noqa: S608 (constants of this module, no input)

# The overall achievement of a group of active outcomes ``o`` (NULL when there are none).
ACHIEVEMENT = """CASE
        WHEN count(*) = 0 THEN NULL
        WHEN count(*) FILTER (WHERE o.achievement <> 'Fully Achieved') = 0 THEN 'Fully Achieved'
        WHEN count(*) FILTER (WHERE o.achievement <> 'Not Achieved') = 0 THEN 'Not Achieved'
        ELSE 'Partially Achieved' END"""
TOOK_PART = "('home', 'elsewhere', 'phone_video', 'representative', 'advocate')"

# England: the counted concerns from 365 days before the year to its end, each with the latest
# earlier one of the same person (one pass, one sort); ``in_base`` marks those of the year (and
# council, when the join plan is asked for one).
CONCERN_HISTORY = """
concern_history AS (
    SELECT h.id, h.person_id, h.received_at,
           (h.received_at >= %(start)s {council_h}) AS in_base,
           max(h.received_at) OVER (
               PARTITION BY h.person_id ORDER BY h.received_at
               GROUPS BETWEEN 1 PRECEDING AND 1 PRECEDING
           ) AS previous_at
    FROM concerns_concern h
    WHERE h.set_aside = '' AND h.other_area = ''
      AND h.received_at >= %(history_start)s AND h.received_at < %(end)s {history_scope}
),
"""

PLANS: dict[str, dict[str, str]] = {
    # England: aggregate each detail table once and hash-join it.
    "join": {
        "concern_ctes": CONCERN_HISTORY,
        "concern_from": "concern_history",
        "concern_where": "r.in_base",
        "is_repeat": "(r.previous_at >= {minus_year})",
        "enquiry_kind": "e.kind",
        "enquiry_join": "LEFT JOIN enquiries_enquiry e ON e.concern_id = r.id",
        "first_at": "fc.first_at",
        "first_join": """LEFT JOIN (
            SELECT f.concern_id, min(f.contact_at) AS first_at
            FROM concerns_firstcontact f WHERE f.entered_in_error_at IS NULL
            GROUP BY f.concern_id
        ) fc ON fc.concern_id = r.id""",
        "achievement": "oa.achievement",
        "outcome_join": f"""LEFT JOIN (
            SELECT o.enquiry_id, {ACHIEVEMENT} AS achievement
            FROM enquiries_desiredoutcome o WHERE o.withdrawn_on IS NULL
            GROUP BY o.enquiry_id
        ) oa ON oa.enquiry_id = e.id""",  # noqa: S608
        "took_part": "(tp.enquiry_id IS NOT NULL)",
        "involvement_join": f"""LEFT JOIN (
            SELECT DISTINCT i.enquiry_id FROM enquiries_involvement i WHERE i.participation IN {TOOK_PART}
        ) tp ON tp.enquiry_id = e.id""",  # noqa: S608
    },
    # One council: probe the detail tables per row through their foreign-key indexes.
    "probe": {
        "concern_ctes": "",
        "concern_from": "concerns_concern",
        "concern_where": """r.set_aside = '' AND r.other_area = ''
          AND r.received_at >= %(start)s AND r.received_at < %(end)s {council_r}""",
        "is_repeat": """EXISTS (SELECT 1 FROM concerns_concern h
                           WHERE h.person_id = r.person_id AND h.received_at < r.received_at
                             AND h.received_at >= {minus_year}
                             AND h.set_aside = '' AND h.other_area = '')""",
        "enquiry_kind": "(SELECT e.kind FROM enquiries_enquiry e WHERE e.concern_id = r.id)",
        "enquiry_join": "",
        "first_at": """(SELECT min(f.contact_at) FROM concerns_firstcontact f
                         WHERE f.concern_id = r.id AND f.entered_in_error_at IS NULL)""",
        "first_join": "",
        "achievement": f"""(SELECT {ACHIEVEMENT} FROM enquiries_desiredoutcome o
                            WHERE o.enquiry_id = e.id AND o.withdrawn_on IS NULL)""",  # noqa: S608
        "outcome_join": "",
        "took_part": f"""EXISTS (SELECT 1 FROM enquiries_involvement i
                                 WHERE i.enquiry_id = e.id AND i.participation IN {TOOK_PART} {{fence}})""",  # noqa: S608
        "involvement_join": "",
    },
}

# The join plan asked for one council (tests): the history pass needs the council's concerns and the
# earlier ones of its people (who may have been the subject of another council's concern).
HISTORY_SCOPE = """AND (h.council_id = %(council)s OR h.person_id IN (
          SELECT p.person_id FROM concerns_concern p
          WHERE p.council_id = %(council)s AND p.set_aside = '' AND p.other_area = ''
            AND p.received_at >= %(start)s AND p.received_at < %(end)s AND p.person_id IS NOT NULL))"""

FORMATTED = ("concern_ctes", "concern_where", "is_repeat", "took_part")

DIALECTS: dict[str, dict[str, str]] = {
    "postgresql": {
        "fence": "OFFSET 0",
        "plus_window": "b.received_at + make_interval(secs => %(window_seconds)s)",
        "minus_year": "r.received_at - make_interval(secs => %(repeat_seconds)s)",
    },
    # Django keeps datetimes in SQLite as UTC text, 'YYYY-MM-DD HH:MM:SS[.ffffff]': shift the whole
    # seconds and keep the fraction, so that the comparison is exact to the microsecond.
    "sqlite": {
        "fence": "",
        "plus_window": (
            "(strftime('%%Y-%%m-%%d %%H:%%M:%%S', b.received_at, '+' || %(window_seconds)s || ' seconds')"
            " || substr(b.received_at, 20))"
        ),
        "minus_year": (
            "(strftime('%%Y-%%m-%%d %%H:%%M:%%S', r.received_at, '-' || %(repeat_seconds)s || ' seconds')"
            " || substr(r.received_at, 20))"
        ),
    },
}


def year_bounds(year: FinancialYear) -> tuple[datetime, datetime]:
    """2024-25 is from midnight on 1 April 2024 to midnight on 1 April 2025, London time."""
    return year.start_at.astimezone(LONDON), year.end_before.astimezone(LONDON)


def statement(vendor: str, council_id: int | None, plan: str | None = None) -> str:
    """The statement for a database and scope; ``plan`` ("join" or "probe") overrides the choice."""
    if vendor not in DIALECTS:
        raise ValueError(f"No measures baseline SQL for {vendor}")
    council = "" if council_id is None else "AND {t}.council_id = %(council)s"
    plan = plan or ("join" if council_id is None else "probe")
    dialect = DIALECTS[vendor]
    scope = {
        "council_h": council.format(t="h"),
        "council_r": council.format(t="r"),
        "history_scope": "" if council_id is None else HISTORY_SCOPE,
        "minus_year": dialect["minus_year"],
        "fence": dialect["fence"],
    }
    fragments = {k: v.format(**scope) if k in FORMATTED else v for k, v in PLANS[plan].items()}
    return MEASURES_SQL.format(council_e=council.format(t="e"), **fragments, **dialect)


def _seconds(delta: timedelta) -> int | float:
    seconds = delta.total_seconds()
    return int(seconds) if seconds == int(seconds) else seconds


def parameters(
    vendor: str, year: FinancialYear, council_id: int | None, now: datetime, window: timedelta
) -> dict[str, Any]:
    start, end = (d.astimezone(UTC) for d in year_bounds(year))
    moments = {"start": start, "end": end, "history_start": start - REPEAT_WINDOW, "due_by": now - window}
    params: dict[str, Any] = {
        "window_seconds": _seconds(window),
        "repeat_seconds": _seconds(REPEAT_WINDOW),
        "first_day": year.start,
        "last_day": year.end,
    }
    if vendor == "sqlite":
        # UTC text as Django writes it (microseconds only when there are some), dates as ISO text.
        moments = {k: v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ") for k, v in moments.items()}
        params.update(first_day=year.start.isoformat(), last_day=year.end.isoformat())
    params.update(moments)
    if council_id is not None:
        params["council"] = council_id
    return params


def run_sql(
    cursor: Any,
    vendor: str,
    year: FinancialYear,
    council_id: int | None = None,
    now: datetime | None = None,
    window: timedelta = timedelta(hours=24),
    plan: str | None = None,
) -> dict[str, int]:
    """Run the statement on a DB-API cursor: {column: count} of its one row."""
    now = now or datetime.now(UTC)
    cursor.execute(statement(vendor, council_id, plan), parameters(vendor, year, council_id, now, window))
    row = cursor.fetchone()
    return {column[0]: int(value or 0) for column, value in zip(cursor.description, row, strict=True)}


def baseline_measures(
    year: FinancialYear,
    council_id: int | None = None,
    using: str = "default",
    now: datetime | None = None,
    plan: str | None = None,
) -> dict[str, dict[str, int]]:
    """Every MSP measure's numerator and denominator from the hand-written SQL, on a Django connection."""
    from django.conf import settings
    from django.db import connections, transaction

    window = timedelta(hours=settings.MSPHUB["FIRST_CONTACT_HOURS"])
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A one-row report over indexed probes: compiling it (JIT) costs more than it saves.
            cursor.execute("SET LOCAL jit = off")
        counts = run_sql(cursor, connection.vendor, year, council_id, now, window, plan)
    return {
        measure_id: {"numerator": counts[numerator], "denominator": counts[denominator]}
        for measure_id, numerator, denominator in MEASURES
    }
