"""The shared safeguarding plan (issue 15, item 2).

The contract: each plan action is owned by the council, a partner agency that works with the council,
the person themselves, or someone outside msphub named in words; a partner's staff on the shared
plan (referrers and enquiry officers; not its partner lead, who sees figures only, nor its case file
auditor or an independent feedback interviewer) see and complete only their own agency's actions, on
that enquiry only, never the enquiry's record; completing is done once, under the row lock, dated from
the enquiry's start to today, and logged against the enquiry; overdue actions notify the owner (the
agency's active staff on the plan, else the lead practitioner) once; the closure gate still waits for
every action, the agency's included.

One world for the module: an open enquiry with an action for each kind of owner, a restricted
person's enquiry with a police action, the staff of Riverside Police (a referrer, an enquiry officer,
its partner lead, an auditor and its API client), Riverside NHS Trust, Riverside Healthwatch (an
independent feedback interviewer) and a partner that works only with Hillside.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from hypothesis import given
from hypothesis import strategies as st

from msphub.accounts.models import Organisation, Role, User
from msphub.api import services as api_services
from msphub.api.models import ApiToken
from msphub.core.models import AccessLog
from msphub.core.states import StateChanged
from msphub.enquiries import forms, services
from msphub.enquiries.models import Enquiry, PlanAction
from msphub.worktray import emails
from msphub.worktray import services as worktray
from msphub.worktray.models import Notification
from tests.conftest import PASSWORD, Cast, new_concern, new_person, per_test
from tests.enquiry_fixtures import assert_error, body, date_parts, open_enquiry, request_complete_closure

pytestmark = pytest.mark.django_db

POLICE_WORDS = "Police to visit the son about the money taken"
NHS_WORDS = "District nurse to check the pressure sores weekly"
COUNCIL_WORDS = "Review the care package"
PERSON_WORDS = "Edna to tell her bank about the cards"
HIDDEN_WORDS = "Police to speak to the neighbour of the restricted person"


def _user(username: str, organisation: Organisation, role: str) -> User:
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=username.split("_")[0].title(),
        last_name="Tester",
        email=f"{username}@example.org",
        organisation=organisation,
        role=role,
    )


def _action(enquiry: Enquiry, owner: str, words: str, due_in: int = 7, other: str = "") -> PlanAction:
    due = timezone.localdate() + timedelta(days=due_in)
    return services.add_plan_action(enquiry, {"action": words, "due_on": due}, owner, other)


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    with django_db_blocker.unblock():
        cast = Cast()
        council, police, nhs = cast.council, cast.police, cast.nhs_trust
        w = SimpleNamespace(cast=cast, council=council, police=police, nhs=nhs)
        w.enquiry = open_enquiry(new_concern(council), new_person(council), cast.practitioner, cast.manager)
        w.hillside_partner = Organisation.objects.create(name="Hillside Housing", kind="housing")
        w.hillside_partner.councils.add(cast.other_council)
        w.network = Organisation.objects.create(name="North West network", kind="network")
        w.network.councils.add(council)
        # A partner with nobody in msphub: its overdue actions go to the lead practitioner.
        w.quiet = Organisation.objects.create(name="Riverside Advocacy", kind="advocacy")
        w.quiet.councils.add(council)
        w.police_lead = _user("pat_policelead", police, Role.PARTNER_LEAD)
        w.police_officer = _user("olly_policeofficer", police, Role.PARTNER_ENQUIRY_OFFICER)
        w.police_auditor = _user("pia_policeauditor", police, Role.CASE_FILE_AUDITOR)
        healthwatch = Organisation.objects.create(name="Riverside Healthwatch", kind="advocacy")
        healthwatch.councils.add(council)
        w.interviewer = _user("hana_healthwatch", healthwatch, Role.FEEDBACK_INTERVIEWER)
        # The police's case system: its client user is inactive, with no role (api.services).
        token, _ = api_services.create_token(
            council, police, "Case system", [ApiToken.Scope.RAISE], created_by=cast.lead
        )
        w.api_client = token.client
        w.nhs_officer = _user("ella_enquiryofficer", nhs, Role.PARTNER_ENQUIRY_OFFICER)
        w.hillside_referrer = _user("hal_hillsidehousing", w.hillside_partner, Role.PARTNER_REFERRER)
        w.police_action = _action(w.enquiry, str(police.pk), POLICE_WORDS)
        w.nhs_action = _action(w.enquiry, str(nhs.pk), NHS_WORDS)
        w.council_action = _action(w.enquiry, services.OWNER_COUNCIL, COUNCIL_WORDS)
        w.person_action = _action(w.enquiry, services.OWNER_PERSON, PERSON_WORDS)
        w.restricted = open_enquiry(
            new_concern(council),
            new_person(council, given_name="Rosa", family_name="Quill", restricted=True),
            cast.practitioner,
            cast.manager,
        )
        w.hidden_action = _action(w.restricted, str(police.pk), HIDDEN_WORDS)
        for name in ("partner_referrer", "other_partner_referrer", "lead", "other_council_user"):
            getattr(cast, name)
        return w


@pytest.fixture
def world(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


def page(action: PlanAction) -> str:
    return reverse("enquiries:partner_action", args=[action.uuid])


LIST = "/enquiries/partner-actions/"


def done_post(outcome: str = "done", why_not: str = "") -> dict:
    return {"outcome": outcome, "why_not": why_not, **date_parts("resolved_on", timezone.localdate())}


# --- Who may own an action -----------------------------------------------------------------------


def test_owners_are_the_council_its_partners_the_person_or_someone_named(world):
    values = [value for value, _ in services.plan_owner_choices(world.enquiry)]
    partners = sorted(
        str(o.pk) for o in (world.police, world.nhs, world.quiet, world.interviewer.organisation)
    )
    assert values[0] == services.OWNER_COUNCIL and values[-2:] == [
        services.OWNER_PERSON,
        services.OWNER_OTHER,
    ]
    assert sorted(values[1:-2]) == partners, "not another council's partner, nor a network"


@pytest.mark.parametrize("outsider", ["hillside_partner", "network", "other_council"])
def test_an_organisation_not_working_with_the_council_is_refused(world, outsider):
    organisation = getattr(world, outsider, None) or world.cast.other_council
    with pytest.raises(ValidationError) as refused:
        _action(world.enquiry, str(organisation.pk), "Anything")
    assert refused.value.message_dict == {"owner": [services.NOT_A_PARTNER]}
    form = forms.PlanActionForm(
        {"action": "Anything", "owner": str(organisation.pk), **date_parts("due_on", timezone.localdate())},
        enquiry=world.enquiry,
    )
    assert not form.is_valid() and form.errors["owner"] == [services.NOT_A_PARTNER]


@pytest.mark.parametrize("posted", ["\u00b2", "\u0661", "\uff11", "9" * 30, "-1", " 1", ""])
def test_an_owner_that_is_not_a_key_is_refused_not_an_error_page(world, posted):
    with pytest.raises(ValidationError) as refused:
        services.plan_owner(world.enquiry, posted)
    assert refused.value.message_dict == {"owner": [services.NOT_A_PARTNER]}


@given(st.text(max_size=25))
def test_a_primary_key_is_ascii_digits_only(value):
    pk = services.as_primary_key(value)
    if value.isascii() and value.isdigit() and len(value) <= 18:
        assert pk == int(value)
    else:
        assert pk is None


def test_each_owner_is_kept_with_its_name(world):
    rows = {
        a.action: (a.owner_organisation_id, a.owner_is_person, a.owner_agency, a.owner_kind)
        for a in PlanAction.objects.filter(enquiry=world.enquiry).select_related("enquiry")
    }
    assert rows[POLICE_WORDS] == (world.police.pk, False, "Riverside Police", "partner")
    assert rows[COUNCIL_WORDS] == (world.council.pk, False, "Riverside Council", "council")
    assert rows[PERSON_WORDS] == (None, True, services.PERSON_OWNER_NAME, "person")
    bank = _action(world.enquiry, services.OWNER_OTHER, "Flag the account", other=" Riverside Bank ")
    assert (bank.owner_organisation_id, bank.owner_agency, bank.owner_kind) == (
        None,
        "Riverside Bank",
        "other",
    )
    with pytest.raises(ValidationError):
        _action(world.enquiry, services.OWNER_OTHER, "Flag the account", other="  ")


def test_the_form_offers_the_owners_and_saves_a_partners_action(client, world):
    client.force_login(world.cast.practitioner)
    new = reverse("enquiries:record_new", args=[world.enquiry.reference, "actions"])
    text = body(client.get(new))
    assert "Riverside Police" in text and "Hillside Housing" not in text and "North West network" not in text
    due = timezone.localdate() + timedelta(days=3)
    sent = {"action": "Police to check on Edna", "owner": str(world.police.pk), **date_parts("due_on", due)}
    response = client.post(new, sent)
    assert response.status_code == 302
    saved = PlanAction.objects.get(action="Police to check on Edna")
    assert saved.owner_organisation == world.police and saved.owner_agency == "Riverside Police"
    assert_error(client.post(new, {**sent, "owner": str(world.hillside_partner.pk)}), services.NOT_A_PARTNER)
    assert_error(client.post(new, {**sent, "owner": "other", "owner_agency": ""}), "Enter who is responsible")


# --- Who sees which actions ------------------------------------------------------------------------


def test_a_partners_staff_see_only_their_own_agencys_actions(world):
    cast = world.cast
    agency = {
        "police referrer": cast.partner_referrer,
        "police lead": world.police_lead,
        "police enquiry officer": world.police_officer,
        "nhs referrer": cast.other_partner_referrer,
        "nhs enquiry officer": world.nhs_officer,
        "police auditor": world.police_auditor,
        "hillside referrer": world.hillside_referrer,
        "practitioner": cast.practitioner,
        "lead": cast.lead,
    }
    seen = {
        label: set(PlanAction.objects.for_user(user, "agency").values_list("action", flat=True))
        for label, user in agency.items()
    }
    assert seen == {
        "police referrer": {POLICE_WORDS},  # not the restricted person's
        "police lead": set(),  # a partner lead sees their agency's figures, never a record
        "police enquiry officer": {POLICE_WORDS},
        "nhs referrer": {NHS_WORDS},
        "nhs enquiry officer": {NHS_WORDS},
        "police auditor": set(),  # an auditor audits; the plan is not theirs
        "hillside referrer": set(),
        "practitioner": set(),  # council staff see actions through the enquiry
        "lead": set(),
    }
    everything = {POLICE_WORDS, NHS_WORDS, COUNCIL_WORDS, PERSON_WORDS}
    on_enquiry = PlanAction.objects.for_user(cast.practitioner, "view").filter(enquiry=world.enquiry)
    assert set(on_enquiry.values_list("action", flat=True)) == everything
    assert not PlanAction.objects.for_user(cast.other_council_user, "view").exists()
    # A partner enquiry officer keeps what they have: every action of the enquiries their agency makes.
    Enquiry.objects.filter(pk=world.enquiry.pk).update(making_organisation=world.nhs)
    officer = PlanAction.objects.for_user(world.nhs_officer, "edit").values_list("action", flat=True)
    assert set(officer) == everything


def test_a_restricted_persons_action_is_seen_once_they_are_named(world):
    world.restricted.person.restricted_to.add(world.cast.partner_referrer)
    seen = PlanAction.objects.for_user(world.cast.partner_referrer, "agency").values_list("action", flat=True)
    assert set(seen) == {POLICE_WORDS, HIDDEN_WORDS}


def test_an_agency_no_longer_working_with_the_council_no_longer_sees_its_actions(world):
    world.police.councils.remove(world.council)
    assert not PlanAction.objects.for_user(world.cast.partner_referrer, "agency").exists()


# --- The agency's pages ----------------------------------------------------------------------------


def test_the_list_shows_the_agencys_actions_only_and_logs_the_enquiry(client, world):
    referrer = world.cast.partner_referrer
    client.force_login(referrer)
    response = client.get(LIST)
    text = body(response)
    assert response.status_code == 200
    assert POLICE_WORDS in text and world.enquiry.reference in text and page(world.police_action) in text
    for absent in (NHS_WORDS, COUNCIL_WORDS, PERSON_WORDS, HIDDEN_WORDS, world.restricted.reference):
        assert absent not in text
    # Nothing of the person's: not their name, nor a link to the enquiry's record.
    for absent in ("Edna", "Marsh", f'href="/enquiries/{world.enquiry.reference}/"'):
        assert absent not in text
    assert AccessLog.objects.filter(user=referrer, record_id=world.enquiry.uuid, page=LIST).exists()
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("persona", ["practitioner", "lead", "board_viewer", "other_council_user"])
def test_council_staff_and_others_have_no_partner_pages(client, world, persona):
    client.force_login(getattr(world.cast, persona))
    assert client.get(LIST).status_code == 404
    assert client.get(page(world.police_action)).status_code == 404
    assert client.post(page(world.police_action), done_post()).status_code == 404


def test_another_agencys_action_is_404(client, world):
    client.force_login(world.cast.other_partner_referrer)
    assert client.get(page(world.nhs_action)).status_code == 200
    for action in (world.police_action, world.council_action, world.person_action, world.hidden_action):
        assert client.get(page(action)).status_code == 404
        assert client.post(page(action), done_post()).status_code == 404
    assert PlanAction.objects.get(pk=world.police_action.pk).is_unresolved


@pytest.mark.parametrize("persona", ["police_lead", "police_auditor", "interviewer"])
def test_a_partner_lead_an_auditor_and_an_interviewer_have_no_plan_pages(client, world, persona):
    """access.md: the partner lead sees their agency's figures, never a record; an auditor audits; an
    independent interviewer stays independent of the enquiry. All 404, nothing changed."""
    client.force_login(getattr(world, persona))
    assert client.get(LIST).status_code == 404
    assert client.get(page(world.police_action)).status_code == 404
    assert client.post(page(world.police_action), done_post()).status_code == 404
    assert PlanAction.objects.get(pk=world.police_action.pk).is_unresolved
    with pytest.raises(StateChanged):
        services.complete_agency_action(world.police_action, getattr(world, persona), services.AGENCY_DONE)


def test_the_api_client_is_nobody_on_the_plan(world):
    """The police's API client user (inactive, no role) sees no action, is told of none and is
    offered as no one: not a lead practitioner, nor an owner (owners are organisations)."""
    client_user = world.api_client
    assert (client_user.is_active, client_user.role) == (False, "")
    assert not PlanAction.objects.for_user(client_user, "agency").exists()
    assert not PlanAction.objects.for_user(client_user, "view").exists()
    assert client_user not in services.allocatable_staff(world.enquiry, world.cast.lead)
    assert client_user not in User.casework_staff(world.council.pk)
    owners = [label for _, label in services.plan_owner_choices(world.enquiry)]
    assert not any(client_user.username in label for label in owners)


def test_the_action_page_shows_the_action_and_whom_to_ask_and_is_logged(client, world):
    referrer = world.cast.partner_referrer
    client.force_login(referrer)
    path = page(world.police_action)
    text = body(client.get(path))
    assert POLICE_WORDS in text and world.enquiry.reference in text and "Pat Tester" in text
    assert "Edna" not in text and "Marsh" not in text
    assert AccessLog.objects.filter(user=referrer, record_id=world.enquiry.uuid, page=path).exists()
    assert client.get(reverse("enquiries:detail", args=[world.enquiry.reference])).status_code == 404


def test_the_agency_marks_its_action_done_once(client, world):
    officer = world.police_officer
    client.force_login(officer)
    path = page(world.police_action)
    response = client.post(path, done_post())
    assert response.status_code == 302 and response["Location"] == LIST
    action = PlanAction.objects.get(pk=world.police_action.pk)
    assert (action.status, action.resolved_by, action.done_on) == ("done", officer, timezone.localdate())
    # Pressed again: nothing changes, and the page says so.
    again = client.post(path, done_post("not_done", "Could not find him"))
    assert again.status_code == 302 and again["Location"] == path
    assert PlanAction.objects.get(pk=action.pk).status == "done"
    text = body(client.get(path))
    assert "Done" in text and 'name="outcome"' not in text
    history = list(PlanAction.history.filter(id=action.pk).values_list("status", flat=True))
    assert history.count("done") == 1


def test_could_not_be_done_needs_why_and_is_kept_as_cancelled(client, world):
    client.force_login(world.cast.partner_referrer)
    path = page(world.police_action)
    assert_error(client.post(path, done_post("not_done", "  ")), services.NOT_DONE_NEEDS)
    assert_error(client.post(path, {"outcome": "maybe"}), "Select whether the action was done")
    assert client.post(path, done_post("not_done", "He has moved away")).status_code == 302
    action = PlanAction.objects.get(pk=world.police_action.pk)
    assert (action.status, action.cancelled_reason) == ("cancelled", "He has moved away")
    assert action.resolved_by == world.cast.partner_referrer


def test_a_date_before_the_enquiry_started_or_in_the_future_is_refused(client, world):
    started = timezone.localdate(world.enquiry.started_at)
    before = started - timedelta(days=1)
    too_early = f"The date must be on or after the day the enquiry started, {date_format(started, 'j F Y')}"
    client.force_login(world.cast.partner_referrer)
    path = page(world.police_action)
    refused = client.post(path, {**done_post(), **date_parts("resolved_on", before)})
    assert_error(refused, too_early)
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert_error(
        client.post(path, {**done_post(), **date_parts("resolved_on", tomorrow)}), services.RESOLVED_IN_FUTURE
    )
    with pytest.raises(ValidationError) as in_future:
        services.complete_agency_action(
            world.police_action, world.cast.partner_referrer, services.AGENCY_DONE, on=tomorrow
        )
    assert in_future.value.message_dict == {"resolved_on": [services.RESOLVED_IN_FUTURE]}
    assert PlanAction.objects.get(pk=world.police_action.pk).is_unresolved
    # The council's own form: the same rule (``services.resolve_action``).
    client.force_login(world.cast.practitioner)
    resolve = reverse("enquiries:action_resolve", args=[world.enquiry.reference, world.council_action.uuid])
    answer = {"status": "done", **date_parts("resolved_on", before)}
    assert_error(client.post(resolve, answer), too_early)
    assert PlanAction.objects.get(pk=world.council_action.pk).is_unresolved
    # The day it started is fine.
    services.resolve_action(world.council_action, world.cast.practitioner, "done", on=started)
    assert PlanAction.objects.get(pk=world.council_action.pk).done_on == started


def test_completing_twice_is_refused_under_the_lock(world):
    stale = PlanAction.objects.select_related("enquiry").get(pk=world.police_action.pk)
    services.complete_agency_action(world.police_action, world.cast.partner_referrer, services.AGENCY_DONE)
    with pytest.raises(StateChanged):
        services.complete_agency_action(stale, world.police_officer, services.AGENCY_NOT_DONE, why_not="Gone")
    assert PlanAction.objects.get(pk=stale.pk).resolved_by == world.cast.partner_referrer


def test_an_action_given_to_another_owner_meanwhile_is_refused(world):
    PlanAction.objects.filter(pk=world.police_action.pk).update(owner_organisation=world.nhs)
    with pytest.raises(StateChanged):
        services.complete_agency_action(
            world.police_action, world.cast.partner_referrer, services.AGENCY_DONE
        )
    assert PlanAction.objects.get(pk=world.police_action.pk).is_unresolved


def test_nothing_is_completed_once_the_enquiry_awaits_closure(client, world):
    enquiry = world.enquiry
    Enquiry.objects.filter(pk=enquiry.pk).update(status=Enquiry.Status.CLOSURE_REQUESTED)
    client.force_login(world.cast.partner_referrer)
    text = body(client.get(page(world.police_action)))
    assert POLICE_WORDS in text and 'name="outcome"' not in text
    client.post(page(world.police_action), done_post())
    assert PlanAction.objects.get(pk=world.police_action.pk).is_unresolved
    with pytest.raises(StateChanged):
        services.complete_agency_action(
            world.police_action, world.cast.partner_referrer, services.AGENCY_DONE
        )


def test_the_agencys_unresolved_action_still_blocks_closure(world):
    for action in (world.nhs_action, world.council_action, world.person_action):
        services.resolve_action(action, world.cast.practitioner, PlanAction.Status.DONE)
    gate = services.closure_gate(world.enquiry)
    assert [item.anchor for item in gate.blocking] == [f"action-{world.police_action.uuid}"]
    services.complete_agency_action(world.police_action, world.cast.partner_referrer, services.AGENCY_DONE)
    assert services.closure_gate(world.enquiry).blocking == []
    request_complete_closure(world.enquiry, world.cast.practitioner)


def test_the_enquiry_page_names_the_owner_and_the_agency(client, world):
    client.force_login(world.cast.practitioner)
    services.complete_agency_action(world.police_action, world.police_officer, services.AGENCY_DONE)
    text = body(client.get(reverse("enquiries:detail", args=[world.enquiry.reference])))
    assert "Partner: sees and completes this action" in text
    assert "by Olly Tester, Riverside Police" in text


# --- Overdue actions notify their owner -------------------------------------------------------------


def _overdue(*actions: PlanAction) -> None:
    PlanAction.objects.filter(pk__in=[a.pk for a in actions]).update(
        due_on=timezone.localdate() - timedelta(days=2)
    )


def _told(kind: str = Notification.Kind.ACTION_OVERDUE) -> set[tuple[str, str]]:
    rows = Notification.objects.filter(kind=kind).values_list("user__username", "record_type")
    return set(rows)


def test_overdue_actions_notify_their_owner_once(world):
    quiet = _action(world.enquiry, str(world.quiet.pk), "Advocate to visit")
    _overdue(world.police_action, world.nhs_action, world.council_action, world.person_action, quiet)
    _overdue(world.hidden_action)
    world.restricted.person.restricted_to.add(world.cast.practitioner)  # who leads it is named on it
    worktray.generate_due()
    worktray.generate_due()
    assert _told() == {
        ("pc_referrer", "enquiries.planaction"),
        ("olly_policeofficer", "enquiries.planaction"),
        ("nurse_referrer", "enquiries.planaction"),
        ("ella_enquiryofficer", "enquiries.planaction"),
        # The council's, the person's, the quiet partner's and (police hidden from it) the restricted one.
        ("pat_practitioner", "enquiries.enquiry"),
    }
    led = Notification.objects.filter(user=world.cast.practitioner)
    assert led.count() == 4, "one per action"
    police = Notification.objects.filter(user=world.cast.partner_referrer)
    assert police.count() == 1 and police.get().reference == world.enquiry.reference
    nobody = (world.police_auditor, world.police_lead, world.interviewer, world.api_client)
    assert not Notification.objects.filter(user__in=nobody).exists()


def test_a_resolved_or_moved_on_action_is_not_notified(world):
    _overdue(world.police_action)
    services.complete_agency_action(world.police_action, world.cast.partner_referrer, services.AGENCY_DONE)
    worktray.generate_due()
    assert _told() == set()


def test_the_agencys_notification_opens_the_action_page_not_the_enquiry(client, world):
    _overdue(world.police_action)
    worktray.generate_due()
    notice = Notification.objects.get(user=world.cast.partner_referrer)
    assert emails.record_path(notice) == page(world.police_action)
    assert page(world.police_action) in emails.immediate_message(notice, "pc@example.org").body
    client.force_login(world.cast.partner_referrer)
    text = body(client.get(reverse("worktray:index")))
    assert "Plan action overdue" in text and POLICE_WORDS in text and page(world.police_action) in text
    assert "Reviews due within 7 days" not in text, "a referrer works on no enquiry"
    response = client.post(reverse("worktray:read", args=[notice.uuid]))
    assert response.status_code == 302 and response["Location"] == page(world.police_action)


def test_the_worktray_lists_the_agencys_actions_due_soon(client, world):
    client.force_login(world.cast.other_partner_referrer)
    text = body(client.get(reverse("worktray:index")))
    assert "Your organisation&#x27;s plan actions overdue or due within 7 days (1)" in text
    assert page(world.nhs_action) in text and POLICE_WORDS not in text
    client.force_login(world.cast.practitioner)
    assert "Your organisation" not in body(client.get(reverse("worktray:index")))
