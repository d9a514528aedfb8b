"""What kind of file an upload is, decided from its content (never its name), with the standard
library alone.

Only PDFs, images (PNG, JPEG, GIF, WebP, HEIC, TIFF) and office documents (Word, Excel and
PowerPoint's OOXML formats; OpenDocument text, spreadsheets and presentations) are taken. Anything
else is refused, whatever it is called: programs (``MZ``, ELF, ``#!`` scripts), web pages and SVG
(which a browser would run), legacy binary Office files (``D0 CF 11 E0``, which hide macros), and
archives. Office files are zip archives, so they are opened (the directory only, nothing is
unpacked) to check they are one of those formats, hold no macros (``vbaProject.bin``, a
macro-enabled content type, OpenDocument ``Basic/`` or ``Scripts/``) and are no zip bomb (more
than ``MAX_ENTRIES`` entries or ``MAX_UNPACKED_BYTES`` unpacked). The name's extension must then
agree with what the content is, so a file is never opened by a program other than the one its name
promises.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import IO

# Enough of the start of a file to tell every type below apart.
HEAD_BYTES = 64
# Zip bombs: an office document has dozens to a few thousand parts, and unpacks to tens of MB at most.
MAX_ENTRIES = 10_000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024

NOT_ALLOWED = "The selected file must be a PDF, image or office document"
MACROS = "The selected file must not contain macros. Save it without macros and try again"


class Refused(Exception):
    """The upload is not a type msphub takes; the message says so, GOV.UK style."""


@dataclass(frozen=True)
class FileType:
    """A type msphub takes: ``name`` as a practitioner says it, the ``content_type`` it is served as,
    and the extensions its files may have (the first is the one a download is named with)."""

    name: str
    content_type: str
    extensions: tuple[str, ...]

    @property
    def extension(self) -> str:
        return self.extensions[0]


PDF = FileType("PDF", "application/pdf", ("pdf",))
PNG = FileType("PNG image", "image/png", ("png",))
JPEG = FileType("JPEG image", "image/jpeg", ("jpg", "jpeg"))
GIF = FileType("GIF image", "image/gif", ("gif",))
WEBP = FileType("WebP image", "image/webp", ("webp",))
HEIC = FileType("HEIC image", "image/heic", ("heic", "heif"))
TIFF = FileType("TIFF image", "image/tiff", ("tif", "tiff"))
DOCX = FileType(
    "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ("docx",),
)
XLSX = FileType(
    "Excel spreadsheet", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)
)
PPTX = FileType(
    "PowerPoint presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ("pptx",),
)
ODT = FileType("OpenDocument text", "application/vnd.oasis.opendocument.text", ("odt",))
ODS = FileType("OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet", ("ods",))
ODP = FileType("OpenDocument presentation", "application/vnd.oasis.opendocument.presentation", ("odp",))

ALL: tuple[FileType, ...] = (PDF, PNG, JPEG, GIF, WEBP, HEIC, TIFF, DOCX, XLSX, PPTX, ODT, ODS, ODP)
# For the file input's ``accept`` (a hint to the browser's picker; the content decides).
ACCEPT = ",".join(f".{ext}" for t in ALL for ext in t.extensions)

# HEIF brands of still images (ISO/IEC 23008-12): iPhone photos are "heic"; "mif1" is the generic one.
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"heif"}
# OOXML: the main part each format must have.
OOXML_MAIN_PARTS = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX))
ODF_MIMETYPES = {t.content_type.encode(): t for t in (ODT, ODS, ODP)}


def sniff(file: IO[bytes]) -> FileType:
    """The type of ``file``'s content, or ``Refused``. Reads the head, and for a zip its directory;
    leaves the file at its start."""
    try:
        file.seek(0)
        head = file.read(HEAD_BYTES)
        found = _by_signature(head)
        if found is None and head.startswith(b"PK\x03\x04"):
            found = _office(file)
    finally:
        file.seek(0)
    if found is None:
        raise Refused(NOT_ALLOWED)
    return found


def check(file: IO[bytes], name: str) -> FileType:
    """The type of an upload called ``name``, refused unless its name's extension agrees."""
    found = sniff(file)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in found.extensions:
        raise Refused(f"The selected file is a {found.name}: its name must end in .{found.extension}")
    return found


def _by_signature(head: bytes) -> FileType | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return HEIC
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    return None


def _office(file: IO[bytes]) -> FileType | None:
    """An OOXML or OpenDocument file without macros, or None for any other zip (or a broken one)."""
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
                return None
            names = {e.filename for e in entries}
            if "[Content_Types].xml" in names:
                return _ooxml(archive, names)
            if entries and entries[0].filename == "mimetype" and entries[0].file_size <= 100:
                return _odf(archive, names)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError, ValueError):
        # RuntimeError: an encrypted part; ValueError: a corrupt one. Neither is a document we take.
        return None
    return None


def _ooxml(archive: zipfile.ZipFile, names: set[str]) -> FileType | None:
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise Refused(MACROS)
    info = archive.getinfo("[Content_Types].xml")
    if info.file_size > 1024 * 1024:
        return None
    types = archive.read(info)
    # .docm, .xlsm, .pptm (and templates) say so in their content types, even renamed to .docx.
    if b"macroenabled" in types.lower() or b"vbaproject" in types.lower():
        raise Refused(MACROS)
    return next((kind for part, kind in OOXML_MAIN_PARTS if part in names), None)


def _odf(archive: zipfile.ZipFile, names: set[str]) -> FileType | None:
    if any(n.startswith(("Basic/", "Scripts/")) for n in names):
        raise Refused(MACROS)
    return ODF_MIMETYPES.get(archive.read("mimetype").strip())
