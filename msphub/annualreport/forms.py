"""The annual report's forms: starting a report for a year, and writing a section."""

import re
from collections.abc import Collection
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from msphub.accounts.models import Organisation
from msphub.core.forms import GovukForm, clean_text, text_area

from .models import SECTION_HINTS, Section
from .services import report_years

MAX_LENGTH = 20000
# Something that looks like an HTML tag (<p>, </b>, <a href=...>): sections are plain text with
# paragraphs, printed as written, so markup would show as its characters. "a < b" is not a tag.
TAG = re.compile(r"</?[A-Za-z][^<>]*>")
NO_HTML = "Write plain text without HTML tags such as <p>: leave a blank line between paragraphs"


def _plain(value: str) -> str:
    text = clean_text(value).replace("\r\n", "\n")
    if TAG.search(text):
        raise ValidationError(NO_HTML)
    return text


class NewReportForm(GovukForm):
    year = forms.ChoiceField(
        label="Which financial year is the report for?",
        error_messages={
            "required": "Select the financial year",
            "invalid_choice": "Select a year from the list",
        },
    )

    def __init__(self, *args: Any, taken: Collection[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.taken = taken
        year = self.fields["year"]
        assert isinstance(year, forms.ChoiceField)
        year.choices = [("", "Select a year")] + [(y.label, y.label) for y in report_years()]

    def clean_year(self) -> Any:
        label = self.cleaned_data["year"]
        year = next(y for y in report_years() if y.label == label)
        if year.first_year in self.taken:
            raise ValidationError(f"There is already a report for {year}: open it from the list")
        return year


class SectionForm(GovukForm):
    """One section's text (every section but "What each member did")."""

    def __init__(self, *args: Any, key: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        title = Section(key).label
        self.fields["text"] = text_area(
            title,
            required=f"Enter the text of “{title}”",
            max_length=MAX_LENGTH,
            help_text=SECTION_HINTS[key] + " Leave a blank line between paragraphs.",
        )
        self.fields["text"].error_messages["max_length"] = (
            f"{title} must be {MAX_LENGTH:,} characters or fewer"
        )

    def clean_text(self) -> str:
        return _plain(self.cleaned_data["text"])

    def texts(self) -> dict[Organisation | None, str]:
        return {None: self.cleaned_data["text"]}


class MembersForm(GovukForm):
    """What each member did: a box for each member organisation, each optional, at least one written."""

    def __init__(self, *args: Any, members: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        for member in members:
            field = text_area(member.name, max_length=MAX_LENGTH)
            field.error_messages["max_length"] = (
                f"What {member.name} did must be {MAX_LENGTH:,} characters or fewer"
            )
            self.fields[self.name_for(member)] = field

    @staticmethod
    def name_for(member: Organisation) -> str:
        return f"member_{member.pk}"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for member in self.members:
            name = self.name_for(member)
            if name in data:
                try:
                    data[name] = _plain(data[name])
                except ValidationError as error:
                    self.add_error(name, error)
        if self.members and not self.errors and not any(data.get(self.name_for(m)) for m in self.members):
            self.add_error(self.name_for(self.members[0]), "Enter what at least one member did")
        return data

    def texts(self) -> dict[Organisation | None, str]:
        return {member: self.cleaned_data[self.name_for(member)] for member in self.members}
