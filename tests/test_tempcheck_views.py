"""The temperature-check round pages: setting a round up (region, method, consent to be named), the
web imports of responses and of baselines, the round page, its details, naming and data-quality
notes, the conversation form (save as you go, unanswered questions, evidence beside a self-rating),
and the road-map instrument's published wording (docs/tempcheck-rounds.md).

See ../shared/domain/tempcheck.md. Access by persona is in test_permission_matrix.py; these tests
drive each page's happy path, its refusals of the wrong role and the wrong region, and bad input.
The module's people, instruments and rounds are built once (module_db); each test's writes are
rolled back after it.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from django import forms as django_forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from msphub.accounts.models import Organisation, Role, User
from msphub.benchmarks.models import BenchmarkMeasure, BenchmarkSubmission
from msphub.core.periods import FinancialYear
from msphub.core.states import StateChanged
from msphub.tempcheck import evidence, instruments, services
from msphub.tempcheck.forms import NATIONAL, asked_only, council_names
from msphub.tempcheck.models import (
    AggregateCount,
    Answer,
    Codebook,
    Coding,
    DataQualityNote,
    DoubleCoded,
    Instrument,
    Question,
    Quote,
    Respondent,
    Round,
    Theme,
)
from tests.conftest import PASSWORD, Cast, per_test

pytestmark = pytest.mark.django_db

CSV_HEADER = "respondent_id,council,region,question_id,item,answer\n"
BASELINE_HEADER = "question_id,item,category,count,base\n"
MODERATE = "B) Planning completed and rolling out"
FULL = "A) Fully implemented"
REPORT = Path("/work/shared/reference/reports/msp-temperature-check-2016-national-report.txt")
ROAD_MAP = instruments.SHIPPED / "roadmap-self-assessment.yaml"


def _user(username: str, role: str, organisation: Organisation | None = None) -> User:
    return User.objects.create_user(username, password=PASSWORD, organisation=organisation, role=role)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _body(response) -> str:
    return response.content.decode()


def _text(response) -> str:
    """The page's text with Django's escaping of quotes undone, for matching messages."""
    return _body(response).replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&")


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    """London and North West regional leads, the national lead, interviewers, a council practitioner;
    councils in three regions; both shipped instruments; a London, an older London and a national
    round."""
    with django_db_blocker.unblock():
        cast = Cast()
        w = SimpleNamespace(cast=cast)
        london_net = Organisation.objects.create(name="London network", kind="network", region="London")
        nw_net = Organisation.objects.create(name="North West network", kind="network", region="North West")
        national_net = Organisation.objects.create(
            name="National network", kind="network", region="", national=True
        )
        for name, region in (("Camden", "London"), ("Leeds", "Yorkshire and the Humber"), ("Bolton", "")):
            Organisation.objects.create(name=name, kind="council", region=region)
        w.lead = _user("rl", Role.REGIONAL_LEAD, london_net)
        w.nw_lead = _user("nwl", Role.REGIONAL_LEAD, nw_net)
        w.national_lead = _user("nl", Role.REGIONAL_LEAD, national_net)
        w.interviewer = _user("iv", Role.INTERVIEWER)
        w.interviewer2 = _user("iv2", Role.INTERVIEWER)
        w.practitioner = cast.practitioner  # Riverside Council, North West
        services.load_shipped_instruments()
        w.instrument = Instrument.objects.get(slug="msp-temperature-check-2016")
        w.road_map = Instrument.objects.get(slug="msp-road-map-self-assessment")
        w.q = {q.qid: q for q in w.instrument.questions.all()}
        w.london = Round.objects.create(
            slug="london-2026",
            title="London 2026",
            instrument=w.instrument,
            region="London",
            starts_on=date(2026, 5, 4),
            ends_on=date(2026, 7, 31),
        )
        w.london.interviewers.add(w.interviewer)
        w.london_old = Round.objects.create(
            slug="london-2016", title="London 2016", instrument=w.instrument, region="London"
        )
        w.national = Round.objects.create(slug="england-2026", title="England 2026", instrument=w.instrument)
        w.camden = Respondent.objects.create(
            round=w.london, respondent_id="L-001", council="Camden", region="London"
        )
        w.hackney = Respondent.objects.create(
            round=w.london, respondent_id="L-002", council="Hackney", region="London"
        )
        w.leeds = Respondent.objects.create(
            round=w.national, respondent_id="N-001", council="Leeds", region="Yorkshire and the Humber"
        )
        return w


@pytest.fixture
def w(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


def _answer(respondent: Respondent, question: Question, answer: str, item: str = "", named: bool = False):
    return Answer.objects.create(
        respondent=respondent, question=question, item=item, answer=answer, may_name_council=named
    )


# --- Setting a round up ------------------------------------------------------------------------------


def _new_round(w, **overrides) -> dict:
    data = {
        "title": "South London 2026",
        "slug": "south-london-2026",
        "instrument": w.instrument.pk,
        "region": "London",
        "councils": "Lambeth\nSouthwark\n\nCroydon\n",
        "method": "By telephone, about an hour each, by two interviewers of the London network",
        "interviewers": [w.interviewer.pk, w.interviewer2.pk],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_round_new_creates_the_round_its_respondents_and_interviewers(w, module_db):
    response = _client(w.lead).post(reverse("tempcheck:round_new"), _new_round(w, named="on"))
    assert response.status_code == 302, _text(response)[-3000:]
    assert response["Location"] == reverse("tempcheck:round", args=["south-london-2026"])
    round_ = Round.objects.get(slug="south-london-2026")
    assert round_.title == "South London 2026" and round_.region == "London"
    assert round_.method.startswith("By telephone, about an hour each")
    assert set(round_.interviewers.all()) == {w.interviewer, w.interviewer2}
    councils = list(round_.respondents.order_by("respondent_id").values_list("council", "region", "may_name"))
    assert councils == [
        ("Lambeth", "London", True),
        ("Southwark", "London", True),
        ("Croydon", "London", True),
    ]
    assert round_.respondents.filter(complete=False).count() == 3
    # The new round is the interviewer's to capture.
    rid = round_.respondents.first().respondent_id
    page = reverse("tempcheck:conversation", args=[round_.slug, rid])
    assert _client(w.interviewer).get(page).status_code == 200


def test_a_regional_lead_is_offered_only_their_own_region(w, module_db):
    client = _client(w.lead)
    body = _body(client.get(reverse("tempcheck:round_new")))
    options = re.findall(
        r'<option value="([^"]*)"', body[body.index('name="region"') :].split("</select>")[0]
    )
    assert options == ["London"], "a regional lead sets up rounds of their own region only"
    # Another region (or National) posted anyway is refused, and nothing is created.
    for region in ("North West", NATIONAL, ""):
        response = client.post(reverse("tempcheck:round_new"), _new_round(w, region=region))
        assert response.status_code == 200
        assert "Select one of the regions listed" in _text(response) or "Select the round" in _text(response)
    assert not Round.objects.filter(slug="south-london-2026").exists()


def test_a_national_lead_chooses_national_or_a_region_never_by_default(w, module_db):
    client = _client(w.national_lead)
    body = _body(client.get(reverse("tempcheck:round_new")))
    select = body[body.index('name="region"') :].split("</select>")[0]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', select)
    # Councils' regions and the regions rounds use, each once, after "National"; none chosen.
    assert options == [
        ("", "Choose a region"),
        (NATIONAL, "National (all of England)"),
        ("London", "London"),
        ("North West", "North West"),  # Riverside Council's
        ("Yorkshire and the Humber", "Yorkshire and the Humber"),
    ]
    assert re.findall(r'<option value="([^"]*)" selected', select) == [""], "nothing chosen for the lead"
    response = client.post(reverse("tempcheck:round_new"), _new_round(w, region=""))
    assert response.status_code == 200
    assert "Select the round\u2019s region, or National for a round of all England" in _text(response)
    assert not Round.objects.filter(slug="south-london-2026").exists()
    # A North West round is a North West round.
    Organisation.objects.create(name="Wigan", kind="council", region="North West")
    response = client.post(
        reverse("tempcheck:round_new"), _new_round(w, slug="nw-2026", region="North West", councils="Wigan")
    )
    assert response.status_code == 302
    assert Round.objects.get(slug="nw-2026").region == "North West"
    # The North West lead manages it: the national lead is sent to the rounds list, not to a 404.
    assert response.url == reverse("tempcheck:rounds")
    listing = _text(client.get(response.url))
    assert "Round South London 2026 created. South London 2026 is a round of North West: the regional " in (
        listing
    )
    assert "lead of North West manages it, so it is not among your rounds" in listing
    assert list(Respondent.objects.filter(round__slug="nw-2026").values_list("region", flat=True)) == [
        "North West"
    ]


def test_a_national_round_takes_each_councils_region_from_its_council_record(w, module_db):
    response = _client(w.national_lead).post(
        reverse("tempcheck:round_new"),
        _new_round(w, slug="england-2027", region=NATIONAL, councils="camden\nLeeds\nBolton\nNowhere"),
    )
    assert response.status_code == 302
    round_ = Round.objects.get(slug="england-2027")
    assert round_.region == ""
    regions = dict(round_.respondents.values_list("council", "region"))
    assert regions == {"camden": "London", "Leeds": "Yorkshire and the Humber", "Bolton": "", "Nowhere": ""}
    assert not round_.respondents.filter(may_name=True).exists(), "nobody is named unless they agreed"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Enter the round's title"),
        ({"slug": ""}, "Enter a short name"),
        ({"slug": "south london!"}, "Use only letters, numbers and hyphens"),
        ({"slug": "import"}, "Choose another short name: this one names a page"),
        ({"slug": "import-baseline"}, "Choose another short name: this one names a page"),
        ({"councils": "Lambeth\nSouthwark\n lambeth "}, "lambeth is listed twice: list each council once"),
        ({"councils": ""}, "Enter the councils taking part"),
        ({"slug": "london-2026"}, "A round with this short name exists already"),
        ({"instrument": "999999"}, "Select one of the instruments listed"),
        ({"instrument": "x\x00"}, "Null characters are not allowed"),
        ({"interviewers": ["999999"]}, "Select interviewers from the list"),
        ({"starts_on_day": "1", "starts_on_month": "6", "starts_on_year": "2026",
          "ends_on_day": "1", "ends_on_month": "5", "ends_on_year": "2026"},
         "The end date must be on or after the start date"),
        ({"starts_on_day": "31", "starts_on_month": "2", "starts_on_year": "2026"},
         "The start date must be a real date"),
        ({"method": "x" * 5001}, "5,000 characters or fewer"),
        ({"region": "Atlantis"}, "Select one of the regions listed"),
        ({"title": "Nul\x00"}, "Null characters are not allowed"),
    ],
)  # fmt: skip
def test_round_new_refuses_bad_input(w, module_db, overrides, message):
    before = (Round.objects.count(), Respondent.objects.count())
    response = _client(w.lead).post(reverse("tempcheck:round_new"), _new_round(w, **overrides))
    assert response.status_code == 200
    assert message in _text(response), _text(response)[-3000:]
    assert "govuk-error-summary" in _body(response)
    assert (Round.objects.count(), Respondent.objects.count()) == before


@pytest.mark.parametrize("name", ["round_new", "round_import", "baseline_import"])
def test_setting_up_is_for_regional_leads_only(w, module_db, name):
    for who in (w.interviewer, w.practitioner):
        client = _client(who)
        assert client.get(reverse(f"tempcheck:{name}")).status_code == 404
        assert client.post(reverse(f"tempcheck:{name}"), _new_round(w)).status_code == 404
    assert Client().get(reverse(f"tempcheck:{name}")).status_code == 302  # to sign in
    assert not Round.objects.filter(slug="south-london-2026").exists()


def test_set_up_lists_both_shipped_instruments_with_title_and_version(w, module_db):
    body = _body(_client(w.lead).get(reverse("tempcheck:round_new")))
    assert "Making Safeguarding Personal road map self-assessment (version" in body
    assert f"{w.instrument.title} (version {w.instrument.version})" in body
    assert "Load the shipped instruments" not in body, "both are loaded at their shipped wording"


def test_round_new_get_writes_nothing_even_before_any_instrument(db):
    """A GET must never change a record (test_permission_matrix's rule): the set-up page offers to
    load the shipped instruments when none is stored, and loads them only on a POST."""
    org = Organisation.objects.create(name="London network", kind="network", region="London")
    lead = _user("rl", Role.REGIONAL_LEAD, org)
    assert not Instrument.objects.exists()
    client = _client(lead)
    for name in ("round_new", "round_import", "baseline_import"):
        response = client.get(reverse(f"tempcheck:{name}"))
        assert response.status_code == 200
        assert "No instrument is loaded yet" in _body(response)
    assert not Instrument.objects.exists(), (
        "a GET of the set-up and import pages must not write an Instrument or its Questions"
    )
    response = client.post(reverse("tempcheck:round_new"), {"action": "load_instrument"})
    assert response.status_code == 302
    assert set(Instrument.objects.values_list("slug", flat=True)) == {
        "msp-temperature-check-2016",
        "msp-road-map-self-assessment",
    }


# --- Importing responses -----------------------------------------------------------------------------


def _import(client: Client, w, text: str, slug: str = "north-london-2026", **extra):
    upload = SimpleUploadedFile("responses.csv", text.encode(), content_type="text/csv")
    data = {"title": "North London 2026", "slug": slug, "instrument": w.instrument.pk, "region": "London"}
    return client.post(reverse("tempcheck:round_import"), {**data, "responses": upload, **extra})


GOOD_RESPONSES = (
    CSV_HEADER
    + "NL-1,Barnet,London,strategy_fit,,Other\n"
    + "NL-1,Barnet,London,engagement_levels,Senior management,Very well\n"
    + "NL-2,Enfield,London,msp_meaning,,Listening first\n"
)


def test_import_of_a_bad_file_saves_nothing_and_lists_problems_by_line(w, module_db):
    text = (
        CSV_HEADER
        + "NL-1,Barnet,London,strategy_fit,,Other\n"
        + "NL-1,Barnet,London,no_such_question,,Other\n"
        + "NL-2,Enfield,London,strategy_fit,,Maybe\n"
        + "NL-2,Enfield,London,engagement_levels,Nobody,Very well\n"
    )
    before = (Round.objects.count(), Respondent.objects.count(), Answer.objects.count())
    response = _import(_client(w.lead), w, text)
    assert response.status_code == 200
    body = _body(response)
    assert "The file was not imported. Nothing was saved." in body
    assert "line 3: unknown question id" in body
    assert "line 4:" in body and "is not one of the categories of strategy_fit" in body
    assert "line 5: engagement_levels has no item" in body
    assert (Round.objects.count(), Respondent.objects.count(), Answer.objects.count()) == before


def test_import_of_a_good_file_creates_the_round(w, module_db):
    response = _import(_client(w.lead), w, GOOD_RESPONSES)
    assert response.status_code == 302, _body(response)[-2000:]
    round_ = Round.objects.get(slug="north-london-2026")
    assert response["Location"] == reverse("tempcheck:round", args=[round_.slug])
    assert round_.region == "London"
    assert sorted(round_.respondents.values_list("council", flat=True)) == ["Barnet", "Enfield"]
    assert not round_.respondents.filter(may_name=True).exists()
    assert Answer.objects.filter(respondent__round=round_).count() == 3


def test_import_with_named_names_every_council_in_the_file(w, module_db):
    response = _import(_client(w.lead), w, GOOD_RESPONSES, named="on")
    assert response.status_code == 302
    named = dict(
        Respondent.objects.filter(round__slug="north-london-2026").values_list("council", "may_name")
    )
    assert named == {"Barnet": True, "Enfield": True}


def test_the_files_may_name_column_names_the_councils_that_agreed(w, module_db):
    text = (
        "respondent_id,council,region,question_id,item,answer,may_name\n"
        + "NL-1,Barnet,London,strategy_fit,,Other,yes\n"
        + "NL-2,Enfield,London,strategy_fit,,Other,no\n"
    )
    response = _import(_client(w.lead), w, text)
    assert response.status_code == 302, _text(response)[-2000:]
    named = dict(
        Respondent.objects.filter(round__slug="north-london-2026").values_list("council", "may_name")
    )
    assert named == {"Barnet": True, "Enfield": False}
    # "Every council agreed" and a "no" in the file contradict each other: nothing is imported.
    response = _import(_client(w.lead), w, text, slug="north-london-2027", named="on")
    assert response.status_code == 200 and "Nothing was saved" in _body(response)
    assert not Round.objects.filter(slug="north-london-2027").exists()


def test_a_national_lead_imports_into_the_region_chosen(w, module_db):
    client = _client(w.national_lead)
    response = _import(client, w, GOOD_RESPONSES, region="")
    assert response.status_code == 200 and "Select the round\u2019s region" in _text(response)
    response = _import(client, w, GOOD_RESPONSES, region=NATIONAL)
    assert response.status_code == 302
    assert Round.objects.get(slug="north-london-2026").region == ""


def test_import_refuses_a_slug_in_use(w, module_db):
    text = CSV_HEADER + "NL-1,Barnet,London,strategy_fit,,Other\n"
    response = _import(_client(w.lead), w, text, slug="london-2026")
    assert response.status_code == 200
    assert "A round with this short name exists already" in _text(response)
    assert Respondent.objects.filter(round=w.london).count() == 2


def test_import_refuses_a_file_that_is_not_text(w, module_db):
    response = _import(_client(w.lead), w, "")
    assert response.status_code == 200 and "govuk-error-summary" in _body(response)
    upload = SimpleUploadedFile("responses.csv", b"\xff\xfe\x00bad", content_type="text/csv")
    data = {
        "title": "T",
        "slug": "t-1",
        "instrument": w.instrument.pk,
        "region": "London",
        "responses": upload,
    }
    response = _client(w.lead).post(reverse("tempcheck:round_import"), data)
    assert response.status_code == 200 and "Nothing was saved" in _body(response)
    assert not Round.objects.filter(slug="t-1").exists()


# --- Importing a baseline ----------------------------------------------------------------------------


def _baseline(client: Client, w, text: str, slug: str = "london-2015", region: str = "London"):
    upload = SimpleUploadedFile("counts.csv", text.encode(), content_type="text/csv")
    data = {
        "title": "London evaluation 2014/15",
        "slug": slug,
        "instrument": w.instrument.pk,
        "region": region,
    }
    return client.post(reverse("tempcheck:baseline_import"), {**data, "counts": upload})


GOOD_COUNTS = (
    BASELINE_HEADER
    + "staff_reaction,,Very positively,10,40\n"
    + "staff_reaction,,Fairly positively,20,40\n"
    + "agency_involvement,Police,Very involved,5,38\n"
)


def test_a_baseline_is_imported_on_the_web_into_the_leads_region(w, module_db):
    response = _baseline(_client(w.lead), w, GOOD_COUNTS)
    assert response.status_code == 302, _text(response)[-2000:]
    round_ = Round.objects.get(slug="london-2015")
    assert response["Location"] == reverse("tempcheck:round", args=[round_.slug])
    assert round_.aggregate_only and round_.region == "London"
    counts = set(
        AggregateCount.objects.filter(round=round_).values_list(
            "question__qid", "item", "category", "count", "base"
        )
    )
    assert counts == {
        ("staff_reaction", "", "Very positively", 10, 40),
        ("staff_reaction", "", "Fairly positively", 20, 40),
        ("agency_involvement", "Police", "Very involved", 5, 38),
    }
    page = _client(w.lead).get(reverse("tempcheck:round", args=[round_.slug]))
    assert "Published counts only" in _body(page) and "Conversations</h2>" not in _body(page)
    # Another region's lead cannot see it; it has no conversations to open.
    assert _client(w.nw_lead).get(reverse("tempcheck:round", args=[round_.slug])).status_code == 404
    assert _client(w.lead).get(reverse("tempcheck:round_named", args=[round_.slug])).status_code == 404


def test_a_national_lead_imports_a_national_baseline(w, module_db):
    response = _baseline(_client(w.national_lead), w, GOOD_COUNTS, slug="eval-2015", region=NATIONAL)
    assert response.status_code == 302
    assert Round.objects.get(slug="eval-2015").region == ""


def test_a_national_lead_importing_a_regional_round_or_baseline_goes_to_the_rounds_list(w, module_db):
    client = _client(w.national_lead)
    response = _import(client, w, GOOD_RESPONSES, region="London")
    assert response.status_code == 302 and response.url == reverse("tempcheck:rounds")
    assert Round.objects.get(slug="north-london-2026").region == "London"
    listing = _text(client.get(response.url))
    assert "2 conversations imported. North London 2026 is a round of London" in listing
    response = _baseline(client, w, GOOD_COUNTS, slug="eval-london-2015", region="London")
    assert response.status_code == 302 and response.url == reverse("tempcheck:rounds")
    assert "the regional lead of London manages it" in _text(client.get(response.url))
    # The region's own lead is taken to the round's page, as before.
    response = _baseline(_client(w.lead), w, GOOD_COUNTS, slug="eval-london-2014")
    assert response.url == reverse("tempcheck:round", args=["eval-london-2014"])


def test_a_bad_baseline_lists_problems_by_line_and_saves_nothing(w, module_db):
    text = (
        BASELINE_HEADER
        + "staff_reaction,,Very positively,10,40\n"
        + "staff_reaction,,Ecstatic,1,40\n"
        + "no_such,,Yes,1,2\n"
        + "staff_reaction,,Fairly positively,50,40\n"
        + "staff_reaction,,Fairly positively,ten,40\n"
    )
    before = (Round.objects.count(), AggregateCount.objects.count())
    response = _baseline(_client(w.lead), w, text)
    assert response.status_code == 200
    body = _text(response)
    assert "The file was not imported. Nothing was saved." in body
    assert "line 3:" in body and "is not one of the categories of staff_reaction" in body
    assert "line 4: unknown question id" in body
    assert "line 5: a count must be between 0 and its base" in body
    assert "line 6: count and base must be whole numbers" in body
    assert (Round.objects.count(), AggregateCount.objects.count()) == before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slug": "london-2026"}, "A round with this short name exists already"),
        ({"region": "North West"}, "Select one of the regions listed"),
        ({"counts": None}, "Choose the published counts file"),
    ],
)
def test_baseline_form_refuses_bad_input(w, module_db, overrides, message):
    upload = SimpleUploadedFile("counts.csv", GOOD_COUNTS.encode(), content_type="text/csv")
    data = {"title": "B", "slug": "b-1", "instrument": w.instrument.pk, "region": "London", "counts": upload}
    data.update(overrides)
    response = _client(w.lead).post(
        reverse("tempcheck:baseline_import"), {k: v for k, v in data.items() if v is not None}
    )
    assert response.status_code == 200
    assert message in _text(response)
    assert not Round.objects.filter(slug="b-1").exists()


# --- The round page, its details, naming and notes ----------------------------------------------------


def _round_page(w, who: User, name: str = "round", round_: Round | None = None) -> str:
    return reverse(f"tempcheck:{name}", args=[(round_ or w.london).slug])


def test_round_page_shows_region_method_and_naming_with_links_for_its_lead(w, module_db):
    Round.objects.filter(pk=w.london.pk).update(method="By telephone")
    Respondent.objects.filter(pk=w.camden.pk).update(may_name=True)
    body = _body(_client(w.lead).get(_round_page(w, w.lead)))
    assert "London 2026" in body and "By telephone" in body and "1 of 2 councils" in body
    for name in ("round_edit", "round_named", "round_notes"):
        assert _round_page(w, w.lead, name) in body
    # The interviewer sees the page, not the links that change it.
    body = _body(_client(w.interviewer).get(_round_page(w, w.interviewer)))
    assert "By telephone" in body
    for name in ("round_edit", "round_named", "round_notes"):
        assert _round_page(w, w.lead, name) not in body


@pytest.mark.parametrize("name", ["round_edit", "round_named", "round_notes"])
def test_the_rounds_pages_that_change_it_are_its_leads_alone(w, module_db, name):
    page = _round_page(w, w.lead, name)
    assert _client(w.lead).get(page).status_code == 200
    for who in (w.interviewer, w.interviewer2, w.nw_lead, w.national_lead, w.practitioner):
        client = _client(who)
        assert client.get(page).status_code == 404, who
        assert client.post(page, {"title": "Taken", "text": "x", "named": ["L-001"]}).status_code == 404
    w.london.refresh_from_db()
    assert w.london.title == "London 2026"
    assert not DataQualityNote.objects.exists() and not Respondent.objects.filter(may_name=True).exists()
    assert _client(w.lead).get(page.replace("london-2026", "no-such-round")).status_code == 404


def test_the_lead_changes_the_rounds_title_dates_and_method(w, module_db):
    page = _round_page(w, w.lead, "round_edit")
    response = _client(w.lead).post(
        page,
        {
            "title": "London 2026 (33 councils)",
            "starts_on_day": "4", "starts_on_month": "5", "starts_on_year": "2026",
            "ends_on_day": "", "ends_on_month": "", "ends_on_year": "",
            "method": "  By telephone, by two interviewers  ",
        },
    )  # fmt: skip
    assert response.status_code == 302
    w.london.refresh_from_db()
    assert (w.london.title, w.london.starts_on, w.london.ends_on, w.london.method) == (
        "London 2026 (33 councils)",
        date(2026, 5, 4),
        None,
        "By telephone, by two interviewers",
    )


def _details(round_: Round, **changes: str) -> dict[str, str]:
    """The round-details form as shown for ``round_``, with ``changes``."""
    data = {"title": round_.title, "method": round_.method}
    for field in ("starts_on", "ends_on"):
        data.update({f"{field}_day": "", f"{field}_month": "", f"{field}_year": ""})
    return data | changes


def test_a_national_lead_puts_right_a_round_set_up_as_national(w, module_db):
    """A North West round set up as National (as once happened): the national lead gives it its
    region, and it passes to the North West lead."""
    national = Round.objects.create(slug="nw-2026", title="North West 2026", instrument=w.instrument)
    Respondent.objects.create(round=national, respondent_id="NW-1", council="Bolton", region="")
    page = _round_page(w, w.national_lead, "round_edit", national)
    body = _body(_client(w.national_lead).get(page))
    assert 'name="region"' in body and "North West" in body
    assert _client(w.nw_lead).get(_round_page(w, w.nw_lead, round_=national)).status_code == 404
    response = _client(w.national_lead).post(page, _details(national, region="North West"), follow=True)
    assert "is a round of North West: the regional lead of North West manages it" in _text(response)
    national.refresh_from_db()
    assert national.region == "North West"
    change = national.history.order_by("-history_date").first()
    assert (change.region, change.history_user, change.history_type) == ("North West", w.national_lead, "~")
    assert _client(w.nw_lead).get(_round_page(w, w.nw_lead, round_=national)).status_code == 200
    assert _client(w.national_lead).get(page).status_code == 404, "no longer the national lead's"
    # Back to National, by its new lead? Not theirs to give away: a regional lead has no region field.
    body = _body(_client(w.nw_lead).get(page))
    assert 'name="region"' not in body
    response = _client(w.nw_lead).post(page, _details(national, region=NATIONAL))
    assert response.status_code == 302
    national.refresh_from_db()
    assert national.region == "North West"


def test_a_round_with_councils_of_other_regions_cannot_be_given_one_region(w, module_db):
    page = _round_page(w, w.national_lead, "round_edit", w.national)  # Leeds: Yorkshire and the Humber
    for region, message in (
        ("London", "A round of London holds only its councils, and this round has councils of other "
         "regions: Leeds (Yorkshire and the Humber)"),
        ("Atlantis", "Select one of the regions listed"),
        ("", "Select the round\u2019s region, or National for a round of all England"),
    ):  # fmt: skip
        response = _client(w.national_lead).post(page, _details(w.national, region=region))
        assert response.status_code == 200 and message in _text(response)
    with pytest.raises(StateChanged, match="has councils of other regions: Leeds"):
        services.update_round(w.national, w.national.title, None, None, "", region="London")
    w.national.refresh_from_db()
    assert w.national.region == ""
    # Its councils' own region: given, and every council of the round takes it; back to National,
    # each takes its council record's region again (none for a council without one).
    Respondent.objects.create(round=w.national, respondent_id="N-002", council="Bolton", region="")
    response = _client(w.national_lead).post(page, _details(w.national, region="Yorkshire and the Humber"))
    assert response.status_code == 302
    w.national.refresh_from_db()
    assert w.national.region == "Yorkshire and the Humber"
    assert set(w.national.respondents.values_list("region", flat=True)) == {"Yorkshire and the Humber"}
    services.update_round(w.national, w.national.title, None, None, "", region="")
    assert dict(w.national.respondents.values_list("council", "region")) == {
        "Leeds": "Yorkshire and the Humber",
        "Bolton": "",
    }


def test_a_coded_rounds_region_stays(w, module_db):
    """Codings are in the codebook of the round's region: once an answer is coded, the region stays."""
    question = next(q for q in w.q.values() if q.type == "open")
    answer = Answer.objects.create(respondent=w.leeds, question=question, answer="Asking people")
    DoubleCoded.objects.create(answer=answer)  # in the double-coded sample: as good as coded
    page = _round_page(w, w.national_lead, "round_edit", w.national)
    response = _client(w.national_lead).post(page, _details(w.national, region="Yorkshire and the Humber"))
    assert response.status_code == 200
    assert "The region cannot be changed now that answers are coded" in _text(response)
    with pytest.raises(StateChanged):
        services.update_round(w.national, "England 2026", None, None, "", region="London")
    w.national.refresh_from_db()
    assert w.national.region == ""
    # Other details still change, the region posted unchanged.
    response = _client(w.national_lead).post(
        page, _details(w.national, title="England 2026 (all)", region=NATIONAL)
    )
    assert response.status_code == 302
    w.national.refresh_from_db()
    assert (w.national.title, w.national.region) == ("England 2026 (all)", "")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": ""}, "Enter the round's title"),
        ({"title": "T", "starts_on_day": "2", "starts_on_month": "6", "starts_on_year": "2026",
          "ends_on_day": "1", "ends_on_month": "6", "ends_on_year": "2026"},
         "The end date must be on or after the start date"),
        ({"title": "T", "starts_on_day": "1", "starts_on_month": "13", "starts_on_year": "2026"},
         "The start date must be a real date"),
    ],
)  # fmt: skip
def test_round_details_refuse_bad_input(w, module_db, data, message):
    response = _client(w.lead).post(_round_page(w, w.lead, "round_edit"), data)
    assert response.status_code == 200 and message in _text(response)
    w.london.refresh_from_db()
    assert w.london.title == "London 2026"


def test_the_lead_chooses_which_councils_are_named_in_the_tables(w, module_db):
    page = _round_page(w, w.lead, "round_named")
    client = _client(w.lead)
    assert "Hackney" in _body(client.get(page))
    response = client.post(page, {"named": ["L-002"]})
    assert response.status_code == 302
    assert dict(w.london.respondents.values_list("council", "may_name")) == {"Camden": False, "Hackney": True}
    response = client.post(page, {"named": ["L-001", "L-002"]})
    assert dict(w.london.respondents.values_list("council", "may_name")) == {"Camden": True, "Hackney": True}
    response = client.post(page, {})
    assert not w.london.respondents.filter(may_name=True).exists()
    # Another round's respondent is not one of this round's councils.
    response = client.post(page, {"named": ["L-001", "N-001"]})
    assert response.status_code == 200 and "Select councils of this round" in _text(response)
    assert not Respondent.objects.filter(may_name=True).exists()


def test_the_lead_adds_and_removes_data_quality_notes(w, module_db):
    page = _round_page(w, w.lead, "round_notes")
    client = _client(w.lead)
    slip = (
        "The published report says 'slight downturn for acute trusts'; the figures show acute "
        "hospitals +13 and ambulance trusts -33"
    )
    response = client.post(page, {"action": "add", "qid": "agency_involvement", "text": slip})
    assert response.status_code == 302
    response = client.post(
        page, {"action": "add", "qid": "", "text": "Seven councils were interviewed later"}
    )
    assert response.status_code == 302
    notes = list(DataQualityNote.objects.filter(round=w.london).order_by("pk"))
    assert [(n.qid, n.added_by) for n in notes] == [("agency_involvement", w.lead), ("", w.lead)]
    # The round page shows the question's text, never its id.
    body = _text(client.get(_round_page(w, w.lead)))
    assert f"{w.q['agency_involvement'].text}: {slip}" in body
    assert "agency_involvement" not in body.split("Data-quality notes")[1].split("Conversations")[0]
    # Removing one; removing it again says so; a note of another round is not this page's.
    other = DataQualityNote.objects.create(round=w.national, text="National note")
    response = client.post(page, {"action": "remove", "note": str(notes[0].pk)})
    assert response.status_code == 302
    assert list(DataQualityNote.objects.filter(round=w.london)) == [notes[1]]
    response = client.post(page, {"action": "remove", "note": str(notes[0].pk)}, follow=True)
    assert "That note was removed already" in _text(response)
    client.post(page, {"action": "remove", "note": str(other.pk)})
    assert DataQualityNote.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"action": "add", "qid": "", "text": "   "}, 200, "Enter the note"),
        (
            {"action": "add", "qid": "no_such_question", "text": "A note"},
            200,
            "Select a question of this round",
        ),
        ({"action": "add", "qid": "x\x00", "text": "A note"}, 200, "Select a question of this round"),
        ({"action": "add", "qid": "", "text": "x" * 5001}, 200, "5,000 characters or fewer"),
        ({"action": "remove", "note": "abc"}, 404, ""),
        ({"action": "remove", "note": "1\x00"}, 404, ""),
        ({"action": "remove", "note": "9" * 40}, 404, ""),
        ({"action": "remove"}, 404, ""),
    ],
)
def test_data_quality_notes_refuse_bad_input(w, module_db, data, status, message):
    response = _client(w.lead).post(_round_page(w, w.lead, "round_notes"), data)
    assert response.status_code == status
    assert message in _text(response)
    assert not DataQualityNote.objects.exists()


# --- The conversation form ---------------------------------------------------------------------------


def _conversation(w, respondent: Respondent | None = None) -> str:
    respondent = respondent or w.camden
    return reverse("tempcheck:conversation", args=[respondent.round.slug, respondent.respondent_id])


def _answers(respondent: Respondent) -> set[tuple[str, str, str]]:
    return set(respondent.answers.values_list("question__qid", "item", "answer"))


def test_conversation_saves_partial_answers_grid_items_multi_and_open_with_consent(w, module_db):
    Question.objects.create(
        instrument=w.instrument, qid="methods", order=99, type="multi", text="Methods used?",
        categories=["Surveys", "Interviews", "Focus groups"],
    )  # fmt: skip
    client = _client(w.interviewer)
    response = client.post(
        _conversation(w),
        {
            "strategy_fit": "Other",
            "engagement_levels__0": "Very well",
            "engagement_levels__3": "Not at all",
            "engagement_levels__1": "",
            "methods": ["Surveys", "Focus groups"],
            "msp_meaning": "  Person-led work  ",
            "msp_meaning__consent": "on",
            "user_voice": "A service user panel",
            "may_name": "on",
            "save": "1",
        },
    )
    assert response.status_code == 302
    assert _answers(w.camden) == {
        ("strategy_fit", "", "Other"),
        ("engagement_levels", "Strategic/partnership/board", "Very well"),
        ("engagement_levels", "Middle management", "Not at all"),
        ("methods", "", "Surveys"),
        ("methods", "", "Focus groups"),
        ("msp_meaning", "", "Person-led work"),
        ("user_voice", "", "A service user panel"),
    }
    named = dict(
        w.camden.answers.filter(question__type="open").values_list("question__qid", "may_name_council")
    )
    assert named == {"msp_meaning": True, "user_voice": False}
    w.camden.refresh_from_db()
    assert not w.camden.complete and w.camden.may_name
    # The page shows the answers back, and the consent to be named in the tables.
    body = _body(client.get(_conversation(w)))
    assert "Person-led work" in body and "A service user panel" in body
    assert re.search(r'id="id_may_name"[^>]*checked', body)
    # Unticked, the council is no longer named.
    client.post(_conversation(w), {"strategy_fit": "Other", "save": "1"})
    w.camden.refresh_from_db()
    assert not w.camden.may_name


def test_a_page_left_open_does_not_reverse_consent_to_be_named(w, module_db):
    """The page posts the consent it showed: an unchanged box writes nothing, so a consent recorded
    meanwhile (another interviewer, the naming page) stays; a change over a change made meanwhile
    keeps the stored value, and the message says so."""
    client = _client(w.interviewer)
    stale = client.get(_conversation(w))
    assert re.search(r'name="may_name_shown" value="0"', _body(stale))
    # Meanwhile the lead records that Camden agreed to be named.
    services.set_named(w.london, ["L-001"])
    # The stale page, box unticked as it was shown, saves an answer: the consent stays.
    response = client.post(
        _conversation(w), {"strategy_fit": "Other", "may_name_shown": "0", "save": "1"}, follow=True
    )
    w.camden.refresh_from_db()
    assert w.camden.may_name
    assert "changed by someone else while this page was open, so it was kept as they left it: named" in (
        _text(response)
    )
    # Ticked on the stale page (shown unticked, stored ticked): still the stored value.
    client.post(_conversation(w), {"may_name": "on", "may_name_shown": "0", "save": "1"})
    w.camden.refresh_from_db()
    assert w.camden.may_name
    # A fresh page shows it ticked; unticking it there is a change the interviewer made: saved.
    assert re.search(r'name="may_name_shown" value="1"', _body(client.get(_conversation(w))))
    response = client.post(_conversation(w), {"may_name_shown": "1", "save": "1"}, follow=True)
    w.camden.refresh_from_db()
    assert not w.camden.may_name and "changed by someone else" not in _text(response)
    # Shown unticked and ticked by the interviewer (nothing changed meanwhile): saved.
    client.post(_conversation(w), {"may_name": "on", "may_name_shown": "0", "save": "1"})
    w.camden.refresh_from_db()
    assert w.camden.may_name
    # Under the service: the stored value changed since the page was shown, so it is kept.
    saved = services.save_conversation(w.camden, [], "", False, may_name=False, may_name_shown=False)
    assert saved.naming_kept and saved.may_name
    w.camden.refresh_from_db()
    assert w.camden.may_name


def test_rewording_an_open_answer_removes_the_quotes_its_words_no_longer_hold(w, module_db):
    meaning, voice = w.q["msp_meaning"], w.q["user_voice"]
    answer = _answer(w.camden, meaning, "Putting the person at the centre of every enquiry", named=True)
    other = _answer(w.camden, voice, "A service user panel")
    book = Codebook.objects.create(region="London", qid="msp_meaning")
    theme = Theme.objects.create(codebook=book, label="Person-led")
    voice_theme = Theme.objects.create(
        codebook=Codebook.objects.create(region="London", qid="user_voice"), label="Panels"
    )
    kept = Quote.objects.create(answer=answer, theme=theme, excerpt="the person ... every enquiry")
    Quote.objects.create(answer=other, theme=voice_theme, excerpt="A service user panel")
    client = _client(w.interviewer)
    # Reworded: "the person ... every enquiry" still holds; the panel quote no longer does.
    response = client.post(
        _conversation(w),
        {
            "msp_meaning": "Putting the person at the heart of every enquiry",
            "msp_meaning__consent": "on",
            "user_voice": "A panel of people who use services",
            "save": "1",
        },
        follow=True,
    )
    assert "1 quote chosen from the old wording of an open answer is no longer its words and was removed" in (
        _text(response)
    )
    assert list(Quote.objects.values_list("pk", flat=True)) == [kept.pk]
    # Saved again unchanged: nothing more is removed, and the message says nothing of quotes.
    response = client.post(
        _conversation(w),
        {
            "msp_meaning": "Putting the person at the heart of every enquiry",
            "user_voice": "A panel of people who use services",
            "save": "1",
        },
        follow=True,
    )
    assert "quote" not in _text(response).split("Conversation saved")[1].split("<")[0]
    assert Quote.objects.filter(pk=kept.pk).exists()


def test_save_and_carry_on_saves_while_a_moderation_reason_is_missing(w, module_db):
    """The page promises that no question is required: a differing rating without its reason saves,
    with a warning; only marking the conversation complete needs the reason."""
    client = _client(w.interviewer)
    data = {"achievement_self": FULL, "achievement_interviewer": MODERATE, "strategy_fit": "Other"}
    response = client.post(_conversation(w), {**data, "save": "1"})
    assert response.status_code == 302
    assert {("achievement_self", "", FULL), ("achievement_interviewer", "", MODERATE)} <= _answers(w.camden)
    body = _text(client.get(_conversation(w)))
    assert "enter why</a> before you mark the conversation complete" in body
    # Marking it complete without the reason is refused, and nothing changes.
    response = client.post(
        _conversation(w), {**data, "strategy_fit": "It isn't in the strategy", "complete": "1"}
    )
    assert response.status_code == 200
    assert (
        "Enter why your rating differs from the council's own rating before you mark the conversation "
        "complete"
    ) in _text(response)
    assert ("strategy_fit", "", "Other") in _answers(w.camden)
    w.camden.refresh_from_db()
    assert not w.camden.complete
    # With the reason it is complete, and the warning goes.
    response = client.post(
        _conversation(w), {**data, "moderation_reason": "Not rolled out yet", "complete": "1"}
    )
    assert response.status_code == 302
    w.camden.refresh_from_db()
    assert w.camden.complete and w.camden.moderation_reason == "Not rolled out yet"
    body = _text(client.get(_conversation(w)))
    assert "before you mark the conversation complete" not in body and "Complete" in body


def test_saving_a_complete_conversation_keeps_it_complete_unless_its_reason_goes(w, module_db):
    client = _client(w.interviewer)
    response = client.post(_conversation(w), {"strategy_fit": "Other", "complete": "1"})
    assert response.status_code == 302
    w.camden.refresh_from_db()
    assert w.camden.complete
    client.post(_conversation(w), {"strategy_fit": "It isn't in the strategy", "save": "1"})
    w.camden.refresh_from_db()
    assert w.camden.complete, "saving again changes answers, not whether the conversation is complete"
    response = client.post(
        _conversation(w),
        {"achievement_self": FULL, "achievement_interviewer": MODERATE, "save": "1"},
        follow=True,
    )
    assert "It is no longer marked complete: the ratings differ and no reason is given" in _text(response)
    w.camden.refresh_from_db()
    assert not w.camden.complete
    # The same rating from both needs no reason.
    response = client.post(
        _conversation(w), {"achievement_self": FULL, "achievement_interviewer": FULL, "complete": "1"}
    )
    assert response.status_code == 302
    w.camden.refresh_from_db()
    assert w.camden.complete


def test_unanswered_questions_are_listed_for_every_type(w, module_db):
    _answer(w.camden, w.q["strategy_fit"], "Other")
    _answer(w.camden, w.q["engagement_levels"], "Very well", item="Strategic/partnership/board")
    _answer(w.camden, w.q["msp_meaning"], "Listening")
    body = _text(_client(w.interviewer).get(_conversation(w)))
    listed = body.split("Not answered yet:")[1].split("</details>")[0]
    questions = list(w.instrument.questions.all())
    assert f"{len(questions) - 2} questions" in listed  # the grid is still part-answered
    texts = [q.text for q in questions if q.qid not in ("strategy_fit", "msp_meaning")]
    for text in texts:
        assert text in listed, text
    assert w.q["strategy_fit"].text not in listed and w.q["msp_meaning"].text not in listed
    grid = w.q["engagement_levels"]
    assert f"({len(grid.items) - 1} of {len(grid.items)} items: {', '.join(grid.items[1:])})" in listed
    # Links go to the first field left to answer.
    assert 'href="#id_engagement_levels__1"' in listed and 'href="#id_user_voice"' in listed
    assert 'href="#id_outcomes_asked_0"' in listed
    # A conditional question says whom it is asked of, once, well.
    assert "(asked only where changes to recording systems are not yet complete)" in listed
    assert "Ask only where changes to recording systems are not yet complete." in body
    assert "asked only asked" not in body.lower() and "ask only asked" not in body.lower()


def test_saving_again_keeps_the_open_answers_coding(w, module_db):
    open_answer = _answer(w.camden, w.q["msp_meaning"], "Person-led work", named=True)
    codebook = Codebook.objects.create(region="London", qid="msp_meaning")
    theme = Theme.objects.create(codebook=codebook, label="Person-led")
    Coding.objects.create(answer=open_answer, theme=theme, coder=w.interviewer)
    Coding.objects.create(answer=open_answer, theme=theme, final=True)
    response = _client(w.interviewer).post(
        _conversation(w),
        {
            "msp_meaning": "Person-led work",
            "msp_meaning__consent": "on",
            "strategy_fit": "Other",
            "save": "1",
        },
    )
    assert response.status_code == 302
    kept = Answer.objects.get(respondent=w.camden, question=w.q["msp_meaning"])
    assert kept.pk == open_answer.pk and kept.may_name_council
    assert kept.codings.count() == 2


@pytest.mark.parametrize(
    "bad",
    [
        {"strategy_fit": "Something else"},
        {"engagement_levels__0": "Brilliantly"},
        {"achievement_self": "G) Beyond"},
        {"strategy_fit": "Other\x00"},
        {"msp_meaning": "Nul\x00"},
        {"msp_meaning": "x" * 10001},
    ],
)
def test_answers_outside_the_categories_cannot_be_posted(w, module_db, bad):
    _answer(w.camden, w.q["strategy_fit"], "Other")
    response = _client(w.interviewer).post(_conversation(w), {**bad, "save": "1"})
    assert response.status_code == 200
    assert "govuk-error-summary" in _body(response)
    assert _answers(w.camden) == {("strategy_fit", "", "Other")}, "nothing saved"


def test_a_multi_answer_outside_the_categories_cannot_be_posted(w, module_db):
    Question.objects.create(
        instrument=w.instrument, qid="methods", order=99, type="multi", text="Methods used?",
        categories=["Surveys", "Interviews"],
    )  # fmt: skip
    response = _client(w.interviewer).post(_conversation(w), {"methods": ["Surveys", "Séances"]})
    assert response.status_code == 200
    assert not w.camden.answers.exists()


def test_conversations_are_for_the_rounds_interviewers_and_lead_only(w, module_db):
    page = _conversation(w)
    assert _client(w.lead).get(page).status_code == 200
    for who in (w.interviewer2, w.nw_lead, w.national_lead, w.practitioner):
        client = _client(who)
        assert client.get(page).status_code == 404, who
        assert client.post(page, {"strategy_fit": "Other", "save": "1"}).status_code == 404
    assert not w.camden.answers.exists()
    client = _client(w.interviewer)
    # Another round's respondent, no such respondent, a NUL in the id: no such page.
    for rid in ("N-001", "L-999", "L-001\x00"):
        page = reverse("tempcheck:conversation", args=[w.london.slug, "x"]).replace("/x/", f"/{rid}/")
        # (A NUL is refused before the view, as a bad request.)
        assert client.get(page).status_code in (400, 404)
        assert client.post(page, {"strategy_fit": "Other"}).status_code in (400, 404)
    assert not Answer.objects.exists()


def test_a_baseline_has_no_conversations(w, module_db):
    baseline = Round.objects.create(
        slug="london-2015", title="London 2015", instrument=w.instrument, region="London", aggregate_only=True
    )
    Respondent.objects.create(round=baseline, respondent_id="B-1", council="Camden")
    page = reverse("tempcheck:conversation", args=[baseline.slug, "B-1"])
    assert _client(w.lead).get(page).status_code == 404


def test_a_conversation_cannot_save_answers_to_another_instruments_questions(w, module_db):
    other = w.road_map.questions.get(qid="achievement_self")
    with pytest.raises(services.ConversationRefused):
        services.save_conversation(w.camden, [(other, "", FULL, False)], "", complete=False)
    assert not w.camden.answers.exists()


# --- Evidence beside a self-rating -------------------------------------------------------------------


def _submission(council: str, year: str, region: str, ons: str, measures: dict[str, tuple]) -> None:
    submission = BenchmarkSubmission.objects.create(
        year=year, ons_code=ons, council_name=council, region=region, format_version=3,
        generated_at=timezone.now(), file_name=f"{ons}-{year}.json", sha256="0" * 64,
        imported_by_name="test",
    )  # fmt: skip
    BenchmarkMeasure.objects.bulk_create(
        BenchmarkMeasure(submission=submission, measure_id=m, numerator=n, denominator=d, percent=p)
        for m, (n, d, p) in measures.items()
    )


@pytest.fixture
def figures(w):
    """Camden's 2024-25 and 2025-26 figures (London); a 'Hackney' of the North West, outside the
    London round's region; Leeds suppressed."""
    _submission(
        "London Borough of Camden", "2023-24", "London", "E09000001", {"asked_about_outcomes": (1, 2, 50.0)}
    )
    _submission("CAMDEN ", "2024-25", "London", "E09000007", {"asked_about_outcomes": (300, 500, 60.0)})
    _submission("Camden", "2025-26", "London", "E09000007", {"asked_about_outcomes": (310, 500, 62.0)})
    _submission("Camden", "2027-28", "London", "E09000007", {"asked_about_outcomes": (400, 500, 80.0)})
    _submission("Hackney", "2025-26", "North West", "E06000999", {"asked_about_outcomes": (5, 10, 50.0)})
    _submission(
        "Leeds",
        "2025-26",
        "Yorkshire and the Humber",
        "E08000035",
        {"asked_about_outcomes": (None, None, None)},
    )
    _submission("Bolton", "2025-26", "North West", "E08000001", {"asked_about_outcomes": (0, 0, None)})
    Question.objects.filter(pk=w.q["outcomes_asked"].pk).update(
        extra={**w.q["outcomes_asked"].extra, "evidence": {"measure": "asked_about_outcomes"}}
    )
    return w


def test_measured_takes_the_rounds_year_or_the_latest_before_by_name_in_any_case(
    figures, module_db, django_assert_num_queries
):
    with django_assert_num_queries(1):
        found = evidence.measured(["camden", "Hackney", "Nowhere"], "2026-27", "asked_about_outcomes")
    assert found == {
        "camden": {"percent": 62.0, "numerator": 310, "denominator": 500, "year": "2025-26"},
        "Hackney": {"percent": 50.0, "numerator": 5, "denominator": 10, "year": "2025-26"},
    }
    assert evidence.measured(["Camden"], "2024-25", "asked_about_outcomes")["Camden"]["year"] == "2024-25"
    assert evidence.measured(["Camden"], None, "asked_about_outcomes")["Camden"]["year"] == "2027-28"
    assert evidence.measured(["Camden"], "2020-21", "asked_about_outcomes") == {}
    assert evidence.measured(["Camden"], "2025-26", "no_such_measure") == {}
    # Narrowed to the London round's region: the North West "Hackney" is not London's Hackney.
    found = evidence.measured(
        ["Camden", "Hackney"], "2025-26", "asked_about_outcomes", within=evidence.round_scope(figures.london)
    )
    assert set(found) == {"Camden"}
    with django_assert_num_queries(0):
        assert evidence.measured([], "2025-26", "asked_about_outcomes") == {}


def test_the_conversation_shows_the_councils_measured_figure_beside_its_answer(figures, module_db):
    body = _text(_client(figures.interviewer).get(_conversation(figures)))
    # The round began in May 2026 (2026-27); the latest year published before it is 2025-26.
    assert "Asked about desired outcomes: measured in 2025-26, 62% (310 of 500 concluded enquiries)." in body
    after = body[body.index('name="outcomes_asked"') :]
    assert after.index("measured in 2025-26") < after.index('name="measuring_difference"'), (
        "beside its question"
    )
    # Hackney's only figure is another region's council of that name: none shown.
    body = _text(_client(figures.interviewer).get(_conversation(figures, figures.hackney)))
    assert "Asked about desired outcomes: no benchmark figures for Hackney in 2026-27 or earlier." in body


def test_the_conversation_and_round_pages_ask_a_fixed_number_of_queries(
    figures, module_db, django_assert_max_num_queries
):
    """Whatever the number of questions, answers and notes: one query for each kind of thing (and two
    for the access-log entry the view writes, under the log chain's lock; two for the naming rule
    the round page states)."""
    for n in range(3):
        DataQualityNote.objects.create(round=figures.london, text=f"Note {n}")
    client = _client(figures.lead)
    for page in (_conversation(figures), _round_page(figures, figures.lead)):
        client.get(page)  # the session is read once signed in
        with django_assert_max_num_queries(13):
            assert client.get(page).status_code == 200


def test_the_evidence_sentence_says_when_a_figure_is_suppressed_or_has_nothing_to_count():
    measure = evidence.declared(Question(qid="q", extra={"evidence": "asked_about_outcomes"}))
    assert measure == {
        "measure": "asked_about_outcomes",
        "label": "Asked about desired outcomes",
        "base": "concluded enquiries",
    }
    suppressed = {"percent": None, "numerator": None, "denominator": 500, "year": "2025-26"}
    assert "the 2025-26 figure for Leeds is suppressed" in evidence.describe(
        "Leeds", suppressed, measure, "2025-26"
    )
    nothing = {"percent": None, "numerator": 0, "denominator": 0, "year": "2025-26"}
    assert "had no concluded enquiries to count" in evidence.describe("Bolton", nothing, measure, "2025-26")
    decimal = {"percent": 61.5, "numerator": 1230, "denominator": 2000, "year": "2025-26"}
    assert "61.5% (1,230 of 2,000 concluded enquiries)" in evidence.describe("X", decimal, measure, None)
    assert (
        evidence.describe("X", None, measure, None)
        == "Asked about desired outcomes: no benchmark figures for X."
    )
    labelled = evidence.declared(
        Question(
            qid="q", extra={"evidence": {"measure": "asked_about_outcomes", "label": "Asked about outcomes"}}
        )
    )
    assert labelled is not None and labelled["label"] == "Asked about outcomes"
    for extra in ({}, {"evidence": "no_such_measure"}, {"evidence": {"label": "x"}}, {"evidence": 3}):
        assert evidence.declared(Question(qid="q", extra=extra)) is None


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=date(1900, 4, 1), max_value=date(2099, 12, 31)), st.booleans())
def test_a_rounds_year_is_the_financial_year_of_its_first_conversation(day, first):
    round_ = Round(starts_on=day if first else None, ends_on=day)
    year = evidence.round_year(round_)
    assert year is not None and FinancialYear.parse(year).contains(day)
    assert evidence.round_year(Round()) is None


# --- Rules that parse what a lead types ----------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30), max_size=12))
def test_the_councils_list_is_trimmed_lines_each_once(lines):
    text = "\n".join(lines)
    try:
        names = council_names(text)
    except django_forms.ValidationError as exc:
        assert "listed twice" in exc.messages[0] or "characters or fewer" in exc.messages[0]
        return
    assert all(n == n.strip() and n for n in names)
    assert len({n.casefold() for n in names}) == len(names)
    assert names == [line.strip() for line in text.splitlines() if line.strip()]


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_asked_only_never_says_asked_twice(condition):
    words = asked_only(condition)
    for lead in ("asked ", "ask "):
        assert not words.lower().startswith(lead)
    assert asked_only(words) == words
    assert asked_only("asked where changes to recording systems are not yet complete.") == (
        "where changes to recording systems are not yet complete"
    )


# --- The road-map instrument -------------------------------------------------------------------------


def test_the_road_map_steps_are_worded_as_the_2016_national_report_prints_them():
    """ "A suggested road map to MSP implementation" (2016 national report, section 2): each category is
    the printed step with its number and a space in front ("1 Not yet started.")."""
    lines = REPORT.read_text(encoding="utf-8").splitlines()
    start = lines.index("A suggested road map to MSP implementation")
    printed = [line for line in lines[start + 1 : start + 13] if re.match(r"^\d+\. ", line)]
    assert len(printed) == 10
    expected = [re.sub(r"^(\d+)\. ", r"\1 ", line) for line in printed]
    question = next(
        q
        for q in yaml.safe_load(ROAD_MAP.read_text(encoding="utf-8"))["questions"]
        if q["id"] == "road_map_steps"
    )
    assert question["categories"] == expected
    assert question["type"] == "multi" and question["steps"] is True
    assert [int(c.split(" ", 1)[0]) for c in question["categories"]] == list(range(1, 11))


def test_the_road_map_instrument_can_be_chosen_on_the_web(w, module_db):
    steps = w.road_map.questions.get(qid="road_map_steps")
    assert steps.categories[0] == "1 Not yet started." and len(steps.categories) == 10
    response = _client(w.lead).post(
        reverse("tempcheck:round_new"),
        _new_round(w, slug="road-map-2026", title="London road map 2026", instrument=w.road_map.pk),
    )
    assert response.status_code == 302
    rid = Respondent.objects.filter(round__slug="road-map-2026").first().respondent_id
    page = reverse("tempcheck:conversation", args=["road-map-2026", rid])
    client = _client(w.interviewer)
    body = _body(client.get(page))
    assert "10 Shift to user-focussed approach in all partner organisations." in body
    response = client.post(
        page, {"road_map_steps": steps.categories[:3] + [steps.categories[6]], "save": "1"}
    )
    assert response.status_code == 302
    assert Answer.objects.filter(respondent__respondent_id=rid).count() == 4


def test_report_json_still_reads_a_round_set_up_on_the_web(w, module_db):
    """The set-up's round is one the report reads (a smoke test of the hand-over to the analysis)."""
    _answer(w.camden, w.q["strategy_fit"], "Other")
    response = _client(w.lead).get(reverse("tempcheck:report", args=[w.london.slug]) + "?format=json")
    assert response.status_code == 200
    assert json.loads(response.content)["round"] == "london-2026"


def test_a_page_left_open_does_not_reverse_consent_to_be_named_beside_a_quote(w, module_db):
    """Consent to be named beside a quote takes the value the page showed, as table naming does:
    a withdrawn consent is never silently restored, nor a given one silently withdrawn."""
    meaning = w.q["msp_meaning"]
    answer = _answer(w.camden, meaning, "Person-led work", named=True)
    client = _client(w.interviewer)
    assert re.search(r'name="msp_meaning__consent_shown" value="1"', _body(client.get(_conversation(w))))
    # Meanwhile another interviewer withdraws it; the stale page (box ticked as shown) saves.
    Answer.objects.filter(pk=answer.pk).update(may_name_council=False)
    stale = {"msp_meaning": "Person-led work", "msp_meaning__consent": "on",
             "msp_meaning__consent_shown": "1", "save": "1"}  # fmt: skip
    response = client.post(_conversation(w), stale, follow=True)
    answer.refresh_from_db()
    assert not answer.may_name_council
    assert "beside a quote from its answer to" in _text(response) and "left it: not named" in _text(response)
    # The reverse: given meanwhile, a stale unticked page does not withdraw it.
    Answer.objects.filter(pk=answer.pk).update(may_name_council=True)
    client.post(
        _conversation(w), {"msp_meaning": "Person-led work", "msp_meaning__consent_shown": "0", "save": "1"}
    )
    answer.refresh_from_db()
    assert answer.may_name_council
    # A change the interviewer made on a fresh page is saved.
    client.post(
        _conversation(w), {"msp_meaning": "Person-led work", "msp_meaning__consent_shown": "1", "save": "1"}
    )
    answer.refresh_from_db()
    assert not answer.may_name_council


# --- Review fixes: naming withheld, may_quote, one problem per respondent, national rounds' regions ---


def _four_of_six_named(w) -> Round:
    """A London round of six answered councils, four of them agreeing to be named: with only two
    declining, the report names no one (analysis.names_shown)."""
    round_ = Round.objects.create(
        slug="withheld-2026", title="Withheld 2026", instrument=w.instrument, region="London"
    )
    for n, council in enumerate(("Barnet", "Brent", "Ealing", "Enfield", "Harrow", "Sutton")):
        respondent = Respondent.objects.create(
            round=round_, respondent_id=f"W-{n}", council=council, region="London", may_name=n < 4
        )
        _answer(respondent, w.q["strategy_fit"], "Other")
    return round_


def test_the_lead_is_told_when_consent_given_will_still_name_no_one(w, module_db):
    round_ = _four_of_six_named(w)
    client = _client(w.lead)
    page = _text(client.get(reverse("tempcheck:round", args=[round_.slug])))
    assert "4 of 6 councils" in page
    assert "no council is named in the tables: with only 2 declining" in page
    naming = reverse("tempcheck:round_named", args=[round_.slug])
    body = _text(client.get(naming))
    assert "every table of the report" not in body
    assert "when every council agreed, or when at least 3 declined" in body
    assert "with only 2 declining" in body
    response = client.post(naming, {"named": ["W-0", "W-1", "W-2", "W-3", "W-4"]}, follow=True)
    message = _text(response)
    assert "5 of 6 councils agreed to be named in the tables. 5 of the 6 councils agreed" in message
    assert "with only 1 declining, a count less the names beside it would tell what that council" in message
    # Every council agreeing, or three declining, names them: no note.
    response = client.post(naming, {"named": ["W-0", "W-1", "W-2"]}, follow=True)
    assert "3 of 6 councils agreed to be named in the tables" in _text(response)
    assert "no council is named" not in _text(response)


def test_the_set_up_and_import_hints_say_when_names_are_withheld(w, module_db):
    client = _client(w.lead)
    for name in ("round_new", "round_import"):
        body = _text(client.get(reverse(f"tempcheck:{name}")))
        assert "no council is named unless at least 3 declined" in body, name


def test_asked_only_is_the_reports_own():
    from msphub.tempcheck import analysis, forms

    assert forms.asked_only is analysis.asked_only


MAY_QUOTE_HEADER = "respondent_id,council,region,question_id,item,answer,may_name,may_quote\n"


def test_the_files_may_quote_column_gives_consent_to_be_named_beside_a_quote(w, module_db):
    text = (
        MAY_QUOTE_HEADER
        + "NL-1,Barnet,London,msp_meaning,,Listening first,yes,yes\n"
        + "NL-1,Barnet,London,strategy_fit,,Other,yes,yes\n"
        + "NL-2,Enfield,London,msp_meaning,,Asking what matters,yes,no\n"
    )
    # "Every council agreed" is about the tables, so a may_quote "no" does not contradict it.
    response = _import(_client(w.lead), w, text, named="on")
    assert response.status_code == 302, _text(response)[-2000:]
    answers = Answer.objects.filter(respondent__round__slug="north-london-2026")
    consent = {(a.respondent.council, a.question.qid): a.may_name_council for a in answers}
    assert consent == {
        ("Barnet", "msp_meaning"): True,
        ("Barnet", "strategy_fit"): False,  # a closed answer is never quoted
        ("Enfield", "msp_meaning"): False,
    }
    assert set(
        Respondent.objects.filter(round__slug="north-london-2026").values_list("may_name", flat=True)
    ) == {True}
    # Without the column no quote names its council, even with "every council agreed".
    response = _import(_client(w.lead), w, GOOD_RESPONSES, slug="north-london-2027", named="on")
    assert response.status_code == 302
    assert not Answer.objects.filter(
        respondent__round__slug="north-london-2027", may_name_council=True
    ).exists()


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            ["NL-1,Barnet,London,msp_meaning,,Listening,yes,maybe"],
            "line 2: may_quote must be yes or no, not 'maybe' (Barnet, respondent NL-1)",
        ),
        (
            [
                "NL-1,Barnet,London,msp_meaning,,Listening,yes,yes",
                "NL-1,Barnet,London,strategy_fit,,Other,yes,no",
            ],
            "line 3: respondent NL-1 is given a different may_quote from line 2 (Barnet)",
        ),
    ],
)
def test_a_bad_may_quote_is_refused_with_its_line_and_council(w, module_db, rows, expected):
    response = _import(_client(w.lead), w, MAY_QUOTE_HEADER + "\n".join(rows) + "\n")
    assert response.status_code == 200
    assert expected in _text(response)
    assert not Round.objects.filter(slug="north-london-2026").exists()


def test_a_refusal_is_listed_once_per_respondent_not_once_per_row(w, module_db):
    header = CSV_HEADER.strip() + ",may_name\n"
    rows = [
        f"NL-1,Barnet,London,engagement_levels,{item},Very well,no" for item in w.q["engagement_levels"].items
    ]
    rows += [
        "NL-2,Enfield,London,strategy_fit,,Other,maybe",
        "NL-2,Enfield,London,msp_meaning,,Listening,maybe",
    ]
    rows += ["NL-3,Harrow,London,strategy_fit,,Other,yes", "NL-3,Harrow,London,msp_meaning,,Listening,yes"]
    response = _import(_client(w.lead), w, header + "\n".join(rows) + "\n", named="on")
    assert response.status_code == 200
    problems = re.findall(r"<li>(line [^<]*)</li>", _text(response))
    assert problems == [
        "line 2: may_name is no, but the import says every respondent agreed to be named "
        "(Barnet, respondent NL-1)",
        f"line {len(w.q['engagement_levels'].items) + 2}: may_name must be yes or no, not 'maybe' "
        "(Enfield, respondent NL-2)",
    ]


def test_a_national_lead_may_give_a_round_any_region_of_a_national_rounds_councils(w, module_db):
    Respondent.objects.create(
        round=w.national, respondent_id="N-002", council="Derby", region="East Midlands"
    )
    # A regional round's councils add nothing (they take the round's region, which is listed already).
    Respondent.objects.create(round=w.london, respondent_id="L-003", council="Odd", region="Atlantis")
    client = _client(w.national_lead)
    body = _body(client.get(reverse("tempcheck:round_new")))
    select = body[body.index('name="region"') :].split("</select>")[0]
    regions = re.findall(r'<option value="([^"]*)"', select)
    assert regions == ["", NATIONAL, "East Midlands", "London", "North West", "Yorkshire and the Humber"]
    Organisation.objects.create(name="Derby", kind="council", region="")
    response = client.post(
        reverse("tempcheck:round_new"),
        _new_round(w, slug="em-2026", region="East Midlands", councils="Derby"),
    )
    assert response.status_code == 302
    assert Round.objects.get(slug="em-2026").region == "East Midlands"
    # The command takes the same list, in any case.
    from msphub.tempcheck.management.commands.tempcheck_import import known_region

    assert known_region("east midlands") == "East Midlands"


def test_the_regions_offered_are_one_query(w, module_db, django_assert_num_queries):
    from msphub.tempcheck.forms import region_choices

    with django_assert_num_queries(1):
        region_choices(w.national_lead)
