"""The CPU comparator with real OCR (RapidOCR on rendered text). Kept few: each image costs ~0.2 s."""

from __future__ import annotations

import pytest
from conftest_features import accuracy, creative, sanity_set
from PIL import Image, ImageDraw

from selector.features import FeaturesComparator
from selector.features.synthetic import font
from selector.types import Brief, Pair

BRIEF = Brief(
    product_title="Pro Wireless Earbuds Bluetooth Noise Cancelling",
    queries=("wireless earbuds", "noise cancelling", "bluetooth"),
)


def _poster(lines: list[str]) -> Image.Image:
    img = Image.new("RGB", (480, 480), (235, 238, 245))
    draw = ImageDraw.Draw(img)
    draw.ellipse((150, 200, 330, 400), fill=(40, 90, 160))
    for i, line in enumerate(lines):
        draw.text((30, 30 + 52 * i), line, font=font(34), fill=(20, 20, 20))
    return img


@pytest.fixture(scope="module")
def comparator() -> FeaturesComparator:
    return FeaturesComparator(ocr=True)


def test_rendered_text_is_read_and_matched(comparator: FeaturesComparator) -> None:
    rich = creative(_poster(["Wireless Earbuds", "Noise Cancelling", "Buy now"]))
    bare = creative(_poster([]))
    measured = comparator.measure(rich)
    assert measured.ocr is not None and len(measured.ocr.lines) == 3
    assert "wireless" in measured.ocr.text.lower()
    assert 0.02 < measured.ocr.area_share < 0.4
    (verdict,) = comparator.compare([Pair(rich, bare, BRIEF)])
    assert verdict.protocol[3] == "A>B" and verdict.protocol[4] == "A>B" and verdict.protocol[5] == "A>B"
    assert "A's text matches 2 of 3 queries, B's none" in verdict.reasoning
    assert 'A has a call to action ("buy now"), B none' in verdict.reasoning
    assert verdict.answer == "A"
    zh = Brief(BRIEF.product_title, BRIEF.queries, language="zh")
    (swapped,) = comparator.compare([Pair(bare, rich, zh)])
    assert "B 的文字命中 3 个搜索词中的 2 个，A 命中 0 个" in swapped.reasoning
    assert swapped.protocol[3] == "A<B" and swapped.answer == "B"


def test_text_free_images_answer_the_text_questions_equal(comparator: FeaturesComparator) -> None:
    a = creative(_poster([]))
    b = creative(Image.new("L", (300, 300), 200))
    (verdict,) = comparator.compare([Pair(a, b, BRIEF)])
    assert comparator.measure(b).ocr is not None and comparator.measure(b).ocr.lines == ()
    assert verdict.protocol[3] == verdict.protocol[4] == verdict.protocol[5] == "A=B"
    assert verdict.answer == "A"  # a product against a blank frame


def test_sanity_set_with_ocr(comparator: FeaturesComparator) -> None:
    """All five broken copies, the query-text one included, lose to the original in both orders."""
    rate, failures = accuracy(comparator, sanity_set(range(3), side=320))
    assert rate >= 0.95, failures
