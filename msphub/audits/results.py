"""What case file audits found: moderation agreement, and results by question, team and month.

Every figure is counted in the database (GROUP BY with conditional counts), so a round or a year
of audits costs a fixed number of queries however many audits it holds. Results count completed
first audits only: a moderation is a check on an audit, not another audit of the record (its
agreement with the first is ``agreement``). Nothing here carries personal data: the figures are
counts, and the only words shown are the tool's questions (never an auditor's comments).
Definitions are in docs/audits.md.
"""

from collections import defaultdict
from datetime import date
from typing import Any

from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone

from msphub.core.periods import Period
from msphub.measures.measures import MEASURES_BY_ID, percent

from .models import Audit, AuditAnswer, AuditQuestion, AuditRound, LearningAction

COMPLETED = Audit.Status.COMPLETED
# An answer meets the standard when its grade is at or above its tool's meets_standard grade.
MEETS = Q(grade__gte=F("question__tool__meets_standard_grade"))
GRADED = Q(grade__isnull=False)


def _scale_answers() -> models.QuerySet:
    """Answers given on a scale (not free text): a value chosen, the question having a scale."""
    return AuditAnswer.objects.exclude(value="").exclude(question__scale=[])


# --- Moderation agreement -----------------------------------------------------------------------


def kappa(table: dict[tuple[str, str], int]) -> float | None:
    """Cohen's kappa for two raters from their table of pairs ``{(first's value, second's value): n}``.

        kappa = (p_o - p_e) / (1 - p_e)

    where N is the number of pairs, p_o = (pairs with the same value) / N is the observed agreement,
    and p_e = sum over values v of (first's count of v / N) * (second's count of v / N) is the
    agreement expected by chance from each rater's own spread of values. None when it is undefined:
    no pairs, or p_e = 1 (both gave one and the same value throughout, so chance explains it all).
    """
    n = sum(table.values())
    if not n:
        return None
    first: dict[str, int] = defaultdict(int)
    second: dict[str, int] = defaultdict(int)
    same = 0
    for (a, b), count in table.items():
        first[a] += count
        second[b] += count
        if a == b:
            same += count
    p_o = same / n
    p_e = sum(first[v] * second.get(v, 0) for v in first) / (n * n)
    if p_e == 1:
        return None
    return (p_o - p_e) / (1 - p_e)


def agreement(audit_round: AuditRound) -> dict[str, Any]:
    """How far moderations agree with the audits they moderate, in a round.

    A pair is a completed moderation and the completed audit it moderates. Items compared: the
    scale questions both answered (a value on the question's scale, "not applicable" included: a
    grade against "not applicable" is a disagreement). Percent agreement = items with the identical
    value / items compared, over all pairs and for each pair; Cohen's kappa (``kappa``) over the
    pooled items of every pair.

    Returns ``{"pairs", "compared", "agreed", "percent", "kappa", "by_pair": [{"position",
    "reference", "audit", "moderation", "compared", "agreed", "percent"}]}`` (``audit`` and
    ``moderation`` are UUIDs; by_pair in position order).
    """
    pairs = list(
        Audit.objects.filter(
            audit_round=audit_round, status=COMPLETED, moderates__isnull=False, moderates__status=COMPLETED
        )
        .order_by("moderates__position")
        .values(
            "pk",
            "uuid",
            "moderates_id",
            "moderates__uuid",
            "moderates__position",
            "moderates__enquiry__reference",
            "moderates__concern__reference",
        )
    )
    first_value = _scale_answers().filter(
        audit_id=OuterRef("audit__moderates_id"), question_id=OuterRef("question_id")
    )
    compared = (
        _scale_answers()
        .filter(audit_id__in=[p["pk"] for p in pairs])
        .annotate(first_value=Subquery(first_value.values("value")[:1]))
        .filter(first_value__isnull=False)
    )
    per_pair = {
        row["audit_id"]: row
        for row in compared.values("audit_id").annotate(
            compared=Count("pk"), agreed=Count("pk", filter=Q(value=F("first_value")))
        )
    }
    table = {
        (row["first_value"], row["value"]): row["n"]
        for row in compared.values("first_value", "value").annotate(n=Count("pk")).order_by()
    }
    by_pair = []
    for p in pairs:
        counts = per_pair.get(p["pk"], {"compared": 0, "agreed": 0})
        by_pair.append(
            {
                "position": p["moderates__position"],
                "reference": p["moderates__enquiry__reference"] or p["moderates__concern__reference"],
                "audit": p["moderates__uuid"],
                "moderation": p["uuid"],
                "compared": counts["compared"],
                "agreed": counts["agreed"],
                "percent": percent(counts["agreed"], counts["compared"]),
            }
        )
    total = sum(row["compared"] for row in per_pair.values())
    agreed = sum(row["agreed"] for row in per_pair.values())
    value = kappa(table)
    return {
        "pairs": len(pairs),
        "compared": total,
        "agreed": agreed,
        "percent": percent(agreed, total),
        "kappa": None if value is None else round(value, 3),
        "by_pair": by_pair,
    }


# --- Results ------------------------------------------------------------------------------------


def _results(audits: models.QuerySet) -> dict[str, Any]:
    """The results of ``audits`` (completed first audits): by question, team and month, and their
    learning actions. A fixed number of queries."""
    answers = AuditAnswer.objects.filter(audit__in=audits).exclude(question__scale=[])
    by_question_rows = {
        row["question_id"]: row
        for row in answers.values("question_id").annotate(
            graded=Count("pk", filter=GRADED),
            meets=Count("pk", filter=MEETS),
            answered=Count("pk", filter=~Q(value="")),
        )
    }
    value_counts: dict[int, dict[str, int]] = defaultdict(dict)
    for counted in (
        answers.exclude(value="").values("question_id", "value").annotate(n=Count("pk")).order_by()
    ):
        value_counts[counted["question_id"]][counted["value"]] = counted["n"]
    tool_ids = audits.values("audit_round__tool_id")
    questions = (
        AuditQuestion.objects.filter(tool_id__in=tool_ids)
        .exclude(scale=[])
        .select_related("tool")
        .order_by("tool__slug", "-tool__version", "order")
    )
    by_tool: dict[int, dict[str, Any]] = {}
    for q in questions:
        tool = by_tool.setdefault(
            q.tool_id,
            {
                "title": q.tool.title,
                "version": q.tool.version,
                "meets_standard": _grade_label(q.tool.meets_standard_grade, q.scale),
                "questions": [],
            },
        )
        figures: dict[str, Any] = dict(by_question_rows.get(q.pk, {"graded": 0, "meets": 0, "answered": 0}))
        counts = value_counts.get(q.pk, {})
        tool["questions"].append(
            {
                "key": q.key,
                "section": q.section,
                "text": q.text,
                "measure": q.measure,
                "values": [
                    {
                        "value": o["value"],
                        "label": o["label"],
                        "grade": o["grade"],
                        "n": counts.get(o["value"], 0),
                    }
                    for o in q.scale
                ],
                "answered": figures["answered"],
                "graded": figures["graded"],
                "meets": figures["meets"],
                "percent": percent(figures["meets"], figures["graded"]),
            }
        )
    meets_answer = Q(answers__grade__gte=F("audit_round__tool__meets_standard_grade"))
    graded_answer = Q(answers__grade__isnull=False)
    per_audit = {
        "audits": Count("pk", distinct=True),
        "graded": Count("answers", filter=graded_answer),
        "meets": Count("answers", filter=meets_answer),
    }
    by_team = [
        {**row, "team": row["team__name"] or "No team", "percent": percent(row["meets"], row["graded"])}
        for row in audits.values("team_id", "team__name")
        .annotate(**per_audit)
        .order_by("team__name", "team_id")
    ]
    by_month = [
        {
            "month": timezone.localtime(row["month"]).date()
            if timezone.is_aware(row["month"])
            else row["month"],
            "audits": row["audits"],
            "graded": row["graded"],
            "meets": row["meets"],
            "percent": percent(row["meets"], row["graded"]),
        }
        for row in audits.annotate(month=TruncMonth("completed_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(**per_audit)
        .order_by("month")
    ]
    today = timezone.localdate()
    is_open = Q(status=LearningAction.Status.OPEN)
    # Actions set from these audits or from their moderations.
    actions = LearningAction.objects.filter(Q(audit__in=audits) | Q(audit__moderates__in=audits)).aggregate(
        open=Count("pk", filter=is_open & Q(due_on__gte=today)),
        overdue=Count("pk", filter=is_open & Q(due_on__lt=today)),
        done=Count("pk", filter=Q(status=LearningAction.Status.DONE)),
    )
    totals = audits.aggregate(**per_audit)
    return {
        "audits": totals["audits"],
        "graded": totals["graded"],
        "meets": totals["meets"],
        "percent": percent(totals["meets"], totals["graded"]),
        "tools": list(by_tool.values()),
        "by_team": by_team,
        "by_month": by_month,
        "learning_actions": actions,
    }


def _grade_label(grade: int | None, scale: list[dict]) -> str:
    """The label of the answer whose grade is the standard ("Good"), for the tables' captions."""
    return next((o["label"] for o in scale if o["grade"] == grade), "")


def first_audits_completed() -> models.QuerySet:
    return Audit.objects.filter(status=COMPLETED, moderates__isnull=True)


def _council_audits(
    council: Any, start: date, end: date, team_id: int | None = None, partner_id: int | None = None
) -> models.QuerySet:
    """The council's completed first audits in the period, narrowed as the dashboard is: to the team
    the record had when sampled (``Audit.team``), or to the partner that made the audited enquiry."""
    audits = first_audits_completed().filter(
        audit_round__council=council, **Period(start, end).lookup("completed_at")
    )
    if team_id is not None:
        audits = audits.filter(team_id=team_id)
    if partner_id is not None:
        audits = audits.filter(enquiry__making_organisation_id=partner_id)
    return audits


def round_results(audit_round: AuditRound) -> dict[str, Any]:
    """A round's results (``_results``), over its completed first audits."""
    return _results(first_audits_completed().filter(audit_round=audit_round))


def council_results(
    council: Any, start: date, end: date, team_id: int | None = None, partner_id: int | None = None
) -> dict[str, Any]:
    """A council's results over the first audits of any of its rounds completed from ``start`` to
    ``end`` (London days, inclusive), with ``start`` and ``end`` for the captions; only a team's or
    a partner's audits when ``team_id`` or ``partner_id`` is given (``_council_audits``)."""
    audits = _council_audits(council, start, end, team_id, partner_id)
    return {**_results(audits), "start": start, "end": end}


def beside_measures(
    council: Any, start: date, end: date, team_id: int | None = None, partner_id: int | None = None
) -> dict[str, dict[str, Any]]:
    """For each MSP measure a tool question sheds light on, what the council's audits completed in
    the period found: ``{measure_id: {"question", "key", "graded", "meets", "percent"}}``; filtered
    by team or partner as ``council_results``.

    The question's text is that of the newest tool loaded (``loaded_at``) asking it; answers on
    every tool linked to the measure are pooled (the loader links a measure to one question of a
    tool at most)."""
    audits = _council_audits(council, start, end, team_id, partner_id)
    rows = (
        AuditAnswer.objects.filter(audit__in=audits)
        .exclude(question__measure="")
        .exclude(question__scale=[])
        .values("question__measure")
        .annotate(graded=Count("pk", filter=GRADED), meets=Count("pk", filter=MEETS))
        .order_by()
    )
    counts = {row["question__measure"]: row for row in rows}
    texts: dict[str, tuple[str, str]] = {}
    for measure, key, text in (
        AuditQuestion.objects.filter(measure__in=list(counts))
        .order_by("-tool__loaded_at", "-tool__version", "-tool_id", "order")
        .values_list("measure", "key", "text")
    ):
        texts.setdefault(measure, (key, text))
    return {
        measure: {
            "question": texts[measure][1],
            "key": texts[measure][0],
            "graded": row["graded"],
            "meets": row["meets"],
            "percent": percent(row["meets"], row["graded"]),
        }
        for measure, row in counts.items()
        if measure in MEASURES_BY_ID and measure in texts
    }
