"""Per-image measurements (computed once per image) and the per-pair feature scores built from them.

Every feature is a score in [0, 1], higher is better, or None when it could not be measured; the pair
model only ever looks at the difference of two scores.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from selector.features import composition, duplicates, quality
from selector.features.imageprep import gray, prepare
from selector.features.ocr import OcrText, read_text
from selector.features.textmatch import TextMatch, match
from selector.types import Brief

# Feature names by protocol question; "quality" has no question of its own but still counts for Q10.
GROUPS: dict[str, tuple[str, ...]] = {
    "quality": ("sharpness", "clean", "exposure", "contrast", "resolution", "compression"),
    "q3": ("query_hits",),
    "q4": ("title_hits",),
    "q5": ("has_text", "cta", "text_balance", "legibility"),
    "q7": ("no_border", "no_pip"),
    "q8": ("subject_found", "subject_size", "subject_whole", "subject_centred"),
    "q9": ("tidy", "colourfulness", "stand_out"),
}
FEATURES: tuple[str, ...] = tuple(name for names in GROUPS.values() for name in names)
TEXT_FEATURES = GROUPS["q3"] + GROUPS["q4"] + GROUPS["q5"]


@dataclass(frozen=True)
class Measurements:
    """Everything measured on one image that does not depend on the brief."""

    key: str
    raw: dict[str, float]  # physical readings (mean brightness, subject share, ...) for the reasoning
    scores: dict[str, float]  # brief-independent feature scores
    thumb: np.ndarray
    phash: int
    ocr: OcrText | None  # None: OCR off or failed
    problems: tuple[str, ...] = field(default=())


def _subject_size(share: float) -> float:
    # Bigger is better until the product crowds the frame.
    return float(np.clip(min(share / 0.3, 1.0) - 2.0 * max(0.0, share - 0.75), 0.0, 1.0))


def measure(image: Image.Image, key: str, ocr: bool = True, ocr_threads: int = 1) -> Measurements:
    """Measure one image of any mode and size. Never raises for a decodable image: a part that fails is
    recorded in `problems` and its features are left out."""
    problems: list[str] = []
    views = prepare(image)
    luma = gray(views.base)
    raw = quality.measure_quality(luma, views.native_gray, views.original_size)
    scores = {name: raw[name] for name in ("sharpness", "clean", "exposure", "contrast", "resolution")}
    scores["compression"] = raw["compression"]
    text: OcrText | None = None
    if ocr:
        try:
            text = read_text(views.base, threads=ocr_threads)
        except Exception as exc:  # OCR is best-effort: the other measurements still stand
            problems.append(f"ocr failed: {type(exc).__name__}: {exc}")
    small = views.small
    text_mask = text.mask(small.shape[:2]) if text is not None and text.lines else None
    subject, mask = composition.measure_subject(small, text_mask)
    raw.update(subject)
    box = composition.mask_box(mask) if mask is not None else None
    raw.update(composition.measure_background(small, mask, text_mask))
    raw.update(composition.measure_layout(small, box))
    scores.update(
        subject_found=subject["subject_found"],
        subject_size=_subject_size(subject["subject_share"]),
        subject_whole=(1.0 - subject["subject_cut"]) * subject["subject_found"],
        subject_centred=(1.0 - subject["subject_offset"]) * subject["subject_found"],
        tidy=float(np.clip(1.0 - raw["clutter"] / 0.12, 0.0, 1.0)),
        colourfulness=float(np.clip(raw["background_colourfulness"] / 0.6, 0.0, 1.0)),
        stand_out=float(np.clip(raw["stand_out"] / 0.5, 0.0, 1.0)),
        no_border=1.0 - raw["border"],
        no_pip=1.0 - raw["pip"],
    )
    if text is not None:
        raw.update(text_share=text.area_share, text_lines=float(len(text.lines)))
    thumb = duplicates.thumbnail(views.small)
    return Measurements(
        key=key,
        raw=raw,
        scores=scores,
        thumb=thumb,
        phash=duplicates.phash(thumb),
        ocr=text,
        problems=tuple(problems),
    )


def text_scores(m: Measurements, brief: Brief) -> tuple[dict[str, float | None], TextMatch | None]:
    """Text features for one brief; None scores when the image's text was not read."""
    if m.ocr is None:
        return dict.fromkeys(TEXT_FEATURES), None
    found = match(m.ocr.text, brief.product_title, tuple(brief.queries))
    share = m.ocr.area_share
    return {
        "query_hits": found.query_rate,
        "title_hits": found.title_rate,
        "has_text": 1.0 if m.ocr.lines else 0.0,
        "cta": 1.0 if found.calls_to_action else 0.0,
        # Some text helps; a frame that is mostly text hides the product.
        "text_balance": float(np.clip(1.0 - (share - 0.3) / 0.3, 0.0, 1.0)),
        "legibility": m.ocr.confidence,
    }, found


def feature_scores(m: Measurements, brief: Brief) -> tuple[dict[str, float | None], TextMatch | None]:
    """All feature scores of one image for one brief."""
    text, found = text_scores(m, brief)
    out: dict[str, float | None] = dict(m.scores)
    out.update(text)
    return out, found
