"""The demo's working-with-partners data (msphub/demo/partners_demo.py), built on the smallest world it
needs: the demo's organisations and users, no other casework (the full demo is test_seed_demo's)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from msphub.accounts.models import Role, User
from msphub.concerns.models import Concern
from msphub.demo.build import DemoBuilder, remove_demo_data
from msphub.demo.partners_demo import CARE_HOME, HEALTHWATCH, seed_partners
from msphub.enquiries.models import Enquiry, PlanAction
from msphub.providers.models import LinkedConcern, ProviderAction, ServiceConcern, WholeServiceEnquiry
from msphub.worktray.models import Notification

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 10, 10, 30, tzinfo=LONDON)


def _build() -> tuple[DemoBuilder, dict[str, int]]:
    builder = DemoBuilder(seed=1)
    remove_demo_data()
    builder._organisations()
    builder._users()
    return builder, seed_partners(builder)


def _snapshot() -> dict:
    wse = WholeServiceEnquiry.objects.get()
    return {
        "wse": (wse.reference, wse.uuid, wse.provider.name, wse.lead.username, wse.started_on, wse.findings),
        "links": sorted(
            (link.uuid, link.concern.reference, link.concern.uuid, link.concern.enquiry.reference)
            for link in LinkedConcern.objects.select_related("concern__enquiry")
        ),
        "service_concerns": sorted(
            ServiceConcern.objects.values_list("reference", "uuid", "status", "received_on")
        ),
        "actions": sorted(ProviderAction.objects.values_list("uuid", "action", "status", "due_on")),
        "plan": sorted(
            PlanAction.objects.values_list("uuid", "owner_organisation__name", "due_on", "status")
        ),
        "notifications": sorted(
            Notification.objects.values_list("user__username", "kind", "record_uuid", "key")
        ),
    }


@pytest.mark.django_db
def test_the_demo_builds_a_whole_service_enquiry_with_three_adults_the_same_each_time_and_removes_it():
    with time_machine.travel(NOW, tick=False):
        _, summary = _build()
        first = _snapshot()
        builder, again = _build()
        second = _snapshot()
    assert first == second and summary == again
    assert summary["linked_adults"] == 3 and summary["whole_service_enquiries"] == 1
    wse = WholeServiceEnquiry.objects.get()
    assert wse.provider.name == CARE_HOME and wse.is_open
    # Each adult their own concern and section 42 enquiry, about the care home.
    concerns = Concern.objects.filter(whole_service_links__whole_service_enquiry=wse)
    assert concerns.count() == 3 and len({c.person_id for c in concerns}) == 3
    assert set(concerns.values_list("care_provider__name", flat=True)) == {CARE_HOME}
    assert Enquiry.objects.filter(concern__in=concerns, kind="s42").count() == 3
    # Started from a whistleblower's concern about the service; another service concern is open.
    assert ServiceConcern.objects.filter(whole_service_enquiry=wse).count() == 1
    assert ServiceConcern.objects.filter(status=ServiceConcern.Status.OPEN).count() == 1
    # Partner-owned plan actions, at least one overdue, none owned by the council among them.
    partner_owned = PlanAction.objects.filter(owner_organisation__kind__in=["police", "care_provider"])
    assert partner_owned.count() == summary["partner_actions"] >= 2
    assert partner_owned.overdue(NOW.date()).exists() and summary["partner_actions_overdue"] >= 1
    # An overdue provider action notifies the enquiry's lead once.
    overdue = ProviderAction.objects.overdue(NOW.date())
    assert overdue.exists()
    assert (
        Notification.objects.filter(
            user=wse.lead, kind=Notification.Kind.PROVIDER_ACTION_OVERDUE, record_uuid=wse.uuid
        ).count()
        == overdue.count()
    )
    # A partner lead and an independent feedback interviewer, working with Riverside.
    police_lead = User.objects.get(username="police_lead")
    assert police_lead.role == Role.PARTNER_LEAD and police_lead.organisation.name == "Riverside Police"
    assert police_lead.is_partner_lead and police_lead.check_password("msphub-demo-2026")
    interviewer = User.objects.get(username="healthwatch")
    assert interviewer.role == Role.FEEDBACK_INTERVIEWER and interviewer.is_feedback_interviewer
    assert interviewer.organisation.name == HEALTHWATCH and interviewer.organisation.kind == "advocacy"
    assert builder.riverside in interviewer.organisation.councils.all()
    # remove_demo_data takes it all away again.
    with time_machine.travel(NOW, tick=False):
        remove_demo_data()
    assert not WholeServiceEnquiry.objects.exists() and not ServiceConcern.objects.exists()
    assert not WholeServiceEnquiry.history.model.objects.exists()
    assert not ProviderAction.history.model.objects.exists()
    assert not Notification.objects.filter(record_type="providers.wholeserviceenquiry").exists()
