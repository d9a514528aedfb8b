"""Pieces every feature uses: readable references and the access log.

core never imports a feature app; records are named here by a label and a UUID.
"""

import hashlib
import json
import uuid
from datetime import UTC
from typing import Any, ClassVar

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone


class ReferenceSequence(models.Model):
    """The last number issued for a prefix in a year, so references can be read aloud."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="unique_reference_sequence")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"

    @classmethod
    def next_reference(cls, prefix: str, when=None) -> str:
        """Issue the next reference, such as CON-2026-000123.

        Must run inside the caller's transaction; the row lock keeps two writers from issuing the
        same number on PostgreSQL (SQLite serialises writers anyway).
        """
        year = timezone.localtime(when or timezone.now()).year
        with transaction.atomic():
            cls.objects.get_or_create(prefix=prefix, year=year)
            seq = cls.objects.select_for_update().get(prefix=prefix, year=year)
            seq.last += 1
            seq.save(update_fields=["last"])
        return f"{prefix}-{year}-{seq.last:06d}"


class AccessEvent(models.TextChoices):
    """What an access-log entry records."""

    VIEW = "view", "Viewed a record"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Failed to sign in"
    SIGN_OUT = "sign_out", "Signed out"


class AccessLogManager(models.Manager["AccessLog"]):
    # Tries before giving up when concurrent writers keep taking the next sequence number.
    ATTEMPTS = 20

    def append(self, **fields: Any) -> "AccessLog":
        """Write one entry at the end of the hash chain; with ``append_many``, the only way
        access-log rows are written."""
        return self.append_many([fields])[0]

    def append_many(self, entries: "list[dict[str, Any]]") -> "list[AccessLog]":
        """Write entries, in order, at the end of the hash chain, under one lock and in one insert
        (a page listing 25 people logs them in three queries, not 25 times three).

        Inside one transaction (a savepoint if the caller already has one): lock the newest chained
        entry (SELECT ... FOR UPDATE; SQLite has one writer at a time anyway), give each new entry the
        next sequence number and the hash of the entry before it, then insert. ``sequence`` is
        unique, so two writers that read the same end (two first entries, or a PostgreSQL waiter that
        is handed the row it locked rather than the one committed meanwhile) cannot fork the chain:
        the second insert fails and is retried against the new end.
        """
        for fields in entries:
            chain_fields = {"at", "sequence", "previous_hash", "entry_hash"} & fields.keys()
            if chain_fields:
                raise TypeError(f"append() sets {sorted(chain_fields)} itself")
        if not entries:
            return []
        attempt = 0
        while True:
            attempt += 1
            rows = [self.model(**fields) for fields in entries]
            try:
                with transaction.atomic():
                    newest = (
                        self.select_for_update()
                        .filter(sequence__isnull=False)
                        .order_by("-sequence")
                        .only("sequence", "entry_hash")
                        .first()
                    )
                    sequence = (newest.sequence or 0) if newest else 0
                    previous = newest.entry_hash if newest else ""
                    at = timezone.now()
                    for entry in rows:
                        sequence += 1
                        entry.sequence, entry.previous_hash, entry.at = sequence, previous, at
                        entry.normalise()
                        entry.entry_hash = previous = entry.compute_hash()
                    return self.bulk_create(rows)
            except IntegrityError:
                # Only a sequence number taken meanwhile is worth another try.
                taken = self.filter(sequence__in=[entry.sequence for entry in rows]).exists()
                if attempt >= self.ATTEMPTS or not taken:
                    raise


class AccessLog(models.Model):
    """One row each time someone views a person's record, a concern or an enquiry, signs in, fails
    to sign in or signs out.

    The rows form a hash chain (see ``compute_hash``): each holds its place in the chain
    (``sequence``), the previous entry's hash and its own, so changing or removing an entry is found
    by ``manage.py verify_access_log``. Write rows only with ``AccessLog.objects.append(...)``.
    Entries written before the chain existed have no sequence and blank hashes; verification
    starts from the first chained entry (sequence 1).

    A sign-in entry has no record. A failed sign-in may have no user; the username tried is kept
    only as a keyed hash (``username_hash``), never in clear, so repeated attempts on one username
    can be counted without storing what was typed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    record_type = models.CharField(max_length=40, blank=True)
    record_id = models.UUIDField(null=True, blank=True)
    record_reference = models.CharField(max_length=40, blank=True)
    page = models.CharField(max_length=200, help_text="The page the record was seen on (a path).")
    action = models.CharField(max_length=20, choices=AccessEvent.choices, default=AccessEvent.VIEW)
    ip_address = models.GenericIPAddressField(null=True, blank=True, help_text="The client's address.")
    username_hash = models.CharField(
        max_length=64, blank=True, help_text="A failed sign-in: a keyed hash of the username tried."
    )
    sequence = models.PositiveBigIntegerField(
        null=True, blank=True, unique=True, editable=False, help_text="Place in the hash chain, from 1."
    )
    previous_hash = models.CharField(max_length=64, blank=True, editable=False)
    entry_hash = models.CharField(max_length=64, blank=True, editable=False)

    # The fields the hash covers, in order; everything but the hash itself (a test checks this).
    HASHED_FIELDS: ClassVar[tuple[str, ...]] = (
        "sequence",
        "id",
        "at",
        "user_id",
        "action",
        "record_type",
        "record_id",
        "record_reference",
        "page",
        "ip_address",
        "username_hash",
        "previous_hash",
    )
    HASH_VERSION: ClassVar[int] = 1

    objects = AccessLogManager()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["record_type", "record_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.record_type} {self.record_reference} at {self.at}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The chain is written only by the manager's append_many() (one insert under the lock); any
        # other save would break it.
        raise TypeError("access-log entries are written only by AccessLog.objects.append()")

    def normalise(self) -> None:
        """Put each hashed value in the form the database gives back, so the hash computed before
        the insert is the one verification computes from the stored row."""
        by_attname = {f.attname: f for f in self._meta.concrete_fields}
        for name in self.HASHED_FIELDS:
            field = by_attname[name]
            value = field.to_python(getattr(self, name))
            if isinstance(value, str) and field.max_length:
                value = value[: field.max_length]
            setattr(self, name, value)

    def canonical(self) -> bytes:
        """The entry's hashed fields as canonical JSON: sorted keys, no spaces, ASCII only; the
        time in UTC ISO 8601 with microseconds, ids and uuids as strings, absent values as null."""

        def text(value: Any) -> str | None:
            return None if value is None else str(value)

        at = self.at.astimezone(UTC).isoformat(timespec="microseconds") if self.at else None
        data = {
            "v": self.HASH_VERSION,
            "sequence": self.sequence,
            "id": text(self.id),
            "at": at,
            "user_id": text(self.user_id),
            "action": self.action,
            "record_type": self.record_type,
            "record_id": text(self.record_id),
            "record_reference": self.record_reference,
            "page": self.page,
            "ip_address": self.ip_address,
            "username_hash": self.username_hash,
            "previous_hash": self.previous_hash,
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()

    def compute_hash(self) -> str:
        """SHA-256 (hex) of ``canonical()``, which includes the previous entry's hash."""
        return hashlib.sha256(self.canonical()).hexdigest()


class OneTimeCode(models.Model):
    """A six-digit code sent to the email address or phone number a record already holds, so someone
    without an account (a member of the public following a concern they raised, a person answering
    the feedback questions online) can show they are who the record names (``core/onetime.py``).

    Neither the code nor where it went is stored in clear: the code as a keyed hash, the destination
    not at all. ``purpose`` and ``subject`` (a reference) say what the code opens.
    """

    purpose = models.CharField(max_length=30)
    subject = models.CharField(max_length=40)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["purpose", "subject", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.subject}"
