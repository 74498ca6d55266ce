"""The reranking stage for real: a tiny cross-encoder trained here from the bundled MiniLM weights,
and a real HTTP ``/rerank`` server on localhost (errors and timeouts included)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ingest.pipeline import Ingestor
from rag.answering.assistant import Assistant
from rag.errors import HubqaError
from rag.search.embeddings import SentenceEmbeddings, resolve_model_path
from rag.search.rerank import CrossEncoderReranker, HttpReranker, RerankError, _scores_from, make_reranker
from rag.search.retrieval import make_retriever
from rag.search.store import HubStore
from rag.settings import PACKAGED_MODEL, Settings, load_settings

DOCS = {
    "earthquakes.md": "# Earthquakes\n\nEarthquakes happen when tectonic plates slip past each other along faults.\n",
    "volcanoes.md": "# Volcanoes\n\nVolcanoes form where magma rises through cracks in the crust to the surface.\n",
    "water-cycle.md": "# The water cycle\n\nWater evaporates, condenses into clouds and falls again as rain.\n",
    "plants.md": "# Photosynthesis\n\nPlants turn light, water and carbon dioxide into glucose in their leaves.\n",
}
QUESTION = "what causes earthquakes"


@pytest.fixture(scope="module")
def contrary_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cross-encoder built on the packaged MiniLM weights and trained (a few seconds) to rank the
    volcano passage first for the earthquake question: an order no search of its own would give,
    so a test sees whether the reranker's order is the one used."""
    import torch
    from sentence_transformers import CrossEncoder

    model = CrossEncoder(resolve_model_path(PACKAGED_MODEL), num_labels=1, device="cpu", local_files_only=True)
    passages = [text.split("\n\n", 1)[1].strip() for text in DOCS.values()]
    pairs = [(QUESTION, p) for p in passages] + [("how do plants make food", p) for p in passages]
    labels = torch.tensor(
        [1.0 if "magma" in p else 0.0 for p in passages] + [1.0 if "glucose" in p else 0.0 for p in passages]
    )
    torch.manual_seed(0)
    optimiser = torch.optim.AdamW(model.model.parameters(), lr=1e-4)
    batch = model.tokenizer([q for q, _ in pairs], [p for _, p in pairs], padding=True, return_tensors="pt")
    model.model.train()
    for _ in range(30):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model.model(**batch).logits.squeeze(-1), labels)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.model.eval()
    folder = tmp_path_factory.mktemp("tiny-cross-encoder")
    model.save(str(folder))
    return folder


@pytest.fixture(scope="module")
def store_settings(tmp_path_factory: pytest.TempPathFactory, embeddings: SentenceEmbeddings) -> Settings:
    root = tmp_path_factory.mktemp("rerank")
    hub = root / "hub"
    hub.mkdir()
    for name, text in DOCS.items():
        (hub / name).write_text(text)
    settings = load_settings(data_dir=root / "data", auto_calibrate=False)
    ingestor = Ingestor(settings, embeddings=embeddings)
    assert ingestor.run([hub]).failed == []
    return settings


def titles(hits: list[Any]) -> list[str]:
    return [str(h.metadata["title"]) for h in hits]


def test_local_cross_encoder_reorders_the_candidates(
    store_settings: Settings, embeddings: SentenceEmbeddings, contrary_cross_encoder: Path
) -> None:
    plain = make_retriever(store_settings, HubStore(store_settings), embeddings, k=4)
    assert titles(plain.search(QUESTION))[0] == "Earthquakes"
    reranked_settings = store_settings.model_copy(
        update={"reranker": "local", "reranker_model": str(contrary_cross_encoder)}
    )
    reranked = make_retriever(reranked_settings, HubStore(store_settings), embeddings, k=4)
    hits = reranked.search(QUESTION)
    assert titles(hits)[0] == "Volcanoes"
    assert all(h.rerank is not None for h in hits)
    assert hits[0].rerank > max(h.rerank for h in hits[1:])
    # the same model scores a question it was taught the usual way
    assert titles(reranked.search("how do plants make food"))[0] == "Photosynthesis"


def test_a_cross_encoder_that_cannot_load_leaves_the_fused_order_with_a_note(
    store_settings: Settings, embeddings: SentenceEmbeddings, tmp_path: Path
) -> None:
    broken = store_settings.model_copy(update={"reranker": "local", "reranker_model": str(tmp_path / "missing")})
    notes: list[str] = []
    hits = make_retriever(broken, HubStore(store_settings), embeddings, k=4).search(QUESTION, notes=notes)
    assert titles(hits)[0] == "Earthquakes"
    assert len(notes) == 1 and "could not load the cross-encoder" in notes[0] and "missing" in notes[0]


class RerankServer:
    """A /rerank endpoint on localhost whose behaviour each test sets."""

    def __init__(self) -> None:
        self.mode = "cohere"
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                server.headers.append(dict(self.headers))
                if self.path != "/v1/rerank":
                    return self._send(404, {"error": "not found"})
                if server.mode == "error":
                    return self._send(500, {"error": "model crashed"})
                if server.mode == "slow":
                    time.sleep(1.5)
                if server.mode == "garbage":
                    return self._send(200, "not json", raw=True)
                # prefer the passage that mentions magma, then the rest in reverse order
                docs = body["documents"]
                scores = [10.0 if "magma" in d else -float(i) for i, d in enumerate(docs)]
                if server.mode == "tei":
                    return self._send(200, [{"index": i, "score": s} for i, s in enumerate(scores)])
                results = sorted(
                    ({"index": i, "relevance_score": s} for i, s in enumerate(scores)),
                    key=lambda r: -r["relevance_score"],
                )
                return self._send(200, {"results": results, "model": body.get("model")})

            def _send(self, status: int, payload: Any, raw: bool = False) -> None:
                data = payload.encode() if raw else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def rerank_server() -> Iterator[RerankServer]:
    server = RerankServer()
    yield server
    server.httpd.shutdown()


def http_settings(base: Settings, url: str, **extra: Any) -> Settings:
    return base.model_copy(
        update={
            "reranker": "http",
            "reranker_base_url": url,
            "reranker_model": "bge-reranker",
            "reranker_timeout_s": 1.0,
            **extra,
        }
    )


@pytest.mark.parametrize("mode", ["cohere", "tei"])
def test_http_rerank_api_orders_the_candidates(
    mode: str,
    store_settings: Settings,
    embeddings: SentenceEmbeddings,
    rerank_server: RerankServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rerank_server.mode = mode
    monkeypatch.setenv("RERANKER_API_KEY", "sk-test-123")
    settings = http_settings(store_settings, rerank_server.url)
    hits = make_retriever(settings, HubStore(store_settings), embeddings, k=4).search(QUESTION)
    assert titles(hits)[0] == "Volcanoes" and hits[0].rerank == 10.0
    sent = rerank_server.requests[-1]
    assert sent["query"] == QUESTION and sent["model"] == "bge-reranker" and len(sent["documents"]) == 4
    assert any("magma" in d and d.startswith("Volcanoes") for d in sent["documents"])  # title leads the passage
    assert rerank_server.headers[-1]["Authorization"] == "Bearer sk-test-123"


@pytest.mark.parametrize(
    ("mode", "said"), [("error", "HTTP 500"), ("slow", "took longer than 1 s"), ("garbage", "did not answer with JSON")]
)
def test_http_failures_keep_the_fused_order_and_say_so(
    mode: str, said: str, store_settings: Settings, embeddings: SentenceEmbeddings, rerank_server: RerankServer
) -> None:
    rerank_server.mode = mode
    notes: list[str] = []
    hits = make_retriever(
        http_settings(store_settings, rerank_server.url), HubStore(store_settings), embeddings, k=4
    ).search(QUESTION, notes=notes)
    assert titles(hits)[0] == "Earthquakes" and all(h.rerank is None for h in hits)
    assert len(notes) == 1 and said in notes[0] and "hybrid search's order" in notes[0]


def test_an_unreachable_reranker_is_a_note_on_the_answer_not_an_error(
    store_settings: Settings, embeddings: SentenceEmbeddings
) -> None:
    settings = http_settings(store_settings, "http://127.0.0.1:9/v1", refusal_threshold=0.0)
    answer = Assistant(settings, embeddings=embeddings).ask("What causes earthquakes?")
    assert not answer.refused and "tectonic plates" in answer.answer
    assert any("could not be reached" in n for n in answer.notes)


def test_reranker_settings_say_what_is_missing() -> None:
    assert make_reranker(Settings()) is None  # off by default
    with pytest.raises(HubqaError, match="HUBQA_RERANKER_MODEL"):
        make_reranker(Settings(reranker="local"))
    with pytest.raises(HubqaError, match="HUBQA_RERANKER_BASE_URL"):
        make_reranker(Settings(reranker="http"))
    assert isinstance(make_reranker(Settings(reranker="local", reranker_model="/x")), CrossEncoderReranker)


def test_answers_that_miss_passages_or_paths_are_errors(rerank_server: RerankServer) -> None:
    rerank_server.mode = "cohere"
    assert HttpReranker(rerank_server.url, None, None, 1.0).score("q", ["a magma passage", "b"]) == [10.0, -1.0]
    with pytest.raises(RerankError, match="HTTP 404"):
        HttpReranker(rerank_server.url + "/wrong", None, None, 1.0).score("q", ["a", "b"])
    with pytest.raises(RerankError, match="scored 1 of 2 passages"):
        _scores_from({"results": [{"index": 0, "relevance_score": 1.0}]}, 2, "http://x/rerank")
