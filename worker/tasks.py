"""Thin Celery tasks: ids in, work done by app services or the pipeline, nothing returned that matters.

Messages to send (the next round's comparisons) are sent only after the transaction that wrote their rows has
committed; if the process dies in between, the reconciler finds the rows without a message.
"""

from __future__ import annotations

import logging
import os
from typing import cast

from celery import Task
from sqlalchemy import Table, update
from sqlalchemy.exc import OperationalError

from app.models import Batch
from app.queue import CANARY, JUDGE, RECONCILE, START_BATCH, VALIDATE_CREATIVE
from app.runtime import get_runtime
from app.services.uploads import pending_count, validate_creative
from app.storage import StorageError
from worker import pipeline, reconciler
from worker.celery_app import celery

log = logging.getLogger(__name__)

TRANSIENT = (StorageError, OSError, ConnectionError, TimeoutError, OperationalError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 1,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 8,
}


def _worker_name(task: Task) -> str:
    return f"{task.request.hostname or 'worker'}:{os.getpid()}"


def _send_chunks(batch_id: int, chunks: list[list[int]] | None) -> None:
    runtime = get_runtime()
    for chunk in chunks or []:
        runtime.send(JUDGE, batch_id, chunk)


@celery.task(name=VALIDATE_CREATIVE, **RETRY)
def validate_creative_task(creative_id: int) -> None:
    runtime = get_runtime()
    with runtime.db.transaction() as session:
        creative = validate_creative(session, runtime.storage, runtime.settings, creative_id)
        batch_id = creative.batch_id
        remaining = pending_count(session, batch_id)
        if remaining == 0:
            # planned = validated, waiting for a comparator worker; the reconciler resends START_BATCH if lost.
            table = cast(Table, Batch.__table__)
            session.execute(
                update(table).where(table.c.id == batch_id, table.c.status == "validating").values(status="planned")
            )
    log.info("creative %s validated: %s", creative_id, creative.status)
    if remaining == 0:
        # start is idempotent, so a race that sends it twice is harmless.
        runtime.send(START_BATCH, batch_id)


@celery.task(name=START_BATCH, bind=True, **RETRY)
def start_batch_task(self: Task, batch_id: int) -> None:
    _send_chunks(batch_id, pipeline.start(get_runtime(), batch_id))


@celery.task(name=JUDGE, bind=True, **RETRY)
def judge_task(self: Task, batch_id: int, comparison_ids: list[int]) -> None:
    outcome = pipeline.judge(get_runtime(), batch_id, comparison_ids, _worker_name(self), self.request.id or "")
    log.info("batch %s: judged %s, skipped %s, failed %s", batch_id, outcome.judged, outcome.skipped, outcome.failed)
    _send_chunks(batch_id, outcome.messages)


@celery.task(name=RECONCILE, ignore_result=True)
def reconcile_task() -> None:
    reconciler.reconcile(get_runtime())


@celery.task(name=CANARY)
def canary_task(token: str) -> None:
    """Proves a worker consumes from the queue: it writes the token back where the sender waits for it."""
    runtime = get_runtime()
    client = reconciler.redis_client(runtime)
    client.set(f"{runtime.settings.redis_key_prefix}creative4u:canary:{token}", os.getpid(), ex=300)
