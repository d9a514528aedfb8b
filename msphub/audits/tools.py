"""Audit tools from YAML: parse and check a tool, and load it as an ``AuditTool`` with its questions.

The format is in docs/audits.md. A tool is checked whole before anything is written: every problem
is reported at once, each with the line of the YAML it is on (from PyYAML's node marks, so the
person fixing the file can go straight to it), and a tool with any problem is refused whole.

The tool's YAML is composed into nodes (``yaml.compose``) rather than loaded, so each value keeps
its line. Anchors and aliases are refused outright, before composing: a tool has no need of them,
and a file of nested aliases would otherwise make the checker walk the same nodes millions of times
(a 42 KB file once took 83 seconds and gave 4 million problems). The checker stops after
``MAX_PROBLEMS`` problems, so no file can give an unreadable list.
"""

import re
from pathlib import Path
from typing import Any

import yaml
from django.db import IntegrityError, transaction

from msphub.measures.measures import MEASURES_BY_ID

from .models import AuditQuestion, AuditTool

SHIPPED = Path(__file__).resolve().parent / "tools"
SHIPPED_TOOL = "msp-case-file-audit.yaml"

# The six safeguarding principles of the Care Act statutory guidance (14.13), and the Making
# Safeguarding Personal outcome questions: what a question (or a section) asks about.
PRINCIPLES = {
    "empowerment": "Empowerment",
    "prevention": "Prevention",
    "proportionality": "Proportionality",
    "protection": "Protection",
    "partnership": "Partnership",
    "accountability": "Accountability",
    "msp_outcomes": "Making Safeguarding Personal: outcomes",
}

TOP_FIELDS = {"slug", "version", "title", "description", "meets_standard", "scales", "sections"}
SECTION_FIELDS = {"title", "principle", "questions"}
QUESTION_FIELDS = {"key", "text", "guidance", "scale", "comment", "required", "principle", "measure"}
OPTION_FIELDS = {"value", "label", "grade"}

MAX_PROBLEMS = 100
MORE_PROBLEMS = "... and more"
# The answer form names a question's comment box "q-<key>-comment" (audits.forms): a key ending
# "-comment" could take the name of another question's comment box.
_COMMENT_SUFFIX = "-comment"

_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
# Lengths of the columns the values are stored in (msphub/audits/models.py).
_MAX = {"slug": 100, "title": 300, "section": 200, "key": 100, "value": 50, "label": 200}


class ToolProblems(ValueError):
    """The tool cannot be loaded; ``problems`` lists every reason, each starting "line N: "."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _quote(value: Any) -> str:
    return repr(value) if not isinstance(value, str) else f"'{value}'"


class _Enough(Exception):
    """Raised by the checker at its ``MAX_PROBLEMS``-th problem: the rest would not be read."""


class _Checker:
    """Walks the composed nodes, reading the values it expects and noting every problem."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        # Builds plain values from scalar nodes with YAML's usual typing (1 is an int, yes a bool).
        self._constructor = yaml.SafeLoader("")

    def problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(f"line {_line(node)}: {message}")
        if len(self.problems) >= MAX_PROBLEMS:
            raise _Enough

    def scalar(self, node: yaml.Node, what: str) -> tuple[bool, Any]:
        """The value of a scalar node, or (False, None) with a problem noted."""
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"{what} must be a single value, not a list or a mapping")
            return False, None
        try:
            return True, self._constructor.construct_object(node, deep=True)
        # An explicit tag can fail in many ways (``!!int abc`` is a ValueError, ``!foo`` a
        # ConstructorError); every one of them is a problem in the file, never a crash.
        except Exception:  # noqa: BLE001
            self.problem(node, f"{what} cannot be read as a value (check its quoting and any '!' tag)")
            return False, None

    def mapping(self, node: yaml.Node, what: str, fields: set[str] | None) -> dict[str, yaml.Node] | None:
        """A mapping node's keys (text) and value nodes; unknown or repeated keys are problems."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping of names to values")
            return None
        found: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            ok, key = self.scalar(key_node, f"a name in {what}")
            if not ok:
                continue
            if not isinstance(key, str):
                self.problem(key_node, f"{what}: the name {_quote(key)} must be text")
                continue
            if key in found:
                self.problem(key_node, f"{what}: '{key}' is given twice")
                continue
            if fields is not None and key not in fields:
                expected = ", ".join(sorted(fields))
                self.problem(key_node, f"{what}: unknown field '{key}' (the fields are {expected})")
                continue
            found[key] = value_node
        return found

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list")
            return None
        if not node.value:
            self.problem(node, f"{what} must not be empty")
            return None
        return list(node.value)

    def text(
        self,
        fields: dict[str, yaml.Node],
        name: str,
        where: yaml.Node,
        what: str,
        required: bool = True,
        max_length: int | None = None,
    ) -> str:
        """A text field: required ones must be present and not blank."""
        if name not in fields:
            if required:
                self.problem(where, f"{what} has no {name}")
            return ""
        node = fields[name]
        ok, value = self.scalar(node, f"{what}: the {name}")
        if not ok:
            return ""
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            self.problem(node, f"{what}: the {name} must be text, not {_quote(value)} (put it in quotes)")
            return ""
        value = value.strip()
        if required and not value:
            self.problem(node, f"{what}: the {name} is blank")
        if max_length and len(value) > max_length:
            self.problem(node, f"{what}: the {name} is longer than {max_length} characters")
        return value

    def boolean(self, fields: dict[str, yaml.Node], name: str, what: str, default: bool) -> bool:
        if name not in fields:
            return default
        ok, value = self.scalar(fields[name], f"{what}: {name}")
        if ok and not isinstance(value, bool):
            self.problem(fields[name], f"{what}: {name} must be true or false, not {_quote(value)}")
        return value if ok and isinstance(value, bool) else default

    def integer(self, node: yaml.Node, what: str, nullable: bool = False) -> tuple[bool, int | None]:
        ok, value = self.scalar(node, what)
        if not ok:
            return False, None
        if value is None and nullable:
            return True, None
        # True and False are ints in Python; a grade of "yes" is a mistake in the file.
        if not isinstance(value, int) or isinstance(value, bool):
            allowed = "a whole number or null" if nullable else "a whole number"
            self.problem(node, f"{what} must be {allowed}, not {_quote(value)}")
            return False, None
        return True, value

    def slug(self, node: yaml.Node, value: str, what: str) -> None:
        if value and not _SLUG.match(value):
            self.problem(
                node,
                f"{what} '{value}' must be lower-case letters, digits, '-' or '_' (like 'asked_outcomes')",
            )


def _check(document: yaml.Node) -> tuple[dict, dict[str, int]]:
    """The tool as plain values, and the lines of its slug and version; raises ToolProblems."""
    c = _Checker()
    try:
        return _check_tool(c, document)
    except _Enough:
        raise ToolProblems([*c.problems, MORE_PROBLEMS]) from None


def _check_tool(c: _Checker, document: yaml.Node) -> tuple[dict, dict[str, int]]:
    top = c.mapping(document, "the tool", TOP_FIELDS)
    if top is None:
        raise ToolProblems(c.problems)
    data: dict[str, Any] = {}
    data["slug"] = c.text(top, "slug", document, "the tool", max_length=_MAX["slug"])
    if "slug" in top:
        c.slug(top["slug"], data["slug"], "the tool's slug")
    data["title"] = c.text(top, "title", document, "the tool", max_length=_MAX["title"])
    data["description"] = c.text(top, "description", document, "the tool", required=False)
    data["version"] = None
    if "version" not in top:
        c.problem(document, "the tool has no version")
    else:
        ok, version = c.integer(top["version"], "the tool's version")
        if ok and version is not None and version < 1:
            c.problem(top["version"], f"the tool's version must be 1 or more, not {version}")
        elif ok:
            data["version"] = version
    data["meets_standard"] = None
    # Required: without it no answer could be said to meet the standard, and every result would be
    # empty.
    if "meets_standard" not in top:
        c.problem(document, "the tool has no meets_standard (the lowest grade that meets the standard)")
    else:
        _, data["meets_standard"] = c.integer(top["meets_standard"], "meets_standard")

    scales: dict[str, list[dict]] = {}
    scale_nodes = c.mapping(top["scales"], "scales", None) if "scales" in top else {}
    for name, node in (scale_nodes or {}).items():
        c.slug(node, name, "the scale name")
        options = _check_scale(c, name, node)
        if options is not None:
            scales[name] = options
    data["scales"] = scales
    grades = {o["grade"] for options in scales.values() for o in options if o["grade"] is not None}
    if data["meets_standard"] is not None and grades and data["meets_standard"] > max(grades):
        c.problem(
            top["meets_standard"],
            f"meets_standard {data['meets_standard']} is higher than every grade of every scale, "
            "so no answer could meet it",
        )

    data["sections"] = []
    if "sections" not in top:
        c.problem(document, "the tool has no sections")
    else:
        keys: dict[str, int] = {}
        measures: dict[str, int] = {}
        for n, section_node in enumerate(c.sequence(top["sections"], "sections") or [], start=1):
            section = _check_section(c, n, section_node, scale_nodes or {}, scales, keys, measures)
            if section is not None:
                data["sections"].append(section)
    if c.problems:
        raise ToolProblems(c.problems)
    lines = {name: _line(top[name]) for name in ("slug", "version")}
    return data, lines


def _check_scale(c: _Checker, name: str, node: yaml.Node) -> list[dict] | None:
    options = []
    values: set[str] = set()
    problems_before = len(c.problems)
    for option_node in c.sequence(node, f"scale '{name}'") or []:
        what = f"an answer of scale '{name}'"
        fields = c.mapping(option_node, what, OPTION_FIELDS)
        if fields is None:
            continue
        value = c.text(fields, "value", option_node, what, max_length=_MAX["value"])
        label = c.text(fields, "label", option_node, what, max_length=_MAX["label"])
        if value and value in values:
            c.problem(fields["value"], f"scale '{name}' has the value '{value}' twice")
        values.add(value)
        grade = None
        if "grade" not in fields:
            c.problem(option_node, f"{what} has no grade (give null for 'not applicable')")
        else:
            _, grade = c.integer(fields["grade"], f"the grade of '{value or label}'", nullable=True)
        options.append({"value": value, "label": label, "grade": grade})
    if options and len(c.problems) == problems_before and all(o["grade"] is None for o in options):
        c.problem(node, f"scale '{name}' has no graded answer: at least one needs a grade")
    return options or None


def _check_section(
    c: _Checker,
    n: int,
    node: yaml.Node,
    scale_nodes: dict[str, yaml.Node],
    scales: dict[str, list[dict]],
    keys: dict[str, int],
    measures: dict[str, int],
) -> dict | None:
    fields = c.mapping(node, f"section {n}", SECTION_FIELDS)
    if fields is None:
        return None
    title = c.text(fields, "title", node, f"section {n}", max_length=_MAX["section"])
    what = f"section '{title}'" if title else f"section {n}"
    principle = c.text(fields, "principle", node, what, required=False)
    if principle and principle not in PRINCIPLES:
        c.problem(
            fields["principle"],
            f"{what} names principle '{principle}', which is not one of {', '.join(PRINCIPLES)}",
        )
    questions = []
    if "questions" not in fields:
        c.problem(node, f"{what} has no questions")
    question_nodes = (
        c.sequence(fields["questions"], f"the questions of {what}") if "questions" in fields else None
    )
    for question_node in question_nodes or []:
        question = _check_question(c, question_node, what, principle, scale_nodes, scales, keys, measures)
        if question is not None:
            questions.append(question)
    return {"title": title, "principle": principle, "questions": questions}


def _check_question(
    c: _Checker,
    node: yaml.Node,
    section: str,
    section_principle: str,
    scale_nodes: dict[str, yaml.Node],
    scales: dict[str, list[dict]],
    keys: dict[str, int],
    measures: dict[str, int],
) -> dict | None:
    fields = c.mapping(node, f"a question in {section}", QUESTION_FIELDS)
    if fields is None:
        return None
    key = c.text(fields, "key", node, f"a question in {section}", max_length=_MAX["key"])
    what = f"question '{key}'" if key else f"a question in {section}"
    if key:
        c.slug(fields["key"], key, "the question key")
        if key.endswith(_COMMENT_SUFFIX):
            c.problem(fields["key"], f"{what} must not end '{_COMMENT_SUFFIX}' (the name of a comment box)")
        if key in keys:
            c.problem(fields["key"], f"{what} is used twice (first on line {keys[key]})")
        else:
            keys[key] = _line(fields["key"])
    text = c.text(fields, "text", node, what)
    guidance = c.text(fields, "guidance", node, what, required=False)
    scale_name = c.text(fields, "scale", node, what, required=False)
    if scale_name and scale_name not in scale_nodes:
        c.problem(fields["scale"], f"{what} names scale '{scale_name}', which is not defined")
    comment = c.boolean(fields, "comment", what, default=True)
    if not scale_name and not comment and "comment" in fields:
        c.problem(fields["comment"], f"{what} is free text (no scale), so it cannot turn its comment box off")
    required = c.boolean(fields, "required", what, default=True)
    principle = c.text(fields, "principle", node, what, required=False) or section_principle
    if "principle" in fields and principle and principle not in PRINCIPLES:
        c.problem(
            fields["principle"],
            f"{what} names principle '{principle}', which is not one of {', '.join(PRINCIPLES)}",
        )
    measure = c.text(fields, "measure", node, what, required=False)
    if measure and measure not in MEASURES_BY_ID:
        c.problem(
            fields["measure"], f"{what} names measure '{measure}', which is not one of the MSP measures"
        )
    elif measure and measure in measures:
        # The dashboard shows one question beside each measure; two would be pooled as if one.
        c.problem(
            fields["measure"],
            f"{what} names measure '{measure}', already named by another question "
            f"(line {measures[measure]}): a measure is linked to one question of a tool",
        )
    elif measure:
        measures[measure] = _line(fields["measure"])
    return {
        "key": key,
        "text": text,
        "guidance": guidance,
        "scale": scale_name or None,
        "options": scales.get(scale_name, []) if scale_name else [],
        "comment": comment or not scale_name,
        "required": required,
        "principle": principle,
        "measure": measure,
    }


def _refuse_aliases(text: str) -> None:
    """Refuse any anchor (``&name``) or alias (``*name``), from the parser's events: reading events
    never expands an alias, so this costs one pass over the text however the aliases nest."""
    problems: list[str] = []
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        anchor = getattr(event, "anchor", None)
        if not anchor:
            continue
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, yaml.AliasEvent):
            problems.append(f"line {line}: aliases (*{anchor}) are not allowed")
        else:
            problems.append(f"line {line}: anchors (&{anchor}) are not allowed")
        if len(problems) >= MAX_PROBLEMS:
            raise ToolProblems([*problems, MORE_PROBLEMS])
    if problems:
        raise ToolProblems(problems)


def _parse(text: str) -> tuple[dict, dict[str, int]]:
    if not isinstance(text, str):
        raise ToolProblems(["line 1: the tool must be text"])
    try:
        _refuse_aliases(text)
        document = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ToolProblems([f"line {line}: this is not valid YAML ({exc.problem or exc.context})"]) from exc
    except yaml.YAMLError as exc:
        # A reader error (a character YAML does not allow) has a position, not a mark.
        position = getattr(exc, "position", 0) or 0
        line = text.count("\n", 0, position) + 1
        raise ToolProblems([f"line {line}: this is not valid YAML ({exc})"]) from exc
    if document is None:
        raise ToolProblems(["line 1: the file is empty"])
    return _check(document)


def parse(text: str) -> dict:
    """The tool as plain values (``slug``, ``version``, ``title``, ``description``,
    ``meets_standard``, ``scales`` and ``sections``, each section's ``questions`` with their scale's
    ``options`` copied in), or ToolProblems listing every problem with its line."""
    return _parse(text)[0]


@transaction.atomic
def load(text: str) -> AuditTool:
    """Store a tool and its questions, all or nothing.

    Loading the identical text again returns the tool already stored. A tool is never changed once
    loaded (audits answered on it keep its questions): a changed text under a slug and version
    already loaded is refused; give it a new version.
    """
    data, lines = _parse(text)
    existing = AuditTool.objects.filter(slug=data["slug"], version=data["version"]).first()
    if existing is not None:
        if existing.source == text:
            return existing
        raise ToolProblems(
            [
                f"line {lines['version']}: {data['slug']} version {data['version']} is already loaded "
                "with different text; a loaded tool never changes, so give the changed tool a new version"
            ]
        )
    try:
        # A savepoint, so that two loads of the same version at once leave the loser a clean refusal.
        with transaction.atomic():
            tool = AuditTool.objects.create(
                slug=data["slug"],
                version=data["version"],
                title=data["title"],
                description=data["description"],
                meets_standard_grade=data["meets_standard"],
                source=text,
            )
    except IntegrityError:
        existing = AuditTool.objects.get(slug=data["slug"], version=data["version"])
        if existing.source == text:
            return existing
        raise ToolProblems(
            [
                f"line {lines['version']}: {data['slug']} version {data['version']} was loaded meanwhile "
                "with different text"
            ]
        ) from None
    questions = [(section, q) for section in data["sections"] for q in section["questions"]]
    AuditQuestion.objects.bulk_create(
        AuditQuestion(
            tool=tool,
            key=q["key"],
            section=section["title"],
            order=n,
            text=q["text"],
            guidance=q["guidance"],
            principle=q["principle"],
            measure=q["measure"],
            scale=q["options"],
            comment=q["comment"],
            required=q["required"],
        )
        for n, (section, q) in enumerate(questions, start=1)
    )
    return tool


def load_shipped() -> AuditTool:
    """The MSP case file audit tool shipped with msphub (loaded if not yet)."""
    return load((SHIPPED / SHIPPED_TOOL).read_text(encoding="utf-8"))
