"""A temperature-check round from set-up to report, through the pages as people use them.

A regional lead sets up a round; an interviewer records one council's conversation, codes its open
answer and reads the report. Every page visited is checked with axe (see conftest.py). Run with
`make test-browser`.
"""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from msphub.accounts.models import Organisation, Role, User
from msphub.tempcheck import instruments
from tests.browser.test_concern_journey import heading, menu, sign_in, sign_out
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ROUND = "London 2026"
SLUG = "london-2026"
COUNCIL = "Camden Council"
OTHER_COUNCIL = "Hackney Council"
INTERVIEWER_NAME = "Ivy Interviewer"

STRATEGY_FIT = "How would you describe where MSP fits into your organisational strategy?"
ENGAGEMENT = "How well is MSP engaged with at various levels?"
MSP_MEANING = "What does MSP mean to you?"
OWN_RATING = (
    "How would you rate your organisation's achievement of MSP at the moment? (the respondent's own rating)"
)
INTERVIEWER_RATING = (
    "The interviewer's rating of the organisation's achievement of MSP, moderated for consistency "
    "across councils"
)
INTERVIEWER_CHOICE = "B) Planning completed and rolling out"
MODERATION_REASON = "If your rating differs from the council's own, why?"
ANSWER = "Working with the person, not doing safeguarding to them."
THEME = "Person-led practice"


@pytest.fixture
def regional_lead(db) -> User:
    instruments.load_shipped("instrument-2016.yaml")
    network = Organisation.objects.create(name="London ADASS", kind="network", region="London")
    return User.objects.create_user(
        username="rhea_regional",
        password=PASSWORD,
        first_name="Rhea",
        last_name="Regional",
        organisation=network,
        role=Role.REGIONAL_LEAD,
    )


@pytest.fixture
def interviewer(db) -> User:
    first, last = INTERVIEWER_NAME.split()
    return User.objects.create_user(
        username="ivy_interviewer",
        password=PASSWORD,
        first_name=first,
        last_name=last,
        role=Role.INTERVIEWER,
    )


def group(page: Page, legend: str) -> Locator:
    return page.get_by_role("group", name=legend, exact=True)


def banner(page: Page, text: str) -> Locator:
    return page.get_by_role("alert").filter(has_text=text)


def set_up_round(visit, page: Page) -> None:
    visit.press(menu(page).get_by_role("link", name="Temperature check"))
    expect(heading(page)).to_have_text("Temperature check rounds")
    expect(page.get_by_text("No rounds yet.")).to_be_visible()
    visit.press(page.get_by_role("link", name="Set up a round"))

    expect(heading(page)).to_have_text("Set up a round")
    page.get_by_label("Title").fill(ROUND)
    page.get_by_label("Short name").fill(SLUG)
    expect(page.get_by_label("Instrument")).to_have_value(str(instruments.Instrument.objects.get().pk))
    page.get_by_label("Councils taking part").fill(f"{COUNCIL}\n{OTHER_COUNCIL}\n")
    group(page, "Interviewers").get_by_label(INTERVIEWER_NAME).check()
    visit.press(page.get_by_role("button", name="Continue"))

    expect(heading(page)).to_have_text(ROUND)
    expect(banner(page, f"Round {ROUND} created")).to_be_visible()
    councils = page.get_by_role("table", name="Councils in this round")
    for council in (COUNCIL, OTHER_COUNCIL):
        expect(councils.get_by_role("row").filter(has_text=council)).to_contain_text("London")


def record_conversation(visit, page: Page) -> None:
    visit.press(menu(page).get_by_role("link", name="Temperature check"))
    expect(heading(page)).to_have_text("Temperature check rounds")
    visit.press(page.get_by_role("link", name=ROUND))
    expect(heading(page)).to_have_text(ROUND)
    expect(page.get_by_role("link", name="Set up a round")).to_have_count(0)
    visit.press(page.get_by_role("link", name=COUNCIL))

    expect(heading(page)).to_have_text(f"Conversation with {COUNCIL}")
    group(page, STRATEGY_FIT).get_by_label("Other", exact=True).check()
    group(page, ENGAGEMENT).get_by_label("Strategic/partnership/board").select_option("Very well")
    page.get_by_label(MSP_MEANING, exact=True).fill(ANSWER)
    # Each consent box names the question it belongs to.
    consent = page.get_by_label(
        f"The council agreed to be named beside a quote from its answer to \u201c{MSP_MEANING}\u201d"
    )
    consent.check()
    group(page, OWN_RATING).get_by_label("A) Fully implemented").check()
    group(page, INTERVIEWER_RATING).get_by_label(INTERVIEWER_CHOICE).check()
    page.get_by_label(MODERATION_REASON).fill("The new recording system is not rolled out yet.")
    visit.press(page.get_by_role("button", name="Save and mark complete"))

    expect(heading(page)).to_have_text(f"Conversation with {COUNCIL}")
    expect(banner(page, "Conversation saved and marked complete")).to_be_visible()
    # The form shows what was saved.
    expect(group(page, STRATEGY_FIT).get_by_label("Other", exact=True)).to_be_checked()
    expect(group(page, ENGAGEMENT).get_by_label("Strategic/partnership/board")).to_have_value("Very well")
    expect(page.get_by_label(MSP_MEANING, exact=True)).to_have_value(ANSWER)
    expect(consent).to_be_checked()
    expect(group(page, OWN_RATING).get_by_label("A) Fully implemented")).to_be_checked()
    expect(group(page, INTERVIEWER_RATING).get_by_label(INTERVIEWER_CHOICE)).to_be_checked()

    visit.press(page.get_by_role("link", name="Back"))
    expect(heading(page)).to_have_text(ROUND)
    councils = page.get_by_role("table", name="Councils in this round")
    for council, status in ((COUNCIL, "Complete"), (OTHER_COUNCIL, "Not complete")):
        row = councils.get_by_role("row").filter(has_text=council)
        expect(row.get_by_role("cell")).to_have_text([council, "London", status])


def code_open_answer(visit, page: Page) -> None:
    visit.press(page.get_by_role("link", name=MSP_MEANING))
    expect(heading(page)).to_have_text(MSP_MEANING)
    page.get_by_label("New theme").fill(THEME)
    visit.press(page.get_by_role("button", name="Add theme"))
    expect(banner(page, "Theme added")).to_be_visible()

    card = page.locator(".govuk-summary-card").filter(has=page.get_by_role("heading", name=COUNCIL))
    expect(card).to_contain_text(ANSWER)
    expect(card).to_contain_text("May be named")
    card.get_by_role("group", name=f"Themes in {COUNCIL}'s answer").get_by_label(THEME).check()
    visit.press(page.get_by_role("button", name="Save coding"))
    expect(banner(page, "Coding saved")).to_be_visible()
    expect(card.get_by_label(THEME)).to_be_checked()


def read_report(visit, page: Page) -> None:
    visit.press(page.get_by_role("link", name="Back"))
    expect(heading(page)).to_have_text(ROUND)
    visit.press(page.get_by_role("link", name="Report", exact=True))
    expect(heading(page)).to_have_text(ROUND)
    # Hackney has not been interviewed yet, so it is not a respondent.
    expect(page.get_by_text("1 respondent.")).to_be_visible()

    # Closed questions are numbered in the report; the table follows its question's heading.
    strategy = page.get_by_role("heading", name=re.compile(rf"^\d+\. {re.escape(STRATEGY_FIT)}$"))
    table = strategy.locator("xpath=following-sibling::table[1]")
    expect(table).to_have_accessible_name("n = 1")
    other = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Other", exact=True))
    expect(other.get_by_role("cell")).to_have_text(["1", "100%"])

    expect(page.get_by_role("heading", name="Open answers", exact=True)).to_be_visible()
    theme = page.get_by_role("heading", name=f"{THEME}: 1 (100%, all of responses)", exact=True)
    expect(theme).to_be_visible()
    quote = page.get_by_role("figure").filter(has_text=ANSWER)
    expect(quote).to_have_count(1)
    expect(quote.locator("figcaption")).to_have_text(COUNCIL)


def test_round_from_set_up_to_report(visit, regional_lead, interviewer):
    page = sign_in(visit, regional_lead.username)
    set_up_round(visit, page)
    sign_out(visit, page)

    page = sign_in(visit, interviewer.username)
    record_conversation(visit, page)
    code_open_answer(visit, page)
    read_report(visit, page)
