"""The forms of the register of Safeguarding Adults Reviews (the safeguarding lead's)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from msphub.accounts.models import Organisation
from msphub.core.forms import (
    GovukDateField,
    GovukForm,
    YesNoField,
    clean_text,
    radio_field,
    text_area,
    text_field,
)
from msphub.core.periods import FinancialYear

from . import services
from .models import AGE_BANDS, THEMES, ReviewRecommendation, SafeguardingAdultsReview

Review = SafeguardingAdultsReview


# On every field of the lead's forms that the Board's pages and the annual report show: the Board
# must never read a name there (docs/sars.md, "Who sees what").
BOARD_SEES = "The Board sees this: use the review's pseudonym, never a name."


class _OrganisationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class ReviewForm(GovukForm):
    """A new referral."""

    referred_on = GovukDateField(label="Date referred", label_for_errors="The date it was referred")
    referring_organisation = _OrganisationChoice(
        label="Referring organisation",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="Not listed",
    )
    referred_by = text_field(
        "If the organisation is not listed, who referred it?",
        help_text="Only the safeguarding lead sees this: the Board sees a listed organisation only.",
    )
    referral_summary = text_area(
        "Summary of the referral",
        max_length=10000,
        help_text="What happened and why a review was asked for. Only the safeguarding lead sees this.",
    )

    def __init__(self, *args: Any, council: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("referring_organisation", services.owner_organisations(council))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "referring_organisation" in data and not data.get("referring_organisation"):
            if not clean_text(data.get("referred_by", "")):
                self.add_error(
                    "referring_organisation", "Select the organisation that referred it, or enter who did"
                )
        return data


class DecisionForm(GovukForm):
    """The Board's section 44 decision."""

    decision = radio_field(
        "What did the Board decide?",
        [c for c in Review.Decision.choices if c[0] != Review.Decision.PENDING],
        required="Select the Board's decision",
    )
    decision_on = GovukDateField(label="Date of the decision", label_for_errors="The date of the decision")
    decision_reasons = text_area(
        "Reasons for the decision",
        required="Enter the reasons for the decision",
        max_length=10000,
        help_text=BOARD_SEES,
    )

    def __init__(self, *args: Any, review: SafeguardingAdultsReview, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.review = review

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        decided = data.get("decision_on")
        if decided and decided < self.review.referred_on:
            self.add_error(
                "decision_on", "The date of the decision must be on or after the date it was referred"
            )
        return data


class ProgressForm(GovukForm):
    """The review's status and dates (or, before the decision, whether it is being considered)."""

    status = radio_field("Status", [], required="Select the status")
    started_on = GovukDateField(
        label="Date the review started", label_for_errors="The date the review started", required=False
    )
    concluded_on = GovukDateField(
        label="Date the review concluded", label_for_errors="The date the review concluded", required=False
    )
    published_on = GovukDateField(
        label="Date the report was published",
        label_for_errors="The date the report was published",
        required=False,
    )
    reviewer = text_field("Independent reviewer", help_text="Who is leading or writing the review.")

    def __init__(self, *args: Any, review: SafeguardingAdultsReview, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.review = review
        allowed = services.REVIEW_STATUSES if review.is_review else services.REFERRAL_STATUSES
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [(s.value, s.label) for s in allowed]
        if not review.is_review:
            # Before the decision there is no review to date.
            for name in ("started_on", "concluded_on", "published_on", "reviewer"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        problems = services.check_progress(
            self.review,
            data["status"],
            data.get("started_on"),
            data.get("concluded_on"),
            data.get("published_on"),
        )
        for name, message in problems.items():
            self.add_error(name if name in self.fields else None, message)
        return data


class FindingsForm(GovukForm):
    themes = forms.MultipleChoiceField(
        label="Themes", choices=THEMES, required=False, widget=forms.CheckboxSelectMultiple
    )
    family_involvement = radio_field(
        "How was the family involved?",
        [c for c in Review.FamilyInvolvement.choices if c[0]],
        required="Select how the family was involved",
    )
    family_involvement_note = text_area(
        "About the family's involvement", max_length=5000, help_text=BOARD_SEES
    )
    findings = text_area("The review's findings", max_length=20000, help_text=BOARD_SEES)


class AdultForm(GovukForm):
    """An adult the review is about, as the Board knows them."""

    pseudonym = text_field(
        "What does the review call them?",
        required="Enter what the review calls them, like Adult A",
        max_length=50,
        help_text="A pseudonym such as “Adult A”: never their name.",
    )
    died = YesNoField(label="Did they die?", error_messages={"required": "Select whether they died"})
    serious_harm = YesNoField(
        label="Did they suffer serious harm?",
        error_messages={"required": "Select whether they suffered serious harm"},
    )
    age_band = radio_field("Age band", AGE_BANDS, required="Select their age band")
    date_of_death = GovukDateField(
        label="Date of death (if they died)", label_for_errors="The date of death", required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_of_death") and data.get("died") is False:
            self.add_error("date_of_death", "Only give a date of death for an adult who died")
        return data


class LinkPersonForm(GovukForm):
    """Find the person's record: by NHS number, or the reference of one of their concerns or enquiries."""

    find = text_field(
        "NHS number, or a concern or enquiry reference",
        required="Enter an NHS number, or a concern or enquiry reference",
        max_length=40,
        help_text="For example 943 476 5919, CON-2026-000123 or ENQ-2026-000045.",
    )


class RecommendationForm(GovukForm):
    """A recommendation, and (when it is changed) its progress."""

    text = text_area(
        "Recommendation", required="Enter the recommendation", max_length=5000, help_text=BOARD_SEES
    )
    owner = _OrganisationChoice(
        label="Owner organisation",
        queryset=Organisation.objects.none(),
        error_messages={"required": "Select the organisation that owns the recommendation"},
    )
    due_on = GovukDateField(label="Due date", label_for_errors="The due date", past_only=False)
    status = radio_field("Progress", ReviewRecommendation.Status.choices, required="Select the progress")
    evidence = text_area("Evidence of completion", max_length=10000, help_text=BOARD_SEES)
    completed_on = GovukDateField(
        label="Date completed", label_for_errors="The date it was completed", required=False
    )
    not_accepted_reason = text_area("If it was not accepted, why?", max_length=5000, help_text=BOARD_SEES)

    def __init__(self, *args: Any, council: Organisation, progress: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("owner", services.owner_organisations(council))
        self.fields["due_on"].error_messages["required"] = "Enter the due date"
        if not progress:
            # A new recommendation starts open: its progress is recorded later.
            for name in ("status", "evidence", "completed_on", "not_accepted_reason"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        S = ReviewRecommendation.Status
        status = data.get("status")
        if status == S.COMPLETED:
            if not clean_text(data.get("evidence", "")):
                self.add_error("evidence", "Enter the evidence that it was completed")
            if "completed_on" in data and not data.get("completed_on"):
                self.add_error("completed_on", "Enter the date it was completed")
        if status == S.NOT_ACCEPTED and not clean_text(data.get("not_accepted_reason", "")):
            self.add_error("not_accepted_reason", "Enter why the recommendation was not accepted")
        return data


class RegisterFilterForm(GovukForm):
    """The register's filters (a GET form: bad input is ignored, never an error page)."""

    status = forms.ChoiceField(
        label="Status", choices=[("", "Any")] + list(Review.Status.choices), required=False
    )
    decision = forms.ChoiceField(
        label="Decision", choices=[("", "Any")] + list(Review.Decision.choices), required=False
    )
    year = forms.ChoiceField(label="Financial year", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year = self.fields["year"]
        assert isinstance(year, forms.ChoiceField)
        year.choices = [("", "Any")] + [(y.label, y.label) for y in FinancialYear.recent(6)]

    def clean_year(self) -> FinancialYear | None:
        label = self.cleaned_data.get("year")
        if not label:
            return None
        try:
            return FinancialYear.parse(label)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
