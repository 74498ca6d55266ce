"""Coach workspace: the corpus. Upload, replace, retire, tag and re-index, without a terminal.

Every change re-reads the index before the page is drawn again (the table, the counts and the
editor always show what the hub holds now), the tag editor is keyed by document (its fields
always show the chosen document's tags), and tag values come from the vocabulary, in select
boxes. Uploads go to the uploads folder, outside the bundled corpus.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ingest.loaders import LOADERS
from ingest.pipeline import IngestReport, reindex_paths, with_uploads
from ingest.tags import set_tags, tags_for
from ingest.uploads import folders_to_reindex, quarantine_failed, retire_document, save_upload
from rag.chunks import TAG_FIELDS
from rag.errors import HubqaError
from rag.guards.injection import PlantedSentence, planted_in_store
from rag.vocabulary import canonical, label, ordered, unknown, vocabulary
from ui import safe
from ui import state as ui

FLASH = "corpus_flash"
NONE = ""


def done(message: str, problems: list[str] | None = None) -> None:
    """Say what happened at the top of the freshly drawn page (the index is re-read there);
    ``message`` and ``problems`` are Markdown already made safe."""
    st.session_state[FLASH] = (message, list(problems or []))
    st.rerun()


def skipped(report: IngestReport, left_out: frozenset[Path] = frozenset()) -> list[str]:
    """The files the ingest skipped, and why, as text (``left_out``: reported already)."""
    return [
        f"{safe.text(f.path)}: {safe.text(f.error)}" for f in report.failed if Path(f.path).absolute() not in left_out
    ]


@st.cache_data(max_entries=2, show_spinner="Looking for planted requests…")
def planted(generation: int) -> list[PlantedSentence]:
    """Read once per version of the index, not on every rerun."""
    return planted_in_store(ui.assistant().store)


account = ui.require("coach")
hub = ui.assistant()
settings = hub.settings
vocab = vocabulary(settings.extra_tag_values)
st.title("Corpus")

if FLASH in st.session_state:
    message, problems = st.session_state.pop(FLASH)
    st.success(message, icon=":material/check_circle:")
    for problem in problems:
        st.error(problem)

documents = hub.store.read_documents()
rows = [
    {
        "title": r.title,
        **{k: r.metadata.get(k, "") for k in TAG_FIELDS},
        "chunks": r.chunks,
        "last ingest": r.ingested_at[:10],
    }
    for r in sorted(documents.values(), key=lambda r: r.title.lower())
]
st.caption(
    f"{len(rows)} documents, {sum(r.chunks for r in documents.values())} chunks, from {settings.corpus_dir}/ "
    f"and uploads in {settings.uploads_path}/"
)
# Every row and column on the page (ids and files are in the editor below).
text = st.column_config.TextColumn
st.dataframe(
    rows,
    hide_index=True,
    height="content",
    column_config={
        "title": text(width=300),
        "grade_band": text("grade band", width=70),
        "subject": text(width=100),
        "topic": text(width=115),
        "audience": text(width=65),
        "chunks": st.column_config.NumberColumn(width=50),
        "last ingest": text(width=85),
    },
)

off_list = [
    (r, k, r.metadata[k])
    for r in documents.values()
    for k in TAG_FIELDS
    if r.metadata.get(k) and unknown(k, r.metadata[k], vocab)
]
if off_list:
    with st.expander(f"{len(off_list)} tag value(s) outside the vocabulary", icon=":material/sell:"):
        st.caption(
            "Teachers can still filter on them, but they may be typos: pick a value below, or a "
            "maintainer adds them with extra_tag_values in hubqa.toml."
        )
        for r, k, v in sorted(off_list, key=lambda x: x[0].title.lower()):
            st.markdown(f"- {safe.text(r.title)} ({safe.text(r.doc_id)}): {k.replace('_', ' ')} “{safe.text(v)}”")

last = ui.guarded(ui.database().last_ingest)
if last is not None and last.report.get("failed"):
    with st.expander(
        f"{len(last.report['failed'])} file(s) skipped at the last ingest ({last.finished_at:%Y-%m-%d %H:%M} UTC)",
        expanded=True,
        icon=":material/warning:",
    ):
        for failure in last.report["failed"]:
            st.markdown(f"- {safe.text(failure['path'])}: {safe.text(failure['error'])}")

flagged = planted(hub.store.generation())
if flagged:
    with st.expander(
        f"{len(flagged)} planted sentence(s) found in {len({f.doc_id for f in flagged})} document(s): "
        "each such document is withheld from answers until it is fixed (and re-indexed) or retired.",
        expanded=True,
        icon=":material/flag:",
    ):
        for item in flagged:
            where = " · ".join(x for x in (item.section, f"page {item.page}" if item.page else "") if x)
            st.markdown(
                f"**{safe.text(item.title)}** ({safe.text(item.doc_id)}{' · ' + safe.text(where) if where else ''})"
                f" — {safe.text(item.reason)}"
            )
            st.text(item.sentence)  # shown as text, exactly as written

st.subheader("Add documents")
with st.form("upload", clear_on_submit=True):
    files = st.file_uploader(
        "Files",
        type=[ext.lstrip(".") for ext in LOADERS],
        accept_multiple_files=True,
        help=f"Up to {settings.max_file_mb:g} MB each.",
    )
    replace = st.checkbox("Replace documents with the same name (the old file is archived)")
    add = st.form_submit_button("Add to the hub", type="primary")
if add and files:
    saved: list[Path] = []
    for upload in files:
        try:
            saved.append(
                save_upload(
                    settings.uploads_path,
                    upload.name,
                    upload.getvalue(),
                    settings.max_file_mb,
                    hub.store.read_documents(),
                    replace,
                )
            )
        except HubqaError as e:
            st.error(safe.text(e))  # the message names the file as the browser sent it
    if saved:
        report = ui.reindex(folders_to_reindex(settings.uploads_path, documents, saved), account.name)
        moved = quarantine_failed(saved, report.failed)
        quarantined = [
            f"{safe.text(upload.name)} could not be read ({safe.text(reason)}); it was moved to "
            f"{safe.text(target)} and is not in the hub."
            for upload, target, reason in moved
        ]
        added = [p.name for p in saved if p.is_file()]
        done(
            (f"Added {safe.text(', '.join(added))}: {report.added} new, {report.updated} updated. " if added else "")
            + f"The hub now has {report.documents} documents.",
            quarantined + skipped(report, frozenset(u.absolute() for u, _, _ in moved)),
        )

st.subheader("Edit or retire a document")
if documents:
    ids = sorted(documents, key=lambda d: documents[d].title.lower())
    doc_id = st.selectbox("Document", ids, format_func=lambda d: f"{documents[d].title} ({d})", key="edit_doc")
    record = documents[doc_id]
    path = Path(record.source)
    current = {**{k: record.metadata.get(k, "") for k in TAG_FIELDS}, **tags_for(path)} if path.is_file() else {}
    # Every widget below is keyed by the document, so choosing another one shows its own values.
    with st.form(f"tags {doc_id}"):
        st.caption("Tags set here win over the file's own metadata (kept in .hubqa-tags.yaml beside it).")
        values = {}
        for field in TAG_FIELDS:
            now = canonical(field, current[field], vocab) if current.get(field) else NONE
            choices = [NONE, *ordered(field, [*vocab[field], now], vocab)]
            values[field] = st.selectbox(
                field.replace("_", " ").capitalize(),
                choices,
                index=choices.index(now),
                format_func=lambda v: "(none)" if v == NONE else label(v),
                key=f"tag {doc_id} {field}",
            )
        save = st.form_submit_button("Save tags")
    if save:
        try:
            set_tags(path, values, vocab)
            report = ui.reindex(reindex_paths(record), account.name)
        except HubqaError as e:
            st.error(str(e))
        else:
            done(f"Saved the tags of {safe.text(record.title)}.", skipped(report))
    confirm = st.checkbox(f"Yes, take “{safe.text(record.title)}” out of the hub", key=f"confirm_retire {doc_id}")
    if st.button("Retire", disabled=not confirm, icon=":material/archive:", key=f"retire {doc_id}"):
        try:
            archived = retire_document(hub.store, doc_id)
        except HubqaError as e:
            st.error(str(e))
        else:
            done(
                f"Retired {safe.text(record.title)}."
                + (f" The file is kept as {safe.text(archived)}." if archived else "")
            )

st.subheader("Re-index")
st.caption("Picks up files added, changed or deleted in the corpus and uploads folders; unchanged files cost nothing.")
if st.button("Re-index the corpus", icon=":material/sync:", key="reindex"):
    report = ui.reindex(with_uploads([settings.corpus_dir], settings), account.name)
    done(
        f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, {report.removed} removed.",
        skipped(report),
    )
