"""Read an export back: `load_split(export_dir, "grpo", "train")` -> a `datasets.Dataset` in TRL's format."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def format_dir(dataset: str | Path, kind: str) -> Path:
    """The export's folder for one format; `dataset` may be the export itself or that folder."""
    root = Path(dataset)
    if (root / kind / "dataset_dict.json").exists():
        return root / kind
    if (root / "dataset_dict.json").exists():
        return root
    raise FileNotFoundError(f"{root} holds no {kind!r} dataset (expected {root / kind}/dataset_dict.json)")


def load_split(
    dataset: str | Path, kind: str, split: str = "train", max_samples: int = 0, seed: int | None = None
) -> Any:
    """One split of one format; with `seed`, whole pairs shuffled (see `pair_order`)."""
    from datasets import load_from_disk

    data = load_from_disk(str(format_dir(dataset, kind)))
    if split not in data:
        raise ValueError(f"{dataset}: no {split!r} split in the {kind} dataset (has {', '.join(data)})")
    part = data[split]
    if len(part) == 0:
        raise ValueError(f"{dataset}: the {kind} {split!r} split is empty; export more labelled pairs")
    part = part.select(range(min(max_samples, len(part)))) if max_samples else part
    return part.select(pair_order(part["pair_id"], seed)) if seed is not None else part


def pair_order(pair_ids: Sequence[str], seed: int) -> list[int]:
    """Row indices with whole pairs shuffled (seeded) and each pair's rows kept together, so GRPO sees products
    mixed while both orders of a pair still share a generation batch (the order-agreement reward needs that).

    >>> pair_order(["p", "p", "q", "q", "r"], seed=1)
    [2, 3, 4, 0, 1]
    """
    groups: dict[str, list[int]] = {}
    for index, pair_id in enumerate(pair_ids):
        groups.setdefault(pair_id, []).append(index)
    keys = list(groups)
    random.Random(seed).shuffle(keys)
    return [i for key in keys for i in groups[key]]
