"""Headers every response of the app carries."""

import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (with Django's never-cache set) on every page and file the app
    answers, signed in or not: casework pages, downloads, and the public concern form re-shown with
    what someone typed about an adult all hold personal data, and no browser or shared cache may keep
    them. Static files are answered by WhiteNoise before this runs and stay cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


class RefuseNulMiddleware:
    """A NUL character in the path is refused with 400 before any view runs: no reference holds one,
    and PostgreSQL refuses it in a text comparison (a 500 otherwise). A NUL in the query string or in
    what is posted is the forms' to refuse, with a message on the page (Django's
    ProhibitNullCharactersValidator), and ``core.access.get_record`` answers a lookup holding one with
    404. The API answers in JSON, as it answers every error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            if request.path.startswith("/api/"):
                message = "The address holds a character it may not hold (NUL)"
                return JsonResponse({"errors": [{"field": None, "message": message}]}, status=400)
            return HttpResponseBadRequest("The address holds a character it may not hold.")
        return self.get_response(request)


# How often a signed-in user's requests renew their session (its expiry moves to now + the idle
# timeout). Renewing on every request would write the session on every page; once a minute keeps the
# timeout accurate to a minute.
RENEW_EVERY_SECONDS = 60
ACTIVITY_KEY = "_last_activity"


def note_activity(session: Any) -> None:
    """The session was used now: saved, its expiry moves to now + SESSION_COOKIE_AGE."""
    session[ACTIVITY_KEY] = int(time.time())


class IdleTimeoutMiddleware:
    """Signs nobody out itself: the session's own expiry (SESSION_COOKIE_AGE, IDLE_TIMEOUT_MINUTES in
    settings) does, counted from the last renewal here. The page's warning (msphub/timeout.js) asks the
    keep-alive URL to renew before it ends."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            last = request.session.get(ACTIVITY_KEY)
            if not isinstance(last, int) or time.time() - last >= RENEW_EVERY_SECONDS:
                note_activity(request.session)
        return self.get_response(request)
