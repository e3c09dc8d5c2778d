"""Marketer feedback on one comparison (a pair, both orders) or on a batch's final ranking.

Verdicts as people say them: "agree", "prefer_other" (stored as "disagree") or "tie". The preferred creative
is derived from the model's verdict so training exports know which image the person would pick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Comparison, Feedback, User
from app.services import access
from app.services.errors import InvalidInput
from app.services.results import combine_orders

VERDICTS = {"agree": "agree", "prefer_other": "disagree", "disagree": "disagree", "tie": "tie"}
MAX_COMMENT = 4000


@dataclass(frozen=True)
class FeedbackView:
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


def view(f: Feedback) -> FeedbackView:
    return FeedbackView(
        f.id, f.batch_id, f.kind, f.comparison_id, f.creative_a_id, f.creative_b_id, f.preferred_creative_id,
        f.verdict, f.comment, f.created_at,
    )  # fmt: skip


def _verdict(verdict: str) -> str:
    stored = VERDICTS.get(verdict.strip().lower())
    if stored is None:
        raise InvalidInput("The verdict must be agree, prefer_other or tie.")
    return stored


def _comment(comment: str) -> str:
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"The comment is longer than {MAX_COMMENT} characters.")
    return comment


def on_comparison(session: Session, user: User, comparison_id: int, verdict: str, comment: str = "") -> Feedback:
    """Feedback on the pair behind a comparison: agree with the model's pick, prefer the other image, or tie."""
    stored = _verdict(verdict)
    comparison = access.get_comparison(session, user, comparison_id)
    batch = access.get_batch(session, user, comparison.batch_id)
    a, b = comparison.first_id, comparison.second_id
    mirror = session.scalar(
        select(Comparison).where(
            Comparison.batch_id == batch.id,
            Comparison.first_id == b,
            Comparison.second_id == a,
            Comparison.comparator_version == comparison.comparator_version,
        )
    )
    p_a = combine_orders(comparison, mirror)
    if p_a is None and stored != "tie":
        raise InvalidInput("This comparison has no verdict yet; give feedback once it is judged.")
    model_pick = None if p_a is None or p_a == 0.5 else (a if p_a > 0.5 else b)
    if stored == "tie":
        preferred = None
    elif model_pick is None:
        raise InvalidInput("The model called this pair a tie; answer tie, or comment on the pair.")
    else:
        preferred = model_pick if stored == "agree" else (b if model_pick == a else a)
    feedback = Feedback(
        user_id=user.id, batch_id=batch.id, kind="comparison", comparison_id=comparison.id, creative_a_id=a,
        creative_b_id=b, preferred_creative_id=preferred, verdict=stored, comment=_comment(comment),
    )  # fmt: skip
    session.add(feedback)
    session.flush()
    return feedback


def on_ranking(
    session: Session,
    user: User,
    batch_id: int,
    verdict: str,
    comment: str = "",
    preferred_creative_id: int | None = None,
) -> Feedback:
    """Feedback on the final ranking. `prefer_other` names the creative the person would pick instead."""
    stored = _verdict(verdict)
    batch = access.get_batch(session, user, batch_id)
    if batch.status != "ranked" or batch.leader_creative_id is None:
        raise InvalidInput("This batch has no final ranking yet.")
    preferred: int | None = batch.leader_creative_id if stored == "agree" else None
    if stored == "disagree":
        if preferred_creative_id is None:
            raise InvalidInput("Say which image you would pick instead.")
        creative = access.get_creative(session, user, preferred_creative_id)
        if creative.batch_id != batch.id:
            raise InvalidInput("That image is not in this batch.")
        if creative.id == batch.leader_creative_id:
            raise InvalidInput("That image is the model's pick; answer agree instead.")
        preferred = creative.id
    feedback = Feedback(
        user_id=user.id, batch_id=batch.id, kind="ranking", creative_a_id=batch.leader_creative_id,
        creative_b_id=preferred if stored == "disagree" else None, preferred_creative_id=preferred,
        verdict=stored, comment=_comment(comment),
    )  # fmt: skip
    session.add(feedback)
    session.flush()
    return feedback


def list_feedback(session: Session, user: User, batch_id: int) -> list[FeedbackView]:
    batch = access.get_batch(session, user, batch_id)
    stmt = select(Feedback).where(Feedback.batch_id == batch.id)
    if not user.is_admin:
        stmt = stmt.where(Feedback.user_id == user.id)
    return [view(f) for f in session.scalars(stmt.order_by(Feedback.id))]
