"""`hubqa`: the front door for every job (ingest, ask, docs, config, ui)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from rag.errors import HubqaError
from rag.settings import Settings, config_file, load_settings

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

app = typer.Typer(
    help="Answer teachers' questions from a resource hub, with every answer cited.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
docs_app = typer.Typer(help="List and remove indexed documents.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")
eval_app = typer.Typer(help="Evaluate answers, grounding and refusals.", invoke_without_command=True)
app.add_typer(eval_app, name="eval")

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


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, default=str))


@app.command()
def config(as_json: JsonOpt = False) -> None:
    """Print the effective settings (flags > HUBQA_* environment > hubqa.toml > defaults)."""
    settings = _settings()
    data = settings.model_dump(mode="json")
    data["store_path"] = str(settings.store_path)
    if as_json:
        _print_json(data)
        return
    typer.echo(f"# from {config_file()} (if present), HUBQA_* variables and defaults")
    for key, value in data.items():
        typer.echo(f"{key} = {value!r}")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (folders are read recursively).")],
    store: StoreOpt = None,
    chroma_url: UrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Index documents (PDF, Markdown, HTML, text, DOCX); unchanged files cost nothing.

    \b
    Examples:
      hubqa ingest corpus/
      hubqa ingest guides/policy.pdf notes/ --store /srv/hubqa/store
    Exit code 0 when every file went in, 2 when some failed (listed).
    """
    from ingest.pipeline import Ingestor

    settings = _settings(store, chroma_url)
    ingestor = Ingestor(settings)
    show_bar = not as_json and sys.stderr.isatty()
    if show_bar:
        with typer.progressbar(length=1, label="Indexing", file=sys.stderr) as bar:

            def progress(done: int, total: int, _name: str) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            report = ingestor.run(paths, progress)
    else:
        report = ingestor.run(paths)
    if as_json:
        _print_json(report.to_dict())
    else:
        for failure in report.failed:
            typer.echo(f"skipped {failure.path}: {failure.error}", err=True)
        typer.echo(
            f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.removed} removed, {len(report.failed)} failed; "
            f"index: {report.documents} documents, {report.chunks} chunks ({report.seconds:.1f}s)"
        )
    if report.failed:
        raise typer.Exit(2)


def _parse_filters(items: list[str]) -> dict[str, str]:
    from rag.retrieval import FILTER_KEYS

    filters: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or key not in FILTER_KEYS or not value:
            msg = f"--filter {item!r}: use key=value with key one of {', '.join(FILTER_KEYS)}"
            raise HubqaError(msg)
        filters[key] = value
    return filters


def _print_answer(answer: dict[str, Any]) -> None:
    for note in answer["notes"]:
        typer.echo(f"Note: {note}", err=True)
    typer.echo(answer["answer"])
    if answer["citations"]:
        typer.echo("\nSources:")
    for c in answer["citations"]:
        page = f", p. {c['page']}" if c["page"] else ""
        section = f" > {c['section']}" if c["section"] else ""
        typer.echo(f"[{c['n']}] {c['title']}{section} ({c['source']}{page})")
    typer.echo(f"\nconfidence {answer['confidence']:.2f} · grounding {answer['grounding']:.0%} · {answer['mode']}", err=True)


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question, in your own words.", show_default=False)] = None,
    batch: Annotated[
        Path | None, typer.Option("--batch", help='JSONL file of {"id", "question"} lines; one answer per line out.')
    ] = None,
    store: StoreOpt = None,
    chroma_url: UrlOpt = None,
    k: Annotated[int | None, typer.Option("--k", help="How many passages to retrieve.", min=1)] = None,
    filters: Annotated[
        list[str] | None, typer.Option("--filter", help="key=value on grade_band, subject, topic, audience.")
    ] = None,
    llm: Annotated[
        str | None, typer.Option("--llm", help="Write the answer with a language model: openai, ollama or gguf.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask the hub; prints a cited answer, or says plainly that the hub doesn't cover it.

    \b
    Examples:
      hubqa ask "How do I handle suspected AI use in an essay?"
      hubqa ask "What can 3rd graders do with chatbots?" --filter grade_band=3-5 --json
      hubqa ask "Who approves new AI tools?" --llm gguf
      hubqa ask --batch questions.jsonl --json > answers.jsonl
    """
    from rag.assistant import Assistant

    if (question is None) == (batch is None):
        raise HubqaError("Give a QUESTION or --batch FILE (one of them).")
    extra: dict[str, Any] = {"top_k": k}
    if llm:
        extra["llm_backend"] = llm
    settings = _settings(store, chroma_url, **extra)
    assistant = Assistant(settings)
    use_llm = settings.llm_backend != "none"
    parsed_filters = _parse_filters(filters or [])
    if batch is not None:
        for n, item in _read_batch(batch):
            answer = assistant.ask(str(item["question"]), filters=parsed_filters, use_llm=use_llm, id=item.get("id", n))
            if as_json:
                _print_json(answer.to_dict())
            else:
                _print_answer(answer.to_dict())
                typer.echo("---")
        return
    assert question is not None
    if as_json or not use_llm:
        answer = assistant.ask(question, filters=parsed_filters, use_llm=use_llm)
        if as_json:
            _print_json(answer.to_dict())
        else:
            _print_answer(answer.to_dict())
        return
    final = None
    for event in assistant.stream(question, filters=parsed_filters, use_llm=True):
        if event.answer is not None:
            final = event.answer
        elif event.text:
            typer.echo(event.text, nl=False, err=True)
    typer.echo("", err=True)
    assert final is not None
    _print_answer(final.to_dict())


def _read_batch(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Read a batch file, refusing it whole (with the line number) if any line is malformed."""
    from rag.jsonl import read_jsonl

    items = read_jsonl(path)
    for number, item in items:
        if not isinstance(item.get("question"), str) or not item["question"].strip():
            raise HubqaError(f'{path}, line {number}: expected {{"id": ..., "question": "..."}}.')
    return items


@docs_app.command("list")
def docs_list(store: StoreOpt = None, chroma_url: UrlOpt = None, as_json: JsonOpt = False) -> None:
    """List the indexed documents: id, title, source, chunks, ingested at."""
    from rag.store import HubStore

    records = sorted(HubStore(_settings(store, chroma_url)).documents().values(), key=lambda r: r.doc_id)
    rows = [
        {
            "id": r.doc_id,
            "title": r.title,
            "source": r.source,
            "chunks": r.chunks,
            "ingested_at": r.ingested_at,
            **r.metadata,
        }
        for r in records
    ]
    if as_json:
        _print_json({"documents": rows})
        return
    for row in rows:
        typer.echo(f"{row['id']}\t{row['chunks']} chunks\t{row['ingested_at']}\t{row['title']}")
    typer.echo(f"{len(rows)} documents", err=True)


@docs_app.command("remove")
def docs_remove(
    doc_id: Annotated[str, typer.Argument(help="The document id, as `hubqa docs list` shows it.")],
    store: StoreOpt = None,
    chroma_url: UrlOpt = None,
) -> None:
    """Remove one document from the index (the file itself is left alone)."""
    from rag.store import HubStore

    if not HubStore(_settings(store, chroma_url)).remove_document(doc_id):
        msg = f"No document {doc_id!r} in the index; see `hubqa docs list`."
        raise HubqaError(msg)
    typer.echo(f"removed {doc_id}")


def _parse_gates(items: list[str]) -> dict[str, float]:
    gates = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            gates[key] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise HubqaError(f"--fail-under {item!r}: use METRIC=VALUE, e.g. retrieval.hit_at_5=0.7")
    return gates


@eval_app.callback()
def eval_main(
    ctx: typer.Context,
    set_path: Annotated[Path | None, typer.Option("--set", help="Evaluation set (JSONL).")] = None,
    split: Annotated[str, typer.Option(help="dev, test or all.")] = "all",
    out: Annotated[Path, typer.Option(help="Folder for report.json and report.md.")] = Path(".hubqa/eval"),
    corpus: Annotated[Path, typer.Option(help="The corpus the naive baseline indexes.")] = Path("corpus"),
    fail_under: Annotated[
        list[str] | None, typer.Option("--fail-under", help="Gate, e.g. retrieval.hit_at_5=0.7 (on the test split).")
    ] = None,
    llm: Annotated[bool, typer.Option("--llm", help="Use the configured language model.")] = False,
    store: StoreOpt = None,
    chroma_url: UrlOpt = None,
) -> None:
    """Run the evaluation set; write report.json and report.md; exit 1 when a gate fails.

    \b
    Examples:
      hubqa eval --split test --fail-under retrieval.hit_at_5=0.7
      hubqa eval grounding --pairs eval/sets/grounding-pairs.jsonl --out scores.jsonl
    """
    if ctx.invoked_subcommand is not None:
        return
    from eval.dataset import HUB_SET
    from eval.report import evaluate, failed_gates, write

    if split not in ("dev", "test", "all"):
        raise HubqaError("--split must be dev, test or all.")
    gates = _parse_gates(fail_under or [])
    report = evaluate(_settings(store, chroma_url), set_path or HUB_SET, split, corpus if corpus.is_dir() else None, llm)
    write(report, out)
    typer.echo((out / "report.md").read_text())
    problems = failed_gates(report, gates)
    for problem in problems:
        typer.echo(f"gate failed: {problem}", err=True)
    if problems:
        raise typer.Exit(1)


@eval_app.command("grounding")
def eval_grounding(
    pairs: Annotated[Path, typer.Option("--pairs", help='JSONL of {"id", "claim", "passage"} lines.')],
    out: Annotated[Path, typer.Option("--out", help='Where to write {"id", "score", "supported"} lines.')],
    split: Annotated[str, typer.Option(help="Only pairs of this split (dev/test), if they carry one.")] = "all",
) -> None:
    """Score claim/passage pairs with the grounding checker (accuracy by kind when labelled)."""
    from eval.dataset import read_jsonl
    from rag.embeddings import SentenceEmbeddings
    from rag.grounding import GroundingChecker

    rows = [r for r in read_jsonl(pairs) if split == "all" or r.get("split", split) == split]
    for number, row in enumerate(rows, start=1):
        if not isinstance(row.get("claim"), str) or not isinstance(row.get("passage"), str):
            raise HubqaError(f"{pairs}: entry {number} needs string fields claim and passage.")
    checker = GroundingChecker(embed=SentenceEmbeddings(_settings()).embed_documents)
    by_kind: dict[str, list[bool]] = {}
    with out.open("w", encoding="utf-8") as f:
        for row in rows:
            verdict = checker.check(row["claim"], row["passage"])
            f.write(json.dumps({"id": row.get("id"), "score": verdict.score, "supported": verdict.supported}) + "\n")
            if "supported" in row:
                by_kind.setdefault(str(row.get("kind", "all")), []).append(verdict.supported == row["supported"])
    if by_kind:
        total = [x for v in by_kind.values() for x in v]
        for kind, hits in sorted(by_kind.items()):
            typer.echo(f"{kind:24s} {sum(hits) / len(hits):.3f}  ({len(hits)} pairs)")
        typer.echo(f"{'all':24s} {sum(total) / len(total):.3f}  ({len(total)} pairs)")


@eval_app.command("retrieval")
def eval_retrieval(
    beir: Annotated[Path, typer.Option("--beir", help="BEIR folder: corpus.jsonl, queries.jsonl, qrels/test.tsv.")],
    out: Annotated[Path, typer.Option("--out", help="TREC run file to write.")],
    k: Annotated[int, typer.Option("--k", help="Passages per query in the run.", min=1)] = 100,
) -> None:
    """Index a BEIR corpus with the full pipeline, run its queries, write a TREC run, print metrics."""
    from eval.beir import run_beir

    _print_json(run_beir(_settings(), beir, out, k))


@eval_app.command("document")
def eval_document(
    document: Annotated[Path, typer.Argument(help="A document to ingest alone, e.g. a long real report.")],
    questions: Annotated[Path, typer.Option("--questions", help="JSONL with question, kind, locators.")],
) -> None:
    """Recall@5 (by locator phrases), refusals and latency on one document, against the naive pipeline."""
    from eval.external import evaluate_document

    if not document.is_file():
        raise HubqaError(f"{document}: no such file.")
    _print_json(evaluate_document(_settings(), document, questions))


@eval_app.command("calibrate")
def eval_calibrate(
    set_path: Annotated[Path | None, typer.Option("--set", help="Evaluation set (JSONL).")] = None,
    store: StoreOpt = None,
) -> None:
    """Find the refusal threshold with the best balanced accuracy on the dev split."""
    from eval.dataset import HUB_SET, load_questions
    from eval.runner import calibrate, run
    from rag.assistant import Assistant

    settings = _settings(store, refusal_threshold=0.0)
    records = run(Assistant(settings), load_questions(set_path or HUB_SET, "dev"))
    threshold, scores = calibrate(records)
    typer.echo(json.dumps({"refusal_threshold": threshold, **scores}))


@app.command()
def bench(
    corpus: Annotated[Path, typer.Option(help="Documents to ingest for the ingestion figures.")] = Path("corpus"),
    as_json: JsonOpt = False,
) -> None:
    """Measure ingestion throughput (against embedding alone), no-op re-ingest time and memory."""
    from ingest.bench import bench_ingest

    results = {"ingest": bench_ingest(corpus, _settings())}
    if as_json:
        _print_json(results)
        return
    for group, figures in results.items():
        for key, value in figures.items():
            typer.echo(f"{group}.{key} = {value}")


@app.command()
def ui(
    port: Annotated[int | None, typer.Option(help="Port (or STREAMLIT_SERVER_PORT).")] = None,
) -> None:
    """Start the chat app in Streamlit."""
    app_file = Path(__file__).with_name("app.py")
    if not app_file.exists():
        typer.echo("The chat app is not built yet; use `hubqa ask \"...\"` meanwhile.")
        return
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    # An explicit address also stops Streamlit looking up this machine's external IP online.
    env.setdefault("STREAMLIT_SERVER_ADDRESS", "localhost")
    # Headless: no first-run e-mail prompt blocking `make run`; the URL is printed instead.
    env.setdefault("STREAMLIT_SERVER_HEADLESS", "true")
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_file)]
    if port:
        cmd += ["--server.port", str(port)]
    raise typer.Exit(subprocess.call(cmd, env=env))


def main() -> None:
    """Console-script entry: user errors become one clean line (HUBQA_DEBUG=1 shows tracebacks)."""
    try:
        app()
    except HubqaError as e:
        if os.environ.get("HUBQA_DEBUG"):
            raise
        typer.echo(f"Error: {e}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
