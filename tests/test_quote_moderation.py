"""Quotes are moderated: a consented quote reaches the Board only once a team manager or the
safeguarding lead of the council approves it, perhaps with names redacted; the person's own words
are kept as they said them."""

import pytest

from msphub.core.states import StateChanged
from msphub.enquiries import services
from msphub.enquiries.models import Feedback
from tests.enquiry_fixtures import assert_error, body, feedback_data

pytestmark = pytest.mark.django_db

WORDS = "Pat Tester listened to me and I feel safer now"
REDACTED = "[name] listened to me and I feel safer now"
QUOTES = "/enquiries/quotes/"


def moderate_url(feedback: Feedback) -> str:
    return f"/enquiries/quotes/{feedback.uuid}/"


@pytest.fixture
def quote(enquiry, practitioner) -> Feedback:
    """The person's words, agreed to be quoted anonymously to the Board."""
    return services.record_feedback(
        enquiry, practitioner, feedback_data(comments=WORDS, consent_to_quote=True)
    )


def test_a_consented_quote_awaits_moderation_and_is_not_for_the_board(quote, enquiry, practitioner):
    assert quote.quote_status == Feedback.QuoteStatus.AWAITING
    assert list(Feedback.objects.awaiting_moderation()) == [quote]
    assert not Feedback.objects.approved_quotes().exists()
    unquoted = services.record_feedback(
        enquiry,
        practitioner,
        feedback_data(
            version="representative", representative_relationship="Son", comments="Not for sharing"
        ),
    )
    assert unquoted.quote_status == ""
    assert unquoted not in Feedback.objects.awaiting_moderation()


def test_a_manager_approves_a_quote_with_the_name_taken_out(client, quote, manager):
    client.force_login(manager)
    page = body(client.get(QUOTES))
    assert WORDS in page and quote.enquiry.reference in page
    response = client.post(moderate_url(quote), {"action": "approve", "approved_text": f"  {REDACTED} "})
    assert response.status_code == 302 and response["Location"] == QUOTES
    quote.refresh_from_db()
    assert quote.quote_status == Feedback.QuoteStatus.APPROVED
    assert quote.approved_text == REDACTED
    assert quote.comments == WORDS, "the person's own words are kept unchanged"
    assert quote.moderated_by == manager and quote.moderated_at is not None
    assert list(Feedback.objects.approved_quotes().values_list("approved_text", flat=True)) == [REDACTED]
    # The change is in the feedback's history, with who made it.
    last = quote.history.order_by("-history_date", "-history_id").first()
    assert last.quote_status == "approved" and last.history_user == manager
    # It is no longer waiting; the list says so, with what happened.
    page = body(client.get(QUOTES))
    assert WORDS not in page and "No quotes are waiting to be approved." in page


def test_the_lead_declines_a_quote(client, quote, lead):
    client.force_login(lead)
    page = client.post(moderate_url(quote), {"action": "decline", "approved_text": WORDS}, follow=True)
    assert f"Quote from {quote.enquiry.reference} declined" in body(page)
    quote.refresh_from_db()
    assert quote.quote_status == Feedback.QuoteStatus.DECLINED
    assert quote.approved_text == "" and quote.moderated_by == lead
    assert not Feedback.objects.approved_quotes().exists()


def test_a_manager_of_another_team_of_the_council_may_moderate(client, quote, locality_manager):
    client.force_login(locality_manager)
    assert WORDS in body(client.get(QUOTES))
    assert (
        client.post(moderate_url(quote), {"action": "approve", "approved_text": REDACTED}).status_code == 302
    )


@pytest.mark.parametrize(
    "persona", ["practitioner", "locality_practitioner", "board_viewer", "partner_referrer"]
)
def test_other_roles_get_404(client, quote, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(QUOTES).status_code == 404
    assert client.post(moderate_url(quote), {"action": "approve", "approved_text": WORDS}).status_code == 404
    quote.refresh_from_db()
    assert quote.quote_status == Feedback.QuoteStatus.AWAITING


def test_another_councils_lead_does_not_see_the_quote_and_gets_404(client, quote, other_council_user):
    client.force_login(other_council_user)
    page = client.get(QUOTES)
    assert page.status_code == 200 and WORDS not in body(page)
    assert client.post(moderate_url(quote), {"action": "approve", "approved_text": WORDS}).status_code == 404
    quote.refresh_from_db()
    assert quote.quote_status == Feedback.QuoteStatus.AWAITING


def test_feedback_without_consent_cannot_be_moderated(client, enquiry, practitioner, manager):
    feedback = services.record_feedback(enquiry, practitioner, feedback_data(comments="Private words"))
    client.force_login(manager)
    assert "Private words" not in body(client.get(QUOTES))
    response = client.post(moderate_url(feedback), {"action": "approve", "approved_text": "x"})
    assert response.status_code == 404


def test_approving_without_words_is_refused(client, quote, manager):
    client.force_login(manager)
    response = client.post(moderate_url(quote), {"action": "approve", "approved_text": "   "})
    assert_error(response, "Enter the words to show to the Board")
    assert f'href="#id_{quote.uuid.hex}_approved_text"' in body(response)
    quote.refresh_from_db()
    assert quote.quote_status == Feedback.QuoteStatus.AWAITING


@pytest.mark.parametrize("action", [None, "publish"])
def test_an_answer_that_is_neither_approve_nor_decline_is_refused(client, quote, manager, action):
    client.force_login(manager)
    data = {"approved_text": WORDS} if action is None else {"action": action, "approved_text": WORDS}
    assert_error(client.post(moderate_url(quote), data), "Select whether to approve or decline the quote")
    quote.refresh_from_db()
    assert quote.quote_status == Feedback.QuoteStatus.AWAITING


def test_moderating_is_post_only(client, quote, manager):
    client.force_login(manager)
    assert client.get(moderate_url(quote)).status_code == 405
    assert client.post(QUOTES).status_code == 405


def test_approving_twice_is_refused(client, quote, manager, lead):
    client.force_login(manager)
    assert (
        client.post(moderate_url(quote), {"action": "approve", "approved_text": REDACTED}).status_code == 302
    )
    client.force_login(lead)
    page = client.post(moderate_url(quote), {"action": "decline", "approved_text": ""}, follow=True)
    assert "This quote has already been approved or declined by someone else." in body(page)
    quote.refresh_from_db()
    assert (quote.quote_status, quote.approved_text, quote.moderated_by) == ("approved", REDACTED, manager)
    with pytest.raises(StateChanged):
        services.moderate_quote(quote, lead, True, WORDS)


def test_a_stale_copy_is_refused_under_the_lock(quote, manager, lead):
    """Two moderators who both loaded the quote while it awaited: the second is refused."""
    stale = Feedback.objects.get(pk=quote.pk)
    services.moderate_quote(quote, manager, True, REDACTED)
    assert stale.quote_status == Feedback.QuoteStatus.AWAITING
    with pytest.raises(StateChanged):
        services.moderate_quote(stale, lead, False)
    quote.refresh_from_db()
    assert quote.quote_status == Feedback.QuoteStatus.APPROVED


def test_the_enquiry_page_shows_the_quote_as_the_board_sees_it(client, quote, manager, practitioner):
    services.moderate_quote(quote, manager, True, REDACTED)
    client.force_login(practitioner)
    page = body(client.get(f"/enquiries/{quote.enquiry.reference}/"))
    assert "Approved for the Board</strong>" in page
    assert "As the Board sees it" in page and REDACTED in page and WORDS in page


def test_the_caseload_links_to_the_quotes_for_moderators_only(client, manager, practitioner):
    client.force_login(manager)
    assert 'href="/enquiries/quotes/"' in body(client.get("/enquiries/"))
    client.force_login(practitioner)
    assert 'href="/enquiries/quotes/"' not in body(client.get("/enquiries/"))
