"""GPU throughput of the MLLM comparator at Qwen2.5-VL-7B size, 4-bit NF4: pairs/s and peak memory.

No download: the full-size architecture is built from Qwen2.5-VL-7B-Instruct's published config values
(written below) with random weights, directly on the GPU, and its language-model linears are quantized to
NF4 in place, as `BitsAndBytesConfig(load_in_4bit=True)` would on load (vision tower and lm_head stay bf16,
as selector.mllm.loading does). Speed does not depend on weight values; every pair is forced to write
exactly --new-tokens tokens (min_new_tokens = max_new_tokens) so runs are comparable. The processor is the
tiny test model's (its chat template and image processor are Qwen's; its tokenizer is smaller, so prompts
are somewhat shorter than with Qwen's own).

    .venv/bin/python bench/mllm_gpu.py                   # H100: batch 1,4,8,16 x 512/1024 px, < 10 min
    .venv/bin/python bench/mllm_gpu.py --quick           # CPU, tiny model, same code path (a smoke check)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from transformers import AutoConfig, AutoProcessor, Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

from selector.mllm import MLLMComparator, MLLMConfig
from selector.mllm.loading import LoadedModel
from selector.testing import build_tiny_model
from selector.types import Brief, Creative, Pair

# Qwen/Qwen2.5-VL-7B-Instruct config.json (the values that shape compute and memory).
QWEN25_VL_7B_TEXT = {
    "vocab_size": 152064,
    "hidden_size": 3584,
    "intermediate_size": 18944,
    "num_hidden_layers": 28,
    "num_attention_heads": 28,
    "num_key_value_heads": 4,
    "hidden_act": "silu",
    "max_position_embeddings": 128000,
    "rms_norm_eps": 1e-6,
    "rope_parameters": {"rope_type": "default", "mrope_section": [16, 24, 24], "rope_theta": 1000000.0},
    "use_sliding_window": False,
    "tie_word_embeddings": False,
}
QWEN25_VL_7B_VISION = {
    "depth": 32,
    "hidden_size": 1280,
    "intermediate_size": 3420,
    "num_heads": 16,
    "out_hidden_size": 3584,
    "patch_size": 14,
    "spatial_merge_size": 2,
    "temporal_patch_size": 2,
    "window_size": 112,
    "fullatt_block_indexes": [7, 15, 23, 31],
    "tokens_per_second": 2,
    "hidden_act": "silu",
}
_SPECIAL = ("<|image_pad|>", "<|video_pad|>", "<|vision_start|>", "<|vision_end|>", "<|endoftext|>", "<|im_end|>")


def full_size_config(tokenizer: Any) -> Qwen2_5_VLConfig:
    """7B sizes; special-token ids follow the processor in use so its image slots line up."""
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in _SPECIAL}
    text = {**QWEN25_VL_7B_TEXT, "bos_token_id": ids["<|endoftext|>"], "eos_token_id": ids["<|im_end|>"]}
    return Qwen2_5_VLConfig(
        text_config={**text, "pad_token_id": ids["<|endoftext|>"]},
        vision_config=QWEN25_VL_7B_VISION,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )


def quantize_nf4_(model: torch.nn.Module, compute_dtype: torch.dtype, device: torch.device) -> int:
    """Replace the language model's nn.Linear layers with bitsandbytes NF4 ones, in place; returns how many."""
    import bitsandbytes as bnb

    targets = [
        (name, module)
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and "visual" not in name and not name.endswith("lm_head")
    ]
    for name, linear in targets:
        parent = model.get_submodule(name.rsplit(".", 1)[0])
        q = bnb.nn.Linear4bit(
            linear.in_features,
            linear.out_features,
            bias=linear.bias is not None,
            compute_dtype=compute_dtype,
            quant_type="nf4",
            compress_statistics=True,
            device="meta",
        )
        q.weight = bnb.nn.Params4bit(linear.weight.data, requires_grad=False, quant_type="nf4").to(device)
        if linear.bias is not None:
            q.bias = torch.nn.Parameter(linear.bias.data, requires_grad=False)
        setattr(parent, name.rsplit(".", 1)[1], q)
        del linear
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return len(targets)


def build_model(processor_dir: Path, quick: bool, device: torch.device, dtype: torch.dtype) -> Any:
    processor = AutoProcessor.from_pretrained(processor_dir, local_files_only=True)
    config = AutoConfig.from_pretrained(processor_dir) if quick else full_size_config(processor.tokenizer)
    began = time.perf_counter()
    with device:
        model = Qwen2_5_VLForConditionalGeneration._from_config(config, dtype=dtype)
    n = quantize_nf4_(model, dtype, device)
    model.eval()
    tok = processor.tokenizer
    # Both stop tokens, so min_new_tokens suppresses both and every row writes exactly --new-tokens.
    model.generation_config.eos_token_id = [tok.convert_tokens_to_ids(t) for t in ("<|im_end|>", "<|endoftext|>")]
    model.generation_config.pad_token_id = processor.tokenizer.pad_token_id
    print(f"built {'tiny' if quick else 'Qwen2.5-VL-7B-size'} model, {n} NF4 linears, "
          f"{time.perf_counter() - began:.1f} s", file=sys.stderr)  # fmt: skip
    processor.tokenizer.padding_side = "left"
    return LoadedModel(model, processor, device, dtype, "nf4", "bench-random")


def random_pairs(n: int, px: int, rng: np.random.Generator) -> list[Pair]:
    brief = Brief("Wireless earbuds with charging case", ("earbuds", "bluetooth headphones", "noise cancelling"))
    images = [
        Creative(Image.fromarray(rng.integers(0, 255, (px, px, 3), dtype=np.uint8)), key=f"{px}-{i}-{rng.random()}")
        for i in range(2 * n)
    ]
    return [Pair(images[2 * i], images[2 * i + 1], brief) for i in range(n)]


def run_one(loaded: LoadedModel, batch: int, px: int, new_tokens: int, rng: np.random.Generator) -> dict[str, float]:
    def comparator(tokens: int) -> MLLMComparator:
        cfg = MLLMConfig(
            model="bench-random",
            max_new_tokens=tokens,
            min_new_tokens=tokens,
            batch_size=batch,
            max_pixels=px * px,
            min_pixels=px * px // 4,
        )
        return MLLMComparator(cfg, loaded=loaded)

    comparator(2).compare(random_pairs(batch, px, rng))  # warm-up: kernels, allocator, shapes
    timed = comparator(new_tokens)
    timed.timings = {}
    pairs = random_pairs(batch, px, rng)
    if loaded.device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    began = time.perf_counter()
    verdicts = timed.compare(pairs)
    elapsed = time.perf_counter() - began
    peak = torch.cuda.max_memory_allocated() / 2**30 if loaded.device.type == "cuda" else float("nan")
    t = timed.timings
    return {
        "pairs_s": batch / elapsed,
        "s_batch": elapsed,
        "gen_tok_s": batch * new_tokens / t["generate"],
        "slot_share": t["answer_slot"] / elapsed,
        "peak_gib": peak,
        "tokens": sum(v.tokens for v in verdicts) / len(verdicts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CPU, tiny model: checks the script runs")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 4, 8, 16])
    parser.add_argument("--image-sizes", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--new-tokens", type=int, default=256)
    parser.add_argument("--budget-s", type=float, default=540.0, help="stop starting new runs after this")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.quick:
        device, dtype = torch.device("cpu"), torch.float32
        args.new_tokens = min(args.new_tokens, 8)
        args.image_sizes = [max(56, s // 8) for s in args.image_sizes]  # 512, 1024 -> 64, 128 px
        torch.set_num_threads(1)
    else:
        if not torch.cuda.is_available():
            raise SystemExit("no CUDA device: run with --quick for the CPU smoke check")
        device, dtype = torch.device("cuda"), torch.bfloat16
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        loaded = build_model(build_tiny_model(Path(folder) / "tiny"), args.quick, device, dtype)
        name = torch.cuda.get_device_name() if device.type == "cuda" else "CPU (tiny model, --quick)"
        print(f"\n{name}, NF4, {args.new_tokens} new tokens per pair (forced), greedy, answer slot included\n")
        print("| image px | batch | pairs/s | s/batch | generated tok/s | answer-slot share | peak GiB | tokens/pair |")
        print("|---|---|---|---|---|---|---|---|")
        for px in args.image_sizes:
            for batch in args.batch_sizes:
                if time.perf_counter() - started > args.budget_s:
                    print(f"| {px} | {batch} | skipped (time budget) | | | | | |")
                    continue
                r = run_one(loaded, batch, px, args.new_tokens, rng)
                cells = [f"{r['pairs_s']:.2f}", f"{r['s_batch']:.1f}", f"{r['gen_tok_s']:.0f}"]
                cells += [f"{100 * r['slot_share']:.0f}%", f"{r['peak_gib']:.1f}", f"{r['tokens']:.0f}"]
                print(f"| {px} | {batch} | " + " | ".join(cells) + " |", flush=True)
    print(f"\ntotal {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
