"""Accounts: create, find, change role or password, disable."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import User, WebSession, utcnow
from app.security.passwords import MIN_LENGTH, hash_password
from app.services.errors import Conflict, InvalidInput

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}$")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_user(session: Session, email: str, password: str, role: str = "advertiser", display_name: str = "") -> User:
    email = normalize_email(email)
    if not EMAIL.match(email):
        raise InvalidInput(f"{email!r} is not an email address.")
    if role not in ("advertiser", "admin"):
        raise InvalidInput("role must be advertiser or admin.")
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"The password must have at least {MIN_LENGTH} characters.")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise Conflict(f"A user {email} already exists.")
    user = User(email=email, password_hash=hash_password(password), role=role, display_name=display_name or email)
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def set_password(session: Session, user: User, password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"The password must have at least {MIN_LENGTH} characters.")
    user.password_hash = hash_password(password)
    _revoke_sessions(session, user)


def set_active(session: Session, user: User, active: bool) -> None:
    user.is_active = active
    if not active:
        _revoke_sessions(session, user)


def _revoke_sessions(session: Session, user: User) -> None:
    for web_session in session.scalars(
        select(WebSession).where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None))
    ):
        web_session.revoked_at = utcnow()


def count_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.is_active)) or 0
