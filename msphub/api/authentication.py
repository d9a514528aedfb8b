"""How an API call says who it is (a bearer token), what it may do (the token's scopes), how often
(per token), how its body is read (JSON only, bounded), and how every refusal is answered (JSON that
names the field). Used by the API's views only (views.PartnerApiView), never by the pages."""

import codecs
import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.http import Http404
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import exception_handler

from . import services
from .models import ApiToken

NO_TOKEN = "Send your API token in the Authorization header, as: Bearer <token>"  # noqa: S105 (words)
BAD_TOKEN = "The API token is not valid: it may have been revoked"  # noqa: S105 (words)


class BearerTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer msp_<prefix>_<secret>``. The token's client user is the request's
    user (its calls are logged under it); the token is ``request.auth``. A session cookie counts for
    nothing here: signed in or not, a call without a token is refused (401)."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, presented = header.partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            raise exceptions.AuthenticationFailed(NO_TOKEN)
        token = services.authenticate(presented.strip())
        if token is None:
            raise exceptions.AuthenticationFailed(BAD_TOKEN)
        # For views.PartnerApiView.finalize_response, which logs the call (it must not start an
        # authentication of its own when a call was refused before one).
        request.api_token = token
        return token.client, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="msphub"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """The token in the OpenAPI schema (drf-spectacular finds extensions by their target class)."""

    target_class = "msphub.api.authentication.BearerTokenAuthentication"
    name = "partnerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token made by the council's safeguarding lead for your organisation.",
        }


class HasScope(BasePermission):
    """A token, allowed the view's ``required_scope`` (``ApiToken.Scope``)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        scope = view.required_scope
        if not token.allows(scope):
            self.message = f"This token may not do this: it needs the {scope} scope"
            return False
        return True


class PerTokenThrottle(SimpleRateThrottle):
    """Each token's calls in a moving window (``API_RATE_LIMIT``, default 60 a minute); over it, 429
    with Retry-After. Counted in the default cache: with several processes, use a shared cache."""

    scope = "api_token"

    def get_rate(self) -> str:
        return str(getattr(settings, "API_RATE_LIMIT", "60/min"))

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        token = request.auth
        return f"msphub-api-throttle-{token.pk}" if isinstance(token, ApiToken) else None


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large"


NOT_JSON = "The request body is not valid JSON"
TOO_DEEP = "The request body is not valid JSON: it is nested too deeply"


class NotAJSONValue(ValueError):
    """A constant Python's reader takes but JSON does not have (NaN, Infinity): in our own words."""


class BoundedJSONParser(JSONParser):
    """JSON, at most ``API_MAX_BODY_BYTES`` (default 64 KiB: the longest concern is about 20 KiB).
    Any body that is not JSON, nested too deep to read or too large is a 400 or 413, never a 500.

    The messages are fixed words (with the line and column of a syntax error), never the text of
    Python's own exception: an integer of thousands of digits, say, is refused by Python with words
    about its interpreter's limits."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = int(getattr(settings, "API_MAX_BODY_BYTES", 64 * 1024))
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(f"The request body must be {limit:,} bytes or fewer")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
            return json.loads(text, parse_constant=_no_constants)
        except json.JSONDecodeError as exc:
            raise exceptions.ParseError(f"{NOT_JSON} (line {exc.lineno}, column {exc.colno})") from None
        except NotAJSONValue as exc:
            raise exceptions.ParseError(f"{NOT_JSON}: {exc}") from None
        except RecursionError:
            raise exceptions.ParseError(TOO_DEEP) from None
        except (ValueError, LookupError):
            # Not in the charset it says (or an unknown one), an integer too long to read, ...
            raise exceptions.ParseError(NOT_JSON) from None


def _no_constants(name: str) -> None:
    raise NotAJSONValue(f"{name} is not a JSON value")


class AlwaysJSON(BaseContentNegotiation):
    """Every answer is JSON, whatever the Accept header asks (never a 406 or an HTML page)."""

    def select_parser(self, request: Request, parsers: Iterable[Any]) -> Any:
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        return next((p for p in parsers if p.media_type == media_type), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[Any], format_suffix: str | None = None
    ) -> Any:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


# The words of each refusal: the framework's own are written for developers of the framework.
MESSAGES: dict[type[exceptions.APIException], str] = {
    exceptions.NotAuthenticated: NO_TOKEN,
    exceptions.UnsupportedMediaType: "Send the body as JSON, with Content-Type: application/json",
}


def json_errors(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The API's exception handler (views.PartnerApiView.get_exception_handler): every refusal as
    ``{"errors": [{"field": ..., "message": ...}]}``, with the framework's status and headers
    (WWW-Authenticate, Retry-After)."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None
    response.data = {"errors": _problems(exc)}
    return response


def _problems(exc: Exception) -> list[dict[str, Any]]:
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        return [
            {"field": None if name == "non_field_errors" else str(name), "message": str(message)}
            for name, messages in exc.detail.items()
            for message in (messages if isinstance(messages, list) else [messages])
        ]
    if isinstance(exc, exceptions.Throttled):
        seconds = getattr(exc, "wait", None)
        wait = f"{seconds:.0f} seconds" if seconds is not None else "a minute"
        return [{"field": None, "message": f"Too many requests with this token: try again in {wait}"}]
    message = next((words for kind, words in MESSAGES.items() if type(exc) is kind), None)
    if message is None and isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail[0] if isinstance(detail, list) and detail else detail)
    return [{"field": None, "message": message or "The request could not be done"}]
