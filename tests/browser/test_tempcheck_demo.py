"""The temperature-check demo (msphub/demo/tempcheck_demo.py, built by seed_demo) as its people see it.

The London regional lead merges the national round's London councils with the 7 interviewed later
into one London report of 33 councils that names them, compared with England; the coding of its open
question waits on one disagreement; an interviewer sees a council's benchmark figure beside its
answer; the national lead reads the data-quality note and the road map. Every page visited is
checked with axe (conftest.py) and, 390 px wide, must not scroll sideways (``Desk``). Run with
`make test-browser`.
"""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from msphub.demo import content, tempcheck_demo
from tests.browser.test_concern_journey import heading, menu
from tests.browser.test_practitioner_day import Desk

pytestmark = pytest.mark.browser

LONDON = "London 2016 (later councils)"
NATIONAL = "National temperature check 2016"
ROAD_MAP = "MSP road map self-assessment 2017"
OUTCOMES_ASKED = "Are people who experience safeguarding processes asked about what outcomes they want?"
MSP_MEANING = "What does MSP mean to you?"


@pytest.fixture
def demo(db) -> None:
    tempcheck_demo.seed_tempcheck()


def sign_in(desk: Desk, username: str) -> Page:
    page = desk.open("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(content.PASSWORD)
    desk.press(page.get_by_role("button", name="Sign in"))
    expect(heading(page)).to_contain_text("Hello")
    return page


def group(page: Page, legend: str) -> Locator:
    return page.get_by_role("group", name=legend, exact=True)


def row(table: Locator, header: str) -> Locator:
    return table.get_by_role("row").filter(has=table.page.get_by_role("rowheader", name=header, exact=True))


def open_round(desk: Desk, page: Page, title: str) -> None:
    desk.press(menu(page).get_by_role("link", name="Temperature check"))
    expect(heading(page)).to_have_text("Temperature check rounds")
    desk.press(page.get_by_role("link", name=title))
    expect(heading(page)).to_have_text(title)


def test_the_london_lead_merges_both_phases_into_one_named_london_report(page: Page, demo):
    desk = Desk(page)
    sign_in(desk, "london_lead")
    desk.press(menu(page).get_by_role("link", name="Temperature check"))
    # The national rounds are there to merge and compare with, not in the lead's own list.
    expect(page.get_by_role("link", name=NATIONAL)).to_have_count(0)
    desk.press(page.get_by_role("link", name=LONDON))
    expect(heading(page)).to_have_text(LONDON)
    named = page.locator(".govuk-summary-list__row").filter(has_text="Named in the tables")
    expect(named.locator(".govuk-summary-list__value")).to_have_text("7 of 7 councils")

    desk.press(page.get_by_role("link", name="Report", exact=True))
    group(page, "Rounds merged into this report").get_by_label(f"{NATIONAL} (national)").check()
    group(page, "Compare with").get_by_label(f"{NATIONAL} (national)", exact=True).check()
    desk.press(page.get_by_role("button", name="Update the report"))
    expect(page.get_by_text("The report is cut to the councils of London")).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text("The safeguarding leads of 33 councils in London took part")
    councils = page.get_by_role("table", name="The participating councils")
    expect(councils.locator("tbody tr")).to_have_count(33)
    expect(row(councils, "London Borough of Islington")).to_contain_text(LONDON)
    expect(row(councils, "London Borough of Camden")).to_contain_text(NATIONAL)

    # The councils agreed to be identifiable: each answer lists them (the London report's tables).
    asked = page.get_by_role("table", name=re.compile(rf"^Table \d+: {re.escape(OUTCOMES_ASKED)} \(n = 33"))
    expect(row(asked, "Partly")).to_contain_text("London Borough of Islington")
    expect(row(asked, "No")).to_contain_text("Enfield")
    # Their answers beside their measured share of people asked about outcomes (2016-17).
    beside = re.compile(r"the answers beside the councils. measured figures")
    evidence = page.get_by_role("table", name=beside)
    expect(row(evidence, "Yes").get_by_role("cell").last).to_have_text("80%")
    expect(row(evidence, "Partly").get_by_role("cell").last).to_have_text("65%")

    # The themes of the coded answers, with the quotes the lead chose (named where agreed).
    caption = re.compile(rf"themes in the answers to .{re.escape(MSP_MEANING)}.")
    themes = page.get_by_role("table", name=caption)
    # Kingston's answer awaits reconciliation, so neither coder's ticks on it are counted yet.
    expect(row(themes, "Person-led practice").get_by_role("cell").nth(1)).to_have_text("3")
    quote = page.get_by_role("figure").filter(has_text="we enquire into this")
    expect(quote.locator("figcaption")).to_have_text("London Borough of Newham")
    expect(main).to_contain_text("1 answer of the double-coded sample is not reconciled yet")

    # That answer is waiting on the lead: the coders disagree about one theme.
    open_round(desk, page, LONDON)
    desk.press(page.get_by_role("link", name=MSP_MEANING, exact=True))
    coding_menu = page.get_by_role("navigation", name="Coding this question")
    desk.press(coding_menu.get_by_role("link", name="Reconcile"))
    kingston = page.locator(".govuk-summary-card").filter(
        has=page.get_by_role("heading", name="Royal Borough of Kingston upon Thames")
    )
    expect(kingston).to_contain_text("Coders disagree")
    expect(kingston.get_by_role("row").filter(has_text="Wellbeing and prevention")).to_contain_text("Differs")


def test_an_interviewer_sees_the_councils_figure_beside_its_answer(page: Page, demo):
    desk = Desk(page)
    sign_in(desk, "london_interviewer")
    open_round(desk, page, LONDON)
    desk.press(page.get_by_role("link", name="London Borough of Islington"))
    expect(heading(page)).to_have_text("Conversation with London Borough of Islington")
    expect(group(page, OUTCOMES_ASKED).get_by_label("Partly", exact=True)).to_be_checked()
    figure = page.locator("#evidence-outcomes_asked")
    expect(figure).to_contain_text("Benchmark figure for London Borough of Islington.")
    expect(figure).to_contain_text("82%")


def test_the_national_lead_reads_the_data_quality_note_and_the_road_map(page: Page, demo):
    desk = Desk(page)
    sign_in(desk, "network_lead")
    open_round(desk, page, NATIONAL)
    expect(page.get_by_role("main")).to_contain_text('"acute trusts" is a slip for ambulance trusts')
    desk.press(page.get_by_role("link", name="Report", exact=True))
    quality = page.locator("#data-quality")
    expect(quality).to_contain_text('"acute trusts" is a slip for ambulance trusts')

    open_round(desk, page, ROAD_MAP)
    desk.press(page.get_by_role("link", name="Report", exact=True))
    expect(page.get_by_role("heading", name="Where councils are on the road map")).to_be_visible()
    cumulative = re.compile(r"councils that reached at least each step \(n = 23\)")
    reached = page.get_by_role("table", name=cumulative)
    step_6 = reached.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(r"^6 ")))
    expect(step_6).to_contain_text("70%")
