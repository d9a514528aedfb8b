"""Signing in with a second factor, then meeting the timeout warning (issue 11), in Debian's chromium.

Every page is checked with axe (conftest.py); the warning dialog is checked open, and at 390 px.
The browser's clock is Playwright's, so the 28 minutes before the warning pass at once.
"""

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _second_factor(settings) -> None:
    settings.SECOND_FACTOR_REQUIRED = True


def _code(setup_key: str) -> str:
    totp = TOTP(b32decode(setup_key.replace(" ", "")))
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_a_practitioner_sets_up_a_second_factor_and_is_warned_before_the_timeout(
    visit, page: Page, practitioner, check_a11y
):
    page.clock.install()
    page = visit.open("/accounts/login/")
    page.get_by_label("Username").fill(practitioner.username)
    page.get_by_label("Password").fill(PASSWORD)
    visit.press(page.get_by_role("button", name="Sign in"))

    # First sign-in: set up an authenticator app.
    expect(page.get_by_role("heading", level=1)).to_contain_text("authenticator app")
    expect(page.get_by_role("img", name="QR code for your authenticator app", exact=False)).to_be_visible()
    # The key is written out under "Cannot scan the QR code?" (closed): read it as the app would.
    key = page.locator("#setup-key").text_content() or ""
    page.get_by_label("Code from your authenticator app").fill(_code(key))
    visit.press(page.get_by_role("button", name="Continue"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("authenticator app is set up")
    visit.press(page.get_by_role("link", name="I have kept my recovery codes safe – continue"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")

    # 28 minutes later (of 30), the warning.
    dialog = page.get_by_role("dialog", name="You’re about to be signed out")
    expect(dialog).to_be_hidden()
    page.clock.fast_forward("28:01")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("2 minutes")
    check_a11y(page)
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at 390 px ({width} px wide)"
    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    # Still signed in, with the count started again.
    page.clock.fast_forward("20:00")
    expect(dialog).to_be_hidden()
