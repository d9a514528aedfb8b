"""The person alleged to have caused harm and the responses the enquiry used (issue 15, item 6), and
two hooks others rely on: the closure sign-off tells the concern's followers it moved on, and
feedback given online has nobody recording it.

The contract: those who may change the enquiry add and change who is alleged to have caused harm
(relationship, carer, also an adult at risk, what was done, support offered) and tick the responses
used (unticking removes one), or "None of these" on its own (an answer is required); both show on the
enquiry's page and in its history; while the question was never answered the closing and sign-off
pages warn, holding nothing up.
"""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from msphub.concerns import services as concern_services
from msphub.core.states import StateChanged
from msphub.enquiries import services
from msphub.enquiries.models import AllegedPerson, Enquiry, EnquiryResponse, Feedback
from tests.conftest import Cast, new_concern, new_person, per_test
from tests.enquiry_fixtures import assert_error, body, open_enquiry, request_complete_closure

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    with django_db_blocker.unblock():
        cast = Cast()
        council = cast.council
        enquiry = open_enquiry(new_concern(council), new_person(council), cast.practitioner, cast.manager)
        other = open_enquiry(
            new_concern(council), new_person(council, family_name="Oak"), cast.practitioner, cast.manager
        )
        theirs = services.add_alleged_person(other, cast.practitioner, alleged_data(description="Another"))
        for name in ("locality_practitioner", "lead", "partner_referrer", "other_council_user"):
            getattr(cast, name)
        return SimpleNamespace(cast=cast, enquiry=enquiry, other=other, theirs=theirs)


@pytest.fixture
def world(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


def alleged_data(**overrides) -> dict:
    data = {
        "description": "Her son, Mark",
        "relationship": AllegedPerson.Relationship.CHILD,
        "carer": AllegedPerson.Carer.UNPAID,
        "also_adult_at_risk": False,
        "action_taken": "Police referral made",
        "support_offered": "Carer's assessment offered",
    }
    data.update(overrides)
    return data


def alleged_post(**overrides) -> dict:
    data = {k: v for k, v in alleged_data().items() if k != "also_adult_at_risk"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def url(enquiry: Enquiry, page: str = "") -> str:
    return f"/enquiries/{enquiry.reference}/{page}"


# --- The person alleged to have caused harm -------------------------------------------------------


def test_recorded_on_the_enquiry_and_shown_on_its_page(client, world):
    client.force_login(world.cast.practitioner)
    response = client.post(url(world.enquiry, "alleged/new/"), alleged_post(also_adult_at_risk="on"))
    assert response.status_code == 302 and response["Location"] == url(world.enquiry) + "#alleged"
    alleged = AllegedPerson.objects.get(enquiry=world.enquiry)
    assert (alleged.relationship, alleged.carer, alleged.also_adult_at_risk) == ("child", "unpaid", True)
    assert alleged.recorded_by == world.cast.practitioner
    text = body(client.get(url(world.enquiry)))
    for shown in ("Her son, Mark", "Son or daughter", "Yes, an unpaid carer", "Police referral made"):
        assert shown in text
    assert "They are also an adult at risk." in text and reverse("concerns:raise") in text


def test_changed_and_the_history_keeps_what_it_said(client, world):
    alleged = services.add_alleged_person(world.enquiry, world.cast.practitioner, alleged_data())
    client.force_login(world.cast.practitioner)
    edit = url(world.enquiry, f"alleged/{alleged.uuid}/")
    assert "Her son, Mark" in body(client.get(edit))
    changed = alleged_post(description="Her son", relationship="child", carer="no", action_taken="")
    assert client.post(edit, changed).status_code == 302
    alleged.refresh_from_db()
    assert (alleged.description, alleged.carer, alleged.action_taken) == ("Her son", "no", "")
    history = body(client.get(url(world.enquiry, "history/")))
    assert "Her son, Mark" in history and "Police referral made" in history


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"description": "  "}, "Enter who they are"),
        ({"relationship": None}, "Select their relationship to the adult"),
        ({"relationship": "landlord"}, "Select their relationship to the adult"),
        ({"carer": None}, "Select whether they are a carer"),
        ({"action_taken": "x" * 2001}, "What was done must be 2,000 characters or fewer"),
    ],
)
def test_invalid_answers_show_the_error_and_save_nothing(client, world, overrides, message):
    client.force_login(world.cast.practitioner)
    assert_error(client.post(url(world.enquiry, "alleged/new/"), alleged_post(**overrides)), message)
    assert not AllegedPerson.objects.filter(enquiry=world.enquiry).exists()


@pytest.mark.parametrize("persona", ["locality_practitioner", "partner_referrer", "other_council_user"])
def test_only_those_who_may_change_the_enquiry_record_them(client, world, persona):
    client.force_login(getattr(world.cast, persona))
    for page in ("alleged/new/", "responses/"):
        assert client.get(url(world.enquiry, page)).status_code == 404
        assert client.post(url(world.enquiry, page), alleged_post()).status_code == 404
    assert not AllegedPerson.objects.filter(enquiry=world.enquiry).exists()


def test_another_enquirys_record_through_this_enquiry_is_404(client, world):
    client.force_login(world.cast.practitioner)
    path = url(world.enquiry, f"alleged/{world.theirs.uuid}/")
    assert client.get(path).status_code == 404
    assert client.post(path, alleged_post()).status_code == 404


def test_nothing_changes_once_closure_is_asked_for(client, world):
    request_complete_closure(world.enquiry, world.cast.practitioner)
    client.force_login(world.cast.practitioner)
    for page in ("alleged/new/", "responses/"):
        assert client.get(url(world.enquiry, page)).status_code == 404
    with pytest.raises(StateChanged):
        services.set_responses(world.enquiry, [EnquiryResponse.Response.MEDIATION])


# --- The responses used -----------------------------------------------------------------------------


def test_responses_ticked_are_kept_and_unticked_removed(client, world):
    client.force_login(world.cast.practitioner)
    page = url(world.enquiry, "responses/")
    response = client.post(page, {"responses": ["mediation", "police_action"]})
    assert response.status_code == 302 and response["Location"] == url(world.enquiry) + "#responses"
    used = EnquiryResponse.objects.filter(enquiry=world.enquiry)
    assert set(used.values_list("response", flat=True)) == {"mediation", "police_action"}
    client.post(page, {"responses": ["police_action", "family_group_conference"]})
    assert set(used.values_list("response", flat=True)) == {"police_action", "family_group_conference"}
    text = body(client.get(url(world.enquiry)))
    assert "Family group conference" in text and "Police action" in text and "Mediation" not in text
    removed = EnquiryResponse.history.filter(history_type="-").values_list("response", flat=True)
    assert list(removed) == ["mediation"], "each removal is in the history"
    # Nothing ticked is no answer: the form says so and keeps what was recorded.
    assert_error(client.post(page, {}), services.RESPONSES_NEEDED)
    assert set(used.values_list("response", flat=True)) == {"police_action", "family_group_conference"}


def test_none_of_these_is_an_answer_on_its_own(client, world):
    client.force_login(world.cast.practitioner)
    page = url(world.enquiry, "responses/")
    text = body(client.get(page))
    assert 'value="none" data-behaviour="exclusive"' in text and "govuk-checkboxes__divider" in text
    assert_error(client.post(page, {"responses": ["none", "mediation"]}), services.NONE_ALONE)
    with pytest.raises(ValidationError) as refused:
        services.set_responses(world.enquiry, ["none", "mediation"])
    assert refused.value.message_dict == {"responses": [services.NONE_ALONE]}
    assert not world.enquiry.responses.exists()
    assert client.post(page, {"responses": ["none"]}).status_code == 302
    assert list(world.enquiry.responses.values_list("response", flat=True)) == ["none"]
    assert "None of these" in body(client.get(url(world.enquiry)))
    assert services.responses_warning(world.enquiry) is None, "answered: no warning"
    # A response found later replaces "None of these".
    services.set_responses(world.enquiry, ["mediation"])
    assert list(world.enquiry.responses.values_list("response", flat=True)) == ["mediation"]
    with pytest.raises(ValidationError):
        services.set_responses(world.enquiry, [])


def test_a_response_not_in_the_list_is_refused(client, world):
    client.force_login(world.cast.practitioner)
    response = client.post(url(world.enquiry, "responses/"), {"responses": ["prayer"]})
    assert_error(response, "Select the responses from the list")
    with pytest.raises(ValidationError):
        services.set_responses(world.enquiry, ["prayer"])
    assert not world.enquiry.responses.exists()


def test_closing_warns_while_the_responses_were_never_answered_and_does_not_block(client, world):
    client.force_login(world.cast.practitioner)
    close = url(world.enquiry, "close/")
    assert services.RESPONSES_NOT_RECORDED in body(client.get(close))
    services.set_responses(world.enquiry, [EnquiryResponse.Response.PROTECTION_PLAN])
    assert services.RESPONSES_NOT_RECORDED not in body(client.get(close))
    services.set_responses(world.enquiry, [EnquiryResponse.Response.NONE])
    assert services.RESPONSES_NOT_RECORDED not in body(client.get(close)), "None of these is an answer"
    EnquiryResponse.objects.filter(enquiry=world.enquiry).delete()
    request_complete_closure(world.enquiry, world.cast.practitioner)  # nothing held up
    client.force_login(world.cast.manager)
    sign_off = body(client.get(url(world.enquiry, "close/sign-off/")))
    assert services.RESPONSES_NOT_RECORDED in sign_off
    assert reverse("enquiries:responses", args=[world.enquiry.reference]) not in sign_off


# --- Hooks for others -------------------------------------------------------------------------------


def test_the_sign_off_tells_the_concern_it_moved_on(world, monkeypatch):
    moved: list = []
    monkeypatch.setattr(concern_services, "concern_moved_on", moved.append, raising=False)
    request_complete_closure(world.enquiry, world.cast.practitioner)
    services.sign_off_closure(world.enquiry, world.cast.manager)
    assert [(c.pk, c.status) for c in moved] == [(world.enquiry.concern_id, "closed")]


def test_the_sign_off_works_without_the_hook(world, monkeypatch):
    monkeypatch.delattr(concern_services, "concern_moved_on", raising=False)
    request_complete_closure(world.enquiry, world.cast.practitioner)
    services.sign_off_closure(world.enquiry, world.cast.manager)
    assert Enquiry.objects.get(pk=world.enquiry.pk).status == Enquiry.Status.CLOSED


def test_feedback_given_online_has_nobody_recording_it(world):
    data = {
        "version": Feedback.Version.ADULT,
        "asked_by": Feedback.AskedBy.ONLINE,
        "asked_on": timezone.localdate(),
        "safer": "Definitely",
        "comments": "They listened",
        "consent_to_quote": True,
    }
    feedback = services.record_feedback(world.enquiry, None, data)
    assert feedback.recorded_by is None and feedback.quote_status == Feedback.QuoteStatus.AWAITING
