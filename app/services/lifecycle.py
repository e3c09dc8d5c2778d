"""Batch lifecycle for the web app: submit, cancel, re-run with another model version, progress with an ETA,
and queue health for the admin page.

draft -> validating -> planned -> comparing -> ranked | failed | cancelled. The web app commits, then sends
tasks by name (it never imports `worker`). Status changes are compare-and-set updates, so a click racing a
worker never resurrects a finished batch.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import redis
from sqlalchemy import CursorResult, Table, func, select, update
from sqlalchemy.orm import Session

from app.models import Batch, Comparison, Creative, ModelVersion, Ranking, User, utcnow
from app.queue import CANARY, CPU_QUEUE, GPU_QUEUE, START_BATCH, VALIDATE_CREATIVE
from app.runtime import Runtime
from app.services import access
from app.services.errors import Conflict, InvalidInput, NotFound

ACTIVE = ("draft", "validating", "planned", "comparing")
FINISHED = ("ranked", "failed", "cancelled")
B = cast(Table, Batch.__table__)
C = cast(Table, Comparison.__table__)


def _changed(session: Session, stmt: Any) -> int:
    """Rows an UPDATE matched: who won a compare-and-set."""
    return cast("CursorResult[Any]", session.execute(stmt)).rowcount


def submit_batch(runtime: Runtime, user: User, batch_id: int) -> str:
    """draft -> validating, and enqueue validation of every pending upload (START_BATCH when none is left)."""
    with runtime.db.transaction() as session:
        batch = access.get_batch(session, user, batch_id)
        won = _changed(session, update(B).where(B.c.id == batch.id, B.c.status == "draft").values(status="validating"))
        if won != 1:
            raise Conflict(f"This batch is already {batch.status}.")
        pending = list(
            session.scalars(select(Creative.id).where(Creative.batch_id == batch.id, Creative.status == "pending"))
        )
        if not pending:
            session.execute(update(B).where(B.c.id == batch.id).values(status="planned"))
    for creative_id in pending:
        runtime.send(VALIDATE_CREATIVE, creative_id)
    if not pending:
        runtime.send(START_BATCH, batch_id)
    return "planned" if not pending else "validating"


def cancel_batch(runtime: Runtime, user: User, batch_id: int) -> bool:
    """Stop a batch that has not finished: its open comparisons are cancelled and running ones' verdicts are
    dropped on arrival. Returns False when it had already finished."""
    with runtime.db.transaction() as session:
        batch = access.get_batch(session, user, batch_id)
        won = _changed(
            session,
            update(B)
            .where(B.c.id == batch.id, B.c.status.in_(ACTIVE))
            .values(status="cancelled", finished_at=utcnow(), error="Cancelled."),
        )
        if won != 1:
            return False
        session.execute(
            update(C)
            .where(C.c.batch_id == batch.id, C.c.status.in_(("pending", "running")))
            .values(status="cancelled", lease_expires_at=None)
        )
    return True


def rerun_batch(runtime: Runtime, user: User, batch_id: int, model_version_id: int) -> None:
    """Judge a finished batch again with another model version. Earlier verdicts and rankings stay (the unique
    keys include the comparator version); a cancelled run of the same version resumes where it stopped."""
    with runtime.db.transaction() as session:
        batch = access.get_batch(session, user, batch_id)
        version = session.get(ModelVersion, model_version_id)
        if version is None or version.status == "retired":
            raise NotFound("No such model version.")
        done = session.scalar(
            select(Ranking.id).where(
                Ranking.batch_id == batch.id, Ranking.comparator_version == version.comparator_version
            )
        )
        if done is not None:
            raise Conflict("This batch is already ranked with that model version.")
        won = _changed(
            session,
            update(B)
            .where(B.c.id == batch.id, B.c.status.in_(FINISHED))
            .values(status="planned", model_version_id=version.id, error=None, finished_at=None),
        )
        if won != 1:
            raise Conflict("Wait until the batch has finished (or cancel it) before re-running it.")
    runtime.send(START_BATCH, batch_id)


@dataclass(frozen=True)
class WorkerRate:
    worker: str
    done: int
    per_minute: float
    last_at: str


@dataclass(frozen=True)
class QueueHealth:
    depths: dict[str, int]  # messages waiting per queue
    unacked: int  # messages held by workers (running, or waiting to be restored)
    open_comparisons: dict[str, int]
    expired_leases: int
    workers: list[WorkerRate]
    window_minutes: int


def _redis(runtime: Runtime) -> redis.Redis:
    return redis.Redis.from_url(runtime.broker_url, socket_timeout=5)


def queue_health(runtime: Runtime, window_minutes: int = 10) -> QueueHealth:
    prefix = runtime.settings.redis_key_prefix
    client = _redis(runtime)
    depths = {q: int(client.llen(f"{prefix}{q}")) for q in (CPU_QUEUE, GPU_QUEUE)}
    unacked = int(client.hlen(f"{prefix}unacked"))
    since = utcnow() - timedelta(minutes=window_minutes)
    with runtime.db.transaction() as session:
        open_counts: dict[str, int] = dict(
            session.execute(
                select(C.c.status, func.count()).where(C.c.status.in_(("pending", "running"))).group_by(C.c.status)
            ).all()
        )
        expired = session.scalar(select(func.count()).where(C.c.status == "running", C.c.lease_expires_at < utcnow()))
        rows = session.execute(
            select(C.c.lease_owner, func.count(), func.max(C.c.finished_at))
            .where(C.c.status == "done", C.c.finished_at >= since, C.c.lease_owner.is_not(None))
            .group_by(C.c.lease_owner)
        ).all()
    workers = [
        WorkerRate(str(owner), int(n), round(n / window_minutes, 2), last.isoformat() if last else "")
        for owner, n, last in sorted(rows, key=lambda r: -r[1])
    ]
    return QueueHealth(depths, unacked, {str(k): int(v) for k, v in open_counts.items()}, int(expired or 0),
                       workers, window_minutes)  # fmt: skip


def run_canary(runtime: Runtime, queue: str = GPU_QUEUE, timeout: float = 30.0) -> float | None:
    """Send a canary through `queue` and wait for a worker to execute it: seconds taken, or None on timeout.
    Unlike a ping, this proves that some worker consumes that queue."""
    if queue not in (CPU_QUEUE, GPU_QUEUE):
        raise InvalidInput(f"unknown queue {queue!r}")
    token = uuid.uuid4().hex
    key = f"{runtime.settings.redis_key_prefix}creative4u:canary:{token}"
    client = _redis(runtime)
    began = time.monotonic()
    runtime.send(CANARY, token, queue=queue, expires=timeout)
    while time.monotonic() - began < timeout:
        if client.get(key) is not None:
            client.delete(key)
            return time.monotonic() - began
        time.sleep(0.05)
    return None
