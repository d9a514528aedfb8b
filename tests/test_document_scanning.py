"""Virus scanning through clamd (documents/scanning.py), against a fake clamd: a small server on a
unix socket (or TCP) that speaks INSTREAM and finds the EICAR test string. No ClamAV is installed
here, and its signatures could not be fetched; the protocol is what the client is tested on.
Configured scanning fails closed: a virus, and a scanner that cannot be reached, refuse the file
and store nothing."""

import shutil
import socket
import socketserver
import struct
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from msphub.documents import scanning
from msphub.documents.models import Document

# The EICAR anti-virus test file, in two halves so that a scanner does not flag this source.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-" + b"STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class FakeClamd(socketserver.BaseRequestHandler):
    """INSTREAM as clamd answers it: FOUND for EICAR anywhere in the stream, else OK; ``reply``
    on the server overrides the answer (an ERROR, or None to hang up without one)."""

    def handle(self) -> None:
        sock = self.request
        command = b""
        while not command.endswith(b"\0"):
            part = sock.recv(1)
            if not part:
                return
            command += part
        assert command == b"zINSTREAM\0"
        received = b""
        while True:
            size = struct.unpack(">I", self._exactly(4))[0]
            if size == 0:
                break
            received += self._exactly(size)
        self.server.received.append(received)  # type: ignore[attr-defined]
        reply = self.server.reply  # type: ignore[attr-defined]
        if reply is None:
            reply = b"stream: Win.Test.EICAR_HDB-1 FOUND\0" if EICAR in received else b"stream: OK\0"
        if reply:
            sock.sendall(reply)

    def _exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            part = self.request.recv(n - len(data))
            if not part:
                raise ConnectionError("closed mid-stream")
            data += part
        return data


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True


def _serve(server) -> Iterator:
    server.received = []
    server.reply = None
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A unix socket's path must be short (about 100 bytes), shorter than pytest's tmp_path may be."""
    directory = Path(tempfile.mkdtemp(prefix="clamd-", dir="/tmp"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def clamd(short_dir, settings) -> Iterator[UnixServer]:
    path = short_dir / "clamd.sock"
    settings.MSPHUB = {**settings.MSPHUB, "CLAMD_SOCKET": str(path), "CLAMD_TIMEOUT": 5}
    yield from _serve(UnixServer(str(path), FakeClamd))


@pytest.fixture
def dead_clamd(short_dir, settings) -> Path:
    """A socket file nobody listens on (clamd stopped, leaving its socket behind)."""
    path = short_dir / "dead.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.close()
    settings.MSPHUB = {**settings.MSPHUB, "CLAMD_SOCKET": str(path), "CLAMD_TIMEOUT": 5}
    return path


@pytest.fixture
def files_dir(tmp_path, settings) -> Path:
    settings.MSPHUB = {**settings.MSPHUB, "DOCUMENTS_DIR": str(tmp_path)}
    return tmp_path


# --- The client -----------------------------------------------------------------------------------


def test_not_configured_means_no_scanning(settings):
    settings.MSPHUB = {k: v for k, v in settings.MSPHUB.items() if not k.startswith("CLAMD")}
    assert not scanning.configured()


def test_a_clean_file_passes_and_is_streamed_whole(clamd):
    content = b"%PDF-1.4\n" + bytes(range(256)) * 1000  # more than one chunk
    scanning.scan([content[:100_000], content[100_000:]])
    assert clamd.received == [content]


def test_eicar_is_found(clamd):
    with pytest.raises(scanning.VirusFound) as found:
        scanning.scan([b"%PDF-1.4\n", EICAR])
    assert found.value.signature == "Win.Test.EICAR_HDB-1"


def test_a_dead_socket_or_none_at_all_is_unavailable(dead_clamd, settings):
    with pytest.raises(scanning.ScannerUnavailable):
        scanning.scan([PDF])
    settings.MSPHUB = {**settings.MSPHUB, "CLAMD_SOCKET": str(dead_clamd.parent / "missing.sock")}
    with pytest.raises(scanning.ScannerUnavailable):
        scanning.scan([PDF])


@pytest.mark.parametrize("reply", [b"INSTREAM size limit exceeded. ERROR\0", b""])
def test_an_error_or_no_answer_is_not_clean(clamd, reply):
    clamd.reply = reply
    with pytest.raises(scanning.ScannerUnavailable):
        scanning.scan([PDF])


def test_no_answer_in_time_is_unavailable(short_dir, settings):
    """A daemon that accepts and never answers: refused after CLAMD_TIMEOUT, not waited on forever."""
    path = short_dir / "slow.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)
    settings.MSPHUB = {**settings.MSPHUB, "CLAMD_SOCKET": str(path), "CLAMD_TIMEOUT": 0.2}
    try:
        with pytest.raises(scanning.ScannerUnavailable):
            scanning.scan([PDF])
    finally:
        listener.close()


def test_clamd_over_tcp(settings):
    for server in _serve(TCPServer(("127.0.0.1", 0), FakeClamd)):
        host, port = server.server_address
        settings.MSPHUB = {**settings.MSPHUB, "CLAMD_HOST": host, "CLAMD_PORT": port, "CLAMD_TIMEOUT": 5}
        scanning.scan([PDF])
        with pytest.raises(scanning.VirusFound):
            scanning.scan([EICAR])


# --- Uploads --------------------------------------------------------------------------------------


def _upload(client: Client, person, content: bytes) -> object:
    file = SimpleUploadedFile("report.pdf", content, content_type="application/pdf")
    data = {"file": file, "kind": "provider_report", "title": "Report from the care home"}
    return client.post(reverse("documents:upload_person", args=[person.uuid]), data)


@pytest.fixture
def signed_in(client, practitioner) -> Client:
    client.force_login(practitioner)
    return client


@pytest.fixture
def person(make_person, front_door):
    return make_person(team=front_door)


def test_a_virus_is_refused_and_nothing_stored(clamd, files_dir, signed_in, person, caplog):
    response = _upload(signed_in, person, PDF + EICAR)
    assert response.status_code == 200
    assert "The selected file contains a virus" in response.content.decode()
    assert not Document.objects.exists()
    assert not [p for p in files_dir.rglob("*") if p.is_file()]
    assert "report.pdf" not in caplog.text and "care home" not in caplog.text


def test_a_scanner_that_cannot_be_reached_refuses_the_file(dead_clamd, files_dir, signed_in, person):
    response = _upload(signed_in, person, PDF)
    assert response.status_code == 200
    assert "The file could not be checked for viruses. Try again later" in response.content.decode()
    assert not Document.objects.exists()
    assert not [p for p in files_dir.rglob("*") if p.is_file()]


def test_a_clean_file_is_stored_as_checked(clamd, files_dir, signed_in, person):
    response = _upload(signed_in, person, PDF)
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.scan == Document.Scan.CLEAN
    assert clamd.received == [PDF]
    assert "No virus found" in signed_in.get(response["Location"]).content.decode()


def test_without_a_scanner_it_is_stored_as_not_scanned(files_dir, signed_in, person, settings):
    settings.MSPHUB = {k: v for k, v in settings.MSPHUB.items() if not k.startswith("CLAMD")}
    response = _upload(signed_in, person, PDF)
    assert response.status_code == 302
    assert Document.objects.get().scan == Document.Scan.NOT_SCANNED
    assert "Not scanned" in signed_in.get(response["Location"]).content.decode()
