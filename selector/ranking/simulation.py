"""A simulated comparator with a hidden true order, and the plan -> judge -> plan loop a worker runs.

For benchmarks (bench/ranking.py) and tests: no model, no database. Both orders of every planned pair are
judged and combined with the real `selector.types.combine_orders`, so position bias is handled exactly as
in production.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from selector.ranking.config import CALLS_PER_PAIR, StrategyConfig
from selector.ranking.inputs import ItemPair, Judged, pair_key
from selector.ranking.schedulers import next_round
from selector.types import combine_orders

# (rng, first-shown ids, second-shown ids) -> p_first per call
JudgeFn = Callable[[np.random.Generator, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class NoisyJudge:
    """Right with probability `accuracy + bias` when the truly better image is shown first and
    `accuracy - bias` when it is second (so it favours the first-shown image), whatever the gap between
    the two; its p_first is a random confidence in [0.55, 0.95] on the side it chose."""

    strength: Mapping[int, float]
    accuracy: float = 0.75
    bias: float = 0.15

    def __call__(self, rng: np.random.Generator, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        better_first = np.array(
            [self.strength[int(a)] > self.strength[int(b)] for a, b in zip(first, second, strict=True)]
        )
        right = rng.random(len(first)) < np.where(better_first, self.accuracy + self.bias, self.accuracy - self.bias)
        says_first = right == better_first
        confidence = rng.uniform(0.55, 0.95, size=len(first))
        return np.where(says_first, confidence, 1.0 - confidence)


@dataclass(frozen=True)
class BradleyTerryJudge:
    """p_first = sigmoid(strength[first] - strength[second] + bias): a Bradley-Terry judge with a
    position bias in logits. `sample=True` answers 0 or 1 by that probability instead (hard verdicts)."""

    strength: Mapping[int, float]
    bias: float = 0.0
    sample: bool = False

    def __call__(self, rng: np.random.Generator, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        diff = np.array([self.strength[int(a)] - self.strength[int(b)] for a, b in zip(first, second, strict=True)])
        p = 1.0 / (1.0 + np.exp(-(diff + self.bias)))
        return (rng.random(len(p)) < p).astype(float) if self.sample else p


def judge_pairs(judge: JudgeFn, rng: np.random.Generator, pairs: Sequence[ItemPair]) -> list[Judged]:
    """Both orders of each pair, combined: (a, b, p that a beat b)."""
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    forward, backward = judge(rng, a, b), judge(rng, b, a)
    return [
        (int(x), int(y), combine_orders(float(f), float(r)).p)
        for x, y, f, r in zip(a, b, forward, backward, strict=True)
    ]


@dataclass
class SimulatedRun:
    """What a batch went through: every round's pairs, the judged and failed pairs, calls and why it ended."""

    judged: list[Judged] = field(default_factory=list)
    failed: set[ItemPair] = field(default_factory=set)
    rounds: list[list[ItemPair]] = field(default_factory=list)
    calls: int = 0
    reason: str = ""


def run_plan(
    cfg: StrategyConfig,
    items: Sequence[int],
    judge: JudgeFn,
    rng: np.random.Generator,
    fail_rate: float = 0.0,
    max_rounds: int = 100_000,
) -> SimulatedRun:
    """Plan, judge both orders, repeat until the plan says it is finished. Each call fails for good with
    `fail_rate` (after a worker's retries): its pair is then failed, and both of its calls still count."""
    run = SimulatedRun()
    for _ in range(max_rounds):
        plan = next_round(cfg, items, run.judged, run.failed, run.calls)
        if plan.finished:
            run.reason = plan.reason
            return run
        run.rounds.append(list(plan.pairs))
        lost = rng.random((len(plan.pairs), CALLS_PER_PAIR)) < fail_rate
        ok = [p for p, bad in zip(plan.pairs, lost.any(axis=1), strict=True) if not bad]
        run.failed.update(pair_key(*p) for p, bad in zip(plan.pairs, lost.any(axis=1), strict=True) if bad)
        if ok:
            run.judged.extend(judge_pairs(judge, rng, ok))
        run.calls += CALLS_PER_PAIR * len(plan.pairs)
    raise RuntimeError(f"plan did not finish within {max_rounds} rounds")
