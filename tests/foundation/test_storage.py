"""Content-addressed storage: same bytes, same key; keys never reach outside the store."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.storage import FsspecStorage, InvalidKey, LocalStorage, StorageError, open_storage


@pytest.mark.parametrize("kind", ["local", "fsspec"])
def test_put_get_is_content_addressed(tmp_path: Path, kind: str) -> None:
    store = LocalStorage(tmp_path / "m") if kind == "local" else FsspecStorage(f"memory://c4u-{tmp_path.name}")
    data = b"\x89PNG fake bytes"
    key, sha = store.put("images", data, "png")
    assert sha == hashlib.sha256(data).hexdigest()
    assert key == f"images/{sha[:2]}/{sha}.png"
    assert store.put("images", data, "png") == (key, sha)
    assert store.get(key) == data and store.exists(key)
    store.delete(key)
    assert not store.exists(key)
    with pytest.raises(StorageError):
        store.get(key)


@pytest.mark.parametrize(
    "key",
    ["../etc/passwd", "images/../../x", "/etc/passwd", "images/ab/" + "a" * 64 + ".png/../x", "images/zz/abc.png", ""],
)
def test_keys_outside_the_pattern_are_refused(tmp_path: Path, key: str) -> None:
    store = LocalStorage(tmp_path)
    with pytest.raises(InvalidKey):
        store.get(key)


def test_open_storage_picks_backend(tmp_path: Path) -> None:
    assert isinstance(open_storage(str(tmp_path)), LocalStorage)
    assert isinstance(open_storage(f"file://{tmp_path}"), LocalStorage)
    assert isinstance(open_storage("memory://c4u-open"), FsspecStorage)
