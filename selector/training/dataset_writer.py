"""Write labelled pairs as an export folder: one `datasets` DatasetDict per TRL format, JSONL, images, card.

export-0007/
  README.md                 dataset card: counts, sources, filters, how to load
  manifest.json             the same figures, machine-readable
  images/<sha256>.<ext>     every image once
  grpo/ sft/ dpo/           DatasetDict.save_to_disk (train/test), images embedded
  jsonl/<kind>-<split>.jsonl  the same rows, `images` as paths relative to the export folder
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from selector.training.formats import KINDS, OrderedExample, rows

SPLITS = ("train", "test")


def _with_images(examples: Sequence[OrderedExample], refs: Mapping[str, Any]) -> list[OrderedExample]:
    return [replace(e, first_image=refs[e.first_image], second_image=refs[e.second_image]) for e in examples]


def _save_dataset(folder: Path, per_split: Mapping[str, list[dict[str, Any]]]) -> None:
    """One table for all splits, then sliced, so an empty split keeps the columns and types of the other."""
    from datasets import Dataset, DatasetDict, Features, Image, Value, disable_progress_bars
    from datasets import Sequence as DSequence

    disable_progress_bars()
    everything = [r for split in SPLITS for r in per_split.get(split, [])]
    if everything:
        table = Dataset.from_list(everything).cast_column("images", DSequence(Image()))
    else:
        features = Features({"images": DSequence(Image()), "label": Value("string"), "pair_id": Value("string")})
        table = Dataset.from_dict({"images": [], "label": [], "pair_id": []}, features=features)
    parts, start = {}, 0
    for split in SPLITS:
        n = len(per_split.get(split, []))
        parts[split] = table.select(list(range(start, start + n)))
        start += n
    DatasetDict(parts).save_to_disk(str(folder), num_shards=dict.fromkeys(parts, 1))  # an empty split loads too


def _card(manifest: Mapping[str, Any]) -> str:
    counts = manifest["rows"]
    table = ["| format | train | test |", "|---|---|---|"]
    table += [f"| {kind} | {counts[kind]['train']} | {counts[kind]['test']} |" for kind in KINDS]
    pairs = manifest["pairs"]
    sources = ", ".join(f"{k}: {v}" for k, v in sorted(pairs["by_source"].items())) or "none"
    return "\n".join(
        [
            "---",
            "task_categories: [image-text-to-text]",
            "tags: [creative4u, pairwise, ctr, trl]",
            "configs:",
            *[f"- config_name: {k}\n  data_files:\n  - {{split: train, path: jsonl/{k}-train.jsonl}}"
              f"\n  - {{split: test, path: jsonl/{k}-test.jsonl}}" for k in KINDS],
            "---",
            f"# Creative4U labelled pairs (export {manifest['export_id']})",
            "",
            "Pairs of ad creatives of the same product with a known winner, in TRL's vision-language formats.",
            "Each pair appears in both orders (winner shown first, then second), so `label` is A or B.",
            "",
            f"- labelled pairs: {pairs['total']} ({pairs['train']} train, {pairs['test']} test)",
            f"- label sources: {sources}",
            f"- pairs dropped because their sources disagreed: {pairs['conflicts']}",
            f"- products: {manifest['products']['train']} train, {manifest['products']['test']} test "
            "(split by product: no product is in both)",
            f"- batches: {manifest['batches']}; advertisers: {manifest['advertisers']}",
            f"- filters: `{json.dumps(manifest['filters'], sort_keys=True)}`",
            "",
            *table,
            "",
            "GRPO rows: `prompt` (conversational, two image placeholders), `images`, `label`, `pair_id`, `order`.",
            "SFT rows add `completion` (reasoning from verdicts that agreed with the label); DPO rows add",
            "`chosen`/`rejected` (and `chosen_answer` instead of `label`, which TRL reserves there). `source` and",
            "`meta_*` columns give each row's provenance.",
            "",
            "```python",
            "from datasets import load_from_disk",
            'grpo = load_from_disk("grpo")  # DatasetDict with train and test',
            "```",
            "",
        ]
    )  # fmt: skip


def write_export(
    root: Path,
    splits: Mapping[str, Sequence[OrderedExample]],
    images: Mapping[str, tuple[bytes, str]],
    info: Mapping[str, Any],
) -> dict[str, Any]:
    """Write the folder; `examples` refer to images by key, `images[key]` is (bytes, extension). Returns the
    manifest (counts), which is also written as manifest.json and summarised in README.md."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "images").mkdir(exist_ok=True)
    (root / "jsonl").mkdir(exist_ok=True)
    paths: dict[str, str] = {}
    embedded: dict[str, dict[str, Any]] = {}
    for key, (data, ext) in images.items():
        rel = f"images/{key}.{ext}"
        (root / rel).write_bytes(data)
        paths[key] = rel
        embedded[key] = {"bytes": data, "path": f"{key}.{ext}"}
    counts: dict[str, dict[str, int]] = {}
    for kind in KINDS:
        per_split = {s: rows(kind, _with_images(splits.get(s, []), embedded)) for s in SPLITS}
        counts[kind] = {s: len(r) for s, r in per_split.items()}
        _save_dataset(root / kind, per_split)
        for split in SPLITS:
            with (root / "jsonl" / f"{kind}-{split}.jsonl").open("w") as out:
                for row in rows(kind, _with_images(splits.get(split, []), paths)):
                    out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    manifest = {**info, "rows": counts}
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    (root / "README.md").write_text(_card(manifest))
    return manifest


def pair_counts(splits: Mapping[str, Sequence[OrderedExample]]) -> Counter[str]:
    """Distinct pairs per split."""
    return Counter({s: len({e.pair_id for e in exs}) for s, exs in splits.items()})
