"""Upload -> queue -> real worker process -> database, on a real Redis (never eager mode)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import redis
from PIL import Image
from sqlalchemy import select

from app.models import Creative
from app.queue import CPU_QUEUE, VALIDATE_CREATIVE
from app.services.uploads import add_upload, create_batch
from app.services.users import create_user


def _png(color: tuple[int, int, int], size: tuple[int, int] = (320, 240)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "celery", "-A", "worker.celery_app:celery", "worker", "-Q", CPU_QUEUE,
        "--pool", "solo", "--without-gossip", "--without-mingle", "--loglevel", "INFO",
    ]  # fmt: skip
    handle = log.open("wb")
    return subprocess.Popen(command, env={**os.environ, **env}, stdout=handle, stderr=subprocess.STDOUT)


def test_uploaded_creatives_are_validated_by_a_worker(runtime, app_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with runtime.db.transaction() as session:
        user = create_user(session, "adv@example.com", "correct horse battery")
        batch = create_batch(session, user, "Ceramic coffee mug", "coffee mug\nmug gift")
        good = add_upload(session, runtime.storage, runtime.settings, batch, "red.png", _png((200, 20, 20)))
        tiny = add_upload(session, runtime.storage, runtime.settings, batch, "tiny.png", _png((0, 0, 0), (8, 8)))
        bogus = add_upload(session, runtime.storage, runtime.settings, batch, "x.png", b"<svg></svg>")
        batch.status = "validating"
    assert good.error is None and tiny.error is None  # both pass the cheap checks; the worker decodes
    assert bogus.creative_id is None and "x.png" in (bogus.error or "")
    # Commit first, then send: the message carries ids only.
    for result in (good, tiny):
        runtime.send(VALIDATE_CREATIVE, result.creative_id)
    queue_key = f"{app_env['CREATIVE4U_REDIS_KEY_PREFIX']}{CPU_QUEUE}"
    assert redis.Redis.from_url(app_env["CREATIVE4U_REDIS_URL"]).llen(queue_key) == 2

    worker = _start_worker(app_env, tmp_path / "worker.log")
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with runtime.db.transaction() as session:
                rows = {c.id: c for c in session.scalars(select(Creative))}
                if all(c.status != "pending" for c in rows.values()):
                    break
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(30)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    valid, rejected = rows[good.creative_id], rows[tiny.creative_id]
    assert valid.status == "valid", log[-2000:]
    assert valid.width == 320 and valid.height == 240 and valid.format == "PNG"
    assert valid.sha256 and runtime.storage.exists(valid.storage_key) and runtime.storage.exists(valid.thumb_key)
    assert rejected.status == "rejected" and "tiny.png" in (rejected.error or "")
