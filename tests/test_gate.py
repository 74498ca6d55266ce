"""Answer or refuse: from the evidence for each question, robust to how teachers type, and
calibrated for any hub from the hub itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rag.answering import calibration
from rag.answering.assistant import Assistant
from rag.answering.facts import unmet
from rag.answering.gate import missing_words
from rag.settings import Settings, load_settings
from tests.conftest import REPO, SHARED


@pytest.fixture(scope="module")
def assistant(corpus_settings: Settings) -> Assistant:
    return Assistant(corpus_settings)


def test_the_corpus_store_is_calibrated_for_itself(assistant: Assistant) -> None:
    source = assistant.gate.source
    assert source["calibrated_on"] == "store"
    assert source["refused"]["hub"] <= 0.05 and source["refused"]["off"] >= 0.7, source
    assert 0 < assistant.threshold < 1


@pytest.mark.parametrize(
    ("plain", "typed"),
    [
        ("What is a hallucination?", "whats a hallucination lol"),
        ("Are AI detectors reliable?", "hey so whats the deal w AI detectors, r they legit?"),
        (
            "How soon do I have to meet with a student I suspect used AI?",
            "how soon do i hafta meet w the kid after i think they used ai??",
        ),
        (
            "Can I paste student grades into ChatGPT?",
            "can i paste my kids grades into chatgpt, def asking for a friend",
        ),
    ],
)
def test_slang_typos_and_contractions_do_not_cause_refusals(assistant: Assistant, plain: str, typed: str) -> None:
    a, b = assistant.ask(plain), assistant.ask(typed)
    assert not a.refused and not b.refused, (a.confidence, b.confidence)
    assert abs(a.confidence - b.confidence) < 0.25


@pytest.mark.parametrize(
    "question",
    [
        "What's a good lasagna recipe for our staff potluck this Friday?",
        "best way to arrange desks for group work with 32 kids in a tiny room?",
        "How much does a Quizizz school license cost per student?",
        "who won the world series in 1995",
    ],
)
def test_questions_the_hub_does_not_cover_are_refused(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.refused, (answer.confidence, answer.evidence)
    assert answer.grounding is None and answer.citations == [] and answer.to_dict()["check"] is None


def test_a_name_in_the_story_before_the_question_weighs_less_than_one_in_it(assistant: Assistant) -> None:
    # "Eritrea" sets the scene; the question asks about translating worksheets
    story = assistant.ask(
        "i have a newcomer from eritrea who speaks tigrinya and almost no english. "
        "can i use ai to translate my science worksheets for him?"
    )
    asked = assistant.ask("can i use ai to translate my science worksheets into tigrinya for my student from eritrea?")
    assert 0 < story.evidence["missing"] <= 0.6 * asked.evidence["missing"], (story.evidence, asked.evidence)
    assert story.confidence > asked.confidence
    # what is said after the question is part of what is asked ("... need numbers for a grant app")
    after = assistant.ask("is there research showing ai tutoring raises test scores? need numbers for a grant app")
    before = assistant.ask("need numbers for a grant app. is there research showing ai tutoring raises test scores?")
    assert after.evidence["missing"] > before.evidence["missing"], (after.evidence, before.evidence)


def test_the_check_says_what_is_true() -> None:
    from rag.answering.answer import Answer, AnswerSentence, check_label

    quoted = Answer("q", "a", False, 0.9, 1.0, [], [], {}, sentences=[AnswerSentence("x", [1])])
    assert check_label(quoted) == "Quoted from the cited sections"
    generated = Answer(
        "q",
        "a",
        False,
        0.9,
        0.5,
        [],
        [],
        {},
        mode="llm:gguf",
        sentences=[AnswerSentence("x", [1]), AnswerSentence("y", [1], supported=False)],
    )
    assert check_label(generated) == "1 of 2 sentences supported by their sources"


def test_unknown_words_are_names_and_topics_not_typos_or_slang() -> None:
    idf = {
        "hallucin": 1.0,
        "detector": 1.0,
        "essay": 1.0,
        "student": 1.0,
        "process": 1.0,
        "version": 1.0,
        "histori": 1.0,
    }
    assert missing_words("whats a hallucinaton lol", idf) == []
    assert missing_words("ugh the verison history of the essay", idf) == []
    assert missing_words("is khanmigo accurate for algebra", idf) == ["khanmigo", "accurate", "algebra"]


def test_a_question_asking_for_a_figure_needs_one_in_the_answer() -> None:
    assert unmet("number", ["Meet within 2 school days."], "how long do I have to meet the student?") == 0.0
    assert unmet("number", ["Teachers complete a course."], "How many hours of training must teachers do?") == 1.0
    assert unmet("money", ["Licenses are set by the district."], "how much does it cost") == 1.0
    assert unmet("", ["anything"], "why?") == 0.0


def test_another_hub_calibrates_itself_from_its_own_text(tmp_path: Path, embeddings: object) -> None:
    report = SHARED / "external" / "ed-2023-ai-report.md"
    if not report.is_file():
        pytest.skip("../shared/external is absent (a fresh clone has no shared data)")
    from ingest.pipeline import Ingestor

    settings = load_settings(data_dir=tmp_path / "ed")
    Ingestor(settings).run([report])
    hub = Assistant(settings, embeddings=embeddings)
    result = calibration.calibrate(hub, sizes=(60, 60, 30))
    refused = result.model.source["refused"]
    assert refused["hub"] <= 0.05 and refused["off"] >= 0.7, refused
    path = calibration.save(settings, result.model)
    assert Assistant(settings, embeddings=embeddings).threshold == result.model.threshold
    assert json.loads(path.read_text())["source"]["questions"]["hub"] == 60


def test_first_ingestion_calibrates_and_later_ones_leave_it(tmp_path: Path) -> None:
    hub = tmp_path / "hub"
    hub.mkdir()
    (hub / "field-trips.md").write_text(
        "# Field trips\n\n## Permission slips\n\nCollect signed permission slips two "
        "weeks before the trip. Chaperones supervise at most eight students each.\n"
    )
    (hub / "recess.md").write_text(
        "# Recess\n\n## Indoor recess\n\nRecess moves indoors below 20 degrees "
        "Fahrenheit or in heavy rain. Board games and reading corners are used.\n"
    )
    env = {**__import__("os").environ, "HUBQA_AUTO_CALIBRATE": "1"}
    run = [sys.executable, "-m", "ui.cli", "ingest", str(hub), "--store", str(tmp_path / "store")]
    first = subprocess.run(run, capture_output=True, text=True, cwd=REPO, env=env)
    assert first.returncode == 0, first.stderr
    assert "Calibrated in" in first.stderr
    saved = tmp_path / "store" / "index" / "hubqa.gate.json"
    stamp = json.loads(saved.read_text())["source"]["at"]
    (hub / "library.md").write_text("# Library\n\nBooks are due after three weeks.\n")
    second = subprocess.run(run, capture_output=True, text=True, cwd=REPO, env=env)
    assert second.returncode == 0 and "Calibrat" not in second.stderr
    assert json.loads(saved.read_text())["source"]["at"] == stamp
