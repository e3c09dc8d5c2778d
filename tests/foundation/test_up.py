"""`creative4u up` (what `make run` calls) on embedded defaults: serves the login page, prints a first login,
and leaves nothing running when stopped."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def test_up_serves_login_and_stops_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREATIVE4U_")}
    env.update({"CREATIVE4U_DATA_DIR": str(tmp_path / "data"), "CREATIVE4U_PORT": str(port)})
    log = (tmp_path / "up.log").open("w+b")
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "up"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        page = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        output = (tmp_path / "up.log").read_text(errors="replace")
        assert page is not None and page.status_code == 200, output[-3000:]
        assert "password" in page.text.lower()
        match = re.search(r"first login: (\S+)\s+password: (\S+)", output)
        assert match, output[-3000:]
        login = httpx.post(
            f"http://127.0.0.1:{port}/login",
            data={"email": match.group(1), "password": match.group(2)},
            headers={"Origin": f"http://127.0.0.1:{port}"},
            follow_redirects=False,
        )
        assert login.status_code in (302, 303) and "c4u_session" in login.cookies
        redis = re.search(r"queue: embedded Redis at redis://127\.0\.0\.1:(\d+)", output)
        assert redis, output[-3000:]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
    assert proc.returncode == 0
    # Web, worker and the embedded Redis are all gone.
    assert not _port_open(port)
    time.sleep(1)
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.split()
    assert leftovers == [], leftovers
    assert not _port_open(int(redis.group(1)))
