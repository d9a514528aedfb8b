"""The rules of the API for partner systems: tokens (made, found, revoked) and raising a concern with
an idempotency key. Views call these; each write is one transaction."""

import hashlib
import hmac
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from msphub.accounts.models import Organisation, User
from msphub.concerns import journey, referrer
from msphub.concerns import services as concern_services
from msphub.concerns.models import Concern
from msphub.core.states import StateChanged

from . import questions
from .models import ApiToken, IdempotencyKey

# --- Tokens ----------------------------------------------------------------------------------------

# msp_<12 hex characters: the prefix, kept in clear>_<43 characters: 256 random bits>
TOKEN_RE = re.compile(r"^msp_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
# A token's last use is written at most this often: not one write for every call of a busy system.
LAST_USED_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    # The secret is 256 random bits, so a plain SHA-256 cannot be reversed by guessing: a slow
    # password hash would only slow every call down.
    return hashlib.sha256(token.encode()).hexdigest()


def partners_of(council: Organisation) -> "list[Organisation]":
    """The partner organisations that work with ``council`` (``Organisation.councils``): those its
    lead may make tokens for."""
    return list(
        Organisation.objects.filter(councils=council)
        .exclude(kind__in=[Organisation.Kind.COUNCIL, Organisation.Kind.NETWORK])
        .order_by("name")
    )


def create_token(
    council: Organisation, organisation: Organisation, name: str, scopes: list[str], created_by: User
) -> tuple[ApiToken, str]:
    """A new token for ``organisation``'s system, made by ``council``'s lead; (token, the secret).

    The secret is returned this once and never stored: only its hash and its prefix are. The token's
    client user is made with it: organisation the partner, no role, no usable password, inactive."""
    if organisation.pk not in {o.pk for o in partners_of(council)}:
        raise ValidationError({"organisation": "Select an organisation that works with your council"})
    unknown = set(scopes) - set(ApiToken.Scope.values)
    if not scopes or unknown:
        raise ValidationError({"scopes": "Select what the token may do"})
    with transaction.atomic():
        while True:
            prefix = secrets.token_hex(6)
            if not ApiToken.objects.filter(prefix=prefix).exists():
                break
        secret = f"msp_{prefix}_{secrets.token_urlsafe(32)}"
        client = User(
            username=f"api-{prefix}",
            first_name="API client",
            last_name=f"({organisation.name})"[:150],
            organisation=organisation,
            role="",
            is_active=False,
        )
        client.set_unusable_password()
        client.save()
        token = ApiToken.objects.create(
            council=council,
            organisation=organisation,
            client=client,
            name=name,
            prefix=prefix,
            secret_hash=_hash(secret),
            scopes=[s for s in ApiToken.Scope.values if s in scopes],
            created_by=created_by,
        )
    return token, secret


def revoke_token(token: ApiToken, user: User) -> None:
    """Revoke the token: it is refused from its next call. Locked, so two leads pressing at once
    revoke it once."""
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            raise StateChanged("This token has already been revoked.")
        locked.revoked_at, locked.revoked_by = timezone.now(), user
        locked.save(update_fields=["revoked_at", "revoked_by"])
    token.revoked_at, token.revoked_by = locked.revoked_at, user


def authenticate(presented: str) -> ApiToken | None:
    """The usable token ``presented`` is, or None: unknown, revoked, or its organisation no longer
    works with the council it was made for."""
    match = TOKEN_RE.match(presented)
    if not match:
        return None
    token = (
        ApiToken.objects.usable()
        .select_related("client", "organisation", "council")
        .filter(prefix=match.group(1))
        .first()
    )
    if token is None or not hmac.compare_digest(_hash(presented), token.secret_hash):
        return None
    if not token.organisation.councils.filter(pk=token.council_id).exists():
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- Raising a concern -------------------------------------------------------------------------------


@dataclass
class Problem:
    """One thing wrong with a request: the field (or header) it is about, None for the whole body."""

    field: str | None
    message: str


class Refused(Exception):
    """The request cannot be done; the view answers ``status`` with the problems."""

    def __init__(self, status: int, problems: list[Problem]) -> None:
        super().__init__(problems[0].message if problems else "")
        self.status = status
        self.problems = problems


IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")
KEY_MESSAGE = f"{IDEMPOTENCY_HEADER} must be 1 to 255 visible ASCII characters, like a UUID"
KEY_REUSED = f"This {IDEMPOTENCY_HEADER} was used with a different request: use a new key for a new concern"
# A namespace for the submission tokens made from idempotency keys (uuid5): the same key from the same
# organisation to the same council is the same submission, so raise_concern's unique token keeps it to
# one concern; the same key sent to another council (with that council's token) is another.
SUBMISSION_NAMESPACE = uuid.UUID("5d3b0f3e-8f7a-4e53-9d51-7c1b8f2a6e10")


@dataclass
class Raised:
    concern: Concern
    replayed: bool


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not IDEMPOTENCY_KEY_RE.match(key):
        raise Refused(400, [Problem(IDEMPOTENCY_HEADER, KEY_MESSAGE)])
    return key


def _digest(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _key_of(token: ApiToken, key: str) -> dict[str, Any]:
    """What makes a key one submission: the organisation, the council (of the token it came with: the
    council the concern goes to) and the key itself (the ``api_idempotency_key_once_per_council``
    constraint)."""
    return {"organisation_id": token.organisation_id, "council_id": token.council_id, "key": key}


def _replay(row: IdempotencyKey, digest: str) -> Raised:
    if not hmac.compare_digest(row.request_hash, digest):
        raise Refused(422, [Problem(IDEMPOTENCY_HEADER, KEY_REUSED)])
    return Raised(row.concern, replayed=True)


def raise_concern(token: ApiToken, body: Any, key: str | None) -> Raised:
    """Raise a concern from a partner system's JSON ``body`` with the concern form's own rules
    (``journey.validate_for_system``) and through ``concerns.services.raise_concern``, so it reaches
    the council's front door exactly as the form's do. Refused (400) with every problem at once."""
    key = check_key(key)
    answers = questions.read(body, default_organisation_name=token.organisation.name)
    checked = journey.validate_for_system(journey.form_data(answers))
    if not checked.is_valid:
        raise Refused(
            400, [Problem(name, message) for name, messages in checked.errors.items() for message in messages]
        )
    digest = _digest(body)
    with transaction.atomic():
        if key is not None:
            row = IdempotencyKey.objects.select_related("concern").filter(**_key_of(token, key)).first()
            if row is not None:
                return _replay(row, digest)
            submission = uuid.uuid5(SUBMISSION_NAMESPACE, f"{token.organisation_id}:{token.council_id}:{key}")
        else:
            submission = uuid.uuid4()
        try:
            concern, _created = concern_services.raise_concern(
                checked.answers, token.council, submission, user=token.client
            )
        except ValidationError as invalid:
            raise Refused(400, _problems(invalid)) from invalid
        if key is None:
            return Raised(concern, replayed=False)
        try:
            with transaction.atomic():
                IdempotencyKey.objects.create(
                    **_key_of(token, key), request_hash=digest, concern=concern, token=token
                )
        except IntegrityError:
            # A request with the same key got there first (and raise_concern gave this one the
            # concern it made, by the same submission token): answer as a repeat of it.
            row = IdempotencyKey.objects.select_related("concern").get(**_key_of(token, key))
            return _replay(row, digest)
    return Raised(concern, replayed=False)


def _problems(invalid: ValidationError) -> list[Problem]:
    if hasattr(invalid, "error_dict"):
        return [
            Problem(None if name == "__all__" else name, message)
            for name, messages in invalid.message_dict.items()
            for message in messages
        ]
    return [Problem(None, message) for message in invalid.messages]


# --- Reading a concern's status ---------------------------------------------------------------------


def status_of(concern: Concern) -> dict[str, Any]:
    """What a partner system is told of a concern its organisation raised: its own reference, the
    status in the partner words, the day it was received, what the council decided and the outcome
    the council wrote for the referrer, in the very words the referrer's page shows
    (``concerns.referrer``, the one place for what a referrer is told). Never anything about the
    adult: the system has what it sent."""
    decision = getattr(concern, "decision", None)  # the view selects it with the concern
    # The enquiry only chooses the sentence shown when the council has written nothing, which a
    # system is not sent (it says "here", meaning the referrer's page): null instead.
    outcome, written = referrer.outcome_words(concern, None)
    return {
        "reference": concern.reference,
        "raiser_reference": concern.raiser_reference,
        "status": concern.partner_status,
        "received_on": timezone.localdate(concern.received_at).isoformat(),
        "decision": referrer.decision_words(concern, decision),
        "outcome_for_referrer": outcome if written else None,
    }
