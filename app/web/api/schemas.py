"""Pydantic request and response models of the REST API (what /api/docs shows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_ID = 2**31 - 1  # INTEGER primary keys


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class BatchCreate(BaseModel):
    product_title: str = Field(min_length=1, max_length=500)
    queries: list[str] | str = Field(default_factory=list, description="A list, or one query per line")
    name: str = Field("", max_length=200)
    strategy: Literal["round_robin", "knockout", "top_k"] = "top_k"
    top_k: int = Field(1, ge=1, le=1000)
    budget_calls: int | None = Field(None, ge=2, le=1_000_000)
    language: Literal["en", "zh"] = "en"


class BatchOut(Out):
    id: int
    name: str
    product_title: str
    queries: list[str]
    strategy: str
    top_k: int
    budget_calls: int | None
    status: str
    progress_done: int
    progress_total: int
    n_creatives: int
    leader_creative_id: int | None
    created_at: datetime
    finished_at: datetime | None
    error: str | None


class BatchList(BaseModel):
    items: list[BatchOut]
    limit: int
    offset: int


class CreativeOut(Out):
    id: int
    filename: str
    status: str
    error: str | None
    width: int | None
    height: int | None
    image_url: str | None
    thumb_url: str | None


class FileResult(BaseModel):
    filename: str
    creative_id: int | None
    error: str | None


class UploadOut(BaseModel):
    batch_id: int
    accepted: list[FileResult]
    rejected: list[FileResult]
    n_creatives: int
    estimated_calls: int


class StartOut(BaseModel):
    batch_id: int
    status: str
    queued: int
    estimated_calls: int


class ProgressOut(Out):
    batch_id: int
    status: str
    done: int
    total: int
    fraction: float
    current_round: int
    leader_creative_id: int | None
    creatives: dict[str, int]
    comparisons: dict[str, int]
    error: str | None
    eta_seconds: float | None = Field(None, description="Seconds left at the current rate; null when unknown")


class EntryOut(Out):
    creative_id: int
    filename: str
    rank: int
    score: float
    ci_low: float
    ci_high: float
    wins: int
    losses: int
    ties: int
    image_url: str
    thumb_url: str


class ResultsOut(Out):
    batch_id: int
    status: str
    comparator_version: str | None
    strategy: str
    calls_used: int
    entries: list[EntryOut]
    creative_ids: list[int]
    win_matrix: list[list[float | None]] = Field(description="win_matrix[i][j]: P(creative_ids[i] beat [j])")


class OrderOut(Out):
    comparison_id: int
    first_id: int
    second_id: int
    status: str
    p_first: float | None
    answer: str | None
    reasoning: str | None
    protocol: dict[str, Any] | None
    raw_text: str | None
    parse_ok: bool | None
    comparator_version: str


class PairOut(Out):
    batch_id: int
    creative_a: CreativeOut
    creative_b: CreativeOut
    orders: list[OrderOut]
    p_a_wins: float | None
    winner_id: int | None


class FeedbackIn(BaseModel):
    verdict: Literal["agree", "prefer_other", "tie"]
    comment: str = Field("", max_length=4000)


class RankingFeedbackIn(FeedbackIn):
    preferred_creative_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Needed with prefer_other: the image you'd pick"
    )


class FeedbackOut(Out):
    id: int
    batch_id: int
    kind: str
    comparison_id: int | None
    creative_a_id: int | None
    creative_b_id: int | None
    preferred_creative_id: int | None
    verdict: str
    comment: str
    created_at: datetime


class UserOut(Out):
    id: int
    email: str
    display_name: str
    role: str
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class UserCreate(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=10, max_length=1024)
    role: Literal["advertiser", "admin"] = "advertiser"
    display_name: str = Field("", max_length=120)


class UserUpdate(BaseModel):
    is_active: bool


class TokenCreate(BaseModel):
    name: str = Field("", max_length=120)


class TokenOut(Out):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


class TokenCreated(BaseModel):
    id: int
    name: str
    token: str = Field(description="Shown once; send as 'Authorization: Bearer <token>'")


class Message(BaseModel):
    detail: str


class CancelOut(BaseModel):
    batch_id: int
    status: str
    cancelled: bool = Field(description="False when the batch had already finished (nothing changed)")


class RerunIn(BaseModel):
    model_version_id: int = Field(
        ge=1, le=MAX_ID, description="A candidate or active model version (GET /admin/model-versions)"
    )


class RerunOut(BaseModel):
    batch_id: int
    status: str
    model_version_id: int


class ModelVersionOut(Out):
    id: int
    name: str
    backend: str
    base_model: str
    adapter_path: str
    comparator_version: str
    status: str
    evaluation: dict[str, Any] | None
    created_at: datetime
    promoted_at: datetime | None


class WorkerRateOut(Out):
    worker: str
    done: int
    per_minute: float
    last_at: str


class QueueHealthOut(Out):
    depths: dict[str, int] = Field(description="Messages waiting per queue")
    unacked: int = Field(description="Messages held by workers (running, or waiting to be restored)")
    open_comparisons: dict[str, int]
    expired_leases: int
    workers: list[WorkerRateOut] = Field(description="Comparisons finished per worker in the window")
    window_minutes: int


class CanaryIn(BaseModel):
    queue: Literal["cpu", "gpu"] = "gpu"
    timeout_seconds: float = Field(10.0, gt=0, le=30)


class CanaryOut(BaseModel):
    queue: str
    ok: bool = Field(description="A worker consuming this queue ran the canary in time")
    seconds: float | None


class EvaluateIn(BaseModel):
    export_id: int = Field(ge=1, le=MAX_ID, description="The export whose held-out (test) pairs to evaluate on")


class MetricRowOut(BaseModel):
    metric: str
    candidate: float | int | str | None
    active: float | int | str | None = Field(description="The active version's figure; null when none is active")


class EvaluationOut(BaseModel):
    version: ModelVersionOut
    active_version_id: int | None = Field(description="The version it was compared with (the active one)")
    dataset: str
    pairs: int
    side_by_side: list[MetricRowOut]
    candidate: dict[str, Any]
    active: dict[str, Any] | None
