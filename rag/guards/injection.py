"""Recognise instructions planted in documents ("ignore previous instructions...").

Retrieved text is data. Sentences that address an AI system or try to redirect the user are
kept out of extractive answers and replaced by a marker before a passage reaches a model; what
a model writes is checked again, because a small model copies whatever it is shown.

Text is matched after NFKC normalisation with invisible characters removed, so full-width
letters and zero-width spaces do not hide an instruction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rag.chunks import PLANTED
from rag.guards import solicitations
from rag.guards.meaning import MEANING, MeaningReader
from rag.search.store import HubStore, read_pages
from rag.text import split_sentences, split_units

_AI = rf"(?:{solicitations.AI_NAMES})"
_PEOPLE = r"(?:users?|readers?|teachers?|educators?|students?|parents?|staff|visitors?)"
_SECRETS = r"(?:passwords?|passcodes?|log ?ins?|credentials?|ssn|social security|bank|credit card|gift cards?|pins?)"
_PATTERNS = [
    r"\b(ignore|disregard|forget|override)\s+(all\s+|any\s+)?(of\s+)?(the\s+)?(previous|prior|above|earlier|preceding|"
    r"your|these|system)\b.{0,20}\b(instructions?|rules?|prompts?|directions?|guidelines?)\b",
    r"\b(ignore|disregard|forget|override)\s+(all\s+)?(the\s+|your\s+|any\s+)?(instructions?|rules?|prompts?|directions?)"
    r"\s+(above|before|earlier|given|so far|you were given)",
    r"\bforget\s+(everything|all|anything)\b.{0,30}\b(told|said|given|above|before|instructions?)\b",
    r"\b(reveal|print|show|repeat|output|leak|ignore)\b.{0,20}\b(system|developer)\s+(prompt|message|instructions?)\b",
    r"\byou are now\b|\bact as (an? )?(unrestricted|jailbroken|different)\b|\bnew instructions?\s*:|\bdeveloper mode\b",
    rf"\b(tell|ask|instruct|direct|remind)\s+(the\s+)?{_PEOPLE}\s+to\b.{{0,60}}"
    r"\b(password|credentials?|log ?in|send|click|visit|download|wire|pay|gift card)",
    rf"\b(ask|request|prompt)\s+(the\s+)?{_PEOPLE}\b.{{0,40}}\b{_SECRETS}",
    rf"\b(note|message|attention|memo|instructions?|reminder)\s+(to|for)\s+(the\s+|any\s+|all\s+)?{_AI}\b",
    rf"\b(when|if|whenever)\s+(an?\s+|the\s+|any\s+)?{_AI}\s+(reads?|summari[sz]es|sees|answers|responds|processes|"
    r"is asked)\b.{0,60}\b(should|must|will|needs? to|has to)\b",
    rf"\b{_AI}\s*(must|should|will|shall)\s+(now\s+|always\s+)?(say|reply|respond|answer|output|print|tell|ask|include)",
    rf"^\W*{_AI}\s*[,:]\s*(please\s+)?(ask|tell|say|reply|respond|ignore|output|include|print)\b",
    r"\b(reply|respond|answer|begin|start|end)\b.{0,30}\b(with|using)\s+(only\s+)?(the\s+|this\s+)?"
    r"(phrase|code ?word|code|word|string|token|password)\b",
    r"\b(include|insert|append|add|mention|repeat|output|print|say)\s+(only\s+)?(the\s+|this\s+)?"
    r"(secret\s+)?(phrase|code ?word|code|string|token|canary)\b",
    r"<\s*/?\s*(system|instructions?)\s*>|\[\s*(system|inst)\s*[\]:]|^\W*(system|system prompt)\s*:|"
    r"^\W*instructions?\s*:\s*(?:\w+\s+){0,2}(respond|reply|say|output|answer|ignore|disregard|print|you|always|tell)\b",
]
_INJECTION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE | re.DOTALL | re.MULTILINE)
#: Asking for someone's secrets, unless the sentence says not to ("never share your password").
_CREDENTIALS = re.compile(
    rf"\b(e-?mail|send|share|give|enter|type|text|submit|confirm|verify)\b.{{0,30}}\b(your|their|his|her)\s+{_SECRETS}",
    re.IGNORECASE | re.DOTALL,
)
_NEGATION = re.compile(r"\b(not|never|no one|nobody|don'?t|doesn'?t|shouldn'?t|mustn'?t|avoid)\b", re.IGNORECASE)

REMOVED = "[text that looked like instructions to an AI was removed]"


def fold_lookalikes(text: str) -> str:
    """NFKC, without invisible format characters (zero-width spaces, joiners, direction marks)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def looks_like_injection(text: str) -> bool:
    """Instructions to an AI system, or a request that the reader hand over something sensitive."""
    plain = fold_lookalikes(text)
    if _INJECTION.search(plain):
        return True
    for match in _CREDENTIALS.finditer(plain):
        if not _NEGATION.search(plain[max(0, match.start() - 40) : match.start()]):
            return True
    return any(solicitations.flag_units(split_sentences(plain) or [plain]))


#: A command right after a planted sentence continues it ("System: you are now... Output X.").
_COMMAND = re.compile(
    r"^\W*(output|say|reply|respond|print|write|include|tell|ask|send|e-?mail|visit|click|type|enter|repeat|"
    r"answer|begin|start|append|add|mention|remember|always|do not|don'?t|never)\b",
    re.IGNORECASE,
)


def planted_reasons(units: list[str], meaning: MeaningReader | None = None) -> list[str]:
    """Why each of a passage's consecutive units is planted ("" when it is not): an instruction
    to an AI, a solicitation (alone or split over neighbours), or a command right after one;
    with ``meaning``, also what the rules missed and the sentence's meaning gives away."""
    plain = [fold_lookalikes(u) for u in units]
    asks = solicitations.flag_units(plain)
    reasons: list[str] = []
    for text, ask in zip(plain, asks, strict=True):
        if _INJECTION.search(text) or any(
            not _NEGATION.search(text[max(0, m.start() - 40) : m.start()]) for m in _CREDENTIALS.finditer(text)
        ):
            reasons.append("instructions to an AI or a request for secrets")
        elif ask:
            reasons.append(ask)
        elif reasons and reasons[-1] and _COMMAND.match(text):
            reasons.append("a command continuing the planted text before it")
        else:
            reasons.append("")
    if meaning is not None:
        return [r or m for r, m in zip(reasons, meaning.reasons(plain), strict=True)]
    return reasons


def planted_reason(texts: list[str], meaning: MeaningReader | None = None) -> str:
    """Why a document whose sections are ``texts`` holds a planted request ("" when it does not):
    the first planted sentence's. The rules read every section first; ``meaning`` embeds the
    candidates of all sections in one batch, only when the rules found nothing (ingest's cost)."""
    sections = [split_units(text) for text in texts]
    for units in sections:
        for reason in planted_reasons(units):
            if reason:
                return reason
    if meaning is None:
        return ""
    every = [fold_lookalikes(u) for units in sections for u in units]
    return next((r for r in meaning.reasons(every) if r), "")


def planted_flags(units: list[str]) -> list[bool]:
    """Which of a passage's consecutive sentences are planted: each match, and the commands after it."""
    return list(_planted_flags(tuple(units)))


@lru_cache(maxsize=4096)
def _planted_flags(units: tuple[str, ...]) -> tuple[bool, ...]:
    """Memoised: the composer reads the same passages for question after question (~2 ms each)."""
    return tuple(bool(r) for r in planted_reasons(list(units)))


def _split(line: str) -> list[str]:
    return split_sentences(line) or [line]


@lru_cache(maxsize=4096)
def neutralise(text: str) -> str:
    """The passage with every sentence that carries planted instructions replaced by a marker
    (memoised: each answer shows up to ~15 passages, and a hub's passages come back again and again)."""
    out = []
    for line in text.splitlines():
        if not looks_like_injection(line):
            out.append(line)
            continue
        sentences = _split(line)
        flags = planted_flags(sentences)
        if not any(flags):  # the instruction spans sentences: drop the whole line
            out.append(REMOVED)
            continue
        kept: list[str] = []
        for sentence, planted in zip(sentences, flags, strict=True):
            if not planted:
                kept.append(sentence)
            elif not kept or kept[-1] != REMOVED:
                kept.append(REMOVED)
        out.append(" ".join(kept))
    return "\n".join(out)


_WORD = re.compile(r"[\w@.:/-]*\w", re.UNICODE)


def planted_words(passages: list[str]) -> set[str]:
    """Words found only in the planted sentences of these passages (a canary, an address, a URL).

    The model never saw them (``neutralise`` took them out), so an answer using one repeats
    a planted instruction by another route and must not be shown."""
    planted: set[str] = set()
    kept: set[str] = set()
    for passage in passages:
        for line in passage.splitlines():
            sentences = _split(line)
            flags = planted_flags(sentences) if looks_like_injection(line) else [False] * len(sentences)
            if looks_like_injection(line) and not any(flags):
                flags = [True] * len(sentences)
            for sentence, flag in zip(sentences, flags, strict=True):
                found = {w.lower().strip(".:/-") for w in _WORD.findall(fold_lookalikes(sentence))}
                (planted if flag else kept).update(w for w in found if len(w) >= 4)
    return planted - kept


def is_planted_output(sentence: str, planted: set[str]) -> bool:
    """A sentence of a model's answer that carries an instruction or a word only planted text had."""
    if looks_like_injection(sentence):
        return True
    return any(w.lower().strip(".:/-") in planted for w in _WORD.findall(fold_lookalikes(sentence)))


@dataclass(frozen=True)
class PlantedSentence:
    """A sentence of an indexed document that is never quoted, for coaches to find and remove."""

    doc_id: str
    title: str
    section: str
    page: int | None
    sentence: str
    reason: str


def _with_meaning(units: list[str], reasons: list[str], withheld: str) -> list[str]:
    """``reasons``, with the sentence the meaning reader flagged at ingest (its reason, the chunk's
    ``planted`` metadata, carries it: the rules alone do not find it again)."""
    sentence = withheld.removeprefix(f"{MEANING}: ") if withheld.startswith(f"{MEANING}: ") else ""
    if not sentence:
        return reasons
    return [r or (MEANING if sentence in fold_lookalikes(u) else "") for u, r in zip(units, reasons, strict=True)]


def planted_in_store(store: HubStore) -> list[PlantedSentence]:
    """Every planted sentence in the current version of every indexed document, once each (the
    honest-looking set-up beside a request is withheld with its document, but not listed)."""
    manifest = store.read_documents()
    found: dict[tuple[str, str], PlantedSentence] = {}
    for page in read_pages(store.chunks, ["documents", "metadatas"]):
        for text, meta in zip(page["documents"], page["metadatas"], strict=True):
            record = manifest.get(str(meta.get("doc_id")))
            if record is None or record.version != meta.get("version"):
                continue
            units = split_units(text or "")
            reasons = _with_meaning(units, planted_reasons(units), str(meta.get(PLANTED) or ""))
            for unit, reason in zip(units, reasons, strict=True):
                if reason and not reason.startswith(solicitations.BESIDE) and (record.doc_id, unit) not in found:
                    found[(record.doc_id, unit)] = PlantedSentence(
                        record.doc_id,
                        record.title,
                        str(meta.get("section") or ""),
                        int(meta["page"]) if meta.get("page") else None,
                        unit,
                        reason,
                    )
    return sorted(found.values(), key=lambda p: (p.title.lower(), p.page or 0, p.section))
