"""Markdown: YAML front matter becomes metadata; headings split the text into sections."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ingest.parsed import LoadError, ParsedDocument, Section, clean_metadata
from ingest.textio import decode_text

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(```|~~~)")


def split_front_matter(text: str) -> tuple[dict[str, object], str, int]:
    """Return (front matter, body, offset of body in text)."""
    if not text.startswith("---\n"):
        return {}, text, 0
    end = re.search(r"^(---|\.\.\.)[ \t]*$", text[4:], flags=re.MULTILINE)
    if end is None:
        raise LoadError("front matter starts with '---' but never closes: add a closing '---' line")
    raw = text[4 : 4 + end.start()]
    body_at = 4 + end.end() + 1
    try:
        data = yaml.safe_load(raw) if raw.strip() else {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        raise LoadError(f"front matter is not valid YAML{where}: fix it and ingest again") from e
    if not isinstance(data, dict):
        raise LoadError("front matter must be 'key: value' lines")
    return data, text[body_at:], min(body_at, len(text))


def sections_from_markdown(body: str, base_offset: int = 0) -> tuple[str | None, list[Section]]:
    """Split Markdown by ATX headings; the first level-1 heading is the title."""
    title: str | None = None
    stack: list[tuple[int, str]] = []
    sections: list[Section] = []
    buf: list[str] = []
    buf_start = base_offset
    in_fence = False
    pos = base_offset

    def flush() -> None:
        text = "".join(buf).strip("\n")
        if text.strip():
            lead = len("".join(buf)) - len("".join(buf).lstrip("\n"))
            sections.append(Section(text=text, headings=[h for _, h in stack], offset=buf_start + lead))

    for line in body.splitlines(keepends=True):
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line.rstrip("\n"))
        if match:
            flush()
            level, heading = len(match.group(1)), match.group(2).strip()
            if level == 1 and title is None and not stack and not sections:
                title = heading
            else:
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, heading))
            buf = []
            buf_start = pos + len(line)
        else:
            buf.append(line)
        pos += len(line)
    flush()
    return title, sections


_COMMENT = re.compile(r"<!--.*?(-->|\Z)", re.DOTALL)


def blank_comments(text: str) -> str:
    """HTML comments, which a reader of the rendered page never sees, become spaces (offsets kept)."""
    return _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def load_markdown(path: Path, data: bytes) -> ParsedDocument:
    text = decode_text(data)
    front, body, body_at = split_front_matter(text)
    body = blank_comments(body)
    heading_title, sections = sections_from_markdown(body, body_at)
    meta = clean_metadata(front)
    title = meta.pop("title", None) or heading_title or path.stem.replace("-", " ").replace("_", " ")
    if not sections:
        raise LoadError("no text after the headings: add content or delete the file")
    return ParsedDocument(title=title, metadata=meta, sections=sections, kind="markdown")
