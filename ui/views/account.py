"""Sign in (coaches and maintainers) or out."""

from __future__ import annotations

import streamlit as st

from ui import safe
from ui import state as ui

st.title("Account")
account = ui.current_account()
if account is None:
    st.write("Coaches and maintainers sign in here to curate the hub and run its evaluation.")
    ui.sign_in_form()
else:
    st.write(f"Signed in as **{safe.text(account.name)}** ({account.role}).")
    if st.button("Sign out"):
        ui.sign_out()
        st.rerun()
