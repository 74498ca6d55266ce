"""Follow-up questions ("and for high school?") rewritten into standalone questions.

A follow-up changes one thing about the question before it (the grade band, the subject, who is
involved) or asks something new about the same topic. The rewrite replaces what changed rather than
appending to the earlier question, so "…for middle schoolers" followed by "and for high school?"
asks about high school only. A question that stands on its own is left exactly as typed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.answering.question import content_terms, normalise
from rag.search.query import grade_bands

_CONNECTIVE = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|so|and|but|also|then|hmm|oh|wait|cool|great|thanks|got it)[\s,.!]+)*"
    r"(?:what about|how about|what if|same (?:thing |question )?for|and for|and in|and with|and what about|"
    r"and how about|and|or|but|also|so|then|for|in|with|about)?\b[\s,]*",
    re.IGNORECASE,
)
_STARTS_CONNECTED = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|so|hmm|oh|wait|cool|great|thanks|got it)[\s,.!]+)*"
    r"(?:and|or|but|also|what about|how about|what if|same (?:thing |question )?for|"
    r"for|in|with|then)\b",
    re.IGNORECASE,
)
_ANAPHORA = re.compile(
    r"\b(?:it|that|this|those|these|they|them|there|he|she|one|ones|same|too|also|either|"
    r"instead)\b|\b(?:their|its|his|her|my|our|your)\s+own\s*[?.!]*$",
    re.IGNORECASE,
)
_QUESTION_WORD = re.compile(
    r"\b(?:what|who|whom|when|where|why|how|which|can|could|may|should|do|does|is|are|"
    r"must|will|would)\b",
    re.IGNORECASE,
)

#: Spans naming who a question is about, by kind: a follow-up's span replaces the earlier one's.
_ORDINAL_WORDS = "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth"
_GRADE_TOKEN = rf"(?:kindergarten(?:ers)?|kinders?|pre-?k|k|\d{{1,2}}(?:st|nd|rd|th)|\d{{1,2}}|{_ORDINAL_WORDS})"
_GRADE_SPAN = re.compile(
    rf"\b(?:(?:for|in|with|to)\s+)?(?:(?:my|our|the)\s+)?(?:"
    rf"(?:grades?\s*)?{_GRADE_TOKEN}\s*(?:-|\u2013|to|through|thru)\s*{_GRADE_TOKEN}(?:[\s-]*grade(?:rs?)?)?|"
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)|{_ORDINAL_WORDS})[\s-]*grade(?:rs?)?|grades?\s*(?:k|\d{{1,2}})|"
    r"kindergarten(?:ers)?|kinders?|pre-?k|elementary(?:\s+school)?|middle\s+school(?:ers)?|"
    r"high\s+school(?:ers)?|freshmen|freshman|sophomores?|juniors?|seniors?|younger\s+(?:students|kids|grades)|"
    r"older\s+(?:students|kids|grades)|little\s+ones|teens|teenagers)(?:\s+students)?\b",
    re.IGNORECASE,
)
_SUBJECT_SPAN = re.compile(
    r"\b(?:(?:in|for)\s+)?(?:math(?:ematics)?|science|ela|english(?:\s+language\s+arts)?|social\s+studies|history|"
    r"world\s+languages?|spanish|french|cte|career\s+and\s+technical(?:\s+education)?|art|music|pe|"
    r"physical\s+education|computer\s+science|biology|chemistry|physics)(?:\s+class(?:es)?)?\b",
    re.IGNORECASE,
)
_PERSON_SPAN = re.compile(
    r"\b(?:(?:for|to|with|by)\s+)?(?:parents?|families|family|guardians?|coaches|coach|principals?|admins?|"
    r"administrators?|students?|teachers?|substitutes?|subs|aides?|paraprofessionals?|counselors?|librarians?)\b",
    re.IGNORECASE,
)
#: A part of the thing asked about before ("the data collection part", "that step"), with no "of"
#: saying whose part it is: a follow-up, and a slot that "what about the conclusion part?" fills.
_PART_SPAN = re.compile(
    r"\b(?:the|that|this)\s+(?:[\w-]+\s+){0,2}?(?:part|section|step|portion|half|bit)\b(?!\s+of\b)", re.IGNORECASE
)
_SLOTS = (_GRADE_SPAN, _SUBJECT_SPAN, _PERSON_SPAN, _PART_SPAN)
_BANDS = ["K-2", "3-5", "6-8", "9-12"]
#: Words (as content_terms stems them) that only say the earlier answer holds for someone else:
#: "does that go for high school too?", "same rule for subs?", "is it still ok for 3rd grade?"
_SAME_AGAIN = {
    "too",
    "instead",
    "same",
    "either",
    "go",
    "appli",
    "work",
    "count",
    "hold",
    "true",
    "allow",
    "fine",
    "ok",
    "okay",
    "rule",
    "still",
    "valid",
}


def continues(question: str) -> bool:
    """Does the question carry on the conversation, whether or not it needs rewriting: connective-
    led ("ok so what do I tell my principal then") or pointing back ("what that looks like")? Its
    answer is then looked for in the documents that answered the question before it too."""
    text = normalise(question)
    return is_follow_up(question) or bool(
        _STARTS_CONNECTED.match(text) or re.match(r"(?i)\s*(?:ok(?:ay)?|so|then)\b", text) or _ANAPHORA.search(text)
    )


def is_follow_up(question: str) -> bool:
    """Does the question lean on the one before it? Connective-led ("and for…", "what about…"),
    about a part of what was asked ("can the data part use ai?"), pronoun-led with little topic of
    its own, or nothing but a grade, subject or person."""
    text = normalise(question)
    content = content_terms(text)
    if not content:
        return True
    if _STARTS_CONNECTED.match(text) or _PART_SPAN.search(text):
        return True
    rest = _strip_slots(text)
    if not content_terms(rest) and len(content) <= 3:
        return True  # "high school?", "for parents?"
    # a pointer back with little topic of its own: few words, or none but who it is about and
    # that the earlier answer holds ("does that go for my high schoolers too?")
    return bool(_ANAPHORA.search(text)) and (
        len(content) <= 3 or all(t in _SAME_AGAIN or t.isdigit() for t in content_terms(rest))
    )


def standalone_question(question: str, history: Sequence[str]) -> str:
    """The question made self-contained from the earlier questions. Each earlier question is made
    self-contained from those before it first, so a follow-up to a follow-up keeps the first
    question's topic (questions already standalone come back unchanged)."""
    if not history or not is_follow_up(question):
        return question
    previous = history[0].strip()
    for earlier in history[1:]:
        previous = _rewrite(earlier, previous) if is_follow_up(earlier) else earlier.strip()
    return _rewrite(question, previous)


def _rewrite(question: str, previous: str) -> str:
    """The follow-up ``question`` made self-contained from the standalone question before it."""
    text = normalise(question).strip()
    rest = _CONNECTIVE.sub("", text, count=1).strip().rstrip("?.! ")
    if not rest:
        return previous
    replaced = _replace_slots(previous, rest)
    if replaced is not None:
        return replaced
    # something new about the same topic: the new question first, then what it is about
    return f"{rest[0].upper()}{rest[1:]}? (About: {previous.rstrip('?.! ')}.)"


def _strip_slots(text: str) -> str:
    for pattern in _SLOTS:
        text = pattern.sub(" ", text)
    return " ".join(text.split())


def _replace_slots(previous: str, rest: str) -> str | None:
    """When the follow-up only names a different grade, subject or person, the earlier question
    with that part replaced (or added); None when the follow-up asks something else."""
    leftover = content_terms(_strip_slots(rest))
    if leftover and not all(t in _SAME_AGAIN for t in leftover):
        return None
    if not leftover and _PERSON_SPAN.search(rest) and _QUESTION_WORD.search(_PERSON_SPAN.sub(" ", rest)):
        # "do i need to tell the parents?" asks something new about the same case; only "what
        # about parents?" swaps who the question is about
        return None
    question = previous.rstrip("?.! ")
    changed = False
    for pattern in _SLOTS:
        new = pattern.search(rest)
        if new is None:
            continue
        rest = rest[: new.start()] + " " + rest[new.end() :]  # a span fills one slot only
        value = _resolve_relative(new.group(0), previous) if pattern is _GRADE_SPAN else new.group(0)
        value = re.sub(r"^(?:for|in|with|to|by)\s+", "", value.strip(), flags=re.IGNORECASE)
        old = pattern.search(question)
        if old is not None:
            lead = re.match(r"(?:for|in|with|to|by)\s+", old.group(0), re.IGNORECASE)
            question = question[: old.start()] + (lead.group(0) if lead else "") + value + question[old.end() :]
        else:
            question = f"{question} for {value}"
        changed = True
    if not changed:
        return None
    return question if question.endswith(")") else f"{question}?"


def _resolve_relative(span: str, previous: str) -> str:
    """ "younger students" after a 4th-grade question means grades K-2."""
    direction = (
        -1
        if re.search(r"younger|little", span, re.IGNORECASE)
        else 1
        if re.search(r"older", span, re.IGNORECASE)
        else 0
    )
    bands = grade_bands(previous)
    if not direction or not bands:
        return span
    index = _BANDS.index(bands[0]) + direction
    return f"grades {_BANDS[index]}" if 0 <= index < len(_BANDS) else span
