"""Pick a loader by file extension; each turns bytes into a ParsedDocument or raises LoadError."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.loaders.docx import load_docx
from ingest.loaders.html import load_html
from ingest.loaders.markdown import load_markdown
from ingest.loaders.pdf import load_pdf
from ingest.loaders.text import load_text
from ingest.parsed import LoadError, ParsedDocument

Loader = Callable[[Path, bytes], ParsedDocument]

LOADERS: dict[str, Loader] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".txt": load_text,
    ".docx": load_docx,
}


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in LOADERS


def load_document(path: Path, data: bytes) -> ParsedDocument:
    """Parse one file; any failure becomes a LoadError with a one-line reason."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        supported = ", ".join(sorted(LOADERS))
        raise LoadError(f"unsupported file type {path.suffix or '(none)'}: use one of {supported}")
    try:
        return loader(path, data)
    except LoadError:
        raise
    except RecursionError as e:
        raise LoadError("structure nested too deeply to read") from e
    except Exception as e:  # a loader bug must not stop the run or lose other documents
        detail = " ".join(str(e).split())[:160]  # one line, whatever the library wrote
        raise LoadError(f"could not read the file ({type(e).__name__}: {detail}): re-export it") from e
