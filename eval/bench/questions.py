"""Benchmark questions: the evaluation set's, then synthetic ones about the corpus's sections."""

from __future__ import annotations

import random

from eval.dataset import HUB_SET, load_questions
from rag.search.store import HubStore
from rag.settings import Settings

_TEMPLATES = (
    "What does {title} say about {topic}?",
    "How should teachers handle {topic}?",
    "{topic}: what does the hub recommend?",
    "Where do I find guidance on {topic}?",
    "Can you summarise the advice on {topic} for my class?",
)


def bench_questions(base: Settings, count: int, seed: int) -> list[str]:
    """``count`` questions: the hub evaluation set first, the rest made from the corpus's
    section headings (deterministic by ``seed``)."""
    hub = [q.question for q in load_questions(HUB_SET)]
    got = HubStore(base).chunks.get(include=["metadatas"])
    sections = sorted(
        {
            (str(m.get("title", "")), str(m.get("section", "")).split(" > ")[-1])
            for m in got["metadatas"] or []
            if m.get("section")
        }
    )
    rng = random.Random(seed)
    made: list[str] = []
    while sections and len(hub) + len(made) < count:
        title, topic = rng.choice(sections)
        made.append(rng.choice(_TEMPLATES).format(title=title, topic=topic.lower()))
    return (hub + made)[:count]
