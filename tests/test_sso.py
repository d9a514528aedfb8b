"""Single sign-on through a council's identity provider (issue 11, item 3; accounts/sso.py).

The backend is asked directly with claims, as the provider's user information would give them, and
the whole round trip is run through the two pages with the provider's answers made up here: the
token endpoint, the signing keys and the user information are the only things replaced (the
network is never used), and the ID token is signed with a key made for the test, so the signature,
nonce and PKCE checks run as they do in production.
"""

import json
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import SuspiciousOperation
from django.test import Client, RequestFactory
from django.urls import include, path, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from mozilla_django_oidc import auth as oidc_auth

from msphub.accounts.models import User
from msphub.accounts.sso import CouncilOIDCBackend, sso
from msphub.core.models import AccessEvent, AccessLog
from msphub.urls import urlpatterns as site_urlpatterns
from tests.conftest import PASSWORD

# The site's pages with single sign-on's, as urls.py includes them when OIDC_RP_CLIENT_ID is set.
urlpatterns = [*site_urlpatterns, path("oidc/", include("msphub.accounts.sso_urls"))]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

CLIENT_ID = "msphub-riverside"
IDP = "https://login.riverside.example.org"
AUTHORIZE, TOKEN, USERINFO, JWKS = (f"{IDP}/authorize", f"{IDP}/token", f"{IDP}/userinfo", f"{IDP}/keys")
KEY_ID = "riverside-2026"
BACKEND = "msphub.accounts.sso.CouncilOIDCBackend"
SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(autouse=True)
def sso_settings(settings):
    """Turned on as settings.py turns it on when OIDC_RP_CLIENT_ID is set; msphub's second factor
    is on too (the rest of the suite turns it off)."""
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "riverside-client-secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = AUTHORIZE
    settings.OIDC_OP_TOKEN_ENDPOINT = TOKEN
    settings.OIDC_OP_USER_ENDPOINT = USERINFO
    settings.OIDC_OP_JWKS_ENDPOINT = JWKS
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_CREATE_USER = False
    settings.OIDC_USE_PKCE = True
    settings.OIDC_TIMEOUT = 10
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, BACKEND]
    settings.SSO_EMAIL_DOMAINS = ["riverside.example.org", "Riverside-Council.example.org"]
    settings.SECOND_FACTOR_REQUIRED = True
    return settings


@pytest.fixture
def practitioner(practitioner) -> User:
    """Riverside's practitioner, with an address at the council's domain."""
    practitioner.email = "pat.practitioner@riverside.example.org"
    practitioner.save(update_fields=["email"])
    return practitioner


def _account(username: str, email: str, **fields) -> User:
    return User.objects.create_user(username=username, email=email, password=PASSWORD, **fields)


# --- Which account the claims sign in to ----------------------------------------------------------


def test_the_one_active_account_with_that_email_address_is_signed_in_whatever_the_case():
    pat = _account("pat", "pat.practitioner@riverside.example.org")
    backend = CouncilOIDCBackend()
    assert backend.user_for({"email": "Pat.Practitioner@Riverside.EXAMPLE.org"}) == pat
    verified = {"email": "pat.practitioner@riverside.example.org", "email_verified": True}
    assert backend.user_for(verified) == pat


def test_no_account_with_that_email_address_signs_nobody_in():
    _account("pat", "pat@riverside.example.org")
    assert CouncilOIDCBackend().user_for({"email": "someone.else@riverside.example.org"}) is None


def test_two_accounts_with_that_email_address_sign_nobody_in():
    _account("pat", "pat@riverside.example.org")
    _account("pat2", "PAT@riverside.example.org")
    assert CouncilOIDCBackend().user_for({"email": "pat@riverside.example.org"}) is None


def test_an_inactive_account_is_not_signed_in_and_does_not_count_as_a_match():
    _account("old_pat", "pat@riverside.example.org", is_active=False)
    backend = CouncilOIDCBackend()
    assert backend.user_for({"email": "pat@riverside.example.org"}) is None
    # The account that replaced it is the one match.
    pat = _account("pat", "pat@riverside.example.org")
    assert backend.user_for({"email": "pat@riverside.example.org"}) == pat


def test_a_system_administrator_cannot_sign_in_this_way():
    User.objects.create_superuser(username="ada", email="ada@riverside.example.org", password=PASSWORD)
    assert CouncilOIDCBackend().user_for({"email": "ada@riverside.example.org"}) is None


def test_only_addresses_at_the_councils_own_domains_are_matched(settings):
    """Another council's staff (or a system administrator's address) cannot be signed in by this
    council's identity provider, whatever address it gives an account of its own."""
    hillside = _account("hal", "hal@hillside.example.org")
    riverside = _account("rita", "rita@riverside-council.example.org")
    backend = CouncilOIDCBackend()
    assert backend.user_for({"email": "hal@hillside.example.org"}) is None
    assert backend.user_for({"email": "hal@hillside.example.org@riverside.example.org"}) is None
    assert backend.user_for({"email": "RITA@Riverside-Council.example.org"}) == riverside
    settings.SSO_EMAIL_DOMAINS = ["hillside.example.org"]
    assert backend.user_for({"email": "hal@hillside.example.org"}) == hillside
    settings.SSO_EMAIL_DOMAINS = []
    assert backend.user_for({"email": "hal@hillside.example.org"}) is None, "none set: nobody"


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"email": ""},
        {"email": "   "},
        {"email": None},
        {"email": ["pat@riverside.example.org"]},
        {"email": "pat@riverside.example.org", "email_verified": False},
        {"email": "riverside.example.org"},
        {"email": "@riverside.example.org"},
    ],
)
def test_claims_without_a_verified_email_address_sign_nobody_in(claims):
    _account("pat", "pat@riverside.example.org")
    # An account whose email address is blank is not matched by a blank one.
    _account("blank", "")
    assert CouncilOIDCBackend().user_for(claims) is None


def test_no_account_is_ever_created(settings, idp):
    settings.OIDC_CREATE_USER = True  # even if set by mistake
    backend = CouncilOIDCBackend()
    with pytest.raises(SuspiciousOperation):
        backend.create_user({"email": "new.starter@riverside.example.org"})
    idp.userinfo = {"sub": "1", "email": "new.starter@riverside.example.org"}
    assert backend.get_or_create_user("access-token", "id-token", {}) is None
    assert not User.objects.exists()


def test_get_or_create_user_matches_the_providers_user_information(idp):
    pat = _account("pat", "pat@riverside.example.org")
    idp.userinfo = {"sub": "1", "email": "PAT@riverside.example.org"}
    assert CouncilOIDCBackend().get_or_create_user("access-token", "id-token", {}) == pat
    assert idp.calls == [("GET", USERINFO)]


def test_a_session_ends_once_its_account_is_made_inactive_or_a_system_administrator():
    pat = _account("pat", "pat@riverside.example.org")
    backend = CouncilOIDCBackend()
    assert backend.get_user(pat.pk) == pat
    User.objects.filter(pk=pat.pk).update(is_superuser=True)
    assert backend.get_user(pat.pk) is None
    User.objects.filter(pk=pat.pk).update(is_superuser=False, is_active=False)
    assert backend.get_user(pat.pk) is None
    assert backend.get_user(pat.pk + 1000) is None


def test_a_password_sign_in_never_starts_a_token_exchange(idp):
    pat = _account("pat", "pat@riverside.example.org")
    client = Client()
    url = reverse("login") + "?code=stolen-code&state=any"
    assert client.post(url, {"username": pat.username, "password": "wrong-password!"}).status_code == 200
    assert client.post(url, {"username": pat.username, "password": PASSWORD}).status_code == 302
    assert idp.calls == []
    request = RequestFactory().get("/accounts/login/?code=stolen-code&state=any")
    assert CouncilOIDCBackend().authenticate(request, nonce=None) is None


def test_the_sign_in_button_shows_only_when_single_sign_on_is_on(settings):
    request = RequestFactory().get("/accounts/login/")
    assert sso(request) == {"sso_enabled": True}
    settings.OIDC_RP_CLIENT_ID = ""
    assert sso(request) == {"sso_enabled": False}


# --- The round trip through the council's identity provider ---------------------------------------


class FakeIdentityProvider:
    """The council's identity provider's three endpoints, answering the backend's requests."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.token_requests: list[dict] = []
        self.nonce: str | None = None
        self.amr = ["pwd", "mfa"]
        self.userinfo: dict = {}
        self.token_status = 200
        self.signing_key = SIGNING_KEY  # the JWKS endpoint publishes SIGNING_KEY's public half

    def id_token(self) -> str:
        now = int(time.time())
        claims = {"iss": IDP, "sub": "1", "aud": CLIENT_ID, "iat": now, "exp": now + 300}
        claims |= {"nonce": self.nonce, "amr": self.amr}
        return jwt.encode(claims, self.signing_key, algorithm="RS256", headers={"kid": KEY_ID})

    def post(self, url: str, data: dict, **kwargs) -> requests.Response:
        self.calls.append(("POST", url))
        assert url == TOKEN
        self.token_requests.append(dict(data))
        if self.token_status != 200:
            return _response({"error": "invalid_grant"}, self.token_status, url)
        tokens = {"access_token": "access-token", "token_type": "Bearer", "id_token": self.id_token()}
        return _response(tokens)

    def get(self, url: str, headers: dict | None = None, **kwargs) -> requests.Response:
        self.calls.append(("GET", url))
        if url == JWKS:
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(SIGNING_KEY.public_key()))
            return _response({"keys": [jwk | {"kid": KEY_ID, "alg": "RS256", "use": "sig"}]})
        assert url == USERINFO
        return _response(self.userinfo)


def _response(body: dict, status: int = 200, url: str = "") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json"
    response.url = url
    return response


@pytest.fixture
def idp(monkeypatch) -> FakeIdentityProvider:
    provider = FakeIdentityProvider()
    monkeypatch.setattr(oidc_auth.requests, "post", provider.post)
    monkeypatch.setattr(oidc_auth.requests, "get", provider.get)
    return provider


def _start(client: Client, idp: FakeIdentityProvider, next_path: str = "") -> dict[str, str]:
    """The sign-in button: the browser is sent to the provider; the provider keeps the nonce."""
    url = reverse("oidc_authentication_init") + (f"?next={next_path}" if next_path else "")
    response = client.get(url)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == AUTHORIZE
    params = {name: values[0] for name, values in parse_qs(location.query).items()}
    idp.nonce = params["nonce"]
    return params


def _come_back(client: Client, state: str, code: str = "riverside-code"):
    return client.get(reverse("oidc_authentication_callback"), {"code": code, "state": state})


def test_signing_in_with_the_council_account_still_asks_for_msphubs_second_factor(practitioner, idp):
    idp.userinfo = {"sub": "1", "email": practitioner.email.upper(), "email_verified": True}
    client = Client()
    params = _start(client, idp, next_path="/concerns/")
    assert params["client_id"] == CLIENT_ID
    assert params["scope"] == "openid email"
    assert params["redirect_uri"] == "http://testserver/oidc/callback/"
    assert params["code_challenge_method"] == "S256"

    response = _come_back(client, params["state"])
    assert response.status_code == 302
    assert response["Location"] == "/concerns/"
    assert client.session[SESSION_KEY] == str(practitioner.pk)
    token_request = idp.token_requests[0]
    assert token_request["code"] == "riverside-code"
    assert token_request["redirect_uri"] == "http://testserver/oidc/callback/"
    assert len(token_request["code_verifier"]) >= 43, "PKCE"
    assert AccessLog.objects.filter(
        user=practitioner, action=AccessEvent.SIGN_IN, page="/oidc/callback/"
    ).exists()

    # The provider said it asked for a second factor (amr "mfa"): msphub still asks for its own.
    assert idp.amr == ["pwd", "mfa"]
    followed = client.get(response["Location"])
    assert followed["Location"] == reverse("two_factor:set_up") + "?next=%2Fconcerns%2F"


def test_someone_with_an_authenticator_app_gives_its_code_after_single_sign_on(practitioner, idp):
    TOTPDevice.objects.create(user=practitioner, name="Authenticator app", confirmed=True)
    idp.userinfo = {"sub": "1", "email": practitioner.email}
    client = Client()
    response = _come_back(client, _start(client, idp)["state"])
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor:verify"))


def test_a_council_account_without_an_msphub_account_is_sent_back_to_sign_in(practitioner, idp):
    idp.userinfo = {"sub": "1", "email": "not.in.msphub@riverside.example.org"}
    client = Client()
    response = _come_back(client, _start(client, idp)["state"])
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?sso=failed"
    assert SESSION_KEY not in client.session
    assert AccessLog.objects.filter(action=AccessEvent.SIGN_IN_FAILED, page="/oidc/callback/").exists()
    assert not User.objects.filter(email="not.in.msphub@riverside.example.org").exists()


def test_a_system_administrator_is_sent_back_to_sign_in_with_the_password(idp):
    User.objects.create_superuser(username="ada", email="ada@riverside.example.org", password=PASSWORD)
    idp.userinfo = {"sub": "1", "email": "ada@riverside.example.org"}
    client = Client()
    response = _come_back(client, _start(client, idp)["state"])
    assert response["Location"] == reverse("login") + "?sso=failed"
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("fault", ["token_endpoint_error", "wrong_nonce", "wrong_key"])
def test_a_provider_that_fails_or_a_token_that_does_not_verify_signs_nobody_in(practitioner, idp, fault):
    idp.userinfo = {"sub": "1", "email": practitioner.email}
    client = Client()
    params = _start(client, idp)
    if fault == "token_endpoint_error":
        idp.token_status = 400
    elif fault == "wrong_nonce":
        idp.nonce = "a-nonce-from-another-sign-in"
    else:
        idp.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = _come_back(client, params["state"])
    assert response["Location"] == reverse("login") + "?sso=failed"
    assert SESSION_KEY not in client.session


def test_a_callback_for_a_sign_in_this_browser_did_not_start_is_refused(practitioner, idp):
    idp.userinfo = {"sub": "1", "email": practitioner.email}
    client = Client()
    _start(client, idp)
    assert _come_back(client, "a-state-from-elsewhere").status_code == 400
    assert Client().get(reverse("oidc_authentication_callback"), {"code": "c", "state": "s"})["Location"] == (
        reverse("login") + "?sso=failed"
    )
    assert idp.calls == []
