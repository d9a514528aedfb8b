"""Every change the temperature-check pages make, each in one transaction (the views only read)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models.functions import Lower, Trim

from msphub.accounts.models import Organisation
from msphub.core.states import StateChanged

from . import analysis, coding, importer, instruments
from .forms import reason_needed  # the rule lives beside the form (importer imports forms too)
from .models import Answer, DataQualityNote, Question, Quote, Respondent, Round

if TYPE_CHECKING:
    from msphub.accounts.models import User


class ConversationRefused(Exception):
    """A conversation cannot be saved as asked (its message says why, for the interviewer)."""


@transaction.atomic
def load_shipped_instruments() -> None:
    """Load the instruments that ship with msphub (a new version of any that changed)."""
    instruments.load_shipped()


def shipped_not_loaded() -> list[str]:
    """The titles of the shipped instruments whose current text is not stored yet: none stored, or a
    newer wording shipped since (the road map's published step wording, say)."""
    titles = []
    for name in instruments.SHIPPED_INSTRUMENTS:
        text = (instruments.SHIPPED / name).read_text(encoding="utf-8")
        if not instruments.Instrument.objects.filter(source=text).exists():
            data = instruments.parse(text)
            titles.append(str(data.get("title") or data["id"]))
    return titles


@dataclass(frozen=True)
class NewRound:
    """A round as the set-up form gives it."""

    slug: str
    title: str
    instrument: instruments.Instrument
    starts_on: date | None
    ends_on: date | None
    councils: list[str]
    interviewers: Iterable[User]
    method: str = ""
    # Every council taking part agreed to be named in the report's tables.
    named: bool = False


def _council_regions(region: str, names: list[str]) -> list[str]:
    """Each council's region in a round of ``region`` ("" national): in a regional round the
    region; in a national round the region of the council record (Organisation, kind council) with
    its name, without regard to case, blank where there is none (one query)."""
    if region:
        return [region] * len(names)
    found = dict(
        Organisation.objects.filter(kind=Organisation.Kind.COUNCIL)
        .exclude(region="")
        .annotate(key=Lower(Trim("name")))
        .filter(key__in=[n.strip().lower() for n in names])
        .values_list("key", "region")
    )
    return [found.get(n.strip().lower(), "") for n in names]


@transaction.atomic
def create_round(new: NewRound, region: str) -> Round:
    """A round of ``region`` ("" national) with a respondent for each council taking part, numbered
    from 001. In a regional round every council is of the region; in a national round each takes the
    region its council record has (blank where there is none), so the round can be cut to a region."""
    round_ = Round.objects.create(
        slug=new.slug,
        title=new.title,
        instrument=new.instrument,
        region=region,
        starts_on=new.starts_on,
        ends_on=new.ends_on,
        method=new.method.strip(),
    )
    round_.interviewers.set(new.interviewers)
    regions = _council_regions(region, new.councils)
    Respondent.objects.bulk_create(
        Respondent(
            round=round_,
            respondent_id=f"{new.slug}-{n:03d}",
            council=name,
            region=of,
            may_name=new.named,
        )
        for n, (name, of) in enumerate(zip(new.councils, regions, strict=True), start=1)
    )
    return round_


@transaction.atomic
def import_round(
    slug: str,
    title: str,
    instrument: instruments.Instrument,
    responses: bytes,
    region: str,
    named: bool = False,
) -> Round:
    """A round from a CSV file of responses; ImportRefused (nothing written) if any line is wrong.
    ``named``: every respondent in the file agreed to be named in the tables (as ``--named``)."""
    return importer.create_round(slug, title, instrument, responses, region=region, named=named)


@transaction.atomic
def import_baseline(
    slug: str, title: str, instrument: instruments.Instrument, counts: bytes, region: str
) -> Round:
    """An aggregate-only round (a baseline) from published counts, of ``region`` ("" national);
    ImportRefused (nothing written) if any line is wrong."""
    return importer.create_baseline(slug, title, instrument, counts, region=region)


@transaction.atomic
def update_round(
    round_: Round,
    title: str,
    starts_on: date | None,
    ends_on: date | None,
    method: str,
    region: str | None = None,
) -> Round:
    """A round's title, dates and method (for the report's title page and method section), and its
    region when given ("" for National; RoundEditForm says who may change it); the round as saved.
    A region the round cannot be given (Round.region_refusal, checked again here under the row lock)
    is refused (StateChanged). Its councils take the new region as at set-up (_council_regions)."""
    locked = Round.objects.select_for_update().get(pk=round_.pk)
    locked.title, locked.starts_on, locked.ends_on, locked.method = title, starts_on, ends_on, method.strip()
    fields = ["title", "starts_on", "ends_on", "method"]
    if region is not None and region != locked.region:
        if refusal := locked.region_refusal(region):
            raise StateChanged(refusal)
        locked.region = region
        fields.append("region")
        respondents = list(Respondent.objects.filter(round=locked))
        regions = _council_regions(region, [r.council for r in respondents])
        for respondent, of in zip(respondents, regions, strict=True):
            respondent.region = of
        Respondent.objects.bulk_update(respondents, ["region"])
    locked.save(update_fields=fields)
    return locked


@transaction.atomic
def set_named(round_: Round, respondent_ids: Iterable[str]) -> int:
    """Exactly these respondents of the round agreed to be named in the tables; returns how many."""
    chosen = set(respondent_ids)
    respondents = round_.respondents.all()
    respondents.exclude(respondent_id__in=chosen).update(may_name=False)
    return respondents.filter(respondent_id__in=chosen).update(may_name=True)


def naming(round_: Round) -> dict[str, object]:
    """Whether the round's report will list the names of the councils that agreed, by the report's own
    rule and note (analysis.names_shown), over the councils the report counts (those with an answer);
    before any conversation has an answer, over all the round's councils, as they will be once
    interviewed. The keys of names_shown: shown, agreed, declined, note."""
    answered = list(analysis.respondents(round_).values_list("may_name", flat=True))
    if not answered:
        answered = list(round_.respondents.values_list("may_name", flat=True))
    return analysis.names_shown([{"named": named} for named in answered])


@transaction.atomic
def add_note(round_: Round, qid: str, text: str, user: User) -> DataQualityNote:
    """A data-quality note for the round's report, tied to a question of its instrument or to none."""
    if qid and not round_.instrument.questions.filter(qid=qid).exists():
        raise ValueError(f"{round_.instrument} has no question {qid!r}")
    return DataQualityNote.objects.create(round=round_, qid=qid, text=text.strip(), added_by=user)


@transaction.atomic
def remove_note(round_: Round, note_id: int) -> bool:
    """Remove one of the round's notes; False if it has none with this id (removed already)."""
    deleted, _ = DataQualityNote.objects.filter(round=round_, pk=note_id).delete()
    return bool(deleted)


@dataclass(frozen=True)
class Saved:
    """What saving a conversation did: whether it is complete now, and whether it was complete and
    is not any more (its ratings now differ without a reason); ``naming_kept``: the consent to be
    named in the tables was changed by someone else after the page was shown, so the stored value
    was kept (``may_name`` is it); ``consent_kept``: the same for consent to be named beside a
    quote, per open answer; ``quotes_removed``: quotes dropped because an open answer's new
    words no longer hold them."""

    complete: bool
    reopened: bool = False
    may_name: bool = False
    naming_kept: bool = False
    quotes_removed: int = 0
    # (question's text, the consent stored) for each open answer whose consent to be named beside a
    # quote was changed by someone else after the page was shown, so the stored one was kept.
    consent_kept: tuple[tuple[str, bool], ...] = ()


def _ratings(answers: list[tuple[Question, str, str, bool]]) -> tuple[str, str]:
    moderated = next((q for q, *_ in answers if q.moderates), None)
    if moderated is None:
        return "", ""
    given = {q.qid: answer for q, _item, answer, _named in answers if q.type != "multi"}
    return given.get(moderated.moderates, ""), given.get(moderated.qid, "")


@transaction.atomic
def save_conversation(
    respondent: Respondent,
    answers: Iterable[tuple[Question, str, str, bool]],
    moderation_reason: str,
    complete: bool,
    may_name: bool | None = None,
    may_name_shown: bool | None = None,
    consent_shown: Mapping[str, bool] | None = None,
) -> Saved:
    """Record a conversation's answers: closed answers are replaced; open answers are updated in
    place, so their coding stays. Everything saves whatever is missing; only ``complete`` needs the
    reason for a moderated rating (ConversationRefused, nothing saved). "Save and carry on" keeps a
    complete conversation complete unless its ratings now differ without a reason.

    The respondent's row is locked first, so two people saving the same conversation at once save
    one after the other (each replaces the closed answers whole) and the completeness rule is checked
    on the state it is written over.

    Consent to be named in the tables (``may_name``) is written only where the interviewer changed
    it: ``may_name_shown`` is the value their page showed (None: the stored one). If the stored value
    has changed since the page was shown, it is kept (``Saved.naming_kept``), so a page left open
    never reverses a consent recorded meanwhile.

    Consent to be named beside a quote (an open answer's ``may_name_council``) follows the same
    rule: ``consent_shown`` is {qid: the value the page showed} (a qid left out: the stored one).
    The posted value is written only where it differs from the shown one; where the stored value
    differs from the shown one, someone changed it meanwhile and it is kept (``Saved.consent_kept``),
    so a withdrawn consent is never silently restored, nor a given one silently withdrawn.

    An open answer whose words change loses the quotes the new words no longer hold
    (``coding.check_excerpt``); ``Saved.quotes_removed`` says how many."""
    locked = Respondent.objects.select_for_update().get(pk=respondent.pk)
    given = list(answers)
    instrument_id = locked.round.instrument_id
    if any(q.instrument_id != instrument_id for q, *_ in given):
        raise ConversationRefused("An answer is to a question of another instrument")
    needed = reason_needed(*_ratings(given), moderation_reason)
    if complete and needed:
        raise ConversationRefused(
            "Enter why your rating differs from the council's own rating before you mark the "
            "conversation complete"
        )
    locked.answers.exclude(question__type="open").delete()
    kept = []
    closed = []
    before = {
        question_id: (text, consent)
        for question_id, text, consent in locked.answers.filter(question__type="open").values_list(
            "question_id", "answer", "may_name_council"
        )
    }
    reworded: list[int] = []
    consent_kept: list[tuple[str, bool]] = []
    for question, item, answer, may_name_council in given:
        if question.type == "open":
            # No answer stored: no consent stored either (a new answer starts unconsented).
            stored = before[question.pk][1] if question.pk in before else False
            shown_consent = (consent_shown or {}).get(question.qid, stored)
            consent = stored
            if shown_consent != stored:
                consent_kept.append((question.text, stored))
            elif may_name_council != shown_consent:
                consent = may_name_council
            obj, _ = Answer.objects.update_or_create(
                respondent=locked,
                question=question,
                item="",
                defaults={"answer": answer, "may_name_council": consent},
            )
            kept.append(obj.pk)
            if question.pk in before and before[question.pk][0] != answer:
                reworded.append(obj.pk)
        else:
            closed.append(Answer(respondent=locked, question=question, item=item, answer=answer))
    Answer.objects.bulk_create(closed)
    locked.answers.filter(question__type="open").exclude(pk__in=kept).delete()
    was_complete = locked.complete
    locked.moderation_reason = moderation_reason.strip()
    locked.complete = complete or (was_complete and not needed)
    fields = ["moderation_reason", "complete"]
    shown = locked.may_name if may_name_shown is None else may_name_shown
    naming_kept = may_name is not None and shown != locked.may_name
    if may_name is not None and may_name != shown and not naming_kept:
        locked.may_name = may_name
        fields.append("may_name")
    locked.save(update_fields=fields)
    respondent.complete, respondent.moderation_reason = locked.complete, locked.moderation_reason
    respondent.may_name = locked.may_name
    return Saved(
        complete=locked.complete,
        reopened=was_complete and not locked.complete,
        may_name=locked.may_name,
        naming_kept=naming_kept,
        quotes_removed=_drop_stale_quotes(reworded),
        consent_kept=tuple(consent_kept),
    )


def _drop_stale_quotes(answer_ids: list[int]) -> int:
    """Delete the quotes of these (reworded) answers whose excerpt is no longer the answer's own
    words (coding.check_excerpt, the rule the lead's quotes page applies); returns how many."""
    stale = []
    for quote in Quote.objects.filter(answer_id__in=answer_ids).select_related("answer"):
        try:
            coding.check_excerpt(quote.answer.answer, quote.excerpt)
        except ValueError:
            stale.append(quote.pk)
    Quote.objects.filter(pk__in=stale).delete()
    return len(stale)
