"""`hubqa eval grounding`: score labelled claim/passage pairs with a grounding checker."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.dataset import read_rows
from rag.answering.grounding import GroundingChecker
from rag.errors import HubqaError


def load_pairs(path: Path, split: str = "all") -> list[dict[str, Any]]:
    """Pairs of one split (those without a split belong to every split); claim and passage required."""
    rows = [r for r in read_rows(path) if split == "all" or r.get("split", split) == split]
    for number, row in enumerate(rows, start=1):
        if not isinstance(row.get("claim"), str) or not isinstance(row.get("passage"), str):
            raise HubqaError(f"{path}: entry {number} needs string fields claim and passage.")
    return rows


def score_pairs(
    rows: Sequence[dict[str, Any]], checker: GroundingChecker
) -> tuple[list[dict[str, Any]], dict[str, tuple[float, int]]]:
    """Each pair's ``{"id", "score", "supported", "reasons"}``, and (accuracy, pairs) by kind
    (and "all") over the labelled pairs."""
    scores = []
    by_kind: dict[str, list[bool]] = {}
    for row in rows:
        verdict = checker.check(row["claim"], row["passage"])
        scores.append(
            {"id": row.get("id"), "score": verdict.score, "supported": verdict.supported, "reasons": verdict.reasons}
        )
        if "supported" in row:
            hit = verdict.supported == row["supported"]
            by_kind.setdefault(str(row.get("kind", "all")), []).append(hit)
            if "kind" in row:
                by_kind.setdefault("all", []).append(hit)
    return scores, {kind: (round(sum(h) / len(h), 4), len(h)) for kind, h in sorted(by_kind.items())}
