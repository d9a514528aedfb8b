"""Case file audits in the permission matrix (access.md, "case file auditor").

Rounds are the council's safeguarding lead's alone (Hillside's lead sees Hillside's, none here).
An auditor opens only the audits given to them, and through them the records sampled for them;
the live audit's practitioner opens it too, to reflect; the lead reads every audit of the council
but answers none. Learning actions: the owner, their team manager and the lead mark them done.
Everything else is 404."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from msphub.audits import sampling, services, tools
from msphub.audits.models import Audit, AuditRound
from tests.test_permission_matrix import (
    AUDITOR,
    LEAD,
    LPRAC,
    MGR,
    OTHER,
    PAUDITOR,
    PRAC,
    RIVERSIDE_CASEWORK,
    Case,
    Redirect,
    get_and_post,
    matrix,
    signed_in,
)

LEARNING_WORDS = "Record each outcome in the person's own words"
ROUND_TITLE = "Riverside matrix audit round"


def extend_world(w) -> None:
    """A sampled round of Riverside's enquiries: the Locality enquiry's audit given to the council's
    auditor, the closed Front Door enquiry's to the police auditor, and the Front Door enquiry's
    audited live with the practitioner who leads it; a learning action owned by the practitioner."""
    lead = w.users[LEAD]
    today = timezone.localdate()
    tool = tools.load_shipped()
    w.audit_round = services.create_round(
        lead,
        services.NewRound(
            title=ROUND_TITLE,
            tool=tool,
            rule=AuditRound.Rule.PER_TEAM_MONTH,
            period_start=today - timedelta(days=40),
            period_end=today,
            as_at=today,
            seed="matrix",
            sample_size=20,
            moderation_percent=100,
        ),
    )
    sampling.draw(w.audit_round)
    audits = {a.enquiry_id: a for a in Audit.objects.filter(audit_round=w.audit_round)}
    w.audit_locality = audits[w.e_locality.pk]
    w.audit_closed = audits[w.e_closed.pk]
    w.audit_live = audits[w.enquiry.pk]
    services.assign_auditor(w.audit_locality, lead, w.users[AUDITOR])
    services.assign_auditor(w.audit_closed, lead, w.users[PAUDITOR])
    services.assign_auditor(w.audit_live, lead, w.users[AUDITOR], Audit.Mode.LIVE)
    w.learning_action = services.add_learning_action(
        w.audit_locality, w.users[AUDITOR], LEARNING_WORDS, w.users[PRAC], today + timedelta(days=14)
    )
    # A closed round: the auditor's audit in it is closed to them, and still the lead's to read.
    closed_round = _round(w, "Riverside closed matrix round")
    w.audit_in_closed_round = _audit_by_hand(
        closed_round, w.e_locality.concern, w.e_locality, w.users[AUDITOR]
    )
    services.close_round(closed_round, lead)
    # A round that includes restricted records, whose audit of the restricted person's concern is
    # given to the council's auditor, who is not named on the record (only the locality
    # practitioner is). The services refuse to assign it so; here it is made by hand, as if the
    # person had been restricted after assigning: the rule for restricted records still keeps it shut.
    restricted_round = _round(w, "Riverside restricted matrix round", include_restricted=True)
    AuditRound.objects.filter(pk=restricted_round.pk).update(
        status=AuditRound.Status.OPEN, sampled_at=timezone.now()
    )
    w.audit_restricted = _audit_by_hand(restricted_round, w.c_restricted, None, w.users[AUDITOR])


def _round(w, title: str, **fields) -> AuditRound:
    today = timezone.localdate()
    return services.create_round(
        w.users[LEAD],
        services.NewRound(
            title=title,
            tool=tools.load_shipped(),
            rule=AuditRound.Rule.PER_TEAM_MONTH,
            period_start=today - timedelta(days=40),
            period_end=today,
            as_at=today,
            seed="matrix",
            **fields,
        ),
    )


def _audit_by_hand(audit_round: AuditRound, concern, enquiry, auditor) -> Audit:
    """An audit of one record in a round, given to ``auditor`` (the round opened for it)."""
    AuditRound.objects.filter(pk=audit_round.pk).update(
        status=AuditRound.Status.OPEN, sampled_at=timezone.now()
    )
    return Audit.objects.create(
        audit_round=audit_round,
        concern=concern,
        enquiry=enquiry,
        person_id=concern.person_id,
        team_id=concern.team_id,
        position=1,
        auditor=auditor,
    )


def cases(w) -> list[Case]:
    rows: list[Case] = []
    mine = reverse("audits:my_audits")
    # My audits: case file auditors and council casework staff (Hillside's too: their own, none here).
    readers = RIVERSIDE_CASEWORK | {OTHER, AUDITOR, PAUDITOR}
    locality, closed, live = w.e_locality.reference, w.e_closed.reference, w.enquiry.reference
    words = "Record each outcome in the person&#x27;s own words"
    rows += get_and_post(
        "audits my_audits",
        mine,
        get=matrix(readers),
        contains={
            AUDITOR: (locality, live),
            PAUDITOR: (closed,),
            PRAC: (live, words),  # the live audit of their work, and the action they own
            MGR: (words,),  # their team's
            LEAD: (words,),
        },
        absent={
            AUDITOR: (closed,),
            PAUDITOR: (locality, live, words),
            LPRAC: (words, live),
            OTHER: (locality, closed, live, words),
        },
    )
    # Rounds: each council's lead (an empty POST shows the new-round form again with its errors).
    leads = {LEAD, OTHER}
    rows += get_and_post(
        "audits rounds",
        reverse("audits:rounds"),
        get=matrix(leads),
        post=matrix(leads),
        contains={LEAD: (ROUND_TITLE,)},
        absent={OTHER: (ROUND_TITLE,)},
    )
    slug = w.audit_round.slug
    round_page = reverse("audits:round", args=[slug])
    rows += get_and_post(
        "audits round", round_page, get=matrix({LEAD}), contains={LEAD: (locality, closed, live)}
    )
    back = Redirect(round_page)
    for name in ("draw", "close"):
        rows += get_and_post(
            f"audits round {name}",
            reverse(f"audits:{name}", args=[slug]),
            get=signed_in(405),
            post=matrix({LEAD}, ok=back),
        )
    # Moderation: an empty POST names no second auditor, which is a valid answer (set up later).
    rows += get_and_post(
        "audits round moderation",
        reverse("audits:moderation", args=[slug]),
        get=matrix({LEAD}),
        post=matrix({LEAD}, ok=back),
    )
    rows += get_and_post(
        "audits round assign",
        reverse("audits:assign", args=[slug, w.audit_locality.uuid]),
        get=matrix({LEAD}),
        post=matrix({LEAD}),
    )
    audits = [
        # (label, audit, its auditor, who else reads it)
        ("locality", w.audit_locality, AUDITOR, {LEAD}),
        ("closed (police auditor)", w.audit_closed, PAUDITOR, {LEAD}),
        ("live with the practitioner", w.audit_live, AUDITOR, {LEAD, PRAC}),
    ]
    for label, audit, auditor, readers_of in audits:
        page = reverse("audits:audit", args=[audit.uuid])
        again = Redirect(page)
        # An empty POST saves nothing answered (every answer is optional until completing).
        rows += get_and_post(
            f"audits audit {label}",
            page,
            get=matrix({auditor, *readers_of}),
            post=matrix({auditor}, ok=again),
            contains={p: (audit.reference,) for p in {auditor, *readers_of}},
        )
        # Completing with nothing answered shows the page again, naming every unanswered question.
        rows += get_and_post(
            f"audits complete {label}",
            reverse("audits:complete", args=[audit.uuid]),
            get=signed_in(405),
            post=matrix({auditor}),
        )
        reflecting = {PRAC} if audit is w.audit_live else set()
        rows += get_and_post(
            f"audits reflections {label}",
            reverse("audits:reflections", args=[audit.uuid]),
            get=signed_in(405),
            post=matrix(reflecting, ok=again),
        )
        # The auditor and the lead add learning actions (an empty POST: the form's errors).
        rows += get_and_post(
            f"audits learning_action_new {label}",
            reverse("audits:learning_action_new", args=[audit.uuid]),
            get=signed_in(405),
            post=matrix({auditor, LEAD}),
        )
    # The auditor's audit in a closed round, and the restricted record they are not named on: the
    # lead reads both, the auditor neither (404), and nobody answers them.
    for label, audit in (
        ("in a closed round", w.audit_in_closed_round),
        ("restricted, auditor not named", w.audit_restricted),
    ):
        rows += get_and_post(
            f"audits audit {label}",
            reverse("audits:audit", args=[audit.uuid]),
            get=matrix({LEAD}),
            post=matrix(set()),
            contains={LEAD: (audit.reference,)},
        )
    # Marking it done: its owner (the practitioner), their team manager and the lead; an empty POST
    # asks what was done. The auditor who set it reads it, and does not mark it.
    rows += get_and_post(
        "audits learning_action_done",
        reverse("audits:learning_action_done", args=[w.learning_action.uuid]),
        get=signed_in(405),
        post=matrix({PRAC, MGR, LEAD}),
    )
    return rows
