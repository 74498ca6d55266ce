"""Finding the passages that answer a question, as a LangChain retriever."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag.embeddings import SentenceEmbeddings
from rag.records import Hit
from rag.store import HubStore

FILTER_KEYS = ("audience", "grade_band", "subject", "topic", "doc_id")


def where_clause(filters: dict[str, str] | None) -> dict[str, Any] | None:
    """Chroma ``where`` for metadata filters such as ``{"grade_band": "6-8"}``."""
    if not filters:
        return None
    clauses = [{key: value} for key, value in sorted(filters.items())]
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def hit_to_document(hit: Hit) -> Document:
    return Document(page_content=hit.text, metadata={**hit.metadata, "id": hit.id, "score": hit.score}, id=hit.id)


class HubRetriever(BaseRetriever):
    """Dense retrieval over the hub's chunks, with optional metadata filters."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: HubStore
    embeddings: SentenceEmbeddings
    k: int = 10
    filters: dict[str, str] = {}

    def search(self, question: str, k: int | None = None, filters: dict[str, str] | None = None) -> list[Hit]:
        vector = self.embeddings.embed_query(question)
        return self.store.search(vector, k or self.k, where_clause(filters if filters is not None else self.filters))

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [hit_to_document(hit) for hit in self.search(query)]


def source_dict(rank: int, hit: Hit) -> dict[str, Any]:
    """A retrieved chunk as the CLI and the app report it."""
    meta = hit.metadata
    return {
        "rank": rank,
        "doc_id": meta.get("doc_id"),
        "title": meta.get("title"),
        "source": meta.get("source"),
        "section": meta.get("section") or "",
        "page": meta.get("page"),
        "score": round(hit.score, 4),
        "text": hit.text,
    }
