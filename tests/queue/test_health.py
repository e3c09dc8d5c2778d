"""Health: the canary proves a worker consumes a queue (a ping does not); a queue nobody consumes times out and
shows up as depth in queue_health."""

from __future__ import annotations

import pytest
from celery import Celery

from app.queue import celery_config
from app.services import lifecycle
from app.services.errors import InvalidInput


def test_canary_needs_a_consumer_not_just_a_live_worker(qruntime, workers) -> None:  # type: ignore[no-untyped-def]
    rt = qruntime
    cpu_only = workers.start(queues="cpu")
    # The worker is alive and answers a ping...
    client = Celery("health-test")
    client.conf.update(celery_config(rt.settings, rt.broker_url))
    replies = client.control.ping(timeout=5)
    assert any(f"{cpu_only.name}@test" in reply for reply in replies), replies
    # ... and consumes the cpu queue, but nobody consumes the gpu queue: its canary times out and waits there.
    assert lifecycle.run_canary(rt, "cpu", timeout=30) is not None
    assert lifecycle.run_canary(rt, "gpu", timeout=3) is None
    health = lifecycle.queue_health(rt)
    assert health.depths["gpu"] == 1 and health.depths["cpu"] == 0

    # A gpu worker arrives: the stale canary has expired (it is dropped, not run late) and a new one passes.
    gpu = workers.start(queues="gpu")
    took = lifecycle.run_canary(rt, "gpu", timeout=30)
    assert took is not None and took < 30
    assert lifecycle.queue_health(rt).depths == {"cpu": 0, "gpu": 0}
    assert "expired" in gpu.text().lower() or "revoked" in gpu.text().lower(), gpu.text()[-3000:]

    with pytest.raises(InvalidInput):
        lifecycle.run_canary(rt, "nope", timeout=1)
