"""Queue test fixtures: a migrated database (SQLite, or PostgreSQL where a test asks), short reliability
timeouts, the fake comparator, real worker subprocesses that are always stopped, and ready-to-rank batches."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from redis_server import RedisServer
from workers import Workers

# Short enough for tests, still nested as production needs: soft < hard < lease < visibility.
FAST = {
    "CREATIVE4U_MODEL": "fake:0.05",
    "CREATIVE4U_TASK_SOFT_TIME_LIMIT": "8",
    "CREATIVE4U_TASK_TIME_LIMIT": "10",
    "CREATIVE4U_LEASE_SECONDS": "11",
    "CREATIVE4U_VISIBILITY_TIMEOUT": "12",
    "CREATIVE4U_UNACKED_RESTORE_SECONDS": "1",
    "CREATIVE4U_RECONCILE_SECONDS": "2",
    "CREATIVE4U_MAX_ATTEMPTS": "3",
    "CREATIVE4U_GPU_BATCH_SIZE": "4",
    "CREATIVE4U_ROUND_PAIRS": "4",
}


def _apply(env: dict[str, str]) -> None:
    from app.runtime import get_runtime
    from app.settings import get_settings

    os.environ.update(env)
    get_settings.cache_clear()
    get_runtime.cache_clear()


@pytest.fixture
def aof_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A private Redis with AOF persistence that the test may crash and restart."""
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def qenv(app_env: dict[str, str], request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """app_env plus the fast settings. `@pytest.mark.parametrize("qenv", ["postgresql"], indirect=True)` for PG;
    a param containing "aof" points broker and workers at the test's own restartable Redis (`aof_redis`)."""
    env = dict(app_env) | FAST
    param = str(getattr(request, "param", "sqlite"))
    if "postgresql" in param:
        env["CREATIVE4U_DATABASE_URL"] = request.getfixturevalue("pg_url")
    if "aof" in param:
        env["CREATIVE4U_REDIS_URL"] = request.getfixturevalue("aof_redis").url
    saved = {k: os.environ.get(k) for k in env}
    _apply(env)
    try:
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def qruntime(qenv: dict[str, str]):  # type: ignore[no-untyped-def]
    from app import migrate
    from app.runtime import get_runtime

    rt = get_runtime()
    migrate.upgrade(rt.settings.sqlalchemy_url)
    yield rt
    rt.db.dispose()


@pytest.fixture
def workers(qenv: dict[str, str], tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(qenv, tmp_path)
    yield pool
    pool.stop_all()


def png(index: int, size: tuple[int, int] = (160, 120)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, ((index * 53) % 256, (index * 97) % 256, (index * 31) % 256)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def make_batch(qruntime: Any) -> Callable[..., int]:
    """A batch of `n` validated creatives (validated in-process: these tests are about judging), status planned."""
    from app.services.uploads import add_upload, create_batch, validate_creative
    from app.services.users import create_user, find_user

    def make(n: int = 4, strategy: str = "round_robin", **kwargs: Any) -> int:
        rt = qruntime
        with rt.db.transaction() as session:
            user = find_user(session, "queue@example.com") or create_user(
                session, "queue@example.com", "correct horse battery"
            )
            batch = create_batch(session, user, "Steel water bottle", "water bottle\ngym", strategy=strategy, **kwargs)
            for i in range(n):
                result = add_upload(session, rt.storage, rt.settings, batch, f"{i}.png", png(batch.id * 100 + i))
                assert result.creative_id is not None, result.error
                validate_creative(session, rt.storage, rt.settings, result.creative_id)
            batch.status = "planned"
            return batch.id

    return make
