"""Accounts and roles. Passwords are stored as argon2 hashes in the database (outside the repo).

Roles nest: a maintainer can do everything a coach can, and a coach everything a teacher can.

Sign-in is throttled per account and per client (the browser's address), from the attempts
recorded in the database so every app replica agrees:

- after ``FREE_FAILURES`` wrong passwords in a row an account waits 2, 4, 8... seconds (at most
  ``MAX_WAIT_S``) between attempts, and after ``LOCK_AFTER`` it is locked until a maintainer runs
  ``hubqa users unlock NAME``;
- a client with ``CLIENT_FAILURES`` failures in ``CLIENT_WINDOW_S`` (any accounts) waits the same way;
- an attempt made while waiting is refused without checking the password (no oracle), and every
  attempt is logged (name, client, outcome; never the password).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rag.appdata.db import Database, SignIn, User
from rag.errors import HubqaError

log = logging.getLogger("hubqa.signin")

Role = Literal["teacher", "coach", "maintainer"]
ROLES: tuple[str, ...] = get_args(Role)
MIN_PASSWORD = 10
#: zxcvbn's guessability score a password needs (0-4; 3 = "safely unguessable" online).
MIN_STRENGTH = 3
#: Wrong passwords in a row before an account has to wait, and before it is locked.
FREE_FAILURES = 5
LOCK_AFTER = 20
#: Failures from one client, over any accounts, within the window before it has to wait.
CLIENT_FAILURES = 20
CLIENT_WINDOW_S = 15 * 60
MAX_WAIT_S = 300
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
    if password is not None:
        check_password(password, name)
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


PASSWORD_RULE = (
    f"at least {MIN_PASSWORD} characters, not only spaces, and not a common or guessable password "
    "(a few unrelated words make a good one)"
)


def check_password(password: str, name: str = "") -> str:
    """The password, or a HubqaError saying which part of the rule it breaks."""
    if not password.strip():
        raise HubqaError(f"The password is blank: use {PASSWORD_RULE}.")
    if len(password.strip()) < MIN_PASSWORD:
        raise HubqaError(f"The password is too short: use {PASSWORD_RULE}.")
    from zxcvbn import zxcvbn

    verdict = zxcvbn(
        password[:100], user_inputs=[name, *re.split(r"[@.+_-]", name), "hubqa", "caia", "teacher", "coach", "school"]
    )
    if verdict["score"] < MIN_STRENGTH:
        hint = (verdict.get("feedback") or {}).get("warning") or "it is too easy to guess"
        raise HubqaError(f"That password is too common or guessable ({hint.rstrip('.')}): use {PASSWORD_RULE}.")
    return password


class SignInRefused(HubqaError):
    """Too many failed sign-ins: the message says how long to wait, or who can unlock."""


def _record(db: Database, name: str, client: str, outcome: str, now: datetime) -> None:
    db.session(
        "recording the sign-in", lambda s: s.add(SignIn(at=now, name=name[:200], client=client[:100], outcome=outcome))
    )
    level = logging.INFO if outcome in ("ok", "unlocked") else logging.WARNING
    log.log(level, "sign-in %s: account=%r client=%s", outcome, name[:200], client[:100])


def _wait(failures: int, free: int) -> float:
    return float(min(2 ** (failures - free + 1), MAX_WAIT_S)) if failures >= free else 0.0


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sign_in_state(db: Database, name: str, client: str = "", now: datetime | None = None) -> tuple[str, float]:
    """("locked", 0), ("wait", seconds) or ("ok", 0) for an attempt on ``name`` from ``client`` now."""
    now = now or datetime.now(UTC)

    def read(session: Session) -> tuple[list[SignIn], int, datetime | None]:
        recent = list(
            session.scalars(
                select(SignIn)
                .where(SignIn.name == name)
                .where(SignIn.outcome.in_(("ok", "failed", "unlocked")))
                .order_by(SignIn.id.desc())
                .limit(LOCK_AFTER + 1)
            )
        )
        since = now - timedelta(seconds=CLIENT_WINDOW_S)
        client_failures = (
            session.scalar(
                select(func.count())
                .select_from(SignIn)
                .where(SignIn.client == client, SignIn.outcome == "failed", SignIn.at >= since)
            )
            or 0
        )
        last = session.scalar(select(func.max(SignIn.at)).where(SignIn.client == client, SignIn.outcome == "failed"))
        return recent, client_failures, last

    recent, client_failures, client_last = db.session("checking the sign-in", read)
    streak = 0
    for row in recent:
        if row.outcome != "failed":
            break
        streak += 1
    if streak >= LOCK_AFTER:
        return "locked", 0.0
    waits = []
    if streak and (wait := _wait(streak, FREE_FAILURES)):
        waits.append(wait - (now - _as_utc(recent[0].at)).total_seconds())
    if client and client_last is not None and (wait := _wait(client_failures, CLIENT_FAILURES)):
        waits.append(wait - (now - _as_utc(client_last)).total_seconds())
    remaining = max(waits, default=0.0)
    return ("wait", remaining) if remaining > 0 else ("ok", 0.0)


def authenticate(
    db: Database, name: str, password: str, client: str = "", now: datetime | None = None
) -> Account | None:
    """The account when the password matches, else None (same answer for unknown names).

    Raises ``SignInRefused`` while the account or client must wait, or the account is locked;
    the password is then not checked at all."""
    name, now = name.strip(), now or datetime.now(UTC)
    state, wait = sign_in_state(db, name, client, now)
    if state == "locked":
        _record(db, name, client, "locked", now)
        raise SignInRefused(
            f"This account is locked after {LOCK_AFTER} failed sign-ins: ask a maintainer to run "
            f"`hubqa users unlock {name}`."
        )
    if state == "wait":
        _record(db, name, client, "throttled", now)
        raise SignInRefused(f"Too many failed sign-ins: wait {wait:.0f} s and try again.")
    user = db.session("checking the sign-in", lambda s: s.get(User, name))
    account = None
    if user is None or not user.password_hash:
        _hasher.hash(password)  # spend the same time as a real check
    else:
        try:
            _hasher.verify(user.password_hash, password)
            account = Account(user.name, user.role)
        except (VerificationError, InvalidHashError):
            pass
    _record(db, name, client, "ok" if account else "failed", now)
    return account


def unlock(db: Database, name: str) -> bool:
    """Lift a lockout (and any wait) on ``name``; False when the account does not exist."""
    if db.session("reading the account", lambda s: s.get(User, name)) is None:
        return False
    _record(db, name, "maintainer", "unlocked", datetime.now(UTC))
    return True


def is_locked(db: Database, name: str) -> bool:
    return sign_in_state(db, name)[0] == "locked"


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
