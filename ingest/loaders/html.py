"""HTML: <title> and <meta> become metadata, h1-h6 split the text, hidden content is dropped.

Hidden content (comments, scripts, display:none, white text) is dropped because a teacher
never sees it, so it must not be able to steer an answer either.
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, Comment, Tag
from bs4.exceptions import ParserRejectedMarkup

from ingest.parsed import METADATA_FIELDS, LoadError, ParsedDocument, Section, clean_metadata
from ingest.textio import decode_text

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCKS = _HEADINGS | {"p", "li", "pre", "blockquote", "tr", "dt", "dd", "figcaption", "caption"}
_DROP = ["script", "style", "noscript", "template", "iframe", "object", "svg", "head"]
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*[01](\.\d+)?(px|pt|em|rem)?\s*(;|$)|"
    r"opacity\s*:\s*0(\.0+)?\s*(;|$)|(left|top|text-indent)\s*:\s*-\d{3,}|"
    r"(?<![-\w])color\s*:\s*(#fff\b|#ffffff\b|white\b|rgba?\(\s*255\s*,\s*255\s*,\s*255)",
    re.IGNORECASE,
)
_WHITE = re.compile(r"^\s*(#fff|#ffffff|white)\s*$", re.IGNORECASE)


def _is_hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden") or tag.get("aria-hidden") == "true":
        return True
    if tag.name == "font" and _WHITE.match(str(tag.get("color", ""))):
        return True
    return bool(_HIDDEN_STYLE.search(str(tag.get("style", ""))))


def _block_text(tag: Tag) -> str:
    if tag.name == "tr":
        cells = [_joined(c) for c in tag.find_all(["th", "td"])]
        return " | ".join(c for c in cells if c)
    return _joined(tag)


def _joined(tag: Tag) -> str:
    """A block's words: its pieces joined by spaces, except before the punctuation that closes an
    inline element ("<strong>within 5 school days</strong>." reads "days.", not "days .")."""
    text = _SPACED_PUNCTUATION.sub(r"\1", " ".join(tag.get_text(" ", strip=True).split()))
    return re.sub(r"(?<![\w\])])([(\[])\s+(?=\w)", r"\1", text)  # "(<b>Level 3</b>)": "(Level 3)"


_SPACED_PUNCTUATION = re.compile(r"(?<=\w|[\"')\]\u201d])\s+([.,;:!?)\]](?=\W|$))")


def load_html(path: Path, data: bytes) -> ParsedDocument:
    try:
        soup = BeautifulSoup(decode_text(data), "html.parser")
    except RecursionError as e:
        raise LoadError("HTML nested too deeply to read: simplify or re-export the page") from e
    except ParserRejectedMarkup as e:
        raise LoadError("HTML too malformed to read: re-save or re-export the page") from e
    raw_meta: dict[str, object] = {}
    for meta in soup.find_all("meta"):
        name = str(meta.get("name", "")).strip().lower().replace("-", "_")
        if name in METADATA_FIELDS:
            raw_meta[name] = meta.get("content", "")
    description = soup.find("meta", attrs={"name": "description"})
    if description is not None:
        raw_meta.setdefault("summary", description.get("content", ""))
    title_tag = soup.find("title")
    page_title = title_tag.get_text(" ", strip=True) if title_tag else ""

    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(_DROP):
        tag.decompose()
    for tag in soup.find_all(_is_hidden):
        tag.decompose()

    stack: list[tuple[int, str]] = []
    sections: list[Section] = []
    first_h1: str | None = None
    lines: list[str] = []
    offset = 0
    start = 0

    def flush() -> None:
        text = "\n".join(lines).strip()
        if text:
            sections.append(Section(text=text, headings=[h for _, h in stack], offset=start))

    for tag in soup.find_all(_BLOCKS):
        if any(parent.name in _BLOCKS for parent in tag.parents):
            continue
        text = _block_text(tag)
        if not text:
            continue
        if tag.name in _HEADINGS:
            flush()
            lines = []
            level = int(tag.name[1])
            if level == 1 and first_h1 is None and not stack and not sections:
                first_h1 = text
            else:
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, text))
            offset += len(text) + 1
            start = offset
            continue
        lines.append(text)
        offset += len(text) + 1
    flush()
    if not sections:
        raise LoadError("no readable text in this HTML page")
    metadata = clean_metadata(raw_meta)
    title = str(metadata.pop("title", None) or page_title or first_h1 or path.stem)
    return ParsedDocument(title=title, metadata=metadata, sections=sections, kind="html")
