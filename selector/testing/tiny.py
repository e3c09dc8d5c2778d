"""Build a tiny random Qwen2.5-VL checkpoint (model + processor) in a folder, offline, in well under a second.

The folder loads through exactly the code path real checkpoints take (AutoProcessor +
AutoModelForImageTextToText), so tests exercise the real loading, prompting, generation and answer-slot
code. Its text is garbage (random weights), which is what the malformed-output path is for.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import torch
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
from transformers import (
    Qwen2_5_VLConfig,
    Qwen2_5_VLForConditionalGeneration,
    Qwen2_5_VLProcessor,
    Qwen2Tokenizer,
    Qwen2VLImageProcessor,
    Qwen2VLVideoProcessor,
)
from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX
from transformers.utils import logging as hf_logging

from selector.prompt import prompt_words

TINY_FAMILY = "qwen2_5_vl"

# Qwen's special tokens, in Qwen's order (ids follow the trained vocabulary here, as they do in Qwen).
SPECIAL_TOKENS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
)

# The Qwen2-VL / Qwen2.5-VL instruct chat template.
CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}"
    "{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "{% set video_count.value = video_count.value + 1 %}"
    "{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}"
    "<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

_CORPUS_EXTRA = (
    "<think>Q1: NO\nQ2: NO\nQ3: A>B\nQ4: A=B\nQ5: A<B\nQ10: A\nImage A shows the product larger.</think>"
    "<answer>A</answer> <answer>B</answer> 是 否 A优于B A不如B 图片A 图片B "
    "The quick brown fox jumps over the lazy dog. Wireless earbuds, running shoes, coffee maker, sale."
)


def _merges(bpe: Tokenizer) -> list[str | list[str]]:
    return json.loads(bpe.to_str())["model"]["merges"]


def _train_tokenizer() -> Qwen2Tokenizer:
    corpus = [prompt_words("en"), prompt_words("zh"), _CORPUS_EXTRA]
    bpe = Tokenizer(models.BPE())
    bpe.normalizer = normalizers.NFC()
    bpe.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # every byte, so "A" and "B" are single tokens
        special_tokens=[SPECIAL_TOKENS[0]],
        show_progress=False,
    )
    bpe.train_from_iterator(corpus, trainer=trainer)
    bpe.decoder = decoders.ByteLevel()
    vocab = bpe.get_vocab()
    merges: list = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in _merges(bpe)]
    tok = Qwen2Tokenizer(vocab=vocab, merges=merges, errors="replace")
    tok.add_special_tokens({"additional_special_tokens": list(SPECIAL_TOKENS[1:])})
    tok.chat_template = CHAT_TEMPLATE
    return tok


def build_tiny_model(path: str | os.PathLike[str], seed: int = 0) -> Path:
    """Write a tiny random Qwen2.5-VL model and its processor to `path`; returns the path."""
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    hf_logging.disable_progress_bar()
    tok = _train_tokenizer()
    ids = {t: int(tok.convert_tokens_to_ids(t)) for t in SPECIAL_TOKENS}  # type: ignore[arg-type]
    config = Qwen2_5_VLConfig(
        text_config={
            "vocab_size": len(tok),
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "max_position_embeddings": 4096,
            # head_dim 16: the three M-RoPE sections (time, height, width) split its 8 frequencies.
            "rope_parameters": {"rope_type": "default", "mrope_section": [2, 3, 3], "rope_theta": 1e6},
            "bos_token_id": ids["<|endoftext|>"],
            "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|endoftext|>"],
        },
        vision_config={
            "depth": 2,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "out_hidden_size": 64,
            "patch_size": 14,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "window_size": 112,
            "fullatt_block_indexes": [1],
        },
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    torch.manual_seed(seed)
    model = Qwen2_5_VLForConditionalGeneration(config).eval()
    model.generation_config.eos_token_id = [ids["<|im_end|>"], ids["<|endoftext|>"]]
    model.generation_config.pad_token_id = ids["<|endoftext|>"]
    model.generation_config.do_sample = False
    model.save_pretrained(out)
    image_processor = Qwen2VLImageProcessor(
        size={"shortest_edge": 56 * 56, "longest_edge": 28 * 28 * 64}, patch_size=14, merge_size=2
    )
    processor = Qwen2_5_VLProcessor(
        image_processor=image_processor,
        tokenizer=tok,
        video_processor=Qwen2VLVideoProcessor(),
        chat_template=CHAT_TEMPLATE,
    )
    processor.save_pretrained(out)
    return out


_CACHE: dict[int, Path] = {}


def cached_tiny_model(seed: int = 0) -> Path:
    """One tiny model per process and seed, in a temporary folder removed at exit."""
    if seed not in _CACHE:
        holder = tempfile.TemporaryDirectory(prefix="tiny-qwen-vl-")
        _HOLDERS.append(holder)  # keeps the folder alive as long as the process
        _CACHE[seed] = build_tiny_model(Path(holder.name) / "model", seed=seed)
    return _CACHE[seed]


_HOLDERS: list[tempfile.TemporaryDirectory[str]] = []
