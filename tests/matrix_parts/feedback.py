"""Independent and direct feedback in the permission matrix (docs/feedback.md).

The council's safeguarding lead assigns closed enquiries waiting for feedback to an independent
interviewer and withdraws them (another council's lead has a page of their own, with none of
Riverside's); the interviewer (FIV, Riverside Healthwatch) sees only their own assignments, with the
contact's details and the reference, never the enquiry. The online pages are public: without a code
shown in the session they go back to the start."""

from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from msphub.core import onetime
from msphub.feedback import services, views
from tests.conftest import new_concern
from tests.enquiry_fixtures import close
from tests.test_permission_matrix import (
    FIV,
    LEAD,
    OTHER,
    PERSONAS,
    Case,
    Redirect,
    everyone,
    get_and_post,
    matrix,
    open_enquiry,
    signed_in,
)

# What the interviewer must never see of the enquiry they are asked about: its lead practitioner,
# what the concern said happened, the desired outcome.
NOT_FOR_THE_INTERVIEWER = ("Pat Tester", "Bruising on both arms", "I want to feel safe in my own home")


def extend_world(w) -> None:
    """The Front Door's closed enquiry (no feedback yet) assigned to the Healthwatch interviewer, to
    contact the adult; a second closed enquiry (Locality's) waiting to be assigned."""
    cast = w.cast
    w.fb_assignment = services.assign(w.e_closed, cast.lead, w.users[FIV])
    w.fb_due = open_enquiry(
        new_concern(w.council, adult_given_name="Lorcan", adult_family_name="Quorn"),
        w.p_locality,
        cast.locality_practitioner,
        cast.locality_manager,
    )
    close(w.fb_due, cast.locality_practitioner, cast.locality_manager)


def _sessions(reference: str) -> tuple[Callable[[Client], None], Callable[[Client], None]]:
    """Session set-ups: a code shown for ``reference``; and then the adult answering."""

    def verified(client: Client) -> None:
        session = client.session
        until = (timezone.now() + timedelta(minutes=20)).isoformat()
        session[onetime.SESSION_KEY] = {services.PURPOSE: [reference, until]}
        session.save()

    def answering(client: Client) -> None:
        verified(client)
        session = client.session
        session[views.ANSWERING] = {"reference": reference, "version": "adult", "relationship": ""}
        session.save()

    return verified, answering


def cases(w) -> list[Case]:
    closed, due = w.e_closed.reference, w.fb_due.reference
    verified, answering = _sessions(closed)
    assignments = reverse("feedback:assignments")
    rows: list[Case] = []
    rows += get_and_post(
        "feedback assignments",
        assignments,
        get=matrix({LEAD, OTHER}),
        contains={LEAD: (closed, due)},
        absent={OTHER: (closed, due)},
    )
    # A closed enquiry waiting for feedback: the council's lead assigns it (an empty POST shows the
    # form again with its errors); one already assigned, or open, is not found, for the lead too.
    rows += get_and_post(
        "feedback assign",
        reverse("feedback:assign", args=[due]),
        get=matrix({LEAD}),
        post=matrix({LEAD}),
        contains={LEAD: ("Lorcan Quorn", "Hana Tester, Riverside Healthwatch")},
    )
    rows += get_and_post(
        "feedback assign (already assigned)",
        reverse("feedback:assign", args=[closed]),
        get=matrix(()),
        post=matrix(()),
    )
    rows += get_and_post(
        "feedback assign (open)",
        reverse("feedback:assign", args=[w.e_locality.reference]),
        get=matrix(()),
        post=matrix(()),
    )
    rows += get_and_post(
        "feedback withdraw",
        reverse("feedback:withdraw", args=[w.fb_assignment.uuid]),
        get=signed_in(405),
        post=matrix({LEAD}, ok=Redirect(assignments)),
    )
    rows += get_and_post(
        "feedback interviews",
        reverse("feedback:interviews"),
        get=matrix({FIV}),
        contains={FIV: (closed,)},
        absent={FIV: (due, "Fenella")},
    )
    # The interviewer's page of the assignment: the adult's name and contact details, the reference,
    # nothing of the enquiry. An empty POST shows the questions again (the date asked is needed).
    interview = reverse("feedback:interview", args=[w.fb_assignment.uuid])
    rows += get_and_post(
        "feedback interview",
        interview,
        get=matrix({FIV}),
        post=matrix({FIV}),
        contains={FIV: (closed, "Fenella Quorn")},
        absent={FIV: NOT_FOR_THE_INTERVIEWER},
    )
    rows += get_and_post(
        "feedback no_feedback",
        reverse("feedback:no_feedback", args=[w.fb_assignment.uuid]),
        get=matrix({FIV}),
        post=matrix({FIV}),
    )
    # Online, public: the start page for everyone (an empty POST shows it again with its errors);
    # every later page goes back to the start without a code shown in this session.
    start = reverse("feedback:online_start")
    back = Redirect(start)
    rows += get_and_post("feedback online_start", start, get=everyone(200), post=everyone(200))
    for name in ("online_code", "online_who", "online_questions"):
        rows += get_and_post(
            f"feedback {name} (no session)",
            reverse(f"feedback:{name}"),
            get=everyone(back),
            post=everyone(back),
        )
    rows += get_and_post(
        "feedback online_done", reverse("feedback:online_done"), get=everyone(200), post=everyone(405)
    )
    rows += [
        Case(
            "feedback online_who (code shown)",
            reverse("feedback:online_who"),
            "GET",
            everyone(200),
            setup=verified,
            contains=dict.fromkeys(PERSONAS, (closed, "Who is answering?")),
            absent=dict.fromkeys(PERSONAS, ("Fenella",)),
        ),
        Case(
            "feedback online_questions (answering)",
            reverse("feedback:online_questions"),
            "GET",
            everyone(200),
            setup=answering,
            contains=dict.fromkeys(PERSONAS, (closed, "Did we listen to you?")),
            absent=dict.fromkeys(PERSONAS, ("Fenella",)),
        ),
    ]
    return rows
