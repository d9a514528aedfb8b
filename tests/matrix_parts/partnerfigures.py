"""Partner figures in the permission matrix (issue 15 item 3, docs/partner-figures.md).

``/measures/partners/`` and its CSV are the council's figures by agency: for its staff and Board
viewers (PARTNER_BREAKDOWN), each council's its own. ``/partners/figures/`` and its CSV are a partner
agency's own figures, aggregate only, for its partner lead (PARTNER_FIGURES): Riverside Police's lead
sees the police's figures with Riverside (the concerns its referrer raised), never another agency's.
Everyone else gets 404. Nothing is added to the world: its concerns are enough."""

from django.urls import reverse

from tests.test_permission_matrix import (
    BOARD,
    LEAD,
    OTHER,
    PLEAD,
    RIVERSIDE_CASEWORK,
    Case,
    get_and_post,
    matrix,
)


def extend_world(w) -> None:
    """Nothing: the world's concerns (some raised by Riverside Police's referrer) are enough."""


def cases(w) -> list[Case]:
    readers = RIVERSIDE_CASEWORK | {BOARD, OTHER}
    riverside = RIVERSIDE_CASEWORK | {BOARD}
    council_contains = {**dict.fromkeys(riverside, ("Riverside Council",)), OTHER: ("Hillside Council",)}
    council_absent = {
        **dict.fromkeys(riverside, ("Hillside Council", *w.adult_names)),
        OTHER: ("Riverside Council (council staff)", *w.adult_names),
    }
    rows = get_and_post(
        "measures:partners",
        reverse("measures:partners"),
        get=matrix(readers),
        contains=council_contains,
        absent=council_absent,
    )
    # The CSV is made from the same figures as the page: the lead and Hillside's lead show whose.
    rows += get_and_post(
        "measures:partners_csv",
        reverse("measures:partners_csv"),
        get=matrix(readers),
        contains={LEAD: ("Riverside Council",), OTHER: ("Hillside Council",)},
        absent={LEAD: ("Hillside Council",), OTHER: ("Riverside Council",)},
        skip=frozenset(readers - {LEAD, OTHER}),
    )
    lead_absent = ("Riverside NHS Trust", "council staff", *w.adult_names)
    rows += get_and_post(
        "partners:figures",
        reverse("partners:figures"),
        get=matrix({PLEAD}),
        contains={PLEAD: ("Riverside Police", "Riverside Council")},
        absent={PLEAD: lead_absent},
    )
    rows += get_and_post(
        "partners:figures_csv",
        reverse("partners:figures_csv"),
        get=matrix({PLEAD}),
        contains={PLEAD: ("Riverside Police", "Riverside Council")},
        absent={PLEAD: lead_absent},
    )
    return rows
