"""The forms of the coding pages: a codebook's themes, merging, the double-coded sample, quotes;
and reading the coding and reconciliation pages' checkboxes, whose names are built per answer."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.http import QueryDict

from msphub.core.forms import GovukForm, plain_text, text_area, text_field

from . import coding
from .models import Codebook, Theme


class CodebookThemeForm(GovukForm):
    """A theme's name and definition, new or changed."""

    label = text_field("Name of the theme", "Enter the name of the theme", max_length=200)
    definition = text_area(
        "Definition",
        max_length=2000,
        help_text="What an answer must say to carry this theme, so that every coder ticks it alike",
    )

    def __init__(
        self, *args: Any, codebook: Codebook | None, theme: Theme | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.codebook, self.theme = codebook, theme

    def clean_label(self) -> str:
        label = plain_text(self.cleaned_data["label"], "Enter the name of the theme")
        if coding.label_taken(self.codebook, label, exclude=self.theme):
            raise forms.ValidationError(f"The codebook has a theme called “{label}” already")
        return label

    def clean_definition(self) -> str:
        return (self.cleaned_data.get("definition") or "").strip()


class MergeForm(GovukForm):
    into = forms.ModelChoiceField(
        label="Merge it into",
        queryset=Theme.objects.none(),
        empty_label="Select a theme",
        error_messages={
            "required": "Select the theme to merge it into",
            "invalid_choice": "Select an active theme of this codebook",
        },
    )

    def __init__(self, *args: Any, theme: Theme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("into", coding.offered(theme.codebook).exclude(pk=theme.pk).order_by("label"))


class SampleDrawForm(GovukForm):
    """A random double-coded sample: a number of answers or a share of them."""

    size = text_field(
        "How many answers?",
        "Enter how many answers to double-code",
        max_length=10,
        help_text="A number, such as 10, or a share of the answers, such as 20%",
    )
    draw = forms.IntegerField(
        label="Draw number",
        min_value=1,
        max_value=9999,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),  # GOV.UK: numbers in a text input
        help_text="The same size and draw number always give the same sample; change it to draw again",
        error_messages={
            "invalid": "Enter the draw number as a whole number, such as 1",
            "min_value": "Enter a draw number from 1 to 9999",
            "max_value": "Enter a draw number from 1 to 9999",
        },
    )

    def __init__(self, *args: Any, total: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.total = total

    def clean_size(self) -> int:
        try:
            return coding.sample_size(self.cleaned_data["size"], self.total)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_draw(self) -> int:
        return self.cleaned_data.get("draw") or 1


class QuoteForm(GovukForm):
    """An excerpt of an answer, checked against the answer's words (coding.check_excerpt)."""

    excerpt = text_area(
        "Excerpt",
        "Enter the words to quote",
        max_length=2000,
        help_text="The answer's own words; mark words left out with ...",
    )

    def __init__(self, *args: Any, text: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.text = text

    def clean_excerpt(self) -> str:
        try:
            return coding.check_excerpt(self.text, self.cleaned_data["excerpt"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


def ids(data: QueryDict, name: str) -> set[int]:
    """The whole numbers posted under ``name`` (anything else - text, a NUL, "1e3" - is no id)."""
    return {i for i in map(coding.posted_id, data.getlist(name)) if i is not None}


def ids_listed(data: QueryDict, name: str) -> set[int] | None:
    """The whole numbers of a comma-separated list posted under ``name``; None if it was not posted
    (a page or script from before the field)."""
    value = data.get(name)
    if value is None:
        return None
    return {i for i in map(coding.posted_id, value.split(",")) if i is not None}


def one_id(data: QueryDict, name: str) -> int | None:
    found = ids(data, name)
    return next(iter(found)) if len(found) == 1 else None


THEME_FIELD = re.compile(r"^theme_(\d{1,18})$")


def coding_posted(
    data: QueryDict, shown: set[int], themes: list[Theme] | None = None
) -> tuple[dict[int, set[int] | None], list[int]]:
    """The coding posted from the coding page: for each answer the page showed (``shown``, the
    ids it posts back as "shown", of those the coder may code), the themes ticked, an empty set for
    "None of these themes", or None for nothing ticked; and the answers where both themes and
    "None of these themes" were ticked (nothing is saved then). Every ``theme_<id>`` posted is
    read (``themes``, if given, limits them): a theme merged or retired since the page was shown
    is for the service to follow or refuse, never silently dropped."""
    on_page = ids(data, "shown") & shown
    none = ids(data, "none")
    wanted = None if themes is None else {t.pk for t in themes}
    ticked: dict[int, set[int]] = {}
    for name in data:
        found = THEME_FIELD.match(name)
        if found is None or (wanted is not None and int(found.group(1)) not in wanted):
            continue
        for answer_id in ids(data, name) & on_page:
            ticked.setdefault(answer_id, set()).add(int(found.group(1)))
    both = sorted(a for a in on_page if a in none and ticked.get(a))
    out: dict[int, set[int] | None] = {}
    for answer_id in on_page:
        if answer_id in ticked:
            out[answer_id] = ticked[answer_id]
        elif answer_id in none:
            out[answer_id] = set()
        else:
            out[answer_id] = None
    return out, both


def stamps_posted(data: QueryDict, answer_ids: set[int]) -> dict[int, str]:
    """{answer id: the stamp of the coder's coding the page showed} (``shown_<answer id>``; a NUL
    is no stamp)."""
    out = {}
    for answer_id in answer_ids:
        value = data.get(f"shown_{answer_id}")
        if value is not None:
            out[answer_id] = value.replace("\x00", "")[:2000]
    return out
