"""Shared fixtures: real databases (SQLite and PostgreSQL), a real Redis, settings and a migrated runtime.

PostgreSQL tests create and drop their own database at 127.0.0.1:5432; where none answers they skip with a
loud reason. Redis is the machine's server at 127.0.0.1:6379 when it answers (CI), else an embedded one; each
test gets its own key prefix so parallel runs on one server never see each other's queues.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    if not port_open(PG_HOST, PG_PORT):
        pytest.skip(f"NO POSTGRESQL at {PG_HOST}:{PG_PORT}: PostgreSQL tests did not run")
    return f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/postgres"


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    from sqlalchemy import create_engine, text

    name = f"c4u_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Runs a test on both databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if port_open(REDIS_HOST, REDIS_PORT):
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/0"
        return
    from app.embedded_redis import EmbeddedRedis

    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    yield server.start()
    server.stop()


@pytest.fixture
def redis_prefix(redis_server_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    import redis

    prefix = f"c4utest-{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = redis.Redis.from_url(redis_server_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=500))
    if keys:
        client.delete(*keys)


@pytest.fixture
def app_env(tmp_path: Path, sqlite_url: str, redis_server_url: str, redis_prefix: str) -> Iterator[dict[str, str]]:
    """Environment for a product process (web or worker) in this test: its own data folder, SQLite, Redis prefix.

    Tests that want PostgreSQL override CREATIVE4U_DATABASE_URL. The settings cache is cleared around the test.
    """
    from app.runtime import get_runtime
    from app.settings import get_settings

    env = {
        "CREATIVE4U_DATA_DIR": str(tmp_path / "data"),
        "CREATIVE4U_DATABASE_URL": sqlite_url,
        "CREATIVE4U_REDIS_URL": redis_server_url,
        "CREATIVE4U_REDIS_KEY_PREFIX": redis_prefix,
        "CREATIVE4U_SECRET_KEY": "test-secret-" + uuid.uuid4().hex,
    }
    old = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    get_settings.cache_clear()
    get_runtime.cache_clear()
    try:
        yield env
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
        get_runtime.cache_clear()


@pytest.fixture
def runtime(app_env: dict[str, str]):  # type: ignore[no-untyped-def]
    """A migrated database and storage for this test, as the product processes will see them."""
    from app import migrate
    from app.runtime import get_runtime

    rt = get_runtime()
    migrate.upgrade(rt.settings.sqlalchemy_url)
    yield rt
    rt.db.dispose()
