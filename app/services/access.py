"""Owner-scoped getters: every read of a batch, creative, comparison or feedback row goes through here.

Someone else's id and a missing id raise the same NotFound, so ids of other tenants leak nothing. Admins see
everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app.models import Batch, Comparison, Creative, Feedback, User
from app.services.errors import NotFound

MAX_PAGE = 200


def _scoped(stmt: Select[Any], user: User) -> Select[Any]:
    """Restrict a statement that already joins Batch to the user's own batches (admins: no restriction)."""
    return stmt if user.is_admin else stmt.where(Batch.owner_id == user.id)


def get_batch(session: Session, user: User, batch_id: int) -> Batch:
    batch = session.scalar(_scoped(select(Batch).where(Batch.id == batch_id), user))
    if batch is None:
        raise NotFound("No such batch.")
    return batch


def get_creative(session: Session, user: User, creative_id: int) -> Creative:
    stmt = select(Creative).join(Batch, Batch.id == Creative.batch_id).where(Creative.id == creative_id)
    creative = session.scalar(_scoped(stmt, user))
    if creative is None:
        raise NotFound("No such image.")
    return creative


def get_comparison(session: Session, user: User, comparison_id: int) -> Comparison:
    stmt = select(Comparison).join(Batch, Batch.id == Comparison.batch_id).where(Comparison.id == comparison_id)
    comparison = session.scalar(_scoped(stmt, user))
    if comparison is None:
        raise NotFound("No such comparison.")
    return comparison


def get_feedback(session: Session, user: User, feedback_id: int) -> Feedback:
    """Feedback is visible to the batch owner (who wrote it) and to admins."""
    stmt = select(Feedback).join(Batch, Batch.id == Feedback.batch_id).where(Feedback.id == feedback_id)
    if not user.is_admin:
        stmt = stmt.where(Batch.owner_id == user.id, Feedback.user_id == user.id)
    feedback = session.scalar(stmt)
    if feedback is None:
        raise NotFound("No such feedback.")
    return feedback


def list_batches(session: Session, user: User, search: str = "", limit: int = 50, offset: int = 0) -> Sequence[Batch]:
    """Newest first. `search` matches the batch name, product title or status (case-insensitive substring)."""
    stmt = _scoped(select(Batch), user)
    term = " ".join(search.split())[:200]
    if term:
        # Escape LIKE wildcards so a search for "50%" means the text "50%".
        pattern = "%" + term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                func.lower(Batch.name).like(pattern, escape="\\"),
                func.lower(Batch.product_title).like(pattern, escape="\\"),
                func.lower(Batch.status).like(pattern, escape="\\"),
            )
        )
    stmt = stmt.order_by(Batch.created_at.desc(), Batch.id.desc())
    stmt = stmt.limit(max(1, min(limit, MAX_PAGE))).offset(max(0, offset))
    return list(session.scalars(stmt))


def count_batches(session: Session, user: User) -> int:
    return session.scalar(_scoped(select(func.count()).select_from(Batch), user)) or 0


def batch_creatives(session: Session, user: User, batch_id: int) -> list[Creative]:
    batch = get_batch(session, user, batch_id)
    return list(session.scalars(select(Creative).where(Creative.batch_id == batch.id).order_by(Creative.id)))
