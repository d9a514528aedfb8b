"""Django forms rendered the GOV.UK way: specific error messages and a GOV.UK date input."""

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.html import strip_tags


class GovukDateWidget(forms.MultiWidget):
    """Day, month and year boxes, as GOV.UK's date input."""

    template_name = "includes/date_widget.html"

    def __init__(self, attrs: dict | None = None) -> None:
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            "day": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "month": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "year": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        # Django's BoundField marks a field with errors aria-invalid; the template draws GOV.UK's red
        # border on each box then, as the date input pattern does for a date that is wrong as a whole.
        context["widget"]["in_error"] = (attrs or {}).get("aria-invalid") == "true"
        return context


# The years a date may be in. Before 1900 is a mistyped year (nobody alive was born then). A date that
# may be in the future (a due date, a round's last conversation) stops before 2100, so that nothing
# typed reaches the end of the calendar (9999-12-31), past which date arithmetic fails.
MIN_YEAR = 1900
MAX_YEAR = 2099


class _DatePart(forms.Field):
    """One box of a date, as typed: GovukDateField.compress checks it, with messages naming the date.
    (A CharField would answer a NUL character with Django's own message, not naming the question.)"""

    def to_python(self, value: Any) -> str:
        return value if isinstance(value, str) else ""


def _digits(text: str) -> bool:
    """Only the digits 0 to 9 (str.isdigit alone also takes "²", "١" and "１")."""
    return text.isascii() and text.isdigit()


class GovukDateField(forms.MultiValueField):
    """A date from three boxes, with the GOV.UK error messages for each way it can be wrong.

    Whatever is typed, the answer is a date from MIN_YEAR to MAX_YEAR or a message naming the question
    (``label_for_errors``): a day of 99999999999999999999 is not a real date, not an error page."""

    widget = GovukDateWidget

    def __init__(self, *, label_for_errors: str, past_only: bool = True, **kwargs: Any) -> None:
        self.label_for_errors = label_for_errors
        self.past_only = past_only
        # The parts are optional on their own so compress() can say exactly which one is missing.
        fields = (_DatePart(required=False), _DatePart(required=False), _DatePart(required=False))
        kwargs.setdefault("require_all_fields", False)
        super().__init__(fields, **kwargs)
        self.error_messages["required"] = f"Enter {label_for_errors.lower()}"

    def compress(self, data_list: list) -> date | None:
        if not data_list or not any(v not in (None, "") for v in data_list):
            return None
        day, month, year = (str(v or "").strip() for v in data_list)
        name = self.label_for_errors
        missing = [part for part, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            raise ValidationError(f"{name} must include a {' and a '.join(missing)}")
        if not (_digits(day) and _digits(month) and _digits(year)):
            raise ValidationError(f"{name} must be a real date")
        if len(year) != 4:
            raise ValidationError("Year must include 4 numbers")
        # Leading zeros are fine ("01"); a day or month of more than 4 digits is not one, and is not
        # given to int() (99999999999999999999 overflowed date(); 5,000 digits are past int()'s limit).
        if len(day) > 4 or len(month) > 4 or not (1 <= int(day) <= 31 and 1 <= int(month) <= 12):
            raise ValidationError(f"{name} must be a real date")
        d, m, y = int(day), int(month), int(year)
        if y < MIN_YEAR:
            raise ValidationError(f"{name} must be after {MIN_YEAR}")
        try:
            value = date(y, m, d)
        except ValueError as exc:  # 31 February
            raise ValidationError(f"{name} must be a real date") from exc
        if self.past_only and value > timezone.localdate():
            raise ValidationError(f"{name} must be today or in the past")
        if value.year > MAX_YEAR:
            raise ValidationError(f"{name} must be before {MAX_YEAR + 1}")
        return value


class GovukForm(forms.Form):
    """A form whose required and length messages name the question, as GOV.UK asks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _govuk_messages(field)

    def clean(self) -> dict[str, Any]:
        # What Form.clean returns, typed as never None so that subclasses' clean() need not check.
        return self.cleaned_data

    def limit_choices(self, name: str, queryset: QuerySet[Any]) -> None:
        """Offer only ``queryset`` in the model choice field ``name`` (a council's staff, say)."""
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset


class YesNoField(forms.TypedChoiceField):
    """A yes-or-no question as GOV.UK radios: "yes" and "no" on the page, True and False in
    ``cleaned_data`` and as ``initial``; not answered is None.

    With ``unknown`` (its label, like "Not known yet") a third answer is offered and kept as None,
    for a question whose answer may not be known yet (a nullable field)."""

    widget = forms.RadioSelect

    def __init__(self, *, unknown: str | None = None, **kwargs: Any) -> None:
        choices = [("yes", "Yes"), ("no", "No")]
        if unknown is not None:
            choices.append(("unknown", unknown))
        self.unknown = unknown is not None
        super().__init__(choices=choices, coerce=_yes_no, empty_value=None, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if value is True or value is False:
            return "yes" if value else "no"
        if value is None and self.unknown:
            return "unknown"
        return value

    def bound_data(self, data: Any, initial: Any) -> Any:
        # A form posted without an answer shows no answer chosen, not "not known".
        return "" if data is None else super().bound_data(data, initial)


def text_field(label: str, required: str | None = None, max_length: int = 200, **kw: Any) -> forms.CharField:
    """A text question: required exactly when ``required`` (its error message) is given."""
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required is not None,
        error_messages={"required": required} if required else {},
        **kw,
    )


def text_area(label: str, required: str | None = None, max_length: int = 2000, **kw: Any) -> forms.CharField:
    """A free-text question in a textarea; required as for ``text_field``."""
    return text_field(label, required, max_length, widget=forms.Textarea, **kw)


def radio_field(label: str, choices: Any, required: str | None = None, **kw: Any) -> forms.ChoiceField:
    """A choice as GOV.UK radios; required as for ``text_field``."""
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        required=required is not None,
        error_messages={"required": required} if required else {},
        **kw,
    )


class ApproveOrReturnForm(GovukForm):
    """A team manager's answer to a request to sign off (the four-eyes rule): ``action`` is "approve"
    or "return", and whoever returns it says why. A subclass declares ``action``, its radios, and
    ``why_returned``, the error when it is returned without a reason."""

    field_order = ["action", "returned_comment"]
    why_returned = "Enter why it is being returned"
    returned_comment = text_area("If you are returning it, why?")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "return" and not clean_text(data.get("returned_comment", "")):
            self.add_error("returned_comment", self.why_returned)
        return data


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _govuk_messages(field: forms.Field) -> None:
    """Replace Django's generic messages with ones that name the question."""
    label = (field.label or "this").rstrip("?").strip()
    short = label[:1].lower() + label[1:]
    if field.error_messages.get("required") == forms.Field.default_error_messages["required"]:
        verb = "Select" if isinstance(field, forms.ChoiceField) else "Enter"
        field.error_messages["required"] = f"{verb} {short}"
    max_length = getattr(field, "max_length", None)
    if max_length:
        field.error_messages["max_length"] = f"{label} must be {max_length:,} characters or fewer"


def clean_text(value: str) -> str:
    """Free text is stored as typed (it is escaped on display); whitespace is trimmed."""
    return (value or "").strip()


def plain_text(value: str, required_message: str | None = None) -> str:
    """For short single-line fields (names): tags removed, since a name never contains markup.

    With ``required_message``, a value that was only markup counts as not given.
    """
    text = strip_tags(value or "").strip()
    if required_message and not text:
        raise ValidationError(required_message)
    return text


def initial_from(record: object, form_class: type[forms.Form]) -> dict[str, Any]:
    """The starting answers of a form that changes ``record``: its value for each of the form's fields."""
    return {name: getattr(record, name) for name in form_class.base_fields}


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data on POST (even when empty, so the form is validated), None on GET."""
    return request.POST if request.method == "POST" else None
