"""Finding a cited sentence again in a document's own text, whatever its spacing.

The sentence an answer quotes comes from the extracted text; the place to highlight is in the
original (a PDF page's characters, a Markdown section), where line breaks, hyphenation at line
ends, ligatures and markup differ. Both sides are compared on letters and digits only, and a
sentence not found whole is looked for clause by clause, so most of it still gets marked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

#: A clause shorter than this many words is too common to mark on its own.
MIN_CLAUSE_WORDS = 4


def _normalised(chars: Sequence[str]) -> tuple[str, list[int]]:
    """Lower-case letters and digits of ``chars`` (NFKC, so "ﬁ" is "fi"), with each one's index."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(chars):
        for c in unicodedata.normalize("NFKC", ch):
            if c.isalnum():
                out.append(c.lower())
                where.append(i)
    return "".join(out), where


def _pieces(quote: str) -> list[str]:
    """The quote itself, then its clauses (split at punctuation) long enough to stand alone."""
    clauses = [c for c in re.split(r"[,;:()\u2013\u2014]|\s-\s", quote) if len(c.split()) >= MIN_CLAUSE_WORDS]
    return [quote, *clauses] if len(clauses) > 1 else [quote]


def find_spans(chars: Sequence[str], quotes: Sequence[str]) -> list[tuple[int, int]]:
    """Index ranges ``[start, end)`` of ``chars`` that hold the quotes (or their clauses), merged."""
    text, where = _normalised(chars)
    spans: list[tuple[int, int]] = []
    for quote in quotes:
        for piece in _pieces(quote):
            wanted, _ = _normalised(piece)
            at = text.find(wanted) if len(wanted) >= 12 else -1
            if at >= 0:
                spans.append((where[at], where[at + len(wanted) - 1] + 1))
                if piece is quote:
                    break  # found whole: its clauses are inside it
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


_MARKUP = "*_`~"
#: The highlighter: a custom background (Streamlit's palette "yellow" is too pale to spot).
HIGHLIGHT = '{background="#ffe066"}'

_LINE_START = re.compile(r"^(\s*(?:[-*+]\s+|\d+[.)]\s+|>\s*|#{1,6}\s+)?)")


def mark_markdown(text: str, quotes: Sequence[str]) -> tuple[str, int]:
    """Markdown with the quoted passages on a highlighter background (Streamlit's
    ``:color[...]{background=...}``, line by line so lists and headings keep their shape), and
    how many passages were found."""
    spans = find_spans(text, quotes)
    if not spans:
        return text, 0
    out: list[str] = []
    pos = 0
    for start, end in spans:
        while start > pos and text[start - 1] in _MARKUP:  # keep **bold** and `code` whole
            start -= 1
        while end < len(text) and text[end] in _MARKUP:
            end += 1
        out.append(text[pos:start])
        lines = text[start:end].split("\n")
        for n, line in enumerate(lines):
            lead = _LINE_START.match(line).group(1) if n else ""  # type: ignore[union-attr]  # matches every line
            body = line[len(lead) :]
            out.append(lead + (f":color[{_escape(body)}]{HIGHLIGHT}" if body.strip() else body))
            if n < len(lines) - 1:
                out.append("\n")
        pos = end
    out.append(text[pos:])
    return "".join(out), len(spans)


def _escape(text: str) -> str:
    """Keep brackets inside a highlight from closing it early."""
    return text.replace("[", "\\[").replace("]", "\\]")
