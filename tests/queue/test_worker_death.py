"""Workers that die mid-comparison: the pool child, the whole worker, and a comparison that kills every time."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

from queue_db import comparisons, creative_ids, wait_finished, wait_for

from app.queue import GPU_QUEUE, START_BATCH


def _running(rt, batch_id: int) -> bool:  # type: ignore[no-untyped-def]
    return any(r.status == "running" for r in comparisons(rt, batch_id))


def _one_row_per_key(rows) -> None:  # type: ignore[no-untyped-def]
    keys = Counter((r.first_id, r.second_id, r.comparator_version) for r in rows)
    assert set(keys.values()) == {1}


def test_killed_pool_child_is_redone_within_seconds(qruntime, make_batch, workers) -> None:  # type: ignore[no-untyped-def]
    rt = qruntime
    workers.env["CREATIVE4U_MODEL"] = "fake:1.5"
    batch_id = make_batch(2)
    worker = workers.start()
    rt.send(START_BATCH, batch_id)
    wait_for(lambda: _running(rt, batch_id), 30, "a running comparison", workers.logs)
    children = worker.children()
    assert len(children) == 1
    os.kill(children[0], signal.SIGKILL)
    killed_at = time.monotonic()
    batch = wait_finished(rt, batch_id, 30, workers.logs)
    redone_in = time.monotonic() - killed_at
    assert batch.status == "ranked", workers.logs()
    assert redone_in < 10  # redelivered at once (reject_on_worker_lost), not after the visibility timeout
    rows = comparisons(rt, batch_id)
    assert len(rows) == 2 and all(r.status == "done" for r in rows)
    assert [r.attempts for r in rows] == [2, 2]
    _one_row_per_key(rows)
    assert worker.children() and worker.children() != children  # the pool replaced its child


def test_killed_worker_is_redone_by_another_after_visibility_timeout(qruntime, make_batch, workers, qenv) -> None:  # type: ignore[no-untyped-def]
    rt = qruntime
    workers.env["CREATIVE4U_MODEL"] = "fake:1.5"
    batch_id = make_batch(2)
    first = workers.start()
    rt.send(START_BATCH, batch_id)
    wait_for(lambda: _running(rt, batch_id), 30, "a running comparison", workers.logs)
    first.kill()
    killed_at = time.monotonic()
    second = workers.start()
    batch = wait_finished(rt, batch_id, 60, workers.logs)
    assert batch.status == "ranked", workers.logs()
    # The message came back from the unacked set only after the visibility timeout (12 s in these tests).
    assert time.monotonic() - killed_at >= int(qenv["CREATIVE4U_VISIBILITY_TIMEOUT"]) - 2
    rows = comparisons(rt, batch_id)
    assert len(rows) == 2 and all(r.status == "done" and r.attempts == 2 for r in rows)
    assert all(second.name in (r.lease_owner or "") for r in rows)
    _one_row_per_key(rows)


def test_comparison_that_always_kills_fails_after_max_attempts(qruntime, make_batch, workers, qenv) -> None:  # type: ignore[no-untyped-def]
    import redis

    rt = qruntime
    batch_id = make_batch(3)
    killer = creative_ids(rt, batch_id)[0]
    worker = workers.start(extra_env={"CREATIVE4U_FAKE_KILL_ON": str(killer)})
    rt.send(START_BATCH, batch_id)
    batch = wait_finished(rt, batch_id, 90, workers.logs)
    assert batch.status == "ranked", (batch.error, workers.logs())
    rows = comparisons(rt, batch_id)
    _one_row_per_key(rows)
    with_killer = [r for r in rows if killer in (r.first_id, r.second_id)]
    without = [r for r in rows if killer not in (r.first_id, r.second_id)]
    assert len(with_killer) == 4 and len(without) == 2
    max_attempts = int(qenv["CREATIVE4U_MAX_ATTEMPTS"])
    assert all(r.status == "failed" and "attempts" in (r.error or "") for r in with_killer)
    assert all(r.attempts == max_attempts for r in with_killer)
    # Its neighbours were isolated after the first death: judged, not failed with it.
    assert all(r.status == "done" and r.attempts <= 2 for r in without)
    client = redis.Redis.from_url(qenv["CREATIVE4U_REDIS_URL"])
    prefix = qenv["CREATIVE4U_REDIS_KEY_PREFIX"]
    wait_for(
        lambda: client.llen(prefix + GPU_QUEUE) == 0 and client.hlen(prefix + "unacked") == 0, 20, "the queue to drain"
    )
    # No endless requeue: the first message held both killer pairs (one death for both); after it they run pair
    # by pair, each dying on its remaining attempts. 1 + 2 x 2 = 5 deaths, then the queue is empty.
    deaths = worker.text().count("exited with 'exitcode 137'")
    assert deaths == 1 + 2 * (max_attempts - 1), workers.logs()
