"""The app's web server: Streamlit's, plus the one route that keeps a sign-in across reloads and tabs.

Streamlit scripts talk to the browser over a WebSocket and cannot set an HttpOnly cookie, so a
page that has just signed someone in asks the browser to POST the signed token to
``/hubqa/cookie`` (ui/cookies.py), which sets it as a cookie no script can read. `hubqa ui` runs
this file with `streamlit run`; the pages are ``app.py`` beside it.
"""

from __future__ import annotations

import streamlit as st
from starlette.routing import Route

from ui.cookies import ROUTE, cookie_route

app = st.App("app.py", routes=[Route(ROUTE, cookie_route, methods=["POST", "DELETE"])])
