"""Coach uploads and curation: names made safe, limits enforced, duplicates refused, nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.pipeline import Ingestor, with_uploads
from ingest.tags import read_tags, set_tags
from ingest.uploads import (
    QUARANTINE,
    archive,
    check_upload,
    folders_to_reindex,
    quarantine_failed,
    safe_upload_name,
    save_upload,
)
from rag.errors import HubqaError
from rag.search.store import HubStore
from rag.settings import Settings, load_settings
from ui.cli import app

GUIDE = b"# Recess Duty\n\nTwo adults supervise recess. Whistle signals: one for line up, two for come inside.\n"


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../etc/passwd.md", "passwd.md"),
        ("..\\..\\windows\\system32\\evil.PDF", "evil.pdf"),
        ("/abs/path/Plan de clase – año 2.docx", "Plan de clase - año 2.docx"),
        ("  .hidden.md", "hidden.md"),
        ("report<script>.html", "report-script.html"),
        ("Guía_pour les élèves.md", "Guía_pour les élèves.md"),
        ("name\x00with-nul.txt", "namewith-nul.txt"),
    ],
)
def test_safe_names(given: str, safe: str) -> None:
    assert safe_upload_name(given) == safe
    assert safe_upload_name(safe) == safe  # idempotent


@pytest.mark.parametrize("bad", ["", "..", "../", "CON.txt", "///", "   ", "-.-", "con.tar.md", "LPT1.notes.pdf"])
def test_unusable_names_are_refused(bad: str) -> None:
    with pytest.raises(HubqaError, match="cannot be used"):
        safe_upload_name(bad)


def test_type_and_size_limits() -> None:
    with pytest.raises(HubqaError, match=r"cannot read \.exe"):
        check_upload("setup.exe", 100, 25)
    with pytest.raises(HubqaError, match="empty"):
        check_upload("notes.md", 0, 25)
    with pytest.raises(HubqaError, match=r"26\.0 MB is over the 25 MB limit"):
        check_upload("big.pdf", 26 * 1024 * 1024, 25)
    with pytest.raises(HubqaError, match="cannot read files without an extension"):
        check_upload(".md", 10, 25)  # a hidden name loses its dot, and with it the type
    assert check_upload("fine.md", 10, 25) == "fine.md"


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "recess.md").write_bytes(GUIDE)
    settings = load_settings(data_dir=tmp_path / "data", corpus_dir=Path("corpus"))
    Ingestor(settings).run([Path("corpus")])
    return settings


def test_duplicates_replace_and_archive(hub: Settings, tmp_path: Path) -> None:
    corpus, docs = Path("corpus"), HubStore(hub).read_documents()
    with pytest.raises(HubqaError, match="already in the hub as corpus/recess.md"):
        save_upload(corpus, "copy of recess.md", GUIDE, 25, docs)
    with pytest.raises(HubqaError, match="exactly this content"):
        save_upload(corpus, "recess.md", GUIDE, 25, docs)
    newer = GUIDE + b"\nIn rain, recess is in the gym.\n"
    with pytest.raises(HubqaError, match="choose Replace"):
        save_upload(corpus, "recess.md", newer, 25, docs)
    assert (corpus / "recess.md").read_bytes() == GUIDE  # nothing overwritten
    save_upload(corpus, "recess.md", newer, 25, docs, replace=True)
    assert (corpus / "recess.md").read_bytes() == newer
    [old] = (corpus / ".archive").glob("recess.*.md")
    assert old.read_bytes() == GUIDE  # the replaced version is kept
    report = Ingestor(hub).run([corpus])
    assert (report.updated, report.documents) == (1, 1)  # the archive is not indexed
    assert not list(corpus.glob(".upload-*"))  # no temporary files left behind


def test_cli_add_tag_retire(hub: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBQA_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "bus.md").write_text("# Buses\n\nBook buses 15 school days ahead.\n")
    runner = CliRunner()
    added = runner.invoke(app, ["docs", "add", str(tmp_path / "bus.md")])
    assert added.exit_code == 0, added.output
    uploads = tmp_path / "data" / "uploads"
    assert (uploads / "bus.md").is_file() and not Path("corpus/bus.md").exists()  # never into the corpus
    assert "uploads/bus.md" in HubStore(hub).read_documents()
    again = runner.invoke(app, ["docs", "add", str(tmp_path / "bus.md")])
    assert again.exit_code == 1 and "exactly this content" in str(again.exception)

    tagged = runner.invoke(app, ["docs", "tag", "uploads/bus.md", "grade_band=6–8", "topic=Program"])
    assert tagged.exit_code == 0, tagged.output
    meta = HubStore(hub).read_documents()["uploads/bus.md"].metadata
    assert (meta["grade_band"], meta["topic"]) == ("6-8", "program")  # in the vocabulary's spelling
    assert read_tags(uploads) == {"bus.md": {"grade_band": "6-8", "topic": "program"}}
    typo = runner.invoke(app, ["docs", "tag", "uploads/bus.md", "topic=feild trips"])
    assert typo.exit_code == 1 and "topic 'feild trips' is not in the tag vocabulary" in str(typo.exception)
    monkeypatch.setenv("HUBQA_EXTRA_TAG_VALUES", '{"topic": ["field trips"]}')  # a deployment's own value
    assert runner.invoke(app, ["docs", "tag", "uploads/bus.md", "topic=field trips"]).exit_code == 0
    assert HubStore(hub).read_documents()["uploads/bus.md"].metadata["topic"] == "field trips"
    bad = runner.invoke(app, ["docs", "tag", "uploads/bus.md", "colour=red"])
    assert bad.exit_code == 1 and "Unknown tag field(s) colour" in str(bad.exception)

    # The corpus's ingest takes the uploads along (`make run` indexes both); another folder's doesn't.
    assert runner.invoke(app, ["ingest", "corpus"]).exit_code == 0
    assert set(HubStore(hub).read_documents()) == {"corpus/recess.md", "uploads/bus.md"}
    assert with_uploads([Path("elsewhere")], hub) == [Path("elsewhere")]

    retired = runner.invoke(app, ["docs", "retire", "uploads/bus.md"])
    assert retired.exit_code == 0, retired.output
    assert set(HubStore(hub).read_documents()) == {"corpus/recess.md"}
    assert not (uploads / "bus.md").exists() and list((uploads / ".archive").glob("bus.*.md"))
    assert read_tags(uploads) == {}


def test_replacing_a_corpus_document_from_the_uploads(hub: Settings) -> None:
    newer = GUIDE + b"\nIn rain, recess is in the gym.\n"
    docs = HubStore(hub).read_documents()
    with pytest.raises(HubqaError, match=r"a document called recess.md exists \(corpus/recess.md\); choose Replace"):
        save_upload(hub.uploads_path, "recess.md", newer, 25, docs)
    saved = save_upload(hub.uploads_path, "recess.md", newer, 25, docs, replace=True)
    report = Ingestor(hub).run(folders_to_reindex(hub.uploads_path, docs, [saved]))
    assert set(HubStore(hub).read_documents()) == {"uploads/recess.md"} and report.removed == 1  # one version left
    assert list(Path("corpus/.archive").glob("recess.*.md"))


def test_broken_tags_file_is_one_clear_failure(hub: Settings) -> None:
    set_tags(Path("corpus/recess.md"), {"grade_band": "K-2"})
    Path("corpus/.hubqa-tags.yaml").write_text("recess.md: [unclosed\n")
    report = Ingestor(hub).run([Path("corpus")])
    [failure] = report.failed
    assert ".hubqa-tags.yaml: not valid YAML" in failure.error
    assert set(HubStore(hub).read_documents()) == {"corpus/recess.md"}  # kept from before


def test_archive_refuses_missing_file(tmp_path: Path) -> None:
    with pytest.raises(HubqaError, match="no such file to retire"):
        archive(tmp_path / "gone.md")


def test_a_rejected_upload_is_quarantined_and_reported_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that passes the upload checks but cannot be read leaves the uploads folder, so the
    next ingest (of the corpus, which takes the uploads along) does not report it again."""
    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "recess.md").write_bytes(GUIDE)
    broken = tmp_path / "minutes.pdf"
    broken.write_bytes(b"%PDF-1.4 not really a pdf")
    env = {"HUBQA_DATA_DIR": str(tmp_path / "data"), "HUBQA_CORPUS_DIR": str(corpus)}
    added = CliRunner().invoke(app, ["docs", "add", str(broken)], env=env)
    assert added.exit_code == 0, added.output
    assert "could not read minutes.pdf" in added.output and QUARANTINE in added.output
    uploads = tmp_path / "data" / "uploads"
    assert not (uploads / "minutes.pdf").exists() and list((uploads / QUARANTINE).glob("minutes.*.pdf"))
    assert not (corpus / "minutes.pdf").exists() and not (corpus / QUARANTINE).exists()  # never into the corpus
    again = CliRunner().invoke(app, ["ingest", str(corpus)], env=env)
    assert again.exit_code == 0 and "minutes" not in again.output  # reported once, not at every ingest

    settings = load_settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    saved = save_upload(corpus, "notes.docx", b"PK not a zip", 25, {}, False)
    report = Ingestor(settings).run([corpus])
    moved = quarantine_failed([saved], report.failed)
    assert [(u.name, t.parent.name) for u, t, _ in moved] == [("notes.docx", QUARANTINE)] and "docx" in moved[0][2]
    assert Ingestor(settings).run([corpus]).failed == []
