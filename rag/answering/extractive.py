"""The default answerer: the hub's own sentences, chosen for the question asked, each one cited.

Offline and instant. It reads what kind of answer the question wants (``rag.answering.question``), reads the
top passages as sentences, list items and table rows that know their block, and answers in that
shape: a procedure as its steps, a definition in a sentence or two, a fact with its figure first,
a yes/no with the rule that decides it. Scripts, examples, quotations and placeholders are the
hub's illustrations, not its advice: they are used only when the question asks for one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from rag.answering.facts import states
from rag.answering.question import Intent
from rag.chunks import LIST_ITEM
from rag.guards.injection import planted_flags
from rag.records import Hit
from rag.search.query import bands_conflict, grade_bands, with_bands
from rag.text import QUOTATION, TextUnit, entry_names, read_units, split_sentences, strip_markdown, terms

#: Passages the answer may draw on, and the most distinct sources it cites.
MAX_PASSAGES = 6
MAX_SOURCES = 3
#: Units and characters an answer of each kind may use (a block counts its units).
BUDGET = {
    "definition": 2,
    "fact": 3,
    "yesno": 4,
    "comparison": 5,
    "steps": 12,
    "options": 12,
    "script": 6,
    "general": 5,
}
MAX_CHARS = 1400
#: A list or table longer than this is cut (with a note in the lead).
MAX_BLOCK = 12
#: How a unit's relevance is made: its own words, its heading's (more for a section's first
#: sentence, which the heading names the subject of), the title's, and its passage's similarity
#: to the question. Chosen on the dev halves of the hub's and the teacher-typed question sets by
#: the rank of the first unit holding a key fact (MRR 0.54 -> 0.59). The units' own embeddings did
#: not help: late-chunked unit vectors lowered it to 0.54, separately embedded sentences raised it
#: by 0.01 (within noise) at ~20 ms per sentence on a CPU, so units are chosen by words and shape.
WEIGHTS = {"lex": 0.7, "lead": 0.95, "leaf": 0.7, "head": 0.25, "dense": 0.3}
#: Passage rank prior: the retriever's order is evidence too.
RANK_PRIOR = (0.10, 0.07, 0.05, 0.03, 0.02, 0.01, 0.0)
RANK_SCALE = 1.0

_NUMBER = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:%|percent|minutes?|hours?|days?|weeks?|months?|years?|school days?|"
    r"business days?|words?|students?|people|grades?)?|\b(?:one|two|three|four|five|six|seven|"
    r"eight|nine|ten|twelve|fifteen|twenty|thirty)\b",
    re.IGNORECASE,
)
#: Who decides, approves or keeps something: an office or a named role, not the teacher asking.
_ROLE = re.compile(
    r"\b(?:[Oo]fficer|[Ll]ead(?:er)?|[Pp]rincipal|[Tt]eam|[Cc]oordinator|[Dd]irector|[Cc]oach|"
    r"[Dd]epartment|[Oo]ffice|[Cc]ommittee|[Bb]oard|[Ss]uperintendent|[Cc]ounsel|[Aa]dministrator|"
    r"[Ss]pecialist|[Cc]ounselor|[Ll]ibrarian|[Cc]ase manager|[A-Z]{1,3}O)\b"
)
_RULE = re.compile(
    r"\b(?:may|must|can|cannot|can't|only|never|not|no|don't|do not|allowed|required|should|"
    r"shouldn't|needs? to|always|prohibit\w*|ban\w*)\b",
    re.IGNORECASE,
)
_STEP_HEADING = re.compile(
    r"\b(?:steps?|at a glance|process|procedure|checklist|what to do|how to|sequence|"
    r"in order|quick reference|overview|summary)\b",
    re.IGNORECASE,
)
#: Sections that illustrate rather than advise.
_EXAMPLE_HEADING = re.compile(
    r"\b(?:examples?|sample|scenarios?|worked|case stud(?:y|ies)|vignette|template|"
    r"weak version|strong version|role[- ]play|dialogue|transcript|the prompt|prompt \d|"
    r"letter|before and after|before:|after:)",
    re.IGNORECASE,
)
#: Headings that advise even when they name an example's form ("Historical Role-Play Chatbots: Cautions").
_ADVICE_HEADING = re.compile(
    r"\b(?:cautions?|risks?|rules?|guidance|guidelines?|tips|do'?s|don'?ts|how to|when to|"
    r"should|policy|safety|warnings?|considerations?|best practices?|mistakes|avoid|pitfalls)\b",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"\[(?:[A-Za-z][\w' ]{1,30})\](?!\()|_{3,}|\{[a-z_ ]+\}")
_ADVICE_LABEL = re.compile(
    r"^\s*(?:[-*]\s+)?(?:\*\*|__)?(?:what to do|what (?:the teacher|you|to) (?:should )?(?:do|did)|"
    r"response|resolution|takeaway|the fix|do this|instead|what happened next|outcome|"
    r"why it works|the lesson)\b[^:]{0,20}:",
    re.IGNORECASE,
)
#: The opening of a story ("A 7th-grade teacher finds a new tool on Sunday night..."), not a rule.
_STORY = re.compile(
    r"^(?:a|an|one|your|the)\s+(?:[\w-]+\s+){0,3}?(?:teacher|student|parent|coach|principal|dad|mom|"
    r"mother|father|family|sophomore|junior|senior|freshman|kindergartner|newcomer|\w+[- ]grader|"
    r"colleague|librarian|counselor)s?\s+(?:[\w-]+\s+){0,2}?(?:finds|found|wants|wanted|says|said|asks|"
    r"asked|turns|turned|submits|submitted|writes|wrote|notices|noticed|emails|emailed|tells|told|"
    r"prompted|pasted|assigns|assigned|shares|shared|comes|came|hands|handed|discovers|discovered)\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"^\s*[\"\u201c]?(?:I|I'm|I've|I'd|We|We're|My|Our|Dear)\b")
_SPEAKER = re.compile(
    r"^\s*(?:(?:teacher|student|coach|sample|example) script|script for [^:]{3,60}|"
    r"teacher|student|coach|parent|say|ask|you|me|ai|chatbot|prompt|output|response|script|"
    r"before|after|weak|strong|original|revised|"
    r"sample|example|exit ticket|model answer|student answer)"
    r"\s*(?:\d\s*)?:\s",
    re.IGNORECASE,
)
_QUOTES = re.compile(r"[\"\u201c][^\"\u201c\u201d]{3,}[\"\u201d]")


def _opens(text: str) -> bool:
    """Does the text open a quotation it does not close?"""
    return text.count('"') % 2 == 1 or text.count("\u201c") > text.count("\u201d")


def _closes(text: str) -> bool:
    """Does the text close a quotation opened before it?"""
    return text.count('"') % 2 == 1 or text.count("\u201d") > text.count("\u201c")


_ITEM_MARK = LIST_ITEM
_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+")


@dataclass
class Candidate:
    """A sentence, list item or table row of a retrieved passage, as an answer may use it."""

    text: str
    raw: str
    kind: str
    hit_index: int
    position: int
    block: int
    section: str
    cells: list[str] | None = None
    header: list[str] | None = None
    #: Illustration, not advice: a quotation, script line, example or placeholder.
    quoted: bool = False
    #: A question (an FAQ entry's question, a rhetorical one): never an answer sentence.
    question: bool = False
    #: A row or line for another grade band than the question asks about ("3-5" for a 7th grader).
    off_band: bool = False
    score: float = 0.0

    @property
    def key(self) -> tuple[int, int]:
        return self.hit_index, self.block


@dataclass
class DraftSentence:
    """One sentence of an answer, with the passages (indexes into the hits) it cites."""

    text: str
    cites: list[int]
    bullet: bool = False
    #: How it is shown: "text", "bullet", "number" or "row" (a table row: ``cells`` under ``header``).
    style: str = "text"
    cells: list[str] | None = None
    header: list[str] | None = None
    #: A numbered item's own number in the hub ("3."), kept when only some items are shown.
    number: int | None = None
    #: A sample's unit that starts a new paragraph (style "quote").
    paragraph: bool = False


@dataclass
class Draft:
    lead: str
    sentences: list[DraftSentence] = field(default_factory=list)
    #: The best candidate's relevance to the question, for the refusal gate.
    support: float = 0.0
    #: The largest share of the question's topic words found together in one unit and its heading.
    best_unit_coverage: float = 0.0
    #: Words of the passages the answer cites, with their titles and headings, for the gate.
    cited_terms: set[str] = field(default_factory=set)


def _is_quoted(
    raw: str, text: str, section: str, advice: bool = False, kind: str = "sentence", header: Sequence[str] = ()
) -> bool:
    """Illustration rather than advice: a placeholder, a speaker's line, a quotation, a script's
    lines, a row of a table of scenarios or examples ("Scenario | Assignment level | Allowed?"), or
    anything in an example or scenario except its labelled advice ("What to do: ...")."""
    if _PLACEHOLDER.search(raw) or _SPEAKER.match(text) or _STORY.match(text):
        return True
    if kind == "row" and header and re.fullmatch(r"(?i)\W*(?:scenarios?|examples?|cases?|situations?)\W*", header[0]):
        return True
    quoted = sum(len(m.group(0)) for m in _QUOTES.finditer(text))
    if quoted >= 0.6 * len(text) or (text[:1] in '"\u201c' and text.rstrip(".")[-1:] in '"\u201d'):
        return True
    if kind != "row" and re.match(r'^[^"\u201c:]{3,60}:\s*["\u201c]', text) and len(_QUOTES.findall(text)) <= 1:
        return True  # 'Print this on your syllabus: "Translation apps count as AI.': the words to use, a script
    if text.rstrip()[-1:] in '"\u201d' and _closes(text):
        return True  # the end of a quotation that began in an earlier sentence
    if text[:1] in '"\u201c':
        first = _QUOTES.match(text)
        if first is None or first.group(0).rstrip('"\u201d').endswith("?"):
            return True  # a quotation that runs on, or a quoted question and its answer (a script)
    if advice:
        return False
    leaf = section.split(" > ")[-1] if section else ""
    if re.fullmatch(r"(?i)\W*before(?:\s+(?:version|draft|prompt|example|the redesign))?\W*", leaf):
        return True  # a worked example's "Before": the version not to follow
    if re.search(r"\bscripts?\b|what to say|wording", leaf, re.IGNORECASE) and (_FIRST_PERSON.match(text) or quoted):
        return True  # a script's lines, not the steps around them
    if kind in ("item", "row") and re.match(r"(?i)\W*(?:some |more )?examples of\b", leaf):
        return False  # "Examples of AI supports": a table of the kinds, each one advice, not a scene
    if leaf.rstrip().endswith("?") and not re.search(r"(?i)\b(?:examples?|samples?|templates?|letters?)\b", leaf):
        return False  # an FAQ's answer advises, even when its question names a prompt or a dialogue
    return bool(_EXAMPLE_HEADING.search(leaf)) and not _ADVICE_HEADING.search(leaf)


def candidates(hits: Sequence[Hit]) -> list[Candidate]:
    """Every usable unit of the passages; a passage with planted instructions is left out."""
    out: list[Candidate] = []
    for index, hit in enumerate(hits):
        section = str(hit.metadata.get("section", ""))
        units = [piece for u in read_units(hit.context or hit.text) for piece in _by_band(u)]
        planted = planted_flags([u.text for u in units])
        if any(planted):
            # A passage holding a planted request is withheld whole: its set-up, lure and
            # deadline read as honest sentences alone ("Records not confirmed by Friday may
            # delay your salary"); coaches see the request flagged on the Corpus page.
            continue
        advice = {u.block for u in units if _ADVICE_LABEL.match(u.text)}
        inside: int | None = None  # the block of a quotation still open ("Script: "This source ...)
        for position, (unit, bad) in enumerate(zip(units, planted, strict=True)):
            within = inside == unit.block and unit.kind == "sentence"
            if within:
                inside = None if _closes(unit.text) else inside
            else:
                inside = unit.block if _opens(unit.text) else None
            text = strip_markdown(unit.text) if unit.kind != "row" or unit.header else unit.text
            if unit.kind == "row" and not unit.header:
                text = strip_markdown(unit.text)
            if len(text) < 3 or bad:
                continue
            if position == len(units) - 1 and text.count("(") > text.count(")"):
                continue  # cut off at the passage's end ("The CTO does the security review (single")
            out.append(
                Candidate(
                    text=text,
                    raw=unit.text,
                    kind=unit.kind,
                    hit_index=index,
                    position=position,
                    block=unit.block,
                    section=section,
                    cells=[_plain_cell(c) for c in unit.cells] if unit.cells else None,
                    header=[_plain_cell(h) for h in unit.header] if unit.header else None,
                    quoted=within
                    or _is_quoted(unit.text, text, section, unit.block in advice, unit.kind, unit.header or ()),
                    # an FAQ's question; not a step that ends by asking ("Substitute. ... Does it work?")
                    question=(
                        text.rstrip().rstrip("\"'\u201d)").endswith("?")
                        and unit.kind != "row"
                        and (unit.kind == "sentence" or not re.search(r"[.!:]\s", text))
                    )
                    or _opens_bold_question(units, position),
                )
            )
    return out


def _opens_bold_question(units: Sequence[TextUnit], position: int) -> bool:
    """The first sentence of an FAQ question set in bold over two sentences ("**A student's Level 1
    essay has a few AI-polished sentences. Is that a violation?**"): the scene of a question, no answer."""
    unit = units[position]
    if unit.kind != "sentence" or not unit.text.lstrip().startswith("**") or unit.text.count("**") != 1:
        return False
    following = units[position + 1] if position + 1 < len(units) else None
    return (
        following is not None
        and following.block == unit.block
        and following.text.count("**") == 1
        and following.text.rstrip().rstrip("*").rstrip().endswith("?")
    )


#: Grade bands as a hub labels them: a line that opens with one is that band's line.
_BANDS = r"(K-2|3-5|6-8|9-12|K-5|6-12|K-12|K-8)"
_BAND_LABEL = re.compile(rf"(?:^|(?<=[\s.;]))(?:Grades?\s+)?{_BANDS}(?=\s+[A-Z])")
_UNIT_BAND = re.compile(rf"^\W*(?:Grades?\s+|Grade band\W+)?{_BANDS}\b", re.IGNORECASE)


def _by_band(unit: TextUnit) -> list[TextUnit]:
    """A table of grade bands read as one run-on sentence ("3-5 No student accounts ... 6-8
    Supervised use ... 9-12 Independent use ..."), as one list item per band, so a question about
    7th grade is answered with the 6-8 line alone."""
    if unit.kind != "sentence":
        return [unit]
    marks = list(_BAND_LABEL.finditer(unit.text))
    if len(marks) < 3 or marks[0].start() > 0:
        return [unit]
    ends = [m.start() for m in marks[1:]] + [len(unit.text)]
    return [
        replace(unit, kind="item", text=f"- Grades {m.group(1)}: {unit.text[m.end() : end].strip()}")
        for m, end in zip(marks, ends, strict=True)
    ]


def _plain_cell(cell: str) -> str:
    """A table cell without emphasis or links, its numbering kept ("1. Pause and do not accuse")."""
    return (
        strip_markdown(cell.replace("|", "/"))
        if not _NUMBERED.match(cell)
        else cell.split(maxsplit=1)[0] + " " + strip_markdown(cell.split(maxsplit=1)[1] if " " in cell.strip() else "")
    )


def _weights(focus: Sequence[str], idf: dict[str, float], context: Sequence[str] = ()) -> dict[str, float]:
    """Question terms weighted by rarity (an earlier question's topic at half weight); words the hub
    never uses can match nothing, so they weigh nothing."""
    weights = {t: 0.5 * idf[t] for t in context if t in idf}
    return weights | {t: idf[t] for t in focus if t in idf}


#: A bold label a hub writes before a definition or a rule ("**Definition.**"), split off as its own unit.
_LABEL = re.compile(r"[A-Z][\w' -]{0,30}[.:]")


def _definitions(
    cands: list[Candidate], usable: list[Candidate], passages: list[Hit], intent: Intent, idf: dict[str, float]
) -> list[Candidate]:
    """For a comparison of two named things, each one's defining sentence (a glossary entry, the
    first sentence under its heading) as a row of a two-row table under its heading; [] unless
    both are found."""
    if len(intent.parts) != 2 or not all(p.kind == "definition" and p.term for p in intent.parts):
        return []
    saved = [c.score for c in cands]
    rows: list[Candidate] = []
    for part in intent.parts:
        score(cands, passages, part, idf)
        ranked = sorted(usable, key=lambda c: -c.score)
        best = next((c for c in ranked[:3] if _type_fit(c, part)[0] >= 0.3 and c.kind == "sentence"), None)
        if best is not None and _LABEL.fullmatch(best.text):
            # "**Definition.** AI may be used to ...": the label is its own unit; the definition follows it
            best = next(
                (
                    c
                    for c in usable
                    if c.hit_index == best.hit_index and c.position == best.position + 1 and c.kind == "sentence"
                ),
                None,
            )
        for c, value in zip(cands, saved, strict=True):
            c.score = value
        if best is None or any(r.text == best.text for r in rows):
            return []
        heading = _leaf(best.section)
        if " ".join(part.term.lower().split()) not in entry_names(best.section):
            heading = part.term  # "The law in one paragraph" does not say which side this row is
        rows.append(replace(best, kind="row", cells=[heading, best.text], header=["Term", "Definition"]))
    return rows


def lexical_support(text_terms: set[str], weights: dict[str, float]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in text_terms) / total if total else 0.0


_DEFINES = re.compile(r"^\W*(?:[\w'/-]+\s+){1,5}(?:means|refers to|is defined as)\b", re.IGNORECASE)


def _type_fit(c: Candidate, intent: Intent) -> tuple[float, float]:
    """A bonus for the shape of answer the question wants, and how much plain word overlap counts."""
    kind, text = intent.kind, c.text
    if kind == "definition" and intent.term:
        term = re.escape(intent.term.lower())
        low = text.lower()
        leaf = c.section.split(" > ")[-1].lower()
        entry = re.sub(r"\s*\(.*?\)", "", leaf).strip()
        if (
            c.position == 0
            and "?" not in leaf
            and (
                entry == intent.term.lower()
                or (re.match(rf"{term}\b", leaf) and len(leaf.split()) <= len(intent.term.split()) + 4)
            )
        ):
            return 0.5, 1.0  # the first sentence of the term's own entry (a glossary, a heading)
        if re.search(rf"\([^)]*\b{term}\b[^)]*\)|\b{term}\s*\(|\b{term}\b,? (?:short for|which stands for)", low):
            return 0.5, 1.0  # the expansion: "Family Educational Rights and Privacy Act (FERPA)"
        if re.match(
            rf"^(?:\w+\s+){{0,3}}{term}\b[^.,;]{{0,25}}\b(?:is an?|is the|are|means|refers to|stands for)\b", low
        ):
            return 0.3, 1.0
        return 0.0, 0.5  # mentioning the term is not defining it
    if _DEFINES.match(text):
        return 0.0, 0.6  # "Approved tool means ...": shares the question's words by naming them, answers little
    if kind == "fact":
        if re.search(r"\bwho\b", intent.text, re.IGNORECASE):
            return (0.2 if _ROLE.search(text) else 0.0), 1.0
        if intent.expects == "number":
            # "how long": a figure in a time unit, not any number ("grades 6-8"). (Not for a price,
            # whose form "free" says little: the gate counts an answer that states none as unmet,
            # and a sentence hunted for its form would hide that.)
            return (0.2 if states(intent.expects, text, intent.text) else 0.0), 1.0
        return (0.12 if _NUMBER.search(text) else 0.0), 1.0
    if kind == "yesno":
        return (0.08 if _RULE.search(text) else 0.0), 1.0
    if kind in ("steps", "options"):
        return (0.08 if c.kind in ("item", "row") else 0.0), 1.0
    if kind == "script":
        # the words to say are the answer; a whole paragraph of them more than a list of questions
        return (0.3 if c.quoted and c.kind == "sentence" and QUOTATION.match(c.text) else 0.2 if c.quoted else 0.0), 1.0
    return 0.0, 1.0


#: Which side of a topic a heading or a question is on: what helps or is allowed, or what harms.
#: Lexical matching can't tell "Where AI Helps in ELA" from "Where AI Hurts in ELA" for "what can
#: my kids use AI for"; the side the question is on can.
_HARMS = re.compile(
    r"\b(?:hurts?|harms?|harmful|risks?|risky|dangers?|dangerous|pitfalls?|mistakes?|concerns?|problems?|"
    r"misuses?|limitations?|limits|red flags?|warning signs?|weakness(?:es)?|don'?ts|badly|downsides?|"
    r"drawbacks?|threats?|worries|wrong|avoid|cautions?|fails?|failures?)\b",
    re.IGNORECASE,
)
_BENEFITS = (
    r"helps?|helpful|benefits?|uses|strengths?|opportunit(?:y|ies)|do'?s|does well|works well|"
    r"good (?:for|uses)|advantages?|ideas"
)
_HELPS = re.compile(rf"\b(?:{_BENEFITS}|allowed|permitted|appropriate)\b", re.IGNORECASE)
_ASKS_HARMS = re.compile(
    _HARMS.pattern + r"|\b(?:bad|worry|careful|watch (?:out|for)|go wrong|not (?:to|use|allowed)|shouldn'?t|"
    r"never|can'?t|cannot|problematic)\b",
    re.IGNORECASE,
)


#: A question that names the helpful side ("ideas for using AI", "what can they use it for"); what
#: is allowed is no side of its own (a yes/no may be answered from a list of cautions).
_ASKS_HELPS = re.compile(
    rf"\b(?:{_BENEFITS}|idea|ways? to use|use (?:ai|it|them|chatbots?|this)(?: \w+)? for|"
    r"what can (?:\w+ ){0,3}(?:do|use))\b",
    re.IGNORECASE,
)


def _side(section: str, header: Sequence[str] | None = None) -> int:
    """+1 for a section on what helps, -1 for one on what harms, 0 for neither (nearest heading first)."""
    for heading in [*(header or [])[:1], *reversed(section.split(" > "))]:
        harms, helps = bool(_HARMS.search(heading)), bool(_HELPS.search(heading))
        if harms != helps:
            return 1 if helps else -1
    return 0


#: A sentence about the document's own layout ("see the section below", "as described above").
_NAVIGATION = re.compile(
    r"\b(?:(?:section|table|list|chart|page|appendix|guide|document|sections) (?:below|above)|(?:see|described|"
    r"listed|shown|explained|outlined|set out|covered) (?:\w+ ){0,3}?(?:below|above|later|earlier)|"
    r"(?:later|earlier) in this (?:guide|document|section)|in the (?:next|following|previous) sections?)\b"
    # a reply to a question the text asked just before: meaningless without it
    r"|^if the answer (?:to (?:that|this|any of these|either) )?is\b",
    re.IGNORECASE,
)
_VERDICT = re.compile(r"^(?:yes|no|not yet)[.!]\s+(?=[A-Z])", re.IGNORECASE)

_ANAPHORIC = re.compile(
    r"^(?:it|this|that|these|those|they|them|such|both|people call that|the same|if (?:so|not)\b)\b",
    re.IGNORECASE,
)


def score(cands: list[Candidate], hits: Sequence[Hit], intent: Intent, idf: dict[str, float]) -> None:
    """Relevance of every candidate to ``intent``: its words, its heading's words (a heading names
    the subject of the sentences under it), its passage's similarity and rank, and how well it fits
    the kind of answer wanted."""
    weights = _weights(intent.focus, idf, intent.context)
    asked = grade_bands(intent.text)
    leaves = [set(terms(str(h.metadata.get("section", "")).split(" > ")[-1])) for h in hits]
    outer = [set(terms(f"{h.metadata.get('title', '')} {h.metadata.get('section', '')}")) for h in hits]
    asks_side = -1 if _ASKS_HARMS.search(intent.text) else 1 if intent.kind == "options" else 0
    for c in cands:
        own = set(terms(c.text))
        bonus, lex_scale = _type_fit(c, intent)
        lex = lex_scale * lexical_support(own, weights)
        leaf = lexical_support(leaves[c.hit_index] - own, weights)
        head = lexical_support(outer[c.hit_index] - own - leaves[c.hit_index], weights)
        hit = hits[c.hit_index]
        dense = hit.dense if hit.dense is not None else 0.0
        w = WEIGHTS
        s = (
            w["lex"] * lex
            + (w["lead"] if c.position == 0 else w["leaf"]) * leaf
            + w["head"] * head
            + w["dense"] * dense
            + RANK_SCALE * RANK_PRIOR[min(int(hit.metadata.get("rank", c.hit_index)), len(RANK_PRIOR) - 1)]
            + bonus
            + (CONVERSATION if hit.metadata.get("conversation") else 0.0)
        )
        n_words = len(c.text.split())
        if n_words < 4 and c.kind == "sentence":
            s -= 0.25
        elif n_words > 50:
            s -= 0.1 + 0.5 * min(1.0, (n_words - 50) / 50)  # run-on text (a PDF table read as prose) reads badly
        if c.text.endswith(":") and c.kind == "sentence":
            s -= 0.08  # an introduction says little on its own
        if asked and bands_conflict(asked, str(hit.metadata.get("grade_band", ""))):
            s -= 0.3  # a 9-12 question is not answered from the grades 6-8 guide
        elif asked and (band := _UNIT_BAND.match(c.cells[0] if c.cells else c.text)):
            c.off_band = bands_conflict(asked, band.group(1))
            # nor from the 3-5 row of a table of all the bands, whose K-2 row is the answer
            s += -0.3 if c.off_band else 0.15
        elif asked and c.kind == "sentence" and len(named := grade_bands(c.text)) >= 2:
            if all(bands_conflict(asked, band) for band in named):
                s -= 0.3  # "in grades 6-8 ...; Level 3 work is for grades 9-12" says nothing of 4th grade
        if c.kind == "sentence" and c.position > 0 and _ANAPHORIC.match(c.text):
            s -= 0.1  # "It reduces..." leans on the sentence before it
        if asks_side and (side := _side(c.section, c.header)):
            s += 0.1 if side == asks_side else -0.2  # the risks table does not answer "what can they use it for"
        c.score = s
    # an FAQ question that matches lends its strength to the answer right after it
    for i, c in enumerate(cands):
        if c.question and i + 1 < len(cands):
            match = lexical_support(set(terms(c.text)), weights)
            for follower in cands[i + 1 : i + 4]:
                if follower.hit_index != c.hit_index or follower.question:
                    break
                follower.score += 0.5 * match
                if follower.block != c.block:
                    break


#: A follow-up's passages from the documents that answered the question before it: where the
#: conversation is ("ok and what do I say to the kid" after the essay procedure).
CONVERSATION = 0.2
#: Longer "sentences" are text run together (a PDF table read as prose): never an answer sentence.
MAX_WORDS = 100


def _eligible(c: Candidate, intent: Intent) -> bool:
    return (
        not c.question
        and (not c.quoted or intent.wants_script)
        and len(c.text.split()) <= MAX_WORDS
        and not _NAVIGATION.search(c.text)
    )


def _block(cands: list[Candidate], anchor: Candidate) -> list[Candidate]:
    """The list or table ``anchor`` belongs to, without its lines for other grade bands."""
    return [c for c in cands if c.key == anchor.key and (anchor.off_band or not c.off_band)]


def _structured_blocks(
    cands: list[Candidate], intent: Intent, hits: Sequence[Hit], idf: dict[str, float]
) -> list[tuple[float, list[Candidate]]]:
    """Lists and tables worth showing whole, with a score: steps for a procedure, items for options.
    Structure earns a bonus only for a block about the question: the document's own overview of
    its procedure counts when the question is about what the document's title names."""
    weights = _weights(intent.focus, idf, intent.context)
    asked = _weights(intent.focus, idf)
    top = max((c.score for c in cands if _eligible(c, intent)), default=0.0)
    blocks: dict[tuple[int, int], list[Candidate]] = {}
    for c in cands:
        if c.kind in ("item", "row") and _eligible(c, intent):
            blocks.setdefault(c.key, []).append(c)
    # procedures rebuilt from step headings: a list inside one of their steps is a detail of the
    # procedure, not the procedure
    procedures = {str(h.metadata.get("section", "")) for h in hits if h.metadata.get("procedure")}
    asks_helps = bool(_ASKS_HELPS.search(intent.text)) and not _ASKS_HARMS.search(intent.text)
    closest = max((h.dense or 0.0 for h in hits), default=0.0)
    out = []
    for members in blocks.values():
        banded = [m for m in members if not m.off_band]
        if banded and len(banded) < len(members):
            members = banded  # the K-2 row of a table of grade bands, for a K-2 question
        elif len(members) < 2:
            continue
        best = max(m.score for m in members)
        mean = sum(m.score for m in members) / len(members)
        first = members[0]
        leaf = first.section.split(" > ")[-1]
        ordered = _ordered(members)
        s = 0.5 * best + 0.5 * mean
        if hits[first.hit_index].metadata.get("procedure"):
            s -= 0.1  # steps rebuilt from headings: the document's own list or table says more
        title = set(terms(str(hits[first.hit_index].metadata.get("title", ""))))
        # about the question by its own words, not the scene it sets ("one of my 10th graders" does
        # not make the grades 9-12 lessons' steps the procedure asked for)
        about = lexical_support(title | set(terms(leaf)), asked) > 0 or best >= 0.6 * top
        if ordered and len(members) < sum(1 for c in cands if c.key == first.key and c.kind in ("item", "row")):
            s -= 0.15  # numbered steps with some left out (quoted, too long) read as a broken procedure
        opening = _NUMBERED.match(first.raw)
        if ordered and opening and int(opening.group(0).strip(" .)")) > 1:
            s -= 0.3  # a procedure shown from its third step on ("3. Model one example") is no procedure
        if asks_helps and _side(first.section, first.header) == -1:
            s -= 0.3  # "ideas for using AI in social studies" are not its list of risks
        if intent.kind == "steps":
            # the procedure of the passage most like the question (a translation checklist is a
            # procedure too, but not for "make 3 reading levels")
            s -= closest - (hits[first.hit_index].dense or 0.0)
        if intent.kind == "options" and names_the_kind(intent.text, leaf):
            s += 0.4  # "Examples of AI supports": the list "what kinds of ai supports are there" asks for
        if intent.kind == "steps" and about:
            s += 0.2 * lexical_support(set(terms(leaf)), weights)  # the procedure the question names
            depth = first.section.count(" > ") + 1 if first.section else 0
            if ordered:
                s += 0.25
                if depth <= 1 and _STEP_HEADING.search(leaf) and lexical_support(title, weights) > 0:
                    s += 0.15  # the document's own overview of its procedure ("The five steps at a glance")
            elif _STEP_HEADING.search(leaf):
                s += 0.1
            if depth >= 2 and re.match(r"(?i)step\s*\d", first.section):
                s -= 0.05  # tips inside one step, not the procedure
            if any(p and first.section.startswith(p + " > ") for p in procedures):
                s -= 0.2
        out.append((s, members))
    # the same list read from two overlapping chunks: the one that holds all of it ("5. Document and
    # follow policy" as well), scored as the better of the two
    texts = [{m.text for m in members} for _, members in out]
    whole = [
        (max(t for (t, _), other in zip(out, texts, strict=True) if other <= own), members)
        for (_, members), own in zip(out, texts, strict=True)
        if not any(own < other for other in texts)
    ]
    return sorted(whole, key=lambda x: -x[0])


#: Share of the question's weighted terms an FAQ heading must hold to be the question asked.
SAME_QUESTION = 0.75
_BARE_REPLY = re.compile(r"^(?:yes|no|not yet|it depends|sometimes)\b[.!,]?$", re.IGNORECASE)


def _answers_another_question(c: Candidate, hit: Hit, weights: dict[str, float]) -> bool:
    """A bare "Yes." outside the passage that answers: it answers another passage's question.
    (Whether an FAQ entry asks the same question in other words is not told by shared words:
    "Can I use a detector to prove cheating?" answers "is a detector score enough to punish?".)"""
    return bool(_BARE_REPLY.match(c.text.strip()))


_KINDS_ASKED = re.compile(
    r"(?i)\b(?:kinds?|types?|sorts?|examples?|list) of ((?:[\w-]+ ){0,3}?[\w-]+?)"
    r"(?=\W*(?:are|is|for|can|could|do|does|that|there|\?|$))"
)
_KINDS_HEADED = re.compile(r"(?i)^\W*(?:some |more |common )?(?:examples?|kinds?|types?|sorts?|list) of (.+)$")


def names_the_kind(question: str, leaf: str) -> bool:
    """Does a list's heading name the kind of thing the question asks for examples of ("Examples
    of AI supports" for "what kinds of ai supports are there")?"""
    asked, headed = _KINDS_ASKED.search(question), _KINDS_HEADED.match(leaf)
    if asked is None or headed is None:
        return False
    want, have = set(terms(asked.group(1))), set(terms(headed.group(1)))
    return bool(want) and len(want & have) >= max(1, len(want) - 1)


def _ordered(block: list[Candidate]) -> bool:
    """A numbered list or a table of steps: shown whole or not at all, never cut and renumbered."""
    return (
        sum(bool(_NUMBERED.match(m.raw)) for m in block) >= 2
        or any("step" in h.lower() for h in block[0].header or [])
        or sum(bool(_NUMBERED.match(m.cells[0])) for m in block if m.cells) >= 2
    )


def has_steps(hit: Hit) -> bool:
    """A passage holding a procedure: a numbered list, a table of steps, or a list under a steps heading."""
    units = read_units(hit.text)
    listed = [u for u in units if u.kind in ("item", "row")]
    if len(listed) < 3:
        return False
    leaf = str(hit.metadata.get("section", "")).split(" > ")[-1]
    return (
        sum(bool(_NUMBERED.match(u.text)) for u in listed) >= 3
        or any("step" in h.lower() for u in listed for h in u.header or [])
        or bool(_STEP_HEADING.search(leaf))
    )


_STEP_LEAF = re.compile(r"^(?:(?:step|phase|stage|part)\s*(\d+)|(\d+))\s*[:.)\u2014-]\s*(.+)$", re.IGNORECASE)


_TIME_LEAF = re.compile(r"^(?:minutes?|mins?\.?)\s*(\d+)\s*[-\u2013]\s*\d+\b", re.IGNORECASE)


#: Numbered or lettered alternatives written as headings: "Design move 2: Staged drafts",
#: "Workflow B: A curated comment bank", "Rule 3: Class time for Level 2-3 work".
_NAMED_LEAF = re.compile(
    r"^(?P<noun>[A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*)?)\s+(?P<n>\d{1,2}|[A-H])\s*[:.)\u2014-]\s*(?P<title>.+)$"
)


def step_sections(chunks: Sequence[Hit], options: bool = False) -> list[Hit]:
    """Procedures written as headings ("Step 1: Start from a text you trust", "Step 2: ..."): each
    becomes one passage listing its steps, each step its heading and the first sentence under it,
    cited to the section that holds the steps. With ``options``, alternatives written as numbered
    or lettered headings ("Design move 1: ...", "Workflow A: ...") become such a list too."""
    groups: dict[str, dict[int, tuple[str, Hit]]] = {}
    timed: dict[str, dict[int, tuple[str, Hit]]] = {}  # "Minutes 0-2: set up", "Minutes 2-7: ..."
    for hit in chunks:
        path = str(hit.metadata.get("section", "")).split(" > ")
        leaf, parent = path[-1], " > ".join(path[:-1])
        if m := _STEP_LEAF.match(leaf):
            groups.setdefault(parent, {}).setdefault(int(m.group(1) or m.group(2)), (m.group(3).strip(), hit))
        elif options and (m := _NAMED_LEAF.match(leaf)):
            n = int(m.group("n")) if m.group("n").isdigit() else ord(m.group("n")) - ord("A") + 1
            key = f"{parent}\x00{m.group('noun').lower()}"  # "Design move" 1-6 is one list, "Tip" 1-3 another
            groups.setdefault(key, {}).setdefault(n, (m.group("title").strip(), hit))
        elif m := _TIME_LEAF.match(leaf):
            timed.setdefault(parent, {}).setdefault(int(m.group(1)), (leaf.strip(), hit))
    for parent, spans in timed.items():  # time segments from 0, in order, are steps too
        starts = sorted(spans)
        if starts and starts[0] == 0 and parent not in groups:
            groups[parent] = {n: spans[start] for n, start in enumerate(starts, 1)}
    procedures = []
    for parent, steps in groups.items():
        numbers = sorted(steps)
        if len(numbers) < 3 or numbers[0] != 1 or numbers != list(range(1, len(numbers) + 1)):
            continue
        lines = []
        for n in numbers:
            title, hit = steps[n]
            units = read_units(hit.text)
            first = next(
                (u.text for u in units if u.kind == "sentence" and not u.text.rstrip().endswith(":")), ""
            )  # not "Using only Tab ...:" without its list
            if not first and (item := next((u for u in units if u.kind == "item"), None)) is not None:
                # a step that is all list ("Add your results to the Digital Learning Request ..."): its first line
                first = split_sentences(_LIST_MARK.sub("", item.text))[0]
                # its instruction, not the prompt it quotes ("Ask the tool for comments ...: "For each cell ...")
                first = re.split(r":\s*[\"\u201c]", first)[0].rstrip(" :")
                first += "" if first.endswith((".", "!", "?")) else "."
            title = title.rstrip(".")
            lines.append(f"{n}. {title[:1].upper() + title[1:]}. {strip_markdown(first)}".strip())
        first_hit = steps[numbers[0]][1]
        text = "\n".join(lines)
        section, _, noun = parent.partition("\x00")
        if noun and not section:  # top-level alternatives: the list is cited to the first one's section
            section = str(first_hit.metadata.get("section", ""))
        metadata = {**first_hit.metadata, "section": section, "procedure": not noun}
        procedures.append(Hit(id=first_hit.id, text=text, metadata=metadata, score=0.0, context=text))
    return procedures


_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d{1,2}[.)]|\[[ xX]?\])\s+")
_INTRODUCES = re.compile(
    r":$|\b(?:the following|as follows|these (?:steps|rules|items|questions))\b[^.]{0,20}[.:]?$", re.IGNORECASE
)


def _intro(cands: list[Candidate], block: list[Candidate]) -> Candidate | None:
    """The sentence that introduces a list ("Under CAIA's four levels:"), when there is one."""
    first = block[0]
    before = [c for c in cands if c.hit_index == first.hit_index and c.position < first.position]
    if (
        before
        and _INTRODUCES.search(before[-1].text)
        and not before[-1].quoted
        and before[-1].position == first.position - 1
    ):
        return before[-1]
    return None


def _asked_by(cands: list[Candidate], c: Candidate) -> set[str]:
    """The words of the FAQ question a unit answers ("Can students use AI to write a lab report's
    introduction?" before "At Level 2, yes, with disclosure"): the question just before it in its
    passage, or its section's heading when that is a question."""
    before = [q for q in cands if q.hit_index == c.hit_index and c.position - 3 <= q.position < c.position]
    asked = next((q for q in reversed(before) if q.question), None)
    leaf = c.section.split(" > ")[-1]
    if asked is None:
        return set(terms(leaf if leaf.rstrip().endswith("?") else ""))
    # with the scene a bold question opens on ("A student's data looks too perfect. What do I do?")
    opening = [q.text for q in cands if q.hit_index == c.hit_index and q.position == asked.position - 1 and q.question]
    return set(terms(" ".join([*opening, asked.text])))


def _faq_verdict(cands: list[Candidate], c: Candidate) -> Candidate | None:
    """The first sentence of the FAQ answer ``c`` belongs to, when ``c`` is not it: the verdict
    ("At Level 2, yes, ...") that a later sentence of the answer only qualifies."""
    before = [q for q in cands if q.hit_index == c.hit_index and c.position - 3 <= q.position < c.position]
    asked = next((q for q in reversed(before) if q.question), None)
    if asked is None:
        return None
    return next(
        (
            q
            for q in cands
            if q.hit_index == c.hit_index and asked.position < q.position < c.position and not q.question
        ),
        None,
    )


def _about_the_question(members: list[Candidate], best: Candidate) -> bool:
    """Is a list about the question as a whole, not a list where one item happens to match
    ("other access gaps to plan for" and its opt-out item)? Its middle item scores near the best."""
    scores = sorted(m.score for m in members)
    return scores[len(scores) // 2] >= 0.55 * best.score


def _introduced(cands: list[Candidate], intro: Candidate, intent: Intent) -> list[Candidate]:
    """The whole list or table a sentence introduces, when it follows it; [] otherwise."""
    following = [
        c
        for c in cands
        if c.hit_index == intro.hit_index and c.position == intro.position + 1 and c.kind in ("item", "row")
    ]
    if not following:
        return []
    whole = [c for c in _block(cands, following[0]) if _eligible(c, intent)]
    return whole if 2 <= len(whole) <= MAX_BLOCK else []


#: Headings of a section that is itself a sample to use: a letter, an email, a script, a template.
_SAMPLE_LEAF = re.compile(
    r"\b(?:samples?|templates?|model (?:letter|email|message)|scripts?|letters?|e-?mails?|messages?|wording|"
    r"what to say)\b",
    re.IGNORECASE,
)


def _sample(cands: list[Candidate], intent: Intent, anchor: Candidate, weights: dict[str, float]) -> list[Candidate]:
    """For a request for a script, letter or email: the passage whose own heading says it is one
    ("Sample Letter to Families"), its units in order, when it is about as relevant as the best
    unit found; [] otherwise (a quotation inside an FAQ answer is no sample to send)."""
    groups: dict[int, list[Candidate]] = {}
    for c in cands:
        leaf = c.section.split(" > ")[-1]
        if not c.question and _SAMPLE_LEAF.search(leaf) and not _ADVICE_HEADING.search(leaf):
            groups.setdefault(c.hit_index, []).append(c)
    best: tuple[float, list[Candidate]] | None = None
    # the best unit may be words to use already ('Print this on your syllabus: "..."'): a sample
    # elsewhere must then say at least as much of what was asked
    said = lexical_support(set(terms(anchor.text)), weights) if anchor.quoted and anchor.hit_index not in groups else 0
    for members in groups.values():
        # judged by its words to use (a short script's one quoted line, not its stage directions)
        words = [m for m in members if m.quoted] or members
        top = sorted((m.score for m in words), reverse=True)[:3]
        value = sum(top) / len(top)
        says = lexical_support(set(terms(" ".join([members[0].section, *(m.text for m in members)]))), weights)
        if len(members) >= 2 and value >= 0.6 * anchor.score and says >= said and (best is None or value > best[0]):
            best = (value, members)
    if best is None:
        return []
    out: list[Candidate] = []
    for c in sorted(best[1], key=lambda c: c.position):
        if len(out) >= 48 or sum(len(x.text) for x in out) + len(c.text) > 3 * MAX_CHARS:  # a letter is long
            break
        out.append(c)
    return out


_INSTRUCTION = re.compile(
    r"^(?:adapt|replace|copy|fill in|edit|customi[sz]e|change|use this|send this|print this)\b", re.IGNORECASE
)


def _how_to_use(sample: list[Candidate]) -> set[int]:
    """The sample's opening instructions ("Adapt this for your class ... Replace the bracketed
    parts."), by ``id``: said to the teacher before the sample, not inside it."""
    out: set[int] = set()
    for c in sample:
        if c.block != sample[0].block or not _INSTRUCTION.match(c.text):
            break
        out.add(id(c))
    return out


def _paragraph_breaks(sample: list[Candidate], passages: Sequence[Hit]) -> set[int]:
    """The units of a sample that start a new line in the hub (``id`` of each): a letter's
    paragraphs are kept when it is shown."""
    out: set[int] = set()
    at = 0
    for c in sample:
        text = passages[c.hit_index].context or passages[c.hit_index].text
        start = text.find(c.raw, at)
        if start > 0 and text[start - 1] == "\n" and c is not sample[0]:
            out.add(id(c))
        at = start + len(c.raw) if start >= 0 else at
    return out


def _near_duplicate(a: str, b: str) -> bool:
    ta, tb = set(terms(a)), set(terms(b))
    if not ta or not tb:
        return a == b
    return len(ta & tb) / min(len(ta), len(tb)) > 0.8


def _covered(chosen: list[Candidate], weights: dict[str, float]) -> float:
    got: set[str] = set()
    for c in chosen:
        got |= set(terms(c.text))
    return lexical_support(got, weights)


def compose(question: Intent | str, hits: list[Hit], idf: dict[str, float]) -> Draft:
    """Choose, order and shape the sentences that answer ``question`` from ``hits`` (the caller
    chooses them: the top passages and any extra ones)."""
    from rag.answering.question import analyse

    intent = analyse(question) if isinstance(question, str) else question
    passages = hits
    cands = candidates(passages)
    score(cands, passages, intent, idf)
    usable = [c for c in cands if _eligible(c, intent)]
    if not usable:
        return Draft(lead="")
    budget = BUDGET.get(intent.kind, 5) + (2 * (len(intent.parts) - 1) if intent.parts else 0)
    chosen: list[Candidate] = []
    lead = ""
    anchor = max(usable, key=lambda c: c.score)

    block: list[Candidate] = []
    blocks: list[tuple[float, list[Candidate]]] = []
    wants_list = intent.kind in ("steps", "options")
    weights = _weights(intent.focus, idf, intent.context)
    if intent.kind in ("steps", "options", "general", "yesno", "comparison", "script"):
        # a multi-part question's list is the one its first part asks for ("the four checks
        # routine, and what level for homework": the routine, not the levels table both share words
        # with); a comparison's parts are the definitions of its two sides, not questions in turn
        first = intent.parts[0] if intent.parts and intent.kind != "comparison" else intent
        kept = [c.score for c in cands]
        if first is not intent:
            score(cands, passages, first, idf)
        blocks = _structured_blocks(cands, first, passages, idf)
        lead_unit = max(usable, key=lambda c: c.score)
        for c, value in zip(cands, kept, strict=True):
            c.score = value
        if blocks:
            s, members = blocks[0]
            named = lexical_support(set(terms(members[0].section.split(" > ")[-1])), _weights(first.focus, idf)) >= 0.5
            if (wants_list and s >= 0.75 * lead_unit.score) or (
                lead_unit in members and (wants_list or named) and (named or _about_the_question(members, lead_unit))
            ):
                block = members
    if not block and intent.kind == "steps" and blocks:
        # the best line sits inside one step of a procedure the hub lays out in step headings (the
        # "Blocker" item under "Step 1: sort the failure by severity"): the procedure is the answer
        top = passages[blocks[0][1][0].hit_index]
        section = str(top.metadata.get("section", ""))
        if top.metadata.get("procedure") and section and anchor.section.startswith(section + " > "):
            block = blocks[0][1]
    if not block and anchor.kind == "sentence" and _INTRODUCES.search(anchor.text):
        # "Before you submit a prompt, confirm that it contains none of the following.": the list it
        # introduces is the answer, shown whole
        block = _introduced(cands, anchor, intent)
    if not block and anchor.kind in ("item", "row"):
        whole = [c for c in _block(cands, anchor) if _eligible(c, intent)]
        limit = MAX_BLOCK if wants_list else 6 if intent.kind == "definition" else 0
        if 2 <= len(whole) <= limit and (not wants_list or _about_the_question(whole, anchor)):
            block = whole
        elif intent.kind == "general" and _ordered(whole) and 3 <= len(whole) <= MAX_BLOCK:
            block = whole  # numbered steps are shown whole or not at all: "1 ... 4" reads as broken
        elif intent.kind in ("yesno", "general", "comparison") and len(whole) >= 2:
            # the rule that answers, and the next most relevant item of its list, not the whole list
            block = sorted(sorted(whole, key=lambda c: -c.score)[:2], key=lambda c: c.position)
    if (
        block
        and intent.kind not in ("steps", "options")
        and len(block) > 4
        and not intent.parts
        and not _ordered(block)
        and lexical_support(set(terms(block[0].section.split(" > ")[-1])), weights) < 0.5
    ):
        # a yes/no or a fact needs the rows that answer it, not the whole table (unless the table
        # is what the question names: "the five ground rules")
        best_rows = sorted(block, key=lambda c: -c.score)[:3]
        block = [c for c in block if c in best_rows and c.score >= 0.6 * best_rows[0].score]
    sample = _sample(cands, intent, anchor, weights) if intent.kind == "script" and not block else []
    if block:
        intro = _intro(cands, block)
        if intro is not None:
            chosen.append(intro)
        chosen += block[:MAX_BLOCK]
        anchor = max(block, key=lambda c: c.score)
        if intro is None:
            lead = _lead(passages[block[0].hit_index], intent, block)
        last = block[-1]
        closing = [
            c
            for c in usable
            if c.hit_index == last.hit_index
            and c.kind == "sentence"
            and last.position < c.position <= last.position + 2
        ]
        chosen += closing  # "Follow the steps in this order. ..."
        budget = len(chosen)
    elif sample:
        # "write me an email to parents about...": the hub's own sample, whole and labelled
        chosen, anchor = sample, sample[0]
        lead = _lead(passages[anchor.hit_index], intent, sample)
        budget = len(chosen)
    else:
        chosen.append(anchor)
        # what follows the best sentence in its paragraph usually completes it
        follow = 1 if anchor.kind != "sentence" and not wants_list else 2
        for c in usable:
            if len(chosen) > follow or c.hit_index != anchor.hit_index or c.block != anchor.block:
                continue
            if (
                c.position == anchor.position + len(chosen)
                and c.score >= 0.45 * anchor.score
                and not c.text.endswith(":")
            ):
                chosen.append(c)
    if not block and not sample:
        _complete(chosen, usable)
    saved = [c.score for c in cands]
    defined = _definitions(cands, usable, passages, intent, idf) if intent.kind == "comparison" else []
    if defined:
        # "the difference between level 1 and level 2": each side's own definition, side by side,
        # rather than whichever table mentions both
        chosen, block, lead, anchor = defined, [], "", defined[0]
        budget = len(chosen)  # the two definitions are the answer; more would bury them
    # each part of a multi-part question gets its own best sentence, unless the answer covers it
    for part in [] if defined else intent.parts:
        part_weights = _weights(part.focus, idf)
        stated = not part.expects or any(states(part.expects, c.text, part.text) for c in chosen)
        if _covered(chosen, part_weights) >= 0.75 and stated:
            continue  # (its words are there, and the figure or date it asks for)
        score(cands, passages, part, idf)
        best = max(
            (c for c in usable if c not in chosen and not any(_near_duplicate(c.text, x.text) for x in chosen)),
            key=lambda c: c.score,
            default=None,
        )
        # a sentence stating the figure asked for needs fewer of the part's words ("Each lesson runs
        # about 45 minutes." for "how long are the lessons for middle school")
        if best is not None:
            said = set(terms(best.text))
            bar = 0.5
            faq = _asked_by(cands, best)
            opening = None
            if lexical_support(faq, part_weights) >= SAME_QUESTION:
                said |= faq  # an FAQ answer says what its question asks, when it asks this
                opening = _faq_verdict(cands, best)
            if part.kind == "definition":
                said |= set(terms(_leaf(best.section)))  # a glossary entry's heading is its term ("RTCF")
            if (
                part.expects == "number"
                and states(part.expects, best.text, part.text)
                and lexical_support(said, part_weights) > 0
            ):
                # (its own words still name something asked about: "You'll have about two minutes
                # for this." under "Back-to-School Night" is no answer to "how long does the school
                # have to confirm it")
                hit = passages[best.hit_index]
                said |= set(terms(f"{hit.metadata.get('title', '')} {hit.metadata.get('section', '')}"))
                bar = 0.15
            if lexical_support(said, part_weights) >= bar:
                if best.kind == "sentence" and best.text.endswith(":"):
                    # "Post this routine ...:" says nothing without the list it introduces
                    listed = [c for c in _introduced(cands, best, part) if c not in chosen]
                    chosen += [best, *listed] if listed else []
                    budget += len(listed)
                else:
                    if opening is not None and opening in usable and opening not in chosen:
                        chosen.append(opening)  # the FAQ answer's verdict before its detail ("At Level 2, yes, ...")
                    chosen.append(best)
        for c, value in zip(cands, saved, strict=True):
            c.score = value
    # then support from up to MAX_SOURCES sources, most relevant first, nothing said twice
    anchor_asked = _asked_by(cands, anchor)
    asked_weights = [weights] + [_weights(part.focus, idf) for part in intent.parts]
    sources = {c.hit_index for c in chosen}
    docs = {passages[c.hit_index].doc_id for c in chosen}
    for c in sorted(usable, key=lambda c: -c.score):
        if len(chosen) >= budget or sum(len(x.text) for x in chosen) > MAX_CHARS:
            break
        near = c.hit_index == anchor.hit_index  # the passage that answers may say more of it
        if (
            c in chosen
            or c.score < (0.6 if near else 0.8) * anchor.score
            or (c.kind == "sentence" and c.text.endswith(":"))
        ):
            continue
        if passages[c.hit_index].doc_id not in docs and len(docs) >= MAX_SOURCES:
            continue
        if not near and _answers_another_question(c, passages[c.hit_index], weights):
            continue
        its_faq = _asked_by(cands, c) if near else set()
        if its_faq and its_faq != anchor_asked and all(lexical_support(its_faq, w) < 0.5 for w in asked_weights):
            continue  # the answer to another FAQ question of the page ("Can AI grade lab reports?")
        if not near and c.kind == "sentence" and lexical_support(set(terms(c.text)), weights) == 0:
            continue  # another passage's sentence saying none of the asked words ("You'll have about two minutes")
        if any(_near_duplicate(c.text, x.text) for x in chosen):
            continue
        if c.kind in ("item", "row") and c.key not in {x.key for x in chosen} and block:
            continue  # a second list would read as part of the first
        chosen.append(c)
        sources.add(c.hit_index)
        docs.add(passages[c.hit_index].doc_id)
    order = {h: i for i, h in enumerate(dict.fromkeys([anchor.hit_index] + [c.hit_index for c in chosen]))}
    if not block and anchor.kind == "sentence":
        # the direct answer first, with the rest of a quotation it opens
        quoted_on = _quotation_rest(anchor, chosen)
        if _leaf(anchor.section).endswith("?") or _asked_by(cands, anchor):
            # an FAQ answer reads in its own order: it opens with its verdict ("If the assignment
            # level allows it ..., yes, ... Pair it with ...")
            quoted_on += [c for c in chosen if c.hit_index == anchor.hit_index and c.block == anchor.block]
        part_of = _parts_answered(chosen, intent, idf) if not defined else {}
        for c in quoted_on:
            part_of[id(c)] = part_of.get(id(anchor), 0)  # a quotation or an FAQ answer stays whole
        chosen.sort(
            key=lambda c: (
                part_of.get(id(c), 0),  # a multi-part question is answered in the order it asks
                c is not anchor and c not in quoted_on,
                order[c.hit_index],
                c.position,
            )
        )
    else:
        chosen.sort(key=lambda c: (order[c.hit_index], c.position))
    leaves = {i: set(terms(str(h.metadata.get("section", "")).split(" > ")[-1])) for i, h in enumerate(passages)}
    draft = Draft(
        lead=lead,
        support=anchor.score,
        best_unit_coverage=max(lexical_support(set(terms(c.text)) | leaves[c.hit_index], weights) for c in usable),
        cited_terms={
            t
            for i in {c.hit_index for c in chosen}
            for t in terms(
                f"{passages[i].metadata.get('title', '')} {passages[i].metadata.get('section', '')} "
                f"{passages[i].context or passages[i].text}"
            )
        },
    )
    if intent.kind == "definition" and intent.term and not lead:
        entry = _entry_heading(anchor, intent.term)
        if entry:
            draft.lead = f"**{entry}:**"  # the entry's own heading spells the acronym out
    if intent.kind == "yesno" and not intent.parts and _denies(anchor, intent, weights):
        draft.lead = "**No.**" + (f" {draft.lead}" if draft.lead else "")  # the verdict the rule states
    # a sentence that introduces what follows ("What this means in your room:") says nothing without it
    shown = {(c.hit_index, c.position) for c in chosen}
    chosen = [
        c
        for c in chosen
        if not (c.kind == "sentence" and c.text.rstrip().endswith(":") and (c.hit_index, c.position + 1) not in shown)
    ]
    item_keys = [c.key for c in chosen if c.kind == "item"]
    breaks = _paragraph_breaks(sample, passages)
    how_to_use = _how_to_use(sample)
    for c in chosen:
        style = "text"
        if c.kind == "item" and item_keys.count(c.key) > 1:  # one item alone reads as a sentence, not a list
            style = "number" if _NUMBERED.match(c.raw) else "bullet"
        elif c.kind == "row":
            style = "row" if c.cells else "bullet"
        own = _NUMBERED.match(c.raw)
        text = _as_sentence(c.text)
        verdict = _VERDICT.match(text)
        if verdict is not None and not any(
            part.kind == "yesno" and _asks_the_same(_leaf(c.section), part, idf) for part in intent.parts or [intent]
        ):
            # "No. A passing portfolio needs ...": the verdict answers its FAQ's own question, which
            # is not the one asked; the rule after it stands alone
            text = text[verdict.end() :]
        if _BARE_REPLY.match(c.text.strip()):
            # a bare "Yes." answers its own FAQ question, which may not be the teacher's ("Can I
            # suggest a tool at the meeting?" beside "can I add one to the plan?"): it is the verdict
            # only when that question is the one asked, and otherwise it is left out
            asked = str(passages[c.hit_index].metadata.get("section", "")).split(" > ")[-1].strip()
            if (
                intent.kind == "yesno"
                and not intent.parts
                and asked.endswith("?")
                and not draft.lead.startswith("**")
                and lexical_support(set(terms(with_bands(asked))), weights) >= SAME_QUESTION  # "sixth graders": 6-8
            ):
                draft.lead = f"**{text}**" + (f" {draft.lead}" if draft.lead else "")
            continue
        paragraph = False
        if c in sample and id(c) not in how_to_use:
            # the sample asked for, as the hub wrote it: one block quote, its paragraphs kept
            style, paragraph = "quote", id(c) in breaks
        draft.sentences.append(
            DraftSentence(
                text=text,
                cites=[c.hit_index],
                bullet=style not in ("text", "quote"),
                style=style,
                paragraph=paragraph,
                cells=c.cells,
                header=c.header,
                number=int(own.group(0).strip(" .)")) if own and c.kind == "item" else None,
            )
        )
    return draft


def _parts_answered(chosen: list[Candidate], intent: Intent, idf: dict[str, float]) -> dict[int, int]:
    """Which part of a multi-part question each chosen unit answers (by ``id``): the part whose
    words it (with its heading) says most of; none for a one-part question."""
    if len(intent.parts) < 2:
        return {}
    weights = [_weights(part.focus, idf) for part in intent.parts]
    out: dict[int, int] = {}
    for c in chosen:
        said = set(terms(c.text)) | set(terms(_leaf(c.section)))
        support = [lexical_support(said, w) for w in weights]
        out[id(c)] = max(range(len(support)), key=support.__getitem__)
    return out


def _quotation_rest(anchor: Candidate, chosen: list[Candidate]) -> list[Candidate]:
    """The chosen units that finish a quotation ``anchor`` opens, up to the one that closes it."""
    rest: list[Candidate] = []
    if not _opens(anchor.text):
        return rest
    following = {c.position: c for c in chosen if c.hit_index == anchor.hit_index and c.block == anchor.block}
    at = anchor.position + 1
    while (c := following.get(at)) is not None:
        rest.append(c)
        if _closes(c.text):
            break
        at += 1
    return rest


def _complete(chosen: list[Candidate], usable: list[Candidate]) -> None:
    """Whole thoughts: a short section (a glossary entry, an FAQ answer) is given whole, and a
    quotation that runs over several sentences is given to its end."""
    anchor = chosen[0]
    section = [c for c in usable if c.hit_index == anchor.hit_index]
    if len(section) <= 3 and sum(len(c.text) for c in section) <= 600:
        whole = [anchor] + [c for c in section if c is not anchor] + chosen[1:]
        chosen[:] = [c for i, c in enumerate(whole) if all(c is not d for d in whole[:i])]
        return
    if _opens(anchor.text):
        following = sorted(
            (c for c in usable if c.hit_index == anchor.hit_index and c.position > anchor.position),
            key=lambda c: c.position,
        )
        for c in following[:3]:
            if c not in chosen:
                chosen.append(c)
            if c.text.count('"') % 2 == 1 or "\u201d" in c.text:
                break


_FORBIDDEN_COLUMN = re.compile(
    r"^\W*(?:not (?:allowed|ok|okay|permitted|acceptable)|never|don'?t|do not|avoid|prohibited|off limits)\b",
    re.IGNORECASE,
)
_PROHIBITS = re.compile(
    r"^\W*(?:do not|don't|never)\b|\b(?:may not|must not|cannot|can't|should not|shouldn't|"
    r"(?:is|are) not (?:allowed|permitted|approved)|(?:isn't|aren't) (?:allowed|permitted|approved)|"
    r"(?:is|are) never|prohibited|forbidden)\b",
    re.IGNORECASE,
)
_NEGATED_QUESTION = re.compile(r"\b(?:not|never|no|n't|without)\b", re.IGNORECASE)


def _denies(anchor: Candidate, intent: Intent, weights: dict[str, float]) -> bool:
    """Does the sentence that answers a yes/no question forbid what it asks about ("Do not have
    students role-play ... victims" for "is it ok to have them interview a Holocaust victim bot?")?
    Only then does the answer open with "No."; a question asked in the negative gets no verdict."""
    if _NEGATED_QUESTION.search(intent.text) or anchor.quoted or anchor.question:
        return False
    if anchor.cells and anchor.header and len(anchor.header) == len(anchor.cells):
        # a row of an allowed / not allowed table: the verdict is the column of the cell that
        # matches the question ("An auto-grader that posts scores to the gradebook" is not allowed)
        support = [lexical_support(set(terms(cell)), weights) for cell in anchor.cells]
        best = max(range(len(support)), key=support.__getitem__)
        if _FORBIDDEN_COLUMN.match(anchor.header[best]):
            return support[best] >= 0.3 and support.count(support[best]) == 1
    sentence = next((x for x in re.split(r"(?<=[.!?])\s+", anchor.text) if _PROHIBITS.search(x)), "")
    if not sentence or re.match(r"(?i)^\W*(?:if|unless|when|even if)\b", sentence):
        return False
    return lexical_support(set(terms(anchor.text)), weights) >= 0.4


def _asks_the_same(heading: str, part: Intent, idf: dict[str, float]) -> bool:
    """Does an FAQ heading ask what ``part`` asks, so its "No." answers the teacher too? Half the
    question's words are in it; or (in other words: "can they do level 3 full ai use assignments"
    for "Can sixth graders do Level 3 work?") most of its words are in the question, with every
    number the question names (a level, a grade) among them."""
    said = set(terms(with_bands(heading)))
    forward = lexical_support(said, _weights(part.focus, idf))
    if forward >= 0.5:
        return True
    numbers = {t for t in part.focus if t.isdigit()}
    own = {t: idf[t] for t in said if t in idf}
    return (
        forward >= 0.3
        and len(own) >= 3
        and numbers <= said
        and lexical_support(set(part.focus) | set(part.context), own) >= 0.75
    )


def _leaf(section: str) -> str:
    """A section's own heading, as plain text ("Level 1 — AI for Ideas")."""
    return re.sub(r"[*_`]", "", section.split(" > ")[-1]).strip()


def _entry_heading(anchor: Candidate, term: str) -> str:
    """The heading of the term's own entry when it says more than the term: "FERPA (Family
    Educational Rights and Privacy Act)" for "what does FERPA stand for?"."""
    leaf = _leaf(anchor.section)
    if anchor.position != 0 or "(" not in leaf or " ".join(term.lower().split()) not in entry_names(anchor.section):
        return ""
    return leaf


def _lead(hit: Hit, intent: Intent, block: list[Candidate]) -> str:
    """A connective that names where a list or table comes from; it states no fact."""
    title = str(hit.metadata.get("title", "the hub"))
    section = str(hit.metadata.get("section", "")).split(" > ")[-1]
    where = f"*{title}*" + (f", \u201c{section}\u201d" if section and section.lower() not in title.lower() else "")
    if intent.kind in ("steps", "options"):
        return f"Here are the {intent.kind}, from {where}:"
    return f"From {where}:"


def _as_sentence(text: str) -> str:
    text = text.strip()
    if text and text[-1] not in ".!?:\"'\u201d)":
        text += "."
    return text
