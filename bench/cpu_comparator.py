"""Benchmark of the CPU features comparator on one core: per-image cost (with and without OCR, at 1024 px
and 4000 px), the per-pair decision once images are measured, and the synthetic sanity-set accuracy.

    .venv/bin/python bench/cpu_comparator.py [--images 6] [--seeds 4]

Prints a markdown table for the README. Targets: < 1 s per 1024x1024 image including OCR, < 1 ms per pair.
"""

from __future__ import annotations

import os

# One core, one thread everywhere, before numpy/onnxruntime start their pools.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

import argparse  # noqa: E402
import hashlib  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402

from selector.features import FeaturesComparator  # noqa: E402
from selector.features.ocr import engine  # noqa: E402
from selector.features.synthetic import VARIANTS, Spec, render, variant  # noqa: E402
from selector.types import Creative, Pair  # noqa: E402


def creative(image: Image.Image, tag: str) -> Creative:
    return Creative(image=image, key=hashlib.sha256(image.tobytes() + tag.encode()).hexdigest())


def time_images(comparator: FeaturesComparator, images: list[Creative]) -> list[float]:
    out = []
    for c in images:
        start = time.perf_counter()
        comparator.measure(c)
        out.append(time.perf_counter() - start)
    return out


def fmt(seconds: list[float], unit: str = "ms") -> str:
    scale = 1e3 if unit == "ms" else 1e6
    med = statistics.median(seconds) * scale
    worst = max(seconds) * scale
    return f"{med:.1f} {unit} (max {worst:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=6)
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args()
    rows: list[tuple[str, str]] = []

    start = time.perf_counter()
    engine(1)
    rows.append(("OCR engine load (once per process)", f"{(time.perf_counter() - start) * 1e3:.0f} ms"))

    photos = [render(Spec(seed=s, side=1024)) for s in range(args.images)]
    with_ocr = FeaturesComparator(ocr=True, ocr_threads=1)
    without = FeaturesComparator(ocr=False)
    rows.append(("1024x1024 image, measured with OCR", fmt(time_images(with_ocr, [creative(p, "o") for p in photos]))))
    rows.append(
        ("1024x1024 image, measured without OCR", fmt(time_images(without, [creative(p, "n") for p in photos])))
    )
    big = [creative(p.resize((4000, 4000)), "big") for p in photos[:3]]
    rows.append(("4000x4000 image, measured with OCR", fmt(time_images(with_ocr, big))))

    spec = Spec(seed=0, side=1024)
    pair = Pair(creative(photos[0], "o"), creative(photos[1], "o"), spec.brief)
    with_ocr.compare([pair])  # measured and cached
    reps = 2000
    start = time.perf_counter()
    for _ in range(reps):
        with_ocr.decide(pair)
    decide_s = (time.perf_counter() - start) / reps
    start = time.perf_counter()
    for _ in range(reps):
        with_ocr.compare([pair])
    verdict_s = (time.perf_counter() - start) / reps
    rows.append(("pair decision, images measured (logit + protocol)", f"{decide_s * 1e6:.0f} µs"))
    rows.append(("pair verdict, images measured (+ reasoning, raw text)", f"{verdict_s * 1e6:.0f} µs"))

    correct = total = 0
    for seed in range(args.seeds):
        s = Spec(seed=100 + seed, side=1024)
        original = creative(render(s), "s")
        for kind in VARIANTS:
            broken = creative(variant(s, kind), kind)
            forward, backward = with_ocr.compare([Pair(original, broken, s.brief), Pair(broken, original, s.brief)])
            correct += (forward.p_first > 0.5) + (backward.p_first < 0.5)
            total += 2
    rows.append(
        (
            f"sanity set: original beats {len(VARIANTS)} broken copies, both orders ({args.seeds} products)",
            f"{correct}/{total} ({100 * correct / total:.0f}%)",
        )
    )

    print("| CPU features comparator, one core, one thread | result |")
    print("|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
