"""The model to train: base checkpoint (4-bit NF4 for QLoRA), LoRA on the language model, processor capped."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForImageTextToText, AutoProcessor

from selector.training.config import TrainConfig


@dataclass
class Trainable:
    model: Any  # a peft model
    processor: Any


def lora_target_regex(targets: str) -> str:
    """Named projections of the language model only: the vision tower's blocks use some of the same names."""
    names = "|".join(re.escape(t.strip()) for t in targets.split(",") if t.strip())
    return rf"^(?!.*visual).*\.({names})$"


def on_cuda(config: TrainConfig) -> bool:
    return torch.cuda.is_available() and not config.use_cpu


def load_trainable(config: TrainConfig) -> Trainable:
    from peft import LoraConfig, PeftModel, get_peft_model, prepare_model_for_kbit_training

    cuda = on_cuda(config)
    local = {"local_files_only": True} if Path(config.model).is_dir() else {}
    processor = AutoProcessor.from_pretrained(config.model, **local)
    processor.image_processor.size = {"shortest_edge": 56 * 56, "longest_edge": config.max_pixels}
    dtype = torch.bfloat16 if cuda and config.bf16 else torch.float32
    kwargs: dict[str, Any] = {"dtype": dtype, **local}
    if config.quantization == "nf4":
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=dtype, llm_int8_skip_modules=["visual", "lm_head"],
        )  # fmt: skip
        kwargs["device_map"] = {"": 0} if cuda else {"": "cpu"}
    elif config.quantization != "none":
        raise ValueError("quantization must be none or nf4")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model: Any = AutoModelForImageTextToText.from_pretrained(config.model, **kwargs)
    if config.quantization == "nf4":
        checkpointing = cuda and config.gradient_checkpointing  # on CPU it only slows the tiny model down
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=checkpointing)
    if config.adapter:
        model = PeftModel.from_pretrained(model, config.adapter, is_trainable=True)
    else:
        lora = LoraConfig(
            r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
            target_modules=lora_target_regex(config.lora_targets), task_type="CAUSAL_LM",
        )  # fmt: skip
        model = get_peft_model(model, lora)
    return Trainable(model=model, processor=processor)


def common_args(config: TrainConfig) -> dict[str, Any]:
    """Arguments both TRL configs take."""
    cuda = on_cuda(config)
    return {
        "output_dir": config.output_dir,
        "learning_rate": config.learning_rate,
        "max_steps": config.max_steps,
        "num_train_epochs": config.num_train_epochs,
        "per_device_train_batch_size": config.per_device_train_batch_size,
        "gradient_accumulation_steps": config.gradient_accumulation_steps,
        "logging_steps": config.logging_steps,
        "save_steps": config.save_steps,
        "seed": config.seed,
        "bf16": cuda and config.bf16,
        "use_cpu": not cuda,
        "report_to": "none",
        "remove_unused_columns": False,
        "dataloader_num_workers": 0,
        # Passed only when on: transformers 5 warns about the old name, which TRL 1.16 still reads.
        **({"gradient_checkpointing": True} if cuda and config.gradient_checkpointing else {}),
    }
