"""The deployment files: security headers from the real nginx, a non-root image, no password on screen.

nginx runs with deploy/nginx.conf as shipped (only its port changed, as deploy/run-local.sh does)
in front of a small HTTP server on localhost; Debian's `nginx-light` package (`.ci/run`
installs it). Docker is not available here, so the image and compose files are read, not run.
"""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[str]:
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed: apt-get install nginx-light (`.ci/run` does)")

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><body>hubqa</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    app = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    port = free_port()
    conf = (DEPLOY / "nginx.conf").read_text().replace("listen 8600;", f"listen 127.0.0.1:{port};")
    (tmp_path / "nginx.conf").write_text(conf)
    (tmp_path / "hubqa-upstreams.conf").write_text(f"server 127.0.0.1:{app.server_address[1]};\n")
    shutil.copy(DEPLOY / "security-headers.conf", tmp_path)
    proc = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        app.shutdown()


def test_nginx_sends_the_security_headers(proxied: str) -> None:
    with urllib.request.urlopen(proxied, timeout=5) as response:
        headers = response.headers
        assert response.read() == b"<html><body>hubqa</body></html>"
    csp = headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if " " in d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["img-src"] == "'self' data: blob:"  # no remote image, no tracking pixel
    assert directives["connect-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "nginx/" not in (headers["Server"] or "")


def test_the_image_runs_as_an_unprivileged_user() -> None:
    lines = [ln.split() for ln in (DEPLOY / "Dockerfile").read_text().splitlines() if ln.strip()]
    users = [ln[1] for ln in lines if ln[0] == "USER"]
    assert users and users[-1] not in ("root", "0")
    cmd = next(i for i, ln in enumerate(lines) if ln[0] == "CMD")
    assert next(i for i, ln in enumerate(lines) if ln[0] == "USER") < cmd


def test_compose_keeps_the_database_password_out_of_urls() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text())
    env = compose["x-hubqa-env"]
    url = urlsplit(env["HUBQA_DATABASE_URL"])
    assert url.password is None and url.username == "hubqa"
    assert "POSTGRES_PASSWORD" in env["PGPASSWORD"]  # libpq reads it; nothing prints it
    mounts = " ".join(compose["services"]["nginx"]["volumes"])
    assert "security-headers.conf" in mounts
    assert "security-headers.conf" in (DEPLOY / "run-local.sh").read_text()
