"""Chunking that follows the document: sections first, then size with overlap."""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest.parsed import ParsedDocument
from rag.chunks import chunk_metadata, make_chunk_id
from rag.guards.injection import planted_reason
from rag.guards.meaning import MeaningReader
from rag.records import Chunk

#: Bump when loaders or chunking change, so every document is re-chunked on the next ingest.
PIPELINE_VERSION = "7"


def chunker_signature(chunk_size: int, chunk_overlap: int) -> str:
    return f"v{PIPELINE_VERSION}/{chunk_size}/{chunk_overlap}"


def embed_text(title: str, section: str, text: str) -> str:
    """What is embedded: the text with its title and section, so short chunks keep their context."""
    header = f"{title} > {section}" if section else title
    return f"{header}\n{text}"


def chunk_document(
    doc: ParsedDocument,
    *,
    doc_id: str,
    version: str,
    source: str,
    chunk_size: int,
    chunk_overlap: int,
    meaning: MeaningReader | None = None,
) -> list[Chunk]:
    """The document's chunks; each carries why the document is withheld, when it holds a planted
    request the rules (or ``meaning``, the sentence-meaning reader ingestion uses) recognise."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size, chunk_overlap=min(chunk_overlap, chunk_size // 2), add_start_index=True
    )
    chunks: list[Chunk] = []
    planted = planted_reason([section.text for section in doc.sections], meaning)
    for section in doc.sections:
        for piece in splitter.create_documents([section.text]):
            text = piece.page_content
            start = section.offset + int(piece.metadata.get("start_index", 0))
            to_embed = embed_text(doc.title, section.path, text)
            meta = chunk_metadata(
                doc.metadata,
                doc_id=doc_id,
                version=version,
                source=source,
                title=doc.title,
                section=section.path,
                start=start,
                end=start + len(text),
                index=len(chunks),
                embedded=to_embed,
                page=section.page,
                planted=planted,
            )
            chunk_id = make_chunk_id(doc_id, version, len(chunks))
            chunks.append(Chunk(id=chunk_id, text=text, embed_text=to_embed, metadata=meta))
    return chunks
