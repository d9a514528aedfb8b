"""A person's chronology: everything recorded about them, newest first, from every app.

The built-in sources below read the concerns, enquiries and case notes; any other installed app
adds its own with a module ``<app>/chronology.py`` holding ``entries(request, person, filters)``
(see ``entries.py``). Every source reads only records the user may see (``core.access.visible``)
and makes one query, whatever the number of rows: the page's query count does not grow with the
person's record.

"Significant events only" keeps entries marked significant: case notes of the type "Significant
event", every decision on a concern (recorded, signed off or returned) and every step of an
enquiry's closure (requested, returned, signed off); another app's entries when it marks them so.
"""

import functools
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.apps import apps
from django.db.models import Model, OuterRef, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import module_has_submodule
from django.utils.text import Truncator

from msphub.concerns.models import (
    Concern,
    ConcernNote,
    ConcernUpdate,
    ContactAttempt,
    Decision,
    FirstContact,
)
from msphub.core.access import visible
from msphub.enquiries.models import (
    AdvocacyReferral,
    BestInterestsDecision,
    CapacityAssessment,
    Enquiry,
    Feedback,
    Involvement,
    PlanAction,
    Review,
)
from msphub.people.models import Person

from .entries import ChronologyFilters, Entry
from .models import CaseNote

SUMMARY_LENGTH = 200

# What the chronology can be filtered by (the "type" query parameter): each entry kind a source
# writes, and each type of case note on its own.
FILTER_KINDS: tuple[tuple[str, str], ...] = (
    ("case_note", "Case notes (every type)"),
    *((str(value), f"Case note: {str(label).lower()}") for value, label in CaseNote.Kind.choices),
    ("concern", "Concerns received"),
    ("decision", "Decisions, sign-off and returns"),
    ("contact", "Conversations with the adult"),
    ("contact_attempt", "Attempts to make contact"),
    ("information", "Information gathered"),
    ("referrer_information", "Information added by the referrer"),
    ("enquiry", "Enquiries started"),
    ("closure", "Closure"),
    ("review", "Reviews"),
    ("involvement", "Contacts and meetings"),
    ("capacity", "Capacity assessments"),
    ("best_interests", "Best-interests decisions"),
    ("advocacy", "Advocacy"),
    ("plan_action", "Plan actions"),
    ("feedback", "Feedback"),
    ("document", "Documents"),
    ("letter", "Letters"),
)
NOTE_KINDS = frozenset(str(value) for value in CaseNote.Kind.values)
DATE_ONLY = {"date_only": "yes"}


@dataclass
class _Reading:
    """What every source reads from: the person and the concerns and enquiries about them the user
    may see, by primary key."""

    request: HttpRequest
    person: Person
    concerns: dict[int, Concern]
    enquiries: dict[int, Enquiry]


@dataclass(frozen=True)
class Chronology:
    """The entries (filtered, newest first) and the concerns and enquiries they come from."""

    entries: list[Entry]
    records: dict[str, Model]

    def records_in(self, entries: Iterable[Entry]) -> list[Model]:
        """The concerns and enquiries ``entries`` show (for the access log)."""
        return [self.records[ref] for ref in dict.fromkeys(e.record for e in entries) if ref in self.records]


def _short(text: str) -> str:
    return Truncator(" ".join((text or "").split())).chars(SUMMARY_LENGTH)


def _on(day: date) -> datetime:
    """A record kept by the day (a review, an assessment): at the start of that day, London time."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _who(user: Any) -> str:
    return str(user) if user is not None else ""


def _concern_url(concern: Concern) -> str:
    return reverse("concerns:detail", args=[concern.reference])


def _enquiry_url(enquiry: Enquiry, anchor: str = "") -> str:
    return reverse("enquiries:detail", args=[enquiry.reference]) + (f"#{anchor}" if anchor else "")


# --- Concerns --------------------------------------------------------------------------------------


def _concerns(r: _Reading) -> list[Entry]:
    entries = []
    for c in r.concerns.values():
        raiser = c.raiser_name + (f", {c.raiser_organisation_name}" if c.raiser_organisation_name else "")
        entries.append(
            Entry(
                at=c.received_at,
                kind="concern",
                label="Concern received" + (f" ({c.get_set_aside_display().lower()})" if c.set_aside else ""),
                summary=_short(c.what_happened),
                url=_concern_url(c),
                record=c.reference,
                by=raiser,
                struck=bool(c.set_aside),
                reason=c.set_aside_reason,
            )
        )
    return entries


def _decisions(r: _Reading) -> list[Entry]:
    entries = []
    rows = Decision.objects.filter(concern_id__in=list(r.concerns)).select_related(
        "decided_by", "signed_off_by"
    )
    for d in rows:
        concern = r.concerns[d.concern_id]
        common: dict[str, Any] = {
            "kind": "decision",
            "url": _concern_url(concern),
            "record": concern.reference,
        }
        outcome = d.get_outcome_display()
        entries.append(
            Entry(
                at=d.decided_at,
                label="Decision recorded",
                summary=f"{outcome}: {_short(d.rationale)}",
                by=_who(d.decided_by),
                significant=True,
                **common,
            )
        )
        if d.signed_off_at:
            entries.append(
                Entry(
                    at=d.signed_off_at,
                    label="Decision signed off",
                    summary=outcome,
                    by=_who(d.signed_off_by),
                    significant=True,
                    **common,
                )
            )
    return entries


def _returned(rows: Iterable[Any], comment_field: str) -> list[Any]:
    """The history rows (in order, per record) at which ``comment_field`` was given a new comment:
    each time the decision or closure was returned. Nothing else keeps when that happened."""
    returned: list[Any] = []
    last: dict[int, str] = {}
    for row in rows:
        comment = getattr(row, comment_field)
        if comment and comment != last.get(row.id):
            returned.append(row)
        last[row.id] = comment
    return returned


def _decisions_returned(r: _Reading) -> list[Entry]:
    rows = (
        Decision.history.filter(concern_id__in=list(r.concerns))
        .select_related("history_user")
        .only("id", "concern_id", "returned_comment", "history_date", "history_user")
        .order_by("id", "history_date", "history_id")
    )
    entries = []
    for row in _returned(rows, "returned_comment"):
        concern = r.concerns[row.concern_id]
        entries.append(
            Entry(
                at=row.history_date,
                kind="decision",
                label="Decision returned",
                summary=_short(row.returned_comment),
                url=_concern_url(concern),
                record=concern.reference,
                by=_who(row.history_user),
                significant=True,
            )
        )
    return entries


def _first_contacts(r: _Reading) -> list[Entry]:
    rows = FirstContact.objects.filter(concern_id__in=list(r.concerns)).select_related(
        "recorded_by", "entered_in_error_by"
    )
    entries = []
    for contact in rows:
        concern = r.concerns[contact.concern_id]
        whom = "the adult" if contact.spoke_with == FirstContact.SpokeWith.ADULT else "their representative"
        entries.append(
            Entry(
                at=contact.contact_at,
                kind="contact",
                label=f"Conversation with {whom}",
                summary=f"{contact.get_method_display()}. They want: {_short(contact.wants)}",
                url=_concern_url(concern),
                record=concern.reference,
                by=_who(contact.recorded_by),
                struck=contact.is_entered_in_error,
                reason=contact.entered_in_error_reason,
                extra={"struck_by": _who(contact.entered_in_error_by)} if contact.is_entered_in_error else {},
            )
        )
    return entries


def _contact_attempts(r: _Reading) -> list[Entry]:
    rows = ContactAttempt.objects.filter(concern_id__in=list(r.concerns)).select_related("recorded_by")
    entries = []
    for attempt in rows:
        concern = r.concerns[attempt.concern_id]
        summary = f"{attempt.get_method_display()}: {attempt.get_outcome_display().lower()}"
        if attempt.notes:
            summary += f". {_short(attempt.notes)}"
        entries.append(
            Entry(
                at=attempt.attempted_at,
                kind="contact_attempt",
                label="Attempt to make contact",
                summary=summary,
                url=_concern_url(concern),
                record=concern.reference,
                by=_who(attempt.recorded_by),
            )
        )
    return entries


def _concern_notes(r: _Reading) -> list[Entry]:
    rows = ConcernNote.objects.filter(concern_id__in=list(r.concerns)).select_related("author")
    return [
        Entry(
            at=note.created_at,
            kind="information",
            label="Information gathered",
            summary=_short(note.text),
            url=_concern_url(r.concerns[note.concern_id]),
            record=r.concerns[note.concern_id].reference,
            by=_who(note.author),
        )
        for note in rows
    ]


def _referrer_information(r: _Reading) -> list[Entry]:
    """What the referrer added after raising the concern (on their page of it, or from their
    organisation's system): by whom, from which organisation."""
    rows = ConcernUpdate.objects.filter(concern_id__in=list(r.concerns)).select_related("added_by")
    entries = []
    for update in rows:
        concern = r.concerns[update.concern_id]
        if update.source == ConcernUpdate.Source.API:
            by = concern.raiser_organisation_name or "The referrer's organisation's system"
        else:
            by = _who(update.added_by)
            if concern.raiser_organisation_name:
                by += f", {concern.raiser_organisation_name}" if by else concern.raiser_organisation_name
        entries.append(
            Entry(
                at=update.added_at,
                kind="referrer_information",
                label="Information added by the referrer",
                summary=_short(update.text),
                url=_concern_url(concern) + "#information-from-referrer",
                record=concern.reference,
                by=by,
            )
        )
    return entries


# --- Enquiries -------------------------------------------------------------------------------------


def _enquiries(r: _Reading) -> list[Entry]:
    entries = []
    for e in r.enquiries.values():
        entries.append(
            Entry(
                at=e.started_at,
                kind="enquiry",
                label="Enquiry started",
                summary=f"{e.get_kind_display()}, led by {_who(e.lead_practitioner)}",
                url=_enquiry_url(e),
                record=e.reference,
                by=_who(e.lead_practitioner),
            )
        )
        closure: dict[str, Any] = {
            "kind": "closure",
            "url": _enquiry_url(e, "closure"),
            "record": e.reference,
        }
        if e.closure_requested_at:
            entries.append(
                Entry(
                    at=e.closure_requested_at,
                    label="Closure requested",
                    summary=e.get_closure_reason_display(),
                    by=_who(e.closure_requested_by),
                    significant=True,
                    **closure,
                )
            )
        if e.closed_at:
            entries.append(
                Entry(
                    at=e.closed_at,
                    label="Closure signed off: enquiry closed",
                    summary=e.get_closure_reason_display(),
                    by=_who(e.signed_off_by),
                    significant=True,
                    **closure,
                )
            )
    return entries


def _closures_returned(r: _Reading) -> list[Entry]:
    rows = (
        Enquiry.history.filter(id__in=list(r.enquiries))
        .select_related("history_user")
        .only("id", "closure_returned_comment", "history_date", "history_user")
        .order_by("id", "history_date", "history_id")
    )
    entries = []
    for row in _returned(rows, "closure_returned_comment"):
        enquiry = r.enquiries[row.id]
        entries.append(
            Entry(
                at=row.history_date,
                kind="closure",
                label="Closure returned",
                summary=_short(row.closure_returned_comment),
                url=_enquiry_url(enquiry, "closure"),
                record=enquiry.reference,
                by=_who(row.history_user),
                significant=True,
            )
        )
    return entries


def _reviews(r: _Reading) -> list[Entry]:
    rows = Review.objects.filter(enquiry_id__in=list(r.enquiries)).select_related("recorded_by")
    return [
        Entry(
            at=_on(review.held_on),
            kind="review",
            label="Review",
            summary=f"The person's view: {_short(review.persons_view)}",
            url=_enquiry_url(r.enquiries[review.enquiry_id], "reviews"),
            record=r.enquiries[review.enquiry_id].reference,
            by=_who(review.recorded_by),
            extra=DATE_ONLY,
        )
        for review in rows
    ]


def _involvements(r: _Reading) -> list[Entry]:
    rows = Involvement.objects.filter(enquiry_id__in=list(r.enquiries)).select_related("recorded_by")
    return [
        Entry(
            at=_on(i.held_on),
            kind="involvement",
            label=f"Contact or meeting: {i.get_kind_display().lower()}",
            summary=f"How the adult took part: {i.get_participation_display().lower()}",
            url=_enquiry_url(r.enquiries[i.enquiry_id], "involvement"),
            record=r.enquiries[i.enquiry_id].reference,
            by=_who(i.recorded_by),
            extra=DATE_ONLY,
        )
        for i in rows
    ]


def _capacity(r: _Reading) -> list[Entry]:
    rows = CapacityAssessment.objects.filter(enquiry_id__in=list(r.enquiries))
    return [
        Entry(
            at=_on(a.assessed_on),
            kind="capacity",
            label="Capacity assessment",
            summary=f"{_short(a.decision)}: {a.get_outcome_display().lower()}",
            url=_enquiry_url(r.enquiries[a.enquiry_id], "capacity"),
            record=r.enquiries[a.enquiry_id].reference,
            by=a.assessor,
            extra=DATE_ONLY,
        )
        for a in rows
    ]


def _best_interests(r: _Reading) -> list[Entry]:
    rows = BestInterestsDecision.objects.filter(enquiry_id__in=list(r.enquiries))
    return [
        Entry(
            at=_on(b.decided_on),
            kind="best_interests",
            label="Best-interests decision",
            summary=f"{_short(b.decision)}: {_short(b.outcome)}",
            url=_enquiry_url(r.enquiries[b.enquiry_id], "capacity"),
            record=r.enquiries[b.enquiry_id].reference,
            by=b.decision_maker,
            extra=DATE_ONLY,
        )
        for b in rows
    ]


def _advocacy(r: _Reading) -> list[Entry]:
    entries = []
    for a in AdvocacyReferral.objects.filter(enquiry_id__in=list(r.enquiries)):
        enquiry = r.enquiries[a.enquiry_id]
        common: dict[str, Any] = {
            "kind": "advocacy",
            "url": _enquiry_url(enquiry, "capacity"),
            "record": enquiry.reference,
            "extra": DATE_ONLY,
        }
        entries.append(
            Entry(at=_on(a.referred_on), label="Advocacy referral", summary=a.get_kind_display(), **common)
        )
        if a.started_on:
            advocate = ", ".join(v for v in (a.advocate_name, a.advocate_organisation) if v)
            entries.append(Entry(at=_on(a.started_on), label="Advocacy started", summary=advocate, **common))
        # "Not going ahead": the person declined, or it is no longer needed.
        if a.not_going_ahead_on:
            entries.append(
                Entry(
                    at=_on(a.not_going_ahead_on),
                    label="Advocacy not going ahead",
                    summary=_short(a.not_going_ahead_reason),
                    **common,
                )
            )
    return entries


def _plan_actions(r: _Reading) -> list[Entry]:
    # When an action was agreed is when it was added: its first historical version.
    added = PlanAction.history.filter(id=OuterRef("pk"), history_type="+").order_by("history_date")
    rows = PlanAction.objects.filter(enquiry_id__in=list(r.enquiries)).annotate(
        agreed_at=Subquery(added.values("history_date")[:1])
    )
    entries = []
    for a in rows:
        enquiry = r.enquiries[a.enquiry_id]
        common: dict[str, Any] = {
            "kind": "plan_action",
            "url": _enquiry_url(enquiry, "actions"),
            "record": enquiry.reference,
        }
        what = f"{_short(a.action)} ({a.owner_agency})"
        agreed_at = a.agreed_at
        if agreed_at:
            due = f"{a.due_on:%-d %B %Y}"
            entries.append(
                Entry(at=agreed_at, label="Plan action agreed", summary=f"{what}, due {due}", **common)
            )
        if a.done_on:
            entries.append(
                Entry(at=_on(a.done_on), label="Plan action done", summary=what, extra=DATE_ONLY, **common)
            )
        # Cancelled or handed over.
        status, resolved_on = a.status, a.resolved_on
        if resolved_on and status == PlanAction.Status.CANCELLED:
            reason = _short(a.cancelled_reason)
            entries.append(
                Entry(
                    at=_on(resolved_on),
                    label="Plan action cancelled",
                    summary=f"{what}: {reason}",
                    extra=DATE_ONLY,
                    **common,
                )
            )
        elif resolved_on and status == PlanAction.Status.HANDED_OVER:
            to = _short(a.handed_over_to)
            entries.append(
                Entry(
                    at=_on(resolved_on),
                    label="Plan action handed over",
                    summary=f"{what}, to {to}",
                    extra=DATE_ONLY,
                    **common,
                )
            )
    return entries


def _feedback(r: _Reading) -> list[Entry]:
    rows = list(Feedback.objects.filter(enquiry_id__in=list(r.enquiries)).select_related("recorded_by"))
    # The person's words only to those who may read their feedback (fewer than see the enquiry).
    readers = visible(r.request, Enquiry.objects.filter(person=r.person), "feedback")
    words_shown = set(readers.values_list("pk", flat=True)) if rows else set()
    entries = []
    for f in rows:
        enquiry = r.enquiries[f.enquiry_id]
        summary = f"From {f.get_version_display().lower()}"
        if f.enquiry_id in words_shown and f.comments:
            summary += f": {_short(f.comments)}"
        entries.append(
            Entry(
                at=_on(f.asked_on),
                kind="feedback",
                label="Feedback recorded",
                summary=summary,
                url=_enquiry_url(enquiry, "feedback"),
                record=enquiry.reference,
                by=_who(f.recorded_by),
                extra=DATE_ONLY,
            )
        )
    return entries


# --- Case notes ------------------------------------------------------------------------------------


def _case_notes(r: _Reading) -> list[Entry]:
    notes = visible(r.request, CaseNote.objects.filter(person=r.person)).select_related(
        "author", "entered_in_error_by"
    )
    notes_list = list(notes)
    changeable: set[int] = set()
    if any(not n.is_entered_in_error for n in notes_list):
        mine = visible(r.request, CaseNote.objects.filter(person=r.person).counted(), "edit")
        changeable = set(mine.values_list("pk", flat=True))
    entries = []
    for note in notes_list:
        concern = r.concerns.get(note.concern_id) if note.concern_id else None
        enquiry = r.enquiries.get(note.enquiry_id) if note.enquiry_id else None
        extra = {"note_kind": note.kind, "anchor": f"note-{note.uuid}"}
        if note.pk in changeable:
            extra["in_error_url"] = reverse("casefile:note_in_error", args=[r.person.uuid, note.uuid])
        if note.is_entered_in_error:
            extra["struck_by"] = _who(note.entered_in_error_by)
            extra["struck_at"] = timezone.localtime(note.entered_in_error_at).strftime("%-d %B %Y, %H:%M")
        entries.append(
            Entry(
                at=note.occurred_at,
                kind="case_note",
                label=note.get_kind_display(),
                summary=note.text,
                url=_enquiry_url(enquiry) if enquiry else _concern_url(concern) if concern else None,
                record=enquiry.reference if enquiry else concern.reference if concern else "",
                by=_who(note.author),
                significant=note.is_significant,
                struck=note.is_entered_in_error,
                reason=note.entered_in_error_reason,
                written_at=note.written_at,
                extra=extra,
            )
        )
    return entries


Source = Callable[[_Reading], list[Entry]]

# Each built-in source with the kinds it writes (a filter naming none of them skips its query).
BUILT_IN: tuple[tuple[frozenset[str], Source], ...] = (
    (frozenset({"concern"}), _concerns),
    (frozenset({"decision"}), _decisions),
    (frozenset({"decision"}), _decisions_returned),
    (frozenset({"contact"}), _first_contacts),
    (frozenset({"contact_attempt"}), _contact_attempts),
    (frozenset({"information"}), _concern_notes),
    (frozenset({"referrer_information"}), _referrer_information),
    (frozenset({"enquiry", "closure"}), _enquiries),
    (frozenset({"closure"}), _closures_returned),
    (frozenset({"review"}), _reviews),
    (frozenset({"involvement"}), _involvements),
    (frozenset({"capacity"}), _capacity),
    (frozenset({"best_interests"}), _best_interests),
    (frozenset({"advocacy"}), _advocacy),
    (frozenset({"plan_action"}), _plan_actions),
    (frozenset({"feedback"}), _feedback),
    (frozenset({"case_note"} | NOTE_KINDS), _case_notes),
)


AppEntries = Callable[[HttpRequest, Person, ChronologyFilters], list[Entry]]


@functools.cache
def app_sources() -> tuple[AppEntries, ...]:
    """Every other installed app's ``chronology.entries``, found by convention (so this app imports
    none of them): documents, letters, and whatever is added later. None is fine."""
    found = []
    for config in apps.get_app_configs():
        # This app's own sources are the built-in ones above.
        if config.name == __package__ or not module_has_submodule(config.module, "chronology"):
            continue
        entries = getattr(importlib.import_module(f"{config.name}.chronology"), "entries", None)
        if callable(entries):
            found.append(entries)
    return tuple(found)


def matches(entry: Entry, filters: ChronologyFilters) -> bool:
    """Whether ``entry`` passes the filters (a case note's own type counts as its kind)."""
    if (
        filters.kinds
        and entry.kind not in filters.kinds
        and entry.extra.get("note_kind") not in filters.kinds
    ):
        return False
    if filters.significant_only and not entry.significant:
        return False
    day = timezone.localdate(entry.at)
    if filters.since and day < filters.since:
        return False
    return not (filters.until and day > filters.until)


def build_chronology(
    request: HttpRequest, person: Person, filters: ChronologyFilters | None = None
) -> Chronology:
    """The person's chronology for the signed-in user, filtered, newest first."""
    filters = filters or ChronologyFilters()
    concerns = visible(request, Concern.objects.filter(person=person)).order_by("received_at")
    enquiries = visible(request, Enquiry.objects.filter(person=person)).select_related(
        "lead_practitioner", "closure_requested_by", "signed_off_by"
    )
    reading = _Reading(request, person, {c.pk: c for c in concerns}, {e.pk: e for e in enquiries})
    found: list[Entry] = []
    for kinds, source in BUILT_IN:
        if not filters.kinds or kinds & filters.kinds:
            found += source(reading)
    for app_entries in app_sources():
        found += app_entries(request, person, filters)
    chosen = [e for e in found if matches(e, filters)]
    # Newest first; of two at the same moment, the one written later first.
    chosen.sort(key=lambda e: (e.at, e.written_at or e.at), reverse=True)
    records: dict[str, Model] = {c.reference: c for c in reading.concerns.values()}
    records.update({e.reference: e for e in reading.enquiries.values()})
    return Chronology(chosen, records)
