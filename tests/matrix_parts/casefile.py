"""The chronology, the case-file PDF and case notes in the permission matrix.

A person's chronology and case file open to the council's casework staff who may see the person
(restricted: the named practitioner and the lead); everyone else gets 404, the partner enquiry
officer too (the chronology shows the council's whole record, not the trust's enquiry alone).
Writing a note about the person alone is for whoever may change the person's record; marking one
entered in error, also for its author."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from msphub.casefile import services
from msphub.casefile.models import CaseNote
from tests.test_permission_matrix import (
    FRONT_DOOR,
    LEAD,
    LOCALITY,
    LPRAC,
    OTHER,
    PRAC,
    RIVERSIDE_CASEWORK,
    Case,
    get_and_post,
    matrix,
)

NOTE_TEXT = "Rang the day centre: Fenella attended on Monday"


def extend_world(w) -> None:
    """A case note on the Front Door person (by the practitioner), on the restricted person (by the
    named locality practitioner) and on Hillside's person (by Hillside's lead)."""
    an_hour_ago = timezone.now() - timedelta(hours=1)

    def note(person, user, kind=CaseNote.Kind.PHONE_CALL, **kw) -> CaseNote:
        data = {"kind": kind, "occurred_at": an_hour_ago, "text": NOTE_TEXT}
        return services.add_note(person, user, data, **kw)

    w.note_front = note(w.p_front, w.users[PRAC])
    w.note_restricted = note(w.p_restricted, w.users[LPRAC], CaseNote.Kind.VISIT)
    w.note_hillside = note(w.p_hillside, w.users[OTHER], CaseNote.Kind.MEETING)


def cases(w) -> list[Case]:
    people = [
        # (label, person, may view, may change the person's record, a note on it, may mark it)
        ("p_front", w.p_front, RIVERSIDE_CASEWORK, FRONT_DOOR | {LEAD}, w.note_front, FRONT_DOOR | {LEAD}),
        ("p_locality", w.p_locality, RIVERSIDE_CASEWORK, LOCALITY | {LEAD}, None, set()),
        ("p_restricted", w.p_restricted, {LPRAC, LEAD}, {LPRAC, LEAD}, w.note_restricted, {LPRAC, LEAD}),
        ("p_hillside", w.p_hillside, {OTHER}, {OTHER}, w.note_hillside, {OTHER}),
    ]
    rows: list[Case] = []
    for label, person, view, edit, note, mark in people:
        args = [person.uuid]
        rows += get_and_post(
            f"casefile:chronology {label}",
            reverse("casefile:chronology", args=args),
            get=matrix(view),
            contains={p: (NOTE_TEXT,) for p in view} if note else {},
        )
        rows += get_and_post(
            f"casefile:case_file_pdf {label}", reverse("casefile:case_file_pdf", args=args), get=matrix(view)
        )
        # An empty POST shows the form again with its errors.
        rows += get_and_post(
            f"casefile:note_new {label}",
            reverse("casefile:note_new", args=args),
            get=matrix(edit),
            post=matrix(edit),
        )
        if note is not None:
            rows += get_and_post(
                f"casefile:note_in_error {label}",
                reverse("casefile:note_in_error", args=[person.uuid, note.uuid]),
                get=matrix(mark),
                post=matrix(mark),
            )
    # About a concern: whoever may work on it (the Front Door's, assigned to the practitioner).
    triage = FRONT_DOOR | {LEAD}
    concern_note = reverse("casefile:note_new", args=[w.p_front.uuid]) + f"?concern={w.c_front.reference}"
    rows += get_and_post("casefile:note_new ?concern", concern_note, get=matrix(triage), post=matrix(triage))
    # About an enquiry: whoever may change it (the Front Door's, led by the practitioner).
    enquiry_note = reverse("casefile:note_new", args=[w.p_front.uuid]) + f"?enquiry={w.enquiry.reference}"
    rows += get_and_post("casefile:note_new ?enquiry", enquiry_note, get=matrix(triage), post=matrix(triage))
    # Another person's concern named on this person's page is not found, for everyone.
    wrong = reverse("casefile:note_new", args=[w.p_locality.uuid]) + f"?concern={w.c_front.reference}"
    rows += get_and_post(
        "casefile:note_new ?concern of another person", wrong, get=matrix(()), post=matrix(())
    )
    return rows
