"""``{% unread_notifications %}``: the signed-in user's unread notifications, for the navigation."""

from typing import Any

from django import template

from msphub.worktray.services import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    """One count (an index on user and read_at), asked only where the template shows the worktray,
    and not again where the page has counted them already (the home page, the worktray: ``unread``)."""
    if isinstance(context.get("unread"), int):
        return context["unread"]
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return unread_count(user)
