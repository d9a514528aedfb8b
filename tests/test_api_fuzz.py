"""The API fuzzed from its own OpenAPI schema (schemathesis): for requests that fit the schema and
requests that do not, no answer is a 500, every status, content type, header and body is the one the
schema documents, and a request the schema rules out is refused (docs/api.md)."""

import json
from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from msphub.api import services
from msphub.api.models import ApiToken
from msphub.api.views import openapi
from tests.conftest import Cast
from tests.test_api import VALID

pytestmark = pytest.mark.django_db

CONFORMS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@pytest.fixture
def api(settings, client) -> Iterator[tuple]:
    """The schema as the app serves it, a token with every scope, and a concern it raised."""
    settings.API_RATE_LIMIT = "100000/min"  # the fuzzing is not a runaway system
    cast = Cast()
    token, secret = services.create_token(
        cast.council, cast.police, "Fuzzing", list(ApiToken.Scope.values), cast.lead
    )
    concern = services.raise_concern(token, dict(VALID), None).concern
    served = client.get("/api/v1/schema/")
    assert served.status_code == 200
    schema = schemathesis.openapi.from_dict(json.loads(served.content))
    schema.app = get_wsgi_application()
    assert schema.raw_schema == json.loads(json.dumps(openapi()))
    # As Django's test client does (and after its last request, which connects them again): the
    # app's start and end of a request must not close the test's database connection (on
    # PostgreSQL, inside the test's transaction, they would).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schema, {"Authorization": f"Bearer {secret}"}, concern
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzed_from_its_own_schema(api, mode):
    schema, auth, _concern = api
    checks = CONFORMS + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])

    @FUZZ
    @given(case=schema.as_strategy(generation_mode=mode))
    def fuzz(case) -> None:
        case.headers = {**(case.headers or {}), **auth}
        if mode == GenerationMode.POSITIVE and case.method == "POST" and isinstance(case.body, dict):
            # Answers the schema cannot require (a reason when consent is not given, say) from a valid
            # concern, so that more of the generated concerns are raised, not only refused.
            case.body = {**VALID, **case.body}
        case.call_and_validate(checks=checks)

    fuzz()


def test_a_real_concerns_status_conforms(api):
    schema, auth, concern = api
    operation = schema["/api/v1/concerns/{reference}/"]["GET"]
    case = operation.Case(path_parameters={"reference": concern.reference}, headers=auth)
    response = case.call_and_validate(checks=CONFORMS)
    assert response.status_code == 200


def test_a_raised_concern_and_its_replay_conform(api):
    schema, auth, _concern = api
    operation = schema["/api/v1/concerns/"]["POST"]
    for _ in range(2):
        case = operation.Case(
            body=dict(VALID), headers={**auth, "Idempotency-Key": "fuzz-1"}, media_type="application/json"
        )
        response = case.call_and_validate(checks=CONFORMS)
        assert response.status_code == 201
