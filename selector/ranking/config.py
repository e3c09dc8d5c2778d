"""Strategy settings and call budgets (a planned unordered pair costs 2 calls: both orders)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from selector.ranking.bradley_terry import DEFAULT_RIDGE

Strategy = Literal["round_robin", "knockout", "top_k"]
STRATEGIES: tuple[str, ...] = ("round_robin", "knockout", "top_k")
CALLS_PER_PAIR = 2


@dataclass(frozen=True)
class StrategyConfig:
    """How to spend model calls on one batch. `budget_calls=None` means the strategy's default
    (all pairs for round-robin and knockout, `default_top_k_calls` for top_k)."""

    strategy: Strategy = "top_k"
    top_k: int = 1
    budget_calls: int | None = None
    round_size: int = 16  # pairs per round (2 calls each): a GPU worker's batch
    seed: int = 0
    confidence: float = 0.9  # top_k stops when its top-k set has at least this posterior probability
    ridge: float = DEFAULT_RIDGE

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}; expected one of {STRATEGIES}")
        if self.top_k < 1:
            raise ValueError("top_k must be at least 1")
        if self.budget_calls is not None and self.budget_calls < 0:
            raise ValueError("budget_calls must be >= 0")
        if self.round_size < 1:
            raise ValueError("round_size must be at least 1")
        if self.seed < 0:
            raise ValueError("seed must be >= 0")
        if not 0.5 <= self.confidence < 1.0:
            raise ValueError("confidence must be in [0.5, 1)")


def all_pairs_calls(n_items: int) -> int:
    return CALLS_PER_PAIR * n_items * (n_items - 1) // 2


def default_top_k_calls(n_items: int, top_k: int) -> int:
    """About n log2 n calls, plus room for each extra place in the top-k; never more than all pairs."""
    if n_items < 2:
        return 0
    pairs = math.ceil(0.5 * n_items * math.log2(n_items) + 0.25 * (min(top_k, n_items) - 1) * n_items)
    return min(all_pairs_calls(n_items), CALLS_PER_PAIR * pairs)


def budget_calls(cfg: StrategyConfig, n_items: int) -> int:
    """The most calls this plan may spend on `n_items`."""
    cap = all_pairs_calls(n_items)
    if cfg.budget_calls is not None:
        return min(cfg.budget_calls, cap)
    if cfg.strategy == "top_k":
        return default_top_k_calls(n_items, cfg.top_k)
    return cap
