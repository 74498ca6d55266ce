"""Personal data with a recognisable form: contact details, ID numbers, dates of birth, credentials."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Pattern:
    kind: str
    placeholder: str
    regex: re.Pattern[str]
    group: int = 0


PATTERNS: list[Pattern] = [
    Pattern("email address", "[EMAIL]", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    Pattern("Social Security number", "[SSN]", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    Pattern(
        "phone number",
        "[PHONE]",
        re.compile(r"(?<![\w-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}\b"),
    ),
    # A password, passcode, PIN, login or access code: whatever follows the word is the secret.
    Pattern(
        "password or access code",
        "[CREDENTIAL]",
        re.compile(
            r"(?i)\b(?:pass(?:word|code|phrase)|pw|pwd|pin|log-?in|user\s*name|username|access\s+code|"
            r"class\s+code|join\s+code|lunch\s+(?:number|code|pin)|account)"
            r"(?:[\s,]+(?:[\w'\u2019]+[\s,]+){0,6}?(?:is|was|are|it['\u2019]?s)\s*|\s*[:=]\s*|\s+(?:number|code)\s+is\s*|\s+)[\"'\u201c]?"
            r"((?=[^\s\"'\u201d]*[\d!@#$%^&*_\-])[^\s\"'\u201d]{3,}?)[\"'\u201d]?(?=[\s,;)]|[.?!](?:\s|$)|$)"
        ),
        group=1,
    ),
    Pattern(
        "student ID number",
        "[STUDENT ID]",
        re.compile(
            r"(?i)\b(?:student\s*)?(?:id|identification|number|no\.?|#)\s*(?:number|no\.?|#)?\s*(?:is\s+)?[:#]?\s*"
            r"([A-Z]{0,2}\d{4,12})\b|(?<![\w.$-])(\d{6,12})(?![\w.%])"
        ),
        group=-1,
    ),
    Pattern(
        "home address",
        "[ADDRESS]",
        re.compile(
            r"(?i)\b\d{1,6}\s+(?:[NSEW]\.?\s+)?(?:[A-Z][a-z]+\s+){1,3}"
            r"(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|court|ct|boulevard|blvd|way|place|pl|"
            r"terrace|circle|cir|parkway|pkwy|highway|hwy)\b\.?(?:,?\s*(?:apt|apartment|unit|#)\s*\w+)?"
        ),
    ),
    Pattern(
        "date of birth",
        "[DATE OF BIRTH]",
        re.compile(
            r"(?i)\b(?:born(?:\s+on)?|dob|date of birth|birthday)\s*(?:is|:|on)?\s*"
            r"((?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+)?"
            r"[\w/-]*\d(?:[\w/.,-]*[\w/])?(?:,?\s+\d{4})?)"
        ),
        group=1,  # the date: "DOB" itself says nothing about anyone
    ),
]


def find_patterns(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, placeholder) for every pattern match."""
    found = []
    for p in PATTERNS:
        for m in p.regex.finditer(text):
            group = p.group if p.group >= 0 else next(g for g in range(1, (m.lastindex or 0) + 1) if m.group(g))
            if m.group(group):
                found.append((m.start(group), m.end(group), p.kind, p.placeholder))
    return found
