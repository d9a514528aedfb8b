"""People's records: creating and changing them, who may see a restricted one, finding people
(search), and likely duplicates before a new record is created. Each write is one transaction."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from msphub.accounts.models import User
from msphub.core.validators import normalise_nhs_number, normalise_postcode

from .models import Person, Representative


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
