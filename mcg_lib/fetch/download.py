"""HTTP downloads that resume with Range requests and retry with backoff.

A file is streamed into a partial file. When the connection drops or the
server responds with 5xx, the download waits and asks for the rest with
``Range: bytes=<size>-``, so a dropped connection costs only the bytes in
flight. The partial file survives a failed run and the next run continues it.
A server that ignores Range (responds 200 instead of 206) is downloaded again
from byte 0.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from mcg_lib import __version__
from mcg_lib.errors import McgError, NotFoundError
from mcg_lib.log import get_logger, progress

log = get_logger(__name__)

_CHUNK = 1 << 20
_CONTENT_RANGE = re.compile(r"^bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)$")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before retrying a failed request.

    ``attempts`` is the number of failed attempts in a row after which the
    download gives up. An attempt that received new bytes starts a new row, so a
    connection that keeps dropping while the file grows is retried until done.
    """

    attempts: int = 8
    first_delay: float = 1.0  # seconds; doubles after each attempt without progress
    max_delay: float = 60.0

    def delay(self, failures: int) -> float:
        """Return the wait in seconds before the next attempt."""
        return min(self.first_delay * 2 ** max(failures - 1, 0), self.max_delay)


DEFAULT_RETRY = RetryPolicy()


@dataclass
class DownloadResult:
    """A completed download."""

    bytes: int
    sha256: str
    seconds: float
    resumed_from: int  # bytes already in the partial file when this run started
    retries: int = 0


class _Retryable(Exception):
    """A failed attempt worth retrying: a 5xx or 429 status, or a short body."""


@dataclass
class _Partial:
    """The partial file and the hash of the bytes in it."""

    path: Path
    size: int = 0
    digest: Any = field(default_factory=hashlib.sha256)  # a hashlib sha256 object

    @classmethod
    def open(cls, path: Path) -> _Partial:
        partial = cls(path)
        if path.is_file():
            with open(path, "rb") as handle:
                while block := handle.read(_CHUNK):
                    partial.digest.update(block)
                    partial.size += len(block)
        return partial

    def restart(self) -> None:
        self.path.write_bytes(b"")
        self.size = 0
        self.digest = hashlib.sha256()


def make_client(timeout: float = 60.0) -> httpx.Client:
    """Return an HTTP client for dump downloads: redirects followed, no transparent decoding."""
    return httpx.Client(
        follow_redirects=True,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
        headers={"User-Agent": f"mcg/{__version__}", "Accept-Encoding": "identity"},
    )


def fetch_text(client: httpx.Client, url: str, *, retry: RetryPolicy = DEFAULT_RETRY) -> str:
    """GET a small text file, retrying dropped connections and 5xx responses."""
    failures = 0
    while True:
        try:
            response = client.get(url)
            _raise_for_status(response, url)
            return response.text
        except (httpx.TransportError, _Retryable) as error:
            failures += 1
            _wait_or_give_up(url, error, failures, retry, size=None)


def download_file(
    client: httpx.Client, url: str, part: Path, *, retry: RetryPolicy = DEFAULT_RETRY
) -> DownloadResult:
    """Download ``url`` into ``part``, continuing the bytes already there.

    Returns the size and SHA-256 of the complete file. Raises NotFoundError for
    404 and 403 responses, and McgError when the retries run out; the partial
    file is kept in both cases so a rerun continues it.
    """
    part.parent.mkdir(parents=True, exist_ok=True)
    partial = _Partial.open(part)
    resumed_from = partial.size
    if resumed_from:
        log.info("resuming %s at %.1f MB", part.name, resumed_from / 1e6)

    started = time.monotonic()
    failures = retries = 0
    while True:
        before = partial.size
        try:
            if _attempt(client, url, partial):
                break
        except (httpx.TransportError, _Retryable) as error:
            # An attempt that received new bytes starts a new row of failures.
            failures = 1 if partial.size > before else failures + 1
            retries += 1
            _wait_or_give_up(url, error, failures, retry, size=partial.size)

    return DownloadResult(
        bytes=partial.size,
        sha256=partial.digest.hexdigest(),
        seconds=round(time.monotonic() - started, 3),
        resumed_from=resumed_from,
        retries=retries,
    )


def _attempt(client: httpx.Client, url: str, partial: _Partial) -> bool:
    """Make one request; return True when the file is complete, False to ask again at once."""
    headers = {"Range": f"bytes={partial.size}-"} if partial.size else {}
    with client.stream("GET", url, headers=headers) as response:
        if response.status_code == 416 and partial.size:
            return _range_not_satisfiable(response, partial)
        _raise_for_status(response, url)

        if partial.size and response.status_code == 200:
            log.warning(
                "%s: the server ignored the Range request; downloading it again from byte 0",
                partial.path.name,
            )
            partial.restart()
        if response.status_code == 206:
            content_range = response.headers.get("Content-Range", "")
            first, last, total = _parse_content_range(content_range)
            if first != partial.size and not partial.size:
                # Restarting would send the same request again, so count it as a failure.
                raise _Retryable(f"HTTP 206 with Content-Range {content_range!r} for a whole file")
            if first != partial.size:
                log.warning(
                    "%s: the server responded to the Range request with another range (%s); "
                    "downloading it again from byte 0",
                    partial.path.name,
                    content_range,
                )
                partial.restart()
                return False
            if total is None and last is not None:
                total = last + 1
        else:
            total = _content_length(response)

        _stream_body(response, partial, total)

    if total is not None and partial.size < total:
        raise _Retryable(f"the body ended after {partial.size} of {total} bytes")
    return True


def _range_not_satisfiable(response: httpx.Response, partial: _Partial) -> bool:
    # 416 means the partial file is at least as long as the file on the server:
    # it is complete if the lengths agree, else it is stale and starts over.
    total = _parse_content_range(response.headers.get("Content-Range", ""))[2]
    if total == partial.size:
        return True
    log.warning(
        "%s: the partial file (%d bytes) does not fit the server's file (%s bytes); "
        "downloading it again from byte 0",
        partial.path.name,
        partial.size,
        total,
    )
    partial.restart()
    return False


def _content_length(response: httpx.Response) -> int | None:
    length = response.headers.get("Content-Length", "")
    return int(length) if length.isdigit() else None


def _stream_body(response: httpx.Response, partial: _Partial, total: int | None) -> None:
    with (
        open(partial.path, "ab") as out,
        progress(
            total=total,
            initial=partial.size,
            unit="B",
            unit_scale=True,
            unit_divisor=1000,
            desc=partial.path.name.removesuffix(".part"),
        ) as bar,
    ):
        # Chunks as they arrive, so a dropped connection loses nothing already received.
        for chunk in response.iter_raw():
            out.write(chunk)
            partial.digest.update(chunk)
            partial.size += len(chunk)
            bar.update(len(chunk))


def _parse_content_range(value: str) -> tuple[int | None, int | None, int | None]:
    match = _CONTENT_RANGE.match(value.strip())
    if match is None:
        return None, None, None
    first, last, total = match.groups()
    return (
        int(first) if first is not None else None,
        int(last) if last is not None else None,
        int(total) if total and total != "*" else None,
    )


def _raise_for_status(response: httpx.Response, url: str) -> None:
    status = response.status_code
    if status in (200, 206):
        return
    if status in (403, 404):
        # S3 responds 403 rather than 404 for a missing key when listing is not allowed.
        raise NotFoundError(
            f"{url} not found (HTTP {status})",
            hint="check the snapshot date: Discogs publishes one dump a month, listed at "
            "https://data.discogs.com/; or point --base-url (env MCG_DUMPS_URL) at a mirror",
        )
    if status >= 500 or status == 429:
        raise _Retryable(f"HTTP {status}")
    raise McgError(
        f"{url}: unexpected HTTP status {status}", hint="check --base-url (env MCG_DUMPS_URL)"
    )


def _wait_or_give_up(
    url: str, error: Exception, failures: int, retry: RetryPolicy, *, size: int | None
) -> None:
    where = f" at byte {size}" if size else ""
    reason = str(error) or type(error).__name__
    if failures >= retry.attempts:
        raise McgError(
            f"download of {url} failed{where} after {failures} failed attempts in a row: {reason}",
            hint="check the network and rerun the same command; completed and partial files "
            "are kept and the download continues where it stopped",
        ) from error
    delay = retry.delay(failures)
    log.warning(
        "download of %s failed%s (%s); retrying in %.1f s (attempt %d of %d)",
        url,
        where,
        reason,
        delay,
        failures + 1,
        retry.attempts,
    )
    time.sleep(delay)
