"""`hubqa` run in this process: the console script's own ``main`` under click's ``CliRunner``.

The contract a test checks (stdout, stderr, exit code, the one-line errors ``main`` makes of
exceptions) is the same as a new process's, without a new interpreter importing torch and
loading the model for every call. A few tests keep a real process where the process itself is
the point (a terminal, signals, the import of ``python -m ui.cli``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner  # what typer.testing.CliRunner wraps, for a plain click command

import ui.cli

REPO = Path(__file__).resolve().parents[1]


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def _console_script(args: tuple[str, ...]) -> None:
    sys.argv = ["hubqa", *args]
    ui.cli.main()


def run_cli(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``hubqa ARGS`` in ``cwd``, as a finished process would report it."""
    before, umask, argv = Path.cwd(), os.umask(0o022), sys.argv
    os.umask(umask)  # main() makes files private: the test process keeps its own mask
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(_console_script, list(args), env=env, catch_exceptions=False)
    finally:
        os.chdir(before)
        os.umask(umask)
        sys.argv = argv
    return subprocess.CompletedProcess(["hubqa", *args], result.exit_code, result.stdout, result.stderr)
