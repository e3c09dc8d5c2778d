"""Login with throttling, server-side browser sessions, and per-user API tokens.

Tokens are random (secrets.token_urlsafe); only their sha256 is stored, so a leaked database holds no usable
session or API token. Unknown users, wrong passwords and disabled accounts get the same error after the same
argon2id work (DUMMY_HASH), and failed attempts are counted per email and per client address in LoginAttempt
rows, so throttling works for addresses that have no account too.

login() records failed attempts in the caller's session before raising: the caller must commit even when it
raises AuthError (the web host does).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.models import ApiToken, LoginAttempt, User, WebSession, utcnow
from app.security.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from app.services.errors import ServiceError
from app.services.users import normalize_email
from app.settings import Settings, get_settings

SESSION_COOKIE = "c4u_session"
API_TOKEN_PREFIX = "c4u_"  # noqa: S105 (a public prefix, not a secret)
LOGIN_FAILED = "Wrong email or password."
MAX_TOKEN_LENGTH = 200
# last_used_at is written at most this often, so polling clients do not turn every read into a write.
TOKEN_TOUCH_SECONDS = 300


class AuthError(ServiceError):
    """Login refused. The message never says whether the account exists."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _keys(email: str, client_key: str) -> list[str]:
    return [f"email:{normalize_email(email)[:254]}", f"client:{client_key[:200]}"]


def _recent_failures(session: Session, key: str, settings: Settings) -> int:
    since = utcnow() - timedelta(seconds=settings.login_lockout_seconds)
    stmt = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.key == key, LoginAttempt.at > since)
    return session.scalar(stmt) or 0


def is_throttled(session: Session, email: str, client_key: str, settings: Settings | None = None) -> bool:
    settings = settings or get_settings()
    return any(_recent_failures(session, k, settings) >= settings.login_max_failures for k in _keys(email, client_key))


def login(
    session: Session, email: str, password: str, client_key: str, settings: Settings | None = None
) -> tuple[User, str]:
    """Check the password and open a session; returns (user, session token) or raises AuthError."""
    settings = settings or get_settings()
    keys = _keys(email, client_key)
    if is_throttled(session, email, client_key, settings):
        minutes = max(1, round(settings.login_lockout_seconds / 60))
        raise AuthError(f"Too many failed logins. Try again in {minutes} minute{'s' if minutes > 1 else ''}.")
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    # Verify against a dummy hash for unknown users so both cases cost one argon2id verification.
    ok = verify_password(user.password_hash if user is not None else DUMMY_HASH, password[:1024])
    if user is None or not ok or not user.is_active:
        now = utcnow()
        session.add_all([LoginAttempt(key=key, at=now) for key in keys])
        if user is not None:
            user.failed_logins += 1
        # Old attempts no longer count; drop them so the table stays small.
        old = now - timedelta(seconds=settings.login_lockout_seconds)
        session.execute(delete(LoginAttempt).where(LoginAttempt.key.in_(keys), LoginAttempt.at <= old))
        session.flush()
        raise AuthError(LOGIN_FAILED)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    # A success clears the email's failures but not the client's: logging into one's own account must not
    # reset the counter an attacker's address has run up against other accounts.
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == keys[0]))
    user.failed_logins = 0
    user.last_login_at = utcnow()
    return user, open_session(session, user, settings)


def open_session(session: Session, user: User, settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=token_hash(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(hours=settings.session_hours),
        )
    )
    session.flush()
    return token


def user_for_session_token(session: Session, token: str | None) -> User | None:
    """The active user behind a live session token, or None (missing, expired, revoked, disabled)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    web_session, user = row
    if web_session.revoked_at is not None or web_session.expires_at <= utcnow() or not user.is_active:
        return None
    return user


def logout(session: Session, token: str | None) -> None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return
    web_session = session.scalar(select(WebSession).where(WebSession.token_hash == token_hash(token)))
    if web_session is not None and web_session.revoked_at is None:
        web_session.revoked_at = utcnow()


def create_api_token(session: Session, user: User, name: str) -> str:
    """A new bearer token for the REST API; shown once, stored only as its sha256."""
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=" ".join(name.split())[:120], token_hash=token_hash(token)))
    session.flush()
    return token


def user_for_api_token(session: Session, token: str | None) -> User | None:
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.startswith(API_TOKEN_PREFIX):
        return None
    row = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    api_token, user = row
    if api_token.revoked_at is not None or not user.is_active:
        return None
    now = utcnow()
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > TOKEN_TOUCH_SECONDS:
        api_token.last_used_at = now
    return user


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    return list(session.scalars(stmt.order_by(ApiToken.id)))


def revoke_api_token(session: Session, user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False when there is no such live token of theirs."""
    api_token = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if api_token is None or api_token.revoked_at is not None:
        return False
    api_token.revoked_at = utcnow()
    return True
