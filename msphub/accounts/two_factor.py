"""A second factor at sign-in (issue 11, item 3): a code from an authenticator app (TOTP), with
recovery codes for when the phone is lost, through django-otp.

It is required of everyone who sees records: council casework staff, partner referrers and partner
enquiry officers, and the admin's staff and system administrators (``second_factor_required``).
Board viewers, regional leads and interviewers see only figures: for them it is optional, and once
they have set it up they are asked for it too.

``SecondFactorMiddleware`` sends a signed-in user who must but has not set it up to the set-up page,
and one who has set it up (whether they must or not) but has not given a code since signing in to
the verify page. ``settings.SECOND_FACTOR_REQUIRED = False`` turns that off (local demos, and tests
that sign in with ``force_login``); the pages keep working.

A lost phone: a system administrator deletes the user's TOTP device in the admin, and the user sets
up again at their next sign-in (their recovery codes are replaced then).
"""

from base64 import b32encode
from collections.abc import Callable
from datetime import datetime
from math import ceil
from typing import Any
from urllib.parse import urlencode

import django_otp  # type: ignore[import-untyped, unused-ignore]
import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken  # type: ignore[import-untyped, unused-ignore]
from django_otp.plugins.otp_totp.models import TOTPDevice  # type: ignore[import-untyped, unused-ignore]
from django_otp.util import random_hex  # type: ignore[import-untyped, unused-ignore]

from msphub.core.access import requires

from .permissions import CASELOAD, CASEWORK, CONCERNS_RAISED, CONFIGURATION, SIGNED_IN
from .requests import AuthenticatedRequest

# The pages that show records, or configure who sees them: whoever may open any of them must give a
# second factor. CASELOAD covers partner enquiry officers and CONCERNS_RAISED partner referrers;
# CONFIGURATION is the admin (with is_staff and is_superuser below).
SEES_RECORDS = (CASEWORK, CASELOAD, CONCERNS_RAISED, CONFIGURATION)

RECOVERY_CODES = 10
# The recovery codes just made, kept in the session only until the page that shows them is seen.
NEW_CODES_SESSION_KEY = "two_factor_new_recovery_codes"
DEVICE_NAME = "Authenticator app"

ENTER_CODE = "Enter the 6-digit code shown in your authenticator app"
CODE_FORMAT = "The code must be 6 digits, like 123456"
WRONG_CODE = "The code is not right. Check the time on your phone and try again"
ENTER_CODE_OR_RECOVERY = "Enter the 6-digit code shown in your authenticator app, or a recovery code"
WRONG_CODE_OR_RECOVERY = (
    "The code is not right. Check the time on your phone and try again, or enter a recovery code"
)


def second_factor_required(user: Any) -> bool:
    """Whether this user must give a second factor: anyone who sees records or the admin."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return any(permission.allows(user) for permission in SEES_RECORDS)


def _confirmed_totp(user: Any) -> Any:
    """The user's authenticator app, once set up (None before)."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def has_second_factor(user: Any) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def local_path(value: str | None) -> str | None:
    """``value`` if it is a path on this site (never another site, even this one by its full URL)."""
    if value and value.startswith("/") and url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return value
    return None


def _with_next(url_name: str, next_path: str | None) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


# --- Middleware ----------------------------------------------------------------------------------


class SecondFactorMiddleware:
    """After ``OTPMiddleware``: a signed-in user who must give a second factor and has none is sent to
    set it up; one who has one but has not given a code since signing in is sent to give it. The
    two-factor pages, signing out, static files and the public pages are let through."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if not getattr(settings, "SECOND_FACTOR_REQUIRED", True):
            return None
        user = request.user
        if not user.is_authenticated:
            return None  # LoginRequiredMiddleware sends them to sign in
        if getattr(view_func, "login_required", True) is False:  # @login_not_required: public
            return None
        if getattr(view_func, "second_factor_page", False) or _lets_through(request):
            return None
        is_verified = getattr(user, "is_verified", None)
        if is_verified is None:
            raise ImproperlyConfigured(
                "SecondFactorMiddleware needs django_otp.middleware.OTPMiddleware before it."
            )
        if is_verified():
            return None
        next_path = local_path(request.get_full_path())
        if has_second_factor(user):
            return redirect(_with_next("two_factor:verify", next_path))
        if second_factor_required(user):
            return redirect(_with_next("two_factor:set_up", next_path))
        return None


def _lets_through(request: HttpRequest) -> bool:
    """Signing out (here and in the admin), and static files (should Django answer them)."""
    if request.path.startswith(str(settings.STATIC_URL)):
        return True
    for name in ("logout", "admin:logout"):
        try:
            if request.path == reverse(name):
                return True
        except NoReverseMatch:
            continue
    return False


def second_factor_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page the middleware lets an unverified user open: setting up, or giving, the second factor."""
    view.second_factor_page = True  # type: ignore[attr-defined]
    return view


# --- Forms ---------------------------------------------------------------------------------------


def _wait_message(data: dict[str, Any] | None) -> str:
    """django-otp's throttle: after each wrong code the next is refused for longer (1, 2, 4 ...
    seconds)."""
    locked_until: datetime | None = (data or {}).get("locked_until")
    seconds = ceil((locked_until - timezone.now()).total_seconds()) if locked_until else 1
    seconds = max(seconds, 1)
    if seconds < 120:
        wait = f"{seconds} second{'s' if seconds != 1 else ''}"
    else:
        wait = f"{ceil(seconds / 60)} minutes"
    return f"You have entered a wrong code too many times. Wait {wait} and try again"


def _code_field(label: str, hint: str, required: str, max_length: int) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        max_length=max_length,
        error_messages={"required": required, "max_length": CODE_FORMAT},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


class SetUpForm(forms.Form):
    """The first code from the app, which proves it holds the secret key: it confirms the device."""

    code = _code_field(
        "Code from your authenticator app", "The 6-digit code the app shows for msphub", ENTER_CODE, 20
    )

    def __init__(self, *args: Any, device: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self) -> str:
        code = _normalise(self.cleaned_data["code"])
        if not (len(code) == 6 and code.isdigit()):
            raise forms.ValidationError(CODE_FORMAT)
        allowed, data = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(_wait_message(data))
        if not self.device.verify_token(code):
            raise forms.ValidationError(WRONG_CODE)
        return code


class VerifyForm(forms.Form):
    """A code from the app or, without the phone, one of the recovery codes (each works once).

    A 6-digit code is checked against the app and anything else against the recovery codes, each
    device on its own (as django-otp advises, rather than ``match_token`` trying every device): a
    recovery code then does not count as a wrong app code, and each device's throttle is shown."""

    code = _code_field(
        "Code",
        "The 6-digit code your authenticator app shows for msphub, or one of your recovery codes",
        ENTER_CODE_OR_RECOVERY,
        40,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.device: Any = None

    def clean_code(self) -> str:
        code = _normalise(self.cleaned_data["code"])
        model = TOTPDevice if code.isdigit() else StaticDevice
        device = model.objects.devices_for_user(self.user, confirmed=True).order_by("pk").first()
        if device is None:
            raise forms.ValidationError(WRONG_CODE_OR_RECOVERY)
        allowed, data = device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(_wait_message(data))
        # Locks the device's row while it checks, so a code cannot be used twice at once.
        self.device = django_otp.verify_token(self.user, device.persistent_id, code)
        if self.device is None:
            raise forms.ValidationError(WRONG_CODE_OR_RECOVERY)
        return code


# --- Views ---------------------------------------------------------------------------------------


def _qr_svg(uri: str) -> SafeString:
    """The set-up link as a QR code, drawn inline (no image request, no script: the CSP allows it)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#0b0c0c", light="#ffffff", svgclass=None)
    label = "QR code for your authenticator app. If you cannot scan it, enter the setup key instead."
    # segno's markup holds only numbers and path data, and the label is ours: nothing to escape.
    return SafeString(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))


SETUP_KEY_SESSION_KEY = "two_factor_setup_key"


def _grouped(key: str) -> str:
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _after(request: HttpRequest) -> str:
    return local_path(request.POST.get("next") or request.GET.get("next")) or resolve_url(
        settings.LOGIN_REDIRECT_URL
    )


# --- Writes (the views below call these and write nothing themselves) -----------------------------


def _new_recovery_codes(user: Any) -> list[str]:
    """Ten new recovery codes, replacing any the user had."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def confirm_app(user: Any, device: Any) -> list[str]:
    """The app whose first code was right becomes the user's second factor (any half-set-up one is
    dropped), with ten new recovery codes, all or nothing; the codes, to show once."""
    with transaction.atomic():
        TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
        device.confirmed = True
        device.save()
        return _new_recovery_codes(user)


def _signed_in_with(request: HttpRequest, device: Any) -> None:
    # A new session key now the session can open records (as Django does at password sign-in).
    request.session.cycle_key()
    django_otp.login(request, device)


@require_http_methods(["GET", "POST"])
@requires(SIGNED_IN)
@second_factor_page
def set_up(request: AuthenticatedRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), then enter its first code."""
    user = request.user
    next_path = local_path(request.POST.get("next") or request.GET.get("next"))
    if has_second_factor(user):
        # Set up already: a second app (or a new phone) goes through a system administrator.
        if getattr(user, "is_verified", lambda: False)():
            return redirect(_after(request))
        return redirect(_with_next("two_factor:verify", next_path))
    # The new key waits in the session, not the database (a GET writes no record), so reloading shows
    # the same key; the device is saved only when its first code is right.
    key = request.session.get(SETUP_KEY_SESSION_KEY)
    if not isinstance(key, str):
        key = request.session[SETUP_KEY_SESSION_KEY] = random_hex(20)
    device = TOTPDevice(user=user, name=DEVICE_NAME, key=key, confirmed=False)
    form = SetUpForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        codes = confirm_app(user, device)
        del request.session[SETUP_KEY_SESSION_KEY]
        _signed_in_with(request, device)
        request.session[NEW_CODES_SESSION_KEY] = codes
        return redirect(_with_next("two_factor:recovery_codes", next_path))
    context = {
        "form": form,
        "qr_code": _qr_svg(device.config_url),
        "setup_key": _grouped(b32encode(device.bin_key).decode()),
        "account_name": user.get_username(),
        "next": next_path or "",
        "required": second_factor_required(user),
    }
    return render(request, "accounts/two_factor/set_up.html", context)


@require_GET
@requires(SIGNED_IN)
def recovery_codes(request: AuthenticatedRequest) -> HttpResponse:
    """The recovery codes just made, shown once: they leave the session as the page is drawn."""
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    if not codes:
        return redirect(_after(request))
    context = {"codes": codes, "continue_to": _after(request)}
    return render(request, "accounts/two_factor/recovery_codes.html", context)


@require_http_methods(["GET", "POST"])
@requires(SIGNED_IN)
@second_factor_page
def verify(request: AuthenticatedRequest) -> HttpResponse:
    """The code from the app (or a recovery code), once each time someone signs in."""
    user = request.user
    next_path = local_path(request.POST.get("next") or request.GET.get("next"))
    if not has_second_factor(user):
        return redirect(_with_next("two_factor:set_up", next_path))
    if getattr(user, "is_verified", lambda: False)():
        return redirect(_after(request))
    form = VerifyForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        _signed_in_with(request, form.device)
        if isinstance(form.device, StaticDevice):
            left = form.device.token_set.count()
            plural = "s" if left != 1 else ""
            messages.success(
                request, f"You signed in with a recovery code. You have {left} code{plural} left."
            )
        return redirect(_after(request))
    return render(request, "accounts/two_factor/verify.html", {"form": form, "next": next_path or ""})
