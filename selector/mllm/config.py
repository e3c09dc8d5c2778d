"""MLLM comparator settings (pure data: importing this does not import torch)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from selector.prompt import PROMPT_REVISION, prompt_version

Quantization = Literal["auto", "nf4", "int8", "none"]
Language = Literal["auto", "en", "zh"]


@dataclass(frozen=True)
class MLLMConfig:
    """How to load and run a Qwen2-VL / Qwen2.5-VL family checkpoint as a pairwise comparator.

    `model` is a local folder or a hub id; `adapter` an optional LoRA folder (what a GRPO refresh writes).
    `quantization="auto"` means 4-bit NF4 on CUDA and full precision on CPU. `max_pixels` caps each image
    (so the cost of a pair is bounded); `language="auto"` follows each brief's language.
    """

    model: str
    adapter: str | None = None
    quantization: Quantization = "auto"
    max_pixels: int = 512 * 512
    min_pixels: int = 56 * 56
    max_new_tokens: int = 512
    min_new_tokens: int = 0  # benchmarks force a fixed length with min == max
    batch_size: int = 8
    language: Language = "auto"
    do_sample: bool = False
    temperature: float = 1.0
    device: str | None = None  # None: cuda when available, else cpu
    dtype: str | None = None  # None: bfloat16 on cuda, float32 on cpu

    @property
    def is_local(self) -> bool:
        return Path(self.model).is_dir()

    @property
    def prompt_version(self) -> str:
        """The comparator-level prompt version; "auto" means each verdict stores its brief's language."""
        if self.language == "auto":
            return f"cep-auto-{PROMPT_REVISION}"
        return prompt_version(self.language)

    def language_for(self, brief_language: str) -> str:
        return brief_language if self.language == "auto" else self.language


def resolved_quantization(quantization: Quantization, on_cuda: bool) -> Literal["nf4", "int8", "none"]:
    if quantization == "auto":
        return "nf4" if on_cuda else "none"
    return quantization


def _adapter_fingerprint(adapter: str) -> str:
    """A local adapter folder's weights hash, so an adapter rewritten in place gets a new version."""
    folder = Path(adapter)
    if not folder.is_dir():
        return adapter
    digest = hashlib.sha256()
    for file in sorted(folder.glob("adapter_*")):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def comparator_version(config: MLLMConfig, quantization: str) -> str:
    """Stable name of weights + adapter + quantization + image cap + prompt, stored with every verdict."""
    parts = [
        config.model.rstrip("/"),
        _adapter_fingerprint(config.adapter) if config.adapter else "",
        quantization,
        f"max_pixels={config.max_pixels}",  # resolution changes what the model sees
        config.prompt_version,
    ]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]
    name = Path(config.model.rstrip("/")).name or "model"
    return f"mllm-{name}-{digest}"
