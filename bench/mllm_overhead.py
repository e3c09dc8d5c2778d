"""Per-pair cost outside `generate` on the tiny model (CPU): image prep + processor, decoding, answer slot, parsing.

The tiny model makes generation itself nearly free, so what is left is the comparator's own overhead, which
a real model would add on top of its generation time. Target: under 10 ms per pair outside generate and the
answer-slot forward (both are model time). Prints a markdown table.

    .venv/bin/python bench/mllm_overhead.py [--pairs 16] [--batch-size 8] [--image-px 512]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from selector.mllm import MLLMComparator, MLLMConfig
from selector.testing import build_tiny_model
from selector.types import Brief, Creative, Pair

STAGES = ("encode", "generate", "decode", "answer_slot", "parse")


def random_pairs(n: int, px: int, seed: int = 0) -> list[Pair]:
    rng = np.random.default_rng(seed)
    brief = Brief("Wireless earbuds with charging case", ("earbuds", "bluetooth headphones", "noise cancelling"))
    creatives = [
        Creative(Image.fromarray(rng.integers(0, 255, (px, px, 3), dtype=np.uint8)), key=f"img{i}")
        for i in range(n + 1)
    ]
    return [Pair(creatives[i], creatives[i + 1], brief) for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--image-px", type=int, default=512)
    parser.add_argument("--new-tokens", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1: no oversubscription)")
    parser.add_argument("--max-pixels", type=int, default=256 * 256, help="cap; images are resized to it")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as folder:
        path = build_tiny_model(Path(folder) / "tiny")
        config = MLLMConfig(
            model=str(path),
            quantization="none",
            max_new_tokens=args.new_tokens,
            min_new_tokens=args.new_tokens,
            batch_size=args.batch_size,
            max_pixels=args.max_pixels,
        )
        comparator = MLLMComparator(config)
        pairs = random_pairs(args.pairs, args.image_px)
        comparator.compare(pairs[: args.batch_size])  # warm-up
        comparator.timings = {}
        began = time.perf_counter()
        comparator.compare(pairs)
        total = time.perf_counter() - began
    t = comparator.timings
    n = len(pairs)
    host = total - t.get("generate", 0.0) - t.get("answer_slot", 0.0)
    print(
        f"tiny Qwen2.5-VL, CPU ({args.threads} thread), {n} pairs of {args.image_px} px images "
        f"(capped at {args.max_pixels} px), batch {args.batch_size}, {args.new_tokens} new tokens\n"
    )
    print("| stage | ms per pair |\n|---|---|")
    for stage in STAGES:
        print(f"| {stage} | {1000 * t.get(stage, 0.0) / n:.2f} |")
    print(f"| total | {1000 * total / n:.2f} |")
    print(f"| **outside generate and answer-slot forward** | **{1000 * host / n:.2f}** (target < 10) |")
    print(f"| outside generate (answer-slot forward included) | {1000 * (total - t.get('generate', 0.0)) / n:.2f} |")


if __name__ == "__main__":
    main()
