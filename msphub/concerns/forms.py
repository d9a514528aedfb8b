"""The question pages of the raise-a-concern journey, and the triage forms."""

from datetime import date, datetime
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from msphub.accounts.models import Organisation, User
from msphub.core import categories
from msphub.core.forms import (
    ApproveOrReturnForm,
    GovukDateField,
    GovukForm,
    YesNoField,
    _govuk_messages,
    clean_text,
    plain_text,
    radio_field,
    text_area,
    text_field,
)
from msphub.core.templatetags.govuk_forms import error_anchor
from msphub.core.validators import normalise_postcode, validate_uk_phone

from . import services
from .models import Concern, ContactAttempt, Decision, FirstContact


class JourneyForm(GovukForm):
    """A question of the journey asked after "About you". When the adult raises the concern about
    themselves (``self_referral``), it speaks to them: "you" and "your", not "the adult".

    ``SELF_WORDING`` rewords fields (label, help_text, required: each optional) and ``SELF_MESSAGES``
    the messages the form's own checks give (through ``say``)."""

    SELF_WORDING: ClassVar[dict[str, dict[str, str]]] = {}
    SELF_MESSAGES: ClassVar[dict[str, str]] = {}

    def __init__(self, *args: Any, self_referral: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.self_referral = self_referral
        if not self_referral:
            return
        for name, words in self.SELF_WORDING.items():
            field = self.fields.get(name)
            if field is None:
                continue
            field.label = words.get("label", field.label)
            field.help_text = words.get("help_text", field.help_text)
            if "required" in words:
                field.error_messages["required"] = words["required"]
            _govuk_messages(field)  # the length message names the question as now worded

    def say(self, message: str) -> str:
        """``message`` as the person answering reads it."""
        return self.SELF_MESSAGES.get(message, message) if self.self_referral else message


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
    raiser_kind = radio_field("Who are you?", Concern.RaiserKind.choices, "Select who you are")
    raiser_name = text_field("Your full name", "Enter your full name")
    raiser_role = text_field(
        "Your job title, or your relationship to the adult",
        help_text="For example, district nurse, neighbour, daughter",
    )
    raiser_organisation_name = text_field("Organisation you work for (if any)")
    raiser_phone = text_field("Phone number", max_length=40, validators=[validate_uk_phone])
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
            and "raiser_phone" not in self.errors
        ):
            self.add_error("raiser_phone", "Enter a phone number or an email address so we can contact you")
        return data


class AboutAdultForm(JourneyForm):
    SELF_WORDING: ClassVar[dict[str, dict[str, str]]] = {
        "adult_given_name": {"required": "Enter your first name"},
        "adult_family_name": {"required": "Enter your last name"},
        "adult_date_of_birth": {"label": "Date of birth"},
        "adult_needs": {"label": "What care and support needs do you have?"},
        "adult_communication_needs": {"label": "Do you need help to communicate?"},
    }
    SELF_MESSAGES: ClassVar[dict[str, str]] = {
        "Enter the adult's first name": "Enter your first name",
        "Enter the adult's last name": "Enter your last name",
        "Date of birth must be for an adult (aged 18 or over)": (
            "Date of birth must show you are aged 18 or over"
        ),
    }

    adult_given_name = text_field("First name", "Enter the adult's first name", max_length=100)
    adult_family_name = text_field("Last name", "Enter the adult's last name", max_length=100)
    adult_date_of_birth = GovukDateField(
        label="Date of birth (if you know it)",
        label_for_errors="Date of birth",
        required=False,
        help_text="For example, 27 3 1941",
    )
    adult_address = text_area("Address", max_length=500)
    adult_postcode = text_field("Postcode", max_length=10)
    adult_phone = text_field("Phone number", max_length=40, validators=[validate_uk_phone])
    adult_needs = text_area(
        "What care and support needs does the adult have, if you know?",
        help_text="For example, dementia, a learning disability, help with washing and dressing",
    )
    adult_communication_needs = text_area(
        "Does the adult need help to communicate?",
        max_length=1000,
        help_text="For example, an interpreter, British Sign Language, easy read",
    )

    def clean_adult_given_name(self) -> str:
        return plain_text(self.cleaned_data["adult_given_name"], self.say("Enter the adult's first name"))

    def clean_adult_family_name(self) -> str:
        return plain_text(self.cleaned_data["adult_family_name"], self.say("Enter the adult's last name"))

    def clean_adult_date_of_birth(self) -> date | None:
        dob = self.cleaned_data.get("adult_date_of_birth")
        today = timezone.localdate()
        if dob and (today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))) < 18:
            raise ValidationError(self.say("Date of birth must be for an adult (aged 18 or over)"))
        return dob

    def clean_adult_postcode(self) -> str:
        return normalise_postcode(self.cleaned_data.get("adult_postcode", ""))


class WhatHappenedForm(JourneyForm):
    SELF_WORDING: ClassVar[dict[str, dict[str, str]]] = {
        "what_happened": {
            "help_text": "Say what happened, who was involved and any injuries. Use plain words."
        },
    }

    what_happened = text_area(
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


class RiskTypesForm(JourneyForm):
    risk_types = forms.MultipleChoiceField(
        label="What kind of abuse or neglect is it?",
        choices=categories.RISK_TYPE,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"required": "Select at least one kind of abuse or neglect"},
    )


class WhereForm(JourneyForm):
    location_of_risk = radio_field(
        "Where did it happen?",
        categories.LOCATION_OF_RISK,
        "Select where it happened",
    )
    source_of_risk = radio_field(
        "Who is thought to be causing the harm?",
        [(k, f"{v} ({categories.SOURCE_OF_RISK_HINTS[k].lower()})") for k, v in categories.SOURCE_OF_RISK],
        "Select who is thought to be causing the harm",
    )
    care_provider_name = text_field(
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
    consent = radio_field(
        "Does the adult agree to you raising this concern?",
        Concern.Consent.choices,
        "Select whether the adult agrees to you raising this concern",
    )
    consent_not_given_reason = text_area(
        "If they did not agree, why are you raising it anyway?",
        help_text="Only answer if they did not agree",
    )
    consent_not_sought_reason = radio_field(
        "If they have not been asked, why not?",
        Concern.NotSoughtReason.choices,
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


class WishesForm(JourneyForm):
    """What the adult wants. Raising the concern themselves, they are asked directly: there is no
    question whether someone asked them (``msp_asked`` is then yes)."""

    SELF_WORDING: ClassVar[dict[str, dict[str, str]]] = {
        "wants_to_happen": {"label": "What do you want to happen?", "help_text": "Use your own words"},
        "how_to_happen": {"label": "How would you like it to happen?"},
        "outcomes_wanted": {"label": "What outcomes do you want?"},
    }
    SELF_MESSAGES: ClassVar[dict[str, str]] = {
        "Enter what the adult wants to happen": "Enter what you want to happen",
    }

    msp_asked = YesNoField(
        label="Have you asked the adult what they want to happen?",
        error_messages={"required": "Select yes if you have asked the adult what they want to happen"},
    )
    wants_to_happen = text_area(
        "What does the adult want to happen?", help_text="Use their own words if you can"
    )
    how_to_happen = text_area("How would they like it to happen?")
    outcomes_wanted = text_area(
        "What outcomes do they want?",
        help_text="For example, to feel safe at home, for the abuse to stop, an apology",
    )
    not_asked_reason = text_area(
        "If you have not asked them, why not?",
        help_text="For example, it was not safe to ask, or they could not understand the question",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.self_referral:
            del self.fields["msp_asked"], self.fields["not_asked_reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.self_referral:
            data["msp_asked"] = True
        asked = data.get("msp_asked")
        if asked is True and not clean_text(data.get("wants_to_happen", "")):
            self.add_error("wants_to_happen", self.say("Enter what the adult wants to happen"))
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
    method = radio_field("How did you speak?", FirstContact.Method.choices, "Select how you spoke")
    spoke_with = radio_field(
        "Who did you speak to?",
        FirstContact.SpokeWith.choices,
        "Select who you spoke to",
    )
    representative_name = text_field("Representative's name and relationship (if you spoke to one)")
    wants = text_area(
        "What did they say they want to happen?",
        "Enter what they said they want to happen",
        help_text="Use their own words",
    )
    notes = text_area("Other notes from the conversation", max_length=5000)

    def __init__(self, *args: Any, concern: Concern, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.concern = concern

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("spoke_with") == "representative" and not data.get("representative_name"):
            self.add_error("representative_name", "Enter the name of the representative you spoke to")
        data["contact_at"] = _when(self, "contact_date", "contact_time", "contact_at")
        return data


def _when(form: GovukForm, date_field: str, time_field: str, name: str) -> datetime | None:
    """The moment of a contact (or an attempt) from its date and time boxes, checked against the
    concern (services.contact_time_errors): not before it was received, not in the future. The error
    goes on the date when the day is wrong, else on the time."""
    day, at = form.cleaned_data.get(date_field), form.cleaned_data.get(time_field)
    if not (day and at):
        return None
    concern = form.concern  # type: ignore[attr-defined]
    when = timezone.make_aware(datetime.combine(day, at))
    for message in services.contact_time_errors(concern, when, name).values():
        if name == "attempted_at":
            message = message.replace("conversation", "attempt")
        before_the_day = day < timezone.localdate(concern.received_at)
        form.add_error(date_field if before_the_day and "before" in message else time_field, message)
    return when


class ContactAttemptForm(GovukForm):
    attempt_date = GovukDateField(label="Date of the attempt", label_for_errors="The date")
    attempt_time = forms.TimeField(
        label="Time of the attempt",
        help_text="Use the 24-hour clock, for example 14:30",
        input_formats=["%H:%M", "%H.%M", "%H%M"],
        error_messages={
            "required": "Enter the time of the attempt",
            "invalid": "Enter a real time, like 09:30 or 14:30",
        },
    )
    method = radio_field(
        "How did you try to reach them?", ContactAttempt.Method.choices, "Select how you tried to reach them"
    )
    outcome = radio_field("What happened?", ContactAttempt.Outcome.choices, "Select what happened")
    notes = text_area("Notes", help_text="For example, the number you called, or a message left")

    def __init__(self, *args: Any, concern: Concern, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.concern = concern

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["attempted_at"] = _when(self, "attempt_date", "attempt_time", "attempted_at")
        return data


class ContactInErrorForm(GovukForm):
    reason = text_area(
        "Why was this conversation entered in error?",
        "Enter why this conversation was entered in error",
        help_text="For example, it was recorded on the wrong concern, or with the wrong date",
    )

    def clean_reason(self) -> str:
        return clean_text(self.cleaned_data["reason"])


# --- Corrections: set aside, transfer, abuse in another area ---------------------------------------


class SetAsideForm(GovukForm):
    kind = radio_field(
        "Why is this concern being set aside?",
        [
            (Concern.SetAside.ERROR, "It was entered in error"),
            (Concern.SetAside.DUPLICATE, "It is a duplicate of another concern"),
        ],
        "Select whether the concern was entered in error or is a duplicate",
    )
    duplicate_of = text_field(
        "If it is a duplicate, the reference of the original concern",
        max_length=20,
        help_text="For example, CON-2026-000123",
    )
    reason = text_area(
        "Reason",
        "Enter why the concern is being set aside",
        help_text="This is kept in the record and shown wherever the concern is listed",
    )

    def __init__(self, *args: Any, concern: Concern, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.concern, self.user = concern, user

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["reason"] = clean_text(data.get("reason", ""))
        data["original"] = None
        if data.get("kind") == Concern.SetAside.DUPLICATE:
            reference = (data.get("duplicate_of") or "").strip()
            if not reference:
                self.add_error("duplicate_of", "Enter the reference of the concern this one duplicates")
            else:
                original = services.find_original(self.concern, self.user, reference)
                if original is None:
                    self.add_error("duplicate_of", f"There is no concern {reference.upper()} in this council")
                data["original"] = original
        return data


class OtherAreaForm(GovukForm):
    other_area = text_field(
        "Which council area did the abuse occur in?",
        "Enter the council area where the abuse occurred",
        help_text="A council outside this system, for example Westshire County Council. The concern is then "
        "left out of this council's return.",
    )

    def clean_other_area(self) -> str:
        return plain_text(self.cleaned_data["other_area"], "Enter the council area where the abuse occurred")


class TransferForm(GovukForm):
    to_council = forms.ModelChoiceField(
        label="Which council should it go to?",
        queryset=Organisation.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the council where the abuse occurred"},
        help_text="The council for the place where the abuse or neglect occurred",
    )
    reason = text_area(
        "Why should it be transferred?",
        "Enter why the concern should be transferred",
        help_text="For example, where the adult lives and where the abuse happened",
    )

    def __init__(self, *args: Any, concern: Concern, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("to_council", services.transfer_councils(concern))


class TransferDecisionForm(ApproveOrReturnForm):
    action = radio_field(
        "Will your council take this concern?",
        [("approve", "Yes, accept the transfer"), ("return", "No, decline it")],
        "Select whether your council will take the concern",
    )
    returned_comment = text_area("If you are declining it, why?")
    why_returned = "Enter why the transfer is being declined"


class NoteForm(GovukForm):
    text = text_area(
        "Information gathered",
        "Enter the information gathered",
        max_length=5000,
        help_text="For example, checks with the GP, police or care provider, and what they said",
    )


class DecisionForm(GovukForm):
    outcome = radio_field("Decision", Decision.Outcome.choices, "Select the decision")
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
    other_enquiry_reason = text_area("For an other safeguarding enquiry: why is it proportionate?")
    lead_practitioner = forms.ModelChoiceField(
        label="For an enquiry: who will lead it?",
        queryset=User.objects.none(),
        required=False,
        empty_label="Choose a practitioner",
    )
    pathway = radio_field("For no enquiry: what will happen instead?", categories.Pathway.choices)
    referred_agency = forms.ChoiceField(
        label="If referred to another agency, which one?",
        choices=[("", "Choose an agency"), *categories.ReferredAgency.choices],
        required=False,
    )
    no_further_action_reason = text_area("If no further action, why?")
    rationale = text_area(
        "Reasons for the decision",
        "Enter the reasons for the decision",
        max_length=5000,
        help_text="Include what the adult wants and how that shaped the decision",
    )

    def __init__(self, *args: Any, concern: Concern, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.concern = concern
        self.limit_choices("lead_practitioner", User.casework_staff(concern.council_id))
        # Errors about the form as a whole, each with where it is put right (the summary's link).
        self.links: dict[str, str] = {}
        self.criteria_error = ""

    def clean(self) -> dict[str, Any]:
        """Everything wrong in one go, as GOV.UK asks: the answers' own errors, the decision rules
        (``services.validate_decision``) on the answers there are, and what the concern still lacks
        (``services.decision_blockers``)."""
        data = super().clean()
        reference = self.concern.reference
        for message in services.decision_blockers(self.concern):
            self.add_error(None, message)
            page = "link_person" if message == services.NOT_LINKED else "safety_action"
            self.links[message] = reverse(f"concerns:{page}", args=[reference])
        for name, message in services.validate_decision(data, self.concern.council_id).items():
            if name == "criteria":
                # The three criteria are one question on the page: the error goes to its first box.
                self.criteria_error = message
                self.add_error(None, message)
                self.links[message] = "#id_criterion_care_needs"
            elif name not in self.errors:  # a field already in error has its own message
                self.add_error(name, message)
        return data

    def summary(self) -> list[tuple[str, str]]:
        """The error summary: (message, link) in the order of the page, with what the concern lacks
        first and the criteria after the decision they belong to."""
        messages = [str(m) for m in self.non_field_errors()]
        first = [(m, self.links.get(m, "")) for m in messages if m != self.criteria_error]
        rows: list[tuple[str, str]] = []
        for field in self:
            rows += [(str(message), f"#{error_anchor(field)}") for message in field.errors]
            if field.name == "outcome" and self.criteria_error:
                rows.append((self.criteria_error, self.links[self.criteria_error]))
        return first + rows


class SafetyActionForm(GovukForm):
    safety_action = text_area(
        "What has been done to keep the adult safe?",
        "Enter the safety action taken",
        max_length=5000,
        help_text="For example, the police were called, the adult is staying with their daughter, the "
        "carer was suspended, a protection plan was agreed. Say who did it and when.",
    )

    def clean_safety_action(self) -> str:
        return clean_text(self.cleaned_data["safety_action"])


class SignOffForm(ApproveOrReturnForm):
    action = radio_field(
        "Do you agree with this decision?",
        [("approve", "Yes, sign it off"), ("return", "No, return it to the practitioner")],
        "Select whether you agree with the decision",
    )
    why_returned = "Enter why the decision is being returned"


# --- The referrer's loop ---------------------------------------------------------------------------


class InformationForm(GovukForm):
    """The referrer adds information to a concern their agency raised."""

    text = text_area(
        "Information to add",
        "Enter the information you want to add",
        max_length=5000,
        help_text="For example, something the adult or their family has told you since, or a change in "
        "the risk. If something new has happened, raise a new concern as well.",
    )

    def clean_text(self) -> str:
        text = clean_text(self.cleaned_data["text"])
        if not text:
            raise ValidationError("Enter the information you want to add")
        return text


class ReferrerOutcomeForm(GovukForm):
    """What the referrer is told about the outcome, written for them by the council."""

    outcome_for_referrer = text_area(
        "What the referrer is told about the outcome",
        max_length=2000,
        help_text="The referrer reads this on their page of the concern. Write what they need to know and "
        "may be told: no reasons for the decision, nothing about the adult they did not tell you, and "
        "nothing the adult has not agreed to share. Leave it empty to show the standard sentence.",
    )

    def clean_outcome_for_referrer(self) -> str:
        return clean_text(self.cleaned_data["outcome_for_referrer"])


class StatusLookupForm(GovukForm):
    """The public status page: the reference and the contact given when the concern was raised."""

    reference = text_field(
        "Reference number",
        "Enter the reference number",
        max_length=40,
        help_text="It starts with CON, for example CON-2026-000123. It was on the page you saw when you "
        "sent the concern.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    contact = text_field(
        "Email address or phone number",
        "Enter the email address or phone number you gave when you raised the concern",
        max_length=254,
        help_text="The one you gave when you raised the concern. We will send a code to it.",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )

    def clean_reference(self) -> str:
        reference = services.normalise_reference(self.cleaned_data["reference"])
        if not reference:
            raise ValidationError("Enter the reference number")
        return reference

    def clean_contact(self) -> str:
        contact = clean_text(self.cleaned_data["contact"])
        if "@" not in contact and not any(ch.isdigit() for ch in contact):
            raise ValidationError("Enter an email address or a phone number")
        return contact


class StatusCodeForm(GovukForm):
    code = text_field(
        "Code",
        "Enter the code we sent you",
        max_length=20,
        help_text="The 6 numbers in the email or text message.",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        digits = "".join(ch for ch in self.cleaned_data["code"] if ch.isascii() and ch.isdigit())
        if len(digits) != 6:
            raise ValidationError("The code is 6 numbers")
        return digits
