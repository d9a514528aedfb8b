"""Signing in (issue 11, item 3): the password never comes back in the page, a wrong password five
times locks the account for a while, one address cannot try without limit, and weak passwords are
refused wherever a password is set."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

TYPED = "my-secret-attempt-123"


def _sign_in(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_failed_sign_in_does_not_send_the_password_back(practitioner):
    response = _sign_in(Client(), practitioner.username, TYPED)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter a correct username and password" in body
    assert TYPED not in body, "the typed password is in the page"
    assert f'value="{practitioner.username}"' in body, "the username is kept for the next try"


def test_five_wrong_passwords_lock_the_account(practitioner, settings):
    client = Client()
    answers = [_sign_in(client, practitioner.username, TYPED).status_code for _ in range(5)]
    # The fifth wrong password is answered with the lockout page.
    assert answers == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    locked = _sign_in(client, practitioner.username, PASSWORD)
    assert locked.status_code == 429
    assert "Your account is locked" in locked.content.decode()
    assert "_auth_user_id" not in client.session, "the right password does not get in while locked"
    # Another account from the same address is not locked.
    other = Client()
    assert _sign_in(other, "someone_else", TYPED).status_code == 200


def test_a_right_password_resets_the_count(practitioner, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, practitioner.username, TYPED)
    assert _sign_in(client, practitioner.username, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, practitioner.username, TYPED).status_code == 200
    assert _sign_in(client, practitioner.username, PASSWORD).status_code == 302


def test_one_address_cannot_try_without_limit():
    client = Client()
    answers = [_sign_in(client, f"guess_{n}", TYPED).status_code for n in range(31)]
    assert answers[:30] == [200] * 30
    assert answers[30] == 429


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("pat_practitioner", "like the username"),
        ("4839201748392017", "all digits"),
        ("short-pass", "shorter than 12"),
        ("password12345", "a common password"),
    ],
)
def test_weak_passwords_are_refused(practitioner, password, why):
    with pytest.raises(ValidationError):
        validate_password(password, practitioner)


def test_a_good_password_is_accepted(practitioner):
    validate_password("correct-horse-battery-staple", practitioner)


def test_the_session_ends_after_the_idle_timeout(settings):
    assert settings.SESSION_COOKIE_AGE == settings.IDLE_TIMEOUT_MINUTES * 60 == 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_pages_carry_the_timeout_warning_when_signed_in(practitioner):
    client = Client()
    assert 'id="msphub-timeout"' not in client.get(reverse("login")).content.decode()
    client.force_login(practitioner)
    page = client.get(reverse("home")).content.decode()
    assert 'data-timeout-seconds="1800"' in page and "Stay signed in" in page


def test_staying_signed_in_renews_the_session(practitioner):
    from django.contrib.sessions.models import Session

    from msphub.core.middleware import ACTIVITY_KEY

    client = Client()
    client.force_login(practitioner)
    session = client.session
    session[ACTIVITY_KEY] = 0  # long ago
    session.save()
    before = Session.objects.get(session_key=session.session_key).expire_date
    response = client.post(reverse("keep_alive"), headers={"X-Requested-With": "fetch"})
    assert response.status_code == 204
    after = Session.objects.get(session_key=session.session_key).expire_date
    assert after > before
    assert client.session[ACTIVITY_KEY] > 0
    elsewhere = client.post(reverse("keep_alive"), {"next": "https://evil.example/"})
    assert elsewhere["Location"] == reverse("home")
