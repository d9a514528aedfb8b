"""The one permission chokepoint: every record lookup in a view goes through here.

Each record model's queryset implements ``for_user(user, action)``, which narrows it to the rows the
user may see (``action="view"``) or change (other actions) under docs in ../shared/domain/access.md.
A record outside that set is answered with 404, so an outsider cannot even learn that it exists.
Viewing a record writes an access-log entry.
"""

from typing import Any

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from .models import AccessLog


def visible(request: HttpRequest, queryset: QuerySet, action: str = "view") -> QuerySet:
    """The rows of ``queryset`` the signed-in user may see (or act on, for other actions)."""
    if not request.user.is_authenticated:
        return queryset.none()
    return queryset.for_user(request.user, action)


def get_record(
    request: HttpRequest, queryset: QuerySet, action: str = "view", log: bool = True, **lookup: Any
) -> Model:
    """Fetch one record the user may see or act on, or raise 404.

    Every page that shows the record (any GET) writes an access-log entry; POSTs change the record
    and are kept in its history instead.
    """
    try:
        record = visible(request, queryset, action).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404("No such record") from exc
    if log and request.method == "GET":
        log_view(request, record)
    return record


def log_view(request: HttpRequest, record: Model) -> None:
    AccessLog.objects.create(
        user=request.user,
        record_type=record._meta.label_lower,
        record_id=record.uuid,
        record_reference=getattr(record, "reference", "") or "",
        page=request.path[:200],
    )


def access_log_for(record: Model) -> QuerySet:
    return AccessLog.objects.filter(
        record_type=record._meta.label_lower, record_id=record.uuid
    ).select_related("user")
