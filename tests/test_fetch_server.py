"""A dumps bucket on 127.0.0.1 for the fetch tests, and checks of its own behaviour.

``DumpServer`` serves in-memory files over real HTTP with Range support and
can break on request: drop the connection after some bytes, respond with an
error status, or ignore Range headers. ``make_month`` builds a small month of
gzipped dumps and its checksum file in the bucket's layout.
"""

from __future__ import annotations

import gzip
import hashlib
import random
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from mcg_lib.fetch.layout import KINDS, RECORD_TAGS, checksum_name, dump_name

_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


@dataclass
class Fault:
    """A misbehaviour for the next ``times`` requests of one path."""

    times: int
    status: int | None = None  # respond with this status and no body
    drop_after: int | None = None  # send this many body bytes, then close the connection


@dataclass
class DumpServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 that serves ``files`` by URL path."""

    files: dict[str, bytes] = field(default_factory=dict)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    ignore_range: bool = False
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add_fault(self, path: str, fault: Fault) -> None:
        self.faults.setdefault(path, []).append(fault)

    def requests_for(self, path: str) -> list[str | None]:
        """Return the Range header of each request for ``path``, None where there was none."""
        return [header for requested, header in self.requests if requested == path]

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            queue = self.faults.get(path) or []
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault

    def __enter__(self) -> DumpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler_for(bucket: DumpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args) -> None:
            pass  # keep pytest output clean; requests are recorded in bucket.requests

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            range_header = self.headers.get("Range")
            bucket.requests.append((path, range_header))

            fault = bucket.take_fault(path)
            if fault is not None and fault.status is not None:
                self._send_empty(fault.status)
                return
            data = bucket.files.get(path)
            if data is None:
                self._send_empty(404)
                return

            start = 0
            if range_header and not bucket.ignore_range:
                match = _RANGE.match(range_header)
                start = int(match.group(1)) if match else 0
                if start >= len(data):
                    self._send_empty(416, {"Content-Range": f"bytes */{len(data)}"})
                    return
            body = data[start:]

            self.send_response(206 if start else 200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "none" if bucket.ignore_range else "bytes")
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.end_headers()

            if fault is not None and fault.drop_after is not None:
                self.wfile.write(body[: fault.drop_after])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self.wfile.write(body)

        def _send_empty(self, status: int, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


def make_dump(kind: str, count: int, *, seed: int = 0, first_id: int = 1) -> bytes:
    """Return a gzipped dump of ``count`` records, with random hex text that compresses little."""
    rng = random.Random(f"{kind}-{seed}")
    tag = RECORD_TAGS[kind]
    lines = [f"<{kind}>"]
    for record_id in range(first_id, first_id + count):
        notes = rng.randbytes(600).hex()
        if kind in ("releases", "masters"):
            head, body = f'<{tag} id="{record_id}">', f"<title>Record {record_id}</title>"
        else:
            head, body = f"<{tag}>", f"<id>{record_id}</id><name>Name {record_id}</name>"
        lines.append(f"{head}{body}<notes>{notes}</notes></{tag}>")
    lines.append(f"</{kind}>")
    return gzip.compress("\n".join(lines).encode("utf-8"), mtime=0)


def make_month(snapshot: str, *, kinds: tuple[str, ...] = KINDS, seed: int = 0) -> dict[str, bytes]:
    """Return {URL path: bytes} of a month in the bucket's layout, checksum file included."""
    folder = f"/data/{snapshot[:4]}/"
    counts = {"artists": 40, "labels": 20, "masters": 30, "releases": 200}
    files = {
        folder + dump_name(snapshot, kind): make_dump(kind, counts[kind], seed=seed)
        for kind in kinds
    }
    lines = [
        f"{hashlib.sha256(data).hexdigest()}  {path.rsplit('/', 1)[1]}"
        for path, data in files.items()
    ]
    files[folder + checksum_name(snapshot)] = ("\n".join(lines) + "\n").encode("ascii")
    return files


# -- the server's own behaviour, so a fetch test failure is not the helper's fault


def test_server_serves_range_requests():
    with DumpServer(files={"/a": b"0123456789"}) as server:
        full = httpx.get(server.url + "/a")
        part = httpx.get(server.url + "/a", headers={"Range": "bytes=4-"})
        past_end = httpx.get(server.url + "/a", headers={"Range": "bytes=10-"})
        missing = httpx.get(server.url + "/b")

    assert full.status_code == 200
    assert full.content == b"0123456789"
    assert part.status_code == 206
    assert part.content == b"456789"
    assert part.headers["Content-Range"] == "bytes 4-9/10"
    assert past_end.status_code == 416
    assert past_end.headers["Content-Range"] == "bytes */10"
    assert missing.status_code == 404


def test_server_drops_connection_mid_body():
    with DumpServer(files={"/a": b"x" * 100_000}) as server:
        server.add_fault("/a", Fault(times=1, drop_after=1000))
        try:
            httpx.get(server.url + "/a")
            dropped = False
        except httpx.TransportError:
            dropped = True
        second = httpx.get(server.url + "/a")

    assert dropped
    assert second.content == b"x" * 100_000


def test_server_ignoring_range_sends_whole_file():
    with DumpServer(files={"/a": b"0123456789"}, ignore_range=True) as server:
        response = httpx.get(server.url + "/a", headers={"Range": "bytes=4-"})

    assert response.status_code == 200
    assert response.content == b"0123456789"


def test_month_checksums_match_dumps():
    files = make_month("20250101")
    checksums = files["/data/2025/discogs_20250101_CHECKSUM.txt"].decode().splitlines()

    assert len(checksums) == 4
    for line in checksums:
        digest, name = line.split("  ")
        assert hashlib.sha256(files[f"/data/2025/{name}"]).hexdigest() == digest
