"""The REST API: per-user tokens, batch history with search, start/cancel/re-run through the lifecycle (real
Redis), admin user management and queue health, progress with an ETA, and the OpenAPI page covering it all."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import redis
from sqlalchemy import update
from web_routes import png, routes
from web_world import ORIGIN

from app.models import Batch, ModelVersion, utcnow


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_api_tokens_work_and_are_revocable(client_factory: Any, tenants: Any) -> None:
    a, b = tenants
    alice, bob = client_factory(a.email), client_factory(b.email)
    created = alice.post("/api/v1/tokens", json={"name": "ci job"}, headers=ORIGIN)
    assert created.status_code == 201
    token, token_id = created.json()["token"], created.json()["id"]
    assert token.startswith("c4u_")
    listed = alice.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed] == ["ci job"] and token not in str(listed)  # the secret is shown once

    api = client_factory()  # no cookie: the token alone
    assert api.get("/api/v1/me", headers=_bearer(token)).json()["email"] == a.email
    batches = api.get("/api/v1/batches", headers=_bearer(token)).json()["items"]
    assert [x["id"] for x in batches] == [a.batch_id]
    # Token requests need no Origin (a browser cannot send the header cross-site).
    made = api.post("/api/v1/batches", json={"product_title": "via token"}, headers=_bearer(token))
    assert made.status_code == 201
    # The header decides, never the cookie: a bad token with Bob's cookie is still refused.
    assert bob.get("/api/v1/me", headers=_bearer("c4u_garbage")).status_code == 401
    assert bob.get("/api/v1/me", headers={"Authorization": "Basic eDp5"}).status_code == 401
    # Bob cannot revoke Alice's token; Alice can.
    assert bob.delete(f"/api/v1/tokens/{token_id}", headers=ORIGIN).status_code == 404
    assert api.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    assert alice.delete(f"/api/v1/tokens/{token_id}", headers=ORIGIN).status_code == 204
    assert api.get("/api/v1/me", headers=_bearer(token)).status_code == 401
    assert alice.get("/api/v1/tokens").json() == []


def test_batch_history_search_and_pages(client_factory: Any, tenants: Any) -> None:
    a, _ = tenants
    alice = client_factory(a.email)
    for title in ("Trail sneakers 50% off", "Steel water bottle", "Linen shirt"):
        assert alice.post("/api/v1/batches", json={"product_title": title}, headers=ORIGIN).status_code == 201

    def search(term: str, **extra: Any) -> list[str]:
        items = alice.get("/api/v1/batches", params={"search": term, **extra}).json()["items"]
        return [x["product_title"] for x in items]

    assert search("WATER") == ["Steel water bottle"]
    assert search("50%") == ["Trail sneakers 50% off"]  # a literal %, not a wildcard
    assert search("draft") == ["Linen shirt", "Steel water bottle", "Trail sneakers 50% off"]  # by status, newest first
    assert search("ranked") == [f"{a.marker} running shoes"]
    assert search("", limit=2) == ["Linen shirt", "Steel water bottle"]
    assert search("", limit=2, offset=2) == ["Trail sneakers 50% off", f"{a.marker} running shoes"]
    assert alice.get("/api/v1/batches", params={"limit": 0}).status_code == 422


def test_start_cancel_and_rerun_through_the_lifecycle(runtime: Any, client_factory: Any, tenants: Any) -> None:
    a, _ = tenants
    alice = client_factory(a.email)
    batch = alice.post(
        "/api/v1/batches", json={"product_title": "Desk lamp", "strategy": "round_robin"}, headers=ORIGIN
    ).json()
    bid = batch["id"]
    files = [("files", (f"{i}.png", png(900 + i), "image/png")) for i in range(3)]
    upload = alice.post(f"/api/v1/batches/{bid}/files", files=files[:1], headers=ORIGIN).json()
    assert upload["n_creatives"] == 1
    refused = alice.post(f"/api/v1/batches/{bid}/start", headers=ORIGIN)
    assert refused.status_code == 400 and "at least two" in refused.json()["detail"]
    upload = alice.post(f"/api/v1/batches/{bid}/files", files=files[1:], headers=ORIGIN).json()
    assert upload["n_creatives"] == 3 and upload["estimated_calls"] == 6  # round robin: 3 pairs, both orders
    started = alice.post(f"/api/v1/batches/{bid}/start", headers=ORIGIN)
    assert started.status_code == 200, started.text
    assert started.json() == {"batch_id": bid, "status": "validating", "queued": 3, "estimated_calls": 6}
    # One validation message per upload is waiting on the CPU queue (no worker runs in this test).
    broker = redis.Redis.from_url(runtime.settings.redis_url)
    assert broker.llen(f"{runtime.settings.redis_key_prefix}cpu") == 3
    assert alice.post(f"/api/v1/batches/{bid}/start", headers=ORIGIN).status_code == 409
    assert alice.post(f"/api/v1/batches/{bid}/files", files=files[:1], headers=ORIGIN).status_code == 409

    cancel = alice.post(f"/api/v1/batches/{bid}/cancel", headers=ORIGIN).json()
    assert cancel == {"batch_id": bid, "status": "cancelled", "cancelled": True}
    assert alice.post(f"/api/v1/batches/{bid}/cancel", headers=ORIGIN).json()["cancelled"] is False

    with runtime.db.transaction() as session:
        v1 = ModelVersion(name="v1", backend="fake", comparator_version="fake-v1", status="active")
        v2 = ModelVersion(name="v2", backend="fake", comparator_version="fake-v2", status="candidate")
        old = ModelVersion(name="v0", backend="fake", comparator_version="fake-v0", status="retired")
        session.add_all([v1, v2, old])
        session.flush()
        ids = v1.id, v2.id, old.id
    rerun = f"/api/v1/batches/{a.batch_id}/rerun"
    same = alice.post(rerun, json={"model_version_id": ids[0]}, headers=ORIGIN)
    assert same.status_code == 409 and "already ranked" in same.json()["detail"]
    assert alice.post(rerun, json={"model_version_id": ids[2]}, headers=ORIGIN).status_code == 404
    accepted = alice.post(rerun, json={"model_version_id": ids[1]}, headers=ORIGIN)
    assert accepted.status_code == 202 and accepted.json()["status"] == "planned"
    assert broker.llen(f"{runtime.settings.redis_key_prefix}gpu") == 1  # START_BATCH for a comparator worker
    # The earlier ranking stays readable while the new run is planned.
    assert [
        e["creative_id"] for e in alice.get(f"/api/v1/batches/{a.batch_id}/results").json()["entries"]
    ] == a.creative_ids
    assert alice.post(rerun, json={"model_version_id": ids[1]}, headers=ORIGIN).status_code == 409  # not finished


def test_progress_reports_an_eta_while_comparing(runtime: Any, client_factory: Any, tenants: Any) -> None:
    a, _ = tenants
    alice = client_factory(a.email)
    with runtime.db.transaction() as session:
        session.execute(
            update(Batch)
            .where(Batch.id == a.batch_id)
            .values(status="comparing", progress_done=2, progress_total=6, started_at=utcnow() - timedelta(seconds=20))
        )
    progress = alice.get(f"/api/v1/batches/{a.batch_id}/progress").json()
    assert progress["status"] == "comparing" and progress["fraction"] == round(2 / 6, 4)
    assert 35 < progress["eta_seconds"] < 60  # 20 s for 2 calls, 4 to go
    assert progress["leader_creative_id"] == a.creative_ids[0]


def test_admin_manages_users_and_sees_queue_health(runtime: Any, client_factory: Any, tenants: Any, admin: Any) -> None:
    root = client_factory(admin.email)
    body = {"email": "New.Person@Example.com", "password": "a long enough password", "display_name": "New"}
    created = root.post("/api/v1/admin/users", json=body, headers=ORIGIN)
    assert created.status_code == 201 and created.json()["email"] == "new.person@example.com"
    assert created.json()["role"] == "advertiser"
    assert root.post("/api/v1/admin/users", json=body, headers=ORIGIN).status_code == 409
    short = root.post("/api/v1/admin/users", json=dict(body, email="x@example.com", password="short"), headers=ORIGIN)
    assert short.status_code == 422
    newcomer = client_factory("new.person@example.com", "a long enough password")
    assert newcomer.get("/api/v1/batches").json()["items"] == []  # a new account sees nothing of anyone's
    uid = created.json()["id"]
    assert (
        root.patch(f"/api/v1/admin/users/{uid}", json={"is_active": False}, headers=ORIGIN).json()["is_active"] is False
    )
    assert newcomer.get("/api/v1/me").status_code == 401
    own = root.patch(f"/api/v1/admin/users/{admin.user_id}", json={"is_active": False}, headers=ORIGIN)
    assert own.status_code == 409
    health = root.get("/api/v1/admin/queue").json()
    assert set(health["depths"]) == {"cpu", "gpu"} and health["expired_leases"] == 0
    versions = root.get("/api/v1/admin/model-versions")
    assert versions.status_code == 200 and versions.json() == []
    # No worker consumes the queue in this test: the canary says so instead of hanging.
    canary = root.post("/api/v1/admin/canary", json={"queue": "cpu", "timeout_seconds": 0.5}, headers=ORIGIN).json()
    assert canary == {"queue": "cpu", "ok": False, "seconds": None}


def test_openapi_documents_every_api_route(web_app: Any, client_factory: Any, tenants: Any) -> None:
    a, _ = tenants
    alice = client_factory(a.email)
    schema = alice.get("/api/openapi.json").json()
    documented = {(path, method.upper()) for path, ops in schema["paths"].items() for method in ops}
    served = {(p, m) for p, m in routes(web_app) if p.startswith("/api/v1/")}
    assert served and served <= documented, served - documented
    for path, method in served:
        operation = schema["paths"][path][method.lower()]
        assert operation.get("summary"), (method, path)
    upload = schema["paths"]["/api/v1/batches/{batch_id}/files"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert "bearer" in schema["info"]["description"].lower()
    docs = alice.get("/api/docs")
    assert docs.status_code == 200 and "/api/openapi.json" in docs.text
    with_token = client_factory().get(
        "/api/openapi.json", headers=_bearer(alice.post("/api/v1/tokens", json={}, headers=ORIGIN).json()["token"])
    )
    assert with_token.status_code == 200
