"""One ASGI middleware for what every request needs before any route runs:

- request body limits (413 before a byte is stored): upload routes get the upload limit, the rest 1 MiB;
- CSRF: unsafe methods authenticated by cookie must come from our own origin (Origin, else Referer);
  the session cookie is also SameSite=Lax, so this is the second of two locks;
- the Gradio UI under /ui is closed to anyone without a live session (a redirect to /login for the page,
  401 for everything else), whatever Gradio's own routes check;
- security headers on every response.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

import anyio

from app.services.auth import SESSION_COOKIE

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
DEFAULT_BODY_LIMIT = 1024 * 1024
UPLOAD_PATH = re.compile(r"^/api/v1/batches/[^/]+/files/?$")
UI_PREFIX = "/ui"
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
]

Scope = dict[str, Any]
ASGIApp = Callable[..., Any]


class BodyTooLarge(Exception):
    pass


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def own_origin(scope: Scope, headers: dict[str, str]) -> str:
    scheme = "https" if scope.get("scheme") in ("https", "wss") else "http"
    return f"{scheme}://{headers.get('host', '')}".lower()


def same_origin(scope: Scope, headers: dict[str, str]) -> bool:
    origin = own_origin(scope, headers)
    sent = headers.get("origin")
    if sent is not None and sent != "null":
        return sent.lower().rstrip("/") == origin
    referer = headers.get("referer", "").lower()
    return referer == origin or referer.startswith(origin + "/")


def session_token(headers: dict[str, str]) -> str | None:
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:
        return None
    morsel = cookie.get(SESSION_COOKIE)
    return morsel.value if morsel else None


async def _send_json(send: Callable[..., Any], status: int, detail: str, extra: list[Any] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + HEADERS + (extra or [])})
    await send({"type": "http.response.body", "body": body})


class GuardMiddleware:
    def __init__(self, app: ASGIApp, upload_limit: int, user_for_token: Callable[[str | None], str | None]) -> None:
        self.app = app
        self.upload_limit = upload_limit
        # Sync (a database read); run in a worker thread.
        self.user_for_token = user_for_token

    async def __call__(self, scope: Scope, receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket" and scope["path"].startswith(UI_PREFIX):
                headers = _headers(scope)
                if await anyio.to_thread.run_sync(self.user_for_token, session_token(headers)) is None:
                    await send({"type": "websocket.close", "code": 1008})
                    return
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = _headers(scope)
        method = scope["method"].upper()
        is_ui = path == UI_PREFIX or path.startswith(UI_PREFIX + "/")

        if method not in SAFE_METHODS and "authorization" not in headers and not same_origin(scope, headers):
            await _send_json(send, 403, "Cross-site request refused (Origin/Referer does not match this site).")
            return
        if is_ui and await anyio.to_thread.run_sync(self.user_for_token, session_token(headers)) is None:
            if method in ("GET", "HEAD") and path.rstrip("/") == UI_PREFIX:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 303,
                        "headers": [(b"location", b"/login?next=/ui"), (b"content-length", b"0"), *HEADERS],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
            else:
                await _send_json(send, 401, "Log in first.")
            return

        limit = self.upload_limit if (is_ui or UPLOAD_PATH.match(path)) else DEFAULT_BODY_LIMIT
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _send_json(send, 413, f"The request is larger than {limit // (1024 * 1024)} MB.")
            return

        received = 0
        response_started = False

        async def limited_receive() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def send_with_headers(message: dict[str, Any]) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in present]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if not response_started:
                await _send_json(send, 413, f"The request is larger than {limit // (1024 * 1024)} MB.")
