"""The store: two Chroma collections, one of chunks and one of documents (the search index is rag.search.index;
every change goes through rag.search.writes, every query reads through rag.search.view).

A document's entry names its current ``version``; chunk ids carry the version they belong to.
Writing a document adds its new chunks first, then flips its entry (the commit point), then
deletes the old chunks. A run killed anywhere leaves, for every document, either the old or
the new version as current; ``repair`` deletes the leftovers, and searches only ever return
chunks of current versions.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.api import ClientAPI
from chromadb.config import Settings as ChromaSettings

from rag.chunks import parse_chunk_id
from rag.errors import HubqaError
from rag.records import Chunk, DocRecord
from rag.settings import Settings

logging.getLogger("chromadb").setLevel(logging.ERROR)


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


#: HNSW graph for the chunks. Chroma's defaults (16 neighbours, ef_search 100) miss true nearest
#: neighbours now and then (chroma-core/chroma#1430); a denser graph and a wider search cost little
#: at hub sizes and make a just-added passage findable at once.
HNSW = {"space": "cosine", "max_neighbors": 32, "ef_construction": 200, "ef_search": 200}


def make_client(settings: Settings) -> ClientAPI:
    """A persistent local client, or an HTTP client when a Chroma server URL is configured."""
    chroma = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            msg = f"chroma_url {settings.chroma_url!r} is not an http(s) URL like http://localhost:8000"
            raise HubqaError(msg)
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma,
            )
        except Exception as e:
            msg = f"Cannot reach the Chroma server at {settings.chroma_url}: {e}"
            raise HubqaError(msg) from e
    path = settings.store_path
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma)


def _batches(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


#: Chunks whose text and metadata a store keeps after reading them (~1.5 KB each).
CHUNK_CACHE = 10_000

#: Records read per request. Chroma 1.5.9 cannot read the metadata of a 100k-chunk collection in
#: one request ("too many SQL variables": SQLite allows 32766 per statement).
READ_BATCH = 10000


def read_pages(collection: Any, include: list[str]) -> Iterator[dict[str, list[Any]]]:
    """Every record of a collection: the ids in one request, then their fields page by page."""
    ids = collection.get(include=[])["ids"]
    for batch in _batches(ids, READ_BATCH):
        got = collection.get(ids=list(batch), include=include)
        yield {"ids": list(got["ids"]), **{f: list(got[f] if got[f] is not None else []) for f in include}}


class HubStore:
    """Documents and their chunks in Chroma, kept consistent per document."""

    def __init__(self, settings: Settings, client: ClientAPI | None = None) -> None:
        self.settings = settings
        self.client = client or make_client(settings)
        name = settings.collection
        # Any: Chroma's type stubs reject valid where-clauses ({"$in": [...]}), plain-list vectors
        # and configuration dicts, all of which its API accepts and documents
        self.chunks: Any = self.client.get_or_create_collection(
            name, configuration=cast(Any, {"hnsw": HNSW}), embedding_function=None
        )
        self.docs: Any = self.client.get_or_create_collection(
            f"{name}-docs", configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
        )
        self._batch = max(1, min(self.client.get_max_batch_size(), 2000))
        self._manifest: dict[str, DocRecord] | None = None
        self._manifest_generation: int | None = None
        self._lock = threading.Lock()
        self._chunk_cache: OrderedDict[str, tuple[str, dict[str, Any]]] = OrderedDict()

    # -- the embedding model the store was built with -------------------------------------
    def check_model(self, model: str) -> None:
        """Refuse to mix vectors of two embedding models in one store."""
        built_with = (self.chunks.metadata or {}).get("embedding_model")
        if built_with and built_with != model:
            msg = (
                f"This store was built with the embedding model {built_with!r}, but "
                f"{model!r} is configured. Use a new --store (or collection) for the new model."
            )
            raise HubqaError(msg)

    def _remember_model(self, model: str) -> None:
        meta = dict(self.chunks.metadata or {})
        if meta.get("embedding_model") != model:
            meta["embedding_model"] = model
            self.chunks.modify(metadata=meta)

    # -- documents -------------------------------------------------------------------------
    def generation(self) -> int:
        """A counter bumped at every commit, so readers know when to reload the manifest."""
        meta = self.client.get_collection(self.docs.name).metadata or {}
        return int(meta.get("generation", 0))

    def _bump_generation(self) -> None:
        meta = dict(self.client.get_collection(self.docs.name).metadata or {})
        meta["generation"] = int(meta.get("generation", 0)) + 1
        meta["updated_at"] = now_iso()
        self.docs.modify(metadata=meta)

    def read_documents(self) -> dict[str, DocRecord]:
        """Every indexed document, by id (read fresh from the store)."""
        return {
            doc_id: DocRecord.from_metadata(doc_id, meta or {})
            for page in read_pages(self.docs, ["metadatas"])
            for doc_id, meta in zip(page["ids"], page["metadatas"], strict=True)
        }

    def cached_documents(self, generation: int | None = None) -> dict[str, DocRecord]:
        """The documents, cached until the generation changes (cheap to call per query); a caller
        that has just read the generation passes it, saving a round trip to Chroma."""
        generation = self.generation() if generation is None else generation
        with self._lock:
            if self._manifest is None or generation != self._manifest_generation:
                self._manifest = self.read_documents()
                self._manifest_generation = generation
            return self._manifest

    def chunk_count(self) -> int:
        return self.chunks.count()

    def read_chunks(self, ids: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """Text and metadata of these chunks, those still stored. A chunk id names one version of
        one document, so what it holds never changes: recent reads are kept (a request to Chroma
        costs ~7 ms, and the same passages come back question after question)."""
        with self._lock:
            found = {i: self._chunk_cache[i] for i in ids if i in self._chunk_cache}
            for i in found:
                self._chunk_cache.move_to_end(i)
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        if missing:
            got = self.chunks.get(ids=missing, include=["documents", "metadatas"])
            fresh = {
                chunk_id: (text or "", dict(meta or {}))
                for chunk_id, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
            }
            with self._lock:
                self._chunk_cache.update(fresh)
                while len(self._chunk_cache) > CHUNK_CACHE:
                    self._chunk_cache.popitem(last=False)
            found.update(fresh)
        return {i: found[i] for i in ids if i in found}

    def cached_embeddings(self, hashes: Iterable[str]) -> dict[str, list[float]]:
        """Embeddings already stored for chunks with these hashes (moved or unchanged text)."""
        wanted = sorted(set(hashes))
        found: dict[str, list[float]] = {}
        for batch in _batches(wanted, 200):
            got = self.chunks.get(where={"chunk_hash": {"$in": list(batch)}}, include=["embeddings", "metadatas"])
            embeddings = got["embeddings"] if got["embeddings"] is not None else []
            for meta, vector in zip(got["metadatas"] or [], embeddings, strict=False):
                found.setdefault(str(meta["chunk_hash"]), [float(x) for x in vector])
        return found

    def commit_documents(self, items: Sequence[tuple[DocRecord, Sequence[Chunk], Sequence[Sequence[float]]]]) -> None:
        """Commit several documents with one write per batch; each stays all-or-nothing, because
        every new chunk is written before any entry flips. Old versions' chunks stay: readers on
        the previous search index read them until ``rag.search.writes`` has saved the next one."""
        if not items:
            return
        self._remember_model(self.settings.embedding_model)
        rows = [(chunk, vector) for _, chunks, vectors in items for chunk, vector in zip(chunks, vectors, strict=True)]
        for batch in _batches(rows, self._batch):
            self.chunks.upsert(
                ids=[chunk.id for chunk, _ in batch],
                embeddings=[list(vector) for _, vector in batch],
                documents=[chunk.text for chunk, _ in batch],
                metadatas=[chunk.metadata for chunk, _ in batch],
            )
        for entries in _batches(items, self._batch):
            self.docs.upsert(
                ids=[record.doc_id for record, _, _ in entries],
                embeddings=[_mean_vector(vectors) for _, _, vectors in entries],
                documents=[record.title for record, _, _ in entries],
                metadatas=[record.to_metadata() for record, _, _ in entries],
            )
        self._bump_generation()

    def delete_old_versions(self, records: Sequence[DocRecord]) -> None:
        """Drop these documents' chunks of any version but the current one."""
        for entries in _batches(records, 100):
            stale = [{"$and": [{"doc_id": r.doc_id}, {"version": {"$ne": r.version}}]} for r in entries]
            self.chunks.delete(where=stale[0] if len(stale) == 1 else {"$or": stale})

    def remove_document(self, doc_id: str) -> bool:
        """Take a document out of the index; False if it was not there."""
        if not self.docs.get(ids=[doc_id], include=[])["ids"]:
            return False
        self.docs.delete(ids=[doc_id])
        self._bump_generation()
        self.chunks.delete(where={"doc_id": doc_id})
        return True

    def repair(self) -> int:
        """Delete chunks that no current document version owns (left by an interrupted run)."""
        current = {doc_id: rec.version for doc_id, rec in self.read_documents().items()}
        stale = []
        for chunk_id in self.chunks.get(include=[])["ids"]:
            doc_id, version, _ = parse_chunk_id(chunk_id)
            if current.get(doc_id) != version:
                stale.append(chunk_id)
        for batch in _batches(stale, self._batch):
            self.chunks.delete(ids=list(batch))
        return len(stale)

    # -- search ----------------------------------------------------------------------------
    def rank_documents(self, embedding: Sequence[float]) -> dict[str, int]:
        """Documents ranked by the similarity of their mean chunk vector to the query."""
        got = self.docs.query(query_embeddings=[list(embedding)], n_results=20, include=[])
        return {doc_id: rank for rank, doc_id in enumerate(got["ids"][0])}


def _mean_vector(vectors: Sequence[Sequence[float]]) -> list[float]:
    if not len(vectors):
        return [0.0]
    mean = np.asarray(vectors, dtype=np.float64).mean(axis=0)
    return (mean / (np.linalg.norm(mean) or 1.0)).tolist()
