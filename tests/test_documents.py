"""Documents (issue 13, item 2): the type is checked from the content, not the name; a size limit;
stored privately (0600, outside static files, no URL); served only through the chokepoint, as an
attachment named by uuid and access-logged; 404 to anyone who may not see the record; never
deleted, marked entered in error; in the person's chronology."""

import io
import os
import re
import stat
import zipfile
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone
from django.views.static import serve

from msphub.accounts.models import Role, User
from msphub.casefile.entries import ChronologyFilters
from msphub.concerns import services as concern_services
from msphub.concerns.models import Concern
from msphub.core.models import AccessLog
from msphub.core.states import StateChanged
from msphub.documents import chronology, filetypes, services
from msphub.documents.models import Document
from msphub.documents.storage import PrivateStorage, documents_dir
from msphub.enquiries.models import Enquiry
from tests.conftest import Cast, new_concern, new_person, per_test
from tests.enquiry_fixtures import assert_error, open_enquiry, summary_items

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
NOT_ALLOWED = "The selected file must be a PDF, image or office document"


def upload(name: str = "report.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def post(name: str = "report.pdf", content: bytes | None = PDF, **fields) -> dict:
    data = {"kind": "body_map", "title": "Body map from the visit", **fields}
    if content is not None:
        data["file"] = upload(name, content)
    return data


def office(parts: dict[str, bytes], first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if first:
            archive.writestr(first, parts.pop(first), compress_type=zipfile.ZIP_STORED)
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)
DOCX = office({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document/>"})
XLSX = office({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>"})
ODT = office(
    {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document/>"},
    first="mimetype",
)


def stored_files() -> list[Path]:
    return [p for p in documents_dir().rglob("*") if p.is_file()]


# --- The shared records ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files_dir(tmp_path_factory):
    """Every document of this module goes to a directory of its own."""
    directory = tmp_path_factory.mktemp("documents")
    with override_settings(MSPHUB={**settings.MSPHUB, "DOCUMENTS_DIR": str(directory)}):
        yield directory


@pytest.fixture(scope="module")
def world_once(files_dir, module_db, django_db_blocker) -> SimpleNamespace:
    with django_db_blocker.unblock():
        cast = Cast()
        w = SimpleNamespace(cast=cast)
        w.person = new_person(cast.council, given_name="Fenella", family_name="Quorn", team=cast.front_door)
        w.concern = new_concern(cast.council)
        concern_services.link_person(w.concern, w.person, cast.practitioner)
        w.enquiry = open_enquiry(new_concern(cast.council), w.person, cast.practitioner, cast.manager)
        # The enquiry is made by the NHS trust on the council's behalf: its enquiry officer works on it.
        Enquiry.objects.filter(pk=w.enquiry.pk).update(making_organisation=cast.nhs_trust)
        w.officer = User.objects.create_user(
            "ella_officer", organisation=cast.nhs_trust, role=Role.PARTNER_ENQUIRY_OFFICER
        )
        w.enquiry_document = services.add_document(
            cast.practitioner, w.enquiry, upload(), "provider_report", "Report from the trust"
        )
        w.hillside_person = new_person(cast.other_council, given_name="Hector", family_name="Quorn")
        w.document = services.add_document(
            cast.practitioner, w.person, upload(), "body_map", "Body map from the home visit"
        )
        w.hillside_document = services.add_document(
            cast.other_council_user, w.hillside_person, upload(), "other", "Hillside's report"
        )
        return w


@pytest.fixture
def world(world_once, db) -> SimpleNamespace:
    return per_test(world_once)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload_url(person) -> str:
    return reverse("documents:upload_person", args=[person.uuid])


# --- The type, from the content -------------------------------------------------------------------


def test_a_pdf_named_file_with_an_executable_body_is_refused(world, practitioner):
    before = Document.objects.count(), len(stored_files())
    response = client_for(practitioner).post(
        upload_url(world.person), post("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100)
    )
    assert_error(response, NOT_ALLOWED)
    assert 'href="#id_file"' in response.content.decode(), "the summary links to the file input"
    assert "govuk-file-upload--error" in response.content.decode()
    assert (Document.objects.count(), len(stored_files())) == before


def test_a_png_named_pdf_is_refused(world, practitioner):
    response = client_for(practitioner).post(upload_url(world.person), post("scan.pdf", PNG))
    assert_error(response, "The selected file is a PNG image: its name must end in .png")
    assert not Document.objects.filter(person=world.person, title="Body map from the visit").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("program.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 20),
        ("script.pdf", b"#!/bin/sh\nrm -rf /\n"),
        ("page.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40),
        ("archive.docx", office({"readme.txt": b"just a zip"})),
        ("broken.docx", b"PK\x03\x04 not really a zip"),
        ("notes.txt", b"plain text"),
    ],
)
def test_anything_but_a_pdf_image_or_office_document_is_refused(name, content):
    with pytest.raises(filetypes.Refused, match=NOT_ALLOWED):
        filetypes.check(io.BytesIO(content), name)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("report.PDF", PDF, filetypes.PDF),
        ("photo.png", PNG, filetypes.PNG),
        ("photo.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, filetypes.JPEG),
        ("photo.gif", b"GIF89a" + b"\x00" * 20, filetypes.GIF),
        ("photo.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 20, filetypes.WEBP),
        ("IMG_0001.HEIC", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00" + b"\x00" * 20, filetypes.HEIC),
        ("scan.tif", b"II*\x00" + b"\x00" * 20, filetypes.TIFF),
        ("letter.docx", DOCX, filetypes.DOCX),
        ("figures.xlsx", XLSX, filetypes.XLSX),
        ("letter.odt", ODT, filetypes.ODT),
    ],
)
def test_pdfs_images_and_office_documents_are_recognised_from_their_content(name, content, kind):
    file = io.BytesIO(content)
    assert filetypes.check(file, name) == kind
    assert file.tell() == 0, "left at its start, to be stored"


@pytest.mark.parametrize(
    "content",
    [
        office(
            {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w/>", "word/vbaProject.bin": b"\0"}
        ),
        # A .docm renamed .docx: its content types say it is macro-enabled.
        office(
            {
                "[Content_Types].xml": b'<Types><Override ContentType="application/'
                b'vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
                "word/document.xml": b"<w/>",
            }
        ),
        office(
            {"mimetype": b"application/vnd.oasis.opendocument.text", "Basic/Standard/Module1.xml": b"<s/>"},
            first="mimetype",
        ),
    ],
)
def test_office_documents_with_macros_are_refused(content):
    with pytest.raises(filetypes.Refused, match="must not contain macros"):
        filetypes.check(io.BytesIO(content), "letter.docx" if b"Content_Types" in content else "letter.odt")


def test_macro_office_document_refused_on_the_page(world, practitioner):
    macro = office(
        {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w/>", "word/vbaProject.bin": b"\0"}
    )
    response = client_for(practitioner).post(upload_url(world.person), post("letter.docx", macro))
    assert_error(response, filetypes.MACROS)


def test_zip_bombs_are_refused(monkeypatch):
    monkeypatch.setattr(filetypes, "MAX_ENTRIES", 3)
    many = office(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "word/document.xml": b"<w/>",
            **{f"{i}.xml": b"" for i in range(3)},
        }
    )
    with pytest.raises(filetypes.Refused, match=NOT_ALLOWED):
        filetypes.check(io.BytesIO(many), "letter.docx")
    monkeypatch.setattr(filetypes, "MAX_ENTRIES", 10_000)
    monkeypatch.setattr(filetypes, "MAX_UNPACKED_BYTES", 1000)
    big = office({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"0" * 2000})
    with pytest.raises(filetypes.Refused, match=NOT_ALLOWED):
        filetypes.check(io.BytesIO(big), "letter.docx")


# --- Size and missing files -----------------------------------------------------------------------


class Unreadable(SimpleUploadedFile):
    """An upload that fails the test if anything reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the file was read")

    def chunks(self, *args, **kwargs):
        raise AssertionError("the file was read")


def test_too_big_is_refused_before_it_is_read():
    big = Unreadable("report.pdf", b"%PDF-1.4")
    big.size = 10 * 1024 * 1024 + 1
    with pytest.raises(ValidationError) as refused:
        services.check_upload(big)
    assert refused.value.messages == ["The selected file must be smaller than 10MB"]


def test_too_big_is_refused_on_the_page(world, practitioner, settings):
    settings.MSPHUB = {**settings.MSPHUB, "DOCUMENT_MAX_MB": 1}
    content = PDF + b"0" * (1024 * 1024)
    response = client_for(practitioner).post(upload_url(world.person), post("report.pdf", content))
    assert_error(response, "The selected file must be smaller than 1MB")


def test_every_problem_is_shown_at_once(world, practitioner):
    response = client_for(practitioner).post(upload_url(world.person), {"title": ""})
    assert response.status_code == 200
    assert summary_items(response) == [
        "Select a file",
        "Select the type of document",
        "Enter a title for the document",
    ]
    body = response.content.decode()
    assert 'href="#id_file"' in body and 'href="#id_kind_0"' in body and 'href="#id_title"' in body
    response = client_for(practitioner).post(upload_url(world.person), post("empty.pdf", b""))
    assert_error(response, "The selected file is empty")


# --- Stored privately -----------------------------------------------------------------------------


def test_a_document_is_stored_privately_outside_static_files(world, practitioner, files_dir):
    response = client_for(practitioner).post(upload_url(world.person), post("Fenella Quorn body map.pdf"))
    document = Document.objects.get(person=world.person, title="Body map from the visit")
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:detail", args=[document.uuid])
    assert "Fenella" not in response["Location"]
    assert (document.content_type, document.extension, document.kind) == (
        "application/pdf",
        "pdf",
        "body_map",
    )
    assert document.original_name == "Fenella Quorn body map.pdf"
    assert document.size == len(PDF) and len(document.sha256) == 64
    assert document.scan == Document.Scan.NOT_SCANNED
    assert document.uploaded_by == practitioner and document.council == world.person.council
    assert re.fullmatch(r"[0-9a-f]{32}", document.stored_name), "random hex, no extension"
    path = Path(files_dir) / document.stored_name
    assert path.read_bytes() == PDF
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(files_dir).st_mode) == 0o700
    public = [Path(settings.STATIC_ROOT).resolve(), *(Path(p).resolve() for p in settings.STATICFILES_DIRS)]
    assert not any(p == path.resolve() or p in path.resolve().parents for p in public)
    assert document.history.count() == 1


def test_the_default_directory_is_private_and_has_no_url(settings):
    settings.MSPHUB = {k: v for k, v in settings.MSPHUB.items() if k != "DOCUMENTS_DIR"}
    default = documents_dir()
    assert default == (Path(settings.BASE_DIR) / "var" / "documents").resolve()
    static = Path(settings.STATIC_ROOT).resolve()
    assert static not in default.parents and default not in static.parents
    with pytest.raises(NotImplementedError):
        PrivateStorage(default).url("anything")
    # No route serves files from a directory (django.views.static.serve): every one is a view.
    assert not [view for view in _views(get_resolver().url_patterns) if view is serve]
    assert not getattr(settings, "MEDIA_URL", "") or settings.MEDIA_URL in ("/", "")


def _views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            yield pattern.callback
        else:
            yield from _views(pattern.url_patterns)


@pytest.mark.parametrize("inside", ["static_root", "staticfiles_dir", "holds_static"])
def test_a_documents_directory_among_the_static_files_is_refused(settings, inside):
    directory = {
        "static_root": Path(settings.STATIC_ROOT) / "documents",
        "staticfiles_dir": Path(settings.STATICFILES_DIRS[0]) / "documents",
        "holds_static": Path(settings.BASE_DIR),
    }[inside]
    settings.MSPHUB = {**settings.MSPHUB, "DOCUMENTS_DIR": str(directory)}
    with pytest.raises(ImproperlyConfigured):
        documents_dir()


# --- Served only through the chokepoint, logged ---------------------------------------------------


@pytest.mark.parametrize("who", ["other_council_user", "partner_referrer", "board_viewer"])
def test_a_document_is_404_to_another_council_a_partner_and_the_board(world, request, who):
    """The issue's contract: page and download."""
    client = client_for(request.getfixturevalue(who))
    for name in ("detail", "download", "entered_in_error"):
        assert client.get(reverse(f"documents:{name}", args=[world.document.uuid])).status_code == 404, name


def test_a_partner_enquiry_officer_sees_only_the_documents_of_their_enquiries(world):
    client = client_for(world.officer)
    on_enquiry, on_person = world.enquiry_document.uuid, world.document.uuid
    assert client.get(reverse("documents:detail", args=[on_enquiry])).status_code == 200
    assert client.get(reverse("documents:download", args=[on_enquiry])).status_code == 200
    assert client.get(reverse("documents:detail", args=[on_person])).status_code == 404
    assert client.get(upload_url(world.person)).status_code == 404
    page = reverse("documents:upload_enquiry", args=[world.enquiry.reference])
    assert client.post(page, post(title="Trust's notes")).status_code == 302
    assert Document.objects.get(title="Trust's notes").uploaded_by == world.officer


def test_hillside_documents_are_404_to_riverside(world, lead):
    client = client_for(lead)
    for name in ("detail", "download"):
        assert (
            client.get(reverse(f"documents:{name}", args=[world.hillside_document.uuid])).status_code == 404
        )


def test_a_locality_practitioner_sees_but_may_not_add_to_a_front_door_record(world, locality_practitioner):
    client = client_for(locality_practitioner)
    assert client.get(reverse("documents:detail", args=[world.document.uuid])).status_code == 200
    assert client.get(upload_url(world.person)).status_code == 404
    assert client.post(upload_url(world.person), post()).status_code == 404
    assert client.get(reverse("documents:entered_in_error", args=[world.document.uuid])).status_code == 404


def test_the_download_is_an_attachment_named_by_uuid_sandboxed_and_logged(world, practitioner):
    path = reverse("documents:download", args=[world.document.uuid])
    response = client_for(practitioner).get(path)
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="document-{world.document.uuid}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert "no-store" in response["Cache-Control"]
    assert AccessLog.objects.filter(
        user=practitioner, record_type="documents.document", record_id=world.document.uuid, page=path
    ).exists()


def test_the_document_page_shows_it_and_logs_the_document_and_the_person(world, practitioner):
    path = reverse("documents:detail", args=[world.document.uuid])
    response = client_for(practitioner).get(path)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Body map from the home visit" in body and "report.pdf" in body
    assert "Not scanned" in body
    assert reverse("documents:download", args=[world.document.uuid]) in body
    assert "Mark as entered in error" in body
    assert "no-store" in response["Cache-Control"]
    logged = AccessLog.objects.filter(user=practitioner, page=path)
    assert set(logged.values_list("record_id", flat=True)) == {world.document.uuid, world.person.uuid}


def test_a_file_gone_from_disk_is_404_not_an_error(world, practitioner, files_dir):
    (Path(files_dir) / world.document.stored_name).unlink()
    try:
        response = client_for(practitioner).get(reverse("documents:download", args=[world.document.uuid]))
        assert response.status_code == 404
    finally:
        (Path(files_dir) / world.document.stored_name).write_bytes(PDF)


# --- On a concern and an enquiry ------------------------------------------------------------------


def test_documents_on_a_concern_and_an_enquiry(world, practitioner):
    client = client_for(practitioner)
    concern_page = reverse("documents:upload_concern", args=[world.concern.reference])
    enquiry_page = reverse("documents:upload_enquiry", args=[world.enquiry.reference])
    assert f"Concern {world.concern.reference}" in client.get(concern_page).content.decode()
    assert client.post(concern_page, post(title="Photograph of the bruising")).status_code == 302
    assert (
        client.post(
            enquiry_page, post("letter.docx", DOCX, kind="letter_received", title="GP letter")
        ).status_code
        == 302
    )
    on_concern = Document.objects.get(title="Photograph of the bruising")
    on_enquiry = Document.objects.get(title="GP letter")
    assert (on_concern.person, on_concern.concern, on_concern.enquiry) == (world.person, world.concern, None)
    assert (on_enquiry.person, on_enquiry.enquiry, on_enquiry.extension) == (
        world.person,
        world.enquiry,
        "docx",
    )
    response = client.get(reverse("documents:download", args=[on_enquiry.uuid]))
    assert response["Content-Disposition"] == f'attachment; filename="document-{on_enquiry.uuid}.docx"'


def test_an_enquiry_sent_for_closure_meanwhile_takes_no_document(world, practitioner):
    """Read as open, frozen before the upload saves: refused under the row lock, nothing stored."""
    stale = Enquiry.objects.get(pk=world.enquiry.pk)
    Enquiry.objects.filter(pk=stale.pk).update(status=Enquiry.Status.CLOSURE_REQUESTED)
    before = len(stored_files())
    with pytest.raises(StateChanged):
        services.add_document(practitioner, stale, upload(), "other", "Late report")
    assert len(stored_files()) == before
    assert not Document.objects.filter(title="Late report").exists()
    page = reverse("documents:upload_enquiry", args=[stale.reference])
    assert client_for(practitioner).get(page).status_code == 404


def test_a_concern_without_a_person_takes_no_document(world, practitioner):
    unlinked = new_concern(world.person.council)
    page = reverse("documents:upload_concern", args=[unlinked.reference])
    assert client_for(practitioner).get(page).status_code == 404


# --- Never deleted: entered in error --------------------------------------------------------------


def test_marking_a_document_as_entered_in_error_needs_a_reason(world, practitioner):
    page = reverse("documents:entered_in_error", args=[world.document.uuid])
    client = client_for(practitioner)
    assert_error(client.post(page, {"reason": "  "}), "Enter why this document was entered in error")
    response = client.post(page, {"reason": "Added to the wrong person's record"})
    assert response.status_code == 302
    document = Document.objects.get(pk=world.document.pk)
    assert document.is_entered_in_error and document.entered_in_error_by == practitioner
    assert document.entered_in_error_reason == "Added to the wrong person's record"
    assert client.get(page).status_code == 404, "not marked twice"
    detail = client.get(reverse("documents:detail", args=[document.uuid])).content.decode()
    assert "<s>Body map from the home visit</s>" in detail and "wrong person" in detail
    assert client.get(reverse("documents:download", args=[document.uuid])).status_code == 200, "still there"


def test_two_people_marking_at_once_one_wins(world, practitioner, manager):
    first, second = (Document.objects.get(pk=world.document.pk) for _ in range(2))
    services.mark_in_error(first, practitioner, "Wrong file")
    with pytest.raises(StateChanged):
        services.mark_in_error(second, manager, "Wrong person")
    assert Document.objects.get(pk=world.document.pk).entered_in_error_reason == "Wrong file"


def test_no_page_deletes_a_document():
    patterns = get_resolver("msphub.documents.urls").url_patterns
    assert patterns, "the documents' pages are read"
    words = [f"{p.pattern} {p.name}" for p in patterns]
    assert not any("delete" in w or "remove" in w for w in words), words


# --- In the chronology, and on the record's page --------------------------------------------------


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_documents_are_in_the_person_chronology(world, practitioner, other_council_user):
    services.mark_in_error(Document.objects.get(pk=world.document.pk), practitioner, "Wrong file")
    entries = chronology.entries(_request(practitioner), world.person, ChronologyFilters())
    [entry] = [e for e in entries if e.struck]
    [other] = [e for e in entries if not e.struck]
    assert other.record == world.enquiry.reference
    assert (entry.kind, entry.label, entry.by) == ("document", "Document added", str(practitioner))
    assert entry.summary == "Body map: Body map from the home visit"
    assert entry.url == reverse("documents:detail", args=[world.document.uuid])
    assert entry.struck and entry.reason == "Wrong file"
    assert chronology.entries(_request(other_council_user), world.person, ChronologyFilters()) == []
    assert (
        chronology.entries(
            _request(practitioner), world.person, ChronologyFilters(kinds=frozenset({"case_note"}))
        )
        == []
    )
    assert (
        chronology.entries(_request(practitioner), world.person, ChronologyFilters(significant_only=True))
        == []
    )
    day = timezone.localdate(entry.at)
    today = ChronologyFilters(since=day, until=day)
    assert len(chronology.entries(_request(practitioner), world.person, today)) == 2
    later = ChronologyFilters(since=day + timedelta(days=2))
    assert chronology.entries(_request(practitioner), world.person, later) == []
    earlier = ChronologyFilters(until=day - timedelta(days=1))
    assert chronology.entries(_request(practitioner), world.person, earlier) == []


def test_the_chronology_reads_documents_in_one_query_however_many(world, practitioner):
    request = _request(practitioner)
    with CaptureQueriesContext(connection) as one:
        chronology.entries(request, world.person, ChronologyFilters())
    services.add_document(practitioner, world.concern, upload(), "photograph", "Photograph")
    services.add_document(practitioner, world.enquiry, upload(), "other", "Report")
    with CaptureQueriesContext(connection) as three:
        entries = chronology.entries(request, world.person, ChronologyFilters())
    assert len(entries) == 4
    assert len(one) == len(three) == 1
    assert {e.record for e in entries} == {"", world.concern.reference, world.enquiry.reference}


def test_the_record_page_include_lists_documents_and_offers_to_add_one(
    world, practitioner, locality_practitioner
):
    template = Template("{% load documents %}{% documents_on record %}")
    mine = template.render(Context({"request": _request(practitioner), "record": world.person}))
    assert "Body map from the home visit" in mine and upload_url(world.person) in mine
    theirs = template.render(Context({"request": _request(locality_practitioner), "record": world.person}))
    assert "Body map from the home visit" in theirs and "Add a document" not in theirs
    on_enquiry = template.render(Context({"request": _request(practitioner), "record": world.enquiry}))
    assert "Report from the trust" in on_enquiry and "Body map from the home visit" not in on_enquiry
    assert reverse("documents:upload_enquiry", args=[world.enquiry.reference]) in on_enquiry


# --- When the concern moves -------------------------------------------------------------------------


def test_documents_follow_a_concern_linked_to_another_person(world, practitioner):
    document = services.add_document(practitioner, world.concern, upload(), "photograph", "Photograph")
    other = new_person(
        world.person.council, given_name="Edna", family_name="Marsh", team=world.cast.front_door
    )
    # Linking the concern moves its documents (concerns.services.link_person calls follow_concern).
    concern_services.link_person(world.concern, other, practitioner)
    document.refresh_from_db()
    assert (document.person, document.concern) == (other, world.concern)
    assert document.history.first().history_user == practitioner
    assert services.follow_concern(world.concern, practitioner) == 0, "nothing left to move"


def test_documents_stay_with_the_person_when_their_concern_goes_to_another_council(world, practitioner):
    document = services.add_document(practitioner, world.concern, upload(), "photograph", "Photograph")
    Concern.objects.filter(pk=world.concern.pk).update(council=world.cast.other_council, person=None)
    moved = Concern.objects.get(pk=world.concern.pk)
    assert services.follow_concern(moved, practitioner) == 1
    document.refresh_from_db()
    assert (document.person, document.concern) == (world.person, None)
    response = client_for(practitioner).get(reverse("documents:detail", args=[document.uuid]))
    assert response.status_code == 200, "still on the person's record"


# --- Retention ----------------------------------------------------------------------------------------


def test_retention_helpers_find_and_remove_the_files_after_commit(
    world, files_dir, django_capture_on_commit_callbacks
):
    names = services.stored_names(people=[world.person.pk])
    assert set(names) == {world.document.stored_name, world.enquiry_document.stored_name}
    assert services.stored_names(enquiries=[world.enquiry.pk]) == [world.enquiry_document.stored_name]
    assert services.stored_names(concerns=[world.concern.pk]) == []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.remove_files_after_commit(names)
    assert (Path(files_dir) / world.document.stored_name).exists(), "kept until the commit"
    try:
        for callback in callbacks:
            callback()
        assert not (Path(files_dir) / world.document.stored_name).exists()
        assert not (Path(files_dir) / world.enquiry_document.stored_name).exists()
    finally:
        for name in names:
            (Path(files_dir) / name).write_bytes(PDF)
