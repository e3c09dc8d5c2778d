"""CoT-SFT and GRPO on the tiny model on CPU, one step each, from an exported dataset; the adapter is saved and
the comparator's own loading code loads it. Flags come from the config dataclasses."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pytest
import torch
from datasets import load_from_disk
from safetensors.torch import load_file
from selector_images import make_creative

from selector.mllm import MLLMComparator, MLLMConfig
from selector.training.cli import main as train_main
from selector.training.config import GRPORunConfig, SFTRunConfig
from selector.training.dataset_writer import write_export
from selector.training.formats import OrderedExample
from selector.training.grpo import reward_functions, run_grpo
from selector.training.runs import read_run
from selector.training.sft import run_sft
from selector.types import Brief, Pair


def _png(creative) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    creative.image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two products, two pairs each shown both ways, written by the export writer."""
    creatives = [make_creative(c, label=t) for c, t in [((200, 30, 30), "SALE"), ((30, 30, 200), ""),
                                                        ((30, 200, 30), "NEW"), ((90, 90, 90), "")]]  # fmt: skip
    images = {c.key: (_png(c), "png") for c in creatives}
    examples = []
    for i, (w, lo, title) in enumerate([(0, 1, "Red kettle"), (2, 3, "Green tea")]):
        brief = Brief(title, ("sale", title.split()[-1]))
        win, lose = creatives[w].key, creatives[lo].key
        reason = "Q3: A>B\nQ10: A\nImage A names the product and shows it larger."
        examples += [
            OrderedExample(f"p{i}", "forward", brief, win, lose, "A", "ctr", reason, "Q3: A<B\nB is cleaner."),
            OrderedExample(f"p{i}", "backward", brief, lose, win, "B", "ctr", None, "Q3: A>B\nA is brighter."),
        ]
    root = tmp_path_factory.mktemp("export") / "export-0001"
    write_export(root, {"train": examples, "test": examples[:2]}, images, {"export_id": 1, "filters": {},
                 "pairs": {"total": 2, "train": 2, "test": 1, "by_source": {"ctr": 2}, "conflicts": 0},
                 "products": {"train": 2, "test": 1}, "batches": 2, "advertisers": 1})  # fmt: skip
    return root


def test_exported_dataset_loads_in_trl_shapes(export_dir: Path) -> None:
    grpo = load_from_disk(str(export_dir / "grpo"))["train"]
    assert len(grpo) == 4 and grpo[0]["images"][0].size == (64, 64)
    assert load_from_disk(str(export_dir / "sft"))["train"].num_rows == 2  # only rows with accepted reasoning
    dpo = load_from_disk(str(export_dir / "dpo"))["train"]
    assert dpo.num_rows == 2 and dpo[0]["chosen"][0]["content"][0]["text"].endswith("<answer>A</answer>")


def test_sft_then_grpo_one_step_each_and_the_adapter_loads(
    export_dir: Path, tiny_model_path: Path, tmp_path: Path, pairs: list[Pair], capsys: pytest.CaptureFixture[str]
) -> None:
    sft_dir = tmp_path / "sft"
    code = train_main([
        "sft", "--model", str(tiny_model_path), "--dataset", str(export_dir), "--output-dir", str(sft_dir),
        "--max-steps", "1", "--per-device-train-batch-size", "2", "--gradient-accumulation-steps", "1",
        "--lora-r", "4", "--lora-alpha", "8", "--learning-rate", "1e-3", "--logging-steps", "1", "--use-cpu",
    ])  # fmt: skip
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["steps"] == 1 and summary["final_loss"] > 0
    weights = load_file(str(sft_dir / "adapter_model.safetensors"))
    assert weights and not any("visual" in k for k in weights)  # the vision tower stays frozen
    assert any("lora_B" in k and v.abs().sum() > 0 for k, v in weights.items())  # one step moved the adapter
    assert read_run(sft_dir)["config"]["lora_r"] == 4

    grpo = run_grpo(
        GRPORunConfig(
            model=str(tiny_model_path), adapter=str(sft_dir), dataset=str(export_dir),
            output_dir=str(tmp_path / "grpo"), max_steps=1, per_device_train_batch_size=4,
            gradient_accumulation_steps=1, num_generations=2, max_completion_length=12, logging_steps=1, use_cpu=True,
        )
    )  # fmt: skip
    assert grpo.steps == 1
    logged = grpo.log[0]
    for name in ("accuracy_reward", "format_reward", "order_agreement_reward"):
        assert f"rewards/{name}/mean" in logged
    # Both orders of a pair shared the generation batch, so the order-agreement reward had mirrors to compare.
    assert not math.isnan(logged["rewards/order_agreement_reward/mean"])
    assert (tmp_path / "grpo" / "adapter_config.json").is_file()

    base = MLLMComparator(MLLMConfig(model=str(tiny_model_path), max_new_tokens=8))
    tuned = MLLMComparator(MLLMConfig(model=str(tiny_model_path), adapter=str(tmp_path / "grpo"), max_new_tokens=8))
    assert tuned.version != base.version
    verdict = tuned.compare(pairs[:1])[0]
    assert 0.0 <= verdict.p_first <= 1.0 and verdict.comparator_version == tuned.version
    # The adapter really is applied: merged weights differ from the base model's.
    changed = [
        name for name, p in tuned.loaded.model.named_parameters()
        if not torch.equal(p, dict(base.loaded.model.named_parameters())[name])
    ]  # fmt: skip
    assert changed and all("visual" not in n for n in changed)


def test_bad_flags_and_configs_fail_clearly(
    export_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert train_main(["grpo", "--model", "m", "--dataset", str(tmp_path), "--output-dir", str(tmp_path / "o")]) == 2
    assert "holds no 'grpo' dataset" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown reward"):
        reward_functions(GRPORunConfig(model="m", dataset="d", output_dir="o", rewards="accuracy,vibes"))
    with pytest.raises(ValueError, match="weights"):
        reward_functions(GRPORunConfig(model="m", dataset="d", output_dir="o", reward_weights="1"))
    with pytest.raises(SystemExit):
        train_main(["sft", "--dataset", str(export_dir)])  # --model and --output-dir are required
    assert SFTRunConfig(model="m", dataset="d", output_dir="o").learning_rate == 1e-5


def test_qlora_sft_step_on_4bit_weights(export_dir: Path, tiny_model_path: Path, tmp_path: Path) -> None:
    """QLoRA: the base in 4-bit NF4 (bitsandbytes runs on CPU too), LoRA in full precision on top."""
    config = SFTRunConfig(
        model=str(tiny_model_path), dataset=str(export_dir), output_dir=str(tmp_path / "qlora"), quantization="nf4",
        max_steps=1, per_device_train_batch_size=2, gradient_accumulation_steps=1, lora_r=4, lora_alpha=8,
        learning_rate=1e-3, logging_steps=1, use_cpu=True,
    )  # fmt: skip
    result = run_sft(config)
    assert result.steps == 1 and result.final_loss is not None
    weights = load_file(str(tmp_path / "qlora" / "adapter_model.safetensors"))
    assert any("lora_B" in k and v.abs().sum() > 0 for k, v in weights.items())
    loaded = MLLMComparator(MLLMConfig(model=str(tiny_model_path), adapter=str(tmp_path / "qlora"), quantization="nf4"))
    assert loaded.loaded.quantization == "nf4"
    with pytest.raises(ValueError, match="quantization"):
        run_sft(SFTRunConfig(model=str(tiny_model_path), dataset=str(export_dir), output_dir="x", quantization="int3"))


def test_dpo_rows_feed_trls_dpo_trainer(export_dir: Path, tiny_model_path: Path, tmp_path: Path) -> None:
    """The DPO format is what TRL's DPOTrainer takes: one step on the tiny model."""
    from trl import DPOConfig, DPOTrainer

    from selector.training.data import load_split
    from selector.training.modeling import common_args, load_trainable

    config = SFTRunConfig(
        model=str(tiny_model_path), dataset=str(export_dir), output_dir=str(tmp_path / "dpo"), max_steps=1,
        per_device_train_batch_size=2, gradient_accumulation_steps=1, lora_r=4, lora_alpha=8, use_cpu=True,
    )  # fmt: skip
    trainable = load_trainable(config)
    trainer = DPOTrainer(
        model=trainable.model, args=DPOConfig(**common_args(config), save_strategy="no"),
        train_dataset=load_split(export_dir, "dpo", seed=0), processing_class=trainable.processor,
    )  # fmt: skip
    trainer.train()
    assert trainer.state.global_step == 1
    # At the first step the policy is its own reference, so the DPO loss is exactly -log(sigmoid(0)) = log 2.
    assert trainer.state.log_history[-1]["train_loss"] == pytest.approx(math.log(2), abs=1e-3)
