"""A regional temperature-check round from set-up to the published PDF (issue 16), through the pages.

A London regional lead sets up a London round; two interviewers record conversations; the lead
keeps the codebook of an open question and chooses the double-coded sample; each interviewer codes
it on their own (neither sees the other's ticks); the lead reads the agreement, reconciles the
disagreement, chooses a quote, compares the round with the national round and downloads the PDF,
which is tagged and names rounds by their titles. The three sit at three desks (a browser context
each, signed in once). Every page visited is checked with axe (conftest.py) and, 390 px wide, must
not scroll sideways (``Desk``, as in the practitioner's day). Run with `make test-browser`.
"""

import re
import subprocess
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from msphub.accounts.models import Organisation, Role, User
from msphub.tempcheck import importer, instruments
from msphub.tempcheck.models import Coding, Round
from tests.browser.conftest import CHECKED_DOCUMENTS, TIMEOUT_MS
from tests.browser.test_concern_journey import heading, menu, sign_in
from tests.browser.test_practitioner_day import Desk
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

# poppler-utils (installed by .ci/run, as for tests/test_tempcheck_report.py).
PDFINFO, PDFTOTEXT = "/usr/bin/pdfinfo", "/usr/bin/pdftotext"
PDF_TIMEOUT_MS = 60_000

ROUND = "London 2026"
SLUG = "london-2026"
NATIONAL = "National temperature check 2016"
NATIONAL_SLUG = "national-2016"
CAMDEN, HACKNEY = "Camden Council", "Hackney Council"
LEAD_NAME = "Rhea Regional"
IVY, OMAR = "Ivy Interviewer", "Omar Okafor"
METHOD = "By telephone, about an hour each, with the council's safeguarding adults lead."

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
MODERATION_REASON = "If your rating differs from the council's own, why?"
CAMDEN_ANSWER = "Working with the person, not doing safeguarding to them."
QUOTE = "Working with the person ... to them."
HACKNEY_ANSWER = "Asking people what they want to happen, and checking at the end whether it did."
PERSON_LED, OUTCOMES = "Person-led practice", "Outcomes focus"
THEMES = {
    PERSON_LED: "The person's wishes and choices lead the work: with the person, not done to them.",
    OUTCOMES: "Asking what outcomes the person wants at the start, and whether they were achieved.",
}


@pytest.fixture
def world(db) -> dict[str, User]:
    """The 2016 instrument and the national round (the shipped answers) to compare with; a London
    regional lead and two interviewers."""
    instrument = instruments.load_shipped("instrument-2016.yaml")
    importer.create_round(
        NATIONAL_SLUG,
        NATIONAL,
        instrument,
        (instruments.SHIPPED / "national-2016-responses.csv").read_bytes(),
    )
    # Its fieldwork is over, so a regional lead may compare with the whole round (docs/tempcheck-report.md).
    Round.objects.filter(slug=NATIONAL_SLUG).update(starts_on=date(2016, 5, 3), ends_on=date(2016, 6, 30))
    network = Organisation.objects.create(name="London ADASS", kind="network", region="London")
    people = {}
    for key, name, role, org in (
        ("lead", LEAD_NAME, Role.REGIONAL_LEAD, network),
        ("ivy", IVY, Role.INTERVIEWER, None),
        ("omar", OMAR, Role.INTERVIEWER, None),
    ):
        first, last = name.split()
        people[key] = User.objects.create_user(
            username=f"{first}_{last}".lower(),
            password=PASSWORD,
            first_name=first,
            last_name=last,
            organisation=org,
            role=role,
        )
    return people


@pytest.fixture
def desk_for(browser: Browser, live_server, request: pytest.FixtureRequest) -> Iterator[Callable[[], Desk]]:
    """Another person's desk: a browser context of their own on the live server (as conftest's
    ``page``: every page it loads must have been checked with axe)."""
    opened: list[tuple[Page, list[str]]] = []

    def new_desk() -> Desk:
        context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        loaded: list[str] = []
        page.on("load", lambda p: loaded.append(urlsplit(p.url).path))
        opened.append((page, loaded))
        return Desk(page)

    yield new_desk
    call = getattr(request.node, "rep_call", None)
    for page, loaded in opened:
        checked = CHECKED_DOCUMENTS.pop(page, 0)
        page.context.close()
        if call is not None and call.passed:
            unchecked = len(loaded) - checked
            assert not unchecked, f"{unchecked} page(s) not checked with axe, of {loaded}"


def group(page: Page, legend: str) -> Locator:
    return page.get_by_role("group", name=legend, exact=True)


def banner(page: Page, text: str) -> Locator:
    return page.get_by_role("alert").filter(has_text=text)


def card(page: Page, council: str) -> Locator:
    return page.locator(".govuk-summary-card").filter(has=page.get_by_role("heading", name=council))


def open_round(desk: Desk, page: Page) -> None:
    desk.press(menu(page).get_by_role("link", name="Temperature check"))
    expect(heading(page)).to_have_text("Temperature check rounds")
    desk.press(page.get_by_role("link", name=ROUND))
    expect(heading(page)).to_have_text(ROUND)


def open_coding(desk: Desk, page: Page) -> None:
    open_round(desk, page)
    desk.press(page.get_by_role("link", name=MSP_MEANING, exact=True))
    expect(heading(page)).to_have_text("Code answers")
    expect(page.get_by_text(MSP_MEANING, exact=True)).to_be_visible()


def coding_page(desk: Desk, page: Page, name: str) -> None:
    """One of the coding pages, from the question's coding menu."""
    desk.press(page.get_by_role("navigation", name="Coding this question").get_by_role("link", name=name))


def set_up_round(desk: Desk, page: Page) -> None:
    desk.press(menu(page).get_by_role("link", name="Temperature check"))
    expect(heading(page)).to_have_text("Temperature check rounds")
    # The national round is the lead's to compare with, not one of their rounds.
    expect(page.get_by_text("No rounds yet.")).to_be_visible()
    desk.press(page.get_by_role("link", name="Set up a round"))

    expect(heading(page)).to_have_text("Set up a round")
    page.get_by_label("Title").fill(ROUND)
    page.get_by_label("Short name").fill(SLUG)
    # A regional lead's round is of their region: nothing is set up as national by accident.
    expect(page.get_by_label("Region")).to_have_value("London")
    page.get_by_label("How the conversations are held, and by whom (optional)").fill(METHOD)
    page.get_by_label("Councils taking part").fill(f"{CAMDEN}\n{HACKNEY}\n")
    page.get_by_label("Every council taking part agreed to be named in the report\u2019s tables").check()
    interviewers = group(page, "Interviewers")
    interviewers.get_by_label(IVY).check()
    interviewers.get_by_label(OMAR).check()
    desk.press(page.get_by_role("button", name="Continue"))

    expect(heading(page)).to_have_text(ROUND)
    expect(banner(page, f"Round {ROUND} created")).to_be_visible()
    councils = page.get_by_role("table", name="Councils in this round")
    for council in (CAMDEN, HACKNEY):
        expect(councils.get_by_role("row").filter(has_text=council)).to_contain_text("London")


def record_camden(desk: Desk, page: Page) -> None:
    """Ivy's conversation with Camden: some closed answers, the open answer with consent to quote,
    and the two ratings with the reason they differ."""
    open_round(desk, page)
    expect(page.get_by_role("link", name="Set up a round")).to_have_count(0)
    desk.press(page.get_by_role("link", name=CAMDEN))

    expect(heading(page)).to_have_text(f"Conversation with {CAMDEN}")
    expect(page.get_by_label("The council agreed to be named in the report\u2019s tables")).to_be_checked()
    group(page, STRATEGY_FIT).get_by_label("One of our main strategic objectives").check()
    group(page, ENGAGEMENT).get_by_label("Strategic/partnership/board").select_option("Very well")
    page.get_by_label(MSP_MEANING, exact=True).fill(CAMDEN_ANSWER)
    page.get_by_label(
        f"The council agreed to be named beside a quote from its answer to \u201c{MSP_MEANING}\u201d"
    ).check()
    group(page, OWN_RATING).get_by_label("A) Fully implemented").check()
    group(page, INTERVIEWER_RATING).get_by_label("B) Planning completed and rolling out").check()
    page.get_by_label(MODERATION_REASON).fill("The new recording system is not rolled out yet.")
    desk.press(page.get_by_role("button", name="Save and mark complete"))

    expect(heading(page)).to_have_text(f"Conversation with {CAMDEN}")
    expect(banner(page, "Conversation saved and marked complete")).to_be_visible()
    expect(page.get_by_label(MSP_MEANING, exact=True)).to_have_value(CAMDEN_ANSWER)


def record_hackney(desk: Desk, page: Page) -> None:
    """Omar's conversation with Hackney, saved as he goes (not complete)."""
    open_round(desk, page)
    desk.press(page.get_by_role("link", name=HACKNEY))
    expect(heading(page)).to_have_text(f"Conversation with {HACKNEY}")
    group(page, STRATEGY_FIT).get_by_label("The overriding strategic objective").check()
    page.get_by_label(MSP_MEANING, exact=True).fill(HACKNEY_ANSWER)
    desk.press(page.get_by_role("button", name="Save and carry on"))
    expect(banner(page, "Conversation saved")).to_be_visible()
    expect(page.get_by_label(MSP_MEANING, exact=True)).to_have_value(HACKNEY_ANSWER)


def keep_codebook_and_sample(desk: Desk, page: Page) -> None:
    """The lead adds the themes with their definitions and puts both answers in the sample."""
    open_coding(desk, page)
    expect(page.get_by_text("The codebook has no themes for this question yet.")).to_be_visible()
    coding_page(desk, page, "Codebook")
    expect(heading(page)).to_have_text("Codebook")
    for label, definition in THEMES.items():
        desk.press(page.get_by_role("link", name="Add a theme"))
        expect(heading(page)).to_have_text("Add a theme")
        page.get_by_label("Name of the theme").fill(label)
        page.get_by_label("Definition").fill(definition)
        desk.press(page.get_by_role("button", name="Add the theme"))
        expect(heading(page)).to_have_text("Codebook")
        expect(banner(page, f"Theme \u201c{label}\u201d added")).to_be_visible()
    themes = page.get_by_role("table", name="Themes")
    for label, definition in THEMES.items():
        expect(themes.get_by_role("row").filter(has_text=label)).to_contain_text(definition)

    coding_page(desk, page, "Double-coded sample")
    expect(heading(page)).to_have_text("Double-coded sample")
    sample = group(page, "Answers in the sample")
    sample.get_by_label(CAMDEN).check()
    sample.get_by_label(HACKNEY).check()
    desk.press(page.get_by_role("button", name="Save the sample"))
    expect(banner(page, "Sample saved: 2 answers added, 0 removed")).to_be_visible()
    expect(page.get_by_text("2 of 2 answers are in the sample")).to_be_visible()


def code(desk: Desk, page: Page, coding: dict[str, list[str]]) -> None:
    """An interviewer codes the sample on their own: no ticks of the other coder are shown."""
    open_coding(desk, page)
    for council, labels in coding.items():
        answer = card(page, council)
        expect(answer).to_contain_text("Double-coded sample")
        themes = answer.get_by_role("group", name=f"Themes in {council}'s answer")
        for label in THEMES:
            expect(themes.get_by_label(label)).not_to_be_checked()
        for label in labels:
            themes.get_by_label(label).check()
    desk.press(page.get_by_role("button", name="Save coding"))
    expect(banner(page, "Coding saved (2 answers changed)")).to_be_visible()
    for council, labels in coding.items():
        expect(card(page, council)).to_contain_text("Coded by you")
        themes = card(page, council).get_by_role("group", name=f"Themes in {council}'s answer")
        for label in labels:
            expect(themes.get_by_label(label)).to_be_checked()


def reconcile(desk: Desk, page: Page) -> None:
    """The lead reads the agreement, accepts the answer the coders agree on and decides the other."""
    open_coding(desk, page)
    coding_page(desk, page, "Agreement")
    expect(heading(page)).to_have_text("Agreement between coders")
    # Of the 2 answers x 2 themes the coders differ on one judgement: Hackney's person-led practice.
    figures = page.get_by_role("table", name="Agreement by theme")
    person_led = figures.get_by_role("row").filter(has=page.get_by_role("rowheader", name=PERSON_LED))
    expect(person_led.get_by_role("cell")).to_have_text(["1", "1", "0", "0", "50%", "0.00 (slight)"])
    outcomes = figures.get_by_role("row").filter(has=page.get_by_role("rowheader", name=OUTCOMES))
    expect(outcomes.get_by_role("cell")).to_have_text(["1", "0", "0", "1", "100%", re.compile(r"^1\.00 ")])
    overall = page.locator(".govuk-summary-list__row").filter(has_text="Overall percent agreement")
    expect(overall.locator("dd")).to_have_text("75%")

    coding_page(desk, page, "Reconcile")
    expect(heading(page)).to_have_text("Reconcile the double-coded sample")
    hackney = card(page, HACKNEY)
    expect(hackney).to_contain_text("Coders disagree")
    expect(card(page, CAMDEN)).to_contain_text("Coders agree")
    side_by_side = hackney.get_by_role("table", name=f"How each coder coded {HACKNEY}'s answer")
    expect(side_by_side.get_by_role("columnheader")).to_have_text(["Theme", IVY, OMAR])
    expect(side_by_side.get_by_role("row").filter(has_text=PERSON_LED)).to_contain_text("Differs")

    desk.press(page.get_by_role("button", name="Accept the 1 answer on which the coders agree"))
    expect(banner(page, "1 answer on which the coders agree reconciled")).to_be_visible()
    expect(card(page, CAMDEN)).to_contain_text("Reconciled")

    final = card(page, HACKNEY).get_by_role("group", name=f"Final coding of {HACKNEY}'s answer")
    final.get_by_label(PERSON_LED).check()
    final.get_by_label(OUTCOMES).check()
    desk.press(card(page, HACKNEY).get_by_role("button", name=f"Reconcile {HACKNEY}'s answer"))
    expect(banner(page, f"{HACKNEY}'s answer reconciled")).to_be_visible()
    expect(card(page, HACKNEY)).to_contain_text(f"Reconciled by {LEAD_NAME}")


def choose_quote(desk: Desk, page: Page) -> None:
    """The lead excerpts Camden's answer as the quote for person-led practice; words not in the
    answer are refused with a message saying so."""
    coding_page(desk, page, "Quotes")
    expect(heading(page)).to_have_text("Quotes for the report")
    page.get_by_label("Theme").select_option(label=f"{PERSON_LED} (2 answers)")
    desk.press(page.get_by_role("button", name="Show"))
    expect(page.get_by_role("heading", name=PERSON_LED, level=2)).to_be_visible()
    expect(card(page, CAMDEN)).to_contain_text("May be named")

    card(page, CAMDEN).get_by_label("Excerpt").fill("Working with people")
    desk.press(card(page, CAMDEN).get_by_role("button", name=f"Choose this quote from {CAMDEN}'s answer"))
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_contain_text("\u201cWorking with people\u201d is not in the answer")

    card(page, CAMDEN).get_by_label("Excerpt").fill(QUOTE)
    desk.press(card(page, CAMDEN).get_by_role("button", name=f"Choose this quote from {CAMDEN}'s answer"))
    expect(banner(page, f"Quote from {CAMDEN}'s answer chosen")).to_be_visible()
    expect(page.locator("figure").filter(has_text=QUOTE).locator("figcaption")).to_have_text(CAMDEN)


def compare_and_download(desk: Desk, page: Page, tmp_path: Path) -> None:
    """The report compared with the national round, and its PDF."""
    open_round(desk, page)
    desk.press(page.get_by_role("link", name="Report", exact=True))
    expect(heading(page)).to_have_text(ROUND)
    # Hackney's conversation is not complete but it answered: both councils took part.
    expect(page.get_by_text(re.compile(r"^2 councils took part\."))).to_be_visible()
    compare = group(page, "Compare with")
    compare.get_by_label(f"{NATIONAL} (national)", exact=True).check()
    desk.press(page.get_by_role("button", name="Update the report"))
    expect(group(page, "Compare with").get_by_label(f"{NATIONAL} (national)", exact=True)).to_be_checked()

    main = page.get_by_role("main")
    expect(main).not_to_contain_text(NATIONAL_SLUG)
    # Each table: this round, the national round and the change, with the councils named in it.
    strategy = page.get_by_role("table", name=re.compile(rf"^Table \d+: {re.escape(STRATEGY_FIT)} \(n = 2\)"))
    expect(strategy.get_by_role("columnheader").filter(has_text=NATIONAL)).to_have_text(
        [re.compile(rf"^{NATIONAL}.*\(n = 115\)$"), re.compile(rf"^Change since {NATIONAL}.*\(points\)$")]
    )
    main_objective = strategy.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="One of our main strategic objectives")
    )
    # Camden: 1 of 2 (50%) against England's 62 of 115 (54%): 4 points lower.
    lower = re.compile(r"^[-\u2212]4$")
    expect(main_objective.get_by_role("cell")).to_have_text(["1", "50%", "54%", lower, CAMDEN])
    # The themes count the final coding: person-led practice in both answers (as the coders agreed
    # on Camden's and the lead decided Hackney's), outcomes in Hackney's.
    caption = re.compile(rf"^Table \d+: themes in the answers to .{re.escape(MSP_MEANING)}.")
    themes = page.get_by_role("table", name=caption)
    for label, count, share in ((PERSON_LED, "2", "100%"), (OUTCOMES, "1", "50%")):
        row = themes.get_by_role("row").filter(has=page.get_by_role("rowheader", name=label))
        in_words = re.compile(r"\bresponses$")
        expect(row.get_by_role("cell")).to_have_text([THEMES[label], count, share, in_words])
    # Only the quote the lead chose is shown, with Camden named beside it as it agreed.
    quote = page.get_by_role("figure").filter(has_text=QUOTE)
    expect(quote.locator("figcaption")).to_have_text(CAMDEN)
    expect(main).not_to_contain_text(CAMDEN_ANSWER)
    expect(main).not_to_contain_text(HACKNEY_ANSWER)

    # WeasyPrint takes some seconds to lay the document out: the download may take longer than a page.
    with page.expect_download(timeout=PDF_TIMEOUT_MS) as downloading:
        page.get_by_role("link", name=re.compile(r"^Report as a PDF document")).click(timeout=PDF_TIMEOUT_MS)
    download = downloading.value
    assert download.failure() is None
    pdf = tmp_path / "report.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    info = subprocess.run([PDFINFO, str(pdf)], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    text = subprocess.run(  # noqa: S603
        [PDFTOTEXT, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(text.split())
    for words in (ROUND, NATIONAL, CAMDEN, HACKNEY, METHOD, PERSON_LED, STRATEGY_FIT, QUOTE):
        assert words in text, words
    for slug in (SLUG, NATIONAL_SLUG):
        assert slug not in text, slug


def test_regional_round_from_set_up_to_the_pdf(
    page: Page, desk_for: Callable[[], Desk], world: dict[str, User], tmp_path: Path
):
    # Three people, each at their own desk, signed in once.
    lead = Desk(page)
    ivy, omar = desk_for(), desk_for()
    sign_in(lead, world["lead"].username)
    sign_in(ivy, world["ivy"].username)
    sign_in(omar, world["omar"].username)

    set_up_round(lead, lead.page)
    record_camden(ivy, ivy.page)
    record_hackney(omar, omar.page)
    keep_codebook_and_sample(lead, lead.page)
    code(ivy, ivy.page, {CAMDEN: [PERSON_LED], HACKNEY: [PERSON_LED, OUTCOMES]})
    code(omar, omar.page, {CAMDEN: [PERSON_LED], HACKNEY: [OUTCOMES]})
    # An interviewer codes; the sample, agreement and reconciling are the lead's.
    expect(omar.page.get_by_role("navigation", name="Coding this question").get_by_role("link")).to_have_text(
        ["Code answers", "Codebook"]
    )
    reconcile(lead, lead.page)
    choose_quote(lead, lead.page)
    compare_and_download(lead, lead.page, tmp_path)

    london = Round.objects.get(slug=SLUG)
    assert london.region == "London" and london.method == METHOD
    assert set(london.respondents.values_list("council", "may_name")) == {(CAMDEN, True), (HACKNEY, True)}
    # The final coding the report counts: the coders' agreement on Camden, the lead's on Hackney.
    finals = Coding.objects.filter(answer__respondent__round=london, final=True).exclude(theme__label="")
    assert set(finals.values_list("answer__respondent__council", "theme__label", "coder__username")) == {
        (CAMDEN, PERSON_LED, world["lead"].username),
        (HACKNEY, PERSON_LED, world["lead"].username),
        (HACKNEY, OUTCOMES, world["lead"].username),
    }
