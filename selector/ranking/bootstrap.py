"""Confidence intervals for Bradley-Terry scores (bootstrap over judged pairs, or Laplace) and shared ranks."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from selector.ranking.bradley_terry import DEFAULT_RIDGE, Comparisons, fit_scores, precision

_MAX_FLOATS = 4_000_000  # bounds memory: resamples fitted at once times (judged pairs or n^2 Hessian cells)


def bootstrap_scores(
    c: Comparisons, theta: np.ndarray, n_bootstrap: int, rng: np.random.Generator, ridge: float = DEFAULT_RIDGE
) -> np.ndarray:
    """Refit on `n_bootstrap` resamples (with replacement) of the judged pairs; returns (n_bootstrap, n)."""
    chunk = max(1, _MAX_FLOATS // max(1, c.m, c.n * c.n))
    out = []
    done = 0
    while done < n_bootstrap:
        rows = min(chunk, n_bootstrap - done)
        weights = rng.multinomial(c.m, np.full(c.m, 1.0 / c.m), size=rows).astype(float)
        out.append(fit_scores(c, ridge, weights=weights, start=theta, tol=1e-6))
        done += rows
    return np.concatenate(out, axis=0)


def laplace_intervals(
    c: Comparisons, theta: np.ndarray, level: float, ridge: float = DEFAULT_RIDGE
) -> tuple[np.ndarray, np.ndarray]:
    """Normal-approximation intervals from the posterior curvature (cheap; used without bootstrap)."""
    cov = np.linalg.inv(precision(theta, c, ridge))
    # scores are reported with mean zero: drop the (prior-only) variance of the common shift
    centre = np.eye(c.n) - 1.0 / c.n
    cov = centre @ cov @ centre
    half = norm.ppf(0.5 + level / 2) * np.sqrt(np.clip(np.diag(cov), 0.0, None))
    return theta - half, theta + half


def score_intervals(
    c: Comparisons,
    theta: np.ndarray,
    n_bootstrap: int,
    rng: np.random.Generator,
    level: float = 0.95,
    ridge: float = DEFAULT_RIDGE,
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap percentile intervals (re-centred on the estimate), widened to at least the Laplace ones:
    a resample of a handful of pairs can look falsely certain (one tie resampled is always a tie)."""
    low, high = laplace_intervals(c, theta, level, ridge)
    if n_bootstrap <= 0 or c.m == 0:
        return low, high
    boot = bootstrap_scores(c, theta, n_bootstrap, rng, ridge)
    alpha = (1.0 - level) / 2
    b_low, b_mid, b_high = np.quantile(boot, [alpha, 0.5, 1.0 - alpha], axis=0)
    # re-centre the resampled spread on the estimate: refits on resamples drift outwards (the MLE's
    # small-sample inflation, applied twice), which made plain percentiles under-cover in simulation
    return np.minimum(low, theta + b_low - b_mid), np.maximum(high, theta + b_high - b_mid)


def shared_ranks(scores: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order (best first) and ranks: 1 + the number of items whose interval lies wholly above this one's,
    made non-decreasing along the order, so items whose intervals overlap share a rank."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    above = (low[None, :] > high[:, None]).sum(axis=1)
    ranks = np.maximum.accumulate(1 + above[order])
    return order, ranks
