"""A process that imports hubqa once and forks a fresh ingestion for each command, so a test can
kill -9 many ingestions at chosen points without paying the imports each time.

Commands arrive on stdin as JSON lines: {"cmd": "ingest" | "check", "data": DIR, "tree": DIR}.
Events leave on stdout as JSON lines: {"event": "child", "pid"}, then from the child
{"event": "commit", "n"} after every write to Chroma, {"event": "done", "report"}
or {"event": "check", ...}, and finally {"event": "exit", "status"} from this process.
The embedding model is loaded here once but never run: torch is held to one thread first, so no
thread pool exists to be lost in the fork, and every child computes with the inherited weights.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import torch
from chromadb.api.models.Collection import Collection

from ingest.pipeline import Ingestor
from rag.embeddings import load_sentence_transformer
from rag.settings import load_settings
from rag.store import HubStore


def emit(**event: object) -> None:
    os.write(1, (json.dumps(event) + "\n").encode())  # one write: lines from two processes never mix


def settings_for(data: str):  # noqa: ANN201
    return load_settings(data_dir=Path(data), chunk_size=200, chunk_overlap=20)


def ingest(data: str, tree: str) -> None:
    """Ingest, announcing every write to Chroma (chunks, document entries, the generation, deletes)."""
    writes = 0

    def counted(method):  # noqa: ANN001, ANN202
        def wrapper(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            nonlocal writes
            result = method(self, *args, **kwargs)
            writes += 1
            emit(event="commit", n=writes)
            return result

        return wrapper

    for name in ("upsert", "add", "update", "delete", "modify"):
        setattr(Collection, name, counted(getattr(Collection, name)))
    report = Ingestor(settings_for(data)).run([Path(tree)])
    emit(event="done", report=report.to_dict())


def check(data: str) -> None:
    """What an interrupted run left: every current version must be complete (the commit point)."""
    store = HubStore(settings_for(data))
    docs = store.documents()
    got = store.chunks.get(include=["metadatas"])
    per_version: dict[tuple[str, str], int] = {}
    for meta in got["metadatas"] or []:
        key = (str(meta["doc_id"]), str(meta["version"]))
        per_version[key] = per_version.get(key, 0) + 1
    incomplete = [d for d, rec in docs.items() if per_version.get((d, rec.version), 0) != rec.chunks]
    stale = sum(n for (d, v), n in per_version.items() if d not in docs or docs[d].version != v)
    emit(event="check", documents=len(docs), incomplete=incomplete, stale_chunks=stale)


def main() -> None:
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


if __name__ == "__main__":
    main()
