"""Redis restarted (crashed, AOF on) with queued work: nothing lost, and a worker that lived through the restart
consumes what is sent afterwards."""

from __future__ import annotations

import pytest
import redis
from queue_db import comparisons, wait_finished, wait_for

from app.queue import GPU_QUEUE, JUDGE, START_BATCH
from worker import pipeline


@pytest.mark.parametrize("qenv", ["aof"], indirect=True)
def test_queued_work_survives_a_redis_crash(qruntime, make_batch, workers, aof_redis, qenv) -> None:  # type: ignore[no-untyped-def]
    rt = qruntime
    assert rt.broker_url == aof_redis.url
    client = redis.Redis.from_url(aof_redis.url)
    queue = qenv["CREATIVE4U_REDIS_KEY_PREFIX"] + GPU_QUEUE

    # Queue a round of work with no worker running: the messages exist only in Redis.
    first = make_batch(4, strategy="round_robin")
    chunks = pipeline.start(rt, first)
    for chunk in chunks:
        rt.send(JUDGE, first, chunk)
    waiting = client.lrange(queue, 0, -1)
    assert len(waiting) == len(chunks) >= 2

    aof_redis.restart()  # SIGKILL, then start on the same port and data folder
    assert client.lrange(queue, 0, -1) == waiting, "messages were lost in the restart"

    worker = workers.start(beat=False)  # no reconciler: only the surviving messages can finish the batch
    batch = wait_finished(rt, first, 90, workers.logs)
    assert batch.status == "ranked", (batch.error, workers.logs())
    rows = comparisons(rt, first)
    assert len(rows) == 12 and all(r.status == "done" and r.attempts == 1 for r in rows)

    # Crash Redis again under the running (idle) worker; work sent after the restart still gets done.
    aof_redis.restart()
    second = make_batch(3, strategy="round_robin")
    rt.send(START_BATCH, second)
    batch = wait_finished(rt, second, 120, workers.logs)
    assert batch.status == "ranked", (batch.error, workers.logs())
    assert all(r.status == "done" and worker.name in (r.lease_owner or "") for r in comparisons(rt, second))
    wait_for(lambda: client.llen(queue) == 0, 30, "the queue to drain", workers.logs)
