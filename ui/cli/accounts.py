"""`hubqa users`: accounts for the app's sign-in."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from rag.errors import HubqaError
from ui.cli.common import (
    JsonOpt,
    _print_json,
    _settings,
    echo,
    users_app,
)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Account name (or the e-mail an OIDC sign-in reports).")],
    role: Annotated[str, typer.Option(help="teacher, coach or maintainer.")] = "coach",
    oidc: Annotated[bool, typer.Option("--oidc", help="No password: this person signs in through OIDC.")] = False,
    replace: Annotated[bool, typer.Option(help="Reset the role and password of an existing account.")] = False,
    password_env: Annotated[
        str | None, typer.Option(help="Read the password from this environment variable (for scripts).")
    ] = None,
) -> None:
    """Create an account; the password is asked for (twice) and stored as an argon2 hash.

    \b
    Examples:
      hubqa users add maria --role coach
      hubqa users add lead@district.org --role maintainer --oidc
    """
    from rag.appdata.accounts import add_user, check_role
    from rag.appdata.db import open_database

    check_role(role)
    password: str | None = None
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise HubqaError(f"The environment variable {password_env} is empty or not set.")
    elif not oidc:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    account = add_user(open_database(_settings()), name, role, password, replace)
    echo(f"{'updated' if replace else 'added'} {account.name} ({account.role})")


@users_app.command("list")
def users_list(as_json: JsonOpt = False) -> None:
    """List accounts and their roles."""
    from rag.appdata.accounts import is_locked, list_users
    from rag.appdata.db import open_database

    db = open_database(_settings())
    accounts = [(a, is_locked(db, a.name)) for a in list_users(db)]
    if as_json:
        _print_json({"users": [{"name": a.name, "role": a.role, "locked": locked} for a, locked in accounts]})
        return
    for a, locked in accounts:
        echo(f"{a.name}\t{a.role}" + ("\tlocked (hubqa users unlock)" if locked else ""))


@users_app.command("unlock")
def users_unlock(name: Annotated[str, typer.Argument(help="Account name.")]) -> None:
    """Lift the lockout (and any wait) after too many failed sign-ins."""
    from rag.appdata.accounts import unlock
    from rag.appdata.db import open_database

    if not unlock(open_database(_settings()), name):
        raise HubqaError(f"No account {name!r}; see `hubqa users list`.")
    echo(f"unlocked {name}")


@users_app.command("remove")
def users_remove(name: Annotated[str, typer.Argument(help="Account name.")]) -> None:
    """Delete an account."""
    from rag.appdata.accounts import remove_user
    from rag.appdata.db import open_database

    if not remove_user(open_database(_settings()), name):
        raise HubqaError(f"No account {name!r}; see `hubqa users list`.")
    echo(f"removed {name}")
