"""Query expansion for how teachers name grades ("3rd graders", "kinders", "juniors").

The hub labels material by grade band (K-2, 3-5, 6-8, 9-12); a question that names a grade gets
its band appended, so both the dense and the lexical search can match it.
"""

from __future__ import annotations

import re

from rag.informal import EQUIVALENTS, PRODUCTS

_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
}
_NAMED = {
    "kindergarten": 0,
    "kindergartener": 0,
    "kindergarteners": 0,
    "kinder": 0,
    "kinders": 0,
    "freshman": 9,
    "freshmen": 9,
    "sophomore": 10,
    "sophomores": 10,
    "junior": 11,
    "juniors": 11,
    "senior": 12,
    "seniors": 12,
}
_GRADE = re.compile(
    r"\b(?:(\d{1,2})(?:st|nd|rd|th)?[\s-]*grade(?:rs?)?|grade\s*(\d{1,2})\b|"
    r"(" + "|".join(_ORDINALS) + r")[\s-]*grade(?:rs?)?|(" + "|".join(_NAMED) + r"))\b",
    re.IGNORECASE,
)
_BANDS = [(0, 2, "K-2"), (3, 5, "3-5"), (6, 8, "6-8"), (9, 12, "9-12")]


_SCHOOLS = re.compile(
    r"\b(?:(high)\s+school(?:ers?)?|(middle)\s+school(?:ers?)?|(elementary)(?:\s+school)?|"
    r"(?:grades?\s*)?\b(k|\d{1,2})\s*[-\u2013]\s*(\d{1,2})\b)",
    re.IGNORECASE,
)


def grade_bands(question: str) -> list[str]:
    """Grade bands a question mentions, in order of first mention."""
    bands: list[str] = []
    found: list[tuple[int, str]] = []
    for m in _SCHOOLS.finditer(question):
        high, middle, elementary, low_end, high_end = m.groups()
        if high:
            found.append((m.start(), "9-12"))
        elif middle:
            found.append((m.start(), "6-8"))
        elif elementary:
            found += [(m.start(), "K-2"), (m.start(), "3-5")]
        else:
            low = 0 if low_end.lower() == "k" else int(low_end)
            top = int(high_end)
            canonical = (low, top) in {(0, 2), (3, 5), (6, 8), (9, 12), (0, 5), (0, 12), (3, 12), (6, 12), (9, 10)}
            if low <= top <= 12 and ("grade" in m.group(0).lower() or canonical):
                found += [(m.start(), band) for lo, hi, band in _BANDS if lo <= top and low <= hi]
    for _, band in sorted(found, key=lambda x: x[0]):
        if band not in bands:
            bands.append(band)
    for m in _GRADE.finditer(question):
        digits, grade_n, ordinal, named = m.groups()
        if digits or grade_n:
            grade = int(digits or grade_n)
        elif ordinal:
            grade = _ORDINALS[ordinal.lower()]
        else:
            grade = _NAMED[named.lower()]
        if "senior" in (named or "").lower() and re.search(r"senior (citizen|leader|staff)", question, re.I):
            continue
        for low, high, band in _BANDS:
            if low <= grade <= high and band not in bands:
                bands.append(band)
    return bands


def with_bands(question: str) -> str:
    """The question with each grade it names written as its band ("3rd graders" -> "grades 3-5"),
    the way the hub labels material: what its words should be matched on."""

    def band(m: re.Match[str]) -> str:
        found = grade_bands(m.group(0))
        return f"grades {found[0]}" if len(found) == 1 else m.group(0)

    return _GRADE.sub(band, question)


def expand(question: str) -> str:
    """The question with the grade bands it implies, e.g. "... (grades 3-5)", and the kind of tool
    an AI product it names is ("gemini accounts" also searches for chatbot accounts: a hub may not
    name every product, and the embedding model reads "gemini" as a star sign), and the other name of
    a group of students it names (English learners are multilingual learners)."""
    bands = [b for b in grade_bands(question) if b not in question]
    if bands:
        question = f"{question} (grades {', '.join(bands)})"
    lowered = question.lower()
    kinds = [PRODUCTS[w] for w in re.findall(r"[a-z][\w-]*", lowered) if w in PRODUCTS]
    kinds += [other for name, other in EQUIVALENTS.items() if name in lowered]
    kinds = [k for k in dict.fromkeys(kinds) if k.lower() not in lowered]
    return f"{question} ({', '.join(kinds)})" if kinds else question


def band_range(band: str) -> tuple[int, int] | None:
    """ "6-12" -> (6, 12); "K-2" -> (0, 2); anything else -> None."""
    m = re.fullmatch(r"\s*(K|\d{1,2})\s*-\s*(\d{1,2})\s*", band, re.IGNORECASE)
    if not m:
        return None
    low = 0 if m.group(1).upper() == "K" else int(m.group(1))
    return low, int(m.group(2))


def bands_conflict(asked: list[str], labelled: str) -> bool:
    """True when a passage's grade band cannot cover any band the question asks about."""
    have = band_range(labelled)
    if have is None or not asked:
        return False
    for band in asked:
        want = band_range(band)
        if want is not None and want[0] <= have[1] and have[0] <= want[1]:
            return False
    return True
