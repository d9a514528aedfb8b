"""The API for partner systems in the permission matrix.

The token pages are the safeguarding lead's, each lead's own council's tokens (Hillside's lead sees
Hillside's, never Riverside's). The API's endpoints take a token and nothing else: every persona's
session, signed in or not, gets a JSON 401 (not a page). The schema and the docs page are public."""

from django.urls import reverse

from msphub.api import services
from msphub.api.models import ApiToken
from tests.test_permission_matrix import (
    ANON,
    LEAD,
    OTHER,
    PARTNER,
    PRAC,
    Case,
    Redirect,
    everyone,
    get_and_post,
    matrix,
    signed_in,
)

JSON = ('"errors"',)


def extend_world(w) -> None:
    """Riverside's lead's token for the police; Hillside's lead's for the trust both councils work with."""
    w.api_token, _ = services.create_token(
        w.council, w.cast.police, "Police case system", list(ApiToken.Scope.values), w.users[LEAD]
    )
    w.api_token_hillside, _ = services.create_token(
        w.other_council, w.shared_trust, "Trust case system", [ApiToken.Scope.RAISE], w.users[OTHER]
    )


def cases(w) -> list[Case]:
    ours, theirs = w.api_token.prefix, w.api_token_hillside.prefix
    leads = matrix({LEAD, OTHER})
    rows: list[Case] = []
    rows += get_and_post(
        "api tokens",
        reverse("api:tokens"),
        get=leads,
        contains={LEAD: (ours,), OTHER: (theirs,)},
        absent={LEAD: (theirs,), OTHER: (ours,)},
    )
    # An empty POST shows the form again with its errors.
    rows += get_and_post("api token_new", reverse("api:token_new"), get=leads, post=leads)
    rows += get_and_post(
        "api token_revoke",
        reverse("api:token_revoke", args=[w.api_token.uuid]),
        get=signed_in(405),
        post=matrix({LEAD}, ok=Redirect(reverse("api:tokens"))),
    )
    # Token-authenticated: a session, signed in or not, is no token. JSON, never a page.
    shown_json = dict.fromkeys((ANON, PRAC, LEAD, PARTNER), JSON)
    for label, path in (
        ("api concerns", reverse("api:concerns")),
        ("api concern_status", reverse("api:concern_status", args=[w.c_unalloc.reference])),
    ):
        rows += get_and_post(label, path, get=everyone(401), post=everyone(401), contains=shown_json)
    rows += get_and_post(
        "api not_found", "/api/v1/no-such-thing/", get=everyone(404), post=everyone(404), contains=shown_json
    )
    # Public: they describe the API and hold no data.
    for label, name, text in (
        ("api schema", "api:schema", '"openapi"'),
        ("api docs", "api:docs", "/api/v1/concerns/"),
    ):
        rows += get_and_post(
            label,
            reverse(name),
            get=everyone(200),
            post=everyone(405),
            contains={ANON: (text,), PRAC: (text,)},
        )
    return rows
