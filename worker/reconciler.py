"""The reconciler (a Celery beat job): the database says what should happen, Redis may have lost the message.

Each run re-enqueues comparisons that are pending with no live message (none waiting in the queue, none held
unacked by a worker) and comparisons whose lease expired (the task that held them is gone: the lease outlives
the hard time limit), fails those at the attempt limit, restarts batches whose START_BATCH message was lost,
and settles comparing batches with nothing open (a worker died between writing verdicts and planning).
Duplicates it might create are harmless: claims are idempotent.
"""

from __future__ import annotations

import base64
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import redis
from sqlalchemy import Table, and_, or_, select, update

from app.models import Batch, Comparison, utcnow
from app.queue import GPU_QUEUE, JUDGE, START_BATCH
from app.runtime import Runtime
from worker import planner

log = logging.getLogger(__name__)

C = cast(Table, Comparison.__table__)
Send = Callable[..., None]


@dataclass
class Report:
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    restarted: list[int] = field(default_factory=list)
    settled: list[int] = field(default_factory=list)


def redis_client(runtime: Runtime) -> redis.Redis:
    return redis.Redis.from_url(runtime.broker_url, socket_timeout=10)


def _decode(raw: bytes | str) -> tuple[str, list[Any]]:
    payload = json.loads(raw)
    if isinstance(payload, list):  # unacked entries are [message, exchange, routing key]
        payload = payload[0]
    body = payload.get("body", "")
    if payload.get("properties", {}).get("body_encoding") == "base64":
        body = base64.b64decode(body)
    args = json.loads(body)[0] if body else []
    return str(payload.get("headers", {}).get("task", "")), list(args)


def live_messages(client: redis.Redis, prefix: str) -> tuple[set[int], set[int]]:
    """(comparison ids, batch ids to start) that some message still carries, waiting or held by a worker."""
    raws: list[bytes | str] = list(client.lrange(f"{prefix}{GPU_QUEUE}", 0, -1))
    raws += list(client.hvals(f"{prefix}unacked"))
    comparisons: set[int] = set()
    starts: set[int] = set()
    for raw in raws:
        try:
            task, args = _decode(raw)
        except (ValueError, KeyError, IndexError, TypeError):
            continue
        if task == JUDGE and len(args) >= 2:
            comparisons.update(int(i) for i in args[1])
        elif task == START_BATCH and args:
            starts.add(int(args[0]))
    return comparisons, starts


def _lock(client: redis.Redis, prefix: str, seconds: int) -> bool:
    return bool(client.set(f"{prefix}creative4u:reconcile-lock", "1", nx=True, ex=max(1, seconds)))


def reconcile(runtime: Runtime, send: Send | None = None) -> Report:
    settings = runtime.settings
    send = send or runtime.send
    client = redis_client(runtime)
    report = Report()
    prefix = settings.redis_key_prefix
    if not _lock(client, prefix, settings.reconcile_seconds):
        return report
    now = utcnow()
    stale = now - timedelta(seconds=settings.reconcile_seconds)
    messages: list[tuple[int, list[int]]] = []
    with runtime.db.transaction() as session:
        suspects = session.execute(
            select(C.c.id, C.c.batch_id, C.c.status, C.c.attempts)
            .join(Batch.__table__, Batch.id == C.c.batch_id)
            .where(
                Batch.status == "comparing",
                or_(
                    and_(C.c.status == "pending", or_(C.c.enqueued_at.is_(None), C.c.enqueued_at < stale)),
                    and_(C.c.status == "running", C.c.lease_expires_at < now),
                ),
            )
            .limit(5000)
        ).all()
        planned = list(
            session.scalars(select(Batch.id).where(Batch.status == "planned", Batch.updated_at < stale).limit(500))
        )
        live, starting = live_messages(client, prefix) if suspects or planned else (set(), set())
        give_up = [r.id for r in suspects if r.attempts >= settings.max_attempts and r.id not in live]
        if give_up:
            session.execute(
                update(C)
                .where(C.c.id.in_(give_up), C.c.status.in_(("pending", "running")))
                .values(
                    status="failed",
                    error=f"gave up after {settings.max_attempts} attempts",
                    finished_at=now,
                    lease_expires_at=None,
                )
            )
            report.failed = give_up
        lost: dict[int, list[int]] = defaultdict(list)
        for r in suspects:
            if r.attempts < settings.max_attempts and r.id not in live:
                lost[r.batch_id].append(r.id)
        for batch_id, ids in lost.items():
            planner.mark_enqueued(session, ids)
            messages += [(batch_id, chunk) for chunk in planner.chunks(session, ids, settings)]
            report.requeued += ids
        report.restarted = [b for b in planned if b not in starting]
    for batch_id, chunk in messages:
        send(JUDGE, batch_id, chunk)
    for batch_id in report.restarted:
        send(START_BATCH, batch_id)
    report.settled = settle_idle(runtime, send)
    if report.requeued or report.failed or report.restarted or report.settled:
        log.warning("reconciled: %s", report)
    return report


def settle_idle(runtime: Runtime, send: Send) -> list[int]:
    """Comparing batches with nothing open: plan their next round or finish them."""
    with runtime.db.transaction() as session:
        open_batches = select(C.c.batch_id).where(C.c.status.in_(("pending", "running")))
        idle = list(
            session.scalars(
                select(Batch.id).where(Batch.status == "comparing", Batch.id.not_in(open_batches)).limit(200)
            )
        )
    settled = []
    for batch_id in idle:
        with runtime.db.transaction() as session:
            batch = session.get(Batch, batch_id)
            if batch is None:
                continue
            chunks = planner.advance(session, batch, runtime.settings)
            settled.append(batch_id)
        _send_all(send, batch_id, chunks)
    return settled


def _send_all(send: Send, batch_id: int, chunks: Iterable[list[int]]) -> None:
    for chunk in chunks:
        send(JUDGE, batch_id, chunk)
