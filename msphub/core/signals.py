"""Sign-ins, failed sign-ins and sign-outs go in the access log (connected in CoreConfig.ready).

An entry keeps the user (a failed sign-in has none), the page and the client's address
(core.clients.client_ip: behind the load balancer, the one it names in CLIENT_IP_HEADER). For a
failed sign-in the username tried is kept only as a keyed hash, so attempts on one username can be
counted without storing what was typed (it may be someone's email address, or their password typed
into the wrong box); the password never is.

Only sign-ins made by a web request are logged: ``login()`` called by code with a bare request of
its own (the test client's ``force_login`` and ``logout``, a shell) has no page and no address and
is not someone signing in to the service.
"""

import ipaddress
from typing import Any, TypeGuard

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from . import clients
from .models import AccessEvent, AccessLog

USERNAME_HASH_SALT = "msphub.core.signals.username_hash"


def username_hash(username: str) -> str:
    """A keyed SHA-256 (HMAC with a key derived from SECRET_KEY) of a username as typed, casefolded
    and stripped: the same attempt gives the same hash, and the hash cannot be reversed by hashing
    a list of likely usernames without the key."""
    return salted_hmac(USERNAME_HASH_SALT, username.strip().casefold(), algorithm="sha256").hexdigest()


def client_ip(request: HttpRequest) -> str | None:
    value = clients.client_ip(request)
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _from_the_web(request: HttpRequest | None) -> TypeGuard[HttpRequest]:
    return request is not None and bool(request.path)


def _append(request: HttpRequest, action: AccessEvent, user: Any = None, **fields: Any) -> None:
    AccessLog.objects.append(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        page=request.path,
        ip_address=client_ip(request),
        **fields,
    )


def signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if _from_the_web(request):
        _append(request, AccessEvent.SIGN_IN, user)


def signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # Signing out when not signed in is not an event.
    if _from_the_web(request) and user is not None and user.is_authenticated:
        _append(request, AccessEvent.SIGN_OUT, user)


def sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if not _from_the_web(request):
        return
    username = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username")
    hashed = username_hash(username) if isinstance(username, str) and username.strip() else ""
    _append(request, AccessEvent.SIGN_IN_FAILED, username_hash=hashed)


def connect() -> None:
    user_logged_in.connect(signed_in, dispatch_uid="msphub.core.access_log.signed_in")
    user_logged_out.connect(signed_out, dispatch_uid="msphub.core.access_log.signed_out")
    user_login_failed.connect(sign_in_failed, dispatch_uid="msphub.core.access_log.sign_in_failed")
