"""The whole path on real workers: start -> rounds -> ranking, re-run with another model version, cancel,
progress, queue health and the canary."""

from __future__ import annotations

from collections import Counter

import redis
from queue_db import batch_row, comparisons, creative_ids, wait_finished, wait_for
from sqlalchemy import select

from app.models import ModelVersion, Ranking, RankingEntry, User, utcnow
from app.queue import GPU_QUEUE, START_BATCH
from app.services import lifecycle, results


def _progress(rt, user, batch_id):  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return results.progress(session, user, batch_id)


def _admin(rt) -> User:  # type: ignore[no-untyped-def]
    with rt.db.transaction() as session:
        return session.scalars(select(User)).one()


def test_batch_is_ranked_then_rerun_with_another_version(qruntime, make_batch, workers, qenv) -> None:  # type: ignore[no-untyped-def]
    rt = qruntime
    batch_id = make_batch(5, strategy="round_robin")
    user = _admin(rt)
    worker = workers.start(beat=True)
    rt.send(START_BATCH, batch_id)
    batch = wait_finished(rt, batch_id, 60, workers.logs)
    assert batch.status == "ranked", (batch.error, workers.logs())
    rows = comparisons(rt, batch_id)
    ids = creative_ids(rt, batch_id)
    # round robin: every unordered pair, both orders, exactly once each
    assert len(rows) == 5 * 4
    assert Counter((r.first_id, r.second_id) for r in rows) == Counter((a, b) for a in ids for b in ids if a != b)
    assert all(r.status == "done" and r.attempts == 1 and r.p_first is not None for r in rows)
    assert {r.comparator_version for r in rows} == {batch.comparator_version}
    assert batch.comparator_version.startswith("fake-")
    assert all(r.lease_owner and worker.name in r.lease_owner for r in rows)
    assert batch.progress_done == batch.progress_total == 20 and batch.current_round >= 2
    with rt.db.transaction() as session:
        ranking = session.scalars(select(Ranking).where(Ranking.batch_id == batch_id)).one()
        entries = list(session.scalars(select(RankingEntry).where(RankingEntry.ranking_id == ranking.id)))
    assert sorted(e.creative_id for e in entries) == ids
    assert batch.leader_creative_id == min(entries, key=lambda e: e.rank).creative_id
    progress = _progress(rt, user, batch_id)
    assert progress.fraction == 1.0 and progress.eta_seconds == 0.0

    # Health: the canary proves both queues are consumed; throughput is counted per worker.
    assert lifecycle.run_canary(rt, "gpu", timeout=20) is not None
    assert lifecycle.run_canary(rt, "cpu", timeout=20) is not None
    health = lifecycle.queue_health(rt)
    assert health.depths == {"cpu": 0, "gpu": 0}
    assert [w.done for w in health.workers] == [20] and worker.name in health.workers[0].worker

    # Re-run with another (registered) version: new verdicts under the new key, the old ones kept.
    with rt.db.transaction() as session:
        version = ModelVersion(
            name="fake-v2", backend="fake", base_model="0.01", comparator_version="fake-v2", status="candidate"
        )
        session.add(version)
        session.flush()
        version_id = version.id
    lifecycle.rerun_batch(rt, user, batch_id, version_id)
    assert batch_row(rt, batch_id).status == "planned"
    again = wait_finished(rt, batch_id, 60, workers.logs)
    assert again.status == "ranked" and again.model_version_id == version_id
    assert again.comparator_version != batch.comparator_version
    rows = comparisons(rt, batch_id)
    assert Counter(r.comparator_version for r in rows) == {batch.comparator_version: 20, again.comparator_version: 20}
    with rt.db.transaction() as session:
        versions = sorted(session.scalars(select(Ranking.comparator_version).where(Ranking.batch_id == batch_id)))
    assert versions == sorted([batch.comparator_version, again.comparator_version])


def test_cancel_stops_a_running_batch(qruntime, make_batch, workers, qenv) -> None:  # type: ignore[no-untyped-def]
    rt = qruntime
    workers.env["CREATIVE4U_MODEL"] = "fake:0.5"
    batch_id = make_batch(6, strategy="round_robin")
    user = _admin(rt)
    workers.start()
    rt.send(START_BATCH, batch_id)
    wait_for(lambda: batch_row(rt, batch_id).progress_done >= 4, 60, "some progress", workers.logs)
    progress = _progress(rt, user, batch_id)
    assert progress.status == "comparing" and progress.eta_seconds is not None and progress.eta_seconds > 0
    assert lifecycle.cancel_batch(rt, user, batch_id) is True
    assert lifecycle.cancel_batch(rt, user, batch_id) is False  # already finished
    client = redis.Redis.from_url(qenv["CREATIVE4U_REDIS_URL"])
    queue = qenv["CREATIVE4U_REDIS_KEY_PREFIX"] + GPU_QUEUE
    wait_for(lambda: client.llen(queue) == 0, 30, "the queue to drain", workers.logs)
    cancelled_at = utcnow()
    rows = comparisons(rt, batch_id)
    assert batch_row(rt, batch_id).status == "cancelled"
    assert not [r for r in rows if r.status in ("pending", "running")]
    assert {r.status for r in rows} >= {"cancelled"}
    assert all(r.finished_at is None or r.finished_at <= cancelled_at for r in rows if r.status == "done")
    with rt.db.transaction() as session:
        assert session.scalar(select(Ranking.id).where(Ranking.batch_id == batch_id)) is None
