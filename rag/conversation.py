"""Follow-up questions ("and for third grade?") rewritten into standalone questions."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.text import terms, words

_CONNECTIVE = re.compile(
    r"^\s*(?:and|or|but|also|so|ok(?:ay)?|then|what about|how about|and what about|and how about|"
    r"what if|same (?:thing )?for|and for|and in|and with|for|in|with)\b[\s,]*",
    re.IGNORECASE,
)
_ANAPHORA = {"it", "that", "this", "those", "these", "they", "them", "there", "he", "she", "one", "ones", "same"}


def is_follow_up(question: str) -> bool:
    """Short, connective-led or pronoun-led questions lean on the conversation before them."""
    content = terms(question)
    if _CONNECTIVE.match(question):
        return True
    if not content:
        return True
    return bool(_ANAPHORA & set(words(question))) and len(content) <= 4


def standalone_question(question: str, history: Sequence[str]) -> str:
    """The question made self-contained from the earlier (already standalone) questions."""
    if not history or not is_follow_up(question):
        return question
    previous = history[-1].strip().rstrip("?.! ")
    rest = _CONNECTIVE.sub("", question).strip()
    if not rest:
        return previous + "?"
    if _CONNECTIVE.match(question) and len(terms(rest)) <= 4:
        # "and for third grade?" -> "<previous question> for third grade?"
        lead = _CONNECTIVE.match(question).group(0).strip().lower()  # type: ignore[union-attr]
        prep = "" if re.match(r"(?i)(for|in|with|about)\b", rest) else _preposition(lead)
        return f"{previous} {prep}{rest.rstrip('?.! ')}?"
    return f"{previous}. {question.strip()}"


def _preposition(lead: str) -> str:
    for word in ("for", "in", "with"):
        if lead.endswith(word):
            return f"{word} "
    return "for " if lead in {"what about", "how about", "and what about", "and how about", "same for"} else ""
