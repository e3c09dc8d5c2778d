"""The comparison prompt: brief, two creatives, the Creative Evaluation Protocol and the output format.

Returns chat messages in the shape `processor.apply_chat_template` takes (two `{"type": "image"}` entries,
A then B), so each model family's own template decides how images and turns are spelled. Any change to
the wording must bump the version: verdicts store it, and verdicts of different prompts never mix.
"""

from __future__ import annotations

from typing import Any

from selector.protocol import PROTOCOL
from selector.types import Brief

PROMPT_REVISION = 1


def prompt_version(language: str = "en") -> str:
    """E.g. "cep-en-1": protocol prompt, language, revision."""
    lang = "zh" if language == "zh" else "en"
    return f"cep-{lang}-{PROMPT_REVISION}"


_EN = {
    "intro": (
        "You are an expert in e-commerce advertising. Two AI-generated ad creatives of the same product "
        "are shown below. Judge which one shoppers are more likely to click."
    ),
    "title": "Product title: {title}",
    "queries": "High-frequency search queries: {queries}",
    "no_queries": "(none given)",
    "image_a": "Image A:",
    "image_b": "Image B:",
    "protocol": "Answer the Creative Evaluation Protocol, one question per line, in the form shown:",
    "format": (
        "Inside <think></think>, reason comparatively and put each protocol answer on its own line as "
        '"Q<number>: <answer>" (for example "Q3: A>B"). Then give the final choice inside <answer></answer>, '
        "exactly A or B. Output format: <think>...</think><answer>A or B</answer>"
    ),
    "sep": "; ",
}

_ZH = {
    "intro": "你是电商广告专家。下面是同一商品的两张AI生成的广告创意图，请判断用户更可能点击哪一张。",
    "title": "商品标题：{title}",
    "queries": "高频搜索词：{queries}",
    "no_queries": "（无）",
    "image_a": "图片A：",
    "image_b": "图片B：",
    "protocol": "请按创意评估协议逐条作答，每题一行，格式如下：",
    "format": (
        "在<think></think>中进行对比推理，并把每题答案单独成行写成“Q<题号>: <答案>”（例如“Q3: A>B”）。"
        "然后在<answer></answer>中给出最终选择，只写A或B。输出格式：<think>...</think><answer>A或B</answer>"
    ),
    "sep": "；",
}


def _strings(language: str) -> dict[str, str]:
    return _ZH if language == "zh" else _EN


def protocol_text(language: str = "en") -> str:
    """The ten questions, each with the answer forms it takes."""
    lines = [f"Q{q.number}: {q.text(language)} [{q.answer_format}]" for q in PROTOCOL]
    return "\n".join(lines)


def build_messages(brief: Brief) -> list[dict[str, Any]]:
    """One user turn: brief, image A, image B, protocol, output format."""
    s = _strings(brief.language)
    queries = s["sep"].join(q.strip() for q in brief.queries if q.strip()) or s["no_queries"]
    head = "\n".join(
        [s["intro"], s["title"].format(title=brief.product_title.strip()), s["queries"].format(queries=queries)]
    )
    tail = "\n".join([s["protocol"], protocol_text(brief.language), s["format"]])
    content: list[dict[str, Any]] = [
        {"type": "text", "text": head + "\n" + s["image_a"]},
        {"type": "image"},
        {"type": "text", "text": s["image_b"]},
        {"type": "image"},
        {"type": "text", "text": tail},
    ]
    return [{"role": "user", "content": content}]


def prompt_words(language: str = "en") -> str:
    """All fixed prompt text for one language (the tiny test tokenizer is trained on it)."""
    s = _strings(language)
    return "\n".join([*s.values(), protocol_text(language)])
