"""The worktray's forms: how to be emailed, and whom to give a concern to."""

from typing import Any

from django import forms

from msphub.accounts.models import User
from msphub.core.forms import GovukForm, radio_field

from .models import NotificationPreference


class PreferenceForm(GovukForm):
    email = radio_field(
        "How do you want to be emailed about new notifications?",
        NotificationPreference.Email.choices,
        "Select how you want to be emailed",
        help_text="Emails give the reference and a link only, never anyone's name or details.",
    )


class StaffChoiceField(forms.ModelChoiceField):
    """A colleague by name and team, as a manager knows them."""

    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        name = user.get_full_name() or user.username
        return f"{name} ({user.team.name})" if user.team else name


class AllocateForm(GovukForm):
    assignee = StaffChoiceField(
        label="Who should work on this concern?",
        queryset=User.objects.none(),
        empty_label="Select someone",
        error_messages={
            "required": "Select someone in your team",
            "invalid_choice": "Select someone in your team",
        },
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_choices("assignee", candidates.select_related("team"))
