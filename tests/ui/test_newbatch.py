"""New-batch helpers: queries pasted as lines or as a search-terms report, images counted inside zips, and
every file of a drop (zip members included) read within the limits, each refusal naming the file."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ui_tenants import png_bytes

from app.settings import Settings
from app.ui.newbatch import count_images, read_candidates
from app.ui.queries import estimate_calls, parse_queries


def test_queries_from_lines_and_reports() -> None:
    assert parse_queries("running shoes\n  Running Shoes \n\nsale\n") == ["running shoes", "sale"]
    report = "Customer Search Term\tImpressions\tCTR\nrunning shoes\t48210\t3.1%\nshoes sale\t9120\t4.0%\n"
    assert parse_queries(report) == ["running shoes", "shoes sale"]
    assert parse_queries("keyword,clicks\nred shoes,120\nshoes, red and blue\n") == ["red shoes", "shoes, red and blue"]


def test_cost_follows_the_strategy() -> None:
    assert estimate_calls("round_robin", 1, None, 5) == 20
    assert estimate_calls("knockout", 1, None, 5) == 8
    assert estimate_calls("round_robin", 1, 6, 5) == 6  # the budget caps it
    assert estimate_calls("top_k", 1, None, 1) == 0


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_zip_members_are_counted_and_read(tmp_path: Path) -> None:
    single = tmp_path / "one.png"
    single.write_bytes(png_bytes((1, 2, 3)))
    members = {"a.png": png_bytes((4, 5, 6)), "b.png": png_bytes((7, 8, 9)), "__MACOSX/._a.png": b"junk"}
    archive = _zip(tmp_path / "more.zip", {**members, "../evil.png": png_bytes((0, 0, 0))})
    paths = [str(single), str(archive)]
    assert count_images(paths) == 4  # the macOS resource fork is not an image
    found = {c.filename: c for c in read_candidates(paths, Settings())}
    assert found["one.png"].data == png_bytes((1, 2, 3))
    assert found["more.zip/a.png"].data == png_bytes((4, 5, 6))
    assert found["more.zip/../evil.png"].data is None
    assert "unsafe path" in (found["more.zip/../evil.png"].error or "")


def test_oversized_files_and_archives_are_named_not_read(tmp_path: Path) -> None:
    settings = Settings(max_upload_bytes=2048, max_files_per_batch=3)
    big = tmp_path / "big.png"
    big.write_bytes(png_bytes((1, 1, 1), (400, 400)) + b"\0" * 4096)
    many = _zip(tmp_path / "many.zip", {f"{i}.png": png_bytes((i, i, i)) for i in range(5)})
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    out = {c.filename: c for c in read_candidates([str(big), str(many), str(broken)], settings)}
    assert len(out["big.png"].data or b"") == settings.max_upload_bytes + 1  # bounded read; the service names it
    assert out["many.zip"].data is None and "5 files in the zip; the limit is 3" in (out["many.zip"].error or "")
    assert out["broken.zip"].data is None and "not a readable zip" in (out["broken.zip"].error or "")
