"""`hubqa config`, `hubqa bench` and `hubqa ui`: settings, benchmarks and the app's server."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from rag.settings import config_file
from ui.cli.common import (
    JsonOpt,
    _print_json,
    _settings,
    app,
    echo,
)


@app.command()
def config(as_json: JsonOpt = False) -> None:
    """Print the effective settings (flags > HUBQA_* environment > hubqa.toml > defaults)."""
    data = _settings().public_dump()  # passwords and keys in URLs masked
    if as_json:
        _print_json(data)
        return
    echo(f"# from {config_file()} (if present), HUBQA_* variables and defaults")
    for key, value in data.items():
        echo(f"{key} = {value!r}")


@app.command()
def bench(
    corpus: Annotated[Path, typer.Option(help="Documents to ingest and to build the scaled stores from.")] = Path(
        "corpus"
    ),
    only: Annotated[
        str, typer.Option("--only", help="Parts to run, comma-separated: ingest,query,concurrency,memory,llm.")
    ] = "ingest,query,concurrency,memory,llm",
    sizes: Annotated[
        str, typer.Option("--sizes", help="Store sizes in chunks for query latency; memory uses the largest.")
    ] = "1k,10k,100k",
    concurrency_size: Annotated[
        str, typer.Option("--concurrency-size", help="Store size for concurrent askers.")
    ] = "10k",
    questions: Annotated[int, typer.Option("--questions", help="Questions per measurement.", min=5)] = 239,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic documents and questions.")] = 7,
    as_json: JsonOpt = False,
) -> None:
    """Measure ingestion, query latency at scale, concurrent askers, memory and the local LLM.

    Scaled stores (the corpus plus synthetic documents) are built on first use and cached
    under DATA_DIR/bench/; the first 100k run takes a while.

    \b
    Examples:
      hubqa bench --json > bench.json
      hubqa bench --only query,concurrency --sizes 1k,10k
    """
    from eval.bench.run import flatten, run_bench
    from eval.bench.scaled import parse_size

    def log(message: str) -> None:
        echo(f"bench: {message}", err=True)

    results = run_bench(
        _settings(),
        corpus,
        [p.strip() for p in only.split(",") if p.strip()],
        [parse_size(s) for s in sizes.split(",")],
        parse_size(concurrency_size),
        questions,
        seed,
        log,
    )
    if as_json:
        _print_json(results)
        return
    for key, value in flatten(results):
        echo(f"{key} = {value}")


@app.command()
def ui(
    port: Annotated[int | None, typer.Option(help="Port (or STREAMLIT_SERVER_PORT).")] = None,
) -> None:
    """Start the chat app in Streamlit (this process becomes the server: Ctrl-C or SIGTERM stops it)."""
    server = Path(__file__).parent.parent / "server.py"
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    # An explicit address also stops Streamlit looking up this machine's external IP online.
    env.setdefault("STREAMLIT_SERVER_ADDRESS", "localhost")
    # Headless: no first-run e-mail prompt blocking `make run`; the URL is printed instead.
    env.setdefault("STREAMLIT_SERVER_HEADLESS", "true")
    # Teachers get no "Deploy" button or developer menu.
    env.setdefault("STREAMLIT_CLIENT_TOOLBAR_MODE", "minimal")
    # An unexpected error shows its type in the page; the traceback goes to the server log only.
    env.setdefault("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", "type")
    # The upload widget's limit matches the hub's own file limit.
    env.setdefault("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", str(max(1, math.ceil(_settings().max_file_mb))))
    cmd = [sys.executable, "-m", "streamlit", "run", str(server)]
    if port:
        cmd += ["--server.port", str(port)]
    sys.stdout.flush()
    sys.stderr.flush()
    # Replace this process with the server, so a supervisor's SIGTERM (or Ctrl-C) reaches it
    # directly and nothing is left running when `hubqa ui` is stopped.
    os.execvpe(cmd[0], cmd, env)
