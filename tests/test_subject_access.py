"""Subject access requests (security issue 11, item 7, UK GDPR Article 15): everything held about one
person, as JSON and as a PDF, with other people's details marked for redaction; from the command
line, and as the safeguarding lead's logged, never-cached downloads."""

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from msphub.concerns import services as concern_services
from msphub.concerns.models import Concern, ConcernTransfer
from msphub.core.models import AccessLog
from msphub.enquiries import services as enquiry_services
from msphub.enquiries.models import Feedback, Involvement, PlanAction
from msphub.governance import subject_access
from msphub.governance.subject_access import (
    CONCERN_PARTS,
    ENQUIRY_PARTS,
    FREE_TEXT,
    THIRD_PARTY,
    subject_access_export,
)
from msphub.people import services as people_services
from msphub.people.models import ASPERGERS
from tests.enquiry_fixtures import add_outcome, close, feedback_data

pytestmark = pytest.mark.django_db

REFERRER = "Alex Raiser"  # concern_answers' raiser
DAUGHTER = "Rita Marsh-Daughter"
NEIGHBOUR = "Neville Neighbour"
MEETING = "Dr Adeyemi and Tom (son)"
WRONG_PERSON = "Spoke to the Edna Marsh at number 3: the wrong person"


@pytest.fixture
def case(make_enquiry, make_concern, practitioner, manager, lead, client):
    """Edna's record: a representative, the autism item recorded, a closed enquiry with its parts, what
    it found and feedback (the quote approved for the Board), and a concern she raised herself,
    closed without an enquiry after an unsuccessful attempt to reach her and a conversation entered
    in error; the lead has viewed her record once."""
    enquiry = make_enquiry()
    person = enquiry.person
    people_services.add_representative(
        person, {"name": DAUGHTER, "kind": "family", "relationship": "Daughter", "phone": "07700 900123"}
    )
    people_services.change_person(person, {"phone": "01234 000111", "autism": ASPERGERS})
    today = timezone.localdate()
    add_outcome(enquiry, "I want my son to stop taking my money")
    enquiry_services.add_record(
        enquiry,
        Involvement,
        {
            "held_on": today,
            "kind": "meeting",
            "place": "Riverside Day Centre",
            "attendees": MEETING,
            "participation": "home",
            "minutes": "Edna said she feels safer.",
        },
        practitioner,
    )
    action = enquiry_services.add_record(
        enquiry, PlanAction, {"action": "Bank to flag the account", "owner_agency": "Bank", "due_on": today}
    )
    enquiry_services.resolve_action(action, practitioner, PlanAction.Status.DONE)
    close(enquiry, practitioner, manager)
    feedback = enquiry_services.record_feedback(
        enquiry, practitioner, feedback_data(comments="They listened to me, Pat", consent_to_quote=True)
    )
    enquiry_services.moderate_quote(feedback, manager, approve=True, approved_text="They listened to me")

    own = make_concern(raiser_kind="self", raiser_name="Edna Marsh", raiser_role="")
    concern_services.link_person(own, person, practitioner)
    concern_services.record_attempt(
        own,
        practitioner,
        {"attempted_at": timezone.now(), "method": "phone", "outcome": "no_answer", "notes": "No answer"},
    )
    mistaken = concern_services.record_first_contact(
        own,
        practitioner,
        {"contact_at": timezone.now(), "method": "phone", "spoke_with": "adult", "wants": "Nothing"},
    )
    concern_services.mark_contact_in_error(mistaken, manager, WRONG_PERSON)
    concern_services.record_first_contact(
        own,
        practitioner,
        {
            "contact_at": timezone.now(),
            "method": "phone",
            "spoke_with": "representative",
            "representative_name": NEIGHBOUR,
            "wants": "To be left alone",
        },
    )
    decision = concern_services.record_decision(
        own, practitioner, {"outcome": "none", "pathway": "information_advice", "rationale": "Advice given"}
    )
    concern_services.sign_off(decision, manager)
    client.force_login(lead)
    assert client.get(reverse("people:detail", args=[person.uuid])).status_code == 200
    client.logout()
    person.refresh_from_db()
    return person, enquiry, own


def _fields(record: dict) -> dict[str, dict]:
    return {f["name"]: f for f in record["fields"]}


def _part(record: dict, title: str) -> list[dict]:
    return next(p["records"] for p in record["parts"] if p["title"] == title)


def test_the_export_holds_everything_about_the_person(case):
    person, enquiry, own = case
    data = subject_access_export(person)
    assert data["subject"] == {"uuid": str(person.uuid), "name": "Edna Marsh"}
    fields = _fields(data["person"])
    assert fields["family_name"]["value"] == "Marsh" and not fields["family_name"]["redact"]
    assert fields["phone"]["value"] == "01234 000111"
    assert fields["date_of_birth"]["value"] == "1938-05-17"
    assert fields["autism"]["value"] == "Asperger's syndrome or high-functioning autism"
    assert "date_of_death" not in fields, "nothing held, nothing shown"
    # The person's history: the phone number as it changed.
    history = data["person"]["history"]
    changes = [c for entry in history if entry["record"] == "Person" for c in entry["changes"]]
    phone = next(c for c in changes if c["name"] == "phone")
    assert (phone["from"], phone["to"], phone["redact"]) == (None, "01234 000111", False)
    assert any(entry["record"] == "Representative" for entry in history)
    assert [c["reference"] for c in data["concerns"]] == [enquiry.concern.reference, own.reference]
    assert [e["reference"] for e in data["enquiries"]] == [enquiry.reference]
    enquiry_data = data["enquiries"][0]
    assert enquiry_data["concern"] == enquiry.concern.reference
    outcome = _fields(_part(enquiry_data, "Desired outcomes")[0])
    assert outcome["words"]["value"] == "I want my son to stop taking my money"
    assert outcome["words"]["free_text"] and not outcome["words"]["redact"]
    assert _fields(_part(enquiry_data, "Safeguarding plan actions")[0])["owner_agency"]["value"] == "Bank"
    feedback = _fields(_part(enquiry_data, "Feedback")[0])
    assert feedback["comments"]["value"] == "They listened to me, Pat"
    # The moderation of the quote for the Board: the words approved, who approved them and when.
    assert feedback["quote_status"]["value"] == "Approved for the Board"
    assert feedback["approved_text"]["value"] == "They listened to me"
    assert feedback["approved_text"]["free_text"] and not feedback["approved_text"]["redact"]
    assert feedback["moderated_by"]["value"] == "Mo Tester" and feedback["moderated_at"]["value"]
    # What the enquiry found (SG2), confirmed at closure from the concern.
    found = {
        title: [f["value"] for r in _part(enquiry_data, title) for f in r["fields"]]
        for title in (
            "Types of risk the enquiry found",
            "Locations of risk the enquiry found",
            "Sources of risk the enquiry found",
        )
    }
    assert found == {
        "Types of risk the enquiry found": ["Neglect and Acts of Omission", "Physical Abuse"],
        "Locations of risk the enquiry found": ["Own Home"],
        "Sources of risk the enquiry found": ["Service Provider"],
    }
    changed = {entry["record"] for entry in enquiry_data["history"]}
    assert {"Type of risk found", "Location of risk found", "Source of risk found", "Feedback"} <= changed
    closure = _fields(enquiry_data)
    assert closure["closure_reason"]["value"] == "Enquiry complete"
    assert closure["status"]["value"] == "Closed"
    assert enquiry_data["history"], "the enquiry's change history"
    decision = _fields(_part(data["concerns"][1], "Decision")[0])
    assert decision["outcome"]["value"] == "No enquiry"
    # The attempt that did not reach her, and the conversation entered in error, kept with who
    # marked it, when and why.
    attempt = _fields(_part(data["concerns"][1], "Attempts to make contact")[0])
    assert attempt["outcome"]["value"] == "No answer" and attempt["recorded_by"]["value"] == "Pat Tester"
    contacts = [_fields(r) for r in _part(data["concerns"][1], "First contacts")]
    in_error = next(c for c in contacts if "entered_in_error_at" in c)
    assert in_error["entered_in_error_reason"]["value"] == WRONG_PERSON
    assert in_error["entered_in_error_reason"]["free_text"]
    assert in_error["entered_in_error_by"]["value"] == "Mo Tester"
    assert len(contacts) == 2
    concern_history = {entry["record"] for entry in data["concerns"][1]["history"]}
    assert {"Contact attempt", "First contact"} <= concern_history
    assert data["transferred_to_other_councils"] == [] and data["summary"]["concerns_transferred"] == 0
    # Who viewed the records: the lead's view of the person, by name (staff names are disclosed).
    views = [e for e in data["access_log"] if e["record"] == "Person"]
    assert views and views[0]["by"] == "Sam Tester" and views[0]["page"] == f"/people/{person.uuid}/"
    assert data["summary"]["concerns"] == 2 and data["summary"]["enquiries"] == 1


def test_third_parties_are_marked_for_redaction(case):
    person, enquiry, own = case
    data = subject_access_export(person)
    raised_by_other, raised_herself = data["concerns"]
    referrer = _fields(raised_by_other)
    assert referrer["raiser_name"]["value"] == REFERRER and referrer["raiser_name"]["redact"]
    assert referrer["raiser_phone"]["redact"] and referrer["raiser_email"]["redact"]
    assert {"raiser_name", "raiser_phone", "raiser_email", "raiser_role"} <= set(
        raised_by_other["third_party"]
    )
    # The adult's own details and the staff who worked on the concern are not a third party's.
    assert not referrer["adult_family_name"]["redact"] and not referrer["assigned_to"]["redact"]
    # Edna raised the other concern herself: nobody else's details.
    assert not _fields(raised_herself)["raiser_name"]["redact"]
    contact = next(
        _fields(r) for r in _part(raised_herself, "First contacts") if "representative_name" in _fields(r)
    )
    assert contact["representative_name"]["value"] == NEIGHBOUR and contact["representative_name"]["redact"]
    representative = _fields(_part(data["person"], "Representatives")[0])
    assert representative["name"]["value"] == DAUGHTER and representative["name"]["redact"]
    assert representative["phone"]["redact"] and not representative["kind"]["redact"]
    meeting = _fields(_part(data["enquiries"][0], "Contacts and meetings")[0])
    assert meeting["attendees"]["redact"] and meeting["minutes"]["free_text"]
    # The history carries the same marks.
    history = [c for e in raised_by_other["history"] for c in e["changes"] if c["name"] == "raiser_name"]
    assert history and all(c["redact"] for c in history)
    assert data["summary"]["third_party_values"] >= 10


def test_the_command_writes_json_and_pdf(case, tmp_path):
    person, enquiry, _ = case
    out = tmp_path / "sar"
    call_command("subject_access", "--person", str(person.uuid), "--output", str(out))
    json_file = out / f"subject-access-{person.uuid}.json"
    pdf_file = out / f"subject-access-{person.uuid}.pdf"
    assert json_file.stat().st_mode & 0o077 == 0, "readable by its owner only"
    data = json.loads(json_file.read_text())
    assert data["subject"]["name"] == "Edna Marsh"
    raiser = _fields(data["concerns"][0])["raiser_name"]
    assert raiser == {
        "name": "raiser_name",
        "label": "Raiser name",
        "value": REFERRER,
        "redact": True,
        "free_text": False,
    }
    content = pdf_file.read_bytes()
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    # The PDF's document: the third party's name highlighted with the marker next to it.
    document = subject_access.as_html(data)
    assert '<tr class="third-party">\n    <td class="label">Raiser name</td>' in document
    assert f'{REFERRER} <span class="third-party-mark">[{THIRD_PARTY}]</span>' in document
    assert f"[{FREE_TEXT}]" in document
    assert "Edna Marsh" in document and enquiry.reference in document
    # The export is in the access log: the person and each of their records, by the command.
    logged = AccessLog.objects.filter(page="manage.py subject_access", user=None)
    assert {e.record_id for e in logged} == {person.uuid, *(c.uuid for c in person.concerns.all())} | {
        enquiry.uuid
    }
    call_command("verify_access_log")


def test_the_command_refuses_an_unknown_person(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No person"):
        call_command(
            "subject_access", "--person", "6f1c2b0e-7a57-4c35-9d7c-3f6c1d1e2a10", "--output", str(tmp_path)
        )
    with pytest.raises(CommandError, match="UUID"):
        call_command("subject_access", "--person", "Edna", "--output", str(tmp_path))


@pytest.mark.parametrize(("name", "content_type"), [("json", "application/json"), ("pdf", "application/pdf")])
def test_the_lead_downloads_the_export(case, client, lead, name, content_type):
    person, enquiry, own = case
    client.force_login(lead)
    path = reverse(f"governance:subject_access_{name}", args=[person.uuid])
    assert path == f"/governance/people/{person.uuid}/subject-access.{name}"
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert "no-store" in response["Cache-Control"].split(", ")
    assert response["Content-Disposition"] == f'attachment; filename="subject-access-{person.uuid}.{name}"'
    if name == "json":
        data = json.loads(response.content)
        assert _fields(data["concerns"][0])["raiser_name"]["redact"]
        # The export lists its own download among the views.
        assert any(e["page"] == path and e["by"] == "Sam Tester" for e in data["access_log"])
    else:
        assert response.content.startswith(b"%PDF-")
    logged = AccessLog.objects.filter(user=lead, page=path)
    assert {e.record_id for e in logged} == {person.uuid, enquiry.concern.uuid, own.uuid, enquiry.uuid}
    call_command("verify_access_log")


@pytest.mark.parametrize("name", ["json", "pdf"])
def test_nobody_else_downloads_it(case, client, practitioner, manager, other_council_user, name):
    person, _, _ = case
    path = reverse(f"governance:subject_access_{name}", args=[person.uuid])
    before = AccessLog.objects.count()
    for user in (practitioner, manager, other_council_user):
        client.force_login(user)
        assert client.get(path).status_code == 404, user
    client.logout()
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert AccessLog.objects.count() == before, "nothing was seen, so nothing was logged"


def test_another_councils_lead_downloads_their_own_person(client, other_council_user, other_council):
    from tests.conftest import new_person

    theirs = new_person(other_council, given_name="Hattie", family_name="Hill")
    client.force_login(other_council_user)
    response = client.get(reverse("governance:subject_access_json", args=[theirs.uuid]))
    assert response.status_code == 200
    assert json.loads(response.content)["subject"]["name"] == "Hattie Hill"


def test_a_restricted_record_is_exported_for_the_lead(case, client, lead):
    person, _, _ = case
    people_services.restrict(person, True, [])
    client.force_login(lead)
    assert client.get(reverse("governance:subject_access_json", args=[person.uuid])).status_code == 200


def test_every_record_part_is_exported():
    """Each model that holds part of a concern or an enquiry is listed, so a new one is not missed."""
    from msphub.concerns import models as concern_models
    from msphub.enquiries import models as enquiry_models

    exported = {model for _, model in CONCERN_PARTS + ENQUIRY_PARTS}
    parts = set(enquiry_models.RECORD_PARTS) | {model for _, model, _, _ in enquiry_models.FINDINGS}
    assert parts <= exported | {enquiry_models.ReviewProgress}  # progress is listed under its review
    for model in (
        concern_models.ContactAttempt,
        concern_models.ConcernTransfer,
        concern_models.FirstContact,
        concern_models.ConcernUpdate,
    ):
        assert model in exported
    assert Feedback in exported


def test_a_representatives_approved_quote_is_marked(case, practitioner, manager):
    person, enquiry, _ = case
    words = "My mother was listened to"
    feedback = enquiry_services.record_feedback(
        enquiry,
        practitioner,
        feedback_data(
            version="representative",
            representative_relationship="Daughter",
            comments=words + ", by Pat",
            consent_to_quote=True,
        ),
    )
    enquiry_services.moderate_quote(feedback, manager, approve=True, approved_text=words)
    rows = [_fields(r) for r in _part(subject_access_export(person)["enquiries"][0], "Feedback")]
    theirs = next(r for r in rows if r["version"]["value"] != "The adult")
    assert theirs["approved_text"]["value"] == words and theirs["approved_text"]["redact"]
    assert theirs["comments"]["redact"]


def test_a_date_of_death_and_a_duplicate_concern_are_exported(case, make_concern, practitioner, manager):
    person, enquiry, _ = case
    people_services.change_person(
        person, {"date_of_death": date(2026, 1, 5), "date_of_death_source": "coroner"}
    )
    duplicate = make_concern()
    concern_services.link_person(duplicate, person, practitioner)
    concern_services.set_aside(
        duplicate, manager, "duplicate", "The same report, sent twice", enquiry.concern
    )
    data = subject_access_export(person)
    fields = _fields(data["person"])
    assert fields["date_of_death"]["value"] == "2026-01-05"
    assert fields["date_of_death_source"]["value"] == "Coroner or registrar"
    exported = next(c for c in data["concerns"] if c["reference"] == duplicate.reference)
    marked = _fields(exported)
    assert marked["set_aside"]["value"] == "Duplicate"
    assert marked["duplicate_of"]["value"] == enquiry.concern.reference
    assert marked["set_aside_reason"]["value"] == "The same report, sent twice"
    assert marked["set_aside_by"]["value"] == "Mo Tester" and marked["set_aside_at"]["value"]
    assert marked["status"]["value"] == "Closed"
    history = [c for e in data["person"]["history"] for c in e["changes"] if c["name"] == "date_of_death"]
    assert history and history[-1]["to"] == "2026-01-05"


def test_a_concern_passed_to_another_council(
    case, make_concern, practitioner, lead, other_council, other_council_user, client
):
    """A declined transfer stays with the concern as one of its parts; an accepted one takes the
    concern to the other council, so the export names where it went (and who viewed it here), not
    what it says."""
    person, _, _ = case
    kept = make_concern()
    concern_services.link_person(kept, person, practitioner)
    declined = concern_services.propose_transfer(kept, lead, other_council, "The home is in Hillside")
    concern_services.decline_transfer(declined, other_council_user, "The home is in Riverside")
    moved = make_concern()
    concern_services.link_person(moved, person, practitioner)
    client.force_login(practitioner)
    assert client.get(reverse("concerns:detail", args=[moved.reference])).status_code == 200
    client.logout()
    accepted = concern_services.propose_transfer(moved, lead, other_council, "The care home is in Hillside")
    concern_services.accept_transfer(accepted, other_council_user)
    moved.refresh_from_db()
    assert moved.person is None and moved.council == other_council
    AccessLog.objects.append(
        user=other_council_user,
        record_type=Concern._meta.label_lower,
        record_id=moved.uuid,
        record_reference=moved.reference,
        page=f"/concerns/{moved.reference}/",
    )

    data = subject_access_export(person)
    references = [c["reference"] for c in data["concerns"]]
    assert kept.reference in references and moved.reference not in references
    transfer = _fields(
        _part(
            next(c for c in data["concerns"] if c["reference"] == kept.reference),
            "Transfers between councils",
        )[0]
    )
    assert transfer["status"]["value"] == "Declined"
    assert transfer["to_council"]["value"] == "Hillside Council"
    assert (
        transfer["declined_reason"]["value"] == "The home is in Riverside" and transfer["reason"]["free_text"]
    )
    [passed] = data["transferred_to_other_councils"]
    assert passed["reference"] == moved.reference
    assert passed["to_council"] == {"name": "Hillside Council", "ons_code": other_council.ons_code}
    assert passed["accepted_at"] and data["summary"]["concerns_transferred"] == 1
    # The views while Riverside held it, not the other council's since.
    views = [e for e in data["access_log"] if e["reference"] == moved.reference]
    assert [e["by"] for e in views] == ["Pat Tester"]
    document = subject_access.as_html(data)
    assert "Concerns passed to another council" in document and moved.reference in document
    assert ConcernTransfer.objects.filter(concern=moved, status="accepted").exists()


# --- Issue 14: case file audits of the person's records, and the reviews they are linked to ---------


def test_the_export_holds_the_audits_of_the_persons_records(case, lead, manager, practitioner, make_concern):
    from tests.assurance_records import (
        FREE_TEXT_QUESTION,
        QUESTION,
        audit_round,
        completed_audit,
        learning_action,
    )

    person, enquiry, own = case
    spring = audit_round(lead)
    first = completed_audit(
        spring,
        enquiry,
        manager,
        value="inadequate",
        comment="Her wishes were not recorded",
        went_well="The bank was contacted the same day",
        summary="Timely, but not personal",
    )
    completed_audit(spring, enquiry, lead, value="good", comment="I read it differently", moderates=first)
    learning_action(first, practitioner, "Record the adult's wishes in her own words", manager)
    completed_audit(spring, make_concern(), manager, comment="Someone else's concern")

    data = subject_access_export(person)
    audits = data["case_file_audits"]["records"]
    assert data["case_file_audits"]["note"] == subject_access.AUDITS_NOTE
    assert [a["record"] for a in audits] == [
        f"Case file audit of {enquiry.reference}",
        f"Moderation of {enquiry.reference}",
    ], "the person's records only"
    assert data["summary"]["case_file_audits"] == 2
    audit = _fields(audits[0])
    assert audit["audit_round"]["value"] == "Spring case file audit"
    assert audit["auditor"]["value"] == "Mo Tester", "staff are named, as elsewhere in the export"
    assert audit["status"]["value"] == "Completed" and audit["completed_at"]["value"]
    assert audit["summary"]["value"] == "Timely, but not personal" and audit["summary"]["free_text"]
    assert "position" not in audit and "moderates" not in audit
    answers = _part(audits[0], "Answers")
    assert [a["record"] for a in answers] == [QUESTION, FREE_TEXT_QUESTION]
    wishes = _fields(answers[0])
    assert (wishes["value"]["value"], wishes["grade"]["value"]) == ("Inadequate", "1")
    assert wishes["comment"]["value"] == "Her wishes were not recorded" and wishes["comment"]["free_text"]
    assert _fields(answers[1])["comment"]["value"] == "The bank was contacted the same day"
    action = _fields(_part(audits[0], "Learning actions")[0])
    assert action["action"]["value"] == "Record the adult's wishes in her own words"
    assert action["owner"]["value"] == "Pat Tester" and "audit" not in action
    assert {e["record"] for e in audits[0]["history"]} >= {"Audit", "Audit answer", "Learning action"}
    moderation = _fields(_part(audits[1], "Answers")[0])
    assert (
        moderation["value"]["value"] == "Good" and moderation["comment"]["value"] == "I read it differently"
    )
    assert "Someone else's concern" not in json.dumps(data)
    document = subject_access.as_html(data)
    assert "<h2>Case file audits</h2>" in document and escape(QUESTION) in document
    assert "Her wishes were not recorded" in document


def test_the_export_holds_the_reviews_the_person_is_linked_to(case, lead, council, tmp_path):
    from tests.assurance_records import review_about
    from tests.conftest import new_person

    person, _, _ = case
    review = review_about(
        person,
        lead,
        summary="Edna Marsh was found at home by her neighbour",
        findings="The neighbour had rung three agencies",
    )
    review_about(new_person(council, family_name="Other"), lead, reference="SAR-2021-002")

    data = subject_access_export(person)
    section = data["safeguarding_adults_reviews"]
    assert section["note"] == subject_access.REVIEWS_NOTE
    assert "findings are not included" in section["note"]
    [adult] = section["records"]
    assert adult["record"] == f"Safeguarding Adults Review {review.reference}"
    assert adult["reference"] == review.reference
    fields = _fields(adult)
    assert {name: f["value"] for name, f in fields.items()} == {
        "review": review.reference,
        "pseudonym": "Adult A",
        "died": "Yes",
        "serious_harm": "No",
        "age_band": "85-94",
        "date_of_death": "2021-04-02",
        "decision": "Mandatory review (section 44(1) to (3))",
        "status": "Published",
        "referred_on": "2021-04-01",
        "decision_on": "2021-04-20",
        "started_on": "2021-05-01",
        "concluded_on": "2021-08-01",
        "published_on": "2021-09-01",
    }
    assert adult["history"], "the adult's change history"
    assert data["summary"]["safeguarding_adults_reviews"] == 1
    # About other people and agencies too: not in the export.
    exported = json.dumps(data)
    for words in (review.referral_summary, review.findings, review.decision_reasons, "SAR-2021-002"):
        assert words not in exported
    document = subject_access.as_html(data)
    assert "<h2>Safeguarding Adults Reviews</h2>" in document and review.reference in document
    # The export is logged against the review it shows, too.
    call_command("subject_access", "--person", str(person.uuid), "--output", str(tmp_path))
    logged = AccessLog.objects.filter(
        page="manage.py subject_access", record_type="sars.safeguardingadultsreview"
    )
    assert [e.record_id for e in logged] == [review.uuid]
    call_command("verify_access_log")


def test_without_audits_or_reviews_the_sections_are_empty(case):
    person, _, _ = case
    data = subject_access_export(person)
    assert data["case_file_audits"]["records"] == [] and data["safeguarding_adults_reviews"]["records"] == []
    document = subject_access.as_html(data)
    assert "Case file audits" not in document and "Safeguarding Adults Reviews" not in document


def test_the_person_alleged_to_have_caused_harm_and_added_information_are_marked(
    case, practitioner, partner_referrer
):
    """The person alleged to have caused harm is someone else: who they are and what was done about
    them are marked for redaction; information the referrer added later is exported, its author marked
    as the concern's referrer is; the responses used are exported as they are."""
    from msphub.concerns.models import ConcernUpdate
    from msphub.enquiries.models import AllegedPerson, EnquiryResponse

    person, enquiry, _ = case
    AllegedPerson.objects.create(
        enquiry=enquiry,
        description="Her nephew, Carl",
        relationship=AllegedPerson.Relationship.OTHER_FAMILY,
        carer=AllegedPerson.Carer.UNPAID,
        action_taken="Police spoke to Carl",
        support_offered="Carers' assessment offered",
        recorded_by=practitioner,
    )
    EnquiryResponse.objects.create(enquiry=enquiry, response=EnquiryResponse.Response.MEDIATION)
    ConcernUpdate.objects.create(concern=enquiry.concern, added_by=partner_referrer, text="She rang us again")
    data = subject_access_export(person)
    exported = data["enquiries"][0]
    alleged = _fields(_part(exported, "People alleged to have caused harm")[0])
    assert alleged["description"]["redact"] and alleged["action_taken"]["redact"]
    assert alleged["support_offered"]["redact"] and not alleged["relationship"]["redact"]
    assert _fields(_part(exported, "Responses used")[0])["response"]["value"] == "Mediation"
    concern = next(c for c in data["concerns"] if c["reference"] == enquiry.concern.reference)
    added = _fields(_part(concern, "Information added by the referrer")[0])
    assert added["text"]["value"] == "She rang us again" and added["added_by"]["redact"]
