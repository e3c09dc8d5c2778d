"""Promotion switches what a running worker uses, without a restart: a real Celery worker subprocess judges a
batch with the active version; an admin evaluates and promotes another; the next batch carries the new
comparator version (and the first batch's verdicts keep theirs); a rollback switches back."""

from __future__ import annotations

import importlib.util
import io
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from app.models import Batch, Comparison, User


def _queue_workers() -> Any:
    """tests/queue/workers.py (real Celery worker subprocesses), loaded by path rather than copied."""
    name = "c4u_test_queue_workers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[1] / "queue" / "workers.py")
        assert spec is not None and spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


FAST = {
    "CREATIVE4U_MODEL": "fake:0.01",  # the settings comparator, used while no version is active
    "CREATIVE4U_TASK_SOFT_TIME_LIMIT": "20",
    "CREATIVE4U_TASK_TIME_LIMIT": "25",
    "CREATIVE4U_LEASE_SECONDS": "26",
    "CREATIVE4U_VISIBILITY_TIMEOUT": "27",
    "CREATIVE4U_RECONCILE_SECONDS": "2",
    "CREATIVE4U_GPU_BATCH_SIZE": "4",
    "CREATIVE4U_ROUND_PAIRS": "6",
}


@pytest.fixture
def rt(app_env: dict[str, str]) -> Iterator[Any]:
    from app import migrate
    from app.runtime import get_runtime
    from app.settings import get_settings

    saved = {k: os.environ.get(k) for k in FAST}
    os.environ.update(FAST)
    get_settings.cache_clear()
    get_runtime.cache_clear()
    runtime = get_runtime()
    migrate.upgrade(runtime.settings.sqlalchemy_url)
    try:
        yield runtime
    finally:
        runtime.db.dispose()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _png(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 90), ((seed * 53) % 256, (seed * 97) % 256, (seed * 31) % 256)).save(out, "PNG")
    return out.getvalue()


def _batch(rt: Any, title: str, n: int = 3, clicks: tuple[int, ...] = ()) -> int:
    """A planned round-robin batch of validated creatives (with CTR outcomes when `clicks` is given)."""
    from app.services.outcomes import import_rows
    from app.services.uploads import add_upload, create_batch, validate_creative
    from app.services.users import create_user, find_user

    with rt.db.transaction() as s:
        admin = find_user(s, "admin@example.com") or create_user(
            s, "admin@example.com", "correct horse battery", "admin"
        )
        batch = create_batch(s, admin, title, "sale\ngift", strategy="round_robin")
        ids = []
        for i in range(n):
            added = add_upload(s, rt.storage, rt.settings, batch, f"{i}.png", _png(batch.id * 10 + i))
            assert added.creative_id is not None, added.error
            ids.append(validate_creative(s, rt.storage, rt.settings, added.creative_id).id)
        batch.status = "planned"
        if clicks:
            rows = [{"creative_id": c, "impressions": 4000, "clicks": k} for c, k in zip(ids, clicks, strict=True)]
            import_rows(s, admin, batch.id, rows)
        return int(batch.id)


def _run(rt: Any, workers: Any, batch_id: int) -> set[str]:
    from app.queue import START_BATCH

    rt.send(START_BATCH, batch_id)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with rt.db.transaction() as s:
            batch = s.get(Batch, batch_id)
            if batch.status in ("ranked", "failed", "cancelled"):
                assert batch.status == "ranked", (batch.error, workers.logs())
                rows = s.scalars(select(Comparison).where(Comparison.batch_id == batch_id))
                return {r.comparator_version for r in rows}
        time.sleep(0.3)
    raise AssertionError(f"batch {batch_id} did not finish\n{workers.logs()}")


def test_promotion_switches_the_workers_model(rt: Any, app_env: dict[str, str], tmp_path: Path) -> None:
    from app.services import registry
    from app.services.evaluation import evaluate_version
    from app.services.exports import ExportFilters, create_export

    _batch(rt, "Steel bottle", clicks=(300, 100, 30))
    _batch(rt, "Desk lamp", clicks=(50, 200, 400))
    with rt.db.transaction() as s:
        admin = s.scalars(select(User)).one()
        export = create_export(s, admin, ExportFilters(test_fraction=0.5), storage=rt.storage, out_dir=tmp_path)
        alpha = registry.register_candidate(s, name="fake-alpha", backend="fake", base_model="0.01").id
        beta = registry.register_candidate(s, name="fake-beta", backend="fake", base_model="0.01").id
        evaluate_version(s, admin, alpha, export.path)  # the comparator a worker would build, in this process
        registry.promote(s, admin, alpha)

    pool = _queue_workers().Workers({**app_env, **FAST}, tmp_path)
    try:
        pool.start()
        first_id = _batch(rt, "Water bottle", n=4)
        (alpha_version,) = _run(rt, pool, first_id)
        assert alpha_version.startswith("fake-alpha-")

        with rt.db.transaction() as s:
            admin = s.scalars(select(User)).one()
            report = evaluate_version(s, admin, beta, export.path)
            assert report["active_version_id"] == alpha and report["active"]["pairs"] == report["pairs"] > 0
            registry.promote(s, admin, beta)
        second_id = _batch(rt, "Water bottle", n=4)
        versions = _run(rt, pool, second_id)
        with rt.db.transaction() as s:
            pinned = s.get(Batch, second_id).model_version_id
        assert len(versions) == 1 and versions.pop().startswith("fake-beta-") and pinned == beta
        with rt.db.transaction() as s:  # the earlier batch's verdicts keep their version
            earlier = set(s.scalars(select(Comparison.comparator_version).where(Comparison.batch_id == first_id)))
        assert earlier == {alpha_version}

        with rt.db.transaction() as s:
            registry.rollback(s, s.scalars(select(User)).one())
        assert _run(rt, pool, _batch(rt, "Water bottle", n=3)) == {alpha_version}
        assert len(pool.started) == 1 and pool.started[0].process.poll() is None  # the same worker throughout
    finally:
        pool.stop_all()
