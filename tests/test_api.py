"""The API for partner systems (msphub/api, docs/api.md): raising a concern with the concern form's
rules and an idempotency key, reading its status within the agency's scope, tokens (hashed, scoped,
revocable, rate limited), the access log, and JSON errors that name the field."""

import html
import json
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msphub.accounts.models import User
from msphub.api import questions, services
from msphub.api.models import ApiToken, IdempotencyKey
from msphub.concerns import journey, referrer
from msphub.concerns import services as concern_services
from msphub.concerns.models import Concern
from msphub.core.models import AccessLog
from tests.conftest import PASSWORD, Cast, new_person, per_test

RAISE = "/api/v1/concerns/"
TOKENS = "/api/tokens/"
NEW_TOKEN = "/api/tokens/new/"
REFERENCE_RE = re.compile(r"^CON-\d{4}-\d{6}$")

VALID = {
    "immediate_danger": False,
    "raiser_name": "PC Sam Jones",
    "raiser_role": "Police constable",
    "raiser_reference": "INC-2026-0412",
    "raiser_email": "sam.jones@police.example",
    "adult_given_name": "Edna",
    "adult_family_name": "Marsh",
    "adult_date_of_birth": "1938-05-17",
    "what_happened": "Bruising on both arms noticed during a welfare check.",
    "happened_on": "2025-11-12",
    "still_happening": True,
    "risk_types": ["Physical Abuse", "Self-Neglect"],
    "location_of_risk": "Own Home",
    "source_of_risk": "Service Provider",
    "care_provider_name": "Sunrise Home Care",
    "consent": "given",
    "msp_asked": True,
    "wants_to_happen": "For the carer to be changed",
}


def make_token(
    cast: Cast, organisation, scopes=None, council=None, name="Case management", by=None
) -> SimpleNamespace:
    token, secret = services.create_token(
        council or cast.council, organisation, name, scopes or list(ApiToken.Scope.values), by or cast.lead
    )
    return SimpleNamespace(token=token, secret=secret, auth={"HTTP_AUTHORIZATION": f"Bearer {secret}"})


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    with django_db_blocker.unblock():
        cast = Cast()
        w = SimpleNamespace(cast=cast)
        w.police = make_token(cast, cast.police)
        w.raise_only = make_token(cast, cast.police, [ApiToken.Scope.RAISE], name="Raise only")
        w.read_only = make_token(cast, cast.police, [ApiToken.Scope.READ], name="Read only")
        w.nhs = make_token(cast, cast.nhs_trust)
        w.revoked = make_token(cast, cast.police, name="Old system")
        services.revoke_token(w.revoked.token, cast.lead)
        # Hillside's lead's token for a trust that works with Hillside only.
        w.hillside_trust = type(cast.police).objects.create(name="Hillside Care Trust", kind="nhs_trust")
        w.hillside_trust.councils.add(cast.other_council)
        w.hillside = make_token(cast, w.hillside_trust, council=cast.other_council)
        w.hillside.token.created_by = cast.other_council_user
        w.hillside.token.save(update_fields=["created_by"])
        # The police work with Hillside too, and Hillside's lead made them a token of their own.
        cast.police.councils.add(cast.other_council)
        w.police_hillside = make_token(
            cast, cast.police, council=cast.other_council, name="Hillside link", by=cast.other_council_user
        )
        # A concern the police raised through the API, and one the NHS trust's referrer raised.
        w.police_concern = services.raise_concern(w.police.token, dict(VALID), None).concern
        w.nhs_concern = concern_services.raise_concern(
            journey.validate_for_system(journey.form_data(questions.read(dict(VALID)))).answers,
            cast.council,
            __import__("uuid").uuid4(),
            user=cast.other_partner_referrer,
        )[0]
        for user in (cast.practitioner, cast.partner_referrer, cast.other_council_user):
            assert user.pk
        return w


@pytest.fixture
def w(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


def post(client: Client, body, token, **headers):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(RAISE, data, content_type="application/json", **token.auth, **headers)


def get_status(client: Client, reference: str, token):
    return client.get(f"/api/v1/concerns/{reference}/", **token.auth)


def errors(response) -> dict:
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    found: dict = {}
    for problem in response.json()["errors"]:
        found.setdefault(problem["field"], []).append(problem["message"])
    return found


# --- Raising a concern ---------------------------------------------------------------------------


def test_a_concern_raised_through_the_api_goes_to_the_councils_front_door(client, w):
    response = post(client, VALID, w.police)
    assert response.status_code == 201, response.content
    reference = response.json()["reference"]
    assert response.json() == {"reference": reference}
    assert REFERENCE_RE.match(reference)
    concern = Concern.objects.get(reference=reference)
    assert concern.council == w.cast.council
    assert concern.status == Concern.Status.RECEIVED
    assert concern.raiser_organisation == w.cast.police
    assert concern.raised_by_user == w.police.token.client
    assert concern.raiser_kind == Concern.RaiserKind.PROFESSIONAL
    assert concern.raiser_reference == "INC-2026-0412"
    assert concern.raiser_organisation_name == "Riverside Police", "the token's organisation by default"
    assert concern.adult_date_of_birth == date(1938, 5, 17)
    assert concern.still_happening is True
    assert sorted(concern.risk_type_labels) == ["Physical Abuse", "Self-Neglect"]
    # In the queue the practitioners work from, as the form's concerns are.
    client.force_login(w.cast.practitioner)
    assert reference in client.get(reverse("concerns:queue")).content.decode()
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]


def test_every_problem_is_named_with_the_forms_own_message(client, w):
    body = {**VALID, "adult_family_name": "", "what_happened": "   ", "risk_types": []}
    body.pop("adult_given_name")
    body.pop("consent")
    found = errors(post(client, body, w.police))
    assert found == {
        "adult_given_name": ["Enter the adult's first name"],
        "adult_family_name": ["Enter the adult's last name"],
        "what_happened": ["Enter what has happened"],
        "risk_types": ["Select at least one kind of abuse or neglect"],
        "consent": ["Select whether the adult agrees to you raising this concern"],
    }
    assert Concern.objects.filter(raiser_organisation=w.cast.police).count() == 1, "nothing raised"


@pytest.mark.parametrize(
    "changes, field, message",
    [
        (
            {"care_provider_name": ""},
            "care_provider_name",
            "Enter the name of the care provider thought to be causing the harm",
        ),
        (
            {"msp_asked": True, "wants_to_happen": ""},
            "wants_to_happen",
            "Enter what the adult wants to happen",
        ),
        (
            {"msp_asked": False, "wants_to_happen": ""},
            "not_asked_reason",
            "Enter why you have not asked the adult what they want",
        ),
        (
            {"consent": "not_given"},
            "consent_not_given_reason",
            "Enter why you are raising the concern without their agreement",
        ),
        ({"consent": "not_sought"}, "consent_not_sought_reason", "Select why the adult has not been asked"),
        (
            {"raiser_email": "", "raiser_phone": ""},
            "raiser_phone",
            "Enter a phone number or an email address so we can contact you",
        ),
        (
            {"raiser_phone": "999"},
            "raiser_phone",
            "Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192",
        ),
        (
            {"raiser_email": "sam@"},
            "raiser_email",
            "Enter an email address in the correct format, like name@example.com",
        ),
        ({"adult_family_name": "x" * 101}, "adult_family_name", "Last name must be 100 characters or fewer"),
        (
            {"raiser_reference": "x" * 51},
            "raiser_reference",
            "Your organisation's reference (if any) must be 50 characters or fewer",
        ),
        (
            {"adult_date_of_birth": "2999-01-01"},
            "adult_date_of_birth",
            "Date of birth must be today or in the past",
        ),
        ({"adult_date_of_birth": "1899-12-31"}, "adult_date_of_birth", "Date of birth must be after 1900"),
        (
            {"adult_date_of_birth": "17/05/1938"},
            "adult_date_of_birth",
            "Date of birth must be a real date, like 1941-03-27",
        ),
        (
            {"adult_date_of_birth": "1938-02-30"},
            "adult_date_of_birth",
            "Date of birth must be a real date, like 1941-03-27",
        ),
        (
            {"risk_types": ["Physical Abuse", "Cruelty"]},
            "risk_types",
            "Select a valid choice. Cruelty is not one of the available choices.",
        ),
        (
            {"location_of_risk": "Moon"},
            "location_of_risk",
            "Select a valid choice. Moon is not one of the available choices.",
        ),
        (
            {"immediate_danger": "no"},
            "immediate_danger",
            "Is the adult in immediate danger must be true or false",
        ),
        ({"adult_given_name": 7}, "adult_given_name", "First name must be text"),
        (
            {"risk_types": "Physical Abuse"},
            "risk_types",
            "What kind of abuse or neglect is it must be a list of choices",
        ),
        ({"adult_nickname": "Ed"}, "adult_nickname", questions.UNKNOWN),
        ({"what_happened": "Shouting\x00"}, "what_happened", "Null characters are not allowed."),
        (
            {"what_happened": "Half a character \ud800"},
            "what_happened",
            "What has happened must be text without broken characters",
        ),
    ],
)
def test_each_rule_of_the_form_is_the_apis(client, w, changes, field, message):
    found = errors(post(client, {**VALID, **changes}, w.police))
    assert found.get(field) == [message], found


def test_a_17_year_old_is_not_an_adult(client, w):
    today = timezone.localdate()
    seventeen = (
        today.replace(year=today.year - 17)
        if not (today.month == 2 and today.day == 29)
        else today - timedelta(days=365 * 17)
    )
    found = errors(post(client, {**VALID, "adult_date_of_birth": seventeen.isoformat()}, w.police))
    assert found == {"adult_date_of_birth": ["Date of birth must be for an adult (aged 18 or over)"]}


# The answers of VALID as the signed-in web journey's pages post them (no "Who are you?" question).
WEB_ANSWERS = {
    "immediate-danger": {"immediate_danger": "no"},
    "about-you": {
        "raiser_name": "PC Sam Jones",
        "raiser_role": "Police constable",
        "raiser_organisation_name": "Riverside Police",
        "raiser_reference": "INC-2026-0412",
        "raiser_phone": "",
        "raiser_email": "sam.jones@police.example",
    },
    "about-the-adult": {
        "adult_given_name": "Edna",
        "adult_family_name": "Marsh",
        "adult_date_of_birth_day": "17",
        "adult_date_of_birth_month": "5",
        "adult_date_of_birth_year": "1938",
    },
    "what-happened": {
        "what_happened": "Bruising on both arms noticed during a welfare check.",
        "happened_on_day": "12",
        "happened_on_month": "11",
        "happened_on_year": "2025",
        "still_happening": "on",
    },
    "type-of-abuse": {"risk_types": ["Physical Abuse", "Self-Neglect"]},
    "where": {
        "location_of_risk": "Own Home",
        "source_of_risk": "Service Provider",
        "care_provider_name": "Sunrise Home Care",
    },
    "consent": {"consent": "given"},
    "what-the-adult-wants": {"msp_asked": "yes", "wants_to_happen": "For the carer to be changed"},
}
# What differs between any two concerns, however they were raised, and who raised it: the police's
# referrer on the form, the police's system through the API.
NOT_COMPARED = {"id", "uuid", "reference", "received_at", "submission_token", "raised_by_user"}


def test_the_api_and_the_form_save_the_same_concern_from_the_same_answers(client, w):
    """The same answers through the signed-in web journey (the police's referrer, page by page) and
    through the API (the police's system): the two concerns saved are the same, field by field."""
    client.force_login(w.cast.partner_referrer)
    assert client.post("/concerns/raise/").status_code == 302
    pages = {"council": {"council": str(w.cast.council.pk)}, **WEB_ANSWERS}  # the police work with two
    for slug, answers in pages.items():
        response = client.post(f"/concerns/raise/{slug}/", answers)
        assert response.status_code == 302, (slug, response.content.decode()[:2000])
    assert client.post("/concerns/raise/check-answers/")["Location"] == "/concerns/raise/confirmation/"
    on_the_form = Concern.objects.get(raised_by_user=w.cast.partner_referrer)
    through_the_api = Concern.objects.get(reference=post(Client(), VALID, w.police).json()["reference"])

    def saved(concern: Concern) -> dict:
        fields = {
            f.attname: getattr(concern, f.attname)
            for f in Concern._meta.concrete_fields
            if f.name not in NOT_COMPARED
        }
        return {**fields, "risk_types": sorted(concern.risk_type_labels)}

    assert saved(on_the_form) == saved(through_the_api)
    assert on_the_form.raised_by_user.organisation == through_the_api.raised_by_user.organisation


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(sorted(questions.QUESTIONS) + ["unknown_field"]),
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=6,
    ),
)
def test_any_json_value_for_any_field_is_an_answer_or_a_named_problem(name, value):
    """The reader takes any JSON: an answer, or a 400 naming the field; never anything else."""
    try:
        answers = questions.read({**VALID, name: value})
    except services.Refused as refused:
        assert refused.status == 400
        assert [p.field for p in refused.problems] == [name]
        return
    checked = journey.validate_for_system(journey.form_data(answers))
    assert set(checked.errors) <= set(questions.QUESTIONS)


# --- Idempotency -------------------------------------------------------------------------------------


def test_the_same_idempotency_key_twice_gives_the_same_reference_and_one_concern(client, w):
    first = post(client, VALID, w.police, HTTP_IDEMPOTENCY_KEY="3f1d1c1e-key-1")
    again = post(client, VALID, w.police, HTTP_IDEMPOTENCY_KEY="3f1d1c1e-key-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert "Idempotent-Replayed" not in first and again["Idempotent-Replayed"] == "true"
    assert Concern.objects.filter(reference=first.json()["reference"]).count() == 1
    assert IdempotencyKey.objects.filter(key="3f1d1c1e-key-1").count() == 1
    # Another of the organisation's tokens, the same key: the same organisation, the same concern.
    third = post(client, VALID, w.raise_only, HTTP_IDEMPOTENCY_KEY="3f1d1c1e-key-1")
    assert third.json() == first.json()
    # Another organisation's key is its own.
    other = post(client, VALID, w.nhs, HTTP_IDEMPOTENCY_KEY="3f1d1c1e-key-1")
    assert other.status_code == 201 and other.json() != first.json()


def test_a_key_is_the_organisations_for_one_council(client, w):
    """The police's Hillside token sending a key the police used with Riverside raises a Hillside
    concern (the key said nothing about Hillside's concerns); again, it is replayed there."""
    riverside = post(client, VALID, w.police, HTTP_IDEMPOTENCY_KEY="shared-key-1")
    hillside = post(client, VALID, w.police_hillside, HTTP_IDEMPOTENCY_KEY="shared-key-1")
    assert (riverside.status_code, hillside.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in hillside
    assert hillside.json() != riverside.json()
    concern = Concern.objects.get(reference=hillside.json()["reference"])
    assert concern.council == w.cast.other_council
    assert concern.submission_token != Concern.objects.get(**riverside.json()).submission_token
    again = post(client, VALID, w.police_hillside, HTTP_IDEMPOTENCY_KEY="shared-key-1")
    assert again.json() == hillside.json() and again["Idempotent-Replayed"] == "true"
    assert sorted(IdempotencyKey.objects.filter(key="shared-key-1").values_list("council_id", flat=True)) == (
        sorted([w.cast.council.pk, w.cast.other_council.pk])
    )


def test_the_same_key_with_a_different_body_is_refused(client, w):
    post(client, VALID, w.police, HTTP_IDEMPOTENCY_KEY="key-2")
    response = post(client, {**VALID, "adult_given_name": "Ada"}, w.police, HTTP_IDEMPOTENCY_KEY="key-2")
    assert response.status_code == 422
    assert errors(response) == {"Idempotency-Key": [services.KEY_REUSED]}
    assert not Concern.objects.filter(adult_given_name="Ada").exists()


def test_a_refused_request_does_not_use_up_its_key(client, w):
    assert post(client, {**VALID, "consent": ""}, w.police, HTTP_IDEMPOTENCY_KEY="key-3").status_code == 400
    assert post(client, VALID, w.police, HTTP_IDEMPOTENCY_KEY="key-3").status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "two words", "café"])
def test_an_idempotency_key_must_be_visible_ascii(client, w, key):
    response = post(client, VALID, w.police, HTTP_IDEMPOTENCY_KEY=key.encode().decode("latin-1"))
    assert response.status_code == 400
    assert errors(response) == {"Idempotency-Key": [services.KEY_MESSAGE]}


def test_a_race_lost_on_the_key_answers_with_the_winners_concern(w):
    """The second of two requests with one key that both found no key row: the unique constraint
    refuses its row and it answers with the first's concern (raise_concern gives it that concern by
    the submission token the key makes). Staged here by writing the winner's row in between."""
    winner = services.raise_concern(w.police.token, dict(VALID), "race-key").concern
    row = IdempotencyKey.objects.get(key="race-key")
    # The loser read before the winner's row existed: simulate by hiding it from the first look-up.
    original = IdempotencyKey.objects.filter

    calls = {"n": 0}

    def first_look_finds_nothing(*args, **kwargs):
        calls["n"] += 1
        query = original(*args, **kwargs)
        return query.none() if calls["n"] == 1 else query

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(IdempotencyKey.objects, "filter", first_look_finds_nothing)
        again = services.raise_concern(w.police.token, dict(VALID), "race-key")
    assert again.concern == winner and again.replayed
    assert IdempotencyKey.objects.filter(key="race-key").get() == row
    assert Concern.objects.filter(submission_token=winner.submission_token).count() == 1


# --- Reading a concern's status ----------------------------------------------------------------------


def test_the_raising_agency_reads_its_concerns_status_and_nothing_about_the_adult(client, w):
    response = get_status(client, w.police_concern.reference, w.read_only)
    assert response.status_code == 200
    assert response.json() == {
        "reference": w.police_concern.reference,
        "raiser_reference": "INC-2026-0412",
        "status": "Received",
        "received_on": timezone.localdate(w.police_concern.received_at).isoformat(),
        "decision": "The council has not decided yet what will happen.",
        "outcome_for_referrer": None,
    }
    for personal in ("Edna", "Marsh", "1938", "Bruising", "Sunrise"):
        assert personal not in response.content.decode()


def test_another_agencys_concern_is_not_found_as_one_that_does_not_exist(client, w):
    theirs = get_status(client, w.nhs_concern.reference, w.police)
    missing = get_status(client, "CON-1999-000001", w.police)
    not_one = get_status(client, "<script>", w.police)
    assert theirs.status_code == missing.status_code == not_one.status_code == 404
    assert theirs.content == missing.content == not_one.content
    assert errors(theirs) == {None: ["No concern with this reference was raised by your organisation"]}
    # The trust's own token reads it: it was raised by the trust's referrer through the form.
    assert get_status(client, w.nhs_concern.reference, w.nhs).json()["status"] == "Received"


def test_a_nul_in_the_address_is_refused_in_json_before_the_view(client, w):
    """core.middleware.RefuseNulMiddleware answers first (400, JSON under /api/, as the schema says);
    nothing reaches the database or the access log, and it is never a 500."""
    before = AccessLog.objects.count()
    for reference in ("%00", f"{w.police_concern.reference}%00", "CON-2026-%00000001"):
        response = get_status(client, reference, w.police)
        assert response.status_code == 400
        assert errors(response) == {None: ["The address holds a character it may not hold (NUL)"]}
    assert AccessLog.objects.count() == before


def test_a_token_reads_only_the_concerns_raised_with_its_own_council(client, w):
    """The police work with both councils and hold a token from each: Hillside's token does not read
    the concerns the police raised with Riverside (404, as one that does not exist), nor the reverse."""
    missing = get_status(client, "CON-1999-000001", w.police_hillside)
    riversides = get_status(client, w.police_concern.reference, w.police_hillside)
    assert riversides.status_code == 404 and riversides.content == missing.content
    raised = post(client, VALID, w.police_hillside)
    assert raised.status_code == 201
    hillsides = Concern.objects.get(reference=raised.json()["reference"])
    assert hillsides.council == w.cast.other_council and hillsides.raiser_organisation == w.cast.police
    assert get_status(client, hillsides.reference, w.police_hillside).status_code == 200
    assert get_status(client, hillsides.reference, w.police).status_code == 404
    assert get_status(client, w.police_concern.reference, w.police).status_code == 200
    # The police's referrer (a person, across the councils the police work with) follows both.
    client.force_login(w.cast.partner_referrer)
    for concern in (w.police_concern, hillsides):
        assert client.get(f"/concerns/raised/{concern.reference}/").status_code == 200


def test_the_decision_and_the_outcome_words_once_signed_off(client, w):
    cast = w.cast
    calm = {**VALID, "still_happening": False}  # no safety action to record first
    concern = services.raise_concern(w.police.token, calm, None).concern
    person = new_person(cast.council)
    concern_services.link_person(concern, person, cast.practitioner)
    decision = concern_services.record_decision(
        concern,
        cast.practitioner,
        {
            "outcome": "s42",
            "criterion_care_needs": True,
            "criterion_abuse_risk": True,
            "criterion_cannot_protect": True,
            "rationale": "All three criteria are met.",
            "lead_practitioner": cast.practitioner,
        },
    )
    waiting = get_status(client, concern.reference, w.police).json()
    assert waiting["decision"] == referrer.NOT_DECIDED, "not told until signed off"
    concern_services.sign_off(decision, cast.manager)
    assert get_status(client, concern.reference, w.police).json()["outcome_for_referrer"] is None
    Concern.objects.filter(pk=concern.pk).update(outcome_for_referrer="We are making enquiries.")
    body = get_status(client, concern.reference, w.police).json()
    assert body["status"] == "Enquiry started"
    assert body["decision"] == referrer.SECTION_42
    assert body["outcome_for_referrer"] == "We are making enquiries."
    assert person.family_name not in json.dumps(body)
    # Word for word what the police's referrer reads on their page (concerns/referrer.py, once).
    client.force_login(cast.partner_referrer)
    page = client.get(f"/concerns/raised/{concern.reference}/").content.decode()
    for words in (body["status"], body["decision"], body["outcome_for_referrer"]):
        assert html.escape(words) in page, words


# --- Tokens: scope, revocation, rate limit -----------------------------------------------------------


def test_a_token_does_only_what_its_scopes_allow(client, w):
    response = get_status(client, w.police_concern.reference, w.raise_only)
    assert response.status_code == 403
    assert errors(response) == {None: ["This token may not do this: it needs the concerns:read scope"]}
    response = post(client, VALID, w.read_only)
    assert response.status_code == 403
    assert errors(response) == {None: ["This token may not do this: it needs the concerns:raise scope"]}


def test_a_revoked_token_is_refused(client, w):
    response = post(client, VALID, w.revoked)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="msphub"'
    assert errors(response) == {None: ["The API token is not valid: it may have been revoked"]}


def test_revoking_on_the_page_stops_the_token_at_its_next_call(client, w):
    assert get_status(client, w.police_concern.reference, w.police).status_code == 200
    client.force_login(w.cast.lead)
    response = client.post(f"/api/tokens/{w.police.token.uuid}/revoke/")
    assert response.status_code == 302 and response["Location"] == TOKENS
    token = ApiToken.objects.get(pk=w.police.token.pk)
    assert token.revoked_by == w.cast.lead and token.revoked_at is not None
    assert token.history.first().history_user == w.cast.lead, "who revoked it is in its history"
    assert get_status(Client(), w.police_concern.reference, w.police).status_code == 401
    # Revoking again says so, and changes nothing.
    client.post(f"/api/tokens/{w.police.token.uuid}/revoke/")
    assert ApiToken.objects.get(pk=token.pk).revoked_at == token.revoked_at


def test_a_token_stops_when_its_organisation_no_longer_works_with_the_council(client, w):
    w.cast.nhs_trust.councils.remove(w.cast.council)
    assert post(client, VALID, w.nhs).status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Token abc",
        "Basic dXNlcjpwYXNz",
        "Bearer msp_000000000000_" + "a" * 43,
        "Bearer x y",
    ],
)
def test_a_malformed_or_unknown_token_is_refused(client, w, header):
    response = client.get(f"/api/v1/concerns/{w.police_concern.reference}/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert set(errors(response)) == {None}


def test_a_guessed_secret_with_a_real_prefix_is_refused(client, w):
    forged = f"Bearer msp_{w.police.token.prefix}_" + "A" * 43
    assert (
        client.get(f"/api/v1/concerns/{w.police_concern.reference}/", HTTP_AUTHORIZATION=forged).status_code
        == 401
    )


def test_calls_over_the_rate_are_refused_per_token(client, w, settings):
    settings.API_RATE_LIMIT = "3/min"
    for _ in range(3):
        assert get_status(client, w.police_concern.reference, w.police).status_code == 200
    response = get_status(client, w.police_concern.reference, w.police)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert set(errors(response)) == {None}
    assert "try again in" in errors(response)[None][0]
    # Another token of the same organisation has its own count.
    assert get_status(client, w.police_concern.reference, w.read_only).status_code == 200


def test_a_call_refused_for_its_scope_counts_against_the_rate(client, w, settings):
    """The rate is checked before the scope: a system calling without the scope it needs is slowed
    down like any other, and its refusals are not in the access log (it touched no record)."""
    settings.API_RATE_LIMIT = "3/min"
    before = AccessLog.objects.count()
    for _ in range(3):
        assert get_status(client, w.police_concern.reference, w.raise_only).status_code == 403
    response = get_status(client, w.police_concern.reference, w.raise_only)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert post(client, VALID, w.raise_only).status_code == 429, "the token's one count, for any call"
    assert AccessLog.objects.count() == before
    assert get_status(client, w.police_concern.reference, w.read_only).status_code == 200


def test_a_token_is_stored_hashed_with_only_its_prefix_in_clear(w):
    token = ApiToken.objects.get(pk=w.police.token.pk)
    assert w.police.secret.startswith(f"msp_{token.prefix}_")
    assert w.police.secret not in json.dumps(list(ApiToken.objects.values_list()), default=str)
    assert len(token.secret_hash) == 64
    assert token.last_used_at is None or token.last_used_at <= timezone.now()


def test_a_tokens_client_user_can_never_sign_in(client, w):
    user = User.objects.get(pk=w.police.token.client_id)
    assert (user.username, user.is_active, user.role) == (f"api-{w.police.token.prefix}", False, "")
    assert not user.has_usable_password()
    assert user.organisation == w.cast.police
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302, 403)


def test_last_used_is_recorded(client, w):
    get_status(client, w.police_concern.reference, w.police)
    assert ApiToken.objects.get(pk=w.police.token.pk).last_used_at is not None


# --- Every call in the access log ------------------------------------------------------------------


def test_every_call_is_logged_under_the_tokens_client_user(client, w):
    before = AccessLog.objects.count()
    raised = post(client, VALID, w.police).json()["reference"]
    get_status(client, raised, w.police)
    post(client, {**VALID, "consent": ""}, w.police)
    get_status(client, w.nhs_concern.reference, w.police)
    # Refused before reaching a record: not logged (no scope, a method the address does not take).
    post(client, VALID, w.read_only)
    client.delete(f"/api/v1/concerns/{raised}/", **w.police.auth)
    client.options(RAISE, **w.police.auth)
    entries = list(AccessLog.objects.order_by("sequence")[before:])
    assert [(e.user_id, e.page, e.record_reference, e.record_type) for e in entries] == [
        (w.police.token.client_id, RAISE, raised, "concerns.concern"),
        (w.police.token.client_id, f"/api/v1/concerns/{raised}/", raised, "concerns.concern"),
        (w.police.token.client_id, RAISE, "", ""),
        (w.police.token.client_id, f"/api/v1/concerns/{w.nhs_concern.reference}/", "", ""),
    ]
    assert entries[0].record_id == Concern.objects.get(reference=raised).uuid
    # A call with no valid token names no user and is not logged.
    client.get(f"/api/v1/concerns/{raised}/")
    assert AccessLog.objects.count() == before + 4


# --- JSON, never HTML ---------------------------------------------------------------------------------


def test_a_signed_in_session_without_a_token_gets_json_401(client, w):
    client.force_login(w.cast.partner_referrer)
    for response in (
        client.get(f"/api/v1/concerns/{w.police_concern.reference}/"),
        client.post(RAISE, json.dumps(VALID), content_type="application/json"),
    ):
        assert response.status_code == 401
        assert errors(response) == {
            None: ["Send your API token in the Authorization header, as: Bearer <token>"]
        }


@pytest.mark.parametrize(
    "send, status",
    [
        (lambda c, t: c.post(RAISE, "{not json", content_type="application/json", **t.auth), 400),
        (lambda c, t: c.post(RAISE, "[" * 100_000, content_type="application/json", **t.auth), 413),
        (
            lambda c, t: c.post(RAISE, "[" * 5_000 + "]" * 5_000, content_type="application/json", **t.auth),
            400,
        ),
        (lambda c, t: c.post(RAISE, '{"a": NaN}', content_type="application/json", **t.auth), 400),
        (lambda c, t: c.post(RAISE, b"\xff\xfe", content_type="application/json", **t.auth), 400),
        (lambda c, t: c.post(RAISE, "[]", content_type="application/json", **t.auth), 400),
        (lambda c, t: c.post(RAISE, {"consent": "given"}, **t.auth), 415),
        (lambda c, t: c.get(RAISE, **t.auth), 405),
        (lambda c, t: c.delete(f"/api/v1/concerns/{'CON-2026-000001'}/", **t.auth), 405),
        (lambda c, t: c.get("/api/v1/nothing-here/", **t.auth), 404),
        (lambda c, t: c.post("/api/v1/concerns", "{}", content_type="application/json", **t.auth), 404),
        (lambda c, t: c.get(RAISE, HTTP_ACCEPT="text/html", **t.auth), 405),
    ],
)
def test_refusals_are_json_naming_what_is_wrong(client, w, send, status):
    response = send(client, w.police)
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"consent": ' + "9" * 5000 + "}", "The request body is not valid JSON"),
        ("{not json", "The request body is not valid JSON (line 1, column 2)"),
        ('{"a": NaN}', "The request body is not valid JSON: NaN is not a JSON value"),
        ("[" * 5_000 + "]" * 5_000, "The request body is not valid JSON: it is nested too deeply"),
    ],
)
def test_a_body_that_is_not_json_is_told_in_fixed_words(client, w, text, message):
    """Never the words of Python's own exception (for a 5,000-digit integer, its interpreter's limit)."""
    response = post(client, text, w.police)
    assert response.status_code == 400
    assert errors(response) == {None: [message]}


def test_options_is_refused_without_describing_the_view(client, w):
    for path in (RAISE, f"/api/v1/concerns/{w.police_concern.reference}/"):
        response = client.options(path, **w.police.auth)
        assert response.status_code == 405
        assert "OPTIONS" not in response["Allow"]
        assert set(errors(response)) == {None}
        assert b"renders" not in response.content and b"parses" not in response.content
    assert client.options(RAISE, **w.police.auth)["Allow"] == "POST"


@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/v1/docs/"])
def test_the_schema_and_the_docs_answer_head(client, path):
    response = client.head(path)
    assert response.status_code == 200 and response.content == b""


# --- Schema and docs (public) -----------------------------------------------------------------------


def test_the_schema_is_public_openapi_3_json_with_the_key_and_the_errors(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    raise_op = schema["paths"]["/api/v1/concerns/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in raise_op["parameters"])
    assert {"201", "400", "401", "403", "422", "429"} <= set(raise_op["responses"])
    assert raise_op["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/Errors")
    assert "/api/v1/concerns/{reference}/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["partnerToken"]["scheme"] == "bearer"
    body = schema["components"]["schemas"]["RaiseConcern"]
    assert body["additionalProperties"] is False
    assert {"adult_family_name", "risk_types", "consent"} <= set(body["required"])
    assert "raiser_reference" in body["properties"] and "council" not in body["properties"]


def test_the_docs_page_is_public_and_drawn_from_the_schema(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<code>POST /api/v1/concerns/</code>" in page
    assert "<code>GET /api/v1/concerns/{reference}/</code>" in page
    assert "adult_family_name" in page and "Idempotency-Key (header)" in page
    assert "swagger" not in page.lower() and "cdn" not in page.lower()


# --- The lead's token pages --------------------------------------------------------------------------


def test_the_lead_makes_a_token_and_sees_it_once(client, w):
    client.force_login(w.cast.lead)
    page = client.get(NEW_TOKEN).content.decode()
    assert "Riverside Police" in page and "Riverside NHS Trust" in page
    assert "Hillside Care Trust" not in page, "only organisations that work with the council"
    response = client.post(
        NEW_TOKEN,
        {"organisation": w.cast.police.pk, "name": "Niche RMS", "scopes": ["concerns:raise"]},
    )
    assert response.status_code == 200
    secret = re.search(r'<code id="api-token"[^>]*>([^<]+)</code>', response.content.decode()).group(1)
    token = ApiToken.objects.get(name="Niche RMS")
    assert secret.startswith(f"msp_{token.prefix}_")
    assert token.scopes == ["concerns:raise"] and token.council == w.cast.council
    assert token.history.first().history_user == w.cast.lead
    listing = client.get(TOKENS).content.decode()
    assert "Niche RMS" in listing and secret not in listing
    assert (
        post(Client(), VALID, SimpleNamespace(auth={"HTTP_AUTHORIZATION": f"Bearer {secret}"})).status_code
        == 201
    )


def test_a_token_needs_an_organisation_a_system_and_a_scope(client, w):
    client.force_login(w.cast.lead)
    response = client.post(NEW_TOKEN, {"organisation": w.hillside_trust.pk, "name": " "})
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    for message in (
        "Select a valid choice. That choice is not one of the available choices.",
        "Enter which system will use the token",
        "Select what the system may do with the token",
    ):
        assert message in page
    assert not ApiToken.objects.filter(organisation=w.hillside_trust, council=w.cast.council).exists()


def test_each_lead_sees_and_revokes_only_their_own_councils_tokens(client, w):
    client.force_login(w.cast.other_council_user)
    page = client.get(TOKENS).content.decode()
    assert w.hillside.token.prefix in page and w.police.token.prefix not in page
    assert client.post(f"/api/tokens/{w.police.token.uuid}/revoke/").status_code == 404
    assert not ApiToken.objects.get(pk=w.police.token.pk).is_revoked


@pytest.mark.parametrize("persona", ["practitioner", "manager", "partner_referrer", "board_viewer"])
def test_nobody_but_the_lead_opens_the_token_pages(client, w, persona):
    client.force_login(getattr(w.cast, persona))
    assert client.get(TOKENS).status_code == 404
    assert client.get(NEW_TOKEN).status_code == 404
    assert client.post(f"/api/tokens/{w.police.token.uuid}/revoke/").status_code == 404


def test_the_service_refuses_a_token_for_an_organisation_outside_the_council(w):
    with pytest.raises(services.ValidationError):
        services.create_token(w.cast.council, w.hillside_trust, "X", ["concerns:raise"], w.cast.lead)
    with pytest.raises(services.ValidationError):
        services.create_token(w.cast.council, w.cast.police, "X", ["concerns:delete"], w.cast.lead)
