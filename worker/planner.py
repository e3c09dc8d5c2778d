"""Rounds and the end of a batch: plan the next round from what is judged, or fit and store the ranking.

Both happen exactly once, however many workers finish the last comparisons of a round at the same time: each
step is a compare-and-set on the batch row (current_round, then status) whose row count says who won, in the
same transaction as the rows it writes. Ranking rows are also unique on (batch, comparator version).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Table, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.models import Batch, Comparison, Creative, Ranking, RankingEntry, utcnow
from app.settings import Settings
from selector.ranking import StrategyConfig, estimate_calls, fit_ranking, next_round
from selector.types import combine_orders

log = logging.getLogger(__name__)

B = cast(Table, Batch.__table__)
C = cast(Table, Comparison.__table__)


def _changed(session: Session, stmt: Any) -> int:
    """Rows an UPDATE matched: who won a compare-and-set."""
    return cast("CursorResult[Any]", session.execute(stmt)).rowcount


@dataclass(frozen=True)
class State:
    items: list[int]
    judged: list[tuple[int, int, float]]
    failed: set[tuple[int, int]]
    calls_used: int
    open_ids: list[int]


def strategy(batch: Batch, settings: Settings) -> StrategyConfig:
    return StrategyConfig(
        strategy=batch.strategy,  # type: ignore[arg-type]
        top_k=batch.top_k,
        budget_calls=batch.budget_calls,
        round_size=settings.round_pairs,
        seed=batch.id,
    )


def valid_items(session: Session, batch_id: int) -> list[int]:
    stmt = select(Creative.id).where(Creative.batch_id == batch_id, Creative.status == "valid")
    return sorted(session.scalars(stmt))


def state(session: Session, batch: Batch) -> State:
    """Judged pairs (both orders done, combined), failed pairs, calls spent and open rows for this version."""
    stmt = select(C.c.id, C.c.first_id, C.c.second_id, C.c.status, C.c.p_first).where(
        C.c.batch_id == batch.id, C.c.comparator_version == batch.comparator_version
    )
    orders: dict[tuple[int, int], dict[tuple[int, int], float]] = defaultdict(dict)
    failed: set[tuple[int, int]] = set()
    open_ids: list[int] = []
    calls = 0
    for cid, first, second, status, p_first in session.execute(stmt):
        key = (min(first, second), max(first, second))
        if status in ("pending", "running"):
            open_ids.append(cid)
        elif status == "failed":
            failed.add(key)
            calls += 1
        elif status == "done":
            orders[key][(first, second)] = float(p_first)
            calls += 1
    judged = []
    for (a, b), got in orders.items():
        if (a, b) in got and (b, a) in got and (a, b) not in failed:
            judged.append((a, b, combine_orders(got[(a, b)], got[(b, a)]).p))
    return State(valid_items(session, batch.id), judged, failed, calls, sorted(open_ids))


@dataclass(frozen=True)
class Counts:
    pending: int
    running: int
    calls: int  # done or failed

    @property
    def open(self) -> int:
        return self.pending + self.running


def counts(session: Session, batch_id: int, version: str) -> Counts:
    """Rows of the batch's version by state, in one aggregate query."""
    stmt = select(
        func.count().filter(C.c.status == "pending"),
        func.count().filter(C.c.status == "running"),
        func.count().filter(C.c.status.in_(("done", "failed"))),
    ).where(C.c.batch_id == batch_id, C.c.comparator_version == version)
    pending, running, calls = session.execute(stmt).one()
    return Counts(int(pending or 0), int(running or 0), int(calls or 0))


def record_progress(session: Session, batch_id: int, calls: int) -> None:
    """Monotonic: a worker with an older count never moves progress back."""
    session.execute(
        update(B)
        .where(B.c.id == batch_id, B.c.status == "comparing", B.c.progress_done < calls)
        .values(progress_done=calls)
    )


def _insert_ignore(session: Session, rows: list[dict[str, object]]) -> list[tuple[int, int, int]]:
    """Insert planned rows; a row already there under the unique key is left as it is (idempotent).
    Returns (id, first, second) of the rows inserted."""
    if not rows:
        return []
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    keys = ["batch_id", "first_id", "second_id", "comparator_version"]
    stmt = dialect.insert(C).values(rows).on_conflict_do_nothing(index_elements=keys)
    return [(r[0], r[1], r[2]) for r in session.execute(stmt.returning(C.c.id, C.c.first_id, C.c.second_id))]


def chunks(
    session: Session, ids: list[int], settings: Settings, rows: list[tuple[int, int, int]] | None = None
) -> list[list[int]]:
    """Message-sized groups: both orders of a pair stay together, a GPU batch per message. `rows` are
    (id, first, second) when the caller has them (saves a query)."""
    if not ids:
        return []
    if rows is None:
        rows = [
            (r[0], r[1], r[2])
            for r in session.execute(select(C.c.id, C.c.first_id, C.c.second_id).where(C.c.id.in_(ids)))
        ]
    ordered = sorted(rows, key=lambda r: (min(r[1], r[2]), max(r[1], r[2]), r[1]))
    size = max(2, settings.gpu_batch_size - settings.gpu_batch_size % 2)
    flat = [r[0] for r in ordered]
    return [flat[i : i + size] for i in range(0, len(flat), size)]


def mark_enqueued(session: Session, ids: list[int]) -> None:
    if ids:
        session.execute(update(C).where(C.c.id.in_(ids)).values(enqueued_at=utcnow()))


def advance(session: Session, batch: Batch, settings: Settings) -> list[list[int]]:
    """When the batch has no open comparisons: plan the next round (returns its message chunks, marked
    enqueued; send them after commit) or finish the batch. Does nothing while comparisons are open."""
    if batch.status != "comparing":
        return []
    st = state(session, batch)
    if st.open_ids:
        return []
    plan = next_round(strategy(batch, settings), st.items, st.judged, st.failed, st.calls_used)
    if not plan.pairs:
        finish(session, batch, st, plan.reason)
        return []
    leader = fit_ranking(st.items, st.judged, n_bootstrap=0).leader if st.judged else None
    new_round = batch.current_round + 1
    won = _changed(
        session,
        update(B)
        .where(B.c.id == batch.id, B.c.status == "comparing", B.c.current_round == batch.current_round)
        .values(
            current_round=new_round,
            leader_creative_id=leader,
            progress_done=st.calls_used,
            progress_total=func.max(B.c.progress_total, st.calls_used + 2 * len(plan.pairs))
            if session.get_bind().dialect.name == "sqlite"
            else func.greatest(B.c.progress_total, st.calls_used + 2 * len(plan.pairs)),
        ),
    )
    if won != 1:
        return []  # another worker planned this round
    now = utcnow()
    rows = [
        {"batch_id": batch.id, "first_id": f, "second_id": s, "comparator_version": batch.comparator_version}
        | {"round": new_round, "status": "pending", "attempts": 0, "created_at": now, "enqueued_at": now}
        for a, b in plan.pairs
        for f, s in ((a, b), (b, a))
    ]
    inserted = _insert_ignore(session, rows)
    log.info("batch %s round %s: %s pairs", batch.id, new_round, len(plan.pairs))
    if len(inserted) == len(rows):  # nothing else can be pending: this round's rows are the open ones
        return chunks(session, [r[0] for r in inserted], settings, inserted)
    ids = list(
        session.scalars(
            select(C.c.id).where(
                C.c.batch_id == batch.id,
                C.c.comparator_version == batch.comparator_version,
                C.c.status == "pending",
            )
        )
    )
    mark_enqueued(session, ids)
    return chunks(session, ids, settings)


def finish(session: Session, batch: Batch, st: State, reason: str) -> bool:
    """Store the ranking and mark the batch ranked (or failed when nothing could be judged), exactly once."""
    now = utcnow()
    cas = update(B).where(
        B.c.id == batch.id, B.c.status == "comparing", B.c.comparator_version == batch.comparator_version
    )
    if not st.judged:
        error = f"No comparison succeeded ({len(st.failed)} pairs failed); the batch cannot be ranked."
        failed = cas.values(status="failed", error=error, finished_at=now, progress_done=st.calls_used)
        return _changed(session, failed) == 1
    result = fit_ranking(st.items, st.judged, n_bootstrap=200, seed=batch.id)
    won = _changed(
        session,
        cas.values(
            status="ranked",
            finished_at=now,
            leader_creative_id=result.leader,
            progress_done=st.calls_used,
            progress_total=st.calls_used,
            error=None,
        ),
    )
    if won != 1:
        return False
    ranking = Ranking(
        batch_id=batch.id,
        comparator_version=batch.comparator_version,
        strategy=batch.strategy,
        calls_used=st.calls_used,
        win_matrix={
            "items": result.items,
            "matrix": result.win_matrix,
            "failed_pairs": sorted([list(p) for p in st.failed]),
            "stop_reason": reason,
        },
    )
    session.add(ranking)
    session.flush()
    session.add_all(
        RankingEntry(
            ranking_id=ranking.id,
            creative_id=e.item,
            score=e.score,
            ci_low=e.ci_low,
            ci_high=e.ci_high,
            rank=e.rank,
            wins=e.wins,
            losses=e.losses,
            ties=e.ties,
        )
        for e in result.entries
    )
    log.info("batch %s ranked: leader %s after %s calls (%s)", batch.id, result.leader, st.calls_used, reason)
    return True


def begin(session: Session, batch: Batch, settings: Settings, version: str, model_version_id: int | None) -> bool:
    """planned/validating -> comparing under `version`, once. Rows of this version cancelled earlier resume."""
    items = valid_items(session, batch.id)
    estimate = estimate_calls(strategy(batch, settings), len(items))
    won = _changed(
        session,
        update(B)
        .where(B.c.id == batch.id, B.c.status.in_(("draft", "validating", "planned")))
        .values(
            status="comparing",
            comparator_version=version,
            model_version_id=model_version_id,
            started_at=utcnow(),
            finished_at=None,
            error=None,
            current_round=0,
            progress_done=0,
            progress_total=estimate,
            leader_creative_id=None,
        ),
    )
    if won != 1:
        return False
    session.execute(
        update(C)
        .where(C.c.batch_id == batch.id, C.c.comparator_version == version, C.c.status.in_(("cancelled", "running")))
        .values(status="pending", lease_owner=None, lease_expires_at=None)
    )
    session.refresh(batch)
    return True
