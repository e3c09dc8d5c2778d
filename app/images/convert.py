"""Turn any decoded Pillow image into plain 8-bit RGB with no metadata."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps

WHITE = (255, 255, 255)
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_WIDE_GRAY_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})


def apply_orientation(im: Image.Image) -> Image.Image:
    """Rotate/flip as the EXIF Orientation tag says; a damaged EXIF block is ignored, not fatal."""
    try:
        return ImageOps.exif_transpose(im)
    except Exception:
        return im


def to_rgb(im: Image.Image) -> Image.Image:
    """A new RGB image: transparency composited on white, 16-bit/float gray scaled (not clipped) to
    8 bits, and `info` emptied so nothing (EXIF, ICC, text, transparency) follows it into a save."""
    if im.mode in _WIDE_GRAY_MODES:
        im = _wide_gray_to_l(im)
    if im.mode in _ALPHA_MODES or "transparency" in im.info:
        rgba = im if im.mode == "RGBA" else im.convert("RGBA")
        # Pasting with the image's own alpha as mask blends onto white in one RGB buffer, ~200 MB
        # less at 40 MP than compositing onto an RGBA canvas and converting.
        out = Image.new("RGB", im.size, WHITE)
        out.paste(rgba, (0, 0), rgba)
    else:
        out = im.convert("RGB")  # a copy even when already RGB, so the caller owns it
    out.info = {}
    return out


def _wide_gray_to_l(im: Image.Image) -> Image.Image:
    # Pillow's own I;16 -> L conversion clips at 255, turning most 16-bit images white.
    arr = np.asarray(im)
    if arr.dtype.kind == "f":
        arr = np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0)
        lo, hi = float(arr.min()), float(arr.max())
        scaled = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
        return Image.fromarray(scaled.astype(np.uint8), "L")
    arr = np.clip(arr.astype(np.int64), 0, 65535)
    if arr.max() > 255:  # 16-bit range (the usual case); an "I" image holding 8-bit values stays put
        arr = arr >> 8
    return Image.fromarray(arr.astype(np.uint8), "L")
