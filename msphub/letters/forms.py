"""The lead's template form and the choice of outcome letter."""

from typing import Any

from django.core.exceptions import ValidationError

from msphub.core.forms import GovukForm, clean_text, radio_field, text_area, text_field

from . import placeholders
from .models import Kind


def _or_list(names: list[str]) -> str:
    marked = [f"(({n}))" for n in names]
    return marked[0] if len(marked) == 1 else ", ".join(marked[:-1]) + " or " + marked[-1]


class TemplateForm(GovukForm):
    subject = text_field("Subject", required="Enter the subject of the letter", max_length=200)
    body = text_area("Text of the letter", required="Enter the text of the letter", max_length=10000)

    def __init__(self, *args: Any, kind: Kind, **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(*args, **kwargs)

    def _checked(self, name: str, what: str) -> str:
        value = clean_text(self.cleaned_data.get(name, ""))
        if bad := placeholders.unknown(value, self.kind):
            allowed = _or_list(list(placeholders.ALLOWED[self.kind]))
            raise ValidationError(
                f"The {what} cannot use {_or_list(bad)}: this letter may use only {allowed}"
            )
        return value

    def clean_subject(self) -> str:
        return self._checked("subject", "subject")

    def clean_body(self) -> str:
        return self._checked("body", "text")


class OutcomeLetterForm(GovukForm):
    kind = radio_field(
        "Which letter do you want to produce?",
        [
            (Kind.OUTCOME_ADULT.value, "The outcome letter to the adult"),
            (Kind.OUTCOME_ADULT_EASY_READ.value, "The outcome letter to the adult, in easy read"),
        ],
        required="Select which letter to produce",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A value that is not one of the two (a changed page) gets the same question back, without
        # echoing what was sent.
        self.fields["kind"].error_messages["invalid_choice"] = "Select which letter to produce"
