"""Lost messages: the database says what should happen; the reconciler (beat in the worker) re-enqueues it."""

from __future__ import annotations

import redis
from queue_db import batch_row, comparisons, set_status, wait_finished

from app.queue import GPU_QUEUE, JUDGE
from worker import pipeline, reconciler


def test_deleted_messages_are_reenqueued_and_batches_complete(qruntime, make_batch, workers, qenv) -> None:  # type: ignore[no-untyped-def]
    rt = qruntime
    client = redis.Redis.from_url(qenv["CREATIVE4U_REDIS_URL"])
    queue = qenv["CREATIVE4U_REDIS_KEY_PREFIX"] + GPU_QUEUE

    # A judging round whose messages are queued, then one of them deleted from Redis.
    judged = make_batch(4, strategy="round_robin")
    chunks = pipeline.start(rt, judged)
    for chunk in chunks:
        rt.send(JUDGE, judged, chunk)
    raw = client.lrange(queue, 0, -1)
    assert len(raw) == len(chunks) >= 2
    prefix = qenv["CREATIVE4U_REDIS_KEY_PREFIX"]
    carried, _ = reconciler.live_messages(client, prefix)
    assert carried == {i for chunk in chunks for i in chunk}
    assert client.lrem(queue, 1, raw[0]) == 1
    lost_ids = carried - reconciler.live_messages(client, prefix)[0]
    assert lost_ids and len(lost_ids) < len(carried)

    # A batch ready to start whose START_BATCH message never made it (planned, no message anywhere).
    unstarted = make_batch(3, strategy="round_robin")
    set_status(rt, unstarted, "planned")

    workers.start(beat=True)  # reconciler every CREATIVE4U_RECONCILE_SECONDS (2 s here)
    for batch_id in (judged, unstarted):
        batch = wait_finished(rt, batch_id, 120, workers.logs)
        assert batch.status == "ranked", (batch.error, workers.logs())
    rows = {r.id: r for r in comparisons(rt, judged)}
    assert all(r.status == "done" for r in rows.values())
    # The lost rows were judged once, from the reconciler's message: no attempt was spent on the lost one.
    assert all(rows[i].attempts == 1 for i in lost_ids)
    assert len(comparisons(rt, unstarted)) == 6
    assert batch_row(rt, unstarted).comparator_version
    assert "reconciled" in workers.logs()
