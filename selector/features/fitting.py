"""Re-fit the pairwise weights from labelled pairs (marketer feedback, CTR winners).

Rows of a labelled jsonl file: {"image_a": path, "image_b": path, "title": str, "queries": [str],
"label": "A" | "B"} with optional "language" ("en" | "zh") and "weight" (e.g. impressions-based).
Relative image paths are read relative to the jsonl file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from selector.features.comparator import FeaturesComparator
from selector.features.measure import FEATURES, feature_scores
from selector.features.weights import Weights, fit_differences
from selector.types import Answer, Brief, Creative, Pair


@dataclass(frozen=True)
class LabelledPair:
    pair: Pair
    label: Answer  # which of pair.first ("A") and pair.second ("B") won
    weight: float = 1.0


def differences(comparator: FeaturesComparator, pair: Pair) -> np.ndarray:
    """Score of A minus score of B per feature, 0 where either side could not be measured."""
    a, b = comparator.measure(pair.first), comparator.measure(pair.second)
    sa, _ = feature_scores(a, pair.brief)
    sb, _ = feature_scores(b, pair.brief)
    out = np.zeros(len(FEATURES))
    for i, name in enumerate(FEATURES):
        va, vb = sa.get(name), sb.get(name)
        if va is not None and vb is not None:
            out[i] = va - vb
    return out


def fit_weights(
    examples: Iterable[LabelledPair],
    *,
    comparator: FeaturesComparator | None = None,
    prior: Weights | None = None,
    l2: float = 1.0,
) -> Weights:
    """Weights fitted to `examples`, shrunk towards `prior` (default: the shipped weights).

    Each pair also enters swapped with the opposite label, so the fit stays free of position effects.
    """
    comparator = comparator or FeaturesComparator()
    rows, labels, sample_weights = [], [], []
    for example in examples:
        if example.label not in ("A", "B"):
            raise ValueError(f"label must be 'A' or 'B', not {example.label!r}")
        diff = differences(comparator, example.pair)
        first_won = 1 if example.label == "A" else 0
        rows += [diff, -diff]
        labels += [first_won, 1 - first_won]
        sample_weights += [example.weight / 2.0] * 2
    fitted = fit_differences(np.array(rows).reshape(-1, len(FEATURES)), labels, prior, l2, sample_weights)
    notes = dict(fitted.notes)
    notes.update(pairs=len(rows) // 2, ocr=comparator.ocr, prior=(prior or Weights.default()).digest)
    return Weights(values=fitted.values, notes=notes)


def _creative(path: Path) -> Creative:
    data = path.read_bytes()
    with Image.open(path) as img:
        img.load()
        return Creative(image=img.copy(), key=hashlib.sha256(data).hexdigest())


def load_labelled(path: str | Path) -> list[LabelledPair]:
    """Read a labelled jsonl file (see the module docstring); blank lines are skipped."""
    path = Path(path)
    out: list[LabelledPair] = []
    creatives: dict[Path, Creative] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            images = [path.parent / row["image_a"], path.parent / row["image_b"]]
            for image in images:
                if image not in creatives:
                    creatives[image] = _creative(image)
            queries = row.get("queries") or []
            brief = Brief(
                product_title=str(row.get("title", "")),
                queries=tuple(str(q) for q in ([queries] if isinstance(queries, str) else queries)),
                language="zh" if row.get("language") == "zh" else "en",
            )
            label = str(row["label"]).strip().upper()
            if label not in ("A", "B"):
                raise ValueError(f"label must be A or B, not {row['label']!r}")
            pair = Pair(first=creatives[images[0]], second=creatives[images[1]], brief=brief)
            out.append(LabelledPair(pair=pair, label=label, weight=float(row.get("weight", 1.0))))  # type: ignore[arg-type]
        except (KeyError, ValueError, OSError) as exc:
            raise ValueError(f"{path}:{number}: {exc}") from exc
    return out
