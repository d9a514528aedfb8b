"""Import a round's responses from CSV (format: ../shared/reference/tempcheck/README.md).

All or nothing: every problem is reported with its line number and nothing is written unless the
whole file is good. The file's size, rows and values are bounded (msphub/core/imports.py): a value
no longer than its database column, no NUL characters.
"""

from dataclasses import dataclass, field

from django.db import models, transaction

from msphub.core.imports import MAX_COUNT, ImportRefused, check_size, csv_rows, shown

from .models import AggregateCount, Answer, Instrument, Question, Respondent, Round

__all__ = ["create_baseline", "create_round", "parse_baseline", "parse_responses"]

COLUMNS = ["respondent_id", "council", "region", "question_id", "item", "answer"]
BASELINE_COLUMNS = ["question_id", "item", "category", "count", "base"]


def _column(model: type[models.Model], name: str) -> int:
    column = model._meta.get_field(name)
    assert isinstance(column, models.CharField) and column.max_length is not None
    return column.max_length


# Each value at most as long as the column it is stored in (or looked up by); an answer, stored as
# text of any length, at most MAX_FIELD_CHARS (csv_rows' default).
MAX_LENGTHS = {
    "respondent_id": _column(Respondent, "respondent_id"),
    "council": _column(Respondent, "council"),
    "region": _column(Respondent, "region"),
    "question_id": _column(Question, "qid"),
    "item": _column(Answer, "item"),
    "category": _column(AggregateCount, "category"),
}


@dataclass
class Parsed:
    respondents: dict[str, tuple[str, str]] = field(default_factory=dict)
    answers: list[tuple[str, str, str, str]] = field(default_factory=list)


def _decode(data: bytes) -> str:
    check_size(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefused.at_line(line, f"not UTF-8 text (byte {data[exc.start]:#04x})") from exc


def _rows(data: bytes, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    """The file's rows; ImportRefused if it cannot be read as a CSV file of ``columns``."""
    rows, problems = csv_rows(_decode(data), columns, MAX_LENGTHS)
    if problems:
        raise ImportRefused.listing(problems)
    return rows


def parse_responses(data: bytes, instrument: Instrument) -> Parsed:
    """The answers of a CSV file of responses; ImportRefused lists every problem by line."""
    rows = _rows(data, COLUMNS)
    problems: list[str] = []
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
            problems.append(f"line {line}: unknown question id {shown(qid)}")
            continue
        if question.type == "grid":
            if item not in question.items:
                problems.append(f"line {line}: {qid} has no item {shown(item)}")
                continue
        elif item:
            problems.append(f"line {line}: {qid} is not a grid question, so item must be empty")
            continue
        if question.is_closed and answer not in question.categories:
            problems.append(f"line {line}: {shown(answer)} is not one of the categories of {qid}")
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
        raise ImportRefused.listing(problems)
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


def parse_baseline(data: bytes, instrument: Instrument) -> list[tuple[Question, str, str, int, int]]:
    """The counts of a CSV file of published counts (question_id,item,category,count,base):
    (question, item, category, count, base) each; ImportRefused lists every problem by line."""
    rows = _rows(data, BASELINE_COLUMNS)
    problems: list[str] = []
    questions = {q.qid: q for q in instrument.questions.all()}
    counts = []
    for line, row in rows:
        question = questions.get(row["question_id"])
        if question is None:
            problems.append(f"line {line}: unknown question id {shown(row['question_id'])}")
            continue
        if row["category"] not in question.categories:
            problems.append(
                f"line {line}: {shown(row['category'])} is not one of the categories of {question.qid}"
            )
            continue
        if question.type == "grid" and row["item"] not in question.items:
            problems.append(f"line {line}: {question.qid} has no item {shown(row['item'])}")
            continue
        try:
            count, base = int(row["count"]), int(row["base"])
        except ValueError:
            problems.append(f"line {line}: count and base must be whole numbers")
            continue
        if count < 0 or base <= 0 or count > base:
            problems.append(f"line {line}: a count must be between 0 and its base")
            continue
        if base > MAX_COUNT:
            problems.append(f"line {line}: a count and its base must be {MAX_COUNT:,} or fewer")
            continue
        counts.append((question, row["item"], row["category"], count, base))
    if problems:
        raise ImportRefused.listing(problems)
    return counts


@transaction.atomic
def create_baseline(slug: str, title: str, instrument: Instrument, data: bytes) -> Round:
    """An aggregate-only round from published counts: question_id,item,category,count,base."""
    if Round.objects.filter(slug=slug).exists():
        raise ImportRefused([f"a round called {slug!r} exists already"])
    counts = parse_baseline(data, instrument)
    round_ = Round.objects.create(slug=slug, title=title, instrument=instrument, aggregate_only=True)
    AggregateCount.objects.bulk_create(
        AggregateCount(round=round_, question=q, item=item, category=c, count=n, base=b)
        for q, item, c, n, b in counts
    )
    return round_
