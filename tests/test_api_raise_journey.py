"""The concern form's side of the API work (concerns/journey.py): the raising organisation's own
reference, asked of professionals, and the whole set of answers checked again before it is sent, by
the same function the API uses (``journey.validate``)."""

import pytest

from msphub.concerns import journey
from msphub.concerns.models import Concern
from tests.test_raise_journey import CHECK, SLUGS, VALID, answer, body, send, start, step_url

pytestmark = pytest.mark.django_db

LABEL = "Your organisation&#x27;s reference (if any)"


def test_a_signed_in_partner_gives_their_own_reference_and_sees_it_before_sending(
    client, council, partner_referrer
):
    client.force_login(partner_referrer)
    start(client)
    answer(client, ["immediate-danger"])
    page = body(client.get(step_url("about-you")))
    assert LABEL in page and "Datix" in page
    response = client.post(
        step_url("about-you"),
        {
            "raiser_name": "Pc Tester",
            "raiser_email": "pc_referrer@example.org",
            "raiser_reference": " <b>INC-77</b> ",
        },
    )
    assert response.status_code == 302
    answer(client, SLUGS[2:])
    check = body(client.get(CHECK))
    assert LABEL in check and "INC-77" in check
    assert send(client).raiser_reference == "INC-77"


def test_a_professional_without_an_account_may_give_one(client, council):
    start(client)
    answer(client, changes={"about-you": {"raiser_kind": "professional", "raiser_reference": "DATIX-9"}})
    assert "DATIX-9" in body(client.get(CHECK))
    assert send(client).raiser_reference == "DATIX-9"


def test_anyone_else_is_not_shown_the_row_and_it_is_not_kept(client, council):
    start(client)
    answer(client, changes={"about-you": {"raiser_reference": "MY-REF"}})  # a family member
    check = body(client.get(CHECK))
    assert LABEL not in check and "MY-REF" not in check
    assert send(client).raiser_reference == ""


def test_a_reference_longer_than_the_record_keeps_is_refused(client, council):
    start(client)
    answer(client, ["immediate-danger"])
    response = client.post(
        step_url("about-you"),
        {**VALID["about-you"], "raiser_kind": "professional", "raiser_reference": "x" * 51},
    )
    assert "must be 50 characters or fewer" in body(response)


def test_answers_that_no_longer_pass_are_asked_again_before_sending(client, council):
    """The check page checks the whole set again: an answer kept in the session that its question's
    rules now refuse sends the person back to that question, and nothing is sent."""
    start(client)
    answer(client)
    session = client.session
    state = session[journey.SESSION_KEY]
    state["answers"]["adult_family_name"] = ""
    session[journey.SESSION_KEY] = state
    session.save()
    assert client.get(CHECK)["Location"] == step_url("about-the-adult")
    assert client.post(CHECK)["Location"] == step_url("about-the-adult")
    assert not Concern.objects.exists()


def test_validate_names_every_field_in_error_in_question_order():
    data = journey.form_data({"immediate_danger": True, "raiser_name": "Jo", "risk_types": ["Nope"]})
    checked = journey.validate_for_system(data)
    assert not checked.is_valid
    assert checked.first_step == "about-you"
    assert list(checked.errors)[:3] == ["raiser_phone", "adult_given_name", "adult_family_name"]
    assert checked.errors["risk_types"] == [
        "Select a valid choice. Nope is not one of the available choices."
    ]
    assert checked.answers["immediate_danger"] is True
    assert checked.answers["raiser_kind"] == Concern.RaiserKind.PROFESSIONAL
