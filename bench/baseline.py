"""A hand-written SQL baseline for the Safeguarding Adults Collection return.

One statement computes every SAC table (SG1a-e, SG1f, SG2a, SG2b, SG2a_b1, SG2c, SG2e, SG3a, SG4a) for
one financial year, for every council or for one, written straight from the counting rules in
the national guidance as docs/sac.md records it, the way an analyst would write it against the
database: CTEs for the records each table counts, each person's age band once (on 31 March or at
death), SG1a-c from the distinct people of each row type and SG1d-e from their events, what each
concluded enquiry found for SG2, and one GROUP BY per table, glued together with UNION ALL. It shares
no code with msphub/measures/sac.py (only the label order used to sort the cells), so `make bench`
can time the ORM return against it and tests/test_bench_baseline.py can check the two agree cell for
cell.

PostgreSQL is the database this is written for; the same statement runs on SQLite with one small
dialect substitution (age in whole years on a date).

    from bench.baseline import baseline_return
    from msphub.core.periods import FinancialYear
    year = FinancialYear.parse("2024-25")
    tables = baseline_return(year)              # all councils
    tables = baseline_return(year, council_id)  # one council (Organisation pk)

returns {table id: [{"row", "column", "count"}, ...]} like build_return(...)["tables"] (zero cells
omitted, cells in template order). SG5a and SG5b (Safeguarding Adults Reviews) come from a second,
small statement (SG5_SQL) over the register of reviews, and are in the result only for a year in which
a review concluded, as in the return.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from msphub.core.periods import FinancialYear

LONDON = ZoneInfo("Europe/London")

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
# In the result only for a year in which a Safeguarding Adults Review concluded.
SG5_TABLE_IDS = ["SG5a", "SG5b"]

# The statement. {council_c}/{council_e} are the optional council filters; {age} (whole years from
# p.date_of_birth to the day SG1a takes the age on) and {last_day} are the dialect pieces below.
# Percent signs are doubled (DB-API "pyformat" parameters).
SAC_SQL = """
WITH
concerns_y AS (                 -- concerns received in the year (not set aside, not another area's)
    SELECT c.id, c.person_id, c.received_at
    FROM concerns_concern c
    WHERE c.received_at >= %(start)s AND c.received_at < %(end)s {council_c}
      AND c.set_aside = '' AND c.other_area = ''
),
started_y AS (                  -- enquiries (section 42 and other) started in the year
    SELECT e.id, e.kind, e.person_id, e.started_at, e.concern_id
    FROM enquiries_enquiry e
    JOIN concerns_concern ec ON ec.id = e.concern_id AND ec.set_aside = '' AND ec.other_area = ''
    WHERE e.started_at >= %(start)s AND e.started_at < %(end)s {council_e}
),
concluded AS (                  -- section 42 enquiries whose closure was signed off in the year
    SELECT e.id, c.id AS concern_id, c.location_of_risk, c.source_of_risk,
           e.risk_assessment_outcome, e.risk_outcome, e.msp_asked, e.mental_capacity,
           e.capacity_supported
    FROM enquiries_enquiry e
    JOIN concerns_concern c ON c.id = e.concern_id
    WHERE e.kind = 's42' AND e.status = 'closed' AND c.set_aside = '' AND c.other_area = ''
      AND e.closed_at >= %(start)s AND e.closed_at < %(end)s {council_e}
),
events AS (                     -- every SG1 event of the year of a person with a record
    SELECT 'Individuals Involved In Safeguarding Concerns' AS row_type, person_id
    FROM concerns_y
    WHERE person_id IS NOT NULL
    UNION ALL
    SELECT CASE kind WHEN 's42' THEN 'Individuals Involved In Section 42 Safeguarding Enquiries'
                     ELSE 'Individuals Involved In Other Safeguarding Enquiries' END,
           person_id
    FROM started_y
),
banded AS (                     -- each person's age band on 31 March, or at death if before it
    SELECT id,
           CASE
               WHEN date_of_birth IS NULL THEN 'Age unknown'
               WHEN age < 18 THEN 'Under 18'
               WHEN age >= 95 THEN '95+'
               WHEN age >= 85 THEN '85-94'
               WHEN age >= 75 THEN '75-84'
               WHEN age >= 65 THEN '65-74'
               ELSE '18-64'
           END AS age_band,
           gender, ethnicity, primary_support_reason, autism
    FROM (
        SELECT p.id, p.date_of_birth, p.gender, p.ethnicity, p.primary_support_reason, p.autism,
               {age} AS age
        FROM people_person p
        WHERE p.id IN (SELECT person_id FROM events)
    ) x
),
adult_events AS (               -- SG1d-e: once per event; under-18s left out
    SELECT ev.row_type, ev.person_id, b.age_band, b.gender, b.ethnicity,
           b.primary_support_reason, b.autism
    FROM events ev
    JOIN banded b ON b.id = ev.person_id
    WHERE b.age_band <> 'Under 18'
),
individuals AS (                -- SG1a-c: each person once per row type
    SELECT DISTINCT row_type, person_id, age_band, gender, ethnicity FROM adult_events
),
types AS (                      -- types of risk each concluded enquiry found (else its concern's)
    SELECT f.enquiry_id, f.risk_type
    FROM concluded k JOIN enquiries_enquiryrisktype f ON f.enquiry_id = k.id
    UNION ALL
    SELECT k.id, r.risk_type
    FROM concluded k JOIN concerns_concernrisktype r ON r.concern_id = k.concern_id
    WHERE NOT EXISTS (SELECT 1 FROM enquiries_enquiryrisktype f WHERE f.enquiry_id = k.id)
),
locations AS (                  -- locations of risk it found (else the concern's one)
    SELECT f.enquiry_id, f.location_of_risk
    FROM concluded k JOIN enquiries_enquirylocation f ON f.enquiry_id = k.id
    UNION ALL
    SELECT k.id, k.location_of_risk
    FROM concluded k
    WHERE NOT EXISTS (SELECT 1 FROM enquiries_enquirylocation f WHERE f.enquiry_id = k.id)
),
sources AS (                    -- sources of risk it found (else the concern's one)
    SELECT f.enquiry_id, f.source_of_risk
    FROM concluded k JOIN enquiries_enquirysource f ON f.enquiry_id = k.id
    UNION ALL
    SELECT k.id, k.source_of_risk
    FROM concluded k
    WHERE NOT EXISTS (SELECT 1 FROM enquiries_enquirysource f WHERE f.enquiry_id = k.id)
),
achievement AS (                -- overall achievement of each enquiry that expressed outcomes
    SELECT o.enquiry_id,
           CASE
               WHEN count(*) FILTER (WHERE o.achievement <> 'Fully Achieved') = 0 THEN 'Fully Achieved'
               WHEN count(*) FILTER (WHERE o.achievement <> 'Not Achieved') = 0 THEN 'Not Achieved'
               ELSE 'Partially Achieved'
           END AS achievement
    FROM concluded k
    JOIN enquiries_desiredoutcome o ON o.enquiry_id = k.id AND o.withdrawn_on IS NULL
    WHERE k.msp_asked = 'Yes they were asked and outcomes were expressed'
    GROUP BY o.enquiry_id
)
SELECT 'SG1a', row_type, age_band, count(*) FROM individuals GROUP BY row_type, age_band
UNION ALL
SELECT 'SG1b', row_type, gender, count(*) FROM individuals GROUP BY row_type, gender
UNION ALL
SELECT 'SG1c', row_type, ethnicity, count(*) FROM individuals GROUP BY row_type, ethnicity
UNION ALL
SELECT 'SG1d', row_type, primary_support_reason, count(*)
FROM adult_events GROUP BY row_type, primary_support_reason
UNION ALL
SELECT 'SG1e', row_type, autism, count(*)
FROM adult_events
WHERE autism IN ('{autism}', '{aspergers}')
GROUP BY row_type, autism
UNION ALL
SELECT 'SG1f', 'Total Number of Safeguarding Concerns', 'Total', count(*) FROM concerns_y
UNION ALL
SELECT 'SG1f',
       CASE kind WHEN 's42' THEN 'Total Number of Section 42 Safeguarding Enquiries'
                 ELSE 'Total Number of Other Safeguarding Enquiries' END,
       'Total', count(*)
FROM started_y GROUP BY kind
UNION ALL
SELECT 'SG2a', t.risk_type, s.source_of_risk, count(*)
FROM types t JOIN sources s ON s.enquiry_id = t.enquiry_id
GROUP BY t.risk_type, s.source_of_risk
UNION ALL
SELECT 'SG2b', l.location_of_risk, s.source_of_risk, count(*)
FROM locations l JOIN sources s ON s.enquiry_id = l.enquiry_id
GROUP BY l.location_of_risk, s.source_of_risk
UNION ALL
SELECT 'SG2a_b1', t.risk_type, l.location_of_risk, count(*)
FROM types t JOIN locations l ON l.enquiry_id = t.enquiry_id
GROUP BY t.risk_type, l.location_of_risk
UNION ALL
SELECT 'SG2c', risk_assessment_outcome, 'Total', count(*)
FROM concluded WHERE risk_assessment_outcome <> '' GROUP BY risk_assessment_outcome
UNION ALL
SELECT 'SG2e', risk_outcome, 'Total', count(*)
FROM concluded
WHERE risk_assessment_outcome = 'Risk identified and action taken' AND risk_outcome <> ''
GROUP BY risk_outcome
UNION ALL
SELECT 'SG3a', capacity, 'Total', count(*)
FROM (SELECT CASE WHEN mental_capacity = '' THEN 'Not recorded' ELSE mental_capacity END AS capacity
      FROM concluded) m
GROUP BY capacity
UNION ALL
SELECT 'SG3a', 'Yes, they lacked capacity', 'Supported by advocate, family or friend', count(*)
FROM concluded
WHERE mental_capacity = 'Yes, they lacked capacity' AND capacity_supported IS TRUE
UNION ALL
SELECT 'SG4a', asked, 'Total', count(*)
FROM (SELECT CASE WHEN msp_asked = '' THEN 'Not Recorded' ELSE msp_asked END AS asked FROM concluded) a
GROUP BY asked
UNION ALL
SELECT 'SG4a', achievement, 'Total', count(*) FROM achievement GROUP BY achievement
"""

# SG5: the reviews the Board decided to hold (mandatory or discretionary) that concluded in the year
# (docs/sac.md, SG5), each once in SG5a by whether any of its adults died; their adults in SG5b, each
# once, as died or (alive) suffered serious harm. {council_r} is the optional council filter.
SG5_SQL = """
WITH reviews AS (
    SELECT r.id,
           CASE WHEN EXISTS (SELECT 1 FROM sars_reviewadult a WHERE a.review_id = r.id AND a.died)
                THEN 'Where one or more individuals died' ELSE 'Where no individuals died' END AS died
    FROM sars_safeguardingadultsreview r
    WHERE r.decision IN ('mandatory', 'discretionary') AND r.status IN ('concluded', 'published')
      AND r.concluded_on >= %(first_day)s AND r.concluded_on <= %(last_day)s {council_r}
)
SELECT 'SG5a', 'Count of Safeguarding Adult Reviews', died, count(*) FROM reviews GROUP BY died
UNION ALL
SELECT 'SG5b', 'Count of Individuals Involved in Safeguarding Adult Reviews', outcome, count(*)
FROM (
    SELECT CASE WHEN a.died THEN 'Who suffered serious harm and died'
                ELSE 'Who suffered serious harm and survived' END AS outcome
    FROM sars_reviewadult a JOIN reviews r ON r.id = a.review_id
    WHERE a.died OR a.serious_harm
) x
GROUP BY outcome
"""

# SG1e's two columns, the values Person.autism stores for them (quotes doubled for SQL).
AUTISM = (
    "Learning, Developmental or Intellectual Disability "
    "(Autism excluding Asperger's Syndrome/ High Functioning Autism)"
)
ASPERGERS = (
    "Learning, Developmental or Intellectual Disability (Asperger's Syndrome/ High Functioning Autism)"
)

# The day SG1a takes the age on: the date of death if on or before the year's last day, else that day.
AGE_DAY = "CASE WHEN p.date_of_death <= {last_day} THEN p.date_of_death ELSE {last_day} END"

DIALECTS: dict[str, dict[str, str]] = {
    "postgresql": {
        "age": "extract(year FROM age({day}, p.date_of_birth))".format(
            day=AGE_DAY.format(last_day="%(last_day)s::date")
        ),
    },
    "sqlite": {
        # Dates are 'YYYY-MM-DD' text on SQLite.
        "age": (
            "CAST(strftime('%%Y', {day}) AS INTEGER) - CAST(strftime('%%Y', p.date_of_birth) AS INTEGER)"
            " - (strftime('%%m-%%d', {day}) < strftime('%%m-%%d', p.date_of_birth))"
        ).format(day=AGE_DAY.format(last_day="%(last_day)s")),
    },
}


def year_bounds(year: FinancialYear) -> tuple[datetime, datetime]:
    """2024-25 is from midnight on 1 April 2024 to midnight on 1 April 2025, London time."""
    return year.start_at.astimezone(LONDON), year.end_before.astimezone(LONDON)


def statement(vendor: str, council_id: int | None) -> str:
    council = "" if council_id is None else "AND {t}.council_id = %(council)s"
    return SAC_SQL.format(
        council_c=council.format(t="c"),
        council_e=council.format(t="e"),
        autism=AUTISM.replace("'", "''"),
        aspergers=ASPERGERS.replace("'", "''"),
        **DIALECTS[vendor],
    )


def parameters(vendor: str, year: FinancialYear, council_id: int | None) -> dict[str, Any]:
    start, end = year_bounds(year)
    if vendor == "sqlite":
        # Django keeps datetimes in SQLite as UTC text, 'YYYY-MM-DD HH:MM:SS[.ffffff]'.
        start, end = (d.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") for d in (start, end))
    last_day: Any = year.end if vendor != "sqlite" else year.end.isoformat()
    first_day: Any = year.start if vendor != "sqlite" else year.start.isoformat()
    params: dict[str, Any] = {"start": start, "end": end, "last_day": last_day, "first_day": first_day}
    if council_id is not None:
        params["council"] = council_id
    return params


def run_sql(
    cursor: Any, vendor: str, year: FinancialYear, council_id: int | None = None
) -> list[tuple[str, str, str, int]]:
    """Run the statement on a DB-API cursor: rows of (table id, row, column, count)."""
    if vendor not in DIALECTS:
        raise ValueError(f"No baseline SQL for {vendor}")
    params = parameters(vendor, year, council_id)
    cursor.execute(statement(vendor, council_id), params)
    rows = cursor.fetchall()
    council = "" if council_id is None else "AND r.council_id = %(council)s"
    cursor.execute(SG5_SQL.format(council_r=council), params)
    return [*rows, *cursor.fetchall()]


def baseline_return(
    year: FinancialYear, council_id: int | None = None, using: str = "default"
) -> dict[str, list[dict]]:
    """The SAC tables from the hand-written SQL, on a Django connection, shaped like build_return's."""
    from django.db import connections

    # The template's row and column order, for sorting only.
    from msphub.measures.sac import ORDERS, SG5_ORDERS

    connection = connections[using]
    with connection.cursor() as cursor:
        rows = run_sql(cursor, connection.vendor, year, council_id)
    tables: dict[str, list[dict]] = {table_id: [] for table_id in TABLE_IDS}
    if any(table_id == "SG5a" and n for table_id, _, _, n in rows):
        # A year in which a review concluded: SG5a has a count, and SG5b is there even if empty.
        tables.update({table_id: [] for table_id in SG5_TABLE_IDS})
    for table_id, row, column, n in rows:
        if n:
            tables[table_id].append({"row": row, "column": column, "count": int(n)})

    def position(order: list[str], label: str) -> tuple[int, str]:
        return (order.index(label), "") if label in order else (len(order), label)

    for table_id, cells in tables.items():
        rows_order, columns_order = ORDERS[table_id] if table_id in ORDERS else SG5_ORDERS[table_id]
        cells.sort(
            key=lambda c, r=rows_order, k=columns_order: (position(r, c["row"]), position(k, c["column"]))
        )
    return tables
