"""The desired outcomes not achieved, with their notes, in the permission matrix.

The list is for team managers (their team's enquiries) and the safeguarding lead (the council's);
each council's see only their own. Its CSV, an export of the person's words, is the lead's alone.
Everyone else, the practitioner and the Board viewer included, gets 404."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from msphub.core import categories
from msphub.enquiries.models import DesiredOutcome
from tests.measures_fixtures import Builder
from tests.test_permission_matrix import LEAD, LMGR, MGR, OTHER, Case, get_and_post, matrix

RIVERSIDE_WORDS = "I wanted my sister to be able to visit again"
RIVERSIDE_NOTE = "The care home kept its visiting ban"
HILLSIDE_WORDS = "I wanted my money paid back"
# The restricted person's (Front Door's, named only for the locality practitioner): the lead's list
# has it, the Front Door manager's does not.
RESTRICTED_WORDS = "I wanted the lodger to move out"
# The last 12 months: the enquiries closed yesterday are in it whatever the day.
QUERY = "?period=last_12_months"


def _closed_not_achieved(builder: Builder, council, team, words: str, note: str, person=None):
    """A section 42 enquiry closed yesterday whose person (a new one unless given) expressed an
    outcome, not achieved."""
    person = person or builder.person("Nadia", council=council)
    enquiry = builder.enquiry(
        person,
        team,
        timezone.now() - timedelta(days=1),
        20,
        2,
        msp_asked=categories.ASKED_AND_EXPRESSED,
        council=council,
    )
    DesiredOutcome.objects.create(
        enquiry=enquiry,
        words=words,
        category="Keep or repair key relationships",
        expressed_by="adult",
        expressed_on=enquiry.started_at.date(),
        achievement="Not Achieved",
        achievement_note=note,
    )
    return enquiry


def extend_world(w) -> None:
    """An outcome not achieved in a Front Door enquiry of Riverside, and one in Hillside."""
    w.e_not_achieved = _closed_not_achieved(
        Builder(w.council, w.users[LEAD]), w.council, w.front_door, RIVERSIDE_WORDS, RIVERSIDE_NOTE
    )
    w.e_restricted_not_achieved = _closed_not_achieved(
        Builder(w.council, w.users[LEAD]),
        w.council,
        w.front_door,
        RESTRICTED_WORDS,
        "The tenancy could not be ended",
        person=w.p_restricted,
    )
    w.e_hillside_not_achieved = _closed_not_achieved(
        Builder(w.other_council, w.users[OTHER]), w.other_council, None, HILLSIDE_WORDS, "Hillside's note"
    )


def cases(w) -> list[Case]:
    ours, theirs = w.e_not_achieved.reference, w.e_hillside_not_achieved.reference
    riverside = (RIVERSIDE_WORDS, RIVERSIDE_NOTE, ours)
    hillside = (HILLSIDE_WORDS, theirs)
    restricted = (RESTRICTED_WORDS, w.e_restricted_not_achieved.reference)
    rows = get_and_post(
        "measures:outcomes_not_achieved",
        reverse("measures:outcomes_not_achieved") + QUERY,
        get=matrix({MGR, LMGR, LEAD, OTHER}),
        contains={MGR: riverside, LEAD: (*riverside, *restricted), OTHER: hillside},
        # The locality manager sees the Locality team's only (none here); the Front Door manager is
        # not named on the restricted person's record.
        absent={
            MGR: (*hillside, *restricted),
            LEAD: hillside,
            LMGR: (*riverside, *hillside, *restricted),
            OTHER: (*riverside, *restricted),
        },
    )
    rows += get_and_post(
        "measures:outcomes_not_achieved_csv",
        reverse("measures:outcomes_not_achieved_csv") + QUERY,
        get=matrix({LEAD, OTHER}),
        contains={LEAD: (*riverside, *restricted), OTHER: hillside},
        absent={LEAD: hillside, OTHER: (*riverside, *restricted)},
    )
    return rows
