"""Scaled stores for the benchmark: the bundled corpus plus synthetic documents, up to N chunks.

Each store is built once and kept under ``DATA_DIR/bench/`` (keyed by size, seed, recipe and
pipeline version), because embedding 100k chunks with the model takes about an hour on a
2-core machine. The corpus itself is ingested by the real pipeline; the synthetic documents
recombine its sentences, list items and table rows under distinct titles, and a synthetic
chunk's vector is the length-weighted mean of its units' model embeddings (each unit is
embedded once). ``vector_fidelity`` measures how close that comes to embedding the chunk.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.chunking import PIPELINE_VERSION, embed_text
from ingest.pipeline import Ingestor
from rag.chunks import chunk_metadata, make_chunk_id
from rag.errors import HubqaError
from rag.records import Chunk, DocRecord
from rag.search.embeddings import SentenceEmbeddings
from rag.search.store import HubStore, now_iso, read_pages
from rag.search.writes import HubWrite, writing
from rag.settings import Settings
from rag.text import split_units

#: Bump when the synthetic recipe changes: cached stores of another recipe are not reused.
RECIPE_VERSION = "1"
CHUNKS_PER_DOC = (15, 35)
_EDITIONS = ("District", "Regional", "County", "Network", "Charter", "Rural", "Urban", "Statewide")
_KINDS = ("notes", "handbook", "briefing", "workshop pack", "field guide", "FAQ", "toolkit", "memo")
DONE = "complete.json"
#: Chunks written per commit (bigger batches write faster; each document stays atomic).
COMMIT_CHUNKS = 5000


@dataclass
class SourceSentence:
    """A sentence, list item or table row of the corpus (its embedding is kept alongside)."""

    doc_id: str
    section: str
    text: str


def parse_size(text: str) -> int:
    """ "10k" -> 10000, "1.5k" -> 1500, "250" -> 250."""
    text = text.strip().lower()
    scale = 1000 if text.endswith("k") else 1
    try:
        value = int(float(text.rstrip("k")) * scale)
    except ValueError:
        value = 0
    if value <= 0:
        msg = f"--sizes: {text!r} is not a chunk count like 1k, 10k or 2500"
        raise HubqaError(msg)
    return value


def size_label(size: int) -> str:
    """10000 -> "10k"; sizes that are not whole thousands keep their digits."""
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def bench_root(settings: Settings) -> Path:
    return settings.data_dir / "bench"


def _key(settings: Settings, corpus: Path) -> str:
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(corpus).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(f"{settings.embedding_model}/{settings.chunk_size}/{settings.chunk_overlap}".encode())
    return f"p{PIPELINE_VERSION}-r{RECIPE_VERSION}-{digest.hexdigest()[:10]}"


def _local(settings: Settings, folder: Path) -> Settings:
    return settings.model_copy(update={"data_dir": folder, "store_dir": None, "chroma_url": None})


def base_store(settings: Settings, corpus: Path) -> Settings:
    """The corpus alone, ingested by the real pipeline (built once)."""
    folder = bench_root(settings) / f"base-{_key(settings, corpus)}"
    local = _local(settings, folder)
    if not (folder / DONE).exists():
        shutil.rmtree(folder, ignore_errors=True)
        report = Ingestor(local).run([corpus])
        if not report.chunks:
            msg = f"{corpus}: no chunks to build a benchmark store from"
            raise HubqaError(msg)
        (folder / DONE).write_text(json.dumps({"chunks": report.chunks}))
    return local


def scaled_store(settings: Settings, corpus: Path, size: int, seed: int) -> Settings:
    """Settings of a store holding the corpus plus synthetic chunks, ``size`` chunks in all."""
    base = base_store(settings, corpus)
    folder = bench_root(settings) / f"store-{size_label(size)}-s{seed}-{_key(settings, corpus)}"
    local = _local(settings, folder)
    if (folder / DONE).exists():
        return local
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(base.store_path, local.store_path, ignore=shutil.ignore_patterns("index"))
    store = HubStore(local)
    units, vectors = corpus_units(base, bench_root(settings) / f"units-{_key(settings, corpus)}.npy")
    missing = size - store.chunk_count()
    with writing(store) as write:  # the index is built and saved with the write, not at the first query
        if missing > 0:
            add_synthetic(write, units, vectors, missing, seed)
    (folder / DONE).write_text(json.dumps({"chunks": store.chunk_count(), "seed": seed}))
    return local


def corpus_units(base: Settings, cache: Path) -> tuple[list[SourceSentence], np.ndarray]:
    """Every distinct unit of the corpus's chunks, in document order, and their embeddings."""
    rows = sorted(
        row
        for page in read_pages(HubStore(base).chunks, ["documents", "metadatas"])
        for row in zip(page["ids"], page["documents"], page["metadatas"], strict=True)
    )
    seen: set[tuple[str, str]] = set()
    units: list[SourceSentence] = []
    for _, text, meta in rows:
        doc_id = str(meta["doc_id"])
        for unit in split_units(text or "", label_rows=False):  # the corpus's own lines, verbatim
            if len(unit) >= 20 and (doc_id, unit) not in seen:
                seen.add((doc_id, unit))
                units.append(SourceSentence(doc_id, str(meta.get("section", "")), unit))
    if cache.exists():
        vectors = np.load(cache)
        if len(vectors) == len(units):
            return units, vectors
    vectors = np.asarray(SentenceEmbeddings(base).embed_documents([u.text for u in units]), dtype=np.float32)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return units, vectors


def add_synthetic(write: HubWrite, units: list[SourceSentence], vectors: np.ndarray, count: int, seed: int) -> None:
    """Commit synthetic documents holding ``count`` chunks in all, deterministic by ``seed``."""
    docs = write.documents
    by_doc: dict[str, list[int]] = defaultdict(list)
    for i, unit in enumerate(units):
        by_doc[unit.doc_id].append(i)
    sources = sorted(d for d in by_doc if d in docs)
    chunk_size = write.store.settings.chunk_size
    rng = random.Random(seed)
    made, n = 0, 0
    pending: list[tuple[DocRecord, list[Chunk], list[list[float]]]] = []
    while made < count:
        source = docs[rng.choice(sources)]
        pool = by_doc[source.doc_id]
        others = by_doc[rng.choice(sources)]
        n += 1
        title = f"{source.title}: {rng.choice(_EDITIONS)} {rng.choice(_KINDS)} no. {n}"
        doc_id = f"synthetic/{seed}/{n:06d}.md"
        version = hashlib.sha256(f"{doc_id}/{RECIPE_VERSION}".encode()).hexdigest()[:16]
        chunks: list[Chunk] = []
        chunk_vectors: list[list[float]] = []
        for index in range(min(rng.randint(*CHUNKS_PER_DOC), count - made)):
            start = rng.randrange(len(pool))
            picked = [pool[(start + k) % len(pool)] for k in range(rng.randint(3, 8))]
            picked.insert(rng.randrange(len(picked) + 1), rng.choice(others))  # a foreign sentence
            texts, total = [], 0
            for i in picked:
                if total and total + len(units[i].text) > chunk_size:
                    break
                texts.append(i)
                total += len(units[i].text) + 1
            text = "\n".join(units[i].text for i in texts)
            section = f"{units[texts[0]].section or 'Overview'} (part {index + 1})"
            weights = np.array([len(units[i].text) for i in texts], dtype=np.float32)
            vector = (vectors[texts] * weights[:, None]).sum(axis=0)
            chunk_vectors.append((vector / (np.linalg.norm(vector) or 1.0)).tolist())
            to_embed = embed_text(title, section, text)
            meta = chunk_metadata(
                source.metadata,
                doc_id=doc_id,
                version=version,
                source=doc_id,
                title=title,
                section=section,
                start=index * chunk_size,
                end=index * chunk_size + len(text),
                index=index,
                embedded=to_embed,
            )
            chunks.append(
                Chunk(id=make_chunk_id(doc_id, version, index), text=text, embed_text=to_embed, metadata=meta)
            )
        record = DocRecord(
            doc_id=doc_id,
            version=version,
            file_hash=version,
            source=doc_id,
            root="",
            title=title,
            kind="synthetic",
            chunks=len(chunks),
            ingested_at=now_iso(),
            metadata=dict(source.metadata),
        )
        pending.append((record, chunks, chunk_vectors))
        made += len(chunks)
        if sum(len(c) for _, c, _ in pending) >= COMMIT_CHUNKS or made >= count:
            write.commit_many(pending)
            pending = []


def vector_fidelity(settings: Settings, sample: int = 100) -> float:
    """Mean cosine between synthetic chunks' composed vectors and the model's embedding of them."""
    store = HubStore(settings)
    got = store.chunks.get(
        where={"title": {"$ne": ""}}, limit=sample * 20, include=["embeddings", "metadatas", "documents"]
    )
    rows = [
        (e, embed_text(str(m["title"]), str(m.get("section", "")), t))
        for e, m, t in zip(got["embeddings"], got["metadatas"], got["documents"], strict=True)
        if str(m.get("doc_id", "")).startswith("synthetic/")
    ][:sample]
    if not rows:
        return 1.0
    model = np.asarray(SentenceEmbeddings(settings).embed_documents([text for _, text in rows]), dtype=np.float32)
    composed = np.asarray([e for e, _ in rows], dtype=np.float32)
    return float(np.mean(np.sum(model * composed, axis=1)))
