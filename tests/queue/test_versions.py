"""A running batch keeps the comparator it started with: promoting a model version mid-run changes new batches,
not this one (its verdicts never mix versions). In-process pipeline calls; the queue tests cover delivery."""

from __future__ import annotations

from queue_db import batch_row, comparisons

from app.models import ModelVersion, utcnow
from worker import pipeline


def _judge_all(rt, batch_id: int, chunks: list[list[int]]) -> None:  # type: ignore[no-untyped-def]
    round_no = 0
    while chunks:
        round_no += 1
        assert round_no < 20, "the batch does not finish"
        following: list[list[int]] = []
        for i, chunk in enumerate(chunks):
            outcome = pipeline.judge(rt, batch_id, chunk, "w@test:1", f"task-{round_no}-{i}")
            following += outcome.messages or []
        chunks = following


def test_promotion_mid_run_does_not_switch_a_running_batch(qruntime, make_batch) -> None:  # type: ignore[no-untyped-def]
    rt = qruntime
    running = make_batch(4, strategy="round_robin")
    chunks = pipeline.start(rt, running)
    started = batch_row(rt, running)
    assert started.status == "comparing" and started.model_version_id is None
    with rt.db.transaction() as session:
        session.add(
            ModelVersion(
                name="promoted", backend="fake", base_model="0", comparator_version="promoted-x",
                status="active", promoted_at=utcnow(),
            )
        )  # fmt: skip
    _judge_all(rt, running, chunks)
    batch = batch_row(rt, running)
    assert batch.status == "ranked", batch.error
    rows = comparisons(rt, running)
    assert rows and all(r.status == "done" and r.comparator_version == started.comparator_version for r in rows)
    assert batch.progress_done == batch.progress_total == len(rows)

    # A batch started now takes the promoted version.
    fresh = make_batch(3, strategy="round_robin")
    _judge_all(rt, fresh, pipeline.start(rt, fresh))
    batch = batch_row(rt, fresh)
    assert batch.status == "ranked" and batch.model_version_id is not None
    assert batch.comparator_version != started.comparator_version
    assert {r.comparator_version for r in comparisons(rt, fresh)} == {batch.comparator_version}
