"""The question pages of the raise-a-concern journey, and the triage forms."""

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from msphub.accounts.models import Organisation, User
from msphub.core import categories
from msphub.core.forms import GovukDateField, GovukForm, YesNoField, clean_text, plain_text
from msphub.core.validators import normalise_postcode

from .models import Concern, Decision, FirstContact


def _text(label: str, required_message: str | None = None, max_length: int = 200, **kw: Any):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required_message is not None,
        error_messages={"required": required_message} if required_message else {},
        **kw,
    )


def _area(label: str, required_message: str | None = None, max_length: int = 2000, **kw: Any):
    return _text(label, required_message, max_length, widget=forms.Textarea, **kw)


class CouncilForm(GovukForm):
    council = forms.ModelChoiceField(
        label="Which council area did this happen in?",
        queryset=Organisation.objects.filter(kind=Organisation.Kind.COUNCIL),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the council area where this happened"},
        help_text="The council for the place where the abuse or neglect happened looks into it.",
    )


class ImmediateDangerForm(GovukForm):
    immediate_danger = YesNoField(
        label="Is the adult in immediate danger?",
        error_messages={"required": "Select yes if the adult is in immediate danger"},
    )


class AboutYouForm(GovukForm):
    raiser_kind = forms.ChoiceField(
        label="Who are you?",
        choices=Concern.RaiserKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who you are"},
    )
    raiser_name = _text("Your full name", "Enter your full name")
    raiser_role = _text(
        "Your job title, or your relationship to the adult",
        help_text="For example, district nurse, neighbour, daughter",
    )
    raiser_organisation_name = _text("Organisation you work for (if any)")
    raiser_phone = _text("Phone number", max_length=40)
    raiser_email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=254,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"},
    )

    def __init__(self, *args: Any, fixed_kind: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fixed_kind:
            # Staff and partner accounts raise concerns as professionals.
            del self.fields["raiser_kind"]
        self.fields["raiser_name"].widget.attrs["autocomplete"] = "name"
        self.fields["raiser_phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["raiser_email"].widget.attrs["autocomplete"] = "email"

    def clean_raiser_name(self) -> str:
        return plain_text(self.cleaned_data["raiser_name"], "Enter your full name")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (
            not data.get("raiser_phone")
            and not data.get("raiser_email")
            and "raiser_email" not in self.errors
        ):
            self.add_error("raiser_phone", "Enter a phone number or an email address so we can contact you")
        return data


class AboutAdultForm(GovukForm):
    adult_given_name = _text("First name", "Enter the adult's first name", max_length=100)
    adult_family_name = _text("Last name", "Enter the adult's last name", max_length=100)
    adult_date_of_birth = GovukDateField(
        label="Date of birth (if you know it)",
        label_for_errors="Date of birth",
        required=False,
        help_text="For example, 27 3 1941",
    )
    adult_address = _area("Address", max_length=500)
    adult_postcode = _text("Postcode", max_length=10)
    adult_phone = _text("Phone number", max_length=40)
    adult_needs = _area(
        "What care and support needs does the adult have, if you know?",
        help_text="For example, dementia, a learning disability, help with washing and dressing",
    )
    adult_communication_needs = _area(
        "Does the adult need help to communicate?",
        max_length=1000,
        help_text="For example, an interpreter, British Sign Language, easy read",
    )

    def clean_adult_given_name(self) -> str:
        return plain_text(self.cleaned_data["adult_given_name"], "Enter the adult's first name")

    def clean_adult_family_name(self) -> str:
        return plain_text(self.cleaned_data["adult_family_name"], "Enter the adult's last name")

    def clean_adult_date_of_birth(self) -> date | None:
        dob = self.cleaned_data.get("adult_date_of_birth")
        today = timezone.localdate()
        if dob and (today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))) < 18:
            raise ValidationError("Date of birth must be for an adult (aged 18 or over)")
        return dob

    def clean_adult_postcode(self) -> str:
        return normalise_postcode(self.cleaned_data.get("adult_postcode", ""))


class WhatHappenedForm(GovukForm):
    what_happened = _area(
        "What has happened?",
        "Enter what has happened",
        max_length=5000,
        help_text="Say what you saw or were told, who was involved and any injuries. Use plain words.",
    )
    happened_on = GovukDateField(
        label="When did it happen? (if you know)",
        label_for_errors="The date it happened",
        required=False,
        help_text="If it happened over a period, give the most recent date. For example, 12 11 2026",
    )
    still_happening = forms.BooleanField(label="It is still happening", required=False)

    def clean_what_happened(self) -> str:
        return clean_text(self.cleaned_data["what_happened"])


class RiskTypesForm(GovukForm):
    risk_types = forms.MultipleChoiceField(
        label="What kind of abuse or neglect is it?",
        choices=categories.RISK_TYPE,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"required": "Select at least one kind of abuse or neglect"},
    )


class WhereForm(GovukForm):
    location_of_risk = forms.ChoiceField(
        label="Where did it happen?",
        choices=categories.LOCATION_OF_RISK,
        widget=forms.RadioSelect,
        error_messages={"required": "Select where it happened"},
    )
    source_of_risk = forms.ChoiceField(
        label="Who is thought to be causing the harm?",
        choices=[
            (k, f"{v} ({categories.SOURCE_OF_RISK_HINTS[k].lower()})") for k, v in categories.SOURCE_OF_RISK
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select who is thought to be causing the harm"},
    )
    care_provider_name = _text(
        "Name of the care provider involved (if any)",
        help_text="For example, the care home or home care agency",
    )

    def clean_care_provider_name(self) -> str:
        return plain_text(self.cleaned_data.get("care_provider_name", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("source_of_risk") == "Service Provider" and not data.get("care_provider_name"):
            self.add_error(
                "care_provider_name",
                "Enter the name of the care provider thought to be causing the harm",
            )
        return data


class ConsentForm(GovukForm):
    consent = forms.ChoiceField(
        label="Does the adult agree to you raising this concern?",
        choices=Concern.Consent.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the adult agrees to you raising this concern"},
    )
    consent_not_given_reason = _area(
        "If they did not agree, why are you raising it anyway?",
        help_text="Only answer if they did not agree",
    )
    consent_not_sought_reason = forms.ChoiceField(
        label="If they have not been asked, why not?",
        choices=Concern.NotSoughtReason.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text="Only answer if they have not been asked",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        consent = data.get("consent")
        if consent == Concern.Consent.NOT_GIVEN and not clean_text(data.get("consent_not_given_reason", "")):
            self.add_error(
                "consent_not_given_reason",
                "Enter why you are raising the concern without their agreement",
            )
        if consent == Concern.Consent.NOT_SOUGHT and not data.get("consent_not_sought_reason"):
            self.add_error("consent_not_sought_reason", "Select why the adult has not been asked")
        if consent != Concern.Consent.NOT_GIVEN:
            data["consent_not_given_reason"] = ""
        if consent != Concern.Consent.NOT_SOUGHT:
            data["consent_not_sought_reason"] = ""
        return data


class WishesForm(GovukForm):
    msp_asked = YesNoField(
        label="Have you asked the adult what they want to happen?",
        error_messages={"required": "Select yes if you have asked the adult what they want to happen"},
    )
    wants_to_happen = _area("What does the adult want to happen?", help_text="Use their own words if you can")
    how_to_happen = _area("How would they like it to happen?")
    outcomes_wanted = _area(
        "What outcomes do they want?",
        help_text="For example, to feel safe at home, for the abuse to stop, an apology",
    )
    not_asked_reason = _area(
        "If you have not asked them, why not?",
        help_text="For example, it was not safe to ask, or they could not understand the question",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        asked = data.get("msp_asked")
        if asked is True and not clean_text(data.get("wants_to_happen", "")):
            self.add_error("wants_to_happen", "Enter what the adult wants to happen")
        if asked is False and not clean_text(data.get("not_asked_reason", "")):
            self.add_error("not_asked_reason", "Enter why you have not asked the adult what they want")
        if asked is True:
            data["not_asked_reason"] = ""
        elif asked is False:
            data["wants_to_happen"] = data["how_to_happen"] = data["outcomes_wanted"] = ""
        return data


# --- Triage ---------------------------------------------------------------------------------


class FirstContactForm(GovukForm):
    contact_date = GovukDateField(label="Date of the conversation", label_for_errors="The date")
    contact_time = forms.TimeField(
        label="Time of the conversation",
        help_text="Use the 24-hour clock, for example 14:30",
        input_formats=["%H:%M", "%H.%M", "%H%M"],
        error_messages={
            "required": "Enter the time of the conversation",
            "invalid": "Enter a real time, like 09:30 or 14:30",
        },
    )
    method = forms.ChoiceField(
        label="How did you speak?",
        choices=FirstContact.Method.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how you spoke"},
    )
    spoke_with = forms.ChoiceField(
        label="Who did you speak to?",
        choices=FirstContact.SpokeWith.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who you spoke to"},
    )
    representative_name = _text("Representative's name and relationship (if you spoke to one)")
    wants = _area(
        "What did they say they want to happen?",
        "Enter what they said they want to happen",
        help_text="Use their own words",
    )
    notes = _area("Other notes from the conversation", max_length=5000)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("spoke_with") == "representative" and not data.get("representative_name"):
            self.add_error("representative_name", "Enter the name of the representative you spoke to")
        if data.get("contact_date") and data.get("contact_time"):
            when = timezone.make_aware(datetime.combine(data["contact_date"], data["contact_time"]))
            if when > timezone.now():
                self.add_error("contact_time", "The conversation must be in the past")
            data["contact_at"] = when
        return data


class NoteForm(GovukForm):
    text = _area(
        "Information gathered",
        "Enter the information gathered",
        max_length=5000,
        help_text="For example, checks with the GP, police or care provider, and what they said",
    )


class DecisionForm(GovukForm):
    outcome = forms.ChoiceField(
        label="Decision",
        choices=Decision.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the decision"},
    )
    criterion_care_needs = forms.BooleanField(
        label="The adult has needs for care and support (whether or not the council is meeting them)",
        required=False,
    )
    criterion_abuse_risk = forms.BooleanField(
        label="The adult is experiencing, or is at risk of, abuse or neglect", required=False
    )
    criterion_cannot_protect = forms.BooleanField(
        label="As a result of those needs, the adult is unable to protect themselves",
        required=False,
    )
    other_enquiry_reason = _area("For an other safeguarding enquiry: why is it proportionate?")
    lead_practitioner = forms.ModelChoiceField(
        label="For an enquiry: who will lead it?",
        queryset=User.objects.none(),
        required=False,
        empty_label="Choose a practitioner",
    )
    pathway = forms.ChoiceField(
        label="For no enquiry: what will happen instead?",
        choices=categories.Pathway.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    referred_agency = forms.ChoiceField(
        label="If referred to another agency, which one?",
        choices=[("", "Choose an agency"), *categories.ReferredAgency.choices],
        required=False,
    )
    no_further_action_reason = _area("If no further action, why?")
    rationale = _area(
        "Reasons for the decision",
        "Enter the reasons for the decision",
        max_length=5000,
        help_text="Include what the adult wants and how that shaped the decision",
    )

    def __init__(self, *args: Any, council_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("lead_practitioner", User.casework_staff(council_id))


class SignOffForm(GovukForm):
    action = forms.ChoiceField(
        label="Do you agree with this decision?",
        choices=[("approve", "Yes, sign it off"), ("return", "No, return it to the practitioner")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you agree with the decision"},
    )
    returned_comment = _area("If you are returning it, why?")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "return" and not clean_text(data.get("returned_comment", "")):
            self.add_error("returned_comment", "Enter why the decision is being returned")
        return data
