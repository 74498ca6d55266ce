"""Every page of the Streamlit app driven by AppTest, against real stores and a real database."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow
import pyarrow.ipc
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ingest.pipeline import Ingestor
from rag.appdata import sessions
from rag.appdata.accounts import Account, add_user
from rag.appdata.db import open_database
from rag.search.store import HubStore
from rag.settings import Settings, load_settings
from ui import safe

VIEWS = Path(__file__).resolve().parents[1] / "ui" / "views"
FIRE = (
    "---\ntitle: Fire Drill Procedures\ngrade_band: K-2\ntopic: safety\n---\n# Fire Drill Procedures\n\n"
    "## Leaving the room\n\nLine up at the door within 30 seconds. The teacher carries the red attendance folder.\n\n"
    "## At the meeting point\n\nThe class meets at the north soccer field and the teacher takes attendance.\n"
)
BUS = (
    "# Field Trip Buses\n\nBook the bus 15 school days ahead through the transport office.\n"
    "Every trip needs one adult chaperone per 10 students.\n"
)


def page(name: str) -> AppTest:
    st.cache_resource.clear()  # each test has its own store and database
    st.cache_data.clear()
    return AppTest.from_file(str(VIEWS / f"{name}.py"), default_timeout=180)


@pytest.fixture
def hub(corpus_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    """The bundled corpus's index, and a fresh database for this test."""
    monkeypatch.setenv("HUBQA_STORE_DIR", str(corpus_settings.store_path))
    monkeypatch.setenv("HUBQA_DATA_DIR", str(tmp_path / "data"))
    return load_settings()


@pytest.fixture
def small_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    """A two-document corpus of this test's own (coaches change it), indexed."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "fire-drills.md").write_text(FIRE)
    (tmp_path / "corpus" / "field-trip buses.md").write_text(BUS)
    monkeypatch.setenv("HUBQA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HUBQA_CORPUS_DIR", "corpus")
    settings = load_settings()
    report = Ingestor(settings).run([Path("corpus")])
    assert report.failed == [] and report.documents == 2
    return settings


def signed_in(at: AppTest, role: str, name: str | None = None) -> AppTest:
    at.session_state["account"] = Account(name or f"test-{role}", role)
    return at


# -- teacher chat --------------------------------------------------------------------------


def test_empty_chat_offers_examples_and_filters(hub: Settings) -> None:
    at = page("chat")
    at.run()
    assert not at.exception
    assert any("3rd graders" in b.label for b in at.button)
    assert [s.label for s in at.sidebar.selectbox] == ["Grade band", "Subject", "Topic"]
    # In the order teachers expect, from the tag vocabulary; "all" (a tag meaning every subject) is no filter.
    assert at.sidebar.selectbox[0].options == ["Any", "K-2", "3-5", "6-8", "9-12", "6-12", "3-12", "K-12"]
    subjects = at.sidebar.selectbox[1].options
    assert subjects[0] == "Any" and "math" in subjects and "all" not in subjects and "all subjects" not in subjects
    assert not at.sidebar.radio  # no language model configured: no answer-mode choice


def test_answer_is_cited_stored_and_rated(hub: Settings) -> None:
    at = page("chat")
    at.run()
    at.chat_input[0].set_value("How long do I have to meet with the student after I suspect AI use?").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "2 school days" in text and "[1]" in text
    assert any("Handling Suspected AI Use" in e.label for e in at.expander)
    assert "document?doc=corpus%2Fhandling-suspected-ai-use-in-essays.md" in text  # opens at the cited place

    db = open_database(hub)
    [stored] = db.questions()
    assert not stored.refused and stored.citations[0]["doc_id"] == "corpus/handling-suspected-ai-use-in-essays.md"
    assert stored.settings["mode"] == "extractive"

    at.feedback[0].set_value(0).run()  # thumbs down: saved at once
    [(fb, q)] = db.feedback()
    assert fb.helpful is False and fb.comment == "" and q.id == stored.id
    at.text_area[0].input("Jordan Reyes failed the quiz; the answer missed the parent letter")
    at.checkbox[0].check()  # form widgets are sent together with the form's button
    at.button(key="FormSubmitter:comment_1-Send feedback").click().run()
    [(fb, _)] = db.feedback(helpful=False)
    assert fb.wrong_source is True
    assert "parent letter" in fb.comment and "Jordan" not in fb.comment  # the privacy guard ran
    assert any("coach will read" in s.value for s in at.success)

    at.chat_input[0].set_value("and what should I say to open it?").run()
    assert len([m for m in at.chat_message if m.name == "assistant"]) == 2
    assert len(db.questions()) == 2
    follow_up = db.questions()[0]
    searched = [c.value for c in at.caption if c.value.startswith("Searched for: ")]
    if follow_up.standalone.split() != follow_up.question.split():  # the rewrite changed the question: shown
        assert searched == [f"Searched for: {safe.text(follow_up.standalone)}"]  # as typed: Markdown escaped
    else:
        assert searched == []

    # Copy an answer (a code block with its own copy button), ask it again.
    copied = [c.value for c in at.code]
    assert any("2 school days" in c and "\n\nSources:\n[1] " in c and "Handling Suspected AI Use" in c for c in copied)
    at.button(key="again_0").click().run()
    assert not at.exception
    assert len(db.questions()) == 3 and db.questions()[0].question == stored.question


def test_refusal_is_a_gap_with_nearest_documents(hub: Settings) -> None:
    at = page("chat")
    at.run()
    at.chat_input[0].set_value("Rebecca Whitlow failed her test, what's a good lasagna recipe?").run()
    text = " ".join(m.value for m in at.markdown)
    assert "don't cover this" in text and "Rebecca" not in text
    told = [w.value for w in at.warning if "Removed before" in w.value and "student name" in w.value]
    told += [i.value for i in at.info if "removed the student name" in i.value]
    assert len(told) == 1, told  # the teacher is told once what was removed, not twice
    [reply] = [m.value for m in at.markdown if "don't cover this" in m.value]
    [gap] = open_database(hub).questions(refused=True)
    titles = {safe.text(s["title"]) for s in gap.nearest[:3]}  # shown as text: Markdown escaped
    assert titles and all(text.count(t) == 1 for t in titles), text  # listed once, not twice
    assert all(f"[{t}](document?doc=" in reply for t in titles)  # each one a link that opens it
    assert "lasagna" in gap.question and "Rebecca" not in gap.question
    assert gap.nearest  # the nearest documents are kept with the gap


def test_chat_can_require_sign_in(hub: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBQA_CHAT_REQUIRES_SIGN_IN", "true")
    at = page("chat")
    at.run()
    assert not at.chat_input and any("Sign in to ask" in i.value for i in at.info)
    signed_in(at, "teacher").run()
    assert at.chat_input


def test_a_refusal_under_filters_offers_the_whole_hub_and_is_no_gap(hub: Settings) -> None:
    at = page("chat")
    at.run()
    at.sidebar.selectbox[0].select("K-2").run()  # together, filters no document matches:
    at.sidebar.selectbox[2].select("academic integrity").run()  # the essay guide is for grades 6-12
    at.chat_input[0].set_value("How long do I have to meet with the student after I suspect AI use?").run()
    assert not at.exception
    # The filters are shown with the answer.
    assert f"Filters: {safe.text('Grade band: K-2 · Topic: academic integrity')}" in [c.value for c in at.caption]
    db = open_database(hub)
    [refused] = db.questions()
    assert refused.refused and refused.filtered
    assert db.questions(refused=True, filtered=False) == []  # not counted as a gap of the corpus

    at.button(key="whole_0").click().run()  # "Search the whole hub": one click
    assert not at.exception
    assert [s.value for s in at.sidebar.selectbox] == ["Any"] * 3  # the filters are off, and the sidebar says so
    answered = db.questions()[0]
    assert not answered.refused and not answered.filtered and answered.question == refused.question
    assert "2 school days" in at.chat_message[-1].markdown[0].value


def test_signed_in_teachers_conversations_are_saved(hub: Settings) -> None:
    db = open_database(hub)
    add_user(db, "tina", "teacher", "teacher password")
    at = signed_in(page("chat"), "teacher", "tina")
    at.run()
    assert any("questions and answers are saved here" in c.value for c in at.sidebar.caption)
    at.chat_input[0].set_value("What should I never paste into a chatbot?").run()
    at.chat_input[0].set_value("Who approves a new AI tool for my class?").run()
    assert not at.exception
    [saved] = db.conversations("tina")
    assert saved.title == "What should I never paste into a chatbot?"
    assert [t.question for t in db.turns("tina", saved.id)][1] == "Who approves a new AI tool for my class?"
    assert at.query_params["c"] == str(saved.id)  # the open conversation is in the URL: a reload keeps it

    reloaded = signed_in(page("chat"), "teacher", "tina")  # a reload: a new session, the same URL
    reloaded.query_params["c"] = str(saved.id)
    reloaded.run()
    assert len(reloaded.chat_message) == 4 and "chatbot" in reloaded.chat_message[0].markdown[0].value

    fresh = signed_in(page("chat"), "teacher", "tina")  # a new tab: the conversation is in the sidebar
    fresh.run()
    assert not fresh.chat_message
    fresh.sidebar.button(key=f"conversation_{saved.id}").click().run()
    assert len(fresh.chat_message) == 4
    fresh.sidebar.text_input(key=f"title_{saved.id}").input("Privacy and approvals")
    fresh.sidebar.button(key="FormSubmitter:rename-Rename").click().run()
    assert [c.title for c in db.conversations("tina")] == ["Privacy and approvals"]
    fresh.sidebar.checkbox(key=f"confirm_delete_{saved.id}").check().run()
    fresh.sidebar.button(key=f"delete_{saved.id}").click().run()
    assert db.conversations("tina") == [] and not fresh.chat_message
    assert db.counts()["questions"] == 2  # the coaches' record of questions stays


def test_signing_out_leaves_nothing_on_a_shared_computer(hub: Settings) -> None:
    add_user(open_database(hub), "tina", "teacher", "teacher password")
    at = AppTest.from_file(str(VIEWS.parent / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("views/account.py").run()
    at.text_input[0].input("tina")
    at.text_input[1].input("teacher password")
    at.button[0].click().run()
    at.switch_page("views/chat.py").run()
    at.chat_input[0].set_value("What should I never paste into a chatbot?").run()
    assert len(at.chat_message) == 2 and at.query_params["c"]
    at.switch_page("views/account.py").run()
    next(b for b in at.button if b.label == "Sign out").click().run()
    assert "account" not in at.session_state
    at.switch_page("views/chat.py").run()
    assert not at.chat_message and "c" not in at.query_params  # the next person sees none of it
    assert not any(h.value == "Your conversations" for h in at.sidebar.subheader)


def test_a_question_sent_before_the_box_is_drawn_disabled_waits_its_turn(hub: Settings) -> None:
    """The browser keeps the chat box enabled until the run that disables it reaches the box: a
    question sent in that moment waits behind the one being answered instead of replacing it (four
    tabs asking fast in Chromium lost 4 of 20 questions that way)."""
    at = page("chat")
    at.run()
    first, second = "What should I never paste into a chatbot?", "Who approves a new AI tool for my class?"
    at.session_state["asking"] = first  # taken by the box, its run not finished
    at.chat_input[0].set_value(second).run()
    assert sorted(q.question for q in open_database(hub).questions()) == sorted([first, second])
    assert [m.markdown[0].value for m in at.chat_message if m.name == "user"] == [first, second]
    assert not at.session_state["queued"] and "asking" not in at.session_state


def test_anonymous_chat_lives_for_the_browser_session(hub: Settings) -> None:
    at = page("chat")
    at.run()
    at.chat_input[0].set_value("What should I never paste into a chatbot?").run()
    browser = at.session_state["browser_id"]
    again = AppTest.from_file(str(VIEWS / "chat.py"), default_timeout=180)  # a reload in the same browser:
    again.session_state["browser_id"] = browser  # its session cookie names the same browser
    again.run()
    assert len(again.chat_message) == 2 and "chatbot" in again.chat_message[0].markdown[0].value
    assert not again.sidebar.subheader  # no saved conversations without an account
    other = AppTest.from_file(str(VIEWS / "chat.py"), default_timeout=180)  # another browser
    other.run()
    assert not other.chat_message
    assert open_database(hub).counts()["conversations"] == 0


# -- document reader and sign-in ------------------------------------------------------------


def test_document_opens_at_the_cited_page(hub: Settings) -> None:
    at = page("document")
    at.query_params["doc"] = "corpus/model-district-ai-policy.pdf"
    at.query_params["page"] = "2"
    at.run()
    assert not at.exception
    assert at.title[0].value.startswith("Model Board Policy 6175")
    assert any("The cited place: page 2" in m.value for m in at.markdown)
    assert at.get("download_button")


def test_password_sign_in(hub: Settings) -> None:
    add_user(open_database(hub), "maria", "coach", "a long passphrase")
    at = page("account")
    at.run()
    at.text_input[0].input("maria")
    at.text_input[1].input("wrong password!")
    at.button[0].click().run()
    assert any("don't match" in e.value for e in at.error)
    at.text_input[1].input("a long passphrase")
    at.button[0].click().run()
    assert at.session_state["account"] == Account("maria", "coach")
    assert any("Signed in as" in m.value for m in at.markdown)


# -- coach workspace -----------------------------------------------------------------------


def test_coach_pages_need_a_coach(small_hub: Settings) -> None:
    for name in ("corpus", "insights", "dashboard"):
        at = page(name)
        at.run()
        assert not at.exception
        assert any("Sign in" in i.value for i in at.info) and not at.dataframe
        signed_in(at, "teacher").run()
        assert any("; you are signed in as test-teacher (teacher)" in e.value for e in at.error)


def _caption_counts(at: AppTest) -> str:
    return next(c.value for c in at.caption if " documents, " in c.value)


def test_corpus_editor_is_keyed_by_document_and_the_page_stays_fresh(small_hub: Settings, tmp_path: Path) -> None:
    at = signed_in(page("corpus"), "coach")
    at.run()
    assert not at.exception
    assert list(at.dataframe[0].value["title"]) == ["Field Trip Buses", "Fire Drill Procedures"]
    assert _caption_counts(at).startswith("2 documents")
    assert any("outside the vocabulary" in e.label for e in at.expander)  # the fire drills' topic "safety"

    at.selectbox(key="edit_doc").select("corpus/fire-drills.md").run()
    assert at.selectbox(key="tag corpus/fire-drills.md grade_band").value == "K-2"
    assert at.selectbox(key="tag corpus/fire-drills.md topic").value == "safety"  # shown as it is, not lost
    at.selectbox(key="edit_doc").select("corpus/field-trip buses.md").run()  # another document: its own tags
    buses = "corpus/field-trip buses.md"
    assert [at.selectbox(key=f"tag {buses} {f}").value for f in ("grade_band", "subject", "topic", "audience")] == [
        "",
        "",
        "",
        "",
    ]
    assert at.selectbox(key=f"tag {buses} grade_band").options == [
        "(none)",
        "K-2",
        "3-5",
        "6-8",
        "9-12",
        "6-12",
        "3-12",
        "K-12",
    ]  # choices, not free text
    at.selectbox(key=f"tag {buses} grade_band").select("3-5")
    at.selectbox(key=f"tag {buses} topic").select("program")
    at.button(key=f"FormSubmitter:tags {buses}-Save tags").click().run()
    assert not at.exception
    tags = (tmp_path / "corpus" / ".hubqa-tags.yaml").read_text()
    assert "field-trip buses.md:\n  grade_band: 3-5\n  topic: program" in tags and "fire-drills" not in tags
    stored = HubStore(small_hub).read_documents()
    assert stored[buses].metadata["grade_band"] == "3-5"
    assert stored["corpus/fire-drills.md"].metadata["grade_band"] == "K-2"  # the other document kept its own
    assert list(at.dataframe[0].value["grade_band"]) == ["3-5", "K-2"]  # the table shows the change at once
    assert any(s.value == "Saved the tags of Field Trip Buses." for s in at.success)

    # An upload goes to the uploads folder (not the corpus) and the page counts it at once.
    at.file_uploader[0].set_value(
        ("recess.md", b"# Recess Duty\n\nTwo adults supervise recess at all times.\n", "text/markdown")
    )
    at.button(key="FormSubmitter:upload-Add to the hub").click().run()
    assert not at.exception
    assert (small_hub.uploads_path / "recess.md").is_file() and not (tmp_path / "corpus" / "recess.md").exists()
    assert _caption_counts(at).startswith("3 documents")
    assert "Recess Duty" in list(at.dataframe[0].value["title"])
    at.file_uploader[0].set_value(("recess.md", b"# Recess Duty\n\nThree adults supervise recess.\n", "text/markdown"))
    at.checkbox[0].check()  # replace
    at.button(key="FormSubmitter:upload-Add to the hub").click().run()
    assert any("0 new, 1 updated" in s.value for s in at.success) and _caption_counts(at).startswith("3 documents")
    assert list((small_hub.uploads_path / ".archive").glob("recess.*.md"))

    at.selectbox(key="edit_doc").select("corpus/fire-drills.md").run()
    at.checkbox(key="confirm_retire corpus/fire-drills.md").check().run()
    at.button(key="retire corpus/fire-drills.md").click().run()
    assert "corpus/fire-drills.md" not in HubStore(small_hub).read_documents()
    assert _caption_counts(at).startswith("2 documents")  # gone from the page too
    assert "Fire Drill Procedures" not in list(at.dataframe[0].value["title"])
    assert list((tmp_path / "corpus" / ".archive").glob("fire-drills.*.md"))
    assert (tmp_path / "corpus" / "field-trip buses.md").exists()

    shutil.copy(next((tmp_path / "corpus" / ".archive").glob("*.md")), tmp_path / "corpus" / "fire-drills.md")
    at.button(key="reindex").click().run()  # Re-index picks the restored file up (with its own front matter)
    assert HubStore(small_hub).read_documents()["corpus/fire-drills.md"].metadata["grade_band"] == "K-2"
    assert open_database(small_hub).last_ingest().report["added"] == 1
    assert _caption_counts(at).startswith("3 documents") and any("1 added" in s.value for s in at.success)


def test_insights_group_gaps_and_show_thumbs_down(small_hub: Settings) -> None:
    chat = page("chat")
    chat.run()
    for question in (
        "What is the cafeteria lunch menu?",
        "What's for lunch in the cafeteria today?",
        "How do I renew my teaching license?",
        "Where do we meet during a fire drill?",
    ):
        chat.chat_input[0].set_value(question).run()
    chat.feedback[-1].set_value(0).run()
    chat.sidebar.selectbox[0].select("K-2").run()
    chat.chat_input[0].set_value("What is the cafeteria breakfast menu?").run()  # refused under a filter: no gap
    db = open_database(small_hub)
    threshold = db.questions(refused=False)[0].settings["threshold"]  # as the chat recorded it
    unsupported = db.record_question(
        {
            "question": "Can we skip the fire drill in the rain?",
            "answer": "Yes. [1]",
            "refused": False,
            "confidence": 0.9,
            "grounding": 0.5,
        },
        {"threshold": threshold},
    )
    nearly = db.record_question(
        {
            "question": "Who carries the attendance folder?",
            "answer": "The teacher. [1]",
            "refused": False,
            "confidence": threshold + 0.01,
            "grounding": 1.0,
        },
        {"threshold": threshold},
    )

    at = signed_in(page("insights"), "coach")
    at.run()
    assert not at.exception
    labels = [e.label for e in at.expander]
    assert any(label.startswith("2 × ") and "lunch" in label for label in labels), labels
    assert any(label.startswith("1 × ") and "license" in label for label in labels), labels
    assert any("fire drill" in label for label in labels)  # the thumbs-down answer
    assert not any("breakfast" in label for label in labels)  # a refusal under filters is not a gap
    assert any(h.value == "Answers likely wrong" for h in at.subheader)

    def suspect(question: str) -> str:  # its reasons, from its "date · question  ·  reasons" heading
        return next(label.split("  ·  ")[1] for label in labels if f" · {question}  ·  " in label)

    assert "thumbs-down" in suspect("Where do we meet during a fire drill?")
    assert "grounded 50%: some sentences are not supported" in suspect("Can we skip the fire drill in the rain?")
    assert suspect("Who carries the attendance folder?").startswith("low confidence")
    assert {unsupported, nearly} <= {q.id for q in db.questions(refused=False)}
    never = at.dataframe[-1].value
    assert list(never["document"]) == ["Field Trip Buses"]  # only the fire drill guide was cited


# -- maintainer dashboard ------------------------------------------------------------------


def test_dashboard_runs_the_evaluation(hub: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBQA_CORPUS_DIR", "no-baseline")  # the naive baseline is the CLI's job here
    at = signed_in(page("dashboard"), "maintainer")
    at.run()
    assert any("No evaluation runs yet" in c.value for c in at.caption)
    at.selectbox[0].select("dev")
    at.button[0].click().run()
    assert not at.exception
    [run] = open_database(hub).eval_runs()
    assert run.split == "dev" and run.metrics["dev.retrieval.hit_at_5"] > 0.5
    assert any(s.value.startswith(f"Run #{run.id} (dev") for s in at.subheader)
    [chart] = at.get("vega_lite_chart")  # metrics over runs, drawn from the first run on
    spec = json.loads(chart.proto.spec)
    assert spec["mark"]["type"] == "line" and spec["mark"]["point"]  # a point per run: one run is visible
    points = pyarrow.ipc.open_stream(chart.proto.datasets[0].data.data).read_all().to_pylist()
    assert {p["run"] for p in points} == {f"#{run.id} {run.created_at:%m-%d %H:%M} (dev)"} and len(points) >= 4
    assert len(at.dataframe[-1].value) == open_database(hub).eval_report(run.id)["dev"]["questions"]  # per question
    chunks = HubStore(hub).chunk_count()  # the store's own count (it moves with the chunking pipeline)
    assert chunks > 800 and any(f"{chunks} chunks" in m.value for m in at.markdown)


def test_a_bookmarked_protected_page_signs_in_there_and_stays(small_hub: Settings) -> None:
    """Through the whole app: /corpus opened signed out shows the sign-in, then the corpus itself."""
    db = open_database(small_hub)
    add_user(db, "tina", "teacher", "teacher password")
    add_user(db, "cora", "coach", "coach password!")
    for name, password, allowed in (("tina", "teacher password", False), ("cora", "coach password!", True)):
        st.cache_resource.clear()
        at = AppTest.from_file(str(VIEWS.parent / "app.py"), default_timeout=180)
        at.run()
        at.switch_page("views/corpus.py").run()  # the bookmark resolves for everyone: no "Page not found"
        assert any("This page is for coaches. Sign in to continue." in i.value for i in at.info)
        assert not at.dataframe
        at.text_input[0].input(name)
        at.text_input[1].input(password)
        at.button[0].click().run()
        assert not at.exception
        assert at.session_state["account"].name == name and at.session_state["session_id"]
        if not allowed:  # a teacher is told, and the page stays closed
            assert any("you are signed in as tina (teacher)" in e.value for e in at.error) and not at.dataframe
            continue
        assert at.dataframe[0].value["title"].tolist() == ["Field Trip Buses", "Fire Drill Procedures"]
        assert at.title[0].value == "Corpus"  # back where the visitor was going

        # Every run checks the session: signing out (in any tab) or a lost role takes effect at once.
        add_user(db, "cora", "teacher", "coach password!", replace=True)
        at.run()
        assert any("you are signed in as cora (teacher)" in e.value for e in at.error)
        sessions.end(db, at.session_state["session_id"])
        at.run()
        assert "account" not in at.session_state and any("Sign in to continue" in i.value for i in at.info)


def test_language_model_answer_mode(hub: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a model configured (the real SmolLM2 GGUF), teachers may choose a written answer."""
    monkeypatch.setenv("HUBQA_LLM_BACKEND", "gguf")
    at = page("chat")
    at.run()
    assert at.sidebar.radio[0].options == ["Quick: the hub's own sentences", "Written by the language model"]
    at.sidebar.radio[0].set_value("llm").run()
    at.chat_input[0].set_value("How long do I have to meet with the student after I suspect AI use?").run()
    assert not at.exception
    [stored] = open_database(hub).questions()
    assert stored.settings["mode"] == "llm" and stored.settings["llm_backend"] == "gguf"
    assert stored.mode != "extractive" or any("language model" in i.value for i in at.info)  # written, or said why not
    # the check badge on the answer: the model's sentences checked, or the hub's own words quoted
    assert any(
        "supported by their sources" in m.value or "Quoted from the cited sections" in m.value for m in at.markdown
    )


def test_oidc_sign_in_offered_when_configured(hub: Settings) -> None:
    at = page("account")
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "hubqa",
        "client_secret": "s",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
    }
    at.run()
    assert any(b.label == "Sign in with your organisation" for b in at.button)
