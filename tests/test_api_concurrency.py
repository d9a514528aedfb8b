"""Two requests with the same Idempotency-Key at the same moment make one concern (PostgreSQL: real
concurrent transactions; SQLite runs one writer at a time, so there is no race to see there)."""

import threading

import pytest
from django.db import connection, connections

from msphub.api import services
from msphub.api.models import ApiToken, IdempotencyKey
from msphub.concerns import services as concern_services
from msphub.concerns.models import Concern
from tests.conftest import Cast
from tests.test_api import VALID

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.parametrize("same_body", [True, False])
def test_concurrent_requests_with_one_key_make_one_concern(same_body):
    cast = Cast()
    token, _secret = services.create_token(
        cast.council, cast.police, "Racing system", [ApiToken.Scope.RAISE], cast.lead
    )
    bodies = [dict(VALID), dict(VALID) if same_body else {**VALID, "adult_given_name": "Ada"}]
    # Both requests look for the key and find none before either raises its concern.
    both_looked = threading.Barrier(2, timeout=10)
    original = concern_services.raise_concern

    def after_both_looked(*args, **kwargs):
        both_looked.wait()
        return original(*args, **kwargs)

    results: list = [None, None]

    def send(i: int) -> None:
        try:
            results[i] = services.raise_concern(token, bodies[i], "race-key-1")
        except services.Refused as refused:
            results[i] = refused
        finally:
            connections.close_all()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(concern_services, "raise_concern", after_both_looked)
        threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert Concern.objects.filter(raiser_organisation=cast.police).count() == 1
    assert IdempotencyKey.objects.filter(key="race-key-1").count() == 1
    raised = [r for r in results if isinstance(r, services.Raised)]
    if same_body:
        assert len(raised) == 2 and raised[0].concern == raised[1].concern
        assert sorted(r.replayed for r in raised) == [False, True]
    else:
        refused = [r for r in results if isinstance(r, services.Refused)]
        assert len(raised) == 1 and len(refused) == 1 and refused[0].status == 422
