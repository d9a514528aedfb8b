"""Load an instrument from YAML (the format of ../shared/reference/tempcheck/instrument-2016.yaml).

Besides each question's wording and categories, an instrument declares the figures its report shows
(docs/tempcheck.md, "Declared figures"), checked here with a message for each problem:

- on a question: ``groups`` (combined categories, such as "Very or fairly involved"),
  ``item_groups`` (named groups of a grid's items to average, such as "NHS providers"), ``steps``
  (the road-map question: each category starts with its step number) and ``evidence`` (the benchmark
  measure a self-rating is shown beside);
- at the top: ``crosstabs`` (two questions counted against each other).

They are stored in ``Question.extra`` and ``Instrument.extra`` under the same names.
"""

import re
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from .models import Instrument, Question

SHIPPED = Path(__file__).resolve().parent / "instruments"

QUESTION_KEYS = {"id", "type", "text", "categories", "items", "condition", "moderates"}
EXTRA_KEYS = ("groups", "item_groups", "steps", "evidence")
TOP_KEYS = {"id", "title", "questions", "crosstabs"}
# A road-map category starts with its step number and a space: "1 Not yet started".
STEP = re.compile(r"^(\d{1,3}) \S")
# An instrument's id and its question ids: slug characters, at most the columns' 100 characters
# (question ids are in the coding pages' URLs, where a "/" would break them).
IDENTIFIER = re.compile(r"[A-Za-z0-9_-]{1,100}")
# Cross-tabulated questions have one answer (or, multi, several) a council, not one an item.
CROSSTAB_TYPES = {"single", "rating", "multi"}


class InstrumentError(ValueError):
    pass


def step_number(category: str) -> int | None:
    """The step number a road-map category starts with ("10 The same in ..." -> 10), or None."""
    match = STEP.match(category)
    return int(match.group(1)) if match else None


def evidence_measures() -> dict[str, str]:
    """The benchmark measures a self-rating can be shown beside: {id: label}, as benchmark files
    publish them (msphub/benchmarks/files.py MEASURE_INFO: the MSP measures and SAC headlines)."""
    from msphub.benchmarks.files import MEASURE_INFO

    return {measure_id: label for measure_id, (label, _base) in MEASURE_INFO.items()}


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _labelled_lists(
    where: str, key: str, value: Any, member: str, allowed: list[str], problems: list[str]
) -> None:
    """Check a list of {label, <member>: [...]} whose members are among ``allowed``."""
    if not isinstance(value, list) or not value:
        problems.append(f"{where}: {key} must be a list of {{label, {member}}}")
        return
    labels: set[str] = set()
    for n, group in enumerate(value, start=1):
        at = f"{where}: {key} {n}"
        if not isinstance(group, dict) or set(group) != {"label", member}:
            problems.append(f"{at}: needs exactly a label and its {member}")
            continue
        label, members = group["label"], group[member]
        if not isinstance(label, str) or not label.strip():
            problems.append(f"{at}: the label must be text")
        elif label in labels:
            problems.append(f"{at}: the label {label!r} is used twice")
        else:
            labels.add(label)
        if not _texts(members):
            problems.append(f"{at}: its {member} must be a list of text (quote Yes and No)")
            continue
        unknown = [m for m in members if m not in allowed]
        if unknown:
            problems.append(f"{at}: {', '.join(map(repr, unknown))} not among the question's {member}")
        if len(set(members)) != len(members):
            problems.append(f"{at}: a {member[:-1]} is listed twice")
        if len(set(members)) < 2:
            problems.append(f"{at}: a group needs at least two {member}")


def _check_extra(q: dict, where: str, problems: list[str]) -> None:
    kind = q.get("type")
    categories: list[str] = list(q["categories"]) if _texts(q.get("categories")) else []
    if "groups" in q:
        if kind not in Question.CLOSED:
            problems.append(f"{where}: only a question with categories can combine them (groups)")
        else:
            _labelled_lists(where, "groups", q["groups"], "categories", categories, problems)
    if "item_groups" in q:
        if kind != "grid":
            problems.append(f"{where}: only a grid question has items to group (item_groups)")
        else:
            items: list[str] = list(q["items"]) if _texts(q.get("items")) else []
            _labelled_lists(where, "item_groups", q["item_groups"], "items", items, problems)
    if "steps" in q:
        if q["steps"] is not True:
            problems.append(f"{where}: steps must be true (or left out)")
        elif kind != "multi":
            problems.append(f"{where}: road-map steps are a multi question (tick every step reached)")
        else:
            numbers = [step_number(c) for c in categories]
            if None in numbers:
                bad = [c for c, n in zip(categories, numbers, strict=True) if n is None]
                problems.append(
                    f"{where}: every step must start with its number and a space, like '1 Not yet "
                    f"started' (not {bad[0]!r})"
                )
            elif len(set(numbers)) != len(numbers):
                problems.append(f"{where}: two steps have the same number")
    if "evidence" in q:
        # A measure id, or {measure, label} where the report's words for it differ from the measure's.
        evidence = q["evidence"]
        evidence = {"measure": evidence} if isinstance(evidence, str) else evidence
        if kind not in {"single", "rating"}:
            problems.append(f"{where}: evidence goes beside a single-choice question or a rating")
        elif (
            not isinstance(evidence, dict)
            or "measure" not in evidence
            or set(evidence) - {"measure", "label"}
        ):
            problems.append(f"{where}: evidence needs a measure (its id) and, if you like, a label")
        elif "label" in evidence and (
            not isinstance(evidence["label"], str) or not evidence["label"].strip()
        ):
            problems.append(f"{where}: the evidence label must be text")
        elif not isinstance(evidence["measure"], str) or evidence["measure"] not in evidence_measures():
            problems.append(
                f"{where}: evidence names unknown benchmark measure {evidence['measure']!r} "
                f"(known: {', '.join(sorted(evidence_measures()))})"
            )


def _check_crosstabs(value: Any, questions: dict[str, dict], problems: list[str]) -> None:
    if not isinstance(value, list) or not value:
        problems.append("crosstabs must be a list of {rows, columns, title}")
        return
    seen: set[tuple[Any, Any]] = set()
    for n, tab in enumerate(value, start=1):
        where = f"cross-tab {n}"
        if not isinstance(tab, dict) or set(tab) != {"rows", "columns", "title"}:
            problems.append(f"{where}: needs exactly rows (a question id), columns (another) and a title")
            continue
        if not isinstance(tab["title"], str) or not tab["title"].strip():
            problems.append(f"{where}: the title must be text")
        for side in ("rows", "columns"):
            q = questions.get(tab[side]) if isinstance(tab[side], str) else None
            if q is None:
                problems.append(f"{where}: {side} names unknown question {tab[side]!r}")
            elif q.get("type") not in CROSSTAB_TYPES:
                problems.append(
                    f"{where}: {side} must be a single, multi or rating question, not {q.get('type')!r}"
                )
        if tab["rows"] == tab["columns"]:
            problems.append(f"{where}: rows and columns must be two different questions")
        key = (tab["rows"], tab["columns"])
        if all(isinstance(k, str) for k in key):
            if key in seen:
                problems.append(f"{where}: the same two questions are cross-tabulated twice")
            seen.add(key)


def parse(text: str) -> dict:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InstrumentError(f"The instrument is not valid YAML: {exc}") from exc
    problems: list[str] = []
    if not isinstance(data, dict) or not data.get("id") or not isinstance(data.get("questions"), list):
        raise InstrumentError("An instrument needs an id, a title and a list of questions")
    if unknown := sorted(str(k) for k in set(data) - TOP_KEYS):
        problems.append(f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} at the top")
    if not isinstance(data["id"], str) or not IDENTIFIER.fullmatch(data["id"]):
        problems.append(
            "the instrument's id must be text of letters, numbers, hyphens and underscores, "
            "at most 100 characters"
        )
    seen = set()
    questions = data["questions"]
    by_id: dict[str, dict] = {}
    for n, q in enumerate(questions, start=1):
        if not isinstance(q, dict):
            problems.append(f"question {n}: not a mapping of id, type, text and so on")
            continue
        qid = q.get("id")
        where = f"question {n} ({str(qid)[:100] if qid else 'no id'})"
        if not qid:
            problems.append(f"{where}: no id")
        elif not isinstance(qid, str):
            problems.append(f"{where}: the id must be text")
        elif not IDENTIFIER.fullmatch(qid):
            problems.append(
                f"{where}: the id must be letters, numbers, hyphens and underscores only (it is used "
                "in web addresses), at most 100 characters"
            )
        elif qid in seen:
            problems.append(f"{where}: the id is used twice")
        else:
            by_id[qid] = q
            seen.add(qid)
        if not isinstance(q.get("type"), str) or q["type"] not in {c for c, _ in Question.Type.choices}:
            problems.append(f"{where}: unknown type {q.get('type')!r}")
        if q.get("type") in Question.CLOSED and not q.get("categories"):
            problems.append(f"{where}: a {q.get('type')} question needs categories")
        if q.get("type") == "grid" and not q.get("items"):
            problems.append(f"{where}: a grid question needs items")
        # Unquoted Yes/No are booleans in YAML; labels must be text to match answers exactly.
        for key in ("categories", "items"):
            if q.get(key) is not None and not isinstance(q[key], list):
                problems.append(f"{where}: its {key} must be a list")
            elif any(not isinstance(v, str) for v in q.get(key) or []):
                problems.append(f"{where}: every one of its {key} must be text (quote Yes and No)")
            elif any(not v.strip() for v in q.get(key) or []):
                problems.append(f"{where}: one of its {key} is empty")
            elif any(v != v.strip() for v in q.get(key) or []):
                # Files are read with the spaces at either end of a value taken off.
                problems.append(f"{where}: one of its {key} starts or ends with a space")
            elif len(set(q.get(key) or [])) != len(q.get(key) or []):
                problems.append(f"{where}: one of its {key} is listed twice")
        for key in ("text", "condition", "moderates"):
            if q.get(key) is not None and not isinstance(q[key], str):
                problems.append(f"{where}: its {key} must be text")
        # A misspelt declaration ("group:") would otherwise be dropped without a word.
        if unknown := sorted(str(k) for k in set(q) - QUESTION_KEYS - set(EXTRA_KEYS)):
            problems.append(
                f"{where}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
                f"(known: {', '.join(sorted(QUESTION_KEYS | set(EXTRA_KEYS)))})"
            )
        _check_extra(q, where, problems)
    for q in questions:
        if isinstance(q, dict) and q.get("moderates") and str(q["moderates"]) not in seen:
            problems.append(f"question {q.get('id')}: moderates unknown question {q['moderates']!r}")
    if "crosstabs" in data:
        _check_crosstabs(data["crosstabs"], by_id, problems)
    if problems:
        raise InstrumentError("; ".join(problems))
    return data


def question_extra(q: dict) -> dict[str, Any]:
    """The figures declared on one parsed question, as Question.extra stores them."""
    return {key: q[key] for key in EXTRA_KEYS if key in q}


@transaction.atomic
def load(text: str) -> Instrument:
    """Store an instrument; the same text again returns the version already stored, a change adds one."""
    data = parse(text)
    existing = Instrument.objects.filter(slug=data["id"]).order_by("-version").first()
    if existing and existing.source == text:
        return existing
    instrument = Instrument.objects.create(
        slug=data["id"],
        version=(existing.version + 1) if existing else 1,
        title=data.get("title") or data["id"],
        source=text,
        extra={"crosstabs": data["crosstabs"]} if "crosstabs" in data else {},
    )
    Question.objects.bulk_create(
        Question(
            instrument=instrument,
            qid=q["id"],
            order=n,
            type=q["type"],
            text=q.get("text", ""),
            categories=list(q.get("categories") or []),
            items=list(q.get("items") or []),
            condition=q.get("condition", "") or "",
            moderates=q.get("moderates", "") or "",
            extra=question_extra(q),
        )
        for n, q in enumerate(data["questions"], start=1)
    )
    return instrument


SHIPPED_INSTRUMENTS = ["instrument-2016.yaml", "roadmap-self-assessment.yaml"]


def load_shipped(name: str | None = None) -> Instrument:
    """Load one shipped instrument, or (no name) all of them; returns the (first) one loaded."""
    names = [name] if name else SHIPPED_INSTRUMENTS
    loaded = [load((SHIPPED / n).read_text(encoding="utf-8")) for n in names]
    return loaded[0]
