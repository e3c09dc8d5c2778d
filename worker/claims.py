"""Leases on comparison rows: claim, write verdicts, release, give up. Set-based SQL, so one transaction moves a
whole GPU batch (the throughput target needs many comparisons per round trip).

A claim takes rows that are pending, whose lease expired, or that this same message already held (a redelivery
after the worker process died: the message id is part of the lease owner). Every claim counts an attempt; a row
at the attempt limit is failed instead of claimed, so a comparison that kills its process cannot loop forever.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from app.models import Comparison, utcnow
from selector.types import Verdict

T = cast(Table, Comparison.__table__)
OPEN = ("pending", "running")


@dataclass(frozen=True)
class Row:
    id: int
    first_id: int
    second_id: int
    attempts: int
    status: str


def lease_owner(worker: str, task_id: str) -> str:
    return f"{worker}:{task_id}"[-120:]


def peek(session: Session, ids: Sequence[int]) -> list[Row]:
    stmt = select(T.c.id, T.c.first_id, T.c.second_id, T.c.attempts, T.c.status).where(T.c.id.in_(list(ids)))
    return [Row(*r) for r in session.execute(stmt.order_by(T.c.id))]


def _claimable(now: datetime, task_id: str) -> ColumnElement[Any]:
    return or_(
        T.c.status == "pending",
        and_(T.c.status == "running", or_(T.c.lease_expires_at < now, T.c.lease_owner.like(f"%:{task_id}"))),
    )


def give_up(session: Session, ids: Sequence[int], task_id: str, max_attempts: int) -> list[int]:
    """Fail claimable rows that already used every attempt; returns their ids."""
    now = utcnow()
    stmt = (
        update(T)
        .where(T.c.id.in_(list(ids)), _claimable(now, task_id), T.c.attempts >= max_attempts)
        .values(
            status="failed",
            error=f"gave up after {max_attempts} attempts (the worker died or timed out each time)",
            finished_at=now,
            lease_expires_at=None,
        )
        .returning(T.c.id)
    )
    return list(session.scalars(stmt))


def claim(
    session: Session,
    ids: Sequence[int],
    worker: str,
    task_id: str,
    lease_seconds: int,
    max_attempts: int,
    *,
    give_up_first: bool = True,
) -> list[Row]:
    """Lease what can be leased among `ids`; rows done, failed, cancelled or leased by a live task are skipped.
    Rows at the attempt limit are failed first; a caller that saw none there may skip that statement."""
    now = utcnow()
    if give_up_first:
        give_up(session, ids, task_id, max_attempts)
    stmt = (
        update(T)
        .where(T.c.id.in_(list(ids)), _claimable(now, task_id), T.c.attempts < max_attempts)
        .values(
            status="running",
            attempts=T.c.attempts + 1,
            lease_owner=lease_owner(worker, task_id),
            lease_expires_at=now + timedelta(seconds=lease_seconds),
        )
        .returning(T.c.id, T.c.first_id, T.c.second_id, T.c.attempts, T.c.status)
    )
    return sorted((Row(*r) for r in session.execute(stmt)), key=lambda r: r.id)


_WRITE = (
    update(T)
    # No IN (...) here: expanding parameters cannot be used with executemany.
    .where(T.c.id == bindparam("_id"), or_(T.c.status == "pending", T.c.status == "running"))
    .values(
        status="done",
        p_first=bindparam("_p"),
        answer=bindparam("_answer"),
        reasoning=bindparam("_reasoning"),
        protocol=bindparam("_protocol"),
        raw_text=bindparam("_raw"),
        parse_ok=bindparam("_parse_ok"),
        latency_ms=bindparam("_latency"),
        tokens=bindparam("_tokens"),
        prompt_version=bindparam("_prompt"),
        finished_at=bindparam("_at"),
        lease_owner=bindparam("_owner"),
        lease_expires_at=None,
        error=None,
    )
)


def write_verdicts(session: Session, rows: Sequence[Row], verdicts: Sequence[Verdict], worker: str) -> None:
    """First writer wins: a row already done (a duplicate delivery got there first) or cancelled is left alone.
    Done rows keep the worker's name as lease owner, which is what per-worker throughput counts."""
    now = utcnow()
    params = [
        {
            "_id": row.id,
            "_p": float(v.p_first),
            "_answer": v.answer,
            "_reasoning": v.reasoning,
            "_protocol": {str(k): val for k, val in v.protocol.items()},
            "_raw": v.raw_text,
            "_parse_ok": v.parse_ok,
            "_latency": v.latency_s * 1000.0,
            "_tokens": v.tokens,
            "_prompt": v.prompt_version,
            "_at": now,
            "_owner": worker[-120:],
        }
        for row, v in zip(rows, verdicts, strict=True)
    ]
    if params:
        session.execute(_WRITE, params)


def fail(session: Session, ids: Sequence[int], error: str) -> None:
    """A permanent failure (bad image, comparator error): no retry."""
    stmt = (
        update(T)
        .where(T.c.id.in_(list(ids)), T.c.status.in_(OPEN))
        .values(status="failed", error=error[:2000], finished_at=utcnow(), lease_expires_at=None)
    )
    session.execute(stmt)


def release(session: Session, ids: Sequence[int], error: str) -> None:
    """A transient failure: hand the rows back without spending an attempt; the task retries with backoff."""
    stmt = (
        update(T)
        .where(T.c.id.in_(list(ids)), T.c.status == "running")
        .values(
            status="pending",
            attempts=T.c.attempts - 1,
            lease_owner=None,
            lease_expires_at=None,
            error=error[:2000],
        )
    )
    session.execute(stmt)
