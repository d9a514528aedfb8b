"""Providers, whole-service enquiries and service concerns in the permission matrix.

Council casework staff see the providers, the council's whole-service enquiries and service concerns
(Hillside's lead sees Hillside's own lists, none of Riverside's records); starting an enquiry is for
team managers and the lead (ALLOCATE); only the safeguarding lead and the enquiry's own lead (the
Front Door practitioner) change it. Partners, the provider itself, Board viewers, auditors, partner
leads and feedback interviewers get 404. A restricted person's linked concern is shown only to those
named on it (the locality practitioner) and the lead."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from msphub.accounts.models import Organisation
from msphub.providers import services
from tests.test_permission_matrix import (
    ALLOCATORS,
    LEAD,
    LMGR,
    LPRAC,
    MGR,
    OTHER,
    PERSONAS,
    PRAC,
    RIVERSIDE_CASEWORK,
    SIGNED_IN,
    Case,
    Redirect,
    get_and_post,
    login_redirect,
    matrix,
)

HOME = "Meadowview Care Home"
EDITORS = frozenset({PRAC, LEAD})
COUNCIL_STAFF = RIVERSIDE_CASEWORK | {OTHER}


def extend_world(w) -> None:
    """A care home working with Riverside; a whole-service enquiry about it led by the Front Door
    practitioner, with the Front Door concern and the restricted person's concern linked and an
    action; an open service concern about it."""
    lead, practitioner = w.users[LEAD], w.users[PRAC]
    w.care_home = Organisation.objects.create(name=HOME, kind="care_provider")
    w.care_home.councils.add(w.council)
    w.wse = services.start_enquiry(
        w.council, lead, provider=w.care_home, lead=practitioner, about="Night-time care at the home"
    )
    w.wse_link = services.link_concern(w.wse, practitioner, w.c_enquiry.reference)
    services.link_concern(w.wse, w.users[LPRAC], w.c_restricted.reference)
    w.wse_action = services.add_action(
        w.wse,
        lead,
        action="Put a third carer on nights",
        owner_organisation=w.care_home,
        due_on=timezone.localdate() + timedelta(days=14),
    )
    w.service_concern = services.record_service_concern(
        w.council,
        practitioner,
        provider=w.care_home,
        what_happened="Call bells unplugged",
        raised_by="Anonymous",
    )


def cases(w) -> list:
    ref = w.wse.reference
    page = reverse("providers:enquiry", args=[ref])
    rows: list = []
    rows += get_and_post(
        "providers index",
        reverse("providers:index"),
        get=matrix(COUNCIL_STAFF),
        contains={PRAC: (ref, HOME, w.service_concern.reference)},
        absent={OTHER: (ref, HOME)},
    )
    rows += get_and_post(
        "providers provider",
        reverse("providers:provider", args=[w.care_home.pk]),
        get=matrix(RIVERSIDE_CASEWORK),
        contains={MGR: (ref, "Put a third carer on nights", w.service_concern.reference)},
    )
    rows += get_and_post(
        "providers enquiry",
        page,
        get=matrix(RIVERSIDE_CASEWORK),
        contains={
            PRAC: (ref, w.c_enquiry.reference, "Fenella"),
            LPRAC: (w.c_restricted.reference, "Rosalind"),
            LEAD: (w.c_restricted.reference, "Rosalind"),
        },
        absent={p: (w.c_restricted.reference, "Rosalind") for p in (PRAC, MGR, LMGR)},
    )
    rows += get_and_post(
        "providers enquiry_new",
        reverse("providers:enquiry_new"),
        get=matrix(ALLOCATORS),
        post=matrix(ALLOCATORS),
    )
    # A provider that is not an id (a superscript two passes str.isdigit): the form, never a 500.
    rows.append(
        Case(
            "providers enquiry_new ?provider=²",
            reverse("providers:enquiry_new") + "?provider=%C2%B2",
            "GET",
            matrix(ALLOCATORS),
        )
    )
    # An empty POST shows each form again with its errors.
    for name in ("enquiry_change", "enquiry_close", "enquiry_link", "action_new"):
        url = reverse(f"providers:{name}", args=[ref])
        rows += get_and_post(f"providers {name}", url, get=matrix(EDITORS), post=matrix(EDITORS))
    action = reverse("providers:action", args=[ref, w.wse_action.uuid])
    rows += get_and_post("providers action", action, get=matrix(EDITORS), post=matrix(EDITORS))
    unlink = reverse("providers:enquiry_unlink", args=[ref, w.wse_link.uuid])
    rows += [
        Case("providers enquiry_unlink", unlink, "POST", matrix(EDITORS, ok=Redirect(page))),
        Case(
            "providers enquiry_unlink (GET)",
            unlink,
            "GET",
            {p: (login_redirect() if p not in SIGNED_IN else 405) for p in PERSONAS},
            skip=frozenset(SIGNED_IN - {PRAC, MGR}),
        ),
    ]
    rows += get_and_post(
        "providers service_concern_new",
        reverse("providers:service_concern_new"),
        get=matrix(COUNCIL_STAFF),
        post=matrix(COUNCIL_STAFF),
    )
    concern = w.service_concern.reference
    rows += get_and_post(
        "providers service_concern",
        reverse("providers:service_concern", args=[concern]),
        get=matrix(RIVERSIDE_CASEWORK),
        contains={LMGR: ("Call bells unplugged",)},
    )
    for name in ("service_concern_link", "service_concern_close"):
        url = reverse(f"providers:{name}", args=[concern])
        rows += get_and_post(
            f"providers {name}", url, get=matrix(RIVERSIDE_CASEWORK), post=matrix(RIVERSIDE_CASEWORK)
        )
    return rows
