"""Reading JSON Lines files that people wrote: every problem names the file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rag.errors import HubqaError


def read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line; refuses the file whole on a bad line."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as e:
        raise HubqaError(f"Cannot read {path}: {getattr(e, 'strerror', None) or e}") from e
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise HubqaError(f"{path}, line {number}: not JSON ({e.msg}).") from e
        if not isinstance(row, dict):
            raise HubqaError(f"{path}, line {number}: expected a JSON object.")
        rows.append((number, row))
    return rows
