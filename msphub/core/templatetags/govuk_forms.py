"""Template helpers to render Django form fields with GOV.UK Frontend markup."""

from django import forms, template

from msphub.core.forms import GovukDateWidget

register = template.Library()


@register.filter
def widget_kind(field: forms.BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, GovukDateWidget):
        return "date"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    return "input"


@register.filter
def error_anchor(field: forms.BoundField) -> str:
    """The id of the first input of a field, for the error summary's links."""
    if widget_kind(field) in ("date", "radios", "checkboxes"):
        return f"{field.auto_id}_0"
    return field.auto_id


@register.filter
def is_checked(field: forms.BoundField, value: object) -> bool:
    current = field.value()
    if isinstance(current, list | tuple):
        return str(value) in [str(v) for v in current]
    return str(current) == str(value) if current not in (None, "") else False


@register.inclusion_tag("includes/field.html")
def govuk_field(field: forms.BoundField, heading: bool = False, classes: str = "", hint: str = "") -> dict:
    return {
        "field": field,
        "kind": widget_kind(field),
        "heading": heading,
        "classes": classes,
        "hint": hint or field.help_text,
    }
