"""The safeguarding lead's form for a new API token."""

from typing import Any

from django import forms

from msphub.accounts.models import Organisation
from msphub.core.forms import GovukForm, plain_text, text_field

from .models import ApiToken


class NewTokenForm(GovukForm):
    organisation = forms.ModelChoiceField(
        label="Which organisation is the token for?",
        queryset=Organisation.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the organisation the token is for"},
        help_text="Only organisations that work with your council are listed.",
    )
    name = text_field(
        "Which of its systems will use it?",
        "Enter which system will use the token",
        max_length=100,
        help_text="For example, the police case management system. Shown in the access log.",
    )
    scopes = forms.MultipleChoiceField(
        label="What may the system do with it?",
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select what the system may do with the token"},
        help_text="Select all that apply.",
    )

    def __init__(self, *args: Any, partners: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("organisation", Organisation.objects.filter(pk__in=[p.pk for p in partners]))

    def clean_name(self) -> str:
        return plain_text(self.cleaned_data["name"], "Enter which system will use the token")
