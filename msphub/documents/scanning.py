"""Virus scanning of uploads through ClamAV's daemon (clamd), when the installation configures one.

A small client of clamd's ``INSTREAM`` command (https://docs.clamav.net/manual/Usage/Scanning.html):
``zINSTREAM\\0``, then the file in chunks, each after its length as 4 bytes big-endian, then a zero
length; clamd answers ``stream: OK`` or ``stream: <signature> FOUND`` (or ``... ERROR``), ending
with a NUL. Standard library only.

Configured by ``settings.MSPHUB``: ``CLAMD_SOCKET`` (a unix socket, like ``/run/clamav/clamd.ctl``)
or ``CLAMD_HOST`` with ``CLAMD_PORT`` (3310 by default), and ``CLAMD_TIMEOUT`` in seconds (30).
Once configured it fails closed: a virus, and a daemon that cannot be reached, answers late or
answers anything but OK, both refuse the upload (``VirusFound``, ``ScannerUnavailable``). Not
configured, documents are stored as not scanned, and the document's page says so.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable
from typing import Any

from django.conf import settings

DEFAULT_PORT = 3310
DEFAULT_TIMEOUT = 30.0
# clamd's StreamMaxLength defaults to 25 MB; chunks well under its buffer.
CHUNK_BYTES = 64 * 1024
MAX_REPLY_BYTES = 4096

VIRUS = "The selected file contains a virus"
UNAVAILABLE = "The file could not be checked for viruses. Try again later"


class VirusFound(Exception):
    """clamd found a virus; ``signature`` is its name (logged, never shown with the file's name)."""

    def __init__(self, signature: str) -> None:
        super().__init__(signature)
        self.signature = signature


class ScannerUnavailable(Exception):
    """clamd could not be reached, timed out or gave an answer other than OK or FOUND."""


def _config() -> dict[str, Any]:
    return getattr(settings, "MSPHUB", {}) or {}


def configured() -> bool:
    config = _config()
    return bool(config.get("CLAMD_SOCKET") or config.get("CLAMD_HOST"))


def _connect() -> socket.socket:
    config = _config()
    timeout = float(config.get("CLAMD_TIMEOUT") or DEFAULT_TIMEOUT)
    if config.get("CLAMD_SOCKET"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(str(config["CLAMD_SOCKET"]))
        except BaseException:
            sock.close()
            raise
        return sock
    address = (str(config["CLAMD_HOST"]), int(config.get("CLAMD_PORT") or DEFAULT_PORT))
    return socket.create_connection(address, timeout=timeout)


def scan(chunks: Iterable[bytes]) -> None:
    """Send the file (as ``chunks``) to clamd; return if it is clean, else raise ``VirusFound`` or
    ``ScannerUnavailable``. Only call when ``configured()``."""
    try:
        with _connect() as sock:
            sock.sendall(b"zINSTREAM\0")
            for chunk in chunks:
                for start in range(0, len(chunk), CHUNK_BYTES):
                    part = chunk[start : start + CHUNK_BYTES]
                    sock.sendall(struct.pack(">I", len(part)) + part)
            sock.sendall(struct.pack(">I", 0))
            reply = _reply(sock)
    except OSError as exc:  # refused, no such socket, reset, timed out (socket.timeout is an OSError)
        raise ScannerUnavailable(type(exc).__name__) from exc
    answer = reply.removeprefix("stream:").strip()
    if answer == "OK":
        return
    if answer.endswith(" FOUND"):
        raise VirusFound(answer.removesuffix(" FOUND").strip())
    # "INSTREAM size limit exceeded. ERROR", or anything unexpected: not known to be clean.
    raise ScannerUnavailable(answer[:100])


def _reply(sock: socket.socket) -> str:
    data = b""
    while b"\0" not in data and len(data) < MAX_REPLY_BYTES:
        part = sock.recv(1024)
        if not part:
            break
        data += part
    return data.split(b"\0", 1)[0].decode("utf-8", "replace")
