"""Planned and judged comparisons, and the rankings fitted from them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

COMPARISON_STATUSES = ("pending", "running", "done", "failed", "cancelled")


class Comparison(Base):
    """One ordered model call: `first` is shown as image A. Both orders of a pair are two rows."""

    __tablename__ = "comparisons"
    __table_args__ = (
        UniqueConstraint("batch_id", "first_id", "second_id", "comparator_version", name="uq_comparisons_key"),
        CheckConstraint("status IN ('pending', 'running', 'done', 'failed', 'cancelled')", name="status"),
        CheckConstraint("first_id <> second_id", name="distinct_creatives"),
        Index("ix_comparisons_batch_status", "batch_id", "status"),
        Index("ix_comparisons_status_lease", "status", "lease_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    first_id: Mapped[int] = mapped_column(ForeignKey("creatives.id", ondelete="CASCADE"), index=True)
    second_id: Mapped[int] = mapped_column(ForeignKey("creatives.id", ondelete="CASCADE"), index=True)
    comparator_version: Mapped[str] = mapped_column(String(120))
    prompt_version: Mapped[str] = mapped_column(String(60), default="")
    round: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_expires_at: Mapped[datetime | None]
    enqueued_at: Mapped[datetime | None]
    p_first: Mapped[float | None] = mapped_column(Float)
    answer: Mapped[str | None] = mapped_column(String(1))
    reasoning: Mapped[str | None] = mapped_column(Text)
    protocol: Mapped[dict[str, Any] | None]
    raw_text: Mapped[str | None] = mapped_column(Text)
    parse_ok: Mapped[bool | None]
    latency_ms: Mapped[float | None] = mapped_column(Float)
    tokens: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class Ranking(Base):
    """The ranking of a batch under one comparator version; unique, so finalization happens once."""

    __tablename__ = "rankings"
    __table_args__ = (UniqueConstraint("batch_id", "comparator_version", name="uq_rankings_batch_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    comparator_version: Mapped[str] = mapped_column(String(120))
    strategy: Mapped[str] = mapped_column(String(16))
    calls_used: Mapped[int] = mapped_column(default=0)
    win_matrix: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RankingEntry(Base):
    __tablename__ = "ranking_entries"
    __table_args__ = (UniqueConstraint("ranking_id", "creative_id", name="uq_ranking_entries_creative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ranking_id: Mapped[int] = mapped_column(ForeignKey("rankings.id", ondelete="CASCADE"), index=True)
    creative_id: Mapped[int] = mapped_column(ForeignKey("creatives.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    ci_low: Mapped[float] = mapped_column(Float)
    ci_high: Mapped[float] = mapped_column(Float)
    rank: Mapped[int]
    wins: Mapped[int] = mapped_column(default=0)
    losses: Mapped[int] = mapped_column(default=0)
    ties: Mapped[int] = mapped_column(default=0)
