"""A concern from a member of the public to an enquiry, through the pages as people use them.

Every page visited is checked with axe (see conftest.py). Run with `make test-browser`.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

CONCERN_REFERENCE = re.compile(r"CON-\d{4}-\d{6}")
ENQUIRY_REFERENCE = re.compile(r"ENQ-\d{4}-\d{6}")


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def fill_date(page: Page, legend: str, day: int, month: int, year: int) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day))
    group.get_by_label("Month").fill(str(month))
    group.get_by_label("Year").fill(str(year))


def continue_button(page: Page) -> Locator:
    return page.get_by_role("button", name="Continue")


def sign_in(visit, username: str) -> Page:
    page = visit.open("/accounts/login/")
    expect(heading(page)).to_have_text("Sign in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    visit.press(page.get_by_role("button", name="Sign in"))
    expect(heading(page)).to_contain_text("Hello")
    return page


def menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Menu")


def sign_out(visit, page: Page) -> None:
    """The Sign out button in the menu posts a form."""
    visit.press(menu(page).get_by_role("button", name="Sign out"))
    expect(menu(page).get_by_role("link", name="Sign in")).to_be_visible()


def raise_concern_as_public(visit) -> str:
    """Answer every question as a member of the public; return the reference they are given."""
    page = visit.open("/concerns/raise/")
    expect(heading(page)).to_have_text("Raise a safeguarding concern about an adult")
    visit.press(page.get_by_role("button", name="Start now"))

    expect(heading(page)).to_have_text("Which council area did this happen in?")
    page.get_by_label("Riverside Council").check()
    visit.press(continue_button(page))

    expect(heading(page)).to_have_text("Is the adult in immediate danger?")
    page.get_by_label("No", exact=True).check()
    visit.press(continue_button(page))

    expect(heading(page)).to_have_text("About you")
    page.get_by_label("A member of the public").check()
    page.get_by_label("Your full name").fill("Jo Bloggs")
    page.get_by_label("Your job title, or your relationship to the adult").fill("Neighbour")
    page.get_by_label("Phone number").fill("01234 567890")
    page.get_by_label("Email address").fill("jo@example.org")
    visit.press(continue_button(page))

    expect(heading(page)).to_have_text("About the adult")
    page.get_by_label("First name").fill("Edna")
    page.get_by_label("Last name").fill("Marsh")
    fill_date(page, "Date of birth (if you know it)", 17, 5, 1938)
    page.get_by_label("Address", exact=True).fill("1 Mill Lane, Riverside")
    page.get_by_label("Postcode").fill("rv1 2ab")
    page.get_by_label("What care and support needs does the adult have, if you know?").fill(
        "Dementia; daily home care visits"
    )
    visit.press(continue_button(page))

    expect(heading(page)).to_have_text("What happened")
    page.get_by_label("What has happened?").fill("Bruising on both arms, seen over the fence.")
    happened = timezone.localdate() - timedelta(days=2)
    fill_date(page, "When did it happen? (if you know)", happened.day, happened.month, happened.year)
    page.get_by_label("It is still happening").check()
    visit.press(continue_button(page))

    expect(heading(page)).to_have_text("What kind of abuse or neglect is it?")
    page.get_by_label("Physical Abuse").check()
    page.get_by_label("Neglect and Acts of Omission").check()
    visit.press(continue_button(page))

    expect(heading(page)).to_have_text("Where it happened and who is involved")
    page.get_by_role("radio", name="Own Home").check()
    page.get_by_role("radio", name=re.compile(r"^Service Provider")).check()
    page.get_by_label("Name of the care provider involved (if any)").fill("Sunrise Home Care")
    visit.press(continue_button(page))

    expect(heading(page)).to_have_text("The adult's agreement")
    page.get_by_label("Yes, they agreed to this concern being raised").check()
    visit.press(continue_button(page))

    expect(heading(page)).to_have_text("What the adult wants")
    asked = page.get_by_role("group", name="Have you asked the adult what they want to happen?")
    asked.get_by_label("Yes").check()
    page.get_by_label("What does the adult want to happen?", exact=True).fill("I want a different carer")
    page.get_by_label("What outcomes do they want?").fill("To feel safe at home")
    visit.press(continue_button(page))

    expect(heading(page)).to_have_text("Check your answers before sending the concern")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Riverside Council")
    expect(main).to_contain_text("17 May 1938")
    expect(main).to_contain_text("Physical Abuse, Neglect and Acts of Omission")
    visit.press(page.get_by_role("button", name="Accept and send"))

    expect(heading(page)).to_have_text("Concern sent")
    reference = page.get_by_text(CONCERN_REFERENCE)
    expect(reference).to_be_visible()
    return reference.inner_text().strip()


def test_concern_from_the_public_to_an_enquiry(visit, council, other_council, practitioner, manager):
    reference = raise_concern_as_public(visit)
    assert CONCERN_REFERENCE.fullmatch(reference)

    # The front-door practitioner picks it up and triages it.
    page = sign_in(visit, practitioner.username)
    visit.press(menu(page).get_by_role("link", name="Front door"))
    expect(heading(page)).to_have_text("Front-door queue")
    visit.press(page.get_by_role("link", name=reference))
    expect(heading(page)).to_have_text("Edna Marsh")
    expect(page.get_by_text(f"Concern {reference}")).to_be_visible()

    visit.press(page.get_by_role("button", name="Pick up this concern"))
    expect(page.get_by_text(f"{reference} is assigned to you")).to_be_visible()

    visit.press(page.get_by_role("link", name="Link to a person's record"))
    expect(heading(page)).to_have_text("Link to a person's record")
    visit.press(page.get_by_role("link", name="Create a new record for Edna Marsh"))
    expect(heading(page)).to_have_text("Create a record for the adult")
    expect(page.get_by_label("First name")).to_have_value("Edna")
    expect(page.get_by_label("Last name")).to_have_value("Marsh")
    visit.press(page.get_by_role("button", name="Create record and link"))
    expect(page.get_by_text("Record created for Edna Marsh and linked")).to_be_visible()

    visit.press(page.get_by_role("link", name="Record a conversation with the adult"))
    expect(heading(page)).to_have_text("Record a conversation with the adult")
    spoke_at = timezone.localtime()  # this minute: in the past, and not before the concern arrived
    fill_date(page, "Date of the conversation", spoke_at.day, spoke_at.month, spoke_at.year)
    page.get_by_label("Time of the conversation").fill(spoke_at.strftime("%H:%M"))
    page.get_by_label("By phone").check()
    page.get_by_label("The adult", exact=True).check()
    page.get_by_label("What did they say they want to happen?").fill("A different carer")
    visit.press(page.get_by_role("button", name="Save conversation"))
    expect(page.get_by_text("Conversation recorded")).to_be_visible()
    expect(page.get_by_text("Within 24 hours")).to_be_visible()

    visit.press(page.get_by_role("link", name="Record the safety action taken"))
    page.get_by_label("What has been done to keep the adult safe?").fill(
        "The care agency has taken the carer off Edna's visits while we look into it."
    )
    visit.press(page.get_by_role("button", name="Save safety action"))
    expect(page.get_by_text("Safety action recorded")).to_be_visible()
    visit.press(page.get_by_role("link", name="Record the decision"))
    expect(heading(page)).to_have_text("Record the section 42 decision")
    page.get_by_label("Section 42 enquiry", exact=True).check()
    page.get_by_label(
        "The adult has needs for care and support (whether or not the council is meeting them)"
    ).check()
    page.get_by_label("The adult is experiencing, or is at risk of, abuse or neglect").check()
    page.get_by_label("As a result of those needs, the adult is unable to protect themselves").check()
    page.get_by_label("For an enquiry: who will lead it?").select_option(label="Pat Tester")
    page.get_by_label("Reasons for the decision").fill(
        "All three criteria are met. Edna wants a different carer; the enquiry will start there."
    )
    visit.press(page.get_by_role("button", name="Save decision"))
    expect(page.get_by_text("Decision recorded. A team manager needs to sign it off.")).to_be_visible()
    expect(page.get_by_text("Awaiting a team manager")).to_be_visible()
    sign_out(visit, page)

    # The Front Door team manager signs the decision off.
    page = sign_in(visit, manager.username)
    visit.press(page.get_by_role("link", name="Decisions awaiting sign-off"))
    expect(heading(page)).to_have_text("Front-door queue")
    visit.press(page.get_by_role("link", name=reference))
    visit.press(page.get_by_role("link", name="Review and sign off the decision"))
    expect(heading(page)).to_have_text("Sign off the decision")
    page.get_by_label("Yes, sign it off").check()
    visit.press(page.get_by_role("button", name="Confirm"))

    expect(heading(page)).to_have_text("Edna Marsh")
    enquiry_link = page.get_by_role("link", name=ENQUIRY_REFERENCE)
    expect(enquiry_link).to_be_visible()
    enquiry = enquiry_link.inner_text().strip()
    expect(page.get_by_text(f"Decision signed off. Enquiry {enquiry} opened")).to_be_visible()

    visit.press(enquiry_link)
    expect(page.get_by_text(f"Enquiry {enquiry}")).to_be_visible()
    expect(heading(page)).to_have_text("Edna Marsh")
    expect(page.get_by_role("link", name=reference)).to_be_visible()


def test_question_page_errors_are_summarised_and_accessible(visit, council):
    page = visit.open("/concerns/raise/")
    visit.press(page.get_by_role("button", name="Start now"))
    expect(heading(page)).to_have_text("Is the adult in immediate danger?")
    page.get_by_label("No", exact=True).check()
    visit.press(continue_button(page))
    expect(heading(page)).to_have_text("About you")
    page.get_by_label("A member of the public").check()
    page.get_by_label("Your full name").fill("Jo Bloggs")
    page.get_by_label("Phone number").fill("01234 567890")
    visit.press(continue_button(page))

    expect(heading(page)).to_have_text("About the adult")
    fill_date(page, "Date of birth (if you know it)", 31, 2, 1950)
    visit.press(continue_button(page))  # axe runs on the page with its errors

    expect(page).to_have_title(re.compile(r"^Error: About the adult"))
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    for message in (
        "Enter the adult's first name",
        "Enter the adult's last name",
        "Date of birth must be a real date",
    ):
        expect(summary.get_by_role("link", name=message)).to_be_visible()
    expect(page.locator(".govuk-error-message")).to_have_count(3)
    # The day box keeps what was typed, and the summary link takes the person to it.
    day = page.get_by_role("group", name="Date of birth (if you know it)").get_by_label("Day")
    expect(day).to_have_value("31")
    summary.get_by_role("link", name="Date of birth must be a real date").click()
    expect(day).to_be_focused()
