"""What a question asks: its wording cleaned of chat habits, the kind of answer it wants, its parts.

Teachers type the way they talk ("whats the deal w detectors, r they legit?"). The answerer and the
refusal gate read the question through this module, so slang, missing apostrophes and contractions
neither hide the question's topic nor count as words the hub fails to cover.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from rag.informal import CONTRACTED, CONTRACTION, FILLER, SPELLING, STRETCHED
from rag.privacy.lexicon import is_english
from rag.search.query import grade_bands, with_bands
from rag.text import STOPWORDS, terms, words

#: "when" that asks ("when is it due"), not one that opens a clause ("when I use AI to translate, what...")
_WHEN = r"when(?!\s+(?:i|we|you|they|he|she|it|my|our|your|their|a|an|the|students?|kids?)\b)"

KINDS = ("steps", "yesno", "definition", "fact", "options", "comparison", "script", "general")

_YESNO = re.compile(
    r"^(?:can|could|may|might|is|are|am|do|does|did|should|shall|will|would|must|has|have|was|were)\b"
    r"|\b(?:allowed to|permitted to|is it (?:ok|okay|fine|safe|legal|true)|am i (?:allowed|supposed)|"
    r"are (?:we|they|students) allowed)\b"
    # after a clause that sets the scene ("if i read the essays first can i let the ai grade?",
    # "since im his teacher can i just add it?"): the question is the inverted clause
    r"|^(?:if|when|since|because|as|once|after|before|while|so)\b[^?]{3,120}?"
    r"(?<!what)(?<!how)(?<!why)(?<!where)(?<!which)(?<!who)(?<!when)\s(?:can|could|may|should|do|does|"
    r"is|are|am|must|will|would)\s+(?:i|we|they|you|he|she|it|students?|kids?|my|our|the|a|an|this|that)\b",
    re.IGNORECASE,
)
_STEPS = re.compile(
    r"\b(?:what (?:should|do|can|would|must) (?:i|we|you) (?:(?:actually|really|even|just|now|then|exactly) )?do|"
    r"what do (?:i|we) do|what to do|how (?:do|should|can|would) "
    r"(?:i|we|you|teachers?|students?) (?:handle|deal|respond|approach|go about|start|set up|run|report|get|request)|"
    r"(?:the )?steps?\b|procedure|process|how to (?:handle|deal|respond|report|request|get|set up|start)|"
    r"what happens (?:if|when|next)|walk me through|where do i start|next steps?|now what|what now|then what|"
    r"what (?:am|are) (?:i|we) (?:supposed|meant|expected) to do|what (?:do|should) (?:i|we) do now|"
    # "how should my 7th graders double check...": a subject of a few words, then a doing verb
    r"how (?:do|should|can|would) (?:\w+ ){1,3}?(?:check|double[- ]check|fact[- ]check|verify|vet|review|"
    r"cite|disclose|report|introduce|teach|roll out|set up|prepare|make|create|build|run|handle|respond))\b"
    r"(?:\s+(?:now|next|here|then|first))?\b",
    re.IGNORECASE,
)
_DEFINITION = re.compile(
    r"^(?:what(?: is|'s| are)|whats|define|definition of|meaning of|explain)\s+(?:an?\s+|the\s+)?(?P<term>[\w\s\-/().']{1,40}?)\s*\??$"
    r"|\bwhat (?:does|do) (?P<term2>[\w\-/.]+(?:\s+[\w\-/.]+){0,3}) (?:mean|stand for)\b"
    r"|\b(?:stand|stands) for\b|\bmeaning of (?P<term3>[\w\-]+(?:\s+[\w\-]+){0,3})",
    re.IGNORECASE,
)
_FACT = re.compile(
    rf"\b(?:who|whom|{_WHEN}|how (?:long|many|much|often|soon|old|late|early|fast|quickly|quick)|by when|what (?:age|grade|time|day|date|"
    r"number|percent|percentage|deadline|size|length)|which (?:\w+ )?(?:office|person|role|team|level|grade|form|law|"
    r"standard|course|tool)|where)\b",
    re.IGNORECASE,
)
_OPTIONS = re.compile(
    r"\bwhat (?:are|is) the (?:\w+ )?(?:two|three|four|five|six|seven|eight|nine|ten|\d+) |"
    r"\bwhat (?:\w+ ){0,3}(?:rules|ways|things|questions|criteria|requirements|guidelines|signs|checks|parts|"
    r"elements|principles|recommendations|roles|tips|strategies|supports|safeguards|activities|uses|risks|flags|"
    r"scaffolds|accommodations|features|warnings|mistakes|red flags)\b|"
    # "what exactly has to go in the disclosure", "what goes on the form": the fields of a form
    r"\bwhat (?:\w+ )?(?:has|have|needs?|goes|should|must) (?:to )?(?:go|be|goes)? ?(?:in|into|on|included in)\b|"
    # "what other scaffolds can it make": more of a kind asks for the kind's members
    r"\bwhat other\b|"
    r"\b(?:options?|alternatives?|ideas (?:for|to|on)|ways? to|examples? of|suggestions?|what (?:are )?some|what (?:kinds?|types?) of|"
    r"list of|which tools|recommend(?:ations?)?|activities|tips|"
    r"(?:full|whole|complete|entire|actual|exact) list|list (?:all|every|everything))\b|"
    # what is allowed or available: "what can my ela kids use ai for", "what evidence can i use"
    r"\bwhat (?:\w+ )?(?:can|could|may|should) (?:i|we|they|you|students?|kids?|(?:my|our|the) (?:\w+ ){0,2}?\w+)"
    r" (?:\w+ ){0,2}?(?:use|do|try|give|offer|assign|accept|count|show)\b(?! (?:if|when|about)\b)",
    re.IGNORECASE,
)
_COMPARISON = re.compile(
    r"\b(?:difference|differences|differ|different between|compare|comparison|versus|vs\.?|better than|"
    r"same as|instead of)\b",
    re.IGNORECASE,
)
#: Questions that ask for an example, a script or a template: the hub's illustrations are the answer.
_SCRIPT = re.compile(
    r"\b(?:scripts?|what (?:\w+ )?(?:should|do|can|would) (?:i|we) (?:\w+ )?say|what to say|wording|"
    r"word it|phrase it|samples?|templates?|examples?|model (?:letter|email|message|answer|essay)|"
    r"(?:letter|e-?mail|message|note)s? (?:\w+ ){0,4}?(?:to|for) (?:send|parents|families|caregivers|home)|"
    r"(?:write|draft|give me|send me) (?:\w+ ){0,2}?(?:letter|e-?mail|message|note)s?|"
    r"sentence starters?|(?:exact|opening|actual|right) (?:words|lines?)|what words|words to (?:say|use)|"
    r"(?:look|looks|sound) like)\b",
    re.IGNORECASE,
)
#: Said anywhere beside the question ("how do i open the talk? exact words pls"): the words are wanted.
_WORDS_WANTED = re.compile(
    r"\b(?:(?:exact|opening|actual) (?:words|wording|lines?)|word for word|"
    # said beside the question: "... about ai detectors? need a script lol"
    r"(?:need|want|give me|got|have|any|with|send me) (?:a |an |some |the )?(?:scripts?|templates?|sample (?:letter|email|script)s?))\b",
    re.IGNORECASE,
)
_ASKS_FOR_WORDS = re.compile(
    r"\b(?:scripts?|samples?|templates?|examples?|wording|word it|phrase it|say|give me|write|draft|words)\b",
    re.IGNORECASE,
)
_PRONOUN = re.compile(r"\b(?:it|its|they|them|their|that|this|those|these|one)\b", re.IGNORECASE)
_ABOUT = re.compile(r"\s*\(About: (.*)\)\s*$")


#: Words that say how a part asks ("how long", "how often"), not what about; "not" as well.
_ASKING_HOW = frozenset({"not", "no", "long", "often", "soon", "old"})


def own_words(text: str) -> str:
    """A rewritten follow-up's own words, without the topic carried over ("(About: ...)")."""
    return _ABOUT.sub("", text)


#: An asking clause about the people of the story before it ("i have some advanced 6th graders,
#: can they do level 3?"): their grade is what it asks about, not the scene.
_ABOUT_THEM = re.compile(r"\b(?:they|them|their|he|she|him|her|his)\b", re.IGNORECASE)
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9&]{1,7}s?\b")
_PART_SPLIT = re.compile(
    r"\?\s+|\?$|;\s+|\s+(?:and also|and then|also|plus|and)\s+(?=(?:what|who|when|how|can|do|does|is|"
    r"are|should|where|which|why|if)\b)",
    re.IGNORECASE,
)


@dataclass
class Intent:
    """One question read for answering: its clean text, kind of answer, topic terms and parts."""

    text: str
    kind: str
    focus: list[str]
    #: The term a definition question asks about, as typed ("FERPA", "hallucination").
    term: str = ""
    parts: list[Intent] = field(default_factory=list)
    #: Topic words of the earlier question a follow-up is about: they count, at half weight.
    context: list[str] = field(default_factory=list)
    #: What the answer must contain to answer it at all: "money", "percent", "number", "date",
    #: "person", "name", or "" when any statement may do.
    expects: str = ""

    @property
    def wants_script(self) -> bool:
        """Scripts, examples and templates are the answer only when asked for."""
        return self.kind == "script"


def normalise(question: str) -> str:
    """The question with chat spellings, slang and contractions written out."""
    text = " ".join(question.replace("\u2019", "'").split())

    def contraction(m: re.Match[str]) -> str:
        word, tail = m.group(1), m.group(2).lower()
        if tail == "t":
            return m.group(0)  # don't / can't: the negation is meaning; terms() keeps "n't" words
        if tail == "s":
            return (
                f"{word} is"
                if word.lower()
                in {"what", "who", "when", "where", "how", "why", "that", "there", "it", "he", "she", "here"}
                else m.group(0)
            )
        return f"{word} {CONTRACTED[tail]}"

    text = CONTRACTION.sub(contraction, text)
    # "who do I tell": the hub says whom to report to or contact ("tell" says nothing on its own)
    text = re.sub(
        r"\bwho (do|should|can|would) (i|we) (?:tell|inform|notify|let know|talk to|go to)\b",
        r"who \1 \2 report to or contact",
        text,
        flags=re.IGNORECASE,
    )
    for short in sorted((k for k in SPELLING if " " in k or "/" in k), key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(short)}(?![\w-])", SPELLING[short], text, flags=re.IGNORECASE)

    def word(m: re.Match[str]) -> str:
        token = _unstretched(m.group(0))
        if token.lower() not in SPELLING or (token[0].isupper() and not token.isupper() and len(token) < 4):
            return token  # "Ms. Lee", "U" at a sentence start stay
        return SPELLING[token.lower()]

    text = re.sub(r"(?<![\w'-])[A-Za-z0-9/]+(?![\w'-])", word, text)
    # "2 science questions: ...", "couple q's about grading - ...": a preface that only announces
    text = _PREFACE.sub(
        lambda m: f"{topic}: " if (topic := " ".join(f"{m.group(1)} {m.group(2) or ''}".split())) else "", text
    )
    # "whats RTCF stand for", "whats dpa mean": "what is" there was "what does"
    text = re.sub(
        r"\bwhat is (?!it\b|that\b|this\b)((?:[\w'-]+\s+){1,4}?)(stand for|mean|means)(?=\s*(?:$|[?,.;!]|and\b|in\b))",
        lambda m: f"what does {m.group(1)}{'mean' if m.group(2).startswith('mean') else m.group(2)}",
        text,
        flags=re.IGNORECASE,
    )
    return _fix_cues(text)


def _unstretched(token: str) -> str:
    """ "sooo" is "so", "pleeease" is "please": a letter typed three times or more, for tone, once
    (or twice, when only that is a word: "toooo" is "too")."""
    if not STRETCHED.search(token):
        return token
    once = re.sub(r"([a-z])\1{2,}", r"\1", token, flags=re.IGNORECASE)
    twice = re.sub(r"([a-z])\1{2,}", r"\1\1", token, flags=re.IGNORECASE)
    return once if is_english(once.lower()) or once.lower() in SPELLING else twice


#: Words that tell what kind of answer is wanted; a typo in one ("proccess") still counts.
_CUES = (
    "process",
    "procedure",
    "steps",
    "difference",
    "different",
    "definition",
    "define",
    "meaning",
    "options",
    "alternatives",
    "examples",
    "allowed",
    "permitted",
    "deadline",
    "compare",
    "should",
    "explain",
    "script",
    "template",
    "suggestions",
    "recommend",
    "versus",
)


def _fix_cues(text: str) -> str:
    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        if len(word) < 5 or word.lower() in _CUES:
            return word
        close = difflib.get_close_matches(word.lower(), _CUES, n=1, cutoff=0.88)
        return close[0] if close else word

    return re.sub(r"[A-Za-z]+", fix, text)


#: Words that ask for a procedure: any "Steps" heading has them, so they do not pick the topic.
#: "the steps", "what am i supposed to do now", "walk me through it": asking for a form, not a topic
_ASKING_STEPS = frozenset(terms("step steps process procedure procedures supposed meant expected now next walk"))
#: Words that ask for a whole list and name no topic ("give me the full list pls").
_ASKING_LIST = frozenset(
    terms("give show list full whole complete entire actual exact all everything every please need want go goes")
)
#: Words that ask for a definition ("what does X stand for", "meaning of X").
_ASKING_DEFINITION = frozenset(terms("stand stands mean means meaning define definition"))


def content_terms(text: str) -> list[str]:
    """Stemmed topic words, without tone words ("cool", "lowkey") that say nothing of the topic."""
    kept = " ".join(w for w in words(text) if w not in FILLER)
    return list(dict.fromkeys(terms(kept)))


def asking_sentence(text: str) -> str:
    """The sentence that asks: "A student wants to try a procedure ChatGPT gave him. Can AI be used
    for that?" asks a yes/no, whatever the story before it mentions."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    asking = [s for s in sentences if s.rstrip().endswith("?")]
    chosen = (asking[-1] if asking else sentences[-1]) if sentences else text
    # a run-on: "i made 3 reading levels of an article w ai, what other scaffolds can it make"
    run_on = _RUN_ON.search(chosen)
    if run_on and len(chosen[: run_on.start()].split()) >= 4 and len(chosen[run_on.end() :].split()) >= 4:
        return chosen[run_on.end() :]
    return chosen


#: Asking for more than the story names ("what other scaffolds", "what else besides these").
_OTHER = re.compile(r"\b(?:other|else|besides|beyond|in addition to)\b", re.IGNORECASE)
#: A comma, then a question word or an inverted verb opening the question that the words before it
#: set the scene for ("i have some advanced 6th graders, can they do level 3?").
_RUN_ON = re.compile(
    r",\s+(?:so\s+|but\s+)?(?=(?:what|how|which|who|when|where|why)\b|(?:can|could|may|should|do|does|is|are|am|"
    r"will|would|must)\s+(?:i|we|they|you|he|she|it|my|our|the|students?|kids?)\b)",
    re.IGNORECASE,
)


def around_asking(text: str) -> tuple[str, str, str]:
    """The story before the asking sentence, the asking sentence, and any remark after it."""
    text = text.strip()
    asking = asking_sentence(text)
    at = text.find(asking)
    if at < 0:
        return "", asking, ""
    return text[:at], asking, text[at + len(asking) :]


#: Openers that ask nothing ("ok but can i...", "dumb question but whats..."), so the question
#: after them is read from its first real word.
_OPENER = re.compile(
    r"^(?:(?:ok(?:ay)?|so|but|and|um+|uh+|hey|hi|hello|also|wait|well|yeah|yes|no|sorry|lol|hmm+|"
    r"(?:ok(?:ay)? )?(?:quick|dumb|stupid|silly|random|real quick|honest) (?:q|question)|real quick|"
    r"one more thing|follow[- ]up|question|[a-z][\w'-]*(?: [\w'-]+){0,3}(?=:))[,.!:?\s]+)+",
    re.IGNORECASE,
)


def classify(text: str) -> str:
    """The kind of answer a (single-part) question wants."""
    asking = asking_sentence(text)
    stripped = _OPENER.sub("", asking) or asking
    if _asks_for_script(text, asking, stripped):
        return "script"
    if _COMPARISON.search(stripped):
        return "comparison"
    if m := _THE_PLURAL.match(stripped):
        return "steps" if re.search(r"\b(?:steps|stages|phases)$", m.group("what"), re.IGNORECASE) else "options"
    if _definition_term(stripped):
        return "definition"
    if _STEPS.search(stripped):
        return "steps"
    if _ASKS_OPTIONS.match(stripped):
        return "options"  # "what are some alternatives for a kid who's opted out": not a "who" question
    if _FACT.search(stripped):
        return "fact"
    if _OPTIONS.search(stripped):
        return "options"
    if _WHOLE_LIST.search(text):
        return "options"  # "what can't I paste? need the whole list": said beside the question
    if _YESNO.search(stripped):
        return "yesno"
    return "general"


def _asks_for_script(text: str, asking: str, stripped: str) -> bool:
    """A request for words to use, in the asking sentence or, when that says little ("got
    anything?"), beside it; a yes/no about sending something ("do i send a letter to parents?") is
    none unless it asks for the words themselves."""
    beside = len(content_terms(asking)) <= 2 and not _STEPS.search(stripped)  # "what do i do now" asks for steps
    if not (_SCRIPT.search(stripped) or (beside and _SCRIPT.search(text)) or _WORDS_WANTED.search(text)):
        return False
    yes_no = re.match(r"(?i)(?:do|does|should|must|am|is|are|will|would)\b", stripped)
    return not yes_no or bool(_ASKS_FOR_WORDS.search(stripped))


_ASKS_OPTIONS = re.compile(
    r"(?:what (?:are|r) (?:some|my|our|your|any)\b|any (?:ideas|alternatives|options|suggestions|tips)\b|"
    r"what (?:other )?(?:options|alternatives|choices) )",
    re.IGNORECASE,
)
_WHOLE_LIST = re.compile(r"\b(?:full|whole|complete|entire|actual|exact) list\b", re.IGNORECASE)
#: "what are the five steps", "what are the disclosure fields": a named set asks for its members,
#: not a definition (that would be "what are hallucinations", without "the")
_THE_PLURAL = re.compile(
    r"^what(?:\s+are|'re|\s+r)\s+the\s+(?P<what>(?:[\w-]+\s+){0,3}[\w-]*[^\Ws]s)(?:\s+(?:of|for|in|on|at)\s+[\w\s-]{1,40})?\s*\??$",
    re.IGNORECASE,
)


_EXPECTS = (
    (
        "money",
        re.compile(
            r"\bhow much (?:does|do|did|will|would|is|are)?\s*(?:\w+\s+){0,4}?(?:cost|charge|pay|price)|"
            r"\b(?:price|cost|fee|fees|salary|stipend|budget|how much money|grant money|dollars?)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "percent",
        re.compile(
            r"\b(?:what|which) (?:percent(?:age)?|share|proportion|fraction)\b|\bhow many percent\b|"
            r"\bpercent(?:age)? of\b",
            re.IGNORECASE,
        ),
    ),
    (
        "date",
        re.compile(
            rf"\b(?:{_WHEN}|"
            r"what (?:date|day|year|month|time)|by when|what deadline|which year|deadline)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "number",
        re.compile(
            r"\bhow (?:many|much|long|often|old|soon|far|fast|quickly|quick)\b|\bwhat (?:age|number|grade level)\b|"
            r"\bminimum age\b|\bmaximum\b|\bminimum\b",
            re.IGNORECASE,
        ),
    ),
    (
        "person",
        re.compile(
            r"^\s*(?:who|whom)\b|\b(?:who|whom) (?:do|does|should|can|must|will|is|are|approves|decides|"
            r"signs|keeps|handles|leads|teaches|reviews)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "name",
        re.compile(
            r"\bwhich (?:\w+ ){0,2}?(?:ones?|tools?|apps?|products?|states?|countries|companies|vendors?|models?|"
            r"detectors?|platforms?|brands?|websites?|programs?)\b|\bwhat (?:tools?|apps?|products?|states?|"
            r"companies|vendors?|models?|detectors?|platforms?|brands?|websites?) (?:does|do|did|should|is|are)\b",
            re.IGNORECASE,
        ),
    ),
)


def expected_answer(text: str) -> str:
    """What kind of fact the question asks for (see ``Intent.expects``), read from the clause that
    asks ("When I sit down with her, what should I say?" asks for no date)."""
    clauses = [c for c in re.split(r",\s+|;\s+", asking_sentence(text)) if c.strip()]
    asking = next((c for c in reversed(clauses) if _ASKS.match(c)), clauses[-1] if clauses else text)
    for name, pattern in _EXPECTS:
        if pattern.search(asking):
            return name
    return ""


#: "whats rtcf lol everyone keeps saying it": one unfamiliar word asked about, then chat around it
_WHAT_IS_WORD = re.compile(
    r"^what(?: is|'s|s)\s+(?:an?\s+|the\s+)?(?P<term>[A-Za-z][\w\-/]{1,15})"
    r"(?=\s*(?:[?.!,;]|$)|\s+(?:lol|lmao|haha|tho|though|again|exactly|anyway|btw|even|everyone|people|"
    r"my|our|they|i|we|some|all)\b)",
    re.IGNORECASE,
)


#: "whats the process": steps asked for, not a word to define.
_PROCEDURE_WORDS = frozenset({"process", "procedure", "protocol", "steps"})


def _definition_term(text: str) -> str:
    text = _OPENER.sub("", text.strip()) or text
    if (w := _WHAT_IS_WORD.match(text)) and w.group("term").lower() not in STOPWORDS | _PROCEDURE_WORDS:
        return w.group("term")
    m = _DEFINITION.search(text)
    if m is None:
        return ""
    term = (m.group("term") or m.group("term2") or m.group("term3") or "").strip(" ?.'\"")
    if not term:
        acronyms = _ACRONYM.findall(text)
        return acronyms[0] if acronyms else ""
    if len(term.split()) > 4 or re.search(
        r"\b(?:i|we|my|our|should|do|does|can|the rule|the law|the policy|"
        r"process|procedure|protocol|steps?|the deadline|the difference)\b",
        term,
        re.IGNORECASE,
    ):
        return ""  # "what is the rule for ...", "what is my role": not a term to define
    return term


_ASKS = re.compile(
    r"^\s*(?:what|who|whom|whose|when|where|why|how|which|can|could|may|might|is|are|am|do|does|did|"
    r"should|shall|will|would|must|has|have|if not|if so|and if|tell me|explain|list|give me|any)\b",
    re.IGNORECASE,
)


_NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve").split()


def _spelled(text: str) -> str:
    """The small numbers of ``text`` as words ("3 levels" -> "three"), the way a heading may write them."""
    return " ".join(_NUMBER_WORDS[int(n)] for n in re.findall(r"\b(\d{1,2})\b", text) if int(n) < len(_NUMBER_WORDS))


#: "the difference between X and Y", "X vs Y": the two things a comparison asks about.
_BETWEEN = re.compile(
    r"\b(?:between|of|compare|comparing)\s+(?P<a>[^,;?]+?)\s+(?:and|&|vs\.?|versus|or|with|to)\s+(?P<b>[^,;?]+)",
    re.IGNORECASE,
)
_VERSUS = re.compile(r"(?P<a>[\w'-]+(?:\s+[\w'-]+){0,3}?)\s+(?:vs\.?|versus)\s+(?P<b>[^,;?]+)", re.IGNORECASE)
#: Where a compared term's own words end ("level 2 on an essay", "FERPA for our district").
_TERM_END = re.compile(
    r"\s+(?:on|for|in|with|when|if|at|during|because|so|to|like|is|are|and|or|,)\b.*$", re.IGNORECASE
)


def compared_terms(text: str) -> tuple[str, str] | None:
    """The two things a comparison names, as short terms ("level 1", "level 2"); None when it names
    no two short ones ("is it better than just writing it myself")."""
    m = _BETWEEN.search(text) or _VERSUS.search(text)
    if m is None:
        return None
    a = re.sub(r"^(?:the|a|an)\s+", "", m.group("a").strip(), flags=re.IGNORECASE)
    a = re.sub(r"^.*\b(?:difference|diff|differences)\s+", "", a, flags=re.IGNORECASE)
    b = _TERM_END.sub("", m.group("b").strip()).strip(" .!'\"")
    b = re.sub(r"^(?:the|a|an)\s+", "", b, flags=re.IGNORECASE)
    if re.fullmatch(r"\d+", b) and (lead := re.match(r"(.*?)\d+$", a)):
        b = lead.group(1) + b  # "level 1 and 2": the second is "level 2"
    if not a or not b or len(a.split()) > 4 or len(b.split()) > 4 or not content_terms(f"{a} {b}"):
        return None
    return a, b


def split_parts(text: str) -> list[str]:
    """Sub-questions of a multi-part question ("how long ... and who approves it?"); a clause that
    asks nothing ("dont wanna mess it up") stays with the question before it."""
    pieces = [p.strip(" ,.") for p in _PART_SPLIT.split(text) if p and p.strip(" ,.")]
    # "... 2nd opinion? and should I tell kids": a question that opens with "and" is still one
    pieces = [re.sub(r"(?i)^(?:and|also|plus|oh and|and also)\s+(?=\w)", "", p) for p in pieces]
    # "whats RTCF stand for, how many times do I iterate": a comma between two questions; a comma
    # after a clause that asks nothing ("if a kid uses AI, what do I do") joins them
    pieces = [
        q
        for p in pieces
        for q in (_COMMA_ASK.split(p) if _ASKS.match(p) and not _CONDITION.match(p) else [p])
        if q.strip(" ,.")
    ]
    parts: list[str] = []
    for piece in pieces:
        if parts and (
            not _ASKS.match(piece)
            or re.match(r"(?i)\s*(?:do|does|did|is|are|can)\s+not\b", piece)
            or _REMARK.match(piece)
        ):
            parts[-1] = f"{parts[-1]}. {piece}"
        else:
            parts.append(piece)
    parts = [p for p in parts if content_terms(p)]
    return parts if len(parts) > 1 else [text]


#: A preface that announces questions ("2 science qs:", "couple q's about grading -"): its topic
#: words stay ("science: ..."), the announcement goes.
_PREFACE = re.compile(
    r"^\s*(?!(?:what|which|how|who|why|when|where|my|our|the)\b)"
    r"(?:(?:a|\d+|two|three|some|couple(?: of)?|few|quick|random|more|other)\s+)*((?:[\w'-]+\s+){0,3}?)"
    r"(?:questions?|q'?s|qq?)(?:\s+(?:about|on|re|for)\s+([\w' -]{1,40}?))?\s*(?:[:\-\u2013\u2014]|\.\.\.)\s+(?=\S)",
    re.IGNORECASE,
)
_WH = re.compile(r"\b(?:what|how|who|whom|when|where|why|which)\b", re.IGNORECASE)
_COMMA_ASK = re.compile(
    r",\s+(?:and\s+)?(?=(?:what|who|when|where|which|how (?:many|much|long|often|do|does|can|should)|"
    r"(?:can|do|does|should|is|are) (?:i|we|you|they|it|my|students)|is it|are there)\b)",
    re.IGNORECASE,
)
#: A question that opens on a condition ("what if ..., what then", "when I grade, what rubric")
#: is one question.
_CONDITION = re.compile(
    r"(?i)\s*(?:(?:what|how) (?:if|about)|(?:when|where|once) (?:i|we|you|they|my|our|a|an|the|students?|kids?))\b"
)
#: A modal with its subject dropped is a remark, not a question: "would save me sooo much time".
_REMARK = re.compile(
    r"(?i)\s*(?:would|could|will|should|might|can)\s+(?!(?:i|you|we|it|they|he|she|that|this|there|my|our|your|"
    r"the|a|an|any|students?|kids?|teachers?|parents?|not)\b)\w+"
)


def analyse(question: str) -> Intent:
    """Read a question: clean it, classify it, and split it into parts when it asks several things."""
    text = normalise(question)
    about = _ABOUT.search(text)
    if about is not None:  # a rewritten follow-up: "Who do I tell? (About: <earlier question>.)"
        intent = analyse(text[: about.start()])
        intent.text, intent.context = text, [t for t in content_terms(about.group(1)) if t not in intent.focus]
        return intent
    parts = split_parts(text)
    intents: list[Intent] = []
    for part in parts:
        kind = classify(part)
        focus = content_terms(with_bands(part))  # "4th graders" is matched as "grades 3-5"
        focus += [t for t in content_terms(_spelled(part)) if t not in focus]  # "3 levels" also "three levels"
        aside: list[str] = []
        story, asking, tail = around_asking(part)
        if kind == "definition" and asking != part.strip() and (own := content_terms(asking)):
            # "whats RTCF stand for?? my coach keeps saying it": the term asked about is the topic;
            # the story around it is context (half weight), not words the answer must cover
            aside = [t for t in focus if t not in own]
            focus = [t for t in focus if t in own]
        if grade_bands(story) and not grade_bands(asking) and not _ABOUT_THEM.search(asking):
            # "one of my 10th graders turned in an essay ... what do i do now": the grade sets the
            # scene (a 9-12 lesson is not the topic); it still picks a band's line, at half weight
            banded = set(content_terms(with_bands(story))) - set(content_terms(story))
            aside += [t for t in focus if t in banded and t not in aside]
            focus = [t for t in focus if t not in banded]
        if kind == "options" and story.strip() and _OTHER.search(asking) and len(content_terms(asking)) >= 2:
            # "i made 3 reading levels of an article, what other scaffolds can it make": what the
            # teacher already has sets the scene; the list asked for is of the asking words' kind
            asked = set(content_terms(with_bands(asking))) | set(content_terms(_spelled(asking)))
            aside += [t for t in focus if t not in asked and t not in aside]
            focus = [t for t in focus if t in asked]
        if content_terms(tail) and len(content_terms(asking)) >= 2 and not _WH.search(tail):
            # a remark after the question ("...post the scores straight to the gradebook? would save
            # me sooo much time") says why it is asked, not what: context at half weight
            asked = set(content_terms(with_bands(asking))) | set(content_terms(_spelled(asking)))
            aside += [t for t in focus if t not in asked and t not in aside]
            focus = [t for t in focus if t in asked]
        if kind == "definition" and [t for t in focus if t not in _ASKING_DEFINITION]:
            focus = [t for t in focus if t not in _ASKING_DEFINITION]  # "stand for" asks, it is not the topic
        if kind == "steps" and len([t for t in focus if t not in _ASKING_STEPS]) >= 2:
            focus = [t for t in focus if t not in _ASKING_STEPS]  # "the steps" asks for a form, not a topic
        if kind == "options" and len([t for t in focus if t not in _ASKING_LIST]) >= 2:
            focus = [t for t in focus if t not in _ASKING_LIST]  # "the full list" asks for a form
        # "... and who teaches it?", "and how long are the meetings": a part with one topic word of
        # its own (besides how it asks) is about what the part before it named
        leans = _PRONOUN.search(part) or len([t for t in focus if t not in _ASKING_HOW]) <= 1
        context = [t for t in intents[-1].focus if t not in focus] if intents and leans else []
        context += [t for t in aside if t not in context]
        intents.append(
            Intent(
                text=part,
                kind=kind,
                focus=focus,
                context=context,  # "... and who teaches it?"
                term=_definition_term(part) if kind == "definition" else "",
                expects=expected_answer(part),
            )
        )
    for i in range(len(intents) - 1, 0, -1):
        if intents[i].kind == "options" and set(intents[i].focus) <= _ASKING_LIST:
            # "what can't I paste? give me the full list": a request for the whole list, not a topic
            intents[i - 1].kind = "options"
            del intents[i]
    if len(intents) == 1:
        one = intents[0]
        pair = compared_terms(one.text) if one.kind == "comparison" else None
        if pair is not None:
            # each side answered as its own definition ("Level 1 — AI for Ideas" is where level 1
            # is said), the comparison's words still weighing every unit
            one.parts = [analyse(f"What is {term}?") for term in pair]
        return one
    main = intents[0].kind
    focus = list(dict.fromkeys(t for i in intents for t in i.focus))
    return Intent(text=text, kind=main, focus=focus, parts=intents)
