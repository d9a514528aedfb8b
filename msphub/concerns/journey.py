"""The raise-a-concern journey: one question page at a time, answers kept in the session
until the person checks them and sends the concern. Works with or without an account."""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest

from msphub.accounts.models import Organisation
from msphub.core.forms import GovukForm, YesNoField

from . import forms as concern_forms
from .models import Concern

SESSION_KEY = "concern_journey"
LAST_REFERENCE_KEY = "concern_last_reference"


@dataclass(frozen=True)
class Step:
    slug: str
    form_class: type[GovukForm]
    title: str


STEPS = [
    Step("council", concern_forms.CouncilForm, "Council area"),
    Step("immediate-danger", concern_forms.ImmediateDangerForm, "Immediate danger"),
    Step("about-you", concern_forms.AboutYouForm, "About you"),
    Step("about-the-adult", concern_forms.AboutAdultForm, "About the adult"),
    Step("what-happened", concern_forms.WhatHappenedForm, "What happened"),
    Step("type-of-abuse", concern_forms.RiskTypesForm, "Kind of abuse or neglect"),
    Step("where", concern_forms.WhereForm, "Where it happened and who is involved"),
    Step("consent", concern_forms.ConsentForm, "The adult's agreement"),
    Step("what-the-adult-wants", concern_forms.WishesForm, "What the adult wants"),
]
STEPS_BY_SLUG = {s.slug: s for s in STEPS}
# Raising a concern about themselves, the adult is not asked whether they agree to it being raised
# (they raised it), and the later questions speak to them, under these titles.
NOT_ASKED_OF_SELF = frozenset({"consent"})
SELF_TITLES = {"about-the-adult": "More about you", "what-the-adult-wants": "What you want"}
# Answers given in the other voice ("Have you asked the adult...?") that are asked again when who is
# raising the concern changes to or from the adult themselves.
ASKED_AGAIN_FOR_SELF = frozenset({"what-the-adult-wants"})
# The journey's yes-or-no questions, kept in the session as True and False.
YES_NO_ANSWERS = frozenset(
    name
    for step in STEPS
    for name, field in step.form_class.base_fields.items()
    if isinstance(field, YesNoField)
)


def councils_for(request: HttpRequest) -> QuerySet[Organisation]:
    """Councils this person may raise a concern with."""
    user = request.user
    councils = Organisation.objects.filter(kind=Organisation.Kind.COUNCIL)
    if user.is_authenticated and user.council_id is not None:
        return councils.filter(pk=user.council_id)
    if user.is_authenticated and user.organisation_id:
        linked = councils.filter(partners=user.organisation_id)
        if linked.exists():
            return linked
    return councils


def is_self_referral(journey: dict[str, Any] | None) -> bool:
    """The adult is raising the concern about themselves."""
    return journey is not None and journey["answers"].get("raiser_kind") == Concern.RaiserKind.SELF


def steps_for(request: HttpRequest) -> list[Step]:
    """The council question is asked only when there is a choice to make, and the adult raising a
    concern about themselves is not asked whether they agree to it."""
    steps = STEPS if councils_for(request).count() > 1 else STEPS[1:]
    if is_self_referral(get(request)):
        steps = [s for s in steps if s.slug not in NOT_ASKED_OF_SELF]
    return steps


def title_for(request: HttpRequest, step: Step) -> str:
    if is_self_referral(get(request)):
        return SELF_TITLES.get(step.slug, step.title)
    return step.title


def form_for(
    request: HttpRequest, step: Step, data: Any = None, initial: dict[str, Any] | None = None
) -> GovukForm:
    """The step's form. Signed-in users raise concerns as professionals, so they are not asked who
    they are; the council question offers only the councils this person may raise a concern with."""
    signed_in = request.user.is_authenticated
    kwargs: dict[str, Any] = {"fixed_kind": True} if step.slug == "about-you" and signed_in else {}
    if issubclass(step.form_class, concern_forms.JourneyForm):
        kwargs["self_referral"] = is_self_referral(get(request))
    form = step.form_class(data, initial=initial, **kwargs)
    if step.slug == "council":
        form.limit_choices("council", councils_for(request))
    return form


def start(request: HttpRequest) -> dict[str, Any]:
    journey: dict[str, Any] = {"token": str(uuid.uuid4()), "answers": {}}
    user = request.user
    if user.is_authenticated:
        # Staff and partners raise concerns as professionals; their details are filled in.
        journey["answers"].update(
            raiser_kind="professional",
            raiser_name=user.get_full_name() or user.username,
            raiser_role=user.job_title,
            raiser_organisation_name=str(user.organisation or ""),
            raiser_email=user.email,
            raiser_phone=user.phone,
        )
    councils = list(councils_for(request)[:2])
    if len(councils) == 1:
        journey["answers"]["council"] = councils[0].pk
    request.session[SESSION_KEY] = journey
    return journey


def get(request: HttpRequest) -> dict[str, Any] | None:
    return request.session.get(SESSION_KEY)


def save(request: HttpRequest, journey: dict[str, Any]) -> None:
    request.session[SESSION_KEY] = journey
    request.session.modified = True


def to_session(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Organisation):
        return value.pk
    return value


def from_session(name: str, value: Any) -> Any:
    if name in ("adult_date_of_birth", "happened_on") and value:
        return date.fromisoformat(value)
    if name in YES_NO_ANSWERS and value in ("yes", "no"):
        # Journeys begun before yes/no answers were kept as True/False stored the words.
        return value == "yes"
    return value


def store(journey: dict[str, Any], form: forms.Form) -> None:
    was_self = is_self_referral(journey)
    for name, value in form.cleaned_data.items():
        journey["answers"][name] = to_session(value)
    journey.setdefault("done", [])
    if "raiser_kind" in form.cleaned_data and is_self_referral(journey) != was_self:
        journey["done"] = [slug for slug in journey["done"] if slug not in ASKED_AGAIN_FOR_SELF]
    slug = next(s.slug for s in STEPS if isinstance(form, s.form_class))
    if slug not in journey["done"]:
        journey["done"].append(slug)


def initial_for(journey: dict[str, Any], step: Step) -> dict[str, Any]:
    answers = journey["answers"]
    return {
        name: from_session(name, answers[name]) for name in step.form_class.base_fields if name in answers
    }


def first_unanswered(request: HttpRequest, journey: dict[str, Any]) -> Step | None:
    done = set(journey.get("done", []))
    for step in steps_for(request):
        if step.slug not in done:
            return step
    return None


def next_step(request: HttpRequest, current: Step) -> Step | None:
    steps = steps_for(request)
    slugs = [s.slug for s in steps]
    index = slugs.index(current.slug)
    return steps[index + 1] if index + 1 < len(steps) else None


def concern_answers(journey: dict[str, Any]) -> dict[str, Any]:
    """The answers as concern fields for concerns.services.raise_concern."""
    answers = {k: from_session(k, v) for k, v in journey["answers"].items()}
    # Yes-or-no answers are kept as True and False (core.forms.YesNoField).
    answers["immediate_danger"] = answers.get("immediate_danger") is True
    answers["msp_asked"] = answers.get("msp_asked") is True
    if is_self_referral(journey):
        # The adult raised it themselves: they agree to it, and what they want is in their own words.
        answers.update(
            consent=Concern.Consent.GIVEN,
            consent_not_given_reason="",
            consent_not_sought_reason="",
            msp_asked=True,
            not_asked_reason="",
        )
    return answers


def summary(request: HttpRequest, journey: dict[str, Any]) -> list[dict[str, Any]]:
    """Check-your-answers rows, grouped by question page."""
    groups = []
    for step in steps_for(request):
        form = form_for(request, step, initial=initial_for(journey, step))
        rows = []
        for name, field in form.fields.items():
            value = initial_for(journey, step).get(name)
            rows.append({"label": field.label, "value": _display(field, value), "name": name})
        groups.append({"step": step, "title": title_for(request, step), "rows": rows})
    return groups


def _display(field: forms.Field, value: Any) -> str:
    if value is True or value is False:
        return "Yes" if value else "No"
    if value in (None, "", []):
        return "Not given" if not isinstance(field, forms.BooleanField) else "No"
    if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
        return str(field.queryset.filter(pk=value).first() or "")
    if isinstance(value, date):
        return value.strftime("%-d %B %Y")
    choices = dict(getattr(field, "choices", []) or [])
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) for v in value)
    return str(choices.get(value, value))
