"""One-time codes for people without an account (docs/security.md, "One-time codes").

A member of the public who raised a concern, or a person asked for their feedback, types the
reference they were given and the email address or phone number the record holds. If the two match,
a six-digit code is sent there; the page says the same whether or not they matched, so it cannot be
used to learn which references exist or whose details a record holds. The code is good for
``LIFETIME`` and ``MAX_ATTEMPTS`` tries, once; a new code replaces any earlier one. Codes are stored as
a keyed hash, and where a code went is never stored or logged.

Feature apps decide whether the details match (they know the record); this module only issues,
sends and checks codes, and keeps a verified subject in the session for ``SESSION_LIFETIME``.
"""

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import OneTimeCode

LIFETIME = timedelta(minutes=15)
MAX_ATTEMPTS = 5
SESSION_LIFETIME = timedelta(minutes=30)
SESSION_KEY = "onetime_verified"
PENDING_KEY = "onetime_pending"
logger = logging.getLogger(__name__)


def _hash(purpose: str, subject: str, code: str) -> str:
    message = f"{purpose}:{subject}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def normalise_phone(value: str) -> str:
    """ASCII digits only, with a leading +44 read as 0: how two spellings of one UK number are
    compared. (``str.isdigit`` would keep full-width and other scripts' digits too.)"""
    digits = "".join(ch for ch in value if ch in "0123456789")
    if value.strip().startswith("+44") or (digits.startswith("44") and len(digits) == 12):
        digits = "0" + digits[2:]
    return digits


def same_contact(given: str, held_email: str, held_phone: str) -> bool:
    """Whether ``given`` is the email address or phone number the record holds."""
    given = given.strip()
    if not given:
        return False
    if "@" in given:
        # Compared as bytes: hmac.compare_digest refuses str holding anything but ASCII.
        typed, held = given.lower().encode(), held_email.strip().lower().encode()
        return bool(held_email) and hmac.compare_digest(typed, held)
    digits = normalise_phone(given)
    return len(digits) >= 10 and bool(held_phone) and hmac.compare_digest(digits, normalise_phone(held_phone))


def issue(purpose: str, subject: str, destination: str, *, label: str) -> None:
    """Make a new code for ``subject`` (replacing any earlier one) and send it to ``destination``.

    ``label`` says in the message what the code is for ("to see the status of your concern"); the
    message holds the code and nothing else about the record (no reference, no name)."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    with transaction.atomic():
        # Codes are kept a day after they lapse (the attempts on them show a guessing run), then go.
        OneTimeCode.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
        OneTimeCode.objects.filter(purpose=purpose, subject=subject, used_at__isnull=True).update(used_at=now)
        OneTimeCode.objects.create(
            purpose=purpose,
            subject=subject,
            code_hash=_hash(purpose, subject, code),
            expires_at=now + LIFETIME,
        )
    text = (
        f"Your msphub code {label} is {code}. It works once, for 15 minutes. "
        "If you did not ask for it, ignore this message."
    )
    try:
        if "@" in destination:
            send_mail("Your msphub code", text, None, [destination.strip()])
        else:
            import_string(settings.TEXT_MESSAGE_BACKEND)().send(destination.strip(), text)
    except Exception:  # noqa: BLE001 - a failed send must look like no match to the person asking
        # Neither the destination nor the code is logged: the page says the same as for no match, so
        # a failure tells nobody that the details matched.
        logger.exception("A one-time code for %s could not be sent", purpose)


def check(purpose: str, subject: str, code: str) -> bool:
    """Whether ``code`` is the live code for ``subject``; a right code is used up, a wrong one counts."""
    code = "".join(ch for ch in code if ch in "0123456789")
    with transaction.atomic():
        live = (
            OneTimeCode.objects.select_for_update()
            .filter(purpose=purpose, subject=subject, used_at__isnull=True, expires_at__gt=timezone.now())
            .order_by("-created_at")
            .first()
        )
        if live is None or live.attempts >= MAX_ATTEMPTS:
            return False
        if len(code) == 6 and hmac.compare_digest(live.code_hash, _hash(purpose, subject, code)):
            live.used_at = timezone.now()
            live.save(update_fields=["used_at"])
            return True
        live.attempts += 1
        live.save(update_fields=["attempts"])
        return False


def begin(request: HttpRequest, purpose: str, reference: str) -> str:
    """Start asking for a code in this browser's session: the subject a code is issued for and checked
    against is the reference *and* a random token kept in this session only. So only the session whose
    details matched holds the subject of a code: another browser that gave the reference with other
    details cannot guess that code, nor use up its tries. Returns the subject."""
    token = secrets.token_urlsafe(12)
    pending = dict(request.session.get(PENDING_KEY, {}))
    pending[purpose] = [reference, token]
    request.session[PENDING_KEY] = pending
    return f"{reference}:{token}"[:40]


def pending(request: HttpRequest, purpose: str) -> tuple[str, str] | None:
    """The reference this session asked a code for, and the subject the code was issued for."""
    entry = request.session.get(PENDING_KEY, {}).get(purpose)
    if not entry:
        return None
    reference, token = entry
    return str(reference), f"{reference}:{token}"[:40]


def end(request: HttpRequest, purpose: str) -> None:
    """This session no longer waits for a code for ``purpose``."""
    waiting = dict(request.session.get(PENDING_KEY, {}))
    waiting.pop(purpose, None)
    request.session[PENDING_KEY] = waiting


def remember(request: HttpRequest, purpose: str, subject: str) -> None:
    """Keep ``subject`` verified for ``purpose`` in this browser's session for ``SESSION_LIFETIME``."""
    request.session.cycle_key()
    verified = dict(request.session.get(SESSION_KEY, {}))
    verified[purpose] = [subject, (timezone.now() + SESSION_LIFETIME).isoformat()]
    request.session[SESSION_KEY] = verified


def verified_subject(request: HttpRequest, purpose: str) -> str | None:
    """The subject this session has shown a code for (and not yet timed out), or None."""
    entry = request.session.get(SESSION_KEY, {}).get(purpose)
    if not entry:
        return None
    subject, until = entry
    if timezone.now() >= datetime.fromisoformat(until):
        return None
    return str(subject)


def forget(request: HttpRequest, purpose: str) -> None:
    verified = dict(request.session.get(SESSION_KEY, {}))
    verified.pop(purpose, None)
    request.session[SESSION_KEY] = verified


class ConsoleTextMessages:
    """Text messages printed, not sent: local use. Production sets TEXT_MESSAGE_BACKEND to a class
    with the same ``send(number, text)`` (for example one calling GOV.UK Notify)."""

    def send(self, number: str, text: str) -> None:
        print(f"Text message to a number ending {number[-3:]}: {text}")  # noqa: T201


class NoTextMessages:
    """Production without a text-message service: a code asked for by phone is not sent (and the page
    says the same as ever); set TEXT_MESSAGE_BACKEND to send texts."""

    def send(self, number: str, text: str) -> None:
        raise RuntimeError("No text-message service is configured (TEXT_MESSAGE_BACKEND)")


# Tests read what was "sent" here, as Django's locmem backend keeps mail in mail.outbox.
outbox: list[tuple[str, str]] = []


class OutboxTextMessages:
    def send(self, number: str, text: str) -> None:
        outbox.append((number, text))
