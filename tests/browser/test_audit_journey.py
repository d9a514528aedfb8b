"""A case file audit from sample to Board PDF (issue 14), walked through the pages.

The safeguarding lead loads the MSP case file audit tool, sets up a round (one enquiry per team per
month, every audit moderated), draws the sample and gives the sampled enquiry to the council's case
file auditor and its moderation to the police's multi-agency auditor. Each auditor signs in, opens
the audit (the record beside the questions), answers every question and completes it; the two
disagree on one answer. The lead sees the agreement and the results on the round's page. A Board
viewer sees the audit results on the dashboard (/measures/), downloads the dashboard PDF, which holds
them, and opens the annual report, whose case file audit section shows them too.

Four people at four desks: a browser context each. Every page any of them lands on is checked with
axe (conftest.py) and, 390 px wide, must not scroll sideways (``Desk``, as in the practitioner's
day). The casework (one enquiry, closed) and the year's annual report are set up with the services.
Run with `make test-browser`.
"""

import re
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from django.template.loader import render_to_string
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from msphub.accounts.models import Role
from msphub.annualreport import services as report_services
from msphub.audits import results
from msphub.audits.models import Audit, AuditQuestion, AuditRound
from msphub.core import downloads
from msphub.core.periods import FinancialYear
from msphub.enquiries.models import Enquiry
from tests.browser.conftest import CHECKED_DOCUMENTS, TIMEOUT_MS, check_a11y
from tests.browser.test_concern_journey import fill_date, heading
from tests.browser.test_enquiry_journey import success
from tests.browser.test_practitioner_day import Desk
from tests.conftest import PASSWORD, _user
from tests.enquiry_fixtures import (
    add_outcome,
    close,
    make_enquiry_fixture,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.browser

ROUND_TITLE = "Monthly audit"
SUMMARY = "A person-led enquiry, clearly recorded."
WORKED_WELL = "Edna was asked what she wanted at the first visit."
COULD_BE_BETTER = "Write down the advocate's view."
# The one answer on which the moderator reads the record differently from the first auditor.
DISAGREED = "involvement"
# What the audit results include says of a period's completed audits (audits/includes/results.html).
AUDITS_COMPLETED = "1 case file audit completed"


@pytest.fixture
def desks(browser: Browser, live_server, request: pytest.FixtureRequest) -> Iterator[Callable[[], Desk]]:
    """A new desk (a fresh browser context on the live server) each call; as conftest's ``page``,
    every page loaded at any desk must have been checked with axe."""
    opened: list[tuple[object, Page, list[str]]] = []

    def new_desk() -> Desk:
        context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        loaded: list[str] = []
        page.on("load", lambda p: loaded.append(urlsplit(p.url).path))
        opened.append((context, page, loaded))
        return Desk(page)

    yield new_desk
    call = getattr(request.node, "rep_call", None)
    for context, page, loaded in opened:
        checked = CHECKED_DOCUMENTS.pop(page, 0)
        context.close()  # type: ignore[attr-defined]
        if call is not None and call.passed:
            assert checked == len(loaded), (
                f"{len(loaded) - checked} page(s) not checked with axe, of {loaded}"
            )


@pytest.fixture
def enquiry(make_enquiry, practitioner, manager) -> Enquiry:
    """Edna's section 42 enquiry, started and closed today, with what she wanted achieved."""
    enquiry = make_enquiry()
    add_outcome(enquiry, "I want my son to stop taking my money")
    return close(enquiry, practitioner, manager)


@pytest.fixture
def auditor(council):
    return _user("aziz_auditor", council, Role.CASE_FILE_AUDITOR)


@pytest.fixture
def police_auditor(police):
    return _user("pia_policeauditor", police, Role.CASE_FILE_AUDITOR)


@pytest.fixture
def annual_report(council, lead):
    report = report_services.create_report(council, FinancialYear.current(), lead)
    report_services.save_section(report, "foreword", {None: "A year of listening."}, lead)
    return report


def sign_in(desk: Desk, username: str) -> Page:
    page = desk.open("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    desk.press(page.get_by_role("button", name="Sign in"))
    expect(heading(page)).to_contain_text("Hello")
    return page


def answer_every_question(desk: Desk, questions: list[AuditQuestion], change: str = "") -> None:
    """Answer each question of the tool as the auditor reads the record: the best grade on its scale
    (the next one down for the question ``change``, where a second auditor reads it differently), and
    words for the free-text ones; then complete the audit."""
    page = desk.page
    for question in questions:
        if question.is_free_text:
            words = WORKED_WELL if "well" in question.key else COULD_BE_BETTER
            page.get_by_label(question.text, exact=True).fill(words)
            continue
        graded = sorted((o for o in question.scale if o["grade"] is not None), key=lambda o: -o["grade"])
        label = graded[0]["label"]
        if question.key == change:
            label = next(o["label"] for o in graded if o["label"] != label)
        page.get_by_role("group", name=question.text, exact=True).get_by_label(label, exact=True).check()
    page.get_by_label("Summary of the audit (optional)").fill(SUMMARY)
    desk.press(page.get_by_role("button", name="Save and complete the audit"))


def test_an_audit_from_sample_to_board_pdf(
    desks, enquiry, lead, auditor, police_auditor, board_viewer, annual_report, monkeypatch
):
    reference = enquiry.reference
    today = timezone.localdate()
    lead_desk, auditor_desk, moderator_desk, board_desk = desks(), desks(), desks(), desks()

    # --- The lead loads the tool and sets up a round ----------------------------------------------
    p = sign_in(lead_desk, lead.username)
    lead_desk.open("/audits/rounds/")
    expect(heading(p)).to_have_text("Case file audit rounds")
    lead_desk.press(p.get_by_role("button", name="Load the MSP case file audit tool"))
    success(p, "is ready to use")
    p.get_by_label("Title of the round").fill(ROUND_TITLE)
    p.get_by_label("A number of enquiries per team per month", exact=True).check()
    fill_date(p, "Start of the period", 1, today.month, today.year)
    fill_date(p, "End of the period", today.day, today.month, today.year)
    fill_date(p, "Sample as at", today.day, today.month, today.year)
    p.get_by_label("How many records").fill("1")
    p.get_by_label("Seed (optional)").fill("browser-walk")
    p.get_by_label("Share moderated by a second auditor (per cent)").fill("100")
    lead_desk.press(p.get_by_role("button", name="Set up the round"))
    success(p, f"Round ‘{ROUND_TITLE}’ set up")
    expect(heading(p)).to_have_text(ROUND_TITLE)

    # --- Draws the sample: the enquiry is the one record ------------------------------------------
    lead_desk.press(p.get_by_role("button", name="Draw the sample"))
    success(p, "1 record sampled")
    sample = p.get_by_role("table", name="The sampled records and their auditors")
    expect(sample.get_by_role("link", name=reference, exact=True)).to_be_visible()
    audit_round = AuditRound.objects.get(title=ROUND_TITLE)
    questions = list(audit_round.tool.questions.order_by("order"))

    # --- Gives it to the council's auditor, and its moderation to the police's --------------------
    lead_desk.press(sample.get_by_role("link", name=f"Choose an auditor for {reference}"))
    expect(heading(p)).to_have_text(f"Who audits {reference}?")
    p.get_by_label("Who audits this record?").select_option(label="Aziz Tester (Riverside Council)")
    p.get_by_label("Auditor alone", exact=True).check()
    lead_desk.press(p.get_by_role("button", name="Save"))
    success(p, f"{reference} assigned")
    lead_desk.press(p.get_by_role("link", name="Set up moderation"))
    expect(heading(p)).to_have_text("Set up moderation")
    p.get_by_label(f"Second auditor for {reference}").select_option(label="Pia Tester (Riverside Police)")
    lead_desk.press(p.get_by_role("button", name="Save the second auditors"))
    success(p, "1 moderation set up")

    # --- The auditor opens the audit: the record beside the questions ----------------------------
    a = sign_in(auditor_desk, auditor.username)
    auditor_desk.open("/audits/")
    expect(heading(a)).to_have_text("My audits")
    auditor_desk.press(a.get_by_role("table", name="Audits given to you").get_by_role("link", name=reference))
    expect(heading(a)).to_have_text(f"Audit of {reference}")
    expect(a.get_by_role("heading", name="The record")).to_be_visible()
    expect(a.get_by_role("main")).to_contain_text("I want my son to stop taking my money")
    expect(a.get_by_role("heading", name=audit_round.tool.title)).to_be_visible()
    answer_every_question(auditor_desk, questions)
    success(a, f"The audit of {reference} is complete")
    expect(a.get_by_text("Completed", exact=True)).to_be_visible()
    # An auditor opens only what was sampled for them: the casework pages stay closed.
    response = a.goto(f"/enquiries/{reference}/")
    assert response is not None and response.status == 404
    check_a11y(a)
    auditor_desk.reflows()

    # --- The police's auditor moderates it, and reads one answer differently ---------------------
    m = sign_in(moderator_desk, police_auditor.username)
    moderator_desk.open("/audits/")
    audits = m.get_by_role("table", name="Audits given to you")
    expect(audits.get_by_role("row").filter(has_text=reference)).to_contain_text(
        "Moderation (second auditor)"
    )
    moderator_desk.press(audits.get_by_role("link", name=reference))
    expect(heading(m)).to_have_text(f"Audit of {reference}")
    answer_every_question(moderator_desk, questions, change=DISAGREED)
    success(m, f"The audit of {reference} is complete")

    # --- The lead sees the agreement and the results ---------------------------------------------
    agreement = results.agreement(audit_round)
    assert agreement["pairs"] == 1 and agreement["agreed"] == agreement["compared"] - 1
    lead_desk.open(f"/audits/rounds/{audit_round.slug}/")
    expect(p.get_by_role("main")).to_contain_text("1 of 1 audits completed")
    expect(p.get_by_role("main")).to_contain_text("Moderations: 1 of 1 completed")
    expect(p.get_by_role("main")).to_contain_text(
        f"{agreement['agreed']} of {agreement['compared']} answers the same ({agreement['percent']}%)"
    )
    by_pair = p.get_by_role("table", name="Agreement by moderated audit")
    expect(by_pair.get_by_role("row").filter(has_text=reference)).to_contain_text(f"{agreement['percent']}%")
    expect(p.get_by_role("main")).to_contain_text(AUDITS_COMPLETED)
    expect(p.get_by_role("table", name=re.compile(r"answers by question"))).to_be_visible()
    assert Audit.objects.filter(audit_round=audit_round, status=Audit.Status.COMPLETED).count() == 2

    # --- A Board viewer: the dashboard, its PDF and the annual report -----------------------------
    b = sign_in(board_desk, board_viewer.username)
    board_desk.open("/measures/")
    expect(heading(b)).to_have_text("Board dashboard")
    expect(b.get_by_role("main")).to_contain_text(AUDITS_COMPLETED)
    expect(b.get_by_role("main")).not_to_contain_text(reference)

    # The PDF is made from HTML (core/downloads.py): what it prints is read as it is rendered.
    printed: list[str] = []

    def rendered(*args, **kwargs) -> str:
        html = render_to_string(*args, **kwargs)
        printed.append(html)
        return html

    monkeypatch.setattr(downloads, "render_to_string", rendered)
    with b.expect_download() as downloading:
        b.get_by_role("link", name="Download as PDF").click()
    download = downloading.value
    assert download.failure() is None and download.suggested_filename == "msp-dashboard.pdf"
    pdf = download.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    (html,) = printed
    assert AUDITS_COMPLETED in html and reference not in html

    board_desk.open("/annual-report/")
    year = FinancialYear.current()
    board_desk.press(b.get_by_role("link", name=str(year)))
    expect(heading(b)).to_have_text(f"Safeguarding Adults Board annual report {year}")
    expect(b.get_by_role("heading", name="Case file audits", level=2)).to_be_visible()
    expect(b.get_by_role("main")).to_contain_text(AUDITS_COMPLETED)
    expect(b.get_by_role("main")).not_to_contain_text(reference)
