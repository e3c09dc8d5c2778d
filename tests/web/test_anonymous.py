"""Anonymous requests to every route the host serves are refused (the list comes from the app itself)."""

from __future__ import annotations

from typing import Any

from web_routes import PUBLIC, fill, mounts, request_kwargs, routes
from web_world import ORIGIN


def _ids(seeded: Any) -> dict[str, int]:
    return {
        "batch_id": seeded.batch_id,
        "creative_id": seeded.creative_ids[0],
        "comparison_id": seeded.comparison_ids[0],
        "feedback_id": seeded.feedback_id,
        "token_id": 1,
        "user_id": seeded.user_id,
        "model_version": 1,
    }


def test_every_route_refuses_anonymous_requests(web_app: Any, client_factory: Any, tenants: Any) -> None:
    a, _ = tenants
    ids = _ids(a)
    table = routes(web_app)
    assert set(table) >= PUBLIC, "PUBLIC lists a route the host no longer serves"
    assert len(table) > 30  # the whole API, not an empty app
    anonymous = client_factory()
    # A garbage cookie and a garbage bearer token are no better than nothing.
    pretenders = [
        (anonymous, {}),
        (anonymous, {"Cookie": "c4u_session=forged"}),
        (anonymous, {"Authorization": "Bearer c4u_x"}),
    ]
    checked = []
    for path, method in table:
        if (path, method) in PUBLIC:
            continue
        url = fill(path, ids)
        for client, headers in pretenders:
            response = client.request(method, url, headers={**ORIGIN, **headers}, **request_kwargs(path, method, ids))
            assert response.status_code == 401, (method, url, headers, response.status_code, response.text[:300])
            assert a.marker not in response.text
        checked.append((method, path))
    assert ("POST", "/api/v1/batches/{batch_id}/files") in checked
    assert ("GET", "/media/creatives/{creative_id}/image") in checked
    assert ("GET", "/api/v1/admin/queue") in checked
    assert ("GET", "/api/openapi.json") in checked


def test_public_routes_reveal_nothing(client_factory: Any, tenants: Any) -> None:
    a, _ = tenants
    anonymous = client_factory()
    home = anonymous.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/login"
    page = anonymous.get("/login")
    assert page.status_code == 200 and a.marker not in page.text and a.email not in page.text
    assert anonymous.post("/logout", headers=ORIGIN).status_code == 303


def test_mounted_apps_refuse_anonymous_requests(web_app: Any, client_factory: Any) -> None:
    """The Gradio UI (when mounted) sits behind the host's session check, whatever its own routes allow."""
    anonymous = client_factory()
    for mount in sorted(set(mounts(web_app)) | {"/ui"}):  # /ui is guarded even before the UI is mounted
        page = anonymous.get(mount)
        assert page.status_code == 303 and page.headers["location"].startswith("/login"), (mount, page.status_code)
        for sub in ("/config", "/gradio_api/info", "/gradio_api/upload", "/gradio_api/file=/etc/passwd"):
            response = anonymous.get(mount + sub)
            assert response.status_code == 401, (mount + sub, response.status_code)
            upload = anonymous.post(mount + sub, headers=ORIGIN, files={"files": ("a.png", b"x")})
            assert upload.status_code == 401, (mount + sub, upload.status_code)
