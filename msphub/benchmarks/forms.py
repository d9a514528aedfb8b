from typing import Any

from django import forms

from msphub.core.forms import GovukForm
from msphub.core.imports import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB
from msphub.core.periods import FinancialYear

from .comparison import SOURCES


class ComparisonForm(GovukForm):
    """What to compare: all optional, so the page opens with sensible defaults (views.py)."""

    year = forms.ChoiceField(
        label="Financial year",
        required=False,
        error_messages={"invalid_choice": "Select a financial year from the list"},
    )
    source = forms.ChoiceField(
        label="Figures from",
        choices=[("", "Choose for me"), *SOURCES],
        required=False,
        error_messages={"invalid_choice": "Select where the figures come from"},
    )
    council = forms.CharField(label="Council", required=False, max_length=9)

    def __init__(self, *args: Any, years: list[FinancialYear], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year = self.fields["year"]
        assert isinstance(year, forms.ChoiceField)
        year.choices = [(y.label, y.label) for y in years]

    def clean_year(self) -> FinancialYear | None:
        """The year chosen (one of the choices, so a year), or None for the default."""
        label = self.cleaned_data["year"]
        return FinancialYear.parse(label) if label else None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        single = super().clean
        if isinstance(data, (list, tuple)):
            # No file chosen arrives as an empty list: clean None so "required" applies.
            return [single(item, initial) for item in data] if data else [single(None, initial)]
        return [single(data, initial)]


# Each file at most MAX_UPLOAD_BYTES (a council's file is about 35 KB). At most 200 files at once:
# England has 153 councils, so a national lead can import a year for all of them in one go.
MAX_FILE_BYTES = MAX_UPLOAD_BYTES
MAX_FILES = 200


class ImportForm(GovukForm):
    # The field's name is the upload's name in the page; the stubs mistake it for Form.files.
    files = MultipleFileField(  # type: ignore[assignment]
        label="Benchmark files (JSON)",
        help_text="One file a council, as its safeguarding lead downloads it or benchmark_export writes it. "
        "You can choose several at once.",
        error_messages={"required": "Choose one or more benchmark files"},
    )
    replace = forms.BooleanField(
        label="Replace a council's figures if its file for the year was imported already",
        required=False,
    )

    def clean_files(self) -> list:
        """The uploads, refused by their number and size before anything reads them."""
        files = self.cleaned_data["files"]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"Choose {MAX_FILES} files or fewer")
        for upload in files:
            if upload.size > MAX_FILE_BYTES:
                raise forms.ValidationError(
                    f"{upload.name} is larger than {MAX_UPLOAD_MB} MB: it is not a benchmark file"
                )
        return files
