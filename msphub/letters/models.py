"""Letters: the council's templates, which its safeguarding lead words, and the letters produced from
them (the outcome letter to the adult, standard or easy read, and the update to the person who raised
the concern).

A letter keeps the text it was produced with (``subject`` and ``body``, placeholders filled in), so it
prints the same however the template or the record changes later.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from msphub.concerns.models import Concern
from msphub.enquiries.models import Enquiry


class Kind(models.TextChoices):
    OUTCOME_ADULT = "outcome_adult", "Outcome letter to the adult"
    OUTCOME_ADULT_EASY_READ = "outcome_adult_easy_read", "Outcome letter to the adult (easy read)"
    REFERRER_UPDATE = "referrer_update", "Update to the person who raised the concern"

    @property
    def slug(self) -> str:
        """How the kind appears in a URL (``outcome-adult-easy-read``)."""
        return self.value.replace("_", "-")

    @classmethod
    def from_slug(cls, slug: str) -> "Kind | None":
        return next((kind for kind in cls if kind.slug == slug), None)


# The letters about an enquiry's outcome, to the adult; the referrer's update is about the concern.
ADULT_KINDS = frozenset({Kind.OUTCOME_ADULT, Kind.OUTCOME_ADULT_EASY_READ})


class LetterTemplateQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> "LetterTemplateQuerySet":
        """A council's templates: its safeguarding lead reads and changes them; nobody else does
        (a practitioner producing a letter never opens the template, the service reads it)."""
        if not user.is_authenticated or not user.is_lead:
            return self.none()
        return self.filter(council_id=user.organisation_id)


class LetterTemplate(models.Model):
    """A council's own wording of one kind of letter, in place of the shipped one (``defaults/``).

    The text holds placeholders like ``((reference))`` (``placeholders.py``), never Django template
    syntax: the lead's words are data, filled in by a plain substitution, so they can reach nothing
    but the values each kind of letter allows."""

    council = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="letter_templates",
        limit_choices_to={"kind": "council"},
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(max_length=10000)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()
    objects = LetterTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["council", "kind"]
        constraints = [models.UniqueConstraint(fields=["council", "kind"], name="one_letter_template_a_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.council})"


class LetterQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> "LetterQuerySet":
        """Letters the user may read (../shared/domain/access.md): they follow their concern and, for
        an outcome letter, their enquiry. Council casework staff read those of the concerns and
        enquiries they see; a partner enquiry officer only the outcome letters of the enquiries their
        agency makes (never the update to the referrer, which is about the concern). A letter is
        never changed, so "view" is the only action."""
        if not user.is_authenticated or action != "view":
            return self.none()
        if user.is_partner_enquiry_officer:
            return self.filter(kind__in=ADULT_KINDS, enquiry__in=Enquiry.objects.for_user(user, "view"))
        if not user.does_casework:
            return self.none()
        concerns = Concern.objects.for_user(user, "view")
        enquiries = Enquiry.objects.for_user(user, "view")
        return self.filter(concern__in=concerns).filter(
            models.Q(enquiry__isnull=True) | models.Q(enquiry__in=enquiries)
        )


class Letter(models.Model):
    """A letter produced from a template: who it is to and its text as it was produced."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    council = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="letters")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="letters")
    # Every letter belongs to a concern (an outcome letter to its enquiry's), so it goes wherever the
    # concern goes: retention, subject access.
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="letters")
    enquiry = models.ForeignKey(
        Enquiry, on_delete=models.CASCADE, null=True, blank=True, related_name="letters"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    recipient_name = models.CharField("To", max_length=200)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    # The version of the council's template it came from (its history row); None: the shipped text.
    template_version = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()
    objects = LetterQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["person", "created_at"])]
        constraints = [
            # An outcome letter is about an enquiry; the referrer's update is about the concern.
            models.CheckConstraint(
                condition=models.Q(kind="referrer_update") | models.Q(enquiry__isnull=False),
                name="outcome_letter_names_its_enquiry",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.uuid}"

    @property
    def reference(self) -> str:
        """The reference of the record it is about: the access log names a letter's download by it."""
        # An unset link is None without a query.
        return self.enquiry.reference if self.enquiry is not None else self.concern.reference

    @property
    def filename(self) -> str:
        """No name in it: the reference and the kind."""
        return f"letter-{self.reference}-{Kind(self.kind).slug}.pdf"
