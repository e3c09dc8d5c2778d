"""The same comparison delivered twice, also concurrently: one row per key, one claim, and the round planning and
the ranking happen exactly once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
from queue_db import batch_row, comparisons, wait_finished
from sqlalchemy import func, select

from app.models import Batch, Comparison, Ranking, RankingEntry
from app.queue import JUDGE, START_BATCH
from selector.types import Verdict
from worker import claims, pipeline, planner


def _one_row_per_key(rows: list[Comparison]) -> None:
    keys = Counter((r.first_id, r.second_id, r.comparator_version) for r in rows)
    assert set(keys.values()) == {1}, keys


def _rankings(rt: Any, batch_id: int) -> int:
    with rt.db.transaction() as session:
        return int(session.scalar(select(func.count()).where(Ranking.batch_id == batch_id)) or 0)


@pytest.mark.parametrize("qenv", ["sqlite", "postgresql"], indirect=True)
def test_every_message_delivered_again_and_concurrently(qruntime, make_batch, workers) -> None:  # type: ignore[no-untyped-def]
    """Two workers; every JUDGE message is duplicated several times while the batch runs (and START_BATCH too)."""
    rt = qruntime
    workers.env["CREATIVE4U_MODEL"] = "fake:0.2"
    batch_id = make_batch(5, strategy="round_robin")
    first, second = workers.start(), workers.start()
    for _ in range(3):
        rt.send(START_BATCH, batch_id)

    stop = threading.Event()
    sent = Counter[int]()

    def duplicate() -> None:
        # Whatever is open gets another message, over and over: deliveries race the originals on two workers.
        while not stop.is_set():
            open_ids = [r.id for r in comparisons(rt, batch_id) if r.status in ("pending", "running")]
            for i in range(0, len(open_ids), 4):
                rt.send(JUDGE, batch_id, open_ids[i : i + 4])
                sent.update(open_ids[i : i + 4])
            time.sleep(0.15)

    thread = threading.Thread(target=duplicate, daemon=True)
    thread.start()
    try:
        batch = wait_finished(rt, batch_id, 120, workers.logs)
    finally:
        stop.set()
        thread.join(10)
    assert batch.status == "ranked", (batch.error, workers.logs())
    # Keep delivering duplicates after the end: they must change nothing.
    rows_before = comparisons(rt, batch_id)
    for row in rows_before:
        rt.send(JUDGE, batch_id, [row.id])
    rt.send(START_BATCH, batch_id)
    time.sleep(3)

    rows = comparisons(rt, batch_id)
    assert sum(sent.values()) > len(rows), "the test did not deliver duplicates"
    assert len(rows) == 5 * 4
    _one_row_per_key(rows)
    # A duplicate never claimed a row a live task held, nor one already done: one attempt each.
    assert all(r.status == "done" and r.attempts == 1 for r in rows)
    assert [(r.id, r.finished_at, r.p_first) for r in rows] == [(r.id, r.finished_at, r.p_first) for r in rows_before]
    owners = {r.lease_owner.split(":")[0] for r in rows if r.lease_owner}
    assert owners <= {f"{first.name}@test", f"{second.name}@test"}
    assert _rankings(rt, batch_id) == 1
    final = batch_row(rt, batch_id)
    assert final.status == "ranked" and final.finished_at == batch.finished_at
    logs = workers.logs()
    assert "IntegrityError" not in logs and "raised unexpected" not in logs, logs


def _verdict(p: float) -> Verdict:
    answer = "A" if p >= 0.5 else "B"
    return Verdict(p, answer, "r", {10: answer}, f"<answer>{answer}</answer>", "v", "fake-1")


def _judge_without_settling(rt: Any, ids: list[int]) -> None:
    with rt.db.transaction() as session:
        rows = claims.claim(session, ids, "test", "t", 60, 3)
        claims.write_verdicts(session, rows, [_verdict(0.9 if r.first_id < r.second_id else 0.3) for r in rows], "t")


def _race(n: int, step: Any) -> list[Any]:
    """Run `step` in n threads released together; their results."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(30)
            results[i] = step()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


@pytest.mark.parametrize("qenv", ["sqlite", "postgresql"], indirect=True)
def test_concurrent_settles_plan_each_round_and_rank_once(qruntime, make_batch) -> None:  # type: ignore[no-untyped-def]
    """Several workers finish a round's last comparisons at once: one of them plans the next round, one ranks."""
    rt = qruntime
    batch_id = make_batch(4, strategy="round_robin")  # 6 pairs, 4 per round: two rounds
    first_round = [i for chunk in pipeline.start(rt, batch_id) for i in chunk]
    assert len(first_round) == 8
    _judge_without_settling(rt, first_round)

    planned = _race(6, lambda: pipeline.settle(rt, batch_id))
    winners = [chunks for chunks in planned if chunks]
    assert len(winners) == 1, planned
    second_round = sorted(i for chunk in winners[0] for i in chunk)
    assert len(second_round) == 4
    rows = comparisons(rt, batch_id)
    assert len(rows) == 12 and batch_row(rt, batch_id).current_round == 2
    _one_row_per_key(rows)

    _judge_without_settling(rt, second_round)

    def finish() -> bool:
        with rt.db.transaction() as session:
            batch = session.get(Batch, batch_id)
            assert batch is not None
            return planner.finish(session, batch, planner.state(session, batch), "test")

    won = _race(6, finish)
    assert won.count(True) == 1, won
    assert _rankings(rt, batch_id) == 1
    batch = batch_row(rt, batch_id)
    assert batch.status == "ranked" and batch.progress_done == 12
    with rt.db.transaction() as session:
        entries = session.scalar(select(func.count()).select_from(RankingEntry).join(Ranking))
    assert entries == 4
    # And a late settle, as a duplicate message would run, changes nothing.
    assert pipeline.settle(rt, batch_id) == []
    assert _rankings(rt, batch_id) == 1
