"""Limits on what people may send: one place, so the chat, the CLI and the database agree."""

from __future__ import annotations

from rag.errors import HubqaError

#: Longest question accepted (a long question is a paragraph; more is a paste of a document).
MAX_QUESTION_CHARS = 2000


def check_question(question: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """The question, or a HubqaError saying it is too long or empty and what to do."""
    if not question.strip():
        raise HubqaError("The question is empty: type what you want to know.")
    if len(question) > limit:
        raise HubqaError(
            f"The question is {len(question):,} characters long; the limit is {limit:,}. "
            "Ask about one thing at a time, in a sentence or two."
        )
    return question
