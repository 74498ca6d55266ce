"""The assistant: question in, cited answer (or an honest refusal) out.

Steps: the privacy guard removes student data; a follow-up is rewritten into a standalone
question; hybrid retrieval finds passages; a confidence score decides between answering and
refusing; the extractive answerer (or a language model) writes the answer; every sentence is
checked against the passages it cites.
"""

from __future__ import annotations

import concurrent.futures
import re
import threading
import time
from collections import Counter
from collections.abc import Generator, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from langchain_core.language_models.chat_models import BaseChatModel

from rag.answering import extractive, gate
from rag.answering.answer import Answer, AnswerSentence, Citation, refusal_text, render
from rag.answering.calibration import load_gate
from rag.answering.conversation import continues, standalone_question
from rag.answering.generation import CheckedStream, is_degenerate, stream_tokens
from rag.answering.grounding import GroundingChecker, judge_model, make_checker
from rag.answering.llm import make_chat_model
from rag.answering.question import Intent, analyse, own_words
from rag.privacy import describe, load_word_lists, redact
from rag.records import Hit
from rag.search.embeddings import SentenceEmbeddings
from rag.search.index import SnapshotGone
from rag.search.query import expand as expand_query
from rag.search.retrieval import make_retriever
from rag.search.store import HubStore
from rag.search.view import ReadView
from rag.settings import Settings
from rag.text import read_units

#: How many passages a language model sees.
LLM_PASSAGES = 5
#: How many documents that answered the question before a follow-up are read again for it.
EARLIER_DOCUMENTS = 2
#: Searches again (on the newer index) when a re-ingestion removes a snapshot's chunks mid-question.
SNAPSHOT_RETRIES = 5


@dataclass
class Findings:
    """What one question found: its reading, the passages, the extractive draft and the evidence."""

    intent: Intent
    hits: list[Hit]
    passages: list[Hit]
    draft: extractive.Draft
    evidence: gate.Evidence
    #: Term weights of the state of the hub searched (the grounding check weighs words with them).
    idf: dict[str, float] = field(default_factory=dict)
    #: What the reader should know about the search (a reranker that failed).
    notes: list[str] = field(default_factory=list)


@dataclass
class Event:
    """A streamed piece of an answer: text as it is written, then the finished answer."""

    text: str = ""
    answer: Answer | None = None


def _same_topic(question: str, standalone: str, previous: str) -> bool:
    """Does a question carry on the topic of the one before it: rewritten with that topic beside it,
    or pointing back as typed ("ok so what do I tell my principal then"), and naming no number the
    earlier question did not ("does that apply to level 1 too?" after level 2 is about level 1)?"""
    carried = own_words(standalone) != standalone or (standalone == question and continues(question))
    new_numbers = set(re.findall(r"\d+", question)) - set(re.findall(r"\d+", previous))
    return carried and not new_numbers


def _quotes_words(text: str) -> bool:
    """Does the passage give words to say: a line that is a quotation?"""
    return any(line.strip().startswith(('"', "\u201c")) for line in text.splitlines())


class Assistant:
    """Answers questions from one store; load once per process and reuse."""

    def __init__(
        self,
        settings: Settings,
        store: HubStore | None = None,
        embeddings: SentenceEmbeddings | None = None,
        chat_model: BaseChatModel | None = None,
    ) -> None:
        self.settings = settings
        self.store = store or HubStore(settings)
        self.embeddings = embeddings or SentenceEmbeddings(settings)
        self.retriever = make_retriever(settings, self.store, self.embeddings)
        self._chat_model = chat_model
        self._chat_model_loaded = chat_model is not None
        self._judge_model: BaseChatModel | None = None
        self.gate = load_gate(settings, self.store)
        self.threshold = settings.refusal_threshold if settings.refusal_threshold is not None else self.gate.threshold

    def warm_up(self) -> None:
        """Load what the first question would otherwise wait for (the embedding model, ~7 s here;
        the privacy guard's word lists, ~3 s): a server does this before its first teacher asks."""
        self.embeddings.embed_query("warm up")
        load_word_lists()

    def reload_gate(self) -> None:
        """Use the store's calibration saved since this assistant started (after a calibration)."""
        self.gate = load_gate(self.settings, self.store)
        if self.settings.refusal_threshold is None:
            self.threshold = self.gate.threshold

    @property
    def chat_model(self) -> BaseChatModel | None:
        if not self._chat_model_loaded:
            self._chat_model = make_chat_model(self.settings)
            self._chat_model_loaded = True
        return self._chat_model

    def checker(self, idf: dict[str, float] | None = None) -> GroundingChecker:
        """The grounding check, weighing words by ``idf`` (a question's own view's; else the hub's now)."""
        if self.settings.grounding_judge == "llm" and self._judge_model is None:
            self._judge_model = judge_model(self.settings)  # once, not per question
        idf = self.retriever.view().idf if idf is None else idf
        return make_checker(self.settings, self.embeddings.embed_documents, idf, self._judge_model)

    def ask(self, question: str, **kwargs: Any) -> Answer:
        """Answer in one go (see ``stream`` for the arguments)."""
        final = None
        for event in self.stream(question, **kwargs):
            if event.answer is not None:
                final = event.answer
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        history: Sequence[str] = (),
        filters: dict[str, str] | None = None,
        use_llm: bool = False,
        k: int | None = None,
        id: object = None,
    ) -> Iterator[Event]:
        """Yield the answer's text as it is written, then one event carrying the ``Answer``."""
        started = time.perf_counter()
        clean, redactions = redact(question)
        notes = [describe(redactions)] if redactions else []
        history_clean = [redact(h)[0] for h in history]
        standalone = standalone_question(clean, history_clean)
        earlier: list[str] = []
        if history_clean and _same_topic(clean, standalone, history_clean[-1]):
            # a follow-up on the same topic reads on in the documents that answered the question
            # before it ("ok and what do I say to the kid" is in the guide that gave the steps, not
            # wherever its words are); one that changes who or what it is about ("and for 4th
            # graders?", "does that apply to level 1?") is a new search
            before = standalone_question(history_clean[-1], history_clean[:-1])
            earlier = self.answering_documents(before, filters, k)

        found = self.find(standalone, filters, k, earlier=earlier)
        notes += found.notes
        hits, draft = found.hits, found.draft
        conf = self.gate.confidence(found.evidence)
        retrieved = time.perf_counter()
        timings = {"retrieve": (retrieved - started) * 1000}

        def finish(answer: Answer) -> Answer:
            answer.timings_ms = {**timings, "total": (time.perf_counter() - started) * 1000}
            answer.timings_ms.setdefault("generate", answer.timings_ms["total"] - timings["retrieve"])
            return answer

        base: dict[str, Any] = {
            "question": clean,
            "confidence": conf,
            "sources": hits,
            "id": id,
            "standalone_question": standalone,
            "redacted": [r.kind for r in redactions],
            "evidence": asdict(found.evidence),
        }
        if conf < self.threshold or not hits or not draft.sentences:
            text = refusal_text(hits)
            yield Event(text=text)
            yield Event(
                answer=finish(
                    Answer(answer=text, refused=True, grounding=None, citations=[], timings_ms={}, notes=notes, **base)
                )
            )
            return

        model = self.chat_model if use_llm else None
        if model is not None:
            answer = yield from self._generate(model, standalone, hits, base, notes, found.idf)
            if answer is not None:
                yield Event(answer=finish(answer))
                return
        answer = self._extractive(draft, found.passages, base, notes, found.idf)
        yield Event(text=answer.answer)
        yield Event(answer=finish(answer))

    def answering_documents(
        self, question: str, filters: dict[str, str] | None = None, k: int | None = None
    ) -> list[str]:
        """The documents an answer to ``question`` cites, most cited first (none when refused)."""
        found = self.find(question, filters, k)
        if self.gate.confidence(found.evidence) < self.threshold:
            return []
        cited = [found.passages[i].doc_id for item in found.draft.sentences for i in item.cites]
        return [doc for doc, _ in Counter(cited).most_common(EARLIER_DOCUMENTS)]

    def find(
        self,
        question: str,
        filters: dict[str, str] | None = None,
        k: int | None = None,
        earlier: Sequence[str] = (),
    ) -> Findings:
        """Search, compose the extractive answer and weigh the evidence for a (standalone, redacted)
        question: everything the answer-or-refuse decision needs. ``earlier``: the documents that
        answered the question a follow-up follows; their passages closest to it are read too."""
        intent = analyse(question)
        vector = self.embeddings.embed_query(expand_query(intent.text))  # for the search and the gate
        view = self.retriever.view()  # one state of the hub for everything below
        notes: list[str] = []
        for attempt in range(SNAPSHOT_RETRIES + 1):
            try:
                hits = self.retriever.search(
                    intent.text,
                    k=k or self.settings.top_k,
                    filters=filters,
                    view=view,
                    vector=vector,
                    strict=attempt < SNAPSHOT_RETRIES,
                    notes=notes,
                )
                break
            except SnapshotGone:  # a re-ingestion removed chunks this index lists: search its successor
                time.sleep(0.05 * (attempt + 1))
                newer = self.retriever.view()
                if newer.index is view.index and not view.snapshot:
                    hits = self.retriever.search(
                        intent.text,
                        k=k or self.settings.top_k,
                        filters=filters,
                        view=view,
                        vector=vector,
                        notes=notes,
                    )
                    break
                view = newer
        idf = view.idf
        passages = hits[: extractive.MAX_PASSAGES] + (
            self._extra_passages(intent, hits, filters, view, vector) if hits else []
        )
        seen = {h.id for h in passages}
        own = own_words(intent.text)
        follows: list[Hit] = []
        for doc_id in earlier:
            for hit in self.retriever.search(
                own, k=2, filters={**(filters or {}), "doc_id": doc_id}, view=view, rerank=False
            ):
                if hit.id not in seen:
                    seen.add(hit.id)
                    follows.append(hit)
        if follows and intent.kind == "script":
            follows += self._words_beside(follows, seen, view)
        for hit in follows:
            hit.metadata["conversation"] = True  # where the conversation is (extractive.CONVERSATION)
        passages += follows
        draft = extractive.compose(intent, passages, idf)
        found = gate.evidence(
            intent,
            hits,
            draft,
            idf,
            typed=question,
            embed=self.embeddings.embed_documents,
            question_vector=vector,
            passage_vectors=view.vectors([h.id for h in hits[:3]]),
        )
        return Findings(intent, hits, passages, draft, found, idf, notes)

    # -- answerers -----------------------------------------------------------------------
    def _extra_passages(
        self,
        intent: Intent,
        hits: list[Hit],
        filters: dict[str, str] | None,
        view: ReadView,
        vector: Sequence[float],
    ) -> list[Hit]:
        """Passages some questions need beyond the main search: the entry for the term a definition
        asks about, each part of a multi-part question, and the lists and tables of the top document
        for a procedure (its "at a glance" steps may not be the passage most like the question)."""
        seen = {h.id for h in hits[: extractive.MAX_PASSAGES]}  # a later hit may still be what a part needs
        extra: list[Hit] = []
        defined = [i.term for i in [intent, *intent.parts] if i.kind == "definition" and i.term]
        for term in defined:  # a term's own entry, wherever the search ranked it (each side of a comparison too)
            entries = [i for i in view.entry(term) if i not in seen][:2]
            found = view.chunks(entries)
            for chunk_id in entries:
                if (hit := found.get(chunk_id)) is not None:
                    seen.add(chunk_id)
                    hit.context = hit.text
                    hit.dense = max((h.dense or 0.0) for h in hits[:3]) if hits else 0.0
                    extra.append(hit)
        queries = ([intent.term] if intent.kind == "definition" and intent.term else []) + [
            p.text for p in intent.parts
        ]
        for query in queries:
            for hit in self.retriever.search(query, k=3, filters=filters, view=view, rerank=False):
                if hit.id not in seen:
                    seen.add(hit.id)
                    extra.append(hit)
        if intent.kind in ("steps", "options"):
            menus = self._menus_below(hits[:2], seen, view)
            self.retriever.attach_context(menus, view)  # a menu that runs on past its chunk reads whole
            extra += menus
            query_vector = np.asarray(vector, dtype=np.float32)
            first_rank: dict[str, int] = {}  # the documents of the top passages, by their best rank
            for i, h in enumerate(hits[:4]):
                first_rank.setdefault(h.doc_id, i)
            for doc_id, rank in list(first_rank.items())[:3]:
                dense = max((h.dense or 0.0) for h in hits if h.doc_id == doc_id)  # as close as its best passage
                ids = view.document_chunk_ids(doc_id)
                found = view.chunks(ids)
                chunks = [found[i] for i in ids if i in found]
                if intent.kind == "steps":
                    listed = [hit for hit in chunks if hit.id not in seen and extractive.has_steps(hit)]
                    self.retriever.attach_context(listed, view)  # a step cut at a chunk's end reads whole
                    listed += extractive.step_sections(chunks)
                else:
                    # alternatives written as headings ("Design move 1: ...", "Workflow A: ..."), ranked
                    # as their document's best passage: the list a found document is built around
                    listed = [o for o in extractive.step_sections(chunks, options=True) if not o.metadata["procedure"]]
                    for option in listed:
                        option.metadata["rank"] = rank
                    # a list or table whose own heading names what is asked for ("Examples of AI
                    # supports" for "what kinds of ai supports are there")
                    named = [
                        hit
                        for hit in chunks
                        if hit.id not in seen
                        and sum(u.kind in ("item", "row") for u in read_units(hit.text)) >= 3
                        and extractive.names_the_kind(
                            intent.text, str(hit.metadata.get("section", "")).rpartition(" > ")[2]
                        )
                    ]
                    seen.update(hit.id for hit in named)
                    self.retriever.attach_context(named, view)
                    listed += named
                for hit in listed:
                    # half its document's best passage, half its own likeness: a document the
                    # search found is not a reason to show its lists for another situation
                    own = view.similarity(hit.id, query_vector)
                    hit.dense = dense if own is None else 0.5 * (dense + own)
                    extra.append(hit)
        if intent.kind == "script":
            extra += self._words_beside(hits[:2], seen, view)
        return extra

    @staticmethod
    def _words_beside(hits: list[Hit], seen: set[str], view: ReadView) -> list[Hit]:
        """The words to say often sit in a short section beside the passage the search found ("Open
        with the standard script" next to "Follow-up questions"): those sections, quoting."""
        extra: list[Hit] = []
        for hit in hits:
            ids = view.document_chunk_ids(hit.doc_id)
            if hit.id not in ids:
                continue
            at = ids.index(hit.id)
            near = [i for i in ids[max(0, at - 2) : at + 3] if i not in seen]
            found = view.chunks(near)
            for chunk_id in near:
                chunk = found.get(chunk_id)
                parent = str(hit.metadata.get("section", "")).rsplit(" > ", 1)[0]
                if (
                    chunk is not None
                    and _quotes_words(chunk.text)
                    and str(chunk.metadata.get("section", "")).startswith(parent)
                ):
                    seen.add(chunk_id)
                    chunk.context, chunk.dense = chunk.text, hit.dense
                    extra.append(chunk)
        return extra

    @staticmethod
    def _menus_below(hits: list[Hit], seen: set[str], view: ReadView) -> list[Hit]:
        """The list or table in the sections right under a found section: a section that opens with
        "ask the tool for any of these" puts its menu in the subsection that follows, which the
        search may not rank (its words are the items', not the question's)."""
        out: list[Hit] = []
        for hit in hits:
            section = str(hit.metadata.get("section", ""))
            ids = view.document_chunk_ids(hit.doc_id)
            if not section or hit.id not in ids:
                continue
            at = ids.index(hit.id)
            found = view.chunks(ids[at + 1 : at + 3])
            for chunk_id in ids[at + 1 : at + 3]:
                chunk = found.get(chunk_id)
                if chunk is None or not str(chunk.metadata.get("section", "")).startswith(section + " > "):
                    break  # past the found section's own subsections
                if chunk_id in seen or sum(u.kind in ("item", "row") for u in read_units(chunk.text)) < 3:
                    continue
                seen.add(chunk_id)
                chunk.dense = hit.dense
                chunk.metadata["rank"] = hit.metadata.get("rank", 0)
                out.append(chunk)
        return out

    def _extractive(
        self, draft: extractive.Draft, hits: list[Hit], base: dict, notes: list[str], idf: dict[str, float]
    ) -> Answer:
        numbers: dict[int, int] = {}
        citations: list[Citation] = []
        sentences: list[AnswerSentence] = []
        for item in draft.sentences:
            cites = []
            for index in item.cites:
                if index not in numbers:
                    numbers[index] = len(citations) + 1
                    citations.append(Citation(n=numbers[index], hit=hits[index]))
                cites.append(numbers[index])
                citations[numbers[index] - 1].quotes.append(item.text)
            sentences.append(
                AnswerSentence(
                    item.text,
                    cites,
                    True,
                    1.0,
                    item.bullet,
                    item.style,
                    item.cells,
                    item.header,
                    item.number,
                    item.paragraph,
                )
            )
        checker = self.checker(idf)
        for sentence in sentences:
            verdict, _ = checker.best_support(
                sentence.text, [citations[n - 1].hit.context or citations[n - 1].hit.text for n in sentence.citations]
            )
            sentence.score, sentence.supported = verdict.score, verdict.supported
        grounding = sum(s.supported for s in sentences) / len(sentences) if sentences else 0.0
        return Answer(
            answer=render(draft.lead, sentences),
            refused=False,
            grounding=grounding,
            citations=citations,
            timings_ms={},
            sentences=sentences,
            notes=notes,
            mode="extractive",
            **base,
        )

    def _generate(
        self,
        model: BaseChatModel,
        question: str,
        hits: list[Hit],
        base: dict[str, Any],
        notes: list[str],
        idf: dict[str, float],
    ) -> Generator[Event, None, Answer | None]:
        """Stream a model's answer, each sentence only once it is checked; return None (nothing
        shown) so the caller falls back to the extractive answer when the model fails or loops."""
        passages = hits[:LLM_PASSAGES]
        checked = CheckedStream(passages, self.checker(idf), self.settings.unsupported_sentences == "drop")
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        cancel = threading.Event()
        tokens = stream_tokens(model, question, passages, cancel)
        problem = None
        try:
            deadline = time.monotonic() + self.settings.llm_timeout_s
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    problem = f"it took longer than {self.settings.llm_timeout_s:g} s"
                    break
                token = pool.submit(next, tokens, None).result(timeout=remaining)
                if token is None:
                    break
                if shown := checked.feed(token):
                    yield Event(text=shown)
                if is_degenerate(checked.text):
                    problem = "it started repeating itself"
                    break
        except concurrent.futures.TimeoutError:
            problem = f"it took longer than {self.settings.llm_timeout_s:g} s"
        except Exception as e:  # connection refused, HTTP errors, a crashed runtime...
            problem = f"it failed ({type(e).__name__}: {str(e)[:160]})"
        finally:
            cancel.set()  # a local model stops generating at its next token
            pool.shutdown(wait=False, cancel_futures=True)
            _close(tokens)
        mode = f"llm:{self.settings.llm_backend}"
        if problem is None:
            if shown := checked.finish():
                yield Event(text=shown)
            if checked.refused:
                return Answer(
                    answer=refusal_text(hits),
                    refused=True,
                    grounding=1.0,
                    citations=[],
                    timings_ms={},
                    notes=notes,
                    mode=mode,
                    **base,
                )
            problem = checked.problem()
        if problem is not None and not checked.shown:
            notes.append(
                f"The language model could not give a usable answer ({problem}); "
                "here are the hub's own sentences instead."
            )
            return None
        if problem is not None:  # checked sentences were shown already: they are the answer, said once
            notes.append(f"The language model's answer stops here ({problem}).")
        citations = [Citation(n=n, hit=hit) for n, hit in enumerate(checked.cited_passages(), start=1)]
        for sentence in checked.sentences:
            for n in sentence.citations:
                citations[n - 1].quotes.append(sentence.text)
        if checked.removed_markers:
            notes.append(f"Removed {checked.removed_markers} citation marker(s) that pointed to no source.")
        if checked.withheld:
            notes.append(f"Withheld {checked.withheld} sentence(s) that repeated instructions planted in a document.")
        if any(not s.supported for s in checked.sentences):
            notes.append("Sentences marked (unverified) are not supported by the sources they cite.")
        grounding = sum(s.supported for s in checked.sentences) / len(checked.sentences)
        return Answer(
            answer=checked.shown,
            refused=False,
            grounding=grounding,
            citations=citations,
            timings_ms={},
            sentences=checked.sentences,
            notes=notes,
            mode=mode,
            **base,
        )


def _close(tokens: Iterator[str]) -> None:
    """Stop the model's stream (an HTTP response is closed, a local model is told to stop)."""
    close = getattr(tokens, "close", None)
    if close is not None:
        try:
            close()
        except (RuntimeError, ValueError):  # still running in the pool's thread: it ends on its own
            pass
