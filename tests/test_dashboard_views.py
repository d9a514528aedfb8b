"""The Board dashboard, its PDF and CSV, and the SAC return pages (msphub/measures/views.py).

The data set is tests/measures_fixtures.py; "today" is 15 April 2026, so "Last financial year" is the
period its figures are worked out for. Who may open which page is also in test_permission_matrix.py.
"""

import base64
import csv
import html
import io
import itertools
import json
import re
import zlib
from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from msphub.enquiries.models import EnquiryResponse, Feedback
from msphub.measures import measures as m
from msphub.measures import views as measure_views
from msphub.measures.sac import TABLE_TITLES
from tests.conftest import Cast
from tests.measures_fixtures import (
    AWAITING_WORDS,
    DECLINED_WORDS,
    EARLY_WORDS,
    EXPECTED,
    HILLSIDE_PROVIDER,
    HILLSIDE_WORDS,
    LONDON,
    MEASURE_IDS,
    NAMED_WORDS,
    PERIOD,
    PROVIDER,
    QUOTE_F1,
    QUOTE_F4,
    QUOTE_F5,
    REDACTED_WORDS,
    UNCONSENTED,
    build_data,
    measure,
)

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 4, 15, 12, tzinfo=LONDON)
DASHBOARD = reverse("measures:dashboard")
LAST_YEAR = DASHBOARD + "?period=last_year"
COUNCIL_ROLES = ("practitioner", "manager", "lead", "board_viewer")
LABELS = {measure.id: measure.label for measure in m.MEASURES}
IMG_RE = re.compile(r"<img\b[^>]*>")
ATTR_RE = re.compile(r'(\w+)="([^"]*)"')


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY):
        yield


@pytest.fixture(scope="module")
def data_once(module_db, django_db_blocker):
    """The data set, written once for the module on the same "today" as the tests, with the responses
    enquiries used (E1 mediation and police action, E2 mediation, E3 police action; the others none)
    and feedback asked by someone independent (F3, about E3) and answered online (F4, about E4)."""
    with django_db_blocker.unblock(), time_machine.travel(TODAY):
        data = build_data(Cast())
        EnquiryResponse.objects.bulk_create(
            EnquiryResponse(enquiry=enquiry, response=response)
            for enquiry, response in (
                (data.e1, "mediation"),
                (data.e1, "police_action"),
                (data.e2, "mediation"),
                (data.e3, "police_action"),
            )
        )
        Feedback.objects.filter(enquiry=data.e3, asked_on=date(2025, 10, 1)).update(asked_by="independent")
        Feedback.objects.filter(enquiry=data.e4).update(asked_by="online", recorded_by=None)
        return data


def signed_in(client, user):
    client.force_login(user)
    return client


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def table_figures(text: str) -> dict[str, dict]:
    """The measures table: {measure id: {numerator, denominator, percent}} read from the page."""
    found = {}
    for measure_id, label in LABELS.items():
        match = re.search(
            rf'<th scope="row" class="govuk-table__header">{re.escape(html.escape(label))}</th>\s*'
            r"<td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>([^<]*)</td>",
            text,
        )
        assert match, f"no row for {label!r}"
        num, den, percent = match.groups()
        found[measure_id] = measure(
            int(num), int(den), None if percent == "–" else float(percent.rstrip("%"))
        )
    return found


def images(text: str) -> list[dict[str, str]]:
    return [dict(ATTR_RE.findall(tag)) for tag in IMG_RE.findall(text)]


def svg(src: str) -> str:
    prefix = "data:image/svg+xml;base64,"
    assert src.startswith(prefix), src[:40]
    return base64.b64decode(src.removeprefix(prefix)).decode()


# --- The dashboard ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", COUNCIL_ROLES)
def test_dashboard_shows_the_council_figures(client, data, role, request):
    text = page(signed_in(client, request.getfixturevalue(role)).get(LAST_YEAR))
    assert "Board dashboard" in text and "Riverside Council" in text
    assert "1 April 2025 to 31 March 2026" in text
    assert table_figures(text) == EXPECTED
    # Timeliness, pathways and repeats (tests/test_measures.py has their figures).
    assert "Median hours to first contact" in text and "24.0" in text
    assert "Information and advice given" in text
    assert PROVIDER in text and HILLSIDE_PROVIDER not in text


@pytest.mark.parametrize(
    "period, dates",
    [
        ("", "1 April 2026 to 15 April 2026"),
        ("this_year", "1 April 2026 to 15 April 2026"),
        ("last_year", "1 April 2025 to 31 March 2026"),
        ("last_12_months", "16 April 2025 to 15 April 2026"),
        ("last_3_months", "14 January 2026 to 15 April 2026"),
    ],
)
def test_period_choices(client, data, lead, period, dates):
    text = page(signed_in(client, lead).get(DASHBOARD, {"period": period} if period else {}))
    assert dates in text
    figures = table_figures(text)
    if period in ("", "this_year"):
        # Only E12 (closed at 00:15 on 1 April 2026; the person was asked: No) is concluded.
        assert figures["asked_about_outcomes"] == measure(0, 1, 0.0)
        assert figures["conversion_rate"] == measure(0, 0, None)


def test_team_partner_and_breakdown_filters(client, data, manager):
    client = signed_in(client, manager)
    text = page(client.get(DASHBOARD, {"period": "last_year", "team": data.fd.pk, "breakdown": "gender"}))
    assert table_figures(text)["asked_about_outcomes"] == measure(3, 5, 60.0)
    assert "Front Door" in text and "By gender" in text
    text = page(client.get(DASHBOARD, {"period": "last_year", "partner": data.nhs.pk}))
    figures = table_figures(text)
    assert figures["asked_about_outcomes"] == measure(1, 2, 50.0)
    assert figures["conversion_rate"] == measure(1, 1, 100.0)
    assert "Riverside NHS Trust" in text


@pytest.mark.parametrize("dimension", list(m.DIMENSIONS))
def test_every_breakdown(client, data, board_viewer, dimension):
    text = page(
        signed_in(client, board_viewer).get(DASHBOARD, {"period": "last_year", "breakdown": dimension})
    )
    assert f"By {m.DIMENSIONS[dimension][0].lower()}" in text
    # Each measure with any figures broken down has its own table, captioned with the measure's label.
    section = text[text.index('id="breakdown"') : text.index('id="voices"')]
    captions = re.findall(r"<caption[^>]*>([^<]*)</caption>", section)
    expected = m.breakdown(m.Filters(PERIOD, data.council), dimension)
    assert captions == [html.escape(LABELS[i]) for i in MEASURE_IDS if expected.get(i)]
    for rows in expected.values():
        for row in rows:
            assert f">{html.escape(row['value'])}</th>" in section, row


def test_breakdown_by_risk_type_lists_each_type(client, data, lead):
    text = page(signed_in(client, lead).get(DASHBOARD, {"period": "last_year", "breakdown": "risk_type"}))
    section = text[text.index('id="breakdown"') : text.index('id="voices"')]
    for risk in (
        "Physical Abuse",
        "Neglect and Acts of Omission",
        "Financial or Material Abuse",
        "Self-Neglect",
    ):
        assert risk in section


@pytest.mark.parametrize(
    "query",
    [
        {"period": "next_year"},
        {"period": "<script>"},
        {"team": "999999"},
        {"team": "abc"},
        {"team": "-1"},
        {"partner": "abc"},
        {"partner": "1.5"},
        {"breakdown": "postcode"},
        {"breakdown": "__class__"},
        {"period": "last_year", "team": "", "partner": "", "breakdown": ""},
        {"period": ["last_year", "this_year"]},
        {"team": "9" * 40},
    ],
    ids=str,
)
def test_invalid_filters_are_handled(client, data, practitioner, query):
    client = signed_in(client, practitioner)
    text = page(client.get(DASHBOARD, query))
    assert "Board dashboard" in text
    assert client.get(reverse("measures:dashboard_csv"), query).status_code == 200


def test_another_councils_team_or_partner_is_not_a_choice(client, data, lead, other_council_user):
    """Hillside's team and Hillside itself are not valid filters for Riverside; nothing of Hillside's
    shows, and the page says what went wrong rather than failing."""
    client = signed_in(client, lead)
    for query in (
        {"period": "last_year", "team": other_council_user.team_id},
        {"period": "last_year", "partner": data.other_council.pk},
    ):
        text = page(client.get(DASHBOARD, query))
        assert HILLSIDE_WORDS not in text and HILLSIDE_PROVIDER not in text
        assert "govuk-error-message" in text or "Select a valid choice" in text


def test_charts_are_images_with_a_text_alternative(client, data, board_viewer):
    text = page(signed_in(client, board_viewer).get(LAST_YEAR))
    charts = [i for i in images(text) if i.get("class") == "msphub-chart"]
    # Measures, feedback by who asked, monthly trends, outcomes fully achieved by category, outcomes
    # by the response used, concerns that did not become enquiries.
    assert len(charts) == 6
    for chart in charts:
        assert chart["alt"].strip(), chart
        assert "<svg" in svg(chart["src"])
    assert "<svg" not in text, "charts are images (the page's CSP forbids inline styles)"
    # Each chart has the table of its figures beside it.
    assert "Per cent by month" in text and "What happened instead" in text
    assert "Desired outcomes by category" in text
    assert "Enquiries concluded in the period by the response they used" in text
    assert "Felt listened to, by who asked" in text


def test_trend_chart_months_run_in_order(client, data, lead):
    """The four trend lines come from different bases (concluded enquiries, concerns), so their months
    differ; the chart's month axis must still run from April to March."""
    text = page(signed_in(client, lead).get(LAST_YEAR))
    trend = next(i for i in images(text) if i.get("alt", "").startswith("Line chart"))
    months = re.findall(r"<text[^>]*>(\d{4}-\d{2})</text>", svg(trend["src"]))
    assert months, "no month labels on the trend chart"
    assert months == sorted(months), (
        "the monthly trend chart's month axis runs in date order, whichever series a month "
        f"comes from: {months}"
    )


def test_quotes_only_when_consented_and_approved(client, data, board_viewer):
    text = page(signed_in(client, board_viewer).get(LAST_YEAR))
    for words in (QUOTE_F1, QUOTE_F4, QUOTE_F5, REDACTED_WORDS):
        assert html.escape(words) in text
    # Not consented, before the period, another council's, awaiting or declined by a manager, and
    # the words a manager redacted: none reach the Board.
    for words in (UNCONSENTED, EARLY_WORDS, HILLSIDE_WORDS, AWAITING_WORDS, DECLINED_WORDS, NAMED_WORDS):
        assert html.escape(words) not in text
    # Each quote beside the person's own answers to the feedback measures.
    assert (
        "Their answers: Felt listened to: Definitely; Felt involved as much as they wanted: To some extent; "
        "Feel safer: Not at all; Happy with how things ended: Don&#x27;t know" in text
    )
    # Aggregates and anonymous words only: no one's name and no record reference anywhere.
    assert "Measureson" not in text
    assert not re.search(r"\b(CON|ENQ)-\d{4}-\d{6}\b", text)


def test_no_quotes_in_a_period_without_any(client, data, lead):
    text = page(signed_in(client, lead).get(DASHBOARD, {"period": "this_year"}))
    assert "No quote approved for this period yet." in text
    assert html.escape(QUOTE_F4) not in text


# --- Downloads of the dashboard -----------------------------------------------------------------------


def pdf_page_count(content: bytes) -> int:
    """Page objects in a PDF, looking inside compressed object streams too."""
    chunks = [content]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            chunks.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", chunk)) for chunk in chunks)


def test_pdf(client, data, board_viewer):
    response = signed_in(client, board_viewer).get(
        reverse("measures:dashboard_pdf"), {"period": "last_year", "breakdown": "risk_type"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="msp-dashboard.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")
    assert pdf_page_count(response.content) >= 2


def test_csv(client, data, lead):
    response = signed_in(client, lead).get(
        reverse("measures:dashboard_csv"), {"period": "last_year", "breakdown": "gender"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="msp-measures.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    totals = [r for r in rows if not r["breakdown"]]
    assert [r["measure"] for r in totals] == MEASURE_IDS
    found = {
        r["measure"]: measure(
            int(r["numerator"]), int(r["denominator"]), float(r["percent"]) if r["percent"] else None
        )
        for r in totals
    }
    assert found == EXPECTED
    by_gender = [
        (r["value"], int(r["numerator"]), int(r["denominator"]))
        for r in rows
        if r["breakdown"] == "Gender" and r["measure"] == "asked_about_outcomes"
    ]
    assert by_gender == [("Female", 2, 3), ("Male", 3, 3), ("Not Known", 0, 1)]


# --- The SAC return -----------------------------------------------------------------------------------

SAC = reverse("measures:sac")


@pytest.mark.parametrize("role", COUNCIL_ROLES)
def test_sac_page(client, data, role, request):
    user = request.getfixturevalue(role)
    text = page(signed_in(client, user).get(SAC, {"year": "2025-26"}))
    assert "Safeguarding Adults Collection 2025-26" in text
    for table_id, title in TABLE_TITLES.items():
        assert f"{table_id}: {html.escape(title)}" in text, table_id
    # N4 and N5 are not linked to a person; P3's date of birth is unknown.
    assert "Check before submitting" in text
    assert "2 concerns are not yet linked to a person" in text
    assert "1 people with concerns have no date of birth" in text
    links = [reverse("measures:sac_download", args=[f]) for f in ("xlsx", "csv", "json")]
    if role == "lead":
        assert all(link in text for link in links)
    else:
        assert not any(link in text for link in links), "only the lead exports the return"


def test_sac_page_defaults_to_this_year(client, data, lead):
    text = page(signed_in(client, lead).get(SAC))
    assert "Safeguarding Adults Collection 2026-27" in text


@pytest.mark.parametrize("year", ["2025-27", "2025", "abcd-ef", "2025-2026", "<b>"])
def test_sac_page_refuses_a_year_that_is_not_one(client, data, lead, year):
    client = signed_in(client, lead)
    assert client.get(SAC, {"year": year}).status_code == 404
    assert client.get(reverse("measures:sac_download", args=["csv"]), {"year": year}).status_code == 404


def test_sac_downloads_for_the_lead(client, data, lead):
    client = signed_in(client, lead)

    def download(file_format: str):
        response = client.get(reverse("measures:sac_download", args=[file_format]), {"year": "2025-26"})
        assert response.status_code == 200, file_format
        expected = f'attachment; filename="sac-2025-26-E06000901.{file_format}"'
        assert response["Content-Disposition"] == expected
        return response

    response = download("xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Sign Off", "SG1", "SG2", "SG3", "SG4", "Validation", "Warnings"]
    # SG1f on the SG1 sheet: its heading, the column label, then its rows (tests/test_sac_workbook.py
    # reads the layout in full).
    sheet = list(book["SG1"].iter_rows(values_only=True))
    top = next(i for i, row in enumerate(sheet) if row[0] == f"SG1f - {TABLE_TITLES['SG1f']}")
    assert sheet[top + 1][1] == "Total"
    sg1f = {row[0]: row[1] for row in itertools.takewhile(lambda row: row[0], sheet[top + 2 :])}
    # Concerns C1-C6, C9, C12, N1-N5; s42 enquiries E1-E4, E6, E9, E12 started; E5 an other enquiry.
    assert sg1f == {
        "Total Number of Safeguarding Concerns": 13,
        "Total Number of Section 42 Safeguarding Enquiries": 7,
        "Total Number of Other Safeguarding Enquiries": 1,
    }
    warnings = [row[0] for row in book["Warnings"].iter_rows(min_row=2, values_only=True)]
    assert any("not yet linked to a person" in w for w in warnings)
    # The validation: N4 (not linked to anyone) has no decision, N5's is not signed off.
    undecided = (
        "2 concerns received in 2025-26 had no signed-off decision at 31 March 2026: check whether an "
        "enquiry should have started in the year."
    )
    references = ", ".join(sorted([data.n4.reference, data.n5.reference]))
    validation = list(book["Validation"].iter_rows(min_row=2, values_only=True))
    assert validation == [("undecided_concerns", undecided, references, 2)]

    response = download("csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["council"] for r in rows} == {"E06000901"} and {r["year"] for r in rows} == {"2025-26"}
    assert {"row": "Total Number of Safeguarding Concerns", "count": "13"}.items() <= next(
        r for r in rows if r["table"] == "SG1f"
    ).items()
    assert [r for r in rows if r["table"] == "Validation"] == [
        {
            "year": "2025-26",
            "council": "E06000901",
            "table": "Validation",
            "row": "undecided_concerns",
            "column": f"{undecided} References: {references}",
            "count": "2",
        }
    ]

    response = download("json")
    assert response["Content-Type"] == "application/json"
    result = json.loads(response.content)
    assert (result["year"], result["council"]) == ("2025-26", "E06000901")
    assert list(result) == ["year", "council", "tables", "warnings"]
    assert list(result["tables"]) == list(TABLE_TITLES)
    assert result["warnings"][-1] == f"{undecided} References: {references}"
    assert sum("not yet linked to a person" in w for w in result["warnings"]) == 1


@pytest.mark.parametrize("role", ["practitioner", "manager", "board_viewer"])
@pytest.mark.parametrize("file_format", ["xlsx", "csv", "json"])
def test_sac_downloads_are_for_the_lead_only(client, data, role, file_format, request):
    client = signed_in(client, request.getfixturevalue(role))
    response = client.get(reverse("measures:sac_download", args=[file_format]), {"year": "2025-26"})
    assert response.status_code == 404


def test_sac_download_in_an_unknown_format(client, data, lead):
    response = signed_in(client, lead).get(reverse("measures:sac_download", args=["pdf"]))
    assert response.status_code == 404


def test_measures_pages_refuse_post(client, data, lead):
    client = signed_in(client, lead)
    for url in (
        DASHBOARD,
        reverse("measures:dashboard_csv"),
        reverse("measures:dashboard_pdf"),
        SAC,
        reverse("measures:sac_download", args=["csv"]),
    ):
        assert client.post(url).status_code == 405, url


# --- Outcomes by the response used; feedback by who asked (issue 15) ---------------------------------

RESPONSES = {
    # response: (enquiries, fully, partially, not, risk reduced or removed, took part)
    "Mediation": (2, (1, 2), (1, 2), (0, 2), (1, 2), (1, 2)),  # E1, E2
    "Police action": (2, (1, 2), (0, 2), (1, 2), (2, 2), (2, 2)),  # E1, E3
    "No response recorded": (4, (1, 1), (0, 1), (0, 1), (1, 1), (2, 4)),  # E4, E5, E6, E7
}


def test_outcomes_by_response_counts_an_enquiry_under_each_response(data):
    rows = m.outcomes_by_response(m.Filters(PERIOD, data.council))
    assert [r["response"] for r in rows] == list(RESPONSES)
    for row in rows:
        enquiries, *figures = RESPONSES[row["response"]]
        assert row["enquiries"] == enquiries
        found = [
            (row["measures"][i]["numerator"], row["measures"][i]["denominator"]) for i in m.RESPONSE_MEASURES
        ]
        assert found == figures, row["response"]
    # E1 used two responses: under each, so the rows add up to more than the seven enquiries.
    assert sum(r["enquiries"] for r in rows) == 8
    # The dashboard takes them from its concluded enquiries' pass: the same figures, no more queries.
    assert m.dashboard_figures(m.Filters(PERIOD, data.council)).by_response == rows
    assert m.dashboard_figures(m.Filters(PERIOD, data.council), "gender").by_response == rows


def test_outcomes_by_response_in_a_fixed_number_of_queries(data, django_assert_num_queries):
    """The concluded enquiries' totals and the enquiries with responses grouped by their set."""
    with django_assert_num_queries(2):
        m.outcomes_by_response(m.Filters(PERIOD, data.council))


def test_outcomes_by_response_on_the_dashboard(client, data, board_viewer):
    text = page(signed_in(client, board_viewer).get(LAST_YEAR))
    section = text[text.index('id="outcomes-by-response"') : text.index('id="not-enquiries"')]
    assert "Mediation" in section and "Police action" in section and "No response recorded" in section
    assert "50.0% (1/2)" in section and "100.0% (2/2)" in section
    chart = next(i for i in images(section) if i.get("class") == "msphub-chart")
    assert "fully achieved, for each response" in chart["alt"] and "Mediation" in svg(chart["src"])


def test_feedback_by_who_asked(data):
    by_asker = m.feedback_by_asker(m.Filters(PERIOD, data.council))
    values = lambda rows: [(r["value"], r["numerator"], r["denominator"]) for r in rows]  # noqa: E731
    assert values(by_asker["felt_listened_to"]) == [
        ("The practitioner, at closure", 2, 3),  # F1, F5 yes; F2 not at all
        ("Someone independent of the enquiry", 1, 1),  # F3
    ]  # F4 (online) did not answer it
    assert values(by_asker["felt_involved"])[-1] == ("The person or their representative, online", 0, 1)
    # Each measure's rows add up to its total: every piece of feedback was asked one way.
    for total in m.measure_totals(m.Filters(PERIOD, data.council)):
        if total["id"] in by_asker:
            assert sum(r["numerator"] for r in by_asker[total["id"]]) == total["numerator"]
            assert sum(r["denominator"] for r in by_asker[total["id"]]) == total["denominator"]
    # The dashboard takes them from its feedback pass: the same figures.
    figures = m.dashboard_figures(m.Filters(PERIOD, data.council))
    assert figures.by_asker == by_asker


def test_feedback_by_who_asked_on_the_dashboard(client, data, lead):
    text = page(signed_in(client, lead).get(LAST_YEAR))
    section = text[text.index('id="feedback-by-who-asked"') : text.index('id="timeliness"')]
    assert "Felt listened to, by who asked" in section
    assert "The person or their representative, online" in section
    assert ">Someone independent of the enquiry</th>" in section


def test_csv_has_the_splits(client, data, lead):
    response = signed_in(client, lead).get(reverse("measures:dashboard_csv"), {"period": "last_year"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_response = {
        (r["value"], r["measure"]): (int(r["numerator"]), int(r["denominator"]))
        for r in rows
        if r["breakdown"] == "Response used"
    }
    assert by_response[("Mediation", "fully_achieved")] == (1, 2)
    assert by_response[("Police action", "risk_reduced_or_removed")] == (2, 2)
    assert by_response[("No response recorded", "involved")] == (2, 4)
    asked = {
        (r["value"], r["measure"]): (int(r["numerator"]), int(r["denominator"]))
        for r in rows
        if r["breakdown"] == "Who asked"
    }
    assert asked[("Someone independent of the enquiry", "feel_safer")] == (1, 1)
    # The totals are as before, first.
    assert [r["measure"] for r in rows if not r["breakdown"]] == MEASURE_IDS


def test_pdf_has_the_splits(rf, data, lead):
    """The PDF is the page's body printed: both splits are in the HTML it is made from."""
    from django.template.loader import render_to_string

    request = rf.get(reverse("measures:dashboard_pdf"), {"period": "last_year"})
    request.user = lead
    html_text = render_to_string("measures/dashboard_pdf.html", measure_views._dashboard(request), request)
    assert "Outcomes by the response used" in html_text and "Feedback by who asked" in html_text
    assert "Police action" in html_text and "Someone independent of the enquiry" in html_text


def test_partner_figures_link_on_the_dashboard(client, data, board_viewer):
    text = page(signed_in(client, board_viewer).get(LAST_YEAR))
    assert reverse("measures:partners") in text


def test_outcomes_by_response_for_england(data):
    """Every council's concluded enquiries: Hillside's E10, with no response, joins the last row."""
    rows = m.outcomes_by_response(m.Filters(PERIOD))
    assert {r["response"]: r["enquiries"] for r in rows} == {
        "Mediation": 2,
        "Police action": 2,
        "No response recorded": 5,
    }
