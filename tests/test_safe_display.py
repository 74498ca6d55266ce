"""Text from people and documents is shown as text: hostile questions, comments, titles and
document bodies on every page, driven by AppTest against a real store and database.

What counts as rendered: every string a page hands to Streamlit's Markdown (markdown, titles,
captions, alerts, expander and widget labels). Each is parsed with markdown-it (CommonMark, as
Streamlit's renderer) and must hold no image, no link leaving the hub, and no bare address
that GitHub-flavoured Markdown would turn into a link.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from ingest.pipeline import Ingestor
from rag.appdata.accounts import Account
from rag.appdata.db import open_database
from rag.settings import Settings, load_settings
from rag.text import strip_markdown
from ui import safe

VIEWS = Path(__file__).resolve().parents[1] / "ui" / "views"
BEACON = "http://beacon.evil.example"
HOSTILE_QUESTION = (
    f"[Coaches: your session expired, sign in again]({BEACON}/login) "
    f"![x]({BEACON}/q.png) <img src={BEACON}/h.png> {BEACON}/bare how do field trip buses work?"
)
HOSTILE_COMMENT = f"**Urgent**: [re-enter your password]({BEACON}/c) ![]({BEACON}/c.png) www.evil.example"
HOSTILE_DOC = f"""---
title: "Field Trip Buses ![t]({BEACON}/title.png) [x]({BEACON}/t)"
topic: "buses ![i]({BEACON}/tag.png)"
---
# Field Trip Buses

## Booking [![b]({BEACON}/h2.png)]({BEACON}/h2)

Book the field trip bus 15 school days ahead through the transport office. See
[![badge]({BEACON}/badge.png)]({BEACON}/nested) and ![pixel]({BEACON}/pixel.gif) and
<img src="{BEACON}/raw.png"> and <{BEACON}/auto> and {BEACON}/bare and www.evil.example and
[ref link][r] and [the hub's own guide](document?doc=x) for details.

[r]: {BEACON}/ref
"""
_MD = MarkdownIt("commonmark")
#: The only HTML the app itself writes (a source card's highlighted passage).
_OURS = {"<mark>", "</mark>", "<br>"}


def remote(markdown: str) -> list[str]:
    """Images, links out of the hub and bare web addresses that this Markdown would render."""
    found = []
    for token in _MD.parse(markdown):
        for child in [token, *(token.children or [])]:
            if child.type == "image":
                found.append(f"image {child.attrs.get('src')}")
            if child.type == "link_open" and not safe.allowed(str(child.attrs.get("href", "")), ()):
                found.append(f"link {child.attrs.get('href')}")
            if child.type in ("html_inline", "html_block") and child.content.strip() not in _OURS:
                found.append(f"html {child.content}")
            # GitHub-flavoured Markdown (Streamlit's) links bare addresses, even escaped ones
            if child.type == "text" and re.search(r"https?://|www\.\w|\w@\w+\.\w", child.content):
                found.append(f"bare {child.content}")
    return found


def rendered(at: AppTest) -> list[str]:
    """Every string the page handed to Streamlit's Markdown."""
    out = [
        e.value
        for kind in ("markdown", "title", "header", "subheader", "caption", "info", "error", "success", "warning")
        for e in getattr(at, kind)
    ]
    out += [e.label for e in at.expander] + [c.label for c in at.checkbox] + [b.label for b in at.button]
    return [str(x) for x in out]


def assert_nothing_remote(at: AppTest) -> None:
    assert not at.exception, at.exception
    problems = [(text[:80], remote(text)) for text in rendered(at) if remote(text)]
    assert problems == []


def page(name: str) -> AppTest:
    st.cache_resource.clear()
    st.cache_data.clear()
    return AppTest.from_file(str(VIEWS / f"{name}.py"), default_timeout=180)


@pytest.fixture
def hostile_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "buses.md").write_text(HOSTILE_DOC)
    monkeypatch.setenv("HUBQA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HUBQA_CORPUS_DIR", "corpus")
    monkeypatch.setenv("HUBQA_REFUSAL_THRESHOLD", "0.3")  # a one-document hub: answer from it
    settings = load_settings()
    assert Ingestor(settings).run([Path("corpus")]).documents == 1
    db = open_database(settings)
    answer = {
        "question": HOSTILE_QUESTION,
        "standalone_question": HOSTILE_QUESTION,
        "refused": True,
        "answer": f"The hub's resources don't cover this. ![a]({BEACON}/answer.png)",
        "citations": [],
        "sources": [],
    }
    qid = db.record_question(answer, {"mode": "extractive"})
    db.record_feedback(qid, False, HOSTILE_COMMENT)
    db.record_ingest(
        ["corpus"], {"failed": [{"path": f"corpus/[x]({BEACON}/f).md", "error": f"![e]({BEACON}/e.png) unreadable"}]}
    )
    return settings


def test_strip_markdown_undoes_nested_images_and_links() -> None:
    assert strip_markdown(f"[![b](x)]({BEACON}/u)") == "b"  # not a new image ![b](URL)
    assert strip_markdown(f"see ![logo]({BEACON}/p.gif) and [site](http://a.b/c_(d)) [r][1]") == "see logo and site r"


def test_escaping_helpers() -> None:
    assert remote(safe.text(HOSTILE_QUESTION)) == []
    assert remote(safe.text(HOSTILE_COMMENT)) == []
    assert remote(safe.document(HOSTILE_DOC)) == []
    kept = safe.document("[guide](https://caia-hub.example/g) [out](https://evil.example/x)", ["caia-hub.example"])
    assert "[guide](https://caia-hub.example/g)" in kept and "evil.example/x)" not in kept
    assert safe.terminal("a\x1b]0;pwned\x07b\x1b[2Jc\x9b31md\u202ee\n") == "abcde\n"


def test_every_page_renders_hostile_content_as_text(hostile_hub: Settings) -> None:
    # the teacher asks the hostile question and gets an answer from the hostile document
    chat = page("chat")
    chat.run()
    chat.chat_input[0].set_value(HOSTILE_QUESTION).run()  # echoed, refused or not, with the nearest documents
    assert_nothing_remote(chat)
    chat.chat_input[0].set_value("How many school days ahead do I book the field trip bus?").run()
    assert_nothing_remote(chat)
    assert any("Field Trip Buses" in e.label for e in chat.expander)  # the source card, its title as text
    assert any("15 school days" in m.value for m in chat.markdown)

    for name in ("insights", "corpus", "document", "dashboard", "account"):
        at = page(name)
        at.session_state["account"] = Account("test-lead", "maintainer")
        at.run()
        assert_nothing_remote(at)
        if name == "insights":
            text = " ".join(rendered(at))
            assert "Coaches" in text and "Urgent" in text  # the hostile text is there, as text


@pytest.mark.parametrize("value", ["²", "9" * 5000, "-1", "0", "99", "1e3", " 2"])
def test_document_page_ignores_a_crafted_page_number(hostile_hub: Settings, value: str) -> None:
    at = page("document")
    at.query_params["doc"] = "corpus/buses.md"
    at.query_params["page"] = value
    at.run()
    assert not at.exception
    assert at.title and "Field Trip Buses" in at.title[0].value


def test_a_question_too_long_is_refused_in_the_chat_and_nothing_is_stored(hostile_hub: Settings) -> None:
    chat = page("chat")
    chat.run()
    chat.chat_input[0].set_value("Tell me about buses. " * 120).run()  # 2,520 characters
    assert not chat.exception
    assert any("the limit is 2,000" in e.value for e in chat.error)
    assert len(open_database(hostile_hub).questions()) == 1  # only the fixture's own question
    chat.chat_input[0].set_value("How many school days ahead do I book the field trip bus?").run()
    assert not chat.exception and not chat.error
    assert len(open_database(hostile_hub).questions()) == 2  # the box works again: the next question is taken
