"""The referrer's loop in the permission matrix (docs/referrers.md).

A partner referrer opens the concerns their agency raised (``for_user(user, "status")``) and adds
information to them; council staff open the referrer's page only for a concern they raised themselves.
What the referrer is told about the outcome is written by council staff who may work the concern or its
enquiry. The public status page needs no account: every persona gets the same answers, and the status
shown names nobody."""

from datetime import timedelta
from types import SimpleNamespace

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from msphub.concerns import services
from msphub.concerns.models import Concern
from msphub.concerns.views import STATUS_PENDING_KEY
from msphub.core import onetime
from tests.test_permission_matrix import (
    LEAD,
    LMGR,
    LPRAC,
    MGR,
    OPARTNER,
    PARTNER,
    PERSONAS,
    PRAC,
    RIVERSIDE_CASEWORK,
    Case,
    Redirect,
    everyone,
    get_and_post,
    matrix,
)

POLICE_REFERENCE = "RP-2026-0042"


def extend_world(w: SimpleNamespace) -> None:
    """The police's unallocated concern carries the police's own reference."""
    Concern.objects.filter(pk=w.c_unalloc.pk).update(raiser_reference=POLICE_REFERENCE)


def _pending(reference: str):
    """The session after details were given for ``reference`` (``onetime.begin``)."""

    def setup(client: Client) -> None:
        session = client.session
        session[STATUS_PENDING_KEY] = reference
        session[onetime.PENDING_KEY] = {services.STATUS_CODE_PURPOSE: [reference, "matrix-token"]}
        session.save()

    return setup


def _verified(reference: str):
    """The session after the right code was typed for ``reference`` (``onetime.remember``)."""

    def setup(client: Client) -> None:
        session = client.session
        until = (timezone.now() + timedelta(minutes=10)).isoformat()
        session[onetime.SESSION_KEY] = {services.STATUS_CODE_PURPOSE: [reference, until]}
        session.save()

    return setup


def cases(w: SimpleNamespace) -> list[Case]:
    rows: list[Case] = []
    police, nhs, mine = w.c_unalloc, w.c_front, w.c_awaiting
    # The referrer's page: the agency that raised it (status only, no adult), or the council user who
    # raised it; nobody else, not even the council staff working it.
    for concern, who in ((police, PARTNER), (nhs, OPARTNER), (mine, PRAC)):
        rows += get_and_post(
            f"concerns:raised_detail ({who})",
            reverse("concerns:raised_detail", args=[concern.reference]),
            get=matrix({who}),
            contains={who: (concern.reference, concern.partner_status)},
            absent={who: w.adult_names} if who != PRAC else {},
        )
    rows[0].contains[PARTNER] += (POLICE_REFERENCE,)
    # Adding information: the same people; an empty POST shows the form again with its error.
    rows += get_and_post(
        "concerns:add_information",
        reverse("concerns:add_information", args=[police.reference]),
        get=matrix({PARTNER}),
        post=matrix({PARTNER}),
        absent={PARTNER: w.adult_names},
    )
    rows += get_and_post(
        "concerns:add_information (another agency's)",
        reverse("concerns:add_information", args=[nhs.reference]),
        get=matrix({OPARTNER}),
        post=matrix({OPARTNER}),
    )
    # What the referrer is told: whoever may work the concern (not picked up: the council's casework
    # staff) or its enquiry; on the restricted person's concern only the named practitioner and the
    # lead. Every field is optional, so an empty POST saves (nothing) and goes back to the concern.
    for concern, allowed in (
        (police, RIVERSIDE_CASEWORK),
        (w.c_locality, {LPRAC, LMGR, LEAD}),
        (w.c_restricted, {LPRAC, LEAD}),
        (w.c_enquiry, {PRAC, MGR, LEAD}),
    ):
        detail = reverse("concerns:detail", args=[concern.reference])
        rows += get_and_post(
            f"concerns:referrer_outcome ({concern.reference})",
            reverse("concerns:referrer_outcome", args=[concern.reference]),
            get=matrix(allowed),
            post=matrix(allowed, ok=Redirect(detail + "#referrer")),
        )

    # The public status page: the same for everyone, signed in or not.
    start = reverse("concerns:public_status")
    to_start = Redirect(start)
    rows += get_and_post("concerns:public_status", start, get=everyone(200), post=everyone(200))
    code = reverse("concerns:public_status_code")
    rows += get_and_post(
        "concerns:public_status_code (nothing asked)", code, get=everyone(to_start), post=everyone(to_start)
    )
    rows += [
        Case("concerns:public_status_code", code, "GET", everyone(200), setup=_pending(police.reference)),
        Case(
            "concerns:public_status_code (empty)",
            code,
            "POST",
            everyone(200),
            setup=_pending(police.reference),
        ),
    ]
    shown = reverse("concerns:public_status_shown")
    rows += get_and_post(
        "concerns:public_status_shown (no code)", shown, get=everyone(to_start), post=everyone(405)
    )
    rows.append(
        Case(
            "concerns:public_status_shown",
            shown,
            "GET",
            everyone(200),
            setup=_verified(police.reference),
            contains=dict.fromkeys(PERSONAS, (police.reference, police.partner_status)),
            absent=dict.fromkeys(PERSONAS, (*w.adult_names, POLICE_REFERENCE)),
        )
    )
    return rows
