"""The worker pipeline through real Redis, PostgreSQL and Celery worker subprocesses, with the fake comparator.

(a) a comparator that returns at once: comparisons/s one worker process sustains (target >= 200/s);
(b) a comparator of 200 ms (per GPU batch, and per comparison): queue + database overhead as a share of wall time;
(c) 1 vs 2 worker processes on the same fixed-latency batch (target: close to half the time).

Times come from the database (batch started_at, each verdict's finished_at, batch finished_at), so they cover
planning, claims, verdict writes, round planning and the ranking fit, not the test harness. Each scenario runs
on a fresh database and Redis key prefix; workers are real `celery worker` processes. Prints markdown tables.
Each message costs 6 statements and 2 commits in steady state (claim; verdicts + progress), about 10 more at a
round boundary; on a busy machine every round trip waits for a CPU, so quote the load average with the figures.

    .venv/bin/python bench/pipeline.py                      # PostgreSQL at 127.0.0.1:5432, Redis at :6379
    .venv/bin/python bench/pipeline.py --only a --pool solo --database sqlite
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
import uuid
from dataclasses import dataclass
from pathlib import Path

from benchdb import database
from PIL import Image
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    calls: int
    gpu_batches: float  # comparator calls (each one GPU batch)
    judging_s: float  # started -> last verdict
    wall_s: float  # started -> ranked (includes the final fit)
    comparator_s: float  # time spent inside the comparator


def environment(db_url: str, folder: Path, latency: float, batch_size: int, round_pairs: int) -> dict[str, str]:
    return {
        "CREATIVE4U_DATA_DIR": str(folder / "data"),
        "CREATIVE4U_DATABASE_URL": db_url,
        "CREATIVE4U_REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "CREATIVE4U_REDIS_KEY_PREFIX": f"c4ubench-{uuid.uuid4().hex[:8]}:",
        "CREATIVE4U_SECRET_KEY": "bench",
        "CREATIVE4U_MODEL": f"fake:{latency}",
        "CREATIVE4U_GPU_BATCH_SIZE": str(batch_size),
        "CREATIVE4U_ROUND_PAIRS": str(round_pairs),
    }


def use(env: dict[str, str]):  # type: ignore[no-untyped-def]
    from app import migrate
    from app.runtime import get_runtime
    from app.settings import get_settings

    os.environ.update(env)
    get_settings.cache_clear()
    get_runtime.cache_clear()
    runtime = get_runtime()
    migrate.upgrade(runtime.settings.sqlalchemy_url)
    return runtime


def make_batch(runtime, n: int) -> int:  # type: ignore[no-untyped-def]
    from app.services.uploads import add_upload, create_batch, validate_creative
    from app.services.users import create_user

    with runtime.db.transaction() as session:
        user = create_user(session, f"bench-{uuid.uuid4().hex[:6]}@example.com", "correct horse battery")
        batch = create_batch(session, user, "Steel water bottle", "water bottle\ngym", strategy="round_robin")
        for i in range(n):
            out = io.BytesIO()
            Image.new("RGB", (160, 120), ((i * 53) % 256, (i * 97) % 256, (i * 31) % 256)).save(out, "PNG")
            result = add_upload(session, runtime.storage, runtime.settings, batch, f"{i}.png", out.getvalue())
            assert result.creative_id is not None, result.error
            validate_creative(session, runtime.storage, runtime.settings, result.creative_id)
        batch.status = "planned"
        return batch.id


def start_workers(env: dict[str, str], count: int, pool: str, folder: Path) -> list[subprocess.Popen[bytes]]:
    procs = []
    for i in range(count):
        log = (folder / f"worker{i}.log").open("wb")
        command = [
            sys.executable, "-m", "celery", "-A", "worker.celery_app:celery", "worker", "-Q", "gpu",
            "--pool", pool, "--concurrency", "1", "--hostname", f"bench{i}-{uuid.uuid4().hex[:4]}@bench",
            "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        procs.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    return procs


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


def warm_up(runtime, count: int, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
    """Every worker answering, and the gpu queue consumed (a canary), before the clock starts."""
    from celery import Celery

    from app.queue import celery_config
    from app.services.lifecycle import run_canary

    client = Celery("bench")
    client.conf.update(celery_config(runtime.settings, runtime.broker_url))
    deadline = time.monotonic() + timeout
    while len(client.control.ping(timeout=1.0)) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"fewer than {count} workers answered in {timeout}s; see the worker logs")
    if run_canary(runtime, "gpu", timeout=timeout) is None:
        raise SystemExit("no worker consumed the gpu queue in time; see the worker logs")


def run_batch(runtime, batch_id: int, timeout: float = 600) -> Run:  # type: ignore[no-untyped-def]
    from app.models import Batch, Comparison
    from app.queue import START_BATCH

    runtime.send(START_BATCH, batch_id)
    deadline = time.monotonic() + timeout
    while True:
        with runtime.db.transaction() as session:
            batch = session.get(Batch, batch_id)
            assert batch is not None
            if batch.status in ("ranked", "failed", "cancelled"):
                break
        if time.monotonic() > deadline:
            raise SystemExit(f"batch {batch_id} did not finish in {timeout}s")
        time.sleep(0.1)
    if batch.status != "ranked":
        raise SystemExit(f"batch {batch_id} ended {batch.status}: {batch.error}")
    with runtime.db.transaction() as session:
        calls, last, comparator_ms = session.execute(
            select(func.count(), func.max(Comparison.finished_at), func.sum(Comparison.latency_ms)).where(
                Comparison.batch_id == batch_id, Comparison.status == "done"
            )
        ).one()
    assert batch.started_at and batch.finished_at
    batch_size = runtime.settings.gpu_batch_size
    return Run(
        calls=int(calls),
        gpu_batches=int(calls) / batch_size,
        judging_s=(last - batch.started_at).total_seconds(),
        wall_s=(batch.finished_at - batch.started_at).total_seconds(),
        comparator_s=float(comparator_ms or 0) / 1000,
    )


def scenario(args, latency: float, batch_size: int, round_pairs: int, items: int, workers: int) -> Run:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory(prefix="c4u-bench-") as tmp:
        folder = Path(tmp)
        with database(args.database, folder) as url:
            env = environment(url, folder, latency, batch_size, round_pairs)
            runtime = use(env)
            batch_id = make_batch(runtime, items)
            procs = start_workers(env, workers, args.pool, folder)
            try:
                warm_up(runtime, workers)
                return run_batch(runtime, batch_id)
            finally:
                stop_workers(procs)
                for log in sorted(folder.glob("worker*.log")):
                    body = log.read_text(errors="replace")
                    if "Traceback" in body:
                        print(f"--- {log.name}\n{body[-3000:]}", file=sys.stderr)


def repeat(args, *params) -> list[Run]:  # type: ignore[no-untyped-def]
    return [scenario(args, *params) for _ in range(args.repeat)]


def spread(values: list[float], fmt: str = "{:.0f}") -> str:
    """Median, and the range when repeated (the machine is shared: the range says how much noise there was)."""
    ordered = sorted(values)
    median = ordered[len(ordered) // 2]
    if len(ordered) == 1:
        return fmt.format(median)
    return f"{fmt.format(median)} ({fmt.format(ordered[0])}-{fmt.format(ordered[-1])})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="abc", help="scenarios to run: any of a, b, c")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--pool", choices=["prefork", "solo"], default="prefork")
    parser.add_argument("--items", type=int, default=30, help="(a) creatives: n(n-1) calls in one round")
    parser.add_argument("--batch-size", type=int, default=32, help="(a) pairs per GPU batch / message")
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario; medians (min-max) are shown")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    load = os.getloadavg()[0]
    print(f"database {args.database}, pool {args.pool} -c 1, Redis, fake comparator; {os.cpu_count()} CPUs, "
          f"load average {load:.1f} at start; median (min-max) of {args.repeat} runs\n")  # fmt: skip

    if "a" in args.only:
        rounds = args.items * (args.items - 1) // 2
        runs = repeat(args, 0.0, args.batch_size, rounds, args.items, 1)
        print("| (a) comparator that returns at once, 1 worker process | value |\n|---|---|")
        print(f"| comparisons per batch | {runs[0].calls} ({args.batch_size} per GPU batch/message, one round) |")
        print(f"| start to last verdict | **{spread([r.calls / r.judging_s for r in runs])} comparisons/s** |")
        print(f"| start to ranking stored | {spread([r.calls / r.wall_s for r in runs])} comparisons/s |\n")

    if "b" in args.only:
        print("| (b) comparator of fixed latency, 1 worker, 12 creatives round robin (132 calls, rounds of 16 pairs) "
              "| wall | in the comparator | queue + database + planning |\n|---|---|---|---|")  # fmt: skip
        for label, latency in (
            ("200 ms per GPU batch of 8", 0.2),
            ("200 ms per comparison (1.6 s per batch of 8)", 1.6),
        ):
            runs = repeat(args, latency, 8, 16, 12, 1)
            overhead = [100 * (1 - r.comparator_s / r.wall_s) for r in runs]
            walls, inside = spread([r.wall_s for r in runs], "{:.2f}"), spread([r.comparator_s for r in runs], "{:.2f}")
            print(f"| {label} | {walls} s | {inside} s | **{spread(overhead, '{:.1f}')}%** |")
        print()

    if "c" in args.only:
        runs = {n: repeat(args, 0.2, 4, 16, 10, n) for n in (1, 2)}
        one = sorted(r.wall_s for r in runs[1])[len(runs[1]) // 2]
        print("| (c) 200 ms per GPU batch of 4, 10 creatives round robin (90 calls) | wall | comparisons/s | "
              "speed-up vs 1 |\n|---|---|---|---|")  # fmt: skip
        for n, group in runs.items():
            walls = [r.wall_s for r in group]
            rates = spread([r.calls / r.wall_s for r in group], "{:.1f}")
            speedups = spread([one / w for w in walls], "{:.2f}")
            print(
                f"| {n} worker process{'es' if n > 1 else ''} | {spread(walls, '{:.2f}')} s | {rates} | {speedups}x |"
            )


if __name__ == "__main__":
    main()
