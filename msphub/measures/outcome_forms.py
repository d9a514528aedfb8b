"""The filters of the list of desired outcomes not achieved (views.outcomes_not_achieved)."""

from datetime import date
from typing import Any

from django import forms

from msphub.core.forms import GovukForm
from msphub.core.periods import Period

from .forms import PERIODS, DashboardFilterForm
from .outcomes import CATEGORIES


class OutcomesNotAchievedForm(GovukForm):
    """The period (the dashboard's choices, so a link from the dashboard lists exactly the outcomes it
    counts) and a category. Anything else in the query is not a choice: the form is invalid and the
    list shows this financial year, every category, with the error."""

    period = forms.ChoiceField(label="Period", choices=PERIODS, required=False)
    category = forms.ChoiceField(
        label="Category", choices=[("", "All categories"), *((c, c) for c in CATEGORIES)], required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].error_messages["invalid_choice"] = "Select a period from the list"
        self.fields["category"].error_messages["invalid_choice"] = "Select a category from the list"

    def chosen(self, today: date | None = None) -> tuple[Period, str, str]:
        """The period, its label and the category chosen (this financial year and every category when
        the form is not valid)."""
        data = self.cleaned_data if self.is_valid() else {}
        # The dashboard's form turns a choice into its period: one definition of the periods.
        period_form = DashboardFilterForm({"period": data.get("period", "")}, council_id=0)
        period, label = period_form.chosen_period(today)
        return period, label, data.get("category", "")
