"""Turn a round's answers into the report's tables (../shared/domain/tempcheck.md, the analysis; the
rules and their sources are in docs/tempcheck.md).

- A report is of a scope: one round, or several merged (each council once, from the first round
  listed that has it), optionally cut to one region (the respondents of that region).
- n is the number of respondents who answered the question (or grid item); the others are "no response".
- Percentages are of n, whole numbers, half rounded up; they are never forced to add up to 100.
- Multi-choice questions are percentages of respondents, which can add up to more than 100.
- Counting is a fixed number of GROUP BY queries over the scope's answers, whatever the number of
  questions: the query count depends on the figures declared (cross-tabs, road map, evidence) and the
  rounds compared with, never on the number of questions, items or councils.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Lower

from .instruments import CROSSTAB_TYPES, step_number
from .models import AggregateCount, Answer, DataQualityNote, Question, Respondent, Round

__all__ = [
    "Chosen",
    "MIN_BASE",
    "Scope",
    "ScopeError",
    "analyse",
    "asked_only",
    "chosen_from",
    "improvement_score",
    "in_words",
    "not_shown",
    "mean_percent",
    "moderation",
    "names_shown",
    "percent",
    "respondents",
    "rounds_in_full",
]


def asked_only(condition: str) -> str:
    """A question's condition as the words after "Ask only" or "Asked only": the instruments word it
    either way ("asked where changes ... are not yet complete", "where ..."), so a leading "asked" or
    "ask" and a closing full stop are left off, and it is not said twice ("Asked only asked where").
    Here (not in forms.py, which imports this module) so that the report and the form word it alike."""
    words = condition.strip().rstrip(".").strip()
    for lead in ("asked only ", "ask only ", "asked ", "ask ", "only "):
        if words.lower().startswith(lead):
            words = words[len(lead) :].lstrip()
    return words


def half_up(value: Fraction) -> int:
    """A non-negative exact value as a whole number, half rounded up (12.5 -> 13): the one rounding
    rule of every percentage the temperature check prints."""
    return (value + Fraction(1, 2)).__floor__()


def percent(count: int, n: int) -> int | None:
    """count/n as a whole percentage, half rounded up (12.5 -> 13), in exact arithmetic."""
    if not n:
        return None
    return half_up(Fraction(100 * count, n))


def mean_percent(shares: Iterable[Fraction]) -> int | None:
    """The mean of exact shares (count/n each) as a whole percentage, half rounded up: the average
    over a group of grid items, rounded once (never the mean of already rounded percentages)."""
    shares = list(shares)
    if not shares:
        return None
    return half_up(sum(shares, Fraction(0)) / len(shares) * 100)


# --- Scopes -----------------------------------------------------------------------------------------


class ScopeError(ValueError):
    """Rounds that cannot make one report: the message says why, in words for the lead."""


@dataclass(frozen=True)
class Scope:
    """The rounds a report is of, merged (each council once, from the first round listed that has
    it), optionally cut to one region (the respondents whose region it is)."""

    rounds: tuple[Round, ...]
    region: str | None = None

    def __post_init__(self) -> None:
        rounds: list[Round] = []
        for round_ in self.rounds:
            if all(r.pk != round_.pk for r in rounds):
                rounds.append(round_)
        object.__setattr__(self, "rounds", tuple(rounds))
        object.__setattr__(self, "region", (self.region or "").strip() or None)
        if not rounds:
            raise ScopeError("A report needs at least one round")
        baselines = [r for r in rounds if r.aggregate_only]
        if baselines and (len(rounds) > 1 or self.region):
            raise ScopeError(
                f"{baselines[0].title} is published counts only (a baseline): it can be compared "
                "with, but not merged with other rounds or cut to a region"
            )
        first = rounds[0].instrument
        for other in rounds[1:]:
            if other.instrument.slug != first.slug:
                raise ScopeError(
                    f"{other.title} asks the questions of {other.instrument.title}, not those of "
                    f"{first.title}: only rounds of the same instrument can be merged"
                )

    @classmethod
    def of(cls, value: Scope | Round) -> Scope:
        return value if isinstance(value, Scope) else cls((value,))

    @property
    def first(self) -> Round:
        return self.rounds[0]

    @property
    def aggregate_only(self) -> bool:
        return self.first.aggregate_only

    @property
    def key(self) -> str:
        """How comparisons are keyed: a round's slug (as before), slugs joined by "+" for merged
        rounds, "@region" after them for a cut."""
        key = "+".join(r.slug for r in self.rounds)
        return f"{key}@{self.region}" if self.region else key

    @property
    def title(self) -> str:
        """In words: "London 2016 and London 2016 (later councils)", "National 2016: London"."""
        titles = [r.title for r in self.rounds]
        title = titles[0] if len(titles) == 1 else f"{', '.join(titles[:-1])} and {titles[-1]}"
        return f"{title}: {self.region}" if self.region else title


def _answered() -> Exists:
    return Exists(Answer.objects.filter(respondent=OuterRef("pk")))


def _in_region(region: str | None, prefix: str = "") -> Q:
    return Q(**{f"{prefix}region__iexact": region}) if region else Q()


def respondents(scope: Scope | Round) -> QuerySet[Respondent]:
    """The scope's respondents, as its tables count them: those with at least one answer (a council
    not yet interviewed is not a respondent), of the region when cut, each council once (a council
    in two merged rounds is counted from the first round listed that has it, matched by name
    without regard to case). Empty for a baseline (published counts have no respondents)."""
    scope = Scope.of(scope)
    if scope.aggregate_only:
        return Respondent.objects.none()
    answered = Respondent.objects.filter(_answered(), _in_region(scope.region))
    kept = Q(round=scope.first)
    for i, round_ in enumerate(scope.rounds[1:], start=1):
        earlier = answered.filter(round__in=scope.rounds[:i]).annotate(name=Lower("council"))
        kept |= Q(Q(round=round_), ~Exists(earlier.filter(name=Lower(OuterRef("council")))))
    return answered.filter(kept)


def _duplicates(scope: Scope, kept: QuerySet[Respondent]) -> list[str]:
    """A warning for each council of a merged scope counted once although in several rounds."""
    if len(scope.rounds) < 2:
        return []
    titles = {r.pk: r.title for r in scope.rounds}
    first_of = {
        row["name"]: row["round_id"]
        for row in kept.annotate(name=Lower("council")).values("name", "round_id")
    }
    left_out = (
        Respondent.objects.filter(_answered(), _in_region(scope.region), round__in=scope.rounds)
        .exclude(pk__in=kept.values("pk"))
        .annotate(name=Lower("council"))
        .values_list("council", "name", "round_id")
        .order_by("council", "round_id")
    )
    return [
        f"{council} answered in both {titles[first_of[name]]} and {titles[round_id]}: counted once, "
        f"from {titles[first_of[name]]}"
        for council, name, round_id in left_out
        if name in first_of
    ]


# --- Figures chosen on the report page -----------------------------------------------------------

# At most this many figures of each kind, and values of each, are read from a page's query.
MAX_CHOSEN = 20


@dataclass
class Chosen:
    """Grouped figures chosen on the report page (``chosen_from``), added to those the instrument
    declares: {qid: [{"label", "categories"}]}, {qid: [{"label", "items"}]}, [{"rows", "columns",
    "title"}]; ``messages`` says what was left out and why."""

    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    item_groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    crosstabs: list[dict[str, str]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def query(self) -> list[tuple[str, str]]:
        """The query parameters that choose these figures again (for links to the downloads)."""
        pairs = [(f"group.{qid}", c) for qid, gs in self.groups.items() for g in gs for c in g["categories"]]
        pairs += [(f"items.{qid}", i) for qid, gs in self.item_groups.items() for g in gs for i in g["items"]]
        for tab in self.crosstabs[:1]:
            pairs += [("crosstab_rows", tab["rows"]), ("crosstab_columns", tab["columns"])]
        return pairs

    def __bool__(self) -> bool:
        return bool(self.groups or self.item_groups or self.crosstabs)


def _or_list(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _and_list(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _clean(value: str) -> str:
    return value.replace("\x00", "").strip()


def chosen_from(query: Mapping[str, Any], instrument: Any) -> Chosen:
    """The grouped figures a report page's query chooses, checked against ``instrument``:

    - ``group.<question id>`` (repeated): categories of that question to combine into one figure;
    - ``items.<question id>`` (repeated): items of that grid to average;
    - ``crosstab_rows`` and ``crosstab_columns``: two questions to count against each other.

    Anything unknown (a question, category or item the instrument does not have, too few chosen)
    is left out with a message; nothing here raises."""
    chosen = Chosen()
    questions = {q.qid: q for q in instrument.questions.all()}
    getlist = getattr(query, "getlist", None)

    def values(key: str) -> list[str]:
        raw = getlist(key) if getlist else query.get(key)
        raw = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
        return [_clean(v) for v in raw[:MAX_CHOSEN] if isinstance(v, str) and _clean(v)]

    keys = [k for k in query if isinstance(k, str) and k.startswith(("group.", "items."))]
    for key in keys[: 2 * MAX_CHOSEN]:
        kind, _, qid = key.partition(".")
        question = questions.get(_clean(qid))
        what = "Combined answers" if kind == "group" else "An average over items"
        if question is None or not question.is_closed:
            verb = "were" if kind == "group" else "was"
            chosen.messages.append(f"{what} {verb} asked for a question this report does not have: left out.")
            continue
        asked = list(dict.fromkeys(values(key)))
        allowed = question.categories if kind == "group" else question.items
        if kind == "items" and question.type != "grid":
            chosen.messages.append(f"“{question.text}” has no items to average: left out.")
            continue
        unknown = [v for v in asked if v not in allowed]
        if unknown:
            noun = "category" if kind == "group" else "item"
            chosen.messages.append(
                f"“{question.text}” has no {noun} “{unknown[0][:80]}”: "
                f"{'it was' if len(unknown) == 1 else 'those were'} left out."
            )
        picked = [v for v in allowed if v in asked]  # in the question's order
        if len(picked) < 2:
            noun = "categories" if kind == "group" else "items"
            chosen.messages.append(f"{what} for “{question.text}”: choose at least two {noun}.")
            continue
        if kind == "group":
            label = _or_list(picked)
            chosen.groups.setdefault(question.qid, []).append({"label": label, "categories": picked})
        else:
            label = f"Average of {len(picked)} items: {', '.join(picked)}"
            chosen.item_groups.setdefault(question.qid, []).append({"label": label, "items": picked})
    rows, columns = values("crosstab_rows")[:1], values("crosstab_columns")[:1]
    if rows or columns:
        if not (rows and columns):
            chosen.messages.append(
                "A cross-tab needs two questions, one for its rows and one for its columns."
            )
        else:
            r, c = questions.get(rows[0]), questions.get(columns[0])
            if r is None or c is None:
                chosen.messages.append(
                    "A cross-tab was asked for a question this report does not have: left out."
                )
            elif r.qid == c.qid:
                chosen.messages.append("A cross-tab needs two different questions.")
            elif bad := [q for q in (r, c) if q.type not in CROSSTAB_TYPES]:
                chosen.messages.append(
                    f"“{bad[0].text}” cannot be cross-tabulated: choose a question each council answers "
                    "once (or, for multiple choice, with several categories), not a grid or open question."
                )
            else:
                chosen.crosstabs.append({"rows": r.qid, "columns": c.qid, "title": f"{r.text} by {c.text}"})
    return chosen


# --- Counting ----------------------------------------------------------------------------------------


@dataclass
class _Figures:
    """A scope's counts: {(qid, item, category): count}, {(qid, item): n}, its respondents, which
    counts were published (a baseline), named councils and multi-choice group counts."""

    scope: Scope
    questions: dict[str, Question]
    counts: dict[tuple[str, str, str], int]
    bases: dict[tuple[str, str], int]
    respondents: int
    names: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    multi_groups: dict[tuple[str, tuple[str, ...]], int] = field(default_factory=dict)

    @property
    def published(self) -> bool:
        return self.scope.aggregate_only

    def has(self, qid: str, item: str, category: str) -> bool:
        """Whether the category was counted at all (a baseline publishes only some)."""
        question = self.questions.get(qid)
        if question is None or category not in question.categories:
            return False
        return not self.published or (qid, item, category) in self.counts


def _declared_groups(question: Question, chosen: Chosen | None) -> list[dict[str, Any]]:
    declared = [{**g, "chosen": False} for g in (question.extra or {}).get("groups", [])]
    extra = chosen.groups.get(question.qid, []) if chosen else []
    have = [set(g["categories"]) for g in declared]
    return declared + [{**g, "chosen": True} for g in extra if set(g["categories"]) not in have]


def _figures(
    scope: Scope,
    questions: dict[str, Question],
    *,
    named: bool,
    groups: Mapping[str, list[dict[str, Any]]],
    kept: QuerySet[Respondent] | None = None,
    respondent_count: int | None = None,
) -> _Figures:
    """The counts of a scope; ``groups``: the report's combined categories by question id (those of
    the report's own instrument and page, also for a compared scope)."""
    if scope.aggregate_only:
        counts, bases = {}, {}
        for row in AggregateCount.objects.filter(round=scope.first).values(
            "question__qid", "item", "category", "count", "base"
        ):
            counts[(row["question__qid"], row["item"], row["category"])] = row["count"]
            bases[(row["question__qid"], row["item"])] = row["base"]
        return _Figures(scope, questions, counts, bases, max(bases.values(), default=0))
    kept = respondents(scope) if kept is None else kept
    answers = Answer.objects.filter(respondent__in=kept.values("pk"))
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
    figures = _Figures(
        scope,
        questions,
        counts,
        bases,
        kept.count() if respondent_count is None else respondent_count,
    )
    if named:
        closed = answers.filter(respondent__may_name=True, question__type__in=Question.CLOSED)
        for qid, item, answer, council in (
            closed.values_list("question__qid", "item", "answer", "respondent__council")
            .distinct()
            .order_by("respondent__council")
        ):
            figures.names.setdefault((qid, item, answer), []).append(council)
    # A respondent can tick several categories of a multi question, so a group of them is counted
    # as respondents (not by adding the categories' counts): one query for every such group.
    multi = {
        f"g{n}": (qid, g["label"], g["categories"])
        for n, (qid, g) in enumerate(
            (qid, g)
            for qid, gs in groups.items()
            if qid in questions and questions[qid].type == "multi"
            for g in gs
        )
    }
    if multi:
        totals = answers.aggregate(
            **{
                key: Count("respondent", distinct=True, filter=Q(question__qid=qid, answer__in=cats))
                for key, (qid, _label, cats) in multi.items()
            }
        )
        figures.multi_groups = {(qid, tuple(cats)): totals[key] for key, (qid, _label, cats) in multi.items()}
    return figures


def _row(figures: _Figures, qid: str, item: str, category: str, n: int) -> dict[str, Any]:
    count = figures.counts.get((qid, item, category), 0)
    return {
        "category": category,
        "count": count,
        "percent": percent(count, n),
        "councils": sorted(set(figures.names.get((qid, item, category), []))),
    }


def _group(figures: _Figures, question: Question, item: str, group: dict[str, Any], n: int) -> dict[str, Any]:
    """A combined category: respondents who gave any of its categories (None where a round did not
    count one of them, or, for a baseline's multiple-choice question, cannot say who ticked several)."""
    count: int | None
    if not all(figures.has(question.qid, item, c) for c in group["categories"]):
        count = None
    elif question.type == "multi":
        key = (question.qid, tuple(group["categories"]))
        count = None if figures.published else figures.multi_groups.get(key)
    else:
        # One answer a respondent (and item), so the categories' counts add up.
        count = sum(figures.counts.get((question.qid, item, c), 0) for c in group["categories"])
    names = {c for cat in group["categories"] for c in figures.names.get((question.qid, item, cat), [])}
    return {
        "label": group["label"],
        "categories": list(group["categories"]),
        "count": count,
        "percent": None if count is None else percent(count, n),
        "councils": sorted(names),
        "chosen": group.get("chosen", False),
    }


def improvement_score(entry: dict[str, Any]) -> int | None:
    """((first two categories) minus (next two)) / n x 100 from the counts, rounded once (half up,
    as every percentage): very and fairly involved against not very and not at all involved. Adding
    four rounded percentages instead could be out by 2 (3 + 5 of 8 gave 38 + 63 = +101, an
    impossible score): from counts it always lies between -100 and +100."""
    rows, n = entry["rows"], entry["n"]
    if len(rows) < 4 or not n:
        return None
    counts = [r["count"] for r in rows[:4]]
    if any(c is None for c in counts) or any(r["percent"] is None for r in rows[:4]):
        return None  # a category the round did not count (or a comparison shown only from a base)
    difference = Fraction(100 * (counts[0] + counts[1] - counts[2] - counts[3]), n)
    return half_up(difference) if difference >= 0 else -half_up(-difference)


def _where(question: Question, item: str = "") -> str:
    return f"“{question.text}”" + (f" ({item})" if item else "")


def _caveat(
    question: Question, entry: dict[str, Any], other: dict[str, Any], title: str, published: bool
) -> str | None:
    """Why a comparison needs care, in words: the base changed (a different n or no-response, a
    conditional base, a baseline's published base), a category the other round did not have, or a
    change in an improvement score that comes mostly from answers the score leaves out."""
    reasons = []
    if entry["n"] != other["n"]:
        # Said once: a baseline's title may already say it ("MSP evaluation 2014/15 (published counts)").
        source = " (published counts)" if published and "published" not in title.lower() else ""
        reasons.append(f"The base differs: {entry['n']} answered here, {other['n']} in {title}{source}.")
    if question.condition:
        reasons.append(f"Each round's base is only those asked: {asked_only(question.condition)}.")
    elif entry["no_response"] != other["no_response"] and not published:
        reasons.append(
            f"{entry['no_response'] or 'None'} did not answer here, "
            f"{other['no_response'] or 'none'} in {title}."
        )
    missing = [r["category"] for r in other["rows"] if r["percent"] is None]
    if missing:
        names = ", ".join(f"“{m}”" for m in missing)
        reasons.append(f"{names} {'was' if len(missing) == 1 else 'were'} not counted in {title}.")
    if question.type == "grid" and entry.get("improvement_score") is not None:
        for here, there in list(zip(entry["rows"], other["rows"], strict=True))[4:]:
            if here["percent"] is not None and there["percent"] is not None:
                if abs(here["percent"] - there["percent"]) >= 10:
                    moved = "fell" if here["percent"] < there["percent"] else "rose"
                    reasons.append(
                        f"“{here['category']}” {moved} from {there['percent']}% to {here['percent']}%: "
                        "much of the change in the improvement score comes from answers it leaves out."
                    )
    return " ".join(reasons) or None


def _comparison(
    question: Question,
    item: str,
    entry: dict[str, Any],
    other: _Figures,
    groups: list[dict[str, Any]],
    restricted: bool = False,
) -> dict[str, Any] | None:
    other_q = other.questions.get(question.qid)
    n = other.bases.get((question.qid, item), 0)
    if other_q is None or not n:
        return None
    if restricted and n < MIN_BASE:
        # Councils the user may not see in full (another region's): below MIN_BASE answers a count
        # could tell one council's answer, so nothing but the note is shown.
        return {
            "title": other.scope.title,
            "n": None,
            "no_response": None,
            "rows": [
                {"category": r["category"], "count": None, "percent": None, "change": None}
                for r in entry["rows"]
            ],
            "groups": [{"label": g["label"], "count": None, "percent": None, "change": None} for g in groups],
            **({"improvement_score": None, "change": None} if question.type == "grid" else {}),
            "suppressed": True,
            "caveat": not_shown(other.scope.title),
        }
    rows = []
    for here in entry["rows"]:
        category = here["category"]
        counted = other.has(question.qid, item, category)
        count = other.counts.get((question.qid, item, category), 0) if counted else None
        pct = percent(count, n) if count is not None else None
        change = None if here["percent"] is None or pct is None else here["percent"] - pct
        rows.append({"category": category, "count": count, "percent": pct, "change": change})
    comparison: dict[str, Any] = {
        "title": other.scope.title,
        "n": n,
        "no_response": 0 if question.condition else max(other.respondents - n, 0),
        "rows": rows,
    }
    comparison["groups"] = []
    for group, here_group in zip(groups, entry["groups"], strict=True):
        there = _group(other, other_q, item, group, n)
        change = (
            None
            if here_group["percent"] is None or there["percent"] is None
            else here_group["percent"] - there["percent"]
        )
        comparison["groups"].append(
            {"label": group["label"], "count": there["count"], "percent": there["percent"], "change": change}
        )
    if question.type == "grid":
        here_score, there_score = improvement_score(entry), improvement_score(comparison)
        comparison["improvement_score"] = there_score
        comparison["change"] = None if here_score is None or there_score is None else here_score - there_score
    comparison["caveat"] = _caveat(question, entry, comparison, other.scope.title, other.published)
    return comparison


# --- Grouped figures ---------------------------------------------------------------------------------


def _item_average(
    figures: _Figures, question: Question, items: list[str], groups: list[dict[str, Any]]
) -> dict[str, Any]:
    """The mean over the group's answered items (n > 0) of each category's share, rounded once."""
    answered = [i for i in items if figures.bases.get((question.qid, i))]

    def share(item: str, categories: list[str]) -> Fraction:
        count = sum(figures.counts.get((question.qid, item, c), 0) for c in categories)
        return Fraction(count, figures.bases[(question.qid, item)])

    def counted(categories: list[str]) -> bool:
        return all(figures.has(question.qid, i, c) for i in answered for c in categories)

    return {
        "bases": [{"item": i, "n": figures.bases.get((question.qid, i), 0)} for i in items],
        "averaged_over": answered,
        "rows": [
            {
                "category": c,
                "percent": mean_percent(share(i, [c]) for i in answered) if counted([c]) else None,
            }
            for c in question.categories
        ],
        "groups": [
            {
                "label": g["label"],
                "percent": mean_percent(share(i, g["categories"]) for i in answered)
                if counted(g["categories"]) and question.type != "multi"
                else None,
            }
            for g in groups
        ],
    }


def _item_groups(
    question: Question,
    main: _Figures,
    others: list[_Figures],
    chosen: Chosen | None,
    restricted: set[str] | frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    declared = [{**g, "chosen": False} for g in (question.extra or {}).get("item_groups", [])]
    have = [set(g["items"]) for g in declared]
    declared += [
        {**g, "chosen": True}
        for g in (chosen.item_groups.get(question.qid, []) if chosen else [])
        if set(g["items"]) not in have
    ]
    groups = _declared_groups(question, chosen)
    out = []
    for group in declared:
        here = _item_average(main, question, group["items"], groups)
        entry = {"label": group["label"], "items": list(group["items"]), "chosen": group["chosen"], **here}
        entry["comparisons"] = {}
        for other in others:
            if question.qid not in other.questions:
                continue
            # In this round's categories (the other round's question may have others: has() says
            # which it counted), so that the rows line up.
            there = _item_average(other, question, group["items"], groups)
            if not there["averaged_over"]:
                continue
            if other.scope.key in restricted and any(
                b["n"] < MIN_BASE for b in there["bases"] if b["item"] in there["averaged_over"]
            ):
                continue  # an item of fewer than MIN_BASE answers could tell one council's (_comparison)
            reasons = []
            if there["averaged_over"] != here["averaged_over"]:
                left = [i for i in here["averaged_over"] if i not in there["averaged_over"]]
                reasons.append(
                    f"{other.scope.title} averages {len(there['averaged_over'])} items"
                    + (f" ({', '.join(left)} not answered there)" if left else "")
                    + "."
                )
            here_n = {b["n"] for b in here["bases"] if b["n"]}
            there_n = {b["n"] for b in there["bases"] if b["n"]}
            if here_n != there_n:
                reasons.append(
                    f"The items' bases differ: {_span(here_n)} here, {_span(there_n)} in {other.scope.title}."
                )

            def change(a: int | None, b: int | None) -> int | None:
                return None if a is None or b is None else a - b

            entry["comparisons"][other.scope.key] = {
                "title": other.scope.title,
                "bases": there["bases"],
                "rows": [
                    {**t, "change": change(h["percent"], t["percent"])}
                    for h, t in zip(here["rows"], there["rows"], strict=True)
                ],
                "groups": [
                    {**t, "change": change(h["percent"], t["percent"])}
                    for h, t in zip(here["groups"], there["groups"], strict=True)
                ],
                "caveat": " ".join(reasons) or None,
            }
        out.append(entry)
    return out


def _span(values: set[int]) -> str:
    if not values:
        return "none"
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low} to {high}"


def _question_ids(questions: Iterable[Question], qid: str) -> list[int]:
    return [q.pk for q in questions if q.qid == qid]


def _crosstab(
    tab: dict[str, Any],
    by_qid: dict[str, Question],
    every_question: list[Question],
    kept: QuerySet[Respondent] | None,
    named: bool,
) -> dict[str, Any] | None:
    """Respondents answering both questions, counted by their two answers, with row percentages
    (of the respondents in the row who answered the column question) and the named councils per cell."""
    rows_q, columns_q = by_qid.get(tab["rows"]), by_qid.get(tab["columns"])
    if rows_q is None or columns_q is None:
        return None
    out: dict[str, Any] = {
        "title": tab["title"],
        "rows_question": rows_q.qid,
        "columns_question": columns_q.qid,
        "rows_text": rows_q.text,
        "columns_text": columns_q.text,
        "columns": list(columns_q.categories),
        "chosen": tab.get("chosen", False),
        "n": 0,
        "rows": [],
        "note": None,
    }
    if kept is None:
        out["note"] = "Published counts cannot be cross-tabulated: they do not say who gave which answer."
        return out
    # The aliases are not quoted in the SQL Django writes: xt_row and xt_column, never a reserved
    # word such as "column".
    both = (
        Respondent.objects.filter(pk__in=kept.values("pk"))
        .annotate(
            xt_row=FilteredRelation(
                "answers", condition=Q(answers__question__in=_question_ids(every_question, rows_q.qid))
            ),
            xt_column=FilteredRelation(
                "answers", condition=Q(answers__question__in=_question_ids(every_question, columns_q.qid))
            ),
        )
        .filter(xt_row__isnull=False, xt_column__isnull=False)
    )
    cells = {
        (r["xt_row__answer"], r["xt_column__answer"]): r["c"]
        for r in both.values("xt_row__answer", "xt_column__answer")
        .annotate(c=Count("pk", distinct=True))
        .order_by()
    }
    multi = "multi" in (rows_q.type, columns_q.type)
    if multi:
        # A council can be in several cells of a row (or column): its respondents are counted once.
        row_n = {
            r["xt_row__answer"]: r["n"]
            for r in both.values("xt_row__answer").annotate(n=Count("pk", distinct=True)).order_by()
        }
        out["n"] = both.aggregate(n=Count("pk", distinct=True))["n"]
    else:
        # One answer a council to each question: a row's councils are its cells' added up.
        row_n = defaultdict(int)
        for (row, _column), count in cells.items():
            row_n[row] += count
        out["n"] = sum(cells.values())
    names: dict[tuple[str, str], list[str]] = defaultdict(list)
    if named:
        for row, column, council in (
            both.filter(may_name=True)
            .values_list("xt_row__answer", "xt_column__answer", "council")
            .distinct()
            .order_by("council")
        ):
            names[(row, column)].append(council)
    for category in rows_q.categories:
        n = row_n.get(category, 0)
        out["rows"].append(
            {
                "category": category,
                "n": n,
                "cells": [
                    {
                        "category": column,
                        "count": cells.get((category, column), 0),
                        "percent": percent(cells.get((category, column), 0), n),
                        "councils": sorted(set(names.get((category, column), []))),
                    }
                    for column in columns_q.categories
                ],
            }
        )
    if multi:
        out["note"] = (
            "A council could choose several categories of a multiple-choice question, so it can be "
            "counted in more than one cell, and a row's percentages can add up to more than 100."
        )
    return out


def _roadmap(
    question: Question, every_question: list[Question], kept: QuerySet[Respondent], n: int, named: bool
) -> dict[str, Any]:
    """Each council's highest step (the highest-numbered step it ticked), and the cumulative share
    that reached at least each step: councils whose highest step is that step or a later one."""
    steps = {c: step_number(c) for c in question.categories}
    highest = Subquery(
        Answer.objects.filter(
            respondent=OuterRef("pk"), question__in=_question_ids(every_question, question.qid)
        )
        .annotate(
            step=Case(*[When(answer=c, then=Value(s)) for c, s in steps.items()], output_field=IntegerField())
        )
        .filter(step__isnull=False)
        .order_by("-step")
        .values("step")[:1]
    )
    reached = (
        Respondent.objects.filter(pk__in=kept.values("pk"))
        .annotate(highest=highest)
        .filter(highest__isnull=False)
    )
    by_step = {r["highest"]: r["c"] for r in reached.values("highest").annotate(c=Count("pk")).order_by()}
    names: dict[int, list[str]] = defaultdict(list)
    if named:
        for step, council in (
            reached.filter(may_name=True).values_list("highest", "council").order_by("council")
        ):
            names[step].append(council)
    ordered = sorted(question.categories, key=lambda c: steps[c] or 0)
    highest_rows, cumulative = [], []
    for category in ordered:
        step = steps[category] or 0
        count = by_step.get(step, 0)
        at_least = sum(c for s, c in by_step.items() if s >= step)
        highest_rows.append(
            {
                "category": category,
                "count": count,
                "percent": percent(count, n),
                "councils": names.get(step, []),
            }
        )
        cumulative.append({"category": category, "count": at_least, "percent": percent(at_least, n)})
    return {
        "question": question.qid,
        "n": n,
        "highest_step": highest_rows,
        "cumulative": cumulative,
        "note": (
            "Highest step: the highest-numbered step a council ticked. Reached at least a step: councils "
            "whose highest step is that step or a later one. Progress is not always in order, and some "
            "councils tick only their highest step, so the cumulative shares count the earlier steps as "
            "reached."
        ),
    }


# The fewest councils a figure is shown from where one council must not be told apart: a category's
# median of measured figures, and a comparison with councils the user may not see in full (benchmark
# files suppress counts under 5 for the same reason).
MIN_BASE = 5


def not_shown(title: str) -> str:
    """Why a compared scope's figure is left out (below MIN_BASE), in the report's words."""
    return f"Not shown: fewer than {MIN_BASE} councils answered in {title}."


def _median(values: list[float]) -> int | None:
    if len(values) < MIN_BASE:
        return None
    return percent_half_up(statistics.median(values))


def percent_half_up(value: float) -> int:
    """A measured percentage (a float, as benchmark files give it) as a whole number, half up."""
    return half_up(Fraction(str(value))) if value >= 0 else -percent_half_up(-value)


def _figure(figure: Mapping[str, Any] | None) -> dict[str, Any]:
    keys = ("percent", "numerator", "denominator", "year")
    return {key: None if figure is None else figure[key] for key in keys}


def _benchmark_scope(scope: Scope) -> Q:
    """The benchmark figures a scope's councils are looked up in: the cut's region, else each round's
    own (evidence.round_scope: its region's councils; every council for a national round), so a
    same-named council of another region is never picked up."""
    from . import evidence

    if scope.region:
        return Q(submission__region__iexact=scope.region)
    if any(not r.region for r in scope.rounds):
        return Q()  # a national round: every council (Q() | Q(...) would drop the empty Q)
    within = evidence.round_scope(scope.first)
    for round_ in scope.rounds[1:]:
        within |= evidence.round_scope(round_)
    return within


def _evidence(
    question: Question,
    scope: Scope,
    kept: QuerySet[Respondent],
    questions: list[Question],
    named: bool = True,
) -> dict[str, Any] | None:
    """The councils' measured figures beside their answers: per category the councils that agreed
    to be named and have a figure, and their median; and, where the report names councils
    (``named``: names_shown), each council that agreed with its own figure."""
    from . import evidence

    measure = evidence.declared(question)
    if measure is None:
        return None
    given = list(
        Answer.objects.filter(
            respondent__in=kept.values("pk"), question__in=_question_ids(questions, question.qid)
        )
        .values_list("respondent__council", "answer", "respondent__may_name")
        .order_by("respondent__council")
    )
    year = evidence.round_year(scope.first)
    within = _benchmark_scope(scope)
    figures = evidence.measured(
        [council for council, _a, _n in given], year, measure["measure"], within=within
    )
    # Measured percentages by answer, of the councils that agreed to be named only: a council's
    # published figure is public, so a median that took in a declining council's figure (the median
    # of an odd number is one council's figure) could tell which answer it gave.
    by_category: dict[str, list[float]] = defaultdict(list)
    for council, answer, may_name in given:
        figure = figures.get(council)
        if may_name and figure is not None and figure["percent"] is not None:
            by_category[answer].append(figure["percent"])
    return {
        "measure": measure["measure"],
        "label": measure["label"],
        "year": year,
        "by_category": [
            {
                "category": c,
                "councils": sum(1 for _council, a, _n in given if a == c),
                "councils_with_figures": len(by_category[c]),
                # Over the councils that agreed to be named (above), and only from MIN_BASE
                # of them, as a whole percentage.
                "median_percent": _median(by_category[c]),
            }
            for c in question.categories
        ],
        "named": [
            {"council": council, "answer": answer, **_figure(figures.get(council))}
            for council, answer, may_name in given
            if may_name and named
        ],
    }


# --- Moderation ---------------------------------------------------------------------------------------


def moderation(
    scope: Scope | Round, kept: QuerySet[Respondent] | None = None, questions: list[Question] | None = None
) -> list[dict[str, Any]]:
    """For each rating that moderates another: how many ratings changed and how many moved lower,
    among the scope's respondents rated both ways."""
    scope = Scope.of(scope)
    if scope.aggregate_only:
        return []
    kept = respondents(scope) if kept is None else kept
    questions = list(scope.first.instrument.questions.all()) if questions is None else questions
    by_qid = {q.qid: q for q in questions if q.instrument_id == scope.first.instrument_id}
    out = []
    for rating in by_qid.values():
        own = by_qid.get(rating.moderates) if rating.moderates else None
        if own is None:
            continue

        own_ids, rating_ids = _question_ids(questions, own.qid), _question_ids(questions, rating.qid)

        def rank(ids: list[int], rating: Question = rating) -> Max:
            # Categories run from best (A) to worst (F): a later category is a lower rating.
            return Max(
                Case(
                    *[
                        When(question__in=ids, answer=c, then=Value(i))
                        for i, c in enumerate(rating.categories)
                    ],
                    output_field=IntegerField(),
                )
            )

        # Each respondent's two ratings side by side (one grouped pass over their answers), then
        # counted: rated both ways, changed, moved lower.
        rated = Q(own__isnull=False, moderated__isnull=False)
        figures = (
            Answer.objects.filter(respondent__in=kept.values("pk"), question__in=own_ids + rating_ids)
            .values("respondent")
            .annotate(
                own=Max("answer", filter=Q(question__in=own_ids)),
                moderated=Max("answer", filter=Q(question__in=rating_ids)),
                own_rank=rank(own_ids),
                moderated_rank=rank(rating_ids),
            )
            .order_by()
            .aggregate(
                both=Count("respondent", filter=rated),
                changed=Count("respondent", filter=rated & ~Q(own=F("moderated"))),
                lower=Count("respondent", filter=rated & Q(moderated_rank__gt=F("own_rank"))),
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


# --- The report's figures -----------------------------------------------------------------------------

# Names are listed beside counts only where this many councils or more declined to be named (or none
# did): with one or two declining, a category's count minus the names listed in it would tell what
# the declining councils answered (docs/tempcheck.md, "Naming councils in tables").
MIN_DECLINED_FOR_NAMES = 3


def names_shown(councils: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Whether the report lists the names of the councils that agreed to be named, and why: only when
    every participating council agreed, or when at least MIN_DECLINED_FOR_NAMES declined; otherwise
    no name is listed anywhere in the report (tables, groups, cross-tabs, road map, evidence)."""
    agreed = sum(1 for c in councils if c["named"])
    declined = len(councils) - agreed
    shown = bool(agreed) and (declined == 0 or declined >= MIN_DECLINED_FOR_NAMES)
    note: str | None = None
    if agreed and not shown:
        note = (
            f"{agreed} of the {len(councils)} councils agreed to be named, but no council is named in "
            f"the tables: with only {declined} declining, a count less the names beside it would "
            f"tell what {'that council' if declined == 1 else 'those councils'} answered. Names are "
            f"listed only when every council agreed or at least {MIN_DECLINED_FOR_NAMES} declined."
        )
    return {"shown": shown, "agreed": agreed, "declined": declined, "note": note}


def rounds_in_full(scope: Scope) -> list[Round]:
    """The rounds a scope has every council of: all of them unless it is cut to a region, then only
    those of that region (a national round cut to London has only part of its councils, so its
    data-quality notes and interviewers, which may concern other regions' councils, are left out)."""
    if not scope.region:
        return list(scope.rounds)
    region = scope.region.casefold()
    return [r for r in scope.rounds if r.region.strip().casefold() == region]


def analyse(
    scope: Scope | Round,
    compare: Sequence[Scope | Round] | None = None,
    chosen: Chosen | None = None,
    restricted: Iterable[str] = (),
) -> dict[str, Any]:
    """The report's figures for every closed question of ``scope``, with comparison columns against
    each of ``compare`` (aggregates only: no council is named from a compared scope), the grouped
    figures the instrument declares and ``chosen`` adds, and warnings (docs/tempcheck.md)."""
    scope = Scope.of(scope)
    others: list[Scope] = []
    for value in compare or []:
        compared_scope = Scope.of(value)
        if compared_scope.key != scope.key and all(o.key != compared_scope.key for o in others):
            others.append(compared_scope)
    # Compared scopes the user may not see in full: figures only from MIN_BASE answers.
    restricted_keys = set(restricted)
    instrument_ids = {r.instrument_id for s in (scope, *others) for r in s.rounds}
    every_question = list(Question.objects.filter(instrument_id__in=instrument_ids).order_by("order"))
    by_instrument: dict[int, dict[str, Question]] = defaultdict(dict)
    for q in every_question:
        by_instrument[q.instrument_id][q.qid] = q
    instrument = scope.first.instrument
    questions = by_instrument[instrument.pk]
    scope_questions = [
        q for q in every_question if q.instrument_id in {r.instrument_id for r in scope.rounds}
    ]

    warnings: list[str] = []
    councils: list[dict[str, Any]] = []
    kept: QuerySet[Respondent] | None = None
    if not scope.aggregate_only:
        kept = respondents(scope)
        slugs = {r.pk: (r.slug, r.title) for r in scope.rounds}
        councils = [
            {
                "council": row["council"],
                "region": row["region"],
                "round": slugs[row["round_id"]][0],
                "round_title": slugs[row["round_id"]][1],
                "named": row["may_name"],
            }
            for row in kept.values("council", "region", "round_id", "may_name").order_by(
                "council", "round_id"
            )
        ]
        warnings += _duplicates(scope, kept)
        if scope.region and not councils:
            warnings.append(f"No council of {scope.region} has answered in {Scope(scope.rounds).title}")
    naming = names_shown(councils)
    named = naming["shown"]
    if not named:
        # The councils list says who is named in the tables: nobody, when names are withheld.
        councils = [{**c, "named": False} for c in councils]
    groups_by_qid = {q.qid: _declared_groups(q, chosen) for q in questions.values() if q.is_closed}
    main = _figures(
        scope,
        questions,
        named=named,
        groups=groups_by_qid,
        kept=kept,
        respondent_count=None if kept is None else len(councils),
    )
    # A compared scope is aggregates only (Action.COMPARE): its councils are never named.
    compared = [
        _figures(o, by_instrument[o.first.instrument_id], named=False, groups=groups_by_qid) for o in others
    ]
    respondents_n = main.respondents

    out_questions: dict[str, list[dict[str, Any]]] = {}
    item_groups: dict[str, list[dict[str, Any]]] = {}
    for question in questions.values():
        if not question.is_closed:
            n = main.bases.get((question.qid, ""), 0)
            # Open questions: flagged only where some answered (a file of closed answers only, as
            # the 2016 one is, would otherwise flag every open question).
            if n and n < respondents_n and not question.condition:
                warnings.append(
                    f"{_where(question)}: {n} of the {respondents_n} respondents answered; "
                    f"{respondents_n - n} did not (no response)"
                )
            continue
        groups = groups_by_qid[question.qid]
        entries = []
        for item in question.items if question.type == "grid" else [""]:
            n = main.bases.get((question.qid, item), 0)
            entry: dict[str, Any] = {
                "item": item or None,
                "n": n,
                "rows": [_row(main, question.qid, item, c, n) for c in question.categories],
            }
            # A conditional question has its own base: those not asked are not "no response".
            entry["no_response"] = 0 if question.condition else max(respondents_n - n, 0)
            if question.condition:
                entry["asked_only"] = question.condition
            if question.type == "multi":
                entry["note"] = "Percentages of respondents; a respondent could choose several."
            entry["groups"] = [_group(main, question, item, g, n) for g in groups]
            entry["comparisons"] = {}
            if question.type == "grid":
                entry["improvement_score"] = improvement_score(entry)
            for other in compared:
                comparison = _comparison(
                    question, item, entry, other, groups, other.scope.key in restricted_keys
                )
                if comparison is not None:
                    entry["comparisons"][other.scope.key] = comparison
            entries.append(entry)
            if question.type != "multi" and sum(r["count"] for r in entry["rows"]) != n:
                warnings.append(
                    f"{_where(question, item)}: the counts add up to "
                    f"{sum(r['count'] for r in entry['rows'])}, not the {n} who answered"
                )
            if not main.published and not question.condition and n < respondents_n:
                warnings.append(
                    f"{_where(question, item)}: {n} of the {respondents_n} respondents answered; "
                    f"{respondents_n - n} did not (no response)"
                )
        out_questions[question.qid] = entries
        if question.type == "grid":
            groups_here = _item_groups(question, main, compared, chosen, restricted_keys)
            if groups_here:
                item_groups[question.qid] = groups_here
    in_full = rounds_in_full(scope)
    left_out = [r for r in scope.rounds if r not in in_full]
    if scope.region and left_out:
        notes_left = DataQualityNote.objects.filter(round__in=left_out).count()
        if notes_left:
            warnings.append(
                f"{notes_left} data-quality note{'s' if notes_left != 1 else ''} of "
                f"{_and_list([r.title for r in left_out])} "
                f"{'are' if notes_left != 1 else 'is'} not shown: "
                f"{'they are' if notes_left != 1 else 'it is'} about all of the round's councils, "
                f"and this report has only those of {scope.region}"
            )
    closed = {q.qid: q for q in questions.values() if q.is_closed}
    for qid, item, category in sorted(main.counts):
        if qid in closed and category not in closed[qid].categories:
            warnings.append(
                f"{_where(closed[qid], item)}: the answer {category!r} is outside the question's categories"
            )

    crosstabs = [
        *[{**t, "chosen": False} for t in (instrument.extra or {}).get("crosstabs", [])],
        *[{**t, "chosen": True} for t in (chosen.crosstabs if chosen else [])],
    ]
    seen_tabs: set[tuple[str, str]] = set()
    tables = []
    for tab in crosstabs:
        if (tab["rows"], tab["columns"]) in seen_tabs:
            continue
        seen_tabs.add((tab["rows"], tab["columns"]))
        table = _crosstab(tab, questions, scope_questions, kept, named)
        if table is not None:
            tables.append(table)

    data: dict[str, Any] = {
        "round": scope.first.slug,
        "title": scope.title,
        "instrument": {"id": instrument.slug, "version": instrument.version, "title": instrument.title},
        "rounds": [{"slug": r.slug, "title": r.title} for r in scope.rounds],
        "region": scope.region,
        "round_respondents": respondents_n,
        "councils": councils,
        "compared_with": [o.key for o in others],
        "comparisons": [{"slug": o.key, "title": o.title, "region": o.region} for o in others],
        "questions": out_questions,
        "item_groups": item_groups,
        "crosstabs": tables,
        "moderation": moderation(scope, kept, scope_questions) if kept is not None else [],
        "naming": naming,
        "rounds_in_full": [r.slug for r in in_full],
        "data_quality_notes": [
            {
                "qid": note.qid or None,
                "question": questions[note.qid].text if note.qid in questions else None,
                "text": note.text,
            }
            for note in DataQualityNote.objects.filter(round__in=in_full).order_by("added_at", "pk")
        ],
        "warnings": warnings,
    }
    steps = next((q for q in questions.values() if (q.extra or {}).get("steps") and q.type == "multi"), None)
    if steps is not None and kept is not None:
        data["roadmap"] = _roadmap(steps, scope_questions, kept, main.bases.get((steps.qid, ""), 0), named)
    evidence: dict[str, Any] = {}
    if kept is not None:
        for question in questions.values():
            if (question.extra or {}).get("evidence"):
                found = _evidence(question, scope, kept, scope_questions, named)
                if found is not None:
                    evidence[question.qid] = found
    data["evidence"] = evidence
    if chosen is not None and chosen.messages:
        data["chosen_messages"] = list(chosen.messages)
    return data


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
