"""API tokens for partner agencies' systems, and the idempotency keys of the concerns they raise.

A token belongs to one partner organisation and was made by one council's safeguarding lead: the
concerns raised with it go to that council. Only a short prefix is kept in clear (to find the token);
the rest is kept as a SHA-256 hash and compared in constant time (api/services.py). Each token has its
own client user (inactive, no password, no role: it can never sign in), so that every call is in the
access log under a user like any page view.
"""

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from msphub.concerns.models import ConcernQuerySet


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def for_user(self, user: Any, action: str = "view") -> "ApiTokenQuerySet":
        """The tokens of the lead's own council (access.md: the safeguarding lead makes and revokes
        them); nobody else sees any."""
        if not user.is_authenticated or not user.is_lead:
            return self.none()
        return self.filter(council_id=user.organisation_id)

    def usable(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        RAISE = "concerns:raise", "Raise concerns"
        READ = "concerns:read", "Read the status of concerns the organisation raised"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    council = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "council"},
        help_text="The council whose lead made the token; concerns raised with it go to this council.",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="api_tokens"
    )
    client = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_token",
        help_text="The token's own user, in whose name its calls are logged. It cannot sign in.",
    )
    name = models.CharField("Which system is it for?", max_length=100)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    # Who made and revoked each token, and when, is kept in its history; the hash and the time of
    # each call are not (the access log holds every call).
    history = HistoricalRecords(excluded_fields=["secret_hash", "last_used_at"])
    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation}, {self.prefix})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def scope_labels(self) -> list[str]:
        return [str(self.Scope(s).label) for s in self.scopes if s in self.Scope.values]


class IdempotencyKey(models.Model):
    """A concern raised with an ``Idempotency-Key`` header: the same key from the same organisation to
    the same council gives the same concern again, never a second one (the constraint holds under
    concurrent requests), and the same key with a different body is refused (``request_hash``). An
    organisation working with two councils has a token from each: a key sent with the one council's
    token says nothing about the other's concerns, so the council is part of the key."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    council = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    concern = models.ForeignKey("concerns.Concern", on_delete=models.CASCADE, related_name="+")
    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "council", "key"], name="api_idempotency_key_once_per_council"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} to {self.council_id}: {self.key}"


class ConcernsForSystems(ConcernQuerySet):
    """Concerns as a partner system's client user may see them, through the permission chokepoint
    (``core.access.get_record``): the status of those its organisation raised with the council that
    made the token (access.md, "API client": agency, raise and read status; the one agency rule,
    ``ConcernQuerySet.for_agency``). An organisation working with two councils has a token from each,
    and each token reads only its own council's concerns. Nothing else, and nothing for any other user."""

    def for_user(self, user: Any, action: str = "view") -> "ConcernQuerySet":
        token = getattr(user, "api_token", None) if user.is_authenticated else None
        if action != "status" or token is None or token.is_revoked:
            return self.none()
        return self.for_agency(token.organisation_id, token.council_id)
