"""The admin API: accounts (create, disable), queue health and a canary, dataset exports, model versions (list,
evaluate on an export's held-out pairs, promote, roll back).

Every route here depends on AdminUser: an advertiser gets 403 before anything runs.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from app.models import ModelVersion, User
from app.services import lifecycle, registry, users
from app.web.api.schemas import (
    CanaryIn,
    CanaryOut,
    EvaluateIn,
    EvaluationOut,
    Message,
    MetricRowOut,
    ModelVersionOut,
    QueueHealthOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from app.web.deps import AdminUser, DbSession, RowId, RuntimeDep

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/users", response_model=list[UserOut], summary="Every account")
def list_users(_: AdminUser, session: DbSession) -> Any:
    return list(session.scalars(select(User).order_by(User.id)))


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED, summary="Create an account")
def create_user(body: UserCreate, _: AdminUser, session: DbSession) -> Any:
    user = users.create_user(session, body.email, body.password, role=body.role, display_name=body.display_name)
    session.commit()
    return user


@router.patch("/users/{user_id}", response_model=UserOut, summary="Disable (or re-enable) an account")
def update_user(user_id: RowId, body: UserUpdate, me: AdminUser, session: DbSession) -> Any:
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(404, "No such user.")
    if user.id == me.id and not body.is_active:
        raise HTTPException(status.HTTP_409_CONFLICT, "You cannot disable your own account.")
    if user.is_admin and user.is_active and not body.is_active and users.count_admins(session) <= 1:
        raise HTTPException(status.HTTP_409_CONFLICT, "This is the last active admin.")
    users.set_active(session, user, body.is_active)  # disabling revokes the user's sessions at once
    session.commit()
    return user


@router.get("/queue", response_model=QueueHealthOut, summary="Queue depths, open work, expired leases, worker rates")
def queue_health(_: AdminUser, session: DbSession, rt: RuntimeDep, window_minutes: int = 10) -> Any:
    session.commit()  # lifecycle opens its own transaction (SQLite: one writer at a time)
    return lifecycle.queue_health(rt, window_minutes=max(1, min(window_minutes, 24 * 60)))


@router.post(
    "/canary",
    response_model=CanaryOut,
    summary="Send a canary through a queue and wait for a worker to run it (proves that queue is consumed)",
)
def canary(body: CanaryIn, _: AdminUser, session: DbSession, rt: RuntimeDep) -> Any:
    session.commit()
    seconds = lifecycle.run_canary(rt, queue=body.queue, timeout=body.timeout_seconds)
    return CanaryOut(queue=body.queue, ok=seconds is not None, seconds=None if seconds is None else round(seconds, 3))


@router.get("/model-versions", response_model=list[ModelVersionOut], summary="Model versions, newest first")
def model_versions(_: AdminUser, session: DbSession) -> Any:
    return list(session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())))


@router.post(
    "/model-versions/{version_id}/evaluate",
    response_model=EvaluationOut,
    summary="Evaluate a version on an export's held-out pairs, side by side with the active version (stored)",
)
def evaluate_model_version(
    version_id: RowId, body: EvaluateIn, me: AdminUser, session: DbSession, rt: RuntimeDep
) -> Any:
    # Runs in this request: quick for the fake and features backends; an MLLM version loads its model here.
    from app.services.evaluation import build_comparator, evaluate_version, resolve_dataset, side_by_side

    row = registry.get_version(session, version_id)  # 404 before any work
    dataset = resolve_dataset(session, None, body.export_id)
    settings = rt.settings
    report = evaluate_version(session, me, row.id, dataset, build=lambda r: build_comparator(r, settings))
    session.commit()
    rows = [MetricRowOut(metric=m, candidate=c, active=a) for m, c, a in side_by_side(report)]
    return EvaluationOut(
        version=ModelVersionOut.model_validate(row), active_version_id=report["active_version_id"],
        dataset=report["dataset"], pairs=report["pairs"], side_by_side=rows, candidate=report["candidate"],
        active=report["active"],
    )  # fmt: skip


@router.post(
    "/model-versions/{version_id}/promote",
    response_model=ModelVersionOut,
    summary="Make an evaluated version the active one (new batches use it; running ones keep theirs)",
)
def promote_model_version(version_id: RowId, me: AdminUser, session: DbSession) -> Any:
    row = registry.promote(session, me, version_id)  # 404 unknown, 409 not evaluated or already active
    session.commit()
    return row


@router.post(
    "/model-versions/rollback",
    response_model=ModelVersionOut,
    summary="Retire the active version and re-activate the one promoted before it",
)
def rollback_model_version(me: AdminUser, session: DbSession) -> Any:
    row = registry.rollback(session, me)  # 409 when there is nothing to roll back to
    session.commit()
    return row


class ExportIn(BaseModel):
    """Which labelled pairs to export (all optional): label dates, batch owners, label sources, held-out share."""

    since: date | None = None
    until: date | None = None
    advertiser_ids: list[int] = Field(default_factory=list)
    sources: list[Literal["ctr", "feedback"]] = ["ctr", "feedback"]
    test_fraction: float = Field(0.2, ge=0.0, lt=1.0)
    seed: int = 0


@router.post(
    "/exports",
    response_model=Message,
    status_code=status.HTTP_201_CREATED,
    summary="Export labelled pairs (CTR outcomes and feedback) as a training dataset (admins)",
)
def create_export(me: AdminUser, session: DbSession, body: ExportIn | None = None) -> Any:
    from app.services import exports

    spec = body or ExportIn()
    filters = exports.ExportFilters(
        since=spec.since, until=spec.until, advertiser_ids=tuple(spec.advertiser_ids), sources=tuple(spec.sources),
        test_fraction=spec.test_fraction, seed=spec.seed,
    )  # fmt: skip
    result = exports.create_export(session, me, filters)
    session.commit()
    pairs = result.counts["pairs"]
    return Message(detail=f"export {result.id}: {pairs['total']} pairs ({pairs['train']} train, {pairs['test']} test)")
