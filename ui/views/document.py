"""Read a hub document, opened at the section or page an answer cited."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from ingest.loaders import load_document
from ingest.parsed import LoadError, ParsedDocument, Section
from ui import safe
from ui import state as ui


def matches(section: Section, page: int | None, heading: str) -> bool:
    """The cited place: the same page (PDFs) and/or the same heading path, or inside it."""
    if page is not None and section.page != page:
        return False
    return not heading or section.path == heading or section.path.startswith(heading + " > ")


def requested_page(value: str, parsed: ParsedDocument) -> int | None:
    """The ``page=`` of a link, when it is a page of this document (ASCII digits, in range)."""
    if not re.fullmatch(r"[0-9]{1,6}", value):  # not "²", not a 5,000-digit number
        return None
    pages = {s.page for s in parsed.sections if s.page}
    return int(value) if int(value) in pages else None


documents = ui.assistant().store.documents()
if not documents:
    st.info("The hub has no documents yet.")
    st.stop()
ids = sorted(documents, key=lambda d: documents[d].title.lower())
params = st.query_params
wanted = params.get("doc", ids[0])
doc_id = st.selectbox("Document", ids, index=ids.index(wanted) if wanted in ids else 0,
                      format_func=lambda d: documents[d].title)
record = documents[doc_id]
path = Path(record.source)
domains = ui.settings().link_domains
st.title(safe.text(record.title))
st.caption(" · ".join(f"{k.replace('_', ' ')}: {safe.text(v)}" for k, v in sorted(record.metadata.items())
                      if k != "summary"))
if not path.is_file():
    st.warning(f"The file {record.source} is no longer on disk; it may have been retired.")
    st.stop()
data = path.read_bytes()
try:
    parsed = load_document(path, data)
except LoadError as e:
    st.error(f"{record.source}: {e}")
    st.stop()
st.download_button("Download the original", data, file_name=path.name, icon="⬇️")

page = requested_page(params.get("page", ""), parsed) if doc_id == wanted else None
heading = params.get("section", "")[:500] if doc_id == wanted else ""
target = [s for s in parsed.sections if matches(s, page, heading)] if (page or heading) else []
if target:
    where = " › ".join(x for x in (heading, f"page {page}" if page else "") if x)
    with st.container(border=True):
        st.markdown(f"**The cited place: {safe.text(where)}**")
        for section in target:
            st.markdown(safe.document(section.text, domains))

with st.expander("The whole document", expanded=not target):
    shown = None
    for section in parsed.sections:
        label = " › ".join(x for x in (section.path, f"page {section.page}" if section.page else "") if x)
        if label and label != shown:
            st.markdown(f"#### {safe.text(label)}")
            shown = label
        st.markdown(safe.document(section.text, domains))
