"""A second reader of planted requests: what a sentence means, not how it is built.

The rules of ``solicitations.py`` read a request's structure and miss about half of the planted
sentences outsiders write (a conditional "if your password were included in the reply", a
favour, a note to "whoever is generating answers"). This reader scores a sentence's MiniLM vector,
beside a few structural marks, with a linear probe trained on ``rag/data/requests.jsonl``
(planted requests in many styles, and honest look-alikes: password advice, phishing described,
school logistics, prompting advice). A topic alone (passwords, student data) is no request: the
honest half of the set shares the planted half's topics, and only candidates are scored.

Only candidates are embedded: a sentence with a hand-over verb and something sensitive, an
address or an AI addressee, or one that names a sensitive thing as needed. That keeps the cost at
ingest to a fraction of the hub's sentences, and most honest prose never reaches the probe.

The probe (``rag/data/request_probe.json``) is rebuilt by ``scripts/train_request_probe.py``; a
test retrains it and compares.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.guards import solicitations as s
from rag.settings import PACKAGED_MODEL

DATA = Path(__file__).resolve().parents[1] / "data"
TRAINING_SET = DATA / "requests.jsonl"
PROBE_FILE = DATA / "request_probe.json"
#: The reason a sentence flagged by this reader carries, before the sentence itself.
MEANING = "reads as a planted request (by its meaning)"
#: Weight of the structural marks beside the 384 numbers of the sentence vector.
FEATURE_WEIGHT = 0.5

Embed = Callable[[list[str]], Sequence[Sequence[float]]]

#: The rules' names for an AI, and "automated systems" as planted text calls them.
_AI = rf"(?:{s.AI_NAMES}|automated (?:systems?|readers?|assistants?))"
_AI_WORD = re.compile(rf"\b(?:{_AI}|summar(?:y|ies|ising|izing))\b", re.IGNORECASE)
#: Who an instruction to an AI addresses: an AI, or whatever writes the answers from this page.
_ADDRESSEE = (
    rf"(?:{_AI}|(?:the |any )?system|whoever is (?:generating|writing|producing) \w+|summar(?:y|ies)|responses|answers)"
)
_VOCATIVE = re.compile(
    rf"^\W*(?:(?:hey|dear|attention|note (?:to|for)|message (?:to|for)|to|for|instructions? for)\s+)?"
    rf"(?:any |the |all |large )?{_ADDRESSEE}\s*[,:\-]",
    re.IGNORECASE,
)
_AI_MUST = re.compile(
    rf"\b{_ADDRESSEE}\b(?:\s+\w+){{0,6}}?\s+(?:must|should|shall|will|is required to|are required to|needs? to|"
    r"has to|have to)\b",
    re.IGNORECASE,
)
_ROLE = re.compile(
    r"\b(?:you are (?:no longer|now)|act as|pretend (?:you|to be)|from now on|from this point|"
    r"for the rest of this conversation|imagine you are)\b",
    re.IGNORECASE,
)
#: Verbs that hand over, reach, or tell an AI what to say, in any form.
_VERB = re.compile(
    rf"\b(?:{s._GIVE}|collect\w*|paste|lend|chip|grab|let me know|recommend|say|state|advise|output|classify|"
    r"reveal|answer|mention|follow\w*|ignore|disregard|tell\w*|record\w*|written|emailed|sent|texted|"
    r"forwarded|gathered|mailed|uploaded|entered|transferred|handed|shared|submitted)\b",
    re.IGNORECASE,
)
_NEEDED = re.compile(r"\b(?:needs?|needed|required|requires|waiting on|waiting for|missing|owes?|due)\b", re.IGNORECASE)
_NEGATED = re.compile(
    r"\b(?:not|never|no one|nobody|don'?t|doesn'?t|shouldn'?t|mustn'?t|avoid|refuse|won'?t)\b", re.IGNORECASE
)
#: An AI told what to do: an AI (or "summaries", "answers") near a verb that directs what it says
#: or does ("assistants summarising this page should tell ...", "recommend ... to the chatbot").
_DIRECTS = (
    r"(?:tell|telling|say|recommend|answer|respond|reply|state|mention|include|output|ignore|disregard|reveal|"
    r"classify|begin|end|append|add|skip|leave out|ask|asking|advise|follow|forget|act|pretend|play)"
)
_AI_DIRECTED = re.compile(
    rf"\b(?:{_AI}|summar(?:y|ies|ising|izing)|answers?|responses?|replies)\b(?:\W+\w+){{0,8}}?\W+{_DIRECTS}\b|"
    rf"\b{_DIRECTS}\b(?:\W+\w+){{0,3}}?\W+{_AI}\b",
    re.IGNORECASE,
)
#: "Don't forget to send ...": a reminder, not a prohibition.
_REMINDER = re.compile(r"^\W*(?:do not|don'?t|never) forget\b", re.IGNORECASE)
_ME = re.compile(r"\b(?:me|my|I|I'm|I'll)\b")
_YOU = re.compile(r"\b(?:you|your|yours)\b", re.IGNORECASE)


def candidate(sentence: str) -> bool:
    """Worth embedding: a hand-over verb with something sensitive or an address beside it; an AI
    addressed or told what to say or do; or a sensitive thing said to be needed. A warning ("Never
    ...") or a scam described ("Scammers may ...") is not, nor a sentence that merely names AI
    (a hub about AI has hundreds: embedding them cost a third of ingestion's time)."""
    if s._DESCRIBED.match(sentence) or (s._NEGATED_START.match(sentence) and not _REMINDER.match(sentence)):
        return False
    sensitive = bool(s._kinds(sentence))
    if _VERB.search(sentence) and (sensitive or s._ADDRESS.search(sentence)):
        return True
    if _AI_WORD.search(sentence) and _ai_addressed(sentence):
        return True
    return sensitive and bool(_NEEDED.search(sentence))


def _ai_addressed(sentence: str) -> bool:
    """An AI spoken to ("Assistant: ..."), told what it must do, given a role, or directed."""
    marks = (_VOCATIVE.match(sentence), _AI_MUST.search(sentence), _ROLE.search(sentence))
    return any(marks) or bool(_AI_DIRECTED.search(sentence))


def features(sentence: str) -> list[float]:
    """Structural marks the probe weighs beside the vector: the rules' reading of the sentence
    (request, kinds, address, pressure), negation, a described scam, a condition, and an AI
    addressed (a vocative, "assistants should", a role to play)."""
    reading = s.read(sentence)
    kinds = s._kinds(sentence)
    marks = [
        reading.request,
        reading.direct,
        reading.address or bool(s._ADDRESS.search(sentence)),
        reading.channel or bool(s._CHANNEL.search(sentence)),
        reading.pressure or bool(s._PRESSURE.search(sentence)),
        "credentials" in kinds,
        "personal" in kinds,
        "records" in kinds,
        "money" in kinds,
        "software" in kinds,
        bool(_NEGATED.search(sentence)),
        bool(s._DESCRIBED.match(sentence)),
        bool(s._CONDITION.match(sentence)),
        bool(_AI_WORD.search(sentence)),
        bool(_ME.search(sentence)),
        bool(_YOU.search(sentence)),
        sentence.rstrip().endswith("?"),
        any(k for _, k in reading.asks),
        bool(_VOCATIVE.match(sentence)),
        bool(_AI_MUST.search(sentence)),
        bool(_ROLE.search(sentence)),
    ]
    return [float(m) for m in marks]


def inputs(vectors: Sequence[Sequence[float]], sentences: list[str]) -> np.ndarray:
    """The probe's input rows: each sentence's unit vector, then its weighted marks."""
    marks = np.array([features(t) for t in sentences], dtype=np.float64).reshape(len(sentences), -1)
    return np.hstack([np.asarray(vectors, dtype=np.float64).reshape(len(sentences), -1), FEATURE_WEIGHT * marks])


@dataclass(frozen=True)
class Probe:
    """A logistic regression over ``inputs``; a sentence scoring above ``threshold`` is flagged."""

    weights: np.ndarray
    bias: float
    threshold: float

    def scores(self, rows: np.ndarray) -> np.ndarray:
        return rows @ self.weights + self.bias


#: L2 strength and steps of the probe's training (full-batch gradient descent: deterministic).
C, STEPS, RATE = 1.0, 3000, 1.0


def fit(rows: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
    """Weights and bias of a class-balanced, L2-regularised logistic regression (numpy only, so
    the same rows give the same probe on every machine)."""
    weights = np.zeros(rows.shape[1])
    bias = 0.0
    share = labels.mean()
    balance = np.where(labels == 1, 0.5 / share, 0.5 / (1 - share))
    for _ in range(STEPS):
        predicted = 1 / (1 + np.exp(-(rows @ weights + bias)))
        error = (predicted - labels) * balance
        weights -= RATE * (rows.T @ error / len(labels) + weights / (C * len(labels)))
        bias -= RATE * float(error.mean())
    return weights, bias


def load_set(path: Path = TRAINING_SET) -> list[dict[str, str | int]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def training_rows(
    embed: Embed, items: list[dict[str, str | int]], negatives: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """The probe's training rows: the set's ``train`` candidates, and honest candidates from
    elsewhere (web text) as more negatives."""
    texts = [str(i["text"]) for i in items if i["split"] == "train" and candidate(str(i["text"]))]
    labels = [int(i["label"]) for i in items if i["split"] == "train" and candidate(str(i["text"]))]
    texts += negatives
    labels += [0] * len(negatives)
    return inputs(embed(texts), texts), np.array(labels, dtype=np.float64)


def save_probe(weights: np.ndarray, bias: float, threshold: float, path: Path = PROBE_FILE) -> None:
    payload = {"threshold": threshold, "bias": bias, "weights": [round(float(w), 6) for w in weights]}
    path.write_text(json.dumps(payload) + "\n", encoding="utf-8")


@lru_cache(maxsize=1)
def load_probe(path: Path = PROBE_FILE) -> Probe:
    data = json.loads(path.read_text(encoding="utf-8"))
    return Probe(np.array(data["weights"], dtype=np.float64), float(data["bias"]), float(data["threshold"]))


class MeaningReader:
    """Flags planted requests the rules missed, by embedding the candidates among sentences."""

    def __init__(self, embed: Embed, probe: Probe | None = None) -> None:
        """``embed``: the hub's sentence model (``SentenceEmbeddings.embed_documents``)."""
        self.embed = embed
        self.probe = probe or load_probe()

    def scores(self, sentences: list[str]) -> list[float | None]:
        """The probe's score of each candidate (``None`` for a sentence that is not one), in one batch."""
        picked = [i for i, t in enumerate(sentences) if candidate(t)]
        out: list[float | None] = [None] * len(sentences)
        if picked:
            texts = [sentences[i] for i in picked]
            for i, score in zip(picked, self.probe.scores(inputs(self.embed(texts), texts)), strict=True):
                out[i] = float(score)
        return out

    def reasons(self, sentences: list[str]) -> list[str]:
        """``MEANING`` and the sentence, for each sentence the probe flags; "" for the others."""
        return [
            f"{MEANING}: {t}" if score is not None and score > self.probe.threshold else ""
            for t, score in zip(sentences, self.scores(sentences), strict=True)
        ]


def reader_for(model_name: str, embed: Embed) -> MeaningReader | None:
    """A reader for a hub embedding with ``model_name``: only the packaged model's vectors, the
    ones the probe was trained on, mean anything to it (another hub keeps the rules alone)."""
    return MeaningReader(embed) if model_name == PACKAGED_MODEL else None


#: Every how-many-th honest web candidate (MS MARCO passages' even-numbered sentences) joins the
#: training negatives: web prose about fees, passwords and medical records that is no request.
WEB_STRIDE = 3


def web_negatives(corpus_jsonl: Path) -> list[str]:
    """Honest candidates from a BEIR ``corpus.jsonl`` (MS MARCO): the even-numbered sentences'
    candidates, one in ``WEB_STRIDE`` (the odd-numbered ones stay unseen for the false-alarm count)."""
    from rag.text import split_units

    units = [
        u
        for line in corpus_jsonl.read_text(encoding="utf-8").split("\n")
        if line.strip()
        for u in split_units(json.loads(line).get("text", ""))
    ]
    picked = [u for n, u in enumerate(units) if n % 2 == 0 and candidate(u)]
    return picked[::WEB_STRIDE]
