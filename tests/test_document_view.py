"""The document view's highlights: quotes found again in a PDF page's characters and in Markdown."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from fpdf import FPDF
from PIL import Image

from ingest.loaders import load_document
from ingest.parsed import LoadError
from ingest.pdf_render import HIGHLIGHT, SCALE, page_count, render_page
from ingest.quotes import find_spans, mark_markdown

REPO = Path(__file__).resolve().parents[1]
POLICY = REPO / "corpus" / "model-district-ai-policy.pdf"


def yellow_pixels(png: bytes) -> int:
    """Pixels of the highlighter's yellow laid over white paper."""
    alpha = HIGHLIGHT[3] / 255
    want = [round(255 * (1 - alpha) + c * alpha) for c in HIGHLIGHT[:3]]
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)
    return int((np.abs(pixels - np.array(want)) <= 3).all(axis=2).sum())


def test_quotes_are_found_whatever_the_spacing_hyphenation_and_ligatures() -> None:
    page = "Teachers shall re-\nview every ﬁnal grade.\r\nStudents   may   not submit AI text."
    [(start, end)] = find_spans(page, ["Teachers shall review every final grade."])
    assert page[start:end] == "Teachers shall re-\nview every ﬁnal grade"
    assert find_spans(page, ["Nothing like this is on the page at all."]) == []
    # A sentence only partly on the page (it runs on from the previous one): its clauses still mark.
    spans = find_spans(page, ["Appeals go to the school board; students may not submit AI text."])
    assert [page[s:e] for s, e in spans] == ["Students   may   not submit AI text"]


def test_markdown_highlight_keeps_the_markup_whole() -> None:
    section = (
        "Meet the student **within 2 school days**, **privately**. Then listen.\n\n"
        "- Keep notes [briefly] and file them."
    )
    marked, found = mark_markdown(
        section, ["Meet the student within 2 school days, privately.", "Keep notes briefly and file them."]
    )
    assert found == 2
    assert marked.startswith(":color[Meet the student **within 2 school days**, **privately**]{background=")
    assert '\n\n- :color[Keep notes \\[briefly\\] and file them]{background="#ffe066"}.' in marked  # list kept
    assert mark_markdown(section, ["Not in this section at all, anywhere."]) == (section, 0)


def test_a_cited_pdf_page_is_drawn_with_its_sentences_highlighted() -> None:
    data = POLICY.read_bytes()
    parsed = load_document(POLICY, data)
    sentence = "AI-text detector means software that claims to estimate whether text was written by AI."
    assert any(sentence in s.text and s.page == 2 for s in parsed.sections)  # what an answer would quote
    page = render_page(data, 2, [sentence])
    assert (page.page, page.pages) == (2, page_count(data)) and len(page.boxes) >= 1
    width, height = Image.open(io.BytesIO(page.png)).size
    assert (width, height) == (round(612 * SCALE), round(792 * SCALE))
    for left, top, right, bottom in page.boxes:  # on the page, about one line of text high
        assert 0 <= left < right <= width and 0 <= top < bottom <= height and bottom - top < 40 * SCALE
    assert yellow_pixels(page.png) > 2000

    plain = render_page(data, 3, [sentence])  # the sentence is not on page 3: nothing marked
    assert plain.boxes == [] and yellow_pixels(plain.png) == 0
    assert render_page(data, 99, []).page == page.pages  # a page past the end shows the last one


def test_a_generated_pdf_and_a_broken_one(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(
        0,
        8,
        "Field trips need one adult chaperone per ten students. Buses are booked "
        "fifteen school days ahead through the transport office.",
    )
    data = bytes(pdf.output())
    page = render_page(data, 1, ["Buses are booked fifteen school days ahead through the transport office."])
    assert page.boxes and yellow_pixels(page.png) > 500
    with pytest.raises(LoadError, match="cannot be drawn"):
        render_page(b"%PDF-1.4 not really", 1, [])
