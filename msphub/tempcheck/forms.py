from dataclasses import dataclass, field
from typing import Any

from django import forms

from msphub.accounts.models import Organisation, Role, User
from msphub.core.forms import GovukDateField, GovukForm
from msphub.core.imports import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB

# asked_only is analysis's, so that the report and the conversation form word a condition alike.
from .analysis import MIN_DECLINED_FOR_NAMES, asked_only
from .models import Instrument, Question, Respondent, Round

COUNCIL_MAX_LENGTH = Respondent._meta.get_field("council").max_length or 200


# A round's region as the set-up and import forms take it: "National" is a choice of its own, never
# what a form falls back to (a North West round was once created as national by default).
NATIONAL = "national"
# Short names the rounds' own pages use in their paths (rounds/new/, rounds/import/, ...): a round
# called one of them could never be opened.
RESERVED_SLUGS = {"new", "import", "import-baseline"}


def reason_needed(own: str, moderated: str, reason: str) -> bool:
    """The interviewer's rating differs from the council's own and no reason is given: the one thing a
    conversation needs before it is marked complete (it saves without it). Here rather than in
    services.py so that this module imports no services (services -> importer -> forms)."""
    return bool(own and moderated and own != moderated and not reason.strip())


def region_choices(user: User) -> list[tuple[str, str]]:
    """The regions ``user`` may give a round: a regional lead their own region; a national network's
    lead "National" or any region councils have (Organisation, kind council), rounds already use, or
    the respondents of a national round have (a national round can be cut to any of its councils'
    regions, so a round of one of them can be set up and compared with it). One query (a UNION)."""
    own = user.network_region
    if own:
        return [(own, own)]
    # order_by() each: a model's default ordering would otherwise go into the UNION's parts.
    councils = Organisation.objects.filter(kind=Organisation.Kind.COUNCIL).exclude(region="")
    used = Round.objects.exclude(region="")
    national = Respondent.objects.filter(round__region="", round__aggregate_only=False).exclude(region="")
    names = set(
        councils.order_by()
        .values_list("region", flat=True)
        .union(
            used.order_by().values_list("region", flat=True),
            national.order_by().values_list("region", flat=True),
        )
    )
    regions = sorted((n for n in names if n.strip().casefold() != NATIONAL), key=str.casefold)
    return [("", "Choose a region"), (NATIONAL, "National (all of England)"), *((r, r) for r in regions)]


class RegionField(forms.ChoiceField):
    """The round's region: "" (national) or a region's name in ``cleaned_data``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Region")
        super().__init__(
            choices=[],
            error_messages={
                "required": "Select the round\u2019s region, or National for a round of all England",
                "invalid_choice": "Select one of the regions listed",
            },
            **kwargs,
        )

    def clean(self, value: Any) -> str:
        region = super().clean(value)
        return "" if region == NATIONAL else region


def _round_title() -> forms.CharField:
    """A round's title, asked the same way when a round is set up and when one is imported."""
    return forms.CharField(
        label="Title", max_length=300, error_messages={"required": "Enter the round's title"}
    )


def _round_slug(**kw: Any) -> forms.SlugField:
    """A round's short name, as ``_round_title``."""
    return forms.SlugField(
        label="Short name",
        max_length=100,
        error_messages={"required": "Enter a short name", "invalid": "Use only letters, numbers and hyphens"},
        **kw,
    )


def _instrument() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label="Instrument",
        queryset=Instrument.objects.all(),
        empty_label=None,
        error_messages={
            "required": "Select the instrument",
            "invalid_choice": "Select one of the instruments listed",
        },
    )


def _method() -> forms.CharField:
    return forms.CharField(
        label="How the conversations are held, and by whom (optional)",
        widget=forms.Textarea,
        required=False,
        max_length=5000,
        help_text="For the report\u2019s method section, for example \u201cBy telephone, about an hour "
        "each, with the council\u2019s safeguarding adults lead, by two interviewers of the London "
        "network\u201d",
    )


def _csv(label: str, columns: str) -> forms.FileField:
    return forms.FileField(
        label=label,
        error_messages={"required": f"Choose the {label.split(' (')[0].lower()} file"},
        # Spaced after each comma so that the hint wraps on a phone's width.
        help_text=f"A CSV file with the columns {columns.replace(',', ', ')}",
    )


def _offer_regions(form: forms.Form, user: User) -> tuple[forms.ChoiceField, list[tuple[str, str]]]:
    """The form's region field, offering the regions ``user`` may give a round (region_choices),
    and those choices."""
    region = form.fields["region"]
    assert isinstance(region, forms.ChoiceField)
    region.choices = choices = region_choices(user)
    return region, choices


class _RoundForm(GovukForm):
    """Fields a new round is given however it starts: title, short name, instrument, region."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region, choices = _offer_regions(self, user)
        if len(choices) == 1:
            region.initial = choices[0][0]
            region.help_text = "Your network\u2019s region"

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug.lower() in RESERVED_SLUGS:
            raise forms.ValidationError("Choose another short name: this one names a page")
        if Round.objects.filter(slug=slug).exists():
            raise forms.ValidationError("A round with this short name exists already")
        return slug


def _upload(form: forms.Form, name: str, label: str) -> Any:
    """The upload, refused by its size before anything reads it (core.imports.MAX_UPLOAD_BYTES)."""
    upload = form.cleaned_data[name]
    if upload.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(f"The {label} file must be smaller than {MAX_UPLOAD_MB} MB")
    return upload


def _dates_in_order(form: forms.Form) -> None:
    data = form.cleaned_data
    if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
        form.add_error("ends_on", "The end date must be on or after the start date")


def _starts_on() -> GovukDateField:
    return GovukDateField(
        label="First conversation (if known)",
        label_for_errors="The start date",
        required=False,
        past_only=False,
    )


def _ends_on() -> GovukDateField:
    return GovukDateField(
        label="Last conversation (if known)", label_for_errors="The end date", required=False, past_only=False
    )


def council_names(text: str) -> list[str]:
    """The councils of a set-up form's list, one a line (blank lines left out, spaces trimmed);
    ValidationError naming a council listed twice (in any case: "Camden" and "camden" are one)."""
    names = [line.strip() for line in text.splitlines() if line.strip()]
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise forms.ValidationError(f"{name} is listed twice: list each council once")
        seen.add(name.casefold())
        if len(name) > COUNCIL_MAX_LENGTH:
            raise forms.ValidationError(
                f"A council\u2019s name must be {COUNCIL_MAX_LENGTH} characters or fewer"
            )
    return names


class RoundForm(_RoundForm):
    title = _round_title()
    slug = _round_slug(help_text="Letters, numbers and hyphens, for example london-2026")
    instrument = _instrument()
    region = RegionField()
    starts_on = _starts_on()
    ends_on = _ends_on()
    method = _method()
    councils = forms.CharField(
        label="Councils taking part",
        widget=forms.Textarea,
        max_length=20000,
        help_text="One council a line",
        error_messages={"required": "Enter the councils taking part"},
    )
    named = forms.BooleanField(
        label="Every council taking part agreed to be named in the report\u2019s tables",
        required=False,
        help_text="Their names are listed beside their answers, as in the London report. You can "
        "change this for each council on the round\u2019s page, and interviewers on the conversation "
        f"form. If some decline, no council is named unless at least {MIN_DECLINED_FOR_NAMES} declined "
        "(so that no one can tell what a declining council answered).",
    )
    interviewers = forms.ModelMultipleChoiceField(
        label="Interviewers",
        queryset=User.objects.filter(role=Role.INTERVIEWER, is_active=True).order_by(
            "first_name", "last_name", "username"
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select interviewers from the list"},
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        _dates_in_order(self)
        return self.cleaned_data

    def clean_councils(self) -> list[str]:
        return council_names(self.cleaned_data["councils"])


class ImportForm(_RoundForm):
    title = _round_title()
    slug = _round_slug()
    instrument = _instrument()
    region = RegionField()
    responses = _csv("Responses (CSV)", "respondent_id,council,region,question_id,item,answer")
    named = forms.BooleanField(
        label="Every council in the file agreed to be named in the report\u2019s tables",
        required=False,
        help_text="Otherwise the file\u2019s may_name column (yes or no) says which did; without "
        f"either, none is named. If some decline, no council is named unless at least "
        f"{MIN_DECLINED_FOR_NAMES} declined. Consent to be named beside a quote is the file\u2019s "
        "may_quote column (yes or no), not this box",
    )

    def clean_responses(self) -> Any:
        return _upload(self, "responses", "responses")


class BaselineForm(_RoundForm):
    """Published counts of an earlier round (a baseline such as the 2014/15 evaluation)."""

    title = _round_title()
    slug = _round_slug()
    instrument = _instrument()
    region = RegionField()
    counts = _csv("Published counts (CSV)", "question_id,item,category,count,base")

    def clean_counts(self) -> Any:
        return _upload(self, "counts", "published counts")


class RoundEditForm(GovukForm):
    """What a round's lead may change after set-up: its title, region, dates and method. The region
    is offered only to a national network's lead (a regional lead's rounds are of their own region),
    to put right a round set up as National that is a region's (the round then passes to that
    region's lead); a region is refused while a council of the round is recorded as of another."""

    title = _round_title()
    region = RegionField(
        help_text="Changing it passes the round to that region’s lead (or, for National, to the "
        "national network’s)"
    )
    starts_on = _starts_on()
    ends_on = _ends_on()
    method = _method()

    def __init__(self, *args: Any, user: User, round_: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.round = round_
        region, choices = _offer_regions(self, user)
        if len(choices) == 1:
            del self.fields["region"]
        else:
            region.initial = round_.region or NATIONAL

    def clean_region(self) -> str:
        region: str = self.cleaned_data["region"]
        if refusal := self.round.region_refusal(region):
            raise forms.ValidationError(refusal)
        return region

    def clean(self) -> dict[str, Any]:
        super().clean()
        _dates_in_order(self)
        return self.cleaned_data


class NamingForm(GovukForm):
    """Which of a round's councils agreed to be named in the report's tables."""

    named = forms.MultipleChoiceField(
        label="Councils that agreed to be named in the report\u2019s tables",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Their names are listed beside their answers in the report\u2019s tables when every "
        f"council agreed, or when at least {MIN_DECLINED_FOR_NAMES} declined; otherwise no council is "
        "named (with only one or two declining, what they answered could be worked out)",
        error_messages={"invalid_choice": "Select councils of this round"},
    )

    def __init__(self, *args: Any, respondents: list[Respondent], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        named = self.fields["named"]
        assert isinstance(named, forms.MultipleChoiceField)
        named.choices = [(r.respondent_id, r.council) for r in respondents]
        named.initial = [r.respondent_id for r in respondents if r.may_name]


class DataQualityNoteForm(GovukForm):
    qid = forms.ChoiceField(
        label="Question (optional)",
        required=False,
        error_messages={"invalid_choice": "Select a question of this round"},
    )
    text = forms.CharField(
        label="Note",
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"required": "Enter the note"},
        help_text="Shown in the report\u2019s data-quality section, for example where a published text "
        "contradicts the figures",
    )

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qid = self.fields["qid"]
        assert isinstance(qid, forms.ChoiceField)
        qid.choices = [("", "The whole report"), *((q.qid, q.text) for q in questions)]

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Enter the note")
        return text


def _grid_name(question: Question, index: int) -> str:
    return f"{question.qid}__{index}"


@dataclass
class Section:
    """One question of the conversation form: its bound fields (a grid has one per item; an open
    answer its consent to be quoted by name) and the council's measured figure beside it."""

    question: Question
    fields: list[forms.BoundField]
    hint: str = ""
    evidence: str = ""


@dataclass
class Unanswered:
    """A question with no answer saved yet (a part-answered grid: the items without one)."""

    question: Question
    anchor: str
    items: list[str] = field(default_factory=list)
    asked_only: str = ""


def _condition_hint(question: Question) -> str:
    return f"Ask only {asked_only(question.condition)}." if question.condition.strip() else ""


class ConversationForm(GovukForm):
    """Every question of the instrument on one page; nothing is required, so it saves as you go.
    Only marking the conversation complete asks for something: the reason for a moderated rating."""

    def __init__(
        self,
        *args: Any,
        questions: list[Question],
        respondent: Respondent,
        completing: bool = False,
        evidence: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.questions = questions
        self.completing = completing
        self.evidence = evidence or {}
        self.moderated = next((q for q in questions if q.moderates), None)
        super().__init__(*args, **kwargs)
        for q in questions:
            hint = _condition_hint(q)
            if q.type in ("single", "rating"):
                self.fields[q.qid] = forms.ChoiceField(
                    label=q.text,
                    choices=[(c, c) for c in q.categories],
                    widget=forms.RadioSelect,
                    required=False,
                    help_text=hint,
                )
            elif q.type == "multi":
                self.fields[q.qid] = forms.MultipleChoiceField(
                    label=q.text,
                    choices=[(c, c) for c in q.categories],
                    widget=forms.CheckboxSelectMultiple,
                    required=False,
                    help_text=f"{hint} Select all that apply." if hint else "Select all that apply.",
                )
            elif q.type == "grid":
                for i, item in enumerate(q.items):
                    self.fields[_grid_name(q, i)] = forms.ChoiceField(
                        label=f"{item}",
                        choices=[("", "No answer"), *[(c, c) for c in q.categories]],
                        required=False,
                    )
            else:
                self.fields[q.qid] = forms.CharField(
                    label=q.text,
                    widget=forms.Textarea,
                    required=False,
                    max_length=10000,
                    help_text=hint,
                    error_messages={"max_length": "An answer must be 10,000 characters or fewer"},
                )
                self.fields[f"{q.qid}__consent"] = forms.BooleanField(
                    label=(
                        "The council agreed to be named beside a quote from its answer to "
                        f"\u201c{q.text}\u201d"
                    ),
                    required=False,
                )
                # The consent the page shows, posted back, as for may_name_shown below.
                self.fields[f"{q.qid}__consent_shown"] = forms.CharField(
                    widget=forms.HiddenInput, required=False
                )
        if self.moderated:
            self.fields["moderation_reason"] = forms.CharField(
                label="If your rating differs from the council's own, why?",
                widget=forms.Textarea,
                required=False,
                max_length=5000,
                help_text="Needed before the conversation is marked complete, when the two ratings differ",
                error_messages={"max_length": "The reason must be 5,000 characters or fewer"},
            )
        self.fields["may_name"] = forms.BooleanField(
            label="The council agreed to be named in the report\u2019s tables",
            required=False,
            help_text="Its name is then listed beside its answers in the report\u2019s tables",
        )
        # The consent the page shows, posted back: a page left open saves it only if the
        # interviewer changed it, and never over a change made meanwhile (services.save_conversation).
        self.fields["may_name_shown"] = forms.CharField(widget=forms.HiddenInput, required=False)
        if not self.is_bound:
            self.initial.setdefault("may_name", respondent.may_name)
        self.initial["may_name_shown"] = "1" if self.initial.get("may_name") else "0"
        for q in questions:
            if q.type == "open":
                shown = self.initial.get(f"{q.qid}__consent")
                self.initial[f"{q.qid}__consent_shown"] = "1" if shown else "0"

    def clean_may_name_shown(self) -> bool | None:
        """What the page showed (None: a post without it, as from a page of an older version)."""
        return {"1": True, "0": False}.get(self.cleaned_data.get("may_name_shown") or "")

    def consent_shown(self) -> dict[str, bool]:
        """{qid: the consent to be named beside a quote the page showed} for each open question
        whose page posted it back (one left out: a post from a page of an older version)."""
        out = {}
        for q in self.questions:
            if q.type == "open":
                value = {"1": True, "0": False}.get(self.cleaned_data.get(f"{q.qid}__consent_shown") or "")
                if value is not None:
                    out[q.qid] = value
        return out

    def sections(self) -> list[Section]:
        """Each question with its bound fields and the council's measured figure beside it."""
        out = []
        for q in self.questions:
            if q.type == "grid":
                names = [_grid_name(q, i) for i in range(len(q.items))]
            elif q.type == "open":
                names = [q.qid, f"{q.qid}__consent"]
            else:
                names = [q.qid]
            hint = _condition_hint(q) if q.type == "grid" else ""
            out.append(Section(q, [self[name] for name in names], hint, self.evidence.get(q.qid, "")))
        return out

    def ratings(self) -> tuple[str, str]:
        """The council's own rating and the interviewer's (moderated) one, as posted ("" if none)."""
        if not self.moderated:
            return "", ""
        data = self.cleaned_data
        return data.get(self.moderated.moderates) or "", data.get(self.moderated.qid) or ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.moderated and self.completing:
            own, moderated = self.ratings()
            if reason_needed(own, moderated, data.get("moderation_reason") or ""):
                self.add_error(
                    "moderation_reason",
                    "Enter why your rating differs from the council's own rating before you mark the "
                    "conversation complete",
                )
        return data

    def answers(self) -> list[tuple[Question, str, str, bool]]:
        """(question, item, answer, may name council) for everything answered."""
        out = []
        data = self.cleaned_data
        for q in self.questions:
            if q.type in ("single", "rating") and data.get(q.qid):
                out.append((q, "", data[q.qid], False))
            elif q.type == "multi":
                out += [(q, "", c, False) for c in data.get(q.qid) or []]
            elif q.type == "grid":
                for i, item in enumerate(q.items):
                    if data.get(_grid_name(q, i)):
                        out.append((q, item, data[_grid_name(q, i)], False))
            elif q.type == "open" and (data.get(q.qid) or "").strip():
                out.append((q, "", data[q.qid].strip(), bool(data.get(f"{q.qid}__consent"))))
        return out

    @classmethod
    def initial_for(cls, questions: list[Question], respondent: Respondent) -> dict[str, Any]:
        """The form's values from the answers saved (one query)."""
        initial: dict[str, Any] = {
            "moderation_reason": respondent.moderation_reason,
            "may_name": respondent.may_name,
        }
        by_q: dict[int, list] = {}
        for a in respondent.answers.all():
            by_q.setdefault(a.question_id, []).append(a)
        for q in questions:
            answers = by_q.get(q.pk, [])
            if q.type in ("single", "rating") and answers:
                initial[q.qid] = answers[0].answer
            elif q.type == "multi":
                initial[q.qid] = [a.answer for a in answers]
            elif q.type == "grid":
                for a in answers:
                    if a.item in q.items:
                        initial[_grid_name(q, q.items.index(a.item))] = a.answer
            elif q.type == "open" and answers:
                initial[q.qid] = answers[0].answer
                initial[f"{q.qid}__consent"] = answers[0].may_name_council
        return initial

    @staticmethod
    def unanswered(questions: list[Question], initial: dict[str, Any]) -> list[Unanswered]:
        """The questions with nothing saved for them (``initial``: ``initial_for``'s values), every
        type alike; a grid counts as unanswered in the items without an answer. A conditional
        question says who it is asked of, since it is right to leave it for the others."""
        out = []
        for q in questions:
            condition = asked_only(q.condition) if q.condition.strip() else ""
            if q.type == "grid":
                missing = [(i, item) for i, item in enumerate(q.items) if not initial.get(_grid_name(q, i))]
                if missing:
                    anchor = f"id_{_grid_name(q, missing[0][0])}"
                    # Which items, when some are answered; none answered is the whole question.
                    items = [item for _, item in missing] if len(missing) < len(q.items) else []
                    out.append(Unanswered(q, anchor, items, condition))
            elif not initial.get(q.qid):
                anchor = f"id_{q.qid}" + ("_0" if q.type in ("single", "rating", "multi") else "")
                out.append(Unanswered(q, anchor, [], condition))
        return out

    @classmethod
    def reason_outstanding(cls, questions: list[Question], initial: dict[str, Any]) -> bool:
        """The saved ratings differ and no reason is saved: the conversation cannot be marked
        complete yet."""
        moderated = next((q for q in questions if q.moderates), None)
        if moderated is None:
            return False
        return reason_needed(
            initial.get(moderated.moderates) or "",
            initial.get(moderated.qid) or "",
            initial.get("moderation_reason") or "",
        )


class ThemeForm(GovukForm):
    label = forms.CharField(label="New theme", max_length=200, error_messages={"required": "Enter the theme"})
