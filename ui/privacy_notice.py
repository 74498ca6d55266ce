"""What the privacy guard took out of the teacher's question, and why: shown once, before the answer.

The removed words are shown only in the run that received them; nothing here is kept in the
session, so a rerun or the next question shows the redacted form alone.
"""

from __future__ import annotations

import streamlit as st

from rag.privacy import Redaction
from ui import safe


def removed_lines(redactions: list[Redaction]) -> list[str]:
    """One Markdown line per removed item: what it was, what replaced it, and why."""
    return [f"- **{safe.text(r.original)}** → `{r.placeholder}` — {r.kind}: {safe.text(r.reason)}" for r in redactions]


def show_removed(redactions: list[Redaction]) -> None:
    """A notice under the question listing each removed item (nothing when nothing was removed)."""
    if not redactions:
        return
    st.warning(
        "**Removed before your question was used, stored or sent anywhere** (only you see this, only now):\n"
        + "\n".join(removed_lines(redactions)),
        icon="🔒",
    )
