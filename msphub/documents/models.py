"""Documents attached to a person's record, a concern or an enquiry: a body map, a photograph, a
provider's report, a letter received.

The row says what the file is; the file itself is in the private storage (``storage.py``) under
``stored_name``. The type is the one found in the content (``filetypes.py``), never the one the
name claims. A document is never deleted by anyone using msphub: one added by mistake is marked
entered in error, with the reason, and stays in the record (retention erases it with the record).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from msphub.concerns.models import Concern
from msphub.enquiries.models import Enquiry
from msphub.people.models import Person

from .filetypes import ALL as FILE_TYPES


class DocumentQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> "DocumentQuerySet":
        """Documents the user may see ("view") or mark as entered in error ("edit").

        A document follows what it is attached to (../shared/domain/access.md): council casework staff
        see those of the people they may see (and of the concern or enquiry, when it is on one); a
        partner enquiry officer sees only those on the enquiries their agency makes. Partner
        referrers, Board viewers and everyone else see none. Marking one as entered in error is for
        whoever may change what it is on (the enquiry, the concern's triage, else the person) and for
        whoever added it.
        """
        if not user.is_authenticated:
            return self.none()
        if user.is_partner_enquiry_officer:
            enquiries = Enquiry.objects.for_user(user, "view" if action == "view" else "edit")
            return self.filter(enquiry__in=enquiries)
        if not user.does_casework:
            return self.none()
        qs = self.filter(council_id=user.organisation_id, person__in=Person.objects.for_user(user, "view"))
        # A concern or enquiry hidden from the user (passed to another council, say) hides its documents.
        qs = qs.filter(
            models.Q(concern__isnull=True) | models.Q(concern__in=Concern.objects.for_user(user, "view")),
            models.Q(enquiry__isnull=True) | models.Q(enquiry__in=Enquiry.objects.for_user(user, "view")),
        )
        if action == "view":
            return qs
        if action != "edit":
            return self.none()
        if user.is_lead:
            return qs
        on_enquiry = models.Q(enquiry__in=Enquiry.objects.for_user(user, "edit"))
        on_concern = models.Q(enquiry__isnull=True, concern__in=Concern.objects.for_user(user, "triage"))
        on_person = models.Q(
            enquiry__isnull=True, concern__isnull=True, person__in=Person.objects.for_user(user, "edit")
        )
        return qs.filter(on_enquiry | on_concern | on_person | models.Q(uploaded_by=user))

    def current(self) -> "DocumentQuerySet":
        """Not marked as entered in error."""
        return self.filter(entered_in_error_at__isnull=True)


class Document(models.Model):
    class Kind(models.TextChoices):
        BODY_MAP = "body_map", "Body map"
        PHOTOGRAPH = "photograph", "Photograph"
        PROVIDER_REPORT = "provider_report", "Report from a provider"
        LETTER_RECEIVED = "letter_received", "Letter received"
        OTHER = "other", "Other"

    class Scan(models.TextChoices):
        NOT_SCANNED = "not_scanned", "Not scanned"
        CLEAN = "clean", "No virus found"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    council = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="documents", editable=False
    )
    # Erased with the record it is on (retention): the person always, and the concern or enquiry.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    concern = models.ForeignKey(
        Concern, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    enquiry = models.ForeignKey(
        Enquiry, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    kind = models.CharField("Type of document", max_length=20, choices=Kind.choices)
    title = models.CharField("Title", max_length=200)
    # As it was on the uploader's computer: shown on the document's page only, never in a URL, a
    # download's name or a log (names of files often name people).
    original_name = models.CharField("File name when added", max_length=255)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveIntegerField("Size in bytes")
    sha256 = models.CharField("SHA-256", max_length=64)
    # The file's name in the private storage: random hex, no extension. Blank once retention has
    # removed the file (an anonymised record keeps the row, not the file).
    stored_name = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("Added", default=timezone.now)
    scan = models.CharField("Virus check", max_length=20, choices=Scan.choices, default=Scan.NOT_SCANNED)
    entered_in_error_at = models.DateTimeField(null=True, blank=True)
    entered_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_in_error_reason = models.TextField("Why it was entered in error", max_length=2000, blank=True)

    history = HistoricalRecords()
    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["person", "uploaded_at"], name="document_person_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(entered_in_error_at__isnull=True) | ~models.Q(entered_in_error_reason=""),
                name="document_in_error_has_reason",
            )
        ]

    def __str__(self) -> str:
        # Ids only: a title can name someone, and this string reaches logs and the admin.
        return f"Document {self.uuid}"

    @property
    def is_entered_in_error(self) -> bool:
        return self.entered_in_error_at is not None

    @property
    def has_file(self) -> bool:
        return bool(self.stored_name)

    @property
    def type_name(self) -> str:
        """What kind of file it is, as a person says it ("PDF", "JPEG image")."""
        return next(
            (t.name for t in FILE_TYPES if t.content_type == self.content_type), self.extension.upper()
        )

    @property
    def download_name(self) -> str:
        """What a download is called: the document's uuid and its type's extension, nothing else."""
        return f"document-{self.uuid}.{self.extension}"

    @property
    def record(self) -> "Concern | Enquiry | None":
        """The concern or enquiry it is on, if any (the enquiry first)."""
        return self.enquiry or self.concern
