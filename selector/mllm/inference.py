"""One batch of pairs through the model: prompts with two images, greedy generation, answer-slot probability.

The answer slot: after generation, prompt + generated text up to and including `<answer>` (appended after
`</think>`, or after the whole text, when the model never wrote it) is fed once more, and the next-token
logits of "A" and "B", softmaxed over the two, give p_first. So malformed text still yields a confidence.
Where the tokenizer glues the letter to ">" (">A" is one token), the slot is the position before that
token and the two candidates are ">A" and ">B" (see `decision_tokens`).
"""

from __future__ import annotations

import math
import re
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from PIL import Image

from selector.mllm.config import MLLMConfig
from selector.mllm.loading import LoadedModel
from selector.prompt import build_messages
from selector.types import Brief, Creative, Pair

_ANSWER_OPEN = re.compile(r"<\s*answer\s*>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"<\s*/\s*think\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class RawResult:
    text: str
    tokens: int
    p_first: float
    language: str


def fit_image(image: Image.Image, max_pixels: int) -> Image.Image:
    """RGB, downscaled (aspect kept) to at most `max_pixels`; the processor then rounds to its patch grid."""
    image = image.convert("RGB") if image.mode != "RGB" else image
    w, h = image.size
    if w * h <= max_pixels:
        return image
    scale = math.sqrt(max_pixels / (w * h))
    size = (max(1, int(w * scale)), max(1, int(h * scale)))
    # reducing_gap: box-reduce first, then bicubic; several times faster on big uploads, same look.
    return image.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)


class FittedImages:
    """Each creative takes part in many pairs (and both orders): fit it once, keyed by its sha256."""

    def __init__(self, max_pixels: int, capacity: int = 512) -> None:
        self.max_pixels, self.capacity = max_pixels, capacity
        self._items: OrderedDict[str, Image.Image] = OrderedDict()

    def get(self, creative: Creative) -> Image.Image:
        fitted = self._items.get(creative.key)
        if fitted is None:
            fitted = fit_image(creative.image, self.max_pixels)
            self._items[creative.key] = fitted
            if len(self._items) > self.capacity:
                self._items.popitem(last=False)
        self._items.move_to_end(creative.key)
        return fitted


def answer_prefix(generated: str) -> str:
    """Generated text cut just after `<answer>`; `<answer>` appended where the model never wrote it."""
    opened = _ANSWER_OPEN.search(generated)
    if opened:
        return generated[: opened.start()] + "<answer>"
    closed = _THINK_CLOSE.search(generated)
    if closed:
        return generated[: closed.end()] + "<answer>"
    if re.search(r"<\s*think\s*>", generated, re.IGNORECASE):  # cut off mid-reasoning (max_new_tokens)
        return generated + "</think><answer>"
    return generated + "<answer>"


def encode_batch(
    loaded: LoadedModel, pairs: Sequence[Pair], config: MLLMConfig, fitted: FittedImages | None = None
) -> tuple[Any, list[str]]:
    """Processor inputs (left padded) for `pairs`, and each pair's prompt language."""
    processor = loaded.processor
    fitted = fitted or FittedImages(config.max_pixels)
    texts, images, languages = [], [], []
    for pair in pairs:
        language = config.language_for(pair.brief.language)
        brief = Brief(pair.brief.product_title, tuple(pair.brief.queries), language)  # type: ignore[arg-type]
        texts.append(processor.apply_chat_template(build_messages(brief), add_generation_prompt=True, tokenize=False))
        images.append([fitted.get(pair.first), fitted.get(pair.second)])
        languages.append(language)
    inputs = processor(
        text=texts,
        images=images,
        padding=True,
        return_tensors="pt",
        size={"shortest_edge": config.min_pixels, "longest_edge": config.max_pixels},
        device=str(loaded.device),  # resize/normalize on the GPU when there is one
    )
    inputs = inputs.to(loaded.device)
    inputs["pixel_values"] = inputs["pixel_values"].to(loaded.dtype)
    return inputs, languages


def _generated_lengths(new_tokens: torch.Tensor, stop_ids: set[int]) -> list[int]:
    """Tokens each row really generated: up to and including its first stop token."""
    lengths = []
    for row in new_tokens.tolist():
        n = len(row)
        for i, token in enumerate(row):
            if token in stop_ids:
                n = i + 1
                break
        lengths.append(n)
    return lengths


def _stop_ids(loaded: LoadedModel) -> set[int]:
    eos = loaded.model.generation_config.eos_token_id
    ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
    tok = loaded.processor.tokenizer
    for token in ("<|im_end|>", "<|endoftext|>"):
        token_id = tok.convert_tokens_to_ids(token)
        if isinstance(token_id, int) and token_id != tok.unk_token_id:
            ids.add(token_id)
    return ids


def decision_tokens(tokenizer: Any, prefix: str) -> tuple[list[int], int, int]:
    """(context ids, token id that says A, token id that says B) for the answer slot after `prefix`.

    Qwen-style pre-tokenizers glue a letter to the punctuation before it, so "<answer>A" may end in one
    token ">A" rather than ">" + "A". Tokenizing the prefix with each letter and cutting at the first
    token where they differ finds the slot the model really decides at, whatever the vocabulary.
    """
    # split_special_tokens: generated text spelling "<|image_pad|>" must not become an image slot.
    enc = {
        letter: tokenizer(prefix + letter, add_special_tokens=False, split_special_tokens=True)["input_ids"]
        for letter in ("A", "B")
    }
    a, b = enc["A"], enc["B"]
    common = 0
    while common < min(len(a), len(b)) - 1 and a[common] == b[common]:
        common += 1
    return a[:common], a[common], b[common]


def answer_slot_p_first(loaded: LoadedModel, inputs: Any, generated_texts: Sequence[str]) -> list[float]:
    """p(A) / (p(A) + p(B)) at the answer slot after each row's generated text."""
    tok = loaded.processor.tokenizer
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else 0
    rows, types, choices = [], [], []
    for i, text in enumerate(generated_texts):
        keep = inputs["attention_mask"][i].bool()
        prompt_ids = inputs["input_ids"][i][keep].tolist()
        prompt_types = inputs["mm_token_type_ids"][i][keep].tolist()
        cont, a_id, b_id = decision_tokens(tok, answer_prefix(text))
        rows.append(prompt_ids + cont)
        types.append(prompt_types + [0] * len(cont))
        choices.append([a_id, b_id])
    width = max(len(r) for r in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(rows), width), dtype=torch.long)
    mm_types = torch.zeros((len(rows), width), dtype=inputs["mm_token_type_ids"].dtype)
    for i, (ids, kinds) in enumerate(zip(rows, types, strict=True)):
        input_ids[i, width - len(ids) :] = torch.tensor(ids)
        attention[i, width - len(ids) :] = 1
        mm_types[i, width - len(ids) :] = torch.tensor(kinds, dtype=mm_types.dtype)
    out = loaded.model(
        input_ids=input_ids.to(loaded.device),
        attention_mask=attention.to(loaded.device),
        mm_token_type_ids=mm_types.to(loaded.device),
        pixel_values=inputs["pixel_values"],
        image_grid_thw=inputs["image_grid_thw"],
        logits_to_keep=1,  # only the last position's logits: vocab x sequence would not fit at 7B scale
        use_cache=False,
    )
    index = torch.tensor(choices, device=out.logits.device)
    pair_logits = out.logits[:, -1, :].gather(1, index).float()
    return pair_logits.softmax(dim=-1)[:, 0].tolist()


class _Clock:
    """Stage timer for benchmarks; synchronizes CUDA so a stage's kernels count in that stage."""

    def __init__(self, timings: dict[str, float] | None, device: torch.device) -> None:
        self.timings, self.device = timings, device
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        if self.timings is None:
            return
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - self.last
        self.last = now


@torch.inference_mode()
def run_batch(
    loaded: LoadedModel,
    pairs: Sequence[Pair],
    config: MLLMConfig,
    timings: dict[str, float] | None = None,
    fitted: FittedImages | None = None,
) -> list[RawResult]:
    """Generate for one batch of ordered pairs and read each answer slot.

    `timings`, when given, accumulates seconds per stage (encode, generate, decode, answer_slot) for benchmarks.
    """
    clock = _Clock(timings, loaded.device)
    inputs, languages = encode_batch(loaded, pairs, config, fitted)
    clock.lap("encode")
    tok = loaded.processor.tokenizer
    gen_kwargs: dict[str, Any] = {
        "max_new_tokens": config.max_new_tokens,
        "min_new_tokens": config.min_new_tokens or None,
        "do_sample": config.do_sample,
        "pad_token_id": tok.pad_token_id,
    }
    if config.do_sample:
        gen_kwargs["temperature"] = config.temperature
    else:  # a checkpoint's sampling defaults would only raise warnings under greedy decoding
        gen_kwargs.update(temperature=None, top_p=None, top_k=None)
    generated = loaded.model.generate(**inputs, **gen_kwargs)
    clock.lap("generate")
    new_tokens = generated[:, inputs["input_ids"].shape[1] :]
    lengths = _generated_lengths(new_tokens, _stop_ids(loaded))
    texts = [tok.decode(row[:n], skip_special_tokens=True) for row, n in zip(new_tokens.tolist(), lengths, strict=True)]
    clock.lap("decode")
    p_first = answer_slot_p_first(loaded, inputs, texts)
    clock.lap("answer_slot")
    return [
        RawResult(text=t, tokens=n, p_first=p, language=lang)
        for t, n, p, lang in zip(texts, lengths, p_first, languages, strict=True)
    ]
