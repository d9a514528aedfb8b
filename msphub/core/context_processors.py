from django.conf import settings
from django.http import HttpRequest


def service(request: HttpRequest) -> dict:
    return {"service_name": settings.MSPHUB["SERVICE_NAME"], "demo_site": settings.MSPHUB["DEMO_SITE"]}


def idle_timeout(request: HttpRequest) -> dict:
    """Seconds until a signed-in user's session ends unused, for the page's warning; 0 when signed out."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {"idle_timeout_seconds": settings.SESSION_COOKIE_AGE if signed_in else 0}
