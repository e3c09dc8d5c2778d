"""File routes under attack: path traversal and SSRF probes are refused, and nothing leaves the machine.

A local HTTP server stands in for an internal service an attacker would like the host to fetch; every socket
the process opens during the probes is recorded too. Neither may see a request.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update
from web_routes import png
from web_world import ORIGIN

from app.models import Creative

PASSWD = "root:x:0:0"


@pytest.fixture
def bait() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 that records every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"internal secret")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every address a socket in this process connects to while the probes run."""
    seen: list[Any] = []
    real = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        seen.append(address)
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def test_traversal_and_ssrf_probes_are_refused(
    runtime: Any, client_factory: Any, tenants: Any, bait: Any, connections: list[Any]
) -> None:
    a, _ = tenants
    url, hits = bait
    alice = client_factory(a.email)
    own = a.creative_ids[0]
    encoded = url.replace(":", "%3A").replace("/", "%2F")
    probes = [
        "/media/creatives/..%2F..%2F..%2F..%2Fetc%2Fpasswd/image",
        "/media/creatives/%2e%2e%2f%2e%2e%2fetc%2fpasswd/image",
        f"/media/creatives/{own}/image/..%2F..%2F..%2Fetc%2Fpasswd",
        "/media/..%2F..%2F..%2Fetc%2Fpasswd",
        "/media/creatives/-1/image",
        "/media/creatives/1e9/image",
        "/media/creatives/1099511627776/image",
        "/api/v1/batches/9223372036854775807",
        "/media/creatives/99999999999999999999999/image",
        f"/media/creatives/{encoded}/image",
        f"/media/creatives/{own}/{encoded}",
        "/static/..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/v1/creatives/..%2F..%2Fetc%2Fpasswd",
        # The Gradio file routes (mounted at /ui): an upload cache must not become a file or fetch proxy.
        "/ui/gradio_api/file=/etc/passwd",
        "/ui/file=/etc/passwd",
        "/ui/gradio_api/file=..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        f"/ui/gradio_api/file={url}/x.png",
        f"/ui/gradio_api/proxy={url}/x",
        f"/ui/proxy={url}/x",
    ]
    for probe in probes:
        response = alice.get(probe)
        assert response.status_code in (400, 401, 403, 404, 405, 422), (probe, response.status_code)
        assert PASSWD not in response.text and "internal secret" not in response.text, probe

    # Query parameters naming paths or URLs are ignored: the route serves the creative's own stored image.
    image = alice.get(f"/media/creatives/{own}/image", params={"key": "../../etc/passwd", "url": url + "/x"})
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")

    # Upload routes take bytes, never URLs: a URL where a file should be is an error, and nothing is fetched.
    bid = alice.post("/api/v1/batches", json={"product_title": f"{url}/title", "queries": [url]}, headers=ORIGIN)
    assert bid.status_code == 201
    batch = bid.json()["id"]
    as_text = alice.post(f"/api/v1/batches/{batch}/files", data={"files": f"{url}/x.png", "url": url}, headers=ORIGIN)
    assert as_text.status_code == 400
    named = alice.post(
        f"/api/v1/batches/{batch}/files",
        files=[("files", (f"{url}/x.png", b"GET / HTTP/1.0", "text/plain"))],
        headers=ORIGIN,
    )
    assert named.status_code == 200 and named.json()["accepted"] == []
    assert alice.get(f"/login?next={url}").headers["location"] == "/ui"

    assert hits == [], "the host made a request to the bait server"
    local = {("127.0.0.1", 5432), ("127.0.0.1", 6379), ("::1", 5432), ("::1", 6379)}
    outbound = [addr for addr in connections if isinstance(addr, tuple) and tuple(addr[:2]) not in local]
    assert outbound == [], f"unexpected connections: {outbound}"


def test_a_tampered_storage_key_cannot_reach_outside_the_store(runtime: Any, client_factory: Any, tenants: Any) -> None:
    """Keys come from database rows, and the store accepts only its own key shape: a row pointing elsewhere
    (a bug, or a tampered database) serves nothing."""
    a, _ = tenants
    alice = client_factory(a.email)
    for key in ("../../../../etc/passwd", "/etc/passwd", "images/../../../etc/passwd", "file:///etc/passwd"):
        with runtime.db.transaction() as session:
            session.execute(update(Creative).where(Creative.id == a.creative_ids[1]).values(storage_key=key))
        response = alice.get(f"/media/creatives/{a.creative_ids[1]}/image")
        assert response.status_code == 404 and PASSWD not in response.text, key


def test_uploaded_names_never_become_paths(runtime: Any, client_factory: Any, tenants: Any, tmp_path: Any) -> None:
    a, _ = tenants
    alice = client_factory(a.email)
    batch = alice.post("/api/v1/batches", json={"product_title": "names"}, headers=ORIGIN).json()["id"]
    target = tmp_path / "planted.png"
    names = [f"../../../../..{target}", "..\\..\\windows\\win.ini.png", "/etc/cron.d/x.png"]
    files = [("files", (name, png(300 + i), "image/png")) for i, name in enumerate(names)]
    body = alice.post(f"/api/v1/batches/{batch}/files", files=files, headers=ORIGIN).json()
    assert [f["filename"] for f in body["accepted"]] == ["planted.png", "win.ini.png", "x.png"]
    assert not target.exists()
    media = runtime.settings.media_location
    stored = [p for p in __import__("pathlib").Path(media).rglob("*") if p.is_file()]
    assert stored and all(p.suffix in (".bin", ".png", ".jpg") and len(p.stem) == 64 for p in stored)
