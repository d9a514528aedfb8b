"""Import a round's responses from CSV (format: ../shared/reference/tempcheck/README.md).

All or nothing: every problem is reported with its line number and nothing is written unless the
whole file is good.
"""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction

from msphub.core.imports import ImportRefused

from .models import AggregateCount, Answer, Instrument, Respondent, Round

__all__ = ["create_baseline", "create_round", "parse_responses"]

COLUMNS = ["respondent_id", "council", "region", "question_id", "item", "answer"]
BASELINE_COLUMNS = ["question_id", "item", "category", "count", "base"]


@dataclass
class Parsed:
    respondents: dict[str, tuple[str, str]] = field(default_factory=dict)
    answers: list[tuple[str, str, str, str]] = field(default_factory=list)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefused.at_line(line, f"not UTF-8 text (byte {data[exc.start]:#04x})") from exc


def _rows(text: str, columns: list[str]) -> tuple[list[tuple[int, dict]], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in columns if c not in header]
    if missing:
        return [], [f"line 1: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"]
    rows = []
    for row in reader:
        rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}))
    return rows, []


def parse_responses(data: bytes, instrument: Instrument) -> Parsed:
    text = _decode(data)
    rows, problems = _rows(text, COLUMNS)
    if problems:
        raise ImportRefused(problems)
    questions = {q.qid: q for q in instrument.questions.all()}
    parsed = Parsed()
    seen: dict[tuple[str, str, str], int] = {}
    for line, row in rows:
        rid, qid, item, answer = row["respondent_id"], row["question_id"], row["item"], row["answer"]
        if not rid:
            problems.append(f"line {line}: no respondent_id")
            continue
        council = (row["council"], row["region"])
        if rid in parsed.respondents and parsed.respondents[rid] != council:
            problems.append(f"line {line}: respondent {rid} is given a different council or region")
        parsed.respondents.setdefault(rid, council)
        question = questions.get(qid)
        if question is None:
            problems.append(f"line {line}: unknown question id {qid!r}")
            continue
        if question.type == "grid":
            if item not in question.items:
                problems.append(f"line {line}: {qid} has no item {item!r}")
                continue
        elif item:
            problems.append(f"line {line}: {qid} is not a grid question, so item must be empty")
            continue
        if question.is_closed and answer not in question.categories:
            problems.append(f"line {line}: {answer!r} is not one of the categories of {qid}")
            continue
        if question.type == "open" and not answer:
            problems.append(f"line {line}: an empty answer to {qid}")
            continue
        key = (rid, qid, item if question.type != "multi" else f"{item}\x00{answer}")
        if key in seen:
            what = "category" if question.type == "multi" else "answer"
            problems.append(
                f"line {line}: respondent {rid} gives the same {qid} {what} again (line {seen[key]})"
            )
            continue
        seen[key] = line
        parsed.answers.append((rid, qid, item, answer))
    if not rows:
        problems.append("line 2: the file has no answers")
    if problems:
        raise ImportRefused(problems)
    return parsed


@transaction.atomic
def create_round(slug: str, title: str, instrument: Instrument, data: bytes, region: str = "") -> Round:
    if Round.objects.filter(slug=slug).exists():
        raise ImportRefused([f"a round called {slug!r} exists already"])
    parsed = parse_responses(data, instrument)
    round_ = Round.objects.create(slug=slug, title=title, instrument=instrument, region=region)
    respondents = Respondent.objects.bulk_create(
        Respondent(round=round_, respondent_id=rid, council=council, region=region_)
        for rid, (council, region_) in parsed.respondents.items()
    )
    by_id = {r.respondent_id: r for r in respondents}
    questions = {q.qid: q for q in instrument.questions.all()}
    Answer.objects.bulk_create(
        (
            Answer(respondent=by_id[rid], question=questions[qid], item=item, answer=answer)
            for rid, qid, item, answer in parsed.answers
        ),
        batch_size=2000,
    )
    return round_


@transaction.atomic
def create_baseline(slug: str, title: str, instrument: Instrument, data: bytes) -> Round:
    """An aggregate-only round from published counts: question_id,item,category,count,base."""
    if Round.objects.filter(slug=slug).exists():
        raise ImportRefused([f"a round called {slug!r} exists already"])
    rows, problems = _rows(_decode(data), BASELINE_COLUMNS)
    questions = {q.qid: q for q in instrument.questions.all()}
    counts = []
    for line, row in rows:
        question = questions.get(row["question_id"])
        if question is None:
            problems.append(f"line {line}: unknown question id {row['question_id']!r}")
            continue
        if row["category"] not in question.categories:
            problems.append(
                f"line {line}: {row['category']!r} is not one of the categories of {question.qid}"
            )
            continue
        if question.type == "grid" and row["item"] not in question.items:
            problems.append(f"line {line}: {question.qid} has no item {row['item']!r}")
            continue
        try:
            count, base = int(row["count"]), int(row["base"])
        except ValueError:
            problems.append(f"line {line}: count and base must be whole numbers")
            continue
        if count < 0 or base <= 0 or count > base:
            problems.append(f"line {line}: a count must be between 0 and its base")
            continue
        counts.append((question, row["item"], row["category"], count, base))
    if problems:
        raise ImportRefused(problems)
    round_ = Round.objects.create(slug=slug, title=title, instrument=instrument, aggregate_only=True)
    AggregateCount.objects.bulk_create(
        AggregateCount(round=round_, question=q, item=item, category=c, count=n, base=b)
        for q, item, c, n, b in counts
    )
    return round_
