"""The full path with the real transformers code: a small batch ranked end to end by a worker that loads the tiny
locally built Qwen2.5-VL model, with reasoning, raw text and prompt version stored for every call."""

from __future__ import annotations

import pytest
from queue_db import comparisons, wait_finished
from sqlalchemy import select

from app.models import Ranking
from app.queue import START_BATCH
from selector.parsing import parse_output
from selector.prompt import prompt_version


@pytest.fixture
def tiny_env(qenv: dict[str, str]) -> dict[str, str]:
    """The worker's settings (only the workers load the model; this process sends and reads the database)."""
    from selector.testing import cached_tiny_model

    qenv.update(
        {
            "CREATIVE4U_MODEL": str(cached_tiny_model()),
            "CREATIVE4U_MAX_NEW_TOKENS": "24",
            "CREATIVE4U_MAX_PIXELS": str(128 * 128),
            # Importing torch and loading a model on a busy 2-core machine takes a while: generous limits.
            "CREATIVE4U_TASK_SOFT_TIME_LIMIT": "200",
            "CREATIVE4U_TASK_TIME_LIMIT": "240",
            "CREATIVE4U_LEASE_SECONDS": "250",
            "CREATIVE4U_VISIBILITY_TIMEOUT": "260",
        }
    )
    return qenv


@pytest.mark.slow
def test_tiny_model_ranks_a_batch_end_to_end(tiny_env, qruntime, make_batch, workers) -> None:  # type: ignore[no-untyped-def]
    rt = qruntime
    batch_id = make_batch(3, strategy="round_robin")
    workers.start(queues="gpu", extra_env={"OMP_NUM_THREADS": "1"})
    rt.send(START_BATCH, batch_id)
    batch = wait_finished(rt, batch_id, 400, workers.logs)
    assert batch.status == "ranked", (batch.error, workers.logs())
    assert batch.comparator_version.startswith("mllm-"), batch.comparator_version  # the real MLLM comparator
    rows = comparisons(rt, batch_id)
    assert len(rows) == 6 and all(r.status == "done" and r.attempts == 1 for r in rows)
    for row in rows:
        assert row.comparator_version == batch.comparator_version
        assert row.prompt_version == prompt_version("en")
        assert row.p_first is not None and 0.0 < row.p_first < 1.0  # from the answer-slot logits
        assert row.raw_text is not None and row.tokens and row.tokens > 0 and row.latency_ms
        assert row.reasoning == parse_output(row.raw_text).reasoning  # what was stored is what the model wrote
        assert row.parse_ok is not None
    assert any(r.reasoning for r in rows)
    with rt.db.transaction() as session:
        ranking = session.scalars(select(Ranking).where(Ranking.batch_id == batch_id)).one()
    assert ranking.comparator_version == batch.comparator_version and ranking.calls_used == 6
