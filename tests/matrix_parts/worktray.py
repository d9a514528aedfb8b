"""The permission matrix's rows for the worktray, notifications and allocating a concern."""

from types import SimpleNamespace

from django.urls import reverse

from msphub.worktray import services
from msphub.worktray.models import Notification
from tests.test_permission_matrix import (
    FIV,
    LEAD,
    LMGR,
    MGR,
    OPARTNER,
    OTHER,
    PARTNER,
    PAUDITOR,
    PEO,
    PLEAD,
    PRAC,
    RIVERSIDE_CASEWORK,
    Case,
    Redirect,
    get_and_post,
    matrix,
    signed_in,
)

# Council casework staff (Riverside's and Hillside's lead), partner agencies' staff in any role (a
# referrer hears when a concern they raised moves on, an agency's staff when its plan actions fall
# overdue) and independent feedback interviewers (the enquiries assigned to them).
WORKTRAY = RIVERSIDE_CASEWORK | {PEO, OTHER, PARTNER, OPARTNER, PAUDITOR, PLEAD, FIV}


def extend_world(w: SimpleNamespace) -> None:
    """A notification for the Front Door practitioner: the concern allocated to them."""
    services.notify([w.users[PRAC]], Notification.Kind.ALLOCATED, w.c_front, "matrix:allocated")
    w.notification = Notification.objects.get(user=w.users[PRAC], key="matrix:allocated")


def cases(w: SimpleNamespace) -> list[Case]:
    index = reverse("worktray:index")
    rows = get_and_post("worktray:index", index, get=matrix(WORKTRAY))
    rows += get_and_post(
        "worktray:read_all",
        reverse("worktray:read_all"),
        get=signed_in(405),
        post=matrix(WORKTRAY, ok=Redirect(index)),
    )
    # Empty POST: the form is shown again with its error.
    rows += get_and_post(
        "worktray:preferences",
        reverse("worktray:preferences"),
        get=matrix(WORKTRAY),
        post=matrix(WORKTRAY),
    )
    # Only its own user may open (and so mark read) a notification; it leads to the record's page.
    rows += get_and_post(
        "worktray:read",
        reverse("worktray:read", args=[w.notification.uuid]),
        get=signed_in(405),
        post=matrix({PRAC}, ok=Redirect(reverse("concerns:detail", args=[w.c_front.reference]))),
    )
    # Allocating: a team manager for their team's undecided concerns and those not picked up, the
    # lead for any of the council's; another team's manager, practitioners and outsiders get 404.
    teamless = {MGR, LMGR, LEAD}
    allocators = [
        ("c_unalloc", w.c_unalloc, teamless),
        ("c_front", w.c_front, {MGR, LEAD}),
        ("c_locality", w.c_locality, {LMGR, LEAD}),
        # The locality manager is not named on the restricted person's record.
        ("c_restricted", w.c_restricted, {LEAD}),
        ("c_awaiting", w.c_awaiting, {MGR, LEAD}),
        ("c_lead_decided", w.c_lead_decided, teamless),
        # Decided: its triage is over, so nobody allocates it.
        ("c_enquiry", w.c_enquiry, set()),
        ("c_hillside", w.c_hillside, {OTHER}),
    ]
    for label, concern, allowed in allocators:
        rows += get_and_post(
            f"worktray:allocate_concern {label}",
            reverse("worktray:allocate_concern", args=[concern.reference]),
            get=matrix(allowed),
            post=matrix(allowed),
        )
    return rows
