"""Sign-in sessions that outlive a browser tab: signed, expiring tokens backed by a database row.

A token is ``v1.<session id>.<expiry>.<signature>``: the HMAC-SHA256 of the rest under the
session secret, so a cookie cannot be forged or stretched past its expiry. The row in
``sessions`` is what signing out revokes, and it names the account, whose *current* role is
read on every use: an account removed or demoted takes effect at the next page view.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.orm import Session as DbSession

from rag.appdata.db import Database
from rag.appdata.db.schema import SignInSession, User
from rag.errors import HubqaError
from rag.settings import Settings

VERSION = "v1"
#: The cookie that carries the token (HttpOnly, set by the app server's /hubqa/cookie route).
COOKIE = "hubqa_session"
#: A browser-session cookie naming an anonymous visitor's browser, so its chat survives a reload.
BROWSER_COOKIE = "hubqa_browser"
SECRET_FILE = "session-secret"


@dataclass(frozen=True)
class SessionAccount:
    """A resumed sign-in: who, with the role the database holds now, and which session it is."""

    name: str
    role: str
    session_id: str


def session_secret(settings: Settings) -> bytes:
    """The signing key: ``session_secret`` from settings, else a random key created once in the
    data folder (readable by this user only), so sign-ins survive a restart of the app."""
    if settings.session_secret is not None:
        value = settings.session_secret.get_secret_value()
        if len(value) < 32:
            raise HubqaError("HUBQA_SESSION_SECRET is too short: use at least 32 random characters.")
        return value.encode()
    path = settings.data_dir / SECRET_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
        try:
            os.link(path.with_suffix(".tmp"), path)  # first writer wins when two processes start at once
        except FileExistsError:
            pass
        Path(path.with_suffix(".tmp")).unlink(missing_ok=True)
    return path.read_text().strip().encode()


def _sign(secret: bytes, payload: str) -> str:
    digest = hmac.new(secret, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(secret: bytes, value: str, expires: datetime) -> str:
    """``value`` (no dots) with its expiry and signature, as one cookie-safe string."""
    payload = f"{VERSION}.{value}.{int(expires.timestamp())}"
    return f"{payload}.{_sign(secret, payload)}"


def verify(secret: bytes, token: str, now: datetime | None = None) -> str | None:
    """The signed value when the token is genuine and unexpired, else None."""
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != VERSION or not parts[2].isdigit():
        return None
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(_sign(secret, payload), parts[3]):
        return None
    if int(parts[2]) <= (now or datetime.now(UTC)).timestamp():
        return None
    return parts[1]


def start(db: Database, settings: Settings, name: str) -> tuple[str, SessionAccount]:
    """A new session for an account that has just proved who it is: its token and account."""
    session_id = secrets.token_hex(16)
    now = datetime.now(UTC)
    expires = now + timedelta(days=settings.session_days)

    def add(s: DbSession) -> str:
        user = s.get(User, name)
        if user is None:
            raise HubqaError(f"No account {name!r}: nothing to sign in to.")
        s.add(SignInSession(id=session_id, user=name, created_at=now, expires_at=expires))
        s.execute(delete(SignInSession).where(SignInSession.expires_at < now))  # old rows go as new ones come
        return user.role

    role = db.session("saving the sign-in", add)
    return sign(session_secret(settings), session_id, expires), SessionAccount(name, role, session_id)


def resume(db: Database, session_id: str) -> SessionAccount | None:
    """The account of a live session, with its current role (None: signed out, expired, removed)."""
    now = datetime.now(UTC)

    def read(s: DbSession) -> SessionAccount | None:
        row = s.get(SignInSession, session_id)
        if row is None or row.revoked or _aware(row.expires_at) <= now:
            return None
        user = s.get(User, row.user)
        return SessionAccount(user.name, user.role, session_id) if user is not None else None

    return db.session("checking the sign-in", read)


def resume_token(db: Database, settings: Settings, token: str) -> SessionAccount | None:
    """The account behind a cookie's token, when it is genuine, unexpired and not signed out."""
    session_id = verify(session_secret(settings), token)
    return resume(db, session_id) if session_id else None


def end(db: Database, session_id: str) -> None:
    """Sign out: the session's token stops working everywhere, at once."""

    def revoke(s: DbSession) -> None:
        row = s.get(SignInSession, session_id)
        if row is not None:
            row.revoked = True

    db.session("signing out", revoke)


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes (stored as UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
