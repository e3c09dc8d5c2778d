"""Read an export back: `load_split(export_dir, "grpo", "train")` -> a `datasets.Dataset` in TRL's format."""

from __future__ import annotations

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


def load_split(dataset: str | Path, kind: str, split: str = "train", max_samples: int = 0) -> Any:
    from datasets import load_from_disk

    data = load_from_disk(str(format_dir(dataset, kind)))
    if split not in data:
        raise ValueError(f"{dataset}: no {split!r} split in the {kind} dataset (has {', '.join(data)})")
    part = data[split]
    if len(part) == 0:
        raise ValueError(f"{dataset}: the {kind} {split!r} split is empty; export more labelled pairs")
    return part.select(range(min(max_samples, len(part)))) if max_samples else part
