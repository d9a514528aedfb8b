"""The API for partner systems, its schema and docs page, and the lead's token pages.

The API's views (``PartnerApiView``) are not behind the sign-in (``login_not_required``): a session
counts for nothing there. Each call carries a token (authentication.py); refusals are JSON naming the
field; every call a token makes that reaches what it asked for (past the token, the rate and the
scope) is in the access log under the token's client user, like a page view, with the concern where
there is one. The schema and the docs page are public: they describe the API
and hold no data. The token pages are the safeguarding lead's (``API_TOKENS``)."""

import functools
import logging
import re
from typing import Any, ClassVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from msphub.accounts.permissions import API_TOKENS
from msphub.accounts.requests import AuthenticatedRequest
from msphub.concerns.models import Concern
from msphub.core.access import Action, get_record, record, requires, visible
from msphub.core.clients import client_ip
from msphub.core.forms import posted
from msphub.core.models import AccessLog
from msphub.core.states import StateChanged

from . import docs, services
from .authentication import (
    AlwaysJSON,
    BearerTokenAuthentication,
    BoundedJSONParser,
    HasScope,
    PerTokenThrottle,
    json_errors,
)
from .forms import NewTokenForm
from .models import ApiToken, ConcernsForSystems
from .serializers import ConcernStatusSerializer, ErrorsSerializer, RaiseConcernSerializer, RaisedSerializer

logger = logging.getLogger(__name__)

REFERENCE_RE = re.compile(r"^CON-\d{4}-\d{6}$")
NO_SUCH_CONCERN = "No concern with this reference was raised by your organisation"


def _errors(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorsSerializer, description=description)


# Refusals every call may get.
REFUSALS = {
    401: _errors("No token, or a token that is not valid or has been revoked."),
    403: _errors("The token does not have the scope this call needs."),
    429: _errors("Too many calls with this token: wait for the number of seconds in Retry-After."),
}
RETRY_AFTER = OpenApiParameter(
    "Retry-After", type=int, location=OpenApiParameter.HEADER, response=[429], description="Seconds to wait."
)


class PartnerSchema(AutoSchema):
    """Every object the API reads or answers has exactly the fields the schema names: a field sent
    that is not one of the concern's is refused (400), not dropped unnoticed."""

    def _map_serializer(self, serializer: Any, direction: str, bypass_extensions: bool = False) -> Any:
        mapped = super()._map_serializer(serializer, direction, bypass_extensions)
        mapped["additionalProperties"] = False
        return mapped


class PartnerApiView(APIView):
    """A call from a partner system: token, rate limit, scope, JSON in and out, logged."""

    schema = PartnerSchema()
    # Only the methods the schema documents: OPTIONS is refused (405) like any other, rather than
    # answered with the framework's description of the view (its parsers, renderers and docstring).
    http_method_names = ["get", "post", "head"]
    metadata_class = None
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [PerTokenThrottle]
    parser_classes = [BoundedJSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AlwaysJSON
    required_scope: ClassVar[str]

    def get_exception_handler(self) -> Any:
        return json_errors

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """DRF's ``APIView.initial`` (3.18), with the rate checked before the scope: DRF checks
        permissions first, so a token without the scope a call needs would be refused (403) as often
        as its system asked, never slowed by the rate limit. Here every call with a valid token counts
        against its rate, whatever it is refused for afterwards."""
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(request)
        request.version, request.versioning_scheme = self.determine_version(request, *args, **kwargs)
        self.perform_authentication(request)
        self.check_throttles(request)
        self.check_permissions(request)
        # Past the token, the rate and the scope, to a method the view has: the call is logged.
        method = (request.method or "").lower()
        request.reached_view = method in self.http_method_names and hasattr(self, method)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        token = getattr(request, "api_token", None)
        # Every call that reached what it asked for, like a page view, whatever its answer: a concern
        # raised or read, answers refused, a reference not found (a system trying references shows).
        # Not a call refused before that, having touched no record: no valid token (no user to name),
        # over the rate, without the scope, a method the address does not take. A runaway or
        # misconfigured system is refused at once and would otherwise flood the log.
        if isinstance(token, ApiToken) and getattr(request, "reached_view", False):
            concern: Concern | None = getattr(request, "logged_concern", None)
            AccessLog.objects.append(
                user=token.client,
                # As core.access logs a page: no NUL (PostgreSQL refuses one; the middleware refuses a
                # path holding one before any view, so this is only in case).
                page=request.path.replace("\x00", "")[:200],
                ip_address=client_ip(request),
                record_type=concern._meta.label_lower if concern else "",
                record_id=concern.uuid if concern else None,
                record_reference=concern.reference if concern else "",
            )
        return response


class RaiseConcernView(PartnerApiView):
    required_scope = ApiToken.Scope.RAISE

    @extend_schema(
        operation_id="raise_concern",
        summary="Raise a safeguarding concern",
        description=(
            "Raises a concern with the council the token was made for, with the same questions and "
            "rules as the concern form; it reaches the council's front door as the form's do. Every "
            "problem is answered at once, each naming its field. With an Idempotency-Key, sending the "
            "same request again (a retry after a timeout, say) gives the same reference and never a "
            "second concern; the same key with a different body is refused (422)."
        ),
        request=RaiseConcernSerializer,
        parameters=[
            OpenApiParameter(
                services.IDEMPOTENCY_HEADER,
                type=str,
                location=OpenApiParameter.HEADER,
                required=False,
                pattern=services.IDEMPOTENCY_KEY_RE.pattern,
                description="A key you make for this concern (a UUID, say), 1 to 255 visible ASCII "
                "characters. Kept with the concern for as long as the concern is kept.",
            ),
            OpenApiParameter(
                "Idempotent-Replayed",
                type=str,
                enum=["true"],
                location=OpenApiParameter.HEADER,
                response=[201],
                description="Sent when the key was used before: the concern is the one raised then.",
            ),
            RETRY_AFTER,
        ],
        responses={
            201: OpenApiResponse(RaisedSerializer, description="Raised (or raised before, with this key)."),
            400: _errors(
                "The body is not valid JSON, or answers are missing or wrong (each is named), or the "
                "address holds a NUL."
            ),
            413: _errors("The body is too large."),
            415: _errors("The body is not sent as application/json."),
            422: _errors("The Idempotency-Key was used before with a different body."),
            **REFUSALS,
        },
        examples=[
            OpenApiExample(
                "A concern from a police system",
                request_only=True,
                value={
                    "immediate_danger": False,
                    "raiser_name": "PC Sam Jones",
                    "raiser_role": "Police constable",
                    "raiser_reference": "INC-2026-0412",
                    "raiser_email": "sam.jones@police.example",
                    "adult_given_name": "Edna",
                    "adult_family_name": "Marsh",
                    "adult_date_of_birth": "1938-05-17",
                    "what_happened": "Bruising on both arms noticed during a welfare check.",
                    "risk_types": ["Physical Abuse"],
                    "location_of_risk": "Own Home",
                    "source_of_risk": "Other - Known to individual",
                    "consent": "given",
                    "msp_asked": True,
                    "wants_to_happen": "For the visits to stop",
                },
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        try:
            token = request.auth
            assert isinstance(token, ApiToken)  # HasScope let it through
            raised = services.raise_concern(
                token, request.data, request.headers.get(services.IDEMPOTENCY_HEADER)
            )
        except services.Refused as refused:
            return Response(
                {"errors": [{"field": p.field, "message": p.message} for p in refused.problems]},
                status=refused.status,
            )
        request.logged_concern = raised.concern
        headers = {"Idempotent-Replayed": "true"} if raised.replayed else {}
        return Response({"reference": raised.concern.reference}, status=201, headers=headers)


class ConcernStatusView(PartnerApiView):
    required_scope = ApiToken.Scope.READ
    # Through the chokepoint: the concerns the token's organisation raised with the token's council
    # (models.ConcernsForSystems).
    concerns: ConcernsForSystems = ConcernsForSystems(model=Concern).select_related("decision")

    @extend_schema(
        operation_id="concern_status",
        summary="The status of a concern your organisation raised",
        description=(
            "Your own reference, the status in the words partners are told, the day it was received, "
            "what the council decided (once signed off) and the outcome the council wrote for you, in "
            "the words your organisation's referrers see on their page. Nothing about the adult. A "
            "concern your organisation did not raise with this token's council is not found, exactly "
            "as one that does not exist."
        ),
        parameters=[RETRY_AFTER],
        responses={
            200: OpenApiResponse(ConcernStatusSerializer, description="The concern's status."),
            # core.middleware.RefuseNulMiddleware, before any view.
            400: _errors("The address holds a character it may not (a NUL)."),
            404: _errors("No concern with this reference was raised by your organisation."),
            **REFUSALS,
        },
    )
    def get(self, request: Request, reference: str) -> Response:
        if not REFERENCE_RE.match(reference):
            # Not a reference at all: as one that does not exist, without asking the database.
            raise exceptions.NotFound(NO_SUCH_CONCERN)
        try:
            concern = get_record(request, self.concerns.all(), Action.STATUS, log=False, reference=reference)
        except Http404:
            raise exceptions.NotFound(NO_SUCH_CONCERN) from None
        request.logged_concern = concern
        return Response(services.status_of(concern))


raise_concern = login_not_required(RaiseConcernView.as_view())
concern_status = login_not_required(ConcernStatusView.as_view())


@functools.cache
def openapi() -> dict[str, Any]:
    """The OpenAPI 3 schema, generated by drf-spectacular from the views and serializers above, once
    a process (it changes only with the code)."""
    return SchemaGenerator().get_schema(request=None, public=True)


@login_not_required
@require_safe
def schema(request: HttpRequest) -> JsonResponse:
    """The schema, public: it describes the API and holds no data."""
    return JsonResponse(openapi(), json_dumps_params={"ensure_ascii": False})


@login_not_required
@require_safe
def api_docs(request: HttpRequest) -> HttpResponse:
    """The API's documentation, drawn from the schema on a GOV.UK page (public, as the schema)."""
    rate = str(getattr(settings, "API_RATE_LIMIT", "60/min")).replace("/min", " a minute")
    return render(request, "api/docs.html", {"api": docs.from_schema(openapi()), "rate": rate})


@login_not_required
@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other address under /api/v1/: JSON, never the HTML page a person would get."""
    return JsonResponse({"errors": [{"field": None, "message": "No such API address"}]}, status=404)


# --- The safeguarding lead's token pages ----------------------------------------------------------


@require_GET
@requires(API_TOKENS)
def tokens(request: AuthenticatedRequest) -> HttpResponse:
    rows = visible(request, ApiToken.objects.select_related("organisation", "created_by", "revoked_by"))
    return render(request, "api/tokens.html", {"tokens": rows})


@require_http_methods(["GET", "POST"])
@requires(API_TOKENS)
def token_new(request: AuthenticatedRequest) -> HttpResponse:
    council = request.user.organisation
    assert council is not None  # a council's lead (API_TOKENS)
    partners = services.partners_of(council)
    form = NewTokenForm(posted(request), partners=partners)
    if request.method == "POST" and form.is_valid():
        token, secret = services.create_token(
            council,
            form.cleaned_data["organisation"],
            form.cleaned_data["name"],
            form.cleaned_data["scopes"],
            request.user,
        )
        logger.info("API token %s made by user %s", token.prefix, request.user.pk)
        # Shown this once, in the answer to the POST (never stored, never in a URL or the session).
        return render(request, "api/token_created.html", {"token": token, "secret": secret})
    return render(request, "api/token_new.html", {"form": form, "partners": partners})


@require_POST
@record(ApiToken.objects.all(), Action.MANAGE, url_kwarg="uuid", permission=API_TOKENS)
def token_revoke(request: AuthenticatedRequest, apitoken: ApiToken) -> HttpResponse:
    try:
        services.revoke_token(apitoken, request.user)
    except StateChanged as changed:
        messages.error(request, str(changed))
        return redirect("api:tokens")
    logger.info("API token %s revoked by user %s", apitoken.prefix, request.user.pk)
    messages.success(request, f"The token {apitoken.prefix} for {apitoken.organisation} is revoked")
    return redirect("api:tokens")
