"""Retention: the records past their council's retention rules, anonymised or erased in one go.

``build_plan`` works out, for each rule (msphub/governance/models.py), the records past it:

- ``concern_no_enquiry``: concerns closed without an enquiry, counted from the decision's sign-off;
- ``closed_enquiry``: closed enquiries, from their closure, with the concern they came from;
- ``person_without_activity``: people with nothing open and no activity since the cut-off (the
  record made or changed, a representative changed, a concern received or decided, an enquiry
  started or closed), with every concern and enquiry about them;
- ``safeguarding_adults_review``: the Board's Safeguarding Adults Reviews that are over (concluded,
  published, or not progressed) with no recommendation still open, counted from publication, else
  conclusion, else the decision not to hold one. A review is the Board's record, not a person's: it
  goes alone, with its adults and recommendations, and never takes a person with it.

A person goes with their concerns and enquiries when every one of them goes (or was anonymised
before): erased when all of them are erased, else anonymised. A record two rules pick is erased if
either says so. A concern and its enquiry always go together, and so do a concern and the concerns
set aside as duplicates of it (``Concern.duplicate_of``): a duplicate is a second report of the same
thing, with the same names and words, so keeping it would keep what the original's disposal removed;
and the link is protected, so the original could not be erased while a duplicate still named it.
Erasing deletes the duplicates before the concerns they duplicate. A concern closed by being set
aside counts from when it was set aside.

``plan.token()`` is a short keyed hash (SECRET_KEY) of the list, the day and the council asked for:
``apply(token)`` builds the plan again and refuses when the token does not match, so only a list
someone has read is changed, and only on the day it was read.

Anonymising keeps what the Safeguarding Adults Collection and the measures count (dates, categories,
answers, who was linked to what, teams and organisations, what an enquiry found, transfers between
councils) and removes what identifies anyone: see ``ANONYMISED``. The date of birth keeps its year;
its day becomes one that gives the same age in whole years on every day an age is counted on: the
day each of the person's concerns was received (the measures) and, for each year with a concern or
enquiry, 31 March or the date of death before it (the return's SG1). The date of death, where it
came from and the autism item are kept: the return counts them (and UK GDPR covers only the
living).
Case file audits (msphub/audits) of a concern or enquiry go with it: erasing deletes them with their
answers, moderations and learning actions (the round's results then count one audit fewer: erasing
changes figures, as the council chose); anonymising keeps each answer's value and grade, the
audit's status and dates, who audited and moderated it, so the round's results and the agreement
between auditors are unchanged, and removes the words, which describe the case (the auditor's
summary and comments, the practitioner's reflections, the learning actions' text and what was done).
An audit or a review's adult still linked to a person who is erased loses that link (set to null),
and so do their histories: the audit stays with its record, the review with its pseudonym.
Anonymising a review keeps what SG5 and the register count (the decision, status, dates, themes, each
adult's died and serious harm and age band, each recommendation's owner, dates and status) and
removes its words, the person link, a date of death, and the pseudonym (which may be a first name
the family chose: it becomes "Adult" and the row's id).
Erasing deletes the records and their parts. Either way their change history (django-simple-history)
is anonymised or deleted with them. The access log is never touched: its rows name records by uuid
and reference only, and are hash-chained (manage.py verify_access_log). Each record disposed of is
written down as a ``Disposal`` (uuid, reference, rule, when), and an anonymised one is not listed
again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, cast

from django.db import models, transaction
from django.db.models import Case, CharField, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_history_model_for_model

from msphub.accounts.models import Organisation
from msphub.audits.models import Audit, AuditAnswer, LearningAction
from msphub.casefile.models import CaseNote
from msphub.concerns.models import (
    Concern,
    ConcernNote,
    ConcernTransfer,
    ConcernUpdate,
    ContactAttempt,
    Decision,
    FirstContact,
)
from msphub.core.periods import FinancialYear
from msphub.documents import services as document_services
from msphub.documents.models import Document
from msphub.enquiries.models import (
    AdvocacyReferral,
    AllegedPerson,
    BestInterestsDecision,
    CapacityAssessment,
    DesiredOutcome,
    Enquiry,
    EnquiryLocation,
    EnquiryResponse,
    EnquiryRiskType,
    EnquirySource,
    Feedback,
    Involvement,
    PlanAction,
    Review,
    ReviewProgress,
)
from msphub.feedback.models import FeedbackAssignment
from msphub.letters.models import Letter
from msphub.people.models import EmergencyAccess, Person, Representative
from msphub.providers.models import LinkedConcern
from msphub.sars.models import ReviewAdult, ReviewRecommendation, SafeguardingAdultsReview
from msphub.worktray.services import records_gone

from .models import Disposal, RetentionRule

REMOVED = "[removed under retention]"
ANONYMOUS_GIVEN_NAME, ANONYMOUS_FAMILY_NAME = "Anonymised", "person"
HMAC_SALT = "msphub.governance.retention"  # salted_hmac key_salt: names this use of SECRET_KEY
TOKEN_LENGTH = 16

PERSON = Person._meta.label_lower
CONCERN = Concern._meta.label_lower
ENQUIRY = Enquiry._meta.label_lower
REVIEW = SafeguardingAdultsReview._meta.label_lower
KINDS: dict[str, type[models.Model]] = {
    ENQUIRY: Enquiry,
    CONCERN: Concern,
    PERSON: Person,
    REVIEW: SafeguardingAdultsReview,
}
ERASE, ANONYMISE = RetentionRule.Action.ERASE.value, RetentionRule.Action.ANONYMISE.value


class Text:
    """Free text or a name: replaced by ``REMOVED`` where anything was written."""


class Blank:
    """A contact detail or an identifier: emptied."""


TEXT, BLANK = Text(), Blank()

# What anonymising does to each field that identifies someone; every other field is kept. Dates
# of birth are generalised separately (see ``generalised_birth_date``).
ANONYMISED: dict[type[models.Model], dict[str, Any]] = {
    Person: {
        "given_name": ANONYMOUS_GIVEN_NAME,
        "family_name": ANONYMOUS_FAMILY_NAME,
        "preferred_name": BLANK,
        "nhs_number": BLANK,
        "address": BLANK,
        "postcode": BLANK,
        "phone": BLANK,
        "communication_needs": TEXT,
    },
    # Why someone used emergency access to the record: free text that may name people.
    EmergencyAccess: {"reason": TEXT},
    Representative: {
        "name": TEXT,
        "relationship": TEXT,
        "phone": BLANK,
        "email": BLANK,
        "address": BLANK,
    },
    Concern: {
        "raiser_name": TEXT,
        "raiser_role": TEXT,
        "raiser_phone": BLANK,
        "raiser_email": BLANK,
        "adult_given_name": ANONYMOUS_GIVEN_NAME,
        "adult_family_name": ANONYMOUS_FAMILY_NAME,
        "adult_address": BLANK,
        "adult_postcode": BLANK,
        "adult_phone": BLANK,
        "adult_needs": TEXT,
        "adult_communication_needs": TEXT,
        "what_happened": TEXT,
        "consent_not_given_reason": TEXT,
        "wants_to_happen": TEXT,
        "how_to_happen": TEXT,
        "outcomes_wanted": TEXT,
        "not_asked_reason": TEXT,
        # Why it was set aside (entered in error, a duplicate): may name people. Whether it was, and
        # the area a concern about abuse elsewhere names (a council's, not a person's), are kept.
        "set_aside_reason": TEXT,
        # What was done to keep the adult safe: free text that may name people.
        "safety_action": TEXT,
    },
    FirstContact: {
        "representative_name": TEXT,
        "wants": TEXT,
        "notes": TEXT,
        "entered_in_error_reason": TEXT,
    },
    ContactAttempt: {"notes": TEXT},
    # Which councils and when are kept (the receiving council counts the concern); why is free text.
    ConcernTransfer: {"reason": TEXT, "declined_reason": TEXT},
    CaseNote: {"text": TEXT, "entered_in_error_reason": TEXT},
    # A document's words and where its file was: the file itself is removed (``_remove_files``).
    Document: {
        "title": TEXT,
        "original_name": BLANK,
        "entered_in_error_reason": TEXT,
        "stored_name": BLANK,
        "sha256": BLANK,
    },
    Letter: {"recipient_name": TEXT, "subject": TEXT, "body": TEXT},
    ConcernNote: {"text": TEXT},
    # Information the referrer added later: who added it and when stay, the words go.
    ConcernUpdate: {"text": TEXT},
    # The link from an adult's concern to a whole-service enquiry: no words.
    LinkedConcern: {},
    Decision: {
        "other_enquiry_reason": TEXT,
        "no_further_action_reason": TEXT,
        "rationale": TEXT,
        "returned_comment": TEXT,
    },
    Enquiry: {"risk_assessment": TEXT, "closure_note": TEXT, "closure_returned_comment": TEXT},
    DesiredOutcome: {
        "words": TEXT,
        "representative_name": TEXT,
        "negotiated_outcome": TEXT,
        "negotiated_note": TEXT,
        "withdrawn_reason": TEXT,
        "achievement_note": TEXT,
    },
    Review: {"participants": TEXT, "persons_view": TEXT, "outcome_changes": TEXT},
    ReviewProgress: {"progress": TEXT},
    Involvement: {"place": TEXT, "attendees": TEXT, "minutes": TEXT},
    CapacityAssessment: {"decision": TEXT, "assessor": TEXT, "notes": TEXT},
    BestInterestsDecision: {"decision": TEXT, "decision_maker": TEXT, "consulted": TEXT, "outcome": TEXT},
    AdvocacyReferral: {"advocate_name": TEXT, "not_going_ahead_reason": TEXT},
    PlanAction: {"action": TEXT, "cancelled_reason": TEXT, "handed_over_to": TEXT},
    # The person alleged to have caused harm: the relationship, whether a carer and whether also at risk
    # are categories (outcomes are compared by them); who they are and what was done are words.
    AllegedPerson: {"description": TEXT, "action_taken": TEXT, "support_offered": TEXT},
    # A category: nothing identifies anyone.
    EnquiryResponse: {},
    # Who was asked to contact whom, and what happened: no words. The link to a representative goes
    # when the representative does.
    FeedbackAssignment: {},
    # Categories the return counts (SG2): nothing identifies anyone.
    EnquiryRiskType: {},
    EnquiryLocation: {},
    EnquirySource: {},
    # The words are gone, so nothing is left to quote: no consent and no quote (as for feedback whose
    # words nobody agreed to quote); who moderated it, and when, are kept.
    Feedback: {
        "representative_relationship": TEXT,
        "comments": TEXT,
        "consent_to_quote": False,
        "approved_text": TEXT,
        "quote_status": "",
    },
    # A case file audit of the record: values and grades are what the round's results and the
    # moderation agreement count, so they stay; the words describe the case.
    Audit: {"summary": TEXT, "practitioner_reflections": TEXT},
    AuditAnswer: {"comment": TEXT, "reflection": TEXT},
    LearningAction: {"action": TEXT, "done_note": TEXT},
    # A Safeguarding Adults Review: SG5 and the register count the decision, dates and adults; the
    # words (the referral names the adult) and who the adult was go.
    SafeguardingAdultsReview: {
        "referral_summary": TEXT,
        "referred_by": TEXT,
        "decision_reasons": TEXT,
        "family_involvement_note": TEXT,
        "findings": TEXT,
    },
    ReviewAdult: {
        "person": None,
        "date_of_death": None,
        # Unique within the review, so numbered by the row (and by the same row in its history).
        "pseudonym": Concat(Value("Adult "), Cast("id", output_field=CharField())),
    },
    ReviewRecommendation: {"text": TEXT, "not_accepted_reason": TEXT, "evidence": TEXT},
}

# A case file audit's rows, by their link to the audit (a moderation is an audit of the same record).
AUDIT_TABLES: tuple[tuple[type[models.Model], str], ...] = (
    (Audit, "id"),
    (AuditAnswer, "audit_id"),
    (LearningAction, "audit_id"),
)
# Links to a person that stay when the person is erased, set to null instead (rows and history):
# the audit belongs to its concern or enquiry, the review's adult to the Board's review.
PERSON_LINKS_CLEARED: tuple[type[models.Model], ...] = (Audit, ReviewAdult)

# The parts of each kind of record, by the name of their link to it; parts go with the record.
PARTS: dict[type[models.Model], tuple[tuple[type[models.Model], str], ...]] = {
    Person: (
        (Representative, "person_id"),
        (EmergencyAccess, "person_id"),
        (CaseNote, "person_id"),
        (Document, "person_id"),
    ),
    Concern: tuple(
        (part, "concern_id")
        for part in (
            FirstContact,
            ContactAttempt,
            ConcernNote,
            ConcernUpdate,
            LinkedConcern,
            Decision,
            ConcernTransfer,
            Letter,
            CaseNote,
        )
    )
    + ((Document, "concern_id"),),
    Enquiry: (
        (CaseNote, "enquiry_id"),
        (Document, "enquiry_id"),
        *((part, "enquiry_id") for part in (DesiredOutcome, Review, Involvement, CapacityAssessment)),
        *((part, "enquiry_id") for part in (BestInterestsDecision, AdvocacyReferral, PlanAction, Feedback)),
        *((part, "enquiry_id") for part in (EnquiryRiskType, EnquiryLocation, EnquirySource)),
        *((part, "enquiry_id") for part in (AllegedPerson, EnquiryResponse, FeedbackAssignment)),
        (ReviewProgress, "review__enquiry_id"),
    ),
    SafeguardingAdultsReview: ((ReviewAdult, "review_id"), (ReviewRecommendation, "review_id")),
}


@dataclass(frozen=True)
class Item:
    """One record to dispose of, with its parts: a person, a concern, an enquiry or a Safeguarding
    Adults Review."""

    kind: str  # a model label, one of KINDS: people.person, concerns.concern, ...
    pk: int
    uuid: uuid.UUID
    reference: str
    action: str
    rule: RetentionRule = field(compare=False)

    @property
    def name(self) -> str:
        """How the list names it: its reference, or a person's record id (never a name)."""
        return self.reference or str(self.uuid)


@dataclass
class Plan:
    today: date
    council: Organisation | None
    rules: list[RetentionRule]
    items: list[Item]

    def token(self) -> str:
        """A short keyed hash of exactly this list, for this day and this council (or all)."""
        lines = [
            self.today.isoformat(),
            self.council.ons_code if self.council else "*",
            *sorted(f"{i.kind}:{i.uuid}:{i.action}:{i.rule.pk}" for i in self.items),
        ]
        digest = salted_hmac(HMAC_SALT, "\n".join(lines), algorithm="sha256").hexdigest()
        return digest[:TOKEN_LENGTH]

    def by_rule(self) -> list[tuple[RetentionRule, list[Item]]]:
        return [(rule, [i for i in self.items if i.rule.pk == rule.pk]) for rule in self.rules]

    def count(self, action: str | None = None) -> int:
        return sum(1 for i in self.items if action is None or i.action == action)


class TokenMismatch(Exception):
    """The token is not the one for the records past retention now."""


def cutoff(today: date, years: int) -> datetime:
    """The first moment (London time) of the day ``years`` before ``today``: a record closed before
    it has been kept for longer than ``years`` years."""
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return timezone.make_aware(datetime.combine(day, time.min))


def generalised_birth_date(born: date | None, days: Iterable[date]) -> date | None:
    """``born`` in its year only: the day is the first of the year, the last of the year or one of
    ``days``' anniversaries, whichever gives the same age in whole years on every one of ``days``
    (the days the measures and the return count the person's age on: ``age_days``)."""
    if born is None:
        return None
    birthday = (born.month, born.day)
    anniversaries = {(d.month, d.day) for d in days}
    before = [md for md in anniversaries if md < birthday]
    after = [md for md in anniversaries if md >= birthday]
    if not before:
        month, day = 1, 1
    elif not after:
        month, day = 12, 31
    else:
        month, day = min(after)
    try:
        return date(born.year, month, day)
    except ValueError:  # 29 February, in a year without one: the day before keeps every age
        return date(born.year, 2, 28)


def age_days(received: Iterable[date], event_days: Iterable[date], died: date | None) -> set[date]:
    """The days a person's age is counted on: each day a concern about them was received (the
    measures' age band), and for each financial year with one of their SG1 events (a concern
    received, an enquiry started; ``event_days``), the day SG1a takes the age on: 31 March, or the
    date of death if on or before it (``measures.sac_age_day``)."""
    days = set(received)
    for day in event_days:
        last = FinancialYear.containing(day).end
        days.add(died if died is not None and died <= last else last)
    return days


# --- Which records are past their rules ------------------------------------------------------------


def _concerns_closed_without_enquiry(rule: RetentionRule, before: datetime) -> models.QuerySet[Concern]:
    return (
        Concern.objects.filter(council=rule.council, status=Concern.Status.CLOSED, enquiry__isnull=True)
        .annotate(closed=Coalesce("decision__signed_off_at", "set_aside_at", "received_at"))
        .filter(closed__lt=before)
    )


def _closed_enquiries(rule: RetentionRule, before: datetime) -> models.QuerySet[Enquiry]:
    return Enquiry.objects.filter(council=rule.council, status=Enquiry.Status.CLOSED, closed_at__lt=before)


def _people_without_activity(rule: RetentionRule, before: datetime) -> models.QuerySet[Person]:
    pk = OuterRef("pk")
    busy = [
        Concern.objects.filter(person=pk, status__in=Concern.UNDECIDED),
        Enquiry.objects.filter(person=pk).exclude(status=Enquiry.Status.CLOSED),
        Concern.objects.filter(person=pk, received_at__gte=before),
        Concern.objects.filter(person=pk, set_aside_at__gte=before),
        Decision.objects.filter(concern__person=pk, signed_off_at__gte=before),
        Enquiry.objects.filter(Q(started_at__gte=before) | Q(closed_at__gte=before), person=pk),
        get_history_model_for_model(Person).objects.filter(id=pk, history_date__gte=before),
        get_history_model_for_model(Representative).objects.filter(person_id=pk, history_date__gte=before),
        # A Safeguarding Adults Review about them still under way: the Board may need the record.
        ReviewAdult.objects.filter(
            person=pk,
            review__status__in=[
                SafeguardingAdultsReview.Status.REFERRED,
                SafeguardingAdultsReview.Status.UNDER_CONSIDERATION,
                SafeguardingAdultsReview.Status.IN_PROGRESS,
            ],
        ),
    ]
    people = Person.objects.filter(council=rule.council, created_at__lt=before)
    for activity in busy:
        people = people.exclude(Exists(activity))
    return people


def _reviews_over(rule: RetentionRule, before: datetime) -> models.QuerySet[SafeguardingAdultsReview]:
    """Reviews over before the cut-off: published, concluded or not progressed, dated from the
    latest of those, with no recommendation still to be done (the Board is still tracking it)."""
    status = SafeguardingAdultsReview.Status
    still_open = ReviewRecommendation.objects.filter(
        review=OuterRef("pk"),
        status__in=[ReviewRecommendation.Status.OPEN, ReviewRecommendation.Status.IN_PROGRESS],
    )
    return (
        SafeguardingAdultsReview.objects.filter(
            council=rule.council, status__in=[status.CONCLUDED, status.PUBLISHED, status.CLOSED]
        )
        .annotate(ended=Coalesce("published_on", "concluded_on", "decision_on"))
        .filter(ended__lt=timezone.localdate(before))
        .exclude(Exists(still_open))
    )


class _Chooser:
    """The records chosen so far, one action each (erase wins), and the people who may go too."""

    def __init__(self, anonymised: set[tuple[str, uuid.UUID]]) -> None:
        self.anonymised = anonymised
        self.chosen: dict[tuple[str, int], Item] = {}
        self.people: dict[int, RetentionRule] = {}

    def add(self, obj: models.Model, action: str, rule: RetentionRule) -> bool:
        """Choose ``obj`` for ``action``; True when that changed what happens to it."""
        kind = obj._meta.label_lower
        record_id: uuid.UUID = cast(Any, obj).uuid
        if action == ANONYMISE and (kind, record_id) in self.anonymised:
            return False
        key = (kind, obj.pk)
        current = self.chosen.get(key)
        if current is None or (current.action == ANONYMISE and action == ERASE):
            reference = getattr(obj, "reference", "") or ""
            self.chosen[key] = Item(kind, obj.pk, record_id, reference, action, rule)
            return True
        return False

    def add_concern(self, concern: Concern, action: str, rule: RetentionRule) -> None:
        """A concern, and the enquiry it became: one cannot go without the other."""
        changed = self.add(concern, action, rule)
        enquiry = Enquiry.objects.filter(concern=concern).first()
        if enquiry is not None:
            self.add(enquiry, action, rule)
            self._person_may_go(enquiry.person_id, rule)
        self._person_may_go(concern.person_id, rule)
        if changed:
            self._duplicates_of(concern, action, rule)

    def add_enquiry(self, enquiry: Enquiry, action: str, rule: RetentionRule) -> None:
        self.add(enquiry, action, rule)
        if self.add(enquiry.concern, action, rule):
            self._duplicates_of(enquiry.concern, action, rule)
        self._person_may_go(enquiry.person_id, rule)
        self._person_may_go(enquiry.concern.person_id, rule)

    def _duplicates_of(self, concern: Concern, action: str, rule: RetentionRule) -> None:
        """The concerns set aside as duplicates of ``concern`` go with it (see the module's
        docstring); a duplicate has no enquiry, though it may have duplicates of its own."""
        for duplicate in Concern.objects.filter(duplicate_of=concern):
            self.add_concern(duplicate, action, rule)

    def add_person(self, person: Person, action: str, rule: RetentionRule) -> None:
        self.add(person, action, rule)
        for concern in Concern.objects.filter(person=person):
            self.add_concern(concern, action, rule)
        for enquiry in Enquiry.objects.filter(person=person).select_related("concern"):
            self.add_enquiry(enquiry, action, rule)

    def _person_may_go(self, person_id: int | None, rule: RetentionRule) -> None:
        if person_id is not None:
            self.people.setdefault(person_id, rule)

    def _fate(self, obj: models.Model) -> str | None:
        """What happens to a record: chosen, already anonymised, or nothing (None)."""
        item = self.chosen.get((obj._meta.label_lower, obj.pk))
        if item is not None:
            return item.action
        if (obj._meta.label_lower, cast(Any, obj).uuid) in self.anonymised:
            return ANONYMISE
        return None

    def add_people_left_with_nothing(self) -> None:
        """A person goes when every concern and enquiry about them goes: erased when they all are."""
        for person_id, rule in self.people.items():
            if (PERSON, person_id) in self.chosen:
                continue
            records: list[models.Model] = [
                *Concern.objects.filter(person_id=person_id),
                *Enquiry.objects.filter(person_id=person_id),
            ]
            fates = [self._fate(r) for r in records]
            if None in fates:
                continue
            person = Person.objects.get(pk=person_id)
            self.add(person, ERASE if all(f == ERASE for f in fates) else ANONYMISE, rule)


def build_plan(today: date | None = None, council: Organisation | None = None) -> Plan:
    """The records past their councils' rules (or one council's), as of ``today``."""
    today = today or timezone.localdate()
    rules = list(
        RetentionRule.objects.select_related("council")
        .filter(**({"council": council} if council else {}))
        .order_by("council__name", "record_type")
    )
    councils = {rule.council_id for rule in rules}
    anonymised = set(
        Disposal.objects.filter(council_id__in=councils, action=ANONYMISE).values_list(
            "record_type", "record_id"
        )
    )
    chooser = _Chooser(anonymised)
    for rule in rules:
        before = cutoff(today, rule.years)
        if rule.record_type == RetentionRule.RecordType.CONCERN_NO_ENQUIRY:
            for concern in _concerns_closed_without_enquiry(rule, before):
                chooser.add_concern(concern, rule.action, rule)
        elif rule.record_type == RetentionRule.RecordType.CLOSED_ENQUIRY:
            for enquiry in _closed_enquiries(rule, before).select_related("concern"):
                chooser.add_enquiry(enquiry, rule.action, rule)
        elif rule.record_type == RetentionRule.RecordType.SAFEGUARDING_ADULTS_REVIEW:
            for review in _reviews_over(rule, before):
                chooser.add(review, rule.action, rule)
        else:
            for person in _people_without_activity(rule, before):
                chooser.add_person(person, rule.action, rule)
    chooser.add_people_left_with_nothing()
    order = {kind: i for i, kind in enumerate(KINDS)}
    rule_order = {rule.pk: i for i, rule in enumerate(rules)}
    items = sorted(
        chooser.chosen.values(),
        key=lambda i: (rule_order[i.rule.pk], order[i.kind], i.reference, str(i.uuid)),
    )
    return Plan(today, council, rules, items)


# --- Disposing of them -----------------------------------------------------------------------------


def _values(model: type[models.Model]) -> dict[str, Any]:
    """The UPDATE that anonymises ``model``'s rows (and its historical rows, which have the same
    columns)."""
    values: dict[str, Any] = {}
    for name, how in ANONYMISED[model].items():
        if how is TEXT:
            values[name] = Case(When(**{name: ""}, then=Value("")), default=Value(REMOVED))
        elif how is BLANK:
            values[name] = Value("")
        elif how is None or hasattr(how, "resolve_expression"):
            values[name] = how  # a link or date cleared, or worked out from the row
        else:
            values[name] = Value(how)
    return values


def _history(model: type[models.Model]) -> models.QuerySet | None:
    try:
        return get_history_model_for_model(model).objects.all()
    except NotHistoricalModelError:  # review progress has no history of its own
        return None


def _each_table(
    ids: dict[type[models.Model], list[int]], audits: list[int]
) -> Iterable[tuple[type[models.Model], str, list[int]]]:
    """Every model whose rows belong to the records, with the lookup that finds them; ``audits``
    are the records' case file audits (``_audits_of``)."""
    for kind, pks in ids.items():
        if not pks:
            continue
        yield kind, "id", pks
        for part, link in PARTS[kind]:
            yield part, link, pks
    if audits:
        for model, link in AUDIT_TABLES:
            yield model, link, audits


def _audits_of(ids: dict[type[models.Model], list[int]]) -> list[int]:
    """The case file audits of the concerns and enquiries, their moderations among them (worked
    out before anything is deleted: their answers' history is found through them)."""
    if not ids[Concern] and not ids[Enquiry]:
        return []
    of_records = Q(concern_id__in=ids[Concern]) | Q(enquiry_id__in=ids[Enquiry])
    return list(Audit._base_manager.filter(of_records).values_list("pk", flat=True))


def _clear_person_links(people: list[int]) -> None:
    """Links to erased people that outlive them (an audit of a record since linked to someone else,
    a review's adult): set to null, in the rows and their history."""
    if not people:
        return
    for model in PERSON_LINKS_CLEARED:
        model._base_manager.filter(person_id__in=people).update(person=None)
        get_history_model_for_model(model).objects.filter(person_id__in=people).update(person=None)


def _remove_files(ids: dict[type[models.Model], list[int]]) -> None:
    """The files of the records' documents go once their disposal commits (a body map or a
    photograph identifies the person as surely as a name)."""
    document_services.remove_files_after_commit(
        document_services.stored_names(people=ids[Person], concerns=ids[Concern], enquiries=ids[Enquiry])
    )


def _anonymise(ids: dict[type[models.Model], list[int]]) -> None:
    _remove_files(ids)
    for model, link, pks in _each_table(ids, _audits_of(ids)):
        values = _values(model)
        if not values:
            continue  # nothing in it identifies anyone
        lookup = {"pk__in" if link == "id" else f"{link}__in": pks}
        model._base_manager.filter(**lookup).update(**values)
        history = _history(model)
        if history is not None:
            history.filter(**{f"{link}__in": pks}).update(**values)
    # Dates of birth keep their year and the age on each day an age is counted on.
    for person in Person.objects.filter(pk__in=ids[Person]).exclude(date_of_birth=None):
        received = [
            timezone.localdate(at)
            for at in Concern.objects.filter(Q(person=person) | Q(enquiry__person=person)).values_list(
                "received_at", flat=True
            )
        ]
        started = [
            timezone.localdate(at)
            for at in Enquiry.objects.filter(person=person).values_list("started_at", flat=True)
        ]
        days = age_days(received, [*received, *started], person.date_of_death)
        _set_birth_date(
            Person, person.pk, "date_of_birth", generalised_birth_date(person.date_of_birth, days)
        )
    for concern in Concern.objects.filter(pk__in=ids[Concern]).exclude(adult_date_of_birth=None):
        born = generalised_birth_date(concern.adult_date_of_birth, [timezone.localdate(concern.received_at)])
        _set_birth_date(Concern, concern.pk, "adult_date_of_birth", born)


def _set_birth_date(model: type[models.Model], pk: int, name: str, value: date | None) -> None:
    model._base_manager.filter(pk=pk).update(**{name: value})
    get_history_model_for_model(model).objects.filter(id=pk).update(**{name: value})


def _delete_concerns(pks: list[int]) -> None:
    """Delete the concerns, each duplicate before the concern it duplicates: ``duplicate_of`` is a
    protected link, refused even when both are in one delete."""
    remaining = set(pks)
    while remaining:
        named = set(
            Concern._base_manager.filter(pk__in=remaining, duplicate_of__in=remaining).values_list(
                "duplicate_of_id", flat=True
            )
        )
        first = remaining - named
        if not first:  # a loop of duplicates, which set_aside never makes
            raise ValueError("Concerns set aside as duplicates of each other")
        Concern._base_manager.filter(pk__in=first).delete()
        remaining -= first


def _erase(ids: dict[type[models.Model], list[int]]) -> None:
    _remove_files(ids)
    # Audits before the records they audit (a protected link), with their answers, moderations and
    # learning actions (cascades); enquiries before their concerns, concerns before their people
    # (both are protected links), and duplicates before the concerns they duplicate.
    audits = _audits_of(ids)
    if audits:
        Audit._base_manager.filter(pk__in=audits).delete()
    _clear_person_links(ids[Person])
    if ids[Enquiry]:
        Enquiry._base_manager.filter(pk__in=ids[Enquiry]).delete()
    _delete_concerns(ids[Concern])
    if ids[Person]:
        Person._base_manager.filter(pk__in=ids[Person]).delete()
    if ids[SafeguardingAdultsReview]:
        SafeguardingAdultsReview._base_manager.filter(pk__in=ids[SafeguardingAdultsReview]).delete()
    # Deleting wrote a last historical row for each record and part: the history goes too.
    for model, link, pks in _each_table(ids, audits):
        history = _history(model)
        if history is not None:
            history.filter(**{f"{link}__in": pks}).delete()


def _ids(items: Iterable[Item]) -> dict[type[models.Model], list[int]]:
    ids: dict[type[models.Model], list[int]] = {model: [] for model in KINDS.values()}
    for item in items:
        ids[KINDS[item.kind]].append(item.pk)
    return ids


def apply(token: str, today: date | None = None, council: Organisation | None = None) -> Plan:
    """Build the plan again and, when ``token`` is its token, anonymise and erase its records in one
    transaction; raise ``TokenMismatch`` (changing nothing) when it is not."""
    with transaction.atomic():
        plan = build_plan(today, council)
        if not constant_time_compare(token.strip().lower(), plan.token()):
            raise TokenMismatch
        erased = [i for i in plan.items if i.action == ERASE]
        _anonymise(_ids(i for i in plan.items if i.action == ANONYMISE))
        _erase(_ids(erased))
        records_gone(item.uuid for item in erased)
        now = timezone.now()
        Disposal.objects.bulk_create(
            Disposal(
                council_id=item.rule.council_id,
                rule=item.rule,
                record_type=item.kind,
                record_id=item.uuid,
                reference=item.reference,
                action=item.action,
                done_at=now,
            )
            for item in plan.items
        )
    return plan
