"""What 20 users polling batch progress add to everyone's page actions, through a real uvicorn web host.

One "actor" repeats the requests a results page makes (batch list, results, creatives, one thumbnail), first
alone, then while N other logged-in users each poll GET /api/v1/batches/{id}/progress every --interval
seconds (what the UI's live progress does). Reported: the actor's p50/p95 per page action in both phases and
the p95 the pollers add. Target: under 50 ms added at p95 with 20 pollers. Prints a markdown table.

The web host runs as its own process (uvicorn, one worker, as `creative4u web`), against a fresh SQLite or
PostgreSQL database seeded here with one judged batch per user.

    .venv/bin/python bench/web_polling.py [--users 20] [--interval 1.0] [--seconds 20] [--database postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from benchdb import database
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench password 123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(db_url: str, folder: Path, port: int, **extra: str) -> dict[str, str]:
    env = {
        "CREATIVE4U_DATA_DIR": str(folder / "data"),
        "CREATIVE4U_DATABASE_URL": db_url,
        "CREATIVE4U_REDIS_URL": "redis://127.0.0.1:6379/0",
        "CREATIVE4U_REDIS_KEY_PREFIX": f"c4ubench-{uuid.uuid4().hex[:8]}:",
        "CREATIVE4U_SECRET_KEY": uuid.uuid4().hex,
        "CREATIVE4U_PORT": str(port),
        "CREATIVE4U_LOGIN_MAX_FAILURES": "1000",
        **{f"CREATIVE4U_{k.upper()}": v for k, v in extra.items()},
    }
    os.environ.update(env)
    from app.runtime import get_runtime
    from app.settings import get_settings

    get_settings.cache_clear()
    get_runtime.cache_clear()
    return env


def migrate() -> None:
    from app import migrate as m
    from app.runtime import get_runtime

    m.upgrade(get_runtime().settings.sqlalchemy_url)


@contextlib.contextmanager
def web_host(env: dict[str, str], folder: Path) -> Iterator[str]:
    """uvicorn running the host in its own process (like `creative4u web`); stopped on exit."""
    port = env["CREATIVE4U_PORT"]
    log = (folder / "web.log").open("wb")
    command = [sys.executable, "-m", "uvicorn", "--factory", "app.web.host:create_app", "--port", port,
               "--log-level", "warning", "--no-access-log"]  # fmt: skip
    proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/login", timeout=2).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"web host did not start:\n{(folder / 'web.log').read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def login(base: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60, headers={"Origin": base})
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    if response.status_code != 303:
        raise RuntimeError(f"login failed for {email}: {response.status_code}")
    return client


def image(seed: int, size: tuple[int, int] = (320, 240)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, ((seed * 53) % 256, (seed * 97) % 256, (seed * 31) % 256)).save(out, "PNG")
    return out.getvalue()


def seed_user(email: str, n_creatives: int = 6) -> int:
    """A user with one batch mid-run: validated creatives, done comparisons, a ranking; returns the batch id."""
    import itertools

    from app.models import Comparison, Ranking, RankingEntry
    from app.runtime import get_runtime
    from app.services.uploads import add_upload, create_batch, validate_creative
    from app.services.users import create_user

    rt = get_runtime()
    with rt.db.transaction() as session:
        user = create_user(session, email, PASSWORD)
        batch = create_batch(session, user, f"Product of {email}", ["query one", "query two"], strategy="round_robin")
        ids = []
        for i in range(n_creatives):
            added = add_upload(session, rt.storage, rt.settings, batch, f"{i}.png", image(batch.id * 100 + i))
            assert added.creative_id is not None, added.error
            validate_creative(session, rt.storage, rt.settings, added.creative_id)
            ids.append(added.creative_id)
        for a, b in itertools.permutations(ids, 2):
            p = 0.7 if a < b else 0.3
            session.add(
                Comparison(batch_id=batch.id, first_id=a, second_id=b, comparator_version="bench", status="done",
                           p_first=p, answer="A", reasoning="r" * 400)
            )  # fmt: skip
        ranking = Ranking(batch_id=batch.id, comparator_version="bench", strategy="round_robin", calls_used=30)
        session.add(ranking)
        session.flush()
        for rank, cid in enumerate(ids, start=1):
            session.add(RankingEntry(ranking_id=ranking.id, creative_id=cid, score=-rank, ci_low=-rank - 1,
                                     ci_high=-rank + 1, rank=rank, wins=10 - rank, losses=rank, ties=0))  # fmt: skip
        batch.status, batch.comparator_version, batch.leader_creative_id = "comparing", "bench", ids[0]
        batch.progress_done, batch.progress_total = 12, 30
        return batch.id


def page_actions(client: httpx.Client, batch_id: int, thumb: str) -> list[float]:
    """The requests a results page makes, each timed (ms)."""
    times = []
    for path in ("/api/v1/batches", f"/api/v1/batches/{batch_id}/results",
                 f"/api/v1/batches/{batch_id}/creatives", thumb):  # fmt: skip
        began = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    return times


def measure_actor(client: httpx.Client, batch_id: int, seconds: float) -> list[float]:
    thumb = client.get(f"/api/v1/batches/{batch_id}/creatives").json()[0]["thumb_url"]
    samples: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        samples += page_actions(client, batch_id, thumb)
        time.sleep(0.05)  # a person clicks; they do not hammer
    return samples


def timed_get(client: httpx.Client, path: str) -> float:
    began = time.perf_counter()
    client.get(path).raise_for_status()
    return (time.perf_counter() - began) * 1000


def run_pollers(base: str, users: list[tuple[str, int]], interval: float, stop: Any, active: Any, out: Any) -> None:
    """In a child process: each user polls its batch's progress every `interval` s while `active` is set."""
    polls: list[float] = []
    errors: list[str] = []

    async def user(cookie: str, batch_id: int, offset: float) -> None:
        async with httpx.AsyncClient(base_url=base, cookies={"c4u_session": cookie}, timeout=60) as client:
            await asyncio.sleep(offset)  # spread the users over the interval, as real ones are
            while not stop.is_set():
                if not active.is_set():
                    await asyncio.sleep(0.05)
                    continue
                began = time.perf_counter()
                try:
                    (await client.get(f"/api/v1/batches/{batch_id}/progress")).raise_for_status()
                    polls.append((time.perf_counter() - began) * 1000)
                except httpx.HTTPError as error:
                    errors.append(repr(error))
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - began)))

    async def everyone() -> None:
        await asyncio.gather(*(user(c, b, interval * i / len(users)) for i, (c, b) in enumerate(users)))

    asyncio.run(everyone())
    out.put((polls, errors))


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between one user's polls")
    parser.add_argument("--seconds", type=float, default=20, help="measuring time per phase, in total")
    parser.add_argument("--rounds", type=int, default=4, help="alternations of the alone and polling phases")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, database(args.database, Path(tmp)) as db_url:
        folder = Path(tmp)
        env = environment(db_url, folder, free_port())
        migrate()
        batches = [seed_user(f"user{i}@bench.example") for i in range(args.users + 1)]
        with web_host(env, folder) as base:
            actor = login(base, "user0@bench.example")
            pollers = [login(base, f"user{i}@bench.example") for i in range(1, args.users + 1)]
            measure_actor(actor, batches[0], 2)  # warm up

            # The pollers run in a process of their own (asyncio), so their client work does not slow the actor's
            # timing; the phases alternate in short rounds, so drift in the shared machine's load hits both alike.
            sequential = [timed_get(actor, f"/api/v1/batches/{batches[0]}/progress") for _ in range(100)]
            ctx = multiprocessing.get_context("spawn")
            stop, active, out = ctx.Event(), ctx.Event(), ctx.Queue()
            cookies = [c.cookies.get("c4u_session") for c in pollers]
            worker = ctx.Process(
                target=run_pollers,
                args=(base, list(zip(cookies, batches[1:], strict=True)), args.interval, stop, active, out),
            )
            worker.start()
            alone: list[float] = []
            loaded: list[float] = []
            for _ in range(args.rounds):
                active.clear()
                time.sleep(args.interval)  # let the polls in flight finish
                alone += measure_actor(actor, batches[0], args.seconds / args.rounds)
                active.set()
                time.sleep(args.interval)  # every poller is polling
                loaded += measure_actor(actor, batches[0], args.seconds / args.rounds)
            stop.set()
            active.set()
            polls, errors = out.get(timeout=60)
            worker.join(30)

    added = p95(loaded) - p95(alone)
    if errors:
        print(f"first poll error: {errors[0]}")
    print(f"\n{args.users} users polling every {args.interval:g} s, {args.database}, {args.seconds:g} s per phase "
          f"({len(alone)} / {len(loaded)} page requests, {len(polls)} polls, {len(errors)} poll errors)\n")  # fmt: skip
    print("| measure | p50 (ms) | p95 (ms) |")
    print("|---|---:|---:|")
    print(f"| page action, alone | {statistics.median(alone):.1f} | {p95(alone):.1f} |")
    print(f"| page action, {args.users} users polling | {statistics.median(loaded):.1f} | {p95(loaded):.1f} |")
    print(
        f"| progress poll, one at a time (service time) | {statistics.median(sequential):.1f} | {p95(sequential):.1f} |"
    )
    print(
        f"| progress poll, {args.users} users (seen by the pollers' process) | "
        f"{statistics.median(polls):.1f} | {p95(polls):.1f} |"
    )
    print(f"| **added to page actions** | {statistics.median(loaded) - statistics.median(alone):+.1f} | "
          f"**{added:+.1f}** (target < 50) |")  # fmt: skip


if __name__ == "__main__":
    main()
