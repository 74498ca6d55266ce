"""The Streamlit app: `hubqa ui` (or `make run`) starts it. Pages stay thin; logic lives in rag/."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Teacher Hub Assistant", page_icon="📚", layout="wide")

pages = [st.Page("pages/chat.py", title="Ask the hub", icon="💬", default=True)]
st.navigation(pages).run()
