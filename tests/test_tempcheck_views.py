"""The temperature-check pages: setting a round up, importing, capturing, coding and reporting.

See ../shared/domain/tempcheck.md. Access by persona is in test_permission_matrix.py; these tests
drive each page's happy path and its refusals of bad input.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from msphub.accounts.models import Organisation, Role, User
from msphub.tempcheck import instruments
from msphub.tempcheck.models import Answer, Instrument, Question, Respondent, Round, Theme
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

CSV_HEADER = "respondent_id,council,region,question_id,item,answer\n"
MODERATE = "B) Planning completed and rolling out"
FULL = "A) Fully implemented"


def _user(username: str, role: str, organisation: Organisation | None = None) -> User:
    return User.objects.create_user(username, password=PASSWORD, organisation=organisation, role=role)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _body(response) -> str:
    return response.content.decode()


@pytest.fixture
def tc(db):
    """A London regional lead, the national lead, an interviewer; a London and a national round."""
    london_net = Organisation.objects.create(name="London network", kind="network", region="London")
    national_net = Organisation.objects.create(
        name="National network", kind="network", region="", national=True
    )
    w = type("W", (), {})()
    w.instrument = instruments.load_shipped()
    w.q = {q.qid: q for q in w.instrument.questions.all()}
    w.lead = _user("rl", Role.REGIONAL_LEAD, london_net)
    w.national_lead = _user("nl", Role.REGIONAL_LEAD, national_net)
    w.interviewer = _user("iv", Role.INTERVIEWER)
    w.interviewer2 = _user("iv2", Role.INTERVIEWER)
    w.london = Round.objects.create(
        slug="london-2026", title="London 2026", instrument=w.instrument, region="London"
    )
    w.london.interviewers.add(w.interviewer)
    w.london_old = Round.objects.create(
        slug="london-2016", title="London 2016", instrument=w.instrument, region="London"
    )
    w.national = Round.objects.create(slug="england-2026", title="England 2026", instrument=w.instrument)
    return w


def _respondent(round_: Round, rid: str, council: str, region: str = "London") -> Respondent:
    return Respondent.objects.create(round=round_, respondent_id=rid, council=council, region=region)


def _answer(respondent: Respondent, question: Question, answer: str, item: str = "", named: bool = False):
    return Answer.objects.create(
        respondent=respondent, question=question, item=item, answer=answer, may_name_council=named
    )


# --- Setting a round up ------------------------------------------------------------------------------


def _new_round(tc, **overrides) -> dict:
    data = {
        "title": "South London 2026",
        "slug": "south-london-2026",
        "instrument": tc.instrument.pk,
        "councils": "Lambeth\nSouthwark\n\nCroydon\n",
        "interviewers": [tc.interviewer.pk, tc.interviewer2.pk],
    }
    data.update(overrides)
    return data


def test_round_new_creates_the_round_its_respondents_and_interviewers(tc):
    response = _client(tc.lead).post(reverse("tempcheck:round_new"), _new_round(tc))
    assert response.status_code == 302
    assert response["Location"] == reverse("tempcheck:round", args=["south-london-2026"])
    round_ = Round.objects.get(slug="south-london-2026")
    assert round_.title == "South London 2026" and round_.region == "London"
    assert set(round_.interviewers.all()) == {tc.interviewer, tc.interviewer2}
    councils = list(round_.respondents.order_by("respondent_id").values_list("council", "region"))
    assert councils == [("Lambeth", "London"), ("Southwark", "London"), ("Croydon", "London")]
    assert round_.respondents.filter(complete=False).count() == 3
    # The new round is the interviewer's to capture.
    rid = round_.respondents.first().respondent_id
    page = reverse("tempcheck:conversation", args=[round_.slug, rid])
    assert _client(tc.interviewer).get(page).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Enter the round&#x27;s title"),
        ({"slug": ""}, "Enter a short name"),
        ({"slug": "south london!"}, "Use only letters, numbers and hyphens"),
        ({"councils": "Lambeth\nSouthwark\n Lambeth "}, "A council is listed twice"),
        ({"slug": "london-2026"}, "A round with this short name exists already"),
    ],
)
def test_round_new_refuses_bad_input(tc, overrides, message):
    before = (Round.objects.count(), Respondent.objects.count())
    response = _client(tc.lead).post(reverse("tempcheck:round_new"), _new_round(tc, **overrides))
    assert response.status_code == 200
    body = _body(response)
    assert message in body or message.replace("&#x27;", "'") in body, body[-3000:]
    assert (Round.objects.count(), Respondent.objects.count()) == before


def test_round_new_get_writes_nothing_even_before_any_instrument(db):
    """A GET must never change a record (test_permission_matrix's rule): the set-up page loads the
    shipped instrument when none is stored, on a GET as well as a POST."""
    org = Organisation.objects.create(name="London network", kind="network", region="London")
    lead = _user("rl", Role.REGIONAL_LEAD, org)
    assert not Instrument.objects.exists()
    client = _client(lead)
    for name in ("round_new", "round_import"):
        assert client.get(reverse(f"tempcheck:{name}")).status_code == 200
    assert not Instrument.objects.exists(), (
        "a GET of tempcheck:round_new or round_import must not write an Instrument or its Questions, "
        "even when no instrument is stored yet"
    )


# --- Importing ---------------------------------------------------------------------------------------


def _import(client: Client, text: str, slug: str = "north-london-2026", instrument=None):
    upload = SimpleUploadedFile("responses.csv", text.encode(), content_type="text/csv")
    return client.post(
        reverse("tempcheck:round_import"),
        {"title": "North London 2026", "slug": slug, "instrument": instrument, "responses": upload},
    )


def test_import_of_a_bad_file_saves_nothing_and_lists_problems_by_line(tc):
    text = (
        CSV_HEADER
        + "NL-1,Barnet,London,strategy_fit,,Other\n"
        + "NL-1,Barnet,London,no_such_question,,Other\n"
        + "NL-2,Enfield,London,strategy_fit,,Maybe\n"
        + "NL-2,Enfield,London,engagement_levels,Nobody,Very well\n"
    )
    before = (Round.objects.count(), Respondent.objects.count(), Answer.objects.count())
    response = _import(_client(tc.lead), text, instrument=tc.instrument.pk)
    assert response.status_code == 200
    body = _body(response)
    assert "The file was not imported. Nothing was saved." in body
    assert "line 3: unknown question id" in body
    assert "line 4:" in body and "is not one of the categories of strategy_fit" in body
    assert "line 5: engagement_levels has no item" in body
    assert (Round.objects.count(), Respondent.objects.count(), Answer.objects.count()) == before
    assert not Round.objects.filter(slug="north-london-2026").exists()


def test_import_of_a_good_file_creates_the_round(tc):
    text = (
        CSV_HEADER
        + "NL-1,Barnet,London,strategy_fit,,Other\n"
        + "NL-1,Barnet,London,engagement_levels,Senior management,Very well\n"
        + "NL-2,Enfield,London,msp_meaning,,Listening first\n"
    )
    response = _import(_client(tc.lead), text, instrument=tc.instrument.pk)
    assert response.status_code == 302, _body(response)[-2000:]
    round_ = Round.objects.get(slug="north-london-2026")
    assert response["Location"] == reverse("tempcheck:round", args=[round_.slug])
    assert round_.region == "London"
    assert sorted(round_.respondents.values_list("council", flat=True)) == ["Barnet", "Enfield"]
    assert Answer.objects.filter(respondent__round=round_).count() == 3


def test_import_refuses_a_slug_in_use(tc):
    text = CSV_HEADER + "NL-1,Barnet,London,strategy_fit,,Other\n"
    response = _import(_client(tc.lead), text, slug="london-2026", instrument=tc.instrument.pk)
    assert response.status_code == 200
    assert "Nothing was saved" in _body(response)
    assert not Respondent.objects.filter(round=tc.london).exists()


# --- The conversation form ---------------------------------------------------------------------------


@pytest.fixture
def camden(tc) -> Respondent:
    return _respondent(tc.london, "L-001", "Camden")


def _conversation(tc, respondent: Respondent) -> str:
    return reverse("tempcheck:conversation", args=[tc.london.slug, respondent.respondent_id])


def _answers(respondent: Respondent) -> set[tuple[str, str, str]]:
    return set(respondent.answers.values_list("question__qid", "item", "answer"))


def test_conversation_saves_partial_answers_grid_items_multi_and_open_with_consent(tc, camden):
    Question.objects.create(
        instrument=tc.instrument, qid="methods", order=99, type="multi", text="Methods used?",
        categories=["Surveys", "Interviews", "Focus groups"],
    )  # fmt: skip
    client = _client(tc.interviewer)
    response = client.post(
        _conversation(tc, camden),
        {
            "strategy_fit": "Other",
            "engagement_levels__0": "Very well",
            "engagement_levels__3": "Not at all",
            "engagement_levels__1": "",
            "methods": ["Surveys", "Focus groups"],
            "msp_meaning": "  Person-led work  ",
            "msp_meaning__consent": "on",
            "user_voice": "A service user panel",
            "save": "1",
        },
    )
    assert response.status_code == 302
    assert _answers(camden) == {
        ("strategy_fit", "", "Other"),
        ("engagement_levels", "Strategic/partnership/board", "Very well"),
        ("engagement_levels", "Middle management", "Not at all"),
        ("methods", "", "Surveys"),
        ("methods", "", "Focus groups"),
        ("msp_meaning", "", "Person-led work"),
        ("user_voice", "", "A service user panel"),
    }
    named = dict(
        camden.answers.filter(question__type="open").values_list("question__qid", "may_name_council")
    )
    assert named == {"msp_meaning": True, "user_voice": False}
    camden.refresh_from_db()
    assert not camden.complete
    # The page shows the answers back.
    body = _body(client.get(_conversation(tc, camden)))
    assert "Person-led work" in body and "A service user panel" in body


def test_a_differing_interviewer_rating_needs_a_reason(tc, camden):
    client = _client(tc.interviewer)
    data = {"achievement_self": FULL, "achievement_interviewer": MODERATE, "save": "1"}
    response = client.post(_conversation(tc, camden), data)
    assert response.status_code == 200
    assert "Enter why your rating differs from the council&#x27;s own rating" in _body(response) or (
        "Enter why your rating differs from the council's own rating" in _body(response)
    )
    assert not camden.answers.exists()
    response = client.post(_conversation(tc, camden), {**data, "moderation_reason": "Not rolled out yet"})
    assert response.status_code == 302
    camden.refresh_from_db()
    assert camden.moderation_reason == "Not rolled out yet"
    # The same rating from both needs no reason.
    response = client.post(
        _conversation(tc, camden), {"achievement_self": FULL, "achievement_interviewer": FULL, "save": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == _conversation(tc, camden)
    assert {("achievement_self", "", FULL), ("achievement_interviewer", "", FULL)} <= _answers(camden)


def test_save_and_mark_complete(tc, camden):
    client = _client(tc.interviewer)
    response = client.post(_conversation(tc, camden), {"strategy_fit": "Other", "complete": "1"})
    assert response.status_code == 302
    camden.refresh_from_db()
    assert camden.complete
    assert "Complete" in _body(client.get(_conversation(tc, camden)))


def test_saving_again_keeps_the_open_answers_coding(tc, camden):
    open_answer = _answer(camden, tc.q["msp_meaning"], "Person-led work", named=True)
    theme = Theme.objects.create(round=tc.london, question=tc.q["msp_meaning"], label="Person-led")
    theme.answers.add(open_answer)
    response = _client(tc.interviewer).post(
        _conversation(tc, camden),
        {
            "msp_meaning": "Person-led work",
            "msp_meaning__consent": "on",
            "strategy_fit": "Other",
            "save": "1",
        },
    )
    assert response.status_code == 302
    kept = Answer.objects.get(respondent=camden, question=tc.q["msp_meaning"])
    assert kept.pk == open_answer.pk
    assert list(kept.themes.all()) == [theme]


@pytest.mark.parametrize(
    "bad",
    [
        {"strategy_fit": "Something else"},
        {"engagement_levels__0": "Brilliantly"},
        {"achievement_self": "G) Beyond"},
    ],
)
def test_answers_outside_the_categories_cannot_be_posted(tc, camden, bad):
    _answer(camden, tc.q["strategy_fit"], "Other")
    response = _client(tc.interviewer).post(_conversation(tc, camden), {**bad, "save": "1"})
    assert response.status_code == 200
    assert "govuk-error-summary" in _body(response) or "not one of the available choices" in _body(response)
    assert _answers(camden) == {("strategy_fit", "", "Other")}, "nothing saved"


def test_a_multi_answer_outside_the_categories_cannot_be_posted(tc, camden):
    Question.objects.create(
        instrument=tc.instrument, qid="methods", order=99, type="multi", text="Methods used?",
        categories=["Surveys", "Interviews"],
    )  # fmt: skip
    response = _client(tc.interviewer).post(_conversation(tc, camden), {"methods": ["Surveys", "Séances"]})
    assert response.status_code == 200
    assert not camden.answers.exists()


# --- Coding ------------------------------------------------------------------------------------------


def test_coding_adds_themes_assigns_several_and_removes(tc, camden):
    hackney = _respondent(tc.london, "L-002", "Hackney")
    a1 = _answer(camden, tc.q["msp_meaning"], "Listening to people")
    a2 = _answer(hackney, tc.q["msp_meaning"], "Outcomes first")
    page = reverse("tempcheck:coding", args=[tc.london.slug, "msp_meaning"])
    client = _client(tc.interviewer)
    for label in ("Listening", "Outcomes"):
        response = client.post(page, {"action": "add_theme", "label": label})
        assert response.status_code == 302
    response = client.post(page, {"action": "add_theme", "label": ""})
    assert response.status_code == 200 and "Enter the theme" in _body(response)
    listening, outcomes = Theme.objects.get(label="Listening"), Theme.objects.get(label="Outcomes")
    response = client.post(
        page,
        {"action": "code", f"theme_{listening.pk}": [a1.pk, a2.pk], f"theme_{outcomes.pk}": [a2.pk]},
    )
    assert response.status_code == 302
    assert set(a2.themes.all()) == {listening, outcomes}
    assert list(a1.themes.all()) == [listening]
    # Unticking removes a theme from an answer.
    response = client.post(page, {"action": "code", f"theme_{listening.pk}": [a1.pk]})
    assert response.status_code == 302
    assert list(a2.themes.all()) == [] and list(a1.themes.all()) == [listening]
    assert "Outcomes first" in _body(client.get(page))


def test_coding_cannot_tag_another_rounds_answer(tc, camden):
    leeds = _respondent(tc.national, "N-001", "Leeds", "Yorkshire")
    theirs = _answer(leeds, tc.q["msp_meaning"], "Not theirs to code")
    theme = Theme.objects.create(round=tc.london, question=tc.q["msp_meaning"], label="Listening")
    page = reverse("tempcheck:coding", args=[tc.london.slug, "msp_meaning"])
    response = _client(tc.interviewer).post(page, {"action": "code", f"theme_{theme.pk}": [theirs.pk]})
    assert response.status_code == 302
    assert not theirs.themes.exists()


# --- The report --------------------------------------------------------------------------------------


@pytest.fixture
def coded(tc, camden):
    """Four London answers to strategy_fit and three open answers, two coded; one quote named."""
    hackney = _respondent(tc.london, "L-002", "Hackney")
    islington = _respondent(tc.london, "L-003", "Islington")
    barnet = _respondent(tc.london, "L-004", "Barnet")
    for r, a in (
        (camden, "Other"),
        (hackney, "Other"),
        (islington, "Other"),
        (barnet, "It isn't in the strategy"),
    ):
        _answer(r, tc.q["strategy_fit"], a)
    named = _answer(camden, tc.q["msp_meaning"], "Camden puts people first", named=True)
    unnamed = _answer(hackney, tc.q["msp_meaning"], "Hackney asks about outcomes")
    _answer(islington, tc.q["msp_meaning"], "Islington is still planning")
    theme = Theme.objects.create(round=tc.london, question=tc.q["msp_meaning"], label="Person first")
    theme.answers.add(named, unnamed)
    # The older London round, to compare with: two answers.
    old1, old2 = _respondent(tc.london_old, "O-1", "Camden"), _respondent(tc.london_old, "O-2", "Hackney")
    _answer(old1, tc.q["strategy_fit"], "Other")
    _answer(old2, tc.q["strategy_fit"], "We don't yet have a strategy")
    # A national round with a figure nobody in London may see.
    leeds = _respondent(tc.national, "N-001", "Leeds", "Yorkshire")
    _answer(leeds, tc.q["strategy_fit"], "We don't yet have a strategy")
    return tc


def _report(client: Client, tc, query: str = "") -> str:
    response = client.get(reverse("tempcheck:report", args=[tc.london.slug]) + query)
    assert response.status_code == 200
    return _body(response)


def test_report_tables_show_n_and_percentages(coded):
    body = _report(_client(coded.lead), coded)
    assert "n = 4" in body
    assert "75%" in body and "25%" in body
    data = json.loads(_report(_client(coded.lead), coded, "?format=json"))
    assert "strategy_fit" in json.dumps(data)


def test_report_compares_with_a_visible_round(coded):
    body = _report(_client(coded.lead), coded, "?compare=london-2016")
    assert "london-2016 (n = 2)" in body
    assert "50%" in body


def test_report_ignores_a_compare_slug_the_user_may_not_see(coded):
    lead_body = _report(_client(coded.lead), coded, "?compare=england-2026")
    assert "england-2026 (n =" not in lead_body
    # The interviewer does not interview in the older London round: it is not theirs to compare with.
    iv_body = _report(_client(coded.interviewer), coded, "?compare=london-2016")
    assert "london-2016 (n =" not in iv_body
    assert "London 2016" not in iv_body


def test_report_theme_frequencies_and_quotes_name_only_consenting_councils(coded):
    body = _report(_client(coded.lead), coded)
    # Two of three responses carry the theme: 67%, "about two thirds" in words.
    assert "Person first: 2 (67%," in body
    assert "two thirds" in body
    assert "Camden puts people first" in body and "Hackney asks about outcomes" in body
    assert "Camden</figcaption>" in body
    assert "A council (not named)" in body
    assert "Hackney</figcaption>" not in body


# --- The good-practice library ---------------------------------------------------------------------------


def test_good_practice_lists_consented_coded_answers_and_filters(tc):
    leeds = _respondent(tc.national, "N-001", "Leeds", "Yorkshire")
    hackney = _respondent(tc.national, "N-002", "Hackney", "London")
    bristol = _respondent(tc.national, "N-003", "Bristol", "South West")
    york = _respondent(tc.national, "N-004", "York", "Yorkshire")
    a_leeds = _answer(leeds, tc.q["msp_meaning"], "Leeds listens first", named=True)
    a_hackney = _answer(hackney, tc.q["user_voice"], "Hackney has a user panel", named=True)
    a_bristol = _answer(bristol, tc.q["msp_meaning"], "Bristol did not consent")  # coded, not named
    _answer(york, tc.q["msp_meaning"], "York is not coded", named=True)  # named, not coded
    listening = Theme.objects.create(round=tc.national, question=tc.q["msp_meaning"], label="Listening")
    listening.answers.add(a_leeds, a_bristol)
    panels = Theme.objects.create(round=tc.national, question=tc.q["user_voice"], label="Panels")
    panels.answers.add(a_hackney)
    client = _client(tc.national_lead)
    page = reverse("tempcheck:good_practice")
    body = _body(client.get(page))
    assert "Leeds listens first" in body and "Hackney has a user panel" in body
    assert "Bristol did not consent" not in body and "York is not coded" not in body
    by_theme = _body(client.get(page, {"theme": "Panels"}))
    assert "Hackney has a user panel" in by_theme and "Leeds listens first" not in by_theme
    by_region = _body(client.get(page, {"region": "Yorkshire"}))
    assert "Leeds listens first" in by_region and "Hackney has a user panel" not in by_region
    # The London lead sees none of the national round's examples.
    london = _body(_client(tc.lead).get(page))
    assert "Leeds listens first" not in london and "Hackney has a user panel" not in london
