"""The Streamlit app: `hubqa ui` (or `make run`) starts it. Pages stay thin; logic lives in the packages.

Teachers see the chat and the document reader; coaches also the corpus and insights; maintainers
also the dashboard. Every page is registered for everyone, so a bookmarked /corpus always
resolves (a signed-out visitor signs in there and stays), but pages a role may not use are left
out of its menu, and each page checks the role itself, so a hidden page is not an open one.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st

from ui import state as ui
from ui.cookies import send_cookies

st.set_page_config(page_title="Teacher Hub Assistant", page_icon="📚", layout="wide")

account = ui.resolve_account()


def shown(role: str) -> Literal["visible", "hidden"]:
    return "visible" if account is not None and account.can(role) else "hidden"


pages: dict[str, list[st.Page]] = {
    "Teachers": [
        st.Page("views/chat.py", title="Ask the hub", icon=":material/chat:", default=True),
        st.Page("views/document.py", title="Read a document", icon=":material/description:", url_path="document"),
    ],
    "Coaches": [
        st.Page(
            "views/corpus.py",
            title="Corpus",
            icon=":material/folder_open:",
            url_path="corpus",
            visibility=shown("coach"),
        ),
        st.Page(
            "views/insights.py",
            title="Insights",
            icon=":material/insights:",
            url_path="insights",
            visibility=shown("coach"),
        ),
    ],
    "Maintainers": [
        st.Page(
            "views/dashboard.py",
            title="Dashboard",
            icon=":material/science:",
            url_path="dashboard",
            visibility=shown("maintainer"),
        ),
    ],
    "Account": [
        st.Page(
            "views/account.py", title="Sign out" if account else "Sign in", icon=":material/person:", url_path="account"
        ),
    ],
}
page = st.navigation(pages)
send_cookies()  # sign-ins, sign-outs and browser ids queued by earlier runs reach the browser
page.run()
