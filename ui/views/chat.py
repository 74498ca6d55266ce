"""Teacher chat: ask in your own words, get the hub's answer with its sources, rate it.

Signed-in teachers' conversations are saved (listed in the sidebar, reopened, renamed,
deleted; the open one is in the URL, so a reload keeps it). Anonymous chats live for the
browser session. Each answer shows the filters it was asked under and, when the follow-up
rewrite changed the question, what was searched for.
"""

from __future__ import annotations

import html
import re
from typing import Any, Literal
from urllib.parse import urlencode

import streamlit as st

from rag.chunks import FILTER_LABELS
from rag.errors import HubqaError
from rag.guards.limits import check_question
from rag.privacy import redact
from rag.vocabulary import filter_values, label, vocabulary
from ui import safe
from ui import state as ui
from ui.chats import anonymous_chats
from ui.privacy_notice import show_removed

EXAMPLES = [
    "I suspect a student used AI to write an essay. What should I do?",
    "What can 3rd graders do with chatbots?",
    "What should I never paste into a chatbot?",
    "Who approves a new AI tool for my class?",
]
FILTERS = tuple(FILTER_LABELS.items())
ANY = "Any"
MODES = {"extractive": "Quick: the hub's own sentences", "llm": "Written by the language model"}
#: Most quoted sentences carried in a document link (each cut to this many characters).
LINK_QUOTES, LINK_QUOTE_CHARS = 3, 300


def filter_options() -> dict[str, list[str]]:
    """Per filter, the values indexed documents carry now, in the vocabulary's order ("all" left out)."""
    hub = ui.assistant()
    vocab = vocabulary(hub.settings.extra_tag_values)
    present: dict[str, set[str]] = {key: set() for key, _ in FILTERS}
    for doc in hub.store.cached_documents().values():  # cached until the next ingest
        for key in present:
            if doc.metadata.get(key):
                present[key].add(doc.metadata[key])
    return {key: filter_values(key, values, vocab) for key, values in present.items()}


def highlight(passage: str, quotes: list[str]) -> str:
    """The passage as HTML with the sentences the answer used marked (no images, no outside links)."""
    text = html.escape(safe.document(passage, ui.settings().link_domains, escape_html=False))
    for quote in sorted(set(quotes), key=len, reverse=True):
        words = [re.escape(html.escape(w)) for w in quote.split()[:12]]
        if len(words) >= 3:
            text = re.sub(r"(" + r"[\s*_]+".join(words) + r")", r"<mark>\1</mark>", text, count=1)
    return text.replace("\n", "<br>")


def document_link(source: dict[str, Any]) -> str:
    """URL of the document page opened at this source's section or page, with its quotes to mark."""
    query: list[tuple[str, str]] = [("doc", source.get("doc_id") or "")]
    if source.get("page"):
        query.append(("page", str(source["page"])))
    if source.get("section"):
        query.append(("section", str(source["section"])))
    query += [("q", q[:LINK_QUOTE_CHARS]) for q in source.get("quotes", [])[:LINK_QUOTES]]
    return "document?" + urlencode(query)


def filters_text(filters: dict[str, str]) -> str:
    names = dict(FILTERS)
    return " · ".join(f"{names.get(k, k)}: {label(v)}" for k, v in filters.items())


def searched_for(answer: dict[str, Any]) -> str | None:
    """The question actually searched, when the follow-up rewrite changed what was typed."""
    standalone = (answer.get("standalone_question") or "").strip()
    typed = (answer.get("question") or "").strip()
    if standalone and _words(standalone) != _words(typed):
        return standalone
    return None


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def refusal_markdown(answer: dict[str, Any]) -> str:
    """The refusal with its nearest documents listed once, each a link to open it (the answer's
    lines and the documents' titles shown as text: no images or outside links)."""
    nearest = [s for s in answer["sources"][:3] if s.get("doc_id")]
    links = {
        s["title"]: f"[{safe.text(s['title'])}]({document_link(s)})"
        + (f" — {safe.text(s['section'])}" if s.get("section") else "")
        for s in reversed(nearest)
    }
    domains = ui.settings().link_domains
    lines: list[str] = []
    listed: set[str] = set()
    plain: list[str] = []
    for line in answer["answer"].splitlines():
        title = line.removeprefix("- ").strip()
        if line.startswith("- ") and title in links:
            if plain:
                lines.append(safe.document("\n".join(plain), domains))
                plain = []
            lines.append(f"- {links[title]}")
            listed.add(title)
        else:
            plain.append(line)
    if plain:
        lines.append(safe.document("\n".join(plain), domains))
    missing = [t for t in dict.fromkeys(s["title"] for s in nearest) if t not in listed]
    if missing:
        lines += ["", "The nearest documents in the hub:"] + [f"- {links[t]}" for t in missing]
    return "\n".join(lines)


def plain_text(answer: dict[str, Any]) -> str:
    """The answer with its sources as plain text, for copying into an e-mail or a plan."""
    lines = [answer["answer"]]
    if answer["citations"]:
        lines += ["", "Sources:"]
    for c in answer["citations"]:
        where = ", ".join(x for x in (c.get("section") or "", f"page {c['page']}" if c.get("page") else "") if x)
        lines.append(f"[{c['n']}] {c['title']}" + (f" ({where})" if where else ""))
    return "\n".join(lines)


#: Answers whose confidence is this close above the refusal threshold say the hub may only partly cover them.
UNSURE_MARGIN = 0.15


def show_sources(answer: dict[str, Any]) -> None:
    check = answer.get("check")
    if check:
        quoted = answer["mode"] == "extractive"
        colour: Literal["green", "orange", "red"] = (
            "green" if quoted or answer["grounding"] >= 0.99 else "orange" if answer["grounding"] >= 0.6 else "red"
        )
        st.badge(
            check,
            color=colour,
            help="Every sentence is the hub's own words, from the sections cited."
            if quoted
            else "Each sentence the model wrote was checked against the passages it cites.",
        )
    if answer["confidence"] < ui.assistant().threshold + UNSURE_MARGIN:
        st.caption("The hub may only partly cover this question: check the sources.")
    for c in answer["citations"]:
        page = f" · page {c['page']}" if c["page"] else ""
        section = f" — {c['section']}" if c["section"] else ""
        with st.expander(f"[{c['n']}] {safe.text(c['title'])}{safe.text(section)}{page}"):
            st.markdown(highlight(c["text"], c["quotes"]), unsafe_allow_html=True)
            st.markdown(f"[Open the document at this place]({document_link(c)}) · {safe.text(c['source'])}")


def show_answer(turn: dict[str, Any], index: int, removed_shown: bool = False) -> None:
    """One answer; ``removed_shown``: the question's removed items are listed above it in this
    run, so the answer's shorter privacy note would say the same thing twice."""
    answer, filters = turn["answer"], turn.get("filters") or {}
    st.markdown(
        refusal_markdown(answer) if answer["refused"] else safe.document(answer["answer"], ui.settings().link_domains)
    )
    searched = searched_for(answer)
    if searched:
        st.caption(f"Searched for: {safe.text(searched)}")
    if filters:
        st.caption(f"Filters: {safe.text(filters_text(filters))}")
    for note in answer["notes"]:
        if "privacy" in note and removed_shown:
            continue
        st.info(safe.text(note), icon=":material/lock:" if "privacy" in note else ":material/info:")
    if not answer["refused"]:
        show_sources(answer)
    with st.container(horizontal=True):
        with st.popover("Copy", icon=":material/content_copy:"):
            st.code(plain_text(answer), language=None, wrap_lines=True)
        busy = bool(st.session_state.get("asking"))  # one question at a time, as the chat box
        st.button(
            "Ask again",
            key=f"again_{index}",
            icon=":material/refresh:",
            on_click=ask_again,
            args=(turn["question"], filters),
            disabled=busy,
        )
        if answer["refused"] and filters:
            st.button(
                "Search the whole hub",
                key=f"whole_{index}",
                icon=":material/travel_explore:",
                type="primary",
                on_click=ask_again,
                args=(turn["question"], {}),
                disabled=busy,
                help="Ask the same question again with no filters.",
            )


def ask_again(question: str, filters: dict[str, str]) -> None:
    """Set the sidebar's filters to ``filters`` and ask ``question`` again (a button callback)."""
    for key, _ in FILTERS:
        st.session_state[f"filter_{key}"] = filters.get(key, ANY)
    st.session_state["asking"] = question


def feedback(turn: dict[str, Any]) -> None:
    """Thumbs saved at once; an optional comment and a wrong-source flag update the same row."""
    qid = turn.get("qid")
    if qid is None:
        return
    value = st.feedback("thumbs", key=f"thumbs_{qid}")
    if value is None:
        return
    helpful = value == 1
    saved = turn.setdefault("feedback", {})
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
        comment = st.text_area(
            "Tell us more (optional)",
            key=f"comment_text_{qid}",
            placeholder="What was wrong or missing? No student names, please.",
        )
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
        st.success("Thank you: a coach will read this.", icon=":material/check_circle:")


def _user() -> str | None:
    account = ui.current_account()
    return account.name if account else None


def record(answer: dict[str, Any], mode: str, filters: dict[str, str]) -> int | None:
    """Store the question (refused ones are the corpus's gaps); the answer shows even if this fails."""
    hub = ui.assistant()
    used = {
        "mode": mode,
        "filters": filters,
        "threshold": hub.threshold,
        "top_k": hub.settings.top_k,
        "embedding_model": hub.settings.embedding_model,
        "llm_backend": hub.settings.llm_backend,
        "llm_model": hub.settings.llm_model,
    }
    try:
        return ui.database().record_question(answer, used, _user())
    except HubqaError as e:
        st.warning(f"Your answer is below, but it could not be saved for the hub's coaches: {e}")
        return None


# -- the conversation: saved for accounts, kept per browser session for everyone else -------


def open_conversation(conversation_id: int | None) -> None:
    """Show a saved conversation (None: start a new one); a button callback."""
    state = st.session_state
    state.conversation_id = conversation_id
    state.turns = []
    state.pop("loaded", None)
    if conversation_id is None:
        st.query_params.pop("c", None)
        if ui.current_account() is None:
            anonymous_chats().clear(ui.browser_id())
    else:
        st.query_params["c"] = str(conversation_id)


def load_turns(user: str | None) -> list[dict[str, Any]]:
    """This tab's turns: a saved conversation named in the URL, or this browser's anonymous chat."""
    state = st.session_state
    if user is None:
        return anonymous_chats().turns(ui.browser_id())
    wanted = st.query_params.get("c")
    if wanted and wanted.isdigit() and state.get("loaded") != (user, int(wanted)):
        try:
            rows = ui.database().turns(user, int(wanted))
        except HubqaError as e:
            st.warning(str(e))
            st.query_params.pop("c", None)
            rows = []
        else:
            state.conversation_id = int(wanted)
        state.turns = [
            {"question": r.question, "answer": r.answer, "filters": r.answer.get("filters", {}), "qid": r.question_id}
            for r in rows
        ]
        state.loaded = (user, int(wanted))
    return state.setdefault("turns", [])


def save_turn(user: str | None, turn: dict[str, Any], turns: list[dict[str, Any]]) -> None:
    if user is None:
        anonymous_chats().append(ui.browser_id(), turn)
        return
    turns.append(turn)
    state = st.session_state
    try:
        state.conversation_id = ui.database().add_turn(
            user,
            state.get("conversation_id"),
            turn["question"],
            {**turn["answer"], "filters": turn["filters"]},
            turn["qid"],
        )
    except HubqaError as e:
        st.warning(f"The answer is below, but the conversation could not be saved: {e}")
        return
    state.loaded = (user, state.conversation_id)
    st.query_params["c"] = str(state.conversation_id)


def conversation_list(user: str) -> None:
    """The sidebar's saved conversations: open one; rename or delete the open one."""
    try:
        saved = ui.database().conversations(user)
    except HubqaError as e:
        st.warning(str(e))
        return
    st.subheader("Your conversations")
    if not saved:
        st.caption("Your questions and answers are saved here.")
    current = st.session_state.get("conversation_id")
    for c in saved:
        st.button(
            safe.text(c.title),
            key=f"conversation_{c.id}",
            on_click=open_conversation,
            args=(c.id,),
            icon=":material/chat_bubble:",
            type="primary" if c.id == current else "tertiary",
            help=f"Last used {c.updated_at:%Y-%m-%d %H:%M} UTC",
        )
    if current is None or current not in {c.id for c in saved}:
        return
    title = next(c.title for c in saved if c.id == current)
    with st.popover("Rename or delete", icon=":material/edit:"):
        with st.form("rename", border=False):
            new_title = st.text_input("Title", value=title, key=f"title_{current}", max_chars=80)
            if st.form_submit_button("Rename") and new_title.strip():
                ui.guarded(lambda: ui.database().rename_conversation(user, current, new_title))
                st.rerun()
        sure = st.checkbox("Yes, delete this conversation", key=f"confirm_delete_{current}")
        if st.button("Delete", disabled=not sure, icon=":material/delete:", key=f"delete_{current}"):
            ui.guarded(lambda: ui.database().delete_conversation(user, current))
            open_conversation(None)
            st.rerun()


# -- the page --------------------------------------------------------------------------------

state = st.session_state
settings = ui.settings()
account = ui.current_account()
if settings.chat_requires_sign_in and account is None:
    st.title("Ask the hub")
    st.info("Sign in to ask the hub.")
    ui.sign_in_form("chat_signin")
    st.stop()
user = account.name if account else None
# Before the sidebar: a conversation opened from the URL (a reload, a bookmark) is the one the
# sidebar marks as open, with its rename and delete.
turns = load_turns(user)

with st.sidebar:
    st.header("Filters")
    try:
        options = filter_options()
    except HubqaError as e:
        st.error(str(e))
        st.stop()
    filters = {}
    for key, name in FILTERS:
        if state.get(f"filter_{key}") not in (None, ANY, *options[key]):
            state[f"filter_{key}"] = ANY  # a value no document carries any more
        choice = st.selectbox(name, [ANY, *options[key]], key=f"filter_{key}", format_func=label)
        if choice != ANY:
            filters[key] = choice
    mode = "extractive"
    if settings.llm_backend != "none":
        mode = st.radio("Answer mode", list(MODES), format_func=MODES.get, key="mode")
    st.button("New conversation", icon=":material/add_comment:", on_click=open_conversation, args=(None,))
    if user is not None:
        conversation_list(user)

st.title("Ask the hub")
st.caption(
    "Answers come only from the program's guides and policies, with sources. "
    "Never type student names or personal details."
)


def _take_question() -> None:
    """On submit, before the run: the question waits in ``asking`` until its answer is stored, so
    a run interrupted by another click answers it again instead of losing it. One sent before the
    browser has drawn the box disabled (a fast typist, a slow server) waits its turn behind it."""
    if state.get("asking"):
        state.queued = [*state.get("queued", []), state.chat_question]
    else:
        state.asking = state.chat_question


def _next_question() -> None:
    """The question just handled is done (stored, or refused with a reason): the next one waiting, if any."""
    queued = state.get("queued", [])
    if queued:
        state.asking, state.queued = queued[0], queued[1:]
    else:
        state.pop("asking", None)


def give_up(e: HubqaError) -> None:
    """The question is not answered: say why on a fresh run, where the chat box is enabled again."""
    _next_question()
    state.question_problem = str(e)
    st.rerun()


# What the privacy guard removed from the question just answered: shown once, under it, in the
# run right after the answer was stored (then gone; see ui/privacy_notice.py).
just_removed = state.pop("just_removed", None)
# Why the last question could not be answered, shown after a rerun that enables the box again.
problem = state.pop("question_problem", None)
# No new question while one is being answered (in this tab): the box is disabled until it is stored.
# No max_chars: Streamlit would cut a long paste silently; check_question below says what to do.
st.chat_input(
    "Ask about AI in your classroom…", key="chat_question", on_submit=_take_question, disabled=bool(state.get("asking"))
)
question = state.get("asking")
if not turns and not question:
    st.write("Try one of these:")
    cols = st.columns(2)
    for i, example in enumerate(EXAMPLES):
        if cols[i % 2].button(example, key=f"example_{i}"):
            state.asking = example
            st.rerun()

for i, turn in enumerate(turns):
    with st.chat_message("user"):
        st.markdown(safe.text(turn["question"]))
        if just_removed and i == len(turns) - 1:
            show_removed(just_removed)
    with st.chat_message("assistant"):
        show_answer(turn, i, removed_shown=bool(just_removed) and i == len(turns) - 1)
        feedback(turn)
if problem:
    st.error(problem)


if question:
    try:
        check_question(question)
    except HubqaError as e:
        give_up(e)
    history = [t["answer"]["standalone_question"] for t in turns]
    clean, removed = redact(question)
    with st.chat_message("user"):
        st.markdown(safe.text(clean))  # the conversation keeps only the redacted question
        show_removed(removed)  # what was taken out, and why, before the answer
    with st.chat_message("assistant"):
        placeholder = st.empty()
        written, final = "", None
        try:
            for event in ui.assistant().stream(
                question, history=history, filters=filters or None, use_llm=mode == "llm"
            ):
                if event.answer is not None:
                    final = event.answer.to_dict()
                else:
                    written += event.text
                    placeholder.markdown(safe.document(written, settings.link_domains) + " ▌")
        except HubqaError as e:
            give_up(e)
        assert final is not None
        # Stored before anything else is drawn: nothing between here and the rerun can interrupt it.
        turn = {"question": final["question"], "answer": final, "filters": filters, "qid": record(final, mode, filters)}
        save_turn(user, turn, turns)
        _next_question()
        if removed:
            state.just_removed = removed
    st.rerun()  # the answer shows from the conversation, and the box is enabled again
