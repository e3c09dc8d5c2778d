"""The tenant isolation matrix: advertiser A calls every endpoint with B's ids and is refused, and nothing of
B appears in any response to A (B's marker text, email, or a URL serving B's image). Admin-only routes refuse
advertisers; admins see everyone. The routes come from the app, so new ones join the matrix."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from web_routes import PUBLIC, fill, media_ids, params, png, request_kwargs, routes
from web_world import ORIGIN

from app.models import ApiToken, Batch, Creative, Feedback, ModelVersion, User
from app.services import auth, uploads


@pytest.fixture
def world(runtime: Any, tenants: Any, admin: Any) -> dict[str, Any]:
    """Per tenant: the judged batch's ids, plus a draft batch with one upload, an API token and a model version
    to re-run with, so that every route has a live target (a refusal must be ownership, not a missing row)."""
    a, b = tenants
    out: dict[str, Any] = {}
    with runtime.db.transaction() as session:
        version = ModelVersion(name="v2", backend="fake", comparator_version="fake-v2", status="candidate")
        session.add(version)
        for seeded in (a, b):
            user = session.get(User, seeded.user_id)
            assert user is not None
            draft = uploads.create_batch(session, user, f"{seeded.marker} draft title", ["q"], name=seeded.marker)
            added = uploads.add_upload(session, runtime.storage, runtime.settings, draft, "d.png", png(seeded.user_id))
            assert added.creative_id is not None
            auth.create_api_token(session, user, f"{seeded.marker} token")
            session.flush()
            token_id = session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))
            base = {
                "creative_id": seeded.creative_ids[0],
                "comparison_id": seeded.comparison_ids[1],
                "feedback_id": seeded.feedback_id,
                "token_id": token_id,
                "user_id": seeded.user_id,
                "model_version": version.id,
            }
            out[seeded.email] = [dict(base, batch_id=seeded.batch_id), dict(base, batch_id=draft.id)]
    return out


def _state(runtime: Any, seeded: Any) -> tuple[Any, ...]:
    with runtime.db.session() as session:
        batches = tuple(
            session.execute(select(Batch.id, Batch.status).where(Batch.owner_id == seeded.user_id).order_by(Batch.id))
        )
        n_creatives = session.scalar(
            select(func.count())
            .select_from(Creative)
            .join(Batch, Batch.id == Creative.batch_id)
            .where(Batch.owner_id == seeded.user_id)
        )
        n_feedback = session.scalar(
            select(func.count()).select_from(Feedback).where(Feedback.user_id == seeded.user_id)
        )
        tokens = tuple(session.scalars(select(ApiToken.revoked_at).where(ApiToken.user_id == seeded.user_id)))
        active = session.scalar(select(User.is_active).where(User.id == seeded.user_id))
        return batches, n_creatives, n_feedback, tokens, active


def _assert_no_leak(text: str, b: Any, where: str) -> None:
    assert b.marker not in text, f"{where}: B's text in A's response"
    assert b.email not in text, f"{where}: B's email in A's response"
    leaked = media_ids(text) & set(b.creative_ids)
    assert not leaked, f"{where}: URL serving B's image {leaked}"


def test_advertiser_is_refused_everything_of_another_tenant(
    runtime: Any, web_app: Any, client_factory: Any, tenants: Any, world: dict[str, Any]
) -> None:
    a, b = tenants
    alice = client_factory(a.email)
    before = _state(runtime, b)
    refused = []
    for path, method in routes(web_app):
        if (path, method) in PUBLIC or not params(path):
            continue
        for ids in world[b.email]:
            url = fill(path, ids)
            response = alice.request(method, url, headers=ORIGIN, **request_kwargs(path, method, ids))
            expected = {403} if path.startswith("/api/v1/admin/") else {404}
            assert response.status_code in expected, (method, url, response.status_code, response.text[:300])
            _assert_no_leak(response.text, b, f"{method} {url}")
        refused.append((method, path))
    # The matrix reached the routes that matter (and every route with an id, whatever is added later).
    for must in [
        ("GET", "/media/creatives/{creative_id}/image"),
        ("POST", "/api/v1/batches/{batch_id}/files"),
        ("POST", "/api/v1/batches/{batch_id}/start"),
        ("POST", "/api/v1/batches/{batch_id}/cancel"),
        ("POST", "/api/v1/batches/{batch_id}/rerun"),
        ("POST", "/api/v1/comparisons/{comparison_id}/feedback"),
        ("GET", "/api/v1/feedback/{feedback_id}"),
        ("DELETE", "/api/v1/tokens/{token_id}"),
    ]:
        assert must in refused
    assert _state(runtime, b) == before, "A's refused calls changed B's data"


def test_advertiser_reads_own_data_and_never_sees_another_tenant(
    web_app: Any, client_factory: Any, tenants: Any, world: dict[str, Any]
) -> None:
    """The same GET routes with A's own ids succeed (so the refusals above are the ownership check), and no
    response to A, including the lists, carries anything of B."""
    a, b = tenants
    alice = client_factory(a.email)
    for path, method in routes(web_app):
        if method != "GET" or (path, method) in PUBLIC:
            continue
        for ids in world[a.email] if params(path) else [{}]:
            url = fill(path, ids)
            response = alice.get(url)
            if path.startswith("/api/v1/admin/"):
                assert response.status_code == 403, (url, response.status_code)
            elif path.startswith("/ui/"):  # the host's guards over Gradio's file routes: closed to everyone
                assert response.status_code == 404, (url, response.status_code)
            else:
                assert response.status_code == 200, (
                    url,
                    response.status_code,
                    response.text[:200],
                )
            _assert_no_leak(response.text, b, f"GET {url}")
    listed = alice.get("/api/v1/batches").json()["items"]
    assert {x["id"] for x in listed} == {ids["batch_id"] for ids in world[a.email]}
    assert alice.get(f"/api/v1/batches?search={b.marker}").json()["items"] == []


def test_admin_only_routes_refuse_advertisers(web_app: Any, client_factory: Any, tenants: Any, world: Any) -> None:
    a, _ = tenants
    alice = client_factory(a.email)
    admin_routes = [(p, m) for p, m in routes(web_app) if p.startswith("/api/v1/admin/")]
    assert {("/api/v1/admin/users", "POST"), ("/api/v1/admin/queue", "GET"), ("/api/v1/admin/canary", "POST")} <= set(
        admin_routes
    )
    for path, method in admin_routes:
        ids = world[a.email][0]
        response = alice.request(method, fill(path, ids), headers=ORIGIN, **request_kwargs(path, method, ids))
        assert response.status_code == 403, (method, path, response.status_code)


def test_admin_sees_every_tenant(client_factory: Any, tenants: Any, admin: Any, world: Any) -> None:
    _, b = tenants
    root = client_factory(admin.email)
    assert root.get(f"/api/v1/batches/{b.batch_id}").json()["name"] == f"{b.marker} batch"
    image = root.get(f"/media/creatives/{b.creative_ids[0]}/image")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert {u["email"] for u in root.get("/api/v1/admin/users").json()} >= {b.email, admin.email}
