"""Recognise instructions planted in documents ("ignore previous instructions...").

Retrieved text is data. Sentences that address an AI system or try to redirect the user are
kept out of extractive answers and replaced by a marker before a passage reaches a model.
"""

from __future__ import annotations

import re

_PATTERNS = [
    r"\b(ignore|disregard|forget|override)\s+(all\s+|any\s+)?(of\s+)?(the\s+)?(previous|prior|above|earlier|preceding|"
    r"your|these|system)\b.{0,20}\b(instructions?|rules?|prompts?|directions?|guidelines?)\b",
    r"\b(ignore|disregard|forget|override)\s+(all\s+)?(the\s+|your\s+|any\s+)?(instructions?|rules?|prompts?|directions?)"
    r"\s+(above|before|earlier|given|so far|you were given)",
    r"\b(reveal|print|show|repeat|output|leak|ignore)\b.{0,20}\b(system|developer)\s+(prompt|message|instructions?)\b",
    r"\byou are now\b|\bact as (an? )?(unrestricted|jailbroken|different)\b|\bnew instructions?\s*:",
    r"\b(tell|ask|instruct|direct)\s+(the\s+)?(user|reader|teacher|student)s?\s+to\b.{0,60}"
    r"\b(password|credentials?|log ?in|email|send|click|visit|download|wire|pay|gift card)",
    r"\b(e-?mail|send|share|give|enter|type)\b.{0,30}\b(your|their)\s+(password|login|credentials?|ssn|social security)",
    r"\b(assistants?|chatbots?|ai|models?|llms?)\s*(must|should|will)\s+(now\s+)?(say|reply|respond|answer|output|print)",
    r"<\s*/?\s*(system|instructions?)\s*>|\[\s*(system|inst)\s*[\]:]",
]
_INJECTION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE | re.DOTALL)

REMOVED = "[text that looked like instructions to an AI was removed]"


def looks_like_injection(text: str) -> bool:
    return bool(_INJECTION.search(text))


def neutralise(text: str) -> str:
    """The passage with any line that carries planted instructions replaced by a marker."""
    lines = text.splitlines()
    return "\n".join(REMOVED if looks_like_injection(line) else line for line in lines)
