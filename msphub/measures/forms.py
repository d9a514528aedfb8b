from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from msphub.accounts.models import Organisation, Team

from .measures import DIMENSIONS
from .periods import Period, financial_year, financial_year_label

PERIODS = [
    ("this_year", "This financial year so far"),
    ("last_year", "Last financial year"),
    ("last_12_months", "Last 12 months"),
    ("last_3_months", "Last 3 months"),
]


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(label="Period", choices=PERIODS, required=False)
    team = forms.ModelChoiceField(
        label="Team", queryset=Team.objects.none(), required=False, empty_label="All teams"
    )
    partner = forms.ModelChoiceField(
        label="Partner", queryset=Organisation.objects.none(), required=False, empty_label="All partners"
    )
    breakdown = forms.ChoiceField(
        label="Break down by",
        choices=[("", "No breakdown"), *[(k, v[0]) for k, v in DIMENSIONS.items()]],
        required=False,
    )

    def __init__(self, *args: Any, council_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(organisation_id=council_id)
        self.fields["partner"].queryset = Organisation.objects.filter(councils=council_id).exclude(
            kind=Organisation.Kind.COUNCIL
        )

    def chosen_period(self, today: date | None = None) -> tuple[Period, str]:
        today = today or timezone.localdate()
        choice = (self.cleaned_data.get("period") if self.is_valid() else "") or "this_year"
        this_year = financial_year(financial_year_label(today))
        if choice == "last_year":
            period = financial_year(financial_year_label(this_year.start - timedelta(days=1)))
        elif choice == "last_12_months":
            period = Period(today - timedelta(days=364), today)
        elif choice == "last_3_months":
            period = Period(today - timedelta(days=91), today)
        else:
            period = Period(this_year.start, today)
        return period, dict(PERIODS)[choice]
