"""The chunk contract (rag/chunks.py) and the chunker that writes it (ingest/chunking.py)."""

from __future__ import annotations

from pathlib import Path

from ingest.chunking import chunk_document, embed_text
from ingest.loaders import load_document
from rag.chunks import (
    FILTER_FIELDS,
    LIST_ITEM,
    TAG_FIELDS,
    chunk_hash,
    following_ids,
    make_chunk_id,
    parse_chunk_id,
    source_dict,
)
from rag.records import Hit

GUIDE = (
    "---\ntitle: Field Trips\ngrade_band: 3-5\ntopic: policy\n---\n# Field Trips\n\n"
    "## Permission slips\n\n" + "Collect the signed permission slips two weeks before the trip. " * 12 + "\n\n"
    "## Buses\n\n- Buses leave at 8:15.\n- One chaperone rides per ten students.\n"
)


def test_ids_round_trip_even_when_a_document_id_holds_a_hash() -> None:
    value = make_chunk_id("guides/c#-notes.md", "ab12", 7)
    assert value == "guides/c#-notes.md#ab12#00007"
    assert parse_chunk_id(value) == ("guides/c#-notes.md", "ab12", 7)
    assert following_ids(value, (-1, 1)) == ["guides/c#-notes.md#ab12#00006", "guides/c#-notes.md#ab12#00008"]
    assert following_ids(make_chunk_id("a.md", "v", 0), (-1, 1)) == ["a.md#v#00001"]  # none before the first


def test_the_chunker_writes_the_contract(tmp_path: Path) -> None:
    path = tmp_path / "trips.md"
    path.write_text(GUIDE)
    doc = load_document(path, path.read_bytes())
    chunks = chunk_document(doc, doc_id="trips.md", version="v1", source=str(path), chunk_size=300, chunk_overlap=40)
    assert len(chunks) >= 3  # the long section is split by size, the sections apart
    for index, chunk in enumerate(chunks):
        meta = chunk.metadata
        assert parse_chunk_id(chunk.id) == ("trips.md", "v1", index) and meta["chunk_index"] == index
        assert meta["doc_id"] == "trips.md" and meta["version"] == "v1" and meta["title"] == "Field Trips"
        assert meta["grade_band"] == "3-5" and meta["topic"] == "policy"  # the document's tags ride along
        assert chunk.embed_text == embed_text("Field Trips", str(meta["section"]), chunk.text)
        assert meta["chunk_hash"] == chunk_hash(chunk.embed_text)
        assert GUIDE.count(chunk.text[:40]) >= 1 and int(meta["end"]) - int(meta["start"]) == len(chunk.text)
    assert {str(c.metadata["section"]) for c in chunks} == {"Permission slips", "Buses"}


def test_fields_and_list_marks() -> None:
    assert set(TAG_FIELDS) < set(FILTER_FIELDS) and "doc_id" in FILTER_FIELDS
    assert [bool(LIST_ITEM.match(x)) for x in ("- a", "* b", "12. c", "3) d", "• e", "2024. f", "-x")] == [
        True, True, True, True, True, False, False,
    ]  # fmt: skip


def test_a_served_hit_carries_its_place_and_the_text_given() -> None:
    hit = Hit(id="a.md#v#00002", text="Buses leave at 8:15.", score=0.123456,
              metadata={"doc_id": "a.md", "title": "Trips", "source": "corpus/a.md", "section": "Trips > Buses",
                        "page": 3})  # fmt: skip
    served = source_dict(1, hit)
    place = {"doc_id": "a.md", "title": "Trips", "source": "corpus/a.md", "section": "Trips > Buses", "page": 3}
    assert served == {"rank": 1, **place, "score": 0.1235, "text": "Buses leave at 8:15."}
    assert source_dict(2, hit, "[removed]")["text"] == "[removed]"
