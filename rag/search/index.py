"""The search index of one process: BM25 (bm25s) and the chunk vectors, in step with the store.

Chroma is the store of record. Searching goes through this index because exact vector search
over a hub-sized collection is fast (a 100k x 384 matrix product) and never misses a passage,
whereas Chroma's approximate search can: a record written after its HNSW graph was built stays
invisible to queries until Chroma compacts its log (seen with chromadb 1.5.9).

The saved index records the store's generation; a reader whose generation differs rebuilds it
from Chroma, so it never drifts from the store.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
from chromadb.errors import ChromaError

from rag.chunks import FILTER_FIELDS
from rag.errors import HubqaError
from rag.search.store import HubStore, read_pages
from rag.settings import Settings
from rag.text import entry_names, terms

logging.getLogger("bm25s").setLevel(logging.ERROR)

#: What a saved index holds and how; one saved under another format is rebuilt from the store
#: (2: headings like "Level 1 — AI for Ideas" name "level 1" as an entry).
INDEX_FORMAT = 2


class SnapshotGone(Exception):
    """A snapshot's chunks were removed while it was being read: search the store's newer index."""


@dataclass
class IndexHit:
    id: str
    score: float


class SearchIndex:
    """BM25 and vectors of one store's chunks, with the chunk ids and filter fields they cover."""

    def __init__(
        self,
        bm25: bm25s.BM25 | None,
        ids: list[str],
        fields: dict[str, list[str]],
        generation: int,
        idf: dict[str, float],
        vectors: np.ndarray | None = None,
        collection_id: str = "",
        entries: dict[str, list[str]] | None = None,
    ) -> None:
        self.bm25 = bm25
        #: Chunks opening a section whose heading names a term ("RTCF", "Retrieval-Augmented
        #: Generation (RAG)"), by the term in lower case: where a definition question looks first.
        self.entries = entries or {}
        #: Which collection this indexes: generations alone repeat across stores and servers.
        self.collection_id = collection_id
        #: Normalised chunk embeddings, one row per id.
        self.vectors = vectors if vectors is not None else np.zeros((len(ids), 0), dtype=np.float32)
        self.ids = ids
        self.fields = fields
        self.generation = generation
        #: Inverse document frequency per stemmed term, for weighting query words elsewhere.
        self.idf = idf
        self._columns = {k: np.array(v, dtype=object) for k, v in fields.items()}
        self._rows = {chunk_id: i for i, chunk_id in enumerate(ids)}
        #: Served while the store is being written and is newer than this index: its chunks are
        #: read as the versions it lists (ingestion keeps them until the next index is saved).
        self.snapshot = False

    def row(self, chunk_id: str) -> int | None:
        return self._rows.get(chunk_id)

    def chunk_ids(self, doc_id: str) -> list[str]:
        """The current chunks of one document, in document order."""
        if "doc_id" not in self._columns:
            return []
        return [self.ids[i] for i in np.nonzero(self._columns["doc_id"] == doc_id)[0]]

    def entry(self, term: str) -> list[str]:
        """The chunks opening the sections headed by ``term`` (a glossary entry, a term's own heading)."""
        return self.entries.get(" ".join(term.lower().split()), [])

    # -- building and persistence --------------------------------------------------------
    @classmethod
    def build(cls, store: HubStore) -> SearchIndex:
        generation = store.generation()
        collection_id = str(store.chunks.id)
        ids: list[str] = []
        fields: dict[str, list[str]] = {f: [] for f in FILTER_FIELDS}
        tokens: list[list[str]] = []
        pages: list[np.ndarray] = []
        opening: dict[tuple[str, str], tuple[int, str]] = {}  # each section's first chunk
        # page by page, so a 100k-chunk store's texts and metadata are never all in memory at once
        current = {doc_id: record.version for doc_id, record in store.read_documents().items()}
        for got in read_pages(store.chunks, ["documents", "metadatas", "embeddings"]):
            keep = []
            for row, (chunk_id, text, meta) in enumerate(
                zip(got["ids"], got["documents"], got["metadatas"], strict=True)
            ):
                if current.get(str(meta.get("doc_id"))) != meta.get("version"):
                    continue  # an old version ingestion has not deleted yet
                keep.append(row)
                ids.append(chunk_id)
                tokens.append(terms(f"{meta.get('title', '')} {meta.get('section', '')} {text or ''}") or ["_"])
                for f in FILTER_FIELDS:
                    fields[f].append(str(meta.get(f, "")))
                section = (str(meta.get("doc_id", "")), str(meta.get("section", "")))
                position = int(meta.get("chunk_index", 0) or 0)
                if section not in opening or position < opening[section][0]:
                    opening[section] = (position, chunk_id)
            pages.append(np.asarray(got["embeddings"], dtype=np.float32)[keep].reshape(len(keep), -1))
        if not ids:
            return cls(None, [], fields, generation, {}, collection_id=collection_id)
        entries: dict[str, list[str]] = {}
        for (_, heading), (_, chunk_id) in sorted(opening.items()):
            for name in entry_names(heading):
                entries.setdefault(name, []).append(chunk_id)
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
        return cls(bm25, ids, fields, generation, _idf(tokens), np.concatenate(pages), collection_id, entries)

    def save(self, folder: Path) -> None:
        """Write atomically: a reader sees the old index or the new one, never half of one."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".index-", dir=folder.parent))
        if self.bm25 is not None:
            self.bm25.save(str(tmp), show_progress=False)
        np.save(tmp / "vectors.npy", self.vectors)
        (tmp / "hubqa.json").write_text(
            json.dumps(
                {
                    "generation": self.generation,
                    "collection_id": self.collection_id,
                    "ids": self.ids,
                    "fields": self.fields,
                    "idf": self.idf,
                    "entries": self.entries,
                    "format": INDEX_FORMAT,
                }
            )
        )
        old = folder.with_name(folder.name + ".old")
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> SearchIndex | None:
        meta_file = folder / "hubqa.json"
        if not meta_file.exists():
            return None
        try:
            meta = json.loads(meta_file.read_text())
            bm25 = bm25s.BM25.load(str(folder), show_progress=False) if meta["ids"] else None
            vectors = np.load(folder / "vectors.npy")
            entries = meta["entries"]
            if meta.get("format", 1) != INDEX_FORMAT:
                raise ValueError("an index saved by an older hubqa")
        except (OSError, ValueError, KeyError):
            return None  # damaged, half-written or from an older version: rebuild
        if len(vectors) != len(meta["ids"]):
            return None
        return cls(
            bm25,
            meta["ids"],
            meta["fields"],
            int(meta["generation"]),
            meta.get("idf", {}),
            vectors,
            str(meta.get("collection_id", "")),
            entries,
        )

    # -- search --------------------------------------------------------------------------
    def _mask(self, filters: dict[str, str] | None) -> np.ndarray | None:
        if not filters:
            return None
        mask = np.ones(len(self.ids), dtype=bool)
        for key, value in filters.items():
            mask &= self._columns[key] == value
        return mask

    def _top(self, scores: np.ndarray, k: int, floor: float) -> list[IndexHit]:
        k = min(k, len(self.ids))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [IndexHit(self.ids[i], float(scores[i])) for i in top if scores[i] > floor]

    def lexical(self, query: str, k: int, filters: dict[str, str] | None = None) -> list[IndexHit]:
        """BM25 search (scores above zero only)."""
        if self.bm25 is None or not self.ids:
            return []
        vocab = self.bm25.vocab_dict
        tokens = [t for t in terms(query) if t in vocab]
        if not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        mask = self._mask(filters)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        return self._top(scores, k, 0.0)

    def dense(self, vector: list[float], k: int, filters: dict[str, str] | None = None) -> list[IndexHit]:
        """Exact cosine search (vectors are normalised, so a dot product)."""
        if not self.ids or self.vectors.shape[1] == 0:
            return []
        scores = self.vectors @ np.asarray(vector, dtype=np.float32)
        mask = self._mask(filters)
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        return self._top(scores, k, -np.inf)


def _idf(tokens: list[list[str]]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for doc in tokens:
        df.update(set(doc))
    n = len(tokens)
    return {term: round(math.log(1 + (n - d + 0.5) / (d + 0.5)), 4) for term, d in df.items()}


def index_root(settings: Settings) -> Path:
    """Where a store's derived files live (search index, gate calibration): beside a local
    store, or in the data folder for a Chroma server."""
    return settings.data_dir / "index" if settings.chroma_url else settings.store_path / "index"


def index_folder(store: HubStore) -> Path:
    """Where a store's search index lives."""
    return index_root(store.settings) / store.settings.collection


class IndexCache:
    """Keeps one process's search index in step with the store (checked at every query)."""

    def __init__(self, store: HubStore) -> None:
        self.store = store
        self.folder = index_folder(store)
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()

    def current(self) -> SearchIndex:
        generation = self.store.generation()
        collection_id = str(self.store.chunks.id)
        with self._lock:
            if self._index is None or self._index.generation != generation:
                loaded = SearchIndex.load(self.folder)
                if loaded is None or (loaded.generation, loaded.collection_id) != (generation, collection_id):
                    try:
                        loaded = SearchIndex.build(self.store)
                    except ChromaError as e:
                        return self._while_written(loaded, collection_id, e)
                    try:
                        loaded.save(self.folder)
                    except OSError:
                        pass  # a read-only deployment still answers, it just rebuilds per process
                self._index = loaded
            return self._index

    def _while_written(self, saved: SearchIndex | None, collection_id: str, error: Exception) -> SearchIndex:
        """The last complete index, while another process writes to an embedded store.

        Embedded Chroma cannot read vectors that another process is writing ("Error finding id",
        chromadb 1.5.9); the index that process saved last still answers, and the next query
        tries again."""
        for fallback in (self._index, saved):
            if fallback is not None and fallback.collection_id == collection_id:
                fallback.snapshot = True
                return fallback
        msg = "The hub's index is being updated by another process: ask again in a moment."
        raise HubqaError(msg) from error
