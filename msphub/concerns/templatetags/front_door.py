"""Times at the front door as GOV.UK writes them: "1 December 2026, 5:59pm", in London time."""

from datetime import datetime

from django import template
from django.utils import dateformat, timezone

register = template.Library()


@register.filter
def govuk_datetime(value: datetime | None) -> str:
    """A moment in the council's time zone (``TIME_ZONE``, Europe/London: GMT or BST as the day
    has it), with GOV.UK's "midnight" and "midday" and lower-case am and pm."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    if (local.hour, local.minute) == (0, 0):
        time = "midnight"
    elif (local.hour, local.minute) == (12, 0):
        time = "midday"
    else:
        time = f"{local.hour % 12 or 12}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"
    return f"{dateformat.format(local, 'j F Y')}, {time}"
