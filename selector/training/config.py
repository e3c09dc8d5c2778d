"""Training settings as dataclasses; every field is also a command-line flag (`--learning-rate 1e-6`).

Defaults follow the paper's peers for a 7B Qwen2.5-VL on one GPU (LoRA r=16, GRPO group of 8, beta 0.04,
learning rate around 1e-6 for GRPO, 1e-5 for SFT). Tests shrink them for the tiny model on CPU.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass
class TrainConfig:
    """What both stages share."""

    model: str = field(metadata={"help": "base checkpoint: a local folder or hub id (Qwen2/2.5-VL family)"})
    dataset: str = field(metadata={"help": "an export folder (creative4u export) or its format subfolder"})
    output_dir: str = field(metadata={"help": "where the LoRA adapter and trainer state are written"})
    adapter: str = field(default="", metadata={"help": "start from this LoRA adapter (e.g. GRPO after SFT)"})
    split: str = "train"
    quantization: str = field(default="none", metadata={"help": "none | nf4 (QLoRA, needs bitsandbytes)"})
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_targets: str = field(
        default="q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj",
        metadata={"help": "comma-separated module names of the language model to adapt (the vision tower is frozen)"},
    )
    learning_rate: float = 1e-5
    max_steps: int = field(default=-1, metadata={"help": "-1: run num_train_epochs"})
    num_train_epochs: float = 1.0
    per_device_train_batch_size: int = 2
    gradient_accumulation_steps: int = 8
    max_pixels: int = field(default=512 * 512, metadata={"help": "each image is downscaled to at most this"})
    logging_steps: int = 10
    save_steps: int = 200
    seed: int = 0
    bf16: bool = field(default=True, metadata={"help": "bfloat16 on CUDA (ignored on CPU)"})
    gradient_checkpointing: bool = True
    use_cpu: bool = False
    max_samples: int = field(default=0, metadata={"help": "0: all; else the first N examples (smoke runs)"})


@dataclass
class SFTRunConfig(TrainConfig):
    """CoT-SFT: teach the output format and comparative reasoning from accepted verdicts."""

    max_length: int = field(default=4096, metadata={"help": "prompt + completion tokens (images included)"})


@dataclass
class GRPORunConfig(TrainConfig):
    """GRPO on the CTR labels with accuracy, format and order-agreement rewards."""

    learning_rate: float = 1e-6
    num_generations: int = 8
    max_completion_length: int = 768
    beta: float = 0.04
    temperature: float = 1.0
    rewards: str = field(default="accuracy,format,order_agreement", metadata={"help": "reward names, in order"})
    reward_weights: str = field(default="1.0,0.5,0.5", metadata={"help": "one weight per reward"})


def _flag_type(annotation: Any) -> Any:
    hint = annotation
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    return hint


def add_arguments(parser: argparse.ArgumentParser, cls: type[Any]) -> None:
    """One flag per field; fields without a default are required."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        flag = "--" + f.name.replace("_", "-")
        kind = _flag_type(hints[f.name])
        help_text = f.metadata.get("help", "")
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if kind is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=f.default, help=help_text)
        else:
            default = None if required else f.default
            parser.add_argument(
                flag, type=kind, required=required, default=default, help=help_text + f" (default: {default})"
            )


def from_args(cls: type[T], args: argparse.Namespace) -> T:
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in vars(args).items() if k in names})


def as_dict(config: Any) -> dict[str, Any]:
    return dataclasses.asdict(config)
