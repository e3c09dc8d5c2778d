"""The few reads and writes the UI needs that no service offers yet; each goes through app.services.access."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Batch, Comparison, User
from app.services import access, uploads
from app.services.errors import InvalidInput, NotFound


def comparison_for_pair(session: Session, user: User, batch_id: int, a_id: int, b_id: int) -> int:
    """The id of the call that showed `a_id` first (else the mirrored one) in this batch under the batch's
    comparator version. Both creatives must be the user's and in this batch."""
    batch = access.get_batch(session, user, batch_id)
    a = access.get_creative(session, user, a_id)
    b = access.get_creative(session, user, b_id)
    if a.id == b.id:
        raise InvalidInput("Pick two different images.")
    if a.batch_id != batch.id or b.batch_id != batch.id:
        raise NotFound("No such image.")
    stmt = select(Comparison).where(Comparison.batch_id == batch.id)
    if batch.comparator_version:
        stmt = stmt.where(Comparison.comparator_version == batch.comparator_version)
    rows = list(
        session.scalars(
            stmt.where(
                ((Comparison.first_id == a.id) & (Comparison.second_id == b.id))
                | ((Comparison.first_id == b.id) & (Comparison.second_id == a.id))
            ).order_by(Comparison.id)
        )
    )
    if not rows:
        raise InvalidInput("The model did not compare these two images (the strategy skipped this pair).")
    forward = [c for c in rows if c.first_id == a.id]
    return (forward or rows)[0].id


def eta_seconds(batch: Batch, done: int, total: int, now: datetime | None = None) -> float | None:
    """Time left at the pace so far; None until there is a pace to go by."""
    if batch.started_at is None or done <= 0 or total <= done:
        return None
    now = now or datetime.now(UTC)
    started = batch.started_at if batch.started_at.tzinfo else batch.started_at.replace(tzinfo=UTC)
    elapsed = (now - started).total_seconds()
    if elapsed <= 0:
        return None
    return elapsed / done * (total - done)


REPORT_HEADERS = {"search term", "search terms", "customer search term", "query", "queries", "keyword", "keywords"}


def parse_queries(text: str) -> list[str]:
    """One query per line, or a pasted search-terms report (tab or comma separated): the first column of each
    row, header rows skipped. Cleaned and deduplicated by the upload service."""
    from app.services.uploads import clean_queries

    out: list[str] = []
    for line in (text or "").splitlines():
        cells = line.split("\t") if "\t" in line else [line]
        if len(cells) == 1 and line.count(",") >= 1:
            # A CSV row from a report: "term,1234,5.6%". A plain query may contain commas too, so split only
            # when the trailing cells look like numbers.
            head, *rest = line.split(",")
            if rest and all(c.strip().rstrip("%").replace(".", "", 1).isdigit() for c in rest if c.strip()):
                cells = [head]
        first = cells[0].strip().strip('"')
        header = line.split("\t")[0].split(",")[0].strip().strip('"').lower()
        if first.lower() in REPORT_HEADERS or header in REPORT_HEADERS:
            continue
        out.append(first)
    return clean_queries(out)


def update_draft(
    session: Session, user: User, batch_id: int, strategy: str, top_k: int, budget_calls: int | None
) -> Batch:
    """Change a draft batch's strategy and budget (the person may change their mind after uploading)."""
    batch = access.get_batch(session, user, batch_id)
    if batch.status != "draft":
        raise InvalidInput(f"This batch is already {batch.status}; start a new batch to change its settings.")
    uploads.check_strategy(strategy, top_k, budget_calls)
    batch.strategy, batch.top_k, batch.budget_calls = strategy, top_k, budget_calls
    return batch


def estimate_calls(strategy: str, top_k: int, budget_calls: int | None, n: int) -> int:
    """Model calls a batch of `n` images will cost, from the selector's own planner (no torch import)."""
    if n < 2:
        return 0
    try:
        from selector.ranking import StrategyConfig
        from selector.ranking import estimate_calls as estimate

        cfg = StrategyConfig(strategy=strategy, top_k=top_k, budget_calls=budget_calls)  # type: ignore[arg-type]
        return int(estimate(cfg, n))
    except (ImportError, ValueError, TypeError):
        return n * (n - 1)
