"""The work behind the thin tasks: start a batch, and judge one message's comparisons.

judge: claim the rows (lease + attempt), load the images (cached per process, content-addressed), run the
comparator on the whole GPU batch (both orders of each pair together), write the verdicts in one transaction,
then plan the next round or finish the batch. A message that was delivered before (its rows carry attempts)
runs pair by pair, committing each, so one pair that kills the process cannot use up its neighbours' attempts;
likewise a GPU batch that fails permanently (an image that does not decode, an unparseable output) is judged
again pair by pair, so only the guilty pair is failed. Transient errors (storage, database) release the rows
without spending an attempt and raise, and the task retries with backoff.
Messages to send are returned to the task, which sends them after the commit.
"""

from __future__ import annotations

import io
import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Batch, Creative
from app.runtime import Runtime
from app.storage import StorageError
from selector.types import Brief, Pair
from selector.types import Creative as Shown
from worker import claims, planner
from worker.comparator import SLOT, pinned_spec, spec_for, with_kill_switch

log = logging.getLogger(__name__)


class PermanentError(Exception):
    """Retrying cannot help (an image that does not decode, a comparator that cannot parse its input)."""


@dataclass
class Outcome:
    judged: int = 0
    skipped: int = 0
    failed: int = 0
    messages: list[list[int]] | None = None  # chunks of comparison ids to enqueue after commit


class ImageCache:
    """Decoded images by storage key (content-addressed, so an entry never goes stale)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[str, Image.Image] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, runtime: Runtime, key: str) -> Image.Image:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        data = runtime.storage.get(key)  # StorageError: transient, the task retries
        try:
            opened = Image.open(io.BytesIO(data))
            opened.load()
            image = opened.convert("RGB")
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:  # PIL's decode errors
            raise PermanentError(f"stored image {key} does not decode: {error}") from error
        with self._lock:
            self._items[key] = image
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return image


IMAGES = ImageCache()
# creative id -> (storage key, sha256) of validated creatives: fixed once validated, so cached per process
# (one query fewer per GPU batch).
Stored = dict[int, tuple[str, str]]
_STORED: Stored = {}


def _stored(session: Session, rows: Sequence[claims.Row]) -> Stored:
    wanted = {r.first_id for r in rows} | {r.second_id for r in rows}
    missing = wanted - _STORED.keys()
    if missing:
        stmt = select(Creative.id, Creative.storage_key, Creative.sha256).where(
            Creative.id.in_(missing), Creative.status == "valid"
        )
        for cid, key, sha in session.execute(stmt):
            if key and sha:
                _STORED[cid] = (key, sha)
        if len(_STORED) > 100_000:
            _STORED.clear()
    return {cid: _STORED[cid] for cid in wanted if cid in _STORED}


def _pairs(
    runtime: Runtime, batch: Batch, rows: Sequence[claims.Row], stored: dict[int, tuple[str, str]]
) -> list[Pair]:
    brief = Brief(batch.product_title, tuple(batch.queries or ()), "zh" if batch.language == "zh" else "en")
    shown: dict[int, Shown] = {}
    for cid in {r.first_id for r in rows} | {r.second_id for r in rows}:
        if cid not in stored:
            raise PermanentError(f"creative {cid} has no validated image")
        key, sha = stored[cid]
        shown[cid] = Shown(IMAGES.get(runtime, key), sha)
    return [Pair(shown[r.first_id], shown[r.second_id], brief) for r in rows]


def _by_pair(rows: Sequence[claims.Row]) -> list[list[int]]:
    """Row ids grouped by unordered pair (both orders together)."""
    by_pair: dict[tuple[int, int], list[int]] = {}
    for r in rows:
        by_pair.setdefault((min(r.first_id, r.second_id), max(r.first_id, r.second_id)), []).append(r.id)
    return list(by_pair.values())


def _units(rows: Sequence[claims.Row]) -> list[list[int]]:
    """All rows at once on a first delivery; pair by pair (both orders together) once something died."""
    if not any(r.attempts > 0 and r.status in claims.OPEN for r in rows):
        return [[r.id for r in rows]]
    return _by_pair(rows)


def judge(runtime: Runtime, batch_id: int, ids: Sequence[int], worker: str, task_id: str) -> Outcome:
    settings = runtime.settings
    outcome = Outcome()
    units: deque[list[int]] | None = None
    at_limit = True
    # Whether to settle after the last commit. A write that still sees pending rows records progress and skips
    # it: those rows' own messages settle after them (or the reconciler does, for a lost one).
    needs_settle = True
    while units is None or units:
        with runtime.db.transaction() as session:
            batch = session.get(Batch, batch_id)
            if batch is None or batch.status != "comparing":
                break
            if units is None:  # first pass: decide how to split the message, in the same transaction
                rows = claims.peek(session, ids)
                units = deque(_units(rows))
                at_limit = any(r.attempts >= settings.max_attempts for r in rows)
                if not units:
                    break
            unit = units.popleft()
            claimed = claims.claim(
                session, unit, worker, task_id, settings.lease_seconds, settings.max_attempts, give_up_first=at_limit
            )
            spec = pinned_spec(session, settings, batch)
            stored = _stored(session, claimed)
        outcome.skipped += len(unit) - len(claimed)
        if not claimed:
            continue
        try:
            comparator = SLOT.get(spec, settings)
            if comparator.version != batch.comparator_version:
                raise PermanentError(
                    f"the comparator is now {comparator.version}, the batch runs {batch.comparator_version}"
                )
            pairs = _pairs(runtime, batch, claimed, stored)
            keys = {cid: sha for cid, (_, sha) in stored.items()}
            verdicts = with_kill_switch(comparator, spec, keys).compare(pairs)
            if len(verdicts) != len(pairs):
                raise PermanentError(f"the comparator returned {len(verdicts)} verdicts for {len(pairs)} pairs")
        except (StorageError, OSError, ConnectionError, TimeoutError) as error:
            with runtime.db.transaction() as session:
                claims.release(session, [r.id for r in claimed], f"retrying: {error}")
            raise
        except Exception as error:
            split = _by_pair(claimed)
            if len(split) > 1:
                # One bad pair must not fail its GPU-batch neighbours: hand the rows back (the attempt is
                # refunded) and judge them pair by pair, so only the guilty pair fails.
                log.warning("GPU batch %s failed (%s); retrying pair by pair", [r.id for r in claimed], error)
                with runtime.db.transaction() as session:
                    claims.release(session, [r.id for r in claimed], f"isolating: {error}")
                units.extendleft(reversed(split))
                continue
            log.exception("comparisons %s failed permanently", [r.id for r in claimed])
            with runtime.db.transaction() as session:
                claims.fail(session, [r.id for r in claimed], f"{type(error).__name__}: {error}")
            outcome.failed += len(claimed)
            needs_settle = True
            continue
        with runtime.db.transaction() as session:
            claims.write_verdicts(session, claimed, verdicts, worker)
            now = planner.counts(session, batch_id, batch.comparator_version)
            planner.record_progress(session, batch_id, now.calls)
            needs_settle = now.pending == 0
            if now.open == 0 and not units:
                # Nothing open even counting uncommitted work of others (it would show as running): this is the
                # round's last write, so plan the next round (or rank) in the same transaction.
                current = session.get(Batch, batch_id)
                if current is not None:
                    outcome.messages = planner.advance(session, current, settings)
                needs_settle = False
        outcome.judged += len(claimed)
    if needs_settle:
        outcome.messages = settle(runtime, batch_id)
    return outcome


def settle(runtime: Runtime, batch_id: int) -> list[list[int]]:
    """Record progress; plan the next round or finish when nothing of this batch is open. Runs after the
    verdicts committed, so of several workers finishing a round together at least the last one sees it done."""
    with runtime.db.transaction() as session:
        batch = session.get(Batch, batch_id)
        if batch is None or batch.status != "comparing":
            return []
        now = planner.counts(session, batch.id, batch.comparator_version)
        if now.open:
            planner.record_progress(session, batch.id, now.calls)
            return []
        return planner.advance(session, batch, runtime.settings)


def start(runtime: Runtime, batch_id: int) -> list[list[int]]:
    """Move a batch whose creatives are all validated to comparing and plan its first round. Idempotent."""
    settings = runtime.settings
    with runtime.db.transaction() as session:
        batch = session.get(Batch, batch_id)
        if batch is None or batch.status not in ("draft", "validating", "planned"):
            return []
        pending = session.scalar(
            select(Creative.id).where(Creative.batch_id == batch_id, Creative.status == "pending").limit(1)
        )
        if pending is not None:
            return []  # the last validation sends START_BATCH again
        items = planner.valid_items(session, batch_id)
        if len(items) < 2:
            batch.status = "failed"
            batch.error = (
                f"A batch needs at least 2 valid images to compare; it has {len(items)}. "
                "Check the rejected images' messages, then upload more."
            )
            return []
        spec = spec_for(session, settings, batch.model_version_id)
    comparator = SLOT.get(spec, settings)  # outside the transaction: loading a model takes a while
    with runtime.db.transaction() as session:
        batch = session.get(Batch, batch_id)
        if batch is None or not planner.begin(session, batch, settings, comparator.version, spec.model_version_id):
            return []
        st = planner.state(session, batch)
        if st.open_ids:  # resuming a cancelled run of the same version
            planner.mark_enqueued(session, st.open_ids)
            return planner.chunks(session, st.open_ids, settings)
        return planner.advance(session, batch, settings)
