"""Server-rendered login and logout: plain HTML forms, no JavaScript needed.

The session cookie is HttpOnly, SameSite=Lax, Secure over https, and carries a random token whose sha256 is
the server-side session (app.services.auth). Both forms are POSTs covered by the Origin/Referer check.
"""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.services import auth
from app.web.deps import DbSession, RuntimeDep, client_key, resolve_user

router = APIRouter(include_in_schema=False)
DEFAULT_NEXT = "/ui"
ALLOWED_NEXT = ("/ui", "/api/docs")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Creative4U Studio: log in</title>
<style>
body{{font-family:system-ui,sans-serif;background:#f5f6f8;display:flex;min-height:100vh;margin:0;
align-items:center;justify-content:center}}
form{{background:#fff;padding:2rem;border-radius:10px;box-shadow:0 2px 12px #0002;width:20rem}}
h1{{font-size:1.3rem;margin:0 0 1rem}} label{{display:block;margin:.8rem 0 .3rem}}
input{{width:100%;padding:.5rem;box-sizing:border-box;font-size:1rem}}
button{{margin-top:1.2rem;width:100%;padding:.6rem;font-size:1rem;background:#2f5bea;color:#fff;border:0;
border-radius:6px;cursor:pointer}} .error{{color:#b00020;margin:.5rem 0}}
</style></head>
<body><form method="post" action="/login">
<h1>Creative4U Studio</h1>
{error}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="{email}" autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<input type="hidden" name="next" value="{next}">
<button type="submit">Log in</button>
</form></body></html>"""


def safe_next(value: str | None) -> str:
    """Only our own pages: no scheme, no host, no '//' tricks (open redirects)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return DEFAULT_NEXT
    path = value.split("?", 1)[0].split("#", 1)[0]
    if any(path == p or path.startswith(p + "/") for p in ALLOWED_NEXT):
        return value
    return DEFAULT_NEXT


def render(error: str = "", email: str = "", next_url: str = DEFAULT_NEXT, status_code: int = 200) -> HTMLResponse:
    block = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    page = PAGE.format(error=block, email=html.escape(email), next=html.escape(safe_next(next_url)))
    return HTMLResponse(page, status_code=status_code, headers={"Cache-Control": "no-store"})


@router.get("/login")
def login_page(request: Request, session: DbSession, next: str = DEFAULT_NEXT) -> Response:
    if resolve_user(session, request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(next_url=next)


@router.post("/login")
def login_submit(
    request: Request,
    session: DbSession,
    rt: RuntimeDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=500)] = DEFAULT_NEXT,
) -> Response:
    try:
        _user, token = auth.login(session, email, password, client_key(request), rt.settings)
    except auth.AuthError as error:
        session.commit()  # keep the failed attempt: throttling counts it
        status_code = 429 if error.args[0] != auth.LOGIN_FAILED else 401
        return render(str(error), email=email, next_url=next, status_code=status_code)
    session.commit()
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        auth.SESSION_COOKIE,
        token,
        max_age=rt.settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession) -> Response:
    auth.logout(session, request.cookies.get(auth.SESSION_COOKIE))
    session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.get("/")
def home(request: Request, session: DbSession) -> Response:
    return RedirectResponse("/ui" if resolve_user(session, request) else "/login", status_code=303)
