"""The front door by risk (issue 13): the safety action taken on a concern, a triage page like the
others (whoever may triage the concern, while it is undecided; 404 for everyone else)."""

from django.urls import reverse

from tests.test_permission_matrix import (
    FRONT_DOOR,
    LEAD,
    LOCALITY,
    LPRAC,
    OTHER,
    RIVERSIDE_CASEWORK,
    Case,
    get_and_post,
    matrix,
)


def extend_world(w) -> None:
    """The matrix's concerns serve: the page needs nothing more."""


def cases(w) -> list[Case]:
    rows = [
        # (label, concern, who may triage it; a decided concern's triage is over for everyone)
        ("c_unalloc", w.c_unalloc, RIVERSIDE_CASEWORK),
        ("c_front", w.c_front, FRONT_DOOR | {LEAD}),
        ("c_locality", w.c_locality, LOCALITY | {LEAD}),
        ("c_restricted", w.c_restricted, {LPRAC, LEAD}),
        ("c_awaiting", w.c_awaiting, FRONT_DOOR | {LEAD}),
        ("c_enquiry", w.c_enquiry, set()),
        ("c_hillside", w.c_hillside, {OTHER}),
    ]
    found = []
    for label, concern, triage in rows:
        found += get_and_post(
            f"concerns:safety_action {label}",
            reverse("concerns:safety_action", args=[concern.reference]),
            get=matrix(triage),
            post=matrix(triage),
        )
    return found
