"""The shared safeguarding plan, the person alleged to have caused harm and the responses used, in the
permission matrix (access.md: "Partner users on a shared safeguarding plan see and complete only their
own agency's actions on it").

The agency's list opens to a partner agency's staff on the shared plan (``PARTNER_ACTIONS``:
referrers and enquiry officers); each action's page to those of the agency that owns it (Riverside
Police's PARTNER, Riverside NHS Trust's OPARTNER and PEO); both are 404 to everyone else: the council's
staff (they work the action on the enquiry's page), the partner lead PLEAD (their agency's figures,
never a record), a partner's case file auditor PAUDITOR and the independent feedback interviewer FIV.
The pages about who is alleged to have caused harm and the responses used open as the enquiry's other
edit pages do.
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from msphub.enquiries import services
from msphub.enquiries.models import AllegedPerson, Enquiry
from tests.test_permission_matrix import (
    OPARTNER,
    PARTNER,
    PEO,
    PRAC,
    Case,
    enquiry_rows,
    get_and_post,
    matrix,
    signed_in,
)

POLICE_WORDS = "Police to speak to the son about the bank cards"
NHS_WORDS = "District nurse to check on Fenella twice a week"
# A partner agency's referrers and enquiry officers: the agency's list (its partner lead, a partner's
# case file auditor and an independent feedback interviewer are given no plan: 404).
PARTNER_STAFF = frozenset({PARTNER, OPARTNER, PEO})
POLICE = frozenset({PARTNER})
NHS = frozenset({OPARTNER, PEO})


def extend_world(w) -> None:
    """On the Front Door enquiry (made by the NHS trust): an action owned by Riverside Police and one
    by Riverside NHS Trust; a person alleged to have caused harm on it and on the Locality enquiry."""
    due = timezone.localdate() + timedelta(days=10)
    police, nhs = w.cast.police, w.cast.nhs_trust
    w.plan_police = services.add_plan_action(
        w.enquiry, {"action": POLICE_WORDS, "due_on": due}, str(police.pk)
    )
    w.plan_nhs = services.add_plan_action(w.enquiry, {"action": NHS_WORDS, "due_on": due}, str(nhs.pk))
    answers = {
        "description": "Her son",
        "relationship": AllegedPerson.Relationship.CHILD,
        "carer": AllegedPerson.Carer.UNPAID,
    }
    w.alleged = services.add_alleged_person(w.enquiry, w.users[PRAC], answers)
    w.alleged_locality = services.add_alleged_person(w.e_locality, w.users[PRAC], answers)


def cases(w) -> list[Case]:
    listing = reverse("enquiries:partner_actions")
    rows = get_and_post(
        "enquiries:partner_actions",
        listing,
        get=matrix(PARTNER_STAFF),
        contains={**dict.fromkeys(POLICE, (POLICE_WORDS,)), **dict.fromkeys(NHS, (NHS_WORDS,))},
        absent={
            **dict.fromkeys(POLICE, (NHS_WORDS,)),
            **dict.fromkeys(NHS, (POLICE_WORDS,)),
        },
    )
    # An empty POST shows the form again with its error: nothing changes.
    council_owned = w.parts[w.enquiry.reference].action  # "Sunrise Home Care", in words only
    for label, action, owners in (
        ("police's", w.plan_police, POLICE),
        ("NHS trust's", w.plan_nhs, NHS),
        ("named in words", council_owned, frozenset()),
    ):
        path = reverse("enquiries:partner_action", args=[action.uuid])
        rows += get_and_post(
            f"enquiries:partner_action {label}", path, get=matrix(owners), post=matrix(owners)
        )
    for row in enquiry_rows(w):
        enquiry, ref = row.enquiry, row.enquiry.reference
        workable = row.edit if enquiry.status == Enquiry.Status.OPEN else frozenset()
        rows += get_and_post(
            f"enquiries:alleged_new {row.label}",
            reverse("enquiries:alleged_new", args=[ref]),
            get=matrix(workable),
            post=matrix(workable),
        )
        # An answer is required (a response, or "None of these"): an empty POST shows the form again.
        rows += get_and_post(
            f"enquiries:responses {row.label}",
            reverse("enquiries:responses", args=[ref]),
            get=matrix(workable),
            post=matrix(workable),
        )
    ref = w.enquiry.reference
    front_door = next(row for row in enquiry_rows(w) if row.enquiry is w.enquiry)
    rows += get_and_post(
        "enquiries:alleged_edit enquiry",
        reverse("enquiries:alleged_edit", args=[ref, w.alleged.uuid]),
        get=matrix(front_door.edit),
        post=matrix(front_door.edit),
    )
    # The Locality enquiry's through the Front Door's: 404 to everyone.
    rows += get_and_post(
        "enquiries:alleged_edit (Locality's through the Front Door's)",
        reverse("enquiries:alleged_edit", args=[ref, w.alleged_locality.uuid]),
        get=signed_in(404),
        post=signed_in(404),
    )
    return rows
