"""What people and the market said: marketer feedback and real impressions/clicks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("kind IN ('comparison', 'ranking')", name="kind"),
        CheckConstraint("verdict IN ('agree', 'disagree', 'tie')", name="verdict"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="comparison")
    comparison_id: Mapped[int | None] = mapped_column(ForeignKey("comparisons.id", ondelete="SET NULL"), index=True)
    creative_a_id: Mapped[int | None] = mapped_column(ForeignKey("creatives.id", ondelete="CASCADE"), index=True)
    creative_b_id: Mapped[int | None] = mapped_column(ForeignKey("creatives.id", ondelete="CASCADE"), index=True)
    preferred_creative_id: Mapped[int | None] = mapped_column(
        ForeignKey("creatives.id", ondelete="CASCADE"), index=True
    )
    verdict: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Outcome(Base):
    """Real delivery figures for one creative over one period."""

    __tablename__ = "outcomes"
    __table_args__ = (
        CheckConstraint("impressions >= 0", name="impressions_nonneg"),
        CheckConstraint("clicks >= 0 AND clicks <= impressions", name="clicks_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    creative_id: Mapped[int] = mapped_column(ForeignKey("creatives.id", ondelete="CASCADE"), index=True)
    impressions: Mapped[int]
    clicks: Mapped[int]
    conversions: Mapped[int | None]
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    source: Mapped[str] = mapped_column(String(60), default="csv")
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
