"""Forms for the enquiry record. Every question is worded as a practitioner would ask it."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from msphub.accounts.models import Organisation, User
from msphub.core import categories
from msphub.core.forms import (
    ApproveOrReturnForm,
    GovukDateField,
    GovukForm,
    YesNoField,
    clean_text,
    radio_field,
    text_area,
    text_field,
)

from . import services
from .models import (
    AdvocacyReferral,
    AllegedPerson,
    CapacityAssessment,
    DesiredOutcome,
    Enquiry,
    EnquiryResponse,
    Feedback,
    Involvement,
    PlanAction,
)


class TextCleaningForm(GovukForm):
    """Trims free text so that only spaces count as not given."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name, value in list(data.items()):
            if isinstance(value, str):
                data[name] = clean_text(value)
        for name, field in self.fields.items():
            if field.required and isinstance(field, forms.CharField) and name in data and not data[name]:
                self.add_error(name, field.error_messages["required"])
        return data


class EnquiryDetailsForm(GovukForm):
    lead_practitioner = forms.ModelChoiceField(
        label="Lead practitioner",
        queryset=User.objects.none(),
        error_messages={
            "required": "Select the lead practitioner",
            # Someone not offered: another team's (a team manager allocates within their team).
            "invalid_choice": services.NOT_IN_YOUR_TEAM,
        },
    )
    making_organisation = forms.ModelChoiceField(
        label="Is a partner making the enquiry on the council's behalf?",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="No, the council is making it",
        help_text="For example a mental health trust or a care provider",
    )

    def __init__(self, *args: Any, council_id: int, staff: "QuerySet[User]", **kwargs: Any) -> None:
        """``staff``: who may be made lead practitioner (``services.allocatable_staff``)."""
        super().__init__(*args, **kwargs)
        self.limit_choices("lead_practitioner", staff)
        self.limit_choices(
            "making_organisation",
            Organisation.objects.filter(councils=council_id).exclude(kind=Organisation.Kind.COUNCIL),
        )


class OutcomeForm(TextCleaningForm):
    words = text_area(
        "What does the person want, in their own words?",
        "Enter what the person wants, in their own words",
        help_text="Write it as they said it, for example \u201cI want my son to stop taking my money\u201d",
    )
    category = forms.ChoiceField(
        label="Category (for counting)",
        choices=[("", "Choose a category"), *categories.DESIRED_OUTCOME_CATEGORY],
        error_messages={"required": "Select a category"},
    )
    expressed_by = radio_field("Who said this?", DesiredOutcome.ExpressedBy.choices, "Select who said this")
    representative_name = text_field("Representative's name and relationship (if a representative said it)")
    expressed_on = GovukDateField(label="When did they say it?", label_for_errors="The date")
    negotiated_outcome = text_area(
        "Negotiated outcome (if it cannot be met as the person said it)",
        help_text="What was agreed with the person instead",
    )
    negotiated_reason = radio_field("Why it had to be negotiated", DesiredOutcome.NegotiatedReason.choices)
    negotiated_note = text_area("More about why")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("expressed_by") == "representative" and not data.get("representative_name"):
            self.add_error("representative_name", "Enter the name of the representative who said it")
        if data.get("negotiated_outcome") and not data.get("negotiated_reason"):
            self.add_error("negotiated_reason", "Select why the outcome had to be negotiated")
        if data.get("negotiated_reason") and not data.get("negotiated_outcome"):
            self.add_error("negotiated_outcome", "Enter the negotiated outcome")
        return data


class WithdrawOutcomeForm(TextCleaningForm):
    withdrawn_reason = text_area("Why is this outcome being withdrawn?", "Enter why the outcome is withdrawn")


class NoOutcomesForm(GovukForm):
    no_outcomes_reason = radio_field(
        "Why are there no desired outcomes recorded?",
        Enquiry.NoOutcomesReason.choices,
        "Select why there are no desired outcomes",
    )


class ReviewForm(TextCleaningForm):
    held_on = GovukDateField(label="Date of the review", label_for_errors="The date of the review")
    participants = text_area("Who took part?", "Enter who took part", max_length=1000)
    persons_view = text_area(
        "What is the person's view, in their own words?",
        "Enter the person's view",
        max_length=5000,
    )
    outcome_changes = text_area(
        "Changes to outcomes agreed",
        help_text="Add, reword or withdraw outcomes on the enquiry page; note here what was agreed",
    )

    def __init__(self, *args: Any, outcomes: list[DesiredOutcome], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcomes = outcomes
        for outcome in outcomes:
            self.fields[f"progress_{outcome.pk}"] = forms.CharField(
                label=f"Progress on \u201c{outcome.words[:100]}\u201d",
                max_length=2000,
                required=False,
                widget=forms.Textarea,
                error_messages={"max_length": "Progress must be 2,000 characters or fewer"},
            )

    def progress(self) -> dict[int, str]:
        return {o.pk: self.cleaned_data.get(f"progress_{o.pk}", "") for o in self.outcomes}

    def review_data(self) -> dict[str, Any]:
        return {
            k: self.cleaned_data[k] for k in ("held_on", "participants", "persons_view", "outcome_changes")
        }


class InvolvementForm(TextCleaningForm):
    held_on = GovukDateField(label="Date", label_for_errors="The date")
    kind = radio_field("Type of contact", Involvement.Kind.choices, "Select the type of contact")
    place = text_field("Where")
    attendees = text_area("Who attended?", "Enter who attended", max_length=1000)
    participation = radio_field(
        "How did the adult take part?", Involvement.Participation.choices, "Select how the adult took part"
    )
    minutes = text_area("Short minutes", max_length=5000)


class CapacityForm(TextCleaningForm):
    decision = text_field(
        "Which decision was capacity assessed for?",
        "Enter the decision",
        max_length=300,
        help_text="Capacity is decision-specific, for example \u201cwhether to stop seeing her son\u201d",
    )
    assessed_on = GovukDateField(label="Date of assessment", label_for_errors="The date of assessment")
    assessor = text_field("Who assessed?", "Enter who assessed")
    outcome = radio_field("Outcome", CapacityAssessment.Outcome.choices, "Select the outcome")
    notes = text_area("Notes", max_length=5000)


class BestInterestsForm(TextCleaningForm):
    decision = text_field("Decision", "Enter the decision", max_length=300)
    decided_on = GovukDateField(label="Date", label_for_errors="The date")
    decision_maker = text_field("Decision maker", "Enter the decision maker")
    consulted = text_area("Who was consulted?", "Enter who was consulted")
    outcome = text_area("What was decided and why?", "Enter what was decided and why", max_length=5000)


class AdvocacyForm(TextCleaningForm):
    kind = radio_field("Type of advocacy", AdvocacyReferral.Kind.choices, "Select the type of advocacy")
    referred_on = GovukDateField(label="Date of referral", label_for_errors="The date of referral")
    started_on = GovukDateField(
        label="Date advocacy started (if it has)", label_for_errors="The start date", required=False
    )
    advocate_name = text_field("Advocate's name")
    advocate_organisation = text_field("Advocate's organisation")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("started_on") and data.get("referred_on") and data["started_on"] < data["referred_on"]:
            self.add_error("started_on", "The start date must be on or after the date of referral")
        return data


class ParticipationForm(GovukForm):
    substantial_difficulty = YesNoField(
        label="Does the person have substantial difficulty taking part in the enquiry?",
        error_messages={"required": "Select yes if the person has substantial difficulty taking part"},
        help_text="Understanding, retaining or weighing information, or communicating their views",
    )
    has_appropriate_person = YesNoField(
        label="Is there an appropriate family member or friend who can support them?",
        unknown="Not known yet",
        error_messages={"required": "Select whether there is an appropriate person"},
    )


class RiskForm(TextCleaningForm):
    risk_assessment = text_area("Risk assessment", "Enter the risk assessment", max_length=5000)
    risk_assessment_outcome = radio_field(
        "Outcome of the risk assessment", categories.RISK_ASSESSMENT_OUTCOME, required=None
    )
    risk_outcome = radio_field(
        "If risk was identified and action taken: what happened to the risk?",
        categories.RISK_OUTCOME,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("risk_assessment_outcome") == "Risk identified and action taken":
            if not data.get("risk_outcome"):
                self.add_error("risk_outcome", "Select whether the risk remained, was reduced or was removed")
        else:
            data["risk_outcome"] = ""
        return data


class PlanActionForm(TextCleaningForm):
    """An action on the shared safeguarding plan, and who owns it: the council, a partner that works
    with the council (its staff then see and complete it), the person themselves, or someone else."""

    action = text_area(
        "What will be done?",
        "Enter what will be done",
        help_text="A partner that owns the action sees these words and the enquiry's reference only: "
        "say what they need to know to do it",
    )
    owner = forms.ChoiceField(
        label="Who is responsible for it?",
        error_messages={"required": "Select who is responsible", "invalid_choice": services.NOT_A_PARTNER},
    )
    owner_agency = text_field("If someone else, who?", max_length=200)
    due_on = GovukDateField(label="Due date", label_for_errors="The due date", past_only=False)

    def __init__(self, *args: Any, enquiry: Enquiry, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Select who is responsible"), *services.plan_owner_choices(enquiry)]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("owner") == services.OWNER_OTHER and not data.get("owner_agency"):
            self.add_error("owner_agency", "Enter who is responsible")
        return data

    def action_data(self) -> dict[str, Any]:
        """What ``services.add_plan_action`` takes, besides the owner."""
        return {"action": self.cleaned_data["action"], "due_on": self.cleaned_data["due_on"]}


class AgencyActionForm(TextCleaningForm):
    """A partner agency's answer about one of its plan actions."""

    outcome = radio_field(
        "Was the action done?",
        [
            (services.AGENCY_DONE, "Yes, it was done"),
            (services.AGENCY_NOT_DONE, "No, it could not be done"),
        ],
        "Select whether the action was done",
    )
    why_not = text_area("If it could not be done, why?", max_length=2000)
    resolved_on = GovukDateField(label="When?", label_for_errors="The date")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].error_messages["invalid_choice"] = "Select whether the action was done"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("outcome") == services.AGENCY_NOT_DONE and not data.get("why_not"):
            self.add_error("why_not", services.NOT_DONE_NEEDS)
        return data


class AllegedPersonForm(TextCleaningForm):
    """The person alleged to have caused harm: who they are to the adult and what was done."""

    description = text_field(
        "Who are they?",
        "Enter who they are",
        help_text="Their name, or a description if it is not known (for example “a night care worker”)",
    )
    relationship = radio_field(
        "What is their relationship to the adult?",
        AllegedPerson.Relationship.choices,
        "Select their relationship to the adult",
    )
    carer = radio_field(
        "Are they a carer for the adult?", AllegedPerson.Carer.choices, "Select whether they are a carer"
    )
    also_adult_at_risk = forms.BooleanField(
        label="They are also an adult at risk",
        required=False,
        help_text="For example an older carer who is struggling, or another resident. If so, raise a "
        "concern about them too.",
    )
    action_taken = text_area("What was done?", help_text="For example, a police referral or a disciplinary")
    support_offered = text_area(
        "What support were they offered or did they have?",
        help_text="For example a carer's assessment, or a referral to a service that helps them",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, message in (
            ("relationship", "Select their relationship to the adult"),
            ("carer", "Select whether they are a carer"),
        ):
            self.fields[name].error_messages["invalid_choice"] = message


class ResponsesForm(GovukForm):
    """The responses the enquiry used, or "None of these" (on its own): an answer is required, so
    that "not answered" and "used none" stay apart (``services.check_responses``)."""

    responses = forms.MultipleChoiceField(
        label="Which responses did the enquiry use?",
        choices=EnquiryResponse.Response.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. Untick one recorded by mistake to remove it.",
        error_messages={
            "required": services.RESPONSES_NEEDED,
            "invalid_choice": "Select the responses from the list",
        },
    )

    def clean_responses(self) -> list[str]:
        value = self.cleaned_data["responses"]
        try:
            services.check_responses(value)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["responses"]) from exc
        return value

    @property
    def exclusive_value(self) -> str:
        """The answer that stands alone (the template puts "or" before it)."""
        return EnquiryResponse.Response.NONE.value


class ResolveActionForm(TextCleaningForm):
    """How a plan action was resolved: done, cancelled (why) or handed over (to whom)."""

    status = radio_field(
        "What happened to this action?",
        [
            (PlanAction.Status.DONE, "It was done"),
            (PlanAction.Status.CANCELLED, "It was cancelled: it is no longer needed or cannot be done"),
            (PlanAction.Status.HANDED_OVER, "It was handed over to someone else to carry on"),
        ],
        "Select what happened to the action",
    )
    cancelled_reason = text_area("If it was cancelled, why?", max_length=2000)
    handed_over_to = text_field(
        "If it was handed over, who to?",
        help_text="A person, team or agency, for example the locality team or the care provider",
    )
    resolved_on = GovukDateField(label="When?", label_for_errors="The date")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A value not offered (a tampered form) is answered as one not given.
        self.fields["status"].error_messages["invalid_choice"] = "Select what happened to the action"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        needed = services.RESOLUTION_NEEDS.get(data.get("status", ""))
        if needed and not data.get(needed[0]):
            self.add_error(needed[0], needed[1])
        return data


class AdvocacyNotGoingAheadForm(TextCleaningForm):
    not_going_ahead_reason = text_area(
        "Why is the advocacy not going ahead?",
        "Enter why the advocacy is not going ahead",
        help_text="For example, the person declined it, or a family member can now support them",
    )


class ClosureForm(GovukForm):
    """Closure is lenient field by field: what is missing is listed by services.closure_missing."""

    closure_reason = radio_field("Reason for closing", Enquiry.ClosureReason.choices)
    closure_note = text_area("Closing summary", max_length=5000)
    msp_asked = radio_field(
        "Was the person or their representative asked about the outcomes they wanted?", categories.MSP_ASKED
    )
    risk_assessment_outcome = radio_field("Risk assessment outcome", categories.RISK_ASSESSMENT_OUTCOME)
    risk_outcome = radio_field(
        "If risk was identified and action taken: the risk outcome", categories.RISK_OUTCOME
    )
    mental_capacity = radio_field(
        "Did the person lack capacity to make decisions about the safeguarding?", categories.MENTAL_CAPACITY
    )
    capacity_supported = YesNoField(
        label="If they lacked capacity: were they supported by an advocate, family member or friend?",
        required=False,
    )
    # What the enquiry found, for the national return (SG2): each distinct category counts once.
    found_risk_types = forms.MultipleChoiceField(
        label="What types of abuse or neglect did the enquiry find?",
        choices=categories.RISK_TYPE,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"required": services.FINDINGS_MISSING["found_risk_types"]},
    )
    found_locations = forms.MultipleChoiceField(
        label="Where was the risk?",
        choices=categories.LOCATION_OF_RISK,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"required": services.FINDINGS_MISSING["found_locations"]},
    )
    found_sources = forms.MultipleChoiceField(
        label="Who was the source of the risk?",
        choices=[
            (k, f"{v} ({categories.SOURCE_OF_RISK_HINTS[k].lower()})") for k, v in categories.SOURCE_OF_RISK
        ],
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"required": services.FINDINGS_MISSING["found_sources"]},
    )

    def __init__(self, *args: Any, outcomes: list[DesiredOutcome], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcomes = outcomes
        for outcome in outcomes:
            self.fields[f"achievement_{outcome.pk}"] = forms.ChoiceField(
                label=f"Was \u201c{outcome.words[:100]}\u201d achieved?",
                choices=categories.ACHIEVEMENT,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"achievement_note_{outcome.pk}"] = forms.CharField(
                label=f"Note on \u201c{outcome.words[:100]}\u201d (optional)",
                max_length=2000,
                required=False,
                widget=forms.Textarea,
            )

    def service_data(self) -> tuple[dict[str, Any], dict[int, str], dict[int, str]]:
        data = dict(self.cleaned_data)
        achievements = {o.pk: data.get(f"achievement_{o.pk}", "") for o in self.outcomes}
        notes = {o.pk: clean_text(data.get(f"achievement_note_{o.pk}", "")) for o in self.outcomes}
        return data, achievements, notes


class SignOffClosureForm(ApproveOrReturnForm):
    action = radio_field(
        "Do you agree the enquiry can close?",
        [("approve", "Yes, sign off the closure"), ("return", "No, return it to the lead practitioner")],
        "Select whether the enquiry can close",
    )
    why_returned = "Enter why the closure is being returned"


class QuoteModerationForm(GovukForm):
    """Approve a quote for the Board, in words with any names taken out, or decline it."""

    action = forms.ChoiceField(
        label="Can these words be shown to the Board?",
        choices=[("approve", "Approve"), ("decline", "Decline")],
        error_messages={
            "required": "Select whether to approve or decline the quote",
            "invalid_choice": "Select whether to approve or decline the quote",
        },
    )
    approved_text = text_area(
        "Words to show to the Board",
        max_length=5000,
        help_text="Take out any names, of the person, a worker or anyone else, for example with [name]",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["approved_text"] = clean_text(data.get("approved_text", ""))
        if data.get("action") == "approve" and not data["approved_text"]:
            self.add_error("approved_text", "Enter the words to show to the Board")
        return data


class FeedbackForm(TextCleaningForm):
    representative_relationship = text_field(
        "Relationship to the person (for a representative)", help_text="For example daughter, friend, IMCA"
    )
    asked_by = radio_field("Who asked?", Feedback.AskedBy.choices, "Select who asked")
    asked_on = GovukDateField(label="Date asked", label_for_errors="The date asked")
    comments = text_area("Is there anything you want to tell us?", max_length=5000)
    consent_to_quote = forms.BooleanField(
        label="I agree that my words can be shared with the Safeguarding Adults Board without my name",
        required=False,
    )

    def __init__(self, *args: Any, version: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        index = 0 if version == Feedback.Version.ADULT else 1
        for name, wording in services.FEEDBACK_QUESTIONS.items():
            self.fields[name] = radio_field(wording[index], categories.FEEDBACK_ANSWER, help_text="Optional")
        order = ["asked_by", "asked_on", "representative_relationship", *services.FEEDBACK_QUESTIONS]
        order += ["comments", "consent_to_quote"]
        if version == Feedback.Version.ADULT:
            del self.fields["representative_relationship"]
            order.remove("representative_relationship")
        self.order_fields(order)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.version == Feedback.Version.REPRESENTATIVE and not data.get("representative_relationship"):
            self.add_error(
                "representative_relationship", "Enter the representative's relationship to the person"
            )
        if data.get("consent_to_quote") and not data.get("comments"):
            self.add_error("consent_to_quote", "There are no words to quote: enter them, or untick the box")
        return data


class CaseloadFilterForm(forms.Form):
    SHOW = [
        ("mine", "My enquiries"),
        ("team", "My team's"),
        ("all", "All open enquiries"),
        ("review_overdue", "Reviews overdue"),
        ("actions_overdue", "Actions overdue"),
        ("sign_off", "Awaiting closure sign-off"),
        ("closed", "Closed"),
    ]
    SORT = [
        ("next_review_due", "Next review due"),
        ("-started_at", "Newest first"),
        ("started_at", "Oldest first"),
        ("reference", "Reference"),
        ("person__family_name", "Person's last name"),
    ]
    show = forms.ChoiceField(choices=SHOW, required=False)
    kind = forms.ChoiceField(label="Type", choices=[("", "All types"), *Enquiry.Kind.choices], required=False)
    sort = forms.ChoiceField(label="Sort by", choices=SORT, required=False)
