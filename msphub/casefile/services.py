"""Writing case notes: every change to a note is here, in a transaction."""

import logging
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from msphub.accounts.models import User
from msphub.concerns.models import Concern
from msphub.core.states import StateChanged, lock_status
from msphub.enquiries.models import Enquiry
from msphub.people.models import Person

from .models import CaseNote

logger = logging.getLogger(__name__)

IN_THE_FUTURE = "When it happened must be now or in the past"
REASON_REQUIRED = "Enter why this case note was entered in error"
ALREADY_IN_ERROR = "This case note has already been marked as entered in error."


def occurred_at_errors(when: datetime | None) -> dict[str, str]:
    """A note records something that has happened: not in the future. The form gives the time to
    the minute, so a note of something that happened this minute is not refused for its seconds."""
    if when is not None and when.replace(second=0, microsecond=0) > timezone.now():
        return {"occurred_at": IN_THE_FUTURE}
    return {}


def add_note(
    person: Person,
    user: User,
    data: dict[str, Any],
    *,
    concern: Concern | None = None,
    enquiry: Enquiry | None = None,
) -> CaseNote:
    """A case note about ``person`` (and, if given, one of their concerns or enquiries), written now
    by ``user``. ``data``: ``kind``, ``occurred_at`` and ``text``."""
    errors = occurred_at_errors(data.get("occurred_at"))
    if errors:
        raise ValidationError(errors)
    if concern is not None and enquiry is not None:
        raise ValueError("a case note is about a concern or an enquiry, not both")
    # The views look the concern or enquiry up among the person's; a caller passing another
    # person's is a programming error, not something to save.
    if concern is not None and concern.person_id != person.pk:
        raise ValueError("the concern is not about this person")
    if enquiry is not None and enquiry.person_id != person.pk:
        raise ValueError("the enquiry is not about this person")
    with transaction.atomic():
        note = CaseNote.objects.create(
            council_id=person.council_id,
            person=person,
            concern=concern,
            enquiry=enquiry,
            kind=data["kind"],
            occurred_at=data["occurred_at"],
            text=data["text"].strip(),
            author=user,
        )
    logger.info("Case note %s added to person %s", note.uuid, person.uuid)
    return note


def mark_note_in_error(note: CaseNote, user: User, reason: str) -> None:
    """A note written by mistake: kept, struck through with the reason. Two people pressing at once:
    the second waits for the first under the row lock and is refused (``StateChanged``)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    with transaction.atomic():
        # A note stands exactly while it has no reason for being in error (a constraint holds it).
        lock_status(note, ("",), StateChanged(ALREADY_IN_ERROR), field="entered_in_error_reason")
        note.entered_in_error_at = timezone.now()
        note.entered_in_error_by = user
        note.entered_in_error_reason = reason
        note.save(update_fields=["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"])
    logger.info("Case note %s marked as entered in error", note.uuid)
