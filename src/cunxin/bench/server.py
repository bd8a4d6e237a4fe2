"""The real server for HTTP figures: gunicorn on a free local port on the benchmark's database, started and stopped around a measurement (see ``bench/spending.py``)."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cunxin.bench.common import (
    BenchFailed,
    say,
)

if TYPE_CHECKING:
    pass

GUNICORN_WORKERS = 3
GUNICORN_THREADS = 4
SERVER_START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 120.0
BARE_PATH = "/api/accounts/me"

# --- the server --------------------------------------------------------------------------------


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    notes: list[str] = field(default_factory=list)

    def tail(self) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])
        return ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(port: int) -> bool:
    """The server is up: an anonymous call of the API is refused with 401, as it should be."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", BARE_PATH, headers={"Host": "127.0.0.1"})
        return connection.getresponse().status == 401
    except OSError:
        return False
    finally:
        connection.close()


@contextlib.contextmanager
def running_server() -> Iterator[Server]:
    """``gunicorn cunxin.wsgi`` on a free local port, on this process's database; stopped after."""
    from django.db import connections

    connections.close_all()  # the bench holds no transaction or lock the server would wait for
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="cunxin-gunicorn-"))
    log = folder / "gunicorn.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "cunxin.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={GUNICORN_WORKERS}",
        "--worker-class=gthread",
        f"--threads={GUNICORN_THREADS}",
        # Longer than any pause between rounds, so every client keeps its one connection.
        "--keep-alive=120",
        f"--timeout={int(REQUEST_TIMEOUT)}",
        "--log-level=warning",
        f"--error-logfile={log}",
        f"--worker-tmp-dir={folder}",
    ]
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "cunxin.settings"}
    with log.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            command, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    server = Server(port=port, process=process, log=log)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _answers(port):
            if process.poll() is not None:
                raise BenchFailed(f"gunicorn exited with {process.returncode}:\n{server.tail()}")
            if time.monotonic() > deadline:
                raise BenchFailed(f"gunicorn did not answer within {SERVER_START_TIMEOUT:.0f} s")
            time.sleep(0.2)
        yield server
    except BenchFailed:
        say(f"the server's log ends:\n{server.tail()}")
        raise
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
