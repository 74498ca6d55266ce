"""`hubqa bench`: the JSON report's structure and the cached, seed-deterministic scaled stores.
Timings are never asserted here; the figures belong in `hubqa bench` runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval.bench.scaled import parse_size, scaled_store, size_label
from rag.errors import HubqaError
from rag.search.store import HubStore
from rag.settings import load_settings
from tests import samples
from ui.cli import app

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "hub"
    corpus.mkdir()
    (corpus / "homework.md").write_text(samples.MARKDOWN)
    shutil.copy(REPO / "corpus" / "why-ai-detectors-are-unreliable.md", corpus)
    return corpus


@pytest.mark.parametrize(("text", "size", "label"), [("1k", 1000, "1k"), ("100K", 100000, "100k"), ("250", 250, "250")])
def test_sizes_read_and_label(text: str, size: int, label: str) -> None:
    assert parse_size(text) == size
    assert size_label(size) == label


def test_bad_size_is_a_user_error() -> None:
    with pytest.raises(HubqaError, match="chunk count"):
        parse_size("lots")


def test_bench_json_has_every_figure_and_reuses_its_store(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUBQA_DATA_DIR", str(tmp_path / "data"))
    args = [
        "bench",
        "--json",
        "--corpus",
        str(tiny_corpus),
        "--sizes",
        "150",
        "--concurrency-size",
        "150",
        "--questions",
        "8",
    ]
    result = CliRunner().invoke(app, [*args, "--only", "ingest,query,concurrency,memory"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"machine", "ingest", "query", "concurrency", "memory"}
    assert {"overhead_ratio", "noop_s", "peak_rss_mb", "chunks_per_s"} <= set(report["ingest"])
    assert {"p50_ms_150", "p95_ms_150", "p99_ms_150", "retrieve_p95_ms_150"} <= set(report["query"])
    assert report["query"]["questions"] == 8
    assert {"answers_per_s_1", "answers_per_s_4", "answers_per_s_16", "p95_ms_16"} <= set(report["concurrency"])
    assert report["memory"]["rss_mb_150"] > 100  # a real process holding the model and the index
    assert report["ingest"]["overhead_ratio"] > 0 and report["concurrency"]["answers_per_s_16"] > 0

    done = next((tmp_path / "data" / "bench").glob("store-150-*/complete.json"))
    built = done.stat().st_mtime_ns
    again = CliRunner().invoke(app, [*args, "--only", "query"])
    assert again.exit_code == 0, again.output
    assert done.stat().st_mtime_ns == built  # the cached store was reused, not rebuilt
    store = HubStore(load_settings(data_dir=done.parent))
    assert store.chunk_count() == 150


def test_scaled_store_is_deterministic_by_seed(tiny_corpus: Path, tmp_path: Path) -> None:
    def contents(folder: str, seed: int) -> list[tuple[str, str]]:
        settings = scaled_store(load_settings(data_dir=tmp_path / folder), tiny_corpus, 120, seed)
        got = HubStore(settings).chunks.get(include=["documents"])
        return sorted(zip(got["ids"], got["documents"], strict=True))

    first, second, other = contents("a", 3), contents("b", 3), contents("c", 4)
    assert len(first) == 120 and first == second
    assert first != other
    corpus_text = "\n".join(text for chunk_id, text in first if not chunk_id.startswith("synthetic/"))
    synthetic = [text for chunk_id, text in first if chunk_id.startswith("synthetic/")]
    assert synthetic  # recombined from the corpus's own sentences, list items and rows
    assert all(line in corpus_text for text in synthetic for line in text.splitlines())


def test_unknown_part_is_a_user_error(tiny_corpus: Path) -> None:
    result = CliRunner().invoke(app, ["bench", "--only", "speed", "--corpus", str(tiny_corpus)])
    assert result.exit_code != 0
    assert isinstance(result.exception, HubqaError) and "unknown part" in str(result.exception)
