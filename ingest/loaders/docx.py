"""DOCX (python-docx): 'Heading N' paragraphs split the text; the archive is checked first."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ingest.parsed import LoadError, ParsedDocument, Section, clean_metadata

#: A .docx whose parts inflate past this (or by a ratio over 200) is treated as a zip bomb.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


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
        text = para.text.strip()
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
            lines.append(" | ".join(cell.text.strip() for cell in row.cells))
    flush()
    if not sections:
        raise LoadError("no text in this .docx")
    return ParsedDocument(title=title or path.stem, metadata=meta, sections=sections, kind="docx")
