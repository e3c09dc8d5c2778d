"""Stage 2, GRPO: sample a group of answers per prompt, reward accuracy against the CTR label, the format and
agreement between both orders (TRL `GRPOTrainer`, two images per prompt, LoRA)."""

from __future__ import annotations

from trl import GRPOConfig, GRPOTrainer

from selector.training.config import GRPORunConfig
from selector.training.data import load_split
from selector.training.modeling import common_args, load_trainable
from selector.training.rewards import REWARDS
from selector.training.runs import RunResult, finish


def reward_functions(config: GRPORunConfig) -> tuple[list[object], list[float]]:
    names = [n.strip() for n in config.rewards.split(",") if n.strip()]
    unknown = [n for n in names if n not in REWARDS]
    if unknown or not names:
        raise ValueError(f"unknown reward(s) {unknown}; choose from {', '.join(REWARDS)}")
    weights = [float(w) for w in config.reward_weights.split(",") if w.strip()]
    if len(weights) != len(names):
        raise ValueError(f"{len(names)} rewards but {len(weights)} reward weights")
    return [REWARDS[n] for n in names], weights


def run_grpo(config: GRPORunConfig) -> RunResult:
    dataset = load_split(config.dataset, "grpo", config.split, config.max_samples, seed=config.seed)
    funcs, weights = reward_functions(config)
    trainable = load_trainable(config)
    args = GRPOConfig(
        **common_args(config),
        num_generations=config.num_generations,
        max_completion_length=config.max_completion_length,
        beta=config.beta,
        temperature=config.temperature,
        reward_weights=weights,
        # Both orders of a pair sit next to each other in the export; unshuffled, they share a generation
        # batch, which is what the order-agreement reward compares.
        shuffle_dataset=False,
        save_strategy="no",
    )
    trainer = GRPOTrainer(
        model=trainable.model,
        reward_funcs=funcs,  # type: ignore[arg-type]
        args=args,
        train_dataset=dataset,
        processing_class=trainable.processor,
    )
    trainer.train()
    return finish("grpo", config, trainer)
