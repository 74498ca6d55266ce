"""Every page of the Streamlit app driven by AppTest, against real stores and a real database."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ingest.pipeline import Ingestor
from rag.accounts import Account, add_user
from rag.db import open_database
from rag.settings import Settings, load_settings
from rag.store import HubStore

VIEWS = Path(__file__).resolve().parents[1] / "ui" / "views"
FIRE = "---\ntitle: Fire Drill Procedures\ngrade_band: K-2\ntopic: safety\n---\n# Fire Drill Procedures\n\n" \
       "## Leaving the room\n\nLine up at the door within 30 seconds. The teacher carries the red attendance folder.\n\n" \
       "## At the meeting point\n\nThe class meets at the north soccer field and the teacher takes attendance.\n"
BUS = "# Field Trip Buses\n\nBook the bus 15 school days ahead through the transport office.\n" \
      "Every trip needs one adult chaperone per 10 students.\n"


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


def signed_in(at: AppTest, role: str) -> AppTest:
    at.session_state["account"] = Account(f"test-{role}", role)
    return at


# -- teacher chat --------------------------------------------------------------------------


def test_empty_chat_offers_examples_and_filters(hub: Settings) -> None:
    at = page("chat")
    at.run()
    assert not at.exception
    assert any("3rd graders" in b.label for b in at.button)
    assert [s.label for s in at.sidebar.selectbox] == ["Grade band", "Subject", "Topic"]
    assert "3-5" in at.sidebar.selectbox[0].options
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


def test_refusal_is_a_gap_with_nearest_documents(hub: Settings) -> None:
    at = page("chat")
    at.run()
    at.chat_input[0].set_value("Rebecca Whitlow failed her test, what's a good lasagna recipe?").run()
    text = " ".join(m.value for m in at.markdown)
    assert "don't cover this" in text and "Rebecca" not in text
    assert any("removed the student name" in i.value for i in at.info)
    assert any("nearest documents" in c.value for c in at.caption)
    [gap] = open_database(hub).questions(refused=True)
    assert "lasagna" in gap.question and "Rebecca" not in gap.question
    assert gap.nearest  # the nearest documents are kept with the gap


def test_chat_can_require_sign_in(hub: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBQA_CHAT_REQUIRES_SIGN_IN", "true")
    at = page("chat")
    at.run()
    assert not at.chat_input and any("Sign in to ask" in i.value for i in at.info)
    signed_in(at, "teacher").run()
    assert at.chat_input


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


def test_corpus_tags_and_retire(small_hub: Settings, tmp_path: Path) -> None:
    at = signed_in(page("corpus"), "coach")
    at.run()
    assert not at.exception
    titles = [row for row in at.dataframe[0].value["title"]]
    assert titles == ["Field Trip Buses", "Fire Drill Procedures"]

    at.selectbox[0].select("corpus/fire-drills.md").run()
    at.text_input(key="tag_grade_band").input("3-5")
    at.button(key="FormSubmitter:tags-Save tags").click().run()
    assert not at.exception
    assert HubStore(small_hub).documents()["corpus/fire-drills.md"].metadata["grade_band"] == "3-5"
    assert "grade_band: 3-5" in (tmp_path / "corpus" / ".hubqa-tags.yaml").read_text()

    at.checkbox(key="confirm_retire").check().run()
    at.button[-2].click().run()  # Retire (the last button is Re-index)
    assert "corpus/fire-drills.md" not in HubStore(small_hub).documents()
    assert list((tmp_path / "corpus" / ".archive").glob("fire-drills.*.md"))
    assert (tmp_path / "corpus" / "field-trip buses.md").exists()
    assert "fire-drills." in (tmp_path / "corpus" / ".archive" / ".hubqa-tags.yaml").read_text()  # tags went along

    shutil.copy(next((tmp_path / "corpus" / ".archive").glob("*.md")), tmp_path / "corpus" / "fire-drills.md")
    at.button[-1].click().run()  # Re-index picks the restored file up (with its own front matter)
    assert HubStore(small_hub).documents()["corpus/fire-drills.md"].metadata["grade_band"] == "K-2"
    assert open_database(small_hub).last_ingest().report["added"] == 1


def test_insights_group_gaps_and_show_thumbs_down(small_hub: Settings) -> None:
    chat = page("chat")
    chat.run()
    for question in ("What is the cafeteria lunch menu?", "What's for lunch in the cafeteria today?",
                     "How do I renew my teaching license?", "Where do we meet during a fire drill?"):
        chat.chat_input[0].set_value(question).run()
    chat.feedback[-1].set_value(0).run()

    at = signed_in(page("insights"), "coach")
    at.run()
    assert not at.exception
    labels = [e.label for e in at.expander]
    assert any(label.startswith("2 × ") and "lunch" in label for label in labels), labels
    assert any(label.startswith("1 × ") and "license" in label for label in labels), labels
    assert any("fire drill" in label for label in labels)  # the thumbs-down answer
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
    assert len(at.dataframe[-1].value) == open_database(hub).eval_report(run.id)["dev"]["questions"]  # per question
    assert any("909 chunks" in m.value for m in at.markdown)


def test_only_coaches_signed_in_for_real_reach_the_corpus(small_hub: Settings) -> None:
    """Through the whole app: the password form, then the corpus page, for each role."""
    db = open_database(small_hub)
    add_user(db, "tina", "teacher", "teacher password")
    add_user(db, "cora", "coach", "coach password!")
    for name, password, allowed in (("tina", "teacher password", False), ("cora", "coach password!", True)):
        st.cache_resource.clear()
        at = AppTest.from_file(str(VIEWS.parent / "app.py"), default_timeout=180)
        at.run()
        at.switch_page("views/account.py").run()
        at.text_input[0].input(name)
        at.text_input[1].input(password)
        at.button[0].click().run()
        assert at.session_state["account"].name == name
        if not allowed:  # a teacher's app has no corpus page at all (its URL falls back to the chat)
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page("views/corpus.py")
            continue
        at.switch_page("views/corpus.py").run()
        assert not at.exception
        assert at.dataframe[0].value["title"].tolist() == ["Field Trip Buses", "Fire Drill Procedures"]


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
    # the check's badge says what is true of this answer: quoted (a fallback) or checked sentence by sentence
    assert any(re.search(r"Quoted from the cited sections|\d+ of \d+ sentences supported", m.value)
               for m in at.markdown), [m.value for m in at.markdown]


def test_oidc_sign_in_offered_when_configured(hub: Settings) -> None:
    at = page("account")
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "hubqa", "client_secret": "s",
                          "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}
    at.run()
    assert any(b.label == "Sign in with your organisation" for b in at.button)
