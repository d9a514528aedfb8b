"""Forms of independent and direct feedback. The interviewer asks the practitioner's questions
(``enquiries.forms.FeedbackForm``); the person answering online gets them in easy read."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from msphub.accounts.models import User
from msphub.core.forms import GovukDateField, GovukForm, clean_text, radio_field, text_area, text_field
from msphub.core.onetime import normalise_phone
from msphub.enquiries.forms import FeedbackForm
from msphub.enquiries.models import Feedback
from msphub.people.models import Representative

from . import services
from .models import FeedbackAssignment

ADULT = "adult"


class InterviewerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name() or obj.username}, {obj.organisation}"


class AssignForm(GovukForm):
    """The lead: who asks, and whom they contact (the adult or one of their representatives)."""

    interviewer = InterviewerChoice(
        label="Who will ask for the feedback?",
        queryset=User.objects.none(),
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select who will ask for the feedback",
            "invalid_choice": "Select an interviewer of an organisation that works with the council",
        },
    )
    contact = forms.ChoiceField(
        label="Who should they contact?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select who they should contact",
            "invalid_choice": "Select the adult or one of their representatives",
        },
    )

    def __init__(
        self,
        *args: Any,
        interviewers: QuerySet[User],
        representatives: QuerySet[Representative],
        adult_name: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("interviewer", interviewers)
        self.representatives = {str(rep.uuid): rep for rep in representatives}
        choices = [(ADULT, f"The adult, {adult_name}")]
        for key, rep in self.representatives.items():
            choices.append((key, f"{rep.name} ({rep.relationship or rep.get_kind_display()})"))
        field = self.fields["contact"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def representative(self) -> Representative | None:
        """The representative chosen, or None for the adult (after ``is_valid``)."""
        return self.representatives.get(self.cleaned_data["contact"])


class IndependentFeedbackForm(FeedbackForm):
    """The practitioner's feedback questions, as the interviewer asks them: asked by someone
    independent (not a question here), the version fixed by whom the assignment names."""

    def __init__(self, *args: Any, version: str, **kwargs: Any) -> None:
        super().__init__(*args, version=version, **kwargs)
        del self.fields["asked_by"]


class NoFeedbackForm(GovukForm):
    outcome = radio_field(
        "What happened?",
        [(s.value, s.label) for s in FeedbackAssignment.NO_FEEDBACK],
        "Select what happened",
    )
    outcome_on = GovukDateField(label="Date", label_for_errors="The date")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome_on"].error_messages["required"] = "Enter the date"


# --- Online, easy read -------------------------------------------------------------------------------


class OnlineStartForm(GovukForm):
    reference = text_field(
        "Your reference number",
        "Enter your reference number",
        max_length=40,
        help_text="It is on the letter we sent you. It looks like ENQ-2026-000123",
    )
    contact = text_field(
        "Your phone number or email address",
        "Enter your phone number or email address",
        max_length=254,
        help_text="The one we have for you. We will send a code to it",
    )

    def clean_reference(self) -> str:
        reference = services.normalise_reference(self.cleaned_data["reference"])
        if not reference:
            raise forms.ValidationError("Enter the reference as it is on your letter, like ENQ-2026-000123")
        return reference

    def clean_contact(self) -> str:
        value = clean_text(self.cleaned_data["contact"])
        if "@" in value:
            local, _, domain = value.rpartition("@")
            if not local or "." not in domain or " " in value:
                raise forms.ValidationError("Enter an email address like name@example.com")
        elif len(normalise_phone(value)) < 10:
            raise forms.ValidationError("Enter a phone number, like 07700 900 982, or an email address")
        return value


class OnlineCodeForm(GovukForm):
    code = text_field(
        "Enter the code we sent you",
        "Enter the code we sent you",
        max_length=20,
        help_text="It has 6 numbers",
    )

    def clean_code(self) -> str:
        code = "".join(ch for ch in self.cleaned_data["code"] if not ch.isspace())
        if len(code) != 6 or not (code.isascii() and code.isdigit()):
            raise forms.ValidationError("The code has 6 numbers, like 123456")
        return code


WHO: dict[str, str] = {
    Feedback.Version.ADULT: "Me. The safeguarding enquiry was about me",
    Feedback.Version.REPRESENTATIVE: "I am answering about someone else. For example, I am family, a friend, "
    "a carer or an advocate",
}


class OnlineWhoForm(GovukForm):
    answering = radio_field("Who is answering?", [], "Select who is answering")
    relationship = text_field(
        "Who are you to the person?",
        max_length=100,
        help_text="For example: daughter, friend, carer, advocate",
    )

    def __init__(self, *args: Any, versions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["answering"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(v, WHO[v]) for v in versions]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["relationship"] = clean_text(data.get("relationship", ""))
        if data.get("answering") == Feedback.Version.REPRESENTATIVE and not data["relationship"]:
            self.add_error("relationship", "Tell us who you are to the person, for example daughter")
        if data.get("answering") == Feedback.Version.ADULT:
            data["relationship"] = ""
        return data


# The feedback questions in easy read (short sentences), adult and representative wording: the same
# questions as ``enquiries.services.FEEDBACK_QUESTIONS``, kept in the same fields.
EASY_READ_QUESTIONS = {
    "listened_to": ("Did we listen to you?", "Did we listen to the person?"),
    "involved": (
        "Did you take part as much as you wanted?",
        "Did you and the person take part as much as you wanted?",
    ),
    "safer": ("Do you feel safer now?", "Do you think the person is safer now?"),
    "happy_with_ending": ("Are you happy with how it ended?", "Are you happy with how it ended?"),
}
# The stored answers (categories.FEEDBACK_ANSWER) in easy-read words.
EASY_READ_ANSWERS = [
    ("Definitely", "Yes"),
    ("To some extent", "A bit"),
    ("Not at all", "No"),
    ("Don't know", "I don't know"),
    ("Prefer not to say", "I don't want to say"),
]


class OnlineAnswersForm(GovukForm):
    comments = text_area("Is there anything else you want to tell us?", max_length=5000)
    consent_to_quote = forms.BooleanField(
        label="You can share my words with the Safeguarding Adults Board. Do not use my name.",
        required=False,
    )

    def __init__(self, *args: Any, version: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        index = 0 if version == Feedback.Version.ADULT else 1
        for name, wording in EASY_READ_QUESTIONS.items():
            self.fields[name] = radio_field(
                wording[index], EASY_READ_ANSWERS, help_text="You do not have to answer"
            )
        self.order_fields([*EASY_READ_QUESTIONS, "comments", "consent_to_quote"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["comments"] = clean_text(data.get("comments", ""))
        if data.get("consent_to_quote") and not data["comments"]:
            self.add_error(
                "consent_to_quote",
                "You ticked the box, but there are no words to share. Write your words, or untick the box",
            )
        return data
