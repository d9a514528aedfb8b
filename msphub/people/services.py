"""People's records: creating and changing them, who may see a restricted one (and break-glass
emergency access to one), finding people (search), and likely duplicates before a new record is
created. Each write is one transaction."""

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

from msphub.accounts.models import Role, User
from msphub.core.models import AccessLog
from msphub.core.validators import normalise_nhs_number, normalise_postcode

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
    if user.council_id is None:
        return []
    hidden = Person.objects.filter(council_id=user.council_id, restricted=True).exclude(
        pk__in=Person.objects.for_user(user).values("pk")
    )
    return list(search(hidden, **criteria).values_list("uuid", flat=True)[:RESTRICTED_MATCHES_SHOWN])


def emergency_access_candidates(user: User) -> QuerySet[Person]:
    """The records a user may ask emergency access to: their own council's restricted records
    (the view sends anyone who can see the record already straight to it)."""
    if user.council_id is None:
        return Person.objects.none()
    return Person.objects.filter(council_id=user.council_id, restricted=True)


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
    """People matching every criterion given; each word of a name may match any name field."""
    qs = people
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
