"""Forms for whole-service enquiries, provider actions and service concerns (GOV.UK error messages)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from msphub.accounts.models import Organisation, User
from msphub.core.forms import GovukDateField, GovukForm, clean_text, radio_field, text_area, text_field
from msphub.core.periods import FinancialYear

from . import services
from .models import WholeServiceEnquiry, providers_of


class _OrganisationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class _StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.username


class EnquiryForm(GovukForm):
    """Start a whole-service enquiry."""

    provider = _OrganisationChoice(
        label="Which provider is it about?",
        queryset=Organisation.objects.none(),
        error_messages={"required": "Select the provider", "invalid_choice": "Select the provider"},
    )
    lead = _StaffChoice(
        label="Who will lead it?",
        queryset=User.objects.none(),
        error_messages={"required": "Select who will lead it", "invalid_choice": "Select who will lead it"},
    )
    about = text_area(
        "What is the enquiry about?",
        required="Enter what the enquiry is about",
        max_length=5000,
        help_text="The concerns about the service as a whole. Name adults only by the references of their "
        "own records.",
    )
    started_on = GovukDateField(label="Date started", label_for_errors="The date it started")

    def __init__(self, *args: Any, council: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("provider", providers_of(council.pk))
        self.limit_choices("lead", User.casework_staff(council.pk))


class ChangeEnquiryForm(GovukForm):
    """The lead, what it is about and what it has found so far."""

    lead = EnquiryForm.base_fields["lead"]
    about = EnquiryForm.base_fields["about"]
    findings = text_area("What has the enquiry found so far?", max_length=10000)

    def __init__(self, *args: Any, council: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("lead", User.casework_staff(council.pk))


class CloseForm(GovukForm):
    findings = text_area(
        "What did the enquiry find?", required="Enter what the enquiry found", max_length=10000
    )
    outcome = radio_field("Outcome", WholeServiceEnquiry.Outcome.choices, required="Select the outcome")
    outcome_note = text_area(
        "What happens now?",
        max_length=5000,
        help_text="For example an improvement plan, a pause on new placements, or the regulator told.",
    )
    closed_on = GovukDateField(label="Date closed", label_for_errors="The date it closed")

    def __init__(self, *args: Any, enquiry: WholeServiceEnquiry, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.enquiry = enquiry

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        closed = data.get("closed_on")
        if closed and closed < self.enquiry.started_on:
            self.add_error("closed_on", "The date closed must be on or after the date it started")
        return data


class LinkForm(GovukForm):
    reference = text_field(
        "Concern or enquiry reference",
        required="Enter the reference of the adult's concern or enquiry",
        max_length=40,
        help_text="For example CON-2026-000123 or ENQ-2026-000045.",
    )


class ActionForm(GovukForm):
    action = text_area("What will be done?", required="Enter what will be done", max_length=2000)
    owner_organisation = _OrganisationChoice(
        label="Which organisation will do it?",
        queryset=Organisation.objects.none(),
        error_messages={
            "required": "Select the organisation that will do it",
            "invalid_choice": "Select the organisation that will do it",
        },
    )
    owner_name = text_field("Who is responsible there?", help_text="A role, like “registered manager”.")
    due_on = GovukDateField(label="Due date", label_for_errors="The due date", past_only=False)

    def __init__(self, *args: Any, enquiry: WholeServiceEnquiry, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices(
            "owner_organisation", services.owner_organisations(enquiry.council, enquiry.provider)
        )
        self.fields["due_on"].error_messages["required"] = "Enter the due date"


class ResolveActionForm(GovukForm):
    done = radio_field(
        "Was it done?",
        [("yes", "Yes, it was done"), ("no", "No, it was not done")],
        required="Select whether it was done",
    )
    not_done_reason = text_area("If it was not done, why not?", max_length=2000)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("done") == "no" and not clean_text(data.get("not_done_reason", "")):
            self.add_error("not_done_reason", "Enter why it was not done")
        return data


class ServiceConcernForm(GovukForm):
    """A concern about a service before any adult is named."""

    provider = EnquiryForm.base_fields["provider"]
    what_happened = text_area(
        "What has happened?",
        required="Enter what has happened",
        max_length=5000,
        help_text="About the service. When an adult at risk is identified, raise a concern about them too.",
    )
    happened_on = GovukDateField(
        label="When did it happen? (if known)", label_for_errors="The date it happened", required=False
    )
    raised_by = text_field(
        "Who raised it?",
        required="Enter who raised it",
        help_text="A name and role, or “anonymous whistleblower”.",
    )
    raiser_organisation = _OrganisationChoice(
        label="Their organisation (if listed)",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="Not listed, or none",
    )
    received_on = GovukDateField(label="Date received", label_for_errors="The date it was received")

    def __init__(self, *args: Any, council: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("provider", providers_of(council.pk))
        self.limit_choices("raiser_organisation", services.council_and_partners(council))


class _EnquiryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.reference}, started {obj.started_on:%-d %B %Y}"


class LinkServiceConcernForm(GovukForm):
    enquiry = _EnquiryChoice(
        label="Which open whole-service enquiry is it part of?",
        queryset=WholeServiceEnquiry.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"required": "Select the enquiry", "invalid_choice": "Select the enquiry"},
    )

    def __init__(self, *args: Any, choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("enquiry", choices)


class CloseServiceConcernForm(GovukForm):
    closed_reason = text_area(
        "Why is no whole-service enquiry needed?",
        required="Enter why no whole-service enquiry is needed",
        max_length=2000,
    )


class YearForm(GovukForm):
    """The provider page's year (a GET form: a bad value shows this year, never an error page)."""

    year = forms.ChoiceField(label="Financial year", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year = self.fields["year"]
        assert isinstance(year, forms.ChoiceField)
        year.choices = [(y.label, y.label) for y in FinancialYear.recent(6)]

    def chosen(self) -> FinancialYear:
        if self.is_valid() and self.cleaned_data.get("year"):
            try:
                return FinancialYear.parse(self.cleaned_data["year"])
            except ValueError:
                pass
        return FinancialYear.current()

    def clean_year(self) -> str:
        label = self.cleaned_data.get("year") or ""
        if label:
            try:
                FinancialYear.parse(label)
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc
        return label
