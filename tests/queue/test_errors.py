"""Transient errors (storage, database) are retried with backoff and cost no attempt; permanent ones (an image
that does not decode, an unparseable comparator output) fail only their own pair, at once, without retries."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from queue_db import comparisons, creative_ids, wait_finished, wait_for
from sqlalchemy import create_engine, select, text

from app.models import Creative, Ranking
from app.queue import START_BATCH


def _stored_file(rt: Any, creative_id: int) -> Path:
    with rt.db.transaction() as session:
        creative = session.get(Creative, creative_id)
        assert creative is not None and creative.storage_key
        return Path(rt.settings.media_location) / creative.storage_key


def _retries(logs: str) -> list[float]:
    return [float(x) for x in re.findall(r"creative4u\.\w+\[[^\]]+\] retry: Retry in ([\d.]+)s", logs)]


def test_missing_image_is_retried_with_backoff_until_storage_returns(qruntime, make_batch, workers) -> None:  # type: ignore[no-untyped-def]
    rt = qruntime
    batch_id = make_batch(3, strategy="round_robin")
    blob = _stored_file(rt, creative_ids(rt, batch_id)[0])
    hidden = blob.with_name(blob.name + ".away")
    blob.rename(hidden)  # storage outage for this one image
    try:
        workers.start()
        rt.send(START_BATCH, batch_id)
        wait_for(lambda: len(_retries(workers.logs())) >= 2, 90, "two retries", workers.logs)
        # While it is out, the rows are handed back with the reason; the attempt is refunded each time.
        rows = comparisons(rt, batch_id)
        assert any("retrying: missing blob" in (r.error or "") for r in rows)
        assert all(r.attempts <= 1 for r in rows), [(r.status, r.attempts) for r in rows]
    finally:
        hidden.rename(blob)
    batch = wait_finished(rt, batch_id, 120, workers.logs)
    assert batch.status == "ranked", (batch.error, workers.logs())
    rows = comparisons(rt, batch_id)
    assert all(r.status == "done" and r.attempts == 1 and r.error is None for r in rows)
    delays = _retries(workers.logs())
    assert len(delays) >= 2 and all(0 <= d <= 60 for d in delays)  # exponential with jitter, capped at 60 s


@pytest.mark.parametrize("qenv", ["postgresql"], indirect=True)
def test_database_outage_is_retried_until_it_comes_back(qruntime, make_batch, workers, qenv, pg_admin_url) -> None:  # type: ignore[no-untyped-def]
    rt = qruntime
    batch_id = make_batch(3, strategy="round_robin")
    database = qenv["CREATIVE4U_DATABASE_URL"].rsplit("/", 1)[1]
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    workers.start()
    rt.db.dispose()
    try:
        with admin.connect() as conn:
            # The outage: no new connections, and the ones open now are cut.
            conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"), {"d": database}
            )
        rt.send(START_BATCH, batch_id)
        wait_for(lambda: len(_retries(workers.logs())) >= 2, 90, "two retries", workers.logs)
        assert "OperationalError" in workers.logs()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
        admin.dispose()
    batch = wait_finished(rt, batch_id, 120, workers.logs)
    assert batch.status == "ranked", (batch.error, workers.logs())
    assert all(r.status == "done" and r.attempts == 1 for r in comparisons(rt, batch_id))


def test_bad_image_and_unparseable_output_fail_their_pairs_without_retry(qruntime, make_batch, workers) -> None:  # type: ignore[no-untyped-def]
    rt = qruntime
    batch_id = make_batch(5, strategy="round_robin")
    ids = creative_ids(rt, batch_id)
    broken, unparseable = ids[0], ids[1]
    _stored_file(rt, broken).write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)  # corrupted after validation
    workers.start(extra_env={"CREATIVE4U_FAKE_FAIL_ON": str(unparseable)})
    rt.send(START_BATCH, batch_id)
    batch = wait_finished(rt, batch_id, 120, workers.logs)
    assert batch.status == "ranked", (batch.error, workers.logs())
    rows = comparisons(rt, batch_id)
    assert len(rows) == 20
    for row in rows:
        pair = {row.first_id, row.second_id}
        if broken in pair:
            assert row.status == "failed" and "does not decode" in (row.error or ""), row.error
        elif unparseable in pair:
            assert row.status == "failed" and "cannot parse" in (row.error or ""), row.error
        else:  # their neighbours in the same GPU batches were judged
            assert row.status == "done", (row.status, row.error)
        assert row.attempts == 1  # failed at the first attempt, never retried
    assert _retries(workers.logs()) == []
    with rt.db.transaction() as session:
        ranking = session.scalars(select(Ranking).where(Ranking.batch_id == batch_id)).one()
    expected = {(min(a, o), max(a, o)) for a in (broken, unparseable) for o in ids if o != a}
    assert sorted(tuple(p) for p in ranking.win_matrix["failed_pairs"]) == sorted(expected)
    assert len(expected) == 7
