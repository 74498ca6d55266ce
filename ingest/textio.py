"""Decode the bytes of a text file whatever its encoding, and recognise binary junk."""

from __future__ import annotations

import codecs

from ingest.parsed import LoadError


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return "\x00" in text or controls / len(text) > 0.01


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (with BOM or evident), else Windows-1252/Latin-1."""
    if not data.strip():
        raise LoadError("empty file: add content or delete it")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif len(data) >= 4 and data[1::2].count(0) > len(data) // 4 and data[0::2].count(0) == 0:
        text = data.decode("utf-16-le", errors="replace")
    elif len(data) >= 4 and data[0::2].count(0) > len(data) // 4 and data[1::2].count(0) == 0:
        text = data.decode("utf-16-be", errors="replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    if _looks_binary(text):
        raise LoadError("binary content, not text: check the file type or re-export it as text")
    if not text.strip():  # only Unicode spaces (no-break, ideographic...)
        raise LoadError("empty file (only spaces): add content or delete it")
    return text.replace("\r\n", "\n").replace("\r", "\n")
