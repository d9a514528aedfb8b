"""The public status page (docs/referrers.md, docs/security.md "One-time codes"): the reference and the
email address or phone number given when raising the concern, confirmed by a one-time code, show the
status in the partner words and nothing else. The same answer whether or not the details match; rate
limited by address and by reference; no-store; each view of a status in the access log."""

import re
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from msphub.concerns import services
from msphub.concerns.forms import StatusCodeForm, StatusLookupForm
from msphub.core import onetime
from msphub.core.models import AccessLog
from tests.conftest import Cast, new_concern, per_test

pytestmark = pytest.mark.django_db

START = reverse("concerns:public_status")
CODE = reverse("concerns:public_status_code")
SHOWN = reverse("concerns:public_status_shown")
EMAIL = "alex.raiser@example.org"
PHONE = "07700 900123"


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    with django_db_blocker.unblock():
        cast = Cast()
        w = SimpleNamespace(cast=cast)
        w.concern = new_concern(
            cast.council,
            raiser_kind="family_friend",
            raiser_name="Alex Raiser",
            raiser_email=EMAIL,
            raiser_phone=PHONE,
            adult_given_name="Umberto",
            adult_family_name="Ashdown",
        )
        w.email_only = new_concern(cast.council, raiser_email="only@example.org", raiser_phone="")
        return w


@pytest.fixture
def w(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


@pytest.fixture(autouse=True)
def _texts(settings):
    settings.TEXT_MESSAGE_BACKEND = "msphub.core.onetime.OutboxTextMessages"
    onetime.outbox.clear()
    yield
    onetime.outbox.clear()


def sent_code() -> str:
    """The code in the one message sent (by email or text)."""
    texts = [m.body for m in mail.outbox] + [text for _, text in onetime.outbox]
    assert len(texts) == 1, texts
    found = re.search(r"\b(\d{6})\b", texts[0])
    assert found
    return found.group(1)


def ask(client, reference: str, contact: str, address: str = "127.0.0.1"):
    return client.post(START, {"reference": reference, "contact": contact}, REMOTE_ADDR=address)


def body(response) -> str:
    return response.content.decode()


def same_for_everyone(response) -> str:
    """The page less what differs on every response (the script nonce, the form's CSRF token)."""
    page = re.sub(r'nonce="[^"]*"', "", body(response))
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def test_by_email_the_code_shows_the_status_only(client, w, module_db):
    page = client.get(START)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    response = ask(client, w.concern.reference.lower().replace("-", " - ", 1), "Alex.Raiser@Example.org ")
    assert response.status_code == 302 and response["Location"] == CODE
    code = sent_code()
    message = mail.outbox[0]
    assert message.to == [EMAIL]
    # The message holds the code and nothing about the record.
    assert w.concern.reference not in message.body and "Umberto" not in message.body
    assert client.get(CODE).status_code == 200
    response = client.post(CODE, {"code": code})
    assert response.status_code == 302 and response["Location"] == SHOWN
    shown = client.get(SHOWN)
    assert shown.status_code == 200 and "no-store" in shown["Cache-Control"]
    page = body(shown)
    assert w.concern.reference in page and "Status: Received" in page
    for hidden in ("Umberto", "Ashdown", "Alex Raiser", EMAIL, "Bruising", "Sunrise Home Care", "Riverside"):
        assert hidden not in page, hidden
    # The view is in the access log: no user, the page, the record by reference.
    entry = AccessLog.objects.get(record_id=w.concern.uuid)
    assert entry.user is None and entry.page == SHOWN and entry.record_reference == w.concern.reference


def test_by_text_message_to_the_number_held(client, w, module_db):
    ask(client, w.concern.reference, "+44 7700 900 123")
    assert not mail.outbox
    assert len(onetime.outbox) == 1 and onetime.outbox[0][0] == PHONE
    assert client.post(CODE, {"code": sent_code()})["Location"] == SHOWN
    assert "Status: Received" in body(client.get(SHOWN))


def test_the_status_moves_with_the_concern(client, w, module_db):
    ask(client, w.concern.reference, EMAIL)
    client.post(CODE, {"code": sent_code()})
    services.pick_up(w.concern, w.cast.practitioner)
    assert "Status: Being looked at" in body(client.get(SHOWN))


@pytest.mark.parametrize(
    ("which", "contact"),
    [("concern", "someone.else@example.org"), ("concern", "07700 900999"), ("none", EMAIL),
     ("email_only", "07700 900123"), ("concern", "0")],
)  # fmt: skip
def test_the_same_answer_whether_or_not_the_details_match(client, w, module_db, which, contact):
    matched = ask(client, w.concern.reference, EMAIL, address="10.0.0.1")
    matched_page = same_for_everyone(client.get(CODE))
    mail.outbox.clear()
    reference = {
        "concern": w.concern.reference,
        "none": "CON-2026-424242",
        "email_only": w.email_only.reference,
    }
    response = ask(client, reference[which], contact)
    assert (response.status_code, response["Location"]) == (matched.status_code, matched["Location"])
    # The page that follows reads the same (no reference or contact echoed); nothing was sent.
    assert same_for_everyone(client.get(CODE)) == matched_page
    assert not mail.outbox and not onetime.outbox
    response = client.post(CODE, {"code": "123456"})
    assert response.status_code == 200 and "The code is not right, or it has expired" in body(response)
    assert client.get(SHOWN)["Location"] == START


def test_the_status_page_needs_a_code(client, w, module_db):
    assert client.get(SHOWN)["Location"] == START
    assert client.get(CODE)["Location"] == START
    ask(client, w.concern.reference, EMAIL)
    right = sent_code()
    wrong = "000000" if right != "000000" else "111111"
    assert client.post(CODE, {"code": wrong}).status_code == 200
    assert client.get(SHOWN)["Location"] == START
    # A code checked in one browser opens nothing in another.
    assert client.post(CODE, {"code": right})["Location"] == SHOWN
    other = client_class_for(client)
    assert other.get(SHOWN)["Location"] == START


def client_class_for(client):
    return type(client)()


def test_a_code_works_once_and_a_new_one_replaces_the_old(client, w, module_db):
    ask(client, w.concern.reference, EMAIL)
    first = sent_code()
    mail.outbox.clear()
    ask(client, w.concern.reference, EMAIL)
    second = sent_code()
    if first != second:
        assert client.post(CODE, {"code": first}).status_code == 200
    assert client.post(CODE, {"code": second})["Location"] == SHOWN
    # Asking again later starts over: the session's earlier verification is forgotten.
    ask(client, w.concern.reference, "nobody@example.org")
    assert client.get(SHOWN)["Location"] == START


@pytest.mark.parametrize(
    ("data", "message"),
    [({}, "Enter the reference number"), ({"reference": "CON-1"}, "Enter the email address or phone number"),
     ({"reference": "   ", "contact": EMAIL}, "Enter the reference number"),
     ({"reference": "CON-1", "contact": "nobody"}, "Enter an email address or a phone number")],
)  # fmt: skip
def test_the_form_says_what_is_missing(client, w, module_db, data, message):
    response = client.post(START, data)
    assert response.status_code == 200
    page = body(response)
    assert "There is a problem" in page and message in page
    assert not mail.outbox


def test_the_code_form_says_what_is_wrong(client, w, module_db):
    ask(client, w.concern.reference, EMAIL)
    for code, message in (("", "Enter the code we sent you"), ("12ab", "The code is 6 numbers")):
        response = client.post(CODE, {"code": code})
        assert response.status_code == 200 and message in body(response)


def test_rate_limited_by_address(client, w, module_db):
    answers = [ask(client, f"CON-2026-{n:06d}", EMAIL).status_code for n in range(11)]
    assert answers == [302] * 10 + [429]
    # Another address is not held back.
    assert ask(client, w.concern.reference, EMAIL, address="10.9.9.9").status_code == 302


def test_rate_limited_by_reference_whoever_asks(client, w, module_db):
    answers = [ask(client, w.concern.reference, EMAIL, address=f"10.0.1.{n}").status_code for n in range(6)]
    assert answers == [302] * 5 + [429]
    assert len(mail.outbox) == 5
    assert ask(client, w.email_only.reference, "x@example.org", address="10.0.2.1").status_code == 302


def test_codes_tried_are_rate_limited_by_address(client, w, module_db):
    ask(client, w.concern.reference, EMAIL)
    answers = [client.post(CODE, {"code": "999999"}).status_code for _ in range(21)]
    assert answers[-1] == 429 and answers[:20] == [200] * 20


def test_a_code_belongs_to_the_browser_whose_details_matched(w, module_db):
    """Another browser that gives the reference with other details holds no code to guess, and its
    wrong guesses do not use up the tries of the code the raiser was sent."""
    raiser, stranger = Client(), Client()
    ask(raiser, w.concern.reference, EMAIL)
    code = mail.outbox[-1].body.split(" is ")[1][:6]
    ask(stranger, w.concern.reference, "someone.else@example.org", address="10.7.7.7")
    assert stranger.post(CODE, {"code": code}).status_code == 200  # refused: not this session's code
    for _ in range(6):
        stranger.post(CODE, {"code": "000000"})
    assert raiser.post(CODE, {"code": code})["Location"] == SHOWN


@pytest.mark.parametrize(
    "contact", ["０７７００ ９００１２３", "0770090012３", "dorä@example.org", "٠٧٧٠٠٩٠٠١٢٣"]
)
def test_contact_details_in_any_script_are_no_match_not_an_error(client, w, module_db, contact):
    assert ask(client, w.concern.reference, contact)["Location"] == CODE


def test_the_sent_page_tells_people_about_the_status_page(client, w, module_db):
    from msphub.concerns import journey

    session = client.session
    session[journey.LAST_REFERENCE_KEY] = w.concern.reference
    session.save()
    page = body(client.get(reverse("concerns:raise_done")))
    assert START in page and "check the status of your concern" in page


# --- The parsers: a reference as typed, a code as typed ------------------------------------------------


@given(st.text(max_size=60))
def test_a_reference_normalised_once_stays_the_same(text):
    once = services.normalise_reference(text)
    assert services.normalise_reference(once) == once
    assert not any(ch.isspace() for ch in once) and once == once.upper()


@given(st.from_regex(r"CON-20\d\d-\d{6}", fullmatch=True), st.lists(st.sampled_from([" ", "\t"]), max_size=3))
def test_a_reference_typed_with_spaces_or_in_lower_case_is_found(reference, spaces):
    typed = "".join(spaces) + reference.lower() + "".join(spaces)
    assert services.normalise_reference(typed) == reference


@given(st.text(max_size=300), st.text(max_size=300))
def test_the_lookup_form_never_fails_on_what_is_typed(reference, contact):
    form = StatusLookupForm({"reference": reference, "contact": contact})
    if form.is_valid():
        assert form.cleaned_data["reference"] and form.cleaned_data["contact"]


@given(st.text(max_size=40))
def test_the_code_form_takes_six_digits_or_says_so(code):
    form = StatusCodeForm({"code": code})
    if form.is_valid():
        assert re.fullmatch(r"\d{6}", form.cleaned_data["code"])
    else:
        assert form.errors["code"]
