"""The app's web server: Streamlit's, plus one route that keeps a sign-in across reloads and tabs.

Streamlit scripts talk to the browser over a WebSocket and cannot set an HttpOnly cookie, so a
page that has just signed someone in asks the browser to POST the signed token here, and this
route sets it as a cookie script can't read. `hubqa ui` runs this file with `streamlit run`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from urllib.parse import urlsplit

import streamlit as st
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from rag.sessions import BROWSER_COOKIE, COOKIE, session_secret, verify
from rag.settings import load_settings

#: Cookies this route may set, and whether each one outlives the browser (until its expiry).
COOKIES = {COOKIE: True, BROWSER_COOKIE: False}


@cache
def _secret() -> bytes:
    return session_secret(load_settings())


def _same_origin(request: Request) -> bool:
    """Only the app's own pages may set or clear its cookies (no sign-in planted from elsewhere)."""
    origin = request.headers.get("origin")
    return origin is not None and urlsplit(origin).netloc == request.headers.get("host")


async def cookie(request: Request) -> Response:
    """POST {"name", "token"}: set that cookie when the token is genuine; DELETE ?name=: clear it."""
    if not _same_origin(request):
        return Response("cross-origin request refused", status_code=403)
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    if request.method == "DELETE":
        name = request.query_params.get("name", "")
        if name not in COOKIES:
            return Response("unknown cookie", status_code=400)
        response = Response(status_code=204)
        response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="strict")
        return response
    try:
        body = json.loads(await request.body())
        name, token = str(body["name"]), str(body["token"])
    except (ValueError, KeyError, TypeError):
        return Response('expected {"name": ..., "token": ...}', status_code=400)
    if name not in COOKIES or verify(_secret(), token) is None:
        return Response("invalid or expired token", status_code=400)
    expires = int(token.split(".")[2])
    response = Response(status_code=204)
    max_age = max(0, expires - int(datetime.now(UTC).timestamp())) if COOKIES[name] else None
    response.set_cookie(name, token, max_age=max_age, path="/", secure=secure, httponly=True, samesite="strict")
    return response


app = st.App("app.py", routes=[Route("/hubqa/cookie", cookie, methods=["POST", "DELETE"])])
