"""Running a batch: start (validate, then compare and rank), cancel, and re-run with another model version.

State changes go through app.services.lifecycle (compare-and-set updates; rows committed before messages),
which opens its own transactions: the request's session is committed first, because on SQLite every
transaction takes the write lock (BEGIN IMMEDIATE) and a second one would wait behind ours. Commit, not
rollback: the session does not expire on commit, so the loaded user needs no further query.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import func, select

from app.models import Creative
from app.services import access, lifecycle
from app.web.api.batches import estimate_calls
from app.web.api.schemas import CancelOut, RerunIn, RerunOut, StartOut
from app.web.deps import CurrentUser, DbSession, RowId, RuntimeDep

router = APIRouter(prefix="/batches", tags=["batches"])


@router.post("/{batch_id}/start", response_model=StartOut, summary="Validate the images, then compare and rank")
async def start(batch_id: RowId, user: CurrentUser, session: DbSession, rt: RuntimeDep) -> Any:
    def check() -> tuple[int, int]:
        batch = access.get_batch(session, user, batch_id)
        if batch.status != "draft":
            raise HTTPException(status.HTTP_409_CONFLICT, f"This batch is already {batch.status}.")
        by_status = dict(
            session.execute(
                select(Creative.status, func.count()).where(Creative.batch_id == batch.id).group_by(Creative.status)
            ).all()
        )
        n = by_status.get("pending", 0) + by_status.get("valid", 0)
        if n < 2:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "Upload at least two images before starting.")
        estimated = estimate_calls(batch, n)
        session.commit()
        return by_status.get("pending", 0), estimated

    queued, estimated = await run_in_threadpool(check)
    new_status = await run_in_threadpool(lifecycle.submit_batch, rt, user, batch_id)
    return StartOut(batch_id=batch_id, status=new_status, queued=queued, estimated_calls=estimated)


@router.post(
    "/{batch_id}/cancel",
    response_model=CancelOut,
    summary="Stop a batch that has not finished (running comparisons' verdicts are dropped)",
)
def cancel(batch_id: RowId, user: CurrentUser, session: DbSession, rt: RuntimeDep) -> Any:
    session.commit()
    cancelled = lifecycle.cancel_batch(rt, user, batch_id)
    return CancelOut(batch_id=batch_id, status=access.get_batch(session, user, batch_id).status, cancelled=cancelled)


@router.post(
    "/{batch_id}/rerun",
    response_model=RerunOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Judge a finished batch again with another model version (earlier rankings are kept)",
)
def rerun(batch_id: RowId, body: RerunIn, user: CurrentUser, session: DbSession, rt: RuntimeDep) -> Any:
    session.commit()
    lifecycle.rerun_batch(rt, user, batch_id, body.model_version_id)
    now = access.get_batch(session, user, batch_id).status  # the commit above expired it: read afresh
    return RerunOut(batch_id=batch_id, status=now, model_version_id=body.model_version_id)
