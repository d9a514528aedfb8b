"""A section 42 enquiry from the person's desired outcomes to closure and their feedback.

The concern, decision and sign-off that open the enquiry are set up through the services; the
enquiry itself is then worked through the pages as people use them. Every page visited is
checked with axe (see conftest.py). Run with `make test-browser`.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from msphub.concerns import services as concern_services
from msphub.enquiries.models import Enquiry
from tests.browser.test_concern_journey import fill_date, heading, menu, sign_in, sign_out

pytestmark = pytest.mark.browser

STOP = "I want my son to stop taking my money"
PRISON = "I want my son to go to prison"
ADVOCACY_PROMPT = (
    "The person lacks capacity for a decision in this enquiry and has no appropriate person to "
    "support them: refer them for advocacy."
)


@pytest.fixture
def enquiry(make_concern, make_person, practitioner, manager) -> Enquiry:
    """A section 42 enquiry led by the Front Door practitioner, its decision signed off by the manager."""
    concern = make_concern()
    concern_services.link_person(concern, make_person(), practitioner)
    decision = concern_services.record_decision(
        concern,
        practitioner,
        {
            "outcome": "s42",
            "criterion_care_needs": True,
            "criterion_abuse_risk": True,
            "criterion_cannot_protect": True,
            "rationale": "All three criteria are met.",
            "lead_practitioner": practitioner,
        },
    )
    return concern_services.sign_off(decision, manager)


def group(page: Page, name: str) -> Locator:
    """A fieldset (radios or a date), by its legend."""
    return page.get_by_role("group", name=name, exact=True)


def option(page: Page, legend: str, label: str) -> Locator:
    """A radio button (or date box) by its own label, within the fieldset with this legend."""
    return group(page, legend).get_by_label(label, exact=True)


def fill_today(page: Page, legend: str) -> None:
    today = timezone.localdate()
    fill_date(page, legend, today.day, today.month, today.year)


def success(page: Page, message: str) -> None:
    expect(page.get_by_role("alert").filter(has_text=message)).to_be_visible()


def add_outcome(visit, page: Page, words: str, category: str, negotiated: str = "") -> None:
    visit.press(page.get_by_role("link", name="Add a desired outcome"))
    expect(heading(page)).to_have_text("Add a desired outcome")
    page.get_by_label("What does the person want, in their own words?").fill(words)
    page.get_by_label("Category (for counting)").select_option(label=category)
    option(page, "Who said this?", "The adult").check()
    # The date they said it is filled in with today.
    today = timezone.localdate()
    expect(option(page, "When did they say it?", "Day")).to_have_value(str(today.day))
    if negotiated:
        page.get_by_label("Negotiated outcome (if it cannot be met as the person said it)").fill(negotiated)
        option(page, "Why it had to be negotiated", "The law").check()
        page.get_by_label("More about why").fill(
            "Whether to charge him is for the Crown Prosecution Service."
        )
    visit.press(page.get_by_role("button", name="Save"))
    success(page, "Desired outcome added")
    expect(page.get_by_text(f"“{words}”", exact=True)).to_be_visible()


def test_enquiry_from_outcomes_to_closure_and_feedback(visit, enquiry, practitioner, manager):
    reference = enquiry.reference

    # The lead practitioner opens the enquiry from their caseload.
    page = sign_in(visit, practitioner.username)
    visit.press(menu(page).get_by_role("link", name="Enquiries"))
    expect(heading(page)).to_have_text("Enquiries")
    visit.press(page.get_by_role("link", name=reference))
    expect(heading(page)).to_have_text("Edna Marsh")
    expect(page.get_by_text(f"Section 42 enquiry {reference}")).to_be_visible()
    expect(page.get_by_text("No desired outcomes recorded yet")).to_be_visible()

    # What Edna wants, in her words; one had to be negotiated because of the law.
    add_outcome(visit, page, STOP, "Stop the abuse or neglect")
    add_outcome(
        visit,
        page,
        PRISON,
        "Justice (an apology, prosecution, disciplinary or other action)",
        negotiated="The police are told, and they decide with the CPS whether to charge him",
    )
    expect(
        page.get_by_text("The police are told, and they decide with the CPS whether to charge him")
    ).to_be_visible()
    expect(page.get_by_text("Because of the law")).to_be_visible()

    # A review, with progress on each outcome.
    visit.press(page.get_by_role("link", name="Record a review"))
    expect(heading(page)).to_have_text("Record a review")
    page.get_by_label("Who took part?").fill("Edna, her neighbour Jo, Pat Tester")
    page.get_by_label("What is the person's view, in their own words?").fill(
        "It is better since the bank helped."
    )
    page.get_by_label(f"Progress on “{STOP}”").fill("The bank has put a block on her card.")
    page.get_by_label(f"Progress on “{PRISON}”").fill("Police have taken a statement.")
    visit.press(page.get_by_role("button", name="Save"))
    success(page, "Review recorded")
    for words, progress in (
        (STOP, "The bank has put a block on her card."),
        (PRISON, "Police have taken a statement."),
    ):
        expect(page.get_by_role("term").filter(has_text=f"Progress: “{words}”")).to_be_visible()
        expect(page.get_by_role("definition").filter(has_text=progress)).to_be_visible()

    # A capacity assessment finds she lacks capacity for one decision: the page asks for advocacy.
    expect(page.get_by_text(ADVOCACY_PROMPT)).to_have_count(0)
    visit.press(page.get_by_role("link", name="Record a capacity assessment"))
    expect(heading(page)).to_have_text("Record a capacity assessment")
    page.get_by_label("Which decision was capacity assessed for?").fill(
        "Whether to give her son her bank card"
    )
    fill_today(page, "Date of assessment")
    page.get_by_label("Who assessed?").fill("Pat Tester")
    option(page, "Outcome", "Lacks capacity to make this decision").check()
    visit.press(page.get_by_role("button", name="Save"))
    success(page, "Assessment recorded")
    prompt = page.get_by_text(ADVOCACY_PROMPT)
    expect(prompt).to_be_visible()

    # An advocacy referral, already started, answers the prompt.
    visit.press(prompt.get_by_role("link", name="Record an advocacy referral"))
    expect(heading(page)).to_have_text("Record an advocacy referral")
    option(page, "Type of advocacy", "Care Act independent advocate").check()
    fill_today(page, "Date of referral")
    fill_today(page, "Date advocacy started (if it has)")
    page.get_by_label("Advocate's name").fill("Sam Advocate")
    page.get_by_label("Advocate's organisation").fill("Riverside Advocacy")
    visit.press(page.get_by_role("button", name="Save"))
    success(page, "Advocacy referral recorded")
    expect(page.get_by_text(ADVOCACY_PROMPT)).to_have_count(0)
    expect(
        page.get_by_text(re.compile(r"^Care Act independent advocate: referred .*, started "))
    ).to_be_visible()

    # The risk assessment.
    visit.press(page.get_by_role("link", name="Change risk assessment"))
    expect(heading(page)).to_have_text("Risk assessment")
    page.get_by_label("Risk assessment", exact=True).fill("Her son has her bank card and PIN.")
    option(page, "Outcome of the risk assessment", "Risk identified and action taken").check()
    option(
        page, "If risk was identified and action taken: what happened to the risk?", "Risk reduced"
    ).check()
    visit.press(page.get_by_role("button", name="Save"))
    success(page, "Risk assessment saved")
    expect(
        page.get_by_text("Risk assessment outcome: Risk identified and action taken; risk reduced.")
    ).to_be_visible()

    # Closing: sent first with something missing, which is listed, then complete.
    visit.press(page.get_by_role("link", name="Close the enquiry"))
    expect(heading(page)).to_have_text("Close the enquiry")
    # The national return's answers the record already holds are filled in.
    prefilled = {
        "Was the person or their representative asked about the outcomes they wanted?": (
            "Yes they were asked and outcomes were expressed"
        ),
        "Risk assessment outcome": "Risk identified and action taken",
        "If risk was identified and action taken: the risk outcome": "Risk reduced",
        "Did the person lack capacity to make decisions about the safeguarding?": "Yes, they lacked capacity",
        "If they lacked capacity: were they supported by an advocate, family member or friend?": "Yes",
    }
    for legend, answer in prefilled.items():
        expect(option(page, legend, answer)).to_be_checked()
    visit.press(page.get_by_role("button", name="Send for sign-off"))

    expect(page).to_have_title(re.compile(r"^Error: Close the enquiry"))
    missing = page.get_by_role("alert").filter(has_text="The enquiry cannot close yet")
    expect(missing).to_be_visible()
    expect(missing.get_by_role("listitem")).to_have_text(
        [
            "Select the reason for closing the enquiry",
            f"Select whether this outcome was achieved: “{STOP}”",
            f"Select whether this outcome was achieved: “{PRISON}”",
        ]
    )
    option(page, f"Was “{STOP}” achieved?", "Fully Achieved").check()
    option(page, f"Was “{PRISON}” achieved?", "Partially Achieved").check()
    option(page, "Reason for closing", "Enquiry complete").check()
    page.get_by_label("Closing summary").fill("Edna feels safer; her money is protected.")
    visit.press(page.get_by_role("button", name="Send for sign-off"))
    success(page, "Closure sent to a team manager to sign off")
    expect(page.get_by_text("Closure awaiting sign-off", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Close the enquiry")).to_have_count(0)
    sign_out(visit, page)

    # The Front Door team manager signs the closure off.
    page = sign_in(visit, manager.username)
    visit.press(menu(page).get_by_role("link", name="Enquiries"))
    visit.press(
        page.get_by_role("navigation", name="Caseloads").get_by_role("link", name="Awaiting closure sign-off")
    )
    visit.press(page.get_by_role("link", name=reference))
    visit.press(page.get_by_role("link", name="Review and sign off the closure"))
    expect(heading(page)).to_have_text("Sign off the closure")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Enquiry complete")
    expect(main).to_contain_text("Fully Achieved")
    expect(main).to_contain_text("Partially Achieved")
    expect(main).to_contain_text("Risk identified and action taken; risk reduced")
    expect(main).to_contain_text("Yes, they lacked capacity; supported: yes")
    option(page, "Do you agree the enquiry can close?", "Yes, sign off the closure").check()
    visit.press(page.get_by_role("button", name="Confirm"))
    success(page, "Closure signed off. The enquiry is closed")
    expect(page.get_by_text("Closed", exact=True)).to_be_visible()
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.CLOSED
    assert enquiry.signed_off_by == manager

    # Edna is asked for her feedback; she is happy for her words to be quoted.
    visit.press(menu(page).get_by_role("link", name="Enquiries"))
    visit.press(page.get_by_role("link", name="Feedback to ask for"))
    expect(heading(page)).to_have_text("Feedback to ask for")
    visit.press(page.get_by_role("link", name=f"Record feedback for {reference}"))
    expect(heading(page)).to_have_text("The person's feedback")
    option(page, "Who asked?", "The practitioner, at closure").check()
    option(page, "Did you feel listened to?", "Definitely").check()
    option(page, "Do you feel safer now because of the help you had?", "To some extent").check()
    page.get_by_label("Is there anything you want to tell us?").fill("Pat was kind and listened to me.")
    page.get_by_label(
        "I agree that my words can be shared with the Safeguarding Adults Board without my name"
    ).check()
    visit.press(page.get_by_role("button", name="Save"))
    success(page, "Feedback recorded. Thank you for asking")
    feedback = page.get_by_role("definition").filter(has_text="Pat was kind and listened to me.")
    expect(feedback).to_contain_text("May be quoted anonymously")

    # The easy-read questionnaire is a PDF (fetched, not visited: axe checks HTML pages only).
    pdf_link = page.get_by_role("link", name="Easy-read questionnaire (PDF)")
    response = page.request.get(pdf_link.get_attribute("href"))
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
