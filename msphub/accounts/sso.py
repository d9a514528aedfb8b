"""Single sign-on through a council's own identity provider (OpenID Connect, mozilla-django-oidc),
for councils that have one (issue 11, item 3; docs/deploy.md says how a council sets it up).

It is off unless ``OIDC_RP_CLIENT_ID`` is set: then settings.py adds ``CouncilOIDCBackend`` to the
authentication backends and urls.py the two pages of ``sso_urls.py`` (/oidc/authenticate/, which
sends the browser to the identity provider, and /oidc/callback/, where it comes back).

Signing in this way only ever finds an account the council's lead has made: the one active account
whose email address is the one the identity provider gives (compared without regard to case). No
account is created; no match, or more than one, and nobody is signed in. System administrators
(superusers) cannot sign in this way: they sign in with their password and second factor.

One installation serves many councils, and one council's identity provider must not sign anyone in
as another council's staff (its administrators can give an account any email address). So only
addresses at the council's own domains, ``settings.SSO_EMAIL_DOMAINS``, are matched; with none set,
nobody is.

msphub's own second factor (accounts/two_factor.py) is still asked for after single sign-on, even
when the identity provider says it asked for one of its own (an ``amr`` claim of "mfa"). django-otp
marks a session verified only with a device saved in the database (``django_otp.login(request,
device)``, which OTPMiddleware looks up again on every request), and msphub has no device that stands
for "the identity provider checked": trusting the provider's claim would need such a model (and a
migration), so for now the rule is the same whichever way someone signs in.
"""

import logging
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView
from requests.exceptions import RequestException

from .backends import AccountBackend
from .models import User

logger = logging.getLogger(__name__)

CALLBACK_URL_NAME = "oidc_authentication_callback"
# The sign-in page, after single sign-on did not sign anyone in: it says so (registration/login.html).
FAILED_QUERY = "sso=failed"


def sso_enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


def email_domains() -> set[str]:
    """The domains whose email addresses the council's identity provider may sign in to."""
    return {domain.strip().lower() for domain in getattr(settings, "SSO_EMAIL_DOMAINS", ()) if domain.strip()}


def sso(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``sso_enabled`` shows the "Sign in with your council account" button."""
    return {"sso_enabled": sso_enabled()}


class CouncilOIDCBackend(OIDCAuthenticationBackend):
    """Signs in the one active, non-superuser account with the email address the council's identity
    provider gives; never creates an account."""

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        # Only the callback page signs in this way: a password sign-in (which Django also offers to
        # this backend) with a code and state in its address must not start a token exchange.
        if request is None or request.path != reverse(CALLBACK_URL_NAME):
            return None
        try:
            user: User | None = super().authenticate(request, **kwargs)
        except (SuspiciousOperation, RequestException, jwt.InvalidTokenError) as error:
            # The provider could not be reached or answered wrongly, or its token did not verify
            # (signature, nonce, expiry): nobody is signed in, and the sign-in page says so.
            logger.warning("Single sign-on failed: %s: %s", type(error).__name__, error)
            return None
        return user

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        """An email address at one of the council's domains, and not one the provider says it has not
        verified."""
        email = claims.get("email")
        if not isinstance(email, str) or claims.get("email_verified") is False:
            return False
        _, at, domain = email.strip().rpartition("@")
        return bool(at) and domain.lower() in email_domains()

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        email = claims.get("email")
        if not isinstance(email, str) or not email.strip():
            return User.objects.none()
        return User.objects.filter(email__iexact=email.strip(), is_active=True)

    def user_for(self, claims: dict[str, Any]) -> User | None:
        """The account these claims sign in to, or None (the reason is logged, the address is not)."""
        if not self.verify_claims(claims):
            logger.warning("Single sign-on refused: no verified email address at SSO_EMAIL_DOMAINS")
            return None
        users = list(self.filter_users_by_claims(claims)[:2])
        if len(users) != 1:
            many = "more than one active account has" if users else "no active account has"
            logger.warning("Single sign-on refused: %s that email address", many)
            return None
        user = users[0]
        if user.is_superuser:
            logger.warning("Single sign-on refused: system administrators sign in with their password")
            return None
        return user

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User | None:
        """Gets only: the user information from the provider matched to an existing account."""
        return self.user_for(self.get_userinfo(access_token, id_token, payload))

    def create_user(self, claims: dict[str, Any]) -> User:
        raise SuspiciousOperation("msphub accounts are made by the council's lead, not by signing in")

    def describe_user_by_claims(self, claims: dict[str, Any]) -> str:
        return "the email address given"  # the library's log line would name it

    def get_user(self, user_id: Any) -> User | None:
        """Each request of a session signed in this way: gone once the account is made inactive (as
        ModelBackend does; the library's get_user does not check) or a system administrator."""
        user: User | None = AccountBackend.get_user(self, user_id)
        if user is None or user.is_superuser:
            return None
        return user


# Both pages are open to someone not signed in (LoginRequiredMiddleware would send them to sign in).
# Starting a sign-in saves a session, so one address may start only as many as it may try passwords.
@method_decorator(ratelimit(key="ip", rate="30/15m", method="GET", block=True), name="get")
@method_decorator(login_not_required, name="dispatch")
class SignInView(OIDCAuthenticationRequestView):
    """Sends the browser to the council's identity provider (with state, nonce and PKCE)."""


@method_decorator(login_not_required, name="dispatch")
class CallbackView(OIDCAuthenticationCallbackView):
    """Where the identity provider sends the browser back; on success to the page asked for (or
    home), where SecondFactorMiddleware asks for msphub's second factor."""

    def login_failure(self) -> HttpResponse:
        return HttpResponseRedirect(f"{resolve_url(settings.LOGIN_URL)}?{FAILED_QUERY}")
