"""The naive pipeline every report is compared with: plain LangChain, same embeddings.

RecursiveCharacterTextSplitter(1000, 200) over each document's text, an in-memory vector store,
top-k similarity, and "the answer is the top chunk". It never refuses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.documents import Document
from langchain_core.vectorstores import InMemoryVectorStore
from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.loaders import is_supported, load_document
from ingest.pipeline import ignore_patterns
from rag.search.embeddings import SentenceEmbeddings


class NaiveBaseline:
    def __init__(self, corpus: Path, embeddings: SentenceEmbeddings) -> None:
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
        ignored = set(ignore_patterns(corpus))
        docs: list[Document] = []
        for path in sorted(corpus.rglob("*")):
            if not path.is_file() or not is_supported(path) or path.name in ignored or "/." in path.as_posix():
                continue
            parsed = load_document(path, path.read_bytes())
            text, spans = "", []
            for part in parsed.sections:
                spans.append((len(text), part.path))
                text += part.text + "\n\n"
            doc_id = f"{corpus.name}/{path.relative_to(corpus).as_posix()}"
            for chunk in splitter.create_documents([text]):
                start = chunk.metadata["start_index"]
                section = next((p for at, p in reversed(spans) if at <= start), "")
                chunk.metadata.update(doc_id=doc_id, section=section, title=parsed.title)
                docs.append(chunk)
        self.store = InMemoryVectorStore(embeddings)
        self.store.add_documents(docs)

    def ask(self, question: str, k: int = 10) -> dict[str, Any]:
        hits = self.store.similarity_search(question, k=k)
        return {
            "answer": hits[0].page_content if hits else "",
            "refused": False,
            "sources": [{"doc_id": h.metadata["doc_id"], "section": h.metadata["section"]} for h in hits],
        }
