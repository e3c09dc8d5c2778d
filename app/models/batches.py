"""Batches of creatives for one product, and the creatives themselves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

BATCH_STATUSES = ("draft", "validating", "planned", "comparing", "ranked", "failed", "cancelled")
STRATEGIES = ("round_robin", "knockout", "top_k")
CREATIVE_STATUSES = ("pending", "valid", "rejected")


class Batch(Base):
    __tablename__ = "batches"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'validating', 'planned', 'comparing', 'ranked', 'failed', 'cancelled')",
            name="status",
        ),
        CheckConstraint("strategy IN ('round_robin', 'knockout', 'top_k')", name="strategy"),
        Index("ix_batches_owner_created", "owner_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    product_title: Mapped[str] = mapped_column(String(500))
    queries: Mapped[list[Any]] = mapped_column(default=list)
    language: Mapped[str] = mapped_column(String(8), default="en")
    comparator_version: Mapped[str] = mapped_column(String(120), default="")
    model_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_versions.id", ondelete="SET NULL"), index=True
    )
    strategy: Mapped[str] = mapped_column(String(16), default="top_k")
    top_k: Mapped[int] = mapped_column(default=1)
    budget_calls: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    current_round: Mapped[int] = mapped_column(default=0)
    leader_creative_id: Mapped[int | None] = mapped_column(
        ForeignKey("creatives.id", ondelete="SET NULL", use_alter=True), index=True
    )
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class Creative(Base):
    __tablename__ = "creatives"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'valid', 'rejected')", name="status"),
        UniqueConstraint("batch_id", "upload_sha256", name="uq_creatives_batch_upload"),
        Index("ix_creatives_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    # The upload as received (quarantined until a worker validates it) ...
    upload_sha256: Mapped[str] = mapped_column(String(64))
    upload_key: Mapped[str] = mapped_column(String(200))
    upload_bytes: Mapped[int] = mapped_column(default=0)
    # ... and the sanitized copy the product uses: re-encoded, metadata stripped, content-addressed.
    sha256: Mapped[str | None] = mapped_column(String(64))
    storage_key: Mapped[str | None] = mapped_column(String(200))
    thumb_key: Mapped[str | None] = mapped_column(String(200))
    size_bytes: Mapped[int | None]
    width: Mapped[int | None]
    height: Mapped[int | None]
    format: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    validated_at: Mapped[datetime | None]
