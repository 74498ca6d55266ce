"""Files coming into and leaving the hub from the app: uploads, replacements, retirement.

Uploads go to the uploads folder (``uploads_dir``, by default ``.hubqa/uploads``), never into
the bundled, git-tracked ``corpus/``; ``hubqa ingest`` and the Corpus page index both.

Everything here checks before it touches the disk: the name is made safe (no folders, no
traversal, no hidden or reserved names), the type must have a loader, the size must fit
``max_file_mb``, and content already in the hub is refused as a duplicate. Files are written
atomically; a replaced or retired file moves to ``.archive/`` (hidden, so never indexed).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from ingest.loaders import LOADERS
from ingest.pipeline import Failure, display_path
from ingest.tags import move_tags
from rag.errors import HubqaError
from rag.records import DocRecord
from rag.search.store import HubStore
from rag.search.writes import writing

ARCHIVE = ".archive"
#: Uploads the index could not read go here (hidden, so never indexed or reported again).
QUARANTINE = ".quarantine"
MAX_NAME = 120
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


def safe_upload_name(name: str) -> str:
    """A file name safe to create in the corpus folder, from whatever a browser sent.

    Keeps letters (accents too), digits, spaces, dots, dashes and underscores; drops any folder
    part; refuses names that would be hidden, reserved or empty. Idempotent."""
    base = unicodedata.normalize("NFKC", name.replace("\\", "/")).split("/")[-1]
    base = "".join(ch for ch in base if ch.isprintable())
    base = _UNSAFE.sub("-", base)
    base = re.sub(r"\s+", " ", base)
    base = re.sub(r"-{2,}", "-", base).strip(" .-_")
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = stem.strip(" .-_")
    ext = ext.lower().strip()
    if not stem or stem.split(".")[0].strip().lower() in _RESERVED:  # Windows: "con.tar.md" is CON too
        raise HubqaError(
            f"The file name {name!r} cannot be used: rename the file (letters and digits) and upload it again."
        )
    stem = stem[: MAX_NAME - len(ext) - 1].rstrip(" .-_") if ext else stem[:MAX_NAME].rstrip(" .-_")
    return f"{stem}.{ext}" if ext else stem


def check_upload(name: str, size: int, max_file_mb: float) -> str:
    """The safe name for an upload, or a HubqaError saying what is wrong with it."""
    safe = safe_upload_name(name)
    suffix = Path(safe).suffix.lower()
    if suffix not in LOADERS:
        kinds = ", ".join(sorted(LOADERS))
        raise HubqaError(
            f"{name}: the hub cannot read {suffix or 'files without an extension'}; upload one of {kinds}."
        )
    if size == 0:
        raise HubqaError(f"{name}: the file is empty (0 bytes).")
    if size > max_file_mb * 1024 * 1024:
        raise HubqaError(
            f"{name}: {size / 1048576:.1f} MB is over the {max_file_mb:g} MB limit; split the document or ask "
            "a maintainer to raise HUBQA_MAX_FILE_MB."
        )
    return safe


def save_upload(
    folder: Path,
    name: str,
    data: bytes,
    max_file_mb: float,
    documents: dict[str, DocRecord],
    replace: bool = False,
) -> Path:
    """Write an uploaded file into ``folder`` (the uploads folder, never the bundled corpus);
    with ``replace`` the document of the same name, wherever it lives, is archived first.

    ``documents`` (the store's manifest) is how duplicates are recognised: the same bytes
    already indexed under any name are refused."""
    safe = check_upload(name, len(data), max_file_mb)
    digest = hashlib.sha256(data).hexdigest()
    target = (folder / safe).absolute()
    if target.parent != folder.absolute():
        raise HubqaError(f"{name}: the name would leave the corpus folder; rename the file.")
    for record in documents.values():
        if record.file_hash == digest and Path(record.source).name != safe:
            raise HubqaError(f"{name}: the same file is already in the hub as {record.source} ({record.title}).")
    same_name = {Path(r.source).absolute() for r in documents.values() if Path(r.source).name == safe}
    same_name = {p for p in same_name | {target} if p.is_file()}
    for existing in sorted(same_name):
        if hashlib.sha256(existing.read_bytes()).hexdigest() == digest:
            raise HubqaError(f"{name}: {safe} is already in the hub with exactly this content.")
    if same_name and not replace:
        where = ", ".join(display_path(p) for p in sorted(same_name))
        raise HubqaError(
            f"{name}: a document called {safe} exists ({where}); choose Replace to put the new version in its place."
        )
    for existing in sorted(same_name):
        archive(existing)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)
    return target


def folders_to_reindex(folder: Path, documents: dict[str, DocRecord], saved: list[Path]) -> list[Path]:
    """The uploads folder, plus the folders of documents a replacement archived, so their old
    versions leave the index in the same run."""
    names = {p.name for p in saved}
    roots = {Path(r.root) for r in documents.values() if r.root and Path(r.source).name in names}
    return [folder, *sorted(r for r in roots if r.is_dir() and r.resolve() != folder.resolve())]


def quarantine_failed(saved: list[Path], failures: list[Failure]) -> list[tuple[Path, Path, str]]:
    """Move the just-saved uploads that ingestion refused into ``.quarantine/`` beside them, so a
    bad upload is reported once, now, and not at every later ingest; (upload, new place, reason)."""
    refused = {Path(f.path).absolute(): f.error for f in failures}
    moved = []
    for path in saved:
        reason = refused.get(path.absolute())
        if reason is None or not path.is_file():
            continue
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        target = path.parent / QUARANTINE / f"{path.stem}.{stamp}{path.suffix}"
        target.parent.mkdir(exist_ok=True)
        os.replace(path, target)
        moved.append((path, target, reason))
    return moved


def archive(path: Path) -> Path:
    """Move a document into its folder's ``.archive/`` with a timestamp; its tags go with it."""
    if not path.is_file():
        raise HubqaError(f"{path}: no such file to retire.")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = path.parent / ARCHIVE / f"{path.stem}.{stamp}{path.suffix}"
    target.parent.mkdir(exist_ok=True)
    os.replace(path, target)
    move_tags(path, target)
    return target


def retire_document(store: HubStore, doc_id: str) -> Path | None:
    """Take a document out of the index and archive its file (None when the file was gone)."""
    record = store.read_documents().get(doc_id)
    if record is None:
        raise HubqaError(f"No document {doc_id!r} in the index; see `hubqa docs list`.")
    source = Path(record.source)
    archived = archive(source) if source.is_file() else None
    with writing(store) as write:
        write.remove(doc_id)
    return archived
