"""Whatever the bytes, the loader returns an image within limits or raises ImageRejected: never anything else."""

from __future__ import annotations

import hashlib
import io
from functools import cache
from typing import get_args

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from image_factory import encode, gradient
from PIL import Image

from app.images import ImageLimits, ImageRejected, RejectCode, load_image

# Small limits so the seeds are valid and mutations that inflate the header hit the checks quickly.
LIMITS = ImageLimits(max_bytes=64 * 1024, max_pixels=250_000, min_side=8, max_side=1024, max_aspect=8.0)
CODES = set(get_args(RejectCode))


@cache
def seeds() -> tuple[bytes, ...]:
    base = gradient(40, 32)
    rgba = base.convert("RGBA")
    rgba.putalpha(128)
    frames = [Image.new("RGB", (24, 24), c) for c in ("red", "blue")]
    return (
        encode(base, "PNG"),
        encode(rgba, "PNG"),
        encode(base.convert("P"), "PNG", transparency=3),
        encode(base, "JPEG", quality=80),
        encode(base, "JPEG", quality=80, progressive=True),
        encode(base, "GIF"),
        encode(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        encode(base, "WEBP", quality=80),
        encode(rgba, "WEBP", lossless=True),
    )


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds())))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "set", "cut", "insert", "delete", "dup"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and data:
            data[at] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, draw(st.integers(0, 255))]))
        elif op == "cut":
            data = data[:at]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 32))]
        elif op == "dup":
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


def _check(data: bytes) -> None:
    try:
        loaded = load_image(data, LIMITS)
    except ImageRejected as err:
        assert err.code in CODES
        assert err.message
        return
    w, h = loaded.image.size
    assert loaded.image.mode == "RGB"
    assert LIMITS.min_side <= min(w, h) and max(w, h) <= LIMITS.max_side and w * h <= LIMITS.max_pixels
    assert max(w, h) / min(w, h) <= LIMITS.max_aspect
    assert loaded.sha256 == hashlib.sha256(loaded.data).hexdigest()
    assert Image.open(io.BytesIO(loaded.data)).size == (w, h)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_images_never_escape(data: bytes) -> None:
    _check(data)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2048) | st.sampled_from(seeds()).flatmap(lambda s: st.just(s[:12]) | st.binary()))
def test_random_bytes_never_escape(data: bytes) -> None:
    _check(data)


def test_seeds_are_accepted() -> None:
    """Control: unmutated seeds load, so the property test explores past the header checks."""
    for data in seeds():
        assert load_image(data, LIMITS).image.size in {(40, 32), (24, 24)}
