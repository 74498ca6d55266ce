"""HttpOnly cookies for a Streamlit app, which talks to the browser over a WebSocket.

A script run cannot answer an HTTP request, so it queues the change, and the page runs a tiny
script that asks the server's ``/hubqa/cookie`` route (ui/server.py) to set or clear it. The
route sets only tokens this server signed, for its own pages (Origin must match Host). A change
is sent again on every run until the route has seen it: a run the visitor interrupts with a
quick second click never loses a sign-in.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from functools import cache
from urllib.parse import quote, urlsplit

import streamlit as st
from starlette.requests import Request
from starlette.responses import Response

from rag.appdata.sessions import BROWSER_COOKIE, COOKIE, session_secret, verify
from rag.settings import load_settings

ROUTE = "/hubqa/cookie"
#: Cookies the route may set, and whether each outlives the browser session (until its expiry).
COOKIES = {COOKIE: True, BROWSER_COOKIE: False}
PENDING_KEY = "cookie_ops"
#: Runs a change is sent on before it is given up (a replica that never sees the request).
MAX_SENDS = 20


class _Delivered:
    """Ids of changes the route has carried out (shared by the route and the script runs)."""

    def __init__(self, size: int = 10_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def add(self, op_id: str) -> None:
        with self._lock:
            self._ids[op_id] = None
            while len(self._ids) > self._size:
                self._ids.popitem(last=False)

    def __contains__(self, op_id: object) -> bool:
        with self._lock:
            return op_id in self._ids


DELIVERED = _Delivered()


def set_cookie(name: str, token: str) -> None:
    """Queue: store a signed token in the browser as an HttpOnly cookie."""
    _queue({"method": "POST", "name": name, "token": token})


def clear_cookie(name: str) -> None:
    _queue({"method": "DELETE", "name": name})


def _queue(op: dict[str, str]) -> None:
    ops = [o for o in st.session_state.get(PENDING_KEY, []) if o["name"] != op["name"]]  # the newest wins
    st.session_state[PENDING_KEY] = [*ops, {**op, "id": secrets.token_hex(8), "sent": 0}]


def send_cookies() -> None:
    """Render the script that carries out the queued changes not yet seen by the route."""
    ops = [o for o in st.session_state.get(PENDING_KEY, []) if o["id"] not in DELIVERED and o["sent"] < MAX_SENDS]
    st.session_state[PENDING_KEY] = ops
    if not ops:
        return
    calls = []
    for op in ops:
        op["sent"] += 1
        if op["method"] == "POST":
            body = json.dumps(json.dumps({"name": op["name"], "token": op["token"], "id": op["id"]}))
            calls.append(
                f"fetch('{ROUTE}', {{method: 'POST', credentials: 'same-origin', "
                f"headers: {{'Content-Type': 'application/json'}}, body: {body}}})"
            )
        else:
            calls.append(
                f"fetch('{ROUTE}?name={quote(op['name'])}&id={quote(op['id'])}', "
                "{method: 'DELETE', credentials: 'same-origin'})"
            )
    chain = "Promise.resolve()" + "".join(f".then(() => {c})" for c in calls)
    st.html(f"<script>{chain};</script>", unsafe_allow_javascript=True)


@cache
def _secret() -> bytes:
    return session_secret(load_settings())


def _same_origin(request: Request) -> bool:
    """Only the app's own pages may set or clear its cookies (no sign-in planted from elsewhere)."""
    origin = request.headers.get("origin")
    return origin is not None and urlsplit(origin).netloc == request.headers.get("host")


async def cookie_route(request: Request) -> Response:
    """POST {"name", "token", "id"}: set that cookie when the token is genuine; DELETE ?name=&id=: clear it."""
    if not _same_origin(request):
        return Response("cross-origin request refused", status_code=403)
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    if request.method == "DELETE":
        name = request.query_params.get("name", "")
        if name not in COOKIES:
            return Response("unknown cookie", status_code=400)
        response = Response(status_code=204)
        response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="strict")
        DELIVERED.add(request.query_params.get("id", ""))
        return response
    try:
        body = json.loads(await request.body())
        name, token, op_id = str(body["name"]), str(body["token"]), str(body.get("id", ""))
    except (ValueError, KeyError, TypeError):
        return Response('expected {"name": ..., "token": ...}', status_code=400)
    if name not in COOKIES or verify(_secret(), token) is None:
        return Response("invalid or expired token", status_code=400)
    expires = int(token.split(".")[2])
    max_age = max(0, expires - int(datetime.now(UTC).timestamp())) if COOKIES[name] else None
    response = Response(status_code=204)
    response.set_cookie(name, token, max_age=max_age, path="/", secure=secure, httponly=True, samesite="strict")
    DELIVERED.add(op_id)
    return response
