"""People's records: creating and changing them, who may see a restricted one (and break-glass
emergency access to one), finding people (search), likely duplicates before a new record is
created, and merging two records of one person. Each write is one transaction."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import strip_tags

from msphub.accounts.models import Role, User
from msphub.accounts.permissions import SAFEGUARDING_LEAD
from msphub.concerns.models import Concern
from msphub.core.models import AccessLog
from msphub.core.validators import normalise_nhs_number, normalise_postcode
from msphub.enquiries.models import Enquiry

from .models import EmergencyAccess, Person, Representative

logger = logging.getLogger(__name__)


def create_person(user: User, data: dict[str, Any]) -> Person:
    """A new record, held by the user's council and team."""
    if user.council_id is None:
        raise PermissionDenied("Only a council's casework staff create people's records.")
    with transaction.atomic():
        person = Person(council_id=user.council_id, team_id=user.team_id, created_by=user, **data)
        person.full_clean()
        person.save()
    return person


def change_person(person: Person, data: dict[str, Any]) -> None:
    with transaction.atomic():
        for name, value in data.items():
            setattr(person, name, value)
        person.full_clean()
        person.save()


def add_representative(person: Person, data: dict[str, Any]) -> Representative:
    with transaction.atomic():
        return Representative.objects.create(person=person, **data)


def restrict(person: Person, restricted: bool, named: Iterable[User]) -> None:
    """Restrict the record (or lift the restriction) and name who else may still see it."""
    with transaction.atomic():
        person.restricted = restricted
        person.save(update_fields=["restricted"])
        person.restricted_to.set(named)


@dataclass(frozen=True)
class LockedOut:
    """Someone working on a person's record now who would no longer see it once it is restricted:
    ``who`` as the lead knows them, ``works_on`` what they have ("leads ENQ-2026-000045"), and
    ``key`` to tell whether the list the lead confirmed is still the list."""

    key: str
    who: str
    works_on: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.who} ({', '.join(self.works_on)})"


def locked_out_by(person: Person, restricted: bool, named: Iterable[User]) -> list[LockedOut]:
    """Who restricting ``person``'s record (naming ``named``) would lock out of work they have now:
    the lead practitioner of each of the person's open enquiries and the practitioner each open
    concern is with, unless named, the safeguarding lead (who sees every record), or holding
    emergency access; and the enquiry officers of a partner making an open enquiry (partners are
    never named). Nobody when the record is not to be restricted. A fixed number of queries."""
    if not restricted:
        return []
    emergency = set(EmergencyAccess.objects.current().filter(person=person).values_list("user_id", flat=True))
    keep = {user.pk for user in named} | emergency
    # Already restricted: only those named now (or with emergency access) see it, so only they
    # can lose it; a partner's officers already do not see it.
    sees_now = (
        set(person.restricted_to.values_list("pk", flat=True)) | emergency if person.restricted else None
    )
    work: dict[str, tuple[str, list[str]]] = {}

    def add(key: str, who: str, what: str) -> None:
        work.setdefault(key, (who, []))[1].append(what)

    def loses(user: User | None) -> bool:
        return (
            user is not None
            and user.is_active
            and user.pk not in keep
            and (sees_now is None or user.pk in sees_now)
            and not SAFEGUARDING_LEAD.allows(user)
        )

    enquiries = (
        Enquiry.objects.filter(person=person)
        .open()
        .select_related("lead_practitioner", "making_organisation")
        .order_by("started_at", "pk")
    )
    for enquiry in enquiries:
        lead = enquiry.lead_practitioner
        if lead is not None and loses(lead):
            add(f"user:{lead.pk}", str(lead), f"leads {enquiry.reference}")
        if enquiry.making_organisation is not None and sees_now is None:
            add(
                f"organisation:{enquiry.making_organisation_id}",
                f"Enquiry officers at {enquiry.making_organisation}",
                f"making {enquiry.reference}",
            )
    concerns = (
        Concern.objects.filter(person=person)
        .open()
        .select_related("assigned_to")
        .order_by("received_at", "pk")
    )
    for concern in concerns:
        user = concern.assigned_to
        if user is not None and loses(user):
            add(f"user:{user.pk}", str(user), f"has {concern.reference}")
    return [LockedOut(key, who, tuple(works_on)) for key, (who, works_on) in work.items()]


def locked_out_key(locked_out: Iterable[LockedOut]) -> str:
    """The list as the lead saw it, to confirm exactly that list (not one changed since)."""
    return ",".join(sorted(item.key for item in locked_out))


# The alert to the safeguarding leads: nothing about the person, the user or the reason, since
# email leaves the system; the lead signs in to read them.
EMERGENCY_ACCESS_SUBJECT = "msphub: emergency access to a restricted record"
EMERGENCY_ACCESS_MESSAGE = (
    "Someone used emergency access to a restricted record in msphub. Sign in to see who and why: {link}"
)
# The most restricted matches a search lists (as "Restricted record", nothing more).
RESTRICTED_MATCHES_SHOWN = 5


def restricted_matches(user: User, criteria: dict[str, Any]) -> list[UUID]:
    """The restricted records of the user's own council that match a search but that the user may
    not see: the search lists them with no detail, so a record is found (and not made again) without
    anything about the person being shown. None for anyone who is not a council's casework staff."""
    hidden = _hidden_restricted(user)
    if hidden.query.is_empty():
        return []
    return list(search(hidden, **criteria).values_list("uuid", flat=True)[:RESTRICTED_MATCHES_SHOWN])


def _hidden_restricted(user: User) -> QuerySet[Person]:
    """The restricted records of the user's own council that the user may not see."""
    if user.council_id is None:
        return Person.objects.none()
    return (
        Person.objects.not_merged()
        .filter(council_id=user.council_id, restricted=True)
        .exclude(pk__in=Person.objects.for_user(user).values("pk"))
    )


def restricted_duplicates(user: User, criteria: dict[str, Any]) -> list[UUID]:
    """The restricted records (of the user's council, that the user may not see) that may be the
    person about to be created, by the likely-duplicate rules: named with no detail, so that the
    practitioner asks before making a second record of them."""
    hidden = _hidden_restricted(user)
    if not hidden.query.is_empty():
        return [d.person.uuid for d in likely_duplicates(hidden, **criteria, limit=RESTRICTED_MATCHES_SHOWN)]
    return []


def restricted_by_reference(user: User, reference: str) -> list[UUID]:
    """The restricted record of the user's own council that a concern's or enquiry's ``reference``
    is about, when the user may not see it: the header search then says a restricted record
    matches, as the people search does, with no detail. None for anyone who is not a council's
    casework staff, and for another council's reference (whose existence is never told)."""
    hidden = _hidden_restricted(user)
    if hidden.query.is_empty() or not reference:
        return []
    about = (
        Q(concerns__reference=reference)
        if reference.startswith("CON-")
        else Q(enquiries__reference=reference)
    )
    return list(hidden.filter(about).values_list("uuid", flat=True)[:1])


def emergency_access_candidates(user: User) -> QuerySet[Person]:
    """The records a user may ask emergency access to: their own council's restricted records
    (the view sends anyone who can see the record already straight to it)."""
    if user.council_id is None:
        return Person.objects.none()
    return Person.objects.not_merged().filter(council_id=user.council_id, restricted=True)


def safeguarding_leads(council_id: int) -> QuerySet[User]:
    """The council's active safeguarding leads with an email address."""
    return User.objects.filter(
        organisation_id=council_id, role=Role.SAFEGUARDING_LEAD, is_active=True
    ).exclude(email="")


def grant_emergency_access(
    user: User, person: Person, reason: str, page: str, leads_link: str
) -> EmergencyAccess:
    """Break-glass access: the user sees the restricted ``person`` for EMERGENCY_ACCESS_HOURS.

    Writes the grant and an access-log entry (``page``: the emergency-access page) in one
    transaction, then emails the council's safeguarding leads a message naming nobody, with a link
    to their list (``leads_link``, absolute). An email that cannot be sent does not take the access
    back (it is needed now): the grant is on the leads' list and in the access log either way."""
    if user.council_id is None or user.council_id != person.council_id or not person.restricted:
        raise PermissionDenied("Emergency access is to a restricted record of the user's own council.")
    with transaction.atomic():
        access = EmergencyAccess(person=person, user=user, reason=reason)
        access.full_clean(exclude=["expires_at"])
        access.save()
        AccessLog.objects.append(
            user=user,
            record_type=person._meta.label_lower,
            record_id=person.uuid,
            record_reference="",
            page=page[:200],
        )
    message = EMERGENCY_ACCESS_MESSAGE.format(link=leads_link)
    for lead in safeguarding_leads(person.council_id):
        try:
            send_mail(EMERGENCY_ACCESS_SUBJECT, message, None, [lead.email])
        except OSError:  # SMTP errors are OSErrors: a mail server down or refusing
            logger.exception(
                "Could not email safeguarding lead %s about emergency access %s", lead.pk, access.uuid
            )
    return access


def search(
    people: QuerySet[Person],
    name: str = "",
    date_of_birth: date | None = None,
    nhs_number: str = "",
    postcode: str = "",
) -> QuerySet[Person]:
    """People matching every criterion given; each word of a name may match any name field.
    A record merged into another is never found (its concerns and enquiries are the other's)."""
    qs = people.filter(merged_into__isnull=True)
    postcode = _postcode(postcode)
    for word in name.split():
        qs = qs.filter(
            Q(given_name__icontains=word) | Q(family_name__icontains=word) | Q(preferred_name__icontains=word)
        )
    if date_of_birth:
        qs = qs.filter(date_of_birth=date_of_birth)
    if nhs_number:
        qs = qs.filter(nhs_number=normalise_nhs_number(nhs_number))
    if postcode:
        qs = qs.filter(postcode__iexact=postcode)
    return qs


@dataclass
class LikelyDuplicate:
    person: Person
    reasons: list[str]


def likely_duplicates(
    people: QuerySet[Person],
    given_name: str,
    family_name: str,
    date_of_birth: date | None = None,
    nhs_number: str = "",
    postcode: str = "",
    limit: int = 10,
) -> list[LikelyDuplicate]:
    """Existing records that may be the same adult, strongest match first.

    A match on NHS number is near certain; the same last name with the same date of birth, or the
    same full name at the same postcode, or the same first name and date of birth at the same
    postcode, are likely enough that a practitioner should look before creating a new record.
    """
    given, family = given_name.strip(), family_name.strip()
    postcode = _postcode(postcode)
    nhs = normalise_nhs_number(nhs_number)
    rules: list[tuple[dict[str, Any], str]] = []  # (lookups, why)
    if nhs:
        rules.append((dict(nhs_number=nhs), "Same NHS number"))
    if date_of_birth and family:
        rules.append(
            (
                dict(family_name__iexact=family, date_of_birth=date_of_birth),
                "Same last name and date of birth",
            )
        )
    if date_of_birth and given:
        rules.append(
            (
                dict(given_name__iexact=given, date_of_birth=date_of_birth, postcode__iexact=postcode)
                if postcode
                else dict(
                    given_name__iexact=given,
                    family_name__istartswith=family[:1],
                    date_of_birth=date_of_birth,
                ),
                "Same first name and date of birth",
            )
        )
    if postcode and given and family:
        rules.append(
            (
                dict(given_name__iexact=given, family_name__iexact=family, postcode__iexact=postcode),
                "Same name and postcode",
            )
        )
    if not rules:
        return []
    people = people.filter(merged_into__isnull=True)  # a merged record is no longer a duplicate
    combined = Q()
    for rule, _ in rules:
        combined |= Q(**rule)
    # NHS-number matches are fetched on their own so weaker name matches can never crowd them out.
    matches = list(people.filter(**rules[0][0])[:limit]) if nhs else []
    seen = {p.pk for p in matches}
    matches += [p for p in people.filter(combined).exclude(pk__in=seen)[: limit * 2]]
    found = []
    for person in matches:
        reasons = [label for rule, label in rules if _matches(person, rule)]
        found.append(LikelyDuplicate(person, reasons))
    found.sort(key=lambda d: (-("Same NHS number" in d.reasons), -len(d.reasons), str(d.person)))
    return found[:limit]


def _matches(person: Person, rule: dict[str, Any]) -> bool:
    """Evaluate a rule's lookups (all must match) against one loaded person (no extra query)."""
    for key, value in rule.items():
        field, _, lookup = key.partition("__")
        actual = getattr(person, field)
        if lookup == "iexact":
            ok = (actual or "").lower() == (value or "").lower()
        elif lookup == "istartswith":
            ok = (actual or "").lower().startswith((value or "").lower())
        else:
            ok = actual == value
        if not ok:
            return False
    return True


def _postcode(value: str) -> str:
    """Postcodes are stored normalised; compare typed ones the same way (raw if not a postcode)."""
    try:
        return normalise_postcode(value)
    except ValidationError:
        return (value or "").strip()


# --- Merging two records of the same person -------------------------------------------------------


@dataclass(frozen=True)
class MergeField:
    """Details of a person compared when two records are merged: the lead picks, for each that
    differs, whether the kept record takes the duplicate's value (nothing is copied unasked)."""

    key: str
    label: str
    fields: tuple[str, ...]


MERGE_FIELDS: tuple[MergeField, ...] = (
    MergeField("name", "Name", ("given_name", "family_name")),
    MergeField("preferred_name", "Preferred name", ("preferred_name",)),
    MergeField("date_of_birth", "Date of birth", ("date_of_birth",)),
    MergeField("nhs_number", "NHS number", ("nhs_number",)),
    MergeField("gender", "Gender", ("gender",)),
    MergeField("ethnicity", "Ethnicity", ("ethnicity",)),
    MergeField("primary_support_reason", "Primary support reason", ("primary_support_reason",)),
    MergeField("autism", "Autism or Asperger's syndrome", ("autism",)),
    MergeField("date_of_death", "Date of death", ("date_of_death", "date_of_death_source")),
    MergeField("address", "Address", ("address", "postcode")),
    MergeField("phone", "Phone", ("phone",)),
    MergeField("communication_needs", "Communication needs", ("communication_needs",)),
)
MERGE_FIELD_KEYS = frozenset(f.key for f in MERGE_FIELDS)


@dataclass(frozen=True)
class Comparison:
    """One row of the side-by-side page: a detail as each record has it."""

    key: str
    label: str
    kept: str
    duplicate: str

    @property
    def differs(self) -> bool:
        return self.kept != self.duplicate


def _shown(person: Person, name: str) -> str:
    value = getattr(person, name)
    if value in (None, ""):
        return ""
    if name == "nhs_number":
        return person.nhs_number_display
    if isinstance(value, date):
        return date_format(value, "j F Y")
    display = getattr(person, f"get_{name}_display", None)
    return str(display() if display else value)


def compare_for_merge(kept: Person, duplicate: Person) -> list[Comparison]:
    """Every detail compared, as the page shows it (blank where a record has none)."""
    rows = []
    for merge_field in MERGE_FIELDS:
        kept_value, duplicate_value = (
            " ".join(v for v in (_shown(p, name) for name in merge_field.fields) if v)
            for p in (kept, duplicate)
        )
        rows.append(Comparison(merge_field.key, merge_field.label, kept_value, duplicate_value))
    return rows


def merge_candidates(people: QuerySet[Person], kept: Person) -> QuerySet[Person]:
    """The records that may be merged into ``kept``: its council's others still in use (of
    ``people``, which the view narrows to what the user may change)."""
    return people.filter(merged_into__isnull=True, council_id=kept.council_id).exclude(pk=kept.pk)


@dataclass(frozen=True)
class MergeResult:
    kept: Person
    duplicate: Person
    concerns: int
    enquiries: int
    representatives: int
    emergency_accesses: int
    taken: tuple[str, ...]


def _move(instance: Any, to: Person, user: User, reason: str) -> None:
    """Move a record to another person, its history saying who and why."""
    instance.person = to
    instance._history_user = user
    instance._change_reason = reason
    instance.save(update_fields=["person"])


def merge_people(
    user: User, kept: Person, duplicate: Person, reason: str, take: Iterable[str] = ()
) -> MergeResult:
    """Merge ``duplicate`` into ``kept``: the safeguarding lead's correction of one adult recorded twice.

    In one transaction, with both people's rows locked (so two leads merging at once cannot both
    win, nor merge a record that has just been merged): every concern, enquiry, representative,
    emergency access and named user (``restricted_to``) of the duplicate, its case notes, documents,
    letters, case file audits and Safeguarding Adults Review adults, and any records merged into it
    before, move to the kept record, each move in that record's own history. The kept
    record takes the duplicate's value of each detail in ``take`` (``MERGE_FIELDS`` keys) and no
    other; it is restricted if either was. The duplicate is not deleted: it keeps its details and
    history and says when, by whom and why it was merged, and is then in no search or list and
    open to no change (``PersonQuerySet.for_user``).

    Refused with a ValidationError: the same record twice, records of different councils, a
    record already merged, no reason, or a detail the kept record cannot take (a date of death
    before its date of birth, say).
    """
    reason = strip_tags(reason or "").strip()
    take = tuple(dict.fromkeys(take))
    if kept.pk == duplicate.pk:
        raise ValidationError("Choose two different records to merge", code="same")
    if kept.council_id != duplicate.council_id:
        raise ValidationError("Only records of the same council can be merged", code="council")
    if user.council_id is None or user.council_id != kept.council_id or not SAFEGUARDING_LEAD.allows(user):
        raise PermissionDenied("Only the council's safeguarding lead merges its records.")
    if not reason:
        raise ValidationError("Enter why these records are the same person", code="reason")
    if unknown := set(take) - MERGE_FIELD_KEYS:
        raise ValidationError(f"Unknown details to take: {sorted(unknown)}", code="take")
    with transaction.atomic():
        locked = {
            p.pk: p
            for p in Person.objects.select_for_update().filter(pk__in=[kept.pk, duplicate.pk]).order_by("pk")
        }
        kept, duplicate = locked[kept.pk], locked[duplicate.pk]
        if kept.is_merged or duplicate.is_merged:
            raise ValidationError(
                "One of these records has already been merged into another record", code="merged"
            )
        taken = tuple(f.key for f in MERGE_FIELDS if f.key in take)
        for merge_field in MERGE_FIELDS:
            if merge_field.key in taken:
                for name in merge_field.fields:
                    setattr(kept, name, getattr(duplicate, name))
        kept.restricted = kept.restricted or duplicate.restricted
        kept.full_clean()
        kept._history_user = user  # type: ignore[attr-defined]
        kept._change_reason = f"Person {duplicate.pk} merged into this record"  # type: ignore[attr-defined]
        kept.save()

        why = f"Records merged: person {duplicate.pk} into {kept.pk}"
        concerns = list(Concern.objects.select_for_update().filter(person=duplicate).order_by("pk"))
        enquiries = list(Enquiry.objects.select_for_update().filter(person=duplicate).order_by("pk"))
        representatives = list(Representative.objects.select_for_update().filter(person=duplicate))
        # Case notes, documents and letters about the person follow them (their concern's or
        # enquiry's link is unchanged).
        from msphub.casefile.models import CaseNote
        from msphub.documents.models import Document
        from msphub.letters.models import Letter

        case_notes = list(CaseNote.objects.select_for_update().filter(person=duplicate).order_by("pk"))
        documents = list(Document.objects.select_for_update().filter(person=duplicate).order_by("pk"))
        letters = list(Letter.objects.select_for_update().filter(person=duplicate).order_by("pk"))
        # The case file audits of the duplicate's records (the person as sampled) and the adults of
        # Safeguarding Adults Reviews linked to it follow too, or the duplicate would still be the
        # person they are about.
        from msphub.audits.models import Audit
        from msphub.sars.models import ReviewAdult

        audits = list(Audit.objects.select_for_update().filter(person=duplicate).order_by("pk"))
        review_adults = list(ReviewAdult.objects.select_for_update().filter(person=duplicate).order_by("pk"))
        for row in (
            *concerns,
            *enquiries,
            *representatives,
            *case_notes,
            *documents,
            *letters,
            *audits,
            *review_adults,
        ):
            _move(row, kept, user, why)
        # Written once and never changed (so no history): only the person they open moves.
        emergency_accesses = EmergencyAccess.objects.filter(person=duplicate).update(person=kept)
        kept.restricted_to.add(*duplicate.restricted_to.all())
        duplicate.restricted_to.clear()
        # Records merged into the duplicate before now point at the record they live on in.
        for earlier in Person.objects.select_for_update().filter(merged_into=duplicate):
            earlier.merged_into = kept
            earlier._history_user = user  # type: ignore[attr-defined]
            earlier._change_reason = why  # type: ignore[attr-defined]
            earlier.save(update_fields=["merged_into"])

        duplicate.merged_into = kept
        duplicate.merged_at = timezone.now()
        duplicate.merged_by = user
        duplicate.merge_reason = reason
        duplicate._history_user = user  # type: ignore[attr-defined]
        duplicate._change_reason = f"Merged into person {kept.pk}"  # type: ignore[attr-defined]
        duplicate.save(update_fields=["merged_into", "merged_at", "merged_by", "merge_reason"])
    result = MergeResult(
        kept, duplicate, len(concerns), len(enquiries), len(representatives), emergency_accesses, taken
    )
    # Ids only: names and reasons stay in the database.
    logger.info(
        "person %s merged into person %s by user %s: %s concerns, %s enquiries, %s representatives, "
        "%s emergency accesses moved; took %s",
        duplicate.pk,
        kept.pk,
        user.pk,
        result.concerns,
        result.enquiries,
        result.representatives,
        result.emergency_accesses,
        ",".join(taken) or "nothing",
    )
    return result
