"""PUBLIC pages (``login_not_required``): the start page, the health check, the accessibility
statement and the privacy notice. They show no record and need no access decorator. Also the page
django-ratelimit answers with (RATELIMIT_VIEW), which no URL leads to."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@login_not_required
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    return render(request, "core/start.html")


@login_not_required
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when this app server can reach its database, 503 when it cannot."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("Health check: the database did not answer")
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


@login_not_required
@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


@login_not_required
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html")


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Too many sign-ins or concerns from one address in a short time (django-ratelimit): 429, and
    nothing of what was typed is kept or logged."""
    logger.warning("Rate limit reached on %s", request.path)
    return render(request, "core/rate_limited.html", status=429)
