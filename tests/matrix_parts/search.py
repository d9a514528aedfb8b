"""The header's search box (people:find) in the permission matrix.

It opens to the council's casework staff (any council's: Hillside's lead searches Hillside). A
reference goes straight to the record for whoever may see it; anyone else, another council's
staff included, gets the same "no record" page, and a restricted record of the user's own council
says only that a restricted record matches. Partners, the Board, the partner enquiry officer, a
system administrator and the temperature check's users get 404."""

from django.urls import reverse

from tests.test_permission_matrix import (
    LEAD,
    LMGR,
    LPRAC,
    MGR,
    OTHER,
    PRAC,
    RIVERSIDE_CASEWORK,
    Case,
    Redirect,
    get_and_post,
    matrix,
)

NOT_FOUND = "No record matches that reference you can see"
HINT = "A restricted record matches your search"
SEARCHERS = RIVERSIDE_CASEWORK | {OTHER}


def extend_world(w) -> None:
    """Nothing to add: the world's concerns, enquiries and people are searched."""


def cases(w) -> list[Case]:
    find = reverse("people:find")
    rows: list[Case] = []
    # The empty box; an empty POST shows it again with its error.
    rows += get_and_post("people:find", find, get=matrix(SEARCHERS), post=matrix(SEARCHERS))

    def by_reference(
        label: str, reference: str, page: str, sees: set[str], hinted: frozenset[str] = frozenset()
    ) -> None:
        """GET ?reference= and the box posted: to the record for ``sees``; the "no record" page
        (with the restricted hint for ``hinted``) for the other searchers."""
        target = Redirect(reverse(page, args=[reference]))
        expect = {**matrix(SEARCHERS), **dict.fromkeys(sees, target)}
        others = SEARCHERS - sees
        contains = {p: (NOT_FOUND, *((HINT,) if p in hinted else ())) for p in others}
        absent = {p: (HINT, "Rosalind") for p in others - hinted}
        absent.update({p: ("Rosalind",) for p in hinted})
        rows.append(
            Case(
                f"people:find {label}",
                f"{find}?reference={reference}",
                "GET",
                expect,
                contains=contains,
                absent=absent,
            )
        )
        rows.append(
            Case(
                f"people:find {label} (typed)",
                find,
                "POST",
                expect,
                data={"q": reference.lower()},
                contains=contains,
                absent=absent,
            )
        )

    by_reference("c_front", w.c_front.reference, "concerns:detail", set(RIVERSIDE_CASEWORK))
    by_reference("enquiry", w.enquiry.reference, "enquiries:detail", set(RIVERSIDE_CASEWORK))
    # Restricted: only the named locality practitioner and the lead go to it; the council's other
    # casework staff learn only that a restricted record matches; Hillside learns nothing.
    by_reference(
        "c_restricted", w.c_restricted.reference, "concerns:detail", {LPRAC, LEAD}, hinted={PRAC, MGR, LMGR}
    )
    by_reference("c_hillside", w.c_hillside.reference, "concerns:detail", {OTHER})
    # A name is posted and answered with the people search: Riverside's finds its Quorns, with the
    # restricted one only as the hint for those not named on it; Hillside's finds only Hector.
    rows.append(
        Case(
            "people:find a name",
            find,
            "POST",
            matrix(SEARCHERS),
            data={"q": "Quorn"},
            contains={
                **dict.fromkeys(RIVERSIDE_CASEWORK, ("Fenella",)),
                **dict.fromkeys({PRAC, MGR, LMGR}, (HINT,)),
                LPRAC: ("Rosalind",),
                LEAD: ("Rosalind",),
                OTHER: ("Hector",),
            },
            absent={
                **dict.fromkeys({PRAC, MGR, LMGR}, ("Rosalind", "Hector")),
                **dict.fromkeys({LPRAC, LEAD}, ("Hector", HINT)),
                OTHER: ("Fenella", "Rosalind", HINT),
            },
        )
    )
    return rows
