"""`hubqa eval privacy`: how much student data the guard removes (recall) and how many harmless
words it leaves alone (precision), for names and for health details separately.

The set is JSONL, one question a line (see docs/evaluation.md):
``{"id", "question", "personal": [{"kind": "name"|"health"|"other", "text"}], "keep": [text], "split"}``.

- Recall of a category: the share of its labelled items (every occurrence of ``text`` in the
  question, as a whole word) whose letters and digits all lie inside something the guard removed.
  Half a name removed is a miss.
  A title before a name ("Mrs.") need not be removed.
- Precision of a category: of the content words the guard removed as that category (function
  words such as "an", "for" and titles such as "Mrs." do not count), the share that lie inside a
  labelled personal item.
- Near-misses kept: the share of ``keep`` strings that come through the guard unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import HubqaError
from rag.jsonl import read_jsonl
from rag.privacy import Redaction, findings
from rag.privacy.names import TITLES
from rag.text import STOPWORDS

CATEGORIES = ("name", "health", "other")
PRIVACY_SET = Path(__file__).resolve().parent / "sets" / "privacy.jsonl"
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")

Recogniser = Callable[[str], list[Redaction]]


@dataclass
class Item:
    kind: str
    text: str


@dataclass
class Case:
    id: str
    split: str
    question: str
    personal: list[Item] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)


def _occurrences(question: str, text: str) -> list[tuple[int, int]]:
    pattern = re.compile(r"(?<![^\W_])" + re.escape(text) + r"(?![^\W_])")
    return [m.span() for m in pattern.finditer(question)]


def load_cases(path: Path, split: str = "all") -> list[Case]:
    """The labelled questions of ``split``; a bad line names the file, line and field."""
    cases = []
    for line, row in read_jsonl(path):
        where = f"{path}, line {line}"
        if not isinstance(row.get("question"), str):
            raise HubqaError(f'{where}: needs a "question" string.')
        items = []
        for item in row.get("personal", []):
            if (
                not isinstance(item, dict)
                or item.get("kind") not in CATEGORIES
                or not isinstance(item.get("text"), str)
            ):
                raise HubqaError(f'{where}: each "personal" entry needs "kind" (name, health or other) and "text".')
            if not _occurrences(row["question"], item["text"]):
                raise HubqaError(f"{where}: personal text {item['text']!r} is not in the question.")
            items.append(Item(item["kind"], item["text"]))
        keep = row.get("keep", [])
        if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
            raise HubqaError(f'{where}: "keep" must be a list of strings.')
        case = Case(str(row.get("id", line)), str(row.get("split", "")), row["question"], items, keep)
        if split == "all" or case.split == split:
            cases.append(case)
    if not cases:
        raise HubqaError(f"{path}: no questions in split {split!r}.")
    return cases


#: Words neither personal nor harmless to lose: function words, and the titles before a name
#: ("Mrs. Delgado" and "Delgado" are the same label, whichever way a labeller wrote it).
NEUTRAL = STOPWORDS | TITLES


def _covered(spans: Sequence[tuple[int, int]], start: int, end: int, question: str) -> bool:
    """Every word of a labelled item removed, except the function words and titles around it ("has
    ADHD" is caught when "ADHD" goes; "Mrs. Okafor" when "Okafor" does), as removed words are counted."""
    return all(
        any(a <= i < b for a, b in spans)
        for m in _WORD.finditer(question, start, end)
        if m.group(0).lower() not in NEUTRAL or m.end() - m.start() == end - start
        for i in range(m.start(), m.end())
    )


def score_case(case: Case, found: list[Redaction]) -> dict[str, Any]:
    """One question's record: labelled items caught or missed, words removed that were harmless."""
    spans = [(r.start, r.end) for r in found]
    labelled = [(a, b) for item in case.personal for a, b in _occurrences(case.question, item.text)]
    record: dict[str, Any] = {
        "id": case.id,
        "split": case.split,
        "missed": [],
        "wrongly_removed": [],
        "counts": {c: {"items": 0, "caught": 0, "removed_words": 0, "right_words": 0} for c in CATEGORIES},
    }
    for item in case.personal:
        for a, b in _occurrences(case.question, item.text):
            counts = record["counts"][item.kind]
            counts["items"] += 1
            if _covered(spans, a, b, case.question):
                counts["caught"] += 1
            else:
                record["missed"].append(f"{item.kind}: {item.text}")
    for r in found:
        counts = record["counts"][r.category]
        for m in _WORD.finditer(case.question, r.start, r.end):
            if m.group(0).lower() in NEUTRAL:
                continue
            counts["removed_words"] += 1
            if any(a <= m.start() and m.end() <= b for a, b in labelled):
                counts["right_words"] += 1
            else:
                record["wrongly_removed"].append(f"{r.category}: {m.group(0)} ({r.reason})")
    clean = _apply(case.question, found)
    record["keep"] = [(k, _kept(k, case.question, clean)) for k in case.keep]
    return record


def _apply(question: str, found: list[Redaction]) -> str:
    out, cursor = [], 0
    for r in found:
        out += [question[cursor : r.start], r.placeholder]
        cursor = r.end
    return "".join(out + [question[cursor:]])


def _kept(text: str, question: str, clean: str) -> bool:
    return len(_occurrences(clean, text)) >= len(_occurrences(question, text))


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def summarise(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Recall and precision per category, near-misses kept, and every miss and false positive."""
    out: dict[str, Any] = {"questions": len(records)}
    for c in CATEGORIES:
        items = sum(r["counts"][c]["items"] for r in records)
        caught = sum(r["counts"][c]["caught"] for r in records)
        removed = sum(r["counts"][c]["removed_words"] for r in records)
        right = sum(r["counts"][c]["right_words"] for r in records)
        out[c] = {
            "recall": _ratio(caught, items),
            "precision": _ratio(right, removed),
            "items": items,
            "removed_words": removed,
        }
    keeps = [ok for r in records for _, ok in r["keep"]]
    out["near_misses_kept"] = _ratio(sum(keeps), len(keeps))
    out["missed"] = [f"{r['id']} {m}" for r in records for m in r["missed"]]
    out["wrongly_removed"] = [f"{r['id']} {w}" for r in records for w in r["wrongly_removed"]]
    out["near_misses_removed"] = [f"{r['id']} {k}" for r in records for k, ok in r["keep"] if not ok]
    return out


def evaluate(path: Path, split: str = "all", recogniser: Recogniser = findings) -> dict[str, Any]:
    """The summary per split (``dev`` and ``test`` for ``all``) of one recogniser on one set."""
    splits = ["dev", "test"] if split == "all" else [split]
    report: dict[str, Any] = {"set": str(path)}
    every = load_cases(path, "all")
    for name in splits:
        cases = [c for c in every if c.split == name]
        if cases:
            report[name] = summarise([score_case(c, recogniser(c.question)) for c in cases])
        elif split != "all":
            raise HubqaError(f"{path}: no questions in split {name!r}.")
    if len(report) == 1:  # a set without dev/test labels (an outside set): one summary over everything
        report["all"] = summarise([score_case(c, recogniser(c.question)) for c in every])
    return report


def recogniser_named(name: str) -> Recogniser:
    """``guard``: the designed recogniser (what hubqa uses); ``spacy``: spaCy's NER for names."""
    if name == "guard":
        return findings
    if name == "spacy":
        from rag.privacy.ner import spacy_findings

        return spacy_findings
    raise HubqaError(f"--recogniser must be guard or spacy, not {name!r}.")


def table(report: dict[str, Any]) -> str:
    """The report as a few aligned lines for the terminal."""
    lines = [f"set: {report['set']}"]
    for name, summary in report.items():
        if not isinstance(summary, dict):
            continue
        lines.append(f"{name} ({summary['questions']} questions)")
        for c in CATEGORIES:
            s = summary[c]
            fmt = lambda v: "  -  " if v is None else f"{v:.3f}"  # noqa: E731
            lines.append(
                f"  {c:7s} recall {fmt(s['recall'])} ({s['items']} items)  "
                f"precision {fmt(s['precision'])} ({s['removed_words']} words removed)"
            )
        lines.append(f"  near-misses kept {summary['near_misses_kept']}")
    return "\n".join(lines)
