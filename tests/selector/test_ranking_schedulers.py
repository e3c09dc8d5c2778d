"""Schedulers: budgets are never exceeded, plans are deterministic and finish, a finished plan adds nothing,
failed pairs are never re-planned nor counted as wins, and each strategy does its job on a simulated judge."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selector.ranking import StrategyConfig, budget_calls, estimate_calls, fit_ranking, next_round, plan_round
from selector.ranking.config import all_pairs_calls, default_top_k_calls
from selector.ranking.inputs import pair_key
from selector.ranking.simulation import BradleyTerryJudge, NoisyJudge, SimulatedRun, judge_pairs, run_plan

STRATEGIES = ("round_robin", "knockout", "top_k")


def ids(n: int, seed: int = 0) -> list[int]:
    """Database-like ids: distinct, unordered, not 0..n-1."""
    return [int(x) for x in np.random.default_rng([seed, 99]).choice(20 * n + 5, size=n, replace=False)]


def ordered_judge(items: list[int], confidence: float = 0.9) -> BradleyTerryJudge:
    """A judge that is always right, and at least this confident about neighbours: items[0] best."""
    logit = math.log(confidence / (1 - confidence))
    return BradleyTerryJudge({item: -logit * k for k, item in enumerate(items)})


def check_run(cfg: StrategyConfig, items: list[int], run: SimulatedRun) -> None:
    """Invariants every strategy keeps, whatever the judge said."""
    budget = budget_calls(cfg, len(items))
    assert run.calls <= budget
    assert run.reason in ("complete", "settled", "budget")
    seen: set[tuple[int, int]] = set()
    for pairs in run.rounds:
        assert 0 < len(pairs) <= cfg.round_size
        keys = [pair_key(*p) for p in pairs]
        assert all(a != b and a in items and b in items for a, b in keys)
        assert len(set(keys)) == len(keys) and not seen & set(keys)  # never a pair twice
        seen |= set(keys)
    assert run.calls == 2 * len(seen)  # every pair costs both orders
    judged_keys = {pair_key(a, b) for a, b, _ in run.judged}
    assert not judged_keys & run.failed
    assert judged_keys | run.failed == seen
    # a finished plan adds nothing when asked again, and says the same
    again = next_round(cfg, items, run.judged, run.failed, run.calls)
    assert again.pairs == [] and again.finished and again.reason == run.reason


@settings(
    max_examples=120, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    strategy=st.sampled_from(STRATEGIES),
    n=st.integers(2, 24),
    budget=st.one_of(st.none(), st.integers(0, 300)),
    top_k=st.integers(1, 5),
    round_size=st.integers(1, 40),
    fail_rate=st.sampled_from([0.0, 0.0, 0.1, 0.5]),
    seed=st.integers(0, 2**31),
)
def test_schedulers_never_exceed_their_budget(
    strategy: str, n: int, budget: int | None, top_k: int, round_size: int, fail_rate: float, seed: int
) -> None:
    cfg = StrategyConfig(strategy=strategy, top_k=top_k, budget_calls=budget, round_size=round_size, seed=seed)  # type: ignore[arg-type]
    items = ids(n, seed)
    judge = NoisyJudge({item: float(k) for k, item in enumerate(items)})
    run = run_plan(cfg, items, judge, np.random.default_rng(seed), fail_rate=fail_rate)
    check_run(cfg, items, run)
    if budget is not None:
        assert run.calls <= budget
    assert estimate_calls(cfg, n) <= budget_calls(cfg, n) <= all_pairs_calls(n)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_many_seeds_sizes_and_budgets_stay_within_budget(strategy: str) -> None:
    """A plain sweep besides the property test: realistic sizes, the default budgets and tight ones."""
    for n in (3, 8, 21, 40):
        for budget in (None, 2 * n, 4 * n + 1):
            for seed in range(3):
                cfg = StrategyConfig(strategy=strategy, top_k=1 + seed, budget_calls=budget, seed=seed)  # type: ignore[arg-type]
                items = ids(n, seed)
                judge = NoisyJudge({item: float(k) for k, item in enumerate(items)})
                check_run(cfg, items, run_plan(cfg, items, judge, np.random.default_rng(seed), fail_rate=0.05))


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_deterministic_under_a_seed(strategy: str) -> None:
    items = ids(30)
    judge = NoisyJudge({item: float(k) for k, item in enumerate(items)})
    cfg = StrategyConfig(strategy=strategy, top_k=2, seed=7)  # type: ignore[arg-type]
    first = run_plan(cfg, items, judge, np.random.default_rng(1), fail_rate=0.05)
    second = run_plan(cfg, list(reversed(items)), judge, np.random.default_rng(1), fail_rate=0.05)
    assert first.rounds == second.rounds and first.judged == second.judged and first.calls == second.calls
    other = run_plan(StrategyConfig(strategy=strategy, top_k=2, seed=8), items, judge, np.random.default_rng(1))  # type: ignore[arg-type]
    assert other.rounds[0] != first.rounds[0]  # the seed shuffles who meets whom first
    # planning is a pure function of what is known: the judged rows' order does not matter either
    judged = first.judged[: len(first.judged) // 2]
    calls = 2 * len(judged)
    plan = plan_round(cfg, items, judged, (), calls)
    assert plan == plan_round(cfg, items, list(reversed(judged)), (), calls)


def test_round_robin_judges_every_pair_in_full_rounds() -> None:
    items = ids(13)
    cfg = StrategyConfig(strategy="round_robin", round_size=16, seed=1)
    run = run_plan(cfg, items, ordered_judge(items), np.random.default_rng(0))
    assert run.reason == "complete" and run.calls == 13 * 12
    assert [len(r) for r in run.rounds[:-1]] == [16] * (len(run.rounds) - 1)  # full GPU batches but the last
    assert fit_ranking(items, run.judged, n_bootstrap=0).items == items


def test_round_robin_partial_budget_stays_balanced() -> None:
    """The circle method: with half the pairs paid for, everyone has played about as often."""
    items = ids(20)
    cfg = StrategyConfig(strategy="round_robin", budget_calls=190, seed=3)
    run = run_plan(cfg, items, ordered_judge(items), np.random.default_rng(0))
    assert run.reason == "budget" and run.calls == 190
    games = {i: 0 for i in items}
    for a, b, _ in run.judged:
        games[a] += 1
        games[b] += 1
    assert max(games.values()) - min(games.values()) <= 2


@pytest.mark.parametrize("n", [2, 5, 8, 17])
def test_knockout_finds_the_best_in_n_minus_1_pairs(n: int) -> None:
    items = ids(n)
    cfg = StrategyConfig(strategy="knockout", round_size=4, seed=n)
    run = run_plan(cfg, items, ordered_judge(items), np.random.default_rng(0))
    assert run.reason == "complete"
    assert run.calls == 2 * (n - 1) == estimate_calls(cfg, n)
    assert fit_ranking(items, run.judged, n_bootstrap=0).leader == items[0]
    rounds_needed = math.ceil(math.log2(n))
    assert len(run.rounds) >= rounds_needed  # a round's matches depend on the round before


def test_knockout_failed_match_eliminates_nobody() -> None:
    """The best's first match fails: the best is not knocked out by a failure, nor its opponent
    handed a win; it goes on and still wins the bracket (a perfect judge otherwise)."""
    items = ids(8)
    best = items[0]
    cfg = StrategyConfig(strategy="knockout", seed=4)
    judge = ordered_judge(items)
    first_round = plan_round(cfg, items, [])
    (match,) = [p for p in first_round if best in p]
    opponent = match[0] if match[1] == best else match[1]
    failed = {pair_key(*match)}
    judged = judge_pairs(judge, np.random.default_rng(0), [p for p in first_round if p != match])
    calls = 2 * len(first_round)
    while pairs := plan_round(cfg, items, judged, failed, calls):
        assert pair_key(*match) not in {pair_key(*p) for p in pairs}  # a failed pair is not re-planned
        judged += judge_pairs(judge, np.random.default_rng(calls), pairs)
        calls += 2 * len(pairs)
    result = fit_ranking(items, judged, n_bootstrap=0)
    assert result.leader == best
    by_item = {e.item: e for e in result.entries}
    # the opponent's record holds no result against the best: its losses come from other pairs only
    assert all(pair_key(a, b) != pair_key(best, opponent) for a, b, _ in judged)
    assert by_item[best].losses == 0 and by_item[best].wins >= 2


def test_failed_pairs_are_unknown_for_every_strategy() -> None:
    """With a fifth of the calls failing: no failed pair is judged, re-planned, or counted in the fit."""
    items = ids(16)
    for strategy in STRATEGIES:
        cfg = StrategyConfig(strategy=strategy, top_k=2, seed=2)  # type: ignore[arg-type]
        run = run_plan(
            cfg, items, NoisyJudge({i: float(k) for k, i in enumerate(items)}), np.random.default_rng(5), 0.2
        )
        assert run.failed, strategy
        check_run(cfg, items, run)
        result = fit_ranking(items, run.judged, n_bootstrap=0)
        assert sum(e.wins + e.losses + e.ties for e in result.entries) == 2 * len(run.judged)


@pytest.mark.parametrize("top_k", [1, 3])
def test_adaptive_top_k_finds_the_top_set_cheaply(top_k: int) -> None:
    """A reliable judge: the true top k is found with far fewer calls than all pairs."""
    for seed in range(5):
        items = ids(32, seed)
        cfg = StrategyConfig(strategy="top_k", top_k=top_k, seed=seed)
        run = run_plan(cfg, items, ordered_judge(items, 0.97), np.random.default_rng(seed))
        check_run(cfg, items, run)
        result = fit_ranking(items, run.judged, n_bootstrap=0)
        assert set(result.top(top_k)) == set(items[:top_k]), (seed, run.reason)
        assert run.calls <= default_top_k_calls(32, top_k) < all_pairs_calls(32) // 3


def test_adaptive_top_1_cost_grows_like_n_log_n() -> None:
    """Calls per n log2 n stay roughly flat from n = 16 to n = 64, where n^2 growth would quadruple them."""
    ratio = {}
    for n in (16, 64):
        calls = []
        for seed in range(4):
            items = ids(n, seed)
            run = run_plan(
                StrategyConfig(top_k=1, seed=seed),
                items,
                NoisyJudge({item: float(-k) for k, item in enumerate(items)}),
                np.random.default_rng(seed),
            )
            calls.append(run.calls)
        ratio[n] = np.mean(calls) / (n * math.log2(n))
    assert ratio[64] < 1.5 * ratio[16], ratio


def test_pending_pairs_are_excluded_and_their_calls_reserved() -> None:
    items = ids(10)
    cfg = StrategyConfig(strategy="round_robin", budget_calls=20, round_size=50)
    pending = plan_round(cfg, items, [])[:6]
    rest = plan_round(cfg, items, [], (), 0, pending)
    assert len(rest) == 4  # 20 calls: 6 pairs pending, 4 more pairs fit
    assert not {pair_key(*p) for p in rest} & {pair_key(*p) for p in pending}


def test_tiny_and_degenerate_inputs() -> None:
    cfg = StrategyConfig(strategy="top_k")
    assert next_round(cfg, [], []).finished
    assert next_round(cfg, [5], []).reason == "complete"
    assert next_round(cfg, [5, 5, 5], []).pairs == []  # one distinct creative
    assert plan_round(cfg, [1, 2], []) == [(1, 2)]
    assert plan_round(cfg, [1, 2], [(2, 1, 0.5)], (), 2) == []  # a tie between two: nothing left to ask
    assert next_round(StrategyConfig(budget_calls=1), [1, 2, 3], []).reason == "budget"  # one call buys no pair
    assert plan_round(StrategyConfig(strategy="round_robin"), [1, 2, 3], [], [(1, 2), (1, 3), (2, 3)], 6) == []


def test_all_ties_still_finish_within_budget() -> None:
    items = ids(12)
    tie_judge = BradleyTerryJudge(dict.fromkeys(items, 0.0))  # p_first = 0.5 for every call
    for strategy in STRATEGIES:
        cfg = StrategyConfig(strategy=strategy, top_k=2)  # type: ignore[arg-type]
        run = run_plan(cfg, items, tie_judge, np.random.default_rng(0))
        check_run(cfg, items, run)
        assert {e.rank for e in fit_ranking(items, run.judged, n_bootstrap=50).entries} == {1}


def test_config_validation() -> None:
    for bad in (
        {"strategy": "swiss"},
        {"top_k": 0},
        {"budget_calls": -1},
        {"round_size": 0},
        {"confidence": 1.0},
        {"seed": -1},
    ):
        with pytest.raises(ValueError):
            StrategyConfig(**bad)  # type: ignore[arg-type]
    assert budget_calls(StrategyConfig(strategy="round_robin", budget_calls=10**9), 20) == 380
    assert budget_calls(StrategyConfig(strategy="top_k", top_k=1), 20) <= 380 // 4
