"""The Streamlit app: `hubqa ui` (or `make run`) starts it. Pages stay thin; logic lives in the packages.

Teachers see the chat and the document reader; coaches also the corpus and insights; maintainers
also the dashboard. Pages check the role themselves too, so a hidden page is not an open one.
"""

from __future__ import annotations

import streamlit as st

from ui import state as ui

st.set_page_config(page_title="Teacher Hub Assistant", page_icon="📚", layout="wide")

account = ui.current_account()
pages: dict[str, list[st.Page]] = {
    "Teachers": [
        st.Page("views/chat.py", title="Ask the hub", icon="💬", default=True),
        st.Page("views/document.py", title="Read a document", icon="📄", url_path="document"),
    ],
}
if account is not None and account.can("coach"):
    pages["Coaches"] = [
        st.Page("views/corpus.py", title="Corpus", icon="🗂️", url_path="corpus"),
        st.Page("views/insights.py", title="Insights", icon="📈", url_path="insights"),
    ]
if account is not None and account.can("maintainer"):
    pages["Maintainers"] = [st.Page("views/dashboard.py", title="Dashboard", icon="🧪", url_path="dashboard")]
pages["Account"] = [st.Page("views/account.py", title="Sign out" if account else "Sign in", icon="👤",
                            url_path="account")]
st.navigation(pages).run()
