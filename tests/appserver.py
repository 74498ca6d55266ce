"""Start and stop `hubqa ui` for tests: in its own process group, so stopping it leaves nothing behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, log: Path, attempts: int = 240) -> None:
    for _ in range(attempts):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the app did not start: {log.read_text()[-2000:]}")


def stop_process_group(proc: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM the whole group (the server and anything it started), then SIGKILL what is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=timeout)
            break
        except subprocess.TimeoutExpired:
            continue
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:  # children outliving the leader would still be in the group
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)


def start_ui(env: dict[str, str], log: Path) -> subprocess.Popen:
    """`hubqa ui` on a free port, in a new session (its own process group); wait for ``.url``."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "ui", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    proc.url = f"http://localhost:{port}"
    return proc


@contextmanager
def running_ui(env: dict[str, str], log: Path) -> Iterator[str]:
    """The app's URL while it runs; stopped (its whole process group) afterwards."""
    proc = start_ui(env, log)
    try:
        wait_healthy(proc.url, log)
        yield proc.url
    finally:
        stop_process_group(proc)
