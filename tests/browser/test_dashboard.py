"""The Board dashboard as a Board viewer uses it: measures, charts, quotes, filters, the SAC return
and the PDF; and the Board viewer cannot open a person's record.

The casework behind the figures is set up through the services. Every page visited is checked
with axe (see conftest.py). Run with `make test-browser`.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from msphub.concerns import services as concern_services
from msphub.core.periods import FinancialYear
from msphub.enquiries import services as enquiry_services
from msphub.enquiries.models import Enquiry
from msphub.measures.sac import TABLE_TITLES
from tests.browser.test_concern_journey import heading, menu, sign_in
from tests.enquiry_fixtures import (
    add_outcome,
    close,
    feedback_data,
    make_enquiry_fixture,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.browser

QUOTE = "Pat listened to me and now my son does not have my bank card."
PRIVATE_WORDS = "Please keep this between us: my daughter helped me the most."
MEASURES_CHART = "Bar chart of each measure as a percentage. The same figures are in the table below."
TRENDS_CHART = (
    "Line chart of four measures month by month; a month not yet over is marked incomplete, with a hollow "
    "point. The same figures are in the table below."
)
PATHWAYS_CHART = (
    "Bar chart of what happened to concerns that did not become enquiries. "
    "The same figures are in the table below."
)


@pytest.fixture
def closed_enquiry(make_enquiry, make_person, practitioner, manager) -> Enquiry:
    """A section 42 enquiry for a woman, closed with her outcome fully achieved, and her feedback:
    words she agreed could be quoted (approved by a manager), and words from someone who did not agree."""
    enquiry = make_enquiry(person=make_person(gender="Female"))
    add_outcome(enquiry, "I want my son to stop taking my money")
    close(enquiry, practitioner, manager)
    answers = {"listened_to": "Definitely", "involved": "Definitely", "safer": "To some extent"}
    quoted = enquiry_services.record_feedback(
        enquiry, practitioner, feedback_data(**answers, comments=QUOTE, consent_to_quote=True)
    )
    # A manager approves the quote: only then does the Board see it.
    enquiry_services.moderate_quote(quoted, manager, True, QUOTE)
    enquiry_services.record_feedback(
        enquiry,
        practitioner,
        feedback_data(
            version="representative",
            representative_relationship="Daughter",
            comments=PRIVATE_WORDS,
            consent_to_quote=False,
        ),
    )
    return enquiry


@pytest.fixture
def casework(closed_enquiry, make_concern, make_person, practitioner, manager) -> Enquiry:
    """The closed enquiry, a concern that got information and advice instead of an enquiry, and a
    concern still waiting at the front door: three concerns in all, for the Board viewer's council."""
    concern = make_concern(adult_family_name="Pike")
    concern_services.link_person(concern, make_person(family_name="Pike", gender="Male"), practitioner)
    decision = concern_services.record_decision(
        concern,
        practitioner,
        {"outcome": "none", "pathway": "information_advice", "rationale": "Her needs are being met."},
    )
    assert concern_services.sign_off(decision, manager) is None
    make_concern(adult_family_name="Wren")
    return closed_enquiry


def cells(table: Locator, header: str) -> list[str]:
    """The data cells of the one row of the table headed (exactly) by ``header``."""
    row = table.get_by_role("row").filter(has=table.page.get_by_role("rowheader", name=header, exact=True))
    expect(row).to_have_count(1)
    return [text.strip() for text in row.get_by_role("cell").all_inner_texts()]


def chart(page: Page, alt: str) -> Locator:
    return page.get_by_role("img", name=alt, exact=True)


def expect_chart(page: Page, alt: str) -> None:
    """The chart is there with its text alternative, and the browser drew it (CSP allows data: images)."""
    image = chart(page, alt)
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth > 0"), f"chart not drawn: {alt}"


def test_board_viewer_reads_the_dashboard_filters_it_and_downloads_it(visit, casework, board_viewer):
    page = sign_in(visit, board_viewer.username)
    # A Board viewer sees aggregates only: no front door, no people, no enquiries.
    for casework_link in ("Front door", "People", "Enquiries"):
        expect(menu(page).get_by_role("link", name=casework_link, exact=True)).to_have_count(0)
    visit.press(menu(page).get_by_role("link", name="Measures"))

    expect(heading(page)).to_have_text("Board dashboard")
    expect(page.get_by_text("Riverside Council", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^This financial year so far: "))).to_be_visible()

    # The measures table, with the closed enquiry and the three concerns counted.
    table = page.get_by_role("table", name=re.compile(r"^Measures, "))
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(1 + 15)  # header and one row per measure
    assert cells(table, "Asked about desired outcomes") == ["1", "1", "100.0%", "concluded enquiries"]
    assert cells(table, "Outcomes fully achieved") == ["1", "1", "100.0%", "people who expressed outcomes"]
    assert cells(table, "Felt listened to") == ["1", "1", "100.0%", "feedback answering the question"]
    assert cells(table, "Concerns that became section 42 enquiries") == [
        "1",
        "3",
        "33.3%",
        "concerns received",
    ]

    # Charts are images with a text alternative, each beside a table of the same figures.
    expect_chart(page, MEASURES_CHART)
    expect_chart(page, TRENDS_CHART)
    expect_chart(page, PATHWAYS_CHART)
    expect(page.get_by_role("table", name="What happened instead")).to_contain_text(
        "Information and advice given"
    )

    # Only the words the person agreed to share, without a name or a reference.
    voices = page.locator("figure.msphub-quote")
    expect(voices).to_have_count(1)
    expect(voices).to_contain_text(f"“{QUOTE}”")
    expect(voices).to_contain_text(f"The adult, {timezone.localdate():%B %Y}")
    expect(page.get_by_text(PRIVATE_WORDS)).to_have_count(0)
    expect(page.get_by_role("main")).not_to_contain_text("Marsh")
    expect(page.get_by_role("main")).not_to_contain_text(casework.reference)

    # Filter: the last 12 months, broken down by gender.
    page.get_by_label("Period").select_option(label="Last 12 months")
    page.get_by_label("Break down by").select_option(label="Gender")
    visit.press(page.get_by_role("button", name="Apply"))

    expect(page).to_have_url(re.compile(r"/measures/\?.*period=last_12_months.*&breakdown=gender"))
    expect(heading(page)).to_have_text("Board dashboard")
    expect(page.get_by_text(re.compile(r"^Last 12 months: "))).to_be_visible()
    expect(page.get_by_label("Period")).to_have_value("last_12_months")
    expect(page.get_by_label("Break down by")).to_have_value("gender")
    expect(page.get_by_role("heading", name="By gender", level=2)).to_be_visible()
    by_gender = page.get_by_role("table", name="Asked about desired outcomes", exact=True)
    expect(by_gender.get_by_role("columnheader").first).to_have_text("Gender")
    assert cells(by_gender, "Female") == ["1", "1", "100.0%"]
    conversion = page.get_by_role("table", name="Concerns that became section 42 enquiries", exact=True)
    assert cells(conversion, "Female") == ["1", "1", "100.0%"]
    assert cells(conversion, "Male") == ["0", "1", "0.0%"]
    assert cells(conversion, "Not recorded") == ["0", "1", "0.0%"]  # the concern not yet linked
    expect(page.locator("blockquote")).to_contain_text(QUOTE)

    # The PDF of the filtered dashboard.
    pdf_link = page.get_by_role("link", name="Download as PDF")
    expect(pdf_link).to_have_attribute("href", re.compile(r"period=last_12_months"))
    with page.expect_download() as download_info:
        pdf_link.click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == "msp-dashboard.pdf"
    with open(download.path(), "rb") as pdf:
        content = pdf.read()
    assert content.startswith(b"%PDF"), content[:40]
    expect(heading(page)).to_have_text("Board dashboard")  # still on the page

    # The Safeguarding Adults Collection return, to read; exporting it is for the safeguarding lead.
    visit.press(page.get_by_role("link", name="Safeguarding Adults Collection return"))
    year = FinancialYear.current().label
    expect(heading(page)).to_have_text(f"Safeguarding Adults Collection {year}")
    expect(page.get_by_role("navigation", name="Financial years")).to_contain_text(year)
    expect(page.get_by_role("table")).to_have_count(len(TABLE_TITLES))  # SG1a to SG4a, SG1e included
    expect(page.get_by_role("table", name="SG1b: Individuals involved, by gender")).to_be_visible()
    expect(page.get_by_text("Download the return")).to_have_count(0)


def test_board_viewer_gets_not_found_for_a_person(visit, check_a11y, closed_enquiry, board_viewer):
    page = sign_in(visit, board_viewer.username)
    response = page.goto(f"/people/{closed_enquiry.person.uuid}/")
    assert response is not None and response.status == 404
    check_a11y(page)
    expect(heading(page)).to_have_text("Page not found")
    expect(page.locator("body")).not_to_contain_text("Marsh")
