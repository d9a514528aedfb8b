"""The closure gate's pages in the permission matrix: resolving a plan action (done, cancelled with a
reason, handed over) and marking an advocacy referral not going ahead.

Both change the enquiry's record, so they open exactly as the other edit pages do: for whoever may
change the enquiry while it is open (its team, the lead, the partner making it), 404 to everyone
else and to everyone once closure has been asked for. An empty POST shows the form again with its
errors (200), changing nothing.
"""

from django.urls import reverse

from msphub.enquiries.models import Enquiry


def extend_world(w) -> None:
    """Nothing to add: every enquiry of the matrix world is furnished with a plan action and an
    advocacy referral (``furnish``), which these pages resolve."""


def cases(w) -> list:
    from tests.test_permission_matrix import enquiry_rows, get_and_post, matrix, signed_in

    rows = []
    for row in enquiry_rows(w):
        enquiry, ref = row.enquiry, row.enquiry.reference
        parts = w.parts[ref]
        workable = row.edit if enquiry.status == Enquiry.Status.OPEN else frozenset()
        rows += get_and_post(
            f"enquiries:action_resolve {row.label}",
            reverse("enquiries:action_resolve", args=[ref, parts.action.uuid]),
            get=matrix(workable),
            post=matrix(workable),
        )
        rows += get_and_post(
            f"enquiries:advocacy_not_going_ahead {row.label}",
            reverse("enquiries:advocacy_not_going_ahead", args=[ref, parts.referral.uuid]),
            get=matrix(workable),
            post=matrix(workable),
        )
    # Another enquiry's action or referral through an enquiry the user may change: 404 to everyone.
    ref = w.enquiry.reference
    theirs = w.parts[w.e_locality.reference]
    for name, part in (("action_resolve", theirs.action), ("advocacy_not_going_ahead", theirs.referral)):
        rows += get_and_post(
            f"enquiries:{name} (Locality's, through {ref})",
            reverse(f"enquiries:{name}", args=[ref, part.uuid]),
            get=signed_in(404),
            post=signed_in(404),
        )
    return rows
