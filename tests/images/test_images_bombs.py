"""Decompression bombs are refused from the header, before any pixel memory is allocated."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from image_factory import encode, gif_bomb, gradient, jpeg_with_size, png_bomb, png_header_only
from PIL import Image

from app.images import ImageLimits, ImageRejected, load_image

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")


def _rejected(data: bytes, limits: ImageLimits | None = None) -> ImageRejected:
    with pytest.raises(ImageRejected) as info:
        load_image(data, limits or ImageLimits())
    return info.value


@pytest.mark.parametrize("side", [20000, 10000])
def test_png_bomb_rejected_without_allocating_pixels(side: int) -> None:
    bomb = png_bomb(side, side)
    assert len(bomb) < 100_000  # it really is a bomb: tiny file, side*side pixels
    Image.core.reset_stats()
    tracemalloc.start()
    try:
        err = _rejected(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.code == "decompression_bomb"
    assert f"{side * side // 1_000_000} megapixels" in err.message
    assert "40 megapixels" in err.message
    # Pillow counts every image buffer it creates: none may exist for a refused bomb.
    assert Image.core.get_stats()["new_count"] == 0
    assert peak < 2 * 1024 * 1024


def test_allocation_counter_sees_a_real_decode() -> None:
    """Control for the test above: the counter does move when pixels are decoded."""
    Image.core.reset_stats()
    load_image(encode(gradient(), "PNG"))
    assert Image.core.get_stats()["new_count"] > 0


def test_bomb_rejected_even_with_pillow_guard_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    bomb = png_bomb(20000, 20000)
    Image.core.reset_stats()
    err = _rejected(bomb)
    assert err.code == "decompression_bomb"
    assert "20000x20000" in err.message
    assert Image.core.get_stats()["new_count"] == 0


@pytest.mark.parametrize("make", [gif_bomb, jpeg_with_size], ids=["gif", "jpeg"])
@pytest.mark.parametrize("side", [20000, 10000])
def test_other_format_bombs_rejected(make: Callable[[int, int], bytes], side: int) -> None:
    data = make(side, side)
    Image.core.reset_stats()
    err = _rejected(data)
    assert err.code == "decompression_bomb"
    assert Image.core.get_stats()["new_count"] == 0


def test_honest_big_image_is_too_many_pixels_not_a_bomb() -> None:
    # Noise does not compress, so the file is as big as its pixels: over the limit, but no bomb.
    noise = Image.effect_noise((200, 200), 100).convert("RGB")
    err = _rejected(encode(noise, "PNG"), ImageLimits(max_pixels=30_000))
    assert err.code == "too_many_pixels"
    assert "200x200" in err.message


def test_side_limit_checked_from_header() -> None:
    # 9000x2000 is within 40 MP and 5:1 but over the 8192 px side limit; the data would not even decode.
    err = _rejected(png_header_only(9000, 2000))
    assert err.code == "too_big"
    assert "9000x2000" in err.message and "8192" in err.message


def test_process_peak_memory_stays_low() -> None:
    """In a fresh process, refusing both bombs raises the peak RSS by far less than their pixels would."""
    script = textwrap.dedent(
        """
        import json, resource, sys, warnings
        sys.path[:0] = [sys.argv[1], sys.argv[2]]
        warnings.simplefilter("ignore")
        from image_factory import png_bomb
        from app.images import ImageRejected, load_image
        bombs = [png_bomb(20000, 20000), png_bomb(10000, 10000)]
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        codes = []
        for bomb in bombs:
            try:
                load_image(bomb)
            except ImageRejected as err:
                codes.append(err.code)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"codes": codes, "delta_kb": after - before}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(ROOT), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["codes"] == ["decompression_bomb", "decompression_bomb"]
    # Decoding the smaller bomb alone would need 100 MB (L) + 300 MB (RGB).
    assert result["delta_kb"] < 20 * 1024
