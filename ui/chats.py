"""Anonymous visitors' chats, kept in the server's memory per browser session.

A visitor who has not signed in keeps their conversation across reloads of the tab (the
browser's session cookie names it) but nothing is written to the database; idle chats are
dropped after a while, and the oldest go first when too many browsers are open at once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

import streamlit as st

#: A chat untouched this long is forgotten.
IDLE_S = 12 * 3600
#: At most this many browsers' chats are kept (the least recently used go first).
MAX_BROWSERS = 2000


class BrowserChats:
    """Turns per browser id, least recently used first; safe across the server's threads."""

    def __init__(self, idle_s: float = IDLE_S, max_browsers: int = MAX_BROWSERS) -> None:
        self.idle_s, self.max_browsers = idle_s, max_browsers
        self._chats: OrderedDict[str, tuple[float, list[dict[str, Any]]]] = OrderedDict()
        self._lock = threading.Lock()

    def turns(self, browser: str) -> list[dict[str, Any]]:
        """This browser's turns (the stored list itself: feedback given later is kept too)."""
        with self._lock:
            self._expire()
            _, turns = self._chats.pop(browser, (0.0, []))
            self._chats[browser] = (time.monotonic(), turns)
            while len(self._chats) > self.max_browsers:
                self._chats.popitem(last=False)
            return turns

    def append(self, browser: str, turn: dict[str, Any]) -> None:
        self.turns(browser).append(turn)

    def clear(self, browser: str) -> None:
        with self._lock:
            self._chats.pop(browser, None)

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.idle_s
        while self._chats and next(iter(self._chats.values()))[0] < cutoff:
            self._chats.popitem(last=False)


@st.cache_resource(show_spinner=False)
def anonymous_chats() -> BrowserChats:
    """One store per server process."""
    return BrowserChats()
