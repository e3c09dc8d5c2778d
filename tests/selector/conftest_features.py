"""Helpers shared by the features-comparator tests (imported, not a pytest conftest)."""

from __future__ import annotations

import hashlib
import io

from PIL import Image

from selector.features.synthetic import VARIANTS, Spec, render, variant
from selector.types import Creative, Pair

SIDE = 320  # small synthetic photos keep the tests fast; the benchmark uses 1024 px


def creative(image: Image.Image) -> Creative:
    """A creative keyed like the app keys uploads: sha256 of the encoded bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return Creative(image=image, key=hashlib.sha256(buffer.getvalue()).hexdigest())


def sanity_set(seeds: range, kinds: tuple[str, ...] = VARIANTS, side: int = SIDE) -> list[tuple[str, Pair]]:
    """(variant kind, pair with the original first) for every seed and kind."""
    out = []
    for seed in seeds:
        spec = Spec(seed=seed, side=side)
        original = creative(render(spec))
        for kind in kinds:
            out.append((kind, Pair(first=original, second=creative(variant(spec, kind)), brief=spec.brief)))
    return out


def accuracy(comparator, labelled: list[tuple[str, Pair]]) -> tuple[float, list[str]]:
    """Share of decisions (both orders of each pair) that prefer the original, and the failures."""
    pairs = [p for _, p in labelled] + [p.swapped() for _, p in labelled]
    verdicts = comparator.compare(pairs)
    n = len(labelled)
    failures = []
    correct = 0
    for i, (kind, _) in enumerate(labelled):
        forward, backward = verdicts[i], verdicts[n + i]
        for name, ok, v in (
            ("forward", forward.p_first > 0.5, forward),
            ("backward", backward.p_first < 0.5, backward),
        ):
            correct += ok
            if not ok:
                failures.append(f"{kind} {name} p_first={v.p_first:.2f}: {v.reasoning!r}")
    return correct / (2 * n), failures
