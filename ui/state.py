"""What every page shares: resources loaded once per server process, and who is signed in.

Resources go through ``st.cache_resource`` so the embedding model, the index and the database
engine load once per process, not once per page view or per teacher.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import streamlit as st

from ingest import jobs
from ingest.pipeline import Ingestor, IngestReport
from rag.answering.assistant import Assistant
from rag.appdata import sessions
from rag.appdata.accounts import Account, authenticate, role_of
from rag.appdata.db import Database, open_database
from rag.errors import HubqaError
from rag.settings import Settings, load_settings
from ui.cookies import clear_cookie, set_cookie

T = TypeVar("T")

ACCOUNT_KEY = "account"
#: The sign-in session behind a password sign-in (see rag/appdata/sessions.py).
SESSION_KEY = "session_id"
#: A cookie token found not to be a live sign-in (so it is not checked again on every call).
REJECTED_KEY = "rejected_session_cookie"
#: What a signed-in person had open, cleared at sign-out (a shared computer shows nothing of it).
PRIVATE_KEYS = ("conversation_id", "turns", "loaded")


@st.cache_resource(show_spinner="Loading the hub…")
def assistant() -> Assistant:
    """One assistant per server process: the model and the index load once, before the first question."""
    hub = Assistant(load_settings())
    hub.warm_up()
    return hub


@st.cache_resource(show_spinner=False)
def database() -> Database:
    """One engine (connection pool) per server process."""
    return open_database(load_settings())


def settings() -> Settings:
    return assistant().settings


def oidc_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section for ``st.login``."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return False


def _cookie(name: str) -> str | None:
    try:
        return st.context.cookies.get(name)
    except Exception:
        return None


def resolve_account() -> Account | None:
    """Who is signed in, checked against the database on every run of the app.

    A password sign-in is a session row (rag/appdata/sessions.py) named by this tab's state or, after a
    reload or in a new tab, by the browser's HttpOnly cookie; each run reads the session and the
    account's current role again, so signing out elsewhere, expiry, removal or a new role take
    effect at once. An OIDC identity's role is read from ``hubqa users`` the same way."""
    state = st.session_state
    session_id = state.get(SESSION_KEY)
    try:
        if session_id is not None:
            live = sessions.resume(database(), session_id)
            if live is None:  # signed out in another tab, expired, or the account was removed
                _forget(cookie=True)
                return None
            state[ACCOUNT_KEY] = Account(live.name, live.role)
        elif ACCOUNT_KEY not in state and (token := _cookie(sessions.COOKIE)) and token != state.get(REJECTED_KEY):
            live = sessions.resume_token(database(), load_settings(), token)
            if live is not None:
                state[ACCOUNT_KEY], state[SESSION_KEY] = Account(live.name, live.role), live.session_id
            else:  # forged, expired or signed out: not looked up again in this tab, and cleared (a
                state[REJECTED_KEY] = token  # sign-out's own clearing may not have run before the page left)
                clear_cookie(sessions.COOKIE)
        elif oidc_configured() and getattr(st.user, "is_logged_in", False):
            email = str(st.user.get("email") or st.user.get("sub") or "")
            state[ACCOUNT_KEY] = Account(email, role_of(database(), email) or "teacher")
    except HubqaError as e:
        st.warning(f"Sign-in could not be checked: {e}")
    return state.get(ACCOUNT_KEY)


def current_account() -> Account | None:
    """The signed-in account, as ``resolve_account`` found it at the start of this run."""
    state = st.session_state
    account = state.get(ACCOUNT_KEY)
    token = _cookie(sessions.COOKIE)
    if account is None and SESSION_KEY not in state and token and token != state.get(REJECTED_KEY):
        return resolve_account()  # a page run on its own (tests) still honours the cookie
    return account


def sign_in_form(key: str = "signin") -> None:
    """Name-and-password sign-in (and the OIDC button when configured). On success the page
    runs again as the signed-in account, so a protected page opens where the visitor was."""
    if oidc_configured() and st.button("Sign in with your organisation", icon=":material/key:", key=f"{key}_oidc"):
        st.login()
    with st.form(key):
        name = st.text_input("Account name", key=f"{key}_name")
        password = st.text_input("Password", type="password", key=f"{key}_password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        try:
            account = authenticate(database(), name, password, client=client_address())
        except HubqaError as e:
            st.error(str(e))
            return
        if account is None:
            st.error("That account name and password don't match. Ask a maintainer to run `hubqa users add`.")
            return
        st.session_state[ACCOUNT_KEY] = account
        try:
            token, live = sessions.start(database(), load_settings(), account.name)
        except HubqaError as e:
            st.warning(f"You are signed in in this tab only: {e}")
        else:
            st.session_state[SESSION_KEY] = live.session_id
            set_cookie(sessions.COOKIE, token)
        st.rerun()


def client_address() -> str:
    """Where this browser connects from, for sign-in throttling: the address nginx saw (the last
    X-Forwarded-For entry, which the proxy appends), else the socket's peer."""
    try:
        forwarded = st.context.headers.get("X-Forwarded-For") or ""
        return forwarded.split(",")[-1].strip() or str(st.context.ip_address or "")
    except Exception:
        return ""


def sign_out() -> None:
    """End the sign-in everywhere: the session row is revoked and the browser's cookie cleared."""
    session_id = st.session_state.get(SESSION_KEY)
    if session_id is not None:
        guarded(lambda: sessions.end(database(), session_id))
    _forget(cookie=True)
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


def _forget(cookie: bool) -> None:
    for key in (ACCOUNT_KEY, SESSION_KEY, *PRIVATE_KEYS):
        st.session_state.pop(key, None)
    st.query_params.pop("c", None)
    if cookie:
        clear_cookie(sessions.COOKIE)


def browser_id() -> str:
    """An id for this browser until it closes (a session cookie), so an anonymous visitor's chat
    survives a reload; a new one is issued when the cookie is missing or not genuine."""
    state = st.session_state
    if "browser_id" not in state:
        secret = sessions.session_secret(load_settings())
        token = _cookie(sessions.BROWSER_COOKIE)
        found = sessions.verify(secret, token) if token else None
        if found is None:
            found = secrets.token_hex(16)
            set_cookie(sessions.BROWSER_COOKIE, sessions.sign(secret, found, datetime.now(UTC) + timedelta(days=2)))
        state["browser_id"] = found
    return str(state["browser_id"])


def require(role: str) -> Account:
    """Stop the page unless someone with ``role`` (or above) is signed in; a signed-out visitor
    (a bookmarked /corpus, say) gets the sign-in form here and then this very page."""
    account = current_account()
    if account is not None and account.can(role):
        return account
    who = "coaches" if role == "coach" else f"{role}s"
    if account is not None:
        st.error(f"This page is for {who}; you are signed in as {account.name} ({account.role}).")
    else:
        st.info(f"This page is for {who}. Sign in to continue.")
        sign_in_form()
    st.stop()
    raise AssertionError("unreachable")


def reindex(paths: list[Path], user: str | None) -> IngestReport:
    """Run ingestion with a progress bar, on the app's own store and model; record the run."""
    hub = assistant()
    ingestor = Ingestor(hub.settings, store=hub.store, embeddings=hub.embeddings)  # the model already in memory
    bar = st.progress(0.0, text="Re-indexing…")

    def progress(done: int, total: int, name: str) -> None:
        bar.progress(done / max(total, 1), text=f"Re-indexing… {done}/{total} {name}")

    def calibrating(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text="Calibrating when to answer…")

    done = jobs.reindex(ingestor, paths, progress, calibrating, user, database())
    bar.progress(1.0, text=f"Indexed: {done.report.documents} documents, {done.report.chunks} chunks")
    if done.calibration is not None:
        hub.reload_gate()
    if done.not_recorded:
        st.warning(f"The index is up to date, but the ingest report was not saved: {done.not_recorded}")
    return done.report


def guarded(action: Callable[[], T]) -> T | None:
    """Run ``action``; a user-facing error is shown instead of a traceback."""
    try:
        return action()
    except HubqaError as e:
        st.error(str(e))
        return None
