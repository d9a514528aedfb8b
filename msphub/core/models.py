"""Pieces every feature uses: readable references and the access log.

core never imports a feature app; records are named here by a label and a UUID.
"""

import uuid

from django.conf import settings
from django.db import models, transaction
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


class AccessLog(models.Model):
    """One row each time someone views a person's record, a concern or an enquiry."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    record_type = models.CharField(max_length=40)
    record_id = models.UUIDField()
    record_reference = models.CharField(max_length=40, blank=True)
    page = models.CharField(max_length=200, help_text="The page the record was seen on (a path).")
    action = models.CharField(max_length=20, default="view")

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["record_type", "record_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.record_type} {self.record_reference} at {self.at}"
