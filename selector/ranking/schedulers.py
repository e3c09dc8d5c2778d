"""Schedulers behind one stateless interface: given what is known, plan the next round or say it is done.

The caller keeps all state (judged and failed pairs, calls spent) and calls `plan_round` again after each
round. A returned pair is unordered and costs 2 calls (both orders). Judged, failed and pending pairs are
never returned, and never more pairs than the remaining budget pays for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from selector.ranking.adaptive import plan_top_k
from selector.ranking.config import CALLS_PER_PAIR, StrategyConfig, all_pairs_calls, budget_calls
from selector.ranking.inputs import ItemPair, Judged, clean_judged, pair_key, pair_keys, sorted_items
from selector.ranking.knockout import bracket_state


@dataclass(frozen=True)
class RoundPlan:
    """`pairs` to judge next; `finished` with a `reason` (complete, settled, budget) when there are none."""

    pairs: list[ItemPair]
    finished: bool
    reason: str = ""


def _round_robin_order(items: Sequence[int], seed: int) -> list[ItemPair]:
    """Every pair once, in circle-method rounds over a seeded shuffle, so a partial budget stays balanced."""
    order: list[int | None] = [items[k] for k in np.random.default_rng([seed, 0x7272]).permutation(len(items))]
    if len(order) % 2:
        order.append(None)  # a bye
    m = len(order)
    pairs: list[ItemPair] = []
    for _ in range(m - 1):
        for t in range(m // 2):
            a, b = order[t], order[m - 1 - t]
            if a is not None and b is not None:
                pairs.append(pair_key(a, b))
        order = [order[0], order[-1], *order[1:-1]]
    return pairs


def _rng(cfg: StrategyConfig, judged: Sequence[Judged], failed: set[ItemPair], calls_used: int):
    # a pure function of the inputs, yet different from round to round
    return np.random.default_rng([cfg.seed, len(judged), len(failed), max(0, calls_used)])


def next_round(
    cfg: StrategyConfig,
    items: Iterable[int],
    judged: Iterable[Judged],
    failed: Iterable[Sequence[int]] = (),
    calls_used: int = 0,
    pending: Iterable[Sequence[int]] = (),
) -> RoundPlan:
    """Like `plan_round`, with the reason when nothing is left to do."""
    ids = sorted_items(items)
    rows = sorted(clean_judged(ids, judged))  # the same plan whatever order the caller's rows come in
    done = pair_keys(rows)
    known = set(ids)
    failed_keys = {k for k in pair_keys(failed) if known.issuperset(k)} - done  # judged after all: judged
    pending_keys = {k for k in pair_keys(pending) if known.issuperset(k)} - done - failed_keys
    excluded = done | failed_keys | pending_keys
    remaining = budget_calls(cfg, len(ids)) - max(0, calls_used) - CALLS_PER_PAIR * len(pending_keys)
    max_pairs = min(cfg.round_size, max(0, remaining) // CALLS_PER_PAIR)
    if len(ids) < 2 or len(excluded) >= all_pairs_calls(len(ids)) // CALLS_PER_PAIR:
        return RoundPlan([], True, "complete")
    if max_pairs == 0:
        return RoundPlan([], True, "budget")
    if cfg.strategy == "round_robin":
        todo = [p for p in _round_robin_order(ids, cfg.seed) if p not in excluded]
        return RoundPlan(todo[:max_pairs], False) if todo else RoundPlan([], True, "complete")
    if cfg.strategy == "knockout":
        outcomes = {pair_key(a, b): (p if a < b else 1.0 - p) for a, b, p in rows}
        state = bracket_state(ids, outcomes, failed_keys, cfg.seed)
        todo = [p for p in state.open_matches if p not in excluded]
        return RoundPlan(todo[:max_pairs], False) if todo else RoundPlan([], True, "complete")
    k = min(cfg.top_k, len(ids) - 1)
    rng = _rng(cfg, rows, failed_keys, calls_used)
    todo, reason = plan_top_k(ids, rows, k, excluded, max_pairs, rng, cfg.ridge, cfg.confidence)
    return RoundPlan(todo, not todo, reason)


def plan_round(
    cfg: StrategyConfig,
    items: Iterable[int],
    judged: Iterable[Judged],
    failed: Iterable[Sequence[int]] = (),
    calls_used: int = 0,
    pending: Iterable[Sequence[int]] = (),
) -> list[ItemPair]:
    """The next unordered pairs to judge in both orders; [] when the plan is finished.

    `judged`: (a, b, p_a) per pair with both orders done; `failed`: pairs given up on (never re-planned,
    never a win); `calls_used`: calls spent so far; `pending`: pairs planned but not yet resolved
    (excluded, and their calls reserved). With `pending`, [] means nothing more until those resolve.
    """
    return next_round(cfg, items, judged, failed, calls_used, pending).pairs


def estimate_calls(cfg: StrategyConfig, n_items: int) -> int:
    """Calls the UI announces before starting: the budget, or what the strategy needs if less."""
    cap = budget_calls(cfg, n_items)
    if cfg.strategy == "knockout":
        return min(cap, CALLS_PER_PAIR * max(0, n_items - 1))
    return cap
