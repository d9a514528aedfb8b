"""The referrer's loop (docs/referrers.md): the partner's own reference, the referrer's page of a concern
(status, what was decided in plain words, the outcome in words written for them, the named worker),
information the referrer adds (it enters the chronology and tells the worker), what council staff
write for the referrer, and notifying the referrer when the concern moves on."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from msphub.accounts.models import Organisation, Role
from msphub.concerns import referrer, services
from msphub.concerns.models import Concern, ConcernUpdate
from msphub.core import categories
from msphub.core.models import AccessLog
from msphub.enquiries import services as enquiry_services
from msphub.enquiries.models import Enquiry
from msphub.worktray.models import Notification
from tests.conftest import Cast, _user, new_concern, new_person, per_test
from tests.enquiry_fixtures import request_complete_closure

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
POLICE_REF = "RP-2026-0042"
# Words of the council's own that a referrer must never be shown.
RATIONALE = "Reasons only the council reads"
NFA_REASON = "A reason for no further action the referrer is not told"


def s42(lead) -> dict:
    return {
        "outcome": "s42",
        "criterion_care_needs": True,
        "criterion_abuse_risk": True,
        "criterion_cannot_protect": True,
        "rationale": RATIONALE,
        "lead_practitioner": lead,
    }


def no_enquiry(pathway: str, agency: str = "") -> dict:
    return {
        "outcome": "none",
        "pathway": pathway,
        "referred_agency": agency,
        "no_further_action_reason": NFA_REASON if pathway == "nfa" else "",
        "rationale": RATIONALE,
    }


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    with django_db_blocker.unblock():
        cast = Cast()
        w = SimpleNamespace(cast=cast)
        w.council = cast.council
        w.police_referrer = cast.partner_referrer
        w.colleague = _user("pcs_colleague", cast.police, Role.PARTNER_REFERRER)
        w.nhs_referrer = cast.other_partner_referrer
        w.practitioner, w.manager, w.lead = cast.practitioner, cast.manager, cast.lead
        w.locality_practitioner, w.locality_manager = cast.locality_practitioner, cast.locality_manager
        w.practitioner.job_title, w.practitioner.phone = "Social worker", "01234 000111"
        w.practitioner.save(update_fields=["job_title", "phone"])
        w.person = new_person(w.council, given_name="Umberto", family_name="Ashdown")
        w.concern = new_concern(
            w.council,
            user=w.police_referrer,
            raiser_reference=POLICE_REF,
            adult_given_name="Umberto",
            adult_family_name="Ashdown",
        )
        cast.other_council  # noqa: B018 (made now, shared)
        return w


@pytest.fixture
def w(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


def told(user, kind=Kind.CONCERN_PROGRESS) -> list[str]:
    return list(
        Notification.objects.filter(user=user, kind=kind).order_by("created_at").values_list("key", flat=True)
    )


def open_enquiry(w) -> Enquiry:
    services.link_person(w.concern, w.person, w.practitioner)
    decision = services.record_decision(w.concern, w.practitioner, s42(w.practitioner))
    enquiry = services.sign_off(decision, w.manager)
    assert enquiry is not None
    return enquiry


def body(response) -> str:
    return response.content.decode()


# --- The partner's own reference -------------------------------------------------------------------


def test_the_raisers_own_reference_is_kept_and_shown(client, w, module_db):
    assert Concern.objects.get(pk=w.concern.pk).raiser_reference == POLICE_REF
    client.force_login(w.police_referrer)
    listing = body(client.get(reverse("concerns:raised")))
    assert POLICE_REF in listing and reverse("concerns:raised_detail", args=[w.concern.reference]) in listing
    assert POLICE_REF in body(client.get(reverse("concerns:raised_detail", args=[w.concern.reference])))
    client.force_login(w.practitioner)
    assert POLICE_REF in body(client.get(reverse("concerns:detail", args=[w.concern.reference])))


# --- A change of status tells the referrer ------------------------------------------------------------


def test_each_stage_the_referrer_sees_is_told_once(w, module_db):
    services.pick_up(w.concern, w.practitioner)
    assert len(told(w.police_referrer)) == 1
    services.link_person(w.concern, w.person, w.practitioner)
    decision = services.record_decision(w.concern, w.practitioner, s42(w.practitioner))
    # Awaiting sign-off is "Being looked at" to the referrer, as triage is: nothing new to tell.
    assert len(told(w.police_referrer)) == 1
    services.return_decision(decision, w.manager, "Speak to the adult first")
    decision = services.record_decision(w.concern, w.practitioner, s42(w.practitioner))
    assert len(told(w.police_referrer)) == 1
    enquiry = services.sign_off(decision, w.manager)
    keys = told(w.police_referrer)
    assert len(keys) == 2 and keys[-1].endswith(":enquiry_started")
    # The enquiry's closure sign-off closes the concern and calls concern_moved_on (enquiries.services).
    request_complete_closure(enquiry, w.practitioner)
    enquiry_services.sign_off_closure(enquiry, w.manager)
    services.concern_moved_on(Concern.objects.get(pk=w.concern.pk))  # as sign_off_closure does; once
    keys = told(w.police_referrer)
    assert len(keys) == 3 and keys[-1].endswith(":closed")
    # References only: the notification names the concern, nothing about it.
    note = Notification.objects.filter(user=w.police_referrer).first()
    assert note is not None and note.reference == w.concern.reference and note.record_uuid == w.concern.uuid


def test_a_decision_of_no_enquiry_closes_and_tells_the_referrer(w, module_db):
    services.link_person(w.concern, w.person, w.practitioner)
    decision = services.record_decision(w.concern, w.practitioner, no_enquiry("information_advice"))
    services.sign_off(decision, w.manager)
    assert [k.rsplit(":", 1)[1] for k in told(w.police_referrer)] == ["being_looked_at", "closed"]


def test_setting_a_concern_aside_tells_the_referrer_it_is_closed(w, module_db):
    services.set_aside(w.concern, w.lead, "error", "Sent to the wrong council by mistake")
    assert [k.rsplit(":", 1)[1] for k in told(w.police_referrer)] == ["closed"]


def test_a_transfer_tells_the_referrer_it_was_received_again_elsewhere(w, module_db):
    services.pick_up(w.concern, w.practitioner)
    transfer = services.propose_transfer(w.concern, w.lead, w.cast.other_council, "Happened in Hillside")
    services.accept_transfer(transfer, w.cast.other_council_user)
    keys = told(w.police_referrer)
    assert len(keys) == 2 and f":{w.cast.other_council.pk}:received" in keys[-1]


def test_only_the_partner_referrer_who_raised_it_is_told(w, module_db):
    services.pick_up(w.concern, w.practitioner)
    # Colleagues of the same agency see the status in its list but are not told.
    assert told(w.colleague) == [] and len(told(w.police_referrer)) == 1
    # Raised by council staff, or by the public: nobody is told.
    by_staff = new_concern(w.council, user=w.locality_practitioner)
    public = new_concern(w.council)
    for concern in (by_staff, public):
        services.pick_up(concern, w.practitioner)
    assert told(w.locality_practitioner) == []
    assert services.referrer_to_tell(public) is None and services.referrer_to_tell(by_staff) is None


def test_a_referrer_who_moved_to_another_agency_is_not_told(w, module_db):
    elsewhere = Organisation.objects.create(name="Faraway Police", kind="police")
    w.police_referrer.organisation = elsewhere
    w.police_referrer.save(update_fields=["organisation"])
    services.pick_up(w.concern, w.practitioner)
    assert told(w.police_referrer) == []


# --- What the referrer is told --------------------------------------------------------------------


@pytest.mark.parametrize("pathway", categories.Pathway.values)
def test_every_pathway_has_plain_words_and_no_reasons(w, module_db, pathway):
    services.link_person(w.concern, w.person, w.practitioner)
    agency = "police" if pathway == "referred" else ""
    decision = services.record_decision(w.concern, w.practitioner, no_enquiry(pathway, agency))
    # Not told until it is signed off: a returned decision may change.
    assert referrer.decision_words(w.concern, decision) == referrer.NOT_DECIDED
    services.sign_off(decision, w.manager)
    decision.refresh_from_db()
    words = referrer.decision_words(Concern.objects.get(pk=w.concern.pk), decision)
    assert words.startswith(referrer.NO_ENQUIRY) and words != referrer.NO_ENQUIRY
    assert RATIONALE not in words and NFA_REASON not in words and "{agency}" not in words
    if pathway == "referred":
        assert "the police" in words


@pytest.mark.parametrize("agency", categories.ReferredAgency.values)
def test_every_agency_referred_to_is_named_plainly(agency):
    decision = SimpleNamespace(is_signed_off=True, outcome="none", pathway="referred", referred_agency=agency)
    words = referrer.decision_words(Concern(status=Concern.Status.CLOSED), decision)  # type: ignore[arg-type]
    assert words.endswith(f"passed to {referrer.REFERRED_TO[agency]}.")


def test_enquiry_words_and_the_outcome_by_stage(w, module_db):
    assert referrer.outcome_words(w.concern, None) == (referrer.OUTCOME_NOT_YET, False)
    enquiry = open_enquiry(w)
    concern = Concern.objects.get(pk=w.concern.pk)
    assert referrer.decision_words(concern, concern.decision) == referrer.SECTION_42
    assert referrer.outcome_words(concern, enquiry) == (referrer.OUTCOME_ENQUIRY_GOING_ON, False)
    enquiry.status = Enquiry.Status.CLOSED
    concern.status = Concern.Status.CLOSED
    assert referrer.outcome_words(concern, enquiry) == (referrer.OUTCOME_NOT_WRITTEN, False)
    concern.outcome_for_referrer = "  The adult is safe and has the support she asked for.  "
    assert referrer.outcome_words(concern, enquiry) == (
        "The adult is safe and has the support she asked for.",
        True,
    )
    other = SimpleNamespace(is_signed_off=True, outcome="other")
    assert referrer.decision_words(concern, other) == referrer.OTHER_ENQUIRY  # type: ignore[arg-type]


def test_closed_without_a_decision(w, module_db):
    original = new_concern(w.council)
    services.set_aside(w.concern, w.lead, "duplicate", "The same incident, raised twice", original)
    concern = Concern.objects.get(pk=w.concern.pk)
    assert referrer.decision_words(concern, None) == referrer.CLOSED_WITHOUT_DECISION
    assert referrer.outcome_words(concern, None) == (referrer.OUTCOME_NOT_WRITTEN, False)


def test_the_named_worker_is_the_assignee_then_the_lead_practitioner(w, module_db):
    assert referrer.named_worker(w.concern, None) is None
    services.pick_up(w.concern, w.locality_practitioner)
    concern = Concern.objects.get(pk=w.concern.pk)
    worker = referrer.named_worker(concern, None)
    assert worker is not None and worker.name == "Lee Tester" and worker.team == "Locality East"
    assert worker.phone == "" and worker.job_title == ""
    services.link_person(concern, w.person, w.locality_practitioner)
    decision = services.record_decision(concern, w.locality_practitioner, s42(w.practitioner))
    enquiry = services.sign_off(decision, w.locality_manager)
    enquiry = Enquiry.objects.select_related("lead_practitioner__team").get(pk=enquiry.pk)
    worker = referrer.named_worker(concern, enquiry)
    assert worker == referrer.NamedWorker(
        "Pat Tester", "Social worker", "Front Door", "01234 000111", "pat_practitioner@example.org"
    )


# --- The referrer's page ------------------------------------------------------------------------------


def test_the_referrers_page_shows_what_they_may_be_told_and_nothing_else(client, w, module_db):
    enquiry = open_enquiry(w)
    services.set_outcome_for_referrer(
        w.concern, w.practitioner, "Support is in place; thank you for raising it."
    )
    client.force_login(w.police_referrer)
    url = reverse("concerns:raised_detail", args=[w.concern.reference])
    page = body(client.get(url))
    for shown in (
        "Enquiry started",
        referrer.SECTION_42,
        "Support is in place; thank you for raising it.",
        "Pat Tester",
        "Social worker",
        "Front Door",
        "01234 000111",
        "pat_practitioner@example.org",
        POLICE_REF,
    ):
        assert shown in page, shown
    for hidden in ("Umberto", "Ashdown", RATIONALE, "Bruising", "Sunrise Home Care", enquiry.reference):
        assert hidden not in page, hidden
    # A view of the record, logged like any other.
    assert AccessLog.objects.filter(user=w.police_referrer, record_id=w.concern.uuid, page=url).exists()


def test_the_referrers_page_is_for_the_raising_agency_only(client, w, module_db):
    url = reverse("concerns:raised_detail", args=[w.concern.reference])
    for outsider in (w.nhs_referrer, w.practitioner, w.lead, w.cast.other_council_user):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(w.colleague)  # the agency's other referrers follow it too
    assert client.get(url).status_code == 200


# --- Adding information -----------------------------------------------------------------------------


def test_the_referrer_adds_information_and_the_worker_is_told(client, w, module_db):
    services.pick_up(w.concern, w.practitioner)
    client.force_login(w.police_referrer)
    url = reverse("concerns:add_information", args=[w.concern.reference])
    response = client.post(url, {"text": "  Her son rang us again last night.  "})
    assert response.status_code == 302
    assert response["Location"] == reverse("concerns:raised_detail", args=[w.concern.reference])
    update = ConcernUpdate.objects.get(concern=w.concern)
    assert update.text == "Her son rang us again last night."
    assert update.added_by == w.police_referrer and update.source == ConcernUpdate.Source.REFERRER
    assert told(w.practitioner, Kind.INFORMATION_ADDED) == [f"information_added:{update.uuid}"]
    assert "Her son rang us again last night." in body(
        client.get(reverse("concerns:raised_detail", args=[w.concern.reference]))
    )
    # On the concern's page for council staff, and in the person's chronology.
    client.force_login(w.practitioner)
    assert "Her son rang us again last night." in body(
        client.get(reverse("concerns:detail", args=[w.concern.reference]))
    )
    services.link_person(w.concern, w.person, w.practitioner)
    chronology = body(client.get(reverse("casefile:chronology", args=[w.person.uuid])))
    assert "Information added by the referrer" in chronology and "Her son rang us again" in chronology


def test_information_after_closure_is_still_taken_and_reaches_the_lead_practitioner(w, module_db):
    services.pick_up(w.concern, w.locality_practitioner)
    services.link_person(w.concern, w.person, w.locality_practitioner)
    decision = services.record_decision(w.concern, w.locality_practitioner, s42(w.practitioner))
    enquiry = services.sign_off(decision, w.locality_manager)
    request_complete_closure(enquiry, w.practitioner)
    enquiry_services.sign_off_closure(enquiry, w.manager)
    concern = Concern.objects.get(pk=w.concern.pk)
    assert concern.status == Concern.Status.CLOSED
    update = services.add_information(concern, w.police_referrer, "She has moved to her daughter's")
    key = f"information_added:{update.uuid}"
    assert told(w.locality_practitioner, Kind.INFORMATION_ADDED) == [key]
    assert told(w.practitioner, Kind.INFORMATION_ADDED) == [key]


def test_information_on_a_concern_nobody_has_picked_up(w, module_db):
    # No team yet: nobody to tell; it waits on the concern's page in the queue.
    services.add_information(w.concern, w.police_referrer, "More detail")
    assert not Notification.objects.filter(kind=Kind.INFORMATION_ADDED).exists()
    # A team but nobody assigned: the team's managers.
    Concern.objects.filter(pk=w.concern.pk).update(team=w.cast.front_door)
    services.add_information(Concern.objects.get(pk=w.concern.pk), w.police_referrer, "Even more")
    assert len(told(w.manager, Kind.INFORMATION_ADDED)) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Enter the information you want to add"), ("   ", "Enter the information you want to add"),
     ("x" * 5001, "Information to add must be 5,000 characters or fewer")],
)  # fmt: skip
def test_information_must_be_given_and_not_too_long(client, w, module_db, text, message):
    client.force_login(w.police_referrer)
    response = client.post(reverse("concerns:add_information", args=[w.concern.reference]), {"text": text})
    assert response.status_code == 200
    page = body(response)
    assert "There is a problem" in page and message in page
    assert not ConcernUpdate.objects.exists()


def test_the_service_refuses_empty_information(w, module_db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.add_information(w.concern, w.police_referrer, " ")
    with pytest.raises(ValidationError):
        services.add_information(w.concern, w.police_referrer, "x", source="fax")


def test_another_agency_cannot_add_information(client, w, module_db):
    client.force_login(w.nhs_referrer)
    response = client.post(reverse("concerns:add_information", args=[w.concern.reference]), {"text": "Hello"})
    assert response.status_code == 404 and not ConcernUpdate.objects.exists()


# --- What council staff write for the referrer ---------------------------------------------------


def test_staff_write_what_the_referrer_is_told_and_the_referrer_hears_once(client, w, module_db):
    services.pick_up(w.concern, w.practitioner)
    url = reverse("concerns:referrer_outcome", args=[w.concern.reference])
    client.force_login(w.practitioner)
    assert referrer.OUTCOME_NOT_YET in body(client.get(url))
    response = client.post(url, {"outcome_for_referrer": "We have spoken to her and she is safe."})
    assert response.status_code == 302
    assert response["Location"] == reverse("concerns:detail", args=[w.concern.reference]) + "#referrer"
    assert (
        Concern.objects.get(pk=w.concern.pk).outcome_for_referrer == "We have spoken to her and she is safe."
    )
    outcome_keys = [k for k in told(w.police_referrer) if k.startswith("concern_outcome")]
    assert outcome_keys == [f"concern_outcome:{w.concern.uuid}"]
    client.post(url, {"outcome_for_referrer": "We have spoken to her, and she is safe."})
    assert len([k for k in told(w.police_referrer) if k.startswith("concern_outcome")]) == 1
    page = body(client.get(reverse("concerns:detail", args=[w.concern.reference])))
    assert "We have spoken to her, and she is safe." in page
    # The history keeps who wrote each version.
    versions = Concern.history.filter(id=w.concern.pk).exclude(outcome_for_referrer="")
    assert versions.count() == 2


def test_only_those_who_may_work_it_write_for_the_referrer(client, w, module_db):
    services.pick_up(w.concern, w.practitioner)
    url = reverse("concerns:referrer_outcome", args=[w.concern.reference])
    for outsider in (w.locality_practitioner, w.police_referrer, w.cast.other_council_user):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"outcome_for_referrer": "x"}).status_code == 404
    assert Concern.objects.get(pk=w.concern.pk).outcome_for_referrer == ""
    # The enquiry's lead practitioner writes it, even from another team than the concern's.
    services.link_person(w.concern, w.person, w.practitioner)
    decision = services.record_decision(w.concern, w.practitioner, s42(w.locality_practitioner))
    services.sign_off(decision, w.manager)
    assert services.may_tell_referrer(w.concern, w.locality_practitioner)
    client.force_login(w.locality_practitioner)
    assert client.get(url).status_code == 200


def test_what_the_referrer_is_told_has_a_length_limit(client, w, module_db):
    services.pick_up(w.concern, w.practitioner)
    client.force_login(w.practitioner)
    response = client.post(
        reverse("concerns:referrer_outcome", args=[w.concern.reference]), {"outcome_for_referrer": "y" * 2001}
    )
    assert response.status_code == 200 and "2,000 characters or fewer" in body(response)


# --- The worktray -----------------------------------------------------------------------------------


def test_the_referrer_sees_the_change_in_their_worktray(client, w, module_db):
    services.pick_up(w.concern, w.practitioner)
    client.force_login(w.police_referrer)
    page = body(client.get(reverse("worktray:index")))
    assert "A concern you raised has moved on" in page and w.concern.reference in page
    assert "Umberto" not in page


def test_opening_the_notification_leads_to_the_referrers_page(client, w, module_db):
    services.pick_up(w.concern, w.practitioner)
    note = Notification.objects.get(user=w.police_referrer)
    client.force_login(w.police_referrer)
    response = client.post(reverse("worktray:read", args=[note.uuid]))
    assert response["Location"] == reverse("concerns:raised_detail", args=[w.concern.reference])
    assert client.get(response["Location"]).status_code == 200


def test_a_manager_allocating_it_tells_the_referrer(w, module_db):
    from msphub.worktray import services as worktray

    worktray.allocate_concern(w.concern, w.manager, w.practitioner)
    assert [k.rsplit(":", 1)[1] for k in told(w.police_referrer)] == ["being_looked_at"]
