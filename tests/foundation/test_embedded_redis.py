"""The embedded Redis: a real redis-server with AOF, gone when stopped, and queued data survives a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from app.embedded_redis import EmbeddedRedis


def test_start_persist_restart_stop(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path)
    client = redis.Redis.from_url(server.start())
    assert client.config_get("appendonly")["appendonly"] == "yes"
    client.lpush("queue", "message-1")
    port = server.port
    server.stop()
    with pytest.raises(redis.ConnectionError):
        redis.Redis(port=port, socket_connect_timeout=1).ping()

    again = EmbeddedRedis(tmp_path, port=port)
    client = redis.Redis.from_url(again.start())
    try:
        assert client.lrange("queue", 0, -1) == [b"message-1"]
    finally:
        again.stop()
