"""The access log's filters (a GET form: the page and its CSV read the same answers)."""

from typing import Any

from django import forms

from msphub.core.forms import GovukDateField, GovukForm, text_field
from msphub.core.models import AccessEvent

from .services import Filters

# Failed sign-ins name no user, so a council's log never holds one (services.for_council).
ACTIONS = [
    ("", "All actions"),
    *((value, label) for value, label in AccessEvent.choices if value != AccessEvent.SIGN_IN_FAILED),
]


class AccessLogFilterForm(GovukForm):
    user = text_field("User", max_length=150, help_text="Part of their username or name")
    record = text_field(
        "Record", max_length=40, help_text="A concern's or enquiry's reference, or a record's ID"
    )
    date_from = GovukDateField(
        label="Date from", label_for_errors="The date from", required=False, past_only=False
    )
    date_to = GovukDateField(label="Date to", label_for_errors="The date to", required=False, past_only=False)
    action = forms.ChoiceField(label="Action", choices=ACTIONS, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The date to must be the same as or after the date from")
        return data

    def filters(self) -> Filters:
        """The answers as filters; call only once the form is valid (or unbound: no filters)."""
        if not self.is_bound:
            return Filters()
        data = self.cleaned_data
        return Filters(
            user=data["user"],
            record=data["record"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            action=data["action"],
        )
