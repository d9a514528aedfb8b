"""The filters of the list of desired outcomes not achieved (views.outcomes_not_achieved)."""

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet

from msphub.accounts.models import Team
from msphub.core.forms import GovukForm
from msphub.core.periods import Period

from .forms import PERIODS, DashboardFilterForm
from .outcomes import CATEGORIES


class OutcomesNotAchievedForm(GovukForm):
    """The period (the dashboard's choices, so a link from the dashboard lists exactly the outcomes it
    counts), a category and, for the lead (``teams`` given), a team of the council. A team manager's
    list is their own team's (``outcomes.not_achieved_scope``): the form has no team for them.
    A value that is not a choice is shown as an error, and only that filter is dropped: the others
    chosen still apply."""

    period = forms.ChoiceField(label="Period", choices=PERIODS, required=False)
    category = forms.ChoiceField(
        label="Category", choices=[("", "All categories"), *((c, c) for c in CATEGORIES)], required=False
    )
    team = forms.ModelChoiceField(
        label="Team", queryset=Team.objects.none(), required=False, empty_label="All teams"
    )

    def __init__(self, *args: Any, teams: QuerySet[Team] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].error_messages["invalid_choice"] = "Select a period from the list"
        self.fields["category"].error_messages["invalid_choice"] = "Select a category from the list"
        if teams is None:
            del self.fields["team"]
        else:
            team = self.fields["team"]
            assert isinstance(team, forms.ModelChoiceField)
            team.queryset = teams
            team.error_messages["invalid_choice"] = "Select a team from the list"

    def chosen(self, today: date | None = None) -> tuple[Period, str, str, Team | None]:
        """The period, its label, the category and the team chosen: for a filter whose value is not
        a choice, this financial year, every category or every team (the valid ones still apply)."""
        self.is_valid()  # a bound form's cleaned_data then holds only the fields that were valid
        data: dict[str, Any] = getattr(self, "cleaned_data", {})
        # The dashboard's form turns a choice into its period: one definition of the periods.
        period_form = DashboardFilterForm({"period": data.get("period") or ""}, council_id=0)
        period, label = period_form.chosen_period(today)
        return period, label, data.get("category") or "", data.get("team")
