"""The ten-question Creative Evaluation Protocol (DESIGN.md), in English and Chinese.

Pure data: the prompt builder renders it, the parser knows from `kind` which answers each question takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

QuestionKind = Literal["yesno", "compare", "choice"]

# The answers each kind accepts, in canonical form (selector.types.ProtocolAnswer).
CANONICAL: dict[QuestionKind, tuple[str, ...]] = {
    "yesno": ("YES", "NO"),
    "compare": ("A>B", "A=B", "A<B"),
    "choice": ("A", "B"),
}


@dataclass(frozen=True)
class Question:
    number: int
    kind: QuestionKind
    en: str
    zh: str

    def text(self, language: str) -> str:
        return self.zh if language == "zh" else self.en

    @property
    def answer_format(self) -> str:
        return "/".join(CANONICAL[self.kind])


PROTOCOL: tuple[Question, ...] = (
    Question(1, "yesno", "Are the two images the same?", "两张图片是否完全相同？"),
    Question(
        2,
        "yesno",
        "Are the two images so similar that no judgement is possible?",
        "两张图片是否相似到无法判断优劣？",
    ),
    Question(
        3,
        "compare",
        "Hit rate of the image content on the queries (text in image, elements, visual style).",
        "图片内容对高频搜索词的命中程度（图中文字、元素、视觉风格）。",
    ),
    Question(
        4,
        "compare",
        "Hit rate of the image content on the product title (text in image, elements, visual style).",
        "图片内容对商品标题的命中程度（图中文字、元素、视觉风格）。",
    ),
    Question(
        5,
        "compare",
        "Text in image (product info, pain points, selling points, calls to action, scenarios).",
        "图中文字（商品信息、痛点、卖点、行动号召、使用场景）。",
    ),
    Question(
        6,
        "compare",
        "Models and props (presence, functional relevance).",
        "模特与道具（是否出现、与功能的相关性）。",
    ),
    Question(
        7,
        "compare",
        "Layout (decorative borders, picture-in-picture).",
        "版式布局（装饰边框、画中画）。",
    ),
    Question(
        8,
        "compare",
        "Product subject (position, size, angle, completeness, quantity, usage state).",
        "商品主体（位置、大小、角度、完整度、数量、使用状态）。",
    ),
    Question(
        9,
        "compare",
        "Background design (colour harmony, scene consistency, aesthetics).",
        "背景设计（色彩协调、场景一致性、美观度）。",
    ),
    Question(10, "choice", "Which image is the user more likely to click?", "用户更可能点击哪张图片？"),
)

QUESTIONS: dict[int, Question] = {q.number: q for q in PROTOCOL}
