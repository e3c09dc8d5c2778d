"""fit_ranking: judged pairs -> Bradley-Terry scores, intervals, shared ranks, counts and a win matrix."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from selector.ranking.bootstrap import score_intervals, shared_ranks
from selector.ranking.bradley_terry import DEFAULT_RIDGE, fit_scores
from selector.ranking.inputs import Judged, clean_judged, outcome_sign, sorted_items, to_comparisons


@dataclass(frozen=True)
class RankedEntry:
    """One creative's place: score in logits (mean zero), its interval, shared rank and raw counts."""

    item: int
    score: float
    ci_low: float
    ci_high: float
    rank: int
    wins: int
    losses: int
    ties: int


@dataclass(frozen=True)
class RankingResult:
    """`entries` best first. `win_matrix[i][j]` is the observed probability that entries[i] beat
    entries[j] (None where that pair was not judged); `expected_matrix` is the fitted one."""

    entries: list[RankedEntry]
    win_matrix: list[list[float | None]]
    expected_matrix: list[list[float]] = field(default_factory=list)
    level: float = 0.95
    n_judged: int = 0

    @property
    def leader(self) -> int | None:
        return self.entries[0].item if self.entries else None

    @property
    def items(self) -> list[int]:
        return [e.item for e in self.entries]

    def top(self, k: int) -> list[int]:
        return self.items[:k]


def _counts(items: Sequence[int], rows: Sequence[Judged]) -> dict[int, list[int]]:
    counts = {i: [0, 0, 0] for i in items}  # wins, losses, ties
    for a, b, p in rows:
        sign = outcome_sign(p)
        if sign == 0:
            counts[a][2] += 1
            counts[b][2] += 1
        else:
            counts[a][0 if sign > 0 else 1] += 1
            counts[b][1 if sign > 0 else 0] += 1
    return counts


def _win_matrix(order: Sequence[int], rows: Sequence[Judged]) -> list[list[float | None]]:
    pos = {item: k for k, item in enumerate(order)}
    sums = np.zeros((len(order), len(order)))
    seen = np.zeros((len(order), len(order)))
    for a, b, p in rows:  # a pair judged twice (should not happen) shows its mean
        i, j = pos[a], pos[b]
        sums[i, j] += p
        sums[j, i] += 1.0 - p
        seen[i, j] += 1
        seen[j, i] += 1
    return [
        [float(sums[i, j] / seen[i, j]) if seen[i, j] else None for j in range(len(order))] for i in range(len(order))
    ]


def fit_ranking(
    items: Iterable[int],
    judged: Iterable[Judged],
    n_bootstrap: int = 200,
    seed: int = 0,
    level: float = 0.95,
    ridge: float = DEFAULT_RIDGE,
) -> RankingResult:
    """Rank `items` from judged pairs (a, b, p_a). Failed pairs are simply absent: unknown, never a win.
    `n_bootstrap=0` gives Laplace (normal) intervals instead of bootstrap ones."""
    ids = sorted_items(items)
    rows = sorted(clean_judged(ids, judged))  # resamples must not depend on the order rows arrive in
    if not ids:
        return RankingResult(entries=[], win_matrix=[], level=level)
    comp = to_comparisons(ids, rows)
    theta = fit_scores(comp, ridge)
    rng = np.random.default_rng(seed)
    low, high = score_intervals(comp, theta, n_bootstrap, rng, level, ridge)
    order, ranks = shared_ranks(theta, low, high)
    counts = _counts(ids, rows)
    entries = [
        RankedEntry(
            item=ids[k],
            score=float(theta[k]),
            ci_low=float(low[k]),
            ci_high=float(high[k]),
            rank=int(rank),
            wins=counts[ids[k]][0],
            losses=counts[ids[k]][1],
            ties=counts[ids[k]][2],
        )
        for k, rank in zip(order, ranks, strict=True)
    ]
    ordered = [ids[k] for k in order]
    ts = theta[order]
    expected = 1.0 / (1.0 + np.exp(-(ts[:, None] - ts[None, :])))
    return RankingResult(
        entries=entries,
        win_matrix=_win_matrix(ordered, rows),
        expected_matrix=expected.tolist(),
        level=level,
        n_judged=len(rows),
    )
