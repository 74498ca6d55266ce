"""`hubqa eval`: answers, retrieval, grounding, planted text, privacy and calibration."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from rag.errors import HubqaError
from ui.cli.common import (
    JsonOpt,
    StoreOpt,
    UrlOpt,
    _nothing,
    _print_json,
    _settings,
    echo,
    eval_app,
)


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
        Path | None,
        typer.Option(
            help="Folder for report.json, report.md, its PNG charts and ragas.jsonl [default: DATA_DIR/eval]."
        ),
    ] = None,
    corpus: Annotated[
        Path | None, typer.Option(help="The corpus the naive baseline indexes [default: the settings' corpus_dir].")
    ] = None,
    fail_under: Annotated[
        list[str] | None, typer.Option("--fail-under", help="Gate, e.g. retrieval.hit_at_5=0.7 (on the test split).")
    ] = None,
    llm: Annotated[
        str | None, typer.Option("--llm", help="Also answer with a language model: openai, ollama or gguf (as in ask).")
    ] = None,
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
    from rag.appdata.db import open_database
    from rag.search.store import HubStore

    if split not in ("dev", "test", "all"):
        raise HubqaError("--split must be dev, test or all.")
    gates = _parse_gates(fail_under or [])
    settings = _settings(store, chroma_url, **({"llm_backend": llm} if llm else {}))
    out = out or settings.data_dir / "eval"
    corpus = corpus or settings.corpus_dir
    report = evaluate(settings, set_path or HUB_SET, split, corpus if corpus.is_dir() else None, llm is not None)
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
    from rag.answering.grounding import LlmJudge, make_checker
    from rag.search.embeddings import SentenceEmbeddings

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
        from rag.guards.meaning import reader_for
        from rag.search.embeddings import SentenceEmbeddings

        settings = _settings()
        meaning = reader_for(settings.embedding_model, SentenceEmbeddings(settings).embed_documents)
        flagged, total, found = count_false_alarms(false_alarms, meaning)
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
    from rag.answering import calibration
    from rag.answering.assistant import Assistant

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
