"""Turn a round's answers into the report's tables (../shared/domain/tempcheck.md, the analysis).

- n is the number of respondents who answered the question (or grid item); the others are "no response".
- Percentages are of n, whole numbers, half rounded up; they are never forced to add up to 100.
- Multi-choice questions are percentages of respondents, which can add up to more than 100.
- Counting is two GROUP BY queries over all the round's answers, whatever the number of questions.
"""

from typing import Any

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When

from .models import AggregateCount, Answer, Question, Respondent, Round


def percent(count: int, n: int) -> int | None:
    """count/n as a whole percentage, half rounded up (12.5 -> 13), in integer arithmetic."""
    if not n:
        return None
    return (200 * count + n) // (2 * n)


def _counts(round_: Round) -> tuple[dict, dict]:
    """{(qid, item, category): count} and {(qid, item): n} for a round (respondents or published)."""
    if round_.aggregate_only:
        counts, bases = {}, {}
        for row in AggregateCount.objects.filter(round=round_).values(
            "question__qid", "item", "category", "count", "base"
        ):
            counts[(row["question__qid"], row["item"], row["category"])] = row["count"]
            bases[(row["question__qid"], row["item"])] = row["base"]
        return counts, bases
    answers = Answer.objects.filter(respondent__round=round_)
    counts = {
        (r["question__qid"], r["item"], r["answer"]): r["c"]
        for r in answers.values("question__qid", "item", "answer").annotate(
            c=Count("respondent", distinct=True)
        )
    }
    bases = {
        (r["question__qid"], r["item"]): r["n"]
        for r in answers.values("question__qid", "item").annotate(n=Count("respondent", distinct=True))
    }
    return counts, bases


def _table(question: Question, item: str, counts: dict, bases: dict) -> dict[str, Any]:
    n = bases.get((question.qid, item), 0)
    rows = []
    for category in question.categories:
        count = counts.get((question.qid, item, category), 0)
        rows.append({"category": category, "count": count, "percent": percent(count, n)})
    return {"item": item or None, "n": n, "rows": rows}


def improvement_score(entry: dict[str, Any]) -> int | None:
    """(% of the first two categories) minus (% of the next two): very and fairly involved against
    not very and not at all involved, with the rounded percentages as published."""
    rows = entry["rows"]
    if len(rows) < 4 or not entry["n"]:
        return None
    p = [r["percent"] or 0 for r in rows[:4]]
    return p[0] + p[1] - p[2] - p[3]


def moderation(round_: Round) -> list[dict[str, Any]]:
    """For each rating that moderates another: how many ratings changed and how many moved lower."""
    out = []
    for rating in round_.instrument.questions.exclude(moderates=""):
        own = round_.instrument.questions.filter(qid=rating.moderates).first()
        if own is None or round_.aggregate_only:
            continue

        def answer_of(question: Question) -> Subquery:
            return Subquery(
                Answer.objects.filter(respondent=OuterRef("pk"), question=question).values("answer")[:1]
            )

        def rank(field: str, rating: Question = rating) -> Case:
            # Categories run from best (A) to worst (F): a later category is a lower rating.
            return Case(
                *[When(**{field: c}, then=Value(i)) for i, c in enumerate(rating.categories)],
                output_field=IntegerField(),
            )

        figures = (
            Respondent.objects.filter(round=round_)
            .annotate(own=answer_of(own), moderated=answer_of(rating))
            .filter(own__isnull=False, moderated__isnull=False)
            .annotate(own_rank=rank("own"), moderated_rank=rank("moderated"))
            .aggregate(
                both=Count("pk"),
                changed=Count("pk", filter=~Q(own=F("moderated"))),
                lower=Count("pk", filter=Q(moderated_rank__gt=F("own_rank"))),
            )
        )
        out.append(
            {
                "question": rating.qid,
                "moderates": own.qid,
                "rated_by_both": figures["both"],
                "moderated": figures["changed"],
                "lower": figures["lower"],
            }
        )
    return out


def analyse(round_: Round, compare: list[Round] | None = None) -> dict[str, Any]:
    """The report's figures for every closed question, with comparison columns and warnings."""
    compare = compare or []
    counts, bases = _counts(round_)
    others = {other.slug: _counts(other) for other in compare}
    # Councils not yet interviewed are not respondents: only those with at least one answer count.
    respondents = (
        round_.respondents.filter(answers__isnull=False).distinct().count()
        if not round_.aggregate_only
        else max(bases.values(), default=0)
    )
    questions: dict[str, list[dict[str, Any]]] = {}
    warnings: list[str] = []
    instrument_questions = list(round_.instrument.questions.all())
    for question in instrument_questions:
        if not question.is_closed:
            continue
        entries = []
        for item in question.items if question.type == "grid" else [""]:
            entry = _table(question, item, counts, bases)
            # A conditional question has its own base: those not asked are not "no response".
            entry["no_response"] = 0 if question.condition else max(respondents - entry["n"], 0)
            if question.condition:
                entry["asked_only"] = question.condition
            if question.type == "multi":
                entry["note"] = "Percentages of respondents; a respondent could choose several."
            entry["comparisons"] = {}
            for slug, (other_counts, other_bases) in others.items():
                other_round = next(q for q in compare if q.slug == slug)
                other_q = other_round.instrument.questions.filter(qid=question.qid).first()
                if other_q is None or not other_bases.get((question.qid, item)):
                    continue
                other_entry = _table(other_q, item, other_counts, other_bases)
                comparison = {"n": other_entry["n"], "rows": other_entry["rows"]}
                if question.type == "grid":
                    here, there = improvement_score(entry), improvement_score(other_entry)
                    comparison["improvement_score"] = there
                    entry["improvement_score"] = here
                    comparison["change"] = None if here is None or there is None else here - there
                entry["comparisons"][slug] = comparison
            if question.type == "grid" and "improvement_score" not in entry:
                entry["improvement_score"] = improvement_score(entry)
            entries.append(entry)
            if question.type != "multi" and sum(r["count"] for r in entry["rows"]) != entry["n"]:
                warnings.append(
                    f"{question.qid}{' / ' + item if item else ''}: the counts add up to "
                    f"{sum(r['count'] for r in entry['rows'])}, not the {entry['n']} who answered"
                )
            if (
                question.type == "grid"
                and entry["n"]
                and entry["n"] != respondents
                and not question.condition
            ):
                warnings.append(
                    f"{question.qid} / {item}: {entry['n']} answered this item, "
                    f"not all {respondents} respondents"
                )
        questions[question.qid] = entries
    known = {(q.qid, c) for q in instrument_questions for c in q.categories}
    outside = {
        k
        for k in counts
        if (k[0], k[2]) not in known and k[0] in {q.qid for q in instrument_questions if q.is_closed}
    }
    for qid, _item, category in sorted(outside):
        warnings.append(f"{qid}: the answer {category!r} is outside the question's categories")
    return {
        "round": round_.slug,
        "title": round_.title,
        "instrument": {"id": round_.instrument.slug, "version": round_.instrument.version},
        "round_respondents": respondents,
        "compared_with": [r.slug for r in compare],
        "questions": questions,
        "moderation": moderation(round_),
        "warnings": warnings,
    }


FRACTIONS = [
    (0, "none"),
    (10, "a tenth"),
    (20, "a fifth"),
    (25, "a quarter"),
    (33, "a third"),
    (40, "two fifths"),
    (50, "half"),
    (60, "three fifths"),
    (67, "two thirds"),
    (75, "three quarters"),
    (80, "four fifths"),
    (90, "nine in ten"),
    (100, "all"),
]


def in_words(pct: int | None) -> str:
    """A share in words, as reports say it ("about a fifth of responses")."""
    if pct is None:
        return ""
    value, words = min(FRACTIONS, key=lambda f: abs(f[0] - pct))
    if value in (0, 100) and pct not in (0, 100):
        return "almost all" if value == 100 else "very few"
    return words if value == pct else f"about {words}"
