"""An optional reranking stage: a cross-encoder reads the question beside each top candidate.

Two kinds, as the peers offer: a local sentence-transformers ``CrossEncoder`` (a folder or a
cached model name, loaded offline) and the ``/rerank`` HTTP API that vLLM, Hugging Face TEI,
Infinity, Jina and Cohere serve. Off by default: no reranker model ships offline. A reranker
that fails or overruns its time budget leaves the fused order in place, with a note saying so.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Protocol

from rag.errors import HubqaError
from rag.records import Hit
from rag.settings import Settings, mask_url

#: Characters of each candidate sent to the reranker (cross-encoders read ~512 tokens at most).
MAX_CHARS = 2000


class RerankError(Exception):
    """The reranker could not score the candidates (the caller keeps the fused order)."""


class Reranker(Protocol):
    """Scores passages against a question; higher is more relevant."""

    name: str

    def score(self, query: str, texts: Sequence[str]) -> list[float]: ...


class CrossEncoderReranker:
    """A local sentence-transformers cross-encoder, by folder or by a name already in the cache."""

    def __init__(self, model: str, max_length: int = 512) -> None:
        self.name = model
        self._max_length = max_length
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never fetch at run time
                from sentence_transformers import CrossEncoder

                try:
                    self._model = CrossEncoder(
                        self.name, device="cpu", max_length=self._max_length, local_files_only=True
                    )
                except (OSError, ValueError) as e:
                    raise RerankError(f"could not load the cross-encoder {self.name!r}: {e}") from e
            return self._model

    def score(self, query: str, texts: Sequence[str]) -> list[float]:
        model = self._load()
        scores = model.predict([(query, t[:MAX_CHARS]) for t in texts], show_progress_bar=False, convert_to_numpy=True)
        return [float(s) for s in scores]


class HttpReranker:
    """The ``POST {base_url}/rerank`` API: ``{"model", "query", "documents"}`` in (``texts`` too, for
    TEI); out ``{"results": [{"index", "relevance_score"}]}`` (Cohere, Jina, vLLM, Infinity) or
    ``[{"index", "score"}]`` (TEI)."""

    def __init__(self, base_url: str, model: str | None, api_key: str | None, timeout_s: float) -> None:
        self.url = base_url.rstrip("/") + "/rerank"
        self.name = model or mask_url(self.url)
        self._model = model
        self._key = api_key
        self._timeout = timeout_s

    def score(self, query: str, texts: Sequence[str]) -> list[float]:
        documents = [t[:MAX_CHARS] for t in texts]
        body: dict[str, Any] = {
            "query": query,
            "documents": documents,
            "texts": documents,
            "top_n": len(documents),
            "return_documents": False,
        }
        if self._model:
            body["model"] = self._model
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        request = urllib.request.Request(self.url, data=json.dumps(body).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                payload = json.loads(response.read())
        except urllib.error.HTTPError as e:
            raise RerankError(f"{mask_url(self.url)} answered HTTP {e.code}") from e
        except (urllib.error.URLError, TimeoutError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise RerankError(f"{mask_url(self.url)} could not be reached ({reason})") from e
        except ValueError as e:
            raise RerankError(f"{mask_url(self.url)} did not answer with JSON") from e
        return _scores_from(payload, len(documents), self.url)


def _scores_from(payload: Any, n: int, url: str) -> list[float]:
    rows = payload.get("results", payload.get("data")) if isinstance(payload, dict) else payload
    if not isinstance(rows, list):
        raise RerankError(f"{mask_url(url)} answered without a list of results")
    scores: list[float | None] = [None] * n
    for row in rows:
        try:
            index = int(row["index"])
            value = float(row.get("relevance_score", row.get("score")))
        except (KeyError, TypeError, ValueError) as e:
            raise RerankError(f"{mask_url(url)} answered a result without index and score: {row!r:.80}") from e
        if 0 <= index < n:
            scores[index] = value
    if any(s is None for s in scores):
        raise RerankError(f"{mask_url(url)} scored {sum(s is not None for s in scores)} of {n} passages")
    return [float(s) for s in scores if s is not None]


def make_reranker(settings: Settings) -> Reranker | None:
    """The configured reranker, or None when reranking is off (the default)."""
    if settings.reranker == "none":
        return None
    if settings.reranker == "local":
        if not settings.reranker_model:
            raise HubqaError(
                "HUBQA_RERANKER=local needs HUBQA_RERANKER_MODEL: a cross-encoder folder "
                "(or the name of one already in the Hugging Face cache)."
            )
        return CrossEncoderReranker(settings.reranker_model)
    if not settings.reranker_base_url:
        raise HubqaError(
            "HUBQA_RERANKER=http needs HUBQA_RERANKER_BASE_URL, e.g. http://localhost:8080 "
            "(the server's /rerank endpoint)."
        )
    key = os.environ.get(settings.reranker_api_key_env) or None
    return HttpReranker(settings.reranker_base_url, settings.reranker_model, key, settings.reranker_timeout_s)


def passage_text(hit: Hit) -> str:
    """What the reranker reads: the chunk under its document title and section (a chunk alone
    often lacks the words that say what it is about)."""
    meta = hit.metadata
    heading = " > ".join(str(v) for v in (meta.get("title"), meta.get("section")) if v)
    return f"{heading}\n{hit.text}" if heading else hit.text


_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="hubqa-rerank")


def rerank(
    reranker: Reranker, query: str, hits: list[Hit], top_n: int, budget_s: float, notes: list[str] | None = None
) -> list[Hit]:
    """``hits`` with the first ``top_n`` reordered by the reranker (the rest follow unchanged).
    A failure or a run past ``budget_s`` keeps the fused order and adds a note."""
    head, tail = hits[:top_n], hits[top_n:]
    if len(head) < 2:
        return hits
    future = _pool.submit(reranker.score, query, [passage_text(h) for h in head])
    try:
        scores = future.result(timeout=budget_s)
    except FutureTimeout:
        problem = f"took longer than {budget_s:g} s"
    except RerankError as e:
        problem = str(e)
    except Exception as e:
        problem = f"{type(e).__name__}: {e}"
    else:
        for hit, value in zip(head, scores, strict=True):
            hit.rerank = value
        return sorted(head, key=lambda h: -float(h.rerank or 0.0)) + tail
    if notes is not None:
        notes.append(f"The reranker ({reranker.name}) {problem}; the passages are in the hybrid search's order.")
    return hits
