"""Uploads through the REST API: many files where some are bad (accepted ones kept, rejected ones named with
the reason), zips, and requests over the size or count limits (413 or a clear error, nothing stored)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select
from web_routes import png, zip_of
from web_world import ORIGIN

from app.models import Creative

LIMITS = {"max_upload_bytes": str(64 * 1024), "max_files_per_batch": "5"}
pytestmark = pytest.mark.settings(**LIMITS)


def noise_png(side: int) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


def stored_uploads(runtime: Any) -> list[Path]:
    root = Path(runtime.settings.media_location) / "uploads"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def n_creatives(runtime: Any, batch_id: int) -> int:
    with runtime.db.session() as session:
        return session.scalar(select(func.count()).select_from(Creative).where(Creative.batch_id == batch_id)) or 0


@pytest.fixture
def alice_batch(client_factory: Any, tenants: Any) -> tuple[Any, int]:
    alice = client_factory(tenants[0].email)
    made = alice.post("/api/v1/batches", json={"product_title": "Upload test"}, headers=ORIGIN)
    return alice, made.json()["id"]


@pytest.mark.settings(**(LIMITS | {"max_files_per_batch": "10"}))
def test_good_files_are_kept_and_bad_ones_named_with_the_reason(runtime: Any, alice_batch: Any) -> None:
    alice, bid = alice_batch
    before = len(stored_uploads(runtime))
    good = png(1), png(2)
    big = noise_png(200)
    assert len(big) > 64 * 1024
    files = [
        ("files", ("good-1.png", good[0], "image/png")),
        ("files", ("notes.txt", b"just some text, not an image", "text/plain")),
        ("files", ("empty.png", b"", "image/png")),
        ("files", ("huge.png", big, "image/png")),
        ("files", ("../../../../tmp/good-2.png", good[1], "image/png")),
        ("files", ("again.png", good[0], "image/png")),
    ]
    response = alice.post(f"/api/v1/batches/{bid}/files", files=files, headers=ORIGIN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [f["filename"] for f in body["accepted"]] == ["good-1.png", "good-2.png"]  # path parts dropped
    assert all(f["creative_id"] for f in body["accepted"])
    reasons = {f["filename"]: f["error"] for f in body["rejected"]}
    assert set(reasons) == {"notes.txt", "empty.png", "huge.png", "again.png"}
    assert all(error.startswith(name + ":") for name, error in reasons.items())  # each names its file
    assert "not a JPEG, PNG, WebP or GIF" in reasons["notes.txt"]
    assert "empty" in reasons["empty.png"]
    assert "MB is over the" in reasons["huge.png"]
    assert "already in this batch (good-1.png)" in reasons["again.png"]
    assert body["n_creatives"] == 2 == n_creatives(runtime, bid)
    assert len(stored_uploads(runtime)) == before + 2  # the rejected files left nothing behind
    assert not Path("/tmp/good-2.png").exists()
    listed = alice.get(f"/api/v1/batches/{bid}/creatives").json()
    assert [(c["filename"], c["status"]) for c in listed] == [("good-1.png", "pending"), ("good-2.png", "pending")]


def test_zip_members_are_checked_one_by_one(runtime: Any, alice_batch: Any) -> None:
    alice, bid = alice_batch
    archive = zip_of(
        {
            "set/a.png": png(11),
            "set/b.png": png(12),
            "../escape.png": png(13),
            "set/readme.txt": b"hello",
            "__MACOSX/set/._a.png": b"resource fork",
        }
    )
    body = alice.post(
        f"/api/v1/batches/{bid}/files", files=[("files", ("creatives.zip", archive, "application/zip"))], headers=ORIGIN
    ).json()
    assert sorted(f["filename"] for f in body["accepted"]) == ["a.png", "b.png"]
    reasons = {f["filename"]: f["error"] for f in body["rejected"]}
    assert "unsafe path" in reasons["creatives.zip/../escape.png"]
    assert "not a JPEG" in reasons["readme.txt"]
    assert n_creatives(runtime, bid) == 2


def test_too_many_files_is_413_and_stores_nothing(runtime: Any, alice_batch: Any) -> None:
    alice, bid = alice_batch
    before = len(stored_uploads(runtime))
    six = [("files", (f"{i}.png", png(100 + i), "image/png")) for i in range(6)]
    response = alice.post(f"/api/v1/batches/{bid}/files", files=six, headers=ORIGIN)
    assert response.status_code == 413 and "limit is 5" in response.json()["detail"]
    assert n_creatives(runtime, bid) == 0 and len(stored_uploads(runtime)) == before
    # Capacity counts what the batch already has: 3 now, then 3 more is over 5 and stores none of them.
    assert len(alice.post(f"/api/v1/batches/{bid}/files", files=six[:3], headers=ORIGIN).json()["accepted"]) == 3
    over = alice.post(f"/api/v1/batches/{bid}/files", files=six[3:], headers=ORIGIN)
    assert over.status_code == 413 and "can take 2 more" in over.json()["detail"]
    assert n_creatives(runtime, bid) == 3
    # A zip that holds too many images is refused as a whole, with the reason.
    archive = zip_of({f"{i}.png": png(200 + i) for i in range(6)})
    body = alice.post(
        f"/api/v1/batches/{bid}/files", files=[("files", ("many.zip", archive, "application/zip"))], headers=ORIGIN
    ).json()
    assert body["accepted"] == [] and "6 files in the zip; the limit is 5" in body["rejected"][0]["error"]
    assert n_creatives(runtime, bid) == 3


def test_oversized_requests_are_413_before_anything_is_stored(runtime: Any, alice_batch: Any) -> None:
    alice, bid = alice_batch
    before = len(stored_uploads(runtime))
    url = f"/api/v1/batches/{bid}/files"
    # Declared too large: refused from the Content-Length alone (10 files' worth is the request limit).
    files = [("files", (f"n{i}.png", noise_png(150), "image/png")) for i in range(12)]
    declared = alice.post(url, files=files, headers=ORIGIN)
    assert declared.status_code == 413 and "larger than" in declared.json()["detail"]

    # Streamed without a length (chunked): cut off once the body passes the limit.
    def chunks() -> Any:
        yield b'--x\r\nContent-Disposition: form-data; name="files"; filename="s.png"\r\n\r\n'
        for _ in range(20):
            yield b"\0" * (64 * 1024)

    streamed = alice.post(url, content=chunks(), headers={**ORIGIN, "Content-Type": "multipart/form-data; boundary=x"})
    assert streamed.status_code == 413
    # Other routes take at most 1 MiB.
    huge_json = alice.post("/api/v1/batches", json={"product_title": "x" * (2 * 1024 * 1024)}, headers=ORIGIN)
    assert huge_json.status_code == 413
    assert n_creatives(runtime, bid) == 0 and len(stored_uploads(runtime)) == before


def test_upload_needs_files_and_a_draft_batch(runtime: Any, alice_batch: Any, tenants: Any) -> None:
    alice, bid = alice_batch
    empty = alice.post(f"/api/v1/batches/{bid}/files", data={"note": "no files"}, headers=ORIGIN)
    assert empty.status_code == 400 and "multipart field 'files'" in empty.json()["detail"]
    ranked = tenants[0].batch_id
    done = alice.post(
        f"/api/v1/batches/{ranked}/files", files=[("files", ("x.png", png(5), "image/png"))], headers=ORIGIN
    )
    assert done.status_code == 409 and "create a new batch" in done.json()["detail"]
