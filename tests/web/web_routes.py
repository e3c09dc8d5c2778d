"""The host's routes as data, for tests that walk every one: (path, method) pairs from `route_table(app)`,
path ids filled in per tenant, and a valid request for each unsafe route, so that a refusal a test sees is
the ownership or login check and not request validation. A new route with a new id name or without a known
body fails these tests until it is added here, so nothing new goes unchecked.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from typing import Any

from PIL import Image

PUBLIC = {("/login", "GET"), ("/login", "POST"), ("/logout", "POST"), ("/", "GET")}
ID_NAMES = {"batch_id", "creative_id", "comparison_id", "feedback_id", "token_id", "user_id", "version_id"}
# Path parameters filled from a differently named id of the tests' id maps.
ID_KEYS = {"version_id": "model_version"}
# Non-id path parameters and the probe each gets (the host's guards for Gradio's file routes take a path).
PROBES = {"path": "tmp/gradio/0123456789abcdef/creative.png"}
PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")


def png(seed: int, size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, ((seed * 53) % 256, (seed * 97) % 256, (seed * 31) % 256)).save(out, "PNG")
    return out.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def routes(app: Any) -> list[tuple[str, str]]:
    """Every (path, method) the host serves (HEAD and OPTIONS aside), public ones included."""
    from app.web.host import route_table

    pairs = {(path, m) for path, methods in route_table(app) for m in methods if m not in ("HEAD", "OPTIONS")}
    return sorted(pairs)


def mounts(app: Any) -> list[str]:
    from app.web.host import route_table

    return sorted(path for path, methods in route_table(app) if not methods)


def params(path: str) -> list[str]:
    return PARAM.findall(path)


def fill(path: str, ids: dict[str, int]) -> str:
    unknown = [p for p in params(path) if p not in ID_NAMES and p not in PROBES]
    assert not unknown, f"{path}: add the path parameter(s) {unknown} to tests/web/web_routes.py"

    def value(name: str) -> str:
        return str(ids[ID_KEYS.get(name, name)]) if name in ID_NAMES else PROBES[name]

    return PARAM.sub(lambda m: value(m.group(1)), path)


Body = Callable[[dict[str, int]], dict[str, Any]]
NO_BODY: Body = lambda ids: {}  # noqa: E731
BODIES: dict[tuple[str, str], Body] = {
    ("/login", "POST"): lambda ids: {"data": {"email": "nobody@example.com", "password": "x" * 12}},
    ("/logout", "POST"): NO_BODY,
    ("/api/v1/batches", "POST"): lambda ids: {"json": {"product_title": "probe shoes", "queries": ["shoes"]}},
    ("/api/v1/batches/{batch_id}/files", "POST"): lambda ids: {
        "files": [("files", ("probe.png", png(ids["batch_id"] + 7), "image/png"))]
    },
    ("/api/v1/batches/{batch_id}/start", "POST"): NO_BODY,
    ("/api/v1/batches/{batch_id}/cancel", "POST"): NO_BODY,
    ("/api/v1/batches/{batch_id}/rerun", "POST"): lambda ids: {"json": {"model_version_id": ids["model_version"]}},
    ("/api/v1/batches/{batch_id}/feedback", "POST"): lambda ids: {"json": {"verdict": "agree", "comment": "probe"}},
    ("/api/v1/batches/{batch_id}/outcomes", "POST"): lambda ids: {
        "files": [("file", ("outcomes.csv", b"creative_id,impressions,clicks\n1,5000,50\n", "text/csv"))]
    },
    ("/api/v1/comparisons/{comparison_id}/feedback", "POST"): lambda ids: {"json": {"verdict": "agree"}},
    ("/api/v1/tokens", "POST"): lambda ids: {"json": {"name": "probe"}},
    ("/api/v1/tokens/{token_id}", "DELETE"): NO_BODY,
    ("/api/v1/admin/users", "POST"): lambda ids: {
        "json": {"email": "probe-new@example.com", "password": "a long enough password"}
    },
    ("/api/v1/admin/users/{user_id}", "PATCH"): lambda ids: {"json": {"is_active": False}},
    ("/api/v1/admin/canary", "POST"): lambda ids: {"json": {"queue": "cpu", "timeout_seconds": 0.2}},
    ("/api/v1/admin/exports", "POST"): NO_BODY,
    ("/api/v1/admin/model-versions/{version_id}/evaluate", "POST"): lambda ids: {"json": {"export_id": 1}},
    ("/api/v1/admin/model-versions/{version_id}/promote", "POST"): NO_BODY,
    ("/api/v1/admin/model-versions/rollback", "POST"): NO_BODY,
}


def request_kwargs(path: str, method: str, ids: dict[str, int]) -> dict[str, Any]:
    if method in ("GET", "HEAD"):
        return {}
    body = BODIES.get((path, method))
    assert body is not None, f"{method} {path}: add a valid request body to BODIES in tests/web/web_routes.py"
    return body(ids)


def media_ids(text: str) -> set[int]:
    """Creative ids of every media URL in a response body."""
    return {int(x) for x in re.findall(r"/media/creatives/(\d+)/", text)}
