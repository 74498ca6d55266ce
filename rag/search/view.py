"""One consistent read of the hub for one query: a search index and the chunks it lists.

Everything a query reads after it has searched (the passages, their neighbours, a document's
other chunks, the term statistics) comes from the same view, so a re-ingestion that swaps the
index halfway through a question never mixes two states of the hub.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rag.chunks import PLANTED
from rag.records import Hit
from rag.search.index import IndexHit, SearchIndex
from rag.search.store import HubStore


class ReadView:
    """The search index of one generation and the store it indexes, read together."""

    def __init__(self, store: HubStore, index: SearchIndex) -> None:
        self.store = store
        self.index = index
        #: The documents of the index's generation, read now: a commit made while this view is in
        #: use must not change which versions it reads (None for a snapshot: its versions are the
        #: ones the index lists).
        self.manifest = None if index.snapshot else store.cached_documents(index.generation)

    @property
    def snapshot(self) -> bool:
        """Served while the store is being written: chunks are read as the versions the index lists."""
        return self.index.snapshot

    @property
    def idf(self) -> dict[str, float]:
        """Inverse document frequency per stemmed term, for weighting a question's words."""
        return self.index.idf

    def chunks(self, ids: Sequence[str]) -> dict[str, Hit]:
        """Chunks by id, as hits with no score yet: those of the versions the manifest names, or (a
        snapshot) whatever versions the index listed that are still stored. A document holding a
        planted request is withheld: no answer quotes or cites it (coaches see it flagged)."""
        out: dict[str, Hit] = {}
        for chunk_id, (text, meta) in self.store.read_chunks(ids).items():
            if self.manifest is not None:
                record = self.manifest.get(str(meta.get("doc_id")))
                if record is None or record.version != meta.get("version"):
                    continue  # a version being replaced or removed right now
            if meta.get(PLANTED):
                continue
            out[chunk_id] = Hit(id=chunk_id, text=text, metadata=dict(meta), score=0.0)
        return out

    def document_chunk_ids(self, doc_id: str) -> list[str]:
        """One document's chunks, in document order."""
        return self.index.chunk_ids(doc_id)

    def entry(self, term: str) -> list[str]:
        """The chunks opening the sections headed by ``term``."""
        return self.index.entry(term)

    def vectors(self, ids: Sequence[str]) -> np.ndarray | None:
        """The stored vectors of these chunks (those the index holds), or None if it holds none."""
        rows = [r for r in (self.index.row(i) for i in ids) if r is not None]
        return self.index.vectors[rows] if rows else None

    def similarity(self, chunk_id: str, vector: np.ndarray) -> float | None:
        """Cosine similarity of one chunk to a (normalised) query vector."""
        row = self.index.row(chunk_id)
        return float(self.index.vectors[row] @ vector) if row is not None else None

    def dense(self, vector: list[float], k: int, filters: dict[str, str] | None = None) -> list[IndexHit]:
        return self.index.dense(vector, k, filters)

    def lexical(self, query: str, k: int, filters: dict[str, str] | None = None) -> list[IndexHit]:
        return self.index.lexical(query, k, filters)
