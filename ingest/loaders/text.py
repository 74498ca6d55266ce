"""Plain text: one section; the first short line is taken as the title."""

from __future__ import annotations

from pathlib import Path

from ingest.parsed import ParsedDocument, Section
from ingest.textio import decode_text


def load_text(path: Path, data: bytes) -> ParsedDocument:
    text = decode_text(data)
    first = text.strip().split("\n", 1)[0].strip()
    title = first if 0 < len(first) <= 120 else path.stem.replace("-", " ").replace("_", " ")
    offset = len(text) - len(text.lstrip())
    return ParsedDocument(title=title, metadata={}, sections=[Section(text=text.strip(), offset=offset)], kind="text")
