"""Teacher chat: ask in your own words, get the hub's answer with its sources."""

from __future__ import annotations

import html
import re

import streamlit as st

from rag.assistant import Assistant
from rag.errors import HubqaError
from rag.privacy import redact
from rag.settings import load_settings

EXAMPLES = [
    "I suspect a student used AI to write an essay. What should I do?",
    "What can 3rd graders do with chatbots?",
    "What should I never paste into a chatbot?",
    "Who approves a new AI tool for my class?",
]


@st.cache_resource(show_spinner="Loading the hub…")
def assistant() -> Assistant:
    """One assistant per server process: the model and the index load once."""
    return Assistant(load_settings())


@st.cache_data(ttl=300)
def filter_options() -> dict[str, list[str]]:
    docs = assistant().store.documents().values()
    options: dict[str, set[str]] = {"grade_band": set(), "subject": set(), "topic": set()}
    for doc in docs:
        for key in options:
            if doc.metadata.get(key):
                options[key].add(doc.metadata[key])
    return {key: sorted(values) for key, values in options.items()}


def highlight(passage: str, quotes: list[str]) -> str:
    """The passage as HTML with the sentences the answer used marked."""
    text = html.escape(passage)
    for quote in sorted(set(quotes), key=len, reverse=True):
        words = [re.escape(html.escape(w)) for w in quote.split()[:12]]
        if len(words) >= 3:
            text = re.sub(r"(" + r"[\s*_]+".join(words) + r")", r"<mark>\1</mark>", text, count=1)
    return text.replace("\n", "<br>")


def show_answer(answer: dict) -> None:
    st.markdown(answer["answer"])
    for note in answer["notes"]:
        st.info(note, icon="🔒" if "privacy" in note else "ℹ️")
    if answer["refused"]:
        return
    badge = "green" if answer["grounding"] >= 0.99 else "orange" if answer["grounding"] >= 0.6 else "red"
    st.badge(f"Grounded {answer['grounding']:.0%}", color=badge)
    for c in answer["citations"]:
        where = " › ".join(x for x in (c["section"],) if x)
        page = f" · page {c['page']}" if c["page"] else ""
        with st.expander(f"[{c['n']}] {c['title']}{' — ' + where if where else ''}{page}"):
            st.caption(f"{c['source']}{page}")
            st.markdown(highlight(c["text"], c["quotes"]), unsafe_allow_html=True)


state = st.session_state
state.setdefault("messages", [])

with st.sidebar:
    st.header("Filters")
    try:
        options = filter_options()
    except HubqaError as e:
        st.error(str(e))
        st.stop()
    filters = {}
    for key, label in (("grade_band", "Grade band"), ("subject", "Subject"), ("topic", "Topic")):
        choice = st.selectbox(label, ["Any"] + options[key], key=f"filter_{key}")
        if choice != "Any":
            filters[key] = choice
    if st.button("New conversation", icon="🧹"):
        state.messages = []
        st.rerun()

st.title("Ask the hub")
st.caption("Answers come only from the program's guides and policies, with sources. "
           "Never type student names or personal details.")

if not state.messages:
    st.write("Try one of these:")
    cols = st.columns(2)
    for i, example in enumerate(EXAMPLES):
        if cols[i % 2].button(example, key=f"example_{i}"):
            state.pending = example
            st.rerun()

for message in state.messages:
    with st.chat_message(message["role"]):
        if message["role"] == "user":
            st.markdown(message["content"])
        else:
            show_answer(message["answer"])

question = st.chat_input("Ask about AI in your classroom…") or state.pop("pending", None)
if question:
    history = [m["standalone"] for m in state.messages if m["role"] == "assistant"]
    with st.chat_message("user"):
        st.markdown(redact(question)[0])  # the conversation keeps only the redacted question
    with st.chat_message("assistant"):
        try:
            answer = assistant().ask(question, history=history, filters=filters or None).to_dict()
        except HubqaError as e:
            st.error(str(e))
            st.stop()
        show_answer(answer)
    state.messages.append({"role": "user", "content": answer["question"]})
    state.messages.append({"role": "assistant", "answer": answer, "standalone": answer["standalone_question"]})
