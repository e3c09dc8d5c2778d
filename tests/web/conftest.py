"""Web test fixtures: every test on SQLite and PostgreSQL, users, a fully judged batch per tenant (real rows,
real stored images), logged-in clients, and real worker subprocesses.

`@pytest.mark.settings(MAX_FILES_PER_BATCH="5")` sets CREATIVE4U_* settings for one test before its runtime is
built.
"""

from __future__ import annotations

import importlib.util
import io
import itertools
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

PASSWORD = "correct horse battery"
ORIGIN = {"Origin": "http://testserver"}


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


def png_bytes(color: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


@dataclass
class Seeded:
    """Ids of one tenant's judged batch."""

    user_id: int
    email: str
    batch_id: int
    creative_ids: list[int]
    comparison_ids: list[int]
    feedback_id: int
    marker: str  # a unique string in the batch's title and filenames, to search responses for leaks
    extra: dict[str, Any] = field(default_factory=dict)


_colors = itertools.count(1)


def seed_tenant(runtime: Any, email: str, role: str = "advertiser", marker: str = "") -> Seeded:
    from app.models import Batch, Comparison, Creative, Feedback, Ranking, RankingEntry, utcnow
    from app.services.users import create_user

    marker = marker or f"mark{next(_colors)}x"
    storage = runtime.storage
    with runtime.db.transaction() as session:
        user = create_user(session, email, PASSWORD, role=role)
        batch = Batch(
            owner_id=user.id, name=f"{marker} batch", product_title=f"{marker} running shoes", queries=["shoes"],
            strategy="round_robin", top_k=1, status="ranked", progress_done=6, progress_total=6,
            comparator_version="fake-v1", finished_at=utcnow(),
        )  # fmt: skip
        session.add(batch)
        session.flush()
        creatives = []
        for i in range(3):
            shade = (next(_colors) * 37) % 256
            data = png_bytes((shade, i * 60, 200))
            up_key, sha = storage.put("uploads", data, "bin")
            key, _ = storage.put("images", data, "png")
            thumb, _ = storage.put("thumbs", png_bytes((shade, i * 60, 100), (16, 12)), "jpg")
            c = Creative(
                batch_id=batch.id, filename=f"{marker}-{i}.png", status="valid", upload_sha256=sha,
                upload_key=up_key, upload_bytes=len(data), sha256=sha, storage_key=key, thumb_key=thumb,
                width=64, height=48, format="PNG",
            )  # fmt: skip
            session.add(c)
            creatives.append(c)
        session.flush()
        comparisons = []
        for a, b in itertools.permutations(creatives, 2):
            # Lower index wins, in both orders.
            p = 0.8 if creatives.index(a) < creatives.index(b) else 0.2
            comp = Comparison(
                batch_id=batch.id, first_id=a.id, second_id=b.id, comparator_version="fake-v1", status="done",
                p_first=p, answer="A" if p > 0.5 else "B", reasoning=f"{marker} reasoning", protocol={"10": "A"},
                raw_text=f"<think>{marker}</think><answer>A</answer>", parse_ok=True,
            )  # fmt: skip
            session.add(comp)
            comparisons.append(comp)
        ranking = Ranking(batch_id=batch.id, comparator_version="fake-v1", strategy="round_robin", calls_used=6)
        session.add(ranking)
        session.flush()
        for rank, c in enumerate(creatives, start=1):
            session.add(
                RankingEntry(
                    ranking_id=ranking.id,
                    creative_id=c.id,
                    score=1.0 - rank,
                    ci_low=0.5 - rank,
                    ci_high=1.5 - rank,
                    rank=rank,
                    wins=4 - 2 * (rank - 1),
                    losses=2 * (rank - 1),
                    ties=0,
                )
            )
        batch.leader_creative_id = creatives[0].id
        session.flush()
        fb = Feedback(
            user_id=user.id, batch_id=batch.id, kind="comparison", comparison_id=comparisons[0].id,
            creative_a_id=creatives[0].id, creative_b_id=creatives[1].id, verdict="agree", comment=f"{marker} note",
        )  # fmt: skip
        session.add(fb)
        session.flush()
        return Seeded(
            user.id, user.email, batch.id, [c.id for c in creatives], [c.id for c in comparisons], fb.id, marker
        )


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
