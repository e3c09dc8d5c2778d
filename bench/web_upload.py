"""Uploading 50 images of about 2 MB through the REST API until one CPU worker has validated every one.

Real processes: the web host under uvicorn (as `creative4u web`) and one Celery worker on the CPU queue
(prefork, concurrency 1, as `creative4u up` starts it), real Redis, SQLite or PostgreSQL. The images are
1600x1200 JPEGs with photo-like grain, about 2 MB each (quality 97). Timed: the upload request (the host's
quarantine checks: size, format sniff, duplicate hash, storing), then from POST /start until no creative is
pending (the worker decodes each with the hardened loader, re-encodes it without metadata, and makes a
thumbnail). Target: under 30 s in all. Prints a markdown table.

    .venv/bin/python bench/web_upload.py [--images 50] [--mb 2] [--per-request 50] [--database postgresql]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image
from web_polling import PASSWORD, ROOT, database, environment, free_port, login, migrate, web_host


def creative_jpeg(seed: int, target_bytes: int, size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A photo-like JPEG (gradient, shapes, grain) at the highest quality that stays near the target size."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x * 255 / w), (y * 255 / h), ((x + y) * 127 / (w + h) + seed * 7) % 255], axis=-1)
    grain = rng.normal(0, 40, (h, w, 3))
    pixels = np.clip(base + grain, 0, 255).astype(np.uint8)
    img = Image.fromarray(pixels)
    best = b""
    for quality in (97, 95, 92, 90, 88, 85, 82, 80, 75, 70, 60):
        out = io.BytesIO()
        img.save(out, "JPEG", quality=quality)
        best = out.getvalue()
        if len(best) <= target_bytes * 1.05:
            break
    return best


@contextlib.contextmanager
def cpu_worker(env: dict[str, str], folder: Path) -> Iterator[subprocess.Popen[bytes]]:
    log_path = folder / "worker.log"
    command = [
        sys.executable, "-m", "celery", "-A", "worker.celery_app:celery", "worker", "-Q", "cpu",
        "--pool", "prefork", "--concurrency", "1", "--hostname", "bench-cpu@%h", "--loglevel", "INFO",
        "--without-gossip", "--without-mingle",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 120
            while " ready." not in log_path.read_text(errors="replace"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"worker did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.2)
            yield proc
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=50)
    parser.add_argument("--mb", type=float, default=2.0)
    parser.add_argument("--per-request", type=int, default=50, help="images per upload request")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()

    images = [creative_jpeg(i, int(args.mb * 1024 * 1024)) for i in range(args.images)]
    total_mb = sum(map(len, images)) / 1024 / 1024
    with tempfile.TemporaryDirectory() as tmp, database(args.database, Path(tmp)) as db_url:
        folder = Path(tmp)
        env = environment(db_url, folder, free_port())
        migrate()
        from app.runtime import get_runtime
        from app.services.users import create_user

        with get_runtime().db.transaction() as session:
            create_user(session, "uploader@bench.example", PASSWORD)
        with web_host(env, folder) as base, cpu_worker(env, folder):
            client = login(base, "uploader@bench.example")
            bid = client.post("/api/v1/batches", json={"product_title": "Bench product"}).json()["id"]
            began = time.perf_counter()
            accepted = 0
            for i in range(0, len(images), args.per_request):
                chunk = images[i : i + args.per_request]
                files = [("files", (f"creative-{i + j:03d}.jpg", data, "image/jpeg")) for j, data in enumerate(chunk)]
                response = client.post(f"/api/v1/batches/{bid}/files", files=files)
                response.raise_for_status()
                body = response.json()
                if body["rejected"]:
                    raise RuntimeError(f"rejected at upload: {body['rejected'][:3]}")
                accepted += len(body["accepted"])
            uploaded = time.perf_counter()
            client.post(f"/api/v1/batches/{bid}/start").raise_for_status()
            while True:
                progress = client.get(f"/api/v1/batches/{bid}/progress").json()
                if "pending" not in progress["creatives"]:
                    break
                if time.perf_counter() - uploaded > 600:
                    raise RuntimeError(f"validation did not finish: {progress}")
                time.sleep(0.2)
            validated = time.perf_counter()

    upload_s, validate_s, total_s = uploaded - began, validated - uploaded, validated - began
    print(f"\n{args.images} JPEGs 1600x1200, {total_mb:.0f} MB in all, {args.per_request} per request, "
          f"{args.database}, one CPU worker (prefork, concurrency 1)\n")  # fmt: skip
    print("| stage | seconds | per image (ms) |")
    print("|---|---:|---:|")
    print(f"| upload + host checks ({accepted} accepted) | {upload_s:.1f} | {upload_s / args.images * 1000:.0f} |")
    print(f"| validation on the worker ({progress['creatives']}) | {validate_s:.1f} | "
          f"{validate_s / args.images * 1000:.0f} |")  # fmt: skip
    print(f"| **total** (target < 30 s) | **{total_s:.1f}** | {total_s / args.images * 1000:.0f} |")


if __name__ == "__main__":
    main()
