"""Read models for results: batch history, progress, ranking, comparison detail (both orders), exports.

Every function takes the requesting user and goes through app.services.access, so nothing here can return
another tenant's rows. Image URLs point only at the host's ownership-checked media route.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Batch, Comparison, Creative, Ranking, RankingEntry, User, utcnow
from app.services import access


def image_url(creative_id: int) -> str:
    return f"/media/creatives/{creative_id}/image"


def thumb_url(creative_id: int) -> str:
    return f"/media/creatives/{creative_id}/thumb"


@dataclass(frozen=True)
class BatchSummary:
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


@dataclass(frozen=True)
class CreativeView:
    id: int
    filename: str
    status: str
    error: str | None
    width: int | None
    height: int | None
    image_url: str | None
    thumb_url: str | None


@dataclass(frozen=True)
class Progress:
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
    eta_seconds: float | None = None  # None: not comparing yet, or too early to say


@dataclass(frozen=True)
class EntryView:
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


@dataclass(frozen=True)
class ResultsView:
    batch_id: int
    status: str
    comparator_version: str | None
    strategy: str
    calls_used: int
    entries: list[EntryView]
    # win_matrix[i][j]: observed probability that creative_ids[i] beat creative_ids[j]; None: not judged.
    creative_ids: list[int] = field(default_factory=list)
    win_matrix: list[list[float | None]] = field(default_factory=list)


@dataclass(frozen=True)
class OrderView:
    """One model call: `first_id` was shown as image A."""

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


@dataclass(frozen=True)
class PairDetail:
    batch_id: int
    creative_a: CreativeView
    creative_b: CreativeView
    orders: list[OrderView]  # (A, B) first when judged, then (B, A)
    p_a_wins: float | None  # both orders combined
    winner_id: int | None  # None: not judged yet, or a tie


def _summary(batch: Batch, n_creatives: int) -> BatchSummary:
    return BatchSummary(
        batch.id, batch.name, batch.product_title, list(batch.queries or []), batch.strategy, batch.top_k,
        batch.budget_calls, batch.status, batch.progress_done, batch.progress_total, n_creatives,
        batch.leader_creative_id, batch.created_at, batch.finished_at, batch.error,
    )  # fmt: skip


def creative_view(c: Creative) -> CreativeView:
    ready = c.status == "valid" and c.storage_key is not None
    return CreativeView(
        c.id, c.filename, c.status, c.error, c.width, c.height,
        image_url(c.id) if ready else None, thumb_url(c.id) if ready and c.thumb_key else None,
    )  # fmt: skip


def list_batches(
    session: Session, user: User, search: str = "", limit: int = 50, offset: int = 0
) -> list[BatchSummary]:
    batches = access.list_batches(session, user, search=search, limit=limit, offset=offset)
    ids = [b.id for b in batches]
    counts: dict[int, int] = {}
    if ids:
        rows = session.execute(
            select(Creative.batch_id, func.count()).where(Creative.batch_id.in_(ids)).group_by(Creative.batch_id)
        )
        counts = {batch_id: n for batch_id, n in rows}
    return [_summary(b, counts.get(b.id, 0)) for b in batches]


def batch_summary(session: Session, user: User, batch_id: int) -> BatchSummary:
    batch = access.get_batch(session, user, batch_id)
    n = session.scalar(select(func.count()).select_from(Creative).where(Creative.batch_id == batch.id)) or 0
    return _summary(batch, n)


def creatives(session: Session, user: User, batch_id: int) -> list[CreativeView]:
    return [creative_view(c) for c in access.batch_creatives(session, user, batch_id)]


def _count_by_status(session: Session, model: type[Creative] | type[Comparison], batch_id: int) -> Counter[str]:
    stmt = select(model.status, func.count()).where(model.batch_id == batch_id).group_by(model.status)
    return Counter({status: n for status, n in session.execute(stmt)})


def progress(session: Session, user: User, batch_id: int) -> Progress:
    batch = access.get_batch(session, user, batch_id)
    by_creative = _count_by_status(session, Creative, batch.id)
    by_comparison = _count_by_status(session, Comparison, batch.id)
    done, total = batch.progress_done, batch.progress_total
    if batch.status == "validating":
        done, total = sum(by_creative.values()) - by_creative.get("pending", 0), sum(by_creative.values())
    fraction = 1.0 if batch.status == "ranked" else (done / total if total else 0.0)
    return Progress(
        batch.id, batch.status, done, total, round(min(max(fraction, 0.0), 1.0), 4), batch.current_round,
        batch.leader_creative_id, dict(by_creative), dict(by_comparison), batch.error, _eta(batch, done, total),
    )  # fmt: skip


def _eta(batch: Batch, done: int, total: int) -> float | None:
    """Seconds left, extrapolating this run's rate so far; 0 once finished, None while unknown."""
    if batch.status in ("ranked", "failed", "cancelled"):
        return 0.0
    if batch.status != "comparing" or batch.started_at is None or done <= 0 or total <= done:
        return None
    elapsed = (utcnow() - batch.started_at).total_seconds()
    return round(max(0.0, elapsed / done * (total - done)), 1)


def _latest_ranking(session: Session, batch: Batch) -> Ranking | None:
    stmt = select(Ranking).where(Ranking.batch_id == batch.id)
    preferred = session.scalar(stmt.where(Ranking.comparator_version == batch.comparator_version))
    return preferred or session.scalar(stmt.order_by(Ranking.created_at.desc(), Ranking.id.desc()).limit(1))


def _done_comparisons(session: Session, batch_id: int, version: str | None) -> list[Comparison]:
    stmt = select(Comparison).where(Comparison.batch_id == batch_id, Comparison.status == "done")
    if version:
        stmt = stmt.where(Comparison.comparator_version == version)
    return [c for c in session.scalars(stmt.order_by(Comparison.id)) if c.p_first is not None]


def win_matrix(comparisons: list[Comparison], ids: list[int]) -> list[list[float | None]]:
    """Observed probability that ids[i] beat ids[j], averaged over every judged call in either order."""
    index = {cid: i for i, cid in enumerate(ids)}
    sums = [[0.0] * len(ids) for _ in ids]
    counts = [[0] * len(ids) for _ in ids]
    for c in comparisons:
        i, j = index.get(c.first_id), index.get(c.second_id)
        if i is None or j is None or c.p_first is None:
            continue
        sums[i][j] += c.p_first
        sums[j][i] += 1.0 - c.p_first
        counts[i][j] += 1
        counts[j][i] += 1
    return [
        [round(sums[i][j] / counts[i][j], 4) if counts[i][j] else None for j in range(len(ids))]
        for i in range(len(ids))
    ]


def results(session: Session, user: User, batch_id: int) -> ResultsView:
    batch = access.get_batch(session, user, batch_id)
    ranking = _latest_ranking(session, batch)
    entries: list[EntryView] = []
    if ranking is not None:
        rows = session.execute(
            select(RankingEntry, Creative)
            .join(Creative, Creative.id == RankingEntry.creative_id)
            .where(RankingEntry.ranking_id == ranking.id, Creative.batch_id == batch.id)
            .order_by(RankingEntry.rank, RankingEntry.score.desc(), RankingEntry.creative_id)
        )
        entries = [
            EntryView(
                c.id,
                c.filename,
                e.rank,
                e.score,
                e.ci_low,
                e.ci_high,
                e.wins,
                e.losses,
                e.ties,
                image_url(c.id),
                thumb_url(c.id),
            )
            for e, c in rows
        ]
    version = ranking.comparator_version if ranking else (batch.comparator_version or None)
    ids = [e.creative_id for e in entries] or [
        c.id for c in access.batch_creatives(session, user, batch.id) if c.status == "valid"
    ]
    matrix = win_matrix(_done_comparisons(session, batch.id, version), ids)
    return ResultsView(
        batch.id, batch.status, version, ranking.strategy if ranking else batch.strategy,
        ranking.calls_used if ranking else 0, entries, ids, matrix,
    )  # fmt: skip


def _order_view(c: Comparison) -> OrderView:
    return OrderView(
        c.id, c.first_id, c.second_id, c.status, c.p_first, c.answer, c.reasoning, c.protocol, c.raw_text,
        c.parse_ok, c.comparator_version,
    )  # fmt: skip


def list_comparisons(session: Session, user: User, batch_id: int, limit: int = 500) -> list[OrderView]:
    batch = access.get_batch(session, user, batch_id)
    stmt = select(Comparison).where(Comparison.batch_id == batch.id).order_by(Comparison.round, Comparison.id)
    return [_order_view(c) for c in session.scalars(stmt.limit(max(1, min(limit, 5000))))]


def combine_orders(ab: Comparison | None, ba: Comparison | None) -> float | None:
    """P(A beats B) from the (A,B) call and the mirrored (B,A) call; either may be missing."""
    ps = []
    if ab is not None and ab.status == "done" and ab.p_first is not None:
        ps.append(ab.p_first)
    if ba is not None and ba.status == "done" and ba.p_first is not None:
        ps.append(1.0 - ba.p_first)
    return round(sum(ps) / len(ps), 4) if ps else None


def comparison_detail(session: Session, user: User, comparison_id: int) -> PairDetail:
    """The pair behind one comparison id, with both orders' verdicts (A shown first, then B shown first)."""
    ab = access.get_comparison(session, user, comparison_id)
    ba = session.scalar(
        select(Comparison).where(
            Comparison.batch_id == ab.batch_id,
            Comparison.first_id == ab.second_id,
            Comparison.second_id == ab.first_id,
            Comparison.comparator_version == ab.comparator_version,
        )
    )
    a = access.get_creative(session, user, ab.first_id)
    b = access.get_creative(session, user, ab.second_id)
    p_a = combine_orders(ab, ba)
    winner = None if p_a is None or p_a == 0.5 else (a.id if p_a > 0.5 else b.id)
    orders = [_order_view(ab)] + ([_order_view(ba)] if ba is not None else [])
    return PairDetail(ab.batch_id, creative_view(a), creative_view(b), orders, p_a, winner)


CSV_FIELDS = ["rank", "creative_id", "filename", "score", "ci_low", "ci_high", "wins", "losses", "ties"]


def export_csv(session: Session, user: User, batch_id: int) -> str:
    view = results(session, user, batch_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for e in view.entries:
        writer.writerow([_csv_safe(getattr(e, name)) for name in CSV_FIELDS])
    return out.getvalue()


def _csv_safe(value: Any) -> Any:
    # Filenames come from uploaders: stop spreadsheets from running them as formulas.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_json(session: Session, user: User, batch_id: int) -> dict[str, Any]:
    summary = batch_summary(session, user, batch_id)
    view = results(session, user, batch_id)
    comparisons = [asdict(o) for o in list_comparisons(session, user, batch_id, limit=5000)]
    data = {"batch": asdict(summary), "results": asdict(view), "comparisons": comparisons}
    return json.loads(json.dumps(data, default=str))
