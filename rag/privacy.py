"""The privacy guard: find student personal data in what a teacher types, and take it out.

It runs before a question is logged, stored with feedback, or sent to any model that is not
local. Patterns catch contact details and ID numbers; names are caught when the text also talks
about a student's grades, health, behaviour or family (a name alone is not student data).
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rag.text import STOPWORDS


@dataclass(frozen=True)
class Redaction:
    kind: str
    original: str
    placeholder: str


_PATTERNS: list[tuple[str, str, re.Pattern[str]]] = [
    ("email address", "[EMAIL]", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("Social Security number", "[SSN]", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    (
        "phone number",
        "[PHONE]",
        re.compile(r"(?<![\w-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}\b"),
    ),
    (
        "student ID number",
        "[STUDENT ID]",
        re.compile(
            r"(?i)\b(?:student\s*)?(?:id|identification|number|no\.?|#)\s*(?:number|no\.?|#)?\s*[:#]?\s*[A-Z]{0,2}\d{4,12}\b"
            r"|(?<![\w.$-])\d{6,12}(?![\w.%])"
        ),
    ),
    (
        "home address",
        "[ADDRESS]",
        re.compile(
            r"(?i)\b\d{1,6}\s+(?:[NSEW]\.?\s+)?(?:[A-Z][a-z]+\s+){1,3}"
            r"(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|court|ct|boulevard|blvd|way|place|pl|"
            r"terrace|circle|cir|parkway|pkwy|highway|hwy)\b\.?(?:,?\s*(?:apt|apartment|unit|#)\s*\w+)?"
        ),
    ),
    (
        "date of birth",
        "[DATE OF BIRTH]",
        re.compile(r"(?i)\b(?:born(?:\s+on)?|dob|date of birth|birthday)\s*(?:is|:)?\s*[\w/.,-]*\d[\w/.,-]*(?:\s+\d{4})?"),
    ),
]

#: Talk about a student's grades, health, behaviour or family: with it, a name is student data.
_CONTEXT = re.compile(
    r"(?i)\b(grade[sd]?|fail(?:ed|ing|s)?|scored?|gpa|report card|test|quiz|d-|f\b|"
    r"adhd|add\b|autis\w*|dyslexi\w*|iep|504|diagnos\w*|anxiety|depress\w*|disabilit\w*|medicat\w*|"
    r"seizure\w*|diabet\w*|asthma|pregnan\w*|therap\w*|counsel\w*|suspen\w*|detention|expell?ed|"
    r"referral|fight\w*|cheat\w*|plagiari\w*|custody|divorc\w*|foster|immigra\w*|undocumented|homeless|"
    r"student|pupil|kid|child|son|daughter|his mom|her mom|his dad|her dad|parent)\b"
)
#: One capitalised name, accents included: García, O'Brien, McAllister, Jean-Luc, Łukasz.
_UPPER = "A-ZÀ-ÖØ-Þ\u0100-\u017f"
_LOWER = "a-zß-öø-ÿ\u0100-\u017f"
_NAME = rf"[{_UPPER}](?:[{_LOWER}]+|'[{_UPPER}][{_LOWER}]+)(?:[{_UPPER}][{_LOWER}]+)?(?:[-'\u2019][{_UPPER}]?[{_LOWER}]+)*"
_TITLE_NAME = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+{_NAME}")
_CAPITALISED_RUN = re.compile(rf"(?<![\w'])({_NAME})(?:\s+{_NAME}){{0,2}}(?![\w'])")
_INTRODUCED = re.compile(
    r"(?i:student|pupil|kid|child|boy|girl|son|daughter)\s+(?i:named\s+|called\s+)?([A-Z][a-z]+)"
    r"|\b([A-Z][a-z]+)(?='s\s+(?i:iep|504|grade|score|mom|dad|parent|essay|work|behaviou?r))"
)
_NOT_NAMES = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "english", "spanish", "french", "math", "science", "history", "art", "music", "level", "grade",
    "christian", "page", "will", "can", "hope", "joy", "faith", "grace", "mark", "bill", "max", "chase",
    "ai", "chatgpt", "google", "gemini", "claude", "copilot", "microsoft", "turnitin", "canvas",
}


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """US census first names (the ``names`` package), lower-cased."""
    spec = importlib.util.find_spec("names")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    folder = Path(spec.submodule_search_locations[0])
    found: set[str] = set()
    for name in ("dist.male.first", "dist.female.first"):
        path = folder / name
        if path.exists():
            found |= {line.split()[0].lower() for line in path.read_text().splitlines() if line.strip()}
    return frozenset(found - _NOT_NAMES - STOPWORDS)


def _name_spans(text: str) -> list[tuple[int, int]]:
    if not _CONTEXT.search(text):
        return []
    known = first_names()
    spans: list[tuple[int, int]] = []
    for m in _TITLE_NAME.finditer(text):
        spans.append(m.span())
    for m in _INTRODUCED.finditer(text):
        group = 1 if m.group(1) else 2
        if m.group(group).lower() not in _NOT_NAMES | STOPWORDS:
            spans.append(m.span(group))
    for m in _CAPITALISED_RUN.finditer(text):
        parts = m.group(0).split()
        if parts[0].lower() in known:
            # "Jordan Miller" or a lone "Jordan": a known first name, with any surname after it
            spans.append(m.span())
    return spans


def _merge(spans: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    spans.sort(key=lambda s: (s[0], -s[1]))
    merged: list[tuple[int, int, str, str]] = []
    for span in spans:
        if merged and span[0] < merged[-1][1]:
            continue
        merged.append(span)
    return merged


def redact(text: str) -> tuple[str, list[Redaction]]:
    """The text with student personal data replaced by placeholders, and what was replaced."""
    spans: list[tuple[int, int, str, str]] = []
    for kind, placeholder, pattern in _PATTERNS:
        spans += [(m.start(), m.end(), kind, placeholder) for m in pattern.finditer(text)]
    spans += [(a, b, "student name", "[STUDENT]") for a, b in _name_spans(text)]
    redactions: list[Redaction] = []
    out, cursor = [], 0
    for start, end, kind, placeholder in _merge(spans):
        out.append(text[cursor:start])
        out.append(placeholder)
        redactions.append(Redaction(kind, text[start:end], placeholder))
        cursor = end
    out.append(text[cursor:])
    return "".join(out), redactions


def describe(redactions: list[Redaction]) -> str:
    """One sentence telling the user what was taken out (never repeating it)."""
    if not redactions:
        return ""
    kinds: list[str] = []
    for r in redactions:
        if r.kind not in kinds:
            kinds.append(r.kind)
    listed = ", ".join(kinds[:-1]) + (" and " if len(kinds) > 1 else "") + kinds[-1]
    return (
        f"For student privacy, I removed the {listed} from your question before using it. "
        "The hub's guidance: never share student personal data with AI tools."
    )
