"""What a loader hands to the chunker: a document's title, metadata and sections."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Metadata fields a hub document may declare (front matter, HTML meta, PDF info, DOCX properties).
METADATA_FIELDS = ("title", "form", "audience", "grade_band", "subject", "topic", "updated", "summary")


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

    @property
    def text_length(self) -> int:
        return sum(len(s.text) for s in self.sections)


def clean_metadata(raw: dict[str, object]) -> dict[str, str]:
    """Keep the known fields, as plain strings (Chroma metadata must be scalars)."""
    out: dict[str, str] = {}
    for key in METADATA_FIELDS:
        value = raw.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()  # type: ignore[union-attr]
        out[key] = " ".join(str(value).split())
    return out
