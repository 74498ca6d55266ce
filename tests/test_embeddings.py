"""The packaged model loads offline and its weights are verified."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.errors import HubqaError
from rag.search.embeddings import SentenceEmbeddings, load_sentence_transformer, resolve_model_path, weights_sha256
from rag.settings import PACKAGED_MODEL, PACKAGED_MODEL_SHA256, load_settings


def test_packaged_weights_match_pinned_hash() -> None:
    assert weights_sha256(Path(resolve_model_path(PACKAGED_MODEL))) == PACKAGED_MODEL_SHA256


def test_embeddings_are_normalised_and_semantic(embeddings: SentenceEmbeddings) -> None:
    a, b, c = embeddings.embed_documents(
        ["How do I cite AI use?", "Students disclose which AI tool they used.", "Recess moves indoors in cold weather."]
    )
    assert len(a) == 384 and abs(sum(x * x for x in a) - 1) < 1e-4
    dot = lambda u, v: sum(x * y for x, y in zip(u, v, strict=True))  # noqa: E731
    assert dot(a, b) > dot(a, c) + 0.1


def test_tampered_weights_are_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(resolve_model_path(PACKAGED_MODEL), copy)
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    settings = load_settings(embedding_model=str(copy), embedding_sha256=PACKAGED_MODEL_SHA256)
    with pytest.raises(HubqaError, match="do not match the expected SHA-256"):
        load_sentence_transformer(settings)


def test_other_local_model_is_configurable(tmp_path: Path) -> None:
    copy = tmp_path / "my-model"
    shutil.copytree(resolve_model_path(PACKAGED_MODEL), copy)
    emb = SentenceEmbeddings(load_settings(embedding_model=str(copy)))
    assert len(emb.embed_query("hello")) == 384
