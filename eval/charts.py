"""PNG charts of an evaluation report, so a release's figures can be seen at a glance.

Each chart compares hubqa with the naive LangChain baseline (when the report has one) per split.
matplotlib runs headless (Agg backend); nothing opens a window.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

#: chart file -> (title, y-axis label, [(report group, metric key, label)]).
CHARTS: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {
    "retrieval.png": (
        "Retrieval",
        "score (higher is better)",
        [
            ("retrieval", "hit_at_5", "hit@5"),
            ("retrieval", "recall_at_5", "recall@5"),
            ("retrieval", "recall_at_10", "recall@10"),
            ("retrieval", "mrr", "MRR"),
            ("retrieval", "ndcg_at_10", "nDCG@10"),
        ],
    ),
    "refusals.png": (
        "Refusals",
        "share of questions",
        [
            ("refusal", "refusal_accuracy", "refusal accuracy\n(higher is better)"),
            ("refusal", "false_refusal_rate", "false refusals\n(lower is better)"),
        ],
    ),
    "answers.png": (
        "Answers and grounding",
        "score (higher is better)",
        [
            ("answers", "completeness", "completeness"),
            ("answers", "citation_recall", "citation recall"),
            ("answers", "citation_precision", "citation precision"),
            ("answers", "grounding", "grounding"),
        ],
    ),
    "latency.png": (
        "Latency per stage",
        "milliseconds (lower is better)",
        [
            ("latency_ms", f"{stage}.{q}", f"{stage}\n{q}")
            for stage in ("retrieve", "generate", "total")
            for q in ("p50", "p95")
        ],
    ),
}


def _value(summary: dict[str, Any], group: str, key: str) -> float:
    value: Any = summary.get(group, {})
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return float(value) if isinstance(value, (int, float)) else float("nan")


def _series(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Bar series in legend order: 'dev hubqa', 'dev naive', 'test hubqa', ..."""
    series = {}
    for split in ("dev", "test"):
        if split in report:
            series[f"{split} hubqa"] = report[split]
            if "baseline" in report[split]:
                series[f"{split} naive"] = report[split]["baseline"]
    return series


def bar_chart(path: Path, title: str, ylabel: str, labels: list[str], series: dict[str, list[float]]) -> None:
    """Grouped bars: one group per label, one bar per series, values written on the bars."""
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(labels) + 2), 4.2), dpi=100)
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        xs = [x + (i - (len(series) - 1) / 2) * width for x in range(len(labels))]
        bars = ax.bar(xs, values, width, label=name)
        shown = [v for v in values if not math.isnan(v)]
        fmt = "{:.2f}" if max(shown, default=0.0) <= 1.5 else "{:.0f}"
        ax.bar_label(bars, labels=["" if math.isnan(v) else fmt.format(v) for v in values], fontsize=7, padding=1)
    ax.set_xticks(range(len(labels)), labels, fontsize=8)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    ax.margins(y=0.12)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def write_charts(report: dict[str, Any], out: Path) -> list[str]:
    """Write every chart of ``CHARTS`` into ``out``; returns the file names written."""
    series = _series(report)
    if not series:
        return []
    for name, (title, ylabel, metrics) in CHARTS.items():
        labels = [label for _, _, label in metrics]
        values = {s: [_value(summary, group, key) for group, key, _ in metrics] for s, summary in series.items()}
        bar_chart(out / name, title, ylabel, labels, values)
    return list(CHARTS)
