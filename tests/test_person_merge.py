"""Merging two records of one person (issue 12, item 3; ../shared/domain/access.md: the lead).

The council's safeguarding lead, on the record to keep, picks the duplicate and sees both side by
side with the details that differ; ticks which of the duplicate's details the kept record takes
(none to start with: nothing is copied unasked) and says why. Then, in one transaction under row
locks on both people, every concern, enquiry, representative, emergency access and named user of the
duplicate moves to the kept record, each move in that record's history; the duplicate stays, with
its history, saying "Merged into" the kept record, and is in no search, list or likely duplicates,
and open to no change. The return counts the person once.
"""

import logging
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from msphub.concerns.models import Concern
from msphub.enquiries.models import Enquiry
from msphub.people import services
from msphub.people.models import EmergencyAccess, Person, Representative
from tests.conftest import new_person
from tests.enquiry_fixtures import assert_error, body
from tests.test_sac_guidance import sac, table
from tests.test_sac_return import CONCERNS_ROW, S42_ROW, SG1F_CONCERNS, SG1F_S42, TOTAL, Builder, at

pytestmark = pytest.mark.django_db

REASON = "Same NHS number and date of birth; her GP confirmed it is the same person"
DUPLICATE_NHS = "9434765919"
EMERGENCY_REASON = "The adult is at the front desk asking for help and says she is in danger at home"


@pytest.fixture
def b(lead) -> Builder:
    return Builder(lead)


@pytest.fixture
def pair(council, b, practitioner, locality_practitioner):
    """Edna Marsh twice: the record to keep (one concern, no NHS number) and a restricted duplicate
    (two concerns, one with an enquiry; a representative; an emergency access; a named user)."""
    kept = new_person(council, address="1 Mill Lane", phone="01234 000001")
    duplicate = new_person(
        council,
        nhs_number=DUPLICATE_NHS,
        address="1 Mill Lane, Riverside",
        phone="01234 000001",
        restricted=True,
    )
    duplicate.restricted_to.add(locality_practitioner)
    b.concern(council, kept, at(2025, 5, 1))
    b.concern(council, duplicate, at(2025, 6, 1))
    c = b.concern(council, duplicate, at(2025, 7, 1))
    b.enquiry(c, at(2025, 7, 2))
    Representative.objects.create(person=duplicate, name="June Marsh", kind="family", phone="01234 000002")
    EmergencyAccess.objects.create(person=duplicate, user=practitioner, reason=EMERGENCY_REASON)
    return kept, duplicate


def merge_urls(kept: Person, duplicate: Person) -> list[str]:
    return [
        reverse("people:merge", args=[kept.uuid]),
        reverse("people:merge_confirm", args=[kept.uuid, duplicate.uuid]),
    ]


def confirm_url(kept: Person, duplicate: Person) -> str:
    return reverse("people:merge_confirm", args=[kept.uuid, duplicate.uuid])


# --- The happy path --------------------------------------------------------------------------------


def test_the_lead_merges_a_duplicate_and_everything_moves(client, lead, pair, practitioner, caplog):
    kept, duplicate = pair
    client.force_login(lead)

    # From the kept record: the link, then the duplicate among its likely duplicates.
    assert reverse("people:merge", args=[kept.uuid]) in body(
        client.get(reverse("people:detail", args=[kept.uuid]))
    )
    choose = client.get(reverse("people:merge", args=[kept.uuid]))
    assert choose.status_code == 200
    assert confirm_url(kept, duplicate) in body(choose)

    # Side by side: the details that differ are offered, none ticked; the counts of each.
    page = client.get(confirm_url(kept, duplicate))
    assert page.status_code == 200
    text = body(page)
    assert "943 476 5919" in text and "1 Mill Lane, Riverside" in text
    assert 'name="take" type="checkbox" value="nhs_number"' in text
    assert 'name="take" type="checkbox" value="address"' in text
    assert 'value="phone"' not in text and 'value="name"' not in text  # the same on both
    assert " checked" not in text
    assert '<td class="govuk-table__cell">1</td><td class="govuk-table__cell">2</td>' in text  # concerns

    moving = {
        model: list(model.objects.filter(person=duplicate).values_list("pk", flat=True))
        for model in (Concern, Enquiry, Representative)
    }
    with caplog.at_level(logging.INFO, logger="msphub.people.services"):
        response = client.post(confirm_url(kept, duplicate), {"take": ["nhs_number"], "reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", args=[kept.uuid])

    kept.refresh_from_db()
    duplicate.refresh_from_db()
    assert Concern.objects.filter(person=kept).count() == 3
    assert Enquiry.objects.filter(person=kept).count() == 1
    assert not Concern.objects.filter(person=duplicate).exists()
    assert not Enquiry.objects.filter(person=duplicate).exists()
    assert list(kept.representatives.values_list("name", flat=True)) == ["June Marsh"]
    assert EmergencyAccess.objects.get().person == kept
    assert [u.username for u in kept.restricted_to.all()] == ["lee_locality"]
    assert not duplicate.restricted_to.exists()
    # Only the ticked detail is taken; the kept record is restricted, as the duplicate was.
    assert kept.nhs_number == DUPLICATE_NHS
    assert kept.address == "1 Mill Lane"
    assert kept.restricted
    # The duplicate stays, with its own details, saying when, by whom and why.
    assert duplicate.merged_into == kept
    assert duplicate.merged_by == lead and duplicate.merged_at is not None
    assert duplicate.merge_reason == REASON
    assert duplicate.address == "1 Mill Lane, Riverside"

    # The history: the duplicate's rows stay; each moved record records its change of person.
    dup_history = list(Person.history.filter(id=duplicate.pk).order_by("history_date", "history_id"))
    assert len(dup_history) == 2 and dup_history[0].merged_into_id is None
    assert dup_history[-1].merged_into_id == kept.pk and dup_history[-1].history_user == lead
    kept_history = Person.history.filter(id=kept.pk).order_by("history_date", "history_id")
    assert kept_history.first().nhs_number == "" and kept_history.last().nhs_number == DUPLICATE_NHS
    for model, pks in moving.items():
        assert len(pks) == {Concern: 2, Enquiry: 1, Representative: 1}[model]
        for pk in pks:
            rows = list(model.history.filter(id=pk).order_by("history_date", "history_id"))
            assert [r.person_id for r in rows[-2:]] == [duplicate.pk, kept.pk], model
            assert rows[-1].history_user == lead

    # A logger line with ids only.
    [line] = [r.getMessage() for r in caplog.records if "merged into" in r.getMessage()]
    assert f"person {duplicate.pk} merged into person {kept.pk} by user {lead.pk}" in line
    assert "Edna" not in line and "Marsh" not in line and REASON not in line


def test_the_duplicate_is_hidden_everywhere_but_its_own_page(client, lead, pair, locality_practitioner):
    kept, duplicate = pair
    services.merge_people(lead, kept, duplicate, REASON)
    client.force_login(lead)

    # Search (the service and the page), likely duplicates, lists: the kept record alone.
    people = Person.objects.for_user(lead)
    assert list(services.search(people, name="Edna")) == [kept]
    assert list(services.search(Person.objects.all(), name="Edna")) == [kept]
    found = body(client.post(reverse("people:search"), {"name": "Edna Marsh"}))
    assert str(kept.uuid) in found and str(duplicate.uuid) not in found
    dups = services.likely_duplicates(Person.objects.all(), "Edna", "Marsh", date(1938, 5, 17))
    assert [d.person for d in dups] == [kept]
    assert not people.filter(pk=duplicate.pk).exists()
    assert services.restricted_matches(locality_practitioner, {"name": "Edna"}) == []
    assert not services.emergency_access_candidates(locality_practitioner).filter(pk=duplicate.pk).exists()

    # Its own page says where it went, with a link; its history opens.
    page = client.get(reverse("people:detail", args=[duplicate.uuid]))
    assert page.status_code == 200
    assert "Merged into" in body(page) and reverse("people:detail", args=[kept.uuid]) in body(page)
    assert REASON in body(page)
    assert client.get(reverse("people:history", args=[duplicate.uuid])).status_code == 200
    # The kept record's page links back to it.
    assert reverse("people:detail", args=[duplicate.uuid]) in body(
        client.get(reverse("people:detail", args=[kept.uuid]))
    )

    # Nothing can be added to it, nor can it be merged again.
    for name in ("edit", "representative_new", "restriction", "merge", "emergency_access"):
        url = reverse(f"people:{name}", args=[duplicate.uuid])
        assert client.get(url).status_code == 404, name
        assert client.post(url, {}).status_code == 404, name
    assert client.get(confirm_url(kept, duplicate)).status_code == 404


def test_earlier_merges_follow_and_nothing_is_copied_unasked(council, lead, b):
    keep, middle, first = (new_person(council, given_name=n) for n in ("Edna", "Ed", "E"))
    first.date_of_birth = None
    first.save()
    services.merge_people(lead, middle, first, REASON)
    services.merge_people(lead, keep, middle, REASON)
    first.refresh_from_db()
    assert first.merged_into == keep
    keep.refresh_from_db()
    assert keep.given_name == "Edna"  # the name differed; not ticked, not taken


def test_a_blank_on_the_kept_record_is_only_filled_when_ticked(council, lead):
    kept = new_person(council, date_of_birth=None, phone="")
    duplicate = new_person(council, phone="01234 000003")
    services.merge_people(lead, kept, duplicate, REASON, take=["date_of_birth"])
    kept.refresh_from_db()
    assert kept.date_of_birth == date(1938, 5, 17)
    assert kept.phone == ""


# --- Who may merge ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["practitioner", "manager", "board_viewer", "partner_referrer"])
def test_only_the_lead_merges(client, request, pair, persona):
    kept, duplicate = pair
    client.force_login(request.getfixturevalue(persona))
    for url in merge_urls(kept, duplicate):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"reason": REASON}).status_code == 404, url
    assert not Person.objects.exclude(merged_into=None).exists()
    assert Concern.objects.filter(person=duplicate).count() == 2


def test_another_councils_lead_gets_404(client, other_council_user, pair, council, lead):
    kept, duplicate = pair
    client.force_login(other_council_user)
    for url in merge_urls(kept, duplicate):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"reason": REASON}).status_code == 404, url
    with pytest.raises(Exception, match="safeguarding lead"):
        services.merge_people(other_council_user, kept, duplicate, REASON)
    assert Concern.objects.filter(person=duplicate).count() == 2


def test_anonymous_is_sent_to_sign_in(client, pair):
    for url in merge_urls(*pair):
        assert client.get(url).status_code == 302


# --- Invalid input ---------------------------------------------------------------------------------


def test_the_same_record_twice(client, lead, pair):
    kept, _ = pair
    client.force_login(lead)
    assert client.get(confirm_url(kept, kept)).status_code == 404
    assert client.post(confirm_url(kept, kept), {"reason": REASON}).status_code == 404
    with pytest.raises(ValidationError, match="two different records"):
        services.merge_people(lead, kept, kept, REASON)


def test_no_reason(client, lead, pair):
    kept, duplicate = pair
    client.force_login(lead)
    for data in ({}, {"reason": "   "}, {"reason": "<b></b>"}):
        assert_error(
            client.post(confirm_url(kept, duplicate), data), "Enter why these records are the same person"
        )
    with pytest.raises(ValidationError, match="Enter why"):
        services.merge_people(lead, kept, duplicate, "  ")
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    assert Concern.objects.filter(person=duplicate).count() == 2


def test_a_duplicate_already_merged(client, council, lead, pair):
    kept, duplicate = pair
    third = new_person(council, given_name="Edna May")
    stale = Person.objects.get(pk=duplicate.pk)  # read before the first merge
    services.merge_people(lead, third, duplicate, REASON)
    client.force_login(lead)
    assert client.get(confirm_url(kept, duplicate)).status_code == 404
    assert client.post(confirm_url(kept, duplicate), {"reason": REASON}).status_code == 404
    # Two leads at once: the second, holding the record as it was, is refused under the lock.
    with pytest.raises(ValidationError, match="already been merged"):
        services.merge_people(lead, kept, stale, REASON)
    # Nor can a merged record be the one kept.
    with pytest.raises(ValidationError, match="already been merged"):
        services.merge_people(lead, stale, kept, REASON)
    assert Concern.objects.filter(person=third).count() == 2
    assert Concern.objects.filter(person=kept).count() == 1


def test_records_of_different_councils(client, lead, pair, other_council):
    kept, _ = pair
    elsewhere = new_person(other_council)
    client.force_login(lead)
    assert client.get(confirm_url(kept, elsewhere)).status_code == 404
    assert client.post(confirm_url(kept, elsewhere), {"reason": REASON}).status_code == 404
    with pytest.raises(ValidationError, match="same council"):
        services.merge_people(lead, kept, elsewhere, REASON)
    assert elsewhere.merged_into is None


def test_a_detail_the_kept_record_cannot_take_is_refused_whole(client, council, lead, b):
    kept = new_person(council, date_of_death=date(2020, 1, 1), date_of_death_source="nhs")
    duplicate = new_person(council, date_of_birth=date(2021, 1, 1))
    b.concern(council, duplicate, at(2025, 6, 1))
    client.force_login(lead)
    response = client.post(confirm_url(kept, duplicate), {"take": ["date_of_birth"], "reason": REASON})
    assert_error(response, "Date of death must be the same as or after the date of birth")
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    assert Concern.objects.filter(person=duplicate).count() == 1


# --- The return ------------------------------------------------------------------------------------


def test_the_return_counts_the_merged_person_once(council, lead, b):
    """Two records of Edna, a concern on each (one a section 42 enquiry): two individuals in SG1a
    before the merge, one after; the concerns and enquiries (events, SG1f) are the same."""
    kept = b.person(council, "Edna", date(1938, 5, 17), "Female")
    duplicate = b.person(council, "Edna", date(1938, 5, 17), "Female")
    b.concern(council, kept, at(2025, 5, 1))
    b.enquiry(b.concern(council, duplicate, at(2025, 8, 1)), at(2025, 8, 2))

    before = sac(council)
    assert table(before, "SG1a") == {(CONCERNS_ROW, "85-94"): 2, (S42_ROW, "85-94"): 1}
    assert table(before, "SG1b") == {(CONCERNS_ROW, "Female"): 2, (S42_ROW, "Female"): 1}

    services.merge_people(lead, kept, duplicate, REASON)
    after = sac(council)
    assert table(after, "SG1a") == {(CONCERNS_ROW, "85-94"): 1, (S42_ROW, "85-94"): 1}
    assert table(after, "SG1b") == {(CONCERNS_ROW, "Female"): 1, (S42_ROW, "Female"): 1}
    assert table(after, "SG1f") == {(SG1F_CONCERNS, TOTAL): 2, (SG1F_S42, TOTAL): 1}
    assert table(after, "SG1f") == table(before, "SG1f")


def test_empty_posts_show_the_pages_again(client, lead, pair):
    """As the permission matrix tries them: the lead's empty POST re-shows each page (no search
    criteria; no reason), and nothing is merged."""
    kept, duplicate = pair
    client.force_login(lead)
    choose = client.post(reverse("people:merge", args=[kept.uuid]), {})
    assert choose.status_code == 200 and confirm_url(kept, duplicate) in body(choose)
    assert_error(client.post(confirm_url(kept, duplicate), {}), "Enter why these records are the same person")
    assert not Person.objects.exclude(merged_into=None).exists()


def test_the_lead_finds_the_duplicate_by_search(client, council, lead, pair):
    kept, _ = pair
    other = new_person(council, given_name="Edwina", family_name="Moss", date_of_birth=date(1950, 1, 1))
    client.force_login(lead)
    response = client.post(reverse("people:merge", args=[kept.uuid]), {"name": "Edwina"})
    assert confirm_url(kept, other) in body(response)
    assert confirm_url(kept, kept) not in body(response)


def test_a_concern_cannot_be_linked_to_a_record_merged_meanwhile(
    make_concern, make_person, practitioner, lead
):
    """A page loaded before the merge still offers the duplicate: linking it is refused, under the
    person's row lock, rather than giving a merged record a new concern."""
    from msphub.concerns import services as concern_services
    from msphub.core.states import StateChanged
    from msphub.people import services

    kept, duplicate = make_person(), make_person()
    services.merge_people(lead, kept, duplicate, "The same person, recorded twice at the front door")
    concern = make_concern()
    with pytest.raises(StateChanged):
        concern_services.link_person(concern, duplicate, practitioner)
    concern.refresh_from_db()
    assert concern.person_id is None


def test_the_duplicates_audits_and_review_adults_follow(lead, manager, pair):
    """A case file audit keeps the person as sampled, and a Safeguarding Adults Review's adult the
    person the lead linked: both move to the kept record, each move in its history."""
    from msphub.audits.models import Audit
    from msphub.sars.models import ReviewAdult
    from tests.assurance_records import audit_round, completed_audit, review_about

    kept, duplicate = pair
    enquiry = Enquiry.objects.get(person=duplicate)
    spring = audit_round(lead)
    audit = completed_audit(spring, enquiry, manager)
    moderation = completed_audit(spring, enquiry, lead, moderates=audit)
    of_kept = completed_audit(spring, Concern.objects.get(person=kept), manager)
    adult = review_about(duplicate, lead).adults.get()
    services.merge_people(lead, kept, duplicate, REASON)

    why = f"Records merged: person {duplicate.pk} into {kept.pk}"
    for row in (audit, moderation, of_kept, adult):
        row.refresh_from_db()
        assert row.person_id == kept.pk, row
    for model, row in ((Audit, audit), (Audit, moderation), (ReviewAdult, adult)):
        last = model.history.filter(id=row.pk).latest("history_date")
        assert (last.history_change_reason, last.history_user_id) == (why, lead.pk)
    assert not Audit.objects.filter(person=duplicate).exists()
    assert not ReviewAdult.objects.filter(person=duplicate).exists()
