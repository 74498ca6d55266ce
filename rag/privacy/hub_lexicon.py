"""Build ``data/hub-lexicon.json`` from the hub's own documents, so the guard knows the hub's words.

- ``common``: words the hub writes in lower case (everyday words: "parents", "worksheet", "will").
- ``proper``: capitalised names of things the hub uses (tools, places, languages, laws).
- ``public``: people the hub itself discusses (its authors and historical figures): the allow-list.
- ``acronyms``: words the hub writes in capitals (ADA, IEP, FERPA), so a teacher's lower-case
  "the ada rule" or "a students iep" is read as the acronym, not as a student called Ada.

Rebuild after the corpus changes: ``hubqa eval privacy --build-lexicon corpus/``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from rag.privacy import lexicon
from rag.text import STOPWORDS

_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+(?:['\u2019\-][A-Za-zÀ-ÖØ-öø-ÿ]+)*")
_START = re.compile(r"(?:^|[.!?:;#*>|\-\d)\]]\s*|\n\s*)$")


def build(texts: Iterable[str]) -> dict[str, list[str]]:
    """The three word lists, from the documents' plain text."""
    texts = list(texts)
    lower: Counter[str] = Counter()
    capital: Counter[str] = Counter()
    acronyms: set[str] = set()
    for text in texts:
        for m in _WORD.finditer(text):
            word = m.group(0)
            bare = re.sub(r"['\u2019]s?$|(?<=[A-Z])s$", "", word)
            if 2 <= len(bare) <= 7 and bare.isupper() and bare.isalpha():
                acronyms.add(bare.lower())
            if word.islower():
                lower[word] += 1
            elif (
                word[0].isupper() and word[1:].islower() and not _START.search(text[max(0, m.start() - 3) : m.start()])
            ):
                capital[word.lower()] += 1
    common = {w for w, n in lower.items() if n >= 2 and n >= capital[w]}
    given = lexicon.first_names()
    proper = {
        w
        for w, n in capital.items()
        if n >= 2 and w not in common and w not in given and w not in STOPWORDS and lexicon.is_english(w)
    }  # a name the dictionary does not know could be a student's
    # People: names the recogniser finds in the hub's text, read with the hub's own words known.
    from rag.privacy import names  # late: it reads the lexicon this function is building

    saved = lexicon.hub_lexicon
    # a stand-in for the cached loader while the hub's own lexicon is built (restored below)
    lexicon.hub_lexicon = lambda: {
        "common": frozenset(common),
        "proper": frozenset(),
        "public": frozenset(),
        "acronyms": frozenset(acronyms),
    }  # type: ignore[assignment]
    names._things.cache_clear()
    names._public.cache_clear()
    lexicon.acronyms.cache_clear()
    lexicon.is_english.cache_clear()
    lexicon.english_vocabulary.cache_clear()
    lexicon.is_common.cache_clear()
    public: set[str] = set()
    people: set[str] = set()
    try:
        for text in texts:
            for span in names.find_names(text, topics=True):
                found = re.sub(r"['\u2019]s$", "", text[span.start : span.end]).lower()
                parts = found.split()
                people.add(found)
                cited = re.search(
                    r"(?i)\b(?:by|led by|interview|of|or|and)[\"']?\s+[\"']?$",
                    text[max(0, span.start - 20) : span.start],
                )
                dated = re.search(r"\b1[5-9]\d\d\b", text[span.end : span.end + 30])
                if span.reason != "topic" and not cited and not dated:
                    continue  # an example student in a scenario, not a public figure
                known = lexicon.all_given_names()
                if (
                    len(parts) >= 2
                    and parts[0] in known
                    and parts[-1] in lexicon.surnames() | {parts[-1]} - lexicon.hub_lexicon()["common"]
                ):
                    public.add(found)
                    if parts[-1] not in known:
                        public.add(parts[-1])  # "Steinbeck", "Tubman" alone; never a given name alone
                elif (
                    len(parts) == 1
                    and parts[0] in lexicon.surnames()
                    and parts[0] not in known
                    and not lexicon.is_common(parts[0])
                ):
                    public.add(parts[0])
    finally:
        lexicon.hub_lexicon = saved
        for fn in (
            names._things,
            names._public,
            lexicon.is_english,
            lexicon.english_vocabulary,
            lexicon.is_common,
            lexicon.hub_lexicon,
            lexicon.acronyms,
        ):
            fn.cache_clear()
    proper -= {p for name in people for p in name.split()}
    return {"common": sorted(common), "proper": sorted(proper), "public": sorted(public), "acronyms": sorted(acronyms)}


def write(texts: Iterable[str], path: Path = lexicon.HUB_LEXICON) -> dict[str, list[str]]:
    data = build(texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    for fn in (
        lexicon.hub_lexicon,
        lexicon.acronyms,
        lexicon.is_english,
        lexicon.english_vocabulary,
        lexicon.is_common,
    ):
        fn.cache_clear()
    return data
