"""The rules of independent and direct feedback (docs/feedback.md).

Independent: the council's safeguarding lead assigns a closed enquiry still waiting for feedback
(``enquiries.services.feedback_due``) to an independent interviewer of an organisation that works with
the council, naming whom to contact; the interviewer sees that contact's details and the reference
only (``contact_sheet``) and records the feedback, or that the person could not be reached or declined.

Direct: the person, or their representative, answers online. They give the enquiry's reference and
the phone number or email address msphub holds for them; a one-time code goes there
(``core.onetime``); with it they answer the same questions, in easy read.

Either way the answers are a ``Feedback`` saved through ``enquiries.services.record_feedback``, so the
measures and the moderation of quotes treat them as any other feedback. For both, an enquiry takes one
answer for each version (the adult's, a representative's), whoever asked: a second would count the
same person twice in the measures.
"""

import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, QuerySet
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import formats, timezone

from msphub.accounts.models import Organisation, Role, User
from msphub.accounts.permissions import FEEDBACK_ASSIGN
from msphub.core import onetime
from msphub.core.clients import client_ip
from msphub.core.models import AccessLog
from msphub.core.states import StateChanged, lock_status
from msphub.enquiries.models import Enquiry, Feedback
from msphub.enquiries.services import (
    FEEDBACK_WINDOW,
    already_answered_message,
    feedback_answered,
    feedback_due,
    record_feedback,
)
from msphub.people.models import Representative
from msphub.worktray.models import Notification
from msphub.worktray.services import notify

from .models import FeedbackAssignment, feedback_window_start

logger = logging.getLogger(__name__)

Status = FeedbackAssignment.Status

# --- Independent feedback: the lead assigns ------------------------------------------------------


def assignable(enquiries: QuerySet[Enquiry], today: date | None = None) -> QuerySet[Enquiry]:
    """Of ``enquiries``, those the lead may assign: waiting for feedback (closed in the last eight
    weeks, nobody asked yet: ``feedback_due``), not already assigned, and not about a restricted
    person (whose record only named staff may know of: never an outside interviewer)."""
    return (
        feedback_due(enquiries, today)
        .filter(person__restricted=False)
        .exclude(feedback_assignments__status=Status.ASSIGNED)
    )


def interviewers(council_id: int | None) -> QuerySet[User]:
    """The active independent feedback interviewers of organisations that work with the council."""
    return (
        User.objects.filter(role=Role.FEEDBACK_INTERVIEWER, is_active=True, organisation__councils=council_id)
        .exclude(organisation__kind__in=[Organisation.Kind.COUNCIL, Organisation.Kind.NETWORK])
        .select_related("organisation")
        .order_by("organisation__name", "first_name", "last_name", "pk")
    )


def representatives(enquiry: Enquiry) -> QuerySet[Representative]:
    return Representative.objects.filter(person_id=enquiry.person_id).order_by("name", "pk")


def _lead_of(enquiry: Enquiry, user: User) -> None:
    if not FEEDBACK_ASSIGN.allows(user) or enquiry.council_id != user.organisation_id:
        raise PermissionDenied


def assign(
    enquiry: Enquiry, lead: User, interviewer: User, representative: Representative | None = None
) -> FeedbackAssignment:
    """Ask ``interviewer`` to contact the adult (``representative`` None) or ``representative`` for
    feedback on ``enquiry``, and tell them in their worktray (the reference only)."""
    _lead_of(enquiry, lead)
    errors: dict[str, str] = {}
    if not interviewers(enquiry.council_id).filter(pk=interviewer.pk).exists():
        errors["interviewer"] = "Select an interviewer of an organisation that works with the council"
    if representative is not None and representative.person_id != enquiry.person_id:
        errors["contact"] = "Select the adult or one of their representatives"
    if representative is None and enquiry.person.date_of_death is not None:
        errors["contact"] = "The person has died: select a representative to contact, or do not assign it"
    if errors:
        raise ValidationError(errors)
    taken = StateChanged(f"{enquiry.reference} is no longer waiting for feedback: someone else acted first.")
    with transaction.atomic():
        # Locked, so of two leads assigning at once the second waits, then finds it taken.
        Enquiry.objects.select_for_update().filter(pk=enquiry.pk).first()
        if not assignable(Enquiry.objects.filter(pk=enquiry.pk)).exists():
            raise taken
        try:
            with transaction.atomic():
                assignment = FeedbackAssignment.objects.create(
                    enquiry=enquiry,
                    interviewer=interviewer,
                    contact=FeedbackAssignment.Contact.ADULT
                    if representative is None
                    else FeedbackAssignment.Contact.REPRESENTATIVE,
                    representative=representative,
                    assigned_by=lead,
                )
        except IntegrityError as exc:  # another open assignment, made meanwhile
            raise taken from exc
        notify(
            [interviewer],
            Notification.Kind.FEEDBACK_ASSIGNED,
            enquiry,
            f"feedback_assigned:{assignment.uuid}",
        )
    logger.info("Feedback on %s assigned to user %s by user %s", enquiry.reference, interviewer.pk, lead.pk)
    return assignment


def withdraw(assignment: FeedbackAssignment, lead: User) -> None:
    """The lead takes back an assignment still waiting for the interviewer (it can then be assigned
    again). One that lapsed or was answered another way stays as it is: that is what happened."""
    if not FeedbackAssignment.objects.for_user(lead, "manage").filter(pk=assignment.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        lock_status(assignment, [Status.ASSIGNED], StateChanged("The interviewer has already answered."))
        if not FeedbackAssignment.objects.waiting().filter(pk=assignment.pk).exists():
            raise StateChanged(
                "It is no longer waiting for the interviewer: it lapsed or was answered another way."
            )
        _close(assignment, lead, Status.WITHDRAWN, timezone.localdate())
    logger.info("Feedback assignment %s withdrawn by user %s", assignment.uuid, lead.pk)


def _close(
    assignment: FeedbackAssignment,
    user: User | None,
    status: str,
    on: date,
    feedback: Feedback | None = None,
) -> None:
    """End it. ``user`` None: nobody did, the person answered online (``record_online``)."""
    assignment.status = status
    assignment.outcome_on = on
    assignment.closed_by = user
    assignment.closed_at = timezone.now()
    assignment.feedback = feedback
    assignment.save(update_fields=["status", "outcome_on", "closed_by", "closed_at", "feedback"])


@dataclass(frozen=True)
class Finished:
    """One line of the lead's list of assignments that are over: what happened, and on what day."""

    assignment: FeedbackAssignment
    what_happened: str
    on: date | None


# Who answered, for an assignment answered another way (by ``Feedback.asked_by``).
ANSWERED_BY = {
    Feedback.AskedBy.ONLINE: "Answered another way: online, by the person or their representative",
    Feedback.AskedBy.PRACTITIONER: "Answered another way: to the practitioner",
    Feedback.AskedBy.INDEPENDENT: "Answered another way: to another interviewer",
}
LAPSED = "Lapsed: no answer within eight weeks of the enquiry closing"


def finished(
    assignments: QuerySet[FeedbackAssignment], limit: int, today: date | None = None
) -> list[Finished]:
    """The latest ``limit`` of ``assignments`` that are over (``FeedbackAssignmentQuerySet.over``),
    newest first: ended by someone (on the day they said), answered another way (on the day that
    answer was asked) or lapsed (on the last day of the window, ``feedback_window_start``).

    Newest by when they ended: the time someone ended it, or for one nobody ended the end of its
    enquiry's window (so one answered another way but still in its window comes first)."""
    today = today or timezone.localdate()
    window_ends = ExpressionWrapper(F("enquiry__closed_at") + FEEDBACK_WINDOW, output_field=DateTimeField())
    rows = (
        FeedbackAssignment.objects.over(today)
        .filter(pk__in=assignments.values("pk"))
        .with_answer()
        .select_related("enquiry", "interviewer__organisation")
        .annotate(ended=Coalesce("closed_at", window_ends))
        .order_by(F("ended").desc(nulls_last=True), "-pk")[:limit]
    )
    result = []
    for a in rows:
        if a.status == Status.FEEDBACK_RECORDED and a.closed_by_id is None:
            result.append(Finished(a, ANSWERED_BY[Feedback.AskedBy.ONLINE], a.outcome_on))
        elif a.status != Status.ASSIGNED:
            result.append(Finished(a, a.get_status_display(), a.outcome_on))
        elif a.version_answered:
            what = ANSWERED_BY.get(a.answered_by, "Answered another way")
            result.append(Finished(a, what, a.answered_on))
        else:
            # A closed enquiry is never reopened (closure is final once signed off), so the one
            # reason left is time.
            closed_at = a.enquiry.closed_at
            last_day = timezone.localdate(closed_at) + FEEDBACK_WINDOW if closed_at else None
            result.append(Finished(a, LAPSED, last_day))
    return result


# --- Independent feedback: the interviewer ---------------------------------------------------------


@dataclass(frozen=True)
class ContactSheet:
    """All an interviewer sees of an assignment: the reference and whom to contact, how.

    For the adult: their name, the name they like, phone, address and communication needs. For a
    representative: who they are to the adult, their phone, email and address, and the adult's name
    (to say whom the call is about), not the adult's own details."""

    reference: str
    council: str
    assigned_on: date
    contact: str  # FeedbackAssignment.Contact
    adult_name: str
    preferred_name: str = ""
    representative_name: str = ""
    relationship: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""
    communication_needs: str = ""
    # The representative named was removed from the person's record after the assignment.
    representative_removed: bool = False


def contact_sheet(assignment: FeedbackAssignment) -> ContactSheet:
    enquiry = assignment.enquiry
    person = enquiry.person
    common: dict[str, Any] = {
        "reference": enquiry.reference,
        "council": enquiry.council.name,
        "assigned_on": timezone.localtime(assignment.assigned_at).date(),
        "contact": assignment.contact,
        "adult_name": person.full_name,
    }
    if assignment.contact == FeedbackAssignment.Contact.ADULT:
        return ContactSheet(
            **common,
            preferred_name=person.preferred_name,
            phone=person.phone,
            address=person.address,
            postcode=person.postcode,
            communication_needs=person.communication_needs,
        )
    rep = assignment.representative
    if rep is None:
        return ContactSheet(**common, representative_removed=True)
    return ContactSheet(
        **common,
        representative_name=rep.name,
        relationship=rep.relationship or rep.get_kind_display(),
        phone=rep.phone,
        email=rep.email,
        address=rep.address,
    )


def log_sheet_shown(request: HttpRequest, assignment: FeedbackAssignment) -> None:
    """An access-log entry for the enquiry and one for the person, from the page that showed the
    contact details (one insert, as ``core.access.log_shown``)."""
    from msphub.core.access import log_shown

    log_shown(request, [assignment.enquiry, assignment.enquiry.person])


def _may_record(assignment: FeedbackAssignment, interviewer: User) -> None:
    if not FeedbackAssignment.objects.for_user(interviewer, "feedback").filter(pk=assignment.pk).exists():
        raise PermissionDenied


ANSWERED = StateChanged("This assignment has already been answered or withdrawn.")


def _check_date(assignment: FeedbackAssignment, on: date | None, field: str, name: str) -> None:
    """The day the interviewer asked (or tried to) lies between the day the council asked them and
    today. The measures count feedback by the day it was asked, so a date in an earlier year would
    change the figures of a year already signed off."""
    assigned_on = timezone.localtime(assignment.assigned_at).date()
    if on is None:
        raise ValidationError({field: f"Enter {name.lower()}"})
    if on > timezone.localdate():
        raise ValidationError({field: f"{name} must be today or in the past"})
    if on < assigned_on:
        day = formats.date_format(assigned_on, "j F Y")
        raise ValidationError(
            {field: f"{name} must be the same as or after {day}, when the council asked you"}
        )


def record_independent(assignment: FeedbackAssignment, interviewer: User, data: dict[str, Any]) -> Feedback:
    """The interviewer's record of the feedback (the practitioner's questions; every one optional):
    asked by someone independent, recorded by the interviewer; the assignment is then done."""
    _may_record(assignment, interviewer)
    _check_date(assignment, data.get("asked_on"), "asked_on", "The date asked")
    enquiry = assignment.enquiry
    with transaction.atomic():
        Enquiry.objects.select_for_update().filter(pk=enquiry.pk).first()
        lock_status(assignment, [Status.ASSIGNED], ANSWERED)
        version = assignment.version
        if feedback_answered(enquiry, version):
            raise ValidationError(already_answered_message(version))
        values = {
            **data,
            "version": version,
            "asked_by": Feedback.AskedBy.INDEPENDENT,
            "representative_relationship": data.get("representative_relationship", "")
            if version == Feedback.Version.REPRESENTATIVE
            else "",
        }
        feedback = record_feedback(enquiry, interviewer, values)
        _close(assignment, interviewer, Status.FEEDBACK_RECORDED, feedback.asked_on, feedback)
    logger.info("Independent feedback on %s recorded by user %s", enquiry.reference, interviewer.pk)
    return feedback


def close_without_feedback(assignment: FeedbackAssignment, interviewer: User, status: str, on: date) -> None:
    """The interviewer could not reach the person, or the person did not want to give feedback."""
    if status not in FeedbackAssignment.NO_FEEDBACK:
        raise ValidationError({"outcome": "Select what happened"})
    _may_record(assignment, interviewer)
    _check_date(assignment, on, "outcome_on", "The date")
    with transaction.atomic():
        lock_status(assignment, [Status.ASSIGNED], ANSWERED)
        _close(assignment, interviewer, status, on)
    logger.info("Feedback assignment %s closed as %s by user %s", assignment.uuid, status, interviewer.pk)


# --- Direct feedback: the person answers online ------------------------------------------------------

# The one-time codes' purpose (core.OneTimeCode.purpose); their subject is the enquiry's reference.
PURPOSE = "enquiry_feedback"
# How long after closure the person may answer online: the MSP outcomes framework (2018) asks the
# feedback questions at closure or "after the case was closed, but within eight weeks of the case
# closing", so answers given later would not be comparable with the rest (docs/feedback.md).
ONLINE_WINDOW = FEEDBACK_WINDOW
CODE_LABEL = "to tell us how your safeguarding enquiry went"
REFERENCE_RE = re.compile(r"ENQ-\d{4}-\d{6}")


def normalise_reference(text: str) -> str:
    """An enquiry reference as typed ("enq 2026 000123", " ENQ-2026-000123 ") in its stored form, or
    "" when it cannot be one."""
    compact = "".join(ch for ch in (text or "").upper() if ch.isascii() and ch.isalnum())
    if len(compact) != 13 or not compact.startswith("ENQ") or not compact[3:].isdigit():
        return ""
    reference = f"ENQ-{compact[3:7]}-{compact[7:]}"
    return reference if REFERENCE_RE.fullmatch(reference) else ""


def _online_enquiries(today: date | None = None) -> QuerySet[Enquiry]:
    """Closed, and in the last ``ONLINE_WINDOW``: the only enquiries online feedback is for (the
    window an interviewer's assignment lasts, and ``feedback_due``'s)."""
    return Enquiry.objects.filter(status=Enquiry.Status.CLOSED, closed_at__gte=feedback_window_start(today))


@dataclass(frozen=True)
class OnlineMatch:
    enquiry: Enquiry
    destination: str  # the number or address as msphub holds it
    version: str  # whose it is: the adult's or a representative's (Feedback.Version)


def find_online(reference: str, given: str, today: date | None = None) -> OnlineMatch | None:
    """The enquiry, if ``reference`` is one open to online feedback and ``given`` is the adult's phone
    number or a representative's phone number or email address as the record holds it."""
    ref = normalise_reference(reference)
    if not ref or not given.strip():
        return None
    enquiry = _online_enquiries(today).select_related("person").filter(reference=ref).first()
    if enquiry is None:
        return None
    person = enquiry.person
    if person.phone and onetime.same_contact(given, "", person.phone):
        return OnlineMatch(enquiry, person.phone, Feedback.Version.ADULT)
    for rep in representatives(enquiry):
        if onetime.same_contact(given, rep.email, rep.phone):
            destination = rep.email if "@" in given else rep.phone
            return OnlineMatch(enquiry, destination, Feedback.Version.REPRESENTATIVE)
    return None


def open_versions(enquiry: Enquiry) -> list[str]:
    """The versions still to be answered, adult first."""
    answered = set(Feedback.objects.filter(enquiry=enquiry).values_list("version", flat=True))
    return [v for v in Feedback.Version.values if v not in answered]


def send_online_code(
    reference: str, given: str, subject: str, today: date | None = None
) -> OnlineMatch | None:
    """Send a code if the details match an enquiry still open to an answer (``find_online``), and
    say what matched, for the session to remember whose details they were. The page answers the
    same whether or not anything matched."""
    match = find_online(reference, given, today)
    if match is not None and open_versions(match.enquiry):
        # Issued for this browser session's subject (onetime.begin): no other session can use it.
        onetime.issue(PURPOSE, subject, match.destination, label=CODE_LABEL)
    return match


def check_online_code(request: HttpRequest, reference: str, code: str) -> bool:
    """A right code keeps the reference verified in this browser's session (``onetime.remember``);
    the verification is in the access log against the enquiry, by nobody, from the client's address."""
    ref = normalise_reference(reference)
    waiting = onetime.pending(request, PURPOSE)
    if not ref or waiting is None or waiting[0] != ref or not onetime.check(PURPOSE, waiting[1], code):
        return False
    onetime.end(request, PURPOSE)
    onetime.remember(request, PURPOSE, ref)
    enquiry = _online_enquiries().filter(reference=ref).first()
    if enquiry is not None:
        log_online(request, enquiry)
    return True


def verified_enquiry(request: HttpRequest) -> Enquiry | None:
    """The enquiry this browser showed a code for, while the verification lasts and the enquiry is
    still open to online feedback."""
    ref = onetime.verified_subject(request, PURPOSE)
    if not ref:
        return None
    return _online_enquiries().filter(reference=ref).first()


def log_online(request: HttpRequest, enquiry: Enquiry) -> None:
    """Someone without an account reached the enquiry (a code shown, answers saved): the access log's
    entry names no user, only the enquiry, the page and the client's address."""
    AccessLog.objects.append(
        user=None,
        record_type=enquiry._meta.label_lower,
        record_id=enquiry.uuid,
        record_reference=enquiry.reference,
        page=request.path[:200],
        ip_address=client_ip(request) or None,
    )


def record_online(request: HttpRequest, enquiry: Enquiry, data: dict[str, Any]) -> Feedback:
    """Save the answers given online (``version`` in ``data``): asked by "online", recorded by nobody.
    Once per enquiry and version; the session's verification ends with it. An interviewer asked to
    contact the same person (the same version) has nothing left to ask: their assignment ends,
    feedback recorded, by nobody (the lead sees it answered another way)."""
    version = data["version"]
    with transaction.atomic():
        Enquiry.objects.select_for_update().filter(pk=enquiry.pk).first()
        if not _online_enquiries().filter(pk=enquiry.pk).exists():
            raise StateChanged("This enquiry is no longer open to feedback online.")
        if feedback_answered(enquiry, version):
            raise ValidationError({"answering": already_answered_message(version)})
        values = {
            **data,
            "asked_by": Feedback.AskedBy.ONLINE,
            "asked_on": timezone.localdate(),
            "representative_relationship": data.get("representative_relationship", "")
            if version == Feedback.Version.REPRESENTATIVE
            else "",
        }
        feedback = record_feedback(enquiry, None, values)
        # Under the enquiry's lock, as record_independent takes it (enquiry, then assignment): of
        # the interviewer saving the same version at once, whoever is second is refused.
        for assignment in FeedbackAssignment.objects.select_for_update().filter(
            enquiry=enquiry, contact=version, status=Status.ASSIGNED
        ):
            _close(assignment, None, Status.FEEDBACK_RECORDED, feedback.asked_on, feedback)
        log_online(request, enquiry)
    onetime.forget(request, PURPOSE)
    logger.info("Online feedback on %s saved", enquiry.reference)
    return feedback
