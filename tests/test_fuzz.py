"""Fuzzing every parser of untrusted input with hypothesis: each either succeeds with a sane
result or refuses with the one error type users see (LoadError for files, HubqaError elsewhere).

Examples per parser are bounded (``EXAMPLES``) so the whole file stays quick.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingest.loaders import load_document
from ingest.loaders.markdown import split_front_matter
from ingest.parsed import LoadError
from ingest.uploads import safe_upload_name
from rag.answering.generation import _MARKER, parse_citations
from rag.errors import HubqaError
from rag.jsonl import read_jsonl
from ui.cli import _read_batch

EXAMPLES = 200
fuzz = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- front matter and whole text files ------------------------------------------------------
yaml_scalars = st.one_of(st.text(max_size=30), st.integers(), st.booleans(), st.just("2026-05-01"), st.just("[x, y]"))
yaml_lines = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(["title", "audience", "grade_band", "topic", "updated", "tags", "x"]), yaml_scalars
        ).map(lambda kv: f"{kv[0]}: {kv[1]}"),
        st.sampled_from(
            [
                "- a",
                "  - nested",
                "a: &x [1, 2]",
                "b: *x",
                "c: *missing",
                "{",
                "]",
                ": :",
                "\t",
                "---",
                "...",
                "!!python/object:os.system",
                "key: 'unclosed",
                "? complex",
                "%YAML 1.2",
            ]
        ),
        st.text(max_size=40),
    ),
    max_size=8,
)
front_matter_docs = st.builds(
    lambda lines, closing, body: "---\n" + "\n".join(lines) + closing + body,
    yaml_lines,
    st.sampled_from(["\n---\n", "\n...\n", "\n", "---", ""]),
    st.text(max_size=200),
)


@fuzz
@given(front_matter_docs)
@example("---\n---\n")
@example("---\ntitle: !!python/object/apply:os.system ['echo owned']\n---\n# T\n\nx")
def test_front_matter_parses_or_refuses_with_a_reason(text: str) -> None:
    try:
        meta, body, offset = split_front_matter(text)
    except LoadError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert isinstance(meta, dict) and 0 <= offset <= len(text)
    assert text.endswith(body)


@fuzz
@given(
    st.one_of(front_matter_docs.map(str.encode), st.binary(max_size=600)),
    st.sampled_from(["f.md", "f.html", "f.txt", "f.pdf", "f.docx"]),
)
@example(b"---\n<![\n---\n", "f.html")  # found by this test: html.parser's rejection spanned lines
@example(b"\xa0", "f.txt")  # found by this test: a lone no-break space made an empty document
def test_every_loader_parses_or_refuses_any_bytes(data: bytes, name: str) -> None:
    try:
        doc = load_document(Path(name), data)
    except LoadError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert doc.sections and all(s.text.strip() for s in doc.sections)
    assert all(isinstance(v, str) and len(v) <= 500 for v in doc.metadata.values())


# -- citation markers in a model's answer ---------------------------------------------------
marker_text = st.lists(
    st.one_of(
        st.text(max_size=25),
        st.integers(-3, 12).map(lambda n: f"[{n}]"),
        st.lists(st.integers(0, 12), min_size=1, max_size=4).map(lambda ns: "[" + ", ".join(map(str, ns)) + "]"),
        st.sampled_from([". ", "\n", "\n- ", "1) ", "[", "]", "[1", "[]", "[1;2]", "[ 3 ]", "[99999999999999999999]"]),
    ),
    max_size=20,
).map("".join)


@fuzz
@given(marker_text, st.integers(0, 6))
@example("[0[0]]", 1)  # found by this test: removing the inner marker left an outer one
@example("A \x000\x00 b", 1)  # found by this test: NUL digits broke the sentence splitter
def test_citation_markers_are_parsed_into_valid_numbers(text: str, n_passages: int) -> None:
    parsed, removed = parse_citations(text, n_passages)
    assert removed >= 0
    for sentence, cites in parsed:
        assert all(1 <= c <= n_passages for c in cites) and len(cites) == len(set(cites))
        assert not _MARKER.search(sentence)  # no marker left in the text shown


# -- the batch JSONL of `hubqa ask --batch` --------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
batch_lines = st.lists(
    st.one_of(
        st.dictionaries(st.sampled_from(["id", "question", "other"]), json_values, max_size=3).map(json.dumps),
        st.builds(lambda i, q: json.dumps({"id": i, "question": q}), json_values, st.text(max_size=40)),
        json_values.map(json.dumps),
        st.text(max_size=30),
    ),
    max_size=6,
)


def _write(data: bytes) -> Path:
    handle = tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False)  # noqa: SIM115
    with handle:
        handle.write(data)
    return Path(handle.name)


@fuzz
@given(st.one_of(batch_lines.map(lambda ls: "\n".join(ls).encode()), st.binary(max_size=300)))
def test_batch_file_is_read_or_refused_with_its_line_number(data: bytes) -> None:
    path = _write(data)
    try:
        for reader in (read_jsonl, _read_batch):
            try:
                rows = reader(path)
            except HubqaError as e:
                assert str(path) in str(e) and "\n" not in str(e)
                continue
            assert all(isinstance(row, dict) for _, row in rows)
            if reader is _read_batch:
                assert all(isinstance(row["question"], str) and row["question"].strip() for _, row in rows)
    finally:
        path.unlink()


# -- names of uploaded files -----------------------------------------------------------------
upload_names = st.one_of(
    st.text(max_size=150),
    st.lists(
        st.sampled_from(
            [
                "..",
                ".",
                "/",
                "\\",
                "a",
                "É",
                "é",
                " ",
                "-",
                "_",
                ".PDF",
                ".md",
                "\x00",
                "con",
                "~",
                "\u202e",
                "ﬁ",
                "Ａ",
                "\n",
                ":",
                "*",
            ]
        ),
        max_size=25,
    ).map("".join),
    st.builds(
        lambda d, n, e: f"{d}/{n}.{e}",
        st.sampled_from(["..", "../..", "C:\\x", "/etc", ""]),
        st.text(max_size=20),
        st.sampled_from(["pdf", "MD", "Docx", "exe", ""]),
    ),
)


@fuzz
@given(upload_names)
@example("../../etc/passwd")
@example("..\\..\\boot.ini")
@example(".hidden.md")
@example("CON.txt")
@example("Fiche élève – sortie.PDF")
def test_upload_names_are_safe_and_stable(name: str) -> None:
    try:
        safe = safe_upload_name(name)
    except HubqaError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert safe and len(safe) <= 120
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert not safe.startswith(".") and not safe.startswith("..")
    assert safe_upload_name(safe) == safe  # idempotent
    suffix = Path(safe).suffix
    assert suffix == suffix.lower()
