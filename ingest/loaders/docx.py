"""DOCX (python-docx): 'Heading N' paragraphs split the text; the archive is checked first.

Runs a reader of the document never sees are dropped (``visible_text``): hidden (``w:vanish``),
white, or too small to read, whether set on the run or by its styles. Such text can only be
there to steer a machine that reads the file.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from ingest.parsed import LoadError, ParsedDocument, Section, clean_metadata

#: A .docx whose parts inflate past this (or by a ratio over 200) is treated as a zip bomb.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
_SPEC_VANISH = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}specVanish"


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as e:
        raise LoadError("not a valid .docx (bad zip archive): re-save it from Word") from e
    unpacked = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > 200:
        raise LoadError("the .docx inflates to an unsafe size (zip bomb?): re-save it from Word")


#: Runs smaller than this (points) cannot be read.
MIN_VISIBLE_POINTS = 1.5


def _fonts(run: Any, paragraph: Any) -> list[Any]:
    """The fonts that decide a run's look, nearest first: the run, its style, the paragraph's style."""
    fonts = [run.font]
    for style in (
        run.style if run.style is not None and run.style.name != "Default Paragraph Font" else None,
        paragraph.style,
    ):
        while style is not None:
            fonts.append(style.font)
            style = style.base_style
    return fonts


def _first(fonts: list[Any], read: Any) -> Any:
    for font in fonts:
        try:
            value = read(font)
        except (AttributeError, ValueError, KeyError):
            value = None
        if value is not None:
            return value
    return None


def _white(font: Any) -> bool | None:
    color = font.color
    if color is None or color.type is None:
        return None
    if color.rgb is not None:
        return all(channel >= 0xF0 for channel in color.rgb)
    theme = str(color.theme_color or "")
    return "BACKGROUND_1" in theme or "LIGHT_1" in theme


def is_hidden_run(run: Any, paragraph: Any) -> bool:
    fonts = _fonts(run, paragraph)
    if _first(fonts, lambda f: f.hidden) or _first(
        fonts, lambda f: f.element.rPr is not None and f.element.rPr.find(_SPEC_VANISH) is not None or None
    ):
        return True
    if _first(fonts, _white):
        return True
    size = _first(fonts, lambda f: f.size)
    return size is not None and size.pt < MIN_VISIBLE_POINTS


def visible_text(paragraph: Any) -> str:
    """The paragraph's text without its hidden runs (hyperlinks' runs included)."""
    parts: list[str] = []
    for item in paragraph.iter_inner_content():
        runs = item.runs if hasattr(item, "runs") else [item]
        parts += [run.text for run in runs if not is_hidden_run(run, paragraph)]
    return "".join(parts)


def load_docx(path: Path, data: bytes) -> ParsedDocument:
    _check_archive(data)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:
        raise LoadError(f"unreadable .docx ({type(e).__name__}): re-save it from Word") from e
    props = document.core_properties
    meta = clean_metadata({"title": props.title, "summary": props.subject or props.comments})
    title = meta.pop("title", None)
    stack: list[tuple[int, str]] = []
    sections: list[Section] = []
    lines: list[str] = []
    offset = start = 0

    def flush() -> None:
        text = "\n".join(lines).strip()
        if text:
            sections.append(Section(text=text, headings=[h for _, h in stack], offset=start))

    for para in document.paragraphs:
        text = visible_text(para).strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        if style == "Title" and title is None:
            title = text
        elif style.startswith("Heading"):
            flush()
            lines = []
            level = int(style.split()[-1]) if style.split()[-1].isdigit() else 1
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, text))
            start = offset + len(text) + 1
        else:
            lines.append(text)
        offset += len(text) + 1
    for table in document.tables:
        for row in table.rows:
            cells = ["\n".join(visible_text(p) for p in cell.paragraphs).strip() for cell in row.cells]
            if any(cells):
                lines.append(" | ".join(cells))
    flush()
    if not sections:
        raise LoadError("no text in this .docx")
    return ParsedDocument(title=title or path.stem, metadata=meta, sections=sections, kind="docx")
