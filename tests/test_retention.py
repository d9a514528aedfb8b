"""Retention (security issue 11, item 7, UK GDPR storage limitation): each council's rules, the records
past them listed with a confirmation token, and anonymised or erased only with that token, keeping
the national return's counts and the access log's chain."""

import json
from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from msphub.concerns import services as concern_services
from msphub.concerns.models import Concern, ConcernTransfer, ContactAttempt, FirstContact
from msphub.core.models import AccessLog
from msphub.core.periods import FinancialYear
from msphub.enquiries import services as enquiry_services
from msphub.enquiries.models import Enquiry, EnquiryLocation, EnquiryRiskType, EnquirySource, Involvement
from msphub.governance import retention
from msphub.governance.models import Disposal, RetentionRule
from msphub.measures.measures import Filters, measure_totals
from msphub.measures.sac import build_return
from msphub.people import services as people_services
from msphub.people.models import AUTISM, Person
from tests.enquiry_fixtures import add_outcome, at, close, feedback_data

pytestmark = pytest.mark.django_db

YEAR = FinancialYear(2021)  # 2021-22: the old records' year
# What the old records say that identifies someone: none of it may be left, in a record or its history.
IDENTIFYING = (
    "Edna",
    "Marsh",
    "Brook",
    "Alex Raiser",
    "alex@example.org",
    "01234 567890",
    "RV1 2AB",
    "1 Mill Lane",
    "Bruising",
    "Rita Daughter",
    "Neville Neighbour",
    "my son",
)
TOKEN = "Confirmation token: "


def _close_without_enquiry(
    concern: Concern, person: Person, practitioner, manager, spoke_to: str = "Neville Neighbour"
) -> None:
    concern_services.link_person(concern, person, practitioner)
    concern_services.record_first_contact(
        concern,
        practitioner,
        {
            "contact_at": timezone.now(),
            "method": "phone",
            "spoke_with": "representative",
            "representative_name": spoke_to,
            "wants": f"{person.given_name} wants to stay at home",
        },
    )
    concern_services.add_note(concern, practitioner, f"Spoke to {concern.raiser_name} about the bruising")
    decision = concern_services.record_decision(
        concern,
        practitioner,
        {"outcome": "none", "pathway": "information_advice", "rationale": "Advice given"},
    )
    concern_services.sign_off(decision, manager)


@pytest.fixture
def old(make_concern, make_person, make_enquiry, practitioner, manager, council):
    """Riverside's records from June 2021: Edna's concern, closed without an enquiry, and Bert
    Brook's closed enquiry with its parts; and today's concern about Edna's neighbour, closed too."""
    with time_machine.travel(at(2021, 6, 15), tick=False):
        edna = make_person(phone="01234 567890", address="1 Mill Lane, Riverside")
        people_services.add_representative(
            edna, {"name": "Rita Daughter", "kind": "family", "phone": "07700"}
        )
        people_services.change_person(edna, {"preferred_name": "Eddie"})
        concern = make_concern()
        _close_without_enquiry(concern, edna, practitioner, manager)
        enquiry = make_enquiry(family_name="Brook")
        add_outcome(enquiry, "I want my son to stop taking my money")
        enquiry_services.add_record(
            enquiry,
            Involvement,
            {
                "held_on": timezone.localdate(),
                "kind": "visit",
                "place": "1 Mill Lane",
                "attendees": "Bert Brook and Rita Daughter",
                "participation": "home",
                "minutes": "Bert Brook said he feels safer",
            },
            practitioner,
        )
        close(enquiry, practitioner, manager)
        enquiry_services.record_feedback(
            enquiry,
            practitioner,
            feedback_data(comments="Pat listened to me, Bert Brook", consent_to_quote=True),
        )
    recent = make_concern(
        adult_given_name="Nora",
        adult_family_name="Next",
        adult_address="2 Next Road",
        adult_postcode="NX1 1AA",
        raiser_name="Nat Next",
        raiser_email="nat@example.org",
        raiser_phone="020 7946 0000",
        what_happened="A fall at home",
    )
    nora = make_person(given_name="Nora", family_name="Next", postcode="NX1 1AA")
    _close_without_enquiry(recent, nora, practitioner, manager, spoke_to="Nina Next")
    for record_type in ("concern_no_enquiry", "closed_enquiry"):
        RetentionRule.objects.create(council=council, record_type=record_type, years=2)
    concern.refresh_from_db()
    enquiry.refresh_from_db()
    return concern, enquiry, recent


def _list(*args: str) -> tuple[str, str]:
    out = StringIO()
    call_command("retention", "--list", *args, stdout=out)
    text = out.getvalue()
    token = text.split(TOKEN)[1].split()[0]
    return text, token


def _snapshot() -> dict[str, list]:
    """Every row of the casework records and their history."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models()
        if model._meta.app_label
        in (
            "people",
            "concerns",
            "enquiries",
            "governance",
            "casefile",
            "documents",
            "letters",
            "worktray",
            "audits",
            "sars",
        )
    }


def _history_text() -> str:
    return json.dumps(
        {label: rows for label, rows in _snapshot().items() if "historical" in label.lower()}, default=str
    )


def _access_log() -> list[tuple]:
    return list(AccessLog.objects.order_by("sequence").values_list())


def _figures(council) -> tuple[dict, list]:
    return build_return(YEAR, council), measure_totals(Filters(YEAR, council))


def test_list_shows_the_records_past_their_rules_without_names(old, council):
    concern, enquiry, recent = old
    text, token = _list()
    assert "Riverside Council (E06000901)" in text
    assert "Concerns closed without an enquiry: kept 2 years, then anonymise" in text
    assert f"anonymise 1 concern: {concern.reference}" in text
    assert f"anonymise 1 enquiry: {enquiry.reference}" in text
    assert f"anonymise 1 concern: {enquiry.concern.reference}" in text
    # Each person goes with their only concern (their record id, not their name).
    assert str(concern.person.uuid) in text and str(enquiry.person.uuid) in text
    assert recent.reference not in text, "closed today: not past two years"
    assert len(token) == 16
    assert f"retention --apply --token {token}" in text
    assert not [word for word in IDENTIFYING + ("Nora",) if word in text]


def test_a_wrong_or_stale_token_changes_nothing(old):
    _, token = _list()
    before = _snapshot()
    with pytest.raises(CommandError, match="does not match") as refused:
        call_command("retention", "--apply", "--token", "0123456789abcdef")
    assert refused.value.returncode == 1
    # Tomorrow the list is another day's: the token is stale.
    with time_machine.travel(timezone.now() + timedelta(days=1)), pytest.raises(CommandError):
        call_command("retention", "--apply", "--token", token)
    # Another council's list, or every council's, is not the one read.
    with pytest.raises(CommandError):
        call_command("retention", "--apply", "--token", token, "--council", "E06000901")
    with pytest.raises(CommandError, match="Give --token"):
        call_command("retention", "--apply")
    assert _snapshot() == before
    assert not Disposal.objects.exists()


def test_a_token_is_for_the_list_as_read(old, practitioner, manager, make_concern, make_person):
    _, token = _list()
    with time_machine.travel(at(2021, 7, 1), tick=False):
        another = make_concern()
        _close_without_enquiry(another, make_person(family_name="Other"), practitioner, manager)
    before = _snapshot()
    with pytest.raises(CommandError, match="the list has changed"):
        call_command("retention", "--apply", "--token", token)
    assert _snapshot() == before


def test_apply_anonymises_and_keeps_the_counts(old, council, client, lead):
    concern, enquiry, recent = old
    # Views of the records are in the access log, before and after.
    client.force_login(lead)
    for path in (f"/people/{concern.person.uuid}/", f"/concerns/{concern.reference}/"):
        assert client.get(path).status_code == 200
    log = _access_log()
    figures = _figures(council)
    assert figures[0]["tables"]["SG1f"], "the year has concerns and enquiries to count"
    _, token = _list()
    out = StringIO()
    call_command("retention", "--apply", "--token", token, stdout=out)
    assert "Anonymised 5 and erased 0 records" in out.getvalue()

    edna = Person.objects.get(pk=concern.person_id)
    assert (edna.given_name, edna.family_name, edna.preferred_name) == ("Anonymised", "person", "")
    assert (edna.phone, edna.address, edna.postcode, edna.nhs_number) == ("", "", "", "")
    # The year only: the same age on the concern's day (15 June 2021) and on 31 March 2022 (SG1).
    assert edna.date_of_birth == date(1938, 6, 15)
    concern.refresh_from_db()
    assert concern.adult_name == "Anonymised person" and concern.raiser_name == retention.REMOVED
    assert (concern.raiser_email, concern.raiser_phone, concern.adult_postcode) == ("", "", "")
    assert concern.what_happened == retention.REMOVED
    assert concern.notes.get().text == retention.REMOVED
    assert concern.first_contacts.get().representative_name == retention.REMOVED
    assert edna.representatives.get().name == retention.REMOVED
    # What the returns count is kept.
    assert (concern.location_of_risk, concern.source_of_risk, concern.care_provider_name) == (
        "Own Home",
        "Service Provider",
        "Sunrise Home Care",
    )
    assert concern.risk_type_labels == ["Neglect and Acts of Omission", "Physical Abuse"]
    enquiry.refresh_from_db()
    outcome = enquiry.outcomes.get()
    assert outcome.words == retention.REMOVED and outcome.achievement == "Fully Achieved"
    feedback = enquiry.feedback.get()
    assert feedback.comments == retention.REMOVED and not feedback.consent_to_quote
    assert enquiry.involvements.get().participation == "home"
    # Nothing identifying is left, in the records or in their history.
    rows = json.dumps(_snapshot(), default=str)
    assert not [word for word in IDENTIFYING if word in rows]
    assert "Anonymised" in _history_text(), "the history rows were anonymised, not left as they were"
    # Today's concern is not past its rule.
    recent.refresh_from_db()
    assert recent.adult_name == "Nora Next"

    assert _figures(council) == figures
    assert _access_log() == log, "the access log is never changed"
    call_command("verify_access_log")
    disposed = set(Disposal.objects.values_list("record_type", "reference", "action"))
    assert ("concerns.concern", concern.reference, "anonymise") in disposed
    assert ("enquiries.enquiry", enquiry.reference, "anonymise") in disposed
    # Anonymised once, not listed again.
    text, _ = _list()
    assert "In all: 0 records" in text


def test_apply_erases_records_and_their_history(old, council):
    concern, enquiry, _ = old
    RetentionRule.objects.filter(record_type="concern_no_enquiry").update(action="erase")
    figures = _figures(council)
    _, token = _list()
    call_command("retention", "--apply", "--token", token, stdout=StringIO())
    assert not Concern.objects.filter(pk=concern.pk).exists()
    assert not Person.objects.filter(pk=concern.person_id).exists(), "Edna had nothing else"
    history = _history_text()
    assert concern.reference not in history and str(concern.uuid) not in history
    assert "Rita Daughter" not in history and "Neville Neighbour" not in history
    # The closed enquiry was anonymised, under its own rule.
    assert Enquiry.objects.get(pk=enquiry.pk).person.family_name == "person"
    # Erasing changes the counts: the council chose to.
    assert _figures(council) != figures
    call_command("verify_access_log")
    assert Disposal.objects.filter(action="erase", reference=concern.reference).exists()


def test_a_person_with_something_open_is_kept(old, council, practitioner, make_concern):
    concern, _, _ = old
    still_open = make_concern()
    concern_services.link_person(still_open, concern.person, practitioner)
    _, token = _list()
    call_command("retention", "--apply", "--token", token, stdout=StringIO())
    concern.refresh_from_db()
    assert concern.raiser_name == retention.REMOVED
    edna = Person.objects.get(pk=concern.person_id)
    assert edna.family_name == "Marsh", "her open concern still needs her record"


def test_people_without_activity(council, other_council, make_person):
    with time_machine.travel(at(2018, 1, 10), tick=False):
        quiet = make_person(family_name="Quiet")
    busy = make_person(family_name="Busy")
    RetentionRule.objects.create(
        council=council, record_type="person_without_activity", years=6, action="erase"
    )
    RetentionRule.objects.create(council=other_council, record_type="person_without_activity", years=1)
    text, token = _list("--council", "E06000901")
    assert f"erase 1 person: {quiet.uuid}" in text and str(busy.uuid) not in text
    assert "Hillside" not in text
    call_command("retention", "--apply", "--token", token, "--council", "E06000901", stdout=StringIO())
    assert list(Person.objects.values_list("family_name", flat=True)) == ["Busy"]


def test_an_unknown_council_is_refused(db):
    with pytest.raises(CommandError, match="No council"):
        call_command("retention", "--list", "--council", "E99999999")


@given(
    born=st.dates(date(1900, 1, 1), date(2005, 12, 31)),
    days=st.lists(st.dates(date(2006, 1, 1), date(2030, 12, 31)), max_size=6),
)
def test_a_generalised_date_of_birth_keeps_every_age(born, days):
    def age(dob: date, on: date) -> int:
        return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))

    kept = retention.generalised_birth_date(born, days)
    assert kept is not None and kept.year == born.year
    assert [age(kept, d) for d in days] == [age(born, d) for d in days]
    if not days:
        assert kept == date(born.year, 1, 1)


def test_cutoff_on_29_february():
    assert retention.cutoff(date(2028, 2, 29), 1).date() == date(2027, 2, 28)


@pytest.fixture
def lead_admin(lead) -> Client:
    """The lead, given the governance permissions by a system administrator."""
    lead.is_staff = True
    lead.save(update_fields=["is_staff"])
    lead.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="governance", codename__regex=r"^(view|add|change)_"
        )
    )
    client = Client()
    client.force_login(lead)
    return client


def test_the_lead_sets_their_own_councils_rules_in_the_admin(lead_admin, council, other_council):
    theirs = RetentionRule.objects.create(council=other_council, record_type="closed_enquiry", years=7)
    changelist = reverse("admin:governance_retentionrule_changelist")
    add = reverse("admin:governance_retentionrule_add")
    data = {"record_type": "closed_enquiry", "years": "6", "action": "anonymise"}
    response = lead_admin.post(add, {**data, "council": str(other_council.pk)})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    response = lead_admin.post(add, {**data, "council": str(council.pk)})
    assert response.status_code == 302
    assert RetentionRule.objects.get(council=council).years == 6
    page = lead_admin.get(changelist).content.decode()
    assert "Riverside Council" in page and "Hillside Council" not in page
    change = reverse("admin:governance_retentionrule_change", args=[theirs.pk])
    assert lead_admin.get(change).status_code == 302, "not theirs: the admin sends them back"


def test_without_the_governance_permissions_the_lead_is_refused(client, lead):
    lead.is_staff = True
    lead.save(update_fields=["is_staff"])
    client.force_login(lead)
    assert client.get(reverse("admin:governance_retentionrule_changelist")).status_code == 403


# --- Issue 12's records: set aside concerns, duplicates, attempts, contacts in error, transfers,
# what an enquiry found, moderated quotes, dates of death ---------------------------------------------

CORRECTIONS = ("Rita Daughter rang twice", "Left a message with Neville Neighbour", "Edna Marsh at No. 3")


@pytest.fixture
def corrected(old, make_concern, practitioner, manager, lead, other_council, other_council_user):
    """The old records and, from 2021 too: Edna's date of death and autism item; a duplicate of her
    concern (after an attempt to reach her and a conversation entered in error); one entered in
    error; a concern Hillside passed to Riverside, closed there; Bert's quote approved."""
    concern, enquiry, recent = old
    edna = concern.person
    with time_machine.travel(at(2021, 6, 20), tick=False):
        duplicate = make_concern()
        concern_services.link_person(duplicate, edna, practitioner)
        concern_services.record_attempt(
            duplicate,
            practitioner,
            {
                "attempted_at": timezone.now(),
                "method": "phone",
                "outcome": "no_answer",
                "notes": CORRECTIONS[1],
            },
        )
        mistaken = concern_services.record_first_contact(
            duplicate,
            practitioner,
            {"contact_at": timezone.now(), "method": "phone", "spoke_with": "adult", "wants": "To stay home"},
        )
        concern_services.mark_contact_in_error(mistaken, manager, CORRECTIONS[2])
        concern_services.set_aside(duplicate, manager, "duplicate", CORRECTIONS[0], concern)
        error = make_concern()
        concern_services.set_aside(error, manager, "error", "About Edna Marsh, sent to the wrong council")
        moved = make_concern(target_council=other_council)
        transfer = concern_services.propose_transfer(
            moved, other_council_user, concern.council, "Edna Marsh lives in Riverside"
        )
        concern_services.accept_transfer(transfer, manager)
        moved.refresh_from_db()
        _close_without_enquiry(moved, edna, practitioner, manager)
        feedback = enquiry.feedback.get()
        enquiry_services.moderate_quote(
            feedback, manager, approve=True, approved_text="Pat listened to me, Bert Brook"
        )
    with time_machine.travel(at(2021, 12, 2), tick=False):
        people_services.change_person(
            edna, {"date_of_death": date(2021, 12, 1), "date_of_death_source": "nhs", "autism": AUTISM}
        )
    return concern, enquiry, recent, duplicate, error, moved


def test_apply_anonymises_the_corrections_and_keeps_the_counts(corrected, council):
    concern, enquiry, recent, duplicate, error, moved = corrected
    figures = _figures(council)
    sg1e = {(c["row"], c["column"]): c["count"] for c in figures[0]["tables"]["SG1e"]}
    assert sg1e == {("Individuals Involved In Safeguarding Concerns", AUTISM): 2}, (
        "Edna's two counted concerns"
    )
    text, token = _list()
    # A duplicate goes with the concern it duplicates (and here under its own rule too).
    for record in (duplicate, error, moved):
        assert record.reference in text
    out = StringIO()
    call_command("retention", "--apply", "--token", token, stdout=out)
    assert "Anonymised 8 and erased 0 records" in out.getvalue()

    duplicate.refresh_from_db()
    assert (duplicate.set_aside, duplicate.duplicate_of_id) == ("duplicate", concern.pk)
    assert duplicate.set_aside_reason == retention.REMOVED and duplicate.set_aside_at is not None
    assert ContactAttempt.objects.get(concern=duplicate).notes == retention.REMOVED
    contact = FirstContact.objects.get(concern=duplicate)
    assert contact.entered_in_error_reason == retention.REMOVED and contact.is_entered_in_error
    transfer = ConcernTransfer.objects.get(concern=moved)
    assert transfer.reason == retention.REMOVED and transfer.status == "accepted"
    assert (transfer.from_council.ons_code, transfer.to_council_id) == ("E06000902", council.pk)
    feedback = enquiry.feedback.get()
    assert (feedback.approved_text, feedback.quote_status, feedback.consent_to_quote) == (
        retention.REMOVED,
        "",
        False,
    )
    assert feedback.moderated_by_id is not None, "who moderated it is kept"
    assert not enquiry.feedback.model.objects.approved_quotes().exists()
    # What the enquiry found is kept: the return counts it.
    assert list(EnquiryRiskType.objects.filter(enquiry=enquiry).values_list("risk_type", flat=True)) == [
        "Neglect and Acts of Omission",
        "Physical Abuse",
    ]
    assert EnquiryLocation.objects.filter(enquiry=enquiry).exists()
    assert EnquirySource.objects.filter(enquiry=enquiry).exists()
    edna = Person.objects.get(pk=concern.person_id)
    assert (edna.date_of_death, edna.date_of_death_source, edna.autism) == (date(2021, 12, 1), "nhs", AUTISM)
    assert edna.date_of_birth.year == 1938
    rows = json.dumps(_snapshot(), default=str)
    assert not [word for word in IDENTIFYING + CORRECTIONS if word in rows]
    assert _figures(council) == figures, "the return (SG1e, age at death) and the measures are unchanged"
    call_command("verify_access_log")


def test_erasing_a_concern_erases_its_duplicates_first(old, council, make_concern, practitioner, manager):
    """A concern set aside today as a duplicate of an old one is not past its rule, but goes with the
    original: the link is protected, so the original could not go without it."""
    concern, _, _ = old
    RetentionRule.objects.filter(record_type="concern_no_enquiry").update(action="erase")
    with time_machine.travel(at(2021, 6, 20), tick=False):
        old_duplicate = make_concern()
    duplicate = make_concern()
    concern_services.link_person(duplicate, concern.person, practitioner)
    concern_services.set_aside(duplicate, manager, "duplicate", "Sent a third time", concern)
    # A chain: one set aside as a duplicate of a concern that was set aside as a duplicate after it.
    third = make_concern()
    concern_services.set_aside(third, manager, "duplicate", "And again", old_duplicate)
    concern_services.set_aside(old_duplicate, manager, "duplicate", "Sent twice", concern)
    text, token = _list()
    for record in (concern, old_duplicate, duplicate, third):
        assert record.reference in text
    call_command("retention", "--apply", "--token", token, stdout=StringIO())
    gone = [concern.pk, old_duplicate.pk, duplicate.pk, third.pk]
    assert not Concern.objects.filter(pk__in=gone).exists()
    assert not Person.objects.filter(pk=concern.person_id).exists()
    history = _history_text()
    assert not [r.reference for r in (concern, old_duplicate, duplicate, third) if r.reference in history]
    erased = set(Disposal.objects.filter(action="erase").values_list("reference", flat=True))
    assert {concern.reference, old_duplicate.reference, duplicate.reference, third.reference} <= erased


def test_a_duplicate_past_its_rule_goes_without_its_original(old, council, make_concern, manager):
    concern, _, recent = old
    RetentionRule.objects.filter(record_type="concern_no_enquiry").update(action="erase")
    with time_machine.travel(at(2021, 6, 20), tick=False):
        duplicate = make_concern()
        concern_services.set_aside(duplicate, manager, "duplicate", "Sent twice", recent)
    text, token = _list()
    assert duplicate.reference in text and recent.reference not in text
    call_command("retention", "--apply", "--token", token, stdout=StringIO())
    assert not Concern.objects.filter(pk=duplicate.pk).exists()
    assert Concern.objects.filter(pk=recent.pk).exists()


def test_erasing_a_transferred_concern_erases_its_transfers(
    old, council, make_concern, practitioner, manager, other_council, other_council_user
):
    RetentionRule.objects.filter(record_type="concern_no_enquiry").update(action="erase")
    with time_machine.travel(at(2021, 6, 20), tick=False):
        moved = make_concern(target_council=other_council)
        declined = concern_services.propose_transfer(
            moved, other_council_user, council, "Riverside's care home"
        )
        concern_services.decline_transfer(declined, manager, "The home is in Hillside")
        accepted = concern_services.propose_transfer(moved, other_council_user, council, "It is Riverside's")
        concern_services.accept_transfer(accepted, manager)
        moved.refresh_from_db()
        _close_without_enquiry(moved, make_person_in(council), practitioner, manager)
    _, token = _list()
    call_command("retention", "--apply", "--token", token, stdout=StringIO())
    assert not Concern.objects.filter(pk=moved.pk).exists()
    assert not ConcernTransfer.objects.filter(pk__in=[declined.pk, accepted.pk]).exists()
    history = ConcernTransfer.history.model.objects.filter(concern_id=moved.pk)
    assert not history.exists(), "the transfers' history went with them"
    assert "Riverside's care home" not in _history_text()


def make_person_in(council) -> Person:
    from tests.conftest import new_person

    return new_person(council, given_name="Tess", family_name="Transfer")


def test_the_days_an_age_is_counted_on():
    """Each concern's day (the measures), and per year with an SG1 event, 31 March or the date of
    death before it (the return)."""
    received = [date(2021, 6, 15), date(2022, 5, 1)]
    started = [date(2021, 7, 1)]
    assert retention.age_days(received, [*received, *started], None) == {
        date(2021, 6, 15),
        date(2022, 5, 1),
        date(2022, 3, 31),
        date(2023, 3, 31),
    }
    assert retention.age_days(received, [*received, *started], date(2022, 9, 1)) == {
        date(2021, 6, 15),
        date(2022, 5, 1),
        date(2022, 3, 31),
        date(2022, 9, 1),
    }


# --- Issue 14's records: case file audits of the records, and Safeguarding Adults Reviews ------------

AUDIT_WORDS = (
    "Bert Brook was not asked what he wanted",
    "Rita Daughter was kept informed",
    "Edna Marsh's son was not spoken to",
    "I should have asked Bert Brook sooner",
    "Ask Bert Brook's GP about capacity",
)


@pytest.fixture
def audited(old, lead, manager, practitioner, board_viewer):
    """The old records audited in a round (the enquiry moderated by a second auditor, with a learning
    action), and today's concern audited in the same round."""
    from tests.assurance_records import audit_round, completed_audit, learning_action

    concern, enquiry, recent = old
    spring = audit_round(lead)
    first = completed_audit(
        spring,
        enquiry,
        manager,
        value="inadequate",
        comment=AUDIT_WORDS[0],
        went_well=AUDIT_WORDS[1],
        summary=AUDIT_WORDS[0],
        mode="live",
        practitioner=practitioner,
        practitioner_reflections=AUDIT_WORDS[3],
    )
    moderation = completed_audit(
        spring, enquiry, lead, value="inadequate", comment=AUDIT_WORDS[2], moderates=first
    )
    action = learning_action(first, practitioner, AUDIT_WORDS[4], manager)
    of_concern = completed_audit(spring, concern, manager, comment=AUDIT_WORDS[2])
    of_recent = completed_audit(spring, recent, manager, comment="Nora Next was asked")
    return spring, first, moderation, action, of_concern, of_recent


def _grades(audit_round) -> list[tuple]:
    from msphub.audits.models import AuditAnswer

    return list(
        AuditAnswer.objects.filter(audit__audit_round=audit_round)
        .order_by("audit_id", "question__order")
        .values_list("audit_id", "question_id", "value", "grade")
    )


def test_anonymising_keeps_the_audits_grades_and_removes_their_words(audited, council):
    from msphub.audits import results
    from msphub.audits.models import AuditAnswer, LearningAction

    spring, first, moderation, action, of_concern, of_recent = audited
    grades, figures = _grades(spring), (results.round_results(spring), results.agreement(spring))
    _, token = _list()
    call_command("retention", "--apply", "--token", token, stdout=StringIO())

    # The round's results and the agreement between auditors are what they were.
    assert _grades(spring) == grades
    assert (results.round_results(spring), results.agreement(spring)) == figures
    for audit in (first, moderation, of_concern):
        audit.refresh_from_db()
        assert audit.status == "completed" and audit.auditor_id is not None
        assert set(
            AuditAnswer.objects.filter(audit=audit).exclude(comment="").values_list("comment", flat=True)
        ) <= {retention.REMOVED}
    assert first.summary == first.practitioner_reflections == retention.REMOVED
    assert first.practitioner_id is not None and moderation.moderates_id == first.pk
    action.refresh_from_db()
    assert (action.action, action.status, action.owner_id) == (retention.REMOVED, "open", action.owner_id)
    assert LearningAction.objects.count() == 1
    # Not in the rows, nor in their history.
    rows = json.dumps(_snapshot(), default=str)
    assert not [words for words in AUDIT_WORDS if words in rows]
    # The audit of today's concern is not past its rule.
    assert AuditAnswer.objects.filter(audit=of_recent, comment="Nora Next was asked").exists()


def test_erasing_records_erases_their_audits_and_history(audited, council):
    from msphub.audits.models import Audit, AuditAnswer, LearningAction

    spring, first, moderation, action, of_concern, of_recent = audited
    RetentionRule.objects.update(action="erase")
    _, token = _list()
    call_command("retention", "--apply", "--token", token, stdout=StringIO())

    gone = [first.pk, moderation.pk, of_concern.pk]
    assert not Audit.objects.filter(pk__in=gone).exists()
    assert not AuditAnswer.objects.filter(audit_id__in=gone).exists()
    assert not LearningAction.objects.filter(pk=action.pk).exists()
    assert list(Audit.objects.values_list("pk", flat=True)) == [of_recent.pk]
    for model, link in ((Audit, "id"), (AuditAnswer, "audit_id"), (LearningAction, "audit_id")):
        assert not model.history.model.objects.filter(**{f"{link}__in": gone}).exists(), model
    assert not [words for words in AUDIT_WORDS if words in _history_text()]
    call_command("verify_access_log")


def test_an_audit_of_a_record_linked_to_someone_else_since_loses_its_link_to_an_erased_person(
    old, council, lead, manager, make_person, practitioner
):
    """The audit keeps the person as sampled; the concern was then linked to another person. When the
    first person is erased, the audit stays with its concern and the link is cleared."""
    from msphub.audits.models import Audit
    from tests.assurance_records import audit_round, completed_audit

    with time_machine.travel(at(2018, 1, 10), tick=False):
        quiet = make_person(family_name="Quiet")
    concern = old[2]  # today's concern, not past any rule
    spring = audit_round(lead)
    audit = completed_audit(spring, concern, manager)
    Audit.objects.filter(pk=audit.pk).update(person=quiet)
    Audit.history.model.objects.filter(id=audit.pk).update(person=quiet)
    RetentionRule.objects.create(
        council=council, record_type="person_without_activity", years=2, action="erase"
    )
    text, token = _list()
    assert str(quiet.uuid) in text
    call_command("retention", "--apply", "--token", token, stdout=StringIO())
    assert not Person.objects.filter(pk=quiet.pk).exists()
    audit.refresh_from_db()
    assert audit.person_id is None and audit.concern_id == concern.pk
    assert not Audit.history.model.objects.filter(person_id=quiet.pk).exists()


def test_erasing_a_person_keeps_their_review_by_its_pseudonym(old, council, lead):
    """The Board's review stays when the adult's record is erased: the link is cleared, in the row
    and its history."""
    from msphub.sars.models import ReviewAdult
    from tests.assurance_records import review_about

    concern, enquiry, _ = old
    edna = concern.person
    review = review_about(edna, lead, reference="SAR-2026-001", on=date(2026, 1, 1))
    RetentionRule.objects.filter(record_type="concern_no_enquiry").update(action="erase")
    _, token = _list()
    call_command("retention", "--apply", "--token", token, stdout=StringIO())
    assert not Person.objects.filter(pk=edna.pk).exists()
    adult = ReviewAdult.objects.get(review=review)
    assert (adult.person_id, adult.pseudonym, adult.died) == (None, "Adult A", True)
    assert not ReviewAdult.history.model.objects.filter(person_id=edna.pk).exists()
    assert ReviewAdult.history.model.objects.filter(id=adult.pk).exists(), "its history is kept"


def test_a_person_with_a_review_under_way_is_not_without_activity(old, council, lead, make_person):
    """A Safeguarding Adults Review still under way about someone keeps their record: the Board may
    need it. Once the review is over, the rule finds them again."""
    from msphub.sars.models import SafeguardingAdultsReview
    from tests.assurance_records import review_about

    with time_machine.travel(at(2018, 1, 10), tick=False):
        quiet = make_person(family_name="Underreview")
    review = review_about(quiet, lead, reference="SAR-2026-002", on=date(2026, 1, 1))
    SafeguardingAdultsReview.objects.filter(pk=review.pk).update(
        status=SafeguardingAdultsReview.Status.IN_PROGRESS, concluded_on=None, published_on=None
    )
    RetentionRule.objects.create(
        council=council, record_type="person_without_activity", years=2, action="erase"
    )
    text, _ = _list()
    assert str(quiet.uuid) not in text
    SafeguardingAdultsReview.objects.filter(pk=review.pk).update(
        status=SafeguardingAdultsReview.Status.PUBLISHED,
        concluded_on=date(2026, 5, 1),
        published_on=date(2026, 6, 1),
    )
    text, _ = _list()
    assert str(quiet.uuid) in text


REVIEW_WORDS = ("Edna Marsh was found at home", "Rita Daughter told the review", "Edna's GP had not")


@pytest.fixture
def reviews(lead, council):
    """Riverside's reviews: one published in 2021 (about Edna, linked), one published in 2021 whose
    recommendation is still in progress, one referred in 2021 and not progressed, and one published
    this year; a rule to keep them five years."""
    from msphub.sars.models import SafeguardingAdultsReview
    from tests.assurance_records import review_about
    from tests.conftest import new_person

    edna = new_person(council)
    old_review = review_about(
        edna, lead, summary=REVIEW_WORDS[0], findings=REVIEW_WORDS[1] + "; " + REVIEW_WORDS[2]
    )
    still_tracked = review_about(None, lead, reference="SAR-2021-002", recommendation_status="in_progress")
    not_progressed = SafeguardingAdultsReview.objects.create(
        council=council,
        reference="SAR-2021-003",
        referred_on=date(2021, 5, 1),
        referral_summary=REVIEW_WORDS[0],
        decision="not_progressed",
        decision_on=date(2021, 5, 10),
        decision_reasons="The criteria were not met: Edna's GP had not been involved",
        status="closed",
        created_by=lead,
    )
    recent = review_about(None, lead, reference="SAR-2026-001", on=date(2026, 1, 1), summary="Nora Next fell")
    RetentionRule.objects.create(council=council, record_type="safeguarding_adults_review", years=5)
    return edna, old_review, still_tracked, not_progressed, recent


def test_reviews_over_are_listed_by_reference(reviews):
    edna, old_review, still_tracked, not_progressed, recent = reviews
    with time_machine.travel(at(2026, 12, 1), tick=False):
        text, _ = _list()
    assert (
        "Safeguarding Adults Reviews that are over, with no recommendation still open: kept 5 years" in text
    )
    assert (
        f"anonymise 2 Safeguarding Adults Reviews: {old_review.reference}, {not_progressed.reference}" in text
    )
    assert still_tracked.reference not in text, "a recommendation is still in progress"
    assert recent.reference not in text
    assert str(edna.uuid) not in text, "a review never takes a person with it"


def test_anonymising_a_review_keeps_sg5_and_removes_its_words(reviews, council):
    from msphub.sars import services as sar_services
    from msphub.sars.models import ReviewAdult, ReviewRecommendation

    edna, old_review, still_tracked, not_progressed, recent = reviews
    year = FinancialYear(2021)
    sg5 = sar_services.sg5(council, year)
    assert sg5, "a review concluded in 2021-22"
    with time_machine.travel(at(2026, 12, 1), tick=False):
        _, token = _list()
        call_command("retention", "--apply", "--token", token, stdout=StringIO())
    assert sar_services.sg5(council, year) == sg5
    old_review.refresh_from_db()
    assert (old_review.referral_summary, old_review.findings) == (retention.REMOVED, retention.REMOVED)
    assert (old_review.decision, old_review.status, old_review.themes) == (
        "mandatory",
        "published",
        ["self_neglect"],
    )
    adult = ReviewAdult.objects.get(review=old_review)
    assert (adult.person_id, adult.date_of_death, adult.died) == (None, None, True)
    assert adult.pseudonym == f"Adult {adult.pk}"
    recommendation = ReviewRecommendation.objects.get(review=old_review)
    assert (recommendation.status, recommendation.evidence) == ("completed", retention.REMOVED)
    assert Person.objects.filter(pk=edna.pk).exists(), "the person is not the review's to dispose of"
    rows = json.dumps(_snapshot(), default=str)
    assert not [words for words in REVIEW_WORDS if words in rows]
    recent.refresh_from_db()
    assert recent.referral_summary == "Nora Next fell", "published this year: kept as it is"
    assert (
        Disposal.objects.filter(record_type="sars.safeguardingadultsreview", action="anonymise").count() == 2
    )


def test_erasing_a_review_erases_its_adults_recommendations_and_history(reviews, council):
    from msphub.sars.models import ReviewAdult, ReviewRecommendation, SafeguardingAdultsReview

    edna, old_review, still_tracked, not_progressed, recent = reviews
    RetentionRule.objects.filter(record_type="safeguarding_adults_review").update(action="erase")
    with time_machine.travel(at(2026, 12, 1), tick=False):
        _, token = _list()
        call_command("retention", "--apply", "--token", token, stdout=StringIO())
    gone = [old_review.pk, not_progressed.pk]
    assert set(SafeguardingAdultsReview.objects.values_list("pk", flat=True)) == {still_tracked.pk, recent.pk}
    for model in (ReviewAdult, ReviewRecommendation):
        assert not model.objects.filter(review_id__in=gone).exists()
        assert not model.history.model.objects.filter(review_id__in=gone).exists()
    assert not SafeguardingAdultsReview.history.model.objects.filter(id__in=gone).exists()
    assert not [words for words in REVIEW_WORDS if words in _history_text()]
    assert Person.objects.filter(pk=edna.pk).exists()
    erased = set(Disposal.objects.filter(action="erase").values_list("reference", flat=True))
    assert erased == {old_review.reference, not_progressed.reference}
