"""Incremental ingestion into a real Chroma store with the real embedding model."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from ingest.pipeline import Ingestor
from rag.search.embeddings import SentenceEmbeddings
from rag.search.retrieval import HubRetriever
from rag.search.store import HubStore
from rag.settings import Settings
from tests import samples


def build_tree(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "homework.md").write_text(samples.MARKDOWN)
    (root / "recess.html").write_text(samples.HTML)
    samples.multipage_pdf(root / "lab-handbook.pdf")
    samples.docx_file(root / "field trip.docx")
    (root / "sub").mkdir(exist_ok=True)
    (root / "sub" / "bus.txt").write_text("Bus Rules\n\nStudents stay seated while the bus is moving.\n")
    return root


def ingestor(settings: Settings, embeddings: SentenceEmbeddings) -> Ingestor:
    ing = Ingestor(settings, embeddings=embeddings)  # share the already-loaded model across tests
    return ing


def retriever(settings: Settings, embeddings: SentenceEmbeddings) -> HubRetriever:
    return HubRetriever(store=HubStore(settings), embeddings=embeddings, k=5)


def test_every_format_is_indexed_with_metadata(tmp_path: Path, settings: Settings, embeddings) -> None:
    tree = build_tree(tmp_path / "hub")
    report = ingestor(settings, embeddings).run([tree])
    assert report.failed == [] and report.added == 5 and report.documents == 5
    docs = HubStore(settings).read_documents()
    assert sorted(docs) == [
        "hub/field trip.docx",
        "hub/homework.md",
        "hub/lab-handbook.pdf",
        "hub/recess.html",
        "hub/sub/bus.txt",
    ]
    assert docs["hub/homework.md"].metadata["grade_band"] == "3-5"
    search = retriever(settings, embeddings)

    top = search.search("what do students wear when chemicals are open?")[0]
    assert top.metadata["doc_id"] == "hub/lab-handbook.pdf"
    assert top.metadata["page"] == 2 and top.metadata["section"] == "Lab Safety > Goggles"
    top = search.search("how long should homework take each night in grade 4?")[0]
    assert top.metadata["section"] == "Time limits" and top.metadata["subject"] == "math"
    assert top.metadata["title"] == "Homework Help Guide" and top.metadata["end"] > top.metadata["start"]
    assert search.search("how many students per chaperone")[0].metadata["doc_id"] == "hub/field trip.docx"
    # metadata filters narrow the search
    only_parents = search.search("rules", filters={"audience": "parent"})
    assert only_parents and {h.metadata["doc_id"] for h in only_parents} == {"hub/recess.html"}
    # the LangChain retriever interface returns Documents
    documents = search.invoke("indoor recess temperature")
    assert documents[0].metadata["doc_id"] == "hub/recess.html" and "20 degrees" in documents[0].page_content


def test_add_unchanged_modify_delete_rename_cycle(tmp_path: Path, settings: Settings, embeddings) -> None:
    tree = build_tree(tmp_path / "hub")
    ing = ingestor(settings, embeddings)
    first = ing.run([tree])
    assert (first.added, first.updated, first.unchanged, first.removed) == (5, 0, 0, 0)

    again = ing.run([tree])
    assert (again.added, again.updated, again.unchanged, again.removed, again.embedded) == (0, 0, 5, 0, 0)

    md = tree / "homework.md"
    md.write_text(samples.MARKDOWN.replace("30 minutes", "20 minutes"))
    before = HubStore(settings).read_documents()["hub/homework.md"]
    changed = ing.run([tree])
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 4)
    assert 1 <= changed.embedded < before.chunks + 1  # only the edited chunk is embedded again
    store = HubStore(settings)
    texts = store.chunks.get(where={"doc_id": "hub/homework.md"})["documents"]
    assert any("20 minutes" in t for t in texts) and not any("30 minutes" in t for t in texts)
    assert len(texts) == store.read_documents()["hub/homework.md"].chunks

    (tree / "sub" / "bus.txt").unlink()
    deleted = ing.run([tree])
    assert (deleted.removed, deleted.unchanged, deleted.documents) == (1, 4, 4)
    assert store.chunks.get(where={"doc_id": "hub/sub/bus.txt"})["ids"] == []

    shutil.move(tree / "recess.html", tree / "sub" / "recess-rules.html")
    renamed = ing.run([tree])
    assert (renamed.added, renamed.removed, renamed.embedded) == (1, 1, 0)  # moved: nothing re-embedded
    assert "hub/sub/recess-rules.html" in HubStore(settings).read_documents()


def test_bad_edit_keeps_old_chunks_and_bad_files_are_listed(tmp_path: Path, settings: Settings, embeddings) -> None:
    tree = build_tree(tmp_path / "hub")
    ing = ingestor(settings, embeddings)
    ing.run([tree])
    chunks_before = HubStore(settings).chunk_count()
    (tree / "homework.md").write_text("---\ntitle: [broken\n---\nbody\n")
    (tree / "empty.md").write_bytes(b"")
    (tree / "junk.md").write_bytes(bytes(range(256)) * 10)
    samples.multipage_pdf(tree / "locked.pdf", encrypt_password="pw")
    report = ing.run([tree])
    reasons = {Path(f.path).name: f.error for f in report.failed}
    assert set(reasons) == {"homework.md", "empty.md", "junk.md", "locked.pdf"}
    assert "front matter" in reasons["homework.md"] and "encrypted" in reasons["locked.pdf"]
    assert "empty" in reasons["empty.md"] and "binary" in reasons["junk.md"]
    assert report.documents == 5 and HubStore(settings).chunk_count() == chunks_before


@pytest.mark.parametrize("limit_mb", [0.001])
def test_oversize_file_is_skipped(tmp_path: Path, embeddings, limit_mb: float) -> None:
    from rag.settings import load_settings

    settings = load_settings(data_dir=tmp_path / "d", max_file_mb=limit_mb)
    big = tmp_path / "big.txt"
    big.write_text("word " * 2000)
    report = ingestor(settings, embeddings).run([big])
    assert report.failed and "over the 0.001 MB limit" in report.failed[0].error


def test_symlink_outside_folder_is_refused(tmp_path: Path, settings: Settings, embeddings) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("Outside\n\nprivate notes")
    tree = tmp_path / "hub"
    tree.mkdir()
    (tree / "ok.txt").write_text("Inside\n\nfine")
    (tree / "link.txt").symlink_to(outside)
    report = ingestor(settings, embeddings).run([tree])
    assert report.added == 1 and "outside the folder" in report.failed[0].error


def test_store_refuses_a_different_embedding_model(tmp_path: Path, settings: Settings, embeddings) -> None:
    from rag.errors import HubqaError
    from rag.settings import load_settings

    tree = build_tree(tmp_path / "hub")
    ingestor(settings, embeddings).run([tree])
    other = load_settings(data_dir=settings.data_dir, embedding_model="/some/other-model")
    with pytest.raises(HubqaError, match="built with the embedding model"):
        Ingestor(other)


def test_search_index_from_another_collection_is_never_used(tmp_path: Path, embeddings) -> None:
    from rag.search.index import IndexCache, index_folder
    from rag.settings import load_settings

    a, b = (load_settings(data_dir=tmp_path / name) for name in ("a", "b"))
    for settings, text in ((a, "Recess moves indoors below 20 degrees."), (b, "Library books are due in 3 weeks.")):
        doc = tmp_path / f"{settings.data_dir.name}.txt"
        doc.write_text(f"Rules\n\n{text}\n")
        ingestor(settings, embeddings).run([doc])
    store_a, store_b = HubStore(a), HubStore(b)
    assert store_a.generation() == store_b.generation()  # same counter, different stores
    shutil.rmtree(index_folder(store_b))
    shutil.copytree(index_folder(store_a), index_folder(store_b))  # a stale, foreign index in b's place
    index = IndexCache(store_b).current()
    texts = [store_b.chunks.get(ids=[i])["documents"][0] for i in index.ids]
    assert len(texts) == 1 and "Library books" in texts[0]


def test_one_write_commits_rebuilds_the_index_then_drops_old_versions(
    tmp_path: Path, settings: Settings, embeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write contract (rag.search.writes): a reader holding the previous view keeps reading the
    version it indexed until the write ends; then the index on disk is the new generation and the old
    version's chunks are gone from the store."""
    from rag.search.index import SearchIndex, index_folder
    from rag.search.writes import HubWrite

    doc = tmp_path / "field-trips.md"
    doc.write_text("# Field trips\n\nPermission slips are due two weeks before the trip.\n")
    ingestor(settings, embeddings).run([doc])
    store, hub = HubStore(settings), retriever(settings, embeddings)
    before = hub.view()
    [old_id] = before.document_chunk_ids("field-trips.md")

    seen_before_finish: list[str] = []
    finish = HubWrite.finish

    def checked_finish(write: HubWrite) -> None:  # committed, not finished: the old version still reads
        seen_before_finish.append(before.chunks([old_id])[old_id].text)
        assert store.generation() != before.index.generation
        finish(write)

    monkeypatch.setattr(HubWrite, "finish", checked_finish)
    doc.write_text("# Field trips\n\nPermission slips are due three weeks before the trip.\n")
    report = ingestor(settings, embeddings).run([doc])
    assert report.updated == 1 and "two weeks" in seen_before_finish[0]
    assert store.chunks.get(ids=[old_id])["ids"] == []  # dropped from the store once the write ended
    saved = SearchIndex.load(index_folder(store))
    assert saved is not None and saved.generation == store.generation()
    after = hub.view()
    [new_id] = after.document_chunk_ids("field-trips.md")
    assert new_id != old_id and "three weeks" in after.chunks([new_id])[new_id].text


def test_a_chunk_read_again_is_not_fetched_again_and_a_removed_one_is_not_served(
    tmp_path: Path, settings: Settings, embeddings
) -> None:
    """A chunk id names one version of a document, so the store keeps what it read; a reader on the
    current generation still never gets a chunk of a document that has been removed."""
    from rag.search.index import IndexCache
    from rag.search.view import ReadView
    from rag.search.writes import writing

    doc = tmp_path / "recess.md"
    doc.write_text("# Recess\n\nRecess moves indoors below 20 degrees.\n")
    ingestor(settings, embeddings).run([doc])
    store = HubStore(settings)
    [chunk_id] = ReadView(store, IndexCache(store).current()).document_chunk_ids("recess.md")
    requests: list[list[str]] = []

    class Counting:  # the real collection, with the reads that reach Chroma counted
        def __init__(self, collection: Any) -> None:
            self.collection = collection

        def get(self, **kwargs: Any) -> Any:
            requests.append(list(kwargs.get("ids") or []))
            return self.collection.get(**kwargs)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.collection, name)

    store.chunks = Counting(store.chunks)
    first, again = store.read_chunks([chunk_id]), store.read_chunks([chunk_id])
    assert first == again and "indoors" in first[chunk_id][0] and requests == [[chunk_id]]
    with writing(store) as write:
        write.remove("recess.md")
    view = ReadView(store, IndexCache(store).current())  # the same store, its cache still holding the chunk
    assert view.document_chunk_ids("recess.md") == [] and view.chunks([chunk_id]) == {}
