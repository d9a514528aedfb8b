"""A police referrer follows a concern from raising it to its outcome (issue 15, the referrer's loop).

The referrer raises the concern through the form, with the police's own incident number; the council
works it (driven through the services, to keep the walk short: picked up, decided, signed off, and the
words for the referrer written); the referrer sees on their worktray that it has moved on, opens it,
reads what was decided, the outcome in the council's words and who is dealing with it, and adds
information. Every page is checked with axe (conftest.py) and, 390 px wide, must not scroll sideways
(``Desk``). Run with `make test-browser`.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from msphub.accounts.models import Role
from msphub.concerns import referrer, services
from msphub.concerns.models import Concern, ConcernUpdate
from msphub.worktray.models import Notification
from tests.browser.test_concern_journey import continue_button, heading, menu, sign_in
from tests.browser.test_practitioner_day import Desk
from tests.conftest import new_person

pytestmark = pytest.mark.browser

CONCERN_REFERENCE = re.compile(r"CON-\d{4}-\d{6}")
INCIDENT = "RP-2026-0815"
OUTCOME = "She has a new carer and says she feels safe. Thank you for telling us."
ADDED = "Edna's neighbour rang us today: the old carer came to the door on Sunday."


@pytest.fixture
def desk(page: Page) -> Desk:
    return Desk(page)


def raise_with_our_reference(desk: Desk) -> str:
    """Signed in, the referrer's own details are filled in; they add the incident number."""
    page = desk.open("/concerns/raise/")
    desk.press(page.get_by_role("button", name="Start now"))
    expect(heading(page)).to_have_text("Is the adult in immediate danger?")
    page.get_by_label("No", exact=True).check()
    desk.press(continue_button(page))

    expect(heading(page)).to_have_text("About you")
    expect(page.get_by_label("Your full name")).to_have_value("Pc Tester")
    page.get_by_label("Your organisation's reference (if any)").fill(INCIDENT)
    desk.press(continue_button(page))

    expect(heading(page)).to_have_text("About the adult")
    page.get_by_label("First name").fill("Edna")
    page.get_by_label("Last name").fill("Marsh")
    page.get_by_label("Address", exact=True).fill("1 Mill Lane, Riverside")
    desk.press(continue_button(page))

    expect(heading(page)).to_have_text("What happened")
    page.get_by_label("What has happened?").fill("Officers attending a call saw bruising on both arms.")
    desk.press(continue_button(page))

    expect(heading(page)).to_have_text("What kind of abuse or neglect is it?")
    page.get_by_label("Physical Abuse").check()
    desk.press(continue_button(page))

    expect(heading(page)).to_have_text("Where it happened and who is involved")
    page.get_by_role("radio", name="Own Home").check()
    page.get_by_role("radio", name=re.compile(r"^Service Provider")).check()
    page.get_by_label("Name of the care provider involved (if any)").fill("Sunrise Home Care")
    desk.press(continue_button(page))

    expect(heading(page)).to_have_text("The adult's agreement")
    page.get_by_label("Yes, they agreed to this concern being raised").check()
    desk.press(continue_button(page))

    expect(heading(page)).to_have_text("What the adult wants")
    asked = page.get_by_role("group", name="Have you asked the adult what they want to happen?")
    asked.get_by_label("Yes").check()
    page.get_by_label("What does the adult want to happen?", exact=True).fill("I want a different carer")
    desk.press(continue_button(page))

    expect(heading(page)).to_have_text("Check your answers before sending the concern")
    expect(page.get_by_role("main")).to_contain_text(INCIDENT)
    desk.press(page.get_by_role("button", name="Accept and send"))
    expect(heading(page)).to_have_text("Concern sent")
    return page.get_by_text(CONCERN_REFERENCE).inner_text().strip()


def council_works_it(reference: str, council, practitioner, manager) -> None:
    """The front door picks it up, decides on an enquiry led by the practitioner, the manager signs it
    off, and the practitioner writes what the referrer is told."""
    concern = Concern.objects.get(reference=reference)
    services.pick_up(concern, practitioner)
    services.link_person(concern, new_person(council, given_name="Edna", family_name="Marsh"), practitioner)
    decision = services.record_decision(
        concern,
        practitioner,
        {
            "outcome": "s42",
            "criterion_care_needs": True,
            "criterion_abuse_risk": True,
            "criterion_cannot_protect": True,
            "rationale": "All three criteria are met; Edna wants a different carer.",
            "lead_practitioner": practitioner,
        },
    )
    services.sign_off(decision, manager)
    services.set_outcome_for_referrer(Concern.objects.get(pk=concern.pk), practitioner, OUTCOME)


def test_a_referrer_raises_a_concern_and_follows_it_to_its_outcome(
    desk, council, partner_referrer, practitioner, manager
):
    practitioner.job_title, practitioner.phone = "Social worker", "01234 000111"
    practitioner.save(update_fields=["job_title", "phone"])
    assert partner_referrer.role == Role.PARTNER_REFERRER
    page = sign_in(desk, partner_referrer.username)
    reference = raise_with_our_reference(desk)
    concern = Concern.objects.get(reference=reference)
    assert concern.raiser_reference == INCIDENT and concern.raised_by_user == partner_referrer

    # The list of the agency's concerns shows the police's own reference beside the council's.
    desk.press(menu(page).get_by_role("link", name="Concerns raised"))
    expect(page.get_by_role("row", name=re.compile(reference))).to_contain_text(INCIDENT)
    expect(page.get_by_role("row", name=re.compile(reference))).to_contain_text("Received")

    council_works_it(reference, council, practitioner, manager)
    assert (
        Notification.objects.filter(user=partner_referrer, kind=Notification.Kind.CONCERN_PROGRESS).count()
        == 3
    )

    # The worktray says it has moved on (the reference only); the referrer opens it.
    desk.press(menu(page).get_by_role("link", name=re.compile("Worktray")))
    expect(heading(page)).to_have_text("Your worktray")
    expect(page.get_by_text("A concern you raised has moved on").first).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text("Edna")
    desk.press(page.get_by_role("button", name=f"Open {reference}").first)

    expect(heading(page)).to_have_text(reference)
    main = page.get_by_role("main")
    expect(main).to_contain_text("Enquiry started")
    expect(main).to_contain_text(INCIDENT)
    expect(main).to_contain_text(referrer.SECTION_42)
    expect(page.locator("#outcome-words")).to_have_text(OUTCOME)
    expect(main).to_contain_text("Pat Tester")
    expect(main).to_contain_text("Social worker")
    expect(main).to_contain_text("Front Door")
    expect(main).to_contain_text("01234 000111")
    # Nothing about the adult or the council's reasons.
    for hidden in ("Edna", "Marsh", "Mill Lane", "bruising", "All three criteria"):
        expect(main).not_to_contain_text(hidden)

    desk.press(page.get_by_role("link", name="Add information"))
    expect(heading(page)).to_have_text("Add information")
    desk.press(page.get_by_role("button", name="Send the information"))
    expect(page.get_by_role("alert")).to_contain_text("Enter the information you want to add")
    page.get_by_label("Information to add").fill(ADDED)
    desk.press(page.get_by_role("button", name="Send the information"))
    expect(page.get_by_text("Information added.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(ADDED)
    update = ConcernUpdate.objects.get(concern=concern)
    assert update.added_by == partner_referrer
    assert Notification.objects.filter(user=practitioner, kind=Notification.Kind.INFORMATION_ADDED).exists()
