"""Perceptual hash and a tiny thumbnail, for protocol questions 1 (same?) and 2 (too similar to judge?)."""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy.fft import dctn

from selector.features.imageprep import gray

THUMB = 32


def thumbnail(rgb: np.ndarray) -> np.ndarray:
    """32x32 gray thumbnail in [0, 1] (aspect ignored, like every perceptual hash)."""
    img = Image.fromarray(np.clip(gray(rgb) * 255, 0, 255).astype(np.uint8))
    return np.asarray(img.resize((THUMB, THUMB), Image.Resampling.BILINEAR), dtype=np.float32) / 255.0


def phash(thumb: np.ndarray) -> int:
    """64-bit pHash: signs of the 8x8 lowest DCT frequencies (DC excluded from the median)."""
    low = dctn(thumb.astype(np.float64), norm="ortho")[:8, :8].flatten()
    bits = low > np.median(low[1:])
    return int(sum(1 << i for i, bit in enumerate(bits) if bit))


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def thumb_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two thumbnails (0 identical, 1 opposite)."""
    return float(np.abs(a - b).mean())
