"""Import a round's responses from CSV (format: ../shared/reference/tempcheck/README.md).

All or nothing: every problem is reported with its line number and nothing is written unless the
whole file is good. The file's size, rows and values are bounded (msphub/core/imports.py): a value
no longer than its database column, no NUL characters.

A responses file may carry a ``may_name`` column (``yes`` or ``no``, any case, the same on every row
of a respondent): whether the council agreed to be named in the report's tables
(Respondent.may_name). Without it nobody is named, unless the import says everyone agreed
(``named=True``, tempcheck_import --named); then a ``no`` in the column is refused as a contradiction.

It may also carry a ``may_quote`` column (the same values and rules): whether the council agreed to be
named beside a quote from its open answers (Answer.may_name_council, which the conversation form asks
for each open answer). ``named`` does not cover it: agreeing to be named in tables is not agreeing to
have one's words quoted by name, so without the column no imported quote names its council.

A problem of a respondent's consent (a value that is not yes or no, two values, a no against ``named``)
is reported once, on the first line it occurs, naming the council, not once for every row.
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import models, transaction

from msphub.core.imports import MAX_COUNT, ImportRefused, check_size, csv_rows, shown

from .forms import RESERVED_SLUGS
from .models import AggregateCount, Answer, Instrument, Question, Respondent, Round

__all__ = ["check_round", "create_baseline", "create_round", "parse_baseline", "parse_responses"]

COLUMNS = ["respondent_id", "council", "region", "question_id", "item", "answer"]
# Optional: whether the respondent's council agreed to be named in the report's tables.
MAY_NAME = "may_name"
MAY_NAME_VALUES = {"yes": True, "no": False}
# Optional: whether the council agreed to be named beside a quote from its open answers.
MAY_QUOTE = "may_quote"
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


def check_round(slug: str, title: str, region: str) -> None:
    """The round's short name, title and region as the web form takes them (forms._round_slug,
    RESERVED_SLUGS, _round_title, the region's column); ImportRefused says what is wrong with each."""
    problems: list[str] = []
    slug_length, title_length = _column(Round, "slug"), _column(Round, "title")
    if not slug:
        problems.append("the round's short name is empty")
    elif len(slug) > slug_length:
        problems.append(f"the round's short name is longer than {slug_length} characters")
    else:
        try:
            validate_slug(slug)
        except ValidationError:
            problems.append(
                f"the round's short name {shown(slug)} may have only letters, numbers, hyphens "
                "and underscores"
            )
        else:
            if slug.lower() in RESERVED_SLUGS:
                problems.append(
                    f"the round's short name cannot be {shown(slug)}: the rounds' own pages use it"
                )
    if not title.strip():
        problems.append("the round's title is empty")
    elif len(title) > title_length:
        problems.append(f"the round's title is longer than {title_length} characters")
    if "\x00" in title or "\x00" in region:
        problems.append("the round's title and region may not have NUL characters")
    region_length = _column(Round, "region")
    if len(region) > region_length:
        problems.append(f"the round's region is longer than {region_length} characters")
    if problems:
        raise ImportRefused(problems)


@dataclass
class Parsed:
    respondents: dict[str, tuple[str, str]] = field(default_factory=dict)
    answers: list[tuple[str, str, str, str]] = field(default_factory=list)
    # The respondents whose council agreed to be named in tables (the may_name column, or all).
    named: set[str] = field(default_factory=set)
    # The respondents whose council agreed to be named beside a quote (the may_quote column).
    quoted: set[str] = field(default_factory=set)


def _decode(data: bytes) -> str:
    check_size(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefused.at_line(line, f"not UTF-8 text (byte {data[exc.start]:#04x})") from exc


def _header(text: str) -> list[str]:
    """The names of the file's columns (its first line), or none when that cannot be read (csv_rows
    then says why)."""
    try:
        return [name.strip() for name in next(csv.reader(io.StringIO(text)), [])]
    except csv.Error:
        return []


def _rows(
    data: bytes, columns: list[str], optional: tuple[str, ...] = ()
) -> list[tuple[int, dict[str, str]]]:
    """The file's rows; ImportRefused if it cannot be read as a CSV file of ``columns`` (and those of
    ``optional`` that its first line names)."""
    text = _decode(data)
    header = _header(text)
    rows, problems = csv_rows(text, columns + [c for c in optional if c in header], MAX_LENGTHS)
    if problems:
        raise ImportRefused.listing(problems)
    return rows


@dataclass
class _Consent:
    """What the rows of a consent column (may_name or may_quote) said for each respondent, and the
    respondents already reported as wrong in it (each is reported once, not on every row)."""

    column: str
    said: dict[str, tuple[bool, int]] = field(default_factory=dict)
    reported: set[str] = field(default_factory=set)

    def check(self, line: int, rid: str, council: str, value: str | None, everyone: bool) -> str | None:
        """The problem with a row's value (yes or no, the same on every row of a respondent, and not
        no when the import says everyone agreed: ``everyone``), or None; records what was said. None
        for a respondent reported already: the first line it occurs on names it."""
        if value is None or rid in self.reported:
            return None
        agreed = MAY_NAME_VALUES.get(value.lower())
        problem = None
        who = f"{council}, respondent {rid}" if council else f"respondent {rid}"
        # Worded as before (tests and users know "line N: may_name ..."), the council added at the end.
        if agreed is None:
            problem = f"line {line}: {self.column} must be yes or no, not {shown(value)} ({who})"
        elif rid in self.said and self.said[rid][0] != agreed:
            problem = (
                f"line {line}: respondent {rid} is given a different {self.column} from line "
                f"{self.said[rid][1]} ({council or 'no council given'})"
            )
        elif everyone and not agreed:
            problem = (
                f"line {line}: {self.column} is no, but the import says every respondent agreed to be "
                f"named ({who})"
            )
        if problem:
            self.reported.add(rid)
            return problem
        assert agreed is not None
        self.said.setdefault(rid, (agreed, line))
        return None

    def agreed(self) -> set[str]:
        return {rid for rid, (yes, _) in self.said.items() if yes}


def parse_responses(data: bytes, instrument: Instrument, named: bool = False) -> Parsed:
    """The answers of a CSV file of responses; ImportRefused lists every problem by line.

    ``named``: every respondent in the file agreed to be named in tables (tempcheck_import --named);
    otherwise a respondent agreed where the optional may_name column says yes. Consent to be named
    beside a quote: where the optional may_quote column says yes (``named`` does not cover it)."""
    rows = _rows(data, COLUMNS, (MAY_NAME, MAY_QUOTE))
    problems: list[str] = []
    questions = {q.qid: q for q in instrument.questions.all()}
    parsed = Parsed()
    seen: dict[tuple[str, str, str], int] = {}
    may_name, may_quote = _Consent(MAY_NAME), _Consent(MAY_QUOTE)
    for line, row in rows:
        rid, qid, item, answer = row["respondent_id"], row["question_id"], row["item"], row["answer"]
        if not rid:
            problems.append(f"line {line}: no respondent_id")
            continue
        council = (row["council"], row["region"])
        if rid in parsed.respondents and parsed.respondents[rid] != council:
            problems.append(f"line {line}: respondent {rid} is given a different council or region")
        parsed.respondents.setdefault(rid, council)
        if problem := may_name.check(line, rid, row["council"], row.get(MAY_NAME), named):
            problems.append(problem)
        if problem := may_quote.check(line, rid, row["council"], row.get(MAY_QUOTE), False):
            problems.append(problem)
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
    parsed.named = set(parsed.respondents) if named else may_name.agreed()
    parsed.quoted = may_quote.agreed()
    return parsed


@transaction.atomic
def create_round(
    slug: str, title: str, instrument: Instrument, data: bytes, region: str = "", named: bool = False
) -> Round:
    """A round from a CSV file of responses. ``named``: every council in the file agreed to be
    named in the report's tables (else those the may_name column says yes for); an open answer may
    name its council beside a quote where the may_quote column says yes. A respondent whose
    region is blank is of the round's region (as services.create_round sets up a round's councils),
    so that a report merged and cut to that region keeps the round's own councils."""
    check_round(slug, title, region)
    if Round.objects.filter(slug=slug).exists():
        raise ImportRefused([f"a round called {slug!r} exists already"])
    parsed = parse_responses(data, instrument, named=named)
    round_ = Round.objects.create(slug=slug, title=title, instrument=instrument, region=region)
    respondents = Respondent.objects.bulk_create(
        Respondent(
            round=round_,
            respondent_id=rid,
            council=council,
            region=region_ or region,
            may_name=rid in parsed.named,
        )
        for rid, (council, region_) in parsed.respondents.items()
    )
    by_id = {r.respondent_id: r for r in respondents}
    questions = {q.qid: q for q in instrument.questions.all()}
    Answer.objects.bulk_create(
        (
            Answer(
                respondent=by_id[rid],
                question=questions[qid],
                item=item,
                answer=answer,
                # Only an open answer is quoted, so only it carries the consent.
                may_name_council=rid in parsed.quoted and questions[qid].type == "open",
            )
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
def create_baseline(slug: str, title: str, instrument: Instrument, data: bytes, region: str = "") -> Round:
    """An aggregate-only round from published counts: question_id,item,category,count,base.
    ``region``: the region the counts are of (blank: England, which every regional lead may compare
    with)."""
    check_round(slug, title, region)
    if Round.objects.filter(slug=slug).exists():
        raise ImportRefused([f"a round called {slug!r} exists already"])
    counts = parse_baseline(data, instrument)
    round_ = Round.objects.create(
        slug=slug, title=title, instrument=instrument, aggregate_only=True, region=region
    )
    AggregateCount.objects.bulk_create(
        AggregateCount(round=round_, question=q, item=item, category=c, count=n, base=b)
        for q, item, c, n, b in counts
    )
    return round_
