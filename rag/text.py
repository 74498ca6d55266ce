"""Words, stems and sentences: one tokenizer shared by BM25, sentence scoring and grounding."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from rag.chunks import LIST_ITEM

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
NEGATIONS = frozenset(
    "not no never none nor cannot can't won't don't doesn't didn't isn't aren't "
    "wasn't shouldn't mustn't without neither n't nothing nobody".split()
)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def words(text: str) -> list[str]:
    """Lower-cased word tokens (numbers included), apostrophes normalised."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def terms(text: str) -> list[str]:
    """Stemmed content words: what BM25 indexes and what overlap is measured on."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


_ABBREVIATIONS = (
    "e.g.",
    "i.e.",
    "vs.",
    "u.s.",
    "dr.",
    "mr.",
    "mrs.",
    "ms.",
    "p.",
    "pp.",
    "st.",
    "a.m.",
    "p.m.",
    "etc.",
    "no.",
    "approx.",
    "fig.",
    "jr.",
    "sr.",
    "inc.",
)
#: A sentence ends after . ! or ? and any closing quotes, brackets or emphasis (kept with it).
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]*_]*(?=\s+[\"'\u201c\u2018(\[*_]?[A-Z0-9*])")
_LIST_ITEM = LIST_ITEM
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}")


@dataclass
class TextUnit:
    """A sentence, list item or table row of a passage, with the block (paragraph, list or table)
    it belongs to, so an answer can keep a list or a table whole."""

    text: str
    kind: str  # "sentence" | "item" | "row"
    block: int
    #: A table row's cells and its table's column names (header rows are not units).
    cells: list[str] | None = None
    header: list[str] | None = None


def split_units(text: str, label_rows: bool = True) -> list[str]:
    """Split a passage into sentences, list items and table rows, in order; with ``label_rows``
    a table's header row is dropped and each row below it names its cells by column."""
    return [u.text for u in read_units(text, label_rows)]


def read_units(text: str, label_rows: bool = True) -> list[TextUnit]:
    """The passage's units with their kind and block (see ``split_units``)."""
    units: list[TextUnit] = []
    paragraph: list[str] = []
    header: list[str] = []  # the current table's column names
    previous_row: str | None = None  # the last line, when it was a table row
    block = 0
    last_kind = ""
    last_line = ""

    def start(kind: str) -> None:
        nonlocal block, last_kind
        if kind != last_kind or kind == "sentence":
            block += 1
        last_kind = kind

    def flush() -> None:
        if paragraph:
            start("sentence")
            joined = " ".join(paragraph)
            if QUOTATION.match(joined):  # a paragraph that is one quotation (a script) is said whole
                units.append(TextUnit(joined, "sentence", block))
            else:
                units.extend(TextUnit(s, "sentence", block) for s in split_sentences(joined))
            paragraph.clear()

    for line in _bare_tables(text.splitlines()):
        stripped = line.strip()
        row = stripped if stripped.startswith("|") else None
        if not stripped:
            flush()
            header = []
            if last_kind not in ("sentence", "item"):
                last_kind = ""  # a blank line ends a table; a list goes on when an item follows ("loose" lists)
        elif _TABLE_SEP.match(stripped):
            if label_rows and previous_row is not None and units and units[-1].text == previous_row:
                header = _cells(units.pop().text)  # a header row names columns; it states nothing
        elif row is not None:
            flush()
            start("row")
            cells = _cells(row)
            if header and len(cells) == len(header):
                # "Never paste: Student ID numbers; Examples: lunch number" reads as a statement
                labelled = "; ".join(f"{h}: {c}" if h else c for h, c in zip(header, cells, strict=True) if c)
                units.append(TextUnit(labelled, "row", block, cells, list(header)))
            else:
                units.append(TextUnit(row, "row", block, cells))
        elif _LIST_ITEM.match(stripped):
            flush()
            start("item")
            units.append(TextUnit(stripped, "item", block))
            header = []
        elif last_kind == "item" and not paragraph and units and (line[:1].isspace() or _wrapped(last_line, stripped)):
            units[-1].text += " " + stripped  # an item's wrapped second line
        else:
            if last_kind in ("item", "row") and not paragraph:
                last_kind = ""
            if paragraph and paragraph[0].startswith(">") and stripped.startswith(">"):
                stripped = stripped.lstrip("> ") or stripped  # a block quote's next line: one marker, at its start
            paragraph.append(stripped)
            header = []
        previous_row = row
        last_line = stripped or last_line
    flush()
    return [u for u in units if u.text.strip()]


def _wrapped(previous: str, line: str) -> bool:
    """Does ``line`` carry on the line before it (text extracted from a PDF wraps at the page's
    width): it starts in lower case, or the line before is long and stops mid-sentence."""
    if _LIST_ITEM.match(line) or line.startswith(("|", "#")):
        return False
    return line[:1].islower() or (len(previous) >= 60 and previous[-1:] not in ".!?:;\"')\u201d")


#: A paragraph that is one quotation, said whole (a script).
QUOTATION = re.compile(r'^(?:"[^"]{1,400}"|\u201c[^\u201c\u201d]{1,400}\u201d)$')


def _bare_tables(lines: list[str]) -> list[str]:
    """Tables written as "a | b | c" lines (HTML and Word loaders, typed text) in Markdown form:
    two or more neighbouring lines with the same number of cells, the first naming the columns."""
    counts = [line.count(" | ") if not line.strip().startswith("|") else 0 for line in lines]
    out: list[str] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and counts[j] and counts[j] == counts[i]:
            j += 1
        if j - i >= 2:
            out.append("| " + lines[i].strip() + " |")
            out.append("|" + "---|" * (counts[i] + 1))
            out.extend("| " + line.strip() + " |" for line in lines[i + 1 : j])
            i = j
        else:
            out.append(lines[i])
            i += 1
    return out


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
    cuts = [0] + [m.end() for m in _SENTENCE_END.finditer(protected)] + [len(protected)]
    for part in (protected[a:b] for a, b in zip(cuts, cuts[1:], strict=False)):
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


def entry_names(section: str) -> list[str]:
    """The terms a section's own heading names: "Retrieval-Augmented Generation (RAG)" names both
    the phrase and the acronym; a long heading ("How to talk with families") names no term."""
    leaf = re.sub(r"[*_`#]", "", section.split(" > ")[-1]).strip()
    if not leaf or "?" in leaf:
        return []
    names = [leaf] + re.findall(r"\(([^()]{1,40})\)", leaf)
    names[0] = re.sub(r"\s*\([^()]*\)", "", leaf)
    # "Level 1 — AI for Ideas", "Step 2: Report it": the name before the dash or colon, and after it
    names += [part for part in re.split(r"\s+[\u2014\u2013-]\s+|:\s+", names[0]) if part != names[0]]
    return [n for n in (" ".join(x.lower().split()) for x in names) if n and len(n.split()) <= 5]
