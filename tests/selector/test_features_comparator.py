"""The CPU comparator's contract: verdict shape, symmetry, duplicates, caching, languages, bad input,
and the synthetic sanity set (OCR off here; the OCR-dependent cases live in test_features_ocr.py)."""

from __future__ import annotations

import re

import pytest
from conftest_features import SIDE, accuracy, creative, sanity_set
from PIL import Image, ImageEnhance

from selector.features import FeaturesComparator, Weights
from selector.features.synthetic import Spec, render, variant
from selector.parsing import parse_output
from selector.protocol import QUESTIONS
from selector.types import Brief, Comparator, Pair

RAW = re.compile(r"^<think>(?P<think>.+)</think><answer>(?P<answer>[AB])</answer>$", re.S)


@pytest.fixture(scope="module")
def comparator() -> FeaturesComparator:
    return FeaturesComparator(ocr=False)


@pytest.fixture(scope="module")
def photo_pair() -> Pair:
    spec = Spec(seed=2, side=SIDE)
    return Pair(creative(render(spec)), creative(variant(spec, "blurred")), spec.brief)


def test_it_is_a_comparator_with_an_honest_version(comparator: FeaturesComparator) -> None:
    assert isinstance(comparator, Comparator)
    assert comparator.version.startswith("features-")
    assert comparator.version.endswith("-noocr")
    assert FeaturesComparator(ocr=True).version == comparator.version.removesuffix("-noocr")


def test_version_changes_with_weights(comparator: FeaturesComparator, tmp_path) -> None:
    changed = dict(Weights.default().values, sharpness=0.5)
    path = tmp_path / "w.json"
    Weights(values=changed).save(path)
    other = FeaturesComparator(weights_path=path, ocr=False)
    assert other.version != comparator.version
    assert FeaturesComparator(weights_path=path, ocr=False).version == other.version


def test_verdict_shape_matches_the_mllm_contract(comparator: FeaturesComparator, photo_pair: Pair) -> None:
    (verdict,) = comparator.compare([photo_pair])
    assert 0.0 < verdict.p_first < 1.0 and verdict.answer in ("A", "B")
    assert verdict.parse_ok
    assert verdict.reasoning.splitlines()[0].startswith("CPU features comparator (a measurement, not an MLLM)")
    assert verdict.comparator_version == comparator.version
    assert verdict.prompt_version == comparator.prompt_version
    match = RAW.match(verdict.raw_text)
    assert match and match["answer"] == verdict.answer
    assert verdict.reasoning in match["think"]
    for number, answer in verdict.protocol.items():
        kind = QUESTIONS[number].kind
        assert answer in {"yesno": ("YES", "NO"), "compare": ("A>B", "A=B", "A<B"), "choice": ("A", "B")}[kind]
        assert f"Q{number}: {answer}" in match["think"].splitlines()
    assert verdict.protocol[10] == verdict.answer
    assert verdict.protocol[1] == verdict.protocol[2] == "NO"
    assert 6 not in verdict.protocol  # models and props: not measurable here
    assert not {3, 4, 5} & set(verdict.protocol)  # OCR off: text questions unanswered
    assert "OCR off" in verdict.reasoning


def test_raw_text_reads_back_with_the_mllm_parser(comparator: FeaturesComparator, photo_pair: Pair) -> None:
    (verdict,) = comparator.compare([photo_pair])
    parsed = parse_output(verdict.raw_text)
    assert parsed.well_formed
    assert parsed.answer == verdict.answer
    assert parsed.protocol == verdict.protocol
    assert verdict.reasoning in parsed.reasoning


def test_reasoning_names_the_measured_difference(comparator: FeaturesComparator, photo_pair: Pair) -> None:
    forward, backward = comparator.compare([photo_pair, photo_pair.swapped()])
    assert forward.answer == "A" and "A is sharper than B" in forward.reasoning
    assert backward.answer == "B" and "B is sharper than A" in backward.reasoning


def test_swapping_gives_the_complement(comparator: FeaturesComparator, photo_pair: Pair) -> None:
    forward, backward = comparator.compare([photo_pair, photo_pair.swapped()])
    assert forward.p_first == pytest.approx(1.0 - backward.p_first, abs=1e-12)
    flipped = {"A>B": "A<B", "A<B": "A>B", "A=B": "A=B", "A": "B", "B": "A", "YES": "YES", "NO": "NO"}
    assert {k: flipped[v] for k, v in forward.protocol.items()} == backward.protocol


def test_chinese_brief_gets_chinese_reasoning(comparator: FeaturesComparator, photo_pair: Pair) -> None:
    pair = Pair(photo_pair.first, photo_pair.second, Brief("无线耳机", ("蓝牙耳机",), language="zh"))
    (verdict,) = comparator.compare([pair])
    first = verdict.reasoning.splitlines()[0]
    assert "非多模态大模型" in first and "CPU" in first
    assert "A 比 B 更清晰" in verdict.reasoning
    assert parse_output(verdict.raw_text).reasoning.startswith("CPU 特征测量比较器")


def test_identical_images_are_a_tie(comparator: FeaturesComparator, photo_pair: Pair) -> None:
    (verdict,) = comparator.compare([Pair(photo_pair.first, photo_pair.first, photo_pair.brief)])
    assert verdict.p_first == 0.5
    assert verdict.protocol[1] == "YES" and verdict.protocol[2] == "YES"
    assert all(verdict.protocol[q] == "A=B" for q in (7, 8, 9))
    assert "same" in verdict.reasoning


def test_visually_identical_copy_is_the_same(comparator: FeaturesComparator, photo_pair: Pair) -> None:
    # One changed pixel: different bytes and key, the same picture to any shopper.
    copy = photo_pair.first.image.copy()
    copy.putpixel((SIDE // 2, 5), (0, 0, 0))
    (verdict,) = comparator.compare([Pair(photo_pair.first, creative(copy), photo_pair.brief)])
    assert verdict.p_first == 0.5
    assert verdict.protocol[1] == "YES" and verdict.protocol[2] == "YES"


def test_near_duplicate_is_a_tie(comparator: FeaturesComparator, photo_pair: Pair) -> None:
    # A barely brighter copy: visibly a different file, but nothing a shopper would choose by.
    copy = ImageEnhance.Brightness(photo_pair.first.image).enhance(1.04)
    (verdict,) = comparator.compare([Pair(photo_pair.first, creative(copy), photo_pair.brief)])
    assert verdict.p_first == 0.5
    assert verdict.protocol[1] == "NO" and verdict.protocol[2] == "YES"
    assert "near-duplicates" in verdict.reasoning


def test_measurements_are_cached_by_key(photo_pair: Pair) -> None:
    comparator = FeaturesComparator(ocr=False, cache_size=2)
    first = comparator.measure(photo_pair.first)
    comparator.compare([photo_pair, photo_pair.swapped()])
    assert comparator.measure(photo_pair.first) is first  # reused, not re-measured
    third = creative(Image.new("RGB", (40, 40), (9, 9, 9)))
    comparator.measure(photo_pair.second)
    comparator.measure(third)  # evicts the least recently used: the first image
    assert comparator.measure(photo_pair.first) is not first


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: Image.new("RGB", (2, 2), (255, 0, 0)), id="tiny"),
        pytest.param(lambda: render(Spec(seed=1, side=SIDE)).resize((4200, 2800)), id="huge"),
        pytest.param(lambda: Image.new("RGBA", (120, 90), (10, 200, 10, 0)), id="transparent"),
        pytest.param(lambda: render(Spec(seed=1, side=SIDE)).convert("L"), id="grayscale"),
        pytest.param(lambda: Image.new("RGB", (300, 300), (240, 240, 240)), id="blank"),
    ],
)
def test_bad_input_still_gets_a_verdict(comparator: FeaturesComparator, photo_pair: Pair, make) -> None:
    odd = creative(make())
    verdicts = comparator.compare(
        [Pair(photo_pair.first, odd, photo_pair.brief), Pair(odd, photo_pair.first, photo_pair.brief)]
    )
    for verdict in verdicts:
        assert 0.0 <= verdict.p_first <= 1.0 and verdict.answer in ("A", "B")
        assert len(verdict.reasoning.splitlines()) >= 2
        assert RAW.match(verdict.raw_text)


def test_sanity_set_without_ocr(comparator: FeaturesComparator) -> None:
    """Blurred, darkened, cropped-through-the-product and cluttered copies lose to the original, in both
    orders, at least 95% of the time over varied synthetic products and backgrounds."""
    labelled = sanity_set(range(10), ("blurred", "darkened", "cropped", "cluttered"))
    rate, failures = accuracy(comparator, labelled)
    assert rate >= 0.95, failures


def test_ocr_failure_still_gives_a_verdict(photo_pair: Pair, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("onnx session died")

    monkeypatch.setattr("selector.features.measure.read_text", broken)
    comparator = FeaturesComparator(ocr=True)
    (verdict,) = comparator.compare([photo_pair])
    assert verdict.answer == "A" and "A is sharper than B" in verdict.reasoning
    assert "Could not measure A: ocr failed: RuntimeError: onnx session died" in verdict.reasoning
    assert not {3, 4, 5} & set(verdict.protocol)  # no text measured, so no text answers
