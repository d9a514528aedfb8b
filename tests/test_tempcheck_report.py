"""The temperature-check report a lead would publish (issue 16, items 2-5; docs/tempcheck-report.md):
the page with its choices (merge, region, compare, grouped figures), every format from the same
choices, the published PDF (tagged PDF/UA, title page, method, councils, totals, no slugs), the CSV's
comparison columns, and the refusals.

The module's world is built once: the shipped 2016 instrument and national round (115 councils, some
London ones agreeing to be named), the 2014/15 baseline, a later London round of three councils (one
of them in the national round too), leads of London, the North West and the national network,
interviewers and a council's practitioner.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import zlib
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msphub.accounts.models import Organisation, Role, User
from msphub.benchmarks.models import BenchmarkMeasure, BenchmarkSubmission
from msphub.core import charts
from msphub.core.models import AccessLog
from msphub.tempcheck import instruments, report
from msphub.tempcheck.models import (
    Answer,
    Codebook,
    Coding,
    DataQualityNote,
    Question,
    Quote,
    Respondent,
    Round,
    Theme,
)
from tests.conftest import PASSWORD, Cast, per_test

SHIPPED = Path(__file__).resolve().parents[1] / "msphub" / "tempcheck" / "instruments"
NAMED = ["London Borough of Camden", "Ealing", "Hackney"]  # London councils agreeing to be named
LATER = "london-2016-later"
NATIONAL = "national-2016"
BASELINE = "evaluation-2015"
QUOTE = "We ask every person what they want to happen"


def _user(username: str, role: str, organisation: Organisation | None = None, first: str = "") -> User:
    return User.objects.create_user(
        username,
        password=PASSWORD,
        organisation=organisation,
        role=role,
        first_name=first,
        last_name="Tester",
    )


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    with django_db_blocker.unblock():
        out = io.StringIO()
        call_command(
            "tempcheck_import",
            "--round", NATIONAL, "--title", "National temperature check 2016",
            "--instrument", str(SHIPPED / "instrument-2016.yaml"),
            "--responses", str(SHIPPED / "national-2016-responses.csv"),
            stdout=out,
        )  # fmt: skip
        call_command(
            "tempcheck_import",
            "--round", BASELINE, "--title", "MSP evaluation 2014/15",
            "--instrument", str(SHIPPED / "instrument-2016.yaml"),
            "--responses", str(SHIPPED / "evaluation-2015-published.csv"),
            "--baseline",
            stdout=out,
        )  # fmt: skip
        national = Round.objects.get(slug=NATIONAL)
        # Its fieldwork is over: a regional lead may compare with it whole (report._fieldwork_over).
        Round.objects.filter(pk=national.pk).update(ends_on=date(2016, 10, 31))
        national.refresh_from_db()
        Respondent.objects.filter(round=national, council__in=NAMED).update(may_name=True)
        DataQualityNote.objects.create(
            round=national,
            qid="agency_involvement",
            text="The published report's 'slight downturn for acute trusts' is a slip for ambulance trusts.",
        )
        instrument = national.instrument
        q = {x.qid: x for x in instrument.questions.all()}
        london_net = Organisation.objects.create(name="London network", kind="network", region="London")
        north_west = Organisation.objects.create(
            name="North West network", kind="network", region="North West"
        )
        national_net = Organisation.objects.create(name="ADASS", kind="network", region="", national=True)
        w = SimpleNamespace(q=q, national=national, baseline=Round.objects.get(slug=BASELINE))
        w.lead = _user("lena_lead", Role.REGIONAL_LEAD, london_net, "Lena")
        w.nw_lead = _user("nwlead", Role.REGIONAL_LEAD, north_west)
        w.national_lead = _user("nat_lead", Role.REGIONAL_LEAD, national_net)
        w.interviewer = _user("ivy_interviewer", Role.INTERVIEWER, first="Ivy")
        w.other_interviewer = _user("otto", Role.INTERVIEWER)
        cast = Cast()
        w.practitioner = cast.practitioner
        w.later = Round.objects.create(
            slug=LATER,
            title="London 2016 (later councils)",
            instrument=instrument,
            region="London",
            method="By telephone, about an hour each, with each council's safeguarding lead.",
        )
        w.later.interviewers.add(w.interviewer)
        # Two councils not in the national round, and Hackney (in it) again: counted once when merged.
        answers = {
            "Barnet": ("One of our main strategic objectives", "Yes", "Very involved", True),
            "Croydon": ("Other", "Partly", "Not very involved", False),
            "Hackney": ("Other", "No", "Fairly involved", True),
        }
        for n, (council, (fit, outcomes, police, named)) in enumerate(answers.items(), start=1):
            r = Respondent.objects.create(
                round=w.later, respondent_id=f"L-{n}", council=council, region="London", may_name=named
            )
            Answer.objects.create(respondent=r, question=q["strategy_fit"], answer=fit)
            Answer.objects.create(respondent=r, question=q["outcomes_asked"], answer=outcomes)
            Answer.objects.create(
                respondent=r, question=q["agency_involvement"], item="Police", answer=police
            )
            Answer.objects.create(
                respondent=r,
                question=q["agency_involvement"],
                item="Ambulance Trust",
                answer="Not at all involved",
            )
        barnet = Respondent.objects.get(round=w.later, council="Barnet")
        croydon = Respondent.objects.get(round=w.later, council="Croydon")
        said = Answer.objects.create(
            respondent=barnet,
            question=q["msp_meaning"],
            answer=QUOTE + ", and we record it.",
            may_name_council=True,
        )
        unquoted = Answer.objects.create(
            respondent=croydon, question=q["msp_meaning"], answer="Croydon's whole answer is never printed"
        )
        codebook = Codebook.objects.create(region="London", qid="msp_meaning")
        theme = Theme.objects.create(
            codebook=codebook, label="Asking about outcomes", definition="Asks what the person wants"
        )
        Coding.objects.create(answer=said, theme=theme, final=True)
        Coding.objects.create(answer=unquoted, theme=theme, final=True)
        Quote.objects.create(answer=said, theme=theme, excerpt=QUOTE, chosen_by=w.lead)
        # The later round's dates (its financial year, 2016-17, is the year of the evidence) and the
        # councils' published benchmark figures for asking about outcomes.
        w.later.starts_on, w.later.ends_on = date(2016, 11, 1), date(2016, 12, 20)
        w.later.save()
        for n, (council, share) in enumerate(
            (("Barnet", 72.4), ("Croydon", 55.0), ("Hackney", 64.6)), start=1
        ):
            submission = BenchmarkSubmission.objects.create(
                year="2016-17",
                ons_code=f"E0900000{n}",
                council_name=council,
                region="London",
                format_version=1,
                generated_at=timezone.now(),
                file_name=f"{council}.json",
                sha256="0" * 64,
                imported_by_name="Lena Tester",
            )
            BenchmarkMeasure.objects.create(
                submission=submission,
                measure_id="asked_about_outcomes",
                numerator=None,
                denominator=None,
                percent=share,
            )
        # A road-map round of the London lead's: three councils ticking the steps they have reached.
        road_map = instruments.load_shipped("roadmap-self-assessment.yaml")
        steps = road_map.questions.get(qid="road_map_steps")
        w.road_map = Round.objects.create(
            slug="london-road-map", title="London road map 2017", instrument=road_map, region="London"
        )
        for n, ticked in enumerate(([1, 2], [2, 3, 4, 5], [4]), start=1):
            r = Respondent.objects.create(
                round=w.road_map,
                respondent_id=f"R-{n}",
                council=f"Council {n}",
                region="London",
                may_name=n == 2,
            )
            for step in ticked:
                Answer.objects.create(respondent=r, question=steps, answer=steps.categories[step - 1])
        # An earlier London round (the London lead's, not the interviewer's): two councils.
        w.london_old = Round.objects.create(
            slug="london-2014", title="London 2014", instrument=instrument, region="London"
        )
        for n, (council, fit) in enumerate(
            (("Barnet", "Other"), ("Bexley", "We don't yet have a strategy")), start=1
        ):
            r = Respondent.objects.create(
                round=w.london_old, respondent_id=f"O-{n}", council=council, region="London"
            )
            Answer.objects.create(respondent=r, question=q["strategy_fit"], answer=fit)
            said_then = Answer.objects.create(
                respondent=r, question=q["msp_meaning"], answer=f"{council} then"
            )
            if n == 1:
                Coding.objects.create(answer=said_then, theme=theme, final=True)
        return w


@pytest.fixture
def world(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(slug: str = LATER) -> str:
    return reverse("tempcheck:report", args=[slug])


def _page(user: User, slug: str = LATER, query: dict | list | None = None) -> str:
    response = _client(user).get(_url(slug), query or {})
    assert response.status_code == 200, response.status_code
    return response.content.decode()


class _Structure(HTMLParser):
    """Each table's caption (the first child of its table), every image's alt text, and each
    figure's caption and image, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.images: list[dict] = []
        self.figures: list[dict] = []
        self._open: list[str] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"caption": None, "first": None})
        elif self.tables and self.tables[-1]["first"] is None and self._open and self._open[-1] == "table":
            self.tables[-1]["first"] = tag
        if tag in ("caption", "figcaption"):
            self._text = []
        if tag == "figure":
            self.figures.append(
                {"caption": None, "img": None, "chart": "msphub-figure" in (attrs.get("class") or "")}
            )
        if tag == "img":
            self.images.append(attrs)
            if self.figures and "figure" in self._open:
                self.figures[-1]["img"] = attrs
        if tag not in ("img", "input", "br", "meta", "link"):
            self._open.append(tag)

    def handle_endtag(self, tag):
        if tag in ("caption", "figcaption") and self._text is not None:
            text = "".join(self._text).strip()
            if tag == "caption":
                self.tables[-1]["caption"] = text
            elif self.figures:
                self.figures[-1]["caption"] = text
            self._text = None
        while self._open and self._open.pop() != tag:
            pass

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def _structure(html: str) -> _Structure:
    parser = _Structure()
    parser.feed(html)
    return parser


# --- The page and its choices --------------------------------------------------------------------------


def test_lead_page_offers_national_rounds_and_baselines_not_a_dead_end(world):
    body = _page(world.lead)
    assert "No other rounds" not in body
    assert "National temperature check 2016 (national)" in body  # to merge (its London councils) and compare
    assert "MSP evaluation 2014/15 (published figures)" in body
    assert f'value="{NATIONAL}@London"' in body  # the national round's London councils, to compare
    assert "London 2016 (later councils)" in body and "3 councils took part" in body
    # Round titles and question texts, never slugs or question ids, in what a reader sees.
    assert ">london-2016-later<" not in body and "strategy_fit:" not in body


def test_merging_the_national_round_cuts_it_to_the_leads_region_each_council_once(world):
    body = _page(world.lead, query={"merge": NATIONAL})
    assert "cut to the councils of London" in body
    data = json.loads(_page(world.lead, query={"merge": NATIONAL, "format": "json"}))
    assert data["region"] == "London" and [r["slug"] for r in data["rounds"]] == [LATER, NATIONAL]
    councils = [c["council"] for c in data["councils"]]
    assert len(councils) == len(set(c.lower() for c in councils)) == 28  # 26 national + Barnet, Croydon
    assert {c["region"] for c in data["councils"]} == {"London"}
    hackney = next(c for c in data["councils"] if c["council"] == "Hackney")
    assert hackney["round"] == LATER  # the first round listed that has it
    assert "Darlington" not in body and "Darlington" not in json.dumps(data)
    assert any("Hackney" in w for w in data["warnings"])


def test_a_national_lead_cuts_a_national_round_to_any_region_it_has(world):
    data = json.loads(_page(world.national_lead, NATIONAL, {"region": "North East", "format": "json"}))
    assert data["region"] == "North East"
    assert data["councils"] and {c["region"] for c in data["councils"]} == {"North East"}
    body = _page(world.national_lead, NATIONAL, {"region": "Atlantis"})
    assert "No council in this report is in the region asked for" in body


def test_comparison_columns_change_and_caveat_in_the_page(world):
    body = _page(world.lead, query={"compare": [NATIONAL, BASELINE]})
    assert "National temperature check 2016 (n = 115)" in body
    assert "Change since National temperature check 2016 (points)" in body
    assert "The base differs: 3 answered here, 115 in National temperature check 2016" in body
    # Improvement scores and their change, for the grid, in the page (not only in the JSON).
    assert "Table" in body and "improvement scores, this report and MSP evaluation 2014/15" in body
    data = json.loads(_page(world.lead, query={"compare": [NATIONAL, BASELINE], "format": "json"}))
    police = next(e for e in data["questions"]["agency_involvement"] if e["item"] == "Police")
    change = police["comparisons"][BASELINE]["change"]
    assert f"−{-change}" in body or f"+{change}" in body or str(change) in body
    assert "Compared with MSP evaluation 2014/15</h3>" in body


def test_comparing_with_the_national_rounds_london_councils(world):
    data = json.loads(_page(world.lead, query={"compare": f"{NATIONAL}@London", "format": "json"}))
    assert data["comparisons"] == [
        {"slug": f"{NATIONAL}@London", "title": "National temperature check 2016: London", "region": "London"}
    ]
    strategy = data["questions"]["strategy_fit"][0]
    assert strategy["comparisons"][f"{NATIONAL}@London"]["n"] == 26


def test_grouped_figures_chosen_on_the_page(world):
    query = [
        ("group.strategy_fit", "The overriding strategic objective"),
        ("group.strategy_fit", "One of our main strategic objectives"),
        ("items.agency_involvement", "Police"),
        ("items.agency_involvement", "Ambulance Trust"),
        ("crosstab_rows", "outcomes_asked"),
        ("crosstab_columns", "strategy_fit"),
    ]
    client = _client(world.lead)
    body = client.get(_url(), query).content.decode()
    assert "combined answers to “How would you describe where MSP fits" in body
    assert "The overriding strategic objective or One of our main strategic objectives" in body
    assert "averages over groups of items" in body
    assert "Cross-tabulations" in body and "3 councils answered both" in body
    # The download links carry the same choices.
    assert "group.strategy_fit=The+overriding+strategic+objective" in body
    csv_text = client.get(_url(), [*query, ("format", "csv")]).content.decode()
    assert csv_text.startswith("round,question_id")


@pytest.mark.parametrize(
    "query",
    [
        {"merge": "no-such-round"},
        {"merge": "x\x00y", "compare": "\x00"},
        {"region": "Lon\x00don"},
        {"compare": f"{NATIONAL}@Yorkshire"},  # another region's councils: not a London lead's to see
        {"compare": LATER},  # the report itself
        {"group.no_such_question": "Yes", "items.strategy_fit": "Other"},
        {"group.strategy_fit": "Maybe", "crosstab_rows": "strategy_fit"},
        {"format": "xml"},
        {"merge": ["a" * 500] * 60},
    ],
)
def test_bad_parameters_are_left_out_never_an_error(world, query):
    body = _page(world.lead, query=query)
    assert "London 2016 (later councils)" in body
    if "format" not in query:
        assert "Some of the choices were left out" in body or "merge" in str(query)


class _Form(HTMLParser):
    """Every id on the page, every form control's id and name, and every label's target."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.controls: list[dict] = []
        self.labels: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag in ("input", "select") and attrs.get("type") != "hidden":
            self.controls.append(attrs)
        if tag == "label" and "for" in attrs:
            self.labels.add(attrs["for"])


def test_page_ids_are_unique_and_every_choice_has_its_label(world):
    body = _page(
        world.lead, query={"compare": NATIONAL, "group.strategy_fit": ["Other", "It isn't in the strategy"]}
    )
    found = _Form()
    found.feed(body)
    assert len(found.ids) == len(set(found.ids)), [i for i in found.ids if found.ids.count(i) > 1]
    named = [c for c in found.controls if c.get("name") not in (None, "q", "csrfmiddlewaretoken")]
    assert {"merge", "compare", "group.strategy_fit", "items.agency_involvement", "crosstab_rows"} <= {
        c["name"] for c in named
    }
    assert all(c.get("id") in found.labels for c in named), [
        c for c in named if c.get("id") not in found.labels
    ]
    assert 'value="Other" checked' in body  # the choices are shown as chosen


def test_invisible_rounds_are_left_out(world):
    # The North West lead's and an interviewer's attempts to use rounds that are not theirs.
    north_west = Round.objects.create(
        slug="north-west-2016",
        title="North West 2016",
        instrument=world.national.instrument,
        region="North West",
    )
    body = _page(world.lead, query={"merge": north_west.slug, "compare": north_west.slug})
    assert "North West 2016" not in body
    iv = _page(world.interviewer, query={"merge": NATIONAL, "compare": [NATIONAL, BASELINE]})
    assert "National temperature check 2016" not in iv and "MSP evaluation" not in iv
    assert "Comparing with other rounds is for regional leads" in iv
    data = json.loads(
        _page(world.interviewer, query={"merge": NATIONAL, "compare": NATIONAL, "format": "json"})
    )
    assert data["comparisons"] == [] and [r["slug"] for r in data["rounds"]] == [LATER]


@pytest.mark.parametrize(
    ("who", "slug"),
    [
        ("practitioner", LATER),  # a council's staff
        ("nw_lead", LATER),  # another region's lead
        ("other_interviewer", LATER),  # an interviewer not on the round
        ("lead", NATIONAL),  # a regional lead asking for the national round's own page
        ("national_lead", LATER),
    ],
)
@pytest.mark.parametrize("file_format", ["", "csv", "pdf"])
def test_refused_404(world, who, slug, file_format):
    response = _client(getattr(world, who)).get(_url(slug), {"format": file_format} if file_format else {})
    assert response.status_code == 404


def test_signed_out_is_sent_to_sign_in(world):
    response = Client().get(_url())
    assert response.status_code in (302, 404)
    assert "London 2016" not in response.content.decode()


def test_nothing_changes_on_get_but_the_page_and_a_download_are_logged(world):
    before = AccessLog.objects.count()
    _page(world.lead)
    # The page is a view of the round (docs/security.md), named by its slug.
    assert AccessLog.objects.count() == before + 1
    page = AccessLog.objects.order_by("-sequence").first()
    assert (page.record_type, page.record_reference) == ("tempcheck.round", LATER)
    response = _client(world.lead).get(_url(), {"format": "csv", "compare": NATIONAL})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    entry = AccessLog.objects.order_by("-sequence").first()
    assert entry.user == world.lead and entry.record_reference == LATER
    assert entry.record_type == "Temperature check report download"
    assert "format=csv" in entry.page and "compare=national-2016" in entry.page


def test_query_count_is_bounded_by_the_rounds_not_the_questions_or_councils(
    world, django_assert_max_num_queries
):
    client = _client(world.lead)
    client.get(_url())  # the session, once
    with django_assert_max_num_queries(35):
        assert client.get(_url()).status_code == 200
    # Each round compared adds a few GROUP BY queries (at most report.MOST_ROUNDS of them).
    many = {"merge": NATIONAL, "compare": [NATIONAL, BASELINE, "london-2014", f"{NATIONAL}@London"]}
    with django_assert_max_num_queries(65):
        assert client.get(_url(), many).status_code == 200


def test_a_baseline_and_a_round_with_no_answers_yet_still_give_a_report(world):
    body = _page(world.national_lead, BASELINE)
    assert "MSP evaluation 2014/15" in body and "0 councils took part" in body
    rows = list(csv.reader(io.StringIO(_page(world.national_lead, BASELINE, {"format": "csv"}))))
    assert any(r[1] == "agency_involvement" and r[4] != "0" for r in rows[1:])
    empty = Round.objects.create(
        slug="london-2026", title="London 2026", instrument=world.later.instrument, region="London"
    )
    body = _page(world.lead, empty.slug, {"compare": NATIONAL})
    assert "London 2026" in body and "0 councils took part" in body and "(n = 0)" in body


def test_conditional_question_says_once_who_was_asked(world):
    body = _page(world.national_lead, NATIONAL)
    assert "Asked only where changes to recording systems are not yet complete." in body
    assert "Asked only asked" not in body


@given(st.text(max_size=60))
@settings(max_examples=200)
def test_asked_only_is_one_sentence_starting_once_with_asked_only(condition):
    sentence = report.asked_only(condition)
    if sentence:
        assert sentence.startswith("Asked only ") and sentence.endswith(".")
        assert not sentence.lower().startswith("asked only asked ")
        assert not sentence.lower().startswith("asked only only ")


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "merge",
                "region",
                "compare",
                "group.strategy_fit",
                "items.agency_involvement",
                "crosstab_rows",
                "crosstab_columns",
                "format",
            ]
        ),
        st.lists(
            st.one_of(st.text(max_size=30), st.sampled_from([NATIONAL, BASELINE, LATER, "London", "Police"])),
            max_size=3,
        ),
    )
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_query_gives_a_report_of_the_rounds_the_lead_may_use(world, query):
    from django.http import QueryDict

    params = QueryDict(mutable=True)
    for key, values in query.items():
        params.setlist(key, values)
    choices = report.choose(world.lead, world.later, params)
    allowed = {LATER, NATIONAL}
    assert {r.slug for r in choices.rounds} <= allowed and choices.rounds[0].slug == LATER
    assert choices.region in (None, "London")
    assert all(not c.region or c.region == "London" for c in choices.compare)
    data = report.analyse(choices)
    assert data["round"] == LATER


def test_tables_show_n_and_percentages_half_rounded_up(world):
    body = _page(world.lead)
    assert "(n = 3)" in body  # each question's base: the councils that answered it
    assert "67%" in body and "33%" in body  # 2 of 3 and 1 of 3


def test_comparing_with_a_visible_round_and_its_themes(world):
    body = _page(world.lead, query={"compare": "london-2014"})
    assert "London 2014 (n = 2)" in body and "50%" in body
    assert "themes compared with London 2014" in body
    # Asking about outcomes: 2 of 2 responses here (100%), 1 of 2 there (50%): +50 points.
    assert re.search(r"Asking about outcomes</th>.*?2 \(100%\).*?1 \(50%\).*?\+50", body, flags=re.S)
    # The interviewer does not interview in the older round: it is not theirs to compare with.
    iv = _page(world.interviewer, query={"compare": "london-2014"})
    assert "London 2014" not in iv


def test_road_map_highest_step_and_cumulative_shares(world):
    body = _page(world.lead, "london-road-map")
    assert "the highest step each council has reached (n = 3)" in body
    assert "councils that reached at least each step (n = 3)" in body
    assert "Council 2" in body  # a participating council (not named in the tables: two declined)
    data = json.loads(_page(world.lead, "london-road-map", {"format": "json"}))
    cumulative = {r["category"][:2].strip(): r["percent"] for r in data["roadmap"]["cumulative"]}
    assert cumulative["4"] == 67 and cumulative["5"] == 33  # two councils reached step 4 or later


def test_evidence_beside_self_rating_names_only_councils_that_agreed(world):
    # Merged with the national round's London councils: more than two declined, so names are listed.
    body = _page(world.lead, LATER, {"merge": NATIONAL})
    assert "the answers beside the councils’ measured figures" in body
    named = body[body.index("the named councils’ answers beside their own measured share") :]
    named = named[: named.index("</table>")]
    assert "Barnet" in named and "72%" in named and "Hackney" in named and "65%" in named
    assert "Croydon" not in named  # did not agree to be named
    assert "(2016-17)" in body
    assert "The figures of councils that did not agree to be named are left out of it" in body


def test_the_evidence_median_is_of_councils_that_agreed_only(world, monkeypatch):
    from msphub.tempcheck import analysis

    # From one council up, so that the three councils' figures would each show in a median.
    monkeypatch.setattr(analysis, "MIN_BASE", 1)
    data = json.loads(_page(world.lead, LATER, {"merge": NATIONAL, "format": "json"}))
    by_category = {r["category"]: r for r in data["evidence"]["outcomes_asked"]["by_category"]}
    assert by_category["Yes"]["median_percent"] == 72 and by_category["No"]["median_percent"] == 65
    # Croydon ("Partly", 55%) did not agree: its figure is in no median and not counted.
    assert by_category["Partly"]["median_percent"] is None
    assert by_category["Partly"]["councils_with_figures"] == 0 and by_category["Partly"]["councils"] >= 1


def test_one_declining_council_means_no_council_is_named_anywhere(world):
    # The later round alone: Barnet and Hackney agreed, Croydon did not. With names beside the
    # counts, "Other" 2 less Hackney would say Croydon answered "Other": so nobody is named.
    data = json.loads(_page(world.lead, LATER, {"format": "json"}))
    assert data["naming"]["shown"] is False and data["naming"]["declined"] == 1
    assert all(not c["named"] for c in data["councils"])
    for entries in data["questions"].values():
        for entry in entries:
            assert all(r["councils"] == [] for r in entry["rows"])
            assert all(g["councils"] == [] for g in entry["groups"])
    for table in data["crosstabs"]:
        assert all(c["councils"] == [] for row in table["rows"] for c in row["cells"])
    assert data["evidence"]["outcomes_asked"]["named"] == []
    body = _page(world.lead)
    method = body[body.index('<section id="method">') :]
    method = method[: method.index("</section>")]
    assert "2 of the 3 councils agreed to be named, but no council is named in the tables" in method
    councils = body[body.index('<section id="councils">') :]
    councils = councils[: councils.index("</section>")]
    assert "Named in the tables" not in councils and "2 of them agreed to be named" in councils
    assert "the named councils’ answers beside their own measured share" not in body
    assert all(r[8] == "" for r in _csv(world.lead, {})[1:])
    # The road-map round: one of three agreed, two declined: no names either.
    road = json.loads(_page(world.lead, "london-road-map", {"format": "json"}))
    assert all(r["councils"] == [] for r in road["roadmap"]["highest_step"])


def test_a_region_asked_for_a_report_always_cut_to_the_leads_is_said_to_be_left_out(world):
    body = _page(world.lead, LATER, {"merge": NATIONAL, "region": "North West"})
    assert "the region asked for was left out" in body
    assert "the region asked for was left out" not in _page(
        world.lead, LATER, {"merge": NATIONAL, "region": "london"}
    )


def test_no_more_compare_values_are_read_than_can_be_used(world):
    from django.db import connection
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    def queries(count: int) -> int:
        query = QueryDict(mutable=True)
        query.setlist("region", ["London"])
        query.setlist("compare", [f"{NATIONAL}@Region {n}" for n in range(count)])
        with CaptureQueriesContext(connection) as captured:
            choices = report.choose(world.national_lead, world.national, query)
        assert any("more than 6" in m for m in choices.messages)  # none is a region it has
        return len(captured)

    assert queries(50) == queries(report.MOST_ROUNDS)


def test_title_page_dates_from_the_rounds(world):
    html, _ = _document(world)
    assert "conversations held 1 November 2016 to 20 December 2016" in html


# --- The CSV --------------------------------------------------------------------------------------------


def _csv(user: User, query: dict) -> list[list[str]]:
    response = _client(user).get(_url(), {**query, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csv_keeps_its_columns_first_then_councils_and_comparison_columns(world):
    rows = _csv(world.lead, {"compare": [NATIONAL, BASELINE]})
    header = rows[0]
    assert header[:8] == ["round", "question_id", "item", "category", "count", "n", "percent", "no_response"]
    assert header[8] == "councils"
    national = "National temperature check 2016"
    assert header[9:13] == [
        f"{national}: count",
        f"{national}: n",
        f"{national}: percent",
        f"{national}: change",
    ]
    assert header[13] == "MSP evaluation 2014/15: count"
    # Then the improvement score, and for each compared round its change and the caveat.
    assert header[17:] == [
        "improvement_score",
        f"{national}: improvement score change",
        f"{national}: caveat",
        "MSP evaluation 2014/15: improvement score change",
        "MSP evaluation 2014/15: caveat",
        "figure",  # last: what the row is (an answer, or a grouped figure)
    ]
    other = next(r for r in rows if r[1] == "strategy_fit" and r[3] == "Other")
    assert other[:8] == [LATER, "strategy_fit", "", "Other", "2", "3", "67", "0"]
    # Croydon declined, the only one of three: "Other" 2 less a name would give its answer away.
    assert other[8] == ""
    assert other[10] == "115" and other[12] == str(67 - int(other[11]))
    assert other[17] == "" and other[18] == "" and "The base differs" in other[19]
    data = json.loads(_page(world.lead, LATER, {"compare": [NATIONAL, BASELINE], "format": "json"}))
    police = next(e for e in data["questions"]["agency_involvement"] if e["item"] == "Police")
    line = next(r for r in rows if r[1] == "agency_involvement" and r[2] == "Police")
    against = police["comparisons"][NATIONAL]
    assert line[17] == str(police["improvement_score"])
    assert line[18] == str(against["change"]) and line[19] == (against["caveat"] or "")


def test_csv_names_the_councils_that_agreed_in_a_merged_report(world):
    rows = _csv(world.lead, {"merge": NATIONAL})
    named = {name for r in rows[1:] for name in r[8].split("; ") if name}
    assert named <= {"London Borough of Camden", "Ealing", "Hackney", "Barnet"}
    assert "London Borough of Camden" in named and "Croydon" not in named


# --- The published document (HTML and PDF) --------------------------------------------------------------


def _document(world, **query) -> tuple[str, dict]:
    from django.http import QueryDict

    params = QueryDict(mutable=True)
    for key, value in query.items():
        params.setlist(key, value if isinstance(value, list) else [value])
    choices = report.choose(world.lead, world.later, params)
    data = report.analyse(choices)
    return report.as_html(
        world.later, data, published_by="Lena Tester, London network", choices=choices
    ), data


def test_document_has_title_page_contents_method_councils_and_data_quality(world):
    html, data = _document(world, merge=NATIONAL, compare=[NATIONAL, BASELINE])
    assert '<html lang="en-GB"' in html
    title_page = html[html.index('class="msphub-title-page"') : html.index("<h2>Contents</h2>")]
    assert "London 2016 (later councils) and National temperature check 2016: London" in title_page
    assert "Published by Lena Tester, London network" in title_page
    assert "Compared with National temperature check 2016, MSP evaluation 2014/15" in title_page
    method = html[html.index('<section id="method">') : html.index("</section>")]
    assert "28 councils in London took part" in method
    assert "By telephone, about an hour each" in method and "Ivy Tester" in method
    assert "councils’ own ratings" in method
    assert '<section id="councils">' in html and "London Borough of Camden" in html
    # The national round's data-quality note may be about councils of other regions: in a report of
    # its London councils it is not shown, and the data-quality section says so. Nor are the
    # national round's interviewers listed.
    assert "slight downturn for acute trusts" not in html
    assert "1 data-quality note of National temperature check 2016 is not shown" in html
    assert "Not listed: this report has only the round’s London councils" in method
    whole, _ = _document(world)
    assert "Not listed" not in whole
    for slug in (LATER, NATIONAL, BASELINE):
        assert f">{slug}" not in html and f"{slug}<" not in html and f"{slug} (" not in html


def test_captions_are_inside_their_tables_and_charts_are_titled_with_alt_text(world):
    html, _ = _document(world, compare=NATIONAL)
    found = _structure(html)
    assert found.tables
    for table in found.tables:
        assert table["first"] == "caption" and table["caption"], table
    assert found.images and all(i.get("alt", "").strip() for i in found.images)
    figures = [f for f in found.figures if f["chart"]]
    assert figures and all(f["caption"].startswith("Figure ") and f["img"] for f in figures)
    # Quotes are figures too: the council (or "not named") is their caption, with no image.
    assert all(f["img"] is None for f in found.figures if not f["chart"])
    # Alt text says what the chart shows: each bar with its figure.
    strategy = next(i["alt"] for i in found.images if "where MSP fits" in i["alt"])
    assert "Other 67%" in strategy
    assert any(
        f["caption"].startswith("Figure") and "“Very involved” across the items" in f["caption"]
        for f in found.figures
    )
    assert any("and National temperature check 2016" in f["caption"] for f in found.figures)  # a change chart


def test_tables_have_total_rows_and_multi_choice_says_percentages_of_respondents(world):
    html, _ = _document(world)
    assert html.count("<tfoot") >= 5
    assert re.search(r"<tfoot[^>]*>.*?Total</th>.*?>3</td>", html, flags=re.S)


def test_themes_show_only_chosen_quotes_with_the_council_named_where_it_agreed(world):
    body = _page(world.lead)
    assert "Asking about outcomes" in body and "Asks what the person wants" in body
    assert ">All responses<" in body  # 2 of the 2 responses, in words
    assert QUOTE in body and "Barnet</figcaption>" in body
    assert "Croydon&#x27;s whole answer is never printed" not in body and "never printed" not in body


def _pdf_objects(pdf: bytes) -> bytes:
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, flags=re.S):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(parts)


def _poppler(tool: str, *args: object) -> str:
    """What a poppler-utils tool (installed by .ci/run) prints about a PDF this test wrote."""
    found = shutil.which(tool)
    if found is None:
        pytest.fail(f"{tool} (poppler-utils) is not installed")
    done = subprocess.run([found, *map(str, args)], capture_output=True, text=True, check=True)  # noqa: S603
    return done.stdout


@pytest.mark.slow
def test_pdf_is_tagged_pdf_ua_in_english_with_the_reports_text(world, tmp_path):
    response = _client(world.lead).get(_url(), {"format": "pdf", "merge": NATIONAL, "compare": BASELINE})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{LATER}+{NATIONAL}-london-report.pdf"'
    pdf = response.content
    objects = _pdf_objects(pdf)
    assert b"/StructTreeRoot" in objects and b"/Lang (en-GB)" in objects
    assert b'pdfuaid:part="1"' in objects
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    info = _poppler("pdfinfo", path)
    assert re.search(r"^Tagged:\s+yes$", info, flags=re.M), info
    assert "London 2016 (later councils)" in info  # the document's title, shown by the reader
    text = _poppler("pdftotext", "-layout", path, "-")
    for words in (
        "Making Safeguarding Personal temperature check",
        "Published by Lena Tester, London network",
        "Contents",
        "Method",
        "Participating councils",
        "London Borough of Camden",
        "Total",
        "Data quality",
    ):
        assert words in text, words
    for slug in (LATER, NATIONAL, BASELINE):
        assert slug not in text, slug
    structure = _poppler("pdfinfo", "-struct", path)
    assert "Table" in structure and "Caption" in structure and "Figure" in structure


# --- Charts ---------------------------------------------------------------------------------------------


def test_paired_bars_draw_percentages_and_signed_scores():
    import base64

    svg = base64.b64decode(
        charts.paired_bars(
            [{"label": "Police", "values": [10, -2]}, {"label": "Ambulance", "values": [-33, None]}],
            ["Here", "There"],
            percent=False,
        ).split(",")[1]
    ).decode()
    assert "Police" in svg and "Ambulance" in svg and "+10" in svg and "-33" in svg
    again = charts.paired_bars([{"label": "Yes", "values": [69, 50]}], ["London", "England"])
    assert again.startswith("data:image/svg+xml;base64,")


def test_question_texts_not_ids_in_warnings_and_sections(world):
    html, data = _document(world)
    assert all(
        not re.search(r"\b(strategy_fit|agency_involvement|outcomes_asked)\b", w) for w in data["warnings"]
    )
    assert 'id="q-strategy_fit"' in html and "<h2" in html
    assert Question.objects.filter(qid="msp_meaning").exists() and 'id="open-msp_meaning"' in html


def test_regions_to_cut_to_are_listed_once_each(world):
    regions = report._regions([world.national])
    assert len(regions) == len(set(regions))


def test_a_comparison_with_councils_not_the_users_is_shown_only_from_five_answers(world):
    from msphub.tempcheck import analysis

    scope = analysis.Scope((world.later,))
    tiny = analysis.Scope((world.later,), "London")  # 3 councils: below the base
    data = analysis.analyse(analysis.Scope((world.national,)), compare=[tiny], restricted={tiny.key})
    entry = data["questions"]["strategy_fit"][0]["comparisons"][tiny.key]
    assert entry["suppressed"] and entry["n"] is None
    assert all(r["count"] is None and r["percent"] is None for r in entry["rows"])
    assert "fewer than 5 councils answered" in entry["caveat"]
    assert scope.key  # the same comparison unrestricted shows its figures
    data = analysis.analyse(analysis.Scope((world.national,)), compare=[tiny])
    assert data["questions"]["strategy_fit"][0]["comparisons"][tiny.key]["n"] == 3


def test_the_csv_round_column_is_the_scopes_key(world):
    rows = _csv(world.lead, {"merge": NATIONAL})
    assert rows[1][0] == f"{LATER}+{NATIONAL}@London"


def test_a_national_round_still_being_filled_in_is_not_offered_whole_to_a_regional_lead(world):
    Round.objects.filter(pk=world.national.pk).update(ends_on=None)
    Respondent.objects.filter(round=world.national).update(complete=False)
    choices = report.choose(world.lead, world.later, QueryDict(f"compare={NATIONAL}"))
    assert NATIONAL not in [o.value for o in choices.compare_offer]
    assert f"{NATIONAL}@London" in [o.value for o in choices.compare_offer]
    assert not choices.compare


def test_a_regional_leads_comparison_with_a_national_round_is_marked_not_in_full(world):
    choices = report.choose(
        world.lead, world.later, QueryDict(f"compare={NATIONAL}&compare={NATIONAL}@London")
    )
    assert choices.restricted == frozenset({NATIONAL})


# --- Review fixes (A#7, A#8, A#10, A#11, theme comparisons' base) ------------------------------------


def test_a_national_lead_may_compare_a_national_round_with_any_of_its_regions(world):
    # On the uncut national round's own page: England against London (A#7).
    choices = report.choose(world.national_lead, world.national, QueryDict(""))
    offered = {o.value: o.label for o in choices.compare_offer}
    assert offered[f"{NATIONAL}@London"] == "National temperature check 2016: its London councils"
    assert f"{NATIONAL}@North West" in offered and NATIONAL not in offered  # not the report itself
    data = json.loads(
        _page(world.national_lead, NATIONAL, {"compare": f"{NATIONAL}@London", "format": "json"})
    )
    assert data["compared_with"] == [f"{NATIONAL}@London"]
    assert data["questions"]["strategy_fit"][0]["comparisons"][f"{NATIONAL}@London"]["n"] == 26
    body = _page(world.national_lead, NATIONAL, {"compare": f"{NATIONAL}@London"})
    assert "Some of the choices were left out" not in body
    # Cut to London: the whole round and the other regions are offered, London itself is not.
    choices = report.choose(world.national_lead, world.national, QueryDict("region=London"))
    values = [o.value for o in choices.compare_offer]
    assert NATIONAL in values and f"{NATIONAL}@North West" in values
    assert f"{NATIONAL}@London" not in values
    # Each region once, and a national round's regions read in one query.
    assert len(values) == len(set(values))
    # A regional lead still has only their own region's councils.
    lead = report.choose(world.lead, world.later, QueryDict(f"compare={NATIONAL}@North%20West"))
    assert not lead.compare and f"{NATIONAL}@North West" not in [o.value for o in lead.compare_offer]


def test_the_region_of_a_comparison_is_matched_without_regard_to_case(world):
    choices = report.choose(world.lead, world.later, QueryDict(f"compare={NATIONAL}@london"))
    assert [c.key for c in choices.compare] == [f"{NATIONAL}@London"] and not choices.messages
    choices = report.choose(
        world.national_lead, world.national, QueryDict(f"compare={NATIONAL}@NORTH%20WEST")
    )
    assert [c.key for c in choices.compare] == [f"{NATIONAL}@North West"] and not choices.messages


@pytest.mark.parametrize(
    "query",
    [
        {"compare": "\x00"},
        {"merge": "a" * 5000},
        {"compare": "b" * 300},
        {"crosstab_rows": "\x00", "crosstab_columns": "\x00"},
    ],
)
def test_malformed_values_are_said_to_be_left_out(world, query):
    body = _page(world.lead, query=query)
    assert "Some of the choices were left out" in body


def test_the_csv_carries_the_grouped_figures_as_extra_rows(world):
    query = {
        "group.outcomes_asked": ["Yes", "Partly"],
        "items.agency_involvement": ["Police", "Ambulance Trust"],
        "crosstab_rows": "outcomes_asked",
        "crosstab_columns": "strategy_fit",
        "compare": NATIONAL,
    }
    rows = _csv(world.lead, query)
    header, body = rows[0], rows[1:]
    assert header[:8] == report.CSV_HEADER and header[-1] == "figure"
    col = {name: i for i, name in enumerate(header)}
    data = json.loads(_page(world.lead, query={**query, "format": "json"}))
    # The per-category rows are as before, marked "answer".
    answers = [r for r in body if r[-1] == "answer"]
    expected = sum(len(e["rows"]) for entries in data["questions"].values() for e in entries)
    assert len(answers) == expected
    # Chosen combined answers, with the compared round's figure and change.
    entry = data["questions"]["outcomes_asked"][0]
    group = next(g for g in entry["groups"] if g["label"] == "Yes or Partly")
    there = next(g for g in entry["comparisons"][NATIONAL]["groups"] if g["label"] == "Yes or Partly")
    line = next(r for r in body if r[1] == "outcomes_asked" and r[3] == "Yes or Partly")
    assert line[-1] == "combined answers (chosen)"
    assert line[4:8] == [
        str(group["count"]),
        str(entry["n"]),
        str(group["percent"]),
        str(entry["no_response"]),
    ]
    national = "National temperature check 2016"
    assert line[col[f"{national}: percent"]] == str(there["percent"])
    assert line[col[f"{national}: change"]] == str(there["change"])
    # Declared combined answers (the instrument's "Very or fairly involved", per grid item).
    declared = [r for r in body if r[3] == "Very or fairly involved" and r[-1].startswith("combined")]
    assert declared and all(r[-1] == "combined answers (declared)" and r[2] for r in declared)
    # Averages over items: chosen and declared (NHS providers), "item" naming the group.
    chosen_avg = next(g for g in data["item_groups"]["agency_involvement"] if g["chosen"])
    averages = [r for r in body if r[-1] == "average over items (chosen)"]
    assert {r[2] for r in averages} == {chosen_avg["label"]}
    first = averages[0]
    assert first[3] == chosen_avg["rows"][0]["category"] and first[6] == str(chosen_avg["rows"][0]["percent"])
    assert first[4] == "" and first[5] == ""  # a mean of shares has no count or single n
    assert any(r[2] == "NHS providers" and r[-1] == "average over items (declared)" for r in body)
    # Cross-tabs: the chosen one and the declared one, a row per cell.
    tab = next(t for t in data["crosstabs"] if t["chosen"])
    cells = [r for r in body if r[-1] == "cross-tab (chosen)"]
    assert {r[1] for r in cells} == {"outcomes_asked by strategy_fit"}
    assert len(cells) == sum(len(row["cells"]) for row in tab["rows"])
    yes = next(row for row in tab["rows"] if row["category"] == "Yes")
    cell = yes["cells"][0]
    line = next(r for r in cells if r[2] == "Yes" and r[3] == cell["category"])
    assert line[4:7] == [
        str(cell["count"]),
        str(yes["n"]),
        "" if cell["percent"] is None else str(cell["percent"]),
    ]
    assert any(r[-1] == "cross-tab (declared)" for r in body)
    assert all(len(r) == len(header) for r in body)


def test_a_published_title_is_not_followed_by_published_figures_again(world):
    Round.objects.filter(pk=world.baseline.pk).update(title="MSP evaluation 2014/15 (published counts)")
    choices = report.choose(world.lead, world.later, QueryDict(""))
    labels = [o.label for o in choices.compare_offer if o.value == BASELINE]
    assert labels == ["MSP evaluation 2014/15 (published counts)"]
    Round.objects.filter(pk=world.baseline.pk).update(title="MSP evaluation 2014/15")
    choices = report.choose(world.lead, world.later, QueryDict(""))
    assert [o.label for o in choices.compare_offer if o.value == BASELINE] == [
        "MSP evaluation 2014/15 (published figures)"
    ]


def test_change_charts_of_a_merged_report_name_it_this_report(world):
    html, data = _document(world, merge=NATIONAL, compare=NATIONAL)
    n = len(data["councils"])
    this = f"this report (London, {n} councils)"
    assert f"{this} and National temperature check 2016: " in html
    assert "(later councils) and National temperature check 2016: London and" not in html
    # A single uncut round keeps its own title.
    html, _data = _document(world, compare=NATIONAL)
    assert "London 2016 (later councils) and National temperature check 2016: " in html


def test_theme_comparisons_with_a_scope_not_seen_in_full_need_five_answers(world):
    from msphub.tempcheck import analysis

    scope = analysis.Scope((world.later,))
    old = analysis.Scope((world.london_old,))  # 2 councils answered "What does MSP mean to you?"
    compared = [{"key": old.key, "label": old.title}]
    _opened, shown = report._themes(scope, [old], compared)
    assert shown["msp_meaning"][0]["rows"][0]["other_count"] == 1
    assert not shown["msp_meaning"][0]["suppressed"]
    _opened, hidden = report._themes(scope, [old], compared, frozenset({old.key}))
    found = hidden["msp_meaning"][0]
    assert found["suppressed"] and "fewer than 5 councils answered in London 2014" in found["note"]
    assert all(r["other_count"] is None and r["other_percent"] is None for r in found["rows"])
    assert all(r["change"] is None and r["change_text"] == "–" for r in found["rows"])
    assert all(r["count"] is not None for r in found["rows"])  # this report's own figures stay
    # In the document: "–" and the note, never the other scope's count.
    choices = report.choose(world.lead, world.later, QueryDict("compare=london-2014"))
    choices.restricted = frozenset({old.key})
    html = report.as_html(world.later, report.analyse(choices), choices=choices)
    assert "Not shown: fewer than 5 councils answered in London 2014." in html
    assert not re.search(r"Asking about outcomes</th>.*?1 \(50%\)", html, flags=re.S)
