"""Render the PDF documents of the bundled corpus from their Markdown sources.

Sources live in ``corpus/.pdf-src/*.md`` (reviewed in diffs); the PDFs in ``corpus/`` are
generated, never edited by hand. Each PDF has real headings, an outline (bookmarks), page
numbers, the front matter as document properties, and the SHA-256 of its source, which
``tests/test_corpus.py`` uses to notice a PDF that is out of date.

    python scripts/build_pdfs.py            # rebuild every PDF
    python scripts/build_pdfs.py --check    # exit 1 if any PDF is missing or stale
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import yaml
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "corpus" / ".pdf-src"
OUT = REPO / "corpus"
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)  # deterministic output

# The core PDF fonts speak Latin-1: map typographic characters to plain equivalents.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": " - ",
        "\u2026": "...",
        "\u2022": "-",
        "\u2192": "->",
        "\u2190": "<-",
        "\u2265": ">=",
        "\u2264": "<=",
        "\u00a0": " ",
        "\u2212": "-",
        "\u2011": "-",
        "\u2009": " ",
        "\u200b": "",
        "\u2713": "[x]",
        "\u2610": "[ ]",
    }
)


def plain(text: str) -> str:
    text = re.sub(r"(?<![*\w])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![*\w])", r"__\1__", text)  # *x* -> fpdf2 italics
    return text.translate(_PLAIN).encode("latin-1", errors="replace").decode("latin-1")


def source_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    if not text.startswith("---\n"):
        return {}, text
    end = text.index("\n---", 4)
    return yaml.safe_load(text[4:end]) or {}, text[end + 4 :].lstrip("\n")


class HubPDF(FPDF):
    doc_title = ""

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font("helvetica", "I", 8)
            self.set_text_color(110)
            self.cell(0, 6, plain(self.doc_title), align="R")
            self.ln(8)
            self.set_text_color(0)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("helvetica", "", 8)
        self.set_text_color(110)
        self.cell(0, 8, f"CAIA Resource Hub - page {self.page_no()}", align="C")
        self.set_text_color(0)


def _table(pdf: FPDF, rows: list[str]) -> None:
    cells = [[plain(c.strip()).replace("**", "") for c in row.strip().strip("|").split("|")] for row in rows]
    cells = [r for r in cells if not all(re.fullmatch(r":?-{2,}:?", c.strip()) for c in r)]
    width = max(len(r) for r in cells)
    pdf.set_font("helvetica", size=9)
    with pdf.table(first_row_as_headings=True, line_height=5, padding=1.5) as table:
        for r in cells:
            row = table.row()
            for c in r + [""] * (width - len(r)):
                row.cell(c)
    pdf.ln(3)


def render(source: Path) -> bytes:
    meta, body = split_front_matter(source.read_text(encoding="utf-8"))
    title = str(meta.get("title", source.stem))
    pdf = HubPDF(format="Letter")
    pdf.doc_title = title
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(plain(title))
    pdf.set_subject(plain(str(meta.get("summary", ""))))
    pdf.set_author("Classroom AI Academy (CAIA)")
    pdf.set_creator("hubqa scripts/build_pdfs.py")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(20, 18, 20)
    pdf.add_page()

    lines = body.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if not line.strip():
            i += 1
            continue
        heading = re.match(r"^(#{1,3})\s+(.*)$", line)
        if heading:
            level, text = len(heading.group(1)), plain(heading.group(2).strip())
            size = {1: 18, 2: 14, 3: 12}[level]
            if level == 2 and pdf.get_y() > pdf.h - 60:
                pdf.add_page()
            pdf.ln(2 if level > 1 else 0)
            pdf.start_section(text, level=level - 1)
            pdf.set_font("helvetica", "B", size)
            pdf.multi_cell(0, size * 0.5, text)
            pdf.ln(2)
            i += 1
            continue
        if line.lstrip().startswith("|"):
            rows = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                rows.append(lines[i])
                i += 1
            _table(pdf, rows)
            continue
        item = re.match(r"^\s*(-|\*|\d+\.)\s+(.*)$", line)
        if item:
            marker = "-" if item.group(1) in "-*" else item.group(1)
            text = item.group(2)
            i += 1
            while i < len(lines) and lines[i].startswith("  ") and lines[i].strip():
                text += " " + lines[i].strip()
                i += 1
            pdf.set_font("helvetica", size=10.5)
            pdf.set_x(pdf.l_margin + 4)
            pdf.multi_cell(0, 5.5, f"{marker} {plain(text)}", markdown=True, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(0.8)
            continue
        para = [line.strip()]
        i += 1
        while i < len(lines) and lines[i].strip() and not re.match(r"^(#{1,3}\s|\s*(-|\*|\d+\.)\s|\s*\|)", lines[i]):
            para.append(lines[i].strip())
            i += 1
        pdf.set_font("helvetica", size=10.5)
        pdf.multi_cell(0, 5.5, plain(" ".join(para)), markdown=True, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    raw = bytes(pdf.output())
    # Hub metadata as document properties, so the PDF stands on its own when ingested.
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
    info = {f"/{key.title().replace('_', '')}": str(value) for key, value in meta.items() if key != "title"}
    info["/HubqaSourceSha256"] = source_hash(source)
    writer.add_metadata(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def stale() -> list[str]:
    """Sources whose PDF is missing or was built from a different version of the source."""
    problems = []
    for source in sorted(SOURCES.glob("*.md")):
        target = OUT / f"{source.stem}.pdf"
        if not target.exists():
            problems.append(f"{target.name} is missing")
            continue
        built_from = (PdfReader(target).metadata or {}).get("/HubqaSourceSha256")
        if built_from != source_hash(source):
            problems.append(f"{target.name} is older than {source.name}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report missing or stale PDFs")
    args = parser.parse_args()
    if args.check:
        problems = stale()
        for problem in problems:
            print(problem, "- run: python scripts/build_pdfs.py")
        return 1 if problems else 0
    for source in sorted(SOURCES.glob("*.md")):
        target = OUT / f"{source.stem}.pdf"
        target.write_bytes(render(source))
        print(f"wrote {target.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
