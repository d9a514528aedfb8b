"""A practitioner's day (issue 13), walked through the pages by a team manager and a practitioner.

The manager allocates a concern reporting ongoing abuse; the practitioner is told on their worktray,
records the safety action, links the person, writes a case note, adds a document and records the
decision; the manager returns it with a comment, the practitioner corrects it and the manager signs
it off. On the enquiry that opens, the closure gate holds the closure until the plan action and the
advocacy referral are resolved; the manager signs the closure off, the practitioner produces the
outcome letter, and the person's chronology shows the case note, the document and the letter.

The two sit at two desks: each has a browser of their own (a context each) and signs in once, with
the code from their authenticator app. Every page either of them lands on is checked with axe (see
conftest.py) and, at 390 px wide, must not scroll sideways (WCAG 1.4.10 Reflow). The world (the
personas, the adult's record and the concern) is built with the services. Run with `make test-browser`.
"""

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Locator, Page, expect

from msphub.concerns.models import Concern
from msphub.enquiries.models import Enquiry
from msphub.letters.models import Letter
from tests.browser.conftest import CHECKED_DOCUMENTS, TIMEOUT_MS, Visit
from tests.browser.test_concern_journey import fill_date, heading, menu
from tests.browser.test_enquiry_journey import add_outcome, fill_today, option, success
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ENQUIRY_REFERENCE = re.compile(r"ENQ-\d{4}-\d{6}")
NARROW = {"width": 390, "height": 844}

SAFETY_ACTION = "Sunrise Home Care has taken the carer off Edna's visits until the enquiry is done."
NOTE = "Phoned Edna's daughter: she visits daily and has seen the bruising too."
DOCUMENT_TITLE = "Body map from the district nurse's visit"
RETURNED = "Say what Edna wants in the reasons: the enquiry should start from her view."
WANTS = "I want a different carer"
ACTION = "Sunrise Home Care to send the visit logs for the last month"
# The smallest file the documents app takes as a PDF: its type is read from the content.
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _second_factor(settings) -> None:
    settings.SECOND_FACTOR_REQUIRED = True


class Desk(Visit):
    """One person's browser. Each page it lands on is checked with axe (``Visit``), then drawn
    390 px wide (a phone), where it must not scroll sideways, and put back to the desktop's width."""

    def open(self, path: str) -> Page:
        super().open(path)
        self.reflows()
        return self.page

    def press(self, target: Locator) -> Page:
        super().press(target)
        self.reflows()
        return self.page

    def reflows(self) -> None:
        wide = self.page.viewport_size
        self.page.set_viewport_size(NARROW)
        width = self.page.evaluate("document.documentElement.scrollWidth")
        if wide is not None:
            self.page.set_viewport_size(wide)
        path = urlsplit(self.page.url).path
        assert width <= NARROW["width"], f"{path} scrolls sideways at 390 px ({width} px wide)"


@pytest.fixture
def colleague_page(browser: Browser, live_server, request: pytest.FixtureRequest) -> Iterator[Page]:
    """The second desk's browser: as conftest's ``page`` (a fresh context on the live server, and
    every page it loads must have been checked with axe)."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    loaded: list[str] = []
    page.on("load", lambda p: loaded.append(urlsplit(p.url).path))
    yield page
    checked = CHECKED_DOCUMENTS.pop(page, 0)
    context.close()
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.passed:
        assert checked == len(loaded), f"{len(loaded) - checked} page(s) not checked with axe, of {loaded}"


def authenticator_app(user) -> TOTPDevice:
    """The user set up their authenticator app at an earlier sign-in."""
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def code_from(app: TOTPDevice) -> str:
    totp = TOTP(app.bin_key, app.step, app.t0, app.digits, app.drift)
    totp.time = time.time()
    return f"{totp.token():0{app.digits}d}"


def sign_in(desk: Desk, user, app: TOTPDevice) -> Page:
    page = desk.open("/accounts/login/")
    expect(heading(page)).to_have_text("Sign in")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    desk.press(page.get_by_role("button", name="Sign in"))
    expect(heading(page)).to_have_text("Enter the code from your authenticator app")
    page.get_by_label("Code", exact=True).fill(code_from(app))
    desk.press(page.get_by_role("button", name="Continue"))
    expect(heading(page)).to_contain_text("Hello")
    return page


def find(desk: Desk, page: Page, reference: str) -> None:
    """The header's search box: a reference goes straight to its record."""
    search = page.get_by_role("search")
    search.get_by_label("Search by reference, name, date of birth or NHS number").fill(reference)
    desk.press(search.get_by_role("button", name="Search"))


def notification(page: Page, text: str) -> Locator:
    return page.get_by_role("listitem").filter(has_text=text)


def worktray(desk: Desk, page: Page, unread: int = 0) -> None:
    # The count's "unread" is for screen readers: it is said, not shown.
    name = re.compile(rf"^Worktray \({unread} unread\s*\)$" if unread else r"^Worktray$")
    desk.press(menu(page).get_by_role("link", name=name))
    expect(heading(page)).to_have_text("Your worktray")


def home(desk: Desk, page: Page) -> None:
    """Back to the home page, by the service's name in the header: its counts are as of now."""
    desk.press(page.locator(".govuk-service-navigation__service-name").get_by_role("link"))
    expect(heading(page)).to_contain_text("Hello")


@pytest.fixture
def concern(make_person, make_concern) -> Concern:
    """Edna already has a record; a district nurse reports bruising that is still happening."""
    make_person()
    return make_concern(still_happening=True)


def test_a_practitioners_day(page, colleague_page, practitioner, manager, concern, tmp_path):
    reference = concern.reference
    manager_app, practitioner_app = authenticator_app(manager), authenticator_app(practitioner)
    m_desk, p_desk = Desk(page), Desk(colleague_page)

    # --- The team manager allocates the concern ---------------------------------------------------
    m = sign_in(m_desk, manager, manager_app)
    m_desk.press(m.get_by_role("link", name=re.compile(r"new concerns not yet picked up")))
    expect(heading(m)).to_have_text("Front-door queue")
    row = m.get_by_role("row").filter(has=m.get_by_role("link", name=reference, exact=True))
    expect(row.get_by_text("Ongoing abuse", exact=True)).to_be_visible()
    m_desk.press(row.get_by_role("link", name=reference, exact=True))
    expect(heading(m)).to_have_text("Edna Marsh")
    expect(m.get_by_text("Ongoing abuse reported", exact=True)).to_be_visible()
    m_desk.press(m.get_by_role("link", name="Allocate or reassign"))
    expect(heading(m)).to_have_text("Allocate the concern")
    m.get_by_label("Who should work on this concern?").select_option(label="Pat Tester (Front Door)")
    m_desk.press(m.get_by_role("button", name="Allocate"))
    success(m, f"{reference} is allocated to Pat Tester")
    expect(m.get_by_text("assigned to Pat Tester (Front Door)")).to_be_visible()

    # --- The practitioner is told on their worktray -----------------------------------------------
    p = sign_in(p_desk, practitioner, practitioner_app)
    worktray(p_desk, p, unread=1)
    expect(p.get_by_role("heading", name="Notifications (1 unread)")).to_be_visible()
    allocated = notification(p, f"Allocated to you: {reference}")
    expect(allocated).to_be_visible()
    expect(p.get_by_role("heading", name="Concerns assigned to you (1)")).to_be_visible()
    p_desk.press(allocated.get_by_role("button", name=f"Open {reference}"))
    expect(heading(p)).to_have_text("Edna Marsh")
    expect(menu(p).get_by_role("link", name=re.compile(r"^Worktray$"))).to_be_visible()  # read now

    # The safety action first: the concern reports ongoing abuse, and the decision waits for it.
    expect(
        p.get_by_text("Record the safety action taken. This concern reports ongoing abuse")
    ).to_be_visible()
    p_desk.press(p.get_by_role("link", name="Record the safety action taken", exact=True))
    expect(heading(p)).to_have_text("Record the safety action taken")
    p.get_by_label("What has been done to keep the adult safe?").fill(SAFETY_ACTION)
    p_desk.press(p.get_by_role("button", name="Save safety action"))
    success(p, "Safety action recorded")
    expect(p.locator("#safety-action-missing")).to_have_count(0)

    # Edna's record is among the likely matches at once.
    p_desk.press(p.get_by_role("link", name="Link to a person's record"))
    expect(heading(p)).to_have_text("Link to a person's record")
    expect(p.get_by_role("heading", name="Possible matches")).to_be_visible()
    p_desk.press(p.get_by_role("button", name="Link Edna Marsh"))
    success(p, "Concern linked to Edna Marsh")

    # A case note about the concern: a phone call a few minutes ago.
    p_desk.press(p.get_by_role("link", name="Add a case note"))
    expect(heading(p)).to_have_text("Add a case note")
    called = timezone.localtime() - timedelta(minutes=5)
    p.get_by_label("Phone call", exact=True).check()
    fill_date(p, "Date it happened", called.day, called.month, called.year)
    p.get_by_label("Time it happened").fill(called.strftime("%H:%M"))
    p.get_by_label("What happened?").fill(NOTE)
    p_desk.press(p.get_by_role("button", name="Save case note"))
    success(p, "Case note added")
    expect(heading(p)).to_have_text("Chronology")
    expect(p.get_by_role("row").filter(has_text=NOTE)).to_contain_text("Phone call")

    # Back to the concern by its reference, and a document on it: a PDF, checked by its content.
    find(p_desk, p, reference)
    expect(p.get_by_text(f"Concern {reference}", exact=True)).to_be_visible()
    p_desk.press(p.get_by_role("link", name="Add a document"))
    expect(heading(p)).to_have_text("Add a document")
    body_map = tmp_path / "body-map.pdf"
    body_map.write_bytes(PDF_BYTES)
    p.get_by_label("Upload a file").set_input_files(body_map)
    p.get_by_label("Body map", exact=True).check()
    p.get_by_label("Title").fill(DOCUMENT_TITLE)
    p_desk.press(p.get_by_role("button", name="Add the document"))
    success(p, "Document added")
    expect(heading(p)).to_have_text(DOCUMENT_TITLE)
    with p.expect_download() as downloading:
        p.get_by_role("link", name=re.compile(r"^Download the document")).click()
    assert downloading.value.path().read_bytes() == PDF_BYTES
    p_desk.press(p.get_by_role("link", name="Back", exact=True))
    expect(p.get_by_role("link", name=DOCUMENT_TITLE)).to_be_visible()

    # The decision.
    p_desk.press(p.get_by_role("link", name="Record the decision"))
    expect(heading(p)).to_have_text("Record the section 42 decision")
    p.get_by_label("Section 42 enquiry", exact=True).check()
    p.get_by_label(
        "The adult has needs for care and support (whether or not the council is meeting them)"
    ).check()
    p.get_by_label("The adult is experiencing, or is at risk of, abuse or neglect").check()
    p.get_by_label("As a result of those needs, the adult is unable to protect themselves").check()
    p.get_by_label("For an enquiry: who will lead it?").select_option(label="Pat Tester")
    p.get_by_label("Reasons for the decision").fill("All three criteria are met.")
    p_desk.press(p.get_by_role("button", name="Save decision"))
    success(p, "Decision recorded. A team manager needs to sign it off.")

    # --- The manager returns it with a comment ---------------------------------------------------
    worktray(m_desk, m)
    expect(m.get_by_role("heading", name="Decisions waiting for your sign-off (1)")).to_be_visible()
    m_desk.press(m.get_by_role("link", name=reference, exact=True))
    m_desk.press(m.get_by_role("link", name="Review and sign off the decision"))
    expect(heading(m)).to_have_text("Sign off the decision")
    expect(m.get_by_role("main")).to_contain_text(SAFETY_ACTION)
    m.get_by_label("No, return it to the practitioner").check()
    m.get_by_label("If you are returning it, why?").fill(RETURNED)
    m_desk.press(m.get_by_role("button", name="Confirm"))
    success(m, "Decision returned to the practitioner")

    # --- The practitioner sees why, and corrects the decision -------------------------------------
    home(p_desk, p)
    p_desk.press(p.get_by_role("link", name="Your worktray: 1 unread notification"))
    expect(heading(p)).to_have_text("Your worktray")
    returned = notification(p, f"Decision returned to you: {reference}")
    expect(returned).to_contain_text(f"The manager's comment: {RETURNED}")
    p_desk.press(returned.get_by_role("button", name=f"Open {reference}"))
    p_desk.press(p.get_by_role("link", name="Change the decision"))
    expect(heading(p)).to_have_text("Record the section 42 decision")
    expect(p.get_by_text(f"Returned by the team manager: {RETURNED}")).to_be_visible()
    expect(p.get_by_label("Section 42 enquiry", exact=True)).to_be_checked()
    p.get_by_label("Reasons for the decision").fill(
        "All three criteria are met. Edna wants a different carer; the enquiry starts there."
    )
    p_desk.press(p.get_by_role("button", name="Save decision"))
    success(p, "Decision recorded. A team manager needs to sign it off.")

    # --- The manager signs it off: the enquiry opens ---------------------------------------------
    worktray(m_desk, m)
    m_desk.press(m.get_by_role("link", name=reference, exact=True))
    m_desk.press(m.get_by_role("link", name="Review and sign off the decision"))
    m.get_by_label("Yes, sign it off").check()
    m_desk.press(m.get_by_role("button", name="Confirm"))
    enquiry_link = m.get_by_role("link", name=ENQUIRY_REFERENCE)
    expect(enquiry_link).to_be_visible()
    enquiry = enquiry_link.inner_text().strip()
    success(m, f"Decision signed off. Enquiry {enquiry} opened")

    # --- The practitioner works the enquiry: what Edna wants, a plan action, advocacy ------------
    p_desk.press(menu(p).get_by_role("link", name="Enquiries"))
    p_desk.press(p.get_by_role("link", name=enquiry, exact=True))
    expect(p.get_by_text(f"Section 42 enquiry {enquiry}")).to_be_visible()
    add_outcome(p_desk, p, WANTS, "Stop the abuse or neglect")

    p_desk.press(p.get_by_role("link", name="Add an action"))
    expect(heading(p)).to_have_text("Add a safeguarding plan action")
    p.get_by_label("What will be done?").fill(ACTION)
    p.get_by_label("Who is responsible for it?").select_option("other")
    p.get_by_label("If someone else, who?").fill("Sunrise Home Care")
    due = timezone.localdate() - timedelta(days=1)
    fill_date(p, "Due date", due.day, due.month, due.year)
    p_desk.press(p.get_by_role("button", name="Save"))
    success(p, "Action added")
    expect(p.get_by_role("row").filter(has_text=ACTION)).to_contain_text("Overdue")

    p_desk.press(p.get_by_role("link", name="Record an advocacy referral", exact=True))
    expect(heading(p)).to_have_text("Record an advocacy referral")
    option(p, "Type of advocacy", "Care Act independent advocate").check()
    fill_today(p, "Date of referral")
    p_desk.press(p.get_by_role("button", name="Save"))
    success(p, "Advocacy referral recorded")
    expect(
        p.get_by_text(re.compile(r"^Care Act independent advocate: referred .*, not started yet"))
    ).to_be_visible()

    # --- Closing through the gate: the action and the referral are resolved first ----------------
    p_desk.press(p.get_by_role("link", name="Close the enquiry"))
    expect(heading(p)).to_have_text("Close the enquiry")
    gate = p.get_by_role("alert").filter(has_text="Resolve these before the enquiry can close")
    expect(gate.get_by_role("listitem")).to_have_count(2)
    expect(gate).to_contain_text(f"overdue since {due.day} {due:%B %Y}")
    p_desk.press(gate.get_by_role("link", name=re.compile(r"^Resolve the plan action")))
    expect(heading(p)).to_have_text("Resolve a plan action")
    expect(p.get_by_role("main")).to_contain_text(ACTION)
    p.get_by_label("It was cancelled: it is no longer needed or cannot be done").check()
    p.get_by_label("If it was cancelled, why?").fill("The provider has handed the logs to the police.")
    p_desk.press(p.get_by_role("button", name="Save"))
    success(p, "Action marked as cancelled")
    expect(p.get_by_role("row").filter(has_text=ACTION)).to_contain_text(
        "The provider has handed the logs to the police."
    )

    p_desk.press(p.get_by_role("link", name="Close the enquiry"))
    gate = p.get_by_role("alert").filter(has_text="Resolve these before the enquiry can close")
    expect(gate.get_by_role("listitem")).to_have_count(1)
    p_desk.press(gate.get_by_role("link", name=re.compile(r"^Record when the advocacy referral")))
    p_desk.press(p.get_by_role("link", name=re.compile(r"^Not going ahead")))
    expect(heading(p)).to_have_text("Advocacy not going ahead")
    p.get_by_label("Why is the advocacy not going ahead?").fill("Edna's daughter will support her instead.")
    p_desk.press(p.get_by_role("button", name="Save"))
    success(p, "Advocacy referral marked not going ahead")

    p_desk.press(p.get_by_role("link", name="Close the enquiry"))
    expect(p.get_by_text("Resolve these before the enquiry can close")).to_have_count(0)
    # What holds nothing up is still said: the letters and the feedback.
    expect(p.get_by_text("The adult has not been sent the outcome letter yet")).to_be_visible()
    expect(p.get_by_text("The person has not been asked for their feedback yet")).to_be_visible()
    option(p, f"Was “{WANTS}” achieved?", "Fully Achieved").check()
    option(p, "Risk assessment outcome", "Risk identified and action taken").check()
    option(p, "If risk was identified and action taken: the risk outcome", "Risk reduced").check()
    option(
        p,
        "Did the person lack capacity to make decisions about the safeguarding?",
        "No, they did not lack capacity",
    ).check()
    option(p, "Reason for closing", "Enquiry complete").check()
    p.get_by_label("Closing summary").fill("Edna has a new carer and feels safe at home.")
    p_desk.press(p.get_by_role("button", name="Send for sign-off"))
    success(p, "Closure sent to a team manager to sign off")

    # --- The manager signs the closure off -------------------------------------------------------
    worktray(m_desk, m)
    expect(m.get_by_role("heading", name="Enquiry closures waiting for your sign-off (1)")).to_be_visible()
    m_desk.press(m.get_by_role("link", name=enquiry, exact=True))
    m_desk.press(m.get_by_role("link", name="Review and sign off the closure"))
    expect(heading(m)).to_have_text("Sign off the closure")
    expect(m.get_by_text("This enquiry cannot be signed off yet")).to_have_count(0)
    expect(m.get_by_text("The adult has not been sent the outcome letter yet")).to_be_visible()
    option(m, "Do you agree the enquiry can close?", "Yes, sign off the closure").check()
    m_desk.press(m.get_by_role("button", name="Confirm"))
    success(m, "Closure signed off. The enquiry is closed")
    assert Enquiry.objects.get(reference=enquiry).status == Enquiry.Status.CLOSED

    # --- The practitioner produces the outcome letter to Edna -------------------------------------
    find(p_desk, p, enquiry)
    expect(p.get_by_text("Closed", exact=True)).to_be_visible()
    p_desk.press(p.get_by_role("link", name="Letters", exact=True))
    expect(heading(p)).to_have_text("Letters")
    p.get_by_label("The outcome letter to the adult", exact=True).check()
    p_desk.press(p.get_by_role("button", name="Produce the letter"))
    success(p, "Outcome letter to the adult produced")
    letters = p.get_by_role("table", name="Letters produced")
    expect(letters.get_by_role("row").filter(has_text="Edna Marsh")).to_contain_text(
        "Outcome letter to the adult"
    )
    with p.expect_download() as downloading:
        letters.get_by_role("link", name=re.compile(r"^Download the outcome letter to the adult")).click()
    letter_pdf = downloading.value.path().read_bytes()
    assert letter_pdf.startswith(b"%PDF")
    letter = Letter.objects.get(enquiry__reference=enquiry)

    # --- Edna's chronology holds the day's case note, document and letter ------------------------
    p_desk.press(p.get_by_role("link", name="Back", exact=True))
    p_desk.press(p.get_by_role("link", name="Edna Marsh's record"))
    p_desk.press(p.get_by_role("link", name="Chronology", exact=True))
    expect(heading(p)).to_have_text("Chronology")
    rows = p.get_by_role("row")
    expect(rows.filter(has_text=NOTE)).to_contain_text("Phone call")
    expect(rows.filter(has_text=NOTE)).to_contain_text(reference)
    expect(rows.filter(has_text=f"Body map: {DOCUMENT_TITLE}")).to_contain_text("Document added")
    expect(rows.filter(has_text=f"To Edna Marsh: {letter.subject}")).to_contain_text(
        "Outcome letter to the adult"
    )
    expect(rows.filter(has_text="Closure signed off: enquiry closed")).to_have_count(1)
