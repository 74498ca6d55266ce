"""`hubqa ui` as a process: its cookie route sets only genuine sign-ins, and SIGTERM stops everything."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rag.appdata.sessions import COOKIE, session_secret, sign
from rag.settings import load_settings
from tests.appserver import start_ui, stop_process_group, wait_healthy

pytestmark = pytest.mark.slow


def _request(url: str, method: str, body: dict | None = None, origin: str | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json", "Host": url.split("/")[2]}
    if origin:
        headers["Origin"] = origin
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.headers.get("set-cookie", "")
    except urllib.error.HTTPError as e:
        return e.code, ""


def test_ui_sets_only_genuine_cookies_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "HUBQA_DATA_DIR": str(tmp_path / "data"), "HUBQA_STORE_DIR": str(tmp_path / "store")}
    proc = start_ui(env, tmp_path / "ui.log")
    url = proc.url
    try:
        wait_healthy(url, tmp_path / "ui.log")
        secret = session_secret(load_settings(data_dir=tmp_path / "data"))
        genuine = sign(secret, "a" * 32, datetime.now(UTC) + timedelta(days=7))
        route, origin = f"{url}/hubqa/cookie", url

        status, cookie = _request(route, "POST", {"name": COOKIE, "token": genuine}, origin)
        assert status == 204
        assert f"{COOKIE}={genuine}" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert "Max-Age=604" in cookie  # a week, in seconds (604800, give or take the request's second)

        forged = genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBB")
        expired = sign(secret, "a" * 32, datetime.now(UTC) - timedelta(seconds=1))
        assert _request(route, "POST", {"name": COOKIE, "token": forged}, origin)[0] == 400
        assert _request(route, "POST", {"name": COOKIE, "token": expired}, origin)[0] == 400
        assert _request(route, "POST", {"name": "other", "token": genuine}, origin)[0] == 400
        assert _request(route, "POST", {"name": COOKIE, "token": genuine}, "http://evil.example")[0] == 403
        assert _request(route, "POST", {"name": COOKIE, "token": genuine})[0] == 403  # no Origin at all
        status, cleared = _request(f"{route}?name={COOKIE}", "DELETE", origin=origin)
        assert status == 204 and f'{COOKIE}=""' in cleared and "Max-Age=0" in cleared

        # `hubqa ui` became the server (exec), so a supervisor's SIGTERM reaches it and nothing survives.
        assert "streamlit" in Path(f"/proc/{proc.pid}/cmdline").read_text()
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=60) is not None
        time.sleep(0.5)
        with pytest.raises(ProcessLookupError):
            os.killpg(proc.pid, 0)  # no process of its group is left
        with pytest.raises(OSError):
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
    finally:
        stop_process_group(proc)
