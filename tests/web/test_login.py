"""Login, sessions and CSRF: argon2id hashes, throttling, one error and one cost for unknown users and wrong
passwords, logout and expiry and disabling that end sessions at once, safe redirects, cookie flags."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from web_world import ORIGIN, PASSWORD

from app.models import User, WebSession, utcnow
from app.services import auth


def _login(client: Any, email: str, password: str, **extra: str) -> Any:
    return client.post("/login", data={"email": email, "password": password, **extra}, headers=ORIGIN)


def test_passwords_are_argon2id(runtime: Any, tenants: Any) -> None:
    a, _ = tenants
    with runtime.db.session() as session:
        stored = session.scalar(select(User.password_hash).where(User.id == a.user_id))
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.settings(login_max_failures="1000")
def test_unknown_user_and_wrong_password_look_the_same(
    client_factory: Any, tenants: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = tenants
    client = client_factory()
    verified: list[str] = []
    real_verify = auth.verify_password

    def counting(password_hash: str, password: str) -> bool:
        verified.append(password_hash[:10])
        return real_verify(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", counting)
    timings: dict[str, list[float]] = {"unknown": [], "wrong": []}
    texts: dict[str, set[str]] = {"unknown": set(), "wrong": set()}
    for i in range(6):  # interleaved, so machine load hits both alike
        for kind, email in (("unknown", f"nobody{i}@example.com"), ("wrong", a.email)):
            began = time.perf_counter()
            response = _login(client, email, "not the password")
            timings[kind].append(time.perf_counter() - began)
            assert response.status_code == 401
            texts[kind].add(response.text.replace(email, "EMAIL"))
    # The same page (the email echoed back aside), and one argon2id verification each time.
    assert texts["unknown"] == texts["wrong"] and len(texts["wrong"]) == 1
    assert auth.LOGIN_FAILED in next(iter(texts["wrong"]))
    assert len(verified) == 12 and all(h.startswith("$argon2id") for h in verified)
    unknown, wrong = statistics.median(timings["unknown"]), statistics.median(timings["wrong"])
    # Similar cost (a generous band: the machine is shared); an unknown user that skipped argon2 would be ~100x faster.
    assert 1 / 3 < unknown / wrong < 3, timings


@pytest.mark.settings(login_max_failures="3", login_lockout_seconds="600")
def test_repeated_failures_are_throttled(client_factory: Any, tenants: Any) -> None:
    a, b = tenants
    client = client_factory()
    for _ in range(3):
        assert _login(client, a.email, "wrong password!").status_code == 401
    # Even the right password waits out the lockout, and the answer says so.
    locked = _login(client, a.email, PASSWORD)
    assert locked.status_code == 429 and "Too many failed logins" in locked.text
    assert "c4u_session" not in locked.cookies
    # The client address is counted too: guessing across accounts does not dodge the throttle.
    assert _login(client, b.email, PASSWORD).status_code == 429


def test_logout_invalidates_the_session(runtime: Any, client_factory: Any, tenants: Any) -> None:
    a, _ = tenants
    alice = client_factory(a.email)
    token = alice.cookies.get("c4u_session")
    assert alice.get("/api/v1/me").json()["email"] == a.email
    out = alice.post("/logout", headers=ORIGIN)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    replay = client_factory()
    replay.cookies.set("c4u_session", token)  # the old cookie, kept by someone
    assert replay.get("/api/v1/me").status_code == 401
    with runtime.db.session() as session:
        row = session.scalar(select(WebSession).where(WebSession.token_hash == auth.token_hash(token)))
        assert row is not None and row.revoked_at is not None


def test_expired_session_and_disabled_account_are_refused(
    runtime: Any, client_factory: Any, tenants: Any, admin: Any
) -> None:
    a, b = tenants
    alice, bob, root = client_factory(a.email), client_factory(b.email), client_factory(admin.email)
    with runtime.db.transaction() as session:
        session.execute(
            update(WebSession).where(WebSession.user_id == a.user_id).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert alice.get("/api/v1/me").status_code == 401
    token = bob.post("/api/v1/tokens", json={"name": "ci"}, headers=ORIGIN).json()["token"]
    assert root.patch(f"/api/v1/admin/users/{b.user_id}", json={"is_active": False}, headers=ORIGIN).status_code == 200
    assert bob.get("/api/v1/me").status_code == 401
    assert client_factory().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    refused = _login(client_factory(), b.email, PASSWORD)
    assert refused.status_code == 401 and auth.LOGIN_FAILED in refused.text  # no hint that the account exists


def test_cookie_flags_csrf_and_safe_redirects(client_factory: Any, tenants: Any) -> None:
    a, _ = tenants
    client = client_factory()
    response = _login(client, a.email, PASSWORD, next="//evil.example/steal")
    assert response.status_code == 303 and response.headers["location"] == "/ui"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert _login(client_factory(), a.email, PASSWORD, next="/api/docs").headers["location"] == "/api/docs"
    # Cookie-authenticated writes from another origin, or with no origin at all, are refused.
    body = {"product_title": "csrf"}
    assert client.post("/api/v1/batches", json=body, headers={"Origin": "http://evil.example"}).status_code == 403
    assert client.post("/api/v1/batches", json=body).status_code == 403
    assert client.post("/api/v1/batches", json=body, headers=ORIGIN).status_code == 201
    # A login form posted from elsewhere is refused too (login CSRF).
    cross = client_factory().post(
        "/login", data={"email": a.email, "password": PASSWORD}, headers={"Origin": "http://evil.example"}
    )
    assert cross.status_code == 403
