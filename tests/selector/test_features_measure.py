"""Per-image measurements of the CPU comparator, each against a controlled change of one image."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from selector.features import composition
from selector.features.imageprep import prepare
from selector.features.measure import Measurements, measure
from selector.features.synthetic import Spec, render, variant
from selector.features.textmatch import match, tokens

SPEC = Spec(seed=3, side=320)


@pytest.fixture(scope="module")
def original() -> Measurements:
    return measure(render(SPEC), "orig", ocr=False)


@pytest.fixture(scope="module")
def variants() -> dict[str, Measurements]:
    return {k: measure(variant(SPEC, k), k, ocr=False) for k in ("blurred", "darkened", "cropped", "cluttered")}


def test_blur_lowers_sharpness(original: Measurements, variants: dict[str, Measurements]) -> None:
    assert original.scores["sharpness"] - variants["blurred"].scores["sharpness"] > 0.5


def test_darkening_lowers_exposure_and_brightness(original: Measurements, variants: dict[str, Measurements]) -> None:
    dark = variants["darkened"]
    assert dark.raw["mean_luma"] < 0.4 * original.raw["mean_luma"] + 0.02
    assert original.scores["exposure"] - dark.scores["exposure"] > 0.3


def test_crop_through_product_is_seen_as_cut_and_larger(
    original: Measurements, variants: dict[str, Measurements]
) -> None:
    cropped = variants["cropped"]
    assert original.scores["subject_whole"] > 0.9
    assert cropped.scores["subject_whole"] < 0.3
    assert cropped.raw["subject_share"] > original.raw["subject_share"]


def test_clutter_lowers_tidiness(original: Measurements, variants: dict[str, Measurements]) -> None:
    assert original.scores["tidy"] - variants["cluttered"].scores["tidy"] > 0.5


def test_product_found_near_centre(original: Measurements) -> None:
    assert original.scores["subject_found"] == 1.0
    assert 0.08 < original.raw["subject_share"] < 0.4
    assert original.raw["subject_offset"] < 0.2


def test_jpeg_blocking_lowers_compression_score() -> None:
    # A textured photo-like image: blocking only shows where there is detail to quantise.
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:512, 0:512]
    base = 128 + 50 * np.sin(xx / 19.0) * np.cos(yy / 13.0)
    arr = np.clip(base[..., None] + rng.normal(0, 4, (512, 512, 3)), 0, 255).astype(np.uint8)
    scores = {}
    for quality in (95, 10):
        buffer = io.BytesIO()
        Image.fromarray(arr).save(buffer, format="JPEG", quality=quality)
        scores[quality] = measure(Image.open(buffer), f"q{quality}", ocr=False).scores["compression"]
    assert scores[95] - scores[10] > 0.4


def test_perceptual_hash_survives_resize_but_not_other_image(original: Measurements) -> None:
    resized = measure(render(SPEC).resize((200, 200)), "small", ocr=False)
    other = measure(render(Spec(seed=4, side=320)), "other", ocr=False)
    assert (original.phash ^ resized.phash).bit_count() <= 4
    assert (original.phash ^ other.phash).bit_count() > 10


def test_decorative_border_detected() -> None:
    img = render(SPEC)
    framed = img.copy()
    ImageDraw.Draw(framed).rectangle((6, 6, 313, 313), outline=(180, 20, 20), width=8)
    rgb = prepare(framed).small
    assert composition.measure_layout(rgb, None)["border"] == 1.0
    assert composition.measure_layout(prepare(img).small, None)["border"] == 0.0


def test_picture_in_picture_detected() -> None:
    img = render(SPEC)
    inset = render(Spec(seed=8, side=100)).filter(ImageFilter.SMOOTH)
    pip = img.copy()
    pip.paste(inset, (200, 200))
    ImageDraw.Draw(pip).rectangle((198, 198, 301, 301), outline=(255, 255, 255), width=3)
    measured = measure(pip, "pip", ocr=False)
    assert measured.raw["pip"] == 1.0
    assert measure(img, "plain", ocr=False).raw["pip"] == 0.0


def test_text_matching_latin_with_ocr_slips() -> None:
    found = match(
        "PRO WIRELESSEARBUDS  Buy Now! Free shipping",
        "Pro Wireless Earbuds Bluetooth",
        ("wireless earbuds", "bluetooth", "noise cancelling"),
    )
    assert found.queries_hit == ("wireless earbuds",)
    assert found.title_words_hit == 3 and found.title_words_total == 4
    assert {"buy now", "free shipping"} <= set(found.calls_to_action)


def test_text_matching_chinese_by_bigrams() -> None:
    assert tokens("无线耳机") == ("无线", "线耳", "耳机")
    found = match("新款无线蓝牙耳机 限时包邮", "无线蓝牙耳机 降噪", ("蓝牙耳机", "降噪耳机"))
    assert found.queries_hit == ("蓝牙耳机",)
    assert {"限时", "包邮"} <= set(found.calls_to_action)
    assert found.title_words_hit < found.title_words_total  # 降噪 is not in the image


def test_no_text_means_no_hits() -> None:
    found = match("", "Coffee Mug", ("coffee mug",))
    assert found.query_rate == 0.0 and found.title_rate == 0.0 and found.calls_to_action == ()


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: Image.new("RGB", (3, 2), (200, 10, 10)), id="tiny"),
        pytest.param(lambda: Image.new("L", (64, 48), 128), id="grayscale-flat"),
        pytest.param(lambda: Image.new("RGBA", (80, 80), (0, 0, 0, 0)), id="transparent"),
        pytest.param(lambda: render(SPEC).convert("P"), id="palette"),
        pytest.param(lambda: Image.new("I;16", (40, 40), 40000), id="16-bit"),
        pytest.param(lambda: Image.new("CMYK", (50, 30), (0, 50, 100, 0)), id="cmyk"),
    ],
)
def test_awkward_images_are_measured(make) -> None:
    m = measure(make(), "x", ocr=False)
    assert set(m.scores) >= {"sharpness", "exposure", "subject_found", "tidy"}
    assert all(0.0 <= v <= 1.0 for v in m.scores.values())


def test_transparent_pixels_become_white_not_black() -> None:
    m = measure(Image.new("RGBA", (80, 80), (0, 0, 0, 0)), "clear", ocr=False)
    assert m.raw["mean_luma"] > 0.95


def test_huge_image_is_downscaled_before_measuring() -> None:
    big = render(SPEC).resize((4000, 4000))
    views = prepare(big)
    assert max(views.base.shape[:2]) <= 768 and max(views.small.shape[:2]) <= 256
    assert views.original_size == (4000, 4000)
    assert measure(big, "big", ocr=False).scores["resolution"] == 1.0


@pytest.mark.parametrize(("centre_x", "cut"), [(0, True), (128, False)])
def test_subject_cut_by_the_border(centre_x: int, cut: bool) -> None:
    img = Image.new("RGB", (256, 256), (235, 235, 240))
    ImageDraw.Draw(img).ellipse((centre_x - 60, 68, centre_x + 60, 188), fill=(30, 80, 160))
    values, mask = composition.measure_subject(prepare(img).small)
    assert mask is not None and values["subject_found"] == 1.0
    assert (values["subject_cut"] > 0.8) if cut else (values["subject_cut"] == 0.0)


def test_noise_lowers_cleanliness(original: Measurements) -> None:
    arr = np.asarray(render(SPEC), dtype=np.float64)
    noisy = np.clip(arr + np.random.default_rng(3).normal(0, 14, arr.shape), 0, 255).astype(np.uint8)
    measured = measure(Image.fromarray(noisy), "noisy", ocr=False)
    assert measured.raw["noise_sigma"] > 0.03 > original.raw["noise_sigma"]
    assert original.scores["clean"] - measured.scores["clean"] > 0.5
