"""BM25 over the chunks (bm25s), saved beside the store and rebuilt when the store changes.

The saved index records the store's generation; a reader whose generation differs rebuilds
it from the chunks in Chroma, so it can never drift from the dense index for long.
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

from rag.store import HubStore
from rag.text import terms

logging.getLogger("bm25s").setLevel(logging.ERROR)

#: Metadata kept beside the index so filters apply to lexical hits too.
FILTER_FIELDS = ("audience", "grade_band", "subject", "topic", "doc_id")


@dataclass
class LexicalHit:
    id: str
    score: float


class LexicalIndex:
    """A BM25 index of one store's chunks, with the chunk ids and filter fields it covers."""

    def __init__(
        self,
        bm25: bm25s.BM25 | None,
        ids: list[str],
        fields: dict[str, list[str]],
        generation: int,
        idf: dict[str, float],
    ) -> None:
        self.bm25 = bm25
        self.ids = ids
        self.fields = fields
        self.generation = generation
        #: Inverse document frequency per stemmed term, for weighting query words elsewhere.
        self.idf = idf
        self._columns = {k: np.array(v, dtype=object) for k, v in fields.items()}

    # -- building and persistence --------------------------------------------------------
    @classmethod
    def build(cls, store: HubStore) -> LexicalIndex:
        generation = store.generation()
        got = store.chunks.get(include=["documents", "metadatas"])
        ids: list[str] = list(got["ids"])
        metas = got["metadatas"] or []
        texts = [
            f"{m.get('title', '')} {m.get('section', '')} {t or ''}" for t, m in zip(got["documents"] or [], metas, strict=True)
        ]
        fields = {f: [str(m.get(f, "")) for m in metas] for f in FILTER_FIELDS}
        if not ids:
            return cls(None, [], fields, generation, {})
        tokens = [terms(t) or ["_"] for t in texts]
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
        return cls(bm25, ids, fields, generation, _idf(tokens))

    def save(self, folder: Path) -> None:
        """Write atomically: a reader sees the old index or the new one, never half of one."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".lexical-", dir=folder.parent))
        if self.bm25 is not None:
            self.bm25.save(str(tmp), show_progress=False)
        (tmp / "hubqa.json").write_text(
            json.dumps({"generation": self.generation, "ids": self.ids, "fields": self.fields, "idf": self.idf})
        )
        old = folder.with_name(folder.name + ".old")
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        meta_file = folder / "hubqa.json"
        if not meta_file.exists():
            return None
        try:
            meta = json.loads(meta_file.read_text())
            bm25 = bm25s.BM25.load(str(folder), show_progress=False) if meta["ids"] else None
        except (OSError, ValueError, KeyError):
            return None  # damaged or half-written: rebuild
        return cls(bm25, meta["ids"], meta["fields"], int(meta["generation"]), meta.get("idf", {}))

    # -- search --------------------------------------------------------------------------
    def search(self, query: str, k: int, filters: dict[str, str] | None = None) -> list[LexicalHit]:
        if self.bm25 is None or not self.ids:
            return []
        vocab = self.bm25.vocab_dict
        tokens = [t for t in terms(query) if t in vocab]
        if not tokens:
            return []
        mask = None
        if filters:
            mask = np.ones(len(self.ids), dtype=bool)
            for key, value in filters.items():
                mask &= self._columns[key] == value
            if not mask.any():
                return []
        scores = self.bm25.get_scores(tokens)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [LexicalHit(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]


def _idf(tokens: list[list[str]]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for doc in tokens:
        df.update(set(doc))
    n = len(tokens)
    return {term: round(math.log(1 + (n - d + 0.5) / (d + 0.5)), 4) for term, d in df.items()}


def index_folder(store: HubStore) -> Path:
    """Where a store's lexical index lives: beside a local store, or in the data folder."""
    settings = store.settings
    base = settings.data_dir / "lexical" if settings.chroma_url else settings.store_path / "lexical"
    return base / settings.collection


class LexicalCache:
    """Keeps one process's lexical index in step with the store (checked at every query)."""

    def __init__(self, store: HubStore) -> None:
        self.store = store
        self.folder = index_folder(store)
        self._index: LexicalIndex | None = None
        self._lock = threading.Lock()

    def current(self) -> LexicalIndex:
        generation = self.store.generation()
        with self._lock:
            if self._index is None or self._index.generation != generation:
                loaded = LexicalIndex.load(self.folder)
                if loaded is None or loaded.generation != generation:
                    loaded = LexicalIndex.build(self.store)
                    try:
                        loaded.save(self.folder)
                    except OSError:
                        pass  # a read-only deployment still answers, it just rebuilds per process
                self._index = loaded
            return self._index


def refresh(store: HubStore) -> LexicalIndex:
    """Rebuild and save the index now (ingestion calls this so queries find it ready)."""
    index = LexicalIndex.build(store)
    index.save(index_folder(store))
    return index
