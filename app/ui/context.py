"""Who is asking: every UI event resolves its user from the session cookie, never from browser-sent ids.

Gradio hands handlers a `gr.Request`; the host's session cookie on it is checked against the server-side
session table (app.services.auth) on every event, so a logout or a disabled account takes effect at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import gradio as gr
from sqlalchemy.orm import Session

from app.models import User
from app.runtime import Runtime, get_runtime
from app.services.auth import SESSION_COOKIE, user_for_session_token
from app.services.errors import ServiceError

SESSION_ENDED = "Your session has ended. Reload the page to log in again."
ADMINS_ONLY = "Only admins can do this."


class UIError(gr.Error):
    """A message for the person, shown as a toast; raised for refusals and service errors."""


def session_token(request: gr.Request | None) -> str | None:
    if request is None:
        return None
    cookies: Any = getattr(request, "cookies", None)
    if cookies is None:
        return None
    value = cookies.get(SESSION_COOKIE)
    return value if isinstance(value, str) else None


def resolve_user(session: Session, request: gr.Request | None) -> User:
    user = user_for_session_token(session, session_token(request))
    if user is None:
        raise UIError(SESSION_ENDED)
    return user


def require_admin(session: Session, request: gr.Request | None) -> User:
    """Admin events re-check the role on the server every time; a hidden tab is not a permission."""
    user = resolve_user(session, request)
    if not user.is_admin:
        raise UIError(ADMINS_ONLY)
    return user


@contextmanager
def _unit(request: gr.Request | None, commit: bool) -> Iterator[tuple[Runtime, Session, User]]:
    rt = get_runtime()
    with rt.db.transaction() if commit else rt.db.session() as session:
        user = resolve_user(session, request)
        try:
            yield rt, session, user
        except ServiceError as error:
            raise UIError(str(error)) from None


def reading(request: gr.Request | None) -> AbstractContextManager[tuple[Runtime, Session, User]]:
    """A read-only unit of work for one event: runtime, database session and the current user."""
    return _unit(request, commit=False)


def writing(request: gr.Request | None) -> AbstractContextManager[tuple[Runtime, Session, User]]:
    """A unit of work that commits on success; service errors become a message and roll back."""
    return _unit(request, commit=True)


@contextmanager
def ui_errors() -> Iterator[None]:
    """Service errors raised inside become a message for the person."""
    try:
        yield
    except ServiceError as error:
        raise UIError(str(error)) from None


def current_user(request: gr.Request | None, admin: bool = False) -> tuple[Runtime, User]:
    """The user, loaded and detached, for services that open their own transactions (lifecycle): on SQLite
    every transaction takes the write lock, so the UI must not hold one while they run."""
    rt = get_runtime()
    with rt.db.session() as session:
        user = require_admin(session, request) if admin else resolve_user(session, request)
        session.expunge(user)
    return rt, user
