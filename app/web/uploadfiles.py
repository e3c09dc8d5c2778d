"""Turn an uploaded file into candidate images: itself, or the members of a zip, read safely.

Zip members are never written to disk under their own names (the store names blobs by content hash), and
they are still checked: unsafe paths, encrypted members, too many members, too much uncompressed data, and
compression ratios no image reaches (zip bombs) are refused before or while reading, with bounded reads that
do not trust the sizes the zip's headers claim.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

ZIP_MAGIC = b"PK\x03\x04"
# Real image files barely compress; a member that inflates 100 times over is not an image.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1024 * 1024


class ArchiveRefused(Exception):
    """The whole archive is refused (too many members, too large); nothing from it is stored."""


@dataclass(frozen=True)
class Candidate:
    filename: str
    data: bytes | None
    error: str | None


def is_zip(data: bytes) -> bool:
    return data[:4] == ZIP_MAGIC


def _unsafe(name: str) -> bool:
    normalized = posixpath.normpath(name.replace("\\", "/"))
    return name.startswith(("/", "\\")) or ":" in name.split("/", 1)[0] or normalized.startswith("..")


def _skipped(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base.startswith("._") or base in (".DS_Store", "Thumbs.db")


def zip_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    return [i for i in zf.infolist() if not i.is_dir() and not _skipped(i.filename)]


def open_zip(filename: str, data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ArchiveRefused(f"{filename}: not a readable zip file.") from None


def check_archive(filename: str, zf: zipfile.ZipFile, max_members: int, max_total: int) -> int:
    """Refuse the archive as a whole when its member count or declared size is over the limits."""
    members = zip_members(zf)
    if len(members) > max_members:
        raise ArchiveRefused(f"{filename}: {len(members)} files in the zip; the limit is {max_members}.")
    declared = sum(i.file_size for i in members)
    if declared > max_total:
        raise ArchiveRefused(
            f"{filename}: {declared / 1024 / 1024:.0f} MB uncompressed; the limit is {max_total / 1024 / 1024:.0f} MB."
        )
    return len(members)


def read_zip(filename: str, zf: zipfile.ZipFile, max_file: int, max_total: int) -> Iterator[Candidate]:
    total = 0
    for info in zip_members(zf):
        label = f"{filename}/{info.filename}"[:255]
        if _unsafe(info.filename):
            yield Candidate(label, None, f"{label}: unsafe path in the zip; refused.")
            continue
        if info.flag_bits & 0x1:
            yield Candidate(label, None, f"{label}: encrypted; refused.")
            continue
        if info.file_size > max_file:
            yield Candidate(label, None, f"{label}: over the {max_file / 1024 / 1024:.0f} MB limit.")
            continue
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            yield Candidate(
                label,
                None,
                f"{label}: compressed {info.file_size // max(info.compress_size, 1)}x; refused as a zip bomb.",
            )
            continue
        try:
            with zf.open(info) as member:
                # Bounded: a header that under-reports the size cannot make us inflate more than the limit.
                data = member.read(max_file + 1)
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, RuntimeError) as error:
            yield Candidate(label, None, f"{label}: unreadable zip member ({type(error).__name__}).")
            continue
        if len(data) > max_file:
            yield Candidate(label, None, f"{label}: over the {max_file / 1024 / 1024:.0f} MB limit.")
            continue
        total += len(data)
        if total > max_total:
            raise ArchiveRefused(f"{filename}: more than {max_total / 1024 / 1024:.0f} MB uncompressed; stopped.")
        yield Candidate(label, data, None)
