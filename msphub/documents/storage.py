"""Where documents' files are kept: a private directory with no URL.

``settings.MSPHUB["DOCUMENTS_DIR"]`` (default ``var/documents`` under the project), outside the
static files and served by nothing: the only way out for a file is the document's download page,
through the access chokepoint and the access log (``views.download``). Files are readable by the
service's own user alone (0600, directories 0700) and named by a random hex string with no
extension, so nothing on disk says what or whose they are.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


def documents_dir() -> Path:
    """The configured directory, refused if it lies in (or holds) a directory of static files."""
    configured = (getattr(settings, "MSPHUB", {}) or {}).get("DOCUMENTS_DIR")
    location = Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "documents"
    location = location.resolve()
    public = [Path(p).resolve() for p in (settings.STATIC_ROOT, *settings.STATICFILES_DIRS) if p]
    media_root = getattr(settings, "MEDIA_ROOT", "")
    if media_root:
        public.append(Path(media_root).resolve())
    for directory in public:
        if location == directory or directory in location.parents or location in directory.parents:
            raise ImproperlyConfigured("DOCUMENTS_DIR must not be in or hold a directory served to the web")
    return location


class PrivateStorage(FileSystemStorage):
    """A file system storage with no URL: ``url()`` raises, so no template or view can link to a file."""

    def __init__(self, location: Path | None = None) -> None:
        super().__init__(
            location=str(location or documents_dir()),
            base_url=None,
            file_permissions_mode=FILE_MODE,
            directory_permissions_mode=DIRECTORY_MODE,
        )

    def url(self, name: str | None) -> str:
        raise NotImplementedError("Documents have no URL: they are downloaded through their page")

    def prepare(self) -> None:
        """The directory, made (or kept) private before a file goes in."""
        os.makedirs(self.location, mode=DIRECTORY_MODE, exist_ok=True)
        os.chmod(self.location, DIRECTORY_MODE)


def storage() -> PrivateStorage:
    """The storage as configured now (settings are read on each call, so tests can move it)."""
    return PrivateStorage()
