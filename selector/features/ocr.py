"""Text in the image with RapidOCR (PP-OCRv4 ONNX models that ship inside the wheel).

The engine costs about a second to load, so it is built once per process, lazily, on first use.
Threads are pinned (one by default) so a worker's OCR does not fight the other processes for cores.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

_ENGINES: dict[int, Any] = {}
_LOCK = threading.Lock()
MIN_SCORE = 0.5


@dataclass(frozen=True)
class TextLine:
    text: str
    score: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the image


@dataclass(frozen=True)
class OcrText:
    lines: tuple[TextLine, ...]

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)

    @property
    def area_share(self) -> float:
        """Share of the frame covered by text boxes (union on a coarse grid, so overlaps count once)."""
        grid = np.zeros((100, 100), dtype=bool)
        for x0, y0, x1, y1 in (line.box for line in self.lines):
            grid[int(y0 * 100) : max(int(y0 * 100) + 1, int(np.ceil(y1 * 100))),
                 int(x0 * 100) : max(int(x0 * 100) + 1, int(np.ceil(x1 * 100)))] = True  # fmt: skip
        return float(grid.mean())

    @property
    def confidence(self) -> float:
        return float(np.mean([line.score for line in self.lines])) if self.lines else 0.0

    def mask(self, shape: tuple[int, int]) -> np.ndarray:
        """Boolean mask of the text boxes at `shape` (rows, cols)."""
        h, w = shape
        out = np.zeros((h, w), dtype=bool)
        for x0, y0, x1, y1 in (line.box for line in self.lines):
            out[int(y0 * h) : int(np.ceil(y1 * h)) + 1, int(x0 * w) : int(np.ceil(x1 * w)) + 1] = True
        return out


def engine(threads: int = 1) -> Any:
    """The process's RapidOCR engine for this thread count, built on first call."""
    with _LOCK:
        if threads not in _ENGINES:
            from rapidocr_onnxruntime import RapidOCR  # imported here: ~1 s and optional

            _ENGINES[threads] = RapidOCR(
                intra_op_num_threads=threads,
                inter_op_num_threads=threads,
                # Limit the detector's longest side instead of upscaling the shortest (the default).
                det_limit_type="max",
                det_limit_side_len=736,
            )
        return _ENGINES[threads]


def read_text(rgb: np.ndarray, threads: int = 1) -> OcrText:
    """OCR a float RGB image in [0, 1]; no text found gives no lines."""
    h, w, _ = rgb.shape
    bgr = np.ascontiguousarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8)[..., ::-1])
    result, _ = engine(threads)(bgr)
    lines = []
    for points, text, score in result or ():
        pts = np.asarray(points, dtype=np.float64)
        if float(score) < MIN_SCORE or not str(text).strip():
            continue
        box = (
            float(np.clip(pts[:, 0].min() / w, 0, 1)),
            float(np.clip(pts[:, 1].min() / h, 0, 1)),
            float(np.clip(pts[:, 0].max() / w, 0, 1)),
            float(np.clip(pts[:, 1].max() / h, 0, 1)),
        )
        lines.append(TextLine(text=str(text).strip(), score=float(score), box=box))
    return OcrText(lines=tuple(lines))
