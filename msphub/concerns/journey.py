"""The raise-a-concern journey: one question page at a time, answers kept in the session
until the person checks them and sends the concern. Works with or without an account.

The questions' rules are the forms'. ``validate`` checks a whole set of answers against them at once:
the check-answers page does (``first_unanswered``), and so does the API for partner systems
(msphub/api), which answers the same questions in one request (``validate_for_system``)."""

import dataclasses
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest

from msphub.accounts.models import Organisation
from msphub.core.forms import GovukDateField, GovukForm, YesNoField, plain_text, text_field

from . import forms as concern_forms
from .models import Concern

SESSION_KEY = "concern_journey"
LAST_REFERENCE_KEY = "concern_last_reference"


@dataclass(frozen=True)
class Step:
    slug: str
    form_class: type[GovukForm]
    title: str


class AboutYouForm(concern_forms.AboutYouForm):
    """Who is raising the concern, and (someone raising it for their work) their organisation's own
    reference for it, an incident or Datix number, so that both sides can name the same case."""

    field_order = [
        "raiser_kind",
        "raiser_name",
        "raiser_role",
        "raiser_organisation_name",
        "raiser_reference",
        "raiser_phone",
        "raiser_email",
    ]

    raiser_reference = text_field(
        "Your organisation's reference (if any)",
        max_length=Concern._meta.get_field("raiser_reference").max_length or 50,
        help_text="If you are raising this for your work: for example, an incident or Datix number",
    )

    def clean_raiser_reference(self) -> str:
        return plain_text(self.cleaned_data.get("raiser_reference", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # Signed in (no "Who are you?" question), the raiser is a professional.
        if data.get("raiser_kind", Concern.RaiserKind.PROFESSIONAL) != Concern.RaiserKind.PROFESSIONAL:
            data["raiser_reference"] = ""
        return data


STEPS = [
    Step("council", concern_forms.CouncilForm, "Council area"),
    Step("immediate-danger", concern_forms.ImmediateDangerForm, "Immediate danger"),
    Step("about-you", AboutYouForm, "About you"),
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
    """The first question not answered yet or, all answered, the first whose answers no longer pass
    its rules when the whole set is checked again (``validate``) before it is sent: the answers came
    from the session, and a rule or the councils on offer may have changed since."""
    done = set(journey.get("done", []))
    steps = steps_for(request)
    for step in steps:
        if step.slug not in done:
            return step
    answers = {k: from_session(k, v) for k, v in journey["answers"].items()}
    checked = validate(form_data(answers), steps, lambda step, data: form_for(request, step, data))
    return STEPS_BY_SLUG[checked.first_step] if checked.first_step else None


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


# Asked only of someone raising the concern for their work: the row is left out for anyone else.
FOR_PROFESSIONALS = frozenset({"raiser_reference"})


def summary(request: HttpRequest, journey: dict[str, Any]) -> list[dict[str, Any]]:
    """Check-your-answers rows, grouped by question page."""
    groups = []
    professional = journey["answers"].get("raiser_kind") == Concern.RaiserKind.PROFESSIONAL
    for step in steps_for(request):
        form = form_for(request, step, initial=initial_for(journey, step))
        rows = []
        for name, field in form.fields.items():
            if name in FOR_PROFESSIONALS and not professional:
                continue
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


# --- Checking a whole set of answers at once -------------------------------------------------------


@dataclass
class Checked:
    """A whole set of answers checked against every question's rules (``validate``).

    ``answers``: the cleaned answers of every question that passed, as its form cleans them (dates as
    dates, yes or no as True and False); ``errors``: each field in error with its messages, in the
    order the questions are asked; ``first_step``: the slug of the first question in error."""

    answers: dict[str, Any] = dataclasses.field(default_factory=dict)
    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    first_step: str | None = None

    @property
    def is_valid(self) -> bool:
        return not self.errors


def validate(
    data: Mapping[str, Any],
    steps: Iterable[Step],
    make_form: Callable[[Step, Mapping[str, Any]], GovukForm],
) -> Checked:
    """Check ``data`` (as the question pages post it: see ``form_data``) against every step's form,
    made by ``make_form`` so that each caller asks the questions as its person sees them (signed in or
    not, a self-referral, the councils on offer). The one place the journey's rules are applied to a
    whole concern: the check-answers page and the API both use it."""
    checked = Checked()
    for step in steps:
        form = make_form(step, data)
        if form.is_valid():
            checked.answers.update(form.cleaned_data)
            continue
        checked.first_step = checked.first_step or step.slug
        for name, messages in form.errors.items():
            checked.errors.setdefault(name, []).extend(str(m) for m in messages)
    return checked


def form_data(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers as values (a date, True or False, a list of choices, a council's id) turned into what
    the question pages post: a date as its day, month and year boxes, yes or no as "yes" and "no", a
    ticked box as "on" (an unticked one is not sent), anything not given left out."""
    date_fields = {
        name
        for step in STEPS
        for name, f in step.form_class.base_fields.items()
        if isinstance(f, GovukDateField)
    }
    posted: dict[str, Any] = {}
    for name, value in answers.items():
        if value is None:
            continue
        if name in date_fields and isinstance(value, date):
            posted |= {f"{name}_day": str(value.day), f"{name}_month": str(value.month)}
            posted[f"{name}_year"] = f"{value.year:04d}"  # year 1 is "0001": before 1900, not 3 digits
        elif name in YES_NO_ANSWERS and isinstance(value, bool):
            posted[name] = "yes" if value else "no"
        elif isinstance(value, bool):
            if value:
                posted[name] = "on"
        elif isinstance(value, Organisation):
            posted[name] = str(value.pk)
        elif isinstance(value, int):
            posted[name] = str(value)
        else:
            posted[name] = value
    return posted


# --- The same questions answered by a partner agency's system (msphub/api) ---------------------------

# Every question but the council's: a token is made by one council's safeguarding lead, and the
# concerns raised with it go to that council. A system raises concerns for its agency's staff, as a
# professional would: it is not asked who is raising it, and never raises one about the person itself.
SYSTEM_STEPS = [s for s in STEPS if s.slug != "council"]


def system_form(step: Step, data: Mapping[str, Any] | None = None) -> GovukForm:
    """``step``'s form as a partner agency's system answers it (see ``SYSTEM_STEPS``)."""
    kwargs: dict[str, Any] = {"fixed_kind": True} if step.slug == "about-you" else {}
    if issubclass(step.form_class, concern_forms.JourneyForm):
        kwargs["self_referral"] = False
    return step.form_class(data, **kwargs)


def validate_for_system(data: Mapping[str, Any]) -> Checked:
    """A partner system's answers (as ``form_data`` gives them) checked by ``validate``, with the
    answers it is not asked (it raises concerns as a professional) filled in."""
    checked = validate(data, SYSTEM_STEPS, system_form)
    checked.answers["raiser_kind"] = Concern.RaiserKind.PROFESSIONAL
    return checked
