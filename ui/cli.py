"""`hubqa`: the front door for every job (ingest, ask, docs, users, eval, bench, ui)."""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
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
    from ingest.pipeline import Ingestor, with_uploads

    settings = _settings(store, chroma_url)
    paths = with_uploads(paths, settings)
    ingestor = Ingestor(settings)
    if as_json or not sys.stderr.isatty():
        report = ingestor.run(paths)
    else:
        report = _run_with_progress_bar(ingestor, paths)
    _record_ingest(settings, paths, report.to_dict())
    _calibrate_after(ingestor, report, as_json)
    if as_json:
        _print_json(report.to_dict())
    else:
        for failure in report.failed:
            echo(f"skipped {failure.path}: {failure.error}", err=True)
        echo(
            f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.removed} removed, {len(report.failed)} failed; "
            f"index: {report.documents} documents, {report.chunks} chunks ({report.seconds:.1f}s)"
        )
    if report.failed:
        raise typer.Exit(2)


def _run_with_progress_bar(ingestor: Any, paths: list[Path]) -> Any:
    """Ingest with a rich progress bar on stderr (a terminal only: logs and --json stay clean)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("Indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[name]}", style="dim"),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("ingest", total=None, name="finding files…")

        def progress(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=max(total, 1), name=name)

        return ingestor.run(paths, progress)


def _calibrate_after(ingestor: Any, report: Any, quiet: bool) -> None:
    """A store's first ingestion calibrates its answer-or-refuse gate (``hubqa eval calibrate``)."""
    from ingest.pipeline import calibrate_if_needed
    from rag.calibration import calibration_path

    settings = ingestor.settings
    if not quiet and settings.auto_calibrate and report.documents and not calibration_path(settings).exists():
        echo("Calibrating when to answer and when to refuse for this hub (first ingestion only)…", err=True)
    result = calibrate_if_needed(ingestor, report)
    if result is not None and not quiet:
        refused = result.model.source.get("refused", {})
        echo(
            f"Calibrated in {result.seconds:.0f} s: the hub's own questions refused {refused.get('hub', 0):.0%}, "
            f"off-topic questions refused {refused.get('off', 0):.0%}.",
            err=True,
        )


def _record_ingest(settings: Settings, paths: list[Path], report: dict[str, Any]) -> None:
    """Keep the run (with its skipped files) for the coach workspace; the index is done either way."""
    from rag.db import open_database

    try:
        open_database(settings).record_ingest([str(p) for p in paths], report)
    except HubqaError as e:
        echo(f"warning: the index is up to date, but the ingest report was not saved: {e}", err=True)


def _parse_filters(items: list[str]) -> dict[str, str]:
    from rag.chunks import FILTER_FIELDS

    filters: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or key not in FILTER_FIELDS or not value:
            msg = f"--filter {item!r}: use key=value with key one of {', '.join(FILTER_FIELDS)}"
            raise HubqaError(msg)
        filters[key] = value
    return filters


def _print_answer(answer: dict[str, Any], shown: bool = False) -> None:
    """The answer, its notes and sources; ``shown`` when the answer's text was streamed already."""
    for note in answer["notes"]:
        echo(f"Note: {note}", err=True)
    if not shown:
        echo(answer["answer"])
    if answer["citations"]:
        echo("\nSources:")
    for c in answer["citations"]:
        page = f", p. {c['page']}" if c["page"] else ""
        section = f" > {c['section']}" if c["section"] else ""
        echo(f"[{c['n']}] {c['title']}{section} ({c['source']}{page})")
    if answer.get("standalone_question") and answer["standalone_question"] != answer["question"]:
        echo(f"Searched for: {answer['standalone_question']}", err=True)
    check = answer.get("check")
    status = "refused" if answer["refused"] else f"confidence {answer['confidence']:.2f}"
    echo(f"\n{status}" + (f" · {check}" if check else "") + f" · {answer['mode']}", err=True)


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
    history: Annotated[
        list[str] | None,
        typer.Option("--history", help="An earlier question of the conversation, oldest first (repeatable)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask the hub; prints a cited answer, or says plainly that the hub doesn't cover it.

    \b
    Examples:
      hubqa ask "How do I handle suspected AI use in an essay?"
      hubqa ask "What can 3rd graders do with chatbots?" --filter grade_band=3-5 --json
      hubqa ask "and for high school?" --history "How long are the AI lessons for 6th graders?"
      hubqa ask "Who approves new AI tools?" --llm gguf
      hubqa ask --batch questions.jsonl --json > answers.jsonl   # lines: {"id", "question", "history": [...]}
    """
    from rag.assistant import Assistant
    from rag.limits import check_question

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
            check_question(str(item["question"]))
            answer = assistant.ask(
                str(item["question"]),
                history=list(item.get("history", [])),
                filters=parsed_filters,
                use_llm=use_llm,
                id=item.get("id", n),
            )
            if as_json:
                _print_json(answer.to_dict())
            else:
                _print_answer(answer.to_dict())
                echo("---")
        return
    assert question is not None
    check_question(question)
    earlier = list(history or [])
    if as_json or not use_llm or not (sys.stdout.isatty() or sys.stderr.isatty()):
        answer = assistant.ask(question, history=earlier, filters=parsed_filters, use_llm=use_llm)
        if as_json:
            _print_json(answer.to_dict())
        else:
            _print_answer(answer.to_dict())
        return
    # Only checked sentences stream; on a terminal they are the answer itself, never printed twice.
    to_stdout = sys.stdout.isatty()
    final, streamed = None, ""
    for event in assistant.stream(question, history=earlier, filters=parsed_filters, use_llm=True):
        if event.answer is not None:
            final = event.answer
        elif event.text:
            streamed += event.text
            echo(event.text, nl=False, err=not to_stdout)
    echo("", err=not to_stdout)
    assert final is not None
    _print_answer(final.to_dict(), shown=to_stdout and " ".join(streamed.split()) == " ".join(final.answer.split()))


def _read_batch(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Read a batch file, refusing it whole (with the line number) if any line is malformed."""
    from rag.jsonl import read_jsonl

    items = read_jsonl(path)
    for number, item in items:
        if not isinstance(item.get("question"), str) or not item["question"].strip():
            raise HubqaError(f'{path}, line {number}: expected {{"id": ..., "question": "..."}}.')
        earlier = item.get("history", [])
        if not isinstance(earlier, list) or not all(isinstance(h, str) for h in earlier):
            raise HubqaError(f'{path}, line {number}: "history" must be a list of earlier questions (strings).')
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
        echo(f"{row['id']}\t{row['chunks']} chunks\t{row['ingested_at']}\t{row['title']}")
    echo(f"{len(rows)} documents", err=True)


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
    echo(f"removed {doc_id}")


@docs_app.command("add")
def docs_add(
    files: Annotated[list[Path], typer.Argument(help="Files to copy into the uploads folder and index.")],
    replace: Annotated[
        bool, typer.Option(help="Archive an existing file of the same name and index the new one.")
    ] = False,
    uploads: Annotated[
        Path | None, typer.Option(help="The uploads folder (HUBQA_UPLOADS_DIR; default DATA_DIR/uploads).")
    ] = None,
    store: StoreOpt = None,
    chroma_url: UrlOpt = None,
) -> None:
    """Add documents to the uploads folder (checked like the app's uploads), then index them.

    \b
    Examples:
      hubqa docs add ~/Downloads/new-policy.pdf
      hubqa docs add revised-guide.md --replace
    """
    from ingest.pipeline import Ingestor
    from ingest.uploads import folders_to_reindex, quarantine_failed, save_upload

    settings = _settings(store, chroma_url, uploads_dir=uploads)
    ingestor = Ingestor(settings)
    before, saved = ingestor.store.documents(), []
    for file in files:
        if not file.is_file():
            raise HubqaError(f"{file}: no such file.")
        target = save_upload(
            settings.uploads_path,
            file.name,
            file.read_bytes(),
            settings.max_file_mb,
            ingestor.store.documents(),
            replace,
        )
        saved.append(target)
        echo(f"saved {target}")
    folders = folders_to_reindex(settings.uploads_path, before, saved)
    report = ingestor.run(folders)
    _record_ingest(settings, folders, report.to_dict())
    for upload, target, reason in quarantine_failed(saved, report.failed):
        echo(f"could not read {upload.name} ({reason}): moved to {target}, not in the hub", err=True)
    uploaded = {p.absolute() for p in saved}
    _calibrate_after(ingestor, report, False)
    for failure in report.failed:
        if Path(failure.path).absolute() not in uploaded:
            echo(f"skipped {failure.path}: {failure.error}", err=True)
    echo(f"{report.added} added, {report.updated} updated; index: {report.documents} documents")


@docs_app.command("retire")
def docs_retire(
    doc_id: Annotated[str, typer.Argument(help="The document id, as `hubqa docs list` shows it.")],
    store: StoreOpt = None,
    chroma_url: UrlOpt = None,
) -> None:
    """Take a document out of the hub: out of the index, its file moved to .archive/ beside it."""
    from ingest.uploads import retire_document
    from rag.store import HubStore

    archived = retire_document(HubStore(_settings(store, chroma_url)), doc_id)
    echo(f"retired {doc_id}" + (f" (file kept as {archived})" if archived else ""))


@docs_app.command("tag")
def docs_tag(
    doc_id: Annotated[str, typer.Argument(help="The document id, as `hubqa docs list` shows it.")],
    values: Annotated[
        list[str],
        typer.Argument(
            help="FIELD=VALUE pairs (grade_band, subject, topic, audience) from the tag vocabulary; FIELD= clears."
        ),
    ],
    store: StoreOpt = None,
    chroma_url: UrlOpt = None,
) -> None:
    """Set a document's tags (kept in .hubqa-tags.yaml beside it) and re-index it.

    \b
    Example:
      hubqa docs tag corpus/math-guide-ai-in-mathematics.md grade_band=6-8 topic="subject guide"
    """
    from ingest.pipeline import Ingestor, reindex_paths
    from ingest.tags import set_tags, tags_for
    from rag.vocabulary import vocabulary

    settings = _settings(store, chroma_url)
    ingestor = Ingestor(settings)
    record = ingestor.store.documents().get(doc_id)
    if record is None:
        raise HubqaError(f"No document {doc_id!r} in the index; see `hubqa docs list`.")
    path = Path(record.source)
    changes = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep:
            raise HubqaError(f"{item!r}: use FIELD=VALUE, e.g. grade_band=6-8.")
        changes[key.strip()] = value
    tags = set_tags(path, {**tags_for(path), **changes}, vocabulary(settings.extra_tag_values))
    ingestor.run(reindex_paths(record))
    echo(f"{doc_id}: " + (", ".join(f"{k}={v}" for k, v in tags.items()) or "no tags"))


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Account name (or the e-mail an OIDC sign-in reports).")],
    role: Annotated[str, typer.Option(help="teacher, coach or maintainer.")] = "coach",
    oidc: Annotated[bool, typer.Option("--oidc", help="No password: this person signs in through OIDC.")] = False,
    replace: Annotated[bool, typer.Option(help="Reset the role and password of an existing account.")] = False,
    password_env: Annotated[
        str | None, typer.Option(help="Read the password from this environment variable (for scripts).")
    ] = None,
) -> None:
    """Create an account; the password is asked for (twice) and stored as an argon2 hash.

    \b
    Examples:
      hubqa users add maria --role coach
      hubqa users add lead@district.org --role maintainer --oidc
    """
    from rag.accounts import add_user, check_role
    from rag.db import open_database

    check_role(role)
    password: str | None = None
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise HubqaError(f"The environment variable {password_env} is empty or not set.")
    elif not oidc:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    account = add_user(open_database(_settings()), name, role, password, replace)
    echo(f"{'updated' if replace else 'added'} {account.name} ({account.role})")


@users_app.command("list")
def users_list(as_json: JsonOpt = False) -> None:
    """List accounts and their roles."""
    from rag.accounts import is_locked, list_users
    from rag.db import open_database

    db = open_database(_settings())
    accounts = [(a, is_locked(db, a.name)) for a in list_users(db)]
    if as_json:
        _print_json({"users": [{"name": a.name, "role": a.role, "locked": locked} for a, locked in accounts]})
        return
    for a, locked in accounts:
        echo(f"{a.name}\t{a.role}" + ("\tlocked (hubqa users unlock)" if locked else ""))


@users_app.command("unlock")
def users_unlock(name: Annotated[str, typer.Argument(help="Account name.")]) -> None:
    """Lift the lockout (and any wait) after too many failed sign-ins."""
    from rag.accounts import unlock
    from rag.db import open_database

    if not unlock(open_database(_settings()), name):
        raise HubqaError(f"No account {name!r}; see `hubqa users list`.")
    echo(f"unlocked {name}")


@users_app.command("remove")
def users_remove(name: Annotated[str, typer.Argument(help="Account name.")]) -> None:
    """Delete an account."""
    from rag.accounts import remove_user
    from rag.db import open_database

    if not remove_user(open_database(_settings()), name):
        raise HubqaError(f"No account {name!r}; see `hubqa users list`.")
    echo(f"removed {name}")


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
    out: Annotated[
        Path, typer.Option(help="Folder for report.json, report.md, its PNG charts and ragas.jsonl.")
    ] = Path(".hubqa/eval"),
    corpus: Annotated[Path, typer.Option(help="The corpus the naive baseline indexes.")] = Path("corpus"),
    fail_under: Annotated[
        list[str] | None, typer.Option("--fail-under", help="Gate, e.g. retrieval.hit_at_5=0.7 (on the test split).")
    ] = None,
    llm: Annotated[bool, typer.Option("--llm", help="Use the configured language model.")] = False,
    store: StoreOpt = None,
    chroma_url: UrlOpt = None,
) -> None:
    """Run the evaluation set; write the report, charts and a RAGAS dataset; exit 1 when a gate fails.

    \b
    Examples:
      hubqa eval --split test --fail-under retrieval.hit_at_5=0.7
      hubqa eval grounding --pairs eval/sets/grounding-pairs.jsonl --out scores.jsonl
    """
    if ctx.invoked_subcommand is not None:
        return
    from eval.dataset import HUB_SET
    from eval.report import evaluate, failed_gates, headline, write
    from rag.db import open_database
    from rag.store import HubStore

    if split not in ("dev", "test", "all"):
        raise HubqaError("--split must be dev, test or all.")
    gates = _parse_gates(fail_under or [])
    settings = _settings(store, chroma_url)
    report = evaluate(settings, set_path or HUB_SET, split, corpus if corpus.is_dir() else None, llm)
    write(report, out, HubStore(settings))
    echo((out / "report.md").read_text())
    problems = failed_gates(report, gates)
    open_database(settings).record_eval_run(
        report, headline(report), split, str(set_path or HUB_SET), passed=not problems if gates else None
    )
    for problem in problems:
        echo(f"gate failed: {problem}", err=True)
    if problems:
        raise typer.Exit(1)


@eval_app.command("grounding")
def eval_grounding(
    pairs: Annotated[Path, typer.Option("--pairs", help='JSONL of {"id", "claim", "passage"} lines.')],
    out: Annotated[Path, typer.Option("--out", help='Where to write {"id", "score", "supported"} lines.')],
    split: Annotated[str, typer.Option(help="Only pairs of this split (dev/test), if they carry one.")] = "all",
    judge: Annotated[
        str | None, typer.Option("--judge", help="rules, or llm: the configured language model (grounding_judge).")
    ] = None,
    llm: Annotated[str | None, typer.Option("--llm", help="The judge's model backend: openai, ollama or gguf.")] = None,
) -> None:
    """Score claim/passage pairs with the grounding checker (accuracy by kind when labelled).

    \b
    Examples:
      hubqa eval grounding --pairs eval/sets/grounding-pairs.jsonl --out scores.jsonl --split test
      hubqa eval grounding --pairs eval/sets/grounding-pairs.jsonl --out scores.jsonl --judge llm --llm gguf
    """
    from eval.pairs import load_pairs, score_pairs
    from rag.embeddings import SentenceEmbeddings
    from rag.grounding import LlmJudge, make_checker

    if judge not in (None, "rules", "llm"):
        raise HubqaError("--judge must be rules or llm.")
    settings = _settings(grounding_judge=judge, llm_backend=llm)
    rows = load_pairs(pairs, split)
    checker = make_checker(settings, SentenceEmbeddings(settings).embed_documents)
    scores, by_kind = score_pairs(rows, checker)
    with out.open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(s) + "\n" for s in scores)
    for kind, (accuracy, n) in by_kind.items():
        echo(f"{kind:24s} {accuracy:.3f}  ({n} pairs)")
    if isinstance(checker, LlmJudge) and checker.fallbacks:
        echo(
            f"Note: the language model failed on {checker.fallbacks} of {len(rows)} pairs "
            f"(last: {checker.problem}); the rule checker decided those.",
            err=True,
        )


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


@eval_app.command("planted")
def eval_planted(
    folder: Annotated[
        Path | None,
        typer.Argument(
            help="Planted documents (default: eval/sets/planted.jsonl, each written into a small document)."
        ),
    ] = None,
    with_corpus: Annotated[Path | None, typer.Option("--with-corpus", help="Index this corpus beside them.")] = None,
    llm: Annotated[str | None, typer.Option("--llm", help="Also ask a language model: openai, ollama or gguf.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write every question and answer here (JSON).")] = None,
    false_alarms: Annotated[
        list[Path] | None,
        typer.Option("--false-alarms", help="Only count the sentences flagged in these honest documents or folders."),
    ] = None,
) -> None:
    """Index planted documents in a temporary store, ask about each, and count answers quoting them.

    A `planted.txt` in FOLDER ("FILE: sentence" lines) names the planted sentences; without it
    the answers are written to --out for reading.

    \b
    Examples:
      hubqa eval planted
      hubqa eval planted ~/planted-docs --with-corpus corpus/ --out planted.json
      hubqa eval planted ~/planted-docs --llm gguf
      hubqa eval planted --false-alarms corpus/ --false-alarms ../shared/external/
    """
    import tempfile

    from eval.planted import count_false_alarms, load_planted, measure, write_documents

    if false_alarms:
        flagged, total, found = count_false_alarms(false_alarms)
        _print_json(
            {
                "flagged": flagged,
                "units": total,
                "rate": round(flagged / max(total, 1), 5),
                "sentences": [{"file": f, "reason": r, "text": t} for f, r, t in found],
            }
        )
        return

    settings = _settings(llm_backend=llm)

    def log(message: str) -> None:
        echo(f"planted: {message}", err=True)

    with tempfile.TemporaryDirectory(prefix="hubqa-planted-docs-") as tmp:
        planted = None
        if folder is None:
            folder = Path(tmp)
            planted = write_documents(load_planted(), folder)
        elif not folder.is_dir():
            raise HubqaError(f"{folder}: not a folder of documents.")
        result = measure(
            settings, folder, planted, use_llm=llm is not None, extra=[with_corpus] if with_corpus else None, log=log
        )
    if out:
        out.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    _print_json({k: v for k, v in result.items() if k != "details"})


@eval_app.command("privacy")
def eval_privacy(
    set_path: Annotated[
        Path | None, typer.Option("--set", help="Labelled privacy set (JSONL, docs/evaluation.md).")
    ] = None,
    split: Annotated[str, typer.Option(help="dev, test or all (a set without splits is scored whole).")] = "all",
    recogniser: Annotated[
        str, typer.Option(help="guard (the designed recogniser) or spacy (NER, the `ner` extra).")
    ] = "guard",
    as_json: JsonOpt = False,
    build_lexicon: Annotated[
        list[Path] | None,
        typer.Option("--build-lexicon", help="Rebuild the hub lexicon (allow-list) from these documents first."),
    ] = None,
) -> None:
    """Recall (personal data removed) and precision (harmless words kept) for names and health details.

    \b
    Examples:
      hubqa eval privacy --split test
      hubqa eval privacy --set fresh-50.jsonl
      hubqa eval privacy --split test --recogniser spacy
      hubqa eval privacy --build-lexicon corpus/
    """
    from eval.privacy import PRIVACY_SET, evaluate, recogniser_named, table

    if split not in ("dev", "test", "all"):
        raise HubqaError("--split must be dev, test or all.")
    if build_lexicon:
        from ingest.loaders import is_supported, load_document
        from rag.privacy.hub_lexicon import write as write_lexicon

        files = [
            f
            for p in build_lexicon
            for f in (sorted(p.rglob("*")) if p.is_dir() else [p])
            if f.is_file() and is_supported(f)
        ]
        texts = []
        for f in files:
            try:
                texts.append("\n\n".join(s.text for s in load_document(f, f.read_bytes()).sections))
            except Exception as e:  # a damaged file: say so and go on
                echo(f"skipped {f}: {e}", err=True)
        data = write_lexicon(texts)
        echo(
            f"hub lexicon: {len(data['common'])} common words, {len(data['proper'])} names of things, "
            f"{len(data['public'])} public people (from {len(texts)} documents)",
            err=True,
        )
    report = evaluate(set_path or PRIVACY_SET, split, recogniser_named(recogniser))
    if as_json:
        _print_json(report)
    else:
        echo(table(report))


@eval_app.command("calibrate")
def eval_calibrate(
    store: StoreOpt = None,
    chroma_url: UrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Calibrate the answer-or-refuse decision for this store, with no hand-written questions.

    Questions made from the hub itself (its FAQ questions, headings and sentences, typed the way
    teachers type) are set against bundled off-topic questions and the hub's topics asked about
    named things it never mentions. Runs by itself after a store's first ingestion; run it again
    after large changes to the hub.

    \b
    Examples:
      hubqa eval calibrate
      hubqa eval calibrate --store /srv/hubqa/store --json
    """
    from rag import calibration
    from rag.assistant import Assistant

    settings = _settings(store, chroma_url)
    show = not as_json and sys.stderr.isatty()
    with typer.progressbar(length=1, label="Calibrating", file=sys.stderr) if show else _nothing() as bar:

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar.length = total
                bar.update(done - bar.pos)

        result = calibration.calibrate(Assistant(settings), progress)
    path = calibration.save(settings, result.model)
    summary = {
        "saved": str(path),
        "seconds": round(result.seconds, 1),
        "threshold": result.model.threshold,
        "weights": result.model.weights,
        "bias": result.model.bias,
        **result.model.source,
    }
    if as_json:
        _print_json(summary)
        return
    source = result.model.source
    refused = source.get("refused", {})
    echo(f"Calibrated on {source.get('questions')} questions in {result.seconds:.0f} s; saved to {path}.")
    echo(
        f"At threshold {result.model.threshold:.2f}: the hub's own questions refused {refused.get('hub', 0):.0%}, "
        f"off-topic refused {refused.get('off', 0):.0%}, named things it never mentions refused "
        f"{refused.get('named', 0):.0%}."
    )


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
    server = Path(__file__).with_name("server.py")
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


def main() -> None:
    """Console-script entry: user errors become one clean line (HUBQA_DEBUG=1 shows tracebacks)."""
    # Everything hubqa writes (database, store, index, uploads, and the app `hubqa ui` starts) is
    # readable by its own user only: files 0600, folders 0700.
    os.umask(0o077)
    try:
        app()
    except HubqaError as e:
        if os.environ.get("HUBQA_DEBUG"):
            raise
        echo(f"Error: {e}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as e:  # a bug: still one line for the user, the traceback on request
        if os.environ.get("HUBQA_DEBUG"):
            raise
        echo(
            f"Error: unexpected {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''} "
            "(a bug in hubqa: run again with HUBQA_DEBUG=1 and report what it prints).",
            err=True,
        )
        sys.exit(70)


if __name__ == "__main__":
    main()
