"""The document forms: adding one (GOV.UK file upload) and marking one as entered in error."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from msphub.core.forms import GovukForm, clean_text, plain_text, radio_field, text_area, text_field

from . import services
from .filetypes import ACCEPT, FileType
from .models import Document


class UploadForm(GovukForm):
    field_order = ["file", "kind", "title"]

    file = forms.FileField(
        label="Upload a file",
        required=False,  # "Select a file" comes from services.check_upload, with the other checks
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
        error_messages={"empty": services.EMPTY, "missing": services.NO_FILE, "invalid": services.NO_FILE},
    )
    kind = radio_field("What type of document is it?", Document.Kind.choices, "Select the type of document")
    title = text_field(
        "Title",
        "Enter a title for the document",
        max_length=200,
        help_text="What you would call it, for example ‘Body map from the district nurse’s visit’",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.file_type: FileType | None = None

    def clean_file(self) -> Any:
        """Refused here by its size (before it is read) and by its type from the content, so that the
        page shows every problem at once; the service checks again before storing it."""
        upload = self.cleaned_data.get("file")
        self.file_type = services.check_upload(upload or None)
        return upload

    def clean_title(self) -> str:
        return plain_text(self.cleaned_data["title"], "Enter a title for the document")

    def hint(self) -> str:
        return (
            "A PDF, an image (PNG, JPEG, GIF, WebP, HEIC or TIFF) or an office document (Word, Excel, "
            f"PowerPoint or OpenDocument), smaller than {services.max_mb()}MB"
        )


class InErrorForm(GovukForm):
    reason = text_area(
        "Why was this document entered in error?",
        services.IN_ERROR_REASON,
        help_text="For example, it was added to the wrong person’s record, or it is the wrong file",
    )

    def clean_reason(self) -> str:
        reason = clean_text(self.cleaned_data["reason"])
        if not reason:
            raise ValidationError(services.IN_ERROR_REASON)
        return reason
