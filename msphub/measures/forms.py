from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from msphub.accounts.models import Organisation, Team
from msphub.core.forms import GovukForm, plain_text, text_field
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
        return period_for((self.cleaned_data.get("period") if self.is_valid() else "") or "", today)


def period_for(choice: str, today: date | None = None) -> tuple[Period, str]:
    """The period one of ``PERIODS`` names, and its label (this financial year so far for none)."""
    today = today or timezone.localdate()
    choice = choice if choice in dict(PERIODS) else "this_year"
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


class PeriodForm(forms.Form):
    """The partner figures' one filter: the dashboard's periods. A value that is not one of them is
    shown as an error and the default period (this financial year so far) is used."""

    period = forms.ChoiceField(label="Period", choices=PERIODS, required=False)

    def chosen_period(self, today: date | None = None) -> tuple[Period, str]:
        return period_for((self.cleaned_data.get("period") if self.is_valid() else "") or "", today)


class ReturnSignOffForm(GovukForm):
    """The safeguarding lead signs a year's SAC return off: their job title and a confirmation of
    the statement shown (``models.sign_off_statement``). Only a year that has ended can be signed off."""

    job_title = text_field(
        "Your job title",
        "Enter your job title",
        max_length=200,
        help_text="As it should appear on the Sign Off sheet, for example Head of Safeguarding Adults",
    )
    confirm = forms.BooleanField(
        label="I confirm the statement above and sign off the return",
        error_messages={"required": "Confirm that you are signing off the return"},
    )

    def __init__(self, *args: Any, year: FinancialYear, now: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year = year
        self.now = now or timezone.now()

    def clean_job_title(self) -> str:
        return plain_text(self.cleaned_data.get("job_title", ""), "Enter your job title")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.now < self.year.end_before:
            self.add_error(
                None,
                f"You can sign off the {self.year} return once the year has ended, after "
                f"31 March {self.year.end.year}",
            )
        return data
