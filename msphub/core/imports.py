"""The one error an import (a file of figures or answers) is refused with, and the limits every import
keeps to.

An import is all or nothing: it checks everything first and, if anything is wrong, writes nothing
and raises ``ImportRefused`` with every problem found, each saying where it is (a line of a CSV
file, a field of a JSON file, or the file), in words shown to the person importing as they are.

Whatever is in the file, reading it ends in the parsed figures or in ``ImportRefused``: the limits
below keep a hostile or broken file (nested a million deep, a 30 MB field, a spreadsheet saved with
zero bytes) from becoming an error page, and each has its own message.
"""

from __future__ import annotations

import csv
import io
import re
from itertools import accumulate

# One upload (or file given to an import command): 5 MB. The largest real files are far smaller: a
# council's benchmark file is about 35 KB and the 2016 national temperature check (115 councils,
# 3,000 answers) is 250 KB, so 5 MB is room for every council in England twenty times over.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_MB = MAX_UPLOAD_BYTES // (1024 * 1024)
# One value (a CSV field, a JSON text): 10,000 characters, as long as an open answer typed into the
# temperature-check conversation form may be. Names and labels are held to their database column.
MAX_FIELD_CHARS = 10_000
# Rows of one CSV file: 200,000, some seventy times the 2016 national round, and what 5 MB of the
# shortest possible rows would hold.
MAX_ROWS = 200_000
# Lists and objects inside each other in a JSON file: a benchmark file nests 4 deep. Past 20 it is not
# one, and Python's parser would recurse until it ran out of stack (RecursionError).
MAX_JSON_DEPTH = 20
# A number of cases: more than any council (or England) counts in a year, and far inside the
# database's whole-number columns (2,147,483,647).
MAX_COUNT = 10_000_000
# How much of a value a message repeats back: enough to recognise it.
MAX_SHOWN = 40
# Problems listed for one file: the first hundred say what is wrong; a page of 200,000 would not.
MAX_PROBLEMS = 100


class ImportRefused(ValueError):
    """Nothing was imported; ``problems`` says why, one problem a string."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems

    @classmethod
    def at_line(cls, line: int, problem: str) -> ImportRefused:
        """One problem on one line of a file: ``line 3: ...``."""
        return cls([f"line {line}: {problem}"])

    @classmethod
    def listing(cls, problems: list[str]) -> ImportRefused:
        """The first MAX_PROBLEMS of ``problems`` and how many more there are."""
        if len(problems) <= MAX_PROBLEMS:
            return cls(problems)
        return cls([*problems[:MAX_PROBLEMS], f"and {len(problems) - MAX_PROBLEMS:,} more problems"])

    def within(self, name: str) -> list[str]:
        """The problems, each prefixed with the name of the file they were found in."""
        return [f"{name}: {problem}" for problem in self.problems]


def shown(value: object) -> str:
    """``repr(value)`` for a message, its middle cut out when it is long (a 10,000-character answer
    quoted back in full would bury the message)."""
    text = repr(value)
    if len(text) <= MAX_SHOWN:
        return text
    half = MAX_SHOWN // 2
    return f"{text[:half]}…{text[-half:]}"


def check_size(content: bytes) -> None:
    """ImportRefused for a file over MAX_UPLOAD_BYTES (forms check the upload's size before reading it;
    this is for the import commands and anyone else)."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ImportRefused([f"the file is larger than {MAX_UPLOAD_MB} MB"])


def nul_line(text: str) -> int | None:
    """The line of the first NUL character (a zero byte), which text never has (a spreadsheet or
    UTF-16 file saved under the wrong name does), or None. PostgreSQL cannot store one in text."""
    at = text.find("\x00")
    return None if at < 0 else text.count("\n", 0, at) + 1


# A JSON string, escapes and all; also one never closed (to the end of the text), so that every
# quote starts at most one match and reading stays linear however the quotes fall.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """How deeply the JSON text's lists and objects nest, read without parsing it (brackets inside
    strings do not count), so a file nested too deeply is refused before the parser recurses."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def csv_rows(
    text: str, columns: list[str], max_lengths: dict[str, int]
) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """The rows of a CSV file whose first line names its columns: each the line it ends on and its
    ``columns`` (trimmed, "" when not given), or the problems that stop the file being read: a missing
    column, a NUL character, a value longer than ``max_lengths`` gives for its column (MAX_FIELD_CHARS
    for the others), more than MAX_ROWS rows, or what the csv module cannot read."""
    if (line := nul_line(text)) is not None:
        return [], [f"line {line}: a NUL character (a zero byte), which text never has"]
    reader = csv.DictReader(io.StringIO(text))
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[str] = []
    try:
        header = reader.fieldnames or []
        missing = [c for c in columns if c not in header]
        if missing:
            return [], [f"line 1: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"]
        for row in reader:
            if len(rows) == MAX_ROWS:
                problems.append(
                    f"line {reader.line_num}: more than {MAX_ROWS:,} rows, more than any round has"
                )
                break
            values = {c: (row.get(c) or "").strip() for c in columns}
            too_long = [(c, max_lengths.get(c, MAX_FIELD_CHARS)) for c in columns]
            too_long = [(c, limit) for c, limit in too_long if len(values[c]) > limit]
            problems += [f"line {reader.line_num}: {c} is longer than {n:,} characters" for c, n in too_long]
            rows.append((reader.line_num, values))
    except csv.Error as exc:
        # The csv module's own limit on a field (131,072 characters) is far past ours.
        why = (
            f"a value is longer than {MAX_FIELD_CHARS:,} characters"
            if "field larger than field limit" in str(exc)
            else f"not readable as CSV ({exc})"
        )
        # DictReader.line_num is the last row read; its reader's, the line the error is on.
        problems.append(f"line {max(reader.reader.line_num, 1)}: {why}")
    return ([] if problems else rows), problems
