"""Ingestion benchmark: pipeline throughput against the embedding model alone, no-op re-ingest, memory."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.pipeline import Ingestor
from rag.errors import HubqaError
from rag.search.embeddings import SentenceEmbeddings
from rag.search.store import HubStore
from rag.settings import Settings, load_settings


class _TimedEmbeddings(SentenceEmbeddings):
    """Adds up the seconds spent in the model, so the pipeline's overhead can also be measured
    within the same run, under the same load (on a shared machine, load drifts between runs)."""

    seconds = 0.0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        started = time.perf_counter()
        try:
            return super().embed_documents(texts)
        finally:
            self.seconds += time.perf_counter() - started


def bench_ingest(corpus: Path, base: Settings | None = None) -> dict[str, Any]:
    """Ingest ``corpus`` into a fresh store, then embed the same chunks alone, and compare."""
    base = base or load_settings()
    with tempfile.TemporaryDirectory(prefix="hubqa-bench-") as tmp:
        settings = base.model_copy(update={"data_dir": Path(tmp), "store_dir": None, "chroma_url": None})
        embeddings = _TimedEmbeddings(settings)
        embeddings.embed_documents(["warm up"])  # model load is not part of either figure
        embeddings.seconds = 0.0
        ingestor = Ingestor(settings, embeddings=embeddings)
        started = time.perf_counter()
        report = ingestor.run([corpus])
        pipeline_s = time.perf_counter() - started
        in_run_embed_s = embeddings.seconds

        texts = _embed_texts(HubStore(settings))
        started = time.perf_counter()
        embeddings.embed_documents(texts)
        embed_s = time.perf_counter() - started

        noop = timed_cli(["ingest", str(corpus)], tmp)
        return {
            "documents": report.documents,
            "chunks": report.chunks,
            "pipeline_s": round(pipeline_s, 2),
            "embed_only_s": round(embed_s, 2),
            "chunks_per_s": round(report.chunks / pipeline_s, 1),
            "embed_only_chunks_per_s": round(len(texts) / embed_s, 1),
            "overhead_ratio": round(pipeline_s / embed_s, 3),
            "in_run_embed_s": round(in_run_embed_s, 2),
            "in_run_overhead_ratio": round(pipeline_s / in_run_embed_s, 3),
            "noop_s": round(noop.seconds, 2),
            "noop_peak_rss_mb": round(noop.peak_mb, 1),
            "peak_rss_mb": round(_own_peak_mb(), 1),
        }


def _own_peak_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def _embed_texts(store: HubStore) -> list[str]:
    """The exact strings the pipeline embedded, rebuilt from the stored chunks."""
    from ingest.chunking import embed_text

    got = store.chunks.get(include=["documents", "metadatas"])
    return [
        embed_text(str(meta["title"]), str(meta.get("section", "")), text)
        for text, meta in zip(got["documents"], got["metadatas"], strict=True)
    ]


# The installed `hubqa` console script, run as a black box in a child process (this package does
# not import the front end). VmHWM, not ru_maxrss: Linux carries the parent's peak into a forked
# child's ru_maxrss.
_REPORT_RSS = (
    "import re, sys\n"
    "from importlib.metadata import entry_points\n"
    "main = entry_points(group='console_scripts')['hubqa'].load()\n"
    "sys.argv = ['hubqa', *sys.argv[1:]]\n"
    "try:\n    main()\n"
    "finally:\n    status = open('/proc/self/status').read()\n"
    "    for key in ('VmHWM', 'VmRSS'):\n"
    "        sys.stderr.write(f'\\n{key}_KB ' + re.search(key + r':\\s+(\\d+)', status).group(1) + '\\n')\n"
)


@dataclass
class CliRun:
    """A finished ``hubqa`` process: wall seconds, its peak and its final resident memory (MB)."""

    seconds: float
    peak_mb: float
    rss_mb: float


def timed_cli(args: list[str], data_dir: str | Path) -> CliRun:
    """Run ``hubqa ARGS`` in a fresh process with its own data folder, measuring it from /proc."""
    env = {**os.environ, "HUBQA_DATA_DIR": str(data_dir)}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _REPORT_RSS, *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 2):  # 2: some files skipped, still a complete run
        msg = f"`hubqa {' '.join(args)}` failed during the benchmark: {proc.stderr.strip()[-300:]}"
        raise HubqaError(msg)

    def mb(key: str) -> float:
        kb = [int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith(f"{key}_KB")]
        return kb[-1] / 1024 if kb else float("nan")

    return CliRun(elapsed, mb("VmHWM"), mb("VmRSS"))
