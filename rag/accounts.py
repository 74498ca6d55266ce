"""Accounts and roles. Passwords are stored as argon2 hashes in the database (outside the repo).

Roles nest: a maintainer can do everything a coach can, and a coach everything a teacher can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from rag.db import Database, User
from rag.errors import HubqaError

Role = Literal["teacher", "coach", "maintainer"]
ROLES: tuple[str, ...] = get_args(Role)
MIN_PASSWORD = 10
_NAME = re.compile(r"^[\w.@+-]{2,200}$")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Account:
    """Who is signed in, as the app sees it."""

    name: str
    role: str

    def can(self, role: str) -> bool:
        """True when this account's role is ``role`` or above it."""
        return ROLES.index(self.role) >= ROLES.index(role)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise HubqaError(f"Unknown role {role!r}: use one of {', '.join(ROLES)}.")
    return role


def add_user(db: Database, name: str, role: str, password: str | None, replace: bool = False) -> Account:
    """Create an account (or, with ``replace``, reset its role and password).

    ``password=None`` makes an account that signs in only through OIDC (``st.login``), by e-mail."""
    check_role(role)
    if not _NAME.match(name):
        raise HubqaError(
            f"Account name {name!r} is not allowed: use 2-200 letters, digits, dots, dashes, @ or +, no spaces."
        )
    if password is not None and len(password) < MIN_PASSWORD:
        raise HubqaError(f"The password is too short: use at least {MIN_PASSWORD} characters.")
    hashed = _hasher.hash(password) if password is not None else ""

    def add(session: Session) -> None:
        user = session.get(User, name)
        if user is not None and not replace:
            raise HubqaError(f"Account {name!r} exists already: pass --replace to reset its role and password.")
        if user is None:
            session.add(User(name=name, role=role, password_hash=hashed))
        else:
            user.role, user.password_hash = role, hashed

    db.session("saving the account", add)
    return Account(name, role)


def authenticate(db: Database, name: str, password: str) -> Account | None:
    """The account when the password matches, else None (same answer for unknown names)."""
    user = db.session("checking the sign-in", lambda s: s.get(User, name.strip()))
    if user is None or not user.password_hash:
        _hasher.hash(password)  # spend the same time as a real check
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return Account(user.name, user.role)


def role_of(db: Database, name: str) -> str | None:
    """The stored role for a name (for accounts signed in through OIDC, keyed by e-mail)."""
    user = db.session("reading the account", lambda s: s.get(User, name))
    return user.role if user else None


def list_users(db: Database) -> list[Account]:
    rows = db.session("reading accounts", lambda s: list(s.scalars(select(User).order_by(User.name))))
    return [Account(u.name, u.role) for u in rows]


def remove_user(db: Database, name: str) -> bool:
    def remove(session: Session) -> bool:
        user = session.get(User, name)
        if user is None:
            return False
        session.delete(user)
        return True

    return db.session("removing the account", remove)
