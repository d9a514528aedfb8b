"""The rules of letters: which text a council's letter of each kind uses, saving the lead's wording,
producing a letter (its text filled in and stored), and whether an enquiry's adult and referrer
have been told the outcome (``told``, which the closure gate reads)."""

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from msphub.accounts.models import Organisation, User
from msphub.concerns.models import Concern
from msphub.enquiries.models import Enquiry

from . import placeholders
from .models import ADULT_KINDS, Kind, Letter, LetterTemplate

logger = logging.getLogger(__name__)

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"


@dataclass(frozen=True)
class Wording:
    """The text a council's letter of one kind is produced from: its own template (``saved``) or,
    until its lead saves one, the shipped text."""

    kind: Kind
    subject: str
    body: str
    saved: LetterTemplate | None = None

    @property
    def is_default(self) -> bool:
        return self.saved is None


@cache
def default_text(kind: Kind) -> tuple[str, str]:
    """The shipped subject and body of ``kind`` (``defaults/<kind>.txt``: the subject, a blank line,
    then the body)."""
    text = (DEFAULTS_DIR / f"{kind.value}.txt").read_text(encoding="utf-8")
    subject, _, body = text.partition("\n\n")
    return subject.strip(), body.strip() + "\n"


def wording(kind: Kind, saved: LetterTemplate | None) -> Wording:
    if saved is not None:
        return Wording(kind, saved.subject, saved.body, saved)
    subject, body = default_text(kind)
    return Wording(kind, subject, body)


def wordings(saved: list[LetterTemplate]) -> list[Wording]:
    """Every kind of letter with the text it uses, given the council's saved templates."""
    by_kind = {t.kind: t for t in saved}
    return [wording(kind, by_kind.get(kind)) for kind in Kind]


def _council_wording(council_id: int, kind: Kind) -> Wording:
    return wording(kind, LetterTemplate.objects.filter(council_id=council_id, kind=kind).first())


def save_template(council: Organisation, kind: Kind, user: User, subject: str, body: str) -> LetterTemplate:
    """The lead's wording of ``kind`` for ``council``, replacing the one before (kept in history).

    The form has checked the placeholders; they are checked again here, so that no caller can save
    one the letter may not contain."""
    for text in (subject, body):
        if bad := placeholders.unknown(text, kind):
            raise ValidationError(f"This letter cannot use (({bad[0]}))")
    with transaction.atomic():
        template, created = LetterTemplate.objects.select_for_update().get_or_create(
            council=council,
            kind=kind,
            defaults={"subject": subject, "body": body, "updated_by": user, "updated_at": timezone.now()},
        )
        if not created:
            template.subject, template.body = subject, body
            template.updated_by, template.updated_at = user, timezone.now()
            template.save()
    logger.info("letter template %s saved for council %s by user %s", kind.value, council.pk, user.pk)
    return template


def _today() -> str:
    return date_format(timezone.localdate(), "j F Y")


def outcomes_text(enquiry: Enquiry) -> str:
    """The person's active desired outcomes in their words, each with how far it was achieved."""
    lines = []
    for outcome in enquiry.outcomes.filter(withdrawn_on__isnull=True).order_by("expressed_on", "pk"):
        achieved = outcome.get_achievement_display().lower() if outcome.achievement else "not decided yet"
        lines.append(f"- {outcome.words.strip()}: {achieved}")
    return "\n".join(lines) or "- No outcomes were recorded."


def adult_values(enquiry: Enquiry) -> dict[str, str]:
    return {
        "adult_name": enquiry.person.full_name,
        "reference": enquiry.reference,
        "council": enquiry.council.name,
        "practitioner": str(enquiry.lead_practitioner),
        "outcomes": outcomes_text(enquiry),
        "date": _today(),
    }


def referrer_values(concern: Concern) -> dict[str, str]:
    """Only what the person who raised the concern may know (placeholders._REFERRER): nothing here
    names the adult or says what happened or what was found."""
    return {
        "raiser_name": concern.raiser_name,
        "reference": concern.reference,
        "council": concern.council.name,
        "status": concern.partner_status.lower(),
        "date": _today(),
    }


def _produce(
    kind: Kind,
    user: User,
    concern: Concern,
    enquiry: Enquiry | None,
    recipient: str,
    values: dict[str, str],
) -> Letter:
    if concern.person_id is None:
        raise ValidationError("Link the concern to a person before producing a letter")
    # Only the kind's own values: a template cannot reach another kind's (checked on saving, and
    # here by construction).
    allowed = {name: values[name] for name in placeholders.ALLOWED[kind]}
    with transaction.atomic():
        text = _council_wording(concern.council_id, kind)
        version = None
        if text.saved is not None:
            version = text.saved.history.order_by("-history_id").values_list("history_id", flat=True).first()
        letter = Letter.objects.create(
            council_id=concern.council_id,
            person_id=concern.person_id if enquiry is None else enquiry.person_id,
            concern=concern,
            enquiry=enquiry,
            kind=kind,
            recipient_name=recipient[:200],
            subject=placeholders.fill(text.subject, allowed)[:300],
            body=placeholders.fill(text.body, allowed),
            template_version=version,
            created_by=user,
        )
    logger.info("letter %s (%s) produced by user %s", letter.uuid, kind.value, user.pk)
    return letter


def produce_outcome_letter(enquiry: Enquiry, user: User, kind: Kind) -> Letter:
    """The outcome letter to the adult (standard or easy read), from the council's wording."""
    if kind not in ADULT_KINDS:
        raise ValidationError("Select which letter to produce")
    return _produce(kind, user, enquiry.concern, enquiry, enquiry.person.full_name, adult_values(enquiry))


def produce_referrer_update(concern: Concern, user: User) -> Letter:
    """The update to the person who raised the concern: its reference and status, nothing more."""
    kind = Kind.REFERRER_UPDATE
    return _produce(kind, user, concern, None, concern.raiser_name, referrer_values(concern))


def told(enquiry: Enquiry) -> dict[str, bool]:
    """Whether an outcome letter to the adult ("adult") and an update to the person who raised the
    concern ("referrer") have been produced for ``enquiry`` (the update: for its concern). One query."""
    kinds = set(
        Letter.objects.filter(Q(enquiry_id=enquiry.pk) | Q(concern_id=enquiry.concern_id))
        .values_list("kind", flat=True)
        .distinct()
    )
    return {"adult": bool(kinds & ADULT_KINDS), "referrer": Kind.REFERRER_UPDATE in kinds}
