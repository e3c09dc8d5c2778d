"""Stage 1, CoT-SFT: supervised fine-tuning on accepted verdicts' reasoning (TRL `SFTTrainer`, LoRA)."""

from __future__ import annotations

from trl import SFTConfig, SFTTrainer

from selector.training.config import SFTRunConfig
from selector.training.data import load_split
from selector.training.modeling import common_args, load_trainable
from selector.training.runs import RunResult, finish


def run_sft(config: SFTRunConfig) -> RunResult:
    dataset = load_split(config.dataset, "sft", config.split, config.max_samples, seed=config.seed)
    trainable = load_trainable(config)
    args = SFTConfig(
        **common_args(config),
        max_length=config.max_length,
        completion_only_loss=True,  # learn the reasoning and answer, not the prompt
        save_strategy="no",
    )
    trainer = SFTTrainer(model=trainable.model, args=args, train_dataset=dataset, processing_class=trainable.processor)
    trainer.train()
    return finish("sft", config, trainer)
