"""What every instance serves: the dashboard (``app.py`` and ``pages/``) as a Streamlit ``st.App`` whose
every HTTP response carries the security headers (:mod:`harrow_dash.formats.security_headers`).

Started as ``streamlit run harrow_dash/ui/asgi_app.py`` by ``make run``, ``harrow-dash serve`` (and
so the deployment's instances), the browser tests and the serving benchmarks: Streamlit finds
``app`` and serves it with the same web server (uvicorn) it serves a plain script with. The middleware
only adds headers to HTTP responses; the websocket, the pages and their scripts are Streamlit's own.
A frame-ancestors setting that is not a list of sources stops the instance at start, in one line.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import streamlit as st
from starlette.middleware import Middleware

from harrow_dash.config import REPO_ROOT, load_settings
from harrow_dash.formats.security_headers import security_headers

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SecurityHeaders:
    """ASGI middleware: adds ``headers`` to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp, headers: list[tuple[str, str]]) -> None:
        self.app = app
        self.headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = list(message.get("headers", []))
                named = {bytes(k).lower() for k, _ in have}
                message["headers"] = have + [h for h in self.headers if h[0] not in named]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _headers() -> list[tuple[str, str]]:
    """The headers for the settings in force; a frame-ancestors setting they cannot carry stops the
    instance with the reason (``security_headers`` checks it)."""
    try:
        return security_headers(load_settings().frame_ancestors)
    except ValueError as exc:
        raise SystemExit(f"harrow-dash: cannot start: {exc}") from None


app = st.App(
    str(REPO_ROOT / "app.py"), middleware=[Middleware(SecurityHeaders, headers=_headers())]
)
