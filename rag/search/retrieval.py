"""Hybrid retrieval: dense (exact, over the chunk vectors) and lexical (BM25) fused by reciprocal rank, diversified,
then expanded to the surrounding passage (small-to-big), as a LangChain retriever."""

from __future__ import annotations

import re
from typing import Any, Literal

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from rag.chunks import LIST_MARK, following_ids, make_chunk_id, parse_chunk_id
from rag.records import Hit
from rag.search.embeddings import SentenceEmbeddings
from rag.search.index import IndexCache, SnapshotGone
from rag.search.query import bands_conflict, grade_bands
from rag.search.query import expand as expand_query
from rag.search.rerank import make_reranker
from rag.search.rerank import rerank as rerank_hits
from rag.search.store import HubStore
from rag.search.view import ReadView
from rag.settings import Settings

RetrievalMethod = Literal["hybrid", "dense", "bm25", "fusion"]

#: Reciprocal-rank-fusion constant (the usual 60) and the weight of each list.
RRF_K = 60
DENSE_WEIGHT = 1.0
LEXICAL_WEIGHT = 1.0
#: Weight of the document-level list (query against each document's mean vector); chunks
#: inherit their document's rank, which favours passages from the documents about the topic.
DOCUMENT_WEIGHT = 0.5
#: How many more chunks a table or list is followed into past the hit's next neighbour.
LIST_CHUNKS = 4
#: At most this many results from one section, so the top results are not one passage repeated.
PER_SECTION = 2


def hit_to_document(hit: Hit) -> Document:
    meta = {k: v for k, v in hit.metadata.items() if not k.startswith("_")}
    return Document(page_content=hit.text, metadata={**meta, "id": hit.id, "score": hit.score}, id=hit.id)


def fuse(dense: list[Hit], lexical: list[Hit], doc_ranks: dict[str, int] | None = None) -> list[Hit]:
    """Reciprocal rank fusion; a chunk found by both searches is the same ``Hit`` in both lists."""
    hits: dict[str, Hit] = {}
    scores: dict[str, float] = {}
    for weight, ranked in ((DENSE_WEIGHT, dense), (LEXICAL_WEIGHT, lexical)):
        for rank, hit in enumerate(ranked):
            hits[hit.id] = hit
            scores[hit.id] = scores.get(hit.id, 0.0) + weight / (RRF_K + rank + 1)
    if doc_ranks and DOCUMENT_WEIGHT:
        for chunk_id, hit in hits.items():
            doc_rank = doc_ranks.get(hit.doc_id)
            if doc_rank is not None:
                scores[chunk_id] += DOCUMENT_WEIGHT / (RRF_K + doc_rank + 1)
    for chunk_id, hit in hits.items():
        hit.score = scores[chunk_id]
    return sorted(hits.values(), key=lambda h: -h.score)


def diversify(hits: list[Hit], per_section: int = PER_SECTION) -> list[Hit]:
    """Keep the order, but push a section's third and later hits behind everything else."""
    counts: dict[tuple[str, str], int] = {}
    first: list[Hit] = []
    rest: list[Hit] = []
    for hit in hits:
        n = counts.get(hit.section_key, 0)
        counts[hit.section_key] = n + 1
        (first if n < per_section else rest).append(hit)
    return first + rest


class HubRetriever(BaseRetriever):
    """The hub's retriever: hybrid, filterable, diversified, with passage context."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: HubStore
    embeddings: SentenceEmbeddings
    k: int = 10
    filters: dict[str, str] = {}
    #: How many of the top hits get their neighbouring chunks attached as context.
    context_hits: int = 5
    #: "hybrid" is hubqa's; "dense", "bm25" and "fusion" (plain RRF of the two) are the single
    #: signals it is compared with in the evaluation.
    method: RetrievalMethod = "hybrid"
    #: An optional reranking stage over the first ``rerank_top_n`` fused candidates.
    reranker: Any = None
    rerank_top_n: int = 20
    rerank_budget_s: float = 3.0
    _index: IndexCache | None = PrivateAttr(default=None)

    @property
    def index(self) -> IndexCache:
        if self._index is None:
            self._index = IndexCache(self.store)
        return self._index

    def view(self) -> ReadView:
        """The hub as it is now, read consistently for one query (see ``rag.search.view``)."""
        return ReadView(self.store, self.index.current())

    def search(
        self,
        question: str,
        k: int | None = None,
        filters: dict[str, str] | None = None,
        view: ReadView | None = None,
        vector: list[float] | None = None,
        strict: bool = False,
        rerank: bool = True,
        notes: list[str] | None = None,
    ) -> list[Hit]:
        """The k best passages; ``view`` pins the state of the hub searched, so a caller that reads
        it again (its vocabulary, its vectors, more chunks) sees the same one while a re-ingestion
        swaps it.
        ``strict``: raise ``SnapshotGone`` when chunks the index lists were removed meanwhile (a
        re-ingestion finished), so the caller can search the newer index instead of answering
        without them. ``rerank``: pass the candidates through the reranker, if one is configured
        (a reranker that fails adds its note to ``notes``)."""
        k = k or self.k
        filters = self.filters if filters is None else filters
        pool = max(3 * k, 30, self.rerank_top_n if self.reranker is not None and rerank else 0)
        hybrid = self.method == "hybrid"
        asked_text = question
        question = expand_query(question) if hybrid else question
        if vector is None:  # a caller that needs the query's vector too passes it (embedded once)
            vector = self.embeddings.embed_query(question)
        view = view or self.view()
        dense_hits = view.dense(vector, pool, filters)
        lexical_hits = view.lexical(question, pool, filters)
        wanted = list(dict.fromkeys([h.id for h in dense_hits] + [h.id for h in lexical_hits]))
        found = view.chunks(wanted)
        if strict and len(found) < len(wanted):
            raise SnapshotGone(f"{len(wanted) - len(found)} of {len(wanted)} chunks removed")
        query = np.asarray(vector, dtype=np.float32)
        dense: list[Hit] = []
        for dh in dense_hits:
            if (hit := found.get(dh.id)) is not None:
                hit.dense = hit.score = dh.score
                dense.append(hit)
        lexical: list[Hit] = []
        for lh in lexical_hits:
            if (hit := found.get(lh.id)) is None:
                continue
            if hit.dense is None:
                hit.dense = view.similarity(lh.id, query)
            hit.lexical = lh.score
            lexical.append(hit)
        if self.method == "dense":
            fused = dense
        elif self.method == "bm25":
            for hit in lexical:
                hit.score = hit.lexical or 0.0
            fused = lexical
        else:
            doc_ranks = self.store.rank_documents(vector) if DOCUMENT_WEIGHT and hybrid else None
            fused = fuse(dense, lexical, doc_ranks)
        if self.reranker is not None and rerank:
            fused = rerank_hits(self.reranker, asked_text, fused, self.rerank_top_n, self.rerank_budget_s, notes)
        if not hybrid:
            self.attach_context(fused[: min(k, self.context_hits)], view)
            return fused[:k]
        asked = grade_bands(question)
        if asked:
            # a 3rd-grade question should not be answered from the grades 6-8 guide (a stable sort:
            # the order within each group stays)
            fused.sort(key=lambda h: bands_conflict(asked, str(h.metadata.get("grade_band", ""))))
        ranked = diversify(fused)[:k]
        self.attach_context(ranked[: self.context_hits], view)
        return ranked

    def attach_context(self, hits: list[Hit], view: ReadView) -> None:
        """Attach each hit's neighbours in the same section, overlap removed (small-to-big); a table
        or list that runs on past the next chunk is followed to its end (up to ``LIST_CHUNKS`` more),
        so an answer never shows half a checklist."""
        wanted = [n for hit in hits for n in following_ids(hit.id, (-1, 1))]
        neighbours = view.chunks(list(dict.fromkeys(wanted)))
        for hit in hits:
            doc_id, version, index = parse_chunk_id(hit.id)
            before = neighbours.get(make_chunk_id(doc_id, version, index - 1)) if index else None
            after_id = make_chunk_id(doc_id, version, index + 1)
            after = neighbours.get(after_id)
            text = hit.text
            section = hit.metadata.get("section", "")
            if before is not None and before.metadata.get("section", "") == section:
                text = _joined(before, text, int(hit.metadata.get("start", 0)))
            end = int(hit.metadata.get("end", 0))
            if after is not None and after.metadata.get("section", "") == section:
                text = _joined_after(text, end, after)
                end = int(after.metadata.get("end", 0))
                text = _run_on(view, after_id, section, text, end)
            hit.context = _with_table_header(view, hit.id, section, text)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [hit_to_document(hit) for hit in self.search(query)]


def _run_on(view: ReadView, last: str, section: object, text: str, end: int) -> str:
    """Follow a table or list that the context ends inside into the next chunks of its section
    (fetched together, and only when the context ends inside one)."""
    if not _ends_in_block(text):
        return text
    ids = following_ids(last, range(1, LIST_CHUNKS + 1))
    following = view.chunks(ids)
    for chunk_id in ids:
        chunk = following.get(chunk_id)
        if chunk is None or chunk.metadata.get("section", "") != section or not _ends_in_block(text):
            break
        text = _joined_after(text, end, chunk)
        end = int(chunk.metadata.get("end", 0))
    return text


_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}")


def _with_table_header(view: ReadView, chunk_id: str, section: object, text: str) -> str:
    """A context that opens inside a table gets the table's header row back, from the earlier
    chunk of its section that holds it: rows shown without their columns' names read as "a ; b"."""
    lines = [line for line in text.splitlines() if line.strip()]
    leading = []
    for line in lines:
        if not line.lstrip().startswith("|"):
            break
        leading.append(line)
    if not leading or any(_SEPARATOR.match(line) for line in leading[:2]):
        return text
    doc_id, version, index = parse_chunk_id(chunk_id)
    ids = [make_chunk_id(doc_id, version, i) for i in range(index - 1, max(-1, index - 2 - LIST_CHUNKS), -1)]
    earlier = view.chunks(ids)
    for earlier_id in ids:
        chunk = earlier.get(earlier_id)
        if chunk is None or chunk.metadata.get("section", "") != section:
            break
        rows = chunk.text.splitlines()
        for i in range(len(rows) - 1, 0, -1):
            if _SEPARATOR.match(rows[i]) and rows[i - 1].lstrip().startswith("|"):
                return f"{rows[i - 1]}\n{rows[i]}\n{text.lstrip()}"
    return text


def _joined(before: Hit, text: str, start: int) -> str:
    overlap = max(0, int(before.metadata.get("end", 0)) - start)
    return before.text + ("\n" if overlap == 0 else "") + text[overlap:]


def _joined_after(text: str, end: int, after: Hit) -> str:
    overlap = max(0, end - int(after.metadata.get("start", 0)))
    return text + ("\n" if overlap == 0 else "") + after.text[overlap:]


_BLOCK_LINE = re.compile(rf"^\s*(?:\||{LIST_MARK}\s)")


def _ends_in_block(text: str) -> bool:
    """Does the text end on a table row or a list item (so the block may go on), or on the line
    that introduces one ("Post this routine and use it every time:")?"""
    lines = [line for line in text.rstrip().splitlines() if line.strip()]
    return bool(lines) and (bool(_BLOCK_LINE.match(lines[-1])) or lines[-1].rstrip().endswith(":"))


def make_retriever(settings: Settings, store: HubStore, embeddings: SentenceEmbeddings, **kwargs: Any) -> HubRetriever:
    """The retriever the settings describe: its method and its reranker, if any."""
    return HubRetriever(
        store=store,
        embeddings=embeddings,
        method=settings.retrieval_method,
        reranker=make_reranker(settings),
        rerank_top_n=settings.reranker_top_n,
        rerank_budget_s=settings.reranker_timeout_s,
        **{"k": settings.top_k, **kwargs},
    )
