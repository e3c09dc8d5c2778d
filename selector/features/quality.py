"""Technical quality: sharpness, noise, exposure, contrast, resolution, compression artefacts.

Each score is in [0, 1], higher is better, so a weight's sign reads the same way for every feature.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

_NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)


def blur_effect(luma: np.ndarray, h_size: int = 11) -> float:
    """Crete et al. (2007) no-reference blur in [0, 1] (0 sharp, 1 blurry).

    Re-blurring a sharp image removes much of its neighbour-to-neighbour variation; re-blurring an already
    blurry one removes little. The ratio ignores contrast and how much of the image is flat.
    """
    if min(luma.shape) < 3:
        return 1.0
    results = []
    for axis in (0, 1):
        blurred = ndimage.uniform_filter1d(luma, size=h_size, axis=axis, mode="reflect")
        d_orig = np.abs(np.diff(luma, axis=axis))
        d_blur = np.abs(np.diff(blurred, axis=axis))
        total = float(d_orig.sum())
        if total <= 1e-6:
            results.append(1.0)
            continue
        lost = float(np.maximum(0.0, d_orig - d_blur).sum())
        results.append(1.0 - lost / total)
    return float(max(results))


def noise_sigma(luma: np.ndarray) -> float:
    """Immerkaer's fast noise estimate, restricted to the flatter half of the image so texture and edges
    are not mistaken for noise."""
    if min(luma.shape) < 4:
        return 0.0
    response = np.abs(ndimage.convolve(luma, _NOISE_KERNEL, mode="reflect"))[1:-1, 1:-1]
    grad = np.hypot(ndimage.sobel(luma, 0), ndimage.sobel(luma, 1))[1:-1, 1:-1]
    flat = grad <= np.percentile(grad, 50)
    if not flat.any():
        return 0.0
    return float(np.sqrt(np.pi / 2.0) * response[flat].mean() / 6.0)


def exposure(luma: np.ndarray) -> dict[str, float]:
    """Mean brightness, clipped shadows/highlights and tonal range, and a combined exposure score.

    White backgrounds are normal in e-commerce, so highlight clipping only counts beyond 60% of the frame.
    """
    mean = float(luma.mean())
    shadows = float((luma < 0.03).mean())
    highlights = float((luma > 0.985).mean())
    p5, p95 = (float(v) for v in np.percentile(luma, [5, 95]))
    under = max(0.0, (0.4 - mean) / 0.4)
    over = max(0.0, (mean - 0.93) / 0.07)
    penalty = under + 1.5 * shadows + max(0.0, highlights - 0.6) + over
    return {
        "mean_luma": mean,
        "shadow_clip": shadows,
        "highlight_clip": highlights,
        "exposure": float(np.clip(1.0 - penalty, 0.0, 1.0)),
        "contrast": float(np.clip((p95 - p5) / 0.6, 0.0, 1.0)),
    }


def resolution_score(size: tuple[int, int]) -> float:
    """256 px on the short side scores 0, 1024 px or more scores 1 (log scale)."""
    short = max(1, min(size))
    return float(np.clip(np.log2(short / 256.0) / 2.0, 0.0, 1.0))


def blockiness(native_gray: np.ndarray) -> float:
    """JPEG blocking: the mean step across 8-pixel boundaries over the median step at the other seven
    positions (about 1 = none, 2 = quality ~75, 5+ = heavy). Steps are capped so that a real edge that
    happens to fall on the grid cannot pass for blocking."""
    if min(native_gray.shape) < 24:
        return 1.0
    ratios = []
    for axis in (0, 1):
        d = np.minimum(np.abs(np.diff(native_gray, axis=axis)), 0.06)
        if axis == 0:
            d = d.T  # positions along the last axis from here on
        by_position = np.array([d[:, i::8].mean() for i in range(8)])
        off = float(np.median(by_position[:7]))
        if off < 2e-3:  # flat window: nothing to measure
            continue
        ratios.append(float(by_position[7] / off))
    return max(ratios) if ratios else 1.0


def measure_quality(luma: np.ndarray, native_gray: np.ndarray, size: tuple[int, int]) -> dict[str, float]:
    blur = blur_effect(luma)
    sigma = noise_sigma(luma)
    block = blockiness(native_gray)
    out = {
        "blur_effect": blur,
        "noise_sigma": sigma,
        "blockiness": block,
        "min_side": float(min(size)),
        # Crete's measure sits near 0.2-0.3 for crisp photos and climbs past 0.6 when visibly soft.
        "sharpness": float(np.clip((0.75 - blur) / 0.5, 0.0, 1.0)),
        "clean": float(np.clip(1.0 - sigma / 0.04, 0.0, 1.0)),
        "resolution": resolution_score(size),
        "compression": float(np.clip(1.0 - (block - 1.3) / 2.0, 0.0, 1.0)),
    }
    out.update(exposure(luma))
    return out
