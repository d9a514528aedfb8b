"""``{% unread_notifications %}``: the signed-in user's unread notifications, for the navigation."""

from typing import Any

from django import template

from msphub.worktray.models import Notification

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    """One count (an index on user and read_at), asked only where the template shows the worktray."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.for_user(user).unread().count()
