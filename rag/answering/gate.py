"""Answer or refuse: decided from the evidence for this question, not from the corpus's vocabulary.

The evidence is what retrieval and the answerer found: how close the best passages and the best
sentences are to the question in meaning, how much of the question's topic the passages and the
answer actually cover, and which of its specific words (names, products, places) the hub never
mentions. Slang, chat spellings and typos weigh nothing either way (``rag.answering.question``). The
evidence is combined by a small logistic model calibrated for each store (``rag.answering.calibration``),
so the confidence reads as the chance that the hub answers the question.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from rag.answering.extractive import Draft, lexical_support
from rag.answering.facts import unmet
from rag.answering.question import Intent, around_asking, content_terms, normalise
from rag.informal import FILLER, PRODUCTS
from rag.privacy.lexicon import is_english
from rag.records import Hit
from rag.text import STOPWORDS, stem, terms, words

FEATURES = ("dense", "coverage", "answer_coverage", "together", "missing", "unmet")


@dataclass
class Evidence:
    """What speaks for and against answering, each in [0, 1]."""

    #: Best similarity of the question to a top passage (embedding cosine).
    dense: float
    #: Share of the question's topic words (weighted by rarity) found in the top passages.
    coverage: float
    #: Share of them found in the passages the answer cites (with their titles and headings).
    answer_coverage: float
    #: The largest share of the question's topic words found together in one sentence, list item
    #: or table row (with its heading): an answer says them together, a stray match does not.
    together: float
    #: How much the question rests on a word the hub never uses (slang and typos aside): for the
    #: worst such word, its closeness to the question times its distance from the top passages
    #: ("khanmigo" in a Khanmigo question: high; "couple" in "a couple of kids": low).
    missing: float
    #: The question asks for a figure, a date, a price, a person or a name and no sentence of the
    #: answer states one (1), or it does or asks for none (0).
    unmet: float = 0.0

    def vector(self) -> list[float]:
        return [getattr(self, name) for name in FEATURES]


@dataclass
class GateModel:
    """Logistic weights over the evidence and the threshold the store was calibrated to."""

    weights: dict[str, float]
    bias: float
    threshold: float = 0.5
    #: How it was calibrated (counts and rates on the calibration questions), for `hubqa config`.
    source: dict[str, Any] = field(default_factory=dict)

    def confidence(self, evidence: Evidence) -> float:
        z = self.bias + sum(self.weights.get(name, 0.0) * getattr(evidence, name) for name in FEATURES)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> GateModel | None:
        try:
            data = json.loads(path.read_text())
            return cls(
                weights={k: float(v) for k, v in data["weights"].items()},
                bias=float(data["bias"]),
                threshold=float(data.get("threshold", 0.5)),
                source=dict(data.get("source", {})),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None


#: Used until a store is calibrated: the bundled corpus's calibration (`hubqa eval calibrate`,
#: 2026-12-01; docs/answering.md). Every store gets its own after its first ingestion.
DEFAULT_MODEL = GateModel(
    weights={
        "dense": 2.7055,
        "coverage": 1.8608,
        "answer_coverage": 0.6302,
        "together": 1.8425,
        "missing": -5.0652,
        "unmet": -0.8406,
    },
    bias=-3.3925,
    threshold=0.3296,
    source={"calibrated_on": "defaults (the bundled corpus)"},
)


@lru_cache(maxsize=1)
def named() -> frozenset[str]:
    """Single words of the bundled names of places, products, tests and laws (``rag/data/entities.txt``)
    that are no English word: never read as a typo of a word the hub uses."""
    text = resources.files("rag").joinpath("data", "entities.txt").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return frozenset(
        w.lower()
        for line in lines
        for w in re.findall(r"[A-Za-z]{4,}", line)
        if w[0].isupper() and not is_english(w.lower())
    )


def missing_words(question: str, idf: dict[str, float]) -> list[str]:
    """Topic words of the question that the hub never uses, misspellings of words it does use,
    slang and chat words aside."""
    question = normalise(question)
    out = []
    acronyms = {w.lower() for w in re.findall(r"\b[A-Z]{2}\b", question)}  # "EU", "UK": names, however short
    for word in words(question):
        if word in STOPWORDS or word in FILLER or (len(word) < 3 and word not in acronyms) or word.isdigit():
            continue
        term = stem(word)
        if word.endswith("ly") and len(word) > 5 and is_english(word[:-2]) and term not in idf:
            continue  # how it happened ("accidently"), not what it is about
        if word in named() and term not in idf and word not in idf:
            out.append(word)  # "texas" is not a slip for "text": a name the hub never uses
            continue
        if term in idf or any(word[:n] in idf for n in range(5, len(word))) or _near_known(term, idf):
            continue  # known, a form of a known stem ("hallucinaton"), or one slip away from one
        out.append(word)
    return list(dict.fromkeys(out))


def _covered_kind(word: str, idf: dict[str, float]) -> bool:
    """Is ``word`` an AI product of a kind the hub writes about?"""
    kind = PRODUCTS.get(word.removesuffix("'s"))
    return kind is not None and all(t in idf for t in terms(kind))


def _near_known(term: str, idf: dict[str, float]) -> bool:
    """Is ``term`` one edit (two for long words) away from a term the hub uses: a typo? Stems of
    three letters are one edit away from too many words ("tax": "tab", "tap") to tell."""
    if len(term) < 4:
        return False
    limit = 1 if len(term) < 8 else 2
    first = term[:1]
    for known in idf:
        if abs(len(known) - len(term)) <= limit and (known[:1] == first or limit == 2) and _edits(term, known, limit):
            return True
    return False


def _edits(a: str, b: str, limit: int) -> bool:
    """The edit distance of a and b, a swap of neighbours counting as one edit, is at most ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return False
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        if min(row) > limit:
            return False
        rows.append(row)
    return rows[-1][-1] <= limit


def missing_weight(
    missing: list[str],
    embed: Callable[[list[str]], list[list[float]]] | None,
    question_vector: Sequence[float] | None,
    passage_vectors: np.ndarray | None,
) -> float:
    """The weight of the question's unknown words (see ``Evidence.missing``); without vectors, a
    plain count (0.5 for one word, 1 for more)."""
    if not missing:
        return 0.0
    if embed is None or question_vector is None or passage_vectors is None or not len(passage_vectors):
        return min(1.0, len(missing) / 2)
    vectors = np.asarray(embed(missing), dtype=np.float32)
    central = vectors @ np.asarray(question_vector, dtype=np.float32)
    covered = np.clip((passage_vectors @ vectors.T).max(axis=0), 0.0, 1.0)
    return float(max(0.0, float((central * (1.0 - covered)).max())))


def evidence(
    intent: Intent,
    hits: list[Hit],
    draft: Draft,
    idf: dict[str, float],
    typed: str = "",
    embed: Callable[[list[str]], list[list[float]]] | None = None,
    question_vector: Sequence[float] | None = None,
    passage_vectors: np.ndarray | None = None,
) -> Evidence:
    """The evidence for answering ``intent`` from ``hits`` with ``draft``."""
    focus = content_terms(intent.text) if not intent.focus else intent.focus
    weights = {t: idf[t] for t in focus if t in idf}
    dense = max((h.dense for h in hits[:3] if h.dense is not None), default=0.0)
    passage_terms: set[str] = set()
    for hit in hits[:3]:
        passage_terms |= set(
            terms(f"{hit.metadata.get('title', '')} {hit.metadata.get('section', '')} {hit.context or hit.text}")
        )
    answer_terms = draft.cited_terms
    asked = normalise(typed) if typed else intent.text
    missing = missing_words(asked, idf)
    # a year or a figure the question names must appear in what was found ("guidance released in 2025")
    found_text = " ".join(f"{h.context or h.text}" for h in hits[:3])
    missing += [n for n in re.findall(r"\b(?:19|20)\d\d\b", asked) if n not in found_text]
    # a word only in the story before the question ("a newcomer from Eritrea who speaks Tigrinya.
    # Can I use AI to translate ...?") sets the scene; the question rests on the words it asks with
    before, _, _ = around_asking(asked)
    story = set(words(before)) - set(words(asked.strip()[len(before) :]))
    setting = [w for w in missing if w in story]
    # a product of a kind the hub covers ("gemini" in a hub on chatbots) may be what the question
    # turns on ("how much does khanmigo cost?") or just the tool at hand: it counts half
    products = [w for w in missing if w not in setting and _covered_kind(w, idf)]
    asked_missing = [w for w in missing if w not in setting and w not in products]
    weight = max(
        missing_weight(asked_missing, embed, question_vector, passage_vectors),
        0.5 * missing_weight(setting, embed, question_vector, passage_vectors),
        0.5 * missing_weight(products, embed, question_vector, passage_vectors),
    )
    return Evidence(
        dense=max(0.0, dense),
        coverage=lexical_support(passage_terms, weights) if weights else 0.0,
        answer_coverage=lexical_support(answer_terms, weights) if weights else 0.0,
        together=draft.best_unit_coverage,
        missing=weight,
        unmet=max(
            (unmet(p.expects, [s.text for s in draft.sentences], p.text) for p in intent.parts or [intent]), default=0.0
        ),
    )
