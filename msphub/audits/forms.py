"""The audits' forms, with GOV.UK messages: a round, an auditor, the tool's questions (built from
the tool's version the round uses), the live audit's reflections, moderators and learning actions."""

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from msphub.accounts.models import User
from msphub.core import categories
from msphub.core.forms import (
    GovukDateField,
    GovukForm,
    _govuk_messages,
    clean_text,
    radio_field,
    text_area,
    text_field,
)

from . import services
from .models import Audit, AuditAnswer, AuditQuestion, AuditRound, AuditTool


class ToolChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class AuditorChoiceField(forms.ModelChoiceField):
    """A colleague by name and organisation: a partner's auditor is named with their agency."""

    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        name = user.get_full_name() or user.username
        return f"{name} ({user.organisation})" if user.organisation_id else name


class RoundForm(GovukForm):
    title = text_field(
        "Title of the round",
        "Enter a title for the round",
        max_length=200,
        help_text="For example, Monthly audit April 2026, or Self-neglect themed audit",
    )
    tool = ToolChoiceField(
        label="Audit tool",
        queryset=AuditTool.objects.all(),
        empty_label=None,
        error_messages={"required": "Select an audit tool", "invalid_choice": "Select an audit tool"},
    )
    rule = radio_field(
        "Which records are sampled?", AuditRound.Rule.choices, "Select which records are sampled"
    )
    risk_type = forms.ChoiceField(
        label="Type of risk (themed audits only)",
        choices=[("", "Select a type of risk"), *categories.RISK_TYPE],
        required=False,
        error_messages={"invalid_choice": "Select a type of risk from the list"},
    )
    period_start = GovukDateField(label="Start of the period", label_for_errors="The start of the period")
    period_end = GovukDateField(label="End of the period", label_for_errors="The end of the period")
    as_at = GovukDateField(
        label="Sample as at",
        label_for_errors="The ‘as at’ date",
        help_text="The sample reads the records as they stood at the end of this day, so it never changes",
    )
    sample_size = forms.IntegerField(
        label="How many records",
        min_value=1,
        max_value=500,
        initial=2,
        help_text="For a number per team per month: that many from each team each month; otherwise in all",
        error_messages={
            "required": "Enter how many records to sample",
            "invalid": "The sample size must be a whole number, like 2",
            "min_value": services.SAMPLE_SIZE,
            "max_value": services.SAMPLE_SIZE,
        },
    )
    seed = text_field(
        "Seed (optional)",
        max_length=50,
        help_text="Any word or number. The same seed draws the same records; left blank, the title is used",
    )
    include_restricted = forms.BooleanField(
        label="Include restricted records",
        required=False,
        help_text="Restricted records are left out unless you include them",
    )
    moderation_percent = forms.IntegerField(
        label="Share moderated by a second auditor (per cent)",
        min_value=0,
        max_value=100,
        initial=20,
        error_messages={
            "required": "Enter the share moderated, from 0 to 100",
            "invalid": "The share moderated must be a whole number from 0 to 100",
            "min_value": "The share moderated must be from 0 to 100",
            "max_value": "The share moderated must be from 0 to 100",
        },
    )

    def clean_title(self) -> str:
        return clean_text(self.cleaned_data["title"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        needed = ("tool", "rule", "period_start", "period_end", "as_at", "sample_size", "moderation_percent")
        if all(data.get(k) is not None for k in needed) and data.get("title"):
            for field, message in services.round_errors(self.new_round()).items():
                self.add_error(field, message)
        return data

    def new_round(self) -> services.NewRound:
        data = self.cleaned_data
        return services.NewRound(
            title=data["title"],
            tool=data["tool"],
            rule=data["rule"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            as_at=data["as_at"],
            seed=clean_text(data.get("seed", "")),
            sample_size=data["sample_size"],
            risk_type=data.get("risk_type", ""),
            include_restricted=bool(data.get("include_restricted")),
            moderation_percent=data["moderation_percent"],
        )


class AssignForm(GovukForm):
    auditor = AuditorChoiceField(
        label="Who audits this record?",
        queryset=User.objects.none(),
        empty_label="Select an auditor",
        error_messages={"required": services.NOT_AN_AUDITOR, "invalid_choice": services.NOT_AN_AUDITOR},
    )
    mode = radio_field("How is it audited?", Audit.Mode.choices, "Select how the audit is done")

    def __init__(self, *args: Any, auditors: Any, moderation: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("auditor", auditors)
        if moderation:
            # A moderation is the second auditor's own reading: never live.
            mode = self.fields["mode"]
            assert isinstance(mode, forms.ChoiceField)
            mode.choices = [(Audit.Mode.STANDARD, Audit.Mode.STANDARD.label)]


def _value_name(question: AuditQuestion) -> str:
    return f"q-{question.key}"


def _comment_name(question: AuditQuestion) -> str:
    return f"q-{question.key}-comment"


class AnswersForm(GovukForm):
    """The tool's questions in order: each scale question's answer (radios) and comment; a free-text
    question's words. Every field is optional, so the auditor saves as they go; completing checks
    the required ones (``services.complete_audit``)."""

    summary = text_area("Summary of the audit (optional)", max_length=5000)

    def __init__(
        self, *args: Any, questions: list[AuditQuestion], answers: dict[int, AuditAnswer], **kwargs: Any
    ) -> None:
        initial: dict[str, Any] = dict(kwargs.pop("initial", None) or {})
        for question in questions:
            answer = answers.get(question.pk)
            if answer is None:
                continue
            if question.is_free_text:
                initial[_value_name(question)] = answer.comment
            else:
                initial[_value_name(question)] = answer.value
                initial[_comment_name(question)] = answer.comment
        super().__init__(*args, initial=initial, **kwargs)
        self.questions = questions
        fields: dict[str, forms.Field] = {}
        for question in questions:
            if question.is_free_text:
                fields[_value_name(question)] = text_area(
                    question.text, max_length=5000, help_text=question.guidance
                )
                continue
            fields[_value_name(question)] = forms.ChoiceField(
                label=question.text,
                choices=[(str(o["value"]), o["label"]) for o in question.scale],
                widget=forms.RadioSelect,
                required=False,
                help_text=question.guidance,
                error_messages={"invalid_choice": services.NOT_IN_SCALE},
            )
            if question.comment:
                fields[_comment_name(question)] = text_area(f"Comment on: {question.text}", max_length=5000)
        summary = self.fields.pop("summary")
        for name, field in fields.items():
            self.fields[name] = field
        self.fields["summary"] = summary
        for field in self.fields.values():
            _govuk_messages(field)  # the fields made here, after GovukForm's own pass

    def given(self) -> dict[int, services.Given]:
        data = self.cleaned_data
        result = {}
        for question in self.questions:
            if question.is_free_text:
                result[question.pk] = services.Given("", clean_text(data.get(_value_name(question), "")))
            else:
                result[question.pk] = services.Given(
                    data.get(_value_name(question), "") or "",
                    clean_text(data.get(_comment_name(question), "")),
                )
        return result

    def add_question_errors(self, errors: dict[str, list[str]]) -> None:
        """The service's errors, keyed by question key, on the question's field."""
        keys = {q.key for q in self.questions}
        for key, messages in errors.items():
            field = f"q-{key}" if key in keys else (key if key in self.fields else None)
            for message in messages:
                self.add_error(field, message)

    def sections(self) -> list[dict[str, Any]]:
        """The questions by section, with their bound fields, for the page."""
        result: list[dict[str, Any]] = []
        for question in self.questions:
            if not result or result[-1]["title"] != question.section:
                result.append({"title": question.section, "questions": []})
            comment = _comment_name(question)
            result[-1]["questions"].append(
                {
                    "question": question,
                    "value": self[_value_name(question)],
                    "comment": self[comment] if comment in self.fields else None,
                }
            )
        return result


def _reflection_name(question: AuditQuestion) -> str:
    return f"r-{question.key}"


class ReflectionsForm(GovukForm):
    """The practitioner's own reflections in a live audit: on any question, and overall."""

    overall = text_area("Your reflections overall (optional)", max_length=5000)

    def __init__(
        self, *args: Any, questions: list[AuditQuestion], answers: dict[int, AuditAnswer], **kwargs: Any
    ) -> None:
        initial: dict[str, Any] = dict(kwargs.pop("initial", None) or {})
        for question in questions:
            if question.pk in answers:
                initial[_reflection_name(question)] = answers[question.pk].reflection
        super().__init__(*args, initial=initial, **kwargs)
        self.questions = questions
        overall = self.fields.pop("overall")
        for question in questions:
            field = text_area(f"Your reflection on: {question.text}", max_length=5000)
            _govuk_messages(field)
            self.fields[_reflection_name(question)] = field
        self.fields["overall"] = overall

    def reflections(self) -> dict[int, str]:
        return {q.pk: clean_text(self.cleaned_data.get(_reflection_name(q), "")) for q in self.questions}

    def field_for(self, question: AuditQuestion) -> forms.BoundField:
        return self[_reflection_name(question)]


class ModerationForm(GovukForm):
    """A second auditor for each audit picked for moderation (blank: set up later)."""

    def __init__(self, *args: Any, picks: list[Audit], auditors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.picks = picks
        for audit in picks:
            self.fields[f"moderator_{audit.uuid}"] = AuditorChoiceField(
                label=f"Second auditor for {audit.reference}",
                queryset=auditors,
                required=False,
                empty_label="Not yet",
                error_messages={"invalid_choice": services.NOT_AN_AUDITOR},
            )

    def moderators(self) -> dict[int, User | None]:
        return {a.pk: self.cleaned_data.get(f"moderator_{a.uuid}") for a in self.picks}


class LearningActionForm(GovukForm):
    action = text_area(
        "What will be learned or done?",
        "Enter what will be learned or done",
        max_length=2000,
        help_text="For example, record the person's own words for each outcome",
    )
    owner = AuditorChoiceField(
        label="Who owns it?",
        queryset=User.objects.none(),
        empty_label="Select someone",
        error_messages={"required": services.OWNER_NOT_STAFF, "invalid_choice": services.OWNER_NOT_STAFF},
    )
    due_on = GovukDateField(label="Due date", label_for_errors="The due date", past_only=False)

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("owner", owners)

    def clean_action(self) -> str:
        return clean_text(self.cleaned_data["action"])

    def clean_due_on(self) -> date:
        due = self.cleaned_data["due_on"]
        if due is not None and due < timezone.localdate():
            raise forms.ValidationError(services.DUE_IN_PAST)
        return due


class DoneForm(GovukForm):
    done_note = text_area("What was done?", services.DONE_NOTE, max_length=2000)

    def clean_done_note(self) -> str:
        return clean_text(self.cleaned_data["done_note"])
