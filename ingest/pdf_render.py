"""A PDF page as an image, with the cited sentences highlighted where they are printed.

PDFium renders the page and reports where each character sits; the cited sentences are found
among the page's characters (ingest/quotes.py) and their boxes painted over in translucent
yellow, as a reader's highlighter would. The document view shows this instead of extracted text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageDraw

from ingest.parsed import LoadError
from ingest.quotes import find_spans

HIGHLIGHT = (255, 214, 0, 96)
#: Pixels per PDF point: 2 renders a letter-size page 1224 px wide, sharp on most screens.
SCALE = 2.0


@dataclass
class PageImage:
    png: bytes
    page: int
    pages: int
    #: The highlighted areas, in image pixels (left, top, right, bottom).
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)


def page_count(data: bytes) -> int:
    pdf = _open(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


def render_page(data: bytes, page: int, quotes: list[str], scale: float = SCALE) -> PageImage:
    """Page ``page`` (1-based, clamped to the document) as a PNG, with ``quotes`` highlighted."""
    pdf = _open(data)
    try:
        number = min(max(page, 1), len(pdf))
        pdf_page = pdf[number - 1]
        image = pdf_page.render(scale=scale, may_draw_forms=True).to_pil().convert("RGBA")
        boxes = _quote_boxes(pdf_page, quotes, scale) if quotes else []
        if boxes:
            overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
            draw = ImageDraw.Draw(overlay)
            for box in boxes:
                draw.rectangle(box, fill=HIGHLIGHT)
            image = Image.alpha_composite(image, overlay)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="PNG", optimize=True)
        return PageImage(out.getvalue(), number, len(pdf), boxes)
    finally:
        pdf.close()


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise LoadError(f"the PDF cannot be drawn ({e})") from e


def _quote_boxes(page: pdfium.PdfPage, quotes: list[str], scale: float) -> list[tuple[float, float, float, float]]:
    """Image-pixel rectangles covering the quotes' characters on this page (line by line)."""
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range()
        chars = (
            list(text)
            if len(text) == count
            else [chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i) or 32) for i in range(count)]
        )
        left, _, _, top = page.get_cropbox()
        boxes = []
        for start, end in find_spans(chars, quotes):
            for i in range(textpage.count_rects(start, end - start)):
                x0, y0, x1, y1 = textpage.get_rect(i)
                pad = 1.5
                boxes.append(
                    (
                        (x0 - left - pad) * scale,
                        (top - y1 - pad) * scale,
                        (x1 - left + pad) * scale,
                        (top - y0 + pad) * scale,
                    )
                )
        return boxes
    finally:
        textpage.close()
