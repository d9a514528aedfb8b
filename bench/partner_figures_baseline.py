"""A hand-written SQL baseline for the partner figures (msphub/measures/partners.py).

Three statements, written straight from docs/partner-figures.md as a database engineer would write
them, sharing no code with msphub/measures: the concerns received, the enquiries concluded and the
feedback asked in the period, each read once and grouped by agency (for a council: the agency that
raised the concern or made the enquiry; for one agency: the council), every figure a FILTERed count.
So `make bench` can time ``partners.council_partner_figures`` and ``partners.agency_figures``
against it, and tests/test_partner_figures_baseline.py can check the two agree.

The rules it encodes:

- A concern counts only when it is neither set aside nor flagged as abuse in another area
  (``set_aside = '' AND other_area = ''``); an enquiry and its feedback only when its concern does.
- Concerns: received in the period (midnight to midnight, London time), of the council (or raised
  by the agency, to any council). Grouped by the raising organisation (a council's own staff are its
  organisation too), or, with none, by who raised it (``raiser_kind``: the public, family, the
  adult, a professional without an account).
- Asked the three questions: ``msp_asked`` and an answer to each of ``wants_to_happen``,
  ``how_to_happen`` and ``outcomes_wanted``; asked what they want: ``msp_asked``. Consent recorded:
  ``consent = 'given'``, or ``'not_given'`` with ``consent_not_given_reason``, or ``'not_sought'``
  with ``consent_not_sought_reason``. Became an enquiry: the concern has an enquiry (any kind); a
  section 42 enquiry: of kind ``s42``. Spoken to within 24 hours: the earliest first contact not
  entered in error at most FIRST_CONTACT_HOURS after the concern was received, out of the concerns
  with a first contact or received at least that long before now.
- Enquiries: concluded (``status = 'closed'``, ``closed_at`` in the period), any kind, grouped by
  the organisation making them (none: the council's own) or by council. Their MSP measures as
  bench/measures_baseline.py counts them (overall achievement from the active outcomes; took part
  from the enquiry's involvements).
- Feedback: asked (``asked_on``) in the period, grouped by its enquiry's making organisation or
  council.

PostgreSQL is the target; the statements run on SQLite too, datetimes compared as the UTC text
Django writes. JIT is off on PostgreSQL for these small grouped reports (``SET LOCAL jit = off``).

    from bench.partner_figures_baseline import baseline_council, baseline_agency
    figures = baseline_council(period, council_id)
    figures = baseline_agency(period, organisation_id)

return ``comparable(...)``'s shape: {"raising": {key: {"count": n, figure id: [numerator,
denominator], ...}}, "making": {...}}, keyed ``organisation-<id>``, ``public-<raiser kind>``,
``council-own`` (a council's) or ``council-<id>`` (an agency's).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from msphub.core.periods import Period
    from msphub.measures.partners import PartnerFigures

ASKED = (
    "('Yes they were asked and outcomes were expressed',"
    " 'Yes they were asked but no outcomes were expressed')"
)
EXPRESSED = "'Yes they were asked and outcomes were expressed'"
POSITIVE = "('Definitely', 'To some extent')"
ANSWERED = "('Definitely', 'To some extent', 'Not at all')"
TOOK_PART = "('home', 'elsewhere', 'phone_video', 'representative', 'advocate')"
ACHIEVEMENT = """CASE
        WHEN count(*) FILTER (WHERE o.achievement <> 'Fully Achieved') = 0 THEN 'Fully Achieved'
        WHEN count(*) FILTER (WHERE o.achievement <> 'Not Achieved') = 0 THEN 'Not Achieved'
        ELSE 'Partially Achieved' END"""

# (figure id, numerator column, denominator column).
RAISING = [
    ("asked_three_questions", "asked_three", "concerns"),
    ("asked_what_they_want", "asked_what", "concerns"),
    ("consent_recorded", "consent_recorded", "concerns"),
    ("became_enquiry", "became_enquiry", "concerns"),
    ("conversion_rate", "became_s42", "concerns"),
    ("first_contact_24h", "contact_in_time", "contact_due"),
]
MAKING = [
    ("asked_about_outcomes", "asked", "concluded"),
    ("outcomes_expressed", "expressed", "asked"),
    ("fully_achieved", "fully", "expressed"),
    ("partially_achieved", "partially", "expressed"),
    ("not_achieved", "not_achieved", "expressed"),
    ("involved", "took_part", "concluded"),
    ("lacking_capacity_supported", "lacked_supported", "lacked"),
    ("felt_listened_to", "listened_yes", "listened_answered"),
    ("felt_involved", "involved_yes", "involved_answered"),
    ("feel_safer", "safer_yes", "safer_answered"),
    ("happy_with_outcome", "happy_yes", "happy_answered"),
    ("risk_reduced_or_removed", "risk_reduced", "risk_action"),
]

# {agency_r}: the group key of a concern ``r``; {scope_r}: its council or agency; {enquiry_kind} and
# {enquiry_join}: the kind of the concern's enquiry (NULL without one), joined or probed.
RAISING_SQL = """
SELECT {agency_r} AS agency,
       count(*) AS concerns,
       count(*) FILTER (WHERE r.msp_asked AND r.wants_to_happen <> '' AND r.how_to_happen <> ''
                              AND r.outcomes_wanted <> '') AS asked_three,
       count(*) FILTER (WHERE r.msp_asked) AS asked_what,
       count(*) FILTER (WHERE r.consent = 'given'
                           OR (r.consent = 'not_given' AND r.consent_not_given_reason <> '')
                           OR (r.consent = 'not_sought' AND r.consent_not_sought_reason <> ''))
           AS consent_recorded,
       count(*) FILTER (WHERE r.enquiry_kind IS NOT NULL) AS became_enquiry,
       count(*) FILTER (WHERE r.enquiry_kind = 's42') AS became_s42,
       count(*) FILTER (WHERE fc.first_at IS NOT NULL OR r.received_at <= %(due_by)s) AS contact_due,
       count(*) FILTER (WHERE fc.first_at <= {plus_window}) AS contact_in_time
FROM (
    SELECT r.*, {enquiry_kind} AS enquiry_kind
    FROM concerns_concern r
    {enquiry_join}
    WHERE r.set_aside = '' AND r.other_area = ''
      AND r.received_at >= %(start)s AND r.received_at < %(end)s {scope_r}
) r
LEFT JOIN (
    SELECT f.concern_id, min(f.contact_at) AS first_at
    FROM concerns_firstcontact f
    JOIN concerns_concern fr ON fr.id = f.concern_id
    WHERE f.entered_in_error_at IS NULL {scope_fr}
    GROUP BY f.concern_id
) fc ON fc.concern_id = r.id
GROUP BY 1
"""

CONCLUDED_SQL = f"""
SELECT {{agency_e}} AS agency,
       count(*) AS concluded,
       count(*) FILTER (WHERE e.msp_asked IN {ASKED}) AS asked,
       count(*) FILTER (WHERE e.msp_asked = {EXPRESSED}) AS expressed,
       count(*) FILTER (WHERE oa.achievement = 'Fully Achieved') AS fully,
       count(*) FILTER (WHERE oa.achievement = 'Partially Achieved') AS partially,
       count(*) FILTER (WHERE oa.achievement = 'Not Achieved') AS not_achieved,
       count(*) FILTER (WHERE tp.enquiry_id IS NOT NULL) AS took_part,
       count(*) FILTER (WHERE e.mental_capacity = 'Yes, they lacked capacity') AS lacked,
       count(*) FILTER (WHERE e.mental_capacity = 'Yes, they lacked capacity'
                              AND e.capacity_supported) AS lacked_supported,
       count(*) FILTER (WHERE e.risk_assessment_outcome = 'Risk identified and action taken')
           AS risk_action,
       count(*) FILTER (WHERE e.risk_outcome IN ('Risk reduced', 'Risk removed')) AS risk_reduced
FROM enquiries_enquiry e
JOIN concerns_concern c ON c.id = e.concern_id
LEFT JOIN (
    SELECT o.enquiry_id, {ACHIEVEMENT} AS achievement
    FROM enquiries_desiredoutcome o
    JOIN enquiries_enquiry oe ON oe.id = o.enquiry_id
    WHERE o.withdrawn_on IS NULL {{scope_oe}}
    GROUP BY o.enquiry_id
) oa ON oa.enquiry_id = e.id
LEFT JOIN (
    SELECT DISTINCT i.enquiry_id
    FROM enquiries_involvement i
    JOIN enquiries_enquiry ie ON ie.id = i.enquiry_id
    WHERE i.participation IN {TOOK_PART} {{scope_ie}}
) tp ON tp.enquiry_id = e.id
WHERE e.status = 'closed' AND e.closed_at >= %(start)s AND e.closed_at < %(end)s
  AND c.set_aside = '' AND c.other_area = '' {{scope_e}}
GROUP BY 1
"""  # noqa: S608 (constants of this module, no input)

FEEDBACK_SQL = f"""
SELECT {{agency_e}} AS agency,
       count(*) FILTER (WHERE f.listened_to IN {POSITIVE}) AS listened_yes,
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
  AND c.set_aside = '' AND c.other_area = '' {{scope_e}}
GROUP BY 1
"""  # noqa: S608 (constants of this module, no input)

SCOPES = {
    # A council's figures, by agency.
    "council": {
        "agency_r": """CASE WHEN r.raiser_organisation_id IS NULL THEN 'public-' || r.raiser_kind
                       ELSE 'organisation-' || r.raiser_organisation_id END""",
        "agency_e": """CASE WHEN e.making_organisation_id IS NULL THEN 'council-own'
                       ELSE 'organisation-' || e.making_organisation_id END""",
        "scope_r": "AND r.council_id = %(scope)s",
        # The council's enquiries hashed once.
        "enquiry_kind": "e.kind",
        "enquiry_join": "LEFT JOIN enquiries_enquiry e ON e.concern_id = r.id AND e.council_id = %(scope)s",
        "scope_fr": "AND fr.council_id = %(scope)s",
        "scope_e": "AND e.council_id = %(scope)s",
        "scope_oe": "AND oe.council_id = %(scope)s",
        "scope_ie": "AND ie.council_id = %(scope)s",
    },
    # One agency's figures, by council.
    "agency": {
        "agency_r": "'council-' || r.council_id",
        "agency_e": "'council-' || e.council_id",
        "scope_r": "AND r.raiser_organisation_id = %(scope)s",
        # The agency's concerns, in any council: each one's enquiry probed through its concern index.
        "enquiry_kind": "(SELECT e.kind FROM enquiries_enquiry e WHERE e.concern_id = r.id)",
        "enquiry_join": "",
        "scope_fr": "AND fr.raiser_organisation_id = %(scope)s",
        "scope_e": "AND e.making_organisation_id = %(scope)s",
        "scope_oe": "AND oe.making_organisation_id = %(scope)s",
        "scope_ie": "AND ie.making_organisation_id = %(scope)s",
    },
}

DIALECTS = {
    "postgresql": {"plus_window": "r.received_at + make_interval(secs => %(window_seconds)s)"},
    # Django keeps datetimes in SQLite as UTC text: shift the whole seconds and keep the fraction.
    "sqlite": {
        "plus_window": (
            "(strftime('%%Y-%%m-%%d %%H:%%M:%%S', r.received_at, '+' || %(window_seconds)s || ' seconds')"
            " || substr(r.received_at, 20))"
        )
    },
}


def statements(vendor: str, scope: str) -> tuple[str, str, str]:
    """The raising, concluded and feedback statements for a database and a scope."""
    if vendor not in DIALECTS:
        raise ValueError(f"No partner figures baseline SQL for {vendor}")
    fragments = {**SCOPES[scope], **DIALECTS[vendor]}
    return (
        RAISING_SQL.format(**fragments),
        CONCLUDED_SQL.format(**fragments),
        FEEDBACK_SQL.format(**fragments),
    )


def parameters(
    vendor: str, period: Period, scope_id: int, now: datetime, window: timedelta
) -> dict[str, Any]:
    moments = {
        "start": period.start_at.astimezone(UTC),
        "end": period.end_before.astimezone(UTC),
        "due_by": now.astimezone(UTC) - window,
    }
    params: dict[str, Any] = {
        "scope": scope_id,
        "first_day": period.start,
        "last_day": period.end,
        "window_seconds": int(window.total_seconds()),
    }
    if vendor == "sqlite":
        moments = {k: v.replace(tzinfo=None).isoformat(sep=" ") for k, v in moments.items()}  # type: ignore[misc]
        params.update(first_day=period.start.isoformat(), last_day=period.end.isoformat())
    return {**params, **moments}


def _grouped(cursor: Any, sql: str, params: dict[str, Any]) -> dict[str, dict[str, int]]:
    cursor.execute(sql, params)
    columns = [c[0] for c in cursor.description]
    return {
        row[0]: {column: int(value or 0) for column, value in zip(columns[1:], row[1:], strict=True)}
        for row in cursor.fetchall()
    }


def run_sql(
    cursor: Any, vendor: str, scope: str, period: Period, scope_id: int, now: datetime, window: timedelta
) -> dict[str, dict[str, dict[str, Any]]]:
    raising_sql, concluded_sql, feedback_sql = statements(vendor, scope)
    params = parameters(vendor, period, scope_id, now, window)
    raised = _grouped(cursor, raising_sql, params)
    concluded = _grouped(cursor, concluded_sql, params)
    feedback = _grouped(cursor, feedback_sql, params)
    raising = {
        key: {"count": row["concerns"], **{f: [row[n], row[d]] for f, n, d in RAISING}}
        for key, row in raised.items()
    }
    making = {}
    for key in set(concluded) | set(feedback):
        row = {"concluded": 0, **concluded.get(key, {}), **feedback.get(key, {})}
        making[key] = {"count": row["concluded"], **{f: [row.get(n, 0), row.get(d, 0)] for f, n, d in MAKING}}
    return {"raising": raising, "making": making}


def _baseline(scope: str, period: Period, scope_id: int, using: str, now: datetime | None) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connections, transaction

    window = timedelta(hours=settings.MSPHUB["FIRST_CONTACT_HOURS"])
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off")
        return run_sql(cursor, connection.vendor, scope, period, scope_id, now or datetime.now(UTC), window)


def baseline_council(
    period: Period, council_id: int, using: str = "default", now: datetime | None = None
) -> dict[str, Any]:
    """A council's partner figures by agency, from the hand-written SQL."""
    return _baseline("council", period, council_id, using, now)


def baseline_agency(
    period: Period, organisation_id: int, using: str = "default", now: datetime | None = None
) -> dict[str, Any]:
    """One agency's figures by council, from the hand-written SQL."""
    return _baseline("agency", period, organisation_id, using, now)


def comparable(figures: PartnerFigures | list[PartnerFigures]) -> dict[str, Any]:
    """msphub's partner figures in the baseline's shape: a council's (one ``PartnerFigures``) keyed
    by agency, an agency's (a list, one for each council) keyed by council."""
    out: dict[str, dict[str, Any]] = {"raising": {}, "making": {}}
    by_council = isinstance(figures, list)
    for each in figures if isinstance(figures, list) else [figures]:
        for section in ("raising", "making"):
            for row in getattr(each, section):
                if by_council:
                    assert each.council is not None
                    key = f"council-{each.council.pk}"
                else:
                    key = row.key.replace("council-staff-", "organisation-")
                out[section][key] = {
                    "count": row.count,
                    **{f["id"]: [f["numerator"], f["denominator"]] for f in row.figures},
                }
    return out


def differences(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """Each figure on which the two disagree, as "section key figure: ours != theirs"."""
    found = []
    for section in ("raising", "making"):
        for key in sorted(set(ours[section]) | set(theirs[section])):
            mine, other = ours[section].get(key), theirs[section].get(key)
            if mine != other:
                found.append(f"{section} {key}: {mine} != {other}")
    return found
