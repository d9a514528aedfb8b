"""Template helpers to render Django form fields, and the back link, with GOV.UK Frontend markup."""

from typing import Any

from django import forms, template
from django.urls import reverse

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


@register.inclusion_tag("includes/field.html")
def govuk_field(field: forms.BoundField, heading: bool = False, classes: str = "", hint: str = "") -> dict:
    return {
        "field": field,
        "kind": widget_kind(field),
        "heading": heading,
        "classes": classes,
        "hint": hint or field.help_text,
    }


@register.inclusion_tag("includes/back_link.html")
def back_link(to: str, *args: Any) -> dict[str, str]:
    """``{% back_link "concerns:detail" concern.reference %}`` or ``{% back_link url %}``: a URL
    name and its arguments, or a URL (one starting with a slash)."""
    return {"href": to if to.startswith("/") else reverse(to, args=args)}
