"""The concern form's questions as JSON fields: read from the journey's own forms
(``journey.SYSTEM_STEPS``), so the API asks what the form asks, with the same labels, lengths and
choices. ``read`` checks only the JSON types (text, true or false, a date, a list); the rules are the
form's, applied by ``journey.validate_for_system``."""

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from django import forms

from msphub.concerns import journey
from msphub.core.forms import GovukDateField, YesNoField


class Kind(StrEnum):
    TEXT = "text"
    YES_NO = "yes_no"
    TICK = "tick"
    CHOICE = "choice"
    CHOICES = "choices"
    DATE = "date"


@dataclass(frozen=True)
class Question:
    name: str
    kind: Kind
    label: str
    help_text: str
    required: bool
    max_length: int | None
    choices: tuple[tuple[str, str], ...]
    step: str


def _kind(field: forms.Field) -> Kind:
    if isinstance(field, YesNoField):
        return Kind.YES_NO
    if isinstance(field, forms.BooleanField):
        return Kind.TICK
    if isinstance(field, forms.MultipleChoiceField):
        return Kind.CHOICES
    if isinstance(field, forms.ChoiceField):
        return Kind.CHOICE
    if isinstance(field, GovukDateField):
        return Kind.DATE
    return Kind.TEXT


def _questions() -> dict[str, Question]:
    found: dict[str, Question] = {}
    for step in journey.SYSTEM_STEPS:
        for name, field in journey.system_form(step).fields.items():
            kind = _kind(field)
            choices: tuple[tuple[str, str], ...] = ()
            if kind in (Kind.CHOICE, Kind.CHOICES):
                choices = tuple(
                    (str(value), str(words)) for value, words in getattr(field, "choices", []) if value != ""
                )
            found[name] = Question(
                name=name,
                kind=kind,
                label=str(field.label or name),
                help_text=str(field.help_text or ""),
                required=field.required,
                max_length=getattr(field, "max_length", None),
                choices=choices,
                step=step.slug,
            )
    return found


QUESTIONS = _questions()
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UNKNOWN = "This is not one of the concern's fields"


def _short(label: str) -> str:
    """A question's label as the subject of a sentence: "Date of birth (if you know it)" is "Date of
    birth"."""
    return re.sub(r"\s*\(.*?\)\s*$", "", label).rstrip("?").strip()


def read(body: Any, default_organisation_name: str = "") -> dict[str, Any]:
    """The answers in ``body`` (a JSON object) as the journey keeps them (dates as dates), or
    ``Refused`` (400) naming each field whose JSON type is wrong or that is not a question."""
    from .services import Problem, Refused

    if not isinstance(body, dict):
        raise Refused(400, [Problem(None, "Send the concern as a JSON object")])
    problems: list[Problem] = []
    answers: dict[str, Any] = {}
    for name, value in body.items():
        question = QUESTIONS.get(name)
        if question is None:
            problems.append(Problem(name if _is_unicode(name) else repr(name), UNKNOWN))
            continue
        subject = _short(question.label)
        if question.kind in (Kind.YES_NO, Kind.TICK):
            if not isinstance(value, bool):
                problems.append(Problem(name, f"{subject} must be true or false"))
                continue
        elif question.kind == Kind.CHOICES:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(Problem(name, f"{subject} must be a list of choices"))
                continue
            if not all(_is_unicode(v) for v in value):
                problems.append(Problem(name, f"{subject} must be a list of choices"))
                continue
        elif not isinstance(value, str):
            problems.append(Problem(name, f"{subject} must be text"))
            continue
        elif not _is_unicode(value):
            problems.append(Problem(name, f"{subject} must be text without broken characters"))
            continue
        elif question.kind == Kind.DATE and value == "":
            continue  # not given
        elif question.kind == Kind.DATE:
            value = _date(value)
            if value is None:
                problems.append(Problem(name, f"{subject} must be a real date, like 1941-03-27"))
                continue
        answers[name] = value
    if problems:
        raise Refused(400, problems)
    if not str(answers.get("raiser_organisation_name", "")).strip():
        answers["raiser_organisation_name"] = default_organisation_name
    return answers


def _is_unicode(text: str) -> bool:
    """JSON may escape half of a character ("\\ud800"), which no database can store."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _date(text: str) -> date | None:
    if not ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
