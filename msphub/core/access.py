"""The one permission chokepoint: every record lookup in a view goes through here.

Each record model's queryset implements ``for_user(user, action)``, which narrows it to the rows the
user may see (``action="view"``) or change (other actions) under docs in ../shared/domain/access.md.
A record outside that set is answered with 404, so an outsider cannot even learn that it exists.
Viewing a record writes an access-log entry.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar, cast

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from .models import AccessLog


class Action(StrEnum):
    """What a user wants to do with a record; each queryset's ``for_user`` decides who may."""

    VIEW = "view"
    EDIT = "edit"
    TRIAGE = "triage"
    SIGN_OFF = "sign_off"
    FEEDBACK = "feedback"
    STATUS = "status"  # a partner referrer following a concern their agency raised
    CAPTURE = "capture"  # temperature check: record a conversation
    CODE = "code"  # temperature check: code open answers
    MANAGE = "manage"  # temperature check: set a round up, import, close
    COMPARE = "compare"  # temperature check: a round's figures (aggregates) beside another's


@dataclass(frozen=True)
class Permission:
    """Who may open a kind of page that is not one record: a list, a dashboard, a form that starts
    something. Views require it with ``@requires``; navigation and home links ask the same object,
    so a link is shown exactly when its page would open."""

    name: str
    test: Callable[[Any], bool]

    def allows(self, user: Any) -> bool:
        return bool(user is not None and user.is_authenticated and self.test(user))


ViewFunc = Callable[..., HttpResponse]
M = TypeVar("M", bound=Model)


def requires(permission: Permission) -> Callable[[ViewFunc], ViewFunc]:
    """A view only users with ``permission`` may open; everyone else gets 404."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not permission.allows(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        wrapped.access = permission  # type: ignore[attr-defined]
        return wrapped

    return decorator


def record(
    queryset: QuerySet,
    action: Action = Action.VIEW,
    *,
    url_kwarg: str = "reference",
    field: str | None = None,
    arg: str | None = None,
    permission: Permission | None = None,
    where: Callable[[Any], bool] | None = None,
    log: bool = True,
) -> Callable[[ViewFunc], ViewFunc]:
    """A view of one record, looked up through the chokepoint from the URL's ``url_kwarg``.

    The record is passed to the view as ``arg`` (default: the model's name, like ``enquiry``) in
    place of the URL value. ``permission`` is checked first; ``where`` is a state the record must
    be in for this page (an enquiry still open, say), else 404 as for an outsider.
    """

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if permission is not None and not permission.allows(request.user):
                raise Http404
            rows = queryset.all()  # a fresh copy: the decorator's queryset is shared by every request
            value = kwargs.pop(url_kwarg)
            found = get_record(request, rows, action, log=log, **{field or url_kwarg: value})
            if where is not None and not where(found):
                raise Http404
            kwargs[arg or str(found._meta.model_name)] = found
            response = view(request, *args, **kwargs)
            # A POST answered with a page (a form shown again with its errors) shows the record again:
            # a view like any GET. A POST that saved answers with a redirect and is in the history.
            if log and request.method == "POST" and response.status_code == 200:
                log_view(request, found)
            return response

        wrapped.access = (action, permission)  # type: ignore[attr-defined]
        return wrapped

    return decorator


def visible(request: HttpRequest, queryset: QuerySet[M], action: str = "view") -> QuerySet[M]:
    """The rows of ``queryset`` the signed-in user may see (or act on, for other actions)."""
    for_user: Callable[[Any, str], QuerySet[M]] | None = getattr(queryset, "for_user", None)
    if for_user is None:
        # A record type that does not say who may see it is a programming error, not a 404.
        raise TypeError(f"{queryset.model.__name__}'s queryset has no for_user(user, action)")
    if not request.user.is_authenticated:
        return queryset.none()
    return for_user(request.user, action)


def get_record(
    request: HttpRequest, queryset: QuerySet[M], action: str = "view", log: bool = True, **lookup: Any
) -> M:
    """Fetch one record the user may see or act on, or raise 404.

    Every page that shows the record (any GET) writes an access-log entry; a POST that changes the
    record is kept in its history instead (``record`` logs a POST answered with the page again).
    """
    if any(isinstance(value, str) and "\x00" in value for value in lookup.values()):
        # No reference holds a NUL (and PostgreSQL refuses one in a text comparison): no such record.
        raise Http404("No such record")
    rows = visible(request, queryset, action)
    if rows.query.is_empty():
        # Nothing of this kind is open to the user (a partner asking for a concern's page, say):
        # answered before the lookup's joins are compiled, as most refusals are.
        raise Http404("No such record")
    try:
        record = rows.get(**lookup)
    except ObjectDoesNotExist as exc:
        raise Http404("No such record") from exc
    if log and request.method == "GET":
        log_view(request, record)
    return record


def _view_entry(request: HttpRequest, record: Model) -> dict[str, Any]:
    """The access-log entry for ``request``'s user viewing ``record`` (by its uuid), from its page. A
    record with no uuid (a temperature-check round, say) is named by its reference or slug."""
    reference = getattr(record, "reference", "") or getattr(record, "slug", "") or ""
    return {
        "user": request.user,
        "record_type": record._meta.label_lower,
        "record_id": getattr(record, "uuid", None),
        "record_reference": str(reference)[:40],
        "page": request.path.replace("\x00", "")[:200],
    }


def log_view(request: HttpRequest, record: Model) -> None:
    """An access-log entry: who viewed which record (by its uuid), from which page."""
    if request.user.is_authenticated:
        AccessLog.objects.append(**_view_entry(request, record))


def log_shown(request: HttpRequest, records: Iterable[Model]) -> None:
    """An access-log entry (as ``log_view``) for each record a page shows that ``get_record`` did not
    log: search results and likely duplicates. One insert for them all, under the chain's one lock."""
    if not request.user.is_authenticated:
        return
    shown = {(r._meta.label_lower, r.pk): r for r in records}.values()
    AccessLog.objects.append_many([_view_entry(request, r) for r in shown])


def access_log_for(record: Model) -> QuerySet[AccessLog]:
    return AccessLog.objects.filter(
        record_type=record._meta.label_lower, record_id=cast(Any, record).uuid
    ).select_related("user")
