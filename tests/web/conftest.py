"""Web test fixtures: every test on SQLite and PostgreSQL, users, a fully judged batch per tenant (real rows,
real stored images), logged-in clients, and real worker subprocesses.

`@pytest.mark.settings(MAX_FILES_PER_BATCH="5")` sets CREATIVE4U_* settings for one test before its runtime is
built.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from web_world import ORIGIN, PASSWORD, Seeded, seed_tenant


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "settings(**values): CREATIVE4U_* settings for one web test")


@pytest.fixture
def app_env(app_env: dict[str, str], db_url: str, request: pytest.FixtureRequest) -> dict[str, str]:
    """The root app_env on both databases (db_url is parametrized), plus the test's `settings` marker."""
    from app.runtime import get_runtime
    from app.settings import get_settings

    env = dict(app_env, CREATIVE4U_DATABASE_URL=db_url)
    marker = request.node.get_closest_marker("settings")
    for key, value in (marker.kwargs if marker else {}).items():
        env[f"CREATIVE4U_{key.upper()}"] = str(value)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    get_settings.cache_clear()
    get_runtime.cache_clear()

    def restore() -> None:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    request.addfinalizer(restore)
    return env


def _queue_workers_module() -> Any:
    """tests/queue/workers.py (real Celery worker subprocesses), shared rather than copied."""
    path = Path(__file__).parents[1] / "queue" / "workers.py"
    spec = importlib.util.spec_from_file_location("c4u_test_queue_workers", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def workers(app_env: dict[str, str], runtime: Any, tmp_path: Path) -> Iterator[Any]:
    """Start real workers with `workers.start(queues="cpu")`; every one is stopped afterwards."""
    pool = _queue_workers_module().Workers(app_env, tmp_path)
    yield pool
    pool.stop_all()


@pytest.fixture
def tenants(runtime: Any) -> tuple[Seeded, Seeded]:
    return seed_tenant(runtime, "alice@example.com"), seed_tenant(runtime, "bob@example.com")


@pytest.fixture
def admin(runtime: Any) -> Seeded:
    return seed_tenant(runtime, "root@example.com", role="admin")


@pytest.fixture
def user_of(runtime: Any) -> Callable[[str], Any]:
    from app.services.users import find_user

    def load(email: str) -> Any:
        with runtime.db.session() as session:
            user = find_user(session, email)
            session.expunge(user)
            return user

    return load


@pytest.fixture
def web_app(runtime: Any) -> Any:
    from app.web.host import create_app

    return create_app()


@pytest.fixture
def client_factory(web_app: Any) -> Iterator[Callable[..., Any]]:
    from fastapi.testclient import TestClient

    clients: list[TestClient] = []

    def make(email: str | None = None, password: str = PASSWORD) -> TestClient:
        client = TestClient(web_app, base_url="http://testserver", follow_redirects=False)
        clients.append(client)
        if email is not None:
            response = client.post("/login", data={"email": email, "password": password}, headers=ORIGIN)
            assert response.status_code == 303, response.text
            assert client.cookies.get("c4u_session")
        return client

    yield make
    for client in clients:
        client.close()
