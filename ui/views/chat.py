"""Teacher chat: ask in your own words, get the hub's answer with its sources, rate it."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from rag.errors import HubqaError
from rag.limits import MAX_QUESTION_CHARS, check_question
from rag.privacy import redact
from ui import safe
from ui import state as ui
from ui.privacy_notice import show_removed

EXAMPLES = [
    "I suspect a student used AI to write an essay. What should I do?",
    "What can 3rd graders do with chatbots?",
    "What should I never paste into a chatbot?",
    "Who approves a new AI tool for my class?",
]
FILTERS = (("grade_band", "Grade band"), ("subject", "Subject"), ("topic", "Topic"))
MODES = {"extractive": "Quick: the hub's own sentences", "llm": "Written by the language model"}


@st.cache_data(ttl=300)
def filter_options() -> dict[str, list[str]]:
    options: dict[str, set[str]] = {key: set() for key, _ in FILTERS}
    for doc in ui.assistant().store.documents().values():
        for key in options:
            if doc.metadata.get(key):
                options[key].add(doc.metadata[key])
    return {key: sorted(values) for key, values in options.items()}


def highlight(passage: str, quotes: list[str]) -> str:
    """The passage as HTML with the sentences the answer used marked (no images, no outside links)."""
    text = html.escape(safe.document(passage, ui.settings().link_domains, escape_html=False))
    for quote in sorted(set(quotes), key=len, reverse=True):
        words = [re.escape(html.escape(w)) for w in quote.split()[:12]]
        if len(words) >= 3:
            text = re.sub(r"(" + r"[\s*_]+".join(words) + r")", r"<mark>\1</mark>", text, count=1)
    return text.replace("\n", "<br>")


def document_link(source: dict[str, Any]) -> str:
    """URL of the document page opened at this source's section or page."""
    query = {"doc": source.get("doc_id") or ""}
    if source.get("page"):
        query["page"] = str(source["page"])
    if source.get("section"):
        query["section"] = str(source["section"])
    return "document?" + urlencode(query)


#: Answers whose confidence is this close above the refusal threshold say the hub may only partly cover them.
UNSURE_MARGIN = 0.15


def show_sources(answer: dict[str, Any]) -> None:
    check = answer.get("check")
    if check:
        quoted = answer["mode"] == "extractive"
        colour = "green" if quoted or answer["grounding"] >= 0.99 else "orange" if answer["grounding"] >= 0.6 else "red"
        st.badge(check, color=colour, help="Every sentence is the hub's own words, from the sections cited."
                 if quoted else "Each sentence the model wrote was checked against the passages it cites.")
    if answer["confidence"] < ui.assistant().threshold + UNSURE_MARGIN:
        st.caption("The hub may only partly cover this question: check the sources.")
    for c in answer["citations"]:
        page = f" · page {c['page']}" if c["page"] else ""
        section = f" — {c['section']}" if c["section"] else ""
        with st.expander(f"[{c['n']}] {safe.text(c['title'])}{safe.text(section)}{page}"):
            st.markdown(highlight(c["text"], c["quotes"]), unsafe_allow_html=True)
            st.markdown(f"[Open the document at this place]({document_link(c)}) · {safe.text(c['source'])}")


def show_answer(answer: dict[str, Any]) -> None:
    st.markdown(safe.document(answer["answer"], ui.settings().link_domains))
    for note in answer["notes"]:
        st.info(safe.text(note), icon="🔒" if "privacy" in note else "ℹ️")
    if answer["refused"]:
        nearest = [s for s in answer["sources"][:3] if s.get("doc_id")]
        if nearest:
            st.caption("The nearest documents in the hub:")
            for s in nearest:
                st.markdown(f"- [{safe.text(s['title'])}]({document_link(s)})"
                            + (f" — {safe.text(s['section'])}" if s.get("section") else ""))
        return
    show_sources(answer)


def feedback(message: dict[str, Any]) -> None:
    """Thumbs saved at once; an optional comment and a wrong-source flag update the same row."""
    qid = message.get("qid")
    if qid is None:
        return
    value = st.feedback("thumbs", key=f"thumbs_{qid}")
    if value is None:
        return
    helpful = value == 1
    saved = message.setdefault("feedback", {})
    try:
        if "id" not in saved:
            saved["id"] = ui.database().record_feedback(qid, helpful, user=_user())
        elif saved.get("helpful") != helpful:
            ui.database().update_feedback(saved["id"], helpful, saved.get("comment", ""), saved.get("wrong", False))
        saved["helpful"] = helpful
    except HubqaError as e:
        st.error(str(e))
        return
    with st.form(f"comment_{qid}", border=False):
        comment = st.text_area("Tell us more (optional)", key=f"comment_text_{qid}",
                               placeholder="What was wrong or missing? No student names, please.")
        wrong = st.checkbox("A cited source is wrong or out of date", key=f"wrong_{qid}")
        sent = st.form_submit_button("Send feedback")
    if sent:
        try:
            ui.database().update_feedback(saved["id"], helpful, comment, wrong)
        except HubqaError as e:
            st.error(str(e))  # the text stays in the box, so nothing typed is lost
            return
        saved.update(comment=comment, wrong=wrong)
    if "comment" in saved:
        st.success("Thank you: a coach will read this.", icon="✅")


def _user() -> str | None:
    account = ui.current_account()
    return account.name if account else None


def record(answer: dict[str, Any], mode: str, filters: dict[str, str]) -> int | None:
    """Store the question (refused ones are the corpus's gaps); the answer shows even if this fails."""
    hub = ui.assistant()
    used = {"mode": mode, "filters": filters, "threshold": hub.threshold, "top_k": hub.settings.top_k,
            "embedding_model": hub.settings.embedding_model, "llm_backend": hub.settings.llm_backend,
            "llm_model": hub.settings.llm_model}
    try:
        return ui.database().record_question(answer, used, _user())
    except HubqaError as e:
        st.warning(f"Your answer is below, but it could not be saved for the hub's coaches: {e}")
        return None


state = st.session_state
state.setdefault("messages", [])
settings = ui.settings()
if settings.chat_requires_sign_in and ui.current_account() is None:
    st.title("Ask the hub")
    st.info("Sign in to ask the hub.")
    ui.sign_in_form("chat_signin")
    st.stop()

with st.sidebar:
    st.header("Filters")
    try:
        options = filter_options()
    except HubqaError as e:
        st.error(str(e))
        st.stop()
    filters = {}
    for key, label in FILTERS:
        choice = st.selectbox(label, ["Any"] + options[key], key=f"filter_{key}")
        if choice != "Any":
            filters[key] = choice
    mode = "extractive"
    if settings.llm_backend != "none":
        mode = st.radio("Answer mode", list(MODES), format_func=MODES.get, key="mode")
    if st.button("New conversation", icon="🧹"):
        state.messages = []
        st.rerun()

st.title("Ask the hub")
st.caption("Answers come only from the program's guides and policies, with sources. "
           "Never type student names or personal details.")

def _take_question() -> None:
    """On submit, before the run: the question waits in ``asking`` until its answer is stored, so
    a run interrupted by another click answers it again instead of losing it."""
    state.asking = state.chat_question


# No new question while one is being answered (in this tab): the box is disabled until it is stored.
st.chat_input("Ask about AI in your classroom…", key="chat_question", max_chars=MAX_QUESTION_CHARS,
              on_submit=_take_question, disabled=bool(state.get("asking")))
question = state.get("asking")
if not state.messages and not question:
    st.write("Try one of these:")
    cols = st.columns(2)
    for i, example in enumerate(EXAMPLES):
        if cols[i % 2].button(example, key=f"example_{i}"):
            state.asking = example
            st.rerun()

for message in state.messages:
    with st.chat_message(message["role"]):
        if message["role"] == "user":
            st.markdown(safe.text(message["content"]))
        else:
            show_answer(message["answer"])
            feedback(message)

if question:
    try:
        check_question(question)
    except HubqaError as e:
        del state.asking
        st.error(str(e))
        st.stop()
    history = [m["standalone"] for m in state.messages if m["role"] == "assistant"]
    clean, removed = redact(question)
    with st.chat_message("user"):
        st.markdown(safe.text(clean))  # the conversation keeps only the redacted question
        show_removed(removed)  # what was taken out, and why, before the answer
    with st.chat_message("assistant"):
        placeholder = st.empty()
        written, final = "", None
        try:
            for event in ui.assistant().stream(question, history=history, filters=filters or None,
                                               use_llm=mode == "llm"):
                if event.answer is not None:
                    final = event.answer.to_dict()
                else:
                    written += event.text
                    placeholder.markdown(safe.document(written, settings.link_domains) + " ▌")
        except HubqaError as e:
            del state.asking
            placeholder.empty()
            st.error(str(e))
            st.stop()
        assert final is not None
        # Stored before anything else is drawn: nothing between here and the rerun can interrupt it.
        message = {"role": "assistant", "answer": final, "standalone": final["standalone_question"],
                   "qid": record(final, mode, filters)}
        state.messages.append({"role": "user", "content": final["question"]})
        state.messages.append(message)
        del state.asking
    st.rerun()  # the answer shows from the conversation, and the box is enabled again
