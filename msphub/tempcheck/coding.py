"""Coding open answers: codebooks, each coder's own coding, the double-coded sample, agreement,
reconciliation and chosen quotes (docs/tempcheck-coding.md). Every change is one transaction here;
the views only read.

(Skeleton: the interface the analysis and the report use; helper C completes it.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count

from .analysis import in_words, percent
from .models import Answer, Codebook, Coding, Question, Round, Theme


def codebook_for(round_: Round, question: Question) -> Codebook:
    """The codebook a round's open question uses: shared by every round of the same region."""
    codebook, _ = Codebook.objects.get_or_create(region=round_.region, qid=question.qid)
    return codebook


@transaction.atomic
def add_theme(round_: Round, question: Question, label: str, definition: str = "") -> Theme:
    """A theme in the codebook of an open question (the one there already, if it has that label)."""
    theme, _ = Theme.objects.get_or_create(
        codebook=codebook_for(round_, question), label=label, defaults={"definition": definition}
    )
    return theme


def final_codings(answers: Iterable[Answer] | Any) -> Any:
    """The codings the report counts for ``answers`` (a queryset of answers)."""
    return Coding.objects.filter(answer__in=answers, final=True)


def open_answers(rounds: list[Round], respondents: Any = None) -> dict[str, dict[str, Any]]:
    """For each open question asked in ``rounds`` (of ``respondents`` if given, a queryset): the
    number of responses, and each theme's frequency (number, percent, words) and chosen quotes:
    {qid: {"responses": n, "themes": [{"theme", "definition", "count", "percent", "in_words",
    "quotes": [{"text", "council"}]}]}}. A council is named beside a quote only where it agreed."""
    answers = Answer.objects.filter(respondent__round__in=rounds, question__type="open")
    if respondents is not None:
        answers = answers.filter(respondent__in=respondents)
    totals = {r["question__qid"]: r["n"] for r in answers.values("question__qid").annotate(n=Count("pk"))}
    out: dict[str, dict[str, Any]] = {qid: {"responses": n, "themes": []} for qid, n in totals.items()}
    counted = (
        final_codings(answers)
        .values("theme__codebook__qid", "theme__label", "theme__definition", "theme_id")
        .annotate(n=Count("answer", distinct=True))
        .order_by("theme__codebook__qid", "-n", "theme__label")
    )
    for row in counted:
        qid = row["theme__codebook__qid"]
        entry = out.setdefault(qid, {"responses": totals.get(qid, 0), "themes": []})
        pct = percent(row["n"], entry["responses"])
        quotes = [
            {"text": q.excerpt, "council": q.answer.respondent.council if q.answer.may_name_council else None}
            for q in Theme.objects.get(pk=row["theme_id"])
            .quotes.filter(answer__in=answers)
            .select_related("answer__respondent")
        ]
        entry["themes"].append(
            {
                "theme": row["theme__label"],
                "definition": row["theme__definition"],
                "count": row["n"],
                "percent": pct,
                "in_words": in_words(pct),
                "quotes": quotes,
            }
        )
    return out
