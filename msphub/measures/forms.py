from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from msphub.accounts.models import Organisation, Team
from msphub.core.periods import FinancialYear, Period

from .measures import DIMENSIONS

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
        team, partner = self.fields["team"], self.fields["partner"]
        assert isinstance(team, forms.ModelChoiceField) and isinstance(partner, forms.ModelChoiceField)
        team.queryset = Team.objects.filter(organisation_id=council_id)
        partner.queryset = Organisation.objects.filter(councils=council_id).exclude(
            kind=Organisation.Kind.COUNCIL
        )

    def chosen_period(self, today: date | None = None) -> tuple[Period, str]:
        today = today or timezone.localdate()
        choice = (self.cleaned_data.get("period") if self.is_valid() else "") or "this_year"
        period: Period
        if choice == "last_year":
            period = FinancialYear.containing(today).previous
        elif choice == "last_12_months":
            period = Period(today - timedelta(days=364), today)
        elif choice == "last_3_months":
            period = Period(today - timedelta(days=91), today)
        else:
            period = FinancialYear.so_far(today)
        return period, dict(PERIODS)[choice]
