"""Names of people, recognised by their role in the sentence as well as by word lists.

Lists alone miss names (a census list has no "Liam", "Priya" or "Oluwaseun") and catch words
("Will", "May", "Jordan" the country). So each word gets a *shape* from the lists (a given name,
a surname, an English word, a thing the hub names, or unknown) and the sentence decides: a
capitalised word in mid-sentence that is no English word is a name; "my student X", "X in my
class", "X's mom", "X said" make X a name in any case; two capitalised name-like words together
are a name; a surname alone ("Steinbeck", "Washington") is not, unless a title or a cue says so.
People the hub itself discusses (its allow-list, built from the corpus) and people the question
treats as a topic ("Toni Morrison's Beloved", "a unit on Rosa Parks") stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.informal import CHAT_WORDS, STRETCHED
from rag.privacy.lexicon import (
    PEOPLES,
    acronyms,
    all_given_names,
    census_given_names,
    first_names,
    hub_lexicon,
    is_common,
    is_english,
    literary_titles,
    model_vocabulary,
    normal,
    public_figures,
    surnames,
)
from rag.text import STOPWORDS

_L = "A-Za-zÀ-ÖØ-öø-ÿ\u0100-\u024f\u1e00-\u1eff"  # with Latin Extended Additional: Nguyễn Thị
#: A word: letters with inner apostrophes, hyphens (O'Brien, Mei-Ling), or initials (A.J.).
_TOKEN = re.compile(rf"(?:[A-Z]\.){{2,3}}|[{_L}]+(?:['\u2019\-][{_L}]+)*(?:['\u2019]s\b|['\u2019](?![{_L}]))?")
_PARTICLE_CAPITAL = re.compile(r"(?:al|el|ul|bin|ibn|abu|de|da|di|du|van|von|le|la)-[A-Z]")
_SENTENCE_END = re.compile(r"[.!?:;\"()\[\]\n]\s*$|^\s*$")

#: Things named like people: AI tools and products, months and days, US states that are not given names
#: too (a question about Georgia's law keeps its subject only with a cue), car makes.
THINGS = frozenset(
    """chatgpt gpt claude gemini copilot bard bing khanmigo magicschool grammarly turnitin gptzero zerogpt
    quizlet canvas diffit brisk perplexity llama mistral kahoot padlet seesaw schoology edpuzzle flip
    nearpod desmos duolingo alexa siri cortana dall midjourney firefly canva notion otter socrative
    youtube google microsoft openai anthropic meta apple amazon adobe chromebook ipad docs slides
    netflix hulu disney spotify roblox minecraft fortnite pinterest facebook twitter whatsapp gmail outlook
    chrome safari firefox starbucks walmart costco quillbot gimkit blooket newsela brainpop ixl
    flocabulary readworks commonlit nearpod wordwall formative clever classdojo remind
    chem bio calc apush precalc stats econ psych physics
    classroom teams word excel powerpoint wikipedia reddit tiktok instagram snapchat discord zoom
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    christmas easter ramadan hanukkah diwali thanksgiving halloween juneteenth kwanzaa passover purim
    kippur hashanah eid nowruz holi lent
    alabama alaska arizona arkansas california colorado connecticut delaware florida hawaii idaho illinois
    iowa kansas kentucky louisiana maryland massachusetts michigan minnesota mississippi missouri nebraska
    nevada ohio oklahoma oregon pennsylvania tennessee texas utah vermont wisconsin wyoming
    honda toyota subaru nissan hyundai chevy chevrolet volkswagen mazda civic corolla prius samsung lenovo""".split()
)  # seasons are not here: Summer and Autumn are given names too
#: After "Jackson, ": a city.
US_STATES = tuple(
    name.strip()
    for name in """alabama, alaska, arizona, arkansas, california, colorado, connecticut, delaware, florida,
    georgia, hawaii, idaho, illinois, indiana, iowa, kansas, kentucky, louisiana, maine, maryland,
    massachusetts, michigan, minnesota, mississippi, missouri, montana, nebraska, nevada, new hampshire,
    new jersey, new mexico, new york, north carolina, north dakota, ohio, oklahoma, oregon, pennsylvania,
    rhode island, south carolina, south dakota, tennessee, texas, utah, vermont, virginia, washington,
    west virginia, wisconsin, wyoming, dc""".split(",")
)
_CITY_STATE = re.compile(rf"(?i),\s*(?:{'|'.join(US_STATES)})\b")
#: Words after a capitalised word that make it a place or an institution ("Lincoln Elementary").
PLACE_WORDS = frozenset(
    """elementary middle high school schools academy university college district county city state
    street avenue road park river lake mountains valley island center centre library museum act
    hall bridge church hospital department board heights village d.c d.c. dc""".split()
)
#: Words before a capitalised word that make it a place or a date ("in May", "from Jordan").
PLACE_BEFORE = frozenset("in near at across throughout visit visiting via toward towards".split())
#: Words that open a question or a command: capitalised, yet never part of a name.
OPENERS = frozenset(
    """can could should would will may might must is are was were do does did has have had how what
    when where why who which please help my our your their his her its i we they he she it you
    this that these those there here if so and but or for with without about after before during
    since until while as at in on of to from by into through a an the some any every each all
    no not yes also just still then now today yesterday tomorrow hey hi hello dear thanks thank""".split()
)
#: Title words before a surname.
TITLES = frozenset("mr mrs ms miss mx dr coach principal dean professor prof sr sra señor señora".split())
_TITLE_ABBREVIATIONS = frozenset("mr mrs ms mx dr".split())
_TITLED = re.compile(r"(?i)\b(?:mr|mrs|ms|miss|mx|dr)\.?\s+$")
#: Contractions typed without their apostrophe ("rustam hasnt turned anything in").
_BARE_CONTRACTIONS = frozenset(
    "hasnt havent hadnt isnt arent wasnt werent doesnt dont didnt cant couldnt wouldnt shouldnt wont im ive".split()
)
#: Nouns for a student or a family member: "my student X", "her son X".
PERSON_NOUNS = (
    r"student|students|pupil|kid|child|boy|girl|son|daughter|grader|graders|freshman|sophomore|junior|"
    r"senior|learner|niece|nephew|partner|classmate|teammate|friend|brother|sister|cousin|twins?"
)
#: "the Garcia twins", "the Nguyen family": a name before these still names people.
_FAMILY = re.compile(rf"(?:{PERSON_NOUNS}|family|families|kids|children|boys|girls|parents|siblings|household|clan)")
#: Verbs a named person does: "X said", "X keeps", "can X use".
_VERBS = (
    "say said says tell told tells keep kept keeps use used uses write wrote writes ask asked asks want "
    "wanted wants need needed needs get got gets turn turned turns submit submitted submits copy copied "
    "copies admit admitted admits claim claimed claims think thought thinks take took takes make made "
    "makes see saw sees go went goes come came comes give gave gives show showed shows try tried tries "
    "start started starts finish finished finishes refuse refused refuses cheat cheated cheats "
    "plagiarized plagiarised email emailed emails text texted texts call called calls work worked works "
    "struggle struggled struggles love loved loves like liked likes hate hated hates fail failed fails "
    "pass passed passes score scored scores earn earned earns miss missed misses lose lost loses forget "
    "forgot forgets leave left leaves bring brought brings share shared shares type typed types paste "
    "pasted pastes find found finds know knew knows seem seemed seems sound sounded sounds read reads "
    "do did does has had have is was are were isn't wasn't hasn't doesn't didn't can't won't cannot will would "
    "should could might must can may gets stopped stops moved moves sees needs wrote keeps reads uses "
    "already just also never always really only both "
    # typed without the apostrophe ("jayden wont stop")
    "wont dont doesnt didnt cant isnt wasnt hasnt havent wouldnt shouldnt couldnt aint"
)
VERBS = frozenset(_VERBS.split())
#: Nouns after "X's" that belong to a private person (not "Shakespeare's sonnets").
_TOPIC_AFTER_POSSESSIVE = frozenset(
    "speech speeches poetry poems sonnets novel novels plays theory theories works writings quotes "
    "presidency administration legacy biography life era dream".split()
)
#: School staff a teacher writes to or talks with about a student.
_STAFF = (
    r"counsel+ors?|nurses?|principals?|teachers?|colleagues?|coach(?:es)?|admins?|administrators?|"
    r"psychologists?|social workers?|case managers?|aides?|paras?|paraprofessionals?|dean|office"
)
#: Words before a person that make them a topic of study ("a unit on Rosa Parks").
_TOPIC_BEFORE = re.compile(
    r"(?i)\b(?:about|on|of|studying|study|research|researching|between|role-?playing|impersonating|"
    r"by|author|poet|president|senator|governor|justice|king|queen|saint|st\.?)\s+$"
)
#: Phrases before a name that make it a student's (or a family member's) name.
_CUE_BEFORE = re.compile(
    rf"(?i)(?:\b(?:{PERSON_NOUNS})s?[,:]?\s+(?:\([^)]*\)\s+)?(?:(?:is\s+)?(?:named|called)\s+)?"
    r"|\b(?:named|called|name\s+is|name's|nicknamed|goes\s+by|go\s+by|aka|call(?:s)?\s+(?:him|her|them))\s+"
    r"|\b(?:mr|mrs|ms|miss|mx|dr|coach|principal|dean|professor|prof)\.?\s+"
    r"|\b(?:tell|ask|asked|told|help|helping|remind|email|call|meet\s+with|talk\s+(?:to|with)|speak\s+(?:to|with)|"
    r"message|note\s+to|letter\s+to|grade|let|caught|for)\s+)$"
)
_CUE_AFTER = re.compile(
    r"(?i)^(?:['\u2019]s?\s+(?:(?:missing|late|last|latest|new|old|first|whole|own|final|unfinished|recent)\s+)?"
    r"(?:mom|mother|dad|father|parents?|guardians?|grand(?:m|p|f)\w*|family|aunt|uncle|"
    r"brother|sister|teacher|iep|504|essay|paragraph|work|grades?|report|project|homework|account|login|"
    r"password|lunch|science|lab|poster|board|progress|behaviou?r|attendance|accommodations?|evaluation|"
    r"diagnosis|dyslexia|adhd|autism|reading|writing|math|scores?|tests?|quiz(?:zes)?|assignments?|"
    r"absences?|case|situation|needs|plan|schedule|seat|group|behalf)\b"
    r"|\s+(?:in|from)\s+(?:my|our|the|his|her)\s+(?:\w+\s+){0,2}(?:class|period|homeroom|section|group|school|grade|team|room)"
    r"|,\s+(?:who|a|an|my|our|the\s+(?:student|boy|girl))\b"
    r"|\s+(?:and\s+(?:his|her|their)\s+(?:mom|dad|parents?|partner|brother|sister)))"
)


@dataclass(frozen=True)
class Word:
    start: int
    end: int  # possessive 's excluded
    text: str
    low: str
    capital: bool
    initial: bool  # first word of a sentence


@dataclass(frozen=True)
class NameSpan:
    start: int
    end: int
    reason: str


def tokens(text: str) -> list[Word]:
    out: list[Word] = []
    for m in _TOKEN.finditer(text):
        raw = m.group(0)
        core = re.sub(r"['\u2019]s?$", "", raw) if raw[-1] in "s'\u2019" and re.search(r"['\u2019]s?$", raw) else raw
        start = m.start()
        initial = bool(_SENTENCE_END.search(text[max(0, start - 8) : start])) or (not out)
        capital = core[:1].isupper() or bool(_PARTICLE_CAPITAL.match(core))  # "al-Rashid" reads as capitalised
        out.append(Word(start, start + len(core), core, normal(core), capital, initial))
    return out


@lru_cache(maxsize=1)
def _things() -> frozenset[str]:
    return THINGS | hub_lexicon()["proper"]


@lru_cache(maxsize=1)
def _public() -> frozenset[str]:
    """People the hub names, and the historical and public figures classes study."""
    return hub_lexicon()["public"] | public_figures()


def shape(word: Word) -> str:
    """What the lists say a word can be: function, thing, acronym, word (an everyday word the hub
    uses), given (a given name and nothing else), given-or-word, surname, surname-or-word,
    rare-word (in the dictionary, never in the hub: "Arjun" is a tree in Webster's) or unknown."""
    low = word.low
    if len(low) == 1 and not word.text.endswith("."):
        return "function"
    if low in _TITLE_ABBREVIATIONS:
        return "function"  # "Mrs." cues the name after it and is none itself
    if (
        low in STOPWORDS
        or low in OPENERS
        or (low in CHAT_WORDS and not word.capital)
        or STRETCHED.search(low)  # "sooo", "pleeease": typed for tone, no name has three in a row
        or re.search(r"(?:n't|'ll|'ve|'re|'d|'m)$", low)
        or low in _BARE_CONTRACTIONS
    ):
        return "function"
    if low in _things() or any(part in _things() for part in low.split("-")):
        return "thing"
    if "-" in low:
        parts = [p for p in word.text.split("-") if p]
        if parts and parts[0].lower() in _PARTICLES and len(parts) == 2 and parts[1][:1].isupper():
            return shape(Word(word.start, word.end, parts[1], normal(parts[1]), True, False))  # al-Rashid
        if len(parts) > 1 and all(p.lower() in first_names() for p in parts):
            return "given"  # Ana-Sofia, jean-luc
        if any(is_common(p.lower()) or p.isupper() or p.lower() in VERBS for p in parts):
            return "word"  # AI-use, Back-translation, well-known
    if re.fullmatch(r"(?:[A-Z]\.){2,3}", word.text):
        return "initials"  # A.J., D.C.: part of a name only beside one
    bare = word.text[:-1] if word.text.endswith("s") else word.text
    if bare.isupper() and len(bare) > 1 and "." not in word.text:
        return "acronym"
    known = acronyms()
    if word.text.islower() and (low in known or (low.endswith("s") and low[:-1] in known)):
        # "the ada rule", "a students iep": what the hub writes ADA, IEP; a given name only after a
        # cue ("my student ada")
        return "given-or-word" if low in first_names() else "acronym"
    if re.search(r"[a-z][A-Z]", word.text) and not re.match(r"(?:Mc|Mac|O'|D'|De|Di|La|Le)[A-Z]", word.text):
        return "thing"  # ChatGPT, GPTZero, iPad, YouTube
    given, english = low in first_names(), is_english(low)
    if is_common(low) and not given:
        return "word"
    if given:
        return "given-or-word" if english else "given"
    if low in surnames():
        return "surname-or-word" if english else "surname"
    # a lower-case word the model's vocabulary knows and no list of names holds ("bandwidth do we
    # need"): a word newer than the dictionary, not a name
    newer = word.text.islower() and low in model_vocabulary()
    return "rare-word" if english or newer else "unknown"


def _next(words: list[Word], i: int) -> Word | None:
    return words[i + 1] if i + 1 < len(words) else None


def _prev(words: list[Word], i: int) -> Word | None:
    return words[i - 1] if i > 0 else None


def _adjacent(text: str, a: Word, b: Word) -> bool:
    """b follows a with only spaces (or a name particle's spacing) between them."""
    return re.fullmatch(r"\s+", text[a.end : b.start]) is not None


#: Never the start of a name, though "My" and "Will" are given names too: "for my struggling readers".
_DETERMINERS = frozenset("my our your his her their its the a an this that these those some any every each".split())
_PARTICLES = frozenset("de la del della der den van von da di du dos das bin ibn al el le st".split())
_NAMEY = ("given", "given-or-word", "unknown", "surname", "surname-or-word", "rare-word")


def _verb_follows(text: str, words: list[Word], i: int, strict: bool = False) -> bool:
    j = i + 1
    while (
        j < len(words)
        and j - i <= 2
        and words[j].low in CHAT_WORDS
        and words[j].low not in VERBS  # "wont" is a chat spelling and the verb
        and re.fullmatch(r"[\s,]+", text[words[j - 1].end : words[j].start])
    ):
        j += 1  # "jayden lol turned": a chat word between the name and its verb
    aside = re.match(r"\s*\([^()]{0,60}\)\s+", text[words[j - 1].end :])
    if aside:  # "Emre (DOB 04/02/2013) is moving": the verb after an aside
        end = words[j - 1].end + aside.end()
        while j < len(words) and words[j].start < end:
            j += 1
        return j < len(words) and words[j].start == end and _verb_word(words[j], strict)
    nxt = words[j] if j < len(words) else None
    if nxt is None or not re.fullmatch(r"[\s,]+" if j > i + 1 else r"\s+", text[words[j - 1].end : nxt.start]):
        return False
    return _verb_word(nxt, strict)


#: Verbs too plain to show a person acts ("passcode is"), unless a stronger cue says so.
_PLAIN_VERBS = frozenset("is was has had are were can will may should would could".split())


def _verb_word(nxt: Word, strict: bool) -> bool:
    if strict and nxt.low in _PLAIN_VERBS:
        return False
    return nxt.low in VERBS or (nxt.low.endswith("ed") and is_english(nxt.low))


#: A name made into a character a class talks to ("a Lincoln chatbot", "the Frida Kahlo persona").
_PERSONA_AFTER = re.compile(
    r"\s*-?\s*(?:chat ?bots?|bots?|personas?|avatars?|simulations?|role-?plays?)\b", re.IGNORECASE
)


def _is_topic(text: str, start: int, end: int) -> bool:
    """A person the question studies, not one it is about: "Toni Morrison's Beloved"."""
    # "feedback on Ximena's and Bao's lab reports": the cue after the last of the possessives
    rest = re.sub(r"^['\u2019]s?((?:\s*(?:,|and|&)\s*[^\s,]+?['\u2019]s?)+)(?=\s)", "'s", text[end : end + 80])
    if _TOPIC_BEFORE.search(text[max(0, start - 40) : start]) and not _CUE_AFTER.match(rest):
        before = text[max(0, start - 60) : start].rstrip().lower()
        if re.search(r"\b(?:talk|talked|worried|ask|tell|email|call|write|do|say)\s+(?:to\s+\w+\s+)?about$", before):
            return False
        if re.search(rf"\b(?:{_STAFF}|him|her|them|mom|dad|parents?)\s+about$", before):
            return False  # "an email to the school counselor about Daniyar": a person the staff discuss
        if re.search(r"\b(?:goes|go|going|went)\s+by$", before):
            return False  # "Alejandro goes by alex": a nickname, not an author
        return not re.match(r"\s+\w+ing\b", after_name(text, end))
    after = text[end : end + 80]
    if _PERSONA_AFTER.match(after):
        return True  # "interview a lincoln chatbot": a figure a class talks to, not a student
    m = re.match(r"['\u2019]s?\s+(\S+)", after)
    if m:
        nxt = m.group(1).strip(".,;:?!")
        if nxt.lower() in _TOPIC_AFTER_POSSESSIVE:
            return True
        if nxt[:1].isupper() or nxt[:1].isdigit():
            return nxt.lower() not in ("iep", "504") and nxt.lower() not in _things()  # "Mateo's Khanmigo account"
    return bool(re.match(r",?\s+Jr\.?", after))


def after_name(text: str, end: int) -> str:
    return text[end : end + 40]


def _public_name(words: list[Word]) -> bool:
    public = _public()
    full = " ".join(w.low for w in words)
    if len(words) == 1 and "-" in words[0].low:
        return any(part in public for part in words[0].low.split("-"))  # "Lincoln-Douglas debates"
    return full in public or (len(words) == 1 and words[0].low in public) or all(w.low in public for w in words)


def find_names(text: str, topics: bool = False) -> list[NameSpan]:
    """Spans of people's names in ``text``, with the reason each was taken for a name; with
    ``topics``, the people the text treats as a topic too (reason ``"topic"``)."""
    upper_text = _mostly_upper(text)
    analysed = text.lower() if upper_text else _SHOUTED.sub(lambda m: m.group(0).lower(), text)
    words = tokens(analysed)
    shapes = [shape(w) for w in words]
    marks: dict[int, str] = {}

    for i, (w, kind) in enumerate(zip(words, shapes, strict=True)):
        before, after = analysed[max(0, w.start - 60) : w.start], analysed[w.end : w.end + 80]
        cued = bool(_CUE_BEFORE.search(before))
        if (
            (cued or not w.capital)
            and (kind != "function" or (cued and w.low not in _DETERMINERS))
            and (kind in ("given", "unknown", "given-or-word") or w.low in all_given_names())
            and _lower_full_name(words, shapes, i, analysed, cued=cued)
        ):
            marks[i] = marks[i + 1] = "a full name after " + _cue_text(before) if cued else "a full name (lower case)"
            continue
        if (
            kind == "acronym"
            and len(w.text) >= 3
            and w.low in first_names()
            and w.low not in acronyms()
            and _verb_follows(analysed, words, i)
        ):
            marks[i] = "a given name in capitals that acts in the sentence"  # "ZOE is refusing"
            continue
        if kind in ("function", "thing", "acronym") or w.low in _PARTICLES:
            continue
        if cued and not w.capital and re.fullmatch(r"\w{3,}ing", w.low) and kind in ("unknown", "rare-word"):
            continue  # "a kid vaping in the bathroom": a participle the dictionary is too old to list
        titled = bool(_TITLED.search(before))  # after "Mrs.", any word is the surname: "mrs. nguyen", "mr. brown"
        if (
            cued
            and (kind in _NAMEY + ("initials",) or titled)
            and not _place(words, shapes, i, analysed)
            and not _language(w)
        ):
            # a word only the model's vocabulary knows can be a name after a cue ("my student jaenelle")
            newer = kind == "rare-word" and not is_english(w.low)
            if w.capital or titled or (kind in ("given", "unknown", "given-or-word") or newer) and not is_common(w.low):
                marks[i] = "a name after " + _cue_text(before)
                continue
        if (
            not w.capital
            and kind in ("unknown", "given")
            and re.match(r"['\u2019]s\b", analysed[w.end :])
            and not _determined(words, i)
        ):
            marks[i] = "a possessive name (lower case)"  # "start with priya's"
            continue
        if _CUE_AFTER.match(after) and kind in _NAMEY + ("word",) and (w.capital or kind in ("given", "unknown")):
            if kind != "word" or (w.capital and not w.initial):
                marks[i] = "a name before " + _cue_text(after, ahead=True)
                continue
        if w.capital and not upper_text:
            if _place(words, shapes, i, analysed):
                continue
            prev = _prev(words, i)
            if (
                prev is not None
                and prev.low in ("my", "our", "your", "his", "her", "their", "its")
                and _adjacent(analysed, prev, w)
                and not _CUE_AFTER.match(after)
            ):
                continue  # "their Lexile scores": a possessive's noun, not a person
            acts = _verb_follows(analysed, words, i) or _joined(words, shapes, i, analysed)
            if not w.initial:
                if kind in ("given", "unknown") and not _language(w):
                    marks[i] = "a capitalised name in mid-sentence"
                elif kind in ("given-or-word", "surname", "surname-or-word", "rare-word") and acts:
                    marks[i] = "a capitalised name that acts in the sentence"
            elif kind == "given":
                marks[i] = "a given name"
            elif kind in ("unknown", "given-or-word", "surname", "surname-or-word", "rare-word") and acts:
                marks[i] = "a name that acts in the sentence"
        elif not w.capital or upper_text:
            if kind == "given" and w.low in census_given_names() and not _place(words, shapes, i, analysed):
                marks[i] = "a given name (lower case)"
            elif (
                (kind in ("unknown", "given") or (kind == "given-or-word" and len(w.low) > 2 and w.low in acronyms()))
                and not _determined(words, i)
                and (
                    _verb_follows(analysed, words, i, strict=True)
                    or _joined(words, shapes, i, analysed, lower=True)
                    or _lower_pair_acts(words, shapes, i, analysed)
                )
            ):
                marks[i] = "a name that acts in the sentence"

    for i in [i for i in marks if _in_markup(analysed, words[i])]:
        del marks[i]
    _extend(words, shapes, marks, analysed)
    # a word found to be someone's name is theirs wherever it recurs ("Rustam's dad ... rustam hasnt")
    named = {words[i].low for i in marks if shapes[i] in ("given", "unknown", "surname")}
    for i, w in enumerate(words):
        if i not in marks and w.low in named:
            marks[i] = "a name the question uses elsewhere"
    return _spans(words, shapes, marks, text, topics)


_MARKUP = re.compile(
    r"</?[A-Za-z][\w:-]*(?:\s[^<>\n]{0,300})?>|</?[A-Za-z][\w:-]*\s+[\w:-]+=\S*"
    r"|&\w+;"
)


def _in_markup(text: str, word: Word) -> bool:
    """Inside an HTML tag or an attribute (``<img src=``): code someone pasted, not a name."""
    return any(
        m.start() <= word.start < m.end() for m in _MARKUP.finditer(text, max(0, word.start - 300), word.end + 300)
    )


_ACTS = re.compile(
    r"\s*(?:has|had|is|was|did|does|got|gets|keeps|kept|failed|turned|used|uses|said|says|wrote|"
    r"asked|submitted|copied|cheated|missed|needs|told|won't|can't|didn't|doesn't|isn't|wasn't)\b"
)


def _lower_full_name(words: list[Word], shapes: list[str], i: int, text: str, cued: bool = False) -> bool:
    """ "deb patel has an IEP", "my student will miller": a given name and a surname-like word in
    lower case, after a cue ("my student") or opening a sentence and acting in it ("rose garden
    has" ends in a plain word and stays)."""
    if (
        i + 1 >= len(words)
        or shapes[i + 1] not in ("surname", "surname-or-word", "unknown", "rare-word")
        or words[i + 1].capital != words[i].capital
        or not re.fullmatch(r"\s+", text[words[i].end : words[i + 1].start])
    ):
        return False
    if cued:
        return True
    prev = _prev(words, i)
    if prev is not None and not re.search(r"[.!?:;]\s*$", text[prev.end : words[i].start] or " "):
        return False
    return bool(_ACTS.match(text[words[i + 1].end :])) or _verb_follows(text, words, i + 1, strict=True)


def _determined(words: list[Word], i: int) -> bool:
    """After "my", "the", "a": a noun ("my homeroom used"), not a name."""
    j = i - 1
    while j >= 0 and i - j <= 2 and shape(words[j]) == "word" and not words[j].capital:
        j -= 1  # "a good netflix show": everyday adjectives between the determiner and the noun
    prev = words[j] if j >= 0 else None
    return prev is not None and prev.low in (
        "my",
        "our",
        "the",
        "a",
        "an",
        "his",
        "her",
        "their",
        "this",
        "that",
        "your",
        "its",
    )


def _language(word: Word) -> bool:
    """Arabic, Vietnamese, Spanish: languages and peoples, capitalised like names."""
    if word.low in PEOPLES:
        return True
    return re.search(r"(?:ese|ish|ic)$", word.low) is not None and word.low not in first_names()


#: Four or more words in capitals in a row, typed for emphasis ("KAYDEN AND BRAYLEN WERE LATE"):
#: read as lower case, so a name in them is found as in "kayden and braylen were late".
_SHOUTED = re.compile(r"\b[A-Z][A-Z'\u2019]*(?:[ ,]+(?:[A-Z][A-Z'\u2019]*|\d+)){3,}\b")


def _mostly_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 12 and sum(c.isupper() for c in letters) > 0.8 * len(letters)


def _cue_text(side: str, ahead: bool = False) -> str:
    part = side[:24] if ahead else side[-24:]
    words = part.split()
    return repr(" ".join(words[:3] if ahead else words[-3:]))


_LANDFORMS = frozenset(
    "river rivers lake lakes mountain mountains sea ocean valley canyon desert bay creek falls".split()
)


def _place(words: list[Word], shapes: list[str], i: int, text: str) -> bool:
    """A capitalised word used as a place or an institution: "in Austin", "Lincoln Elementary"."""
    nxt, prev = _next(words, i), _prev(words, i)
    if (
        nxt is not None
        and nxt.low in PLACE_WORDS
        and nxt.capital == words[i].capital
        and _adjacent(text, words[i], nxt)
        and (shapes[i] != "given" or nxt.low not in surnames())
    ):
        return True
    if (
        words[i].low in PLACE_WORDS
        and prev is not None
        and prev.capital
        and _adjacent(text, prev, words[i])
        and (
            shapes[i - 1] in ("unknown", "thing", "word")
            or words[i].low not in surnames()
            or words[i].low in _LANDFORMS  # "the Jordan River", though River is a surname too
        )
    ):
        return True  # "Mississippi River"
    if nxt is not None and nxt.low in ("state", "river", "d.c", "county", "city") and _adjacent(text, words[i], nxt):
        return True
    if (
        prev is not None
        and prev.low in PLACE_BEFORE
        and shapes[i] != "unknown"
        or (
            prev is not None
            and prev.low in PLACE_BEFORE
            and not _CUE_AFTER.match(text[words[i].end : words[i].end + 80])
            and not _verb_follows(text, words, i)
        )
    ):
        return not _CUE_AFTER.match(text[words[i].end : words[i].end + 80])
    if _CITY_STATE.match(text, words[i].end):
        return True  # "jackson, mississippi"
    return bool(
        re.search(
            r"(?i)\b(?:state|city|country|town|district),\s+$", text[max(0, words[i].start - 30) : words[i].start]
        )
    )


def _lower_pair_acts(words: list[Word], shapes: list[str], i: int, text: str) -> bool:
    """Two given names in lower case joined by "and", then their verb, even a plain one ("kayden and
    braylen were late"): two name-shaped words acting together are people."""
    if i + 2 >= len(words) or words[i + 1].low != "and":
        return False
    other = words[i + 2]
    return (
        not other.capital
        and shapes[i + 2] in ("given", "unknown")
        and not is_common(other.low)
        and _list_acts(words, i + 2, text)
    )


def _joined(words: list[Word], shapes: list[str], i: int, text: str, lower: bool = False) -> bool:
    """Part of a run of two name-like words: "Priya Patel", "priya patel", "Will Thompson"."""
    for j in (i - 1, i + 1):
        if not 0 <= j < len(words):
            continue
        a, b = (words[j], words[i]) if j < i else (words[i], words[j])
        if not _adjacent(text, a, b):
            continue
        other, kind = words[j], shapes[j]
        if lower:
            if not other.capital and kind in ("given", "unknown", "surname") and not is_common(other.low):
                return True
            continue
        if other.capital and kind in ("given", "unknown", "surname", "surname-or-word", "given-or-word"):
            if j < i and other.initial and kind == "surname-or-word":
                continue
            return True
    return False


def _extend(words: list[Word], shapes: list[str], marks: dict[int, str], text: str) -> None:
    """Grow each name over its surname, particles and coordinated names ("Omar, Keisha and Nikolai")."""
    changed = True
    while changed:
        changed = _coordinated(words, shapes, marks, text)
        for i in sorted(marks):
            for j, step in ((i + 1, 1), (i - 1, -1)):
                if not 0 <= j < len(words) or j in marks:
                    continue
                a, b = (words[i], words[j]) if step == 1 else (words[j], words[i])
                w, kind = words[j], shapes[j]
                if re.fullmatch(PERSON_NOUNS, w.low):
                    continue  # "her son tuan": the noun that introduces the name is not part of it
                gap = text[a.end : b.start]
                if re.fullmatch(r"\s+", gap):
                    if w.low in _PARTICLES and step == 1:
                        k = j
                        while k < len(words) and words[k].low in _PARTICLES:
                            k += 1
                        if k < len(words) and words[k].capital and k - j <= 3:
                            for m in range(j, k + 1):
                                marks[m] = marks[i]
                            changed = True
                    elif (
                        step == 1
                        and w.capital
                        and not w.initial
                        and words[i].capital
                        and kind == "function"
                        and len(w.low) > 1
                        and w.low not in _TITLE_ABBREVIATIONS
                    ):
                        marks[j] = marks[i]  # "Nguyễn Văn An": capitalised mid-sentence, so a name's part
                        changed = True
                    elif (
                        step == -1
                        and w.capital
                        and w.initial
                        and w.low in all_given_names()
                        and words[i].capital
                        and kind in ("function", "thing", "given-or-word")
                    ):
                        marks[j] = marks[i]  # "Will Thompson", "May Chen"
                        changed = True
                    elif (
                        (w.capital or not words[i].capital)
                        and kind in _NAMEY + ("word",)
                        and not _place(words, shapes, j, text)
                        and not (step == 1 and not w.capital and _ACTS.fullmatch(w.low))
                    ):  # "sue miller failed"
                        if kind == "word" and not (w.capital and (w.low in surnames() or step == -1 and not w.initial)):
                            continue
                        if step == -1 and w.initial and kind == "word" and w.low in OPENERS:
                            continue
                        marks[j] = marks[i]
                        changed = True
                elif re.fullmatch(r"\s*,\s*", gap) and w.capital == words[i].capital:
                    if (
                        (
                            kind in ("given", "unknown", "given-or-word", "surname", "rare-word")
                            and not w.initial
                            and w.capital
                        )
                        or kind in ("given", "unknown")
                        and not w.capital
                        # "Amara, Kwame and Ines turned in": opening a list of names ("However, Kwame" is a word)
                        or step == -1
                        and kind in ("given", "unknown", "surname")
                        and _coordinated_list(words, marks, i)
                    ):
                        marks[j] = "one of several names"
                        changed = True


def _coordinated_list(words: list[Word], marks: dict[int, str], i: int) -> bool:
    """Name ``i`` is followed by "and"/"or" and another name: a list of names, not an aside."""
    return i + 2 < len(words) and words[i + 1].low in ("and", "or", "&") and (i + 2) in marks


def _pair_acts(words: list[Word], shapes: list[str], j: int, i: int, text: str) -> bool:
    """ "Rowan and Saoirse both submitted": a sentence that opens on two names joined by "and" and
    goes on with their verb (the opening word alone could be a plain word: "rowan" is a tree)."""
    return j == i - 2 and shapes[i] in ("given", "unknown") and shapes[j] in _NAMEY and _list_acts(words, i, text)


def _list_acts(words: list[Word], i: int, text: str) -> bool:
    """The words after the last of a list of names are the list's verb ("... and Efua all turned in")."""
    nxt = _next(words, i)
    return _verb_follows(text, words, i) or (nxt is not None and nxt.low in ("both", "all", "each"))


def _coordinated(words: list[Word], shapes: list[str], marks: dict[int, str], text: str) -> bool:
    """ "Keisha and Nikolai", "liam and noah": the word across "and"/"or" from a name is one too."""
    changed = False
    for i in sorted(marks):
        for j, link in ((i + 2, i + 1), (i - 2, i - 1)):
            if not 0 <= j < len(words) or j in marks or words[link].low not in ("and", "or", "&"):
                continue
            w, kind = words[j], shapes[j]
            if w.capital != words[i].capital:
                if not w.capital and kind in ("given", "unknown"):
                    marks[j] = "one of several names"  # "Lachlan and ngozi": a name typed in lower case
                    changed = True
                continue
            if w.capital and not w.initial and kind in ("function", "given-or-word") and w.low in all_given_names():
                marks[j] = "one of several names"  # "Will and Hope can do": names that are words too
                changed = True
                continue
            if w.initial and w.capital:
                if _pair_acts(words, shapes, j, i, text):
                    marks[j] = "one of several names"
                    changed = True
                continue
            if (
                kind in ("given", "unknown")
                or (w.capital and kind in ("given-or-word", "surname", "rare-word"))
                # "Kofi, Yaw and Efua all turned in": an everyday word, capitalised inside a list that acts
                or (
                    w.capital
                    and j < i
                    and kind in ("word", "surname-or-word")
                    and shapes[i] in ("given", "unknown")
                    and _list_acts(words, i, text)
                )
            ):
                marks[j] = "one of several names"
                changed = True
    return changed


def _spans(
    words: list[Word], shapes: list[str], marks: dict[int, str], text: str, topics: bool = False
) -> list[NameSpan]:
    spans: list[NameSpan | None] = []
    run: list[int] = []
    for i in sorted(marks):
        if run and i == run[-1] + 1 and re.fullmatch(r"\s+", text[words[run[-1]].end : words[i].start]):
            run.append(i)
            continue
        if run:
            spans.append(_span(words, shapes, run, marks, text))
        run = [i]
    if run:
        spans.append(_span(words, shapes, run, marks, text))
    out: list[NameSpan] = []
    last_topic: int | None = None  # (not a negative number: a slice from it would wrap to the text's end)
    for span in spans:
        if span is None:
            continue
        if (
            span.reason != "topic"
            and last_topic is not None
            and re.fullmatch(r"\s+and\s+", text[last_topic : span.start])
        ):
            span = NameSpan(span.start, span.end, "topic")  # "Marie Curie and Albert Einstein"
        if span.reason == "topic":
            last_topic = span.end
        out.append(span)
    return [s for s in out if topics or s.reason != "topic"]


#: School subjects: "Maya English essay" is still Maya's, though "English" is an everyday word.
_SUBJECTS = frozenset(
    "english math maths science history art music spanish french reading writing ela pe gym biology chemistry "
    "physics geography algebra geometry spelling".split()
)


def _named_thing(words: list[Word], shapes: list[str], run: list[int], text: str) -> bool:
    """A capitalised run that goes on into a capitalised everyday noun names an event or a work, not a
    person ("the Civil War unit", "Black History Month", "Earth Day"); so does one after a
    mid-sentence "The" ("analyze The Great Gatsby")."""
    first = words[run[0]]
    if not first.capital:
        return False
    prev = _prev(words, run[0])
    if prev is not None and prev.text == "The" and not prev.initial and _adjacent(text, prev, first):
        return True
    after = _next(words, run[-1])
    if (
        prev is not None
        and prev.low in ("the", "this", "that")
        and not prev.capital
        and after is not None
        and not after.capital
        and _adjacent(text, words[run[-1]], after)
        and after.text.isalpha()
        and after.low not in OPENERS
        and after.low not in VERBS
        and not _FAMILY.fullmatch(after.low)
    ):
        return True  # "the Lincoln question", "the Gatsby essays" (but "the Garcia twins")
    k = run[-1]
    while k + 1 < len(words) and words[k + 1].capital and _adjacent(text, words[k], words[k + 1]):
        k += 1
    if k == run[0] or words[k].low in _SUBJECTS:
        return False
    # every word an English one ("Civil War", "Earth Day"); a given name makes it a person ("Will Stone")
    return all(s in ("word", "surname-or-word", "rare-word") for s in shapes[run[0] : k + 1])


@lru_cache(maxsize=1)
def _titles() -> re.Pattern[str]:
    words = (r"\s+".join(re.escape(w) for w in title.split()) for title in literary_titles())
    return re.compile(r"(?i)(?<![\w'])(?:" + "|".join(words) + r")(?![\w'])")


def _in_title(text: str, start: int, end: int) -> bool:
    """Inside the words of a book's title: "Romeo and Juliet", "Diary of a Wimpy Kid"."""
    return any(m.start() <= start and end <= m.end() for m in _titles().finditer(text, max(0, start - 60), end + 60))


def _span(words: list[Word], shapes: list[str], run: list[int], marks: dict[int, str], text: str) -> NameSpan | None:
    part = [words[i] for i in run]
    start, end = part[0].start, part[-1].end
    # a public figure's initial that the name's run leaves out: "Malcolm X", "S.E. Hinton"
    following = words[run[-1] + 1] if run[-1] + 1 < len(words) else None
    if following is not None and len(following.text) == 1 and following.text.isupper():
        if _public_name([*part, following]):
            return NameSpan(start, following.end, "topic")
    preceding = words[run[0] - 1] if run[0] > 0 else None
    if preceding is not None and re.fullmatch(r"(?:[A-Z]\.\s?){1,3}", preceding.text):
        if _public_name([preceding, *part]):
            return NameSpan(preceding.start, end, "topic")
    if _public_name(part):
        return NameSpan(start, end, "topic")  # "Malala Yousafzai and Wangari Maathai": the next is studied too
    if _named_thing(words, shapes, run, text) or _in_title(text, start, end):
        return None
    if _is_topic(text, start, end):
        return NameSpan(start, end, "topic")
    title = _TITLED.search(text[max(0, start - 8) : start])
    if title:
        start = max(0, start - 8) + title.start()
        if " ".join(text[start:end].lower().split()) in _public():
            return None  # "Dr. Seuss"
    return NameSpan(start, end, marks[run[0]])
