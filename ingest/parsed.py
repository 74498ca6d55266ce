"""What a loader hands to the chunker: a document's title, metadata and sections."""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.chunks import TAG_FIELDS

#: Metadata fields a hub document may declare (front matter, HTML meta, PDF info, DOCX properties):
#: its title and form, the tags, and when and what it is.
METADATA_FIELDS = ("title", "form", *sorted(TAG_FIELDS), "updated", "summary")


class LoadError(Exception):
    """A file that cannot be indexed; the message is the one-line reason shown to the user."""


@dataclass
class Section:
    """A run of text under one heading path (and, for PDFs, on one page)."""

    text: str
    headings: list[str] = field(default_factory=list)
    page: int | None = None
    #: Character offset of ``text`` in the document's extracted text.
    offset: int = 0

    @property
    def path(self) -> str:
        return " > ".join(self.headings)


@dataclass
class ParsedDocument:
    title: str
    metadata: dict[str, str]
    sections: list[Section]
    kind: str


#: Longest metadata value kept: a title is repeated in every chunk's embedded text.
MAX_METADATA_CHARS = 500


def _scalar(value: object) -> str | None:
    if isinstance(value, (str, int, float, bool)):
        return str(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())  # dates in YAML front matter
    return None


def clean_metadata(raw: dict[str, object]) -> dict[str, str]:
    """Keep the known fields, as plain strings (Chroma metadata must be scalars).

    Lists keep their scalar items only: nested ones are how a YAML alias bomb
    (``a: &a [x, x]``, ``b: [*a, *a]``...) expands to gigabytes when printed.
    """
    out: dict[str, str] = {}
    for key in METADATA_FIELDS:
        value = raw.get(key)
        if isinstance(value, (list, tuple)):
            items = [_scalar(v) for v in value[:50]]
            text = ", ".join(i for i in items if i)
        else:
            text = _scalar(value) or ""
        text = " ".join(text[: MAX_METADATA_CHARS * 2].split())[:MAX_METADATA_CHARS]
        if text:
            out[key] = text
    return out
