"""Reading and waiting on the queue tests' database; importable by a unique name (every folder's conftest
is called `conftest`, so `from conftest import ...` depends on which one pytest loaded last)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update

from app.models import Batch, Comparison, Creative

FINISHED = ("ranked", "failed", "cancelled")


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, logs: Callable[[], str] = str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{logs()}")


def batch_row(rt: Any, batch_id: int) -> Batch:
    with rt.db.transaction() as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        return batch


def wait_finished(rt: Any, batch_id: int, timeout: float, logs: Callable[[], str] = str) -> Batch:
    def done() -> Batch | None:
        batch = batch_row(rt, batch_id)
        return batch if batch.status in FINISHED else None

    return wait_for(done, timeout, f"batch {batch_id} to finish", logs)  # type: ignore[no-any-return]


def comparisons(rt: Any, batch_id: int) -> list[Comparison]:
    with rt.db.transaction() as session:
        return list(session.scalars(select(Comparison).where(Comparison.batch_id == batch_id).order_by(Comparison.id)))


def creative_ids(rt: Any, batch_id: int) -> list[int]:
    with rt.db.transaction() as session:
        return sorted(session.scalars(select(Creative.id).where(Creative.batch_id == batch_id)))


def set_status(rt: Any, batch_id: int, status: str) -> None:
    with rt.db.transaction() as session:
        session.execute(update(Batch).where(Batch.id == batch_id).values(status=status))
