"""The chunk contract, in one place: ids, metadata, filter fields, unit patterns, the served form.

Ingestion writes chunks with these, the store and the retriever read them back with these, and
the CLI and the app show hits in ``source_dict``'s form; nothing else spells them out.

- A chunk id is ``{doc_id}#{version}#{index:05d}``: the document, the version that owns the
  chunk (so a re-ingested document's old chunks can be told apart and dropped), and the chunk's
  position in that version (so its neighbours are found without a search).
- Chunk metadata carries the document's tags and where the chunk sits (``chunk_metadata``).
- Tags a coach edits (``TAG_FIELDS``) and the fields a search can filter on (``FILTER_FIELDS``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from rag.records import Hit, Scalar

#: Tags a coach sets on a document (front matter or `.hubqa-tags.yaml`), in the editor's order.
TAG_FIELDS = ("grade_band", "subject", "topic", "audience")
#: Metadata fields a search can filter on: the tags, and the document itself.
FILTER_FIELDS = ("audience", "grade_band", "subject", "topic", "doc_id")
#: Filters a teacher picks in the chat, with their labels.
FILTER_LABELS = {"grade_band": "Grade band", "subject": "Subject", "topic": "Topic"}
#: A list item's mark at the start of a line: a bullet, or a number up to 99 ("1." or "1)").
LIST_MARK = r"(?:[-*+\u2022]|\d{1,2}[.)])"
LIST_ITEM = re.compile(rf"^\s*{LIST_MARK}\s+")


def make_chunk_id(doc_id: str, version: str, index: int) -> str:
    return f"{doc_id}#{version}#{index:05d}"


def parse_chunk_id(value: str) -> tuple[str, str, int]:
    """(doc_id, version, index); a document id may itself contain ``#``."""
    doc_id, version, index = value.rsplit("#", 2)
    return doc_id, version, int(index)


def following_ids(value: str, offsets: range | tuple[int, ...]) -> list[str]:
    """Ids of the chunks ``offsets`` away from this one in the same version (none before the first)."""
    doc_id, version, index = parse_chunk_id(value)
    return [make_chunk_id(doc_id, version, index + d) for d in offsets if index + d >= 0]


#: Chunk metadata: why the chunk's document is withheld from answers (a planted request in it).
#: The request's set-up and lure read as honest sentences alone ("Records not confirmed by Friday
#: may delay your salary") and may sit in another section than the request, so the whole document
#: waits for a coach, who sees it flagged on the Corpus page and removes or replaces it.
PLANTED = "planted"


def chunk_hash(embedded: str) -> str:
    """What embeddings are reused by: the text that was embedded (title and section included)."""
    return hashlib.sha256(embedded.encode()).hexdigest()[:32]


def chunk_metadata(
    document: Mapping[str, Scalar],
    *,
    doc_id: str,
    version: str,
    source: str,
    title: str,
    section: str,
    start: int,
    end: int,
    index: int,
    embedded: str,
    page: int | None = None,
    planted: str = "",
) -> dict[str, Scalar]:
    """A chunk's metadata: the document's own (tags, summary...), where the chunk sits, and
    (``PLANTED``) why its document is withheld from answers, when it holds a planted request."""
    meta: dict[str, Scalar] = {
        **document,
        "doc_id": doc_id,
        "version": version,
        "source": source,
        "title": title,
        "section": section,
        "start": start,
        "end": end,
        "chunk_index": index,
        "chunk_hash": chunk_hash(embedded),
    }
    if page is not None:
        meta["page"] = page
    if planted:
        meta[PLANTED] = planted
    return meta


def source_dict(rank: int, hit: Hit, text: str | None = None) -> dict[str, Any]:
    """A retrieved chunk as the CLI and the app report it; ``text``: what to show instead of the
    chunk's own (the answer passes it with any planted request replaced by a marker)."""
    meta = hit.metadata
    return {
        "rank": rank,
        "doc_id": meta.get("doc_id"),
        "title": meta.get("title"),
        "source": meta.get("source"),
        "section": meta.get("section") or "",
        "page": meta.get("page"),
        "score": round(hit.score, 4),
        "text": hit.text if text is None else text,
    }
