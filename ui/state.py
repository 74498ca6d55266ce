"""What every page shares: resources loaded once per server process, and who is signed in.

Resources go through ``st.cache_resource`` so the embedding model, the index and the database
engine load once per process, not once per page view or per teacher.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from ingest.pipeline import IngestReport, Ingestor, calibrate_if_needed
from rag.accounts import Account, authenticate, role_of
from rag.assistant import Assistant
from rag.db import Database, open_database
from rag.errors import HubqaError
from rag.settings import Settings, load_settings

ACCOUNT_KEY = "account"


@st.cache_resource(show_spinner="Loading the hub…")
def assistant() -> Assistant:
    """One assistant per server process: the model and the index load once."""
    return Assistant(load_settings())


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
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):  # type: ignore[attr-defined]
        return False


def current_account() -> Account | None:
    """The signed-in account: a password sign-in in this session, or an OIDC identity whose
    e-mail has an account (``hubqa users add EMAIL --role coach --oidc``; others are teachers)."""
    account = st.session_state.get(ACCOUNT_KEY)
    if account is not None:
        return account
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        email = str(st.user.get("email") or st.user.get("sub") or "")
        account = Account(email, role_of(database(), email) or "teacher")
        st.session_state[ACCOUNT_KEY] = account
    return account


def sign_in_form(key: str = "signin") -> None:
    """Name-and-password sign-in (and the OIDC button when configured)."""
    if oidc_configured() and st.button("Sign in with your organisation", icon="🔑", key=f"{key}_oidc"):
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
        st.rerun()


def client_address() -> str:
    """Where this browser connects from, for sign-in throttling: the address nginx saw (the last
    X-Forwarded-For entry, which the proxy appends), else the socket's peer."""
    try:
        forwarded = st.context.headers.get("X-Forwarded-For") or ""
        return forwarded.split(",")[-1].strip() or str(st.context.ip_address or "")
    except Exception:  # noqa: BLE001  (no browser request behind this run, e.g. under AppTest)
        return ""


def sign_out() -> None:
    st.session_state.pop(ACCOUNT_KEY, None)
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


def require(role: str) -> Account:
    """Stop the page unless someone with ``role`` (or above) is signed in."""
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
    ingestor = Ingestor(hub.settings, store=hub.store)
    ingestor.embeddings = hub.embeddings  # the model already in memory
    bar = st.progress(0.0, text="Re-indexing…")

    def progress(done: int, total: int, name: str) -> None:
        bar.progress(done / max(total, 1), text=f"Re-indexing… {done}/{total} {name}")

    report = ingestor.run(paths, progress)
    bar.progress(1.0, text=f"Indexed: {report.documents} documents, {report.chunks} chunks")
    calibration = calibrate_if_needed(
        ingestor, report, lambda done, total: bar.progress(done / max(total, 1), text="Calibrating when to answer…"))
    if calibration is not None:
        hub.reload_gate()
    try:
        database().record_ingest([str(p) for p in paths], report.to_dict(), user)
    except HubqaError as e:
        st.warning(f"The index is up to date, but the ingest report was not saved: {e}")
    return report


def guarded(action: Callable[[], object]) -> object | None:
    """Run ``action``; a user-facing error is shown instead of a traceback."""
    try:
        return action()
    except HubqaError as e:
        st.error(str(e))
        return None
