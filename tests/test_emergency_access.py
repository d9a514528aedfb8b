"""Break-glass access to a restricted record (security issue 11, item 7).

A council practitioner not named on a restricted record does not see it (404) and the search lists
it only as "Restricted record". They may ask for emergency access with a reason: they then see the
person, their concerns and their enquiries for EMERGENCY_ACCESS_HOURS, the access is logged, and the
council's safeguarding leads are emailed a message that names nobody. The lead's list shows who,
when, until when and why. Partners and other councils never learn the record exists.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from msphub.accounts.models import Role, User
from msphub.concerns import services as concern_services
from msphub.concerns.models import Concern
from msphub.core.models import AccessLog
from msphub.enquiries.models import Enquiry
from msphub.people import services
from msphub.people.models import EMERGENCY_ACCESS_HOURS, EmergencyAccess, Person
from tests.conftest import new_concern, new_person
from tests.enquiry_fixtures import assert_error, body

pytestmark = pytest.mark.django_db

REASON = "The adult is at the front desk asking for help and says she is in danger at home"
NHS_NUMBER = "9434765919"
HINT = "A restricted record matches your search"
ENTER_A_REASON = "Enter why you need to see this record"
TOO_SHORT = "The reason must be at least 20 characters: say why you need to see this record now"


@pytest.fixture
def restricted(council, practitioner, locality_practitioner, make_enquiry):
    """Rosalind Quorn's restricted record (only the locality practitioner named on it), with an open
    enquiry and a concern about her."""
    enquiry = make_enquiry(person=new_person(council, given_name="Rosalind", family_name="Quorn"))
    person = enquiry.person
    Person.objects.filter(pk=person.pk).update(nhs_number=NHS_NUMBER)
    concern = new_concern(council)
    concern_services.link_person(concern, person, practitioner)
    services.restrict(person, True, [locality_practitioner])
    person.refresh_from_db()
    person.enquiry, person.concern = enquiry, concern  # type: ignore[attr-defined]
    return person


def page(person: Person) -> str:
    return reverse("people:emergency_access", args=[person.uuid])


def detail(person: Person) -> str:
    return reverse("people:detail", args=[person.uuid])


def search(client, **criteria) -> str:
    response = client.post(reverse("people:search"), criteria)
    assert response.status_code == 200
    return body(response)


def grant(client, person: Person, reason: str = REASON):
    return client.post(page(person), {"reason": reason})


def test_a_restricted_record_is_hidden_from_a_practitioner_not_named_on_it(client, practitioner, restricted):
    client.force_login(practitioner)
    assert client.get(detail(restricted)).status_code == 404
    assert client.get(reverse("concerns:detail", args=[restricted.concern.reference])).status_code == 404
    assert client.get(reverse("enquiries:detail", args=[restricted.enquiry.reference])).status_code == 404


def test_the_search_says_a_restricted_record_matches_and_nothing_about_the_person(
    client, practitioner, restricted
):
    client.force_login(practitioner)
    text = search(client, name="Quorn")
    assert HINT in text
    assert "Restricted record" in text
    assert page(restricted) in text
    for detail_ in ("Rosalind", "17 May 1938", "RV1 2AB", "943 476 5919", detail(restricted) + '"'):
        assert detail_ not in text
    # A search by NHS number finds it too; one that matches nothing of it does not.
    assert HINT in search(client, nhs_number=NHS_NUMBER)
    assert HINT not in search(client, name="Nobody")


def test_the_search_shows_no_hint_to_those_who_see_the_record(
    client, locality_practitioner, lead, restricted
):
    for user in (locality_practitioner, lead):
        client.force_login(user)
        text = search(client, name="Quorn")
        assert "Rosalind" in text and HINT not in text


def test_the_page_names_nobody_and_says_access_is_logged_and_the_lead_told(client, practitioner, restricted):
    client.force_login(practitioner)
    response = client.get(page(restricted))
    assert response.status_code == 200
    text = body(response)
    assert "logged" in text and "safeguarding lead is told" in text
    assert f"for {EMERGENCY_ACCESS_HOURS} hours" in text
    assert "Rosalind" not in text and "Quorn" not in text
    assert 'name="reason"' in text and "<textarea" in text
    # Reading the page shows no record, so nothing is logged.
    assert not AccessLog.objects.filter(record_id=restricted.uuid).exists()


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", ENTER_A_REASON),
        ("   <b></b>  ", ENTER_A_REASON),
        ("Need to see it", TOO_SHORT),
        ("....................!!!!!", TOO_SHORT),
    ],
)
def test_asking_without_a_real_reason_is_an_error(
    client, practitioner, restricted, mailoutbox, reason, message
):
    client.force_login(practitioner)
    response = grant(client, restricted, reason)
    assert_error(response, message)
    assert 'id="id_reason-error" class="govuk-error-message"' in body(response)
    assert not EmergencyAccess.objects.exists()
    assert not mailoutbox
    assert client.get(detail(restricted)).status_code == 404


def test_with_a_reason_the_practitioner_sees_the_person_their_concern_and_enquiry(
    client, practitioner, restricted
):
    client.force_login(practitioner)
    response = grant(client, restricted)
    assert response.status_code == 302 and response["Location"] == detail(restricted)
    page_text = body(client.get(detail(restricted)))
    assert "Rosalind" in page_text and f"{EMERGENCY_ACCESS_HOURS} hours" in page_text
    assert client.get(reverse("concerns:detail", args=[restricted.concern.reference])).status_code == 200
    assert client.get(reverse("enquiries:detail", args=[restricted.enquiry.reference])).status_code == 200
    assert "Rosalind" in search(client, name="Quorn")
    # Exactly as if named on the record: the querysets behind every list agree.
    assert restricted in Person.objects.for_user(practitioner)
    assert restricted.concern in Concern.objects.for_user(practitioner)
    assert restricted.enquiry in Enquiry.objects.for_user(practitioner)

    access = EmergencyAccess.objects.get()
    assert (access.person, access.user, access.reason) == (restricted, practitioner, REASON)
    assert access.expires_at == access.granted_at + timedelta(hours=EMERGENCY_ACCESS_HOURS)
    logged = AccessLog.objects.filter(record_type="people.person", record_id=restricted.uuid)
    assert logged.filter(user=practitioner, page=page(restricted)).count() == 1


def test_the_lead_gets_one_email_naming_nobody(
    client, practitioner, lead, other_council_user, restricted, mailoutbox, council
):
    # Another Riverside lead without an email address is not sent it, nor is Hillside's lead.
    User.objects.create_user(username="no_email_lead", organisation=council, role=Role.SAFEGUARDING_LEAD)
    assert other_council_user.email
    client.force_login(practitioner)
    grant(client, restricted)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [lead.email]
    assert "Someone used emergency access to a restricted record in msphub" in message.body
    assert "http://testserver" + reverse("people:emergency_access_list") in message.body
    text = message.subject + message.body
    private = ("Rosalind", "Quorn", NHS_NUMBER, "943 476 5919", REASON, "front desk", practitioner.username)
    for secret in (*private, str(restricted.uuid)):
        assert secret not in text


def test_the_leads_list_shows_the_access_and_reason(client, practitioner, lead, restricted):
    client.force_login(practitioner)
    grant(client, restricted)
    assert client.get(reverse("people:emergency_access_list")).status_code == 404
    client.force_login(lead)
    response = client.get(reverse("people:emergency_access_list"))
    assert response.status_code == 200
    text = body(response)
    assert REASON in text
    assert practitioner.username in text
    assert detail(restricted) in text and "Rosalind Quorn" in text
    assert "Current" in text
    # The lead read the person's name: logged, as a search result is.
    assert AccessLog.objects.filter(record_id=restricted.uuid, user=lead).exists()


def test_the_list_is_the_councils_own(client, practitioner, other_council_user, restricted):
    client.force_login(practitioner)
    grant(client, restricted)
    client.force_login(other_council_user)
    text = body(client.get(reverse("people:emergency_access_list")))
    assert REASON not in text and "Rosalind" not in text
    assert "Nobody has used emergency access" in text


def test_after_it_expires_the_record_is_hidden_again(client, practitioner, restricted):
    client.force_login(practitioner)
    grant(client, restricted)
    assert client.get(detail(restricted)).status_code == 200
    later = timezone.now() + timedelta(hours=EMERGENCY_ACCESS_HOURS, seconds=1)
    with time_machine.travel(later, tick=False):
        client.force_login(practitioner)
        assert client.get(detail(restricted)).status_code == 404
        assert client.get(reverse("concerns:detail", args=[restricted.concern.reference])).status_code == 404
        assert HINT in search(client, name="Quorn")
    with time_machine.travel(later - timedelta(seconds=2), tick=False):
        client.force_login(practitioner)
        assert client.get(detail(restricted)).status_code == 200


def test_the_access_is_for_the_one_practitioner_and_record(
    client, practitioner, manager, council, restricted
):
    other = new_person(council, given_name="Ottilie", family_name="Quorn", restricted=True)
    client.force_login(practitioner)
    grant(client, restricted)
    assert client.get(detail(other)).status_code == 404
    client.force_login(manager)
    assert client.get(detail(restricted)).status_code == 404


def test_who_sees_the_record_already_is_sent_to_it(
    client, locality_practitioner, lead, restricted, mailoutbox
):
    for user in (locality_practitioner, lead):
        client.force_login(user)
        assert client.get(page(restricted))["Location"] == detail(restricted)
        assert grant(client, restricted)["Location"] == detail(restricted)
    assert not EmergencyAccess.objects.exists() and not mailoutbox


def test_a_partner_or_another_council_gets_404_and_no_hint(
    client, partner_referrer, other_council_user, restricted, mailoutbox
):
    for user in (partner_referrer, other_council_user):
        client.force_login(user)
        assert client.get(page(restricted)).status_code == 404
        assert grant(client, restricted).status_code == 404
    client.force_login(partner_referrer)
    assert client.post(reverse("people:search"), {"name": "Quorn"}).status_code == 404
    client.force_login(other_council_user)
    text = search(client, name="Quorn")
    assert HINT not in text and "Restricted record" not in text and "Rosalind" not in text
    assert not EmergencyAccess.objects.exists() and not mailoutbox


def test_a_record_that_is_not_restricted_has_no_emergency_access(client, practitioner, lead, council):
    person = new_person(council)
    for user in (practitioner, lead):
        client.force_login(user)
        assert client.get(page(person)).status_code == 404
        assert grant(client, person).status_code == 404


def test_an_access_written_for_someone_outside_the_council_opens_nothing(
    partner_referrer, other_council_user, restricted
):
    """Only a council's own casework staff are let in by emergency access, whatever is written."""
    for user in (partner_referrer, other_council_user):
        EmergencyAccess.objects.create(person=restricted, user=user, reason=REASON)
        assert restricted not in Person.objects.for_user(user)
        assert restricted.concern not in Concern.objects.for_user(user)


def test_an_access_is_never_changed(practitioner, restricted):
    access = services.grant_emergency_access(practitioner, restricted, REASON, "/p/", "http://x/")
    access.reason = "Something else entirely, long enough"
    with pytest.raises(TypeError):
        access.save()


def test_the_service_refuses_another_councils_record(other_council_user, restricted):
    with pytest.raises(PermissionDenied):
        services.grant_emergency_access(other_council_user, restricted, REASON, "/p/", "http://x/")
