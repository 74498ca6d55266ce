"""Incremental, per-document-atomic ingestion of files and folders into the store.

Unchanged files are recognised by content hash and skipped without loading the embedding
model; chunks whose text is already stored (a moved file, an unchanged section) reuse their
embeddings; a file that has become unreadable keeps its old chunks.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunking import chunk_document, chunker_signature
from ingest.loaders import is_supported, load_document
from ingest.parsed import LoadError
from ingest.tags import canonical_tags, tags_for
from rag.answering.calibration import Calibration, calibrate, calibration_path
from rag.answering.calibration import save as save_calibration
from rag.errors import HubqaError
from rag.guards.meaning import reader_for
from rag.records import Chunk, DocRecord
from rag.search.embeddings import SentenceEmbeddings
from rag.search.store import HubStore, now_iso
from rag.search.writes import HubWrite, writing
from rag.settings import Settings
from rag.vocabulary import vocabulary

Progress = Callable[[int, int, str], None]

#: Documents are embedded together until this many chunks are waiting (bigger batches embed
#: faster); each document is still committed on its own.
EMBED_BATCH_CHUNKS = 512


@dataclass
class Failure:
    path: str
    error: str


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[Failure] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    repaired: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": [{"path": f.path, "error": f.error} for f in self.failed],
            "documents": self.documents,
            "chunks": self.chunks,
            "embedded": self.embedded,
            "repaired": self.repaired,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Candidate:
    """A file to index: its id, where it lives, and the folder it was found under (if any)."""

    doc_id: str
    path: Path
    root: str


def display_path(path: Path) -> str:
    """Relative to the working directory when inside it, so sources read well and travel.

    A symbolic link is named where it lies, not where it points (which may loop or be outside).
    """
    full = Path(os.path.realpath(path.absolute().parent)) / path.name
    try:
        shown = full.relative_to(Path(os.path.realpath(Path.cwd()))).as_posix()
    except ValueError:
        shown = full.as_posix()
    return os.fsencode(shown).decode("utf-8", "backslashreplace")  # a non-UTF-8 name stays printable


IGNORE_FILE = ".hubqaignore"


def ignore_patterns(root: Path) -> list[str]:
    """Glob patterns (relative to ``root``) from its ``.hubqaignore``, one per line, # comments."""
    path = root / IGNORE_FILE
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def _entry_problem(path: Path, real_root: Path) -> str | None:
    """Why a file found in a folder cannot be indexed (a link out, a broken link, a device...)."""
    if path.is_symlink():
        target = Path(os.path.realpath(path))  # never raises, even on a loop
        if not target.is_relative_to(real_root):
            return "symbolic link points outside the folder being indexed: copy the file in instead"
        if not target.is_file():
            return "symbolic link is broken or loops back on itself: fix or delete it"
    elif not path.is_file():
        return "not a regular file (a pipe or device?): replace it with the document"
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        return "file name is not valid UTF-8 (saved on an older system?): rename the file"
    return None


def _walk(root: Path) -> Iterator[tuple[Path, str | None]]:
    """Supported files under ``root`` (hidden and ignored entries skipped), or why one is refused."""
    real_root = root.resolve()
    patterns = ignore_patterns(root)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in dirnames:  # never followed; one pointing out is named so nothing vanishes quietly
            path = Path(dirpath) / name
            if path.is_symlink() and not Path(os.path.realpath(path)).is_relative_to(real_root):
                yield path, "symbolic link to a folder outside the one being indexed: copy its files in instead"
        for name in sorted(filenames):
            if name.startswith(".") or name.startswith("~$"):
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if not is_supported(path) or any(fnmatch.fnmatch(rel, p) for p in patterns):
                continue
            yield path, _entry_problem(path, real_root)


def collect(paths: list[Path]) -> tuple[list[Candidate], list[Failure], set[str]]:
    """Expand folders and files into candidates; roots are the folders whose deletions count."""
    candidates: list[Candidate] = []
    failures: list[Failure] = []
    roots: set[str] = set()
    seen: set[str] = set()
    for given in paths:
        if not given.exists():
            failures.append(Failure(str(given), "no such file or folder"))
            continue
        if given.is_dir():
            root = display_path(given)
            roots.add(root)
            for path, problem in _walk(given):
                rel = Path(os.path.normpath(path.absolute())).relative_to(
                    Path(os.path.normpath(given.absolute())).parent
                )
                doc_id = rel.as_posix()
                if problem:
                    failures.append(Failure(display_path(path), problem))
                elif doc_id not in seen:
                    seen.add(doc_id)
                    candidates.append(Candidate(doc_id, path, root))
        else:
            doc_id = given.name
            if doc_id in seen:
                doc_id = f"{given.name}~{hashlib.sha256(str(given.resolve()).encode()).hexdigest()[:8]}"
            seen.add(doc_id)
            candidates.append(Candidate(doc_id, given, ""))
    return candidates, failures, roots


class Ingestor:
    """Brings the store in line with a set of files and folders."""

    def __init__(
        self, settings: Settings, store: HubStore | None = None, embeddings: SentenceEmbeddings | None = None
    ) -> None:
        """``store`` and ``embeddings``: a store and a model already open (the app's, a test's)."""
        self.settings = settings
        self.store = store or HubStore(settings)
        self.embeddings = embeddings or SentenceEmbeddings(settings)
        self.store.check_model(settings.embedding_model)
        self.signature = chunker_signature(settings.chunk_size, settings.chunk_overlap)
        self.vocabulary = vocabulary(settings.extra_tag_values)
        #: Planted requests the rules miss, read by meaning with the same sentence model (its probe
        #: was trained on the packaged model's vectors: another model's would mean nothing to it).
        self.meaning = reader_for(settings.embedding_model, self.embeddings.embed_documents)

    def _version(self, file_hash: str, tags: dict[str, str]) -> str:
        """Changes with the file's bytes, the chunker's settings and the coach's tags."""
        tagged = "".join(f"/{k}={v}" for k, v in sorted(tags.items()))
        return hashlib.sha256(f"{file_hash}/{self.signature}{tagged}".encode()).hexdigest()[:16]

    def _read(self, path: Path) -> bytes:
        size = path.stat().st_size
        limit = int(self.settings.max_file_mb * 1024 * 1024)
        if size > limit:
            raise LoadError(
                f"file is {size / 1048576:.1f} MB, over the {self.settings.max_file_mb:g} MB limit "
                "(HUBQA_MAX_FILE_MB): split it or raise the limit"
            )
        if size == 0:
            raise LoadError("empty file (0 bytes): add content or delete it")
        return path.read_bytes()

    def run(self, paths: list[Path], progress: Progress | None = None) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        candidates, failures, roots = collect(paths)
        report.failed.extend(failures)
        with writing(self.store) as write:
            report.repaired = write.repaired
            self._sync(write, candidates, roots, report, progress)
        report.documents = len(self.store.read_documents())
        report.chunks = self.store.chunk_count()
        report.seconds = time.perf_counter() - started
        return report

    def _sync(
        self,
        write: HubWrite,
        candidates: list[Candidate],
        roots: set[str],
        report: IngestReport,
        progress: Progress | None,
    ) -> None:
        """Commit what changed and remove what went from the folders indexed, in one write."""
        manifest = write.documents
        seen: set[str] = set()
        pending: list[tuple[DocRecord, list[Chunk], bool]] = []
        folder_tags: dict[Path, dict[str, dict[str, str]]] = {}

        for index, cand in enumerate(candidates):
            if progress:
                progress(index, len(candidates), cand.doc_id)
            seen.add(cand.doc_id)
            source = display_path(cand.path)
            old = manifest.get(cand.doc_id)
            try:
                data = self._read(cand.path)
                file_hash = hashlib.sha256(data).hexdigest()
                tags = tags_for(cand.path, folder_tags)
                version = self._version(file_hash, tags)
                if old is not None and old.version == version and old.source == source:
                    report.unchanged += 1
                    continue
                parsed = load_document(cand.path, data)
                parsed.metadata.update(tags)
                parsed.metadata = canonical_tags(parsed.metadata, self.vocabulary)
            except (LoadError, HubqaError) as e:  # HubqaError: a broken .hubqa-tags.yaml beside it
                report.failed.append(Failure(source, str(e)))
                continue
            except OSError as e:
                report.failed.append(Failure(source, f"cannot read the file ({e.strerror or e})"))
                continue
            chunks = chunk_document(
                parsed,
                doc_id=cand.doc_id,
                version=version,
                source=source,
                chunk_size=self.settings.chunk_size,
                chunk_overlap=self.settings.chunk_overlap,
                meaning=self.meaning,
            )
            record = DocRecord(
                doc_id=cand.doc_id,
                version=version,
                file_hash=file_hash,
                source=source,
                root=cand.root,
                title=parsed.title,
                kind=parsed.kind,
                chunks=len(chunks),
                ingested_at=now_iso(),
                metadata=parsed.metadata,
            )
            pending.append((record, chunks, old is None))
            if sum(len(c) for _, c, _ in pending) >= EMBED_BATCH_CHUNKS:
                self._flush(write, pending, report)
        self._flush(write, pending, report)

        for doc_id, record in manifest.items():
            if doc_id in seen or record.root not in roots:
                continue
            if not _source_exists(record):
                write.remove(doc_id)
                report.removed += 1
        if progress:
            progress(len(candidates), len(candidates), "")

    def _flush(self, write: HubWrite, pending: list[tuple[DocRecord, list[Chunk], bool]], report: IngestReport) -> None:
        """Embed the pending documents' new chunks in one call, then commit each document alone."""
        if not pending:
            return
        every = [chunk for _, chunks, _ in pending for chunk in chunks]
        vectors = self.store.cached_embeddings(c.hash for c in every)
        missing = list({c.hash: c for c in every if c.hash not in vectors}.values())
        if missing:
            fresh = self.embeddings.embed_documents([c.embed_text for c in missing])
            report.embedded += len(missing)
            vectors.update({c.hash: v for c, v in zip(missing, fresh, strict=True)})
        for record, chunks, is_new in pending:
            write.commit(record, chunks, [vectors[c.hash] for c in chunks])
            if is_new:
                report.added += 1
            else:
                report.updated += 1
        pending.clear()


def with_uploads(paths: list[Path], settings: Settings) -> list[Path]:
    """``paths`` plus the uploads folder when they name the corpus folder: the documents coaches
    added through the app are indexed with the corpus (`make run`, `hubqa ingest corpus/`, the
    Corpus page), and an ingest of some other folder stays just that."""
    named = {os.path.realpath(p) for p in paths}
    uploads = settings.uploads_path
    if os.path.realpath(settings.corpus_dir) in named and uploads.is_dir() and os.path.realpath(uploads) not in named:
        return [*paths, uploads]
    return list(paths)


def calibrate_if_needed(
    ingestor: Ingestor, report: IngestReport, progress: Callable[[int, int], None] | None = None
) -> Calibration | None:
    """After a store's first ingestion (documents in, no calibration yet), calibrate its
    answer-or-refuse gate (``rag.answering.calibration``); a later run leaves the calibration alone."""
    from rag.answering.assistant import Assistant

    if not ingestor.settings.auto_calibrate or not report.documents:
        return None
    if calibration_path(ingestor.settings).exists():
        return None
    assistant = Assistant(ingestor.settings, store=ingestor.store, embeddings=ingestor.embeddings)
    result = calibrate(assistant, progress)
    save_calibration(ingestor.settings, result.model)
    return result


def reindex_paths(record: DocRecord) -> list[Path]:
    """What to ingest again so a document keeps its id: the folder it was found under, or the file."""
    return [Path(record.root)] if record.root else [Path(record.source)]


def _source_exists(record: DocRecord) -> bool:
    path = Path(record.source)
    return path.is_file()
