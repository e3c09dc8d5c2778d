"""Loop test fixtures: a migrated database (SQLite and PostgreSQL) with users and storage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from loop_world import PASSWORD, World


def _world(url: str, media: Path) -> Iterator[World]:
    from app import migrate
    from app.db import Database
    from app.services.users import create_user
    from app.storage import LocalStorage

    migrate.upgrade(url)
    db = Database(url)
    with db.transaction() as session:
        admin = create_user(session, "admin@example.com", PASSWORD, role="admin")
        adv = create_user(session, "adv@example.com", PASSWORD)
        ids = (admin.id, adv.id)
    try:
        yield World(db=db, storage=LocalStorage(media), admin_id=ids[0], advertiser_id=ids[1])
    finally:
        db.dispose()


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    """On SQLite and on PostgreSQL."""
    yield from _world(db_url, tmp_path / "media")


@pytest.fixture
def sqlite_world(sqlite_url: str, tmp_path: Path) -> Iterator[World]:
    yield from _world(sqlite_url, tmp_path / "media")
