"""What the person who raised a concern is told about it (docs/referrers.md).

A partner referrer follows the concerns their agency raised: the status in the partner words
(``Concern.PARTNER_STATUS``), what the council decided in plain English, the outcome in words the
council writes for them (``Concern.outcome_for_referrer``, or a sentence saying nothing is written
yet), and the named worker. Nothing here gives a reason for the decision or a detail about the adult:
the decision's own words (its rationale, the reason for no further action) are the council's, and
the referrer knows the adult only as they described them.

The words are read here, once, for the referrer's page and for anything else that tells a referrer
(the API's status, say); the writes that go with them are ``services``'.
"""

from dataclasses import dataclass

from msphub.accounts.models import User
from msphub.core import categories
from msphub.enquiries.models import Enquiry

from .models import Concern, Decision

# What the council decided, in words for the person who raised the concern. Only a signed-off
# decision is told: one waiting for sign-off may still be returned and changed.
SECTION_42 = "The council is making a safeguarding enquiry (under section 42 of the Care Act 2014)."
OTHER_ENQUIRY = (
    "The council is making a safeguarding enquiry. The legal duty to make one (section 42 of the Care "
    "Act 2014) did not apply, but the council decided an enquiry was the right way to help."
)
NO_ENQUIRY = "The council decided a safeguarding enquiry was not needed."
PATHWAY_WORDS: dict[str, str] = {
    categories.Pathway.INFORMATION_ADVICE: "Information and advice were given.",
    categories.Pathway.SIGNPOSTED: "The adult was put in touch with support in the community or from a "
    "voluntary organisation.",
    categories.Pathway.CARE_NEEDS: "The adult's care and support needs are being assessed or reviewed.",
    categories.Pathway.REFERRED: "The concern was passed to {agency}.",
    categories.Pathway.PROVIDER_MANAGED: "The care provider is dealing with it, and the council is "
    "checking that it does.",
    categories.Pathway.NO_FURTHER_ACTION: "The council's safeguarding team is taking no further action.",
}
REFERRED_TO: dict[str, str] = {
    categories.ReferredAgency.POLICE: "the police",
    categories.ReferredAgency.NHS: "the NHS",
    categories.ReferredAgency.HOUSING: "a housing service",
    categories.ReferredAgency.CQC: "the Care Quality Commission (CQC)",
    categories.ReferredAgency.OTHER: "another agency",
}
NOT_DECIDED = "The council has not decided yet what will happen."
CLOSED_WITHOUT_DECISION = "The council closed this concern without making a decision on it."

# The outcome when the council has written nothing for the referrer.
OUTCOME_NOT_YET = "The council will write here what it can tell you once it has decided what to do."
OUTCOME_ENQUIRY_GOING_ON = (
    "The enquiry is still going on. The council will write here what it can tell you about the outcome "
    "when it ends."
)
OUTCOME_NOT_WRITTEN = (
    "The council has not written anything here about the outcome. Contact the named worker or the "
    "council's safeguarding team if you need to know more."
)


def decision_words(concern: Concern, decision: Decision | None) -> str:
    """What the council decided, for the referrer: the outcome and the pathway, never the reasons."""
    if decision is None or not decision.is_signed_off:
        return CLOSED_WITHOUT_DECISION if concern.status == Concern.Status.CLOSED else NOT_DECIDED
    if decision.outcome == Decision.Outcome.SECTION_42:
        return SECTION_42
    if decision.outcome == Decision.Outcome.OTHER_ENQUIRY:
        return OTHER_ENQUIRY
    pathway = PATHWAY_WORDS.get(decision.pathway, "")
    if decision.pathway == categories.Pathway.REFERRED:
        pathway = pathway.format(agency=REFERRED_TO.get(decision.referred_agency, "another agency"))
    return f"{NO_ENQUIRY} {pathway}".strip()


def outcome_words(concern: Concern, enquiry: Enquiry | None) -> tuple[str, bool]:
    """The outcome as the referrer is told it, and whether the council wrote it (else a sentence
    saying what will happen, by the concern's stage)."""
    written = concern.outcome_for_referrer.strip()
    if written:
        return written, True
    if not concern.is_decided:
        return OUTCOME_NOT_YET, False
    if enquiry is not None and enquiry.status != Enquiry.Status.CLOSED:
        return OUTCOME_ENQUIRY_GOING_ON, False
    return OUTCOME_NOT_WRITTEN, False


@dataclass(frozen=True)
class NamedWorker:
    """Who at the council is working on the concern, as the referrer may contact them: their work
    phone and email only when msphub holds them."""

    name: str
    job_title: str
    team: str
    phone: str
    email: str


def named_worker_user(concern: Concern, enquiry: Enquiry | None) -> User | None:
    """The council worker the referrer deals with: the enquiry's lead practitioner once an enquiry
    has started (they lead the work from then on), before that the worker the concern is assigned
    to; None while nobody has picked it up."""
    if enquiry is not None and enquiry.lead_practitioner_id is not None:
        return enquiry.lead_practitioner
    return concern.assigned_to


def named_worker(concern: Concern, enquiry: Enquiry | None) -> NamedWorker | None:
    user = named_worker_user(concern, enquiry)
    if user is None:
        return None
    return NamedWorker(
        name=user.get_full_name() or user.username,
        job_title=user.job_title,
        team=user.team.name if user.team_id and user.team is not None else "",
        phone=user.phone,
        email=user.email,
    )
