"""A process that imports hubqa once and forks a fresh ingestion for each command, so a test can
kill -9 many ingestions at chosen points, or re-ingest in a loop beside a reader, without paying
the imports each time. ``zygote()`` starts one and returns the client that talks to it.

Commands arrive on stdin as JSON lines: {"cmd": "ingest" | "check", "data": DIR, "tree": DIR}.
Events leave on stdout as JSON lines: {"event": "child", "pid"}, then from the child
{"event": "write", "n"} after every write to Chroma, {"event": "done", "report"}
or {"event": "check", ...}, and finally {"event": "exit", "status"} from this process.
The embedding model is loaded here once but never run: torch is held to one thread first, so no
thread pool exists to be lost in the fork, and every child computes with the inherited weights.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def emit(**event: object) -> None:
    os.write(1, (json.dumps(event) + "\n").encode())  # one write: lines from two processes never mix


def settings_for(data: str) -> Settings:
    from rag.settings import load_settings

    return load_settings(data_dir=Path(data), chunk_size=200, chunk_overlap=20)


def ingest(data: str, tree: str) -> None:
    """Ingest, announcing every write to Chroma (chunks, document entries, the generation, deletes)."""
    from chromadb.api.models.Collection import Collection

    from ingest.pipeline import Ingestor

    writes = 0

    def counted(method: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(self: Collection, *args: Any, **kwargs: Any) -> Any:
            nonlocal writes
            result = method(self, *args, **kwargs)
            writes += 1
            emit(event="write", n=writes)
            return result

        return wrapper

    for name in ("upsert", "add", "update", "delete", "modify"):
        setattr(Collection, name, counted(getattr(Collection, name)))
    report = Ingestor(settings_for(data)).run([Path(tree)])
    emit(event="done", report=report.to_dict())


def check(data: str) -> None:
    """What a run left: the current versions, which must be complete (the commit point)."""
    from rag.search.store import HubStore

    store = HubStore(settings_for(data))
    docs = store.read_documents()
    got = store.chunks.get(include=["metadatas"])
    per_version: dict[tuple[str, str], int] = {}
    for meta in got["metadatas"] or []:
        key = (str(meta["doc_id"]), str(meta["version"]))
        per_version[key] = per_version.get(key, 0) + 1
    incomplete = [d for d, rec in docs.items() if per_version.get((d, rec.version), 0) != rec.chunks]
    stale = sum(n for (d, v), n in per_version.items() if d not in docs or docs[d].version != v)
    versions = {d: rec.version for d, rec in docs.items()}
    emit(event="check", documents=len(docs), incomplete=incomplete, stale_chunks=stale, versions=versions)


def main() -> None:
    import torch

    from rag.search.embeddings import load_sentence_transformer

    torch.set_num_threads(1)
    load_sentence_transformer(settings_for("unused"))
    for line in sys.stdin:
        command = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                if command["cmd"] == "ingest":
                    ingest(command["data"], command["tree"])
                else:
                    check(command["data"])
            except BaseException as e:  # reported, then the child ends without unwinding the parent's state
                emit(event="error", error=f"{type(e).__name__}: {e}")
                code = 1
            os._exit(code)
        emit(event="child", pid=pid)
        _, status = os.waitpid(pid, 0)
        emit(event="exit", status=status)


# -- the client, used by tests ------------------------------------------------------------
class Zygote:
    """Talks to the zygote process: one ingestion or check per forked child, in turn."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc

    def _send(self, **command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()

    def _events(self) -> Iterator[dict[str, Any]]:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            event = json.loads(line)
            yield event
            if event["event"] == "exit":
                return
        raise AssertionError("the zygote died")

    def ingest(self, data: Path, tree: Path, kill_after: int | None = None, delay: float = 0.0) -> dict[str, Any]:
        """Run one ingestion; with ``kill_after``, SIGKILL it ``delay`` s after that many writes.

        Returns {"killed": bool, "writes": writes seen, "done": the report if it finished}."""
        self._send(cmd="ingest", data=str(data), tree=str(tree))
        pid, writes, outcome = None, 0, {"killed": False, "writes": 0, "done": None}
        for event in self._events():
            if event["event"] == "child":
                pid = event["pid"]
            elif event["event"] == "write":
                writes = event["n"]
            elif event["event"] == "done":
                outcome["done"] = event["report"]
            elif event["event"] == "error":
                raise AssertionError(event["error"])
            if kill_after is not None and pid is not None and writes >= kill_after:
                time.sleep(delay)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass  # it had finished
                kill_after = None
            if event["event"] == "exit":
                status = event["status"]
                outcome["killed"] = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
                outcome["writes"] = writes
        return outcome

    def check(self, data: Path) -> dict[str, Any]:
        """The store's current versions, and which documents' current chunks are incomplete."""
        self._send(cmd="check", data=str(data), tree="")
        found = [e for e in self._events() if e["event"] in ("check", "error")]
        assert found and found[0]["event"] == "check", found
        return found[0]


@contextmanager
def zygote(log: Path) -> Iterator[Zygote]:
    """Start a zygote (its stderr goes to ``log``); it ends when the block does."""
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, __file__],
            cwd=REPO,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        try:
            yield Zygote(proc)
        finally:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
