"""Coaches' tags: metadata set in the app or CLI without editing the document itself.

Kept in a ``.hubqa-tags.yaml`` beside the documents (``file name: {field: value}``), so tags
travel with the corpus folder, work for every format (PDFs included), and win over what the
file declares. Changing a document's tags re-indexes just that document.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

from rag.chunks import TAG_FIELDS
from rag.errors import HubqaError
from rag.vocabulary import VOCABULARY, Vocabulary, canonical, unknown

TAGS_FILE = ".hubqa-tags.yaml"
#: The fields a coach may set; the retriever filters on the first three.


def read_tags(folder: Path) -> dict[str, dict[str, str]]:
    """Every file's tags in ``folder`` (an unreadable tags file is an error naming it)."""
    path = folder / TAGS_FILE
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise HubqaError(f"{path}: not valid YAML ({str(e).splitlines()[0]}); fix or delete the file.") from e
    if not isinstance(data, dict):
        raise HubqaError(f"{path}: expected 'file name: {{field: value}}' entries; fix or delete the file.")
    return {
        str(name): {k: str(v) for k, v in fields.items() if k in TAG_FIELDS and v not in (None, "")}
        for name, fields in data.items()
        if isinstance(fields, dict)
    }


def tags_for(path: Path, cache: dict[Path, dict[str, dict[str, str]]] | None = None) -> dict[str, str]:
    """The tags a coach set for one file (empty when none); a ``cache`` kept for one ingestion
    run reads each folder's tags file once, not once per document."""
    if cache is None:
        return read_tags(path.parent).get(path.name, {})
    if path.parent not in cache:
        cache[path.parent] = read_tags(path.parent)
    return cache[path.parent].get(path.name, {})


def canonical_tags(metadata: dict[str, str], vocab: Vocabulary = VOCABULARY) -> dict[str, str]:
    """``metadata`` with its tag fields in the vocabulary's spelling, so filters match them."""
    return {k: canonical(k, v, vocab) if k in TAG_FIELDS and isinstance(v, str) else v for k, v in metadata.items()}


def set_tags(path: Path, values: dict[str, str], vocab: Vocabulary = VOCABULARY) -> dict[str, str]:
    """Replace one file's tags (empty values clear a field); written atomically. Returns them.

    Values must come from the tag vocabulary, so a typo can't become a new filter value."""
    fields = sorted(set(values) - set(TAG_FIELDS))
    if fields:
        raise HubqaError(f"Unknown tag field(s) {', '.join(fields)}: use {', '.join(TAG_FIELDS)}.")
    if not path.is_file():
        raise HubqaError(f"{path}: no such file to tag.")
    clean = canonical_tags({k: v.strip() for k, v in values.items() if v and v.strip()}, vocab)
    for field, value in clean.items():
        if unknown(field, value, vocab):
            allowed = ", ".join(vocab[field])
            raise HubqaError(
                f"{field} {value!r} is not in the tag vocabulary ({allowed}); a maintainer can add it "
                f"with extra_tag_values in hubqa.toml."
            )
    tags = read_tags(path.parent)
    if clean:
        tags[path.name] = clean
    else:
        tags.pop(path.name, None)
    _write_yaml(path.parent / TAGS_FILE, tags)
    return clean


def move_tags(old: Path, new: Path) -> None:
    """Carry a file's tags to its new name (used when a document is retired or renamed)."""
    tags = read_tags(old.parent)
    if old.name in tags:
        moved = tags.pop(old.name)
        _write_yaml(old.parent / TAGS_FILE, tags)
        if new.parent.is_dir():
            target = read_tags(new.parent)
            target[new.name] = moved
            _write_yaml(new.parent / TAGS_FILE, target)


def _write_yaml(path: Path, data: dict[str, dict[str, str]]) -> None:
    text = yaml.safe_dump(dict(sorted(data.items())), allow_unicode=True, sort_keys=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tags-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
