"""Pair scheduling and Bradley-Terry ranking: plain numpy/scipy, no torch, no database.

    cfg = StrategyConfig(strategy="top_k", top_k=1, budget_calls=None, round_size=16, seed=0)
    pairs = plan_round(cfg, items, judged, failed, calls_used)  # [] once finished
    result = fit_ranking(items, judged, n_bootstrap=200, seed=0)
    estimate_calls(cfg, len(items))

`judged` holds one (a, b, p_a) per unordered pair whose both orders are done, with p_a from
`selector.types.combine_orders`; failed pairs are left out of it (unknown, never a win).
"""

from selector.ranking.aggregate import RankedEntry, RankingResult, fit_ranking
from selector.ranking.config import StrategyConfig, budget_calls, default_top_k_calls
from selector.ranking.schedulers import RoundPlan, estimate_calls, next_round, plan_round

__all__ = [
    "RankedEntry",
    "RankingResult",
    "RoundPlan",
    "StrategyConfig",
    "budget_calls",
    "default_top_k_calls",
    "estimate_calls",
    "fit_ranking",
    "next_round",
    "plan_round",
]
