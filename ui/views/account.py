"""Sign in (coaches, maintainers, teachers with an account) or out."""

from __future__ import annotations

import streamlit as st

from rag.settings import load_settings
from ui import safe
from ui import state as ui

st.title("Account")
account = ui.current_account()
if account is None:
    st.write(
        "Coaches and maintainers sign in here to curate the hub and run its evaluation; teachers with an "
        "account get their conversations saved."
    )
    ui.sign_in_form()
else:
    days = load_settings().session_days
    st.write(f"Signed in as **{safe.text(account.name)}** ({account.role}).")
    st.caption(f"You stay signed in on this browser, in every tab, for {days:g} days or until you sign out.")
    if st.button("Sign out"):
        ui.sign_out()
        st.rerun()
