"""Only allowed formats, sniffed by content; truncated files refused; EPS never reaches Ghostscript."""

from __future__ import annotations

import io
import subprocess

import pytest
from image_factory import encode, gradient
from PIL import EpsImagePlugin, Image, ImageFile

from app.images import ImageLimits, ImageRejected, load_image, sniff_format

SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect/></svg>'
HTML = b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>"


def _rejected(data: bytes, limits: ImageLimits | None = None) -> ImageRejected:
    with pytest.raises(ImageRejected) as info:
        load_image(data, limits or ImageLimits())
    return info.value


def _samples() -> dict[str, bytes]:
    im = gradient(96, 96)
    return {
        "SVG": SVG,
        "HTML": HTML,
        "PDF": encode(im, "PDF"),
        "EPS": encode(im, "EPS"),
        "TIFF": encode(im, "TIFF"),
        "BMP": encode(im, "BMP"),
        "ICO": encode(im, "ICO"),
        "JPEG2000": encode(im, "JPEG2000"),
        "PSD": b"8BPS\x00\x01" + bytes(40),
        "HEIF": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(32),
    }


DISALLOWED = {
    "SVG": "format_not_allowed",
    "HTML": "not_an_image",
    "PDF": "not_an_image",
    "EPS": "format_not_allowed",
    "TIFF": "format_not_allowed",
    "BMP": "format_not_allowed",
    "ICO": "format_not_allowed",
    "JPEG2000": "format_not_allowed",
    "PSD": "format_not_allowed",
    "HEIF": "format_not_allowed",
}


@pytest.mark.parametrize("kind", sorted(DISALLOWED))
def test_disallowed_and_non_images_rejected_by_content(kind: str) -> None:
    data = _samples()[kind]
    assert sniff_format(data) == kind
    err = _rejected(data)
    assert err.code == DISALLOWED[kind]
    assert "JPEG, PNG, WebP or GIF" in err.message


def test_plain_text_and_random_bytes_are_not_images() -> None:
    for data in (b"hello, this is a text file named banner.png\n", bytes(range(256)) * 4):
        assert sniff_format(data) is None
        err = _rejected(data)
        assert err.code == "not_an_image"
        assert "not an image" in err.message


def test_eps_never_invokes_ghostscript(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []

    def forbidden(*args: object, **kwargs: object) -> None:
        calls.append(args)
        raise AssertionError("Ghostscript was invoked")

    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", forbidden)
    monkeypatch.setattr(subprocess, "check_call", forbidden)
    monkeypatch.setattr(subprocess, "Popen", forbidden)
    eps = _samples()["EPS"]
    assert Image.open(io.BytesIO(eps)).format == "EPS"  # control: Pillow would take it as EPS
    assert _rejected(eps).code == "format_not_allowed"
    assert calls == []


def test_eps_cannot_be_allowed() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        ImageLimits(formats=frozenset({"JPEG", "EPS"}))


def test_allowed_formats_are_sniffed_not_named() -> None:
    im = gradient()
    for fmt in ("PNG", "JPEG", "GIF", "WEBP"):
        data = encode(im, fmt)
        assert sniff_format(data) == fmt
        assert load_image(data).source_format == fmt


def test_formats_option_narrows_and_widens() -> None:
    im = gradient()
    err = _rejected(encode(im, "GIF"), ImageLimits(formats=frozenset({"PNG", "JPEG"})))
    assert err.code == "format_not_allowed"
    assert "GIF" in err.message and "JPEG or PNG" in err.message
    loaded = load_image(encode(im, "TIFF"), ImageLimits(formats=frozenset({"PNG", "TIFF"})))
    assert (loaded.source_format, loaded.format) == ("TIFF", "PNG")


def test_truncated_jpeg_rejected_though_verify_passes() -> None:
    full = encode(gradient(200, 160), "JPEG", quality=90)
    cut = full[: len(full) * 6 // 10]
    Image.open(io.BytesIO(cut)).verify()  # verify() alone does not notice
    err = _rejected(cut)
    assert err.code == "truncated"
    assert "incomplete" in err.message


def test_truncated_rejected_even_if_someone_enabled_load_truncated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    full = encode(gradient(200, 160), "JPEG", quality=90)
    assert _rejected(full[: len(full) // 2]).code == "truncated"


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "WEBP"])
def test_truncated_other_formats_rejected(fmt: str) -> None:
    full = encode(Image.effect_noise((160, 120), 60).convert("RGB"), fmt)
    err = _rejected(full[: len(full) * 6 // 10])
    assert err.code == "truncated"


def test_cut_inside_header_is_damaged_not_foreign() -> None:
    png = encode(gradient(), "PNG")
    assert _rejected(png[:20]).code == "truncated"
