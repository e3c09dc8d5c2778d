"""The comparison key is unique on both databases, inserts are idempotent, and SQLite takes several writers."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import migrate
from app.db import Database
from app.models import Batch, Comparison, Creative, User


def _seed(db: Database) -> tuple[int, int, int]:
    with db.transaction() as session:
        user = User(email="a@example.com", password_hash="x")
        session.add(user)
        session.flush()
        batch = Batch(owner_id=user.id, product_title="Mug", queries=["coffee mug"])
        session.add(batch)
        session.flush()
        creatives = [
            Creative(batch_id=batch.id, upload_sha256=c * 64, upload_key=f"uploads/{c * 2}/{c * 64}.bin") for c in "ab"
        ]
        session.add_all(creatives)
        session.flush()
        return batch.id, creatives[0].id, creatives[1].id


def test_unique_comparison_key_and_idempotent_insert(db_url: str) -> None:
    migrate.upgrade(db_url)
    db = Database(db_url)
    batch_id, a, b = _seed(db)
    with db.transaction() as session:
        session.add(Comparison(batch_id=batch_id, first_id=a, second_id=b, comparator_version="v1"))
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(Comparison(batch_id=batch_id, first_id=a, second_id=b, comparator_version="v1"))
    # The other order and another version are different keys.
    with db.transaction() as session:
        session.add(Comparison(batch_id=batch_id, first_id=b, second_id=a, comparator_version="v1"))
        session.add(Comparison(batch_id=batch_id, first_id=a, second_id=b, comparator_version="v2"))
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Comparison)) == 3
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(Comparison(batch_id=batch_id, first_id=a, second_id=a, comparator_version="v1"))
    db.dispose()


def _writer(url: str, batch_id: int, worker: int, rounds: int) -> None:
    db = Database(url)
    for i in range(rounds):
        with db.transaction() as session:
            # Read-then-write in one transaction: the pattern that fails with deferred BEGIN on SQLite.
            batch = session.get(Batch, batch_id)
            assert batch is not None
            batch.progress_done += 1
            session.add(Creative(batch_id=batch_id, upload_sha256=f"{worker:02d}{i:062d}", upload_key=f"k{worker}-{i}"))
    db.dispose()


def test_sqlite_several_writer_processes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'many.db'}"
    migrate.upgrade(url)
    db = Database(url)
    batch_id, _, _ = _seed(db)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(url, batch_id, w, 40)) for w in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    assert [proc.exitcode for proc in procs] == [0, 0, 0, 0]  # a "database is locked" would exit 1
    with db.transaction() as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None and batch.progress_done == 160  # no lost updates
    db.dispose()
