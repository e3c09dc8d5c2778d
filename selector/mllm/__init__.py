"""The MLLM comparator (torch + transformers), loaded lazily so `selector.mllm.config` stays torch-free.

from selector.mllm import MLLMComparator, MLLMConfig
comparator = MLLMComparator(MLLMConfig(model="Qwen/Qwen2.5-VL-7B-Instruct", adapter=None))  # nf4 on CUDA
verdicts = comparator.compare(pairs)                   # batches of config.batch_size, left padded, greedy
forward, backward = comparator.compare_both_orders(pairs)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from selector.mllm.config import MLLMConfig

if TYPE_CHECKING:
    from selector.mllm.comparator import MLLMComparator

__all__ = ["MLLMComparator", "MLLMConfig"]


def __getattr__(name: str) -> Any:
    if name == "MLLMComparator":
        from selector.mllm.comparator import MLLMComparator

        return MLLMComparator
    raise AttributeError(name)
