"""Reason-to-Select refreshes: CoT-SFT, then GRPO, with TRL and LoRA/QLoRA (peft).

Torch-free at import: `formats`, `rewards` and `config` are pure; `sft`, `grpo` and `modeling` import torch.

    python -m selector.training sft --model path/to/Qwen2.5-VL --dataset exports/export-3 --output-dir runs/sft
    python -m selector.training grpo --model ... --adapter runs/sft --dataset ... --output-dir runs/grpo
"""
