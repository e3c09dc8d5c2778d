"""Load a Qwen2-VL / Qwen2.5-VL family checkpoint (+ optional LoRA adapter) for inference."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Any

import torch
from transformers import AutoModelForImageTextToText, AutoProcessor, BitsAndBytesConfig
from transformers.utils import logging as hf_logging

from selector.mllm.config import MLLMConfig, comparator_version, resolved_quantization

log = logging.getLogger(__name__)


@dataclass
class LoadedModel:
    model: Any  # a transformers (or peft) image-text-to-text model
    processor: Any
    device: torch.device
    dtype: torch.dtype
    quantization: str
    version: str


def resolve_device(config: MLLMConfig) -> torch.device:
    if config.device:
        return torch.device(config.device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def resolve_dtype(config: MLLMConfig, device: torch.device) -> torch.dtype:
    if config.dtype:
        return getattr(torch, config.dtype)
    return torch.bfloat16 if device.type == "cuda" else torch.float32


def bnb_config(quantization: str, dtype: torch.dtype) -> BitsAndBytesConfig | None:
    if quantization == "nf4":
        return BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=dtype,
            # The vision tower is small and sensitive; quantizing it saves little.
            llm_int8_skip_modules=["visual", "lm_head"],
        )
    if quantization == "int8":
        return BitsAndBytesConfig(load_in_8bit=True, llm_int8_skip_modules=["visual", "lm_head"])
    return None


def load(config: MLLMConfig) -> LoadedModel:
    """Processor + model (quantized as configured, adapter applied) in eval mode on the chosen device."""
    device = resolve_device(config)
    dtype = resolve_dtype(config, device)
    quantization = resolved_quantization(config.quantization, device.type == "cuda")
    # A local folder never touches the hub; a hub id may download on a user's machine (never in tests).
    local: dict[str, Any] = {"local_files_only": True} if config.is_local else {}
    hf_logging.disable_progress_bar()
    processor = AutoProcessor.from_pretrained(config.model, **local)
    processor.tokenizer.padding_side = "left"  # decoder-only batching: prompts end where generation starts
    kwargs: dict[str, Any] = {"dtype": dtype, **local}
    quant = bnb_config(quantization, dtype)
    if quant is not None:
        kwargs["quantization_config"] = quant
        kwargs["device_map"] = {"": device.index or 0} if device.type == "cuda" else {"": "cpu"}
    elif device.type == "cuda":
        kwargs["device_map"] = {"": device.index or 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model: Any = AutoModelForImageTextToText.from_pretrained(config.model, **kwargs)
    if config.adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, config.adapter, is_trainable=False, **local)
        if quant is None:
            model = model.merge_and_unload()  # no adapter overhead per token when weights are not quantized
    if quant is None and device.type != "cuda":
        model = model.to(device)
    model.eval()
    log.info("loaded %s (%s, %s, %s)", config.model, quantization, dtype, device)
    return LoadedModel(
        model=model,
        processor=processor,
        device=device,
        dtype=dtype,
        quantization=quantization,
        version=comparator_version(config, quantization),
    )
