"""Password reset by email (issue 11, item 3): a link that names no one, works once within an hour,
refuses a weak password, and leaves the second factor to be given afterwards."""

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-fresh-long-passphrase-9"


def _ask(client: Client, email: str):
    return client.post(reverse("password_reset"), {"email": email})


def _link(message) -> str:
    found = re.search(r"https?://[^/]+(/accounts/password-reset/[^\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_the_sign_in_page_offers_a_reset():
    assert reverse("password_reset") in Client().get(reverse("login")).content.decode()


def test_a_reset_link_names_no_one_and_sets_a_new_password(practitioner, mailoutbox):
    client = Client()
    response = _ask(client, practitioner.email)
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [practitioner.email]
    for personal in (practitioner.username, practitioner.first_name, practitioner.last_name):
        assert personal not in message.body and personal not in message.subject
    form_page = client.get(_link(message), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else _link(message)

    weak = client.post(url, {"new_password1": "12345678901234", "new_password2": "12345678901234"})
    assert weak.status_code == 200 and "There is a problem" in weak.content.decode()

    done = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    practitioner.refresh_from_db()
    assert practitioner.check_password(NEW_PASSWORD)
    # The link works once.
    again = client.get(_link(message), follow=True).content.decode()
    assert "This link does not work" in again


def test_an_unknown_address_gets_the_same_answer_and_no_email(mailoutbox):
    response = _ask(Client(), "nobody@example.org")
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []


def test_a_bad_address_is_explained():
    response = _ask(Client(), "not-an-address")
    assert response.status_code == 200
    assert "Enter an email address in the correct format" in response.content.decode()


def test_one_address_cannot_send_a_flood(practitioner, mailoutbox):
    client = Client()
    answers = [_ask(client, practitioner.email).status_code for _ in range(11)]
    assert answers[:10] == [302] * 10 and answers[10] == 429
