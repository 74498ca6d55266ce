"""Calibrating the answer-or-refuse gate for one store, with no hand-written questions.

A coach's hub is not the bundled one, so the gate learns each store's evidence levels from
questions made from the store itself (its FAQ questions, headings and sentences, reworded the way
teachers type, with slang and typos) against questions it surely cannot answer: a bundled set of
off-topic questions (other domains, and school topics such hubs leave out) and the store's own
topics asked about a named product, place or law it never mentions. Off-topic questions that the
store turns out to answer well (a hub about field trips answers field-trip questions) are left out.
A logistic model over the evidence (``rag.answering.gate``) is fitted to these, and the threshold is set so
that almost every question made from the hub is answered.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rag.answering.gate import DEFAULT_MODEL, FEATURES, GateModel
from rag.search.index import index_root
from rag.search.store import HubStore
from rag.search.view import ReadView
from rag.settings import Settings
from rag.text import read_units, strip_markdown, terms, words

if TYPE_CHECKING:
    from rag.answering.assistant import Assistant

log = logging.getLogger(__name__)

#: Questions of each kind made per calibration (more cost time: each is a full search and answer).
POSITIVES = 150
NEGATIVES = 120
ENTITY_NEGATIVES = 60
#: Share of the hub's own questions the gate may refuse at the chosen threshold.
TARGET_FALSE_REFUSALS = 0.03
SEED = 6175


def calibration_path(settings: Settings) -> Path:
    """Beside the store's search index: one calibration per collection."""
    return index_root(settings) / f"{settings.collection}.gate.json"


def load_gate(settings: Settings, store: HubStore | None = None) -> GateModel:
    """The store's calibrated gate, or the defaults when it has none yet."""
    return GateModel.load(calibration_path(settings)) or DEFAULT_MODEL


def bundled(name: str) -> list[str]:
    """Lines of a file shipped in ``rag/data``."""
    text = resources.files("rag").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


# -- making questions ----------------------------------------------------------------------
_OPENERS = ["", "", "", "hey ", "quick q: ", "so ", "ok so ", "hi, ", "question: "]
_CLOSERS = ["?", "?", "?", "", " - what do i do?", "? thx", " ?", "? any advice"]
_HEADING_TEMPLATES = [
    "{h}?",
    "what about {h}?",
    "what does the hub say about {h}?",
    "any guidance on {h}",
    "{h} - what should i know?",
    "tell me about {h}",
    "how does {h} work?",
]
_KEYWORD_TEMPLATES = [
    "{w}?",
    "how do i handle {w}?",
    "what's the rule on {w}",
    "{w} - is that ok?",
    "can you explain {w}?",
    "what should i know about {w}?",
]
_FILLERS = ["lol", "pls", "asap", "tbh", "honestly", "real quick", "for my class"]


def _noisy(question: str, rng: random.Random) -> str:
    """Typed the way teachers type: lower case, no apostrophes, a slip of the finger, filler."""
    if rng.random() < 0.4:
        question = question.lower()
    if rng.random() < 0.4:
        question = question.replace("'", "").replace("\u2019", "")
    if rng.random() < 0.25:
        long_words = [m for m in re.finditer(r"[A-Za-z]{6,}", question)]
        if long_words:
            m = rng.choice(long_words)
            w = m.group(0)
            i = rng.randrange(1, len(w) - 2)
            question = question[: m.start()] + w[:i] + w[i + 1] + w[i] + w[i + 2 :] + question[m.end() :]
    if rng.random() < 0.2:
        question = f"{question} {rng.choice(_FILLERS)}"
    return rng.choice(_OPENERS) + question


def _clean_heading(section: str) -> str:
    leaf = section.split(" > ")[-1]
    leaf = re.sub(
        r"^(?:step|section|part|lesson|module|rule|prompt|scenario)\s*\d+[.:)]?\s*[-:\u2014]?\s*",
        "",
        leaf,
        flags=re.IGNORECASE,
    )
    return re.sub(r"^\d+[.)]\s*", "", leaf).strip(" :")


def hub_questions(view: ReadView, rng: random.Random, n: int = POSITIVES) -> list[str]:
    """Questions the hub answers, made from a spread of its chunks."""
    by_doc: dict[str, list[str]] = {}
    for chunk_id, doc in zip(view.index.ids, view.index.fields["doc_id"], strict=True):
        by_doc.setdefault(doc, []).append(chunk_id)
    picked: list[str] = []
    docs = sorted(by_doc)
    rng.shuffle(docs)
    while len(picked) < 2 * n and any(by_doc.values()):
        for doc in docs:
            if by_doc[doc]:
                picked.append(by_doc[doc].pop(rng.randrange(len(by_doc[doc]))))
    chunks = view.chunks(picked[: 2 * n])
    questions: list[str] = []
    for chunk_id in picked[: 2 * n]:
        hit = chunks.get(chunk_id)
        if hit is None:
            continue
        units = [strip_markdown(u.text) for u in read_units(hit.text)]
        asked = [u for u in units if u.endswith("?") and 4 <= len(u.split()) <= 25]
        heading = _clean_heading(str(hit.metadata.get("section", "")))
        statements = [u for u in units if 8 <= len(u.split()) <= 45 and not u.endswith(("?", ":"))]
        choice = rng.random()
        if asked and choice < 0.3:
            question = rng.choice(asked)
        elif heading and len(terms(heading)) >= 2 and choice < 0.6:
            question = rng.choice(_HEADING_TEMPLATES).format(h=heading.lower() if rng.random() < 0.5 else heading)
        elif statements:
            # a stretch of a sentence, asked about: "what's the rule on students under 13 use only tools?"
            tokens = rng.choice(statements).rstrip(".").split()
            size = min(len(tokens), rng.randint(4, 8))
            start = rng.randrange(0, len(tokens) - size + 1)
            span = " ".join(tokens[start : start + size]).strip(",;:")
            if len(terms(span)) < 2:
                continue
            question = rng.choice(_KEYWORD_TEMPLATES).format(w=span[0].lower() + span[1:])
        else:
            continue
        questions.append(_noisy(question, rng))
        if len(questions) >= n:
            break
    return questions


def entity_questions(hub: list[str], idf: dict[str, float], rng: random.Random, n: int = ENTITY_NEGATIVES) -> list[str]:
    """The hub's own topics asked about a named product, place or law it never mentions."""
    names = [
        e for e in bundled("entities.txt") if not any(t in idf for t in terms(e) if not any(ch.isdigit() for ch in t))
    ]
    templates = [
        "how much does {e} cost for {t}?",
        "what does {e} say about {t}?",
        "{t} in {e}?",
        "is {e} ok for {t}?",
        "whats the {e} rule on {t}",
    ]
    out = []
    for question in rng.sample(hub, min(n, len(hub))):
        topic = " ".join(w for w in words(question) if terms(w))[:60].strip() or question
        out.append(_noisy(rng.choice(templates).format(e=rng.choice(names), t=topic), rng))
    return out


# -- fitting -------------------------------------------------------------------------------
def fit_logistic(x: np.ndarray, y: np.ndarray, ridge: float = 1.0, steps: int = 50) -> tuple[np.ndarray, float]:
    """Class-balanced logistic regression by Newton's method, with a small ridge penalty (a few
    hundred rows, five features)."""
    design = np.hstack([x, np.ones((len(x), 1))])
    pos = max(1.0, float(y.sum()))
    neg = max(1.0, float(len(y) - y.sum()))
    sample = np.where(y == 1, len(y) / (2 * pos), len(y) / (2 * neg))
    beta = np.zeros(design.shape[1])
    penalty = ridge * np.eye(design.shape[1])
    penalty[-1, -1] = 0.0  # the bias is not shrunk
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(design @ beta, -30, 30)))
        gradient = design.T @ ((p - y) * sample) + penalty @ beta
        hessian = design.T @ (design * (p * (1 - p) * sample)[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:-1], float(beta[-1])


@dataclass
class Calibration:
    model: GateModel
    seconds: float
    #: Each calibration question: its evidence, whether the hub answers it, and its kind.
    rows: list[tuple[str, list[float], int, str]] = field(default_factory=list)


def calibrate(
    assistant: Assistant,
    progress: Callable[[int, int], None] | None = None,
    seed: int = SEED,
    sizes: tuple[int, int, int] = (POSITIVES, NEGATIVES, ENTITY_NEGATIVES),
) -> Calibration:
    """Fit the gate to this assistant's store (it is not saved; see ``save``); ``sizes`` are the
    numbers of the hub's own, off-topic and named-thing questions."""
    started = time.perf_counter()
    rng = random.Random(seed)
    view = assistant.retriever.view()
    if not view.index.ids:
        return Calibration(DEFAULT_MODEL, 0.0)
    hub = hub_questions(view, rng, sizes[0])
    off_topic = bundled("off_topic.txt")
    off = rng.sample(off_topic, min(sizes[1], len(off_topic)))
    named = entity_questions(hub, view.idf, rng, sizes[2])
    total = len(hub) + len(off) + len(named)
    rows: list[tuple[str, list[float], int, str]] = []
    for i, (question, label, kind) in enumerate(
        [(q, 1, "hub") for q in hub] + [(q, 0, "off") for q in off] + [(q, 0, "named") for q in named]
    ):
        evidence = assistant.find(question).evidence
        rows.append((question, evidence.vector(), label, kind))
        if progress is not None:
            progress(i + 1, total)
    x = np.array([r[1] for r in rows], dtype=np.float64)
    y = np.array([r[2] for r in rows], dtype=np.float64)
    kinds = [r[3] for r in rows]
    # an off-topic question this store answers as well as its own typical question is not off
    # topic here: leave it out rather than teach the gate to refuse it
    dense = FEATURES.index("dense")
    typical = float(np.median(x[y == 1, dense])) if (y == 1).any() else 1.0
    keep = np.array([not (k == "off" and row[dense] >= typical) for row, k in zip(x, kinds, strict=True)])
    w, b = fit_logistic(x[keep], y[keep])
    scores = 1 / (1 + np.exp(-(x @ w + b)))
    positives = np.sort(scores[(y == 1) & keep])
    threshold = float(positives[int(TARGET_FALSE_REFUSALS * len(positives))]) if len(positives) else 0.5
    threshold = min(threshold, 0.5)
    refused = {
        kind: round(float(np.mean(scores[(np.array(kinds) == kind) & keep] < threshold)), 3)
        for kind in ("hub", "off", "named")
    }
    model = GateModel(
        weights={name: round(float(v), 4) for name, v in zip(FEATURES, w, strict=True)},
        bias=round(b, 4),
        threshold=round(threshold, 4),
        source={
            "calibrated_on": "store",
            "collection": assistant.settings.collection,
            "questions": {
                "hub": len(hub),
                "off_topic": int(keep[[k == "off" for k in kinds]].sum()),
                "off_topic_left_out": int((~keep).sum()),
                "named": len(named),
            },
            "refused": refused,
            "seed": seed,
            "at": time.strftime("%Y-%m-%d %H:%M:%S"),
        },
    )
    return Calibration(model, time.perf_counter() - started, rows)


def save(settings: Settings, model: GateModel) -> Path:
    path = calibration_path(settings)
    model.save(path)
    return path


def calibrate_if_missing(assistant: Assistant) -> Calibration | None:
    """Calibrate a store that has no calibration yet (after its first ingestion)."""
    if calibration_path(assistant.settings).exists():
        return None
    result = calibrate(assistant)
    save(assistant.settings, result.model)
    log.info("calibrated the answer-or-refuse gate in %.0f s", result.seconds)
    return result
