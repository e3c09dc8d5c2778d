"""Product subject, background and layout, measured on the small view (max side 256).

The background is modelled as a colour plane fitted to the border strip (plain and gradient backgrounds
both fit); what departs from it is foreground, and its largest solid component is taken as the product.
Thin strokes (headline text, lines) are removed by a morphological opening before that choice.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from selector.features.imageprep import gray

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in small-view pixels


def _otsu(values: np.ndarray) -> float:
    hist, edges = np.histogram(values, bins=64)
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * centres) / np.maximum(w0, 1)
    m1 = (np.sum(hist * centres) - np.cumsum(hist * centres)) / np.maximum(w1, 1)
    between = w0 * w1 * (m0 - m1) ** 2
    return float(centres[int(np.argmax(between))])


def _background_distance(rgb: np.ndarray) -> np.ndarray:
    h, w, _ = rgb.shape
    strip = max(1, round(min(h, w) * 0.04))
    border = np.zeros((h, w), dtype=bool)
    border[:strip, :] = border[-strip:, :] = True
    border[:, :strip] = border[:, -strip:] = True
    ys, xs = np.nonzero(border)
    design = np.stack([np.ones_like(xs), xs / max(1, w), ys / max(1, h)], axis=1).astype(np.float64)
    coef, *_ = np.linalg.lstsq(design, rgb[ys, xs].astype(np.float64), rcond=None)
    yy, xx = np.mgrid[0:h, 0:w]
    plane = coef[0] + (xx / max(1, w))[..., None] * coef[1] + (yy / max(1, h))[..., None] * coef[2]
    return np.linalg.norm(rgb - plane, axis=2)


def _subject_mask(rgb: np.ndarray, text_mask: np.ndarray | None) -> np.ndarray:
    dist = _background_distance(rgb)
    threshold = float(np.clip(_otsu(dist), 0.06, 0.3)) if dist.max() > 0.06 else 1.0
    mask = dist > threshold
    if text_mask is not None:
        mask &= ~text_mask
    k = max(1, round(min(rgb.shape[:2]) / 100))
    # Pad by replication first: an opening treats outside the frame as background and would peel a
    # product off the border it is cut by, hiding exactly the cut we measure.
    padded = np.pad(mask, k + 1, mode="edge")
    mask = ndimage.binary_opening(padded, iterations=k)[k + 1 : -(k + 1), k + 1 : -(k + 1)]
    return ndimage.binary_fill_holes(mask)


def measure_subject(rgb: np.ndarray, text_mask: np.ndarray | None = None) -> tuple[dict[str, float], np.ndarray | None]:
    """Size, centring and completeness of the product, and its mask (None when no product stands out)."""
    h, w, _ = rgb.shape
    none = {"subject_found": 0.0, "subject_share": 0.0, "subject_cut": 0.0, "subject_offset": 1.0}
    if min(h, w) < 8:
        return none, None
    mask = _subject_mask(rgb, text_mask)
    labels, count = ndimage.label(mask)
    if count == 0:
        return none, None
    sizes = ndimage.sum_labels(mask, labels, index=np.arange(1, count + 1))
    best = int(np.argmax(sizes)) + 1
    subject = labels == best
    area = float(sizes[best - 1])
    if area < 0.01 * h * w:
        return none, None
    ys, xs = np.nonzero(subject)
    cy, cx = ys.mean() / h, xs.mean() / w
    on_border = float(subject[0, :].sum() + subject[-1, :].sum() + subject[:, 0].sum() + subject[:, -1].sum())
    diameter = 2.0 * np.sqrt(area / np.pi)
    values = {
        "subject_found": 1.0,
        "subject_share": area / (h * w),
        # Border length the product crosses, relative to its own diameter: 0 whole, ~1 cut in half.
        "subject_cut": float(np.clip(on_border / diameter, 0.0, 1.0)),
        "subject_offset": float(np.hypot(cx - 0.5, cy - 0.5) / np.hypot(0.5, 0.5)),
    }
    return values, subject


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler and Suesstrunk (2003), divided by 100 (so about 0..1.2)."""
    r, g, b = rgb[..., 0] * 255, rgb[..., 1] * 255, rgb[..., 2] * 255
    rg, yb = r - g, 0.5 * (r + g) - b
    return float((np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean())) / 100.0)


def measure_background(rgb: np.ndarray, subject: np.ndarray | None, text_mask: np.ndarray | None) -> dict[str, float]:
    """Clutter (edge density off the product and text), colourfulness, and how far the product stands out."""
    luma = gray(rgb)
    grad = np.hypot(ndimage.sobel(luma, 0), ndimage.sobel(luma, 1)) / 4.0
    region = np.ones(luma.shape, dtype=bool)
    if subject is not None:
        region &= ~ndimage.binary_dilation(subject, iterations=3)
    if text_mask is not None:
        region &= ~text_mask
    if region.sum() < 16:
        region = np.ones(luma.shape, dtype=bool)
    edges = grad > 0.08
    clutter = float(edges[region].mean())
    stand_out = 0.0
    if subject is not None and subject.any() and (~subject).any():
        stand_out = float(np.linalg.norm(rgb[subject].mean(axis=0) - rgb[~subject].mean(axis=0)))
    return {
        "clutter": clutter,
        "background_colourfulness": colourfulness(rgb[region]) if region.any() else 0.0,
        "stand_out": stand_out,
    }


def _long_lines(edges: np.ndarray, min_run: float) -> list[tuple[int, int, int]]:
    """Rows of `edges` with a straight run of at least `min_run` of the width: (row, start, end)."""
    out: list[tuple[int, int, int]] = []
    width = edges.shape[1]
    for row in range(edges.shape[0]):
        line = np.concatenate([[0], edges[row].astype(np.int8), [0]])
        changes = np.flatnonzero(np.diff(line))
        starts, ends = changes[::2], changes[1::2]
        if starts.size == 0:
            continue
        k = int(np.argmax(ends - starts))
        if ends[k] - starts[k] >= min_run * width:
            if out and out[-1][0] >= row - 2 and abs(out[-1][1] - starts[k]) <= 2 and abs(out[-1][2] - ends[k]) <= 2:
                continue  # the same line again, a pixel lower (thick or anti-aliased)
            out.append((row, int(starts[k]), int(ends[k])))
    # Stripes or dense patterns: keep the longest few, which is all the rectangle search needs.
    return sorted(sorted(out, key=lambda line: line[1] - line[2])[:48])


def measure_layout(rgb: np.ndarray, subject_box: Box | None) -> dict[str, float]:
    """Decorative border (full-length straight edges near all sides) and picture-in-picture (an inner
    rectangle of straight edges that is not the product's own outline)."""
    h, w, _ = rgb.shape
    if min(h, w) < 16:
        return {"border": 0.0, "pip": 0.0}
    step_y = np.linalg.norm(np.diff(rgb, axis=0), axis=2) > 0.12
    step_x = np.linalg.norm(np.diff(rgb, axis=1), axis=2) > 0.12
    # Dilate one pixel along the line so slightly anti-aliased straight edges still form one run.
    rows = _long_lines(ndimage.binary_dilation(step_y, structure=np.ones((1, 3))), 0.2)
    cols = _long_lines(ndimage.binary_dilation(step_x, structure=np.ones((1, 3))).T, 0.2)
    margin_y, margin_x = 0.12 * h, 0.12 * w
    full_rows = [r for r, s, e in rows if e - s >= 0.85 * w]
    full_cols = [c for c, s, e in cols if e - s >= 0.85 * h]
    sides = sum(
        (
            any(r < margin_y for r in full_rows),
            any(r > h - margin_y for r in full_rows),
            any(c < margin_x for c in full_cols),
            any(c > w - margin_x for c in full_cols),
        )
    )
    inner_rows = [line for line in rows if line[2] - line[1] < 0.85 * w]
    inner_cols = [line for line in cols if line[2] - line[1] < 0.85 * h]
    inset = _rectangle(inner_rows, inner_cols, h, w)
    pip = 0.0
    if inset is not None and not (subject_box is not None and _iou(inset, subject_box) > 0.6):
        pip = 1.0
    return {"border": 1.0 if sides >= 3 else 0.0, "pip": pip}


def _rectangle(rows: list[tuple[int, int, int]], cols: list[tuple[int, int, int]], h: int, w: int) -> Box | None:
    """An axis-aligned rectangle whose four sides are all straight runs: two rows spanning the same
    columns, closed by two columns spanning the rows between them."""
    tol = max(2, round(0.03 * max(h, w)))

    def closed(col: int, top: int, bottom: int) -> bool:
        return any(abs(c - col) <= tol and s <= top + tol and e >= bottom - tol for c, s, e in cols)

    for i, (r1, s1, e1) in enumerate(rows):
        for r2, s2, e2 in rows[i + 1 :]:
            if r2 - r1 < 0.15 * h or abs(s1 - s2) > tol or abs(e1 - e2) > tol:
                continue
            if closed(s1, r1, r2) and closed(e1, r1, r2):
                return (s1, r1, e1, r2)
    return None


def _iou(a: Box, b: Box) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def mask_box(mask: np.ndarray) -> Box | None:
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return None
    return (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
