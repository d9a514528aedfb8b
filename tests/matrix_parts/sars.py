"""The register of Safeguarding Adults Reviews in the permission matrix.

A council's safeguarding lead sees and manages its reviews; its Board viewers see the register and a
review's page without personal details (the linked person's name is absent); everyone else gets 404
(another council's lead sees their own council's register, never Riverside's reviews)."""

from datetime import date

from django.urls import reverse

from msphub.sars import services
from tests.test_permission_matrix import BOARD, LEAD, OTHER, Case, get_and_post, matrix

SUMMARY = "Found after weeks without the care visits that were booked"
# Free text that may name someone: the lead's alone, never the Board's.
REFERRER = "PC Dana Whitlock of Riverside Police"


def extend_world(w) -> None:
    """Riverside: a mandatory review in progress, about Adult A (linked to the Front Door person),
    with a recommendation; a referral awaiting its decision. Hillside: a referral of its own."""
    lead = w.users[LEAD]
    w.sar = services.new_review(
        w.council,
        lead,
        referred_on=date(2025, 1, 6),
        referred_by=REFERRER,
        referral_summary=SUMMARY,
    )
    services.record_decision(
        w.sar,
        lead,
        decision="mandatory",
        decision_on=date(2025, 2, 3),
        reasons="Died; agencies' work in question",
    )
    w.sar_adult = services.save_adult(
        w.sar, lead, pseudonym="Adult A", died=True, serious_harm=True, age_band="75-84"
    )
    services.link_person(w.sar_adult, lead, w.p_front)
    w.sar_recommendation = services.add_recommendation(
        w.sar, lead, text="Check care visits were made", owner=w.council, due_on=date(2026, 6, 30)
    )
    w.sar_pending = services.new_review(w.council, lead, referred_on=date(2025, 3, 3), referred_by="GP")
    # Referred in another year: each council numbers its own (SAR-2024-001), so Riverside's
    # reference names nothing at Hillside.
    w.sar_hillside = services.new_review(w.other_council, w.users[OTHER], referred_on=date(2024, 11, 6))


def cases(w) -> list[Case]:
    ref = w.sar.reference
    lead_only = matrix({LEAD})
    name = w.p_front.full_name
    rows: list[Case] = []
    rows += get_and_post(
        "sars register",
        reverse("sars:register"),
        get=matrix({LEAD, BOARD, OTHER}),
        contains={LEAD: (ref,), BOARD: (ref,)},
        absent={BOARD: (name,), OTHER: (ref,)},
    )
    rows += get_and_post(
        "sars new", reverse("sars:new"), get=matrix({LEAD, OTHER}), post=matrix({LEAD, OTHER})
    )
    rows += get_and_post(
        "sars detail",
        reverse("sars:detail", args=[ref]),
        get=matrix({LEAD, BOARD}),
        contains={LEAD: (name, SUMMARY, REFERRER), BOARD: ("Adult A", "Check care visits were made")},
        absent={BOARD: (name, SUMMARY, REFERRER)},
    )
    # A referral still awaiting its decision has no recommendations: not found, for the lead too.
    rows += get_and_post(
        "sars recommendation_new (a pending referral)",
        reverse("sars:recommendation_new", args=[w.sar_pending.reference]),
        get=matrix(set()),
        post=matrix(set()),
    )
    rows += get_and_post(
        "sars detail hillside", reverse("sars:detail", args=[w.sar_hillside.reference]), get=matrix({OTHER})
    )
    # An empty POST shows each form again with its errors.
    for label, url in (
        ("decision", reverse("sars:decision", args=[w.sar_pending.reference])),
        ("progress", reverse("sars:progress", args=[ref])),
        ("findings", reverse("sars:findings", args=[ref])),
        ("adult_new", reverse("sars:adult_new", args=[ref])),
        ("adult", reverse("sars:adult", args=[ref, w.sar_adult.uuid])),
        ("link_person", reverse("sars:link_person", args=[ref, w.sar_adult.uuid])),
        ("recommendation_new", reverse("sars:recommendation_new", args=[ref])),
        ("recommendation", reverse("sars:recommendation", args=[ref, w.sar_recommendation.uuid])),
    ):
        rows += get_and_post(f"sars {label}", url, get=lead_only, post=lead_only)
    return rows
