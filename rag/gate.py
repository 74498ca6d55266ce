"""Answer or refuse: decided from the evidence for this question, not from the corpus's vocabulary.

The evidence is what retrieval and the answerer found: how close the best passages and the best
sentences are to the question in meaning, how much of the question's topic the passages and the
answer actually cover, and which of its specific words (names, products, places) the hub never
mentions. Slang, chat spellings and typos weigh nothing either way (``rag.question``). The
evidence is combined by a small logistic model calibrated for each store (``rag.calibration``),
so the confidence reads as the chance that the hub answers the question.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rag.extractive import Draft, lexical_support
from rag.question import FILLER, Intent, content_terms
from rag.records import Hit
from rag.text import STOPWORDS, stem, terms, words

FEATURES = ("dense", "unit", "coverage", "answer_coverage", "missing")


@dataclass
class Evidence:
    """What speaks for and against answering, each in [0, 1]."""

    #: Best similarity of the question to a top passage (embedding cosine).
    dense: float
    #: Best similarity of the question to one sentence, list item or table row (0 when unknown).
    unit: float
    #: Share of the question's topic words (weighted by rarity) found in the top passages.
    coverage: float
    #: Share of them found in the answer's own sentences and the headings above them.
    answer_coverage: float
    #: Share of the question's specific words that the hub never uses (a product, a place, a law).
    missing: float

    def vector(self) -> list[float]:
        return [getattr(self, name) for name in FEATURES]


@dataclass
class GateModel:
    """Logistic weights over the evidence and the threshold the store was calibrated to."""

    weights: dict[str, float]
    bias: float
    threshold: float = 0.5
    #: How it was calibrated (counts and rates on the calibration questions), for `hubqa config`.
    source: dict[str, object] = field(default_factory=dict)

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
            return cls(weights={k: float(v) for k, v in data["weights"].items()}, bias=float(data["bias"]),
                       threshold=float(data.get("threshold", 0.5)), source=dict(data.get("source", {})))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None


#: Used until a store is calibrated: `hubqa eval calibrate` on the bundled corpus (see
#: docs/evaluation.md); every store gets its own calibration after its first ingestion.
DEFAULT_MODEL = GateModel(
    weights={"dense": 6.0, "unit": 3.0, "coverage": 3.0, "answer_coverage": 2.0, "missing": -4.0},
    bias=-6.0, threshold=0.5, source={"calibrated_on": "defaults"})


def _specific(word: str, typed: str) -> bool:
    """A word that names something (a product, a place, a law): capitalised inside the sentence,
    with digits, or long and uncommon enough that a hub covering it would use it."""
    return bool(re.search(r"\d", word)) or (typed[:1].isupper() and typed.lower() != typed) or len(word) >= 6


def missing_words(question: str, idf: dict[str, float]) -> list[str]:
    """Specific words of the question that the hub never uses and that are not a misspelling of
    one it does."""
    out = []
    typed_words = re.findall(r"[A-Za-z][\w'-]*[A-Za-z0-9]|[A-Za-z]", question)
    for typed in typed_words[1:] if typed_words and typed_words[0][:1].isupper() else typed_words:
        for word in words(typed):
            if word in STOPWORDS or word in FILLER or len(word) < 3:
                continue
            term = stem(word)
            if term in idf or not _specific(word, typed) or _near_known(term, idf):
                continue
            out.append(word)
    return list(dict.fromkeys(out))


def _near_known(term: str, idf: dict[str, float]) -> bool:
    """Is ``term`` one edit (two for long words) away from a term the hub uses: a typo?"""
    limit = 1 if len(term) < 8 else 2
    first = term[:1]
    for known in idf:
        if abs(len(known) - len(term)) <= limit and (known[:1] == first or limit == 2) and _edits(term, known, limit):
            return True
    return False


def _edits(a: str, b: str, limit: int) -> bool:
    """Levenshtein distance of a and b is at most ``limit`` (banded)."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


def evidence(intent: Intent, hits: list[Hit], draft: Draft, idf: dict[str, float],
             typed: str = "") -> Evidence:
    """The evidence for answering ``intent`` from ``hits`` with ``draft``."""
    focus = content_terms(intent.text) if not intent.focus else intent.focus
    weights = {t: idf[t] for t in focus if t in idf}
    dense = max((h.dense for h in hits[:3] if h.dense is not None), default=0.0)
    passage_terms: set[str] = set()
    for hit in hits[:3]:
        passage_terms |= set(terms(f"{hit.metadata.get('title', '')} {hit.metadata.get('section', '')} "
                                   f"{hit.context or hit.text}"))
    answer_terms: set[str] = set()
    for sentence in draft.sentences:
        answer_terms |= set(terms(sentence.text))
    answer_terms |= draft.heading_terms
    missing = missing_words(typed or intent.text, idf)
    specific = len(missing) + sum(1 for t in weights if idf[t] >= _rare(idf))
    return Evidence(
        dense=max(0.0, dense),
        unit=max(0.0, draft.best_similarity),
        coverage=lexical_support(passage_terms, weights) if weights else 0.0,
        answer_coverage=lexical_support(answer_terms, weights) if weights else 0.0,
        missing=len(missing) / specific if specific else 0.0,
    )


def _rare(idf: dict[str, float]) -> float:
    """The rarity above which a term is specific: the hub's median term rarity."""
    values = sorted(idf.values())
    return values[len(values) // 2] if values else 0.0
