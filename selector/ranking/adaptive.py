"""Adaptive top-k: spend pairs where the top-k boundary is still uncertain, stop once it is settled.

Each round fits Bradley-Terry, draws scores from its Laplace posterior, and values an unjudged pair by
the probability that exactly one of its two items is in the top k (their comparison then moves the
boundary). Pairs are taken greedily by that value, each item at most `per_item` times a round, so the
leaders meet each other (Swiss-style) and items with little evidence still get played.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from selector.ranking.bradley_terry import fit_scores, posterior_samples
from selector.ranking.inputs import ItemPair, Judged, outcome_sign, to_comparisons

DRAWS = 256
RELATIVE_VALUE = 0.5  # and a pair worth under half the round's best one waits for a later round
MIN_VALUE = 0.02  # a pair whose items are this sure to sit on the same side of the boundary is not worth 2 calls


@dataclass(frozen=True)
class TopKState:
    """The posterior's view: P(in top k) per item and P(the current top-k set is the true one)."""

    in_top: np.ndarray
    set_probability: float
    pair_value: np.ndarray  # (n, n): P(exactly one of i, j is in the top k)


def top_k_state(
    items: Sequence[int], judged: Sequence[Judged], k: int, rng: np.random.Generator, ridge: float
) -> TopKState:
    comp = to_comparisons(items, judged)
    theta = fit_scores(comp, ridge)
    draws = posterior_samples(theta, comp, rng, DRAWS, ridge)
    kth = -np.partition(-draws, k - 1, axis=1)[:, k - 1 : k]
    top = (draws >= kth).astype(float)
    best = np.argsort(-theta, kind="stable")[:k]
    set_probability = float(np.mean(top[:, best].sum(axis=1) == k))
    value = (top.T @ (1.0 - top) + (1.0 - top).T @ top) / DRAWS
    return TopKState(in_top=top.mean(axis=0), set_probability=set_probability, pair_value=value)


def choose_pairs(
    items: Sequence[int],
    state: TopKState,
    excluded: set[ItemPair],
    max_pairs: int,
    per_item: int,
    rng: np.random.Generator,
    among: np.ndarray | None = None,
) -> list[ItemPair]:
    """Greedy by pair value (random order among equals), skipping `excluded` and worthless pairs."""
    n = len(items)
    i, j = np.triu_indices(n, k=1)
    value = state.pair_value[i, j] + rng.uniform(0.0, 1e-9, size=len(i))
    rel = RELATIVE_VALUE if among is None else 0.0
    if among is not None:
        value = np.where(among[i] & among[j], value, 0.0)
    keep = value >= max(MIN_VALUE, rel * value.max(initial=0.0))
    i, j, value = i[keep], j[keep], value[keep]
    used = np.zeros(n, dtype=int)
    chosen: list[ItemPair] = []
    for t in np.argsort(-value, kind="stable"):
        a, b = int(i[t]), int(j[t])
        if used[a] >= per_item or used[b] >= per_item or (items[a], items[b]) in excluded:
            continue
        chosen.append((items[a], items[b]))
        used[a] += 1
        used[b] += 1
        if len(chosen) >= max_pairs:
            break
    return chosen


def decisive_losses(items: Sequence[int], judged: Sequence[Judged]) -> np.ndarray:
    """Per item, the pairs it lost in both orders (a tie, the orders disagreeing, is no loss)."""
    index = {item: k for k, item in enumerate(items)}
    losses = np.zeros(len(items), dtype=int)
    for a, b, p in judged:
        sign = outcome_sign(p)
        if sign:
            losses[index[b] if sign > 0 else index[a]] += 1
    return losses


def plan_top_k(
    items: Sequence[int],
    judged: Sequence[Judged],
    k: int,
    excluded: set[ItemPair],
    max_pairs: int,
    rng: np.random.Generator,
    ridge: float,
    confidence: float,
) -> tuple[list[ItemPair], str]:
    """Pairs for the next round, or [] and why not. First the contenders (fewer than k clear losses: a
    top-k item can lose in both orders only to the other k - 1, or by a judge's rare double error) play
    each other, one game each a round, so a tie sends both on to new opponents. Once they are down to k,
    or cannot meet any more, the Bradley-Terry posterior picks pairs across the boundary until the top-k
    set is settled (its posterior probability reaches `confidence`) or the budget is spent: one unbeaten
    item is not yet a settled best, since a double error can knock the true best out early."""
    state = top_k_state(items, judged, k, rng, ridge)
    contenders = decisive_losses(items, judged) < k
    if contenders.sum() > k:
        pairs = choose_pairs(items, state, excluded, max_pairs, 1, rng, among=contenders)
        if pairs:
            return pairs, ""
    if state.set_probability >= confidence:
        return [], "settled"
    per_item = max(1, math.ceil(2 * max_pairs / len(items)))  # fuller batches once play is spread out
    pairs = choose_pairs(items, state, excluded, max_pairs, per_item, rng)
    return pairs, "" if pairs else "settled"
