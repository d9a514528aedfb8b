"""Every change the temperature-check pages make, each in one transaction (the views only read)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction

from . import importer, instruments
from .models import Answer, Question, Respondent, Round

if TYPE_CHECKING:
    from msphub.accounts.models import User


@transaction.atomic
def load_shipped_instruments() -> None:
    """Load the instruments that ship with msphub (a new version of any that changed)."""
    instruments.load_shipped()


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


@transaction.atomic
def create_round(new: NewRound, region: str) -> Round:
    """A round of ``region`` with a respondent for each council taking part, numbered from 001."""
    round_ = Round.objects.create(
        slug=new.slug,
        title=new.title,
        instrument=new.instrument,
        region=region,
        starts_on=new.starts_on,
        ends_on=new.ends_on,
    )
    round_.interviewers.set(new.interviewers)
    Respondent.objects.bulk_create(
        Respondent(round=round_, respondent_id=f"{new.slug}-{n:03d}", council=name, region=region)
        for n, name in enumerate(new.councils, start=1)
    )
    return round_


def import_round(
    slug: str, title: str, instrument: instruments.Instrument, responses: bytes, region: str
) -> Round:
    """A round from a CSV file of responses; ImportRefused (nothing written) if any line is wrong."""
    return importer.create_round(slug, title, instrument, responses, region=region)


@transaction.atomic
def save_conversation(
    respondent: Respondent,
    answers: Iterable[tuple[Question, str, str, bool]],
    moderation_reason: str,
    complete: bool,
) -> None:
    """Record a conversation's answers: closed answers are replaced; open answers are updated in
    place, so their coding stays."""
    respondent.answers.exclude(question__type="open").delete()
    kept = []
    for question, item, answer, may_name in answers:
        if question.type == "open":
            obj, _ = Answer.objects.update_or_create(
                respondent=respondent,
                question=question,
                item="",
                defaults={"answer": answer, "may_name_council": may_name},
            )
            kept.append(obj.pk)
        else:
            Answer.objects.create(respondent=respondent, question=question, item=item, answer=answer)
    respondent.answers.filter(question__type="open").exclude(pk__in=kept).delete()
    respondent.moderation_reason = moderation_reason
    respondent.complete = complete
    respondent.save(update_fields=["moderation_reason", "complete"])
