"""A second factor at sign-in (issue 11, item 3): an authenticator app's code, with recovery codes,
required of everyone who sees records and optional for the rest (accounts/two_factor.py).

These tests sign in with the password through the sign-in page, as people do (django-axes needs the
request, so ``client.login`` does not work), and turn the second factor on, which the rest of the
suite turns off for its ``force_login`` sessions.
"""

import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from msphub.accounts.models import Organisation, Role, User
from msphub.accounts.two_factor import (
    ENTER_CODE,
    WRONG_CODE,
    WRONG_CODE_OR_RECOVERY,
    second_factor_required,
)
from tests.conftest import PASSWORD, _user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _second_factor(settings):
    """On here (as in production); the suite's conftest turns it off for every other module."""
    settings.SECOND_FACTOR_REQUIRED = True


def _sign_in(client: Client, user: User) -> None:
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the password is right"


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the authenticator app shows now (or ``steps_ahead`` periods of 30 seconds from now: a
    code is accepted once, and one step either side of now is allowed)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def _pending(client: Client, user: User) -> TOTPDevice:
    """The app being set up: its key waits in the session until the first code is right."""
    from msphub.accounts.two_factor import SETUP_KEY_SESSION_KEY

    return TOTPDevice(user=user, key=client.session[SETUP_KEY_SESSION_KEY])


def _set_up(client: Client, user: User) -> list[str]:
    """Sign in and set an app up; the recovery codes shown. The client is left signed in."""
    _sign_in(client, user)
    client.get(reverse("two_factor:set_up"))
    device = _pending(client, user)
    response = client.post(reverse("two_factor:set_up"), {"code": _code(device)})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    return re.findall(r'<code class="govuk-!-font-weight-bold">([a-z2-7]{8})</code>', page)


def _sign_in_again(client: Client, user: User) -> None:
    client.post(reverse("logout"))
    _sign_in(client, user)


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser(username="ada_admin", password=PASSWORD, email="ada@example.org")


# --- Who must -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "must"),
    [
        ("practitioner", True),
        ("manager", True),
        ("lead", True),
        ("partner_referrer", True),
        ("board_viewer", False),
    ],
)
def test_who_must_give_a_second_factor(request, persona, must):
    assert second_factor_required(request.getfixturevalue(persona)) is must


def test_partner_enquiry_officers_and_the_admin_must_but_network_roles_need_not(police, admin_user):
    network = Organisation.objects.create(name="North West ADASS", kind="network", region="North West")
    assert second_factor_required(_user("pete_officer", police, Role.PARTNER_ENQUIRY_OFFICER))
    assert second_factor_required(admin_user)
    assert not second_factor_required(_user("rita_regional", network, Role.REGIONAL_LEAD))
    assert not second_factor_required(_user("ian_interviewer", network, Role.INTERVIEWER))


# --- Setting up -----------------------------------------------------------------------------------


def test_a_practitioner_signing_in_with_a_password_is_sent_to_set_up(practitioner):
    client = Client()
    _sign_in(client, practitioner)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor:set_up") + "?next=%2Faccounts%2Fhome%2F"
    # Not a record, not a list: every page that needs the login waits for the second factor.
    assert client.get(reverse("concerns:queue"))["Location"].startswith(reverse("two_factor:set_up"))


def test_the_set_up_page_shows_a_qr_code_and_the_key(practitioner):
    client = Client()
    _sign_in(client, practitioner)
    response = client.get(reverse("two_factor:set_up"))
    assert response.status_code == 200
    body = response.content.decode()
    assert not TOTPDevice.objects.filter(user=practitioner).exists(), "a GET writes no device"
    key_shown = _pending(client, practitioner).key
    assert re.search(r'<svg role="img" aria-label="QR code[^"]+"', body), "the QR code has a text alternative"
    key = re.search(r'<code id="setup-key"[^>]*>([A-Z2-7 ]+)</code>', body)
    assert key and len(key.group(1).replace(" ", "")) == 32, "the key is written out in groups"
    # No inline script but the layout's own, which carries the CSP nonce.
    assert all("nonce=" in tag or " src=" in tag for tag in re.findall(r"<script[^>]*>", body))
    # Shown again, the page keeps the same key.
    client.get(reverse("two_factor:set_up"))
    assert _pending(client, practitioner).key == key_shown


def test_setting_up_with_the_right_code_confirms_the_app_and_shows_recovery_codes_once(practitioner):
    client = Client()
    _sign_in(client, practitioner)
    client.get(reverse("two_factor:set_up") + "?next=/concerns/")
    device = _pending(client, practitioner)
    response = client.post(reverse("two_factor:set_up"), {"code": _code(device), "next": "/concerns/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor:recovery_codes") + "?next=%2Fconcerns%2F"
    device = TOTPDevice.objects.get(user=practitioner)
    assert device.confirmed

    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    codes = re.findall(r'<code class="govuk-!-font-weight-bold">([a-z2-7]{8})</code>', body)
    assert len(codes) == 10
    assert set(codes) == set(
        StaticToken.objects.filter(device__user=practitioner).values_list("token", flat=True)
    )
    assert "only time you will see these codes" in body
    assert 'href="/concerns/"' in body, "continue goes where they were going"
    # Shown once: they are no longer in the session.
    again = client.get(reverse("two_factor:recovery_codes"))
    assert again.status_code == 302
    # Signed in with the app for this session: pages open.
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_code_at_set_up_is_refused(practitioner):
    client = Client()
    _sign_in(client, practitioner)
    client.get(reverse("two_factor:set_up"))
    device = _pending(client, practitioner)
    wrong = "000000" if _code(device) != "000000" else "111111"
    response = client.post(reverse("two_factor:set_up"), {"code": wrong})
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert WRONG_CODE in body
    assert not TOTPDevice.objects.filter(user=practitioner, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=practitioner).exists()
    empty = client.post(reverse("two_factor:set_up"), {"code": ""}).content.decode()
    assert ENTER_CODE in empty
    assert client.get(reverse("home")).status_code == 302, "still not through"


# --- Signing in again -----------------------------------------------------------------------------


def test_the_next_sign_in_asks_for_a_code_and_accepts_the_app_s(practitioner):
    client = Client()
    _set_up(client, practitioner)
    _sign_in_again(client, practitioner)
    response = client.get(reverse("concerns:queue"))
    assert response["Location"] == reverse("two_factor:verify") + "?next=%2Fconcerns%2F"
    assert client.get(reverse("two_factor:set_up"))["Location"].startswith(reverse("two_factor:verify")), (
        "a password alone cannot set up another app"
    )
    assert client.get(response["Location"]).status_code == 200

    device = TOTPDevice.objects.get(user=practitioner)
    answer = client.post(reverse("two_factor:verify"), {"code": _code(device, 1), "next": "/concerns/"})
    assert answer.status_code == 302
    assert answer["Location"] == "/concerns/"
    assert client.get(reverse("concerns:queue")).status_code == 200


def test_a_wrong_code_is_refused_and_then_held_off(practitioner, settings):
    client = Client()
    _set_up(client, practitioner)
    _sign_in_again(client, practitioner)
    device = TOTPDevice.objects.get(user=practitioner)
    wrong = "123456" if _code(device, 1) != "123456" else "654321"
    response = client.post(reverse("two_factor:verify"), {"code": wrong})
    assert response.status_code == 200
    assert WRONG_CODE_OR_RECOVERY in response.content.decode()
    # django-otp's throttle: after a wrong code, even the right one waits (1, 2, 4 ... seconds).
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    held = client.post(reverse("two_factor:verify"), {"code": _code(device, 1)}).content.decode()
    assert "You have entered a wrong code too many times. Wait" in held
    assert client.get(reverse("home")).status_code == 302


def test_a_recovery_code_works_once(practitioner):
    client = Client()
    codes = _set_up(client, practitioner)
    _sign_in_again(client, practitioner)
    first = client.post(reverse("two_factor:verify"), {"code": codes[0].upper()})
    assert first.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert not StaticToken.objects.filter(token=codes[0]).exists(), "a used code is gone"
    assert StaticToken.objects.filter(device__user=practitioner).count() == 9

    _sign_in_again(client, practitioner)
    second = client.post(reverse("two_factor:verify"), {"code": codes[0]})
    assert second.status_code == 200
    assert WRONG_CODE_OR_RECOVERY in second.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_next_to_another_site_is_ignored(practitioner):
    client = Client()
    _set_up(client, practitioner)
    _sign_in_again(client, practitioner)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "http://testserver/x"):
        page = client.get(reverse("two_factor:verify"), {"next": target}).content.decode()
        assert 'name="next" value=""' in page, target
    device = TOTPDevice.objects.get(user=practitioner)
    answer = client.post(reverse("two_factor:verify"), {"code": _code(device, 1), "next": "//evil.example/"})
    assert answer.status_code == 302
    assert answer["Location"] == reverse("home")


# --- Optional, and the admin ----------------------------------------------------------------------


def test_a_board_viewer_is_not_made_to_but_may(board_viewer):
    client = Client()
    _sign_in(client, board_viewer)
    assert client.get(reverse("home")).status_code == 200
    page = client.get(reverse("two_factor:set_up")).content.decode()
    assert "You can add a code" in page
    # Once set up, they are asked for it too.
    client.post(reverse("logout"))
    _set_up(client, board_viewer)
    _sign_in_again(client, board_viewer)
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor:verify"))


def test_the_admin_is_made_to(admin_user):
    client = Client()
    _sign_in(client, admin_user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor:set_up") + "?next=%2Fadmin%2F"


def test_signing_out_the_public_pages_and_the_health_check_are_let_through(practitioner):
    client = Client()
    _sign_in(client, practitioner)
    assert client.get(reverse("health")).status_code == 200
    assert client.get(reverse("accessibility")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_off_when_the_setting_says_so(practitioner, settings):
    settings.SECOND_FACTOR_REQUIRED = False
    client = Client()
    _sign_in(client, practitioner)
    assert client.get(reverse("home")).status_code == 200
