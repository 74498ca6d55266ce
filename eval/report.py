"""`hubqa eval`: score the assistant and the naive baseline, write report.json and report.md."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from eval import metrics
from eval.baseline import NaiveBaseline
from eval.charts import write_charts
from eval.dataset import HUB_SET, load_questions
from eval.ragas import write_ragas
from eval.runner import run, summarise
from rag.answering.assistant import Assistant
from rag.search.store import HubStore
from rag.settings import Settings


def baseline_summary(baseline: NaiveBaseline, questions: list) -> dict[str, Any]:
    records = []
    for q in questions:
        started = time.perf_counter()
        got = baseline.ask(q.question)
        elapsed = (time.perf_counter() - started) * 1000
        retrieved = [(s["doc_id"], s["section"]) for s in got["sources"]]
        gold = [(g.doc_id, g.section) for g in q.gold]
        record = {
            "expect": q.expect,
            "gold": gold,
            "refused": False,
            "redacted": [],
            "grounding": None,
            "history": q.history,
            "confidence": 1.0,
            "timings_ms": {"retrieve": elapsed, "generate": 0.0, "total": elapsed},
        }
        if gold:
            record.update(
                recall_at_5=metrics.recall_at_k(retrieved, gold, 5),
                hit_at_5=metrics.hit_at_k(retrieved, gold, 5),
                recall_at_10=metrics.recall_at_k(retrieved, gold, 10),
                mrr=metrics.reciprocal_rank(retrieved, gold),
                ndcg_at_10=metrics.ndcg_at_k(retrieved, gold, 10),
            )
        if q.answerable:
            record["completeness"] = metrics.completeness(got["answer"], q.key_facts)
            record["exact_completeness"] = metrics.exact_completeness(got["answer"], q.key_facts)
            record["acceptable"] = metrics.acceptable(got["answer"], False, q.key_facts, q.wrong_facts)
        records.append(record)
    return summarise(records)


def evaluate(
    settings: Settings, set_path: Path = HUB_SET, split: str = "all", corpus: Path | None = None, use_llm: bool = False
) -> dict[str, Any]:
    assistant = Assistant(settings)
    report: dict[str, Any] = {
        "set": str(set_path),
        "split": split,
        "settings": {
            "embedding_model": settings.embedding_model,
            "chunk_size": settings.chunk_size,
            "refusal_threshold": assistant.threshold,
            "llm_backend": settings.llm_backend if use_llm else "none",
        },
    }
    splits = ["dev", "test"] if split == "all" else [split]
    report["records"] = []
    for name in splits:
        questions = load_questions(set_path, name)
        records = run(assistant, questions, use_llm=use_llm)
        report["records"] += records
        report[name] = summarise(records)
        if corpus is not None:
            baseline = NaiveBaseline(corpus, assistant.embeddings)
            report[name]["baseline"] = baseline_summary(baseline, questions)
    return report


def flat(summary: dict[str, Any]) -> dict[str, float]:
    """``{"retrieval.hit_at_5": 0.8, ...}`` for gates and tables."""
    out: dict[str, float] = {}
    for group, values in summary.items():
        if isinstance(values, dict) and group != "baseline":
            for key, value in values.items():
                if isinstance(value, (int, float)):
                    out[f"{group}.{key}"] = float(value)
                elif isinstance(value, dict):
                    out.update({f"{group}.{key}.{k}": float(v) for k, v in value.items()})
    return out


def headline(report: dict[str, Any]) -> dict[str, float]:
    """Every split's figures, keyed ``split.group.metric`` (what the dashboard charts over runs)."""
    return {
        f"{name}.{key}": value
        for name in ("dev", "test")
        if name in report
        for key, value in flat(report[name]).items()
    }


def markdown(report: dict[str, Any], charts: list[str] | None = None) -> str:
    lines = [
        "# hubqa evaluation report",
        "",
        f"Set: `{report['set']}`; settings: `{json.dumps(report['settings'])}`",
        "",
    ]
    for name in ("dev", "test"):
        if name not in report:
            continue
        ours = flat(report[name])
        base = flat(report[name].get("baseline", {}))
        lines += [
            f"## {name} ({report[name]['questions']} questions)",
            "",
            "| metric | hubqa | naive LangChain |",
            "|---|---|---|",
        ]
        for key, value in ours.items():
            lines.append(f"| {key} | {value:.3f} | {base[key]:.3f} |" if key in base else f"| {key} | {value:.3f} | |")
        lines.append("")
    if charts:
        lines += ["## Charts", ""] + [f"![{Path(name).stem}]({name})" for name in charts] + [""]
    return "\n".join(lines) + "\n"


def write(report: dict[str, Any], out: Path, store: HubStore | None = None) -> None:
    """report.json, report.md with its PNG charts, and (given the store) ragas.jsonl."""
    out.mkdir(parents=True, exist_ok=True)
    if store is not None:
        write_ragas(report["records"], store, out / "ragas.jsonl")
    (out / "report.json").write_text(json.dumps(report, indent=1, default=str))
    (out / "report.md").write_text(markdown(report, write_charts(report, out)))


def failed_gates(report: dict[str, Any], gates: dict[str, float]) -> list[str]:
    """Gates like ``retrieval.hit_at_5=0.7`` checked on the test split (or the only split run)."""
    name = "test" if "test" in report else "dev"
    values = flat(report[name])
    problems = []
    for key, minimum in gates.items():
        if key not in values:
            problems.append(f"{key}: no such metric (see report.md)")
        elif values[key] < minimum:
            problems.append(f"{key} = {values[key]:.3f} < {minimum}")
    return problems
