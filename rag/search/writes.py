"""The one way to change the hub: commit and remove documents, then bring the search index in
step and drop the replaced versions' chunks.

The order is the consistency contract. New chunks are written before a document's entry flips
(``HubStore.commit_documents``); the search index is rebuilt and saved once the batch is in;
only then are the old versions' chunks deleted, because a reader still on the previous index
(``ReadView`` of an earlier generation) reads the versions that index lists until it moves on.
A run killed at any point leaves each document at its old or its new version; the leftovers go
at the next write (``HubStore.repair``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from rag.records import Chunk, DocRecord
from rag.search.index import IndexCache
from rag.search.store import HubStore


class HubWrite:
    """Documents committed and removed in one write (see ``writing``)."""

    def __init__(self, store: HubStore) -> None:
        self.store = store
        #: Chunks left by an interrupted earlier write, deleted before this one starts.
        self.repaired = store.repair()
        #: The documents as this write found them.
        self.documents = store.read_documents()
        #: Documents with a version already: only their commits leave old chunks to drop.
        self._existing = set(self.documents)
        self._replaced: list[DocRecord] = []

    def commit(self, record: DocRecord, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        """Make this version of a document current (all of it or none of it)."""
        self.commit_many([(record, chunks, vectors)])

    def commit_many(self, items: Sequence[tuple[DocRecord, Sequence[Chunk], Sequence[Sequence[float]]]]) -> None:
        """Several documents, written together (one request per batch); each is still all-or-nothing."""
        self.store.commit_documents(items)
        for record, _, _ in items:
            if record.doc_id in self._existing:
                self._replaced.append(record)
            self._existing.add(record.doc_id)

    def remove(self, doc_id: str) -> bool:
        """Take a document out of the hub; False if it was not there."""
        return self.store.remove_document(doc_id)

    def finish(self) -> None:
        """Rebuild and save the search index, then drop the versions this write replaced."""
        IndexCache(self.store).current()  # rebuilt now if anything changed, not at the next query
        self.store.delete_old_versions(self._replaced)
        self._replaced.clear()


@contextmanager
def writing(store: HubStore) -> Iterator[HubWrite]:
    """``with writing(store) as write: write.commit(...)``: the index and the cleanup follow when
    the block ends normally; after an error, the committed documents stay current and their old
    chunks wait for the next write's repair."""
    write = HubWrite(store)
    yield write
    write.finish()
