"""`creative4u up` (what `make run` calls) on embedded defaults: serves the login page, prints a first login,
an advertiser's upload is validated and ranked by the worker it started (CPU comparator), its beat sends the
reconciler, and nothing is left running when stopped."""

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
from PIL import Image, ImageDraw


def _creative(color: tuple[int, int, int], text: str) -> bytes:
    import io

    image = Image.new("RGB", (320, 320), color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((90, 120, 230, 220), fill=(30, 30, 30))
    draw.text((20, 20), text, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _upload_and_rank(base: str, origin: dict[str, str], cookies: httpx.Cookies) -> None:
    """An advertiser (made by the first admin) uploads three creatives; the worker validates and ranks them."""
    with httpx.Client(base_url=base, headers=origin, cookies=cookies, timeout=30) as admin:
        made = admin.post("/api/v1/admin/users", json={"email": "ads@example.com", "password": "a long password!"})
        assert made.status_code in (200, 201), made.text
    with httpx.Client(base_url=base, headers=origin, timeout=30) as client:
        login = client.post("/login", data={"email": "ads@example.com", "password": "a long password!"})
        assert login.status_code in (302, 303)
        batch = client.post("/api/v1/batches", json={"product_title": "Running shoes", "queries": ["running shoes"],
                                                     "strategy": "round_robin"}).json()  # fmt: skip
        files = [("files", (f"c{i}.png", _creative(c, "RUNNING SHOES" if i else ""), "image/png"))
                 for i, c in enumerate([(200, 40, 40), (40, 160, 60), (40, 60, 200)])]  # fmt: skip
        uploaded = client.post(f"/api/v1/batches/{batch['id']}/files", files=files)
        assert uploaded.status_code == 200 and len(uploaded.json()["accepted"]) == 3, uploaded.text
        assert client.post(f"/api/v1/batches/{batch['id']}/start").status_code == 200
        deadline = time.monotonic() + 180
        progress: dict = {}
        while time.monotonic() < deadline:
            progress = client.get(f"/api/v1/batches/{batch['id']}/progress").json()
            if progress["status"] in ("ranked", "failed"):
                break
            time.sleep(1)
        assert progress["status"] == "ranked", progress
        creatives = client.get(f"/api/v1/batches/{batch['id']}/creatives").json()
        assert [c["status"] for c in creatives] == ["valid"] * 3
        results = client.get(f"/api/v1/batches/{batch['id']}/results").json()
        assert len(results["entries"]) == 3 and progress["done"] == progress["total"] == 6


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
    env.update({"CREATIVE4U_DATA_DIR": str(tmp_path / "data"), "CREATIVE4U_PORT": str(port),
                "CREATIVE4U_RECONCILE_SECONDS": "2"})  # fmt: skip
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
        _upload_and_rank(f"http://127.0.0.1:{port}", {"Origin": f"http://127.0.0.1:{port}"}, login.cookies)
        deadline = time.monotonic() + 30
        while "creative4u.reconcile" not in (tmp_path / "up.log").read_text(errors="replace"):
            assert time.monotonic() < deadline, "the worker's beat never sent the reconciler"
            time.sleep(0.5)
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
