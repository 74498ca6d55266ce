"""PDF (pypdf): one section per page, headed by the outline entries in force on that page."""

from __future__ import annotations

import io
import logging
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


def _headings_at(outline: list[tuple[int, int, str]], page: int) -> list[str]:
    """The outline path in force at the start of ``page`` (including entries on that page)."""
    path: list[tuple[int, str]] = []
    for start, depth, title in outline:
        if start > page:
            break
        path = [p for p in path if p[0] < depth] + [(depth, title)]
    return [title for _, title in path]


def load_pdf(path: Path, data: bytes) -> ParsedDocument:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("encrypted PDF: remove the password (print to PDF) and add it again")
        pages = [page.extract_text() or "" for page in reader.pages]
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
    offset = 0
    for index, text in enumerate(pages):
        text = text.strip()
        if text:
            headings = _headings_at(outline, index)
            if headings and headings[0] == title:
                headings = headings[1:]
            sections.append(Section(text=text, headings=headings, page=index + 1, offset=offset))
        offset += len(text) + 1
    return ParsedDocument(title=title, metadata=meta, sections=sections, kind="pdf")
