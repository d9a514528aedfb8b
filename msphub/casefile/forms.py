"""The case-note forms and the chronology's filters, with GOV.UK messages."""

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from msphub.core.forms import GovukDateField, GovukForm, clean_text, radio_field, text_area

from . import services
from .chronology import FILTER_KINDS
from .entries import ChronologyFilters
from .models import CaseNote

TIME_FORMATS = ["%H:%M", "%H.%M", "%H%M"]


class CaseNoteForm(GovukForm):
    kind = radio_field("What kind of note is it?", CaseNote.Kind.choices, "Select what kind of note it is")
    occurred_date = GovukDateField(
        label="Date it happened",
        label_for_errors="The date it happened",
        help_text="For example, 27 3 2026",
    )
    occurred_time = forms.TimeField(
        label="Time it happened",
        help_text="Use the 24-hour clock, for example 14:30",
        input_formats=TIME_FORMATS,
        error_messages={
            "required": "Enter the time it happened",
            "invalid": "Enter a real time, like 09:30 or 14:30",
        },
    )
    text = text_area(
        "What happened?",
        "Enter what happened",
        max_length=5000,
        help_text="Who was involved, what was said or found, and what happens next",
    )

    def clean_text(self) -> str:
        return clean_text(self.cleaned_data["text"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, at = data.get("occurred_date"), data.get("occurred_time")
        if day and at:
            when = timezone.make_aware(datetime.combine(day, at))
            # A date in the future is refused on the date (GovukDateField); today at a later time
            # on the time.
            for message in services.occurred_at_errors(when).values():
                self.add_error("occurred_time", message)
            data["occurred_at"] = when
        return data

    def note_data(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in ("kind", "occurred_at", "text")}


class NoteInErrorForm(GovukForm):
    reason = text_area(
        "Why was this case note entered in error?",
        services.REASON_REQUIRED,
        help_text="For example, it was written on the wrong person's record, or with the wrong date",
    )

    def clean_reason(self) -> str:
        return clean_text(self.cleaned_data["reason"])


class ChronologyFilterForm(GovukForm):
    """The chronology's filters, from the page's query (GET): nothing in them is personal."""

    type = forms.MultipleChoiceField(
        label="Type",
        choices=FILTER_KINDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select types from the list"},
    )
    significant = forms.BooleanField(label="Significant events only", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The query's names are "from" and "to", which Python cannot declare as class attributes.
        self.fields["from"] = GovukDateField(
            label="From", label_for_errors="The ‘from’ date", past_only=False, required=False
        )
        self.fields["to"] = GovukDateField(
            label="To", label_for_errors="The ‘to’ date", past_only=False, required=False
        )
        self.order_fields(["type", "from", "to", "significant"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("from"), data.get("to")
        if since and until and until < since:
            self.add_error("to", "The ‘to’ date must be the same as or after the ‘from’ date")
        return data

    def filters(self) -> ChronologyFilters:
        """The filters asked for; call once the form is valid."""
        data = self.cleaned_data
        return ChronologyFilters(
            kinds=frozenset(data.get("type") or ()),
            since=data.get("from"),
            until=data.get("to"),
            significant_only=bool(data.get("significant")),
        )
