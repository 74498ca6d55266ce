"""Ingestion benchmark: pipeline throughput against the embedding model alone, no-op re-ingest, memory."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ingest.pipeline import Ingestor
from rag.embeddings import SentenceEmbeddings
from rag.settings import Settings, load_settings
from rag.store import HubStore


def bench_ingest(corpus: Path, base: Settings | None = None) -> dict[str, Any]:
    """Ingest ``corpus`` into a fresh store, then embed the same chunks alone, and compare."""
    base = base or load_settings()
    with tempfile.TemporaryDirectory(prefix="hubqa-bench-") as tmp:
        settings = base.model_copy(update={"data_dir": Path(tmp), "store_dir": None, "chroma_url": None})
        embeddings = SentenceEmbeddings(settings)
        embeddings.embed_query("warm up")  # model load is not part of either figure
        ingestor = Ingestor(settings)
        ingestor.embeddings = embeddings
        started = time.perf_counter()
        report = ingestor.run([corpus])
        pipeline_s = time.perf_counter() - started

        texts = _embed_texts(HubStore(settings))
        started = time.perf_counter()
        embeddings.embed_documents(texts)
        embed_s = time.perf_counter() - started

        noop_s, noop_rss = _timed_cli(["ingest", str(corpus)], tmp)
        return {
            "documents": report.documents,
            "chunks": report.chunks,
            "pipeline_s": round(pipeline_s, 2),
            "embed_only_s": round(embed_s, 2),
            "chunks_per_s": round(report.chunks / pipeline_s, 1),
            "embed_only_chunks_per_s": round(len(texts) / embed_s, 1),
            "overhead_ratio": round(pipeline_s / embed_s, 3),
            "noop_s": round(noop_s, 2),
            "noop_peak_rss_mb": round(noop_rss, 1),
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


# VmHWM, not ru_maxrss: Linux carries the parent's peak into a forked child's ru_maxrss.
_REPORT_RSS = (
    "import re, sys\n"
    "from ui.cli import main\n"
    "sys.argv = ['hubqa', *sys.argv[1:]]\n"
    "try:\n    main()\n"
    "finally:\n    hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
    "    sys.stderr.write(f'\\nPEAK_RSS_KB {hwm}\\n')\n"
)


def _timed_cli(args: list[str], data_dir: str) -> tuple[float, float]:
    """Run ``hubqa ARGS`` in a fresh process: wall seconds and its own peak RSS (MB)."""
    env = {**os.environ, "HUBQA_DATA_DIR": data_dir}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _REPORT_RSS, *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    kb = [int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("PEAK_RSS_KB")]
    return elapsed, (kb[-1] / 1024 if kb else float("nan"))
