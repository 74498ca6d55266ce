"""The default answerer: the hub's own sentences, chosen for the question, each one cited.

Offline and instant. It reads the top passages (with their surrounding context), scores every
sentence, list item and table row by the question's words (IDF-weighted) and the passage's
rank, keeps a run of steps together when the best unit is a list item, and writes a short
lead-in naming the main source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.injection import planted_flags
from rag.records import Hit
from rag.text import split_units, strip_markdown, terms

#: Passages the answer may draw on, and the most units it shows.
MAX_PASSAGES = 4
MAX_UNITS = 6
MAX_CHARS = 1100
#: The main passage contributes a contiguous run of up to this many units / characters.
WINDOW_UNITS = 4
WINDOW_CHARS = 600


@dataclass
class Unit:
    text: str
    hit_index: int
    position: int
    score: float = 0.0
    is_item: bool = False


@dataclass
class DraftSentence:
    """One sentence of an answer, with the passages (indexes into the hits) it cites."""

    text: str
    cites: list[int]
    bullet: bool = False


@dataclass
class Draft:
    lead: str
    sentences: list[DraftSentence] = field(default_factory=list)


_ITEM = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,2}[.)])\s+")


def _units(hit: Hit, index: int) -> list[Unit]:
    units = []
    raws = split_units(hit.context or hit.text)
    for position, (raw, planted) in enumerate(zip(raws, planted_flags(raws), strict=True)):
        text = strip_markdown(raw)
        if len(text) < 3 or planted:
            continue
        units.append(Unit(text=text, hit_index=index, position=position, is_item=bool(_ITEM.match(raw))))
    return units


def _score(unit: Unit, query: dict[str, float], total: float) -> float:
    unit_terms = set(terms(unit.text))
    overlap = sum(w for t, w in query.items() if t in unit_terms) / total if total else 0.0
    n_words = len(unit.text.split())
    score = overlap + (0.12, 0.08, 0.04, 0.0)[min(unit.hit_index, 3)] + (0.04 if unit.position == 0 else 0.0)
    if n_words < 5:
        score -= 0.25
    elif n_words > 70:
        score -= 0.1
    if unit.text.endswith(":") and not unit.is_item:
        score -= 0.05  # an introduction to a list says little on its own
    return score


def _near_duplicate(a: str, b: str) -> bool:
    ta, tb = set(terms(a)), set(terms(b))
    if not ta or not tb:
        return a == b
    return len(ta & tb) / min(len(ta), len(tb)) > 0.8


def compose(question: str, hits: list[Hit], idf: dict[str, float]) -> Draft:
    """Choose and order the sentences that answer ``question`` from the top ``hits``."""
    passages = hits[:MAX_PASSAGES]
    query = {t: idf.get(t, 2.0) for t in set(terms(question))}
    total = sum(query.values())
    units = [u for i, h in enumerate(passages) for u in _units(h, i)]
    for unit in units:
        unit.score = _score(unit, query, total)
    if not units:
        return Draft(lead="")

    chosen: list[Unit] = []
    best = max(units, key=lambda u: u.score)
    chosen.append(best)
    same = [u for u in units if u.hit_index == best.hit_index]
    by_position = {u.position: u for u in same}
    following = by_position.get(best.position + 1)
    if best.is_item or (following is not None and following.is_item):
        # a list: keep its items together, in order (whole steps, not fragments)
        position = best.position + 1
        while position in by_position and len(chosen) < MAX_UNITS:
            nxt = by_position[position]
            if best.is_item and not nxt.is_item:
                break
            chosen.append(nxt)
            if not nxt.is_item and not nxt.text.endswith(":"):
                break
            position += 1
        before = by_position.get(best.position - 1)
        if before is not None and before.text.endswith(":") and len(chosen) < MAX_UNITS:
            chosen.append(before)
    else:
        # a contiguous window: the best sentence, a lead-in worth keeping, and what follows
        before = by_position.get(best.position - 1)
        if before is not None and before.score >= 0.6 * best.score:
            chosen.append(before)
        position = best.position + 1
        while position in by_position and len(chosen) < WINDOW_UNITS:
            if sum(len(c.text) for c in chosen) > WINDOW_CHARS:
                break
            chosen.append(by_position[position])
            position += 1
    for u in list(chosen):
        nxt = by_position.get(u.position + 1) if u.hit_index == best.hit_index else None
        if u.text.endswith(":") and nxt is not None and nxt not in chosen and len(chosen) < MAX_UNITS:
            chosen.append(nxt)
    for u in sorted((u for u in units if u.hit_index != best.hit_index), key=lambda u: -u.score):
        if len(chosen) >= MAX_UNITS or sum(len(c.text) for c in chosen) > MAX_CHARS:
            break
        if u.score >= max(0.5, 0.8 * best.score) and not any(_near_duplicate(u.text, c.text) for c in chosen):
            chosen.append(u)
            if len([c for c in chosen if c.hit_index != best.hit_index]) >= 2:
                break

    order = {h: i for i, h in enumerate(dict.fromkeys([best.hit_index] + [c.hit_index for c in chosen]))}
    chosen.sort(key=lambda u: (order[u.hit_index], u.position))
    deduped: list[Unit] = []
    for u in chosen:
        if not any(_near_duplicate(u.text, d.text) for d in deduped):
            deduped.append(u)
    draft = Draft(lead=_lead(passages[best.hit_index]))
    for u in deduped:
        draft.sentences.append(DraftSentence(text=_as_sentence(u.text), cites=[u.hit_index], bullet=u.is_item))
    return draft


def _lead(hit: Hit) -> str:
    title = str(hit.metadata.get("title", "the hub"))
    section = str(hit.metadata.get("section", "")).split(" > ")[-1]
    where = f"*{title}*" + (f" ({section})" if section and section.lower() not in title.lower() else "")
    return f"Here is what the hub says, mainly from {where}:"


def _as_sentence(text: str) -> str:
    text = text.strip()
    if text and text[-1] not in ".!?:\"'\u201d)":
        text += "."
    return text
