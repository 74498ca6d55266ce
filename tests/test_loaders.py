"""Each loader on real files: titles, metadata, heading paths, pages, offsets, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.loaders import load_document
from ingest.parsed import LoadError
from tests import samples


def test_markdown_front_matter_and_heading_paths(tmp_path: Path) -> None:
    path = tmp_path / "homework.md"
    path.write_text(samples.MARKDOWN)
    doc = load_document(path, path.read_bytes())
    assert doc.title == "Homework Help Guide"
    assert doc.metadata == {
        "audience": "teacher",
        "grade_band": "3-5",
        "subject": "math",
        "topic": "teaching practice",
        "updated": "2026-05-01",
        "summary": "How to set fair homework.",
    }
    paths = [s.path for s in doc.sections]
    assert paths == ["", "Time limits", "Time limits > Exceptions", "Feedback"]
    text = path.read_text()
    for section in doc.sections:  # offsets point at the section's text in the file
        assert text[section.offset : section.offset + len(section.text)] == section.text


def test_markdown_without_front_matter_takes_title_from_heading(tmp_path: Path) -> None:
    path = tmp_path / "plain-notes.md"
    path.write_text("# Staff Notes\n\nMeeting moved to Friday.\n\n```\n# not a heading\n```\n")
    doc = load_document(path, path.read_bytes())
    assert doc.title == "Staff Notes" and doc.metadata == {}
    assert len(doc.sections) == 1 and "# not a heading" in doc.sections[0].text


def test_broken_front_matter_is_refused_with_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: [unclosed\naudience: teacher\n---\n# Hi\n\nText.\n")
    with pytest.raises(LoadError, match="front matter is not valid YAML"):
        load_document(path, path.read_bytes())


def test_html_metadata_sections_and_hidden_text_dropped(tmp_path: Path) -> None:
    path = tmp_path / "recess.html"
    path.write_text(samples.HTML)
    doc = load_document(path, path.read_bytes())
    assert doc.title == "Recess Rules"
    assert doc.metadata == {"audience": "parent", "grade_band": "K-2"}
    assert [s.path for s in doc.sections] == ["Weather", "Equipment"]
    everything = " ".join(s.text for s in doc.sections)
    assert "20 degrees" in everything and "Monday | Four square" in everything
    for hidden in ("do not index", "ignore previous instructions", "Invisible planted"):
        assert hidden not in everything


def test_pdf_pages_and_outline_headings(tmp_path: Path) -> None:
    path = samples.multipage_pdf(tmp_path / "lab.pdf")
    doc = load_document(path, path.read_bytes())
    assert doc.title == "Science Lab Handbook"
    assert [s.page for s in doc.sections] == [1, 2, 3]
    assert [s.path for s in doc.sections] == ["Getting Started", "Lab Safety > Goggles", "Lab Safety > Spills"]
    assert "goggles" in doc.sections[1].text


def test_encrypted_truncated_and_scanned_pdfs_are_refused(tmp_path: Path) -> None:
    locked = samples.multipage_pdf(tmp_path / "locked.pdf", encrypt_password="secret")
    with pytest.raises(LoadError, match="encrypted"):
        load_document(locked, locked.read_bytes())
    whole = samples.multipage_pdf(tmp_path / "whole.pdf").read_bytes()
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(whole[: len(whole) // 3])
    with pytest.raises(LoadError, match="PDF"):
        load_document(truncated, truncated.read_bytes())
    scan = samples.scanned_pdf(tmp_path / "scan.pdf")
    with pytest.raises(LoadError, match="no text layer"):
        load_document(scan, scan.read_bytes())


def test_docx_headings(tmp_path: Path) -> None:
    path = samples.docx_file(tmp_path / "trip.docx")
    doc = load_document(path, path.read_bytes())
    assert doc.title == "Field Trip Permissions"
    assert [s.path for s in doc.sections] == ["Before the trip", "Before the trip > Chaperones"]


@pytest.mark.parametrize(
    ("encoding", "text"),
    [("utf-16", "Café rules: no phones"), ("latin-1", "Café rules: no phones"), ("utf-8-sig", "Café rules")],
)
def test_text_encodings(tmp_path: Path, encoding: str, text: str) -> None:
    path = tmp_path / "rules.txt"
    path.write_bytes(f"{text}\n\nSecond paragraph.".encode(encoding))
    doc = load_document(path, path.read_bytes())
    assert doc.title == text and "Second paragraph." in doc.sections[0].text


def test_binary_junk_with_markdown_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.md"
    path.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(LoadError, match="binary"):
        load_document(path, path.read_bytes())


def test_unsupported_type(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG....")
    with pytest.raises(LoadError, match="unsupported file type .png"):
        load_document(path, path.read_bytes())


def test_pdf_tables_become_tables_with_wrapped_cells_joined(tmp_path: Path) -> None:
    """pypdf's plain text runs a table's cells together; the loader reads the columns from the
    page layout, so each row keeps its cells, however they wrap."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "Field trips need a signed form. The table gives the deadlines.")
    rows = [
        ("Trip", "Form due", "Who signs"),
        ("Museum of Science and Industry, with the afternoon planetarium show", "10 school days before", "Parent"),
        ("Zoo", "5 school days before", "Parent or guardian, and the principal for overnight trips"),
        ("Library", "None", "Teacher"),
    ]
    with pdf.table(col_widths=(70, 50, 70)) as table:
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.multi_cell(0, 6, "Late forms go to the office, which keeps them for one year.")
    path = tmp_path / "trips.pdf"
    pdf.output(str(path))
    text = load_document(path, path.read_bytes()).sections[0].text
    lines = text.splitlines()
    assert "| Trip | Form due | Who signs |" in lines
    assert (
        "| Museum of Science and Industry, with the afternoon planetarium show | 10 school days before | Parent |"
        in lines
    )
    assert "| Zoo | 5 school days before | Parent or guardian, and the principal for overnight trips |" in lines
    assert "| Library | None | Teacher |" in lines
    assert text.startswith("Field trips need a signed form.") and text.endswith("keeps them for one year.")


def test_a_corpus_pdf_table_keeps_each_figure_in_its_column() -> None:
    path = Path("corpus/professional-development-pathway.pdf")
    doc = load_document(path, path.read_bytes())
    tiers = next(s for s in doc.sections if s.path == "The Three Pathway Tiers at a Glance")
    assert "| Tier | Requirements | Course contact hours | CEUs | Credential earned |" in tiers.text
    leader = next(line for line in tiers.text.splitlines() if line.startswith("| Leader |"))
    assert [c.strip() for c in leader.strip("|").split("|")][2:] == [
        "18 + 8 self-paced + 4.5 live",
        "3.05",
        "AI Coach credential",
    ]
    prose = next(s for s in doc.sections if s.path.endswith("Explorer Tier"))
    assert "|" not in prose.text  # prose pages and paragraphs are read as before


def test_html_inline_elements_do_not_space_out_punctuation(tmp_path: Path) -> None:
    path = tmp_path / "optout.html"
    path.write_text(
        "<html><head><title>Opt-out</title></head><body><h1>Opt-out</h1><ul>"
        "<li>The school <strong>confirms the opt-out within 5 school days</strong>.</li>"
        "<li>Use <em>Level 1</em>, <em>Level 2</em> or (<b>Level 3</b>): your choice.</li></ul></body></html>"
    )
    text = load_document(path, path.read_bytes()).sections[0].text
    assert "confirms the opt-out within 5 school days." in text
    assert "Use Level 1, Level 2 or (Level 3): your choice." in text


def test_cells_the_pdf_layout_ran_together_are_cut_where_they_were_joined() -> None:
    # pypdf's layout squeezes one line of this row to "Argumentative essayLevel 1 or 2student's; AI
    # can help": each piece goes back to its own column
    path = Path("corpus/designing-assignments-that-make-ai-use-visible.pdf")
    doc = load_document(path, path.read_bytes())
    text = "\n".join(s.text for s in doc.sections)
    row = next(line for line in text.splitlines() if line.startswith("| Argumentative essay"))
    assert [c.strip() for c in row.strip("|").split("|")] == [
        "Argumentative essay",
        "Level 1 or 2",
        "Reasoning must be the student's; AI can help generate counterarguments",
        "Outline, staged drafts, oral defence",
    ]
