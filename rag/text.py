"""Words, stems and sentences: one tokenizer shared by BM25, sentence scoring and grounding."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[a-z0-9]+(?:['\u2019][a-z]+)?")
_stemmer = Stemmer.Stemmer("english")

#: Function words and question scaffolding: they carry no topic.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself nor of off on once only or other our ours ourselves out over own same
    she should so some such than that the their theirs them themselves then there these they this
    those through to too under until up very was we were what when where which while who whom why
    will with would you your yours yourself yourselves s t don didn doesn isn aren wasn weren
    shall may might must also get got let lets ok okay please thanks thank hi hello anyone
    tell know want need like really much many one ones thing things way im ive id youre
    what's how's i'm i've i'd it's that's there's""".split()
)
#: Words that flip a statement.
NEGATIONS = frozenset("not no never none nor cannot can't won't don't doesn't didn't isn't aren't "
                      "wasn't shouldn't mustn't without neither n't nothing nobody".split())


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def words(text: str) -> list[str]:
    """Lower-cased word tokens (numbers included), apostrophes normalised."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def terms(text: str) -> list[str]:
    """Stemmed content words: what BM25 indexes and what overlap is measured on."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "u.s.", "dr.", "mr.", "mrs.", "ms.", "p.", "pp.", "st.")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9*])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+\u2022]|\d{1,2}[.)])\s+")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}")


def split_units(text: str, label_rows: bool = True) -> list[str]:
    """Split a passage into sentences, list items and table rows, in order; with ``label_rows``
    a table's header row is dropped and each row below it names its cells by column."""
    units: list[str] = []
    paragraph: list[str] = []
    header: list[str] = []  # the current table's column names
    previous_row: str | None = None  # the last line, when it was a table row

    def flush() -> None:
        if paragraph:
            units.extend(split_sentences(" ".join(paragraph)))
            paragraph.clear()

    for line in text.splitlines():
        stripped = line.strip()
        row = stripped if stripped.startswith("|") else None
        if not stripped:
            flush()
            header = []
        elif _TABLE_SEP.match(stripped):
            if label_rows and previous_row is not None and units and units[-1] == previous_row:
                header = _cells(units.pop())  # a header row names columns; it states nothing
        elif row is not None:
            flush()
            cells = _cells(row)
            if header and len(cells) == len(header):
                # "Never paste: Student ID numbers; Examples: lunch number" reads as a statement
                units.append("; ".join(f"{h}: {c}" if h else c for h, c in zip(header, cells, strict=True) if c))
            else:
                units.append(row)
        elif _LIST_ITEM.match(stripped):
            flush()
            units.append(stripped)
            header = []
        else:
            paragraph.append(stripped)
            header = []
        previous_row = row
    flush()
    return [u for u in units if u.strip()]


def _cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


_ABBREVIATION = re.compile(
    r"(?<![\w.])(?:" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + r")(?=\s)", re.IGNORECASE
)


def split_sentences(text: str) -> list[str]:
    """Sentence split that survives abbreviations such as e.g. and U.S."""
    saved: list[str] = []
    text = text.replace("\x00", "")  # NUL marks the protected abbreviations below

    def protect(match: re.Match[str]) -> str:
        saved.append(match.group(0))
        return f"\x00{len(saved) - 1}\x00"

    protected = _ABBREVIATION.sub(protect, text)
    out = []
    for part in _SENTENCE_END.split(protected):
        part = re.sub(r"\x00(\d+)\x00", lambda m: saved[int(m.group(1))], part).strip()
        if part:
            out.append(part)
    return out


#: An image or a link whose target may hold one level of parentheses; the text has no brackets,
#: so nested ones (``[![alt](img)](url)``) are undone from the inside out.
_IMAGE = re.compile(r"!\[([^\[\]]*)\]\((?:[^()]|\([^()]*\))*\)")
_LINK = re.compile(r"\[([^\[\]]*)\]\((?:[^()]|\([^()]*\))*\)")
_REFERENCE = re.compile(r"!?\[([^\[\]]*)\]\[[^\[\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]*)>", re.IGNORECASE)


def strip_links(text: str) -> str:
    """Images become their alt text and links their text, nested ones included, until none is left."""
    while True:
        new = _REFERENCE.sub(r"\1", _LINK.sub(r"\1", _IMAGE.sub(r"\1", text)))
        new = _AUTOLINK.sub(r"\1", new)
        if new == text:
            return text
        text = new


def strip_markdown(text: str) -> str:
    """Plain text for display and matching: no emphasis markers, list bullets, table pipes,
    images or links (``[![b](x)](URL)`` becomes ``b``, never a new image)."""
    text = _LIST_ITEM.sub("", text)
    text = strip_links(text)
    text = re.sub(r"(\*\*|__|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)|`)", "", text)
    if text.strip().startswith("|"):
        text = " ; ".join(c.strip() for c in text.strip().strip("|").split("|") if c.strip())
    return " ".join(text.split())
