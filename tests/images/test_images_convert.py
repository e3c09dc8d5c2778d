"""Every accepted input becomes plain RGB, upright, with transparency on white and no metadata kept."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
from image_factory import encode, gradient
from PIL import Image, ImageCms, PngImagePlugin

from app.images import LoadedImage, load_image

RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)
# JFIF's resolution fields are all a plain Pillow JPEG save writes; anything else is leaked metadata.
HARMLESS_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"}


def _halves(mode: str, left: object, right: object, size: tuple[int, int] = (100, 64)) -> Image.Image:
    im = Image.new(mode, size, left)  # type: ignore[arg-type]
    im.paste(right, (size[0] // 2, 0, size[0], size[1]))  # type: ignore[arg-type]
    return im


def _near(pixel: object, want: tuple[int, ...], tol: int = 12) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tol for a, b in zip(pixel, want, strict=True))


def _assert_clean_rgb(loaded: LoadedImage) -> None:
    assert loaded.image.mode == "RGB"
    assert loaded.image.info == {}
    assert (loaded.width, loaded.height) == loaded.image.size
    assert loaded.sha256 == hashlib.sha256(loaded.data).hexdigest()
    again = Image.open(io.BytesIO(loaded.data))
    assert again.format == loaded.format and again.size == loaded.image.size
    assert loaded.mime == Image.MIME[loaded.format]


def test_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    data = encode(_halves("RGB", RED, BLUE), "JPEG", quality=95, exif=exif.tobytes())
    loaded = load_image(data)
    _assert_clean_rgb(loaded)
    assert loaded.image.size == (64, 100)
    assert _near(loaded.image.getpixel((32, 5)), RED)  # the left half is now on top
    assert _near(loaded.image.getpixel((32, 95)), BLUE)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_damaged_exif_does_not_block_the_upload() -> None:
    data = encode(gradient(), "JPEG", exif=b"Exif\x00\x00MM\x00*\xff\xff\xff\xff garbage")
    _assert_clean_rgb(load_image(data))


def test_stored_copy_has_no_metadata() -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    exif[0x0112] = 1
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "SecretAuthor")
    info.add_itxt("Comment", "SecretComment", zip=True)
    inputs = {
        "JPEG": encode(gradient(), "JPEG", exif=exif.tobytes(), icc_profile=icc, comment=b"SecretComment"),
        "PNG": encode(gradient(), "PNG", exif=exif.tobytes(), icc_profile=icc, pnginfo=info, dpi=(300, 300)),
        "WEBP": encode(gradient(), "WEBP", exif=exif.tobytes(), icc_profile=icc),
    }
    for source, data in inputs.items():
        assert b"Secret" in data  # control: the input really carries metadata
        loaded = load_image(data)
        _assert_clean_rgb(loaded)
        assert loaded.format == ("PNG" if source == "PNG" else "JPEG")  # lossy WebP stays lossy
        again = Image.open(io.BytesIO(loaded.data))
        assert set(again.info) <= HARMLESS_INFO, (source, again.info)
        assert len(again.getexif()) == 0
        assert b"Secret" not in loaded.data and b"ICC_PROFILE" not in loaded.data
        assert b"iCCP" not in loaded.data and b"eXIf" not in loaded.data


def test_cmyk_becomes_rgb() -> None:
    loaded = load_image(encode(_halves("CMYK", (0, 255, 255, 0), (255, 255, 0, 0)), "JPEG", quality=95))
    _assert_clean_rgb(loaded)
    assert _near(loaded.image.getpixel((10, 30)), RED, tol=30)
    assert _near(loaded.image.getpixel((90, 30)), BLUE, tol=30)


def _palette_with_transparent_left() -> Image.Image:
    im = Image.new("P", (100, 64), 0)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * (254 * 3))
    im.paste(1, (50, 0, 100, 64))
    return im


@pytest.mark.parametrize("fmt", ["PNG", "GIF"])
def test_palette_transparency_becomes_white(fmt: str) -> None:
    loaded = load_image(encode(_palette_with_transparent_left(), fmt, transparency=0))
    _assert_clean_rgb(loaded)
    assert loaded.image.getpixel((10, 30)) == WHITE  # transparent black index: white, not black
    assert _near(loaded.image.getpixel((90, 30)), RED)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_rgba_transparency_becomes_white(fmt: str) -> None:
    im = _halves("RGBA", (0, 0, 0, 0), (0, 0, 255, 255))
    im.paste((255, 0, 0, 128), (0, 0, 20, 20))
    loaded = load_image(encode(im, fmt, lossless=True) if fmt == "WEBP" else encode(im, fmt))
    _assert_clean_rgb(loaded)
    assert loaded.image.getpixel((30, 30)) == WHITE
    assert _near(loaded.image.getpixel((90, 30)), BLUE)
    assert _near(loaded.image.getpixel((5, 5)), (255, 127, 127), tol=3)  # half red over white


def test_la_and_rgb_colour_key_become_white() -> None:
    la = load_image(encode(_halves("LA", (0, 0), (0, 255)), "PNG"))
    assert la.image.getpixel((10, 30)) == WHITE and la.image.getpixel((90, 30)) == (0, 0, 0)
    keyed = load_image(encode(_halves("RGB", (0, 0, 0), BLUE), "PNG", transparency=(0, 0, 0)))
    assert keyed.image.getpixel((10, 30)) == WHITE and keyed.image.getpixel((90, 30)) == BLUE
    for loaded in (la, keyed):
        _assert_clean_rgb(loaded)


def test_16_bit_gray_is_scaled_not_clipped() -> None:
    arr = np.full((64, 100), 32768, dtype=np.uint16)
    arr[:, 50:] = 4096
    im = Image.fromarray(arr)
    assert im.mode == "I;16"
    loaded = load_image(encode(im, "PNG"))
    _assert_clean_rgb(loaded)
    assert loaded.image.getpixel((10, 30)) == (128, 128, 128)
    assert loaded.image.getpixel((90, 30)) == (16, 16, 16)


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_animated_input_keeps_first_frame(fmt: str) -> None:
    frames = [Image.new("RGB", (80, 80), c) for c in (RED, (0, 255, 0), BLUE)]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert getattr(Image.open(io.BytesIO(data)), "is_animated", False)  # control: really animated
    loaded = load_image(data)
    _assert_clean_rgb(loaded)
    assert _near(loaded.image.getpixel((40, 40)), RED)


def test_bilevel_and_gray_inputs() -> None:
    for mode in ("1", "L"):
        loaded = load_image(encode(gradient(mode=mode), "PNG"))
        _assert_clean_rgb(loaded)
        r, g, b = loaded.image.split()
        assert list(r.getdata()) == list(g.getdata()) == list(b.getdata())


def test_multi_picture_jpeg_counts_as_jpeg() -> None:
    data = encode(Image.new("RGB", (80, 80), RED), "MPO", save_all=True, append_images=[gradient(80, 80)])
    loaded = load_image(data)
    assert (loaded.source_format, loaded.format) == ("JPEG", "JPEG")
    assert _near(loaded.image.getpixel((40, 40)), RED)


def test_output_format_follows_lossiness() -> None:
    im = gradient()
    frames = [Image.new("RGB", (80, 80), c) for c in (RED, BLUE)]
    cases = {
        "lossy WebP": (encode(im, "WEBP", quality=80), "JPEG"),
        "lossless WebP": (encode(im, "WEBP", lossless=True), "PNG"),
        "lossy WebP with alpha": (encode(im.convert("RGBA"), "WEBP", quality=80), "JPEG"),
        "animated lossy WebP": (encode(frames[0], "WEBP", save_all=True, append_images=frames[1:]), "JPEG"),
        "animated lossless WebP": (
            encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True),
            "PNG",
        ),
        "JPEG": (encode(im, "JPEG"), "JPEG"),
        "PNG": (encode(im, "PNG"), "PNG"),
        "GIF": (encode(im, "GIF"), "PNG"),
    }
    for name, (data, want) in cases.items():
        loaded = load_image(data)
        assert loaded.format == want, name
        _assert_clean_rgb(loaded)
