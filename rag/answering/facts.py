"""Does a sentence state the kind of fact a question asks for: a figure in the unit asked ("how
long" wants minutes or days), a date, a price, a person or a name. The gate counts answers that
state none (``Evidence.unmet``); the composer prefers sentences that state one."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from rag.text import stem, terms

_MONEY = re.compile(r"[$\u00a3\u20ac]\s?\d|\b\d[\d,.]*\s*(?:dollars|usd|cents)\b|\bfree\b|\bno cost\b", re.IGNORECASE)
_PERCENT = re.compile(r"\d\s*(?:%|percent)|\b(?:half|a third|a quarter|majority|most|minority)\b", re.IGNORECASE)
_DATE = re.compile(
    r"\b(?:19|20)\d\d\b|\b(?:january|february|march|april|may|june|july|august|september|october|"
    r"november|december|monday|tuesday|wednesday|thursday|friday|spring|summer|fall|autumn|winter|"
    r"annually|yearly|weekly|monthly|daily|quarterly|every (?:year|month|week|day|semester)|"
    r"before|after|within|until|by the end|each year|at the start|at the end)\b|\b\d+\s*(?:school |"
    r"business |calendar )?(?:days?|weeks?|months?|years?|hours?)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\b\d+(?:[.,]\d+)?\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|hundred|once|twice|dozen)\b",
    re.IGNORECASE,
)
_PERSON = re.compile(
    r"\b(?:officer|lead|leader|principal|team|coordinator|director|coach|department|office|committee|"
    r"board|superintendent|counsel|administrator|specialist|counselor|librarian|teacher|parent|"
    r"famil(?:y|ies)|vendor|district|manager|staff|case manager|[A-Z]{2,5})\b"
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z0-9]+(?:[ -][A-Z0-9][a-zA-Z0-9]+)*")
_MEETS = {"money": _MONEY, "percent": _PERCENT, "date": _DATE, "number": _NUMBER, "person": _PERSON, "name": _NAME}


_TIME_UNITS = r"(?:minutes?|hours?|days?|weeks?|months?|years?|semesters?|sessions?|periods?|school days?)"
_UNIT_OF = (
    (re.compile(r"\bhow long\b|\bhow soon\b", re.IGNORECASE), _TIME_UNITS),
    (
        re.compile(r"\bhow old\b|\b(?:minimum |maximum )?age\b", re.IGNORECASE),
        r"(?:years? old|year-olds?|aged?|under|over|older|younger)",
    ),
    (
        re.compile(r"\bhow often\b", re.IGNORECASE),
        r"(?:times?|every|each|per|once|twice|annually|weekly|monthly|"
        r"quarterly|daily|yearly)",
    ),
)


def _asked_unit(question: str) -> str | None:
    """The unit a quantity question asks in: "how many hours" -> hours; "how long" -> a time unit."""
    m = re.search(r"\bhow many ([a-z]+)", question, re.IGNORECASE)
    if m and terms(m.group(1)):
        return rf"{re.escape(stem(m.group(1).lower()))}\w*"
    for pattern, unit in _UNIT_OF:
        if pattern.search(question):
            return unit
    return None


@lru_cache(maxsize=1024)
def _meets(expects: str, question: str) -> re.Pattern[str] | None:
    """What a sentence must contain to state the fact asked for; a figure must come with the unit
    asked for ("how many hours" wants a number of hours). Built once per question: the composer
    asks it of every candidate sentence."""
    pattern = _MEETS.get(expects)
    if pattern is None or expects != "number" or (unit := _asked_unit(question)) is None:
        return pattern
    counts = r"|\b(?:once|twice|thrice)\b" if unit.startswith("time") else ""  # "how many times": "at least once"
    return re.compile(
        rf"(?:\b\d[\d,.]*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|"
        rf"twenty|thirty|a few|several)\b)\W+(?:\w+\W+){{0,3}}?{unit}|{unit}\W+(?:of\s+)?\d{counts}",
        re.IGNORECASE,
    )


def unmet(expects: str, sentences: Sequence[str], question: str = "") -> float:
    """1 when the question asks for a kind of fact no sentence states (see ``Evidence.unmet``)."""
    pattern = _meets(expects, question)
    if pattern is None:
        return 0.0
    return 0.0 if any(pattern.search(s) for s in sentences) else 1.0


def states(expects: str, text: str, question: str = "") -> bool:
    """``text`` states the kind of fact ``expects`` names (in the unit ``question`` asks in)."""
    pattern = _meets(expects, question)
    return pattern is not None and pattern.search(text) is not None
