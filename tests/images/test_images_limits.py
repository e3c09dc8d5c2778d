"""Size limits with messages a marketer can act on; determinism; thumbnails."""

from __future__ import annotations

import io

import pytest
from image_factory import encode, gradient
from PIL import Image

from app.images import ImageLimits, ImageRejected, load_image, make_thumbnail, precheck


def _rejected(data: bytes, limits: ImageLimits | None = None) -> ImageRejected:
    with pytest.raises(ImageRejected) as info:
        load_image(data, limits or ImageLimits())
    return info.value


def test_defaults_match_the_policy() -> None:
    limits = ImageLimits()
    assert (limits.max_bytes, limits.max_pixels) == (20 * 1024 * 1024, 40_000_000)
    assert (limits.min_side, limits.max_side, limits.max_aspect) == (64, 8192, 5.0)
    assert limits.formats == frozenset({"JPEG", "PNG", "WEBP", "GIF"})


def test_tiny_image_says_why() -> None:
    err = _rejected(encode(gradient(40, 300), "PNG"))
    assert err.code == "too_small"
    assert "40x300" in err.message and "at least 64 pixels" in err.message


def test_huge_side_says_why() -> None:
    err = _rejected(encode(gradient(300, 120), "PNG"), ImageLimits(max_side=256))
    assert err.code == "too_big"
    assert "300x120" in err.message and "at most 256 pixels" in err.message


@pytest.mark.parametrize(("size", "shape"), [((600, 100), "wider than it is tall"), ((70, 400), "taller")])
def test_extreme_aspect_says_why(size: tuple[int, int], shape: str) -> None:
    err = _rejected(encode(gradient(*size), "PNG"))
    assert err.code == "extreme_aspect"
    assert f"{size[0]}x{size[1]}" in err.message and shape in err.message and "5 to 1" in err.message


def test_aspect_at_the_limit_is_accepted() -> None:
    assert load_image(encode(gradient(320, 64), "PNG")).image.size == (320, 64)


def test_empty_and_oversized_files() -> None:
    assert _rejected(b"").code == "empty"
    data = encode(gradient(), "PNG")
    err = _rejected(data, ImageLimits(max_bytes=len(data) - 1))
    assert err.code == "too_large_bytes"
    assert "MB" in err.message and "limit" in err.message


def test_messages_are_for_people() -> None:
    samples = [b"", b"<html></html>", encode(gradient(40, 40), "PNG"), encode(gradient(600, 100), "PNG")]
    for data in samples:
        err = _rejected(data)
        assert err.message[0].isupper() and err.message.endswith(".")
        assert "Error" not in err.message and "PIL" not in err.message and "\n" not in err.message
        assert str(err) == err.message


def test_invalid_limits_refused() -> None:
    with pytest.raises(ValueError):
        ImageLimits(min_side=500, max_side=100)
    with pytest.raises(ValueError):
        ImageLimits(max_aspect=0.5)
    assert ImageLimits(formats=frozenset({"png"})).formats == frozenset({"PNG"})


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_same_bytes_give_same_sha256(fmt: str) -> None:
    data = encode(gradient(), fmt)
    first, second = load_image(data), load_image(bytes(bytearray(data)))
    assert first.sha256 == second.sha256 and first.data == second.data
    other = load_image(encode(gradient(97, 80), fmt))
    assert other.sha256 != first.sha256


def test_thumbnail_fits_and_keeps_shape() -> None:
    loaded = load_image(encode(gradient(800, 400), "PNG"))
    thumb = make_thumbnail(loaded.image, max_side=320)
    im = Image.open(io.BytesIO(thumb))
    assert im.format == "JPEG" and im.mode == "RGB"
    assert im.size == (320, 160)
    assert make_thumbnail(loaded.image, max_side=320) == thumb  # deterministic
    small = Image.open(io.BytesIO(make_thumbnail(gradient(100, 80))))
    assert small.size == (100, 80)  # never enlarged


def test_thumbnail_of_transparent_image_is_white() -> None:
    thumb = Image.open(io.BytesIO(make_thumbnail(Image.new("RGBA", (400, 400), (0, 0, 0, 0)), max_side=64)))
    assert thumb.size == (64, 64)
    pixel = thumb.getpixel((32, 32))
    assert isinstance(pixel, tuple) and all(v >= 250 for v in pixel)
    with pytest.raises(ValueError):
        make_thumbnail(gradient(), max_side=0)


def test_thumbnail_of_palette_image() -> None:
    pal = Image.new("P", (640, 640), 1)
    pal.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    pal.info["transparency"] = 0
    thumb = Image.open(io.BytesIO(make_thumbnail(pal, max_side=100)))
    assert thumb.size == (100, 100)
    pixel = thumb.getpixel((50, 50))
    assert isinstance(pixel, tuple) and pixel[0] > 230 and pixel[1] < 30


def test_precheck_refuses_early_without_decoding() -> None:
    png = encode(gradient(), "PNG")
    assert precheck(png) == "PNG"
    assert precheck(png[:40]) == "PNG"  # only the header is looked at; load_image does the rest
    for data, code in [
        (b"", "empty"),
        (b"%PDF-1.7 ...", "not_an_image"),
        (encode(gradient(), "BMP"), "format_not_allowed"),
        (b"\x00" * 100, "not_an_image"),
    ]:
        with pytest.raises(ImageRejected) as info:
            precheck(data)
        assert info.value.code == code
    with pytest.raises(ImageRejected) as info:
        precheck(png, ImageLimits(max_bytes=100))
    assert info.value.code == "too_large_bytes"
