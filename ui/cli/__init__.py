"""`hubqa`: the front door for every job, one module per command group:

- ``corpus``: ingest, docs (list, add, tag, retire, remove)
- ``answers``: ask
- ``accounts``: users (add, list, unlock, remove)
- ``evaluation``: eval (answers, grounding, retrieval, document, planted, privacy, calibrate)
- ``service``: config, bench, ui
"""

from __future__ import annotations

import os
import sys

from rag.errors import HubqaError
from ui.cli import accounts, answers, corpus, evaluation, service  # noqa: F401  (each registers its commands)
from ui.cli.answers import _read_batch
from ui.cli.common import app, echo

__all__ = ["_read_batch", "app", "main"]


def main() -> None:
    """Console-script entry: user errors become one clean line (HUBQA_DEBUG=1 shows tracebacks)."""
    # Everything hubqa writes (database, store, index, uploads, and the app `hubqa ui` starts) is
    # readable by its own user only: files 0600, folders 0700.
    os.umask(0o077)
    try:
        app()
    except HubqaError as e:
        if os.environ.get("HUBQA_DEBUG"):
            raise
        echo(f"Error: {e}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as e:  # a bug: still one line for the user, the traceback on request
        if os.environ.get("HUBQA_DEBUG"):
            raise
        echo(
            f"Error: unexpected {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''} "
            "(a bug in hubqa: run again with HUBQA_DEBUG=1 and report what it prints).",
            err=True,
        )
        sys.exit(70)
