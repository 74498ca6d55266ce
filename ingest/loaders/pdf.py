"""PDF (pypdf): one section per page, headed by the outline entries in force on that page.

Text a reader of the page never sees is dropped before extraction (``hidden_text``): invisible
render modes, white or fully transparent fill, zero-size or zero-width type, and text placed
off the page. Such text can only be there to steer a machine that reads the file.
"""

from __future__ import annotations

import io
import logging
import math
import re
from pathlib import Path
from typing import Any

from pypdf import PageObject, PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ContentStream, NameObject

from ingest.loaders.pdf_tables import tables_as_markdown
from ingest.parsed import METADATA_FIELDS, LoadError, ParsedDocument, Section, clean_metadata

logging.getLogger("pypdf").setLevel(logging.ERROR)


Matrix = list[float]
_IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
#: Text smaller than this (in points, after every transformation) cannot be read.
MIN_VISIBLE_POINTS = 1.0
_SHOW = {b"Tj", b"TJ", b"'", b'"'}


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return [a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u]


def _numbers(operands: list[Any]) -> list[float]:
    out = []
    for value in operands:
        try:
            out.append(float(value))
        except (TypeError, ValueError):
            return []
    return out


def _is_white(values: list[float]) -> bool:
    if len(values) == 1:
        return values[0] >= 0.95
    if len(values) == 3:
        return min(values) >= 0.95
    if len(values) == 4:
        return max(values) <= 0.05
    return False


def _shown_length(operator: bytes, operands: list[Any]) -> int:
    """Characters (bytes) a text-showing operator draws, for judging whether it reaches the page."""
    items = operands[0] if operator == b"TJ" and operands else operands[-1:]
    total = 0
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, (bytes, str)):
            total += len(item)
        elif hasattr(item, "original_bytes"):
            total += len(item.original_bytes)
    return total


def hidden_text(page: PageObject) -> ContentStream | None:
    """The page's content without the text nobody can see, or None when all of it is visible."""
    contents = page.get_contents()
    if contents is None:
        return None
    box = page.mediabox
    left, bottom, right, top = float(box.left), float(box.bottom), float(box.right), float(box.top)
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else {}
    states = resources.get("/ExtGState") if hasattr(resources, "get") else None
    states = states.get_object() if states is not None else {}
    state: dict[str, Any] = {
        "ctm": list(_IDENTITY),
        "white": False,
        "alpha": 1.0,
        "mode": 0,
        "size": 0.0,
        "scale": 100.0,
        "leading": 0.0,
    }
    stack: list[dict[str, Any]] = []
    tm: Matrix = list(_IDENTITY)
    tlm: Matrix = list(_IDENTITY)
    kept: list[tuple[Any, bytes]] = []
    dropped = 0
    for operands, operator in contents.operations:
        values = _numbers(operands) if operator not in _SHOW else []
        if operator == b"q":
            stack.append(dict(state, ctm=list(state["ctm"])))
        elif operator == b"Q" and stack:
            state = stack.pop()
        elif operator == b"cm" and len(values) == 6:
            state["ctm"] = _multiply(values, state["ctm"])
        elif operator in (b"g", b"rg", b"k", b"sc", b"scn") and values:
            state["white"] = _is_white(values)
        elif operator in (b"cs", b"sc", b"scn"):
            state["white"] = False
        elif operator == b"gs" and operands:
            graphics = states.get(operands[0]) if hasattr(states, "get") else None
            graphics = graphics.get_object() if graphics is not None else {}
            if "/ca" in graphics:
                state["alpha"] = float(graphics["/ca"])
        elif operator == b"BT":
            tm, tlm = list(_IDENTITY), list(_IDENTITY)
        elif operator == b"Tf" and len(operands) == 2:
            state["size"] = _numbers(operands[1:])[0] if _numbers(operands[1:]) else state["size"]
        elif operator == b"Tr" and values:
            state["mode"] = int(values[0])
        elif operator == b"Tz" and values:
            state["scale"] = values[0]
        elif operator == b"TL" and values:
            state["leading"] = values[0]
        elif operator in (b"Td", b"TD") and len(values) == 2:
            if operator == b"TD":
                state["leading"] = -values[1]
            tlm = _multiply([1.0, 0.0, 0.0, 1.0, values[0], values[1]], tlm)
            tm = list(tlm)
        elif operator == b"Tm" and len(values) == 6:
            tm, tlm = list(values), list(values)
        elif operator in (b"T*", b"'", b'"'):
            tlm = _multiply([1.0, 0.0, 0.0, 1.0, 0.0, -state["leading"]], tlm)
            tm = list(tlm)
        if operator in _SHOW:
            trm = _multiply(tm, state["ctm"])
            size = abs(state["size"]) * math.hypot(trm[2], trm[3])
            x, y = trm[4], trm[5]
            width = _shown_length(operator, operands) * size * 0.6
            off_page = x + width < left or x > right or y < bottom - size or y > top + size
            if (
                state["mode"] in (3, 7)
                or state["white"]
                or state["alpha"] <= 0.01
                or size < MIN_VISIBLE_POINTS
                or abs(state["scale"]) < 1
                or off_page
            ):
                dropped += 1
                if operator != b"Tj" and operator != b"TJ":
                    kept.append(([], b"T*"))  # the line still moves
                continue
        kept.append((operands, operator))
    if not dropped:
        return None
    contents.operations = kept
    return contents


def _visible_text(page: PageObject) -> tuple[str, str]:
    """The page's plain text and its layout text (for its tables), hidden text left out of both."""
    filtered = hidden_text(page)
    if filtered is not None:
        page[NameObject("/Contents")] = filtered
    plain = page.extract_text() or ""
    try:
        layout = page.extract_text(extraction_mode="layout") or ""
    except Exception:  # the layout reading is a refinement: without it, the plain text stands
        layout = ""
    return plain, layout


def _with_tables(plain: list[str], layout: list[str]) -> list[str]:
    """Each page's text, its tables as Markdown tables where its layout shows any."""
    return [tables_as_markdown(shown) or text for text, shown in zip(plain, layout, strict=True)]


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
        read = [_visible_text(page) for page in reader.pages]
        pages = _with_tables(
            _strip_running_lines([plain for plain, _ in read]), _strip_running_lines([shown for _, shown in read])
        )
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

    info: Any = reader.metadata or {}
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
    open_headings: list[tuple[int, str]] = []
    offset = 0
    for index, text in enumerate(pages):
        starts = [(depth, heading) for page, depth, heading in outline if page == index]
        pieces, open_headings = _page_sections(text, open_headings, starts)
        for heading_path, piece, at in pieces:
            headings = [heading for _, heading in heading_path]
            if headings and headings[0] == title:
                headings = headings[1:]
            lead = len(piece) - len(piece.lstrip())
            sections.append(Section(text=piece.strip(), headings=headings, page=index + 1, offset=offset + at + lead))
        offset += len(text) + 1
    return ParsedDocument(title=title, metadata=meta, sections=sections, kind="pdf")
