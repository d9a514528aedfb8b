"""A person's chronology, case notes (never deleted; entered in error with a reason) and the printed
case file marked OFFICIAL-SENSITIVE (issue 13, item 1)."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from msphub.casefile import services
from msphub.casefile.chronology import build_chronology
from msphub.casefile.entries import ChronologyFilters
from msphub.casefile.models import CaseNote, NoteNeverDeleted
from msphub.concerns import services as concern_services
from msphub.core.models import AccessLog
from msphub.core.states import StateChanged
from tests.conftest import Cast, new_concern, new_person, per_test
from tests.enquiry_fixtures import at, fill_record, open_enquiry, summary_items

PHONE_CALL_TEXT = "Rang the GP surgery: no appointments missed"
SIGNIFICANT_TEXT = "Fenella was admitted to hospital after a fall"
LONG_AGO = timezone.now() - timedelta(days=40)


def _note(person, user, kind=CaseNote.Kind.PHONE_CALL, text=PHONE_CALL_TEXT, when=None, **kw) -> CaseNote:
    data = {"kind": kind, "occurred_at": when or timezone.now() - timedelta(hours=2), "text": text}
    return services.add_note(person, user, data, **kw)


@pytest.fixture(scope="module")
def world_once(module_db, django_db_blocker) -> SimpleNamespace:
    """A Front Door person with an open enquiry, a phone call note and a significant event; a
    restricted person only the locality practitioner is named on, with a note."""
    with django_db_blocker.unblock():
        cast = Cast()
        person = new_person(cast.council, given_name="Fenella", family_name="Quorn", team=cast.front_door)
        concern = new_concern(cast.council, adult_given_name="Fenella", adult_family_name="Quorn")
        concern_services.link_person(concern, person, cast.practitioner)
        concern_services.record_first_contact(
            concern,
            cast.practitioner,
            {"contact_at": timezone.now(), "method": "phone", "spoke_with": "adult", "wants": "To stay home"},
        )
        enquiry = open_enquiry(concern, person, cast.practitioner, cast.manager)
        phone = _note(person, cast.practitioner, when=LONG_AGO)
        significant = _note(person, cast.practitioner, CaseNote.Kind.SIGNIFICANT_EVENT, SIGNIFICANT_TEXT)
        restricted = new_person(cast.council, given_name="Rosalind", family_name="Quorn", restricted=True)
        restricted.restricted_to.add(cast.locality_practitioner)
        hidden_note = _note(restricted, cast.locality_practitioner, text="Visited Rosalind at home")
        # Everyone the tests sign in as, made now (not in each test's savepoint).
        for name in ("practitioner", "locality_practitioner", "manager", "lead", "partner_referrer"):
            getattr(cast, name)
        cast.board_viewer, cast.other_council_user  # noqa: B018
        return SimpleNamespace(
            cast=cast,
            person=person,
            concern=concern,
            enquiry=enquiry,
            phone=phone,
            significant=significant,
            restricted=restricted,
            hidden_note=hidden_note,
        )


@pytest.fixture
def world(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


def chronology_url(person, **query) -> str:
    url = reverse("casefile:chronology", args=[person.uuid])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def new_note_url(person, query: str = "") -> str:
    return reverse("casefile:note_new", args=[person.uuid]) + query


def in_error_url(note) -> str:
    return reverse("casefile:note_in_error", args=[note.person.uuid, note.uuid])


def page(response) -> str:
    return response.content.decode()


def note_post(
    day, time: str = "10:15", kind: str = "phone_call", text: str = "Called the day centre"
) -> dict:
    return {
        "kind": kind,
        "occurred_date_day": str(day.day),
        "occurred_date_month": str(day.month),
        "occurred_date_year": str(day.year),
        "occurred_time": time,
        "text": text,
    }


# --- The note itself -------------------------------------------------------------------------------


def test_a_case_note_is_never_deleted(world):
    note = world.phone
    with pytest.raises(NoteNeverDeleted):
        note.delete()
    assert CaseNote.objects.filter(pk=note.pk).exists()
    # No page deletes one, and the admin (which could) does not have them.
    assert CaseNote not in admin.site._registry
    routes = [str(p.pattern) for p in __import__("msphub.casefile.urls").casefile.urls.urlpatterns]
    assert not [r for r in routes if "delete" in r]


def test_retention_still_erases_notes_with_their_person(world):
    """The retention job deletes by queryset, which does not call ``delete``: the person's notes go
    with them (CASCADE)."""
    person = world.restricted
    assert CaseNote.objects.filter(person=person).count() == 1
    type(person)._base_manager.filter(pk=person.pk).delete()
    assert not CaseNote.objects.filter(pk=world.hidden_note.pk).exists()


def test_partner_and_board_see_no_notes(world):
    cast = world.cast
    for user in (cast.partner_referrer, cast.board_viewer, cast.other_council_user):
        assert not CaseNote.objects.for_user(user, "view").exists()
    assert set(CaseNote.objects.for_user(cast.practitioner, "view")) == {world.phone, world.significant}
    # Named on the restricted record: its note too.
    assert world.hidden_note in CaseNote.objects.for_user(cast.locality_practitioner, "view")
    assert world.hidden_note in CaseNote.objects.for_user(cast.lead, "edit")


def test_practitioner_adds_a_case_note(client, world):
    client.force_login(world.cast.practitioner)
    today = timezone.localdate()
    response = client.post(new_note_url(world.person), note_post(today, "00:01", "visit", "Visited at home"))
    note = CaseNote.objects.get(text="Visited at home")
    assert response.status_code == 302
    assert response["Location"] == chronology_url(world.person) + f"#note-{note.uuid}"
    assert (note.kind, note.author, note.council, note.concern, note.enquiry) == (
        "visit",
        world.cast.practitioner,
        world.cast.council,
        None,
        None,
    )
    assert timezone.localtime(note.occurred_at).strftime("%Y-%m-%d %H:%M") == f"{today:%Y-%m-%d} 00:01"
    assert note.written_at <= timezone.now()
    shown = page(client.get(chronology_url(world.person)))
    assert "Visited at home" in shown and f'id="note-{note.uuid}"' in shown


def test_a_note_about_the_enquiry_and_about_the_concern(client, world):
    client.force_login(world.cast.practitioner)
    today = timezone.localdate()
    query = f"?enquiry={world.enquiry.reference}"
    assert world.enquiry.reference in page(client.get(new_note_url(world.person, query)))
    client.post(new_note_url(world.person, query), note_post(today, "00:00", text="About the enquiry"))
    assert CaseNote.objects.get(text="About the enquiry").enquiry == world.enquiry
    # The concern is decided (its enquiry is open): the practitioner still works on it.
    query = f"?concern={world.concern.reference.lower()}"
    client.post(new_note_url(world.person, query), note_post(today, "00:00", text="About the concern"))
    assert CaseNote.objects.get(text="About the concern").concern == world.concern
    # Another person's concern, or a reference that does not exist, is not found.
    other = new_person(world.cast.council, given_name="Other")
    assert client.get(new_note_url(other, f"?concern={world.concern.reference}")).status_code == 404
    for query in ("?enquiry=ENQ-2026-999999", "?concern=%00", "?enquiry=", f"?concern={'9' * 5000}"):
        assert client.get(new_note_url(world.person, query)).status_code == 404, query


@pytest.mark.parametrize(
    "post, message",
    [
        ({}, "Select what kind of note it is"),
        ({}, "Enter the date it happened"),
        ({}, "Enter the time it happened"),
        ({}, "Enter what happened"),
        ({"occurred_time": "25:99"}, "Enter a real time, like 09:30 or 14:30"),
        ({"occurred_date_day": "31", "occurred_date_month": "2"}, "The date it happened must be a real date"),
        ({"kind": "gossip"}, "Select a valid choice. gossip is not one of the available choices."),
    ],
)
def test_invalid_notes_are_refused_with_a_message(client, world, post, message):
    client.force_login(world.cast.practitioner)
    data = {**note_post(timezone.localdate() - timedelta(days=1)), **post} if post else {}
    response = client.post(new_note_url(world.person), data)
    assert response.status_code == 200
    assert message in summary_items(response)
    assert "Error: " in page(response)
    assert not CaseNote.objects.filter(text="Called the day centre").exists()


def test_when_it_happened_cannot_be_in_the_future(client, world):
    client.force_login(world.cast.practitioner)
    with time_machine.travel(at(2026, 6, 1, 10, 0), tick=False):
        tomorrow = timezone.localdate() + timedelta(days=1)
        response = client.post(new_note_url(world.person), note_post(tomorrow, "09:00"))
        assert summary_items(response) == ["The date it happened must be today or in the past"]
        later_today = client.post(new_note_url(world.person), note_post(timezone.localdate(), "10:01"))
        assert summary_items(later_today) == ["When it happened must be now or in the past"]
        # This very minute is not the future.
        assert (
            client.post(new_note_url(world.person), note_post(timezone.localdate(), "10:00")).status_code
            == 302
        )
        with pytest.raises(ValidationError):
            _note(world.person, world.cast.practitioner, when=timezone.now() + timedelta(minutes=5))


# --- Entered in error -------------------------------------------------------------------------------


def test_entered_in_error_needs_a_reason(client, world):
    client.force_login(world.cast.practitioner)
    for reason in ("", "   "):
        response = client.post(in_error_url(world.phone), {"reason": reason})
        assert summary_items(response) == ["Enter why this case note was entered in error"]
    with pytest.raises(ValidationError):
        services.mark_note_in_error(world.phone, world.cast.practitioner, " ")
    world.phone.refresh_from_db()
    assert not world.phone.is_entered_in_error


def test_entered_in_error_is_struck_through_with_its_reason(client, world):
    client.force_login(world.cast.practitioner)
    form = client.get(in_error_url(world.phone))
    assert PHONE_CALL_TEXT in page(form)
    response = client.post(in_error_url(world.phone), {"reason": "Written on the wrong person's record"})
    assert response.status_code == 302
    note = CaseNote.objects.get(pk=world.phone.pk)
    assert (note.entered_in_error_by, note.entered_in_error_reason) == (
        world.cast.practitioner,
        "Written on the wrong person's record",
    )
    shown = page(client.get(chronology_url(world.person)))
    assert re.search(rf'<del class="msphub-pre-wrap">{re.escape(PHONE_CALL_TEXT)}</del>', shown)
    assert "Written on the wrong person&#x27;s record" in shown
    # Marked once: the page is gone, and a second marking (a double press) is refused.
    assert client.get(in_error_url(world.phone)).status_code == 404
    with pytest.raises(StateChanged):
        services.mark_note_in_error(world.phone, world.cast.manager, "Again")


def test_who_may_mark_a_note_in_error(client, world):
    """The author and whoever may change the person's record; the locality practitioner sees the
    note (no link to mark it) but may not."""
    cast = world.cast
    client.force_login(cast.locality_practitioner)
    shown = page(client.get(chronology_url(world.person)))
    assert PHONE_CALL_TEXT in shown and "Mark as entered in error" not in shown
    assert client.get(in_error_url(world.phone)).status_code == 404
    assert client.post(in_error_url(world.phone), {"reason": "Not mine"}).status_code == 404
    # Nor write a note about a person whose record they may not change.
    assert client.get(new_note_url(world.person)).status_code == 404
    for user in (cast.practitioner, cast.manager, cast.lead):
        client.force_login(user)
        assert client.get(in_error_url(world.phone)).status_code == 200
        assert "Mark as entered in error" in page(client.get(chronology_url(world.person)))


# --- Who may see it --------------------------------------------------------------------------------


def test_outsiders_get_404_on_every_page(client, world):
    cast = world.cast
    pages = [
        chronology_url(world.person),
        reverse("casefile:case_file_pdf", args=[world.person.uuid]),
        new_note_url(world.person),
        in_error_url(world.significant),
    ]
    for user in (cast.other_council_user, cast.partner_referrer, cast.board_viewer):
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(new_note_url(world.person), note_post(timezone.localdate())).status_code == 404
    assert not CaseNote.objects.filter(text="Called the day centre").exists()


def test_a_restricted_person_is_404_to_an_unnamed_practitioner(client, world):
    urls = [
        chronology_url(world.restricted),
        reverse("casefile:case_file_pdf", args=[world.restricted.uuid]),
        new_note_url(world.restricted),
        in_error_url(world.hidden_note),
    ]
    client.force_login(world.cast.practitioner)
    for url in urls:
        assert client.get(url).status_code == 404, url
    client.force_login(world.cast.locality_practitioner)
    assert "Visited Rosalind at home" in page(client.get(urls[0]))


def test_viewing_the_chronology_is_access_logged(client, world):
    client.force_login(world.cast.manager)
    url = chronology_url(world.person)
    before = AccessLog.objects.count()
    response = client.get(url)
    assert response.status_code == 200 and SIGNIFICANT_TEXT in page(response)
    logged = AccessLog.objects.order_by("-sequence")[: AccessLog.objects.count() - before]
    by_record = {(log.record_type, log.record_id): log for log in logged}
    assert by_record[("people.person", world.person.uuid)].page == url
    # The concern and the enquiry whose entries it shows.
    assert ("concerns.concern", world.concern.uuid) in by_record
    assert by_record[("enquiries.enquiry", world.enquiry.uuid)].user == world.cast.manager


# --- What it shows ---------------------------------------------------------------------------------


def test_the_chronology_merges_every_source_newest_first(rf, world):
    cast = world.cast
    fill_record(world.enquiry, cast.practitioner, 1)
    request = rf.get("/")
    request.user = cast.practitioner
    entries = build_chronology(request, world.person).entries
    labels = [e.label for e in entries]
    for label in (
        "Concern received",
        "Decision recorded",
        "Decision signed off",
        "Conversation with the adult",
        "Enquiry started",
        "Review",
        "Capacity assessment",
        "Best-interests decision",
        "Advocacy referral",
        "Plan action agreed",
        "Feedback recorded",
        "Phone call",
        "Significant event",
    ):
        assert label in labels, label
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    # The person's words in their feedback only for those who may read them.
    feedback = next(e for e in entries if e.kind == "feedback")
    assert "Words 0" in feedback.summary
    request.user = cast.locality_practitioner
    feedback = next(e for e in build_chronology(request, world.person).entries if e.kind == "feedback")
    assert "Words 0" not in feedback.summary


def test_filters_by_type_date_and_significance(client, world):
    client.force_login(world.cast.practitioner)
    only_calls = page(client.get(chronology_url(world.person, type="phone_call")))
    assert PHONE_CALL_TEXT in only_calls and SIGNIFICANT_TEXT not in only_calls
    assert "Concern received" not in only_calls
    notes = page(client.get(chronology_url(world.person, type="case_note")))
    assert PHONE_CALL_TEXT in notes and SIGNIFICANT_TEXT in notes and "Decision recorded" not in notes
    significant = page(client.get(chronology_url(world.person, significant="on")))
    assert SIGNIFICANT_TEXT in significant and "Decision recorded" in significant
    assert PHONE_CALL_TEXT not in significant and "Concern received" not in significant
    # The phone call was 40 days ago: a "from" date after it leaves it out, a "to" date keeps only it.
    since = timezone.localdate(LONG_AGO) + timedelta(days=1)
    recent = page(
        client.get(
            chronology_url(world.person, from_day=since.day, from_month=since.month, from_year=since.year)
        )
    )
    assert PHONE_CALL_TEXT not in recent and SIGNIFICANT_TEXT in recent
    until = timezone.localdate(LONG_AGO)
    old = page(
        client.get(chronology_url(world.person, to_day=until.day, to_month=until.month, to_year=until.year))
    )
    assert PHONE_CALL_TEXT in old and SIGNIFICANT_TEXT not in old


@pytest.mark.parametrize(
    "query, message",
    [
        ({"type": "gossip"}, "Select types from the list"),
        ({"from_day": "99", "from_month": "1", "from_year": "2026"}, "The ‘from’ date must be a real date"),
        ({"to_day": "1", "to_month": "1"}, "The ‘to’ date must include a year"),
        ({"from_day": "x", "from_month": "\x00", "from_year": "2026"}, "The ‘from’ date must be a real date"),
        (
            {
                "from_day": "2",
                "from_month": "1",
                "from_year": "2026",
                "to_day": "1",
                "to_month": "1",
                "to_year": "2026",
            },
            "The ‘to’ date must be the same as or after the ‘from’ date",
        ),
    ],
)
def test_bad_filters_are_a_govuk_error_not_a_500(client, world, query, message):
    client.force_login(world.cast.practitioner)
    response = client.get(reverse("casefile:chronology", args=[world.person.uuid]), query)
    assert response.status_code == 200
    assert summary_items(response) == [message]
    assert "Correct the filters to see the chronology" in page(response)


def test_the_filter_is_paginated_and_keeps_its_query(client, world):
    for i in range(55):
        _note(
            world.person, world.cast.practitioner, text=f"Call number {i}", when=LONG_AGO - timedelta(hours=i)
        )
    client.force_login(world.cast.practitioner)
    first = page(client.get(chronology_url(world.person, type="phone_call")))
    assert "Page 1 of 2" in first
    assert "?type=phone_call&amp;page=2" in first
    second = page(client.get(chronology_url(world.person, type="phone_call", page=2)))
    assert "Call number 54" in second and "Call number 0" not in second


# --- The case file -----------------------------------------------------------------------------------


def test_the_case_file_pdf_is_marked_and_access_logged(client, rf, world, monkeypatch):
    """The download (its layout is the next test's: WeasyPrint's second is spent once)."""
    from weasyprint import HTML

    from msphub.core import downloads

    monkeypatch.setattr(HTML, "write_pdf", lambda self, *args, **kwargs: b"%PDF-1.7\n% not laid out\n")
    # What the view printed: the HTML the PDF is laid out from.
    printed_by_view: list[str] = []

    def rendered(*args, **kwargs):
        html = render_to_string(*args, **kwargs)
        printed_by_view.append(html)
        return html

    monkeypatch.setattr(downloads, "render_to_string", rendered)
    client.force_login(world.cast.practitioner)
    url = reverse("casefile:case_file_pdf", args=[world.person.uuid])
    before = AccessLog.objects.count()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="case-file-{world.person.uuid}.pdf"'
    assert "Quorn" not in disposition and "Fenella" not in disposition
    assert "no-store" in response["Cache-Control"]
    logged = list(AccessLog.objects.order_by("-sequence")[: AccessLog.objects.count() - before])
    assert [log.page for log in logged if log.record_id == world.person.uuid] == [url]
    # As the view printed it: the marking at the top and bottom of every page, and the entries.
    (printed,) = printed_by_view
    assert '<div class="msphub-official-sensitive msphub-case-file">' in printed
    assert re.search(r'@page official-sensitive \{\s*@top-center \{ content: "OFFICIAL-SENSITIVE"', printed)
    assert '@bottom-center { content: "OFFICIAL-SENSITIVE"' in printed
    assert SIGNIFICANT_TEXT in printed and PHONE_CALL_TEXT in printed


def test_every_page_of_the_case_file_is_marked(rf, world):
    """Laid out by WeasyPrint: each page's top and bottom margin boxes say OFFICIAL-SENSITIVE, on a
    case file long enough for several pages."""
    from weasyprint import HTML

    for i in range(45):
        _note(
            world.person,
            world.cast.practitioner,
            text=f"Call number {i} " * 8,
            when=LONG_AGO - timedelta(hours=i),
        )
    request = rf.get("/")
    request.user = world.cast.practitioner
    printed = render_to_string(
        "casefile/case_file_pdf.html",
        {
            "person": world.person,
            "entries": build_chronology(request, world.person).entries,
            "filters": ChronologyFilters(),
        },
    )
    document = HTML(string=printed).render()
    assert len(document.pages) > 1
    assert document.write_pdf().startswith(b"%PDF")

    def texts(box) -> list[str]:
        found = [box.text] if hasattr(box, "text") else []
        for child in getattr(box, "children", []):
            found += texts(child)
        return found

    for number, laid_out in enumerate(document.pages, 1):
        margins = {
            box.at_keyword: "".join(texts(box))
            for box in laid_out._page_box.children
            if getattr(box, "at_keyword", None)
        }
        assert margins.get("@top-center") == "OFFICIAL-SENSITIVE", number
        assert margins.get("@bottom-center") == "OFFICIAL-SENSITIVE", number


# --- Query counts ------------------------------------------------------------------------------------


def _more_of_everything(world, n: int) -> None:
    """n more concerns about the person (each decided, returned, with a conversation, an attempt and
    information gathered), n more of everything on the enquiry, and n more case notes of each type."""
    cast = world.cast
    for i in range(n):
        concern = new_concern(cast.council, adult_given_name="Fenella", adult_family_name="Quorn")
        concern_services.link_person(concern, world.person, cast.practitioner)
        concern_services.record_first_contact(
            concern,
            cast.practitioner,
            {"contact_at": timezone.now(), "method": "phone", "spoke_with": "adult", "wants": f"Wants {i}"},
        )
        concern_services.record_attempt(
            concern,
            cast.practitioner,
            {"attempted_at": timezone.now(), "method": "phone", "outcome": "no_answer", "notes": ""},
        )
        concern_services.add_note(concern, cast.practitioner, f"Checked with the GP {i}")
        decision = concern_services.record_decision(
            concern,
            cast.practitioner,
            {
                "outcome": "none",
                "pathway": "information_advice",
                "rationale": "No care needs",
                "lead_practitioner": None,
            },
        )
        concern_services.return_decision(decision, cast.manager, "Ask the adult first")
        for kind in CaseNote.Kind.values:
            _note(world.person, cast.practitioner, kind, f"Note {i}", concern=concern)
    fill_record(world.enquiry, cast.practitioner, n, start=100)


def test_the_chronology_query_count_does_not_grow_with_entries(client, world):
    client.force_login(world.cast.practitioner)
    url = chronology_url(world.person)
    client.get(url)  # the session and anything cached once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    _more_of_everything(world, 1)
    few = queries()
    _more_of_everything(world, 9)
    many = queries()
    assert few == many, f"{few} queries with one of each, {many} with ten"
