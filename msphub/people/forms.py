import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from msphub.accounts.models import Role, User
from msphub.core import categories
from msphub.core.forms import MIN_YEAR, GovukDateField, GovukForm, YesNoField, plain_text, radio_field
from msphub.core.validators import (
    normalise_nhs_number,
    normalise_postcode,
    validate_nhs_number,
    validate_uk_phone,
)

from .models import (
    AUTISM_CHOICES,
    AUTISM_NOT_KNOWN,
    DeathSource,
    Person,
    Representative,
    clean_emergency_reason,
    validate_emergency_reason,
)
from .services import (
    Comparison,
    LikelyDuplicate,
    LockedOut,
    likely_duplicates,
    locked_out_key,
    restricted_duplicates,
)


def _nhs(value: str) -> str:
    value = normalise_nhs_number(value)
    if value:
        validate_nhs_number(value)
    return value


class PersonSearchForm(GovukForm):
    name = forms.CharField(label="Name", max_length=200, required=False)
    date_of_birth = GovukDateField(label="Date of birth", label_for_errors="Date of birth", required=False)
    nhs_number = forms.CharField(label="NHS number", max_length=20, required=False)
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)

    def clean_nhs_number(self) -> str:
        return _nhs(self.cleaned_data.get("nhs_number", ""))

    def clean_postcode(self) -> str:
        return normalise_postcode(self.cleaned_data.get("postcode", ""))

    def has_criteria(self) -> bool:
        return any(self.cleaned_data.get(k) for k in self.fields)


# --- The header's search box -----------------------------------------------------------------------

# A concern's or an enquiry's reference, as core.models.ReferenceSequence issues them.
REFERENCE_RE = re.compile(r"(CON|ENQ)-[0-9]{4}-[0-9]{6}")
REFERENCE_PREFIX_RE = re.compile(r"(CON|ENQ)-", re.IGNORECASE)
WRONG_REFERENCE = "Enter a reference in the format CON-2026-000123 or ENQ-2026-000045"
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
# 17/5/1938, 17-05-1938, 17.5.1938, 17 5 1938, 17 May 1938, 1938-05-17.
DAY_FIRST_RE = re.compile(r"([0-9]{1,2})\s*[/.\- ]\s*([0-9]{1,2}|[a-z]+)\s*[/.\- ]\s*([0-9]{4})")
ISO_DATE_RE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")


def reference_in(text: str) -> str:
    """The reference ``text`` is (trimmed, any case), in capitals, or "" when it is not one."""
    value = (text or "").strip().upper()
    return value if REFERENCE_RE.fullmatch(value) else ""


def _date_typed(text: str) -> date | None:
    """The date ``text`` is written as, or None when it does not look like a date at all. Raises a
    ValidationError for something that looks like a date but is not a real one (31/2/1950)."""
    value = text.strip().lower()
    day_first, iso = DAY_FIRST_RE.fullmatch(value), ISO_DATE_RE.fullmatch(value)
    if day_first:
        day, month_text, year = day_first.groups()
        month = int(month_text) if month_text.isdigit() else MONTHS.get(month_text)
        if month is None:
            return None
    elif iso:
        year, month_text, day = iso.groups()
        month = int(month_text)
    else:
        return None
    try:
        found = date(int(year), month, int(day))
    except ValueError as exc:
        raise ValidationError("Date of birth must be a real date") from exc
    if found.year < MIN_YEAR:
        raise ValidationError(f"Date of birth must be after {MIN_YEAR}")
    if found > timezone.localdate():
        raise ValidationError("Date of birth must be today or in the past")
    return found


@dataclass(frozen=True)
class Lookup:
    """What was typed in the search box: a reference to go to, or the people search's criteria
    (a name, a date of birth or an NHS number)."""

    reference: str = ""
    criteria: dict[str, Any] = field(default_factory=dict)


class HeaderSearchForm(GovukForm):
    """One box: a concern's or enquiry's reference, or a person's name, date of birth or NHS
    number. ``cleaned_data["q"]`` is a ``Lookup``."""

    q = forms.CharField(
        label="Search by reference, name, date of birth or NHS number",
        max_length=200,
        error_messages={"required": "Enter a reference, name, date of birth or NHS number"},
    )

    def clean_q(self) -> Lookup:
        text = self.cleaned_data["q"].strip()
        if reference := reference_in(text):
            return Lookup(reference=reference)
        if REFERENCE_PREFIX_RE.match(text):
            raise ValidationError(WRONG_REFERENCE)
        digits = normalise_nhs_number(text)
        if re.fullmatch(r"[0-9]{10}", digits):
            validate_nhs_number(digits)
            return Lookup(criteria={"nhs_number": digits})
        if born := _date_typed(text):
            return Lookup(criteria={"date_of_birth": born})
        name = plain_text(text, "Enter a reference, name, date of birth or NHS number")
        return Lookup(criteria={"name": name})


class PersonForm(GovukForm):
    given_name = forms.CharField(
        label="First name", max_length=100, error_messages={"required": "Enter the first name"}
    )
    family_name = forms.CharField(
        label="Last name", max_length=100, error_messages={"required": "Enter the last name"}
    )
    preferred_name = forms.CharField(
        label="Preferred name",
        max_length=100,
        required=False,
        help_text="What the person likes to be called",
    )
    date_of_birth = GovukDateField(
        label="Date of birth",
        label_for_errors="Date of birth",
        required=False,
        help_text="For example, 27 3 1941",
    )
    nhs_number = forms.CharField(
        label="NHS number", max_length=20, required=False, help_text="10 digits, like 943 476 5919"
    )
    gender = forms.ChoiceField(label="Gender", choices=categories.GENDER, initial="Not Known")
    ethnicity = forms.ChoiceField(
        label="Ethnicity", choices=categories.ETHNICITY, initial="Undeclared / Not Known"
    )
    primary_support_reason = forms.ChoiceField(
        label="Primary support reason",
        choices=categories.PRIMARY_SUPPORT_REASON,
        initial="Not Known",
    )
    autism = radio_field(
        "Does the council's record say the person has autism or Asperger's syndrome?",
        AUTISM_CHOICES,
        initial=AUTISM_NOT_KNOWN,
        help_text="As recorded by the council, for the national return (SG1e)",
    )
    address = forms.CharField(label="Address", max_length=500, required=False, widget=forms.Textarea)
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    phone = forms.CharField(
        label="Phone number", max_length=40, required=False, validators=[validate_uk_phone]
    )
    communication_needs = forms.CharField(
        label="Communication needs",
        max_length=2000,
        required=False,
        widget=forms.Textarea,
        help_text="For example, an interpreter, British Sign Language, easy read, hearing loop",
    )
    date_of_death = GovukDateField(
        label="Date of death",
        label_for_errors="Date of death",
        required=False,
        help_text="Only if the person has died. For example, 27 3 2026",
    )
    date_of_death_source = radio_field(
        "Where did the date of death come from?",
        DeathSource.choices,
        help_text="Only if you have entered a date of death",
    )

    def clean_given_name(self) -> str:
        return plain_text(self.cleaned_data["given_name"], "Enter the first name")

    def clean_family_name(self) -> str:
        return plain_text(self.cleaned_data["family_name"], "Enter the last name")

    def clean_preferred_name(self) -> str:
        return plain_text(self.cleaned_data.get("preferred_name", ""))

    def clean_nhs_number(self) -> str:
        return _nhs(self.cleaned_data.get("nhs_number", ""))

    def clean_postcode(self) -> str:
        return normalise_postcode(self.cleaned_data.get("postcode", ""))

    def clean_date_of_birth(self) -> date | None:
        dob = self.cleaned_data.get("date_of_birth")
        if dob and dob.year < 1900:
            raise ValidationError("Date of birth must be after 1900")
        return dob

    def clean_autism(self) -> str:
        # Not answered (a form posted without the question) is Not known.
        return self.cleaned_data.get("autism") or AUTISM_NOT_KNOWN

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        death, birth = data.get("date_of_death"), data.get("date_of_birth")
        source = data.get("date_of_death_source", "")
        if death and birth and death < birth:
            self.add_error("date_of_death", "Date of death must be the same as or after the date of birth")
        if death and not source:
            self.add_error("date_of_death_source", "Select where the date of death came from")
        if source and not death and "date_of_death" not in self.errors:
            self.add_error("date_of_death", "Enter the date of death, or do not say where it came from")
        return data

    def duplicate_criteria(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "given_name": data["given_name"],
            "family_name": data["family_name"],
            "date_of_birth": data.get("date_of_birth"),
            "nhs_number": data.get("nhs_number", ""),
            "postcode": data.get("postcode", ""),
        }

    # The restricted records (the user may not see) that may be this person: shown as the
    # restricted hint by people/includes/duplicates.html.
    restricted_duplicates: list[UUID] = []

    def duplicates_to_confirm(
        self, people: QuerySet[Person], user: User | None = None
    ) -> list[LikelyDuplicate]:
        """The records in ``people`` that may already be this person, unless the user has ticked
        "this is a different person" (``confirm_new``). Any there are are also an error on the form:
        the new record waits until the user has looked at them. Given the ``user``, a restricted
        record of their council they may not see that may be this person (``restricted_duplicates``)
        is an error too: the view creates the record only when the form has no errors."""
        if self.data.get("confirm_new"):
            return []
        duplicates = likely_duplicates(people, **self.duplicate_criteria())
        if user is not None:
            self.restricted_duplicates = restricted_duplicates(user, self.duplicate_criteria())
        if duplicates or self.restricted_duplicates:
            self.add_error(
                None,
                "This person may already have a record. Check the records below "
                "or confirm that this is a different person.",
            )
        return duplicates


class RepresentativeForm(GovukForm):
    name = forms.CharField(label="Name", max_length=200, error_messages={"required": "Enter the name"})
    kind = radio_field(
        "Type of representative",
        Representative.Kind.choices,
        "Select the type of representative",
    )
    relationship = forms.CharField(
        label="Relationship to the person",
        max_length=100,
        required=False,
        help_text="For example, daughter, neighbour, IMCA",
    )
    phone = forms.CharField(
        label="Phone number", max_length=40, required=False, validators=[validate_uk_phone]
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"},
    )
    address = forms.CharField(label="Address", max_length=500, required=False, widget=forms.Textarea)

    def clean_name(self) -> str:
        return plain_text(self.cleaned_data["name"], "Enter the name")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("phone") or data.get("email") or data.get("address")) and not self.errors:
            self.add_error("phone", "Enter at least one way to contact the representative")
        return data


class RestrictionForm(GovukForm):
    """The lead restricts a record and names who else may still see it. When that would take the
    record away from someone working on it now (``locked_out``: a lead practitioner of an open
    enquiry, the practitioner an open concern is with), the form says who and waits for the lead to
    confirm (``confirm_lock_out``) before it is saved."""

    restricted = forms.BooleanField(
        label="Restrict this record",
        required=False,
        help_text="For example when the person works for the council or is known to staff. Only the "
        "people named below and the safeguarding lead will be able to see the person and their concerns.",
    )
    restricted_to = forms.ModelMultipleChoiceField(
        label="Who else may see it",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    confirm_lock_out = YesNoField(
        label="Do you want to remove their access?",
        required=False,
        help_text="Select no to go back and name them below, so they keep access.",
    )

    def __init__(self, *args: Any, council_id: int, locked_out: Any = None, **kwargs: Any) -> None:
        """``locked_out(restricted, named) -> list[LockedOut]``: who the answers would lock out."""
        super().__init__(*args, **kwargs)
        self.locked_out_by = locked_out
        self.locked_out: list[LockedOut] = []
        # The safeguarding lead sees every record anyway.
        self.limit_choices(
            "restricted_to", User.casework_staff(council_id).exclude(role=Role.SAFEGUARDING_LEAD)
        )

    @property
    def lock_out_key(self) -> str:
        """The list shown, sent back with the answer (``lock_out_seen``)."""
        return locked_out_key(self.locked_out)

    @property
    def asks_to_confirm(self) -> bool:
        """The confirmation question is shown only once the answers would lock someone out."""
        return bool(self.locked_out)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.locked_out_by is None or self.errors:
            return data
        self.locked_out = self.locked_out_by(
            bool(data.get("restricted")), list(data.get("restricted_to") or [])
        )
        if not self.locked_out:
            return data
        confirmed = data.get("confirm_lock_out")
        if confirmed and self.data.get("lock_out_seen") != self.lock_out_key:
            # Someone was given work on the record since the list was shown: show it again.
            self.add_error(
                "confirm_lock_out",
                "The people who will lose access have changed: check the list and answer again",
            )
        elif confirmed is None:
            self.add_error(
                "confirm_lock_out",
                "Select yes to remove their access, or no to name them so they keep it",
            )
        elif not confirmed:
            self.add_error(
                "restricted_to",
                "Select the people who should keep access, or select yes to remove their access",
            )
        return data


class EmergencyAccessForm(GovukForm):
    reason = forms.CharField(
        label="Why do you need to see this record now?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For example, the adult is at the front desk asking for help, or the police need "
        "to know today whether there is an open enquiry. Your safeguarding lead will read this.",
        error_messages={"required": "Enter why you need to see this record"},
    )

    def clean_reason(self) -> str:
        validate_emergency_reason(self.cleaned_data["reason"])
        return clean_emergency_reason(self.cleaned_data["reason"])


class MergeForm(GovukForm):
    """Confirming a merge: which of the duplicate's details the kept record takes (only those that
    differ are offered, none ticked to start with), and why the two records are one person."""

    take = forms.MultipleChoiceField(
        label="Which of the duplicate's details should the kept record take?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave a detail unticked to keep the kept record's own (even when it is blank). "
        "The duplicate keeps its details either way.",
    )
    reason = forms.CharField(
        label="Why are these records the same person?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, the same NHS number and date of birth, and the GP confirmed it",
        error_messages={"required": "Enter why these records are the same person"},
    )

    def __init__(self, *args: Any, differences: list[Comparison], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["take"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (d.key, f"{d.label}: {d.duplicate or 'blank'} (instead of {d.kept or 'blank'})")
            for d in differences
        ]

    def clean_reason(self) -> str:
        return plain_text(self.cleaned_data["reason"], "Enter why these records are the same person")
