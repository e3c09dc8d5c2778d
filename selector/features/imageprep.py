"""Defensive conversion and the downscaled views every measurement works on.

Measurements run on fixed-size views so a 4000 px upload costs about what a 1024 px one does; only the
JPEG-grid check looks at native pixels (a small central window), because downscaling erases the 8x8 grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

BASE_SIDE = 768  # OCR, sharpness and noise
SMALL_SIDE = 256  # subject, background, layout
NATIVE_WINDOW = 256  # native-resolution window for compression artefacts


@dataclass(frozen=True)
class Views:
    """Float RGB views in [0, 1] plus the original size."""

    base: np.ndarray  # H x W x 3, max side <= BASE_SIDE
    small: np.ndarray  # H x W x 3, max side <= SMALL_SIDE
    native_gray: np.ndarray  # central window of the original, gray, grid-aligned
    original_size: tuple[int, int]


def _flatten_alpha(image: Image.Image) -> Image.Image:
    """Any mode to RGB; transparent pixels become white (as the upload loader does), never black."""
    if image.mode == "RGB":
        return image
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit / float gray: scale to 8 bits by its own range rather than clipping at 255.
        arr = np.asarray(image, dtype=np.float64)
        top = float(arr.max()) if arr.size else 1.0
        arr = arr / (top if top > 255 else 255.0) * 255.0
        return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).convert("RGB")
    return image.convert("RGB")


def _fit(image: Image.Image, side: int) -> Image.Image:
    w, h = image.size
    scale = side / max(w, h)
    if scale >= 1.0:
        return image
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    # reducing_gap makes a huge image first shrink by integer factors (cheap), then resample precisely.
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def _native_window(image: Image.Image) -> np.ndarray:
    w, h = image.size
    side = min(NATIVE_WINDOW, w, h)
    # Align the window to the 8-pixel JPEG grid of the original.
    left = ((w - side) // 2) // 8 * 8
    top = ((h - side) // 2) // 8 * 8
    window = image.crop((left, top, left + side, top + side))
    return np.asarray(_flatten_alpha(window).convert("L"), dtype=np.float32) / 255.0


def prepare(image: Image.Image) -> Views:
    """Views of any PIL image (any mode, any size >= 1 px)."""
    original_size = image.size
    # Shrink before converting: flattening a 4000 px RGBA at full size would dominate the cost.
    base_img = _fit(image if image.mode in ("RGB", "RGBA", "L", "LA") else _flatten_alpha(image), BASE_SIDE)
    base_img = _flatten_alpha(base_img)
    small_img = _fit(base_img, SMALL_SIDE)
    return Views(
        base=np.asarray(base_img, dtype=np.float32) / 255.0,
        small=np.asarray(small_img, dtype=np.float32) / 255.0,
        native_gray=_native_window(image),
        original_size=original_size,
    )


def gray(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of a float RGB array."""
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
