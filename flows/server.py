"""A temporary Prefect server owned by one run, which cannot outlive it.

Prefect's own temporary server is stopped at interpreter exit, which a killed
process never reaches: its uvicorn (about 200 MB) stayed behind as an orphan.
This one runs ``prefect server start`` in a session of its own (a terminal's
Ctrl-C reaches only the run, which stops it), and on Linux asks the kernel to
send it SIGTERM when the run dies, however it dies (SIGKILL included).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import IO

# Runs in the server's process before it becomes the Prefect server: on Linux,
# PR_SET_PDEATHSIG (1) = SIGTERM when the parent dies; exit if it already has.
_GUARD = (
    "import ctypes, os, signal, sys\n"
    "if sys.platform.startswith('linux'):\n"
    "    ctypes.CDLL(None).prctl(1, signal.SIGTERM)\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(0)\n"
    "os.execv(sys.executable, [sys.executable, *sys.argv[2:]])\n"
)
SERVER_ENV = {
    "PREFECT_SERVER_UI_ENABLED": "false",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_LOGGING_LEVEL": "ERROR",
    "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
}


class ServerError(RuntimeError):
    """The temporary Prefect server did not start."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _configured_api_url() -> str | None:
    from prefect.settings import get_current_settings

    return get_current_settings().api.url


@contextlib.contextmanager
def run_server(startup_timeout: float = 120.0) -> Iterator[str | None]:
    """A temporary Prefect server for the block, set as ``PREFECT_API_URL``; yields its API address.

    With a server already configured (``PREFECT_API_URL``), that one is used and None yielded.
    """
    if _configured_api_url():
        yield None
        return
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    command = [sys.executable, "-c", _GUARD, str(os.getpid()),
               "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            command, env={**os.environ, **SERVER_ENV}, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True,
        )
        try:
            _wait_healthy(server, url, startup_timeout, log)
            with _api_url(url):
                yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_healthy(server: subprocess.Popen, url: str, timeout: float, log: IO[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    log.seek(0)
    tail = log.read().decode(errors="replace").strip().splitlines()[-5:]
    state = f"exited with code {server.returncode}" if server.poll() is not None else f"not ready after {timeout:.0f} s"
    raise ServerError(f"the temporary Prefect server {state}: {' | '.join(tail) or 'no output'}")


@contextlib.contextmanager
def _api_url(url: str) -> Iterator[None]:
    """Point Prefect (imported or not yet) at ``url``."""
    from prefect.context import refresh_global_settings_context

    old = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    refresh_global_settings_context()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = old
        refresh_global_settings_context()
