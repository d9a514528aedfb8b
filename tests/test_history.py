"""Change history (django-simple-history) and the access log (core.access)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import Http404
from django.test import RequestFactory

from msphub.concerns import services
from msphub.concerns.models import Concern
from msphub.core.access import access_log_for, get_record, log_view
from msphub.core.models import AccessLog
from msphub.people.models import Person

LONDON = ZoneInfo("Europe/London")

pytestmark = pytest.mark.django_db


def request_as(user, path="/people/record/"):
    request = RequestFactory().get(path)
    request.user = user
    return request


# --- Change history ------------------------------------------------------------------------------


def test_person_change_keeps_the_previous_value(make_person):
    person = make_person(postcode="RV1 2AB")
    person.postcode = "RV9 9ZZ"
    person.save()

    rows = list(person.history.order_by("history_date", "history_id"))
    assert [r.history_type for r in rows] == ["+", "~"]
    assert [r.postcode for r in rows] == ["RV1 2AB", "RV9 9ZZ"]
    latest = person.history.latest()
    assert latest.prev_record.postcode == "RV1 2AB"
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("postcode", "RV1 2AB", "RV9 9ZZ")]


def test_person_history_records_who_changed_it(make_person, practitioner):
    person = make_person()
    person.phone = "01234 000000"
    person._history_user = practitioner
    person.save()
    assert person.history.latest().history_user == practitioner


def test_concern_status_change_through_services_is_kept(make_concern, make_person, practitioner):
    concern = make_concern()
    services.link_person(concern, make_person(), practitioner)

    rows = list(concern.history.order_by("history_date", "history_id"))
    assert rows[0].status == Concern.Status.RECEIVED
    assert rows[0].person_id is None
    assert rows[-1].status == Concern.Status.TRIAGE
    assert rows[-1].team_id == practitioner.team_id
    assert rows[-1].assigned_to_id == practitioner.pk
    HistoricalConcern = Concern.history.model
    assert HistoricalConcern.objects.filter(uuid=concern.uuid, status="triage").exists()


def test_concern_history_does_not_keep_the_submission_token():
    fields = {f.name for f in Concern.history.model._meta.get_fields()}
    assert "submission_token" not in fields
    assert "status" in fields


def test_decision_history_on_sign_off(make_concern, make_person, practitioner, manager):
    with time_machine.travel(datetime(2026, 6, 1, 15, 0, tzinfo=LONDON), tick=False):
        concern = make_concern()
        services.link_person(concern, make_person(), practitioner)
        decision = services.record_decision(
            concern,
            practitioner,
            {"outcome": "none", "pathway": "signposted", "rationale": "Community support fits."},
        )
    with time_machine.travel(datetime(2026, 6, 2, 11, 0, tzinfo=LONDON), tick=False):
        services.sign_off(decision, manager)

    rows = list(decision.history.order_by("history_date", "history_id"))
    assert [r.history_type for r in rows] == ["+", "~"]
    assert rows[0].signed_off_by_id is None
    assert rows[0].signed_off_at is None
    assert rows[-1].signed_off_by_id == manager.pk
    assert rows[-1].signed_off_at == datetime(2026, 6, 2, 11, 0, tzinfo=LONDON)
    statuses = list(concern.history.order_by("history_date", "history_id").values_list("status"))
    assert statuses[-1] == (Concern.Status.CLOSED,)
    assert (Concern.Status.AWAITING_SIGN_OFF,) in statuses


# --- Access log ----------------------------------------------------------------------------------


def test_log_view_records_who_saw_which_person_where(make_person, practitioner):
    person = make_person()
    other = make_person(given_name="George", family_name="Okafor")
    log_view(request_as(practitioner, f"/people/{person.uuid}/"), person)

    entries = list(access_log_for(person))
    assert len(entries) == 1
    entry = entries[0]
    assert entry.user == practitioner
    assert entry.record_type == "people.person"
    assert entry.record_id == person.uuid
    assert entry.record_reference == ""
    assert entry.page == f"/people/{person.uuid}/"
    assert entry.action == "view"
    assert list(access_log_for(other)) == []


def test_access_log_for_lists_every_view_newest_first(make_person, practitioner, lead):
    person = make_person()
    with time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=LONDON), tick=False):
        log_view(request_as(practitioner), person)
    with time_machine.travel(datetime(2026, 6, 1, 10, 0, tzinfo=LONDON), tick=False):
        log_view(request_as(lead, "/people/search/"), person)
    assert [(e.user, e.page) for e in access_log_for(person)] == [
        (lead, "/people/search/"),
        (practitioner, "/people/record/"),
    ]


def test_log_view_of_a_concern_keeps_its_reference(make_concern, practitioner):
    concern = make_concern()
    log_view(request_as(practitioner, "/concerns/x/"), concern)
    entry = access_log_for(concern).get()
    assert entry.record_type == "concerns.concern"
    assert entry.record_reference == concern.reference


def test_get_record_logs_a_view(make_person, practitioner):
    person = make_person()
    found = get_record(request_as(practitioner), Person.objects.all(), uuid=person.uuid)
    assert found == person
    assert access_log_for(person).get().user == practitioner


def test_get_record_refuses_an_outsider_and_logs_nothing(make_person, other_council_user):
    person = make_person()
    with pytest.raises(Http404):
        get_record(request_as(other_council_user), Person.objects.all(), uuid=person.uuid)
    assert not AccessLog.objects.exists()


def test_get_record_logs_any_page_that_shows_the_record(make_person, lead):
    person = make_person()
    request = request_as(lead, f"/people/{person.uuid}/edit/")
    get_record(request, Person.objects.all(), action="edit", uuid=person.uuid)
    assert access_log_for(person).get().page == f"/people/{person.uuid}/edit/"


def test_get_record_on_a_post_does_not_log_a_view(make_person, lead):
    person = make_person()
    request = RequestFactory().post(f"/people/{person.uuid}/edit/")
    request.user = lead
    assert get_record(request, Person.objects.all(), action="edit", uuid=person.uuid) == person
    assert not access_log_for(person).exists()


def test_get_record_can_be_told_not_to_log(make_person, lead):
    person = make_person()
    get_record(request_as(lead), Person.objects.all(), log=False, uuid=person.uuid)
    assert not access_log_for(person).exists()


def test_history_managers_are_built_once_and_still_belong_to_their_record(make_person):
    """core.history.build_history_managers_once: one manager class per model, each manager still
    scoped to the record it was read from (the library's behaviour)."""
    first, second = make_person(), make_person()
    first.given_name = "Changed"
    first.save()
    assert type(first.history) is type(second.history) is type(Person.history)
    assert first.history.count() == 2 and second.history.count() == 1
    assert Person.history.filter(id__in=[first.pk, second.pk]).count() == 3
    assert first.history.most_recent().given_name == "Changed"


# --- History as a person reads it (issue 13, item 9) -------------------------------------------------


def history_of(person: Person, viewer) -> list:
    from msphub.core.history import changes_for

    return changes_for([Person.history.filter(id=person.pk)], viewer)


def test_history_labels_names_dates_and_yes_no_read_as_written(client, make_person, practitioner, front_door):
    with time_machine.travel(datetime(2026, 6, 1, 15, 5, tzinfo=LONDON), tick=False):
        person = make_person(nhs_number="9434765919", team=front_door)
    person.restricted = True
    person.created_by = practitioner
    person.save()
    person.restricted = False
    person.save()

    client.force_login(practitioner)
    page = client.get(f"/people/{person.uuid}/history/").content.decode()
    assert "NHS number" in page and "Nhs number" not in page
    assert "Front Door" in page and "Team 1" not in page and f">{front_door.pk}<" not in page
    assert "17 May 1938" in page and "1938-05-17" not in page
    assert "Pat Tester" in page  # created_by, by name
    # When, in London time (British Summer Time here), as GOV.UK writes it.
    assert "Person created, <time" in page and "1 June 2026, 3:05pm" in page
    changes = history_of(person, practitioner)
    restricted = [
        (old, new) for change in changes for name, old, new in change.fields if name == "Restricted"
    ]
    assert restricted == [("Yes", "No"), ("No", "Yes")]  # newest first
    fields = {name: (old, new) for change in reversed(changes) for name, old, new in change.fields}
    assert fields["Created by"] == ("", "Pat Tester")
    assert fields["Date of birth"] == ("", "17 May 1938")


def test_a_related_record_the_viewer_may_not_see_is_not_named(make_person, make_concern, practitioner):
    hidden = make_person(given_name="Rosalind", family_name="Quorn", restricted=True)
    shown = make_person()
    concern = make_concern()
    services.link_person(concern, hidden, practitioner)
    concern.person = shown
    concern.save()

    from msphub.core.history import NOT_SHOWN, changes_for

    changes = changes_for([Concern.history.filter(id=concern.pk)], practitioner)
    people = [(old, new) for change in changes for name, old, new in change.fields if name == "Person"]
    assert (NOT_SHOWN, "Edna Marsh") in people
    assert not any("Rosalind" in value for pair in people for value in pair)


def test_names_are_looked_up_once_per_kind_of_record_not_per_change(
    make_person, practitioner, manager, lead, front_door, locality
):
    """One query per history table and one per kind of related record, whatever the number of
    changes (the page's query count does not grow with the history)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(changes: int) -> int:
        person = make_person(team=front_door, created_by=practitioner)
        for i in range(changes):
            person.team = locality if i % 2 == 0 else front_door
            person.created_by = (practitioner, manager, lead)[i % 3]
            person.save()
        with CaptureQueriesContext(connection) as captured:
            history_of(person, lead)
        return len(captured)

    assert queries_for(1) == queries_for(10)
