"""The address a request came from, for rate limits, sign-in lockouts and the access log.

Behind the load balancer (docs/deploy.md) every request's REMOTE_ADDR is the load balancer's, so one
person's mistakes would limit a whole council. With CLIENT_IP_HEADER set (e.g. ``X-Forwarded-For``)
the address is the right-most entry of that header: the one the load balancer itself added. Entries to
its left come from the client and can be made up, so they are never used.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        if entries:
            return entries[-1]
    return request.META.get("REMOTE_ADDR") or ""
