"""Retrieval benchmarks in BEIR format through the project's full ingestion and retrieval.

Each passage of ``corpus.jsonl`` becomes a Markdown document (title as heading) ingested with
the real pipeline into a temporary store; each query runs through the hub retriever; passages
are ranked by their best chunk. Metrics: standard nDCG@10 (graded, the grade as gain as in
trec_eval and BEIR), recall@10 and @100, MRR@10, and the msmarco-5k leaderboard's own nDCG@10,
whose ideal ranking is the retrieved top 10 sorted by grade (see ../shared/benchmarks/README.md).
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from pathlib import Path
from typing import Any

from ingest.pipeline import Ingestor
from rag.errors import HubqaError
from rag.search.retrieval import make_retriever
from rag.search.store import HubStore
from rag.settings import Settings


def read_qrels(path: Path, skip_first_line: bool = False) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    lines = path.read_text(encoding="utf-8").split("\n")
    for line in lines[1 if skip_first_line else 0 :]:
        parts = line.split("\t")
        if len(parts) >= 3 and parts[2].strip().lstrip("-").isdigit():
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return qrels


def ndcg(ranked: list[str], grades: dict[str, int], k: int = 10, leaderboard: bool = False) -> float:
    """nDCG with the grade itself as gain, as trec_eval (and so BEIR and the leaderboard) computes it."""
    gains = [grades.get(doc, 0) for doc in ranked[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal_grades = sorted(gains if leaderboard else grades.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal_grades))
    return dcg / idcg if idcg else 0.0


def recall(ranked: list[str], grades: dict[str, int], k: int) -> float:
    relevant = {d for d, g in grades.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def mrr(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    return next((1 / (i + 1) for i, d in enumerate(ranked[:k]) if grades.get(d, 0) > 0), 0.0)


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def _trec_field(value: str) -> str:
    """TREC run files are whitespace-separated: whitespace inside an id is written as %20 etc."""
    return re.sub(r"\s", lambda m: f"%{ord(m.group()):02X}", value) if re.search(r"\s", value) else value


def write_runs(runs: dict[str, list[tuple[str, float]]], out: Path, tag: str) -> Path:
    """Write the TREC run file ``out`` and, beside it, ``<out>.json`` ({query: {passage: score}}, the
    form ranx and pytrec_eval read) holding every id exactly as the folder spells it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for qid, ranked_list in runs.items():
            for rank, (doc, score) in enumerate(ranked_list, start=1):
                f.write(f"{_trec_field(qid)} Q0 {_trec_field(doc)} {rank} {score:.6f} {tag}\n")
    exact = out.with_name(out.name + ".json")
    exact.write_text(json.dumps({q: dict(r) for q, r in runs.items()}, ensure_ascii=False), encoding="utf-8")
    return exact


def run_beir(settings: Settings, folder: Path, out: Path, k: int = 100, tag: str = "hubqa") -> dict[str, Any]:
    for name in ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv"):
        if not (folder / name).is_file():
            raise HubqaError(f"{folder} is not a BEIR folder: {name} is missing.")
    qrels = read_qrels(folder / "qrels" / "test.tsv")
    board_qrels = read_qrels(folder / "qrels" / "test.tsv", skip_first_line=True)
    queries = {}
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").split("\n"):
        if line.strip():
            row = json.loads(line)
            queries[str(row["_id"])] = row["text"]
    with tempfile.TemporaryDirectory(prefix="hubqa-beir-") as tmp:
        docs = Path(tmp) / "beir"
        docs.mkdir()
        # BEIR ids are arbitrary strings ("<dbpedia:AC/DC>", spaces, any length): an id that is a
        # safe file name names its file (as before, so figures stay comparable), any other is
        # numbered; the run maps file names back to the original ids
        passage_ids: dict[str, str] = {}
        for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").split("\n"):
            if line.strip():
                row = json.loads(line)
                pid = str(row["_id"])
                name = pid if _SAFE_NAME.fullmatch(pid) and pid not in passage_ids else f"~{len(passage_ids):07d}"
                passage_ids[name] = pid
                title = (row.get("title") or "").strip()
                heading = f"# {title}\n\n" if title else ""  # the title leads the passage, as BEIR joins them
                (docs / f"{name}.md").write_text(heading + row["text"] + "\n", encoding="utf-8")
        local = settings.model_copy(update={"data_dir": Path(tmp) / "data", "store_dir": None, "chroma_url": None})
        Ingestor(local).run([docs])
        store = HubStore(local)
        retriever = make_retriever(local, store, Ingestor(local).embeddings, k=k, context_hits=0)
        runs: dict[str, list[tuple[str, float]]] = {}
        for qid in qrels:
            if qid not in queries:
                continue
            ranked: dict[str, float] = {}
            for hit in retriever.search(queries[qid], k=k):
                ranked.setdefault(passage_ids.get(Path(hit.doc_id).stem, hit.doc_id), 0.0)
            # the score written is the rank's (trec_eval orders by score; a reranked list's fused
            # scores are not in its order)
            runs[qid] = [(doc, float(k - rank)) for rank, doc in enumerate(list(ranked)[:k])]
    write_runs(runs, out, tag)

    def mean(values: list[float]) -> float:
        return round(sum(values) / len(values), 4) if values else 0.0

    ids = {q: [d for d, _ in r] for q, r in runs.items()}
    return {
        "queries": len(runs),
        "ndcg_at_10": mean([ndcg(ids[q], qrels[q]) for q in ids]),
        "recall_at_10": mean([recall(ids[q], qrels[q], 10) for q in ids]),
        "recall_at_100": mean([recall(ids[q], qrels[q], 100) for q in ids]),
        "mrr_at_10": mean([mrr(ids[q], qrels[q]) for q in ids]),
        "leaderboard_ndcg_at_10": mean(
            [ndcg(ids[q], board_qrels[q], leaderboard=True) for q in ids if q in board_qrels]
        ),
        "leaderboard_queries": len([q for q in ids if q in board_qrels]),
    }
