"""Selector fixtures: the tiny local Qwen2.5-VL checkpoint, comparators on it, small creatives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from selector_images import make_creative

from selector.types import Brief, Pair


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from selector.testing import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "qwen-vl")


@pytest.fixture(scope="session")
def pairs() -> list[Pair]:
    red, blue = make_creative((200, 30, 30), label="SALE"), make_creative((30, 30, 200), (80, 64))
    green, grey = make_creative((30, 200, 30), (64, 96)), make_creative((90, 90, 90), label="NEW")
    return [
        Pair(red, blue, Brief("Wireless earbuds with charging case", ("earbuds", "bluetooth headphones"))),
        Pair(green, grey, Brief("咖啡机 家用 全自动", ("咖啡机", "意式咖啡"), "zh")),
        Pair(blue, green, Brief("Trail running shoes", ())),
    ]


def _comparator(path: Path, **overrides: Any) -> Any:
    from selector.mllm import MLLMComparator, MLLMConfig

    settings: dict[str, Any] = {"max_new_tokens": 12, "batch_size": 8, "max_pixels": 64 * 64}
    settings.update(overrides)
    return MLLMComparator(MLLMConfig(model=str(path), **settings))


@pytest.fixture(scope="session")
def comparator(tiny_model_path: Path) -> Any:
    """Full precision (float32 on CPU)."""
    return _comparator(tiny_model_path, quantization="none")


@pytest.fixture(scope="session")
def nf4_comparator(tiny_model_path: Path) -> Any:
    """bitsandbytes 4-bit NF4, which runs on CPU in this bitsandbytes version."""
    return _comparator(tiny_model_path, quantization="nf4")


@pytest.fixture
def make_comparator(tiny_model_path: Path) -> Any:
    return lambda **overrides: _comparator(tiny_model_path, **overrides)
