"""Content-addressed blob storage: a local folder by default, any fsspec URL when processes share storage.

Keys are generated here, never taken from a request, and are checked against one pattern before any path is
built, so no caller can reach outside the store.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

KEY_PATTERN = re.compile(r"^(uploads|images|thumbs)/[0-9a-f]{2}/[0-9a-f]{64}\.(png|jpg|bin)$")


class StorageError(Exception):
    """A missing blob or an unusable store."""


class InvalidKey(StorageError):
    pass


def make_key(area: str, sha256: str, ext: str) -> str:
    key = f"{area}/{sha256[:2]}/{sha256}.{ext}"
    check_key(key)
    return key


def check_key(key: str) -> str:
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidKey(f"not a storage key: {key[:80]!r}")
    return key


class Storage(Protocol):
    def put(self, area: str, data: bytes, ext: str) -> tuple[str, str]:
        """Store `data`; returns (key, sha256). Storing the same bytes twice is free."""
        ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, area: str, data: bytes, ext: str) -> tuple[str, str]:
        sha = hashlib.sha256(data).hexdigest()
        key = make_key(area, sha, ext)
        path = self._path(key)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a reader never sees half a file.
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        return key, sha

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as error:
            raise StorageError(f"missing blob {key}") from error

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class FsspecStorage:
    """Any fsspec filesystem (s3://bucket/prefix, gcs://..., memory://...) for web and workers on many hosts."""

    def __init__(self, url: str) -> None:
        import fsspec

        self.fs, self.base = fsspec.core.url_to_fs(url)
        self.base = self.base.rstrip("/")

    def _path(self, key: str) -> str:
        return f"{self.base}/{check_key(key)}"

    def put(self, area: str, data: bytes, ext: str) -> tuple[str, str]:
        sha = hashlib.sha256(data).hexdigest()
        key = make_key(area, sha, ext)
        path = self._path(key)
        if not self.fs.exists(path):
            self.fs.pipe_file(path, data)
        return key, sha

    def get(self, key: str) -> bytes:
        try:
            return bytes(self.fs.cat_file(self._path(key)))
        except FileNotFoundError as error:
            raise StorageError(f"missing blob {key}") from error

    def exists(self, key: str) -> bool:
        return bool(self.fs.exists(self._path(key)))

    def delete(self, key: str) -> None:
        if self.fs.exists(self._path(key)):
            self.fs.rm_file(self._path(key))


def open_storage(location: str) -> Storage:
    if "://" in location and not location.startswith("file://"):
        return FsspecStorage(location)
    return LocalStorage(location.removeprefix("file://"))
