"""Subject access requests (security issue 11, item 7, UK GDPR Article 15): everything held about one
person, as JSON and as a PDF, with other people's details marked for redaction; from the command
line, and as the safeguarding lead's logged, never-cached downloads."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from msphub.concerns import services as concern_services
from msphub.core.models import AccessLog
from msphub.enquiries import services as enquiry_services
from msphub.enquiries.models import Involvement, PlanAction
from msphub.governance import subject_access
from msphub.governance.subject_access import FREE_TEXT, THIRD_PARTY, subject_access_export
from msphub.people import services as people_services
from tests.enquiry_fixtures import add_outcome, close, feedback_data

pytestmark = pytest.mark.django_db

REFERRER = "Alex Raiser"  # concern_answers' raiser
DAUGHTER = "Rita Marsh-Daughter"
NEIGHBOUR = "Neville Neighbour"
MEETING = "Dr Adeyemi and Tom (son)"


@pytest.fixture
def case(make_enquiry, make_concern, practitioner, manager, lead, client):
    """Edna's record: a representative, a closed enquiry with its parts and feedback, and a concern
    she raised herself, closed without an enquiry; the lead has viewed her record once."""
    enquiry = make_enquiry()
    person = enquiry.person
    people_services.add_representative(
        person, {"name": DAUGHTER, "kind": "family", "relationship": "Daughter", "phone": "07700 900123"}
    )
    people_services.change_person(person, {"phone": "01234 000111"})
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
    enquiry_services.add_record(
        enquiry, PlanAction, {"action": "Bank to flag the account", "owner_agency": "Bank", "due_on": today}
    )
    close(enquiry, practitioner, manager)
    enquiry_services.record_feedback(enquiry, practitioner, feedback_data(comments="They listened to me"))

    own = make_concern(raiser_kind="self", raiser_name="Edna Marsh", raiser_role="")
    concern_services.link_person(own, person, practitioner)
    concern_services.record_first_contact(
        own,
        practitioner,
        {
            "contact_at": timezone.now() - timedelta(hours=1),
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
    assert _fields(_part(enquiry_data, "Feedback")[0])["comments"]["value"] == "They listened to me"
    closure = _fields(enquiry_data)
    assert closure["closure_reason"]["value"] == "Enquiry complete"
    assert closure["status"]["value"] == "Closed"
    assert enquiry_data["history"], "the enquiry's change history"
    decision = _fields(_part(data["concerns"][1], "Decision")[0])
    assert decision["outcome"]["value"] == "No enquiry"
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
    contact = _fields(_part(raised_herself, "First contacts")[0])
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
