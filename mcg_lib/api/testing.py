"""Start real API servers on loopback for tests and benchmarks.

``ApiProcess`` runs ``mcg api`` as a child process, as production does.
``ThreadedServer`` runs uvicorn in a thread of the calling process, which
allows settings the command line does not offer, such as a zero timeout.
Both listen on 127.0.0.1 only and wait until /readyz returns 200.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from mcg_lib.api.settings import ApiSettings

READY_TIMEOUT = 60.0
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def wait_until_ready(base_url: str, *, timeout: float = READY_TIMEOUT, process=None) -> None:
    """Poll /readyz until it returns 200; raise RuntimeError on timeout or if ``process`` exits."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the API server exited with status {process.returncode}")
        try:
            response = httpx.get(f"{base_url}/readyz", timeout=2.0)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:200]}"
        except httpx.TransportError as error:
            last = repr(error)
        time.sleep(0.1)
    raise RuntimeError(f"the API server at {base_url} was not ready after {timeout:g} s: {last}")


def mcg_command() -> list[str]:
    """Return the command that runs ``mcg`` in the current environment."""
    script = Path(sys.executable).with_name("mcg")
    if script.exists():
        return [str(script)]
    found = shutil.which("mcg")
    if found:
        return [found]
    return [sys.executable, "-c", "from mcg_lib.cli import main; main()"]


class ApiProcess:
    """``mcg api`` in a child process on a free loopback port; stderr goes to ``log_path``."""

    def __init__(self, data_root: Path, arguments: list[str], log_path: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://{LOOPBACK}:{self.port}"
        self.log_path = Path(log_path)
        self.command = [
            *mcg_command(),
            "--data-root",
            str(data_root),
            "api",
            "--host",
            LOOPBACK,
            "--port",
            str(self.port),
            *arguments,
        ]
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> ApiProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed in __exit__
        environment = {**os.environ, "MCG_NO_PROGRESS": "1"}
        self.process = subprocess.Popen(
            self.command, stdout=log, stderr=subprocess.STDOUT, env=environment
        )
        self._log = log
        try:
            wait_until_ready(self.base_url, process=self.process)
        except RuntimeError as error:
            self.__exit__(None, None, None)
            raise RuntimeError(f"{error}; its log is {self.log_path}") from None
        return self

    def __exit__(self, *exc_info) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


class ThreadedServer:
    """uvicorn serving ``create_app(settings)`` in a background thread of this process."""

    def __init__(self, settings: ApiSettings) -> None:
        import uvicorn

        from mcg_lib.api.app import create_app

        self.port = free_port()
        self.base_url = f"http://{LOOPBACK}:{self.port}"
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app, host=LOOPBACK, port=self.port, access_log=False, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="mcg-api-test", daemon=True)

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        wait_until_ready(self.base_url)
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
