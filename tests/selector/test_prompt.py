"""The prompt: brief, two images in order, all ten protocol questions, output format, versioned per language."""

from __future__ import annotations

from selector.prompt import build_messages, prompt_version
from selector.protocol import PROTOCOL
from selector.types import Brief


def _texts(messages: list[dict]) -> str:
    return "\n".join(part["text"] for part in messages[0]["content"] if part["type"] == "text")


def test_english_prompt_carries_brief_protocol_and_format() -> None:
    messages = build_messages(Brief("Wireless earbuds", ("earbuds", "bluetooth headphones")))
    assert [m["role"] for m in messages] == ["user"]
    kinds = [part["type"] for part in messages[0]["content"]]
    assert kinds.count("image") == 2
    text = _texts(messages)
    assert "Product title: Wireless earbuds" in text
    assert "earbuds; bluetooth headphones" in text
    for q in PROTOCOL:
        assert f"Q{q.number}: {q.en}" in text
    assert "<think>...</think><answer>A or B</answer>" in text
    assert '"Q3: A>B"' in text


def test_image_a_comes_before_image_b() -> None:
    content = build_messages(Brief("Shoes"))[0]["content"]
    first_image = next(i for i, part in enumerate(content) if part["type"] == "image")
    assert content[first_image - 1]["text"].endswith("Image A:")
    assert content[first_image + 1]["text"] == "Image B:"


def test_chinese_prompt() -> None:
    text = _texts(build_messages(Brief("咖啡机", ("咖啡",), "zh")))
    assert "商品标题：咖啡机" in text
    assert "高频搜索词：咖啡" in text
    for q in PROTOCOL:
        assert q.zh in text
    assert "<answer>A或B</answer>" in text


def test_empty_queries_are_said_so() -> None:
    assert "High-frequency search queries: (none given)" in _texts(build_messages(Brief("Shoes", ("  ",))))


def test_versions_differ_by_language() -> None:
    assert prompt_version("en") == "cep-en-1"
    assert prompt_version("zh") == "cep-zh-1"
