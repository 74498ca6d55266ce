"""Read a hub document, opened at the section or page an answer cited, with the quote highlighted.

A PDF shows the page itself (rendered by PDFium) with the cited sentences marked where they are
printed; Markdown, HTML and the other formats show the cited section rendered, the quote on a
highlighter background. The link from an answer carries ``doc``, ``page``, ``section`` and up
to three quoted sentences (``q``).
"""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from ingest.loaders import load_document
from ingest.parsed import LoadError, ParsedDocument, Section
from ingest.pdf_render import PageImage, render_page
from ingest.quotes import mark_markdown
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


@st.cache_data(max_entries=32, show_spinner="Drawing the page…")
def pdf_page(path: str, mtime_ns: int, page: int, quotes: tuple[str, ...]) -> PageImage:
    """One rendered page (cached per file version, page and quotes: drawing takes a moment)."""
    del mtime_ns  # part of the cache key only
    return render_page(Path(path).read_bytes(), page, list(quotes))


def show_pdf(path: Path, wanted_page: int | None, quotes: list[str]) -> None:
    """The cited page as an image with the quotes highlighted, and buttons to turn pages."""
    state = st.session_state
    key = f"pdf_page {path}"
    if state.get("pdf_link") != (str(path), wanted_page, tuple(quotes)):  # a new link: open at its page
        state["pdf_link"] = (str(path), wanted_page, tuple(quotes))
        state[key] = wanted_page or 1
    try:
        shown = pdf_page(str(path), path.stat().st_mtime_ns, state.get(key, 1), tuple(quotes))
    except LoadError as e:
        st.error(f"{path}: {e}")
        return
    state[key] = shown.page
    left, middle, right = st.columns([1, 2, 1])
    if left.button("Previous page", icon=":material/arrow_back:", disabled=shown.page <= 1):
        state[key] = shown.page - 1
        st.rerun()
    marked = " · the cited sentences are highlighted" if shown.boxes else ""
    middle.markdown(f"**Page {shown.page} of {shown.pages}**{marked}")
    if right.button("Next page", icon=":material/arrow_forward:", disabled=shown.page >= shown.pages):
        state[key] = shown.page + 1
        st.rerun()
    if quotes and not shown.boxes and shown.page == wanted_page:
        st.caption(
            "The quoted sentences could not be located on this page's printed text; they are in the "
            "passage shown with the answer."
        )
    st.image(shown.png, caption=f"{path.name}, page {shown.page}", width="stretch")


documents = ui.assistant().store.read_documents()
if not documents:
    st.info("The hub has no documents yet.")
    st.stop()
ids = sorted(documents, key=lambda d: documents[d].title.lower())
params = st.query_params
wanted = params.get("doc", ids[0])
doc_id = st.selectbox(
    "Document", ids, index=ids.index(wanted) if wanted in ids else 0, format_func=lambda d: documents[d].title
)
record = documents[doc_id]
path = Path(record.source)
domains = ui.settings().link_domains
st.title(safe.text(record.title))
st.caption(
    " · ".join(f"{k.replace('_', ' ')}: {safe.text(v)}" for k, v in sorted(record.metadata.items()) if k != "summary")
)
if not path.is_file():
    st.warning(f"The file {record.source} is no longer on disk; it may have been retired.")
    st.stop()
data = path.read_bytes()
try:
    parsed = load_document(path, data)
except LoadError as e:
    st.error(f"{record.source}: {e}")
    st.stop()
st.download_button("Download the original", data, file_name=path.name, icon=":material/download:")

linked = doc_id == wanted
# The link's parts come from a URL anyone can write: a page of this document, bounded text.
page = requested_page(params.get("page", ""), parsed) if linked else None
heading = params.get("section", "")[:500] if linked else ""
quotes = [q[:500] for q in params.get_all("q") if q.strip()][:3] if linked else []

if record.kind == "pdf":
    if page or heading:
        where = " › ".join(x for x in (heading, f"page {page}" if page else "") if x)
        st.markdown(f"**The cited place: {safe.text(where)}**")
    show_pdf(path, page, quotes)
    with st.expander("The text of the whole document (as extracted for answering)"):
        for section in parsed.sections:
            st.caption(
                safe.text(" › ".join(x for x in (section.path, f"page {section.page}" if section.page else "") if x))
            )
            st.text(section.text)  # plain: extracted PDF text has no reliable Markdown structure
    st.stop()

target = [s for s in parsed.sections if matches(s, page, heading)] if (page or heading) else []
if target:
    where = " › ".join(x for x in (heading, f"page {page}" if page else "") if x)
    found = 0
    with st.container(border=True):
        st.markdown(f"**The cited place: {safe.text(where)}**")
        for section in target:
            text, n = mark_markdown(safe.document(section.text, domains), quotes)
            found += n
            st.markdown(text)
    if quotes and not found:
        st.caption("The quoted sentences could not be located in this section's text.")

with st.expander("The whole document", expanded=not target):
    shown = None
    for section in parsed.sections:
        label = " › ".join(x for x in (section.path, f"page {section.page}" if section.page else "") if x)
        if label and label != shown:
            st.markdown(f"#### {safe.text(label)}")
            shown = label
        st.markdown(safe.document(section.text, domains))
