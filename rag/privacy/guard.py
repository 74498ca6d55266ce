"""The guard itself: what a teacher typed in, the question with student data taken out, and a
record of what was taken out and why (shown to the teacher, never stored)."""

from __future__ import annotations

from dataclasses import dataclass

from rag.privacy.health import SINGLED_OUT, find_details
from rag.privacy.names import find_names
from rag.privacy.patterns import find_patterns

NAME = "student name"
HEALTH_KINDS = frozenset(
    {
        "learning plan (IEP or 504)",
        "health or disability",
        "medication",
        "counselling or therapy",
        "discipline record",
        "immigration status",
        "family circumstance",
    }
)


@dataclass(frozen=True)
class Redaction:
    """One piece of personal data taken out: ``original`` is for the teacher's eyes only."""

    kind: str
    original: str
    placeholder: str
    reason: str = ""
    start: int = -1
    end: int = -1

    @property
    def category(self) -> str:
        """``name``, ``health`` or ``other`` (contact details, IDs, credentials)."""
        return "name" if self.kind == NAME else "health" if self.kind in HEALTH_KINDS else "other"


def findings(text: str) -> list[Redaction]:
    """Everything personal in ``text``, in order, overlaps resolved (the longer span wins)."""
    spans: list[tuple[int, int, str, str, str]] = []
    for start, end, kind, placeholder in find_patterns(text):
        spans.append((start, end, kind, placeholder, f"it looks like a {kind}"))
    for n in find_names(text):
        spans.append((n.start, n.end, NAME, "[STUDENT]", n.reason))
    if spans or SINGLED_OUT.search(text):  # someone identified: their health, discipline and family details go
        for start, end, kind, generic in find_details(text):
            spans.append((start, end, kind, generic, f"a {kind} detail about a student the question identifies"))
    return resolve(text, spans)


def resolve(text: str, spans: list[tuple[int, int, str, str, str]]) -> list[Redaction]:
    """Overlapping spans resolved (the earlier, longer one wins; same-kind overlaps merge)."""
    spans = sorted(spans, key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[tuple[int, int, str, str, str]] = []
    for span in spans:
        if kept and span[0] < kept[-1][1]:
            if span[1] > kept[-1][1] and span[2] == kept[-1][2]:
                last = kept.pop()
                kept.append((last[0], span[1], last[2], last[3], last[4]))
            continue
        kept.append(span)
    return [Redaction(kind, text[a:b], ph, reason, a, b) for a, b, kind, ph, reason in kept]


def redact(text: str) -> tuple[str, list[Redaction]]:
    """The text with student personal data replaced by placeholders, and what was replaced."""
    found = findings(text)
    out, cursor = [], 0
    for r in found:
        out += [text[cursor : r.start], r.placeholder]
        cursor = r.end
    out.append(text[cursor:])
    return "".join(out), found


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
