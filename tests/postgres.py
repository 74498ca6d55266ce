"""A throwaway PostgreSQL server for the database tests (Debian's postgresql package).

initdb refuses to run as root, so as root the server runs as the ``postgres`` user."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
from pathlib import Path


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """initdb into ``folder``, then start/stop on a free port; ``url`` for SQLAlchemy."""

    def __init__(self, folder: Path) -> None:
        bin_dir = binaries()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql (`.ci/run` does)")
        self.bin = bin_dir
        self.folder = folder
        self.data = folder / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(folder, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "hubqa", "--auth=trust", "-E", "UTF8")

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [*self.as_user, str(self.bin / tool), *args], capture_output=True, text=True, cwd=self.folder
        )
        if done.returncode:
            raise RuntimeError(f"{tool} {' '.join(args)} failed: {(done.stderr or done.stdout).strip()[-500:]}")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://hubqa@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        if not (self.data / "postmaster.pid").exists():
            return  # not running (or its folder was cleaned away under it)
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
