"""Coach workspace: what teachers ask that the hub can't answer, and what they think of answers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rag.appdata.insights import Gap, citation_ranking, group_gaps, likely_wrong
from ui import safe
from ui import state as ui


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@st.cache_data(max_entries=4, show_spinner="Grouping unanswered questions…")
def gap_groups(questions: tuple[str, ...]) -> list[Gap]:
    """Embedding hundreds of questions takes seconds: once per set of gaps, not on every rerun."""
    return group_gaps(list(questions), ui.assistant().embeddings.embed_documents)


ui.require("coach")
hub, db = ui.assistant(), ui.database()
st.title("Insights")

per_day = ui.guarded(db.questions_per_day) or []
if per_day:
    st.subheader("Questions over time")
    frame = pd.DataFrame(per_day, columns=["day", "questions", "unanswered"]).set_index("day")
    st.bar_chart(frame, stack=False)

st.subheader("Gaps: questions the hub could not answer")
gaps_rows = ui.guarded(lambda: db.questions(refused=True, filtered=False, limit=500)) or []
if not gaps_rows:
    st.caption("No unanswered questions yet (refusals under filters are not counted: the filters were narrow).")
else:
    gaps = gap_groups(tuple(q.question for q in gaps_rows))
    st.caption(f"{plural(len(gaps_rows), 'unanswered question')} in {plural(len(gaps), 'group')}, largest first.")
    for gap in gaps:
        newest = max(gaps_rows[i].asked_at for i in gap.indices)
        with st.expander(f"{len(gap.indices)} × {safe.text(gap.label)}  ·  last asked {newest:%Y-%m-%d}"):
            for question in gap.questions:
                st.markdown(f"- {safe.text(question)}")

down = ui.guarded(lambda: db.feedback(helpful=False, limit=200)) or []
st.subheader("Answers likely wrong")
answered = ui.guarded(lambda: db.questions(refused=False, limit=1000)) or []
suspects = likely_wrong(answered, {q.id for _, q in down})
if not suspects:
    st.caption("None yet: no thumbs-down, no sentence the grounding check flagged, no answer that was nearly refused.")
else:
    st.caption(
        f"{len(suspects)} of the last {len(answered)} answers: a thumbs-down, sentences not supported by "
        "their sources, or a confidence just above the refusal threshold. Check them first."
    )
    for suspect in suspects[:50]:
        q = suspect.question
        with st.expander(f"{q.asked_at:%Y-%m-%d} · {safe.text(q.question)}  ·  {'; '.join(suspect.reasons)}"):
            st.markdown(safe.document(q.answer, hub.settings.link_domains))
            if q.citations:
                st.caption("Cited: " + "; ".join(f"[{c['n']}] {safe.text(c['title'])}" for c in q.citations))

st.subheader("Answers teachers marked unhelpful")
if not down:
    st.caption("No thumbs-down yet.")
for fb, q in down:
    flag = " · ⚠️ wrong source" if fb.wrong_source else ""
    with st.expander(f"{fb.created_at:%Y-%m-%d} · {safe.text(q.question)}{flag}"):
        if fb.comment:
            st.markdown(f"**Comment:** {safe.text(fb.comment)}")
        st.markdown(safe.document(q.answer, hub.settings.link_domains))
        if q.citations:
            st.caption("Cited: " + "; ".join(f"[{c['n']}] {safe.text(c['title'])}" for c in q.citations))

st.subheader("Documents by citations")
counts = ui.guarded(db.citation_counts)
if counts is not None:
    cited, never = citation_ranking(counts, hub.store.read_documents())
    left, right = st.columns(2)
    left.markdown("**Most cited**")
    left.dataframe(
        [{"document": r.title, "answers citing it": n} for r, n in cited[:15]], hide_index=True, height="content"
    )
    right.markdown(f"**Never cited** ({len(never)})")
    right.dataframe([{"document": r.title, "id": r.doc_id} for r in never], hide_index=True, height="content")
