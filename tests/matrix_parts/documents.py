"""Documents (issue 13): who may add one to a person, a concern or an enquiry, open its page,
download it and mark it as entered in error. A document follows the record it is on; a partner
enquiry officer sees only those on the enquiries their agency makes; everyone else gets 404."""

import atexit
import shutil
import tempfile

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from msphub.documents import services

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
MARK = "Mark as entered in error"


def private_test_directory() -> None:
    """The documents' files go to a temporary directory of this test process, removed at its end,
    unless the run already set one (settings.MSPHUB["DOCUMENTS_DIR"])."""
    if settings.MSPHUB.get("DOCUMENTS_DIR"):
        return
    directory = tempfile.mkdtemp(prefix="msphub-documents-")
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    settings.MSPHUB["DOCUMENTS_DIR"] = directory


def pdf(name: str = "report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def on_person(person) -> str:
    return reverse("documents:upload_person", args=[person.uuid])


def on_concern(concern) -> str:
    return reverse("documents:upload_concern", args=[concern.reference])


def on_enquiry(enquiry) -> str:
    return reverse("documents:upload_enquiry", args=[enquiry.reference])


def extend_world(w) -> None:
    from tests.test_permission_matrix import LPRAC, OTHER, PRAC

    private_test_directory()
    add = services.add_document
    practitioner = w.users[PRAC]
    w.doc_person = add(practitioner, w.p_front, pdf(), "body_map", "Body map from the home visit")
    w.doc_concern = add(practitioner, w.c_front, pdf(), "photograph", "Photograph of the bruising")
    w.doc_enquiry = add(practitioner, w.enquiry, pdf(), "provider_report", "Report from the trust")
    w.doc_restricted = add(w.users[LPRAC], w.p_restricted, pdf(), "other", "Letter from the GP")
    w.doc_hillside = add(w.users[OTHER], w.p_hillside, pdf(), "other", "Hillside's report")
    w.doc_in_error = add(practitioner, w.p_front, pdf(), "other", "Someone else's letter")
    services.mark_in_error(w.doc_in_error, practitioner, "Added to the wrong person's record")


def cases(w) -> list:
    from tests.test_permission_matrix import (
        FRONT_DOOR,
        LEAD,
        LOCALITY,
        LPRAC,
        OTHER,
        PEO,
        RIVERSIDE_CASEWORK,
        get_and_post,
        matrix,
        signed_in,
    )

    fd_edit = FRONT_DOOR | {LEAD}
    restricted = {LPRAC, LEAD}
    result = []
    uploads = [
        # (label, URL, who may add a document there)
        ("person p_front", on_person(w.p_front), fd_edit),
        ("person p_locality", on_person(w.p_locality), LOCALITY | {LEAD}),
        ("person p_restricted", on_person(w.p_restricted), restricted),
        ("person p_hillside", on_person(w.p_hillside), {OTHER}),
        ("concern c_front", on_concern(w.c_front), fd_edit),
        # Decided, its triage over: documents may still arrive for it.
        ("concern c_enquiry", on_concern(w.c_enquiry), fd_edit),
        ("concern c_restricted", on_concern(w.c_restricted), restricted),
        # Not linked to a person yet: a document needs one, so the page is not there for anyone.
        ("concern c_unalloc", on_concern(w.c_unalloc), set()),
        ("concern c_hillside", on_concern(w.c_hillside), set()),
        ("enquiry enquiry", on_enquiry(w.enquiry), fd_edit | {PEO}),
        ("enquiry e_locality", on_enquiry(w.e_locality), LOCALITY | {LEAD}),
        # Awaiting closure sign-off, or closed: frozen, as every page that changes the enquiry.
        ("enquiry e_closing", on_enquiry(w.e_closing), set()),
        ("enquiry e_closed", on_enquiry(w.e_closed), set()),
        ("enquiry e_hillside", on_enquiry(w.e_hillside), {OTHER}),
    ]  # fmt: skip
    for label, path, allowed in uploads:
        # An empty POST shows the form again with "Select a file".
        result += get_and_post(f"documents:upload {label}", path, get=matrix(allowed), post=matrix(allowed))

    documents = [
        # (label, document, may see and download, may mark as entered in error)
        ("doc_person", w.doc_person, RIVERSIDE_CASEWORK, fd_edit),
        ("doc_concern", w.doc_concern, RIVERSIDE_CASEWORK, fd_edit),
        # On the enquiry the NHS trust makes: its enquiry officer too.
        ("doc_enquiry", w.doc_enquiry, RIVERSIDE_CASEWORK | {PEO}, fd_edit | {PEO}),
        ("doc_restricted", w.doc_restricted, restricted, restricted),
        ("doc_hillside", w.doc_hillside, {OTHER}, {OTHER}),
        # Already entered in error: still seen and downloaded, not marked again.
        ("doc_in_error", w.doc_in_error, RIVERSIDE_CASEWORK, set()),
    ]
    for label, document, view, edit in documents:
        args = [document.uuid]
        result += get_and_post(
            f"documents:detail {label}",
            reverse("documents:detail", args=args),
            get=matrix(view),
            contains={p: (MARK,) for p in edit},
            absent={p: (MARK,) for p in set(view) - set(edit)},
        )
        result += get_and_post(
            f"documents:download {label}", reverse("documents:download", args=args), get=matrix(view)
        )
        page = reverse("documents:entered_in_error", args=args)
        result += get_and_post(
            f"documents:entered_in_error {label}",
            page,
            get=matrix(edit) if edit else signed_in(404),
            post=matrix(edit) if edit else signed_in(404),
        )
    return result
