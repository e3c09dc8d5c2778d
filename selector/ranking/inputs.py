"""Normalising what the caller keeps (item ids, judged and failed pairs) into arrays and pair keys."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from selector.ranking.bradley_terry import Comparisons

ItemPair = tuple[int, int]
Judged = tuple[int, int, float]  # (a, b, p that a beat b), both orders already combined

TIE_TOLERANCE = 1e-9  # combine_orders reports a tie as exactly 0.5


def pair_key(a: int, b: int) -> ItemPair:
    return (a, b) if a < b else (b, a)


def sorted_items(items: Iterable[int]) -> list[int]:
    """Unique ids in ascending order, so results do not depend on the order a database returns them in."""
    return sorted({int(i) for i in items})


def clean_judged(items: Sequence[int], judged: Iterable[Judged]) -> list[Judged]:
    """Judged pairs between known, distinct items with a finite p (clipped to [0, 1]); others dropped."""
    known = set(items)
    out = []
    for a, b, p in judged:
        a, b, p = int(a), int(b), float(p)
        if a == b or a not in known or b not in known or not math.isfinite(p):
            continue
        out.append((a, b, min(1.0, max(0.0, p))))
    return out


def to_comparisons(items: Sequence[int], judged: Iterable[Judged]) -> Comparisons:
    """Index arrays over `items` (as given) for the Bradley-Terry fit."""
    index = {item: k for k, item in enumerate(items)}
    rows = clean_judged(items, judged)
    a = np.array([index[r[0]] for r in rows], dtype=np.int64)
    b = np.array([index[r[1]] for r in rows], dtype=np.int64)
    p = np.array([r[2] for r in rows], dtype=float)
    return Comparisons(n=len(items), a=a, b=b, p=p)


def pair_keys(pairs: Iterable[Sequence[float]]) -> set[ItemPair]:
    """Unordered keys of (a, b, ...) rows; works for judged triples and for plain pairs."""
    return {pair_key(int(r[0]), int(r[1])) for r in pairs}


def outcome_sign(p: float) -> int:
    """+1 a win for the first item, -1 a loss, 0 a tie."""
    if p > 0.5 + TIE_TOLERANCE:
        return 1
    if p < 0.5 - TIE_TOLERANCE:
        return -1
    return 0
