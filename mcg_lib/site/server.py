"""A small threaded static server for a built site, honouring its ``_headers`` file.

It serves one folder, optionally under a path prefix (``/mcg/``) to check
that the site works away from the root. ``_headers`` paths are matched
against the path inside the site, as Cloudflare Pages matches them from the
root of the deployment. Directory listings are off.
"""

from __future__ import annotations

import sys
import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from mcg_lib.errors import ConfigError
from mcg_lib.log import get_logger
from mcg_lib.site.headers import HeaderRule, headers_for, read_headers

log = get_logger(__name__)

CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    "": "application/octet-stream",
}


class SiteHandler(SimpleHTTPRequestHandler):
    """Serve one site folder under ``base_path`` with the headers of its ``_headers`` rules."""

    extensions_map = CONTENT_TYPES
    rules: list[HeaderRule] = []
    base_path = "/"

    def __init__(self, *args, rules: list[HeaderRule], base_path: str, **kwargs) -> None:
        self.rules = rules
        self.base_path = base_path
        super().__init__(*args, **kwargs)

    def site_path(self) -> str | None:
        """Return the request path inside the site ("/..."), or None outside the prefix."""
        path = urlsplit(self.path).path
        if self.base_path == "/":
            return path
        if path == self.base_path.rstrip("/"):
            return ""
        if not path.startswith(self.base_path):
            return None
        return "/" + path[len(self.base_path) :]

    def send_head(self):
        inside = self.site_path()
        if inside is None:
            self.send_error(HTTPStatus.NOT_FOUND, "outside the site's path prefix")
            return None
        if inside == "":
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", self.base_path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        # Compare the file the path resolves to, so that "/%5Fheaders" is caught too.
        if Path(self.translate_path(self.path)).name == "_headers":
            self.send_error(HTTPStatus.NOT_FOUND, "not found")
            return None
        return super().send_head()

    def translate_path(self, path: str) -> str:
        inside = self.site_path()
        return super().translate_path(inside if inside else path)

    def list_directory(self, path):
        self.send_error(HTTPStatus.NOT_FOUND, "not found")
        return None

    def end_headers(self) -> None:
        inside = self.site_path()
        if inside:
            for name, value in headers_for(self.rules, inside):
                self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class SiteServer(ThreadingHTTPServer):
    """A threaded server that logs clients who hang up mid-response, without a traceback."""

    daemon_threads = True
    base_path = "/"

    def handle_error(self, request, client_address) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (BrokenPipeError, ConnectionResetError)):
            log.debug("client %s closed the connection early: %s", client_address[0], error)
            return
        log.exception("error while serving a request from %s", client_address[0])


def normalise_base_path(base_path: str) -> str:
    """Return the prefix as "/" or "/segment/.../", raising ConfigError on anything else."""
    base_path = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
    if (
        any(part in ("", ".", "..") for part in base_path.strip("/").split("/"))
        and base_path != "/"
    ):
        raise ConfigError(f"invalid base path {base_path!r}", hint="use a path such as /mcg/")
    return base_path


def make_server(
    site: Path, host: str = "127.0.0.1", port: int = 8080, base_path: str = "/"
) -> SiteServer:
    """Bind a threaded server for ``site``; port 0 picks a free port."""
    base_path = normalise_base_path(base_path)
    handler = partial(
        SiteHandler, directory=str(site), rules=read_headers(site / "_headers"), base_path=base_path
    )
    server = SiteServer((host, port), handler)
    server.base_path = base_path
    return server


def server_url(server: SiteServer) -> str:
    """Return the URL of the site a server serves."""
    host, port = server.server_address[:2]
    display_host = f"[{host}]" if ":" in str(host) else host
    return f"http://{display_host}:{port}{server.base_path}"


def start_in_thread(site: Path, host: str = "127.0.0.1", port: int = 0, base_path: str = "/"):
    """Start a server in a daemon thread and return (server, url).

    Stop it with ``server.shutdown()``.
    """
    server = make_server(site, host, port, base_path)
    thread = threading.Thread(target=server.serve_forever, name="mcg-site-server", daemon=True)
    thread.start()
    return server, server_url(server)
