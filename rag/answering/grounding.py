"""Does this passage support this claim? The one checker used by answering and by evaluation.

No NLI model is packaged for offline use, so the default is a designed checker:

1. Align the claim with its best window of the passage (one or two consecutive sentences).
2. Content-word recall: the share of the claim's stemmed content words (IDF-weighted when
   known) found in that window, or failing that in the whole passage.
3. Semantic similarity (sentence embeddings) between claim and window rescues paraphrases
   whose words differ, but only when enough content words still match.
4. Vetoes, each a typical way a fluent sentence goes wrong:
   - numbers (digits and number words, grade bands) that the passage does not contain;
   - names, acronyms and roles (capitalised terms) that the passage does not contain;
   - negation that differs between claim and window;
   - overclaims: absolute words ("always", "never", "all", "required by law", "guarantee")
     the passage does not use.

The score is in [0, 1]; ``supported`` is ``score >= threshold``. Thresholds were set on the dev
half of ``eval/sets/grounding-pairs.jsonl`` (see ``docs/evaluation.md``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from rag.answering.llm import make_chat_model
from rag.errors import HubqaError
from rag.settings import Settings
from rag.text import NEGATIONS, STOPWORDS, split_units, stem, strip_markdown, terms, words

#: Scores at or above this count as supported (dev-calibrated).
THRESHOLD = 0.6
#: Content-word recall needed before embedding similarity may vouch for a paraphrase.
MIN_RECALL_FOR_SEMANTIC = 0.35
#: Embedding similarity that counts as "says the same thing".
SEMANTIC_SIMILARITY = 0.72
#: Similarity high enough to overrule the soft vetoes (unknown names, added words).
STRONG_SIMILARITY = 0.85

_NUMBER_WORDS = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fifteen": "15",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "sixty": "60",
    "ninety": "90",
    "hundred": "100",
    "first": "1",
    "second": "2",
    "third": "3",
    "fourth": "4",
    "fifth": "5",
    "sixth": "6",
    "seventh": "7",
    "eighth": "8",
    "ninth": "9",
    "tenth": "10",
    "eleventh": "11",
    "twelfth": "12",
    "once": "1",
    "twice": "2",
    "half": "50%",
}
_ABSOLUTES = {
    "always",
    "never",
    "all",
    "every",
    "everyone",
    "any",
    "guarantee",
    "guarantees",
    "guaranteed",
    "only",
    "none",
    "entirely",
    "completely",
    "impossible",
    "certainly",
    "mandatory",
    "forbidden",
    "banned",
    "prohibited",
    "illegal",
}
_ABSOLUTE_PHRASES = ("required by law", "by law", "legally required", "federal law requires", "must always")
_CAPITALISED = re.compile(r"\b(?:[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*|[A-Z]{2,}[a-z]?)\b")
_GENERIC_CAPS = {"AI", "I", "The", "A", "An", "If", "In", "On", "For", "When", "Students", "Teachers", "Level"}


@dataclass
class Verdict:
    score: float
    supported: bool
    reasons: list[str] = field(default_factory=list)


def numbers(text: str) -> set[str]:
    """Numbers in a text: digits (with % and grade bands split) and number words."""
    found = set(re.findall(r"\d+(?:\.\d+)?%?", text.replace(",", "")))
    found |= {n.rstrip("%") for n in found if n.endswith("%")}
    for word in words(text):
        if word in _NUMBER_WORDS:
            found.add(_NUMBER_WORDS[word])
        m = re.fullmatch(r"(\d+)(st|nd|rd|th)", word)
        if m:
            found.add(m.group(1))
    if re.search(r"\bK\b|\bkindergarten", text, re.IGNORECASE):
        found.add("k")
    return found


def _claim_numbers(text: str) -> set[str]:
    """Numbers a claim asserts; "one"/"first" as plain words assert too little to veto on."""
    found = numbers(text)
    if not re.search(r"\b1(st)?\b", text):
        found.discard("1")
    return found


def capitalised_terms(text: str) -> set[str]:
    """Names, roles and acronyms, excluding a sentence's first word and generic words."""
    out = set()
    for m in _CAPITALISED.finditer(text):
        term = m.group(0)
        start = m.start()
        before = text[:start].rstrip()
        sentence_start = not before or before[-1] in ".!?:\u2014-\"'(\u201c"
        if sentence_start and " " not in term:
            continue
        if term in _GENERIC_CAPS:
            continue
        out.add(term.lower())
    return out


def negated_terms(text: str, scope: int = 4) -> set[str]:
    """Stemmed content words within a few words after a negation ("not", "never", "isn't"...)."""
    out: set[str] = set()
    for sentence in re.split(r"(?<=[.!?;])\s+", text):  # a bare "No." negates nothing after it
        tokens = words(sentence)
        for i, token in enumerate(tokens):
            if token in NEGATIONS or token.endswith("n't"):
                out |= {stem(t) for t in tokens[i + 1 : i + 1 + scope] if t not in STOPWORDS and t not in NEGATIONS}
    return out


def negation_conflict(claim: str, passage_window: str) -> bool:
    """The claim negates what the passage states, or asserts what the passage negates."""
    claim_neg, window_neg = negated_terms(claim), negated_terms(passage_window)
    claim_terms, window_terms = set(terms(claim)), set(terms(passage_window))
    negates_stated = (claim_neg - window_neg) & window_terms
    asserts_negated = (window_neg - claim_neg) & (claim_terms - claim_neg)
    return bool(negates_stated or asserts_negated)


def plain_claim(claim: str) -> str:
    """The claim as words: Markdown and citation markers ([1], [2, 3]) removed."""
    return re.sub(r"\s*\[\d+(?:\s*,\s*\d+)*\]", "", strip_markdown(claim)).strip()


def _windows(passage: str) -> list[str]:
    units = [strip_markdown(u) for u in split_units(passage)]
    units = [u for u in units if u]
    windows = list(units)
    windows += [f"{a} {b}" for a, b in zip(units, units[1:], strict=False)]
    return windows or [strip_markdown(passage)]


def _recall(claim_terms: Sequence[str], window_terms: set[str], idf: dict[str, float] | None) -> float:
    if not claim_terms:
        return 1.0
    weight = (lambda t: idf.get(t, 2.0)) if idf else (lambda t: 1.0)
    total = sum(weight(t) for t in claim_terms)
    return sum(weight(t) for t in claim_terms if t in window_terms) / total if total else 1.0


class GroundingChecker:
    """Checks claims against passages; embeddings are used only when words alone are unsure."""

    def __init__(
        self,
        embed: Callable[[list[str]], list[list[float]]] | None = None,
        idf: dict[str, float] | None = None,
        threshold: float = THRESHOLD,
    ) -> None:
        self.embed = embed
        self.idf = idf
        self.threshold = threshold

    def check(self, claim: str, passage: str) -> Verdict:
        claim = plain_claim(claim)
        claim_terms = terms(claim)
        if not claim_terms:
            return Verdict(1.0, True, ["no content words"])
        windows = _windows(passage)
        window_terms = [set(terms(w)) for w in windows]
        whole_terms = set().union(*window_terms) if window_terms else set()
        recalls = [_recall(claim_terms, wt, self.idf) for wt in window_terms]
        best = max(range(len(windows)), key=lambda i: recalls[i])
        window, recall = windows[best], recalls[best]
        whole_recall = _recall(claim_terms, whole_terms, self.idf)
        score = max(recall, 0.85 * whole_recall)
        reasons: list[str] = []

        similarity = 0.0
        if score < 0.95 and self.embed is not None and whole_recall >= MIN_RECALL_FOR_SEMANTIC:
            vectors = self.embed([claim, *windows])
            sims = [sum(a * b for a, b in zip(vectors[0], v, strict=True)) for v in vectors[1:]]
            top = max(range(len(sims)), key=lambda i: sims[i])
            similarity = sims[top]
            if sims[top] >= SEMANTIC_SIMILARITY:
                semantic = min(1.0, 0.5 * whole_recall + 0.6 * sims[top])
                if semantic > score:
                    score, window = semantic, windows[top]
                    reasons.append(f"paraphrase (similarity {sims[top]:.2f})")

        passage_plain = strip_markdown(passage)
        missing_numbers = _claim_numbers(claim) - numbers(passage_plain)
        if missing_numbers:
            score = min(score, 0.2)
            reasons.append(f"numbers not in passage: {sorted(missing_numbers)}")
        passage_lower = passage_plain.lower()
        missing_names = {t for t in capitalised_terms(claim) if t not in passage_lower}
        missing_names = {t for t in missing_names if not all(stem(w) in whole_terms for w in words(t))}
        if missing_names and similarity < STRONG_SIMILARITY:
            score = min(score, 0.3)
            reasons.append(f"names not in passage: {sorted(missing_names)}")
        if negation_conflict(claim, window) and recall >= 0.5:
            score = min(score, 0.25)
            reasons.append("negation differs")
        claim_words = set(words(claim))
        passage_words = set(words(passage_plain))
        absolutes = {w for w in claim_words & _ABSOLUTES if w not in passage_words}
        absolutes |= {p for p in _ABSOLUTE_PHRASES if p in claim.lower() and p not in passage_lower}
        if absolutes:
            score = min(score, 0.35)
            reasons.append(f"overclaim: {sorted(absolutes)}")
        new_terms = [t for t in claim_terms if t not in whole_terms and t not in STOPWORDS]
        if len(new_terms) >= 3 and recall < 0.8 and similarity < STRONG_SIMILARITY:
            score = min(score, 0.5)
            reasons.append(f"adds {len(new_terms)} content words")
        score = round(max(0.0, min(1.0, score)), 4)
        return Verdict(score, score >= self.threshold, reasons)

    def best_support(self, claim: str, passages: Sequence[str]) -> tuple[Verdict, int]:
        """The best verdict over several passages (a sentence citing [1][2]) and which gave it."""
        if not passages:
            return Verdict(0.0, False, ["no cited passage"]), -1
        verdicts = [self.check(claim, p) for p in passages]
        best = max(range(len(verdicts)), key=lambda i: verdicts[i].score)
        return verdicts[best], best


#: Enough for "yes" or "no" (and a model that insists on a few more words).
JUDGE_MAX_TOKENS = 16
JUDGE_SYSTEM = (
    "You check facts. Given a passage and a claim, answer with one word: yes if the passage "
    "supports every part of the claim, no otherwise. Do not explain."
)
_YES = re.compile(r"\b(yes|supports?|supported|true|correct)\b", re.IGNORECASE)
_NO = re.compile(r"\b(no|not|\w+n't|cannot|unsupported|false|incorrect)\b", re.IGNORECASE)


def parse_judgement(reply: str) -> bool | None:
    """yes -> True, no -> False, anything else -> None; the first verdict word wins ("No, yes..." is no)."""
    yes, no = _YES.search(reply), _NO.search(reply)
    if yes and no:
        return yes.start() < no.start()
    return True if yes else False if no else None


class LlmJudge(GroundingChecker):
    """A grounding checker whose verdicts come from a language model asked a strict yes/no
    question; the rules decide when the reply cannot be read or the model fails.

    yes scores 1.0, no scores 0.0.
    """

    def __init__(
        self,
        model: BaseChatModel,
        embed: Callable[[list[str]], list[list[float]]] | None = None,
        idf: dict[str, float] | None = None,
    ) -> None:
        super().__init__(embed=embed, idf=idf)
        self.model = model
        #: How many checks fell back to the rules, and the last reason why.
        self.fallbacks = 0
        self.problem = ""

    def check(self, claim: str, passage: str) -> Verdict:
        prompt = (
            f"Passage:\n{strip_markdown(passage)}\n\nClaim: {plain_claim(claim)}\n\n"
            "Does the passage support the claim? Answer yes or no."
        )
        try:
            reply = str(self.model.invoke([SystemMessage(JUDGE_SYSTEM), HumanMessage(prompt)]).content)
            supported = parse_judgement(reply)
            problem = f"unreadable reply {reply[:40]!r}" if supported is None else ""
        except Exception as e:  # connection refused, timeouts, a crashed runtime: the rules still answer
            supported, problem = None, f"{type(e).__name__}: {str(e)[:120]}"
        if supported is None:
            self.fallbacks += 1
            self.problem = problem
            verdict = super().check(claim, passage)
            return Verdict(verdict.score, verdict.supported, [f"llm judge failed ({problem}); rules", *verdict.reasons])
        return Verdict(1.0 if supported else 0.0, supported, [f"llm judge: {'yes' if supported else 'no'}"])


def judge_model(settings: Settings) -> BaseChatModel:
    """The configured language model, capped to a verdict's few tokens."""
    if settings.llm_backend == "none":
        msg = 'grounding_judge is "llm" but no language model is configured: set llm_backend or use "rules".'
        raise HubqaError(msg)
    model = make_chat_model(settings.model_copy(update={"llm_max_tokens": JUDGE_MAX_TOKENS}))
    assert model is not None
    return model


def make_checker(
    settings: Settings,
    embed: Callable[[list[str]], list[list[float]]] | None = None,
    idf: dict[str, float] | None = None,
    model: BaseChatModel | None = None,
) -> GroundingChecker:
    """The checker the settings ask for: the rules, or (grounding_judge = "llm") the LLM judge,
    on ``model`` when the caller keeps one (a judge model is built once per process, not per check)."""
    if settings.grounding_judge == "rules":
        return GroundingChecker(embed=embed, idf=idf)
    return LlmJudge(model or judge_model(settings), embed=embed, idf=idf)
