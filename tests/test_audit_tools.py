"""Loading audit tools from YAML (msphub/audits/tools.py and the audit_tool_load command)."""

from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msphub.audits import tools
from msphub.audits.models import AuditQuestion, AuditTool
from msphub.measures.measures import MEASURES_BY_ID

GOOD = """\
slug: small-tool
version: 1
title: A small tool
description: For the tests.
meets_standard: 3
scales:
  quality:
    - {value: good, label: Good, grade: 3}
    - {value: poor, label: Poor, grade: 1}
    - {value: not_applicable, label: Not applicable, grade: null}
sections:
  - title: Outcomes
    principle: msp_outcomes
    questions:
      - key: asked_outcomes
        text: Was the person asked what they wanted?
        guidance: Look at the first contact.
        scale: quality
        measure: asked_about_outcomes
      - key: involved
        text: Were they involved?
        scale: quality
        comment: false
        required: false
        principle: empowerment
  - title: Reflection
    questions:
      - key: what_worked_well
        text: What worked well?
"""


def problems(text: str) -> list[str]:
    with pytest.raises(tools.ToolProblems) as caught:
        tools.parse(text)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def test_a_good_tool_parses():
    data = tools.parse(GOOD)
    assert (data["slug"], data["version"], data["title"], data["meets_standard"]) == (
        "small-tool",
        1,
        "A small tool",
        3,
    )
    asked, involved, words = [q for s in data["sections"] for q in s["questions"]]
    assert asked["principle"] == "msp_outcomes" and asked["measure"] == "asked_about_outcomes"
    assert asked["options"][2] == {"value": "not_applicable", "label": "Not applicable", "grade": None}
    assert (involved["comment"], involved["required"], involved["principle"]) == (False, False, "empowerment")
    # A free-text question always has its comment box, and defaults to required.
    assert (words["scale"], words["options"], words["comment"], words["required"]) == (None, [], True, True)


@pytest.mark.django_db
def test_load_writes_the_tool_and_its_questions_in_order():
    tool = tools.load(GOOD)
    assert (tool.slug, tool.version, tool.meets_standard_grade, tool.source) == ("small-tool", 1, 3, GOOD)
    rows = list(tool.questions.values_list("order", "key", "section", "principle", "measure", "comment"))
    assert rows == [
        (1, "asked_outcomes", "Outcomes", "msp_outcomes", "asked_about_outcomes", True),
        (2, "involved", "Outcomes", "empowerment", "", False),
        (3, "what_worked_well", "Reflection", "", "", True),
    ]
    assert tool.questions.get(key="what_worked_well").is_free_text


@pytest.mark.django_db
def test_identical_reload_returns_the_tool_and_a_changed_one_is_refused():
    tool = tools.load(GOOD)
    assert tools.load(GOOD) == tool
    changed = GOOD.replace("Were they involved?", "Were they involved, and how?")
    with pytest.raises(tools.ToolProblems) as caught:
        tools.load(changed)
    assert caught.value.problems == [
        "line 2: small-tool version 1 is already loaded with different text; a loaded tool never "
        "changes, so give the changed tool a new version"
    ]
    assert AuditQuestion.objects.get(tool=tool, key="involved").text == "Were they involved?"
    version_2 = tools.load(changed.replace("version: 1", "version: 2"))
    assert version_2.version == 2 and AuditTool.objects.filter(slug="small-tool").count() == 2


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (
            "        scale: quality\n        measure",
            "        scale: qualty\n        measure",
            ["line 18: question 'asked_outcomes' names scale 'qualty', which is not defined"],
        ),
        (
            "measure: asked_about_outcomes",
            "measure: asked",
            [
                "line 19: question 'asked_outcomes' names measure "
                "'asked', which is not one of the MSP measures"
            ],
        ),
        (
            "key: involved",
            "key: asked_outcomes",
            ["line 20: question 'asked_outcomes' is used twice (first on line 15)"],
        ),
        ("version: 1", "version: one", ["line 2: the tool's version must be a whole number, not 'one'"]),
        ("version: 1", "version: 0", ["line 2: the tool's version must be 1 or more, not 0"]),
        (
            "slug: small-tool",
            "slug: Small Tool",
            [
                "line 1: the tool's slug 'Small Tool' must be lower-case "
                "letters, digits, '-' or '_' (like 'asked_outcomes')"
            ],
        ),
        ("title: A small tool\n", "", ["line 1: the tool has no title"]),
        (
            "grade: 1}",
            "grade: low}",
            ["line 9: the grade of 'poor' must be a whole number or null, not 'low'"],
        ),
        (
            "{value: poor, label: Poor, grade: 1}",
            "{value: good, label: Poor, grade: 1}",
            ["line 9: scale 'quality' has the value 'good' twice"],
        ),
        (
            "{value: poor, label: Poor, grade: 1}",
            "{value: poor, label: Poor}",
            ["line 9: an answer of scale 'quality' has no grade (give null for 'not applicable')"],
        ),
        (
            "principle: msp_outcomes",
            "principle: msp",
            [
                "line 13: section 'Outcomes' names principle 'msp', which is not one of empowerment, "
                "prevention, proportionality, protection, partnership, accountability, msp_outcomes"
            ],
        ),
        (
            "        comment: false\n",
            "        comment: maybe\n",
            ["line 23: question 'involved': comment must be true or false, not 'maybe'"],
        ),
        (
            "      - key: what_worked_well\n        text: What worked well?\n",
            "      - key: what_worked_well\n        text: What worked well?\n        comment: false\n",
            [
                "line 30: question 'what_worked_well' is free text (no "
                "scale), so it cannot turn its comment box off"
            ],
        ),
        (
            "        guidance: Look at the first contact.\n",
            "        guidance: Look at the first contact.\n        colour: red\n",
            [
                "line 18: a question in section 'Outcomes': unknown field 'colour' (the fields are "
                "comment, guidance, key, measure, principle, required, scale, text)"
            ],
        ),
        (
            "text: Were they involved?",
            "text: yes",
            ["line 21: question 'involved': the text must be text, not True (put it in quotes)"],
        ),
        (
            "meets_standard: 3",
            "meets_standard: 5",
            [
                "line 5: meets_standard 5 is higher than every grade of "
                "every scale, so no answer could meet it"
            ],
        ),
        (
            "    questions:\n      - key: what_worked_well\n        text: What worked well?\n",
            "    questions: []\n",
            ["line 27: the questions of section 'Reflection' must not be empty"],
        ),
        ("slug: small-tool", "slug: small-tool\nslug: again", ["line 2: the tool: 'slug' is given twice"]),
    ],
)
def test_each_problem_names_its_line(old, new, expected):
    assert old in GOOD
    text = GOOD.replace(old, new)
    got = problems(text)
    assert got == expected


def test_every_problem_at_once():
    text = (
        GOOD.replace("version: 1", "version: one")
        .replace("scale: quality\n        measure", "scale: qualty\n        measure")
        .replace("measure: asked_about_outcomes", "measure: nope")
    )
    got = problems(text)
    assert len(got) == 3 and all(p.startswith("line ") for p in got)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", ["line 1: the file is empty"]),
        ("- a list\n- not a tool\n", ["line 1: the tool must be a mapping of names to values"]),
        ("slug: a\ntitle: [unclosed\n", None),
        ("slug: a\n\tversion: 1\n", None),
        ("a: 1\n---\nb: 2\n", None),
    ],
)
def test_malformed_yaml_is_a_line_numbered_problem(text, expected):
    got = problems(text)
    if expected is not None:
        assert got == expected
    else:
        assert len(got) == 1 and got[0].startswith("line ") and "not valid YAML" in got[0]


def test_a_missing_everything_tool():
    assert problems("description: nothing else\n") == [
        "line 1: the tool has no slug",
        "line 1: the tool has no title",
        "line 1: the tool has no version",
        "line 1: the tool has no meets_standard (the lowest grade that meets the standard)",
        "line 1: the tool has no sections",
    ]


def test_meets_standard_is_required():
    assert problems(GOOD.replace("meets_standard: 3\n", "")) == [
        "line 1: the tool has no meets_standard (the lowest grade that meets the standard)"
    ]
    assert problems(GOOD.replace("meets_standard: 3", "meets_standard: null")) == [
        "line 5: meets_standard must be a whole number, not None"
    ]


def test_a_key_that_could_take_a_comment_box_name_is_refused():
    # "involved-comment" would be the form field "q-involved-comment": the comment box of "involved".
    text = GOOD.replace("key: what_worked_well", "key: involved-comment")
    assert problems(text) == [
        "line 28: question 'involved-comment' must not end '-comment' (the name of a comment box)"
    ]


def test_a_measure_is_linked_to_one_question_of_a_tool():
    text = GOOD.replace(
        "        principle: empowerment\n",
        "        principle: empowerment\n        measure: asked_about_outcomes\n",
    )
    assert problems(text) == [
        "line 26: question 'involved' names measure 'asked_about_outcomes', already named by another "
        "question (line 19): a measure is linked to one question of a tool"
    ]


def test_anchors_and_aliases_are_refused():
    text = GOOD.replace("  quality:\n", "  quality: &q\n") + "  - title: Again\n    questions: *q\n"
    assert problems(text) == ["line 7: anchors (&q) are not allowed", "line 31: aliases (*q) are not allowed"]


def _alias_bomb() -> str:
    """The hostile file the review found (about 42 KB): each level a list of the level before, many
    times over, placed where the checker reads questions. Expanded it would be astronomically big."""
    lines = ["slug: bomb", "version: 1", "title: Bomb", "meets_standard: 1", "scales: {}", "x0: &x0 [a, b]"]
    for n in range(1, 200):
        lines.append(f"x{n}: &x{n} [" + ", ".join([f"*x{n - 1}"] * 40) + "]")
    lines.append("sections:\n  - title: S\n    questions: *x199")
    return "\n".join(lines) + "\n"


def test_a_file_of_nested_aliases_is_refused_quickly_with_at_most_100_problems():
    bomb = _alias_bomb()
    assert len(bomb) > 40_000
    got = problems(bomb)
    # Refused from the parser's events, never composed: the first anchor is the first problem.
    assert got[0] == "line 6: anchors (&x0) are not allowed"
    assert len(got) == tools.MAX_PROBLEMS + 1 and got[-1] == "... and more"


def test_problems_stop_after_100():
    many = "".join(f"unknown_{n}: 1\n" for n in range(150))
    got = problems(GOOD + many)
    assert len(got) == 101 and got[-1] == tools.MORE_PROBLEMS
    assert got[0].startswith("line 30: the tool: unknown field 'unknown_0'")


@pytest.mark.django_db
def test_a_refused_tool_writes_nothing():
    broken = GOOD.replace("measure: asked_about_outcomes", "measure: nope")
    with pytest.raises(tools.ToolProblems):
        tools.load(broken)
    assert not AuditTool.objects.exists() and not AuditQuestion.objects.exists()


@pytest.mark.django_db
def test_the_shipped_tool_loads():
    tool = tools.load_shipped()
    assert tools.load_shipped() == tool
    questions = list(tool.questions.all())
    assert 14 <= len(questions) <= 21
    assert 7 <= len({q.section for q in questions}) <= 9
    assert tool.meets_standard_grade == 3
    principles = {q.principle for q in questions}
    # Every one of the six principles, and the MSP outcome questions.
    assert principles >= {
        "empowerment",
        "prevention",
        "proportionality",
        "protection",
        "partnership",
        "accountability",
        "msp_outcomes",
    }
    assert all(q.guidance for q in questions)
    free = [q.text for q in questions if q.is_free_text]
    assert free == ["What worked well?", "What could be better?"]
    measures = {q.measure for q in questions if q.measure}
    assert measures == {
        "asked_about_outcomes",
        "outcomes_expressed",
        "involved",
        "lacking_capacity_supported",
        "first_contact_24h",
        "risk_reduced_or_removed",
        "happy_with_outcome",
    }
    assert measures <= set(MEASURES_BY_ID)
    quality = next(q.scale for q in questions if q.key == "outcomes_own_words")
    assert [(o["label"], o["grade"]) for o in quality] == [
        ("Outstanding", 4),
        ("Good", 3),
        ("Requires improvement", 2),
        ("Inadequate", 1),
        ("Not applicable", None),
    ]
    assert sum(1 for q in questions if q.scale and len(q.scale) == 3) >= 3  # the yes/no questions


@pytest.mark.django_db
def test_the_command_loads_and_prints(tmp_path, capsys):
    path = tmp_path / "tool.yaml"
    path.write_text(GOOD, encoding="utf-8")
    call_command("audit_tool_load", str(path))
    assert capsys.readouterr().out.strip() == "Loaded A small tool version 1 (3 questions)"


@pytest.mark.django_db
def test_the_command_refuses_a_malformed_tool_with_every_problem(tmp_path):
    path = tmp_path / "tool.yaml"
    path.write_text(
        GOOD.replace("version: 1", "version: one").replace("measure: asked_about_outcomes", "measure: x"),
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as caught:
        call_command("audit_tool_load", str(path))
    message = str(caught.value)
    assert (
        "line 2: the tool's version" in message
        and "line 19: question 'asked_outcomes' names measure 'x'" in message
    )
    assert not AuditTool.objects.exists()


def test_the_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("audit_tool_load", str(tmp_path / "missing.yaml"))


# --- Hypothesis: whatever the document, the only failure is ToolProblems ---------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10),
    st.text(max_size=12),
    st.sampled_from(
        ["quality", "good", "asked_outcomes", "involved", "msp_outcomes", "2024-01-01", "!!int x"]
    ),
)
keys = st.sampled_from(
    sorted(tools.TOP_FIELDS | tools.QUESTION_FIELDS | tools.OPTION_FIELDS | {"questions", "other"})
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=6)),
    max_leaves=25,
)


def _tool_like() -> st.SearchStrategy:
    """A document shaped like a tool, with values drawn from anywhere."""
    return st.fixed_dictionaries(
        {},
        optional={
            "slug": scalars,
            "version": scalars,
            "title": scalars,
            "meets_standard": scalars,
            "scales": st.dictionaries(st.text(max_size=8), documents, max_size=3),
            "sections": st.lists(
                st.dictionaries(st.sampled_from(["title", "principle", "questions"]), documents), max_size=3
            ),
        },
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_tool_like(), documents))
def test_random_documents_only_ever_raise_tool_problems(document):
    text = yaml.safe_dump(document, allow_unicode=True)
    try:
        tools.parse(text)
    except tools.ToolProblems as exc:
        assert exc.problems and all(p.startswith("line ") or p == tools.MORE_PROBLEMS for p in exc.problems)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_random_text_only_ever_raises_tool_problems(text):
    try:
        tools.parse(text)
    except tools.ToolProblems as exc:
        assert exc.problems and all(p.startswith("line ") or p == tools.MORE_PROBLEMS for p in exc.problems)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(GOOD) - 1), st.text(max_size=6))
def test_the_good_tool_mangled_anywhere_only_ever_raises_tool_problems(at, insert):
    try:
        tools.parse(GOOD[:at] + insert + GOOD[at:])
    except tools.ToolProblems:
        pass


def test_the_shipped_file_is_where_load_shipped_reads_it():
    assert Path(tools.SHIPPED / tools.SHIPPED_TOOL).is_file()
