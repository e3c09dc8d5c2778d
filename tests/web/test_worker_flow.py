"""Upload to ranking's first half with a real CPU worker subprocess (no eager mode): the API accepts the
files, the worker decodes each with the hardened loader, good images become servable and a corrupt one is
named with its reason; the admin canary proves the CPU queue is consumed; cancel stops the batch."""

from __future__ import annotations

import time
from typing import Any

from web_routes import png
from web_world import ORIGIN


def _wait(predicate: Any, timeout: float, what: str, logs: Any) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{logs()}")


def test_worker_validates_uploads_and_answers_the_canary(
    runtime: Any, client_factory: Any, tenants: Any, admin: Any, workers: Any
) -> None:
    a, _ = tenants
    alice, root = client_factory(a.email), client_factory(admin.email)
    worker = workers.start(queues="cpu", pool="solo")
    bid = alice.post("/api/v1/batches", json={"product_title": "Worker flow"}, headers=ORIGIN).json()["id"]
    broken = png(402, (300, 200))
    broken = broken[: len(broken) // 2]  # a PNG signature and header, then cut off: passes the upload sniff
    files = [("files", (f"good-{i}.png", png(400 + i, (120, 90)), "image/png")) for i in range(2)]
    files.append(("files", ("cut-off.png", broken, "image/png")))
    upload = alice.post(f"/api/v1/batches/{bid}/files", files=files, headers=ORIGIN).json()
    assert len(upload["accepted"]) == 3 and upload["rejected"] == []
    assert alice.post(f"/api/v1/batches/{bid}/start", headers=ORIGIN).json()["queued"] == 3

    def validated() -> Any:
        progress = alice.get(f"/api/v1/batches/{bid}/progress").json()
        return progress if "pending" not in progress["creatives"] else None

    progress = _wait(validated, 120, "the worker to validate the uploads", workers.logs)
    assert progress["creatives"] == {"valid": 2, "rejected": 1}
    assert progress["status"] == "planned"  # validated; waiting for a comparator worker (none runs here)
    creatives = {c["filename"]: c for c in alice.get(f"/api/v1/batches/{bid}/creatives").json()}
    bad = creatives["cut-off.png"]
    assert bad["status"] == "rejected" and bad["error"].startswith("cut-off.png:") and bad["image_url"] is None
    for name in ("good-0.png", "good-1.png"):
        good = creatives[name]
        assert good["status"] == "valid" and (good["width"], good["height"]) == (120, 90)
        image = alice.get(good["image_url"])
        assert image.status_code == 200 and image.headers["content-type"] in ("image/png", "image/jpeg")
        assert alice.get(good["thumb_url"]).status_code == 200
    assert alice.get(f"/media/creatives/{bad['id']}/image").status_code == 404

    cpu = root.post("/api/v1/admin/canary", json={"queue": "cpu", "timeout_seconds": 30}, headers=ORIGIN).json()
    assert cpu["ok"] is True and 0 < cpu["seconds"] < 30, workers.logs()
    gpu = root.post("/api/v1/admin/canary", json={"queue": "gpu", "timeout_seconds": 1}, headers=ORIGIN).json()
    assert gpu == {"queue": "gpu", "ok": False, "seconds": None}
    health = root.get("/api/v1/admin/queue").json()
    assert health["depths"]["gpu"] >= 1  # the batch's start message (and the canary) wait for a GPU worker

    cancelled = alice.post(f"/api/v1/batches/{bid}/cancel", headers=ORIGIN).json()
    assert cancelled == {"batch_id": bid, "status": "cancelled", "cancelled": True}
    assert worker.process is not None and worker.process.poll() is None
