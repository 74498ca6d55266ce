"""The chat page driven by Streamlit's AppTest against the real corpus index."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rag.settings import Settings

APP = Path(__file__).resolve().parents[1] / "ui" / "pages" / "chat.py"


@pytest.fixture
def app(corpus_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("HUBQA_STORE_DIR", str(corpus_settings.store_path))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    return at


def test_empty_chat_offers_examples_and_filters(app: AppTest) -> None:
    assert not app.exception
    assert any("3rd graders" in b.label for b in app.button)
    assert [s.label for s in app.sidebar.selectbox] == ["Grade band", "Subject", "Topic"]
    assert "3-5" in app.sidebar.selectbox[0].options


def test_question_gets_cited_answer_and_follow_up_uses_history(app: AppTest) -> None:
    app.chat_input[0].set_value("How long do I have to meet with the student after I suspect AI use?").run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "2 school days" in text and "[1]" in text
    assert any("Handling Suspected AI Use" in e.label for e in app.expander)
    app.chat_input[0].set_value("and what should I say to open it?").run()
    assert len([m for m in app.chat_message if m.name == "assistant"]) == 2


def test_refusal_and_privacy_note(app: AppTest) -> None:
    app.chat_input[0].set_value("Rebecca Whitlow failed her test, what's a good lasagna recipe?").run()
    text = " ".join(m.value for m in app.markdown)
    assert "don't cover this" in text and "Rebecca" not in text
    assert any("removed the student name" in i.value for i in app.info)
