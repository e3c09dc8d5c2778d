"""Real Celery worker subprocesses for queue tests: start, wait until ready, find pool children, kill, stop.

Each worker runs in its own session (process group), so stopping it also ends its pool children and embedded
beat; tests stop every worker in a finalizer.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path


class Worker:
    def __init__(
        self,
        env: dict[str, str],
        log_dir: Path,
        *,
        queues: str = "cpu,gpu",
        pool: str = "prefork",
        beat: bool = False,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.name = f"w{uuid.uuid4().hex[:6]}"
        self.log = log_dir / f"{self.name}.log"
        self.env = {**os.environ, **env, **(extra_env or {})}
        self.command = [
            sys.executable, "-m", "celery", "-A", "worker.celery_app:celery", "worker", "-Q", queues,
            "--pool", pool, "--concurrency", "1", "--hostname", f"{self.name}@test", "--loglevel", "INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        if beat:
            self.command += ["-B", "-s", str(log_dir / f"{self.name}-beat-schedule")]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait: bool = True, timeout: float = 60) -> Worker:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            self.command, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        if wait:
            self.wait_ready(timeout)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.text():
                return
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.text()[-3000:]}")
            time.sleep(0.1)
        raise TimeoutError(f"worker not ready in {timeout}s:\n{self.text()[-3000:]}")

    def children(self) -> list[int]:
        try:
            raw = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            return []
        return [int(x) for x in raw.split()]

    def kill(self) -> None:
        """SIGKILL the whole worker: main process, pool children, beat."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 15) -> None:
        if self.process is None or self.process.poll() is not None:
            self._reap_group()
            return
        try:
            os.killpg(self.pid, signal.SIGTERM)
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        self.kill()
        self._reap_group()

    def _reap_group(self) -> None:
        # Children that outlived their parent (a SIGKILLed main process leaves its pool orphaned).
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)


class Workers:
    """Every worker a test started; `stop_all` runs in the fixture's finalizer."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env, self.log_dir = env, log_dir
        self.started: list[Worker] = []

    def start(self, wait: bool = True, **kwargs: object) -> Worker:
        worker = Worker(self.env, self.log_dir, **kwargs)  # type: ignore[arg-type]
        self.started.append(worker)
        return worker.start(wait=wait)

    def logs(self) -> str:
        return "\n".join(f"--- {w.name}\n{w.text()[-4000:]}" for w in self.started)

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()
