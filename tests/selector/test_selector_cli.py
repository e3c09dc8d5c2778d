"""`python -m selector compare` end to end, in a subprocess, on a freshly built tiny model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from selector.cli import mirror


def _picture(color: tuple[int, int, int], size: tuple[int, int], label: str) -> Image.Image:
    image = Image.new("RGB", size, color)
    ImageDraw.Draw(image).text((4, 4), label, fill=(255, 255, 255))
    return image


@pytest.fixture
def image_files(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a.png", tmp_path / "b.jpg"
    _picture((200, 40, 40), (96, 72), "SALE").save(a)
    _picture((40, 40, 200), (72, 96), "NEW").save(b)
    return a, b


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "selector", "compare", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=240)


def test_compare_json_with_the_tiny_model(image_files: tuple[Path, Path]) -> None:
    a, b = image_files
    out = _run(str(a), str(b), "--title", "Wireless earbuds", "--query", "earbuds", "--query", "bluetooth",
               "--model", "tiny", "--max-new-tokens", "8", "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["images"] == {"A": str(a), "B": str(b)}
    assert result["prompt_version"] == "cep-en-1"
    assert result["comparator_version"].startswith("mllm-")
    fwd, bwd, comb = result["forward"], result["backward"], result["combined"]
    for verdict in (fwd, bwd):
        assert 0.0 <= verdict["p_first"] <= 1.0
        assert 0 < verdict["tokens"] <= 8
        assert verdict["comparator_version"] == result["comparator_version"]
        assert isinstance(verdict["problems"], list)
    # The two orders are different prompts (images swapped), so the model's confidences differ.
    assert fwd["p_first"] != bwd["p_first"]
    assert comb["label"] in ("first", "second", "tie")
    expected = (fwd["p_first"] + 1.0 - bwd["p_first"]) / 2.0
    if comb["label"] == "tie":
        assert comb["winner"] is None and comb["p_first"] == 0.5
    else:
        assert comb["p_first"] == pytest.approx(expected)
        assert comb["winner"] == str(a if comb["label"] == "first" else b)


def test_compare_text_output_in_chinese(image_files: tuple[Path, Path]) -> None:
    a, b = image_files
    out = _run(str(a), str(b), "--title", "咖啡机", "--query", "咖啡", "--language", "zh",
               "--model", "tiny", "--max-new-tokens", "4")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "| 10 | 用户更可能点击哪张图片？ |" in out.stdout
    assert "forward (A shown first)" in out.stdout
    assert "combined: p(A wins) = " in out.stdout


def test_without_model_the_cpu_features_comparator_answers(image_files: tuple[Path, Path]) -> None:
    a, b = image_files
    out = _run(str(a), str(b), "--title", "Wireless earbuds", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["comparator_version"].startswith("features-")
    assert result["forward"]["answer"] in ("A", "B")
    assert 0.0 <= result["combined"]["p_first"] <= 1.0


def test_missing_title_is_a_usage_error(image_files: tuple[Path, Path]) -> None:
    out = _run(str(image_files[0]), str(image_files[1]), "--model", "tiny")
    assert out.returncode == 2
    assert "--title" in out.stderr


def test_mirror_restates_backward_answers() -> None:
    assert [mirror(x) for x in ("A>B", "A=B", "A<B", "A", "B", "YES", None)] == [
        "A<B", "A=B", "A>B", "B", "A", "YES", None
    ]  # fmt: skip
