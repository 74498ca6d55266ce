"""`hubqa ask`: one question, a conversation (--history) or a batch file."""

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
    echo,
)


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

    A batch line's history lists the earlier questions, or chat messages ({"role", "content"}).
    """
    from rag.answering.assistant import Assistant
    from rag.guards.limits import check_question

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
        questions = _earlier_questions(earlier) if isinstance(earlier, list) else None
        if questions is None:
            raise HubqaError(
                f'{path}, line {number}: "history" must be a list of earlier questions (strings), '
                'or of chat messages ({"role": "user", "content": "..."}).'
            )
        item["history"] = questions
    return items


def _earlier_questions(history: list[Any]) -> list[str] | None:
    """The teacher's earlier questions, oldest first, from plain strings or from chat messages in
    the usual role/content form (the assistant's turns are left out: each answer is re-derived);
    ``None`` when an entry is neither."""
    questions: list[str] = []
    for turn in history:
        if isinstance(turn, str):
            questions.append(turn)
        elif (
            isinstance(turn, dict)
            and isinstance(turn.get("content"), str)
            and turn.get("role") in ("user", "assistant")
        ):
            if turn["role"] == "user":
                questions.append(turn["content"])
        else:
            return None
    return questions
