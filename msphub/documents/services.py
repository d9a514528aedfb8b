"""Adding documents, marking them as entered in error, and removing their files under retention.

An upload is checked in this order, and nothing is stored unless it passes all of it: its size
(before anything reads it), its type from the content and the name agreeing (``filetypes``), and,
where the installation has ClamAV, a virus scan that fails closed (``scanning``). Logs carry the
document's uuid and the result only: never the title, the file's name or the person.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from msphub.accounts.models import User
from msphub.concerns.models import Concern
from msphub.core.states import StateChanged, lock_status
from msphub.enquiries.models import Enquiry
from msphub.people.models import Person

from . import filetypes, scanning
from .models import Document
from .storage import storage

logger = logging.getLogger(__name__)

DEFAULT_MAX_MB = 10
NO_FILE = "Select a file"
EMPTY = "The selected file is empty"
IN_ERROR_REASON = "Enter why this document was entered in error"


def max_mb() -> int:
    return int((getattr(settings, "MSPHUB", {}) or {}).get("DOCUMENT_MAX_MB") or DEFAULT_MAX_MB)


def too_big() -> str:
    return f"The selected file must be smaller than {max_mb()}MB"


def check_upload(upload: UploadedFile | None) -> filetypes.FileType:
    """The upload's type, or a ValidationError with the GOV.UK message. The size is checked first,
    from what the request said, before any of the file is read."""
    if upload is None:
        raise ValidationError(NO_FILE)
    if upload.size is None or upload.size > max_mb() * 1024 * 1024:
        raise ValidationError(too_big())
    if upload.size == 0:
        raise ValidationError(EMPTY)
    if upload.file is None:
        raise ValidationError(NO_FILE)
    try:
        return filetypes.check(upload.file, upload.name or "")
    except filetypes.Refused as refused:
        raise ValidationError(str(refused)) from refused


@dataclass(frozen=True)
class Attached:
    """What a document goes on: always a person, and perhaps one of their concerns or enquiries."""

    person: Person
    concern: Concern | None = None
    enquiry: Enquiry | None = None

    @classmethod
    def to(cls, record: Person | Concern | Enquiry) -> Attached:
        if isinstance(record, Enquiry):
            return cls(record.person, enquiry=record)
        if isinstance(record, Concern):
            if record.person is None:
                raise ValidationError("Link the concern to a person before adding a document")
            return cls(record.person, concern=record)
        return cls(record)


def _digest(upload: UploadedFile) -> str:
    sha = hashlib.sha256()
    for chunk in upload.chunks():
        sha.update(chunk)
    return sha.hexdigest()


def add_document(
    user: User, record: Person | Concern | Enquiry, upload: UploadedFile, kind: str, title: str
) -> Document:
    """Check, scan and store ``upload`` on ``record``; a ValidationError (on ``file``) refuses it with
    nothing stored. An enquiry must still be open to changes, checked under its row lock."""
    on = Attached.to(record)
    try:
        found = check_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Enter a title for the document"})
    if kind not in Document.Kind.values:
        raise ValidationError({"kind": "Select the type of document"})
    document_uuid = uuid.uuid4()
    sha256 = _digest(upload)
    scan = Document.Scan.NOT_SCANNED
    if scanning.configured():
        try:
            scanning.scan(upload.chunks())
        except scanning.VirusFound as virus:
            logger.warning("document %s refused: virus %s", document_uuid, virus.signature[:100])
            raise ValidationError({"file": scanning.VIRUS}) from virus
        except scanning.ScannerUnavailable as down:
            logger.error("document %s refused: virus scanner unavailable (%s)", document_uuid, down)
            raise ValidationError({"file": scanning.UNAVAILABLE}) from down
        scan = Document.Scan.CLEAN
    upload.seek(0)
    files = storage()
    files.prepare()
    stored_name = files.save(uuid.uuid4().hex, upload)
    try:
        with transaction.atomic():
            if on.enquiry is not None:
                lock_status(
                    on.enquiry,
                    [Enquiry.Status.OPEN],
                    StateChanged("The enquiry has been sent for closure since you opened this page."),
                )
            document = Document.objects.create(
                uuid=document_uuid,
                council_id=on.person.council_id,
                person=on.person,
                concern=on.concern,
                enquiry=on.enquiry,
                kind=kind,
                title=title,
                original_name=(upload.name or "")[-255:],
                content_type=found.content_type,
                extension=found.extension,
                size=upload.size or 0,
                sha256=sha256,
                stored_name=stored_name,
                uploaded_by=user,
                scan=scan,
            )
    except BaseException:
        files.delete(stored_name)  # nothing recorded, so nothing kept
        raise
    logger.info("document %s added (%s, %s)", document.uuid, found.extension, scan)
    return document


def read_file(document: Document) -> bytes:
    """The file's bytes (the download's content: at most DOCUMENT_MAX_MB)."""
    with storage().open(document.stored_name, "rb") as handle:
        return handle.read()


def mark_in_error(document: Document, user: User, reason: str) -> None:
    """A document added by mistake: kept, struck through with the reason; never deleted."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": IN_ERROR_REASON})
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.is_entered_in_error:
            raise StateChanged("This document has already been marked as entered in error.")
        document.entered_in_error_at = timezone.now()
        document.entered_in_error_by = user
        document.entered_in_error_reason = reason
        document.save(update_fields=["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"])
    logger.info("document %s marked as entered in error", document.uuid)


def follow_concern(concern: Concern, user: User) -> int:
    """After a concern is linked to another person, or passed to another council: its documents
    follow it to the person it is now about; a concern about nobody in this council (transferred,
    its person unlinked) leaves them on the person they were added to, no longer on the concern.
    Called inside the change's transaction (it locks the documents' rows till it ends). Returns how
    many documents moved."""
    moved = 0
    with transaction.atomic():
        for document in Document.objects.select_for_update().filter(concern=concern):
            if concern.person_id is not None and concern.council_id == document.council_id:
                if document.person_id == concern.person_id:
                    continue
                document.person_id = concern.person_id
                fields = ["person"]
            else:
                document.concern = None
                fields = ["concern"]
            document._history_user = user  # type: ignore[attr-defined]
            document.save(update_fields=fields)
            moved += 1
    return moved


# --- Retention (governance/retention.py) -----------------------------------------------------------


def stored_names(
    people: Iterable[int] = (), concerns: Iterable[int] = (), enquiries: Iterable[int] = ()
) -> list[str]:
    """The files of the documents on these records (by primary key), for retention to remove."""
    on = Q(person_id__in=list(people)) | Q(concern_id__in=list(concerns)) | Q(enquiry_id__in=list(enquiries))
    return list(
        Document._base_manager.filter(on).exclude(stored_name="").values_list("stored_name", flat=True)
    )


def remove_files_after_commit(names: Iterable[str]) -> None:
    """Delete the files once the transaction that erased or anonymised their rows commits (a rolled
    back disposal keeps them). A file already gone is no error."""
    names = list(names)
    if not names:
        return
    files = storage()

    def remove() -> None:
        for name in names:
            try:
                files.delete(name)
            except OSError:
                logger.exception("a document's file could not be removed under retention")
        logger.info("%s document files removed under retention", len(names))

    transaction.on_commit(remove)
