"""Request dependencies: database session, the authenticated user (session cookie or bearer token), admin check.

A request that carries `Authorization` is authenticated by that header only, never by the cookie, so a
cross-site page (which cannot set the header) can never ride on an API token, and cookie-authenticated
unsafe requests are covered by the Origin/Referer check in app.web.security.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from sqlalchemy.orm import Session

from app.models import User
from app.runtime import Runtime, get_runtime
from app.services import auth


def runtime_dep() -> Runtime:
    return get_runtime()


def db_session(rt: Annotated[Runtime, Depends(runtime_dep)]) -> Iterator[Session]:
    with rt.db.session() as session:
        yield session


DbSession = Annotated[Session, Depends(db_session)]
# Row ids in paths: positive and within the INTEGER primary keys (PostgreSQL casts the parameter to int4), so
# an absurd id is a 422, never a database error.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
RuntimeDep = Annotated[Runtime, Depends(runtime_dep)]


def bearer_token(request: Request) -> str | None:
    """The bearer token when an Authorization header is present ("" when it is malformed), else None."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def resolve_user(session: Session, request: Request) -> User | None:
    token = bearer_token(request)
    if token is not None:
        user = auth.user_for_api_token(session, token)
        if session.dirty:
            session.commit()  # last_used_at, written at most every few minutes
        return user
    return auth.user_for_session_token(session, request.cookies.get(auth.SESSION_COOKIE))


def current_user(request: Request, session: DbSession) -> User:
    user = resolve_user(session, request)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Log in, or send an API token as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only admins can do this.")
    return user


AdminUser = Annotated[User, Depends(admin_user)]


def client_key(request: Request) -> str:
    """The client address login throttling counts against (the socket peer; uvicorn resolves trusted proxies)."""
    return request.client.host if request.client else "unknown"
