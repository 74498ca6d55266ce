"""The tag vocabulary: the values a coach may give a document, in the order teachers expect.

One list per field serves the chat's filters and the Corpus page's tag editor, so a filter
value is always one a coach could have chosen and a typo can't become a new value. Values a
document declares itself (front matter, PDF metadata) are matched to the vocabulary ignoring
case, spaces and dash style; those outside it are still shown, after the known ones, so no
document becomes unreachable, and the Corpus page lists them for a coach to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from rag.errors import HubqaError

#: Single bands in grade order, then the spans across bands from narrowest to widest.
GRADE_BANDS = ("K-2", "3-5", "6-8", "9-12", "6-12", "3-12", "K-12")
#: "all" tags a document for every subject; it is a tag value, not something to filter on.
ALL_SUBJECTS = "all"
SUBJECTS = ("ELA", "math", "science", "social studies", "world languages", "CTE", "arts", "health and PE", ALL_SUBJECTS)
TOPICS = (
    "academic integrity",
    "ai literacy",
    "equity",
    "policy",
    "privacy",
    "program",
    "subject guide",
    "teaching practice",
)
AUDIENCES = ("teacher", "coach", "leader", "parent")

Vocabulary = Mapping[str, Sequence[str]]
#: The built-in vocabulary; a deployment adds its own values with ``extra_tag_values``.
VOCABULARY: dict[str, tuple[str, ...]] = {
    "grade_band": GRADE_BANDS,
    "subject": SUBJECTS,
    "topic": TOPICS,
    "audience": AUDIENCES,
}
#: Values that mean "no restriction" and so make no sense as a filter.
NOT_FILTERS: dict[str, frozenset[str]] = {"subject": frozenset({ALL_SUBJECTS})}
_LABELS = {ALL_SUBJECTS: "all subjects"}


def vocabulary(extra: Vocabulary | None = None) -> dict[str, tuple[str, ...]]:
    """The built-in values plus a deployment's own (``extra_tag_values`` in hubqa.toml), in order."""
    merged = {field: list(values) for field, values in VOCABULARY.items()}
    for field, values in (extra or {}).items():
        if field not in merged:
            raise HubqaError(f"extra_tag_values: unknown tag field {field!r}; use {', '.join(VOCABULARY)}.")
        merged[field] += [v.strip() for v in values if v.strip() and _key(v) not in {_key(k) for k in merged[field]}]
    return {field: tuple(values) for field, values in merged.items()}


def _key(value: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[\u2010-\u2015\u2212]", "-", value)).strip().lower().replace(" - ", "-")


def canonical(field: str, value: str, vocab: Vocabulary = VOCABULARY) -> str:
    """The vocabulary's spelling of ``value`` ("k–2" → "K-2"), or ``value`` stripped if unknown."""
    wanted = _key(value)
    for known in vocab.get(field, ()):
        if _key(known) == wanted:
            return known
    return value.strip()


def unknown(field: str, value: str, vocab: Vocabulary = VOCABULARY) -> bool:
    """True for a value of a tag field that the vocabulary does not have."""
    return field in vocab and canonical(field, value, vocab) not in vocab[field]


def ordered(field: str, values: Iterable[str], vocab: Vocabulary = VOCABULARY) -> list[str]:
    """``values`` (deduplicated) in vocabulary order; unknown ones after, alphabetically."""
    order = {v: i for i, v in enumerate(vocab.get(field, ()))}
    unique = {canonical(field, v, vocab) for v in values if v and v.strip()}
    return sorted(unique, key=lambda v: (order.get(v, len(order)), v.lower()))


def filter_values(field: str, present: Iterable[str], vocab: Vocabulary = VOCABULARY) -> list[str]:
    """What a teacher can filter ``field`` on: the values documents carry, minus "all"-style ones."""
    return [v for v in ordered(field, present, vocab) if v not in NOT_FILTERS.get(field, frozenset())]


def label(value: str) -> str:
    """How a value reads in a list ("all" as "all subjects")."""
    return _LABELS.get(value, value)
