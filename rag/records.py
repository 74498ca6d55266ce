"""The records the store keeps: one per chunk and one per document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Scalar = str | int | float | bool


@dataclass
class Chunk:
    """A piece of a document as stored: what is shown, what is embedded, and where it came from."""

    id: str
    text: str
    embed_text: str
    metadata: dict[str, Scalar]

    @property
    def hash(self) -> str:
        return str(self.metadata["chunk_hash"])


@dataclass
class DocRecord:
    """The index's entry for one document; its ``version`` says which chunks are current."""

    doc_id: str
    version: str
    file_hash: str
    source: str
    root: str
    title: str
    kind: str
    chunks: int
    ingested_at: str
    metadata: dict[str, str] = field(default_factory=dict)

    def to_metadata(self) -> dict[str, Scalar]:
        base: dict[str, Scalar] = {
            "version": self.version,
            "file_hash": self.file_hash,
            "source": self.source,
            "root": self.root,
            "title": self.title,
            "kind": self.kind,
            "chunks": self.chunks,
            "ingested_at": self.ingested_at,
        }
        return {**{f"meta_{k}": v for k, v in self.metadata.items()}, **base}

    @classmethod
    def from_metadata(cls, doc_id: str, meta: dict[str, Any]) -> DocRecord:
        return cls(
            doc_id=doc_id,
            version=str(meta["version"]),
            file_hash=str(meta["file_hash"]),
            source=str(meta["source"]),
            root=str(meta.get("root", "")),
            title=str(meta.get("title", doc_id)),
            kind=str(meta.get("kind", "")),
            chunks=int(meta.get("chunks", 0)),
            ingested_at=str(meta.get("ingested_at", "")),
            metadata={k[5:]: str(v) for k, v in meta.items() if k.startswith("meta_")},
        )


@dataclass
class Hit:
    """A retrieved chunk with its score (higher is better) and, once expanded, its context."""

    id: str
    text: str
    metadata: dict[str, Any]
    score: float
    #: Cosine similarity to the question (dense retrieval), when known.
    dense: float | None = None
    #: BM25 score, when the lexical search found it.
    lexical: float | None = None
    #: The reranker's score, when a reranking stage ordered it.
    rerank: float | None = None
    #: The chunk with its neighbours in the same section (small-to-big), for answering.
    context: str = ""

    @property
    def doc_id(self) -> str:
        return str(self.metadata.get("doc_id", ""))

    @property
    def section_key(self) -> tuple[str, str]:
        return self.doc_id, str(self.metadata.get("section", ""))
