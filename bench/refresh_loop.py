"""Benchmark of the refresh loop on CPU: exporting labelled pairs (SQLite, local storage), one CoT-SFT step and
one GRPO step on the tiny model, and evaluating a version on held-out pairs.

    .venv/bin/python bench/refresh_loop.py [--batches 20] [--creatives 6] [--steps 3]

Prints a markdown table for the README. The tiny model's figures measure the pipeline's overhead (data loading,
processor, TRL bookkeeping), not what a 7B model costs on a GPU.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image


def _png(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), ((seed * 53) % 256, (seed * 97) % 256, (seed * 31) % 256)).save(out, "PNG")
    return out.getvalue()


def build_world(root: Path, batches: int, creatives: int) -> tuple[object, object, int]:
    from app import migrate
    from app.db import Database
    from app.models import Batch, Comparison, Creative
    from app.services.outcomes import import_rows
    from app.services.users import create_user
    from app.storage import LocalStorage

    url = f"sqlite:///{root / 'bench.db'}"
    migrate.upgrade(url)
    db, storage = Database(url), LocalStorage(root / "media")
    with db.transaction() as s:
        admin = create_user(s, "admin@example.com", "correct horse battery", role="admin")
        for b in range(batches):
            batch = Batch(owner_id=admin.id, product_title=f"Product {b % (batches // 2 or 1)}", queries=["sale"],
                          strategy="round_robin", status="ranked", comparator_version="fake-v1")  # fmt: skip
            s.add(batch)
            s.flush()
            ids = []
            for i in range(creatives):
                data = _png(b * 100 + i)
                key, sha = storage.put("images", data, "png")
                c = Creative(batch_id=batch.id, filename=f"{i}.png", status="valid", upload_sha256=sha, upload_key=key,
                             sha256=sha, storage_key=key, width=256, height=256, format="PNG")  # fmt: skip
                s.add(c)
                s.flush()
                ids.append(c.id)
            for i, first in enumerate(ids):
                for j, second in enumerate(ids):
                    if i != j:
                        answer = "A" if i < j else "B"
                        s.add(
                            Comparison(
                                batch_id=batch.id, first_id=first, second_id=second, comparator_version="fake-v1",
                                status="done", p_first=0.8 if i < j else 0.2, answer=answer, parse_ok=True,
                                reasoning=f"Q3: A>B\nImage A is clearer ({i} vs {j}).",
                            )
                        )  # fmt: skip
            rows = [{"creative_id": c, "impressions": 10_000, "clicks": 400 // (k + 1)} for k, c in enumerate(ids)]
            import_rows(s, admin, batch.id, rows)
        return db, storage, admin.id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--creatives", type=int, default=6)
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    from app.models import User
    from app.services.evaluation import evaluate_comparator, held_out_pairs
    from app.services.exports import ExportFilters, create_export
    from selector.fake import FakeComparator
    from selector.mllm import MLLMComparator, MLLMConfig
    from selector.testing import cached_tiny_model
    from selector.training.config import GRPORunConfig, SFTRunConfig
    from selector.training.grpo import run_grpo
    from selector.training.sft import run_sft

    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db, storage, admin_id = build_world(root, args.batches, args.creatives)
        began = time.perf_counter()
        with db.transaction() as s:  # type: ignore[attr-defined]
            result = create_export(s, s.get(User, admin_id), ExportFilters(), storage=storage, out_dir=root / "exports")  # type: ignore[arg-type]
        seconds = time.perf_counter() - began
        pairs = result.counts["pairs"]["total"]
        rows.append((f"export {pairs} pairs ({args.batches} batches, 256 px images, 3 formats + JSONL)",
                     f"{seconds:.2f} s ({pairs / seconds:.0f} pairs/s)"))  # fmt: skip
        tiny = str(cached_tiny_model())
        common = dict(model=tiny, dataset=result.path, max_steps=args.steps, logging_steps=1, use_cpu=True,
                      lora_r=8, lora_alpha=16, gradient_accumulation_steps=1, max_pixels=128 * 128)  # fmt: skip
        sft = run_sft(SFTRunConfig(output_dir=str(root / "sft"), per_device_train_batch_size=2, **common))  # type: ignore[arg-type]
        sft_step = statistics.median(sft_seconds(sft.log)) if sft_seconds(sft.log) else float("nan")
        rows.append(("CoT-SFT step, tiny model, batch 2, LoRA r=8 (CPU, 1 thread)", f"{sft_step:.2f} s"))
        grpo = run_grpo(
            GRPORunConfig(
                output_dir=str(root / "grpo"),
                per_device_train_batch_size=4,
                num_generations=2,
                max_completion_length=32,
                adapter=str(root / "sft"),
                **common,
            )
        )  # type: ignore[arg-type]
        times = [e["step_time"] for e in grpo.log if "step_time" in e]
        rows.append(("GRPO step, tiny model, 2 prompts x 2 generations x 32 tokens, 3 rewards (CPU)",
                     f"{statistics.median(times):.2f} s"))  # fmt: skip
        held = held_out_pairs(result.path)
        tuned = MLLMConfig(model=tiny, adapter=str(root / "grpo"), max_new_tokens=32, max_pixels=128 * 128)
        for name, comparator in (("fake", FakeComparator()), ("tiny MLLM + adapter", MLLMComparator(tuned))):
            began = time.perf_counter()
            metrics = evaluate_comparator(comparator, held)
            seconds = time.perf_counter() - began
            rows.append((f"evaluate {metrics.pairs} held-out pairs + rankings, {name}",
                         f"{seconds:.2f} s ({metrics.calls_per_ranking:.1f} calls/ranking)"))  # fmt: skip
    print("| refresh loop (CPU) | time |\n|---|---|")
    for what, value in rows:
        print(f"| {what} | {value} |")


def sft_seconds(log: list[dict[str, float]]) -> list[float]:
    """SFT logs no per-step time; the run's runtime over its steps stands in."""
    done = [e for e in log if "train_runtime" in e]
    steps = max((e.get("step", 0) for e in log), default=0)
    return [done[0]["train_runtime"] / steps] if done and steps else []


if __name__ == "__main__":
    main()
