"""PDF (pypdf): one section per page, headed by the outline entries in force on that page."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from ingest.parsed import METADATA_FIELDS, LoadError, ParsedDocument, Section, clean_metadata

logging.getLogger("pypdf").setLevel(logging.ERROR)


def _outline(reader: PdfReader) -> list[tuple[int, int, str]]:
    """Flatten the outline to (page index, depth, title), in document order."""
    found: list[tuple[int, int, str]] = []

    def walk(items: list[Any], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:  # a broken outline entry costs a heading, not the document
                continue
            if page is not None and page >= 0:
                found.append((page, depth, str(item.title).strip()))

    try:
        walk(list(reader.outline), 0)
    except Exception:
        return []
    return sorted(found, key=lambda entry: entry[0])


def _strip_running_lines(pages: list[str]) -> list[str]:
    """Drop running headers and footers: first/last lines repeated on most pages (digits ignored)."""
    if len(pages) < 3:
        return pages
    def key(line: str) -> str:
        return re.sub(r"\d+", "#", line.strip())

    counts: dict[str, int] = {}
    for text in pages:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        for line in {*(lines[:2]), *(lines[-2:])}:
            counts[key(line)] = counts.get(key(line), 0) + 1
    running = {k for k, n in counts.items() if n >= max(3, len(pages) // 2) and k}
    if not running:
        return pages
    cleaned = []
    for text in pages:
        lines = text.splitlines()
        edge = {i for i, ln in enumerate(lines) if ln.strip()}
        order = sorted(edge)
        ends = set(order[:2] + order[-2:])
        cleaned.append("\n".join(ln for i, ln in enumerate(lines) if not (i in ends and key(ln) in running)))
    return cleaned


def _path_after(path: list[tuple[int, str]], depth: int, title: str) -> list[tuple[int, str]]:
    return [p for p in path if p[0] < depth] + [(depth, title)]


def _page_sections(
    text: str, path: list[tuple[int, str]], starts: list[tuple[int, str]]
) -> tuple[list[tuple[list[tuple[int, str]], str, int]], list[tuple[int, str]]]:
    """Split one page's text at the outline headings that start on it.

    Returns the (heading path, text, offset in page) pieces and the path in force after the page.
    """
    pieces: list[tuple[list[tuple[int, str]], str, int]] = []
    cursor = 0
    current = path
    for depth, title in starts:
        # a long heading may wrap over lines in the extracted text
        pattern = r"\s+".join(re.escape(word) for word in title.split())
        found = re.compile(pattern).search(text, cursor) if pattern else None
        if found is None:  # heading text not on the page: it still governs what follows
            current = _path_after(current, depth, title)
            continue
        pieces.append((current, text[cursor : found.start()], cursor))
        current = _path_after(current, depth, title)
        cursor = found.end()
    pieces.append((current, text[cursor:], cursor))
    return [(p, t, o) for p, t, o in pieces if t.strip()], current


def load_pdf(path: Path, data: bytes) -> ParsedDocument:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("encrypted PDF: remove the password (print to PDF) and add it again")
        pages = _strip_running_lines([page.extract_text() or "" for page in reader.pages])
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as e:
        raise LoadError(f"damaged or truncated PDF ({type(e).__name__}): re-export it") from e
    except Exception as e:
        if "encrypt" in str(e).lower() or "crypt" in type(e).__name__.lower():
            raise LoadError("encrypted PDF: remove the password and add it again") from e
        raise LoadError(f"unreadable PDF ({type(e).__name__}): re-export it") from e
    if not any(text.strip() for text in pages):
        raise LoadError("PDF has no text layer (a scan?): run OCR on it first")

    info = reader.metadata or {}
    raw_meta: dict[str, object] = {}
    for key in METADATA_FIELDS:
        for candidate in (f"/{key}", f"/{key.title().replace('_', '')}", f"/{key.title()}"):
            if candidate in info:
                raw_meta[key] = str(info[candidate])
                break
    if "summary" not in raw_meta and info.get("/Subject"):
        raw_meta["summary"] = str(info["/Subject"])
    meta = clean_metadata(raw_meta)
    outline = _outline(reader)
    title = meta.pop("title", None) or (outline[0][2] if outline else "") or path.stem

    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    offset = 0
    for index, text in enumerate(pages):
        starts = [(depth, heading) for page, depth, heading in outline if page == index]
        pieces, path = _page_sections(text, path, starts)
        for heading_path, piece, at in pieces:
            headings = [heading for _, heading in heading_path]
            if headings and headings[0] == title:
                headings = headings[1:]
            lead = len(piece) - len(piece.lstrip())
            sections.append(
                Section(text=piece.strip(), headings=headings, page=index + 1, offset=offset + at + lead)
            )
        offset += len(text) + 1
    return ParsedDocument(title=title, metadata=meta, sections=sections, kind="pdf")
