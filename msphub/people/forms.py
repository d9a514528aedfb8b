from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from msphub.accounts.models import Role, User
from msphub.core import categories
from msphub.core.forms import GovukDateField, GovukForm, plain_text, radio_field
from msphub.core.validators import normalise_nhs_number, normalise_postcode, validate_nhs_number

from .models import (
    AUTISM_CHOICES,
    AUTISM_NOT_KNOWN,
    DeathSource,
    Person,
    Representative,
    clean_emergency_reason,
    validate_emergency_reason,
)
from .services import Comparison, LikelyDuplicate, likely_duplicates


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
    phone = forms.CharField(label="Phone number", max_length=40, required=False)
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

    def duplicates_to_confirm(self, people: QuerySet[Person]) -> list[LikelyDuplicate]:
        """The records in ``people`` that may already be this person, unless the user has ticked
        "this is a different person" (``confirm_new``). Any there are are also an error on the form:
        the new record waits until the user has looked at them."""
        if self.data.get("confirm_new"):
            return []
        duplicates = likely_duplicates(people, **self.duplicate_criteria())
        if duplicates:
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
    phone = forms.CharField(label="Phone number", max_length=40, required=False)
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

    def __init__(self, *args: Any, council_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The safeguarding lead sees every record anyway.
        self.limit_choices(
            "restricted_to", User.casework_staff(council_id).exclude(role=Role.SAFEGUARDING_LEAD)
        )


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
