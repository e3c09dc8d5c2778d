"""Weights of the pairwise logistic model: load, save, version, and fit from labelled differences.

The model is p(A wins) = sigmoid(sum_i w_i * (score_i(A) - score_i(B))). It has no intercept, so
swapping the images gives exactly 1 - p: the CPU comparator has no position bias by construction.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from selector.features.measure import FEATURES

DEFAULT_FILE = "default_weights.json"


@dataclass(frozen=True)
class Weights:
    """One weight per feature (missing features weigh 0) and free-form notes on where they came from."""

    values: Mapping[str, float]
    notes: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.values) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown features in weights: {sorted(unknown)}")
        for name, value in self.values.items():
            if not math.isfinite(value):
                raise ValueError(f"weight {name} is not finite")

    def get(self, name: str) -> float:
        return float(self.values.get(name, 0.0))

    def vector(self) -> np.ndarray:
        return np.array([self.get(name) for name in FEATURES])

    @property
    def digest(self) -> str:
        """12 hex digits of the weights alone (notes do not change the model, so not the version)."""
        canonical = json.dumps({k: round(self.get(k), 6) for k in FEATURES}, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]

    def to_json(self) -> str:
        body = {"weights": {k: round(self.get(k), 6) for k in FEATURES}, "notes": dict(self.notes)}
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def from_json(cls, text: str) -> Weights:
        body = json.loads(text)
        return cls(values={k: float(v) for k, v in body["weights"].items()}, notes=body.get("notes", {}))

    @classmethod
    def load(cls, path: str | Path) -> Weights:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    @classmethod
    def default(cls) -> Weights:
        text = resources.files("selector.features").joinpath(DEFAULT_FILE).read_text(encoding="utf-8")
        return cls.from_json(text)


def fit_differences(
    differences: np.ndarray,
    labels: Sequence[int],
    prior: Weights | None = None,
    l2: float = 1.0,
    sample_weights: Sequence[float] | None = None,
) -> Weights:
    """Maximum a-posteriori logistic regression without intercept.

    `differences` is n x len(FEATURES) (score of the first image minus the second's, 0 where unmeasured),
    `labels` 1 where the first image won. The prior is a Gaussian around `prior` (the shipped defaults),
    so a handful of an advertiser's pairs nudges the defaults rather than replacing them; `l2` is its
    strength in units of examples.
    """
    x = np.asarray(differences, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(FEATURES) or x.shape[0] != y.shape[0]:
        raise ValueError(f"differences must be n x {len(FEATURES)} with one label per row")
    if x.shape[0] == 0:
        raise ValueError("no labelled pairs to fit")
    sw = np.ones_like(y) if sample_weights is None else np.asarray(sample_weights, dtype=np.float64)
    centre = (prior or Weights.default()).vector()
    sign = 2.0 * y - 1.0

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        margin = sign * (x @ w)
        nll = float(np.sum(sw * np.logaddexp(0.0, -margin)))
        grad_m = -sw * sign / (1.0 + np.exp(np.clip(margin, -50, 50)))
        delta = w - centre
        return nll + 0.5 * l2 * float(delta @ delta), x.T @ grad_m + l2 * delta

    result = minimize(loss, centre.copy(), jac=True, method="L-BFGS-B")
    fitted = {name: float(v) for name, v in zip(FEATURES, result.x, strict=True)}
    accuracy = float(np.mean((x @ result.x > 0) == (y > 0.5)))
    notes = {"fitted_on": int(x.shape[0]), "l2": l2, "train_accuracy": round(accuracy, 4)}
    return Weights(values=fitted, notes=notes)
