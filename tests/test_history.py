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
