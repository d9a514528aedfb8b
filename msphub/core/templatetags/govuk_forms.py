"""Template helpers to render Django form fields, and the back link, with GOV.UK Frontend markup."""

from typing import Any

from django import forms, template
from django.urls import reverse

from msphub.core.forms import GovukDateWidget

register = template.Library()


# The kind of GOV.UK markup for a widget: that of the first class here it is an instance of, so a
# subclass stands before its base (in Django, checkboxes are radios).
WIDGET_KINDS: tuple[tuple[type[forms.Widget], str], ...] = (
    (GovukDateWidget, "date"),
    (forms.CheckboxSelectMultiple, "checkboxes"),
    (forms.RadioSelect, "radios"),
    (forms.CheckboxInput, "checkbox"),
    (forms.Textarea, "textarea"),
    (forms.Select, "select"),
    (forms.HiddenInput, "hidden"),
)


@register.filter
def widget_kind(field: forms.BoundField) -> str:
    widget = field.field.widget
    return next((kind for cls, kind in WIDGET_KINDS if isinstance(widget, cls)), "input")


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
