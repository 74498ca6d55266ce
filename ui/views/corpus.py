"""Coach workspace: the corpus. Upload, replace, retire, tag and re-index, without a terminal."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ingest.loaders import LOADERS
from ingest.pipeline import reindex_paths
from ingest.tags import TAG_FIELDS, set_tags, tags_for
from ingest.uploads import quarantine_failed, retire_document, save_upload
from rag.errors import HubqaError
from rag.injection import PlantedSentence, planted_in_store
from ui import safe
from ui import state as ui

@st.cache_data(max_entries=2, show_spinner="Looking for planted requests…")
def planted(generation: int) -> list[PlantedSentence]:
    """Read once per version of the index, not on every rerun."""
    return planted_in_store(ui.assistant().store)


account = ui.require("coach")
hub = ui.assistant()
corpus = hub.settings.corpus_dir
st.title("Corpus")

documents = hub.store.documents()
rows = [
    {"title": r.title, "id": r.doc_id, "format": r.kind, **{k: r.metadata.get(k, "") for k in TAG_FIELDS[:3]},
     "chunks": r.chunks, "last ingest": r.ingested_at}
    for r in sorted(documents.values(), key=lambda r: r.title.lower())
]
st.caption(f"{len(rows)} documents, {sum(r['chunks'] for r in rows)} chunks, from {corpus}/")
st.dataframe(rows, hide_index=True, use_container_width=True)

last = ui.guarded(ui.database().last_ingest)
if last is not None and last.report.get("failed"):
    with st.expander(f"{len(last.report['failed'])} file(s) skipped at the last ingest "
                     f"({last.finished_at:%Y-%m-%d %H:%M} UTC)", expanded=True, icon="⚠️"):
        for failure in last.report["failed"]:
            st.markdown(f"- {safe.text(failure['path'])}: {safe.text(failure['error'])}")

flagged = planted(hub.store.generation())
if flagged:
    with st.expander(f"{len(flagged)} planted sentence(s) found: never quoted in answers. Check the documents "
                     "they came from and retire or fix them.", expanded=True, icon="🚩"):
        for item in flagged:
            where = " · ".join(x for x in (item.section, f"page {item.page}" if item.page else "") if x)
            st.markdown(f"**{safe.text(item.title)}** ({safe.text(item.doc_id)}{' · ' + safe.text(where) if where else ''})"
                        f" — {safe.text(item.reason)}")
            st.text(item.sentence)  # shown as text, exactly as written

st.subheader("Add documents")
with st.form("upload", clear_on_submit=True):
    files = st.file_uploader("Files", type=[ext.lstrip(".") for ext in LOADERS], accept_multiple_files=True,
                             help=f"Up to {hub.settings.max_file_mb:g} MB each.")
    replace = st.checkbox("Replace documents with the same name (the old file is archived)")
    add = st.form_submit_button("Add to the hub", type="primary")
if add and files:
    saved: list[Path] = []
    for upload in files:
        try:
            saved.append(save_upload(corpus, upload.name, upload.getvalue(), hub.settings.max_file_mb,
                                     hub.store.documents(), replace))
        except HubqaError as e:
            st.error(str(e))
    if saved:
        report = ui.reindex([corpus], account.name)
        moved = quarantine_failed(saved, report.failed)
        for upload, target, reason in moved:
            st.error(f"{safe.text(upload.name)} could not be read ({safe.text(reason)}); it was moved to "
                     f"{safe.text(target)} and is not in the hub.")
        added = [p.name for p in saved if p.is_file()]
        if added:
            st.success(f"Added {safe.text(', '.join(added))}: {report.added} new, {report.updated} updated.")

st.subheader("Edit or retire a document")
if documents:
    doc_id = st.selectbox("Document", sorted(documents, key=lambda d: documents[d].title.lower()),
                          format_func=lambda d: f"{documents[d].title} ({d})")
    record = documents[doc_id]
    path = Path(record.source)
    with st.form("tags"):
        st.caption("Tags set here win over the file's own metadata (kept in .hubqa-tags.yaml beside it).")
        current = {**{k: record.metadata.get(k, "") for k in TAG_FIELDS}, **tags_for(path)} if path.is_file() else {}
        values = {k: st.text_input(k.replace("_", " ").capitalize(), current.get(k, ""), key=f"tag_{k}")
                  for k in TAG_FIELDS}
        save = st.form_submit_button("Save tags")
    if save:
        try:
            set_tags(path, values)
            ui.reindex(reindex_paths(record), account.name)
            st.success(f"Saved the tags of {safe.text(record.title)}.")
        except HubqaError as e:
            st.error(str(e))
    confirm = st.checkbox(f"Yes, take “{safe.text(record.title)}” out of the hub", key="confirm_retire")
    if st.button("Retire", disabled=not confirm, icon="🗄️"):
        try:
            archived = retire_document(hub.store, doc_id)
            st.success(f"Retired {safe.text(record.title)}." + (f" The file is kept as {safe.text(archived)}."
                                                                 if archived else ""))
        except HubqaError as e:
            st.error(str(e))

st.subheader("Re-index")
st.caption("Picks up files added, changed or deleted in the corpus folder; unchanged files cost nothing.")
if st.button("Re-index the corpus", icon="🔄"):
    report = ui.reindex([corpus], account.name)
    for failure in report.failed:
        st.error(f"{failure.path}: {failure.error}")
    st.success(f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
               f"{report.removed} removed.")
