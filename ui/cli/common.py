"""What every command shares: the Typer apps, common options, settings and safe printing."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from rag.errors import HubqaError
from rag.settings import Settings, config_file, load_settings
from ui.safe import terminal

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

app = typer.Typer(
    help="Answer teachers' questions from a resource hub, with every answer cited.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
docs_app = typer.Typer(help="List, add, tag, retire and remove documents.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")
eval_app = typer.Typer(help="Evaluate answers, grounding and refusals.", invoke_without_command=True)
app.add_typer(eval_app, name="eval")
users_app = typer.Typer(help="Accounts for the app's sign-in (coaches, maintainers).", no_args_is_help=True)
app.add_typer(users_app, name="users")

StoreOpt = Annotated[Path | None, typer.Option("--store", help="Chroma folder (HUBQA_STORE_DIR).", show_default=False)]
UrlOpt = Annotated[
    str | None, typer.Option("--chroma-url", help="Chroma server URL (HUBQA_CHROMA_URL).", show_default=False)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


def _settings(store: Path | None = None, chroma_url: str | None = None, **extra: Any) -> Settings:
    try:
        return load_settings(store_dir=store, chroma_url=chroma_url, **extra)
    except Exception as e:  # pydantic's ValidationError, a broken hubqa.toml
        msg = f"Invalid settings (flags, HUBQA_* variables or {config_file()}): {e}"
        raise HubqaError(msg) from e


def echo(message: object = "", err: bool = False, nl: bool = True) -> None:
    """Print without the terminal escapes or control characters a document may carry."""
    typer.echo(terminal(str(message)), err=err, nl=nl)


@contextlib.contextmanager
def _nothing() -> Iterator[None]:
    yield None


def _print_json(data: Any) -> None:
    echo(json.dumps(data, ensure_ascii=False, default=str))
