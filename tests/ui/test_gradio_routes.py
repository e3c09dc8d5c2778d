"""Gradio's own routes under the host: files uploaded to Gradio's cache cannot be fetched back by anyone (the
UI never links there; images come from the ownership-checked /media route), and the Gradio API refuses
requests without a live session."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from ui_tenants import PASSWORD, png_bytes, seed

ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture
def clients(runtime: Any) -> Any:
    from app.web.host import create_app

    app = create_app()
    assert app.state.ui_mounted
    seed(runtime, "alice@example.com")
    seed(runtime, "bob@example.com")
    made = []

    def login(email: str) -> TestClient:
        client = TestClient(app, base_url="http://testserver", follow_redirects=False)
        made.append(client)
        answer = client.post("/login", data={"email": email, "password": PASSWORD}, headers=ORIGIN)
        assert answer.status_code == 303
        return client

    yield login
    for client in made:
        client.close()


def test_gradio_upload_cache_is_not_served(clients: Any) -> None:
    alice, bob = clients("alice@example.com"), clients("bob@example.com")
    upload = alice.post(
        "/ui/gradio_api/upload", files={"files": ("secret.png", png_bytes((1, 2, 3)), "image/png")}, headers=ORIGIN
    )
    assert upload.status_code == 200, upload.text
    (path,) = upload.json()
    for who in (alice, bob):
        for url in (f"/ui/gradio_api/file={path}", f"/ui/gradio_api/file/{path}"):
            answer = who.get(url)
            assert answer.status_code == 404, (url, answer.status_code)
            assert png_bytes((1, 2, 3)) not in answer.content


def test_gradio_routes_need_a_session(clients: Any) -> None:
    alice = clients("alice@example.com")
    assert alice.get("/ui/config").status_code == 200
    alice.cookies.clear()
    assert alice.get("/ui/config").status_code == 401
    refused = alice.post(
        "/ui/gradio_api/upload", files={"files": ("x.png", png_bytes((9, 9, 9)), "image/png")}, headers=ORIGIN
    )
    assert refused.status_code == 401
