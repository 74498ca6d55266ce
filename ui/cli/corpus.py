"""`hubqa ingest` and `hubqa docs`: index the hub, and list, add, tag, retire and remove documents."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from rag.errors import HubqaError
from ui.cli.common import (
    JsonOpt,
    StoreOpt,
    UrlOpt,
    _print_json,
    _settings,
    app,
    docs_app,
    echo,
)


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
        report = _reindex(ingestor, paths, quiet=as_json)
    else:
        report = _run_with_progress_bar(ingestor, paths)
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

        return _reindex(ingestor, paths, progress)


def _reindex(ingestor: Any, paths: list[Path], progress: Any = None, quiet: bool = False) -> Any:
    """The shared re-index job (``ingest.jobs.reindex``), with what it did said on stderr."""
    from ingest.jobs import reindex, will_calibrate

    if not quiet and will_calibrate(ingestor):
        echo("(a new store: after indexing, its answer-or-refuse gate is calibrated, about 30 s)", err=True)
    done = reindex(ingestor, paths, progress)
    if done.not_recorded:
        echo(f"warning: the index is up to date, but the ingest report was not saved: {done.not_recorded}", err=True)
    if done.calibration is not None and not quiet:
        refused = done.calibration.model.source.get("refused", {})
        echo(
            f"Calibrated in {done.calibration.seconds:.0f} s: the hub's own questions refused "
            f"{refused.get('hub', 0):.0%}, off-topic questions refused {refused.get('off', 0):.0%}.",
            err=True,
        )
    return done.report


@docs_app.command("list")
def docs_list(store: StoreOpt = None, chroma_url: UrlOpt = None, as_json: JsonOpt = False) -> None:
    """List the indexed documents: id, title, source, chunks, ingested at."""
    from rag.search.store import HubStore

    records = sorted(HubStore(_settings(store, chroma_url)).read_documents().values(), key=lambda r: r.doc_id)
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
    from rag.search.store import HubStore
    from rag.search.writes import writing

    with writing(HubStore(_settings(store, chroma_url))) as write:
        removed = write.remove(doc_id)
    if not removed:
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
    before, saved = ingestor.store.read_documents(), []
    for file in files:
        if not file.is_file():
            raise HubqaError(f"{file}: no such file.")
        target = save_upload(
            settings.uploads_path,
            file.name,
            file.read_bytes(),
            settings.max_file_mb,
            ingestor.store.read_documents(),
            replace,
        )
        saved.append(target)
        echo(f"saved {target}")
    folders = folders_to_reindex(settings.uploads_path, before, saved)
    report = _reindex(ingestor, folders)
    for upload, target, reason in quarantine_failed(saved, report.failed):
        echo(f"could not read {upload.name} ({reason}): moved to {target}, not in the hub", err=True)
    uploaded = {p.absolute() for p in saved}
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
    from rag.search.store import HubStore

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
    record = ingestor.store.read_documents().get(doc_id)
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
