"""Schedulers against round-robin on a simulated comparator with a hidden true order.

The simulated judge (`selector.ranking.simulation.NoisyJudge`) answers each call correctly with probability
`accuracy` on average, more often when the better image is shown first (`bias`), so it favours the
first-shown image; its p_first is a random confidence in [0.55, 0.95] on the side it chose. Both orders are
combined with the real `selector.types.combine_orders`, and planning and fitting go through the public
`selector.ranking` API (`run_plan` is the loop a worker runs).

    .venv/bin/python bench/ranking.py                    # n = 8, 20, 50, 100; 500 seeds; 2 processes
    .venv/bin/python bench/ranking.py --sizes 20 --seeds 1000
"""

from __future__ import annotations

import argparse
import math
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from selector.ranking import StrategyConfig, estimate_calls, fit_ranking
from selector.ranking.simulation import NoisyJudge, run_plan

SCHEDULERS: dict[str, dict] = {
    "round-robin": {"strategy": "round_robin"},
    "knockout": {"strategy": "knockout"},
    "adaptive top-1": {"strategy": "top_k", "top_k": 1},
    "adaptive top-3": {"strategy": "top_k", "top_k": 3},
}


def simulate(name: str, n: int, seed: int, accuracy: float, bias: float) -> tuple[int, bool, bool]:
    """One batch: returns calls used, whether the true best leads, whether the true top 3 is the top 3."""
    rng = np.random.default_rng([seed, n, 7])
    items = [int(x) for x in rng.choice(10 * n, size=n, replace=False)]
    strength = {item: float(-rank) for rank, item in enumerate(rng.permutation(items).tolist())}
    options = dict(SCHEDULERS[name])
    if options["strategy"] == "round_robin":
        options["round_size"] = n * (n - 1) // 2  # the same pairs in fewer, larger rounds: faster to simulate
    cfg = StrategyConfig(seed=seed, **options)
    run = run_plan(cfg, items, NoisyJudge(strength, accuracy, bias), rng)
    result = fit_ranking(items, run.judged, n_bootstrap=0)
    truth = sorted(items, key=lambda i: -strength[i])
    return run.calls, result.leader == truth[0], set(result.top(3)) == set(truth[:3])


def _task(args: tuple) -> tuple[str, int, tuple[int, bool, bool]]:
    name, n, seed, accuracy, bias = args
    return name, n, simulate(name, n, seed, accuracy, bias)


def targets(results: dict[tuple[str, int], list[tuple[int, bool, bool]]], sizes: list[int], names: list[str]) -> None:
    """The issue's targets: adaptive top-1 against round-robin at n = 20, and how cost grows with n."""
    print()
    if 20 in sizes and {"round-robin", "adaptive top-1"} <= set(names):
        rr = np.array(results[("round-robin", 20)], dtype=float)
        ad = np.array(results[("adaptive top-1", 20)], dtype=float)
        diff = ad[:, 1].mean() - rr[:, 1].mean()
        se = math.sqrt(ad[:, 1].var() / len(ad) + rr[:, 1].var() / len(rr))
        share = ad[:, 0].mean() / rr[:, 0].mean()
        verdict = "met" if diff >= -1.96 * se and share <= 0.25 else "NOT met"
        print(
            f"target n = 20: adaptive top-1 finds the best {diff:+.1%} vs round-robin (1.96 SE of the difference: "
            f"{1.96 * se:.1%}) with {share:.0%} of its calls -> {verdict}"
        )
    if len(sizes) >= 2:
        logs = np.log(sizes)
        nlogn = np.polyfit(logs, np.log([n * math.log2(n) for n in sizes]), 1)[0]
        for name in names:
            calls = [np.mean([r[0] for r in results[(name, n)]]) for n in sizes]
            slope = np.polyfit(logs, np.log(calls), 1)[0]
            print(
                f"{name}: calls grow as n^{slope:.2f} over n = {sizes[0]}..{sizes[-1]} "
                f"(n log n grows as n^{nlogn:.2f} there, n^2 as n^2)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 20, 50, 100])
    parser.add_argument("--seeds", type=int, default=500)
    parser.add_argument("--accuracy", type=float, default=0.75)
    parser.add_argument("--bias", type=float, default=0.15, help="accuracy +bias when the better is first")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--schedulers", nargs="+", default=list(SCHEDULERS))
    args = parser.parse_args()
    start = time.perf_counter()
    jobs = [
        (name, n, seed, args.accuracy, args.bias)
        for n in args.sizes
        for name in args.schedulers
        for seed in range(args.seeds)
    ]
    results: dict[tuple[str, int], list[tuple[int, bool, bool]]] = {}
    with ProcessPoolExecutor(args.workers) as pool:
        for name, n, out in pool.map(_task, jobs, chunksize=16):
            results.setdefault((name, n), []).append(out)
    print(
        f"{args.seeds} seeds per row; judge right {args.accuracy:.0%} of calls "
        f"({args.accuracy + args.bias:.0%} / {args.accuracy - args.bias:.0%} with the better image first / "
        f"second); found = the fitted leader (top 3) is the true best (top 3); +- is 1.96 standard errors.\n"
    )
    print("| n | scheduler | calls (mean) | vs round-robin | calls / (n log2 n) | best found | top 3 found |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        full = n * (n - 1)
        for name in args.schedulers:
            rows = np.array(results[(name, n)], dtype=float)
            calls = rows[:, 0].mean()
            se = 1.96 * np.sqrt(rows[:, 1:].mean(axis=0) * (1 - rows[:, 1:].mean(axis=0)) / len(rows))
            best, top3 = rows[:, 1].mean(), rows[:, 2].mean()
            print(
                f"| {n} | {name} | {calls:.0f} | {calls / full:.0%} | {calls / (n * math.log2(n)):.2f} "
                f"| {best:.1%} ± {se[0]:.1%} | {top3:.1%} ± {se[1]:.1%} |"
            )
    targets(results, args.sizes, args.schedulers)
    cfgs = ", ".join(f"{name}: {estimate_calls(StrategyConfig(**SCHEDULERS[name]), 20)}" for name in args.schedulers)
    print(f"\nestimate_calls for n = 20 -> {cfgs}; took {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
