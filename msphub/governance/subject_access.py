"""A subject access request export (UK GDPR Article 15): everything msphub holds about one person.

``subject_access_export(person)`` returns one dict, written as JSON and printed as a PDF by
``manage.py subject_access`` and by the safeguarding lead's downloads (subject_access_views.py).
It holds the person's record (with a date of death and its source, and the autism item the national
return counts) with its change history and representatives; every concern about them with its
decision, first contacts (those entered in error too, with who marked them, when and why),
unsuccessful attempts to make contact, notes, transfers between councils, and whether it was set
aside (entered in error, or a duplicate of another concern) or flagged as abuse in another area; every
enquiry with its desired outcomes, reviews, contacts, capacity and best-interests decisions,
advocacy, plan actions, the types, locations and sources of risk it found, closure and feedback (with
the moderation of a quote for the Board), each with its change history; the concerns about them this
council passed to another council (the recipients, UK GDPR Article 15(1)(c)); the case file audits
of their concerns and enquiries (the round, who audited and when, each question's answer and comment,
a live audit's reflections, learning actions), each with its change history; each Safeguarding Adults
Review the lead has linked them to, as the review records them (pseudonym, whether they died or
suffered serious harm, age band, date of death, and the review's decision, status and dates: not the
referral's summary, the reasons or the findings, which are about other people and agencies too; the
export's note says so); and the access-log entries of who viewed these records.

Each value is one entry ``{"name", "label", "value", "redact", "free_text"}``. ``redact`` marks
another individual's personal data (a third party: the person who raised the concern unless it was
the adult, representatives, a family member or friend acting as advocate, who was at a review or a
contact, who was consulted on a best-interests decision, a representative's feedback words); each
record also lists those fields as ``third_party``. Staff names are disclosed, as is usual in a UK
subject access response. ``free_text`` marks words someone wrote, which may name other people and
are read before disclosure. The PDF shows both marks; nothing is removed here: redaction is the
council's decision.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, cast

from django.db import models
from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_history_model_for_model

from msphub.accounts.models import User
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
from msphub.core.downloads import render_pdf
from msphub.core.models import AccessLog
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
from msphub.people.models import Person, Representative
from msphub.providers.models import LinkedConcern
from msphub.sars.models import ReviewAdult, SafeguardingAdultsReview

FORMAT = "msphub subject access export"
FORMAT_VERSION = 1
THIRD_PARTY = "Third party: consider redaction"
FREE_TEXT = "Free text: check for other people named"
PDF_TEMPLATE = "governance/subject_access_pdf.html"
REVIEWS_NOTE = (
    "Each Safeguarding Adults Review this person is linked to, as the review records them: their "
    "pseudonym, whether they died or suffered serious harm, their age band and date of death, and the "
    "review's decision, status and dates. The summary of the referral, the reasons for the decision "
    "and the review's findings are not included: they are about other people and agencies too. "
    "Consider them separately, with the Safeguarding Adults Board, before disclosing any of them."
)
AUDITS_NOTE = (
    "Case file audits of this person's concerns and enquiries: checks of the quality of the council's "
    "work by its auditors (and, in a live audit, the practitioner's own reflections), with any "
    "learning actions for staff."
)
# The review's own fields a linked adult's entry shows (the rest is not the person's: REVIEWS_NOTE).
REVIEW_FIELDS = (
    "decision",
    "status",
    "referred_on",
    "decision_on",
    "started_on",
    "concluded_on",
    "published_on",
)

# Never shown: keys, and the link to the record a part belongs to (it is listed under it).
SKIPPED = {
    "id",
    "uuid",
    "submission_token",
    "person",
    "concern",
    "enquiry",
    "review",
    # Where a document's file is kept, and its checksum: msphub's, not the person's.
    "stored_name",
    "sha256",
}
HISTORY_SKIPPED = SKIPPED | {
    "history_id",
    "history_date",
    "history_user",
    "history_type",
    "history_change_reason",
}

# Short answers that are free text too, though not TextFields.
FREE_TEXT_FIELDS = {"decision", "place"}

REFERRER = {
    "raised_by_user",
    "raiser_name",
    "raiser_role",
    "raiser_organisation_name",
    "raiser_phone",
    "raiser_email",
}


def _concern_third_party(row: Any) -> set[str]:
    # The adult raising a concern about themselves is no third party.
    return set() if row.raiser_kind == Concern.RaiserKind.SELF else REFERRER


# Per model, the fields of a row (a record or one of its historical versions) that hold another
# individual's personal data.
THIRD_PARTY_FIELDS: dict[type[models.Model], Callable[[Any], set[str]]] = {
    Representative: lambda row: {"name", "phone", "email", "address"},
    Concern: _concern_third_party,
    FirstContact: lambda row: {"representative_name"},
    DesiredOutcome: lambda row: {"representative_name"},
    Review: lambda row: {"participants"},
    Involvement: lambda row: {"attendees"},
    BestInterestsDecision: lambda row: {"consulted"},
    AdvocacyReferral: lambda row: (
        {"advocate_name"} if row.kind == AdvocacyReferral.Kind.FAMILY_FRIEND else set()
    ),
    # Whom an action was handed over to may name a worker.
    PlanAction: lambda row: {"handed_over_to"},
    # The representative an independent interviewer was asked to contact is someone else.
    FeedbackAssignment: lambda row: {"representative"},
    # Who added information later is the referrer (as on the concern).
    ConcernUpdate: lambda row: {"added_by"},
    # The person alleged to have caused harm is someone else: who they are, what was done about them
    # and the support they had are their personal data, not the adult's.
    AllegedPerson: lambda row: {"description", "action_taken", "support_offered"},
    # An update to the person who raised the concern is addressed to them: their name and words.
    Letter: lambda row: {"recipient_name", "subject", "body"} if row.kind == "referrer_update" else set(),
    # A representative's feedback is their words, not the person's (and so are the words approved
    # from them for the Board).
    Feedback: lambda row: (
        {"comments", "approved_text"} if row.version == Feedback.Version.REPRESENTATIVE else set()
    ),
}

# The record's parts listed under it, in order: (title, model, link to the record).
CONCERN_PARTS: tuple[tuple[str, type[models.Model]], ...] = (
    ("Decision", Decision),
    ("First contacts", FirstContact),
    ("Attempts to make contact", ContactAttempt),
    ("Notes", ConcernNote),
    ("Information added by the referrer", ConcernUpdate),
    ("Whole-service enquiries it is part of", LinkedConcern),
    ("Transfers between councils", ConcernTransfer),
    ("Letters", Letter),
)
ENQUIRY_PARTS: tuple[tuple[str, type[models.Model]], ...] = (
    ("Desired outcomes", DesiredOutcome),
    ("Reviews", Review),
    ("Contacts and meetings", Involvement),
    ("Mental capacity assessments", CapacityAssessment),
    ("Best interests decisions", BestInterestsDecision),
    ("Advocacy referrals", AdvocacyReferral),
    ("Safeguarding plan actions", PlanAction),
    ("Types of risk the enquiry found", EnquiryRiskType),
    ("Locations of risk the enquiry found", EnquiryLocation),
    ("Sources of risk the enquiry found", EnquirySource),
    ("People alleged to have caused harm", AllegedPerson),
    ("Responses used", EnquiryResponse),
    ("Feedback", Feedback),
    ("Independent feedback assignments", FeedbackAssignment),
)


def _moment(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)


def _shown(model_field: models.Field, row: Any) -> str | None:
    """A field's value as text (None when nothing is held): choices by their label, dates as
    YYYY-MM-DD, moments in London time, yes or no, related records by their name."""
    value = getattr(row, model_field.attname)
    if value is None or value == "":
        return None
    if model_field.is_relation:
        related = getattr(row, model_field.name, None)
        return str(related) if related is not None else str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return _moment(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _label(model_field: models.Field) -> str:
    return str(model_field.verbose_name).capitalize()


def _free_text(model_field: models.Field) -> bool:
    """Words someone wrote (not an address: that is a contact detail)."""
    if model_field.name in ("address", "adult_address"):
        return False
    return isinstance(model_field, models.TextField) or model_field.name in FREE_TEXT_FIELDS


def _third_party(model: type[models.Model], row: Any) -> set[str]:
    rule = THIRD_PARTY_FIELDS.get(model)
    return rule(row) if rule else set()


def _fields(model: type[models.Model], skipped: set[str]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in skipped]


def record(obj: models.Model, title: str | None = None, **extra: Any) -> dict[str, Any]:
    """One record: its fields with their marks, and ``extra`` (its parts, its history)."""
    model = type(obj)
    marked = _third_party(model, obj)
    fields = []
    for f in _fields(model, SKIPPED):
        value = _shown(f, obj)
        if value is None:
            continue
        fields.append(
            {
                "name": f.name,
                "label": _label(f),
                "value": value,
                "redact": f.name in marked,
                "free_text": _free_text(f) and f.name not in marked,
            }
        )
    return {
        "record": title or str(model._meta.verbose_name).capitalize(),
        "model": model._meta.label_lower,
        "uuid": str(getattr(obj, "uuid", "")) or None,
        "reference": getattr(obj, "reference", None),
        "fields": fields,
        "third_party": sorted(f["name"] for f in fields if f["redact"]),
        **extra,
    }


def history(histories: Iterable[tuple[type[models.Model], models.QuerySet | None]]) -> list[dict[str, Any]]:
    """Every version of the records, oldest first, each with the fields it changed (all its values,
    for the first version): the same marks as the records', from the version's own values."""
    entries: list[tuple[datetime, int, dict[str, Any]]] = []
    names: dict[tuple[Any, Any], str] = {}  # related records by (model, id), looked up once
    for model, qs in histories:
        if qs is None:
            continue
        label = str(model._meta.verbose_name).capitalize()
        kept = {f.attname for f in qs.model._meta.concrete_fields}
        fields = [f for f in _fields(model, HISTORY_SKIPPED) if f.attname in kept]
        previous: dict[Any, Any] = {}
        for row in qs.select_related("history_user").order_by("history_date", "history_id"):
            before = previous.get(row.id)
            marked = _third_party(model, row)
            changes = []
            for f in fields:
                new = _shown_history(f, row, names)
                old = _shown_history(f, before, names) if before is not None else None
                if before is None and new is None or before is not None and old == new:
                    continue
                changes.append(
                    {
                        "name": f.name,
                        "label": _label(f),
                        "from": old,
                        "to": new,
                        "redact": f.name in marked,
                        "free_text": _free_text(f) and f.name not in marked,
                    }
                )
            previous[row.id] = row
            action = {"+": "Created", "~": "Changed", "-": "Deleted"}[row.history_type]
            if not changes and action == "Changed":
                continue
            entry = {
                "at": _moment(row.history_date),
                "by": str(row.history_user) if row.history_user else None,
                "record": label,
                "action": action,
                "changes": changes,
            }
            entries.append((row.history_date, row.history_id, entry))
    entries.sort(key=lambda e: (e[0], e[1]))
    return [e for _, _, e in entries]


def _shown_history(model_field: models.Field, row: Any, names: dict[tuple[Any, Any], str]) -> str | None:
    """As ``_shown``, for a historical row: a related record by its name while it is still there,
    else by its id. ``names`` keeps the names looked up."""
    if not model_field.is_relation:
        return _shown(model_field, row)
    value = getattr(row, model_field.attname)
    if value is None:
        return None
    related = model_field.related_model
    assert isinstance(related, type) and issubclass(related, models.Model)
    key = (related, value)
    if key not in names:
        found = related._default_manager.filter(pk=value).first()
        names[key] = str(found) if found is not None else str(value)
    return names[key]


def _history_of(
    model: type[models.Model], **lookup: Any
) -> tuple[type[models.Model], models.QuerySet | None]:
    try:
        historical = get_history_model_for_model(model)
    except NotHistoricalModelError:
        # A part that is never changed once written (information the referrer added) has no history.
        return model, None
    return model, historical.objects.filter(**lookup)


def _concern(concern: Concern) -> dict[str, Any]:
    parts = []
    for title, model in CONCERN_PARTS:
        rows = list(model._default_manager.filter(concern=concern))
        if rows:
            parts.append({"title": title, "records": [record(r) for r in rows]})
    risk_types = ", ".join(concern.risk_type_labels)
    data = record(concern, f"Concern {concern.reference}", parts=parts)
    if risk_types:
        data["fields"].append(
            {
                "name": "risk_types",
                "label": "Types of risk",
                "value": risk_types,
                "redact": False,
                "free_text": False,
            }
        )
    data["history"] = history(
        [
            _history_of(Concern, id=concern.pk),
            *(_history_of(model, concern_id=concern.pk) for _, model in CONCERN_PARTS),
        ]
    )
    return data


def _enquiry(enquiry: Enquiry) -> dict[str, Any]:
    parts = []
    for title, model in ENQUIRY_PARTS:
        rows = list(model._default_manager.filter(enquiry=enquiry))
        if not rows:
            continue
        records = []
        for row in rows:
            sub: list[dict[str, Any]] = []
            if isinstance(row, Review):
                progress = [record(p, "Progress") for p in ReviewProgress.objects.filter(review=row)]
                sub = [{"title": "Progress on outcomes", "records": progress}] if progress else []
            records.append(record(row, parts=sub))
        parts.append({"title": title, "records": records})
    data = record(enquiry, f"Enquiry {enquiry.reference}", parts=parts)
    data["concern"] = enquiry.concern.reference
    data["history"] = history(
        [
            _history_of(Enquiry, id=enquiry.pk),
            *(_history_of(model, enquiry_id=enquiry.pk) for _, model in ENQUIRY_PARTS),
        ]
    )
    return data


def _field(name: str, label: str, value: str | None, free_text: bool = False) -> dict[str, Any] | None:
    if value is None or value == "":
        return None
    return {"name": name, "label": label, "value": value, "redact": False, "free_text": free_text}


def _answer(answer: AuditAnswer) -> dict[str, Any]:
    """One answer, by the question's words and the scale's label (the tool's version the audit used)."""
    question = answer.question
    labels = {str(option["value"]): option.get("label") or option["value"] for option in question.scale}
    fields = [
        _field("section", "Section", question.section),
        _field("value", "Answer", str(labels.get(answer.value, answer.value)) if answer.value else None),
        _field("grade", "Grade", None if answer.grade is None else str(answer.grade)),
        _field("comment", "Comment", answer.comment, free_text=True),
        _field("reflection", "The practitioner's reflection", answer.reflection, free_text=True),
    ]
    return {
        "record": question.text,
        "model": AuditAnswer._meta.label_lower,
        "uuid": None,
        "reference": None,
        "fields": [f for f in fields if f is not None],
        "third_party": [],
    }


def audits_of(concerns: list[Concern], enquiries: list[Enquiry]) -> list[Audit]:
    """The case file audits (moderations among them) of the person's concerns and enquiries."""
    return list(
        Audit.objects.filter(Q(concern__in=concerns) | Q(enquiry__in=enquiries))
        .select_related("audit_round", "concern", "enquiry", "team", "auditor", "practitioner")
        .order_by("audit_round__period_start", "audit_round__pk", "position", "pk")
    )


def _audit(audit: Audit) -> dict[str, Any]:
    answers = [_answer(a) for a in audit.answers.select_related("question").order_by("question__order")]
    actions = []
    for action in audit.learning_actions.select_related("owner", "created_by"):
        entry = record(action, "Learning action")
        entry["fields"] = [f for f in entry["fields"] if f["name"] != "audit"]  # listed under it
        actions.append(entry)
    parts = [
        {"title": title, "records": rows}
        for title, rows in (("Answers", answers), ("Learning actions", actions))
        if rows
    ]
    title = f"{'Moderation' if audit.is_moderation else 'Case file audit'} of {audit.reference}"
    data = record(audit, title, parts=parts)
    # Where it sits in the round's sample, and the audit a moderation moderates (the same record),
    # say nothing about the person.
    data["fields"] = [f for f in data["fields"] if f["name"] not in ("position", "moderates")]
    data["history"] = history(
        [
            _history_of(Audit, id=audit.pk),
            _history_of(AuditAnswer, audit_id=audit.pk),
            _history_of(LearningAction, audit_id=audit.pk),
        ]
    )
    return data


def reviews_of(person: Person) -> list[ReviewAdult]:
    """The adults of Safeguarding Adults Reviews linked to the person (by the lead)."""
    adults = ReviewAdult.objects.filter(person=person).select_related("review")
    return list(adults.order_by("review__referred_on", "pk"))


def _review_adult(adult: ReviewAdult) -> dict[str, Any]:
    review = adult.review
    data = record(adult, f"Safeguarding Adults Review {review.reference}")
    fields = [cast(models.Field, SafeguardingAdultsReview._meta.get_field(name)) for name in REVIEW_FIELDS]
    shown = [_field(f.name, _label(f), _shown(f, review)) for f in fields]
    reference = _field("review", "Review", review.reference)
    data["fields"] = [reference, *data["fields"], *(f for f in shown if f is not None)]
    data["reference"] = review.reference
    data["history"] = history([_history_of(ReviewAdult, id=adult.pk)])
    return data


def records_of(person: Person) -> tuple[list[Concern], list[Enquiry]]:
    """The concerns and enquiries about the person, oldest first."""
    concerns = list(
        Concern.objects.filter(Q(person=person) | Q(enquiry__person=person))
        .distinct()
        .select_related("council", "team", "assigned_to", "raised_by_user", "raiser_organisation")
        .order_by("received_at", "pk")
    )
    enquiries = list(
        Enquiry.objects.filter(Q(person=person) | Q(concern__person=person))
        .distinct()
        .select_related("concern", "council", "team", "lead_practitioner", "making_organisation")
        .order_by("started_at", "pk")
    )
    return concerns, enquiries


def transferred_out(person: Person, concerns: list[Concern]) -> list[ConcernTransfer]:
    """Accepted transfers of concerns that were about the person (their history links them) from the
    person's council to another: the concern now belongs to that council and no longer to this
    record, so the export names where it went, not what it says."""
    history = get_history_model_for_model(Concern).objects
    once = history.filter(person_id=person.pk).values("id")
    return list(
        ConcernTransfer.objects.filter(
            concern_id__in=once, status=ConcernTransfer.Status.ACCEPTED, from_council_id=person.council_id
        )
        .exclude(concern_id__in=[c.pk for c in concerns])
        .select_related("concern", "to_council")
        .order_by("decided_at", "pk")
    )


def _transfer(transfer: ConcernTransfer) -> dict[str, Any]:
    return {
        "reference": transfer.concern.reference,
        "to_council": {"name": transfer.to_council.name, "ons_code": transfer.to_council.ons_code},
        "proposed_at": _moment(transfer.proposed_at),
        "accepted_at": _moment(transfer.decided_at) if transfer.decided_at else None,
    }


def _access_log(
    person: Person,
    concerns: list[Concern],
    enquiries: list[Enquiry],
    transfers: Iterable[ConcernTransfer] = (),
) -> list[dict[str, Any]]:
    labels = {
        Person._meta.label_lower: "Person",
        Concern._meta.label_lower: "Concern",
        Enquiry._meta.label_lower: "Enquiry",
    }
    seen = (
        Q(record_type=Person._meta.label_lower, record_id=person.uuid)
        | Q(record_type=Concern._meta.label_lower, record_id__in=[c.uuid for c in concerns])
        | Q(record_type=Enquiry._meta.label_lower, record_id__in=[e.uuid for e in enquiries])
    )
    # A concern passed to another council: the views while this council held it.
    for transfer in transfers:
        seen |= Q(
            record_type=Concern._meta.label_lower,
            record_id=transfer.concern.uuid,
            at__lte=transfer.decided_at or transfer.proposed_at,
        )
    entries = AccessLog.objects.filter(seen).select_related("user", "user__organisation").order_by("at")
    return [
        {
            "at": _moment(entry.at),
            "by": str(entry.user) if entry.user else None,
            "organisation": str(entry.user.organisation) if entry.user and entry.user.organisation else None,
            "action": entry.get_action_display(),
            "record": labels.get(entry.record_type, entry.record_type),
            "reference": entry.record_reference or None,
            "page": entry.page,
        }
        for entry in entries
    ]


def _count_marks(*sections: Any) -> int:
    """Third-party values in the records, their parts and their histories."""

    def walk(value: Any) -> int:
        if isinstance(value, dict):
            return int(value.get("redact") is True) + sum(walk(v) for v in value.values())
        if isinstance(value, list):
            return sum(walk(v) for v in value)
        return 0

    return sum(walk(s) for s in sections)


def subject_access_export(person: Person, now: datetime | None = None) -> dict[str, Any]:
    """Everything held about ``person``, marked for redaction; see the module's docstring."""
    concerns, enquiries = records_of(person)
    representatives = list(Representative.objects.filter(person=person))
    case_notes = list(CaseNote.objects.filter(person=person).order_by("occurred_at", "pk"))
    documents = list(Document.objects.filter(person=person).order_by("uploaded_at", "pk"))
    own_parts = (
        ("Representatives", representatives),
        ("Case notes", case_notes),
        # The files themselves are not in this export: each is downloaded from its document page.
        ("Documents (the files are supplied separately)", documents),
    )
    person_data = record(
        person,
        "Person",
        parts=[{"title": title, "records": [record(r) for r in rows]} for title, rows in own_parts if rows],
        history=history(
            [
                _history_of(Person, id=person.pk),
                _history_of(Representative, person_id=person.pk),
                _history_of(CaseNote, person_id=person.pk),
                _history_of(Document, person_id=person.pk),
            ]
        ),
    )
    concern_data = [_concern(c) for c in concerns]
    enquiry_data = [_enquiry(e) for e in enquiries]
    audit_data = [_audit(a) for a in audits_of(concerns, enquiries)]
    review_data = [_review_adult(adult) for adult in reviews_of(person)]
    transfers = transferred_out(person, concerns)
    access = _access_log(person, concerns, enquiries, transfers)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": timezone.localtime(now or timezone.now()).isoformat(timespec="seconds"),
        "council": {"name": person.council.name, "ons_code": person.council.ons_code},
        "subject": {"uuid": str(person.uuid), "name": person.full_name},
        "marks": {
            "redact": f"{THIRD_PARTY}: another individual's personal data (UK GDPR Article 15(4); "
            "Data Protection Act 2018, Schedule 2, paragraph 16). Staff names are not marked.",
            "free_text": f"{FREE_TEXT}: words someone wrote, which may name other people.",
        },
        "summary": {
            "concerns": len(concern_data),
            "enquiries": len(enquiry_data),
            "concerns_transferred": len(transfers),
            "case_file_audits": len(audit_data),
            "safeguarding_adults_reviews": len(review_data),
            "access_log_entries": len(access),
            "third_party_values": _count_marks(person_data, concern_data, enquiry_data, audit_data),
        },
        "person": person_data,
        "concerns": concern_data,
        "enquiries": enquiry_data,
        "case_file_audits": {"note": AUDITS_NOTE, "records": audit_data},
        "safeguarding_adults_reviews": {"note": REVIEWS_NOTE, "records": review_data},
        "transferred_to_other_councils": [_transfer(t) for t in transfers],
        "access_log": access,
    }


def filename(person: Person, extension: str) -> str:
    return f"subject-access-{person.uuid}.{extension}"


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def pdf_context(data: dict[str, Any]) -> dict[str, Any]:
    return {"data": data, "third_party": THIRD_PARTY, "free_text": FREE_TEXT}


def as_html(data: dict[str, Any]) -> str:
    """The PDF's document, as HTML."""
    return render_to_string(PDF_TEMPLATE, pdf_context(data))


def as_pdf(data: dict[str, Any], request: HttpRequest | None = None) -> bytes:
    return render_pdf(PDF_TEMPLATE, pdf_context(data), request)


def log_export(person: Person, page: str, user: User | None = None, *, person_logged: bool = False) -> None:
    """Access-log entries for an export: the person (unless the page's lookup logged them already)
    and each of their concerns and enquiries, as seen from ``page`` (the download's URL, or the
    command), by ``user`` (None for ``manage.py subject_access``, run on the server); and each
    Safeguarding Adults Review the export shows them in."""
    concerns, enquiries = records_of(person)
    reviews = [adult.review for adult in reviews_of(person)]
    for obj in (*(() if person_logged else (person,)), *concerns, *enquiries, *reviews):
        AccessLog.objects.append(
            user=user,
            record_type=obj._meta.label_lower,
            record_id=obj.uuid,
            record_reference=getattr(obj, "reference", "") or "",
            page=page[:200],
        )
