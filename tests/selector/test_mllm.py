"""The MLLM comparator on the tiny local Qwen2.5-VL: real loading (full precision and 4-bit), two-image prompts,
batched generation, answer-slot probabilities, malformed-output verdicts, versions. No download happens."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import torch

from selector.mllm.config import MLLMConfig
from selector.mllm.inference import answer_prefix, decision_tokens, encode_batch, fit_image
from selector.prompt import build_messages
from selector.types import Comparator, Pair, combine_orders


def test_tiny_model_is_small_and_loads_through_the_auto_classes(tiny_model_path: Path) -> None:
    from transformers import AutoModelForImageTextToText, AutoProcessor

    size = sum(f.stat().st_size for f in tiny_model_path.iterdir())
    assert size < 3_000_000
    processor = AutoProcessor.from_pretrained(tiny_model_path, local_files_only=True)
    model = AutoModelForImageTextToText.from_pretrained(tiny_model_path, local_files_only=True)
    assert type(model).__name__ == "Qwen2_5_VLForConditionalGeneration"
    tok = processor.tokenizer
    assert len(tok.encode("A", add_special_tokens=False)) == 1
    assert len(tok.encode("B", add_special_tokens=False)) == 1
    for special in ("<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>"):
        assert tok.convert_tokens_to_ids(special) != tok.unk_token_id
        assert len(tok.encode(special, add_special_tokens=False)) == 1


def test_prompt_has_two_image_blocks(comparator: Any, pairs: list[Pair]) -> None:
    loaded = comparator.loaded
    inputs, languages = encode_batch(loaded, pairs[:1], comparator.config)
    tok = loaded.processor.tokenizer
    ids = inputs["input_ids"][0].tolist()
    start, end, pad = (tok.convert_tokens_to_ids(t) for t in ("<|vision_start|>", "<|vision_end|>", "<|image_pad|>"))
    assert ids.count(start) == 2
    assert ids.count(end) == 2
    # Each block holds exactly its image's merged patches, A's first.
    grid = inputs["image_grid_thw"]
    assert grid.shape == (2, 3)
    per_image = [int(g.prod()) // 4 for g in grid]
    first_block = ids[ids.index(start) + 1 : ids.index(end)]
    assert first_block == [pad] * per_image[0]
    assert ids.count(pad) == sum(per_image)
    text = tok.decode(ids)
    assert text.index("Image A:") < text.index("<|vision_start|>") < text.index("Image B:")
    assert "Wireless earbuds with charging case" in text
    assert languages == ["en"]


def test_image_size_is_capped(comparator: Any, pairs: list[Pair]) -> None:
    from PIL import Image

    from selector.types import Creative

    huge = Creative(Image.new("RGB", (1200, 900), (10, 120, 40)), key="huge")
    pair = Pair(huge, pairs[0].second, pairs[0].brief)
    assert fit_image(huge.image, 64 * 64).size[0] * fit_image(huge.image, 64 * 64).size[1] <= 64 * 64
    inputs, _ = encode_batch(comparator.loaded, [pair], comparator.config)
    patches = int(inputs["image_grid_thw"][0].prod())
    assert patches * 14 * 14 <= comparator.config.max_pixels


def test_verdicts_from_the_full_precision_model(comparator: Any, pairs: list[Pair]) -> None:
    assert isinstance(comparator, Comparator)
    verdicts = comparator.compare(pairs)
    assert len(verdicts) == len(pairs)
    for verdict in verdicts:
        assert 0.0 <= verdict.p_first <= 1.0
        assert verdict.comparator_version == comparator.version
        assert 0 < verdict.tokens <= comparator.config.max_new_tokens
        assert verdict.latency_s > 0
        assert verdict.raw_text  # a random model writes garbage, which must still give a verdict
        if verdict.answer is None:
            assert verdict.problems
    assert [v.prompt_version for v in verdicts] == ["cep-en-1", "cep-zh-1", "cep-en-1"]
    # Different images give different confidences: p_first is read from the model, not a constant.
    assert len({round(v.p_first, 6) for v in verdicts}) > 1


def test_answer_slot_matches_an_independent_forward_pass(comparator: Any, pairs: list[Pair]) -> None:
    """p(A), p(B) at the answer slot, recomputed here from whole strings without the comparator's batching:
    in [0,1], summing to 1, and equal to the verdict's p_first."""
    verdict = comparator.compare(pairs[:1])[0]
    loaded = comparator.loaded
    processor = loaded.processor
    prompt = processor.apply_chat_template(build_messages(pairs[0].brief), add_generation_prompt=True, tokenize=False)
    images = [[fit_image(pairs[0].first.image, 64 * 64), fit_image(pairs[0].second.image, 64 * 64)]]
    size = {"shortest_edge": comparator.config.min_pixels, "longest_edge": comparator.config.max_pixels}
    full = {
        letter: processor(
            text=[prompt + answer_prefix(verdict.raw_text) + letter], images=images, return_tensors="pt", size=size
        )
        for letter in ("A", "B")
    }
    ids_a, ids_b = full["A"]["input_ids"][0], full["B"]["input_ids"][0]
    differ = int((ids_a[: len(ids_b)] != ids_b[: len(ids_a)]).nonzero()[0])
    inputs = full["A"]
    for key in ("input_ids", "attention_mask", "mm_token_type_ids"):
        inputs[key] = inputs[key][:, :differ]
    with torch.inference_mode():
        logits = loaded.model(**inputs).logits[0, -1]
    p_a, p_b = logits[[int(ids_a[differ]), int(ids_b[differ])]].softmax(-1).tolist()
    assert 0.0 <= p_a <= 1.0 and 0.0 <= p_b <= 1.0
    assert math.isclose(p_a + p_b, 1.0, abs_tol=1e-6)
    assert verdict.p_first == pytest.approx(p_a, abs=1e-4)


def test_decision_tokens_find_where_a_and_b_part(tiny_model_path: Path) -> None:
    """Qwen-style tokenizers glue ">A" into one token: the slot must be before it, not after a lone ">"."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model_path, local_files_only=True)
    prefix = answer_prefix("<think>A is brighter.</think><answer>A</answer>")
    context, a_id, b_id = decision_tokens(tok, prefix)
    assert a_id != b_id
    assert tok.decode([*context, a_id]) == prefix + "A"
    assert tok.decode([*context, b_id]) == prefix + "B"
    assert tok.decode([a_id]).endswith("A") and tok.decode([b_id]).endswith("B")


def test_batching_gives_the_same_verdicts_as_one_by_one(comparator: Any, pairs: list[Pair]) -> None:
    batched = comparator.compare(pairs)
    single = [comparator.compare([pair])[0] for pair in pairs]
    for b, s in zip(batched, single, strict=True):
        assert b.raw_text == s.raw_text
        assert b.answer == s.answer
        assert b.p_first == pytest.approx(s.p_first, abs=1e-4)


def test_batch_size_splits_work_without_changing_results(make_comparator: Any, pairs: list[Pair]) -> None:
    in_twos = make_comparator(quantization="none", batch_size=2).compare(pairs)
    in_one = make_comparator(quantization="none", batch_size=8).compare(pairs)
    assert [v.raw_text for v in in_twos] == [v.raw_text for v in in_one]
    assert [v.p_first for v in in_twos] == pytest.approx([v.p_first for v in in_one], abs=1e-4)


def test_nf4_quantized_model_runs_on_cpu(nf4_comparator: Any, comparator: Any, pairs: list[Pair]) -> None:
    import bitsandbytes as bnb

    loaded = nf4_comparator.loaded
    assert loaded.quantization == "nf4"
    layers = [m for m in loaded.model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert layers, "no 4-bit layers: the model was not quantized"
    assert nf4_comparator.version != comparator.version
    verdicts = nf4_comparator.compare(pairs[:2])
    assert all(0.0 <= v.p_first <= 1.0 for v in verdicts)
    assert all(v.tokens > 0 for v in verdicts)


def test_both_orders_and_combination(comparator: Any, pairs: list[Pair]) -> None:
    forward, backward = comparator.compare_both_orders(pairs[:2])
    direct_backward = comparator.compare([p.swapped() for p in pairs[:2]])
    assert [v.p_first for v in backward] == pytest.approx([v.p_first for v in direct_backward], abs=1e-4)
    assert [v.p_first for v in forward] == pytest.approx([v.p_first for v in comparator.compare(pairs[:2])], abs=1e-4)
    outcome = combine_orders(forward[0].p_first, backward[0].p_first)
    assert 0.0 <= outcome.p <= 1.0


def test_malformed_output_still_yields_a_verdict(make_comparator: Any, pairs: list[Pair]) -> None:
    """Two new tokens from a random model cannot hold the format: the verdict has p_first and problems."""
    verdict = make_comparator(quantization="none", max_new_tokens=2).compare(pairs[:1])[0]
    assert verdict.tokens <= 2
    assert verdict.answer is None
    assert not verdict.parse_ok
    assert "missing <answer>" in verdict.problems
    assert 0.0 < verdict.p_first < 1.0


@pytest.mark.filterwarnings("ignore:MatMul8bitLt")
def test_int8_quantized_model_runs_on_cpu(make_comparator: Any, pairs: list[Pair]) -> None:
    import bitsandbytes as bnb

    int8 = make_comparator(quantization="int8", max_new_tokens=3)
    assert any(isinstance(m, bnb.nn.Linear8bitLt) for m in int8.loaded.model.modules())
    verdict = int8.compare(pairs[:1])[0]
    assert 0.0 <= verdict.p_first <= 1.0
    assert verdict.tokens > 0


@pytest.mark.parametrize(
    ("generated", "prefix"),
    [
        ("<think>r</think><answer>B</answer>", "<think>r</think><answer>"),
        ("<think>r</think> junk", "<think>r</think><answer>"),
        ("<think>cut off mid", "<think>cut off mid</think><answer>"),
        ("garbage", "garbage<answer>"),
    ],
)
def test_answer_prefix(generated: str, prefix: str) -> None:
    assert answer_prefix(generated) == prefix


def test_version_names_weights_adapter_quantization_and_prompt(tmp_path: Path) -> None:
    from selector.mllm.config import comparator_version

    base = MLLMConfig(model="Qwen/Qwen2.5-VL-7B-Instruct")
    v = comparator_version(base, "nf4")
    assert v == comparator_version(MLLMConfig(model="Qwen/Qwen2.5-VL-7B-Instruct"), "nf4")  # stable
    assert v.startswith("mllm-Qwen2.5-VL-7B-Instruct-")
    assert v != comparator_version(base, "none")
    assert v != comparator_version(MLLMConfig(model=base.model, language="zh"), "nf4")
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_model.safetensors").write_bytes(b"one")
    with_adapter = comparator_version(MLLMConfig(model=base.model, adapter=str(adapter)), "nf4")
    assert with_adapter != v
    (adapter / "adapter_model.safetensors").write_bytes(b"two")  # a refresh rewrote it in place
    assert comparator_version(MLLMConfig(model=base.model, adapter=str(adapter)), "nf4") != with_adapter


def test_lora_adapter_is_applied(tiny_model_path: Path, tmp_path: Path, pairs: list[Pair]) -> None:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForImageTextToText

    from selector.mllm import MLLMComparator

    base = AutoModelForImageTextToText.from_pretrained(tiny_model_path, local_files_only=True)
    lora = get_peft_model(base, LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    lora.save_pretrained(tmp_path / "adapter")
    settings = {"quantization": "none", "max_new_tokens": 4, "max_pixels": 64 * 64}
    plain = MLLMComparator(MLLMConfig(model=str(tiny_model_path), **settings))  # type: ignore[arg-type]
    tuned = MLLMComparator(MLLMConfig(model=str(tiny_model_path), adapter=str(tmp_path / "adapter"), **settings))  # type: ignore[arg-type]
    assert tuned.version != plain.version
    p_plain = plain.compare(pairs[:1])[0].p_first
    p_tuned = tuned.compare(pairs[:1])[0].p_first
    assert p_tuned != pytest.approx(p_plain, abs=1e-6)  # random non-zero LoRA weights change the logits
