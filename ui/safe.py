"""Text from people and documents, made safe to hand to Streamlit's Markdown.

Streamlit renders Markdown in ``st.markdown``, titles, captions and widget labels, so a question,
a comment or a document title could carry a link ("your session expired, sign in again") or a
remote image (a tracking beacon) to a coach's or teacher's browser. Two rules:

- ``text``: what people wrote (questions, comments, names, tags) and single-line document
  fields (titles, sections) show exactly as typed: every Markdown character is escaped.
- ``document``: a document's own Markdown keeps its formatting, but images become their alt
  text and links leading outside the hub become plain text, unless a coach allowed the
  domain (``link_domains``). Bare addresses are escaped so they do not turn into links.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from rag.text import strip_links

#: Terminal escape sequences (CSI, OSC, others) and control characters, C1 and bidi overrides included.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]|"
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)


def terminal(value: str) -> str:
    """``value`` safe to print to a terminal: escape sequences and control characters removed
    (newlines and tabs kept), so a document cannot retitle, clear or recolour the screen."""
    return _ESCAPES.sub("", value.replace("\r\n", "\n"))


_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:/&@=\"'^%])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_IMAGE = re.compile(r"!\[([^\[\]]*)\]\((?:[^()]|\([^()]*\))*\)")
_LINK = re.compile(r"\[([^\[\]]*)\]\(\s*<?([^()\s<>]*(?:\([^()]*\)[^()\s<>]*)*)>?(?:\s+[\"'(][^)]*)?\s*\)")
_REFERENCE_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)
_BARE = re.compile(
    r"(?:\b(?:https?|ftp|mailto|javascript|data):[^\s<>()\"'`]*|\bwww\.[^\s<>()\"'`]+|"
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+)",
    re.IGNORECASE,
)


def _code(address: str) -> str:
    """A bare address as inline code: shown exactly, never turned into a link (Streamlit's
    Markdown links bare addresses even when their punctuation is escaped)."""
    fence = "``" if "`" in address else "`"
    return f"{fence} {address} {fence}" if fence == "``" else f"`{address}`"


def text(value: object) -> str:
    """``value`` shown exactly as typed: Markdown and HTML characters escaped, addresses as code,
    control characters gone."""
    cleaned = _CONTROL.sub("", str(value))
    parts, last = [], 0
    for match in _BARE.finditer(cleaned):
        parts += [_PUNCTUATION.sub(r"\\\1", cleaned[last : match.start()]), _code(match.group(0))]
        last = match.end()
    parts.append(_PUNCTUATION.sub(r"\\\1", cleaned[last:]))
    return "".join(parts).replace("\n", "  \n")


def _escape_bare(chunk: str) -> str:
    return _BARE.sub(lambda m: _code(m.group(0)), chunk)


def allowed(url: str, domains: list[str] | tuple[str, ...]) -> bool:
    """A link stays a link when it stays in the hub (relative) or its host is an allowed domain."""
    parsed = urlparse(url.strip())
    if not parsed.scheme and not parsed.netloc and not url.strip().startswith("//"):
        return not re.match(r"^\s*(javascript|data|vbscript):", url, re.IGNORECASE)
    if parsed.scheme not in ("http", "https"):
        return False
    host = (parsed.hostname or "").lower()
    return any(host == d.lower().strip(".") or host.endswith("." + d.lower().strip(".")) for d in domains)


def document(markdown: str, domains: list[str] | tuple[str, ...] = (), escape_html: bool = True) -> str:
    """A document's Markdown without images, remote links (unless allowed), raw HTML or bare links.

    ``escape_html=False`` when the caller escapes HTML itself (a passage rendered as HTML)."""
    markdown = _CONTROL.sub("", markdown)
    markdown = _REFERENCE_DEFINITION.sub("", markdown)
    kept: list[str] = []

    def keep_link(match: re.Match[str]) -> str:
        label, target = match.group(1), match.group(2)
        if allowed(target, domains):
            kept.append(f"[{_escape_bare(label)}]({target})")
            return f"\x00{len(kept) - 1}\x00"
        return label

    while True:  # from the inside out: [![alt](img)](url) -> [alt](url) -> alt
        new = _LINK.sub(keep_link, _IMAGE.sub(r"\1", markdown))
        if new == markdown:
            break
        markdown = new
    markdown = strip_links(markdown)  # reference links and <autolinks> left over
    markdown = _escape_bare(markdown)
    if escape_html:
        markdown = markdown.replace("<", "\\<")
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], markdown)
