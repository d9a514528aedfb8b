"""The permission matrix's rows for letters: the lead's templates, an enquiry's and a concern's
letters, and a letter's PDF (tests/test_permission_matrix.py)."""

from __future__ import annotations

from django.urls import reverse

from msphub.letters import services
from msphub.letters.models import Kind

PRODUCE_BUTTON = "Produce the letter"
UPDATE_BUTTON = "Produce the update"


def extend_world(w) -> None:
    """A letter of each kind in Riverside, one about the restricted person, and one in Hillside."""
    cast = w.cast
    w.letter_adult = services.produce_outcome_letter(w.enquiry, cast.practitioner, Kind.OUTCOME_ADULT)
    w.letter_easy_read = services.produce_outcome_letter(
        w.e_closed, cast.practitioner, Kind.OUTCOME_ADULT_EASY_READ
    )
    w.letter_referrer = services.produce_referrer_update(w.c_front, cast.practitioner)
    w.letter_restricted = services.produce_referrer_update(w.c_restricted, cast.locality_practitioner)
    w.letter_hillside = services.produce_outcome_letter(
        w.e_hillside, cast.other_council_user, Kind.OUTCOME_ADULT
    )


def cases(w) -> list:
    from tests.test_permission_matrix import (
        LEAD,
        LOCALITY,
        LPRAC,
        MGR,
        OTHER,
        PEO,
        PRAC,
        RIVERSIDE_CASEWORK,
        Redirect,
        get_and_post,
        matrix,
        signed_in,
    )

    fd_edit = frozenset({PRAC, MGR, LEAD})
    rows = []
    # The templates: each council's lead, their own council's (the URL names no council).
    rows += get_and_post("letters:templates", reverse("letters:templates"), get=matrix({LEAD, OTHER}))
    for kind in Kind:
        rows += get_and_post(
            f"letters:template_edit {kind.slug}",
            reverse("letters:template_edit", args=[kind.slug]),
            get=matrix({LEAD, OTHER}),
            post=matrix({LEAD, OTHER}),  # an empty form: shown again with its errors
        )
    rows += get_and_post(
        "letters:template_edit (no such letter)",
        reverse("letters:template_edit", args=["love-letter"]),
        get=signed_in(404),
        post=signed_in(404),
    )

    # An enquiry's letters: seen by whoever sees the enquiry, produced by whoever may change it (an
    # empty POST chooses no letter: the form again). Closed enquiries still get their letter.
    for label, enquiry, view, edit in (
        ("enquiry", w.enquiry, RIVERSIDE_CASEWORK | {PEO}, fd_edit | {PEO}),
        ("e_locality", w.e_locality, RIVERSIDE_CASEWORK, LOCALITY | {LEAD}),
        ("e_closed", w.e_closed, RIVERSIDE_CASEWORK, fd_edit),
        ("e_hillside", w.e_hillside, frozenset({OTHER}), frozenset({OTHER})),
    ):
        rows += get_and_post(
            f"letters:enquiry {label}",
            reverse("letters:enquiry", args=[enquiry.reference]),
            get=matrix(view),
            post=matrix(edit),
            contains={p: (PRODUCE_BUTTON,) for p in edit},
            absent={p: (PRODUCE_BUTTON,) for p in view - edit},
        )

    # A concern's updates to the person who raised it: seen by whoever sees the concern, produced
    # (a POST needs no answers) by whoever may triage it; the partner who raised it gets nothing.
    for label, concern, view, triage in (
        ("c_front", w.c_front, RIVERSIDE_CASEWORK, fd_edit),
        ("c_restricted", w.c_restricted, frozenset({LPRAC, LEAD}), frozenset({LPRAC, LEAD})),
        ("c_hillside", w.c_hillside, frozenset({OTHER}), frozenset({OTHER})),
    ):
        path = reverse("letters:concern", args=[concern.reference])
        # Hillside's concern is linked to nobody: the lead is told to link it first (the page again).
        produced = 200 if concern is w.c_hillside else Redirect(path)
        rows += get_and_post(
            f"letters:concern {label}",
            path,
            get=matrix(view),
            post=matrix(triage, ok=produced),
            contains={p: (UPDATE_BUTTON,) for p in triage},
            absent={p: (UPDATE_BUTTON,) for p in view - triage},
        )

    # The PDFs: whoever may read the letter (the enquiry officer: the outcome letters of the trust's
    # enquiry, never the referrer's update).
    for label, letter, readers in (
        ("outcome", w.letter_adult, RIVERSIDE_CASEWORK | {PEO}),
        ("easy read", w.letter_easy_read, RIVERSIDE_CASEWORK),
        ("referrer", w.letter_referrer, RIVERSIDE_CASEWORK),
        ("restricted", w.letter_restricted, frozenset({LPRAC, LEAD})),
        ("hillside", w.letter_hillside, frozenset({OTHER})),
    ):
        rows += get_and_post(
            f"letters:pdf {label}", reverse("letters:pdf", args=[letter.uuid]), get=matrix(readers)
        )
    return rows
