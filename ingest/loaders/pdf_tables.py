"""PDF tables, read from pypdf's layout text and written as Markdown tables.

pypdf's plain text runs a table's cells together ("Tier Requirements Course contact hours CEUs
Credential earned Explorer Course 1, AI Foundations ... 6 0.6 Course certificate"), so an answer
quoting it reads as noise and a row's figures lose their column. Its layout text keeps each
word where the page puts it: a table is a run of lines whose words start at the columns its
header line sets, and a row (its cells often wrapped over several lines) is a block of such
lines between blank ones. Everything else is the page's prose, one line per printed line, as
the plain text gives it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: A column heading is a short label; longer runs are prose set in two columns.
_MAX_HEADING = 32
#: How far a cell's text may run past the next column's start (layout positions are approximate:
#: "data to train or improve its AI Must" puts "Must" a few characters into its column).
_SLACK = 2


@dataclass
class _Segment:
    start: int
    text: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _segments(line: str) -> list[_Segment]:
    """The runs of a line set apart by three or more spaces (words by one or two), with where each
    starts: columns are set apart by wide gaps."""
    return [_Segment(m.start(), m.group(0)) for m in re.finditer(r"\S+(?: {1,2}\S+)*", line)]


def _header(line: str) -> list[int] | None:
    """Column starts, when the line reads as a table's header: two or more short labels set apart."""
    segments = _segments(line)
    if len(segments) < 2 or any(len(s.text) > _MAX_HEADING for s in segments):
        return None
    if any(s.text.endswith((".", ",", ";")) for s in segments):
        return None  # labels, not phrases of a sentence
    return [s.start for s in segments]


def _fits(line: str, starts: list[int]) -> bool:
    """Does the line sit in the columns? Runs set apart by wide gaps are cells (a cell may run a
    little into the next column: "... its AI Must"); a lone run from the left margin into the
    next column, or one across two columns, is prose after the table."""
    segments = _segments(line)
    if any(_column(segment.start, starts) is None for segment in segments):
        return False
    if len(segments) != 1 or len(starts) < 2:
        return True
    only = segments[0]
    column = _column(only.start, starts)
    assert column is not None
    crossed = [start for start in starts[column + 1 :] if only.end > start + _SLACK]
    return not crossed or (len(crossed) == 1 and column > 0)


def _column(position: int, starts: list[int]) -> int | None:
    """The column a word starting at ``position`` belongs to."""
    if position < starts[0] - _SLACK:
        return None
    column = 0
    for i, start in enumerate(starts):
        if position >= start - _SLACK:
            column = i
    return column


#: Where pypdf's layout ran two cells' text together with no space ("essayLevel 1 or 2student's",
#: "home45%"): a small letter then a capital, a letter then a figure, a figure then a word.
_JOINED = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])|(?<=[a-z]{2})(?=\d)|(?<=\d)(?=[a-z]{3,})(?!(?:st|nd|rd|th)\b)")


def _cells(lines: list[str], starts: list[int]) -> list[str]:
    """One row's cells: each word joins the column it starts in, line by line. A run that crosses
    into the next column where the layout squeezed cells together ("Argumentative essayLevel 1 or
    2student's; AI can help") is cut where the cells were joined, a piece to each column."""
    cells: list[list[str]] = [[] for _ in starts]
    for line in lines:
        for segment in _segments(line):
            column = _column(segment.start, starts)
            if column is None:
                continue
            crosses = column + 1 < len(starts) and segment.end > starts[column + 1] + _SLACK
            pieces = _JOINED.split(segment.text) if crosses else []
            if len(pieces) > 1:
                for i, piece in enumerate(pieces):
                    cells[min(column + i, len(starts) - 1)].append(piece.strip())
                continue
            for m in re.finditer(r"\S+", segment.text):
                at = _column(segment.start + m.start(), starts)
                if at is not None:
                    cells[at].append(m.group(0))
    return [" ".join(words).replace("|", "/") for words in cells]


def _heading_like(lines: list[str], at: int) -> bool:
    """Is line ``at`` (after a blank line) a heading or a label on its own ("Part 2: Security",
    "Pacing Notes"): a single short run with a blank line or the end of the page after it?"""
    segments = _segments(lines[at])
    after = lines[at + 1] if at + 1 < len(lines) else ""
    return len(segments) == 1 and len(segments[0].text) <= 60 and not after.strip()


def _rows(block: list[str], starts: list[int]) -> list[list[str]]:
    """A block of lines between blank ones: one row whose cells wrap, or (every line a first cell
    and another) one row per line."""
    runs = [_segments(line) for line in block]
    if len(block) > 1 and all(len(r) >= 2 and _column(r[0].start, starts) == 0 for r in runs):
        return [_cells([line], starts) for line in block]
    return [_cells(block, starts)]


def _table(lines: list[str], at: int) -> tuple[list[str], int] | None:
    """The Markdown table starting at line ``at`` and the index of the line after it, if one does."""
    starts = _header(lines[at])
    if starts is None:
        return None
    # a header's labels may wrap ("Course contact" over "hours"): lines right below that fit
    end = at + 1
    while end < len(lines) and lines[end].strip() and _fits(lines[end], starts):
        end += 1
    header = _cells(lines[at:end], starts)
    blocks: list[list[str]] = []
    current: list[str] = []
    i = end
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            if current:
                blocks.append(current)
                current = []
            i += 1
            continue
        if not _fits(line, starts) or (not current and _heading_like(lines, i)):
            break
        current.append(line)
        i += 1
    if current:
        blocks.append(current)
    rows = [row for block in blocks for row in _rows(block, starts) if any(row)]
    if not rows or sorted(len(row[0]) for row in rows)[len(rows) // 2] > 120:
        return None  # not a table: two prose columns, or a list set out with spaces
    filled = [sum(1 for cell in row if cell) for row in rows]
    if sum(1 for n in filled if n >= 2) < 2 and not (len(header) >= 3 and max(filled) >= 3):
        return None  # (one full row under a header of three or more: a table continued from the page before)
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    # lines after the last row that are blank belong to the prose after the table
    while i > end and not lines[i - 1].strip():
        i -= 1
    return out, i


def tables_as_markdown(layout: str) -> str:
    """The page's layout text with its tables as Markdown tables and every other line as printed
    (its indent and the layout's blank lines dropped): "" when no table was found, so the caller
    keeps the plain text it already has."""
    lines = layout.splitlines()
    out: list[str] = []
    found = False
    i = 0
    while i < len(lines):
        table = _table(lines, i) if lines[i].strip() else None
        if table is not None:
            rows, i = table
            out += ["", *rows, ""]
            found = True
            continue
        if lines[i].strip():
            out.append(" ".join(lines[i].split()))
        i += 1
    return "\n".join(out).strip() if found else ""
