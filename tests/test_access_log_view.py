"""The safeguarding lead's access log (governance.access_log_views): their council's entries only,
filtered by user, record, date and action, on a page and as a CSV; and record data shown in answer
to a POST (search results, likely duplicates, a form shown again) is logged as viewed."""

import csv
import io
import uuid
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from msphub.accounts.models import Organisation, Role, User
from msphub.core.models import AccessEvent, AccessLog
from msphub.governance.services import EXPORT, for_council
from tests.conftest import new_concern, new_person

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
PAGE = reverse("governance:access_log")
CSV_URL = reverse("governance:access_log_csv")


def entry(user, reference: str = "", record_id=None, action=AccessEvent.VIEW, **fields) -> AccessLog:
    return AccessLog.objects.append(
        user=user,
        action=action,
        record_type="concerns.concern" if reference else fields.pop("record_type", ""),
        record_id=record_id or (uuid.uuid4() if reference else None),
        record_reference=reference,
        page=fields.pop("page", f"/concerns/{reference}/" if reference else "/accounts/login/"),
        **fields,
    )


def at(day: date, hour: int = 12):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=LONDON), tick=False)


def as_lead(client, lead):
    client.force_login(lead)
    return client


def page_text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


# --- Scope ------------------------------------------------------------------------------------------


def test_the_lead_sees_their_councils_entries_and_not_hillsides(
    client, lead, practitioner, partner_referrer, other_council_user
):
    entry(practitioner, "CON-2026-000001")
    entry(partner_referrer, "CON-2026-000002")  # Riverside Police works with Riverside only
    entry(other_council_user, "CON-2026-000099")
    entry(None, action=AccessEvent.SIGN_IN_FAILED)  # no user: no council's
    body = page_text(as_lead(client, lead).get(PAGE))
    assert "CON-2026-000001" in body and "pat_practitioner" in body
    assert "CON-2026-000002" in body and "pc_referrer" in body
    assert "CON-2026-000099" not in body and "otto_othercouncil" not in body
    assert "Failed to sign in" not in body
    assert "2 entries, newest first" in body


def test_hillsides_lead_sees_only_hillsides(client, lead, practitioner, other_council_user):
    entry(practitioner, "CON-2026-000001")
    entry(other_council_user, "CON-2026-000099")
    body = page_text(as_lead(client, other_council_user).get(PAGE))
    assert "CON-2026-000099" in body
    assert "CON-2026-000001" not in body and "pat_practitioner" not in body


def test_a_shared_agencys_views_of_the_other_councils_records_are_not_shown(
    client, lead, council, other_council, other_council_user
):
    trust = Organisation.objects.create(name="Two Counties Health Trust", kind="nhs_trust")
    trust.councils.add(council, other_council)
    nurse = User.objects.create_user("nina_shared", organisation=trust, role=Role.PARTNER_ENQUIRY_OFFICER)
    ours, theirs = new_person(council), new_person(council, target_council=other_council)
    entry(nurse, record_type="people.person", record_id=ours.uuid, page="/people/ours/")
    entry(nurse, record_type="people.person", record_id=theirs.uuid, page="/people/theirs/")
    entry(nurse, action=AccessEvent.SIGN_IN)
    assert set(for_council(council.pk).values_list("page", flat=True)) == {
        "/people/ours/",
        "/accounts/login/",
    }
    assert set(for_council(other_council.pk).values_list("page", flat=True)) == {
        "/people/theirs/",
        "/accounts/login/",
    }
    body = page_text(as_lead(client, lead).get(PAGE))
    assert str(ours.uuid) in body and str(theirs.uuid) not in body


@pytest.mark.parametrize("persona", ["practitioner", "manager", "partner_referrer", "board_viewer"])
def test_only_the_safeguarding_lead_opens_the_log(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(PAGE).status_code == 404
    assert client.get(CSV_URL).status_code == 404


def test_signed_out_is_sent_to_sign_in_and_posting_is_refused(client, lead):
    for url in (PAGE, CSV_URL):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    as_lead(client, lead)
    assert client.post(PAGE).status_code == 405
    assert client.post(CSV_URL).status_code == 405


# --- Filters ----------------------------------------------------------------------------------------


@pytest.fixture
def logged(lead, practitioner, manager):
    """Entries on three days: a practitioner's views and sign-in, a manager's view."""
    record_id = uuid.uuid4()
    with at(date(2026, 1, 5)):
        entry(practitioner, "CON-2026-000001", record_id=record_id)
    with at(date(2026, 1, 10)):
        entry(practitioner, action=AccessEvent.SIGN_IN)
        entry(manager, "CON-2026-000002")
    with at(date(2026, 1, 20), hour=23):  # 23:00 in London
        entry(manager, "CON-2026-000003")
    return record_id


def _shown(client, **query) -> set[str]:
    body = page_text(client.get(PAGE, query))
    return {ref for ref in ("CON-2026-000001", "CON-2026-000002", "CON-2026-000003") if ref in body}


def test_filter_by_user(client, lead, logged):
    as_lead(client, lead)
    assert _shown(client, user="mo_man") == {"CON-2026-000002", "CON-2026-000003"}
    assert _shown(client, user="Pat") == {"CON-2026-000001"}  # a first name
    assert _shown(client, user="nobody") == set()


def test_filter_by_record_reference_or_id(client, lead, logged):
    as_lead(client, lead)
    assert _shown(client, record="con-2026-000002") == {"CON-2026-000002"}
    assert _shown(client, record=str(logged)) == {"CON-2026-000001"}
    assert _shown(client, record="not a reference") == set()


def test_filter_by_dates_in_london_time(client, lead, logged):
    as_lead(client, lead)
    days = {"date_from_day": "10", "date_from_month": "1", "date_from_year": "2026"}
    assert _shown(client, **days) == {"CON-2026-000002", "CON-2026-000003"}
    to_20 = {"date_to_day": "20", "date_to_month": "1", "date_to_year": "2026"}
    assert _shown(client, **days, **to_20) == {"CON-2026-000002", "CON-2026-000003"}
    to_19 = {"date_to_day": "19", "date_to_month": "1", "date_to_year": "2026"}
    assert _shown(client, **days, **to_19) == {"CON-2026-000002"}


def test_filter_by_action(client, lead, logged):
    as_lead(client, lead)
    body = page_text(client.get(PAGE, {"action": "sign_in"}))
    assert "1 entry, newest first" in body and "Signed in" in body
    assert "CON-2026-000001" not in body


def test_entries_are_newest_first_and_paginated(client, lead, practitioner):
    for i in range(30):
        entry(practitioner, f"CON-2026-{i:06d}")
    as_lead(client, lead)
    first = page_text(client.get(PAGE))
    assert "30 entries" in first and "Page 1 of 2" in first
    assert first.index("CON-2026-000029") < first.index("CON-2026-000010")
    assert "CON-2026-000004" not in first
    second = page_text(client.get(PAGE, {"page": "2"}))
    assert "CON-2026-000004" in second and "CON-2026-000029" not in second
    assert page_text(client.get(PAGE, {"page": "nonsense"}))  # not a 500


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"date_from_day": "31", "date_from_month": "2", "date_from_year": "2026"},
            "The date from must be a real date",
        ),
        ({"date_from_day": "1", "date_from_month": "2"}, "The date from must include a year"),
        (
            {"date_to_day": "x", "date_to_month": "1", "date_to_year": "2026"},
            "The date to must be a real date",
        ),
        (
            {"date_to_day": "99999999999999999999", "date_to_month": "1", "date_to_year": "2026"},
            "must be a real date",
        ),
        (
            {
                **{"date_from_day": "10", "date_from_month": "1", "date_from_year": "2026"},
                **{"date_to_day": "9", "date_to_month": "1", "date_to_year": "2026"},
            },
            "The date to must be the same as or after the date from",
        ),
        ({"action": "delete_everything"}, "Select a valid choice"),
        ({"record": "x" * 41}, "Record must be 40 characters or fewer"),
        ({"user": "a\x00b"}, "Null characters are not allowed"),
    ],
)
def test_bad_filters_give_an_error_summary(client, lead, practitioner, query, message):
    entry(practitioner, "CON-2026-000001")
    as_lead(client, lead)
    body = page_text(client.get(PAGE, query))
    assert "There is a problem" in body and message in body
    assert "<title>Error: " in body
    assert "CON-2026-000001" not in body  # no entries under filters that could not be read
    response = client.get(CSV_URL, query)
    assert response.status_code == 302 and response["Location"].startswith(PAGE + "?")


# --- The CSV ----------------------------------------------------------------------------------------


def test_the_csv_has_the_filtered_rows_is_not_cached_and_is_itself_logged(
    client, lead, practitioner, other_council_user, logged
):
    entry(other_council_user, "CON-2026-000099")
    entry(practitioner, "=HYPERLINK(1)", page="/concerns/x/")
    as_lead(client, lead)
    response = client.get(CSV_URL, {"user": "pat"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="access-log-')
    rows = csv_rows(response)
    assert list(rows[0]) == [
        "sequence",
        "when (Europe/London)",
        "user",
        "action",
        "record type",
        "record reference",
        "record id",
        "page",
        "ip address",
        "entry hash",
    ]
    assert [r["record reference"] for r in rows] == ["'=HYPERLINK(1)", "", "CON-2026-000001"]
    assert {r["user"] for r in rows} == {"pat_practitioner"}
    oldest = rows[-1]
    assert oldest["when (Europe/London)"] == "2026-01-05 12:00:00+00:00"
    assert oldest["record id"] == str(logged) and oldest["record type"] == "Concern"
    stored = AccessLog.objects.get(record_reference="CON-2026-000001")
    assert oldest["entry hash"] == stored.entry_hash and oldest["sequence"] == str(stored.sequence)
    # The download is an entry of its own, with its filters, and the chain still holds.
    export = AccessLog.objects.get(record_type=EXPORT)
    assert export.user == lead and export.page == CSV_URL + "?user=pat"
    assert export.ip_address == "127.0.0.1"
    out = StringIO()
    call_command("verify_access_log", stdout=out)
    # The lead sees their download in the log, and in the next download.
    assert "Access log export" in page_text(client.get(PAGE, {"user": "sam"}))
    assert [r["record type"] for r in csv_rows(client.get(CSV_URL, {"user": "sam"}))] == ["Access log export"]


def test_the_csv_never_has_another_councils_rows(client, lead, other_council_user):
    entry(other_council_user, "CON-2026-000099")
    rows = csv_rows(as_lead(client, lead).get(CSV_URL))
    assert rows == []


# --- Record data shown in answer to a POST ------------------------------------------------------------


def _person_views(user) -> list[AccessLog]:
    return list(AccessLog.objects.filter(user=user, record_type="people.person").order_by("sequence"))


def test_search_results_log_one_view_per_person_shown(client, practitioner, council, other_council):
    shown = [new_person(council, given_name=name) for name in ("Edna", "Enid", "Elsie")]
    new_person(council, family_name="Other")
    new_person(council, target_council=other_council)  # Hillside's: not found, not logged
    client.force_login(practitioner)
    response = client.post(reverse("people:search"), {"name": "Marsh"})
    assert response.status_code == 200
    views = _person_views(practitioner)
    assert sorted(v.record_id for v in views) == sorted(p.uuid for p in shown)
    assert {v.page for v in views} == {reverse("people:search")}
    assert {v.action for v in views} == {AccessEvent.VIEW}
    # No results, or a search with no criteria, logs nothing more.
    client.post(reverse("people:search"), {"name": "Nobody"})
    client.post(reverse("people:search"), {})
    client.get(reverse("people:search"))
    assert len(_person_views(practitioner)) == 3


def test_likely_duplicates_shown_when_creating_a_record_are_logged(client, practitioner, council):
    existing = new_person(council)
    client.force_login(practitioner)
    data = {
        "given_name": "Edna",
        "family_name": "Marsh",
        "date_of_birth_day": "17",
        "date_of_birth_month": "5",
        "date_of_birth_year": "1938",
        "gender": "Not Known",
        "ethnicity": "Undeclared / Not Known",
        "primary_support_reason": "Not Known",
    }
    response = client.post(reverse("people:new"), data)
    assert "This person may already have a record" in page_text(response)
    assert [v.record_id for v in _person_views(practitioner)] == [existing.uuid]


def test_a_persons_form_shown_again_after_a_post_is_logged(client, practitioner, council):
    person = new_person(council, team=practitioner.team)
    client.force_login(practitioner)
    edit = reverse("people:edit", args=[person.uuid])
    client.get(edit)
    assert len(_person_views(practitioner)) == 1
    response = client.post(edit, {"given_name": "", "family_name": ""})
    assert "There is a problem" in page_text(response)
    views = _person_views(practitioner)
    assert len(views) == 2 and views[-1].page == edit and views[-1].record_id == person.uuid


def test_a_saved_change_is_not_a_view(client, practitioner, council):
    person = new_person(council, team=practitioner.team)
    client.force_login(practitioner)
    data = {
        "given_name": "Edna",
        "family_name": "Marsh",
        "gender": "Not Known",
        "ethnicity": "Undeclared / Not Known",
        "primary_support_reason": "Not Known",
    }
    response = client.post(reverse("people:edit", args=[person.uuid]), data)
    assert response.status_code == 302
    assert _person_views(practitioner) == []


def test_any_record_form_shown_again_after_a_post_is_logged(client, practitioner, council):
    """The chokepoint (core.access.record) logs a POST answered with the page again, for every
    record: here a concern's first conversation sent with nothing filled in."""
    concern = new_concern(council)
    client.force_login(practitioner)
    client.post(reverse("concerns:pick_up", args=[concern.reference]))
    page = reverse("concerns:first_contact", args=[concern.reference])
    before = AccessLog.objects.filter(record_id=concern.uuid, page=page).count()
    response = client.post(page, {})
    assert response.status_code == 200 and "There is a problem" in page_text(response)
    assert AccessLog.objects.filter(record_id=concern.uuid, page=page).count() == before + 1


def test_listing_people_logs_them_in_one_insert(rf, practitioner, council, django_assert_max_num_queries):
    """A page of people is logged under the chain's one lock in one insert, however many it lists."""
    from msphub.core.access import log_shown

    people = [new_person(council, given_name=f"Edna{n}") for n in range(10)]
    request = rf.get("/people/")
    request.user = practitioner
    with django_assert_max_num_queries(4):  # savepoint, lock the chain's end, insert, release
        log_shown(request, people)
    assert AccessLog.objects.filter(user=practitioner).count() == 10
    call_command("verify_access_log", stdout=StringIO())
