from typing import Any

from django import forms

from msphub.accounts.models import Role, User
from msphub.core.forms import GovukDateField, GovukForm
from msphub.core.imports import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB

from .models import Instrument, Question, Respondent


def _round_title() -> forms.CharField:
    """A round's title, asked the same way when a round is set up and when one is imported."""
    return forms.CharField(
        label="Title", max_length=300, error_messages={"required": "Enter the round's title"}
    )


def _round_slug(**kw: Any) -> forms.SlugField:
    """A round's short name, as ``_round_title``."""
    return forms.SlugField(
        label="Short name",
        max_length=100,
        error_messages={"required": "Enter a short name", "invalid": "Use only letters, numbers and hyphens"},
        **kw,
    )


class RoundForm(GovukForm):
    title = _round_title()
    slug = _round_slug(help_text="Letters, numbers and hyphens, for example london-2026")
    instrument = forms.ModelChoiceField(
        label="Instrument",
        queryset=Instrument.objects.all(),
        empty_label=None,
        error_messages={"required": "Select the instrument"},
    )
    starts_on = GovukDateField(
        label="First conversation (if known)",
        label_for_errors="The start date",
        required=False,
        past_only=False,
    )
    ends_on = GovukDateField(
        label="Last conversation (if known)", label_for_errors="The end date", required=False, past_only=False
    )
    councils = forms.CharField(
        label="Councils taking part",
        widget=forms.Textarea,
        max_length=20000,
        help_text="One council a line",
        error_messages={"required": "Enter the councils taking part"},
    )
    interviewers = forms.ModelMultipleChoiceField(
        label="Interviewers",
        queryset=User.objects.filter(role=Role.INTERVIEWER),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The end date must be on or after the start date")
        return data

    def clean_councils(self) -> list[str]:
        names = [line.strip() for line in self.cleaned_data["councils"].splitlines() if line.strip()]
        if len(set(names)) != len(names):
            raise forms.ValidationError("A council is listed twice")
        return names


class ImportForm(GovukForm):
    title = _round_title()
    slug = _round_slug()
    instrument = forms.ModelChoiceField(
        label="Instrument", queryset=Instrument.objects.all(), empty_label=None
    )
    responses = forms.FileField(
        label="Responses (CSV)",
        error_messages={"required": "Choose the responses file"},
        help_text="respondent_id,council,region,question_id,item,answer",
    )

    def clean_responses(self) -> Any:
        """The upload, refused by its size before anything reads it (core.imports.MAX_UPLOAD_BYTES)."""
        upload = self.cleaned_data["responses"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The responses file must be smaller than {MAX_UPLOAD_MB} MB")
        return upload


def _grid_name(question: Question, index: int) -> str:
    return f"{question.qid}__{index}"


class ConversationForm(forms.Form):
    """Every question of the instrument on one page; nothing is required, so it saves as you go."""

    def __init__(self, *args: Any, questions: list[Question], respondent: Respondent, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.moderated = next((q for q in questions if q.moderates), None)
        for q in questions:
            hint = f"Ask only {q.condition}." if q.condition else ""
            if q.type in ("single", "rating"):
                self.fields[q.qid] = forms.ChoiceField(
                    label=q.text,
                    choices=[(c, c) for c in q.categories],
                    widget=forms.RadioSelect,
                    required=False,
                    help_text=hint,
                )
            elif q.type == "multi":
                self.fields[q.qid] = forms.MultipleChoiceField(
                    label=q.text,
                    choices=[(c, c) for c in q.categories],
                    widget=forms.CheckboxSelectMultiple,
                    required=False,
                    help_text=hint or "Select all that apply",
                )
            elif q.type == "grid":
                for i, item in enumerate(q.items):
                    self.fields[_grid_name(q, i)] = forms.ChoiceField(
                        label=f"{item}",
                        choices=[("", "No answer"), *[(c, c) for c in q.categories]],
                        required=False,
                    )
            else:
                self.fields[q.qid] = forms.CharField(
                    label=q.text,
                    widget=forms.Textarea,
                    required=False,
                    max_length=10000,
                    help_text=hint,
                )
                self.fields[f"{q.qid}__consent"] = forms.BooleanField(
                    label=(
                        "The council agreed to be named beside a quote from its answer to "
                        f"\u201c{q.text}\u201d"
                    ),
                    required=False,
                )
        if self.moderated:
            self.fields["moderation_reason"] = forms.CharField(
                label="If your rating differs from the council's own, why?",
                widget=forms.Textarea,
                required=False,
                max_length=5000,
            )

    def sections(self) -> list[tuple[Question, list]]:
        """Each question with its bound fields (a grid has one per item; an open answer its consent)."""
        out = []
        for q in self.questions:
            if q.type == "grid":
                names = [_grid_name(q, i) for i in range(len(q.items))]
            elif q.type == "open":
                names = [q.qid, f"{q.qid}__consent"]
            else:
                names = [q.qid]
            out.append((q, [self[name] for name in names]))
        return out

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.moderated:
            own, moderated = data.get(self.moderated.moderates), data.get(self.moderated.qid)
            if own and moderated and own != moderated and not (data.get("moderation_reason") or "").strip():
                self.add_error(
                    "moderation_reason", "Enter why your rating differs from the council's own rating"
                )
        return data

    def answers(self) -> list[tuple[Question, str, str, bool]]:
        """(question, item, answer, may name council) for everything answered."""
        out = []
        data = self.cleaned_data
        for q in self.questions:
            if q.type in ("single", "rating") and data.get(q.qid):
                out.append((q, "", data[q.qid], False))
            elif q.type == "multi":
                out += [(q, "", c, False) for c in data.get(q.qid) or []]
            elif q.type == "grid":
                for i, item in enumerate(q.items):
                    if data.get(_grid_name(q, i)):
                        out.append((q, item, data[_grid_name(q, i)], False))
            elif q.type == "open" and (data.get(q.qid) or "").strip():
                out.append((q, "", data[q.qid].strip(), bool(data.get(f"{q.qid}__consent"))))
        return out

    @classmethod
    def initial_for(cls, questions: list[Question], respondent: Respondent) -> dict[str, Any]:
        initial: dict[str, Any] = {"moderation_reason": respondent.moderation_reason}
        by_q: dict[str, list] = {}
        for a in respondent.answers.select_related("question"):
            by_q.setdefault(a.question.qid, []).append(a)
        for q in questions:
            answers = by_q.get(q.qid, [])
            if q.type in ("single", "rating") and answers:
                initial[q.qid] = answers[0].answer
            elif q.type == "multi":
                initial[q.qid] = [a.answer for a in answers]
            elif q.type == "grid":
                for a in answers:
                    if a.item in q.items:
                        initial[_grid_name(q, q.items.index(a.item))] = a.answer
            elif q.type == "open" and answers:
                initial[q.qid] = answers[0].answer
                initial[f"{q.qid}__consent"] = answers[0].may_name_council
        return initial


class ThemeForm(GovukForm):
    label = forms.CharField(label="New theme", max_length=200, error_messages={"required": "Enter the theme"})
