"""Bradley-Terry maximum a posteriori fit on soft pairwise outcomes (numpy only).

P(i beats j) = sigmoid(theta_i - theta_j). A soft outcome p counts as p wins and 1 - p losses, so a tie
(p = 0.5) is half a win. A Gaussian ridge prior keeps all-win items and disconnected groups finite and
makes the scores sum to zero without an explicit constraint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_RIDGE = 0.2  # prior precision (sd ~2.2 logits): keeps sparse fits sane, small next to ~10 pairs


@dataclass(frozen=True)
class Comparisons:
    """Judged pairs as item indices: `a[k]` beat `b[k]` with soft probability `p[k]`."""

    n: int
    a: np.ndarray
    b: np.ndarray
    p: np.ndarray

    @property
    def m(self) -> int:
        return len(self.a)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _objective(theta: np.ndarray, c: Comparisons, w: np.ndarray, ridge: float) -> np.ndarray:
    d = theta[:, c.a] - theta[:, c.b]
    ll = w * (c.p * d - np.logaddexp(0.0, d))  # = p log s(d) + (1 - p) log s(-d), one transcendental
    return ll.sum(axis=1) - 0.5 * ridge * (theta**2).sum(axis=1)


def _scatter(values: np.ndarray, index: np.ndarray, size: int) -> np.ndarray:
    """Row-wise bincount: out[r, index[k]] += values[r, k]."""
    rows = values.shape[0]
    flat = (np.arange(rows)[:, None] * size + index[None, :]).ravel()
    out = np.bincount(flat, weights=values.ravel(), minlength=rows * size)
    return out.astype(float, copy=False).reshape(rows, size)  # empty input comes back as ints


def _grad_hess(theta: np.ndarray, c: Comparisons, w: np.ndarray, ridge: float) -> tuple[np.ndarray, ...]:
    n = c.n
    s = _sigmoid(theta[:, c.a] - theta[:, c.b])
    r = w * (c.p - s)
    grad = _scatter(r, c.a, n) - _scatter(r, c.b, n) - ridge * theta
    curv = w * s * (1.0 - s)
    diag = _scatter(curv, c.a, n) + _scatter(curv, c.b, n) + ridge
    off = _scatter(curv, c.a * n + c.b, n * n) + _scatter(curv, c.b * n + c.a, n * n)
    hess = -off.reshape(-1, n, n)
    idx = np.arange(n)
    hess[:, idx, idx] += diag
    return grad, hess


def fit_scores(
    c: Comparisons,
    ridge: float = DEFAULT_RIDGE,
    weights: np.ndarray | None = None,
    start: np.ndarray | None = None,
    max_iter: int = 60,
    tol: float = 1e-7,
) -> np.ndarray:
    """MAP scores by damped Newton. `weights` (rows, m) fits one row per weighting (bootstrap); returns
    (rows, n), or (n,) when `weights` is None. Each row gets its own Hessian: a resample's curvature is far
    from the full data's, and a fixed one took ~100 linear steps where Newton takes ~6 (memory rows x n^2)."""
    if ridge <= 0:
        raise ValueError("ridge must be positive")
    single = weights is None
    w = np.ones((1, c.m)) if weights is None else np.asarray(weights, dtype=float)
    theta = np.zeros((w.shape[0], c.n)) if start is None else np.broadcast_to(start, (w.shape[0], c.n)).copy()
    if c.m == 0:
        theta[:] = 0.0  # no evidence: the prior's mode
        return theta[0] if single else theta
    f = _objective(theta, c, w, ridge)
    for _ in range(max_iter):
        grad, hess = _grad_hess(theta, c, w, ridge)
        step = np.linalg.solve(hess, grad[..., None])[..., 0]
        t = np.ones(w.shape[0])
        for _ in range(40):  # halve the step only for rows whose objective did not improve
            cand = theta + t[:, None] * step
            f_new = _objective(cand, c, w, ridge)
            bad = f_new < f - 1e-12 * np.abs(f)
            if not bad.any():
                break
            t = np.where(bad, t * 0.5, t)
        theta, f = cand, f_new
        if np.max(np.abs(t[:, None] * step)) < tol:
            break
    return theta[0] if single else theta


def precision(theta: np.ndarray, c: Comparisons, ridge: float = DEFAULT_RIDGE) -> np.ndarray:
    """Negative Hessian of the log posterior at `theta` (n,): the Laplace approximation's precision."""
    _, hess = _grad_hess(theta[None, :], c, np.ones((1, c.m)), ridge)
    return hess[0]


def posterior_samples(
    theta: np.ndarray, c: Comparisons, rng: np.random.Generator, draws: int, ridge: float = DEFAULT_RIDGE
) -> np.ndarray:
    """Draws (draws, n) from the Laplace approximation N(theta, precision^-1)."""
    chol = np.linalg.cholesky(precision(theta, c, ridge))
    z = rng.standard_normal((c.n, draws))
    # x = L^-T z has covariance (L L^T)^-1
    x = np.linalg.solve(chol.T, z)
    return theta[None, :] + x.T
